//! CRC-32 (the gzip polynomial) of the dense payload, computed from the sparse column: stored
//! codes byte by byte, and each run of the fill element in `O(log run)` table steps, without
//! producing the run's bytes.
//!
//! The CRC register update is affine over GF(2): appending `n` bytes `B` to register `r` gives
//! `Z^n(r) ⊕ crc_0(B)`, where `Z^n` ("append n zero bytes") is linear and `crc_0(B)` is the
//! register after `B` from 0. `Z^(2^j)` is applied through four 256-entry tables
//! (built once per process, for j < 40), and `crc_0(P^(2^k))` of the fill pattern `P` repeated
//! `2^k` times by doubling: `crc_0(P^(2^(k+1))) = Z^(2^k·|P|)(crc_0(P^(2^k))) ⊕ crc_0(P^(2^k))`.

use std::sync::OnceLock;

/// The reflected gzip polynomial.
const POLY: u32 = 0xEDB8_8320;
/// Powers `Z^(2^j)` tabulated: enough for runs of up to 2^38 bytes.
const POWERS: usize = 40;

/// `a·b mod p(x)` in the reflected representation (bit 31 is x^0).
fn multiply(a: u32, mut b: u32) -> u32 {
    let mut p = 0u32;
    for i in 0..32 {
        p ^= b & ((a >> (31 - i)) & 1).wrapping_neg();
        b = (b >> 1) ^ ((b & 1).wrapping_neg() & POLY);
    }
    p
}

type ShiftTable = [[u32; 256]; 4];

/// `tables[j]` appends `2^j` zero bytes to a register.
fn zero_tables() -> &'static [ShiftTable] {
    static TABLES: OnceLock<Vec<ShiftTable>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut out = Vec::with_capacity(POWERS);
        let mut x = 0x0080_0000u32; // x^8: one zero byte
        for _ in 0..POWERS {
            let mut t = [[0u32; 256]; 4];
            for (k, row) in t.iter_mut().enumerate() {
                for (v, slot) in row.iter_mut().enumerate() {
                    *slot = multiply(x, (v as u32) << (8 * k));
                }
            }
            out.push(t);
            x = multiply(x, x);
        }
        out
    })
}

#[inline(always)]
fn shift(t: &ShiftTable, r: u32) -> u32 {
    t[0][(r & 0xFF) as usize]
        ^ t[1][((r >> 8) & 0xFF) as usize]
        ^ t[2][((r >> 16) & 0xFF) as usize]
        ^ t[3][(r >> 24) as usize]
}

fn byte_table() -> &'static [u32; 256] {
    static TABLE: OnceLock<[u32; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            }
            *slot = c;
        }
        t
    })
}

/// A running CRC-32 over a payload made of literal bytes and runs of one repeated pattern.
pub(super) struct RunCrc {
    register: u32,
    bytes: u64,
    zeros: &'static [ShiftTable],
    table: &'static [u32; 256],
    /// `log2(pattern length)`: the pattern is 1 or 2 bytes.
    log_width: usize,
    /// `pattern_powers[k] = crc_0(P^(2^k))`.
    pattern_powers: Vec<u32>,
}

impl RunCrc {
    /// A CRC over nothing yet, for runs of `pattern` (1 or 2 bytes).
    pub(super) fn new(pattern: &[u8]) -> Self {
        let zeros = zero_tables();
        let table = byte_table();
        let log_width = usize::from(pattern.len() == 2);
        let mut p = 0u32;
        for &b in pattern {
            p = (p >> 8) ^ table[((p ^ u32::from(b)) & 0xFF) as usize];
        }
        let mut pattern_powers = Vec::with_capacity(POWERS - 1);
        for k in 0..POWERS - log_width {
            pattern_powers.push(p);
            // P^(2^(k+1)) = P^(2^k) twice: shift by its 2^(k + log_width) bytes, add it again.
            p = shift(&zeros[k + log_width], p) ^ p;
        }
        Self {
            register: 0xFFFF_FFFF,
            bytes: 0,
            zeros,
            table,
            log_width,
            pattern_powers,
        }
    }

    /// Appends literal bytes.
    #[inline]
    pub(super) fn bytes(&mut self, data: &[u8]) {
        let mut r = self.register;
        for &b in data {
            r = (r >> 8) ^ self.table[((r ^ u32::from(b)) & 0xFF) as usize];
        }
        self.register = r;
        self.bytes += data.len() as u64;
    }

    /// Appends the pattern `count` times, in `O(log count)` table steps.
    pub(super) fn run(&mut self, count: u64) {
        let mut r = self.register;
        let mut rest = count;
        let mut k = 0;
        while rest != 0 {
            if rest & 1 != 0 {
                if let (Some(t), Some(&c)) = (
                    self.zeros.get(k + self.log_width),
                    self.pattern_powers.get(k),
                ) {
                    r = shift(t, r) ^ c;
                }
            }
            rest >>= 1;
            k += 1;
        }
        self.register = r;
        self.bytes += count << self.log_width;
    }

    /// The CRC-32 and the byte count so far.
    pub(super) fn finish(&self) -> (u32, u64) {
        (!self.register, self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_equal_byte_by_byte_crc() {
        for pattern in [&[0u8][..], &[7], &[0, 0], &[0x34, 0x12]] {
            for (lead, count) in [
                (0usize, 0u64),
                (0, 1),
                (3, 1),
                (1, 5),
                (2, 258),
                (5, 1000),
                (0, 65_537),
            ] {
                let mut crc = RunCrc::new(pattern);
                let head: Vec<u8> = (0..lead as u8).map(|i| i.wrapping_mul(37)).collect();
                crc.bytes(&head);
                crc.run(count);
                crc.bytes(&[9, 8]);
                let mut dense = head.clone();
                for _ in 0..count {
                    dense.extend_from_slice(pattern);
                }
                dense.extend_from_slice(&[9, 8]);
                assert_eq!(
                    crc.finish(),
                    (crc32fast::hash(&dense), dense.len() as u64),
                    "{pattern:?} {lead} {count}"
                );
            }
        }
    }
}
