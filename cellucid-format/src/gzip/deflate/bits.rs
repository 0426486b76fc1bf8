//! An LSB-first bit writer (RFC 1951 §3.1.1 bit order).

/// Where Huffman codes and extra bits go: the output ([`BitWriter`]) or a short bit string
/// kept for later ([`BitString`]).
pub(in crate::gzip) trait BitSink {
    /// Writes the low `count` bits of `bits` (`count <= 32`, higher bits zero).
    fn put(&mut self, bits: u32, count: u32);
}

/// Accumulates bits least-significant first and appends whole bytes to a `Vec<u8>`.
pub(in crate::gzip) struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n_bits: u32,
}

impl BitWriter {
    /// Appends to `out` (which may already hold the gzip header).
    pub(in crate::gzip) fn new(out: Vec<u8>) -> Self {
        Self {
            out,
            acc: 0,
            n_bits: 0,
        }
    }

    /// Writes the low `count` bits of `bits` (`count <= 32`).
    #[inline(always)]
    pub(in crate::gzip) fn put(&mut self, bits: u32, count: u32) {
        BitSink::put(self, bits, count);
    }

    /// Writes a [`BitString`] of at most 64 bits.
    #[inline(always)]
    pub(in crate::gzip) fn put_string(&mut self, s: BitString) {
        if s.len <= 32 {
            BitSink::put(self, s.bits as u32, s.len);
        } else {
            BitSink::put(self, s.bits as u32, 32);
            BitSink::put(self, (s.bits >> 32) as u32, s.len - 32);
        }
    }

    /// Writes each byte of `data` as the literal `table[byte]` (`code | length << 16`, lengths
    /// at most 15 bits; a length of 0 writes nothing).
    ///
    /// The hot loop of a Huffman-only block: three codes go into the accumulator (at most
    /// 7 + 45 bits), then its low eight bytes are stored whole and the write position advances
    /// by the complete bytes, so there is no data-dependent branch (a flush test per code
    /// mispredicts about every other code).
    pub(in crate::gzip) fn put_literals(&mut self, data: &[u8], table: &[u32; 256]) {
        // Bring the accumulator below one byte, as the loop requires.
        while self.n_bits >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n_bits -= 8;
        }
        let mut pos = self.out.len();
        // At most 15 bits a byte, plus the 8 bytes each store may write past the end.
        self.out.resize(pos + data.len() * 15 / 8 + 16, 0);
        let (mut acc, mut n) = (self.acc, self.n_bits);
        let mut triples = data.chunks_exact(3);
        for t in triples.by_ref() {
            for &byte in t {
                let e = table[usize::from(byte)];
                acc |= u64::from(e & 0xffff) << n;
                n += e >> 16;
            }
            if let Some(slot) = self.out.get_mut(pos..pos + 8) {
                slot.copy_from_slice(&acc.to_le_bytes());
            }
            let whole = n >> 3;
            pos += whole as usize;
            acc = acc.checked_shr(whole * 8).unwrap_or(0);
            n &= 7;
        }
        self.out.truncate(pos);
        self.acc = acc;
        self.n_bits = n;
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
        debug_assert_eq!(self.n_bits % 8, 0);
        while self.n_bits >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n_bits -= 8;
        }
        self.out.extend_from_slice(bytes);
    }

    /// Pads to a byte boundary with zero bits and returns the bytes.
    pub(in crate::gzip) fn finish(mut self) -> Vec<u8> {
        while self.n_bits > 0 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n_bits = self.n_bits.saturating_sub(8);
        }
        self.out
    }
}

impl BitSink for BitWriter {
    #[inline(always)]
    fn put(&mut self, bits: u32, count: u32) {
        debug_assert!(count <= 32);
        self.acc |= u64::from(bits) << self.n_bits;
        self.n_bits += count;
        if self.n_bits >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n_bits -= 32;
        }
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
