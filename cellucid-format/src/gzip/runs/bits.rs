//! An LSB-first bit writer (RFC 1951 §3.1.1 bit order).

/// Where Huffman codes and extra bits go: the output ([`BitWriter`]) or a short bit string
/// kept for later ([`BitString`]).
pub(super) trait BitSink {
    /// Writes the low `count` bits of `bits` (`count <= 32`, higher bits zero).
    fn put(&mut self, bits: u32, count: u32);
}

/// Accumulates bits least-significant first and appends whole bytes to a `Vec<u8>`.
pub(super) struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n_bits: u32,
}

impl BitWriter {
    /// Appends to `out` (which may already hold the gzip header).
    pub(super) fn new(out: Vec<u8>) -> Self {
        Self {
            out,
            acc: 0,
            n_bits: 0,
        }
    }

    /// Writes the low `count` bits of `bits` (`count <= 32`).
    #[inline(always)]
    pub(super) fn put(&mut self, bits: u32, count: u32) {
        BitSink::put(self, bits, count);
    }

    /// Writes a [`BitString`] of at most 64 bits.
    #[inline(always)]
    pub(super) fn put_string(&mut self, s: BitString) {
        if s.len <= 32 {
            BitSink::put(self, s.bits as u32, s.len);
        } else {
            BitSink::put(self, s.bits as u32, 32);
            BitSink::put(self, (s.bits >> 32) as u32, s.len - 32);
        }
    }

    /// Pads to a byte boundary with zero bits and returns the bytes.
    pub(super) fn finish(mut self) -> Vec<u8> {
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
pub(super) struct BitString {
    bits: u64,
    /// Number of bits; more than 64 means the string did not fit (its bits are incomplete).
    len: u32,
}

impl BitString {
    /// Whether every bit put was kept (at most 64).
    pub(super) fn fits(&self) -> bool {
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
}
