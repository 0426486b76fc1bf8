//! An LSB-first bit writer (RFC 1951 §3.1.1 bit order).

/// Where Huffman codes and extra bits go: the output ([`BitWriter`]) or a short bit string
/// kept for later ([`BitString`]).
pub(in crate::gzip) trait BitSink {
    /// Writes the low `count` bits of `bits` (`count <= 32`, higher bits zero).
    fn put(&mut self, bits: u32, count: u32);
}

/// Accumulates bits least-significant first into a byte buffer.
///
/// Every write is branch-free on the data: the accumulator holds fewer than 8 bits between
/// writes; a write adds its bits, stores the accumulator's low eight bytes at the write
/// position whole, and advances by the complete bytes. A flush test per write instead
/// mispredicted about every other write: the run encoder's writes carry 2 to 40 bits each.
/// The buffer keeps [`SLACK`] bytes beyond the position for those stores.
pub(in crate::gzip) struct BitWriter {
    /// Bytes `..pos` are written; the rest is room for the stores.
    out: Vec<u8>,
    pos: usize,
    acc: u64,
    n_bits: u32,
}

/// Bytes the buffer keeps past the write position.
const SLACK: usize = 16;

impl BitWriter {
    /// Appends to `out` (which may already hold the gzip header).
    pub(in crate::gzip) fn new(mut out: Vec<u8>) -> Self {
        let pos = out.len();
        out.resize(pos + SLACK, 0);
        Self {
            out,
            pos,
            acc: 0,
            n_bits: 0,
        }
    }

    /// Makes room for `bytes` more output bytes at once (the buffer otherwise grows by
    /// doubling when a store would not fit).
    pub(in crate::gzip) fn reserve(&mut self, bytes: usize) {
        let need = self.pos + bytes + SLACK;
        if self.out.len() < need {
            self.out.resize(need, 0);
        }
    }

    /// Writes the low `count` bits of `bits` (`count <= 56`, higher bits zero).
    #[inline(always)]
    pub(in crate::gzip) fn put_wide(&mut self, bits: u64, count: u32) {
        debug_assert!(count <= 56 && self.n_bits < 8);
        self.acc |= bits << self.n_bits;
        self.n_bits += count;
        self.store();
    }

    /// Stores the accumulator at the write position and keeps its last incomplete byte.
    #[inline(always)]
    fn store(&mut self) {
        let pos = self.pos;
        match self.out.get_mut(pos..pos + 8) {
            Some(slot) => slot.copy_from_slice(&self.acc.to_le_bytes()),
            None => self.grow_and_store(),
        }
        let whole = self.n_bits >> 3;
        self.pos += whole as usize;
        // `whole` is at most 7 (n_bits <= 63), so the shift stays below 64.
        self.acc >>= whole * 8;
        self.n_bits &= 7;
    }

    #[cold]
    fn grow_and_store(&mut self) {
        let need = (self.out.len() * 2).max(self.pos + 8 + SLACK);
        self.out.resize(need, 0);
        self.out[self.pos..self.pos + 8].copy_from_slice(&self.acc.to_le_bytes());
    }

    /// Writes the low `count` bits of `bits` (`count <= 32`).
    #[inline(always)]
    pub(in crate::gzip) fn put(&mut self, bits: u32, count: u32) {
        BitSink::put(self, bits, count);
    }

    /// Writes a [`BitString`] of at most 64 bits.
    #[inline(always)]
    pub(in crate::gzip) fn put_string(&mut self, s: BitString) {
        if s.len <= 56 {
            self.put_wide(s.bits, s.len);
        } else {
            self.put_wide(s.bits & 0xFFFF_FFFF, 32);
            self.put_wide(s.bits >> 32, s.len - 32);
        }
    }

    /// Writes each byte of `data` as the literal `table[byte]` (`code | length << 16`, lengths
    /// at most 15 bits; a length of 0 writes nothing).
    ///
    /// The hot loop of a Huffman-only block: three codes go into the accumulator (at most
    /// 7 + 45 bits) before each store, with the state in locals.
    pub(in crate::gzip) fn put_literals(&mut self, data: &[u8], table: &[u32; 256]) {
        // At most 15 bits a byte.
        self.reserve(data.len() * 15 / 8 + 8);
        let (mut pos, mut acc, mut n) = (self.pos, self.acc, self.n_bits);
        let mut triples = data.chunks_exact(3);
        for t in triples.by_ref() {
            for &byte in t {
                let e = table[usize::from(byte)];
                acc |= u64::from(e & 0xffff) << n;
                n += e >> 16;
            }
            // The reserve above leaves room; growing here only guards the invariant.
            if self.out.len() < pos + 8 {
                self.out.resize(pos + 8 + SLACK, 0);
            }
            self.out[pos..pos + 8].copy_from_slice(&acc.to_le_bytes());
            let whole = n >> 3;
            pos += whole as usize;
            // At most 52 bits were held: at most 6 whole bytes.
            acc >>= whole * 8;
            n &= 7;
        }
        (self.pos, self.acc, self.n_bits) = (pos, acc, n);
        for &byte in triples.remainder() {
            let e = table[usize::from(byte)];
            BitSink::put(self, e & 0xffff, e >> 16);
        }
    }

    /// Pads with zero bits to a byte boundary (before a stored block's LEN).
    pub(in crate::gzip) fn align_to_byte(&mut self) {
        let pad = (8 - self.n_bits % 8) % 8;
        BitSink::put(self, 0, pad);
    }

