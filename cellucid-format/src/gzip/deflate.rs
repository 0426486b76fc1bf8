//! Deflate blocks (RFC 1951) built from symbol frequencies: length-limited Huffman codes,
//! the dynamic-block header, and an LSB-first bit writer. Shared by the gzip encoders written
//! here ([`super::runs`] for sparse columns, [`super::literals`] for payloads that hardly
//! compress); the general encoders (zlib, libdeflate) come from crates.

mod bits;
mod huffman;

pub(super) use self::bits::{BitSink, BitString, BitWriter};
use self::huffman::{canonical_codes, code_lengths, rle_lengths};

pub(super) const END_OF_BLOCK: usize = 256;
pub(super) const MAX_MATCH: u64 = 258;
pub(super) const MIN_MATCH: u64 = 3;

/// Receives the token stream.
pub(super) trait Sink {
    fn literal(&mut self, byte: u8);
    /// A match of `len` (3..=258) bytes at distance `dist` (1 or 2).
    fn matched(&mut self, len: u16, dist: u16);
}

/// `(symbol, extra bits, extra value)` of a match length (RFC 1951 §3.2.5).
const fn length_symbol(len: u16) -> (u16, u8, u16) {
    const BASE: [u16; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ];
    const EXTRA: [u8; 29] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ];
    if len >= 258 {
        return (285, 0, 0);
    }
    let mut i = 27;
    while BASE[i] > len {
        i -= 1;
    }
    (257 + i as u16, EXTRA[i], len - BASE[i])
}

/// Length symbols for every match length, indexed by length.
pub(super) const LENGTH_TABLE: [(u16, u8, u16); 259] = {
    let mut t = [(0u16, 0u8, 0u16); 259];
    let mut len = 3;
    while len <= 258 {
        t[len] = length_symbol(len as u16);
        len += 1;
    }
    t
};

pub(super) struct Frequencies {
    /// Literal/length symbol counts.
    pub(super) lit: [u32; 286],
    /// Distance symbol counts.
    pub(super) dist: [u32; 30],
    /// Extra bits of the match lengths.
    pub(super) extra_bits: u64,
}

impl Frequencies {
    pub(super) fn new() -> Self {
        Self {
            lit: [0; 286],
            dist: [0; 30],
            extra_bits: 0,
        }
    }
}

impl Sink for Frequencies {
    #[inline]
    fn literal(&mut self, byte: u8) {
        self.lit[usize::from(byte)] += 1;
    }

    #[inline]
    fn matched(&mut self, len: u16, dist: u16) {
        let (sym, extra, _) = LENGTH_TABLE[usize::from(len)];
        self.lit[usize::from(sym)] += 1;
        self.extra_bits += u64::from(extra);
        self.dist[usize::from(dist - 1)] += 1;
    }
}

/// Order in which code-length code lengths are sent (RFC 1951 §3.2.7).
const CL_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// The chosen Huffman codes of one block.
pub(super) struct Block {
    dynamic: bool,
    lit_len: Vec<u8>,
    lit_code: Vec<u16>,
    dist_len: Vec<u8>,
    dist_code: Vec<u16>,
    /// Dynamic header: HLIT, HDIST, the code-length code and the RLE'd lengths.
    hlit: usize,
    hdist: usize,
    cl_len: Vec<u8>,
    cl_code: Vec<u16>,
    hclen: usize,
    rle: Vec<huffman::LengthSymbol>,
    total_bits: u64,
}

fn fixed_lit_lengths() -> Vec<u8> {
    (0..288)
        .map(|s| match s {
            0..=143 => 8,
            144..=255 => 9,
            256..=279 => 7,
            _ => 8,
        })
        .collect()
}

fn cost(freqs: &[u32], lengths: &[u8]) -> u64 {
    freqs
        .iter()
        .zip(lengths)
        .map(|(&f, &l)| u64::from(f) * u64::from(l))
        .sum()
}

