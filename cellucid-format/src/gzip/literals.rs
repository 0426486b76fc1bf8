//! A Huffman-only gzip member encoder for large payloads that hardly compress (float
//! coordinates, f64 edge weights): every byte is a literal, coded with a dynamic Huffman code
//! per block of [`BLOCK_BYTES`] (or stored when that is smaller), and nothing is searched.
//!
//! **Why.** On such data a match search finds almost nothing, yet it is where a general
//! encoder spends its time: libdeflate's level 1 took 128 ms for the 11.9 MB of f64 edge
//! weights of make_synth 100k, and its deflate stream (11,196,393 B) was 788 B (0.007 %)
//! larger than this encoder's (~30 ms), which needs a byte histogram and one table lookup per byte. Both
//! are smaller than stock zlib level 6 there (11,239,171 B), the reference writer's encoder.
//!
//! **When.** [`encode_if_incompressible`] first deflates evenly spaced windows of the payload
//! at libdeflate's level 1 and gives up unless every window hardly compresses and matches
//! gain almost nothing in it; while encoding, it also gives up at the first block whose bytes
//! alone compress well (a stretch of different data between the windows). The caller then uses
//! a general encoder. Like the other size rules of [`super::encode_payload_member`], this is
//! measured, not guaranteed, to be no larger than stock zlib: a payload whose repeats hide
//! between the windows in bytes that look random one by one would be missed. A compressible
//! stretch found late costs the Huffman pass done so far before the general encoder starts.
//!
//! **Why hand-written.** No maintained crate writes Huffman-only deflate fast: zlib's
//! `Z_HUFFMAN_ONLY` strategy (through `flate2`) still runs its general block machinery
//! (0.19 s for the same 11.9 MB), and libdeflate has no such mode. The block format comes from
//! [`super::deflate`], shared with the sparse-column encoder.

use libdeflater::{CompressionLvl, Compressor};

use super::deflate::{BitWriter, Block, Frequencies, END_OF_BLOCK};
use super::{header_bytes, trailer_bytes};

/// Bytes per deflate block, each with its own Huffman code: the largest stored block, so a
/// block that is stored takes one stored block's framing.
pub const BLOCK_BYTES: usize = STORED_MAX;

/// Bytes of each window deflated by [`encode_if_incompressible`]'s probe.
const PROBE_BYTES: usize = 32 << 10;

/// Payload bytes per probe window (at least [`MIN_PROBES`] windows, at most [`MAX_PROBES`]).
const BYTES_PER_PROBE: usize = 512 << 10;
const MIN_PROBES: usize = 4;
const MAX_PROBES: usize = 64;

/// Share of a window that libdeflate's level 1 must keep for the payload to count as hardly
/// compressing: the share of [`super::encode_payload_member`]'s level-1 rule.
const HARDLY_COMPRESSES: f64 = super::fast::INCOMPRESSIBLE_RATIO;

/// Largest excess of a window's Huffman-only size over its level-1 size: matches must gain
/// less than this for the payload to be encoded without them.
const MAX_MATCH_GAIN: f64 = 0.005;

/// Encodes `data` as one gzip member of Huffman-only blocks (header for `level`, format.md
/// §19). Always valid; its size is the bytes' order-0 entropy plus ~150 bytes a block, so use
/// it for data without repeats (see [`encode_if_incompressible`]).
///
/// ```
/// use cellucid_format::gzip::{decode_member, encode_literals_member};
/// let data: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
/// let member = encode_literals_member(&data, 6);
/// assert_eq!(decode_member(&member, data.len()).ok(), Some(data));
/// ```
pub fn encode_literals_member(data: &[u8], level: u32) -> Vec<u8> {
    encode_blocks(data, level, None).unwrap_or_default()
}

/// [`encode_literals_member`] if `data` hardly compresses and matches would not help (see the
/// module docs); `None` otherwise, leaving the payload to a general encoder.
pub fn encode_if_incompressible(data: &[u8], level: u32) -> Option<Vec<u8>> {
    if data.is_empty() || !probes_say_incompressible(data) {
        return None;
    }
    encode_blocks(data, level, Some(HARDLY_COMPRESSES))
}

/// Whether every probe window keeps more than [`HARDLY_COMPRESSES`] of its size at
/// libdeflate's level 1, and its Huffman-only size exceeds the level-1 size by at most
/// [`MAX_MATCH_GAIN`].
fn probes_say_incompressible(data: &[u8]) -> bool {
    let mut compressor = Compressor::new(CompressionLvl::new(1).unwrap_or_default());
    let mut out = vec![0u8; compressor.deflate_compress_bound(PROBE_BYTES.min(data.len()))];
    probe_windows(data).all(|bytes| {
        let Ok(level_1) = compressor.deflate_compress(bytes, &mut out) else {
            return false;
        };
        let literal_only = plan(bytes).total_bits().div_ceil(8) as f64;
        level_1 as f64 > HARDLY_COMPRESSES * bytes.len() as f64
            && literal_only <= (1.0 + MAX_MATCH_GAIN) * level_1 as f64
    })
}