    /// Appends raw bytes; the writer must be at a byte boundary ([`Self::align_to_byte`]).
    pub(in crate::gzip) fn put_bytes(&mut self, bytes: &[u8]) {
        debug_assert_eq!(self.n_bits, 0);
        self.reserve(bytes.len());
        self.out[self.pos..self.pos + bytes.len()].copy_from_slice(bytes);
        self.pos += bytes.len();
    }

    /// Pads to a byte boundary with zero bits and returns the bytes.
    pub(in crate::gzip) fn finish(mut self) -> Vec<u8> {
        if self.n_bits > 0 {
            self.reserve(1);
            self.out[self.pos] = self.acc as u8;
            self.pos += 1;
        }
        self.out.truncate(self.pos);
        self.out
    }
}

impl BitSink for BitWriter {
    #[inline(always)]
    fn put(&mut self, bits: u32, count: u32) {
        debug_assert!(count <= 32);
        self.put_wide(u64::from(bits), count);
    }
}

/// Up to 64 bits recorded LSB-first, to be written later in one step; longer strings are
/// marked as not fitting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(in crate::gzip) struct BitString {
    bits: u64,
    /// Number of bits; more than 64 means the string did not fit (its bits are incomplete).
    len: u32,
}

impl BitString {
    /// Whether every bit put was kept (at most 64).
    pub(in crate::gzip) fn fits(&self) -> bool {
        self.len <= 64
    }

    /// This string followed by the low `count` bits of `bits`, as one write for
    /// [`BitWriter::put_wide`], when the two fit in 56 bits.
    #[inline(always)]
    pub(in crate::gzip) fn followed_by(self, bits: u64, count: u32) -> Option<(u64, u32)> {
        let len = self.len + count;
        (len <= 56).then(|| (self.bits | bits << self.len, len))
    }
}

impl BitSink for BitString {
    #[inline]
    fn put(&mut self, bits: u32, count: u32) {
        if self.len + count <= 64 {
            self.bits |= u64::from(bits) << self.len;
        }
        self.len += count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_packed_lsb_first() {
        let mut w = BitWriter::new(vec![0xAA]);
        w.put(0b1, 1);
        w.put(0b10, 2);
        w.put(0xFFFF_FFFF, 32);
        w.put(0, 5);
        assert_eq!(
            w.finish(),
            vec![0xAA, 0b1111_1101, 0xFF, 0xFF, 0xFF, 0b0000_0111]
        );
    }

    /// A bit string written in one step gives the same bytes as its pieces written one by one,
    /// on both sides of 32 bits; a string past 64 bits is marked as not fitting.
    #[test]
    fn bit_strings_write_like_their_pieces() {
        let pieces: [(u32, u32); 6] = [
            (0b101, 3),
            (0x1FFF, 13),
            (0, 7),
            (0x3FF, 10),
            (1, 1),
            (0x7F, 7),
        ];
        for split in 0..=pieces.len() {
            let mut direct = BitWriter::new(vec![0x11]);
            direct.put(0b11, 2);
            let mut later = BitWriter::new(vec![0x11]);
            later.put(0b11, 2);
            let mut s = BitString::default();
            for &(bits, count) in &pieces[..split] {
                direct.put(bits, count);
                s.put(bits, count);
            }
            assert!(s.fits());
            later.put_string(s);
            for &(bits, count) in &pieces[split..] {
                direct.put(bits, count);
                later.put(bits, count);
            }
            assert_eq!(direct.finish(), later.finish(), "split {split}");
        }
        let mut long = BitString::default();
        long.put(u32::MAX, 32);
        long.put(u32::MAX, 32);
        assert!(long.fits());
        long.put(1, 1);
        assert!(!long.fits());
    }

    proptest::proptest! {
        /// The literal loop writes the same bits as one `put` per byte, from any starting
        /// bit offset, for codes of 0 to 15 bits.
        #[test]
        fn literals_write_like_one_put_per_byte(
            lengths in proptest::collection::vec(0u32..=15, 256),
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            lead in 0u32..32,
        ) {
            let mut table = [0u32; 256];
            for (i, (slot, &len)) in table.iter_mut().zip(&lengths).enumerate() {
                let code = (i as u32).wrapping_mul(0x9E37) & ((1u32 << len) - 1);
                *slot = code | len << 16;
            }
            let mut fast = BitWriter::new(vec![0x42]);
            let mut slow = BitWriter::new(vec![0x42]);
            fast.put(0x5555_5555 & ((1u64 << lead) - 1) as u32, lead);
            slow.put(0x5555_5555 & ((1u64 << lead) - 1) as u32, lead);
            fast.put_literals(&data, &table);
            for &b in &data {
                let e = table[usize::from(b)];
                slow.put(e & 0xffff, e >> 16);
            }
            fast.put(0b101, 3);
            slow.put(0b101, 3);
            proptest::prop_assert_eq!(fast.finish(), slow.finish());
        }
    }

    #[test]
    fn stored_bytes_follow_the_padding() {
        let mut w = BitWriter::new(Vec::new());
        w.put(0b101, 3);
        w.align_to_byte();
        w.put_bytes(&[1, 2, 3]);
        w.put(1, 1);
        assert_eq!(w.finish(), vec![0b101, 1, 2, 3, 1]);
    }
}
