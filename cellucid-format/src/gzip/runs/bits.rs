//! An LSB-first bit writer (RFC 1951 §3.1.1 bit order).

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
        debug_assert!(count <= 32);
        self.acc |= u64::from(bits) << self.n_bits;
        self.n_bits += count;
        if self.n_bits >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n_bits -= 32;
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
}