/// The evenly spaced probe windows of `data` that the size rules deflate to decide: windows of
/// [`PROBE_BYTES`] (all of `data` when smaller), one per [`BYTES_PER_PROBE`] of payload
/// (between [`MIN_PROBES`] and [`MAX_PROBES`]), the first at the start and the last at the end.
pub(super) fn probe_windows(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let window = PROBE_BYTES.min(data.len());
    let probes = (data.len() / BYTES_PER_PROBE).clamp(MIN_PROBES, MAX_PROBES);
    let span = data.len() - window;
    (0..probes).map(move |k| {
        // In u64: `span * k` overflows a 32-bit usize for payloads above ~68 MB.
        let start = if probes > 1 {
            (span as u64 * k as u64 / (probes as u64 - 1)) as usize
        } else {
            0
        };
        &data[start..start + window]
    })
}

/// The Huffman-only block of `bytes`.
fn plan(bytes: &[u8]) -> Block {
    let mut freqs = Frequencies::new();
    for (slot, &count) in freqs.lit.iter_mut().zip(&histogram(bytes)) {
        *slot = count;
    }
    freqs.lit[END_OF_BLOCK] = 1;
    Block::plan(&freqs)
}

/// Byte counts, in four interleaved tables so that runs of one byte value do not serialize
/// on one counter.
fn histogram(bytes: &[u8]) -> [u32; 256] {
    let mut tables = [[0u32; 256]; 4];
    let mut quads = bytes.chunks_exact(4);
    for q in quads.by_ref() {
        for (table, &b) in tables.iter_mut().zip(q) {
            table[usize::from(b)] += 1;
        }
    }
    for &b in quads.remainder() {
        tables[0][usize::from(b)] += 1;
    }
    let mut total = [0u32; 256];
    for table in &tables {
        for (t, &c) in total.iter_mut().zip(table) {
            *t += c;
        }
    }
    total
}

/// Writes the member block by block; with `give_up_below = Some(r)`, returns `None` as soon
/// as a block's Huffman-only size is below `r` times its length.
fn encode_blocks(data: &[u8], level: u32, give_up_below: Option<f64>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 64 + 64);
    out.extend_from_slice(&header_bytes(level));
    let mut w = BitWriter::new(out);
    let n_blocks = data.len().div_ceil(BLOCK_BYTES).max(1);
    for k in 0..n_blocks {
        let bytes =
            &data[(k * BLOCK_BYTES).min(data.len())..((k + 1) * BLOCK_BYTES).min(data.len())];
        let last = k + 1 == n_blocks;
        let block = plan(bytes);
        let huffman_bits = block.total_bits();
        if let Some(ratio) = give_up_below {
            if (huffman_bits as f64) < ratio * 8.0 * bytes.len() as f64 {
                return None;
            }
        }
        // A stored block: 3 header bits, padding to a byte, LEN and NLEN, the bytes; counted
        // with a whole byte for the header and padding.
        let stored_bits = 8 * (bytes.len() as u64 + 5);
        if stored_bits < huffman_bits {
            write_stored(&mut w, bytes, last);
        } else {
            block.write_header(&mut w, last);
            w.put_literals(bytes, &block.literal_table());
            block.write_end_of_block(&mut w);
        }
    }
    let mut out = w.finish();
    out.extend_from_slice(&trailer_bytes(crc32fast::hash(data), data.len() as u64));
    Some(out)
}

/// Largest stored block.
const STORED_MAX: usize = 65_535;

// Every block fits one stored block.
const _: () = assert!(BLOCK_BYTES <= STORED_MAX);