impl Block {
    /// Builds the dynamic code and keeps it unless the fixed code is smaller.
    pub(super) fn plan(freqs: &Frequencies) -> Self {
        let lit_len = code_lengths(&freqs.lit, 15);
        let dist_len = code_lengths(&freqs.dist, 15);
        let hlit = lit_len
            .iter()
            .rposition(|&l| l > 0)
            .map_or(0, |p| p + 1)
            .max(257);
        let hdist = dist_len
            .iter()
            .rposition(|&l| l > 0)
            .map_or(0, |p| p + 1)
            .max(1);
        let all: Vec<u8> = lit_len[..hlit]
            .iter()
            .chain(&dist_len[..hdist])
            .copied()
            .collect();
        let rle = rle_lengths(&all);
        let mut cl_freq = [0u32; 19];
        for s in &rle {
            cl_freq[usize::from(s.symbol)] += 1;
        }
        let cl_len = code_lengths(&cl_freq, 7);
        let hclen = CL_ORDER
            .iter()
            .rposition(|&s| cl_len[s] > 0)
            .map_or(0, |p| p + 1)
            .max(4);
        let header_bits = 3
            + 14
            + 3 * hclen as u64
            + rle
                .iter()
                .map(|s| u64::from(cl_len[usize::from(s.symbol)]) + u64::from(s.extra_bits))
                .sum::<u64>();
        let dynamic_bits = header_bits
            + cost(&freqs.lit, &lit_len)
            + cost(&freqs.dist, &dist_len)
            + freqs.extra_bits;

        let fixed_lit = fixed_lit_lengths();
        let fixed_dist = vec![5u8; 30];
        let fixed_bits =
            3 + cost(&freqs.lit, &fixed_lit) + cost(&freqs.dist, &fixed_dist) + freqs.extra_bits;

        if fixed_bits <= dynamic_bits {
            Self {
                dynamic: false,
                lit_code: canonical_codes(&fixed_lit),
                lit_len: fixed_lit,
                dist_code: canonical_codes(&fixed_dist),
                dist_len: fixed_dist,
                hlit: 0,
                hdist: 0,
                cl_len: Vec::new(),
                cl_code: Vec::new(),
                hclen: 0,
                rle: Vec::new(),
                total_bits: fixed_bits,
            }
        } else {
            Self {
                dynamic: true,
                lit_code: canonical_codes(&lit_len),
                lit_len,
                dist_code: canonical_codes(&dist_len),
                dist_len,
                hlit,
                hdist,
                cl_code: canonical_codes(&cl_len),
                cl_len,
                hclen,
                rle,
                total_bits: dynamic_bits,
            }
        }
    }

    /// Bits of the whole block: header, symbols and extra bits.
    pub(super) fn total_bits(&self) -> u64 {
        self.total_bits
    }

    /// The code of each byte value as a literal, packed as `code | length << 16` for
    /// [`BitWriter::put_literals`].
    pub(super) fn literal_table(&self) -> [u32; 256] {
        let mut table = [0u32; 256];
        for (slot, (&code, &len)) in table
            .iter_mut()
            .zip(self.lit_code.iter().zip(&self.lit_len))
        {
            *slot = u32::from(code) | u32::from(len) << 16;
        }
        table
    }

    /// Writes the end-of-block symbol.
    pub(super) fn write_end_of_block(&self, w: &mut BitWriter) {
        w.put(
            u32::from(self.lit_code[END_OF_BLOCK]),
            u32::from(self.lit_len[END_OF_BLOCK]),
        );
    }

    pub(super) fn bytes_estimate(&self) -> usize {
        (self.total_bits / 8 + 1) as usize
    }

    /// BFINAL (set on the `last` block), BTYPE, and for a dynamic block the code description.
    pub(super) fn write_header(&self, w: &mut BitWriter, last: bool) {
        w.put(u32::from(last), 1);
        if !self.dynamic {
            w.put(0b01, 2);
            return;
        }
        w.put(0b10, 2);
        w.put((self.hlit - 257) as u32, 5);
        w.put((self.hdist - 1) as u32, 5);
        w.put((self.hclen - 4) as u32, 4);
        for &s in &CL_ORDER[..self.hclen] {
            w.put(u32::from(self.cl_len[s]), 3);
        }
        for s in &self.rle {
            let sym = usize::from(s.symbol);
            w.put(u32::from(self.cl_code[sym]), u32::from(self.cl_len[sym]));
            if s.extra_bits > 0 {
                w.put(u32::from(s.extra), u32::from(s.extra_bits));
            }
        }
    }
}

/// Writes tokens with the block's codes.
pub(super) struct Emitter<'a, W> {
    /// Where the bits go.
    pub(super) w: W,
    /// The codes used.
    pub(super) block: &'a Block,
}

impl<W: BitSink> Emitter<'_, W> {
    #[inline]
    pub(super) fn symbol(&mut self, sym: usize) {
        self.w.put(
            u32::from(self.block.lit_code[sym]),
            u32::from(self.block.lit_len[sym]),
        );
    }
}

impl<W: BitSink> Sink for Emitter<'_, W> {
    #[inline]
    fn literal(&mut self, byte: u8) {
        self.symbol(usize::from(byte));
    }

    #[inline]
    fn matched(&mut self, len: u16, dist: u16) {
        let (sym, extra_bits, extra) = LENGTH_TABLE[usize::from(len)];
        self.symbol(usize::from(sym));
        if extra_bits > 0 {
            self.w.put(u32::from(extra), u32::from(extra_bits));
        }
        // Distances 1 and 2 are codes 0 and 1, without extra bits.
        let d = usize::from(dist - 1);
        self.w.put(
            u32::from(self.block.dist_code[d]),
            u32::from(self.block.dist_len[d]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_symbols_follow_rfc_1951() {
        assert_eq!(LENGTH_TABLE[3], (257, 0, 0));
        assert_eq!(LENGTH_TABLE[10], (264, 0, 0));
        assert_eq!(LENGTH_TABLE[11], (265, 1, 0));
        assert_eq!(LENGTH_TABLE[12], (265, 1, 1));
        assert_eq!(LENGTH_TABLE[227], (284, 5, 0));
        assert_eq!(LENGTH_TABLE[257], (284, 5, 30));
        assert_eq!(LENGTH_TABLE[258], (285, 0, 0));
    }
}