/// `bytes` (at most [`STORED_MAX`]) as one stored block (RFC 1951 §3.2.4), final if `last`.
fn write_stored(w: &mut BitWriter, bytes: &[u8], last: bool) {
    debug_assert!(bytes.len() <= STORED_MAX);
    w.put(u32::from(last), 1);
    w.put(0b00, 2);
    w.align_to_byte();
    let len = bytes.len() as u32;
    w.put(len, 16);
    w.put(!len & 0xffff, 16);
    w.put_bytes(bytes);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::gzip::decode_member;
    use proptest::prelude::*;

    use crate::gzip::test_noise as noise;

    /// Inflates `member` (header, CRC-32 and ISIZE checked) and compares it with `data`.
    fn assert_round_trip(member: &[u8], data: &[u8]) {
        assert_eq!(&member[..10], &header_bytes(6));
        let decoded = decode_member(member, data.len()).unwrap();
        assert!(decoded == data, "{} bytes decode differently", data.len());
        let mut flate = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(member), &mut flate).unwrap();
        assert!(flate == data, "flate2 disagrees on {} bytes", data.len());
    }

    /// Bytes drawn with the given skew: `skew` 0 is uniform noise (stored blocks), larger
    /// values concentrate the bytes on fewer values (Huffman blocks, down to two values).
    fn skewed(n: usize, seed: u64, skew: u32) -> Vec<u8> {
        noise(n, seed)
            .into_iter()
            .map(|b| {
                if skew == 0 {
                    b
                } else {
                    (b >> (8 - 8 / skew.min(8))) ^ 0x5a
                }
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn members_inflate_to_the_payload(
            extra in 0usize..5,
            blocks in 0usize..3,
            seed in any::<u64>(),
            skew in 0u32..9,
        ) {
            let n = (blocks * BLOCK_BYTES + extra).saturating_sub(2);
            let data = skewed(n, seed, skew);
            assert_round_trip(&encode_literals_member(&data, 6), &data);
        }
    }

    #[test]
    fn short_and_degenerate_payloads_round_trip() {
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            vec![0],
            vec![7; 3],
            vec![255; BLOCK_BYTES],
            (0..=255u8).cycle().take(BLOCK_BYTES + 1).collect(),
            noise(STORED_MAX + 1, 3),
            noise(BLOCK_BYTES - 1, 5),
        ];
        for data in &cases {
            assert_round_trip(&encode_literals_member(data, 6), data);
        }
    }

    #[test]
    fn noise_is_stored_and_skewed_bytes_are_huffman_coded() {
        let data = noise(3 * BLOCK_BYTES, 11);
        let stored = encode_literals_member(&data, 6);
        // Each block is its own stored blocks of at most 65,535 bytes, five bytes of framing each.
        let framing = 18 + 5 * 3 * BLOCK_BYTES.div_ceil(STORED_MAX);
        assert_eq!(stored.len(), data.len() + framing);
        // Four equally frequent values and the end-of-block symbol: codes of 2, 2, 2 and 3
        // bits (2.25 a byte), plus the block headers.
        let data = skewed(3 * BLOCK_BYTES, 11, 4);
        let coded = encode_literals_member(&data, 6);
        assert!(
            coded.len() <= data.len() * 9 / 32 + 3 * 40,
            "{}",
            coded.len()
        );
        assert_round_trip(&coded, &data);
    }

    #[test]
    fn only_payloads_without_matches_or_compressible_stretches_qualify() {
        let n = 5 << 20;
        let data = noise(n, 17);
        assert_eq!(
            encode_if_incompressible(&data, 6),
            Some(encode_literals_member(&data, 6))
        );
        // Random-looking bytes with some repeats (one 16-byte record in 16 repeats the one
        // before): the bytes alone look uniform and level 1 keeps over 90 % of them, but its
        // matches gain more than the allowed 0.5 %.
        let mut repeats = noise(n, 19);
        for r in 1..n / 16 {
            if repeats[r * 16] & 15 == 0 {
                repeats.copy_within((r - 1) * 16..r * 16, r * 16);
            }
        }
        let mut c = Compressor::new(CompressionLvl::new(1).unwrap());
        let mut out = vec![0; c.deflate_compress_bound(n)];
        let level_1 = c.deflate_compress(&repeats, &mut out).unwrap();
        assert!(level_1 as f64 > HARDLY_COMPRESSES * n as f64);
        assert_eq!(encode_if_incompressible(&repeats, 6), None);
        // A compressible stretch that no probe window covers (between the first two): the
        // block check gives up there.
        let mut stretch = noise(n, 23);
        let probes = (n / BYTES_PER_PROBE).clamp(MIN_PROBES, MAX_PROBES);
        let gap_start = PROBE_BYTES;
        let gap_end = (n - PROBE_BYTES) / (probes - 1);
        assert!(gap_end - gap_start > 2 * BLOCK_BYTES);
        stretch[gap_start..gap_end].fill(0);
        assert!(probes_say_incompressible(&stretch));
        assert_eq!(encode_if_incompressible(&stretch, 6), None);
        // Compressible everywhere.
        assert_eq!(encode_if_incompressible(&skewed(n, 29, 4), 6), None);
        assert_eq!(encode_if_incompressible(&[], 6), None);
    }
}
