//! The fast general encoder for dense payloads: libdeflate, with stock zlib kept where a
//! member must provably be no larger than the reference writer's.
//!
//! **Why.** Stock zlib (what the reference writer uses, so what [`encode_member`] reproduces
//! byte for byte) spends most of an export's general deflate time in `longest_match`: on the
//! connectivity payloads of a 100k-cell atlas (u32 neighbour indices, f64 weights) libdeflate
//! at the same level ran 3.5–20× faster and was smaller in total (18,084,825 vs 18,108,092 B
//! over the 15 non-gene payloads), but not on every payload: on the 1,704 golden payloads it
//! was larger on 266 (by at most 45 bytes), and on the f64 weights by 0.09 %. No level of
//! libdeflate was smaller on all of them.
//!
//! **Policy of [`encode_payload_member`].**
//! 1. A payload larger than [`INCOMPRESSIBLE_CHECK_MIN_BYTES`] (64 KiB) that hardly compresses
//!    (> 90 % kept at libdeflate's level 1: f64 edge weights, float coordinates, the
//!    near-random outlier quantiles) skips the match search. Below [`HUFFMAN_ONLY_MIN_BYTES`]
//!    (512 KiB) the whole payload is deflated at libdeflate's level 1 to decide, and that
//!    member is the one kept. From there, evenly spaced windows decide and the payload is
//!    written Huffman-only by [`super::encode_if_incompressible`] (see its module for the rules
//!    and the checks made while writing), or goes to rule 2 or 3 when those checks fail. On
//!    such data a match search finds almost nothing (make_synth 100k, deflate streams without
//!    the 18 bytes of gzip framing: edge weights 11,196,393 B in 128–171 ms at level 1,
//!    11,195,605 B Huffman-only in ~30 ms, against 11,248,852 B at level 6 and 11,239,171 B by
//!    stock zlib 6; 3-D points 1,108,522 B in 11 ms at level 1, 1,108,454 B Huffman-only in
//!    3 ms, against 1,110,627 B by stock zlib 6; the five 100 kB outlier and score fields
//!    100,007–100,025 B at level 1 against stock zlib's 100,053 B).
//! 2. Otherwise, for payloads of at most [`ZLIB_CHECK_MAX_BYTES`] (4 MiB), libdeflate at the
//!    asked level and stock zlib both run and the smaller member is kept, so such a member is
//!    never larger than the reference's. That covers the compressible payloads of an atlas up to
//!    about 35k cells (every golden payload; categorical codes, where zlib is up to 11 % smaller
//!    than libdeflate; q8 obs fields and genes up to 4M cells, kNN indices up to ~70k cells at
//!    k = 15) for a bounded cost: stock zlib deflates such payloads at 10–30 MB/s.
//! 3. Larger payloads (the connectivity arrays of big atlases) are encoded by libdeflate alone at
//!    the asked level, where running zlib as well would cost ~1 s of CPU per 100k cells. When
//!    the probe windows keep more than [`NEAR_RANDOM_RATIO`] of their bytes at level 1 (bytes
//!    that look random one by one), the payload is deflated at level 1: make_synth 100k's
//!    6 MB of kNN destination indices (near-random u32, 67 % kept) took 103 ms at level 6 for
//!    3,934,146 B and 62 ms at level 1 for 3,943,396 B, both below stock zlib 6's
//!    3,965,075 B; its source indices (sorted, 3.5 % kept, level 1 3.5 % larger) keep level 6.
//!    The ratio was chosen on integer indices; float payloads that large (points from ~350k
//!    cells, vector fields) that keep 50–90 % take level 1 too, where the float payloads
//!    measured under rule 1 were smaller at level 1 than by stock zlib 6 (above).
//!
//! Rules 1 and 3 do not guarantee a member no larger than stock zlib's (format.md §26 (e) asks
//! for it as a "should"). Rule 1 was smaller on every payload measured; rule 3 on all but one:
//! make_synth 100k's 6 MB `edges.src`, by 0.12 %. From [`HUFFMAN_ONLY_MIN_BYTES`], rule 1
//! decides by probe windows (four of 32 KiB up to 2 MiB), so repeats hidden between them in
//! bytes that look random one by one would be missed there too (see
//! [`super::encode_if_incompressible`]); below, the whole payload decides.
//! The header follows format.md §19 for the requested level either way.
//!
//! libdeflate comes through `libdeflater`, whose build compiles the bundled C source with
//! `cc` (no system library), like the static zlib behind `flate2`.

use libdeflater::{CompressionLvl, Compressor};

use super::{encode_member, header_bytes, trailer_bytes};

/// Largest payload (bytes) for which [`encode_payload_member`] also runs stock zlib and keeps
/// the smaller member.
pub const ZLIB_CHECK_MAX_BYTES: usize = 4 << 20;

/// Compresses `data` into one gzip member with libdeflate at `level` (1–9; larger values act
/// as 9, 0 stores), framed with the reference header and trailer (format.md §19).
///
/// ```
/// use cellucid_format::gzip::{decode_member, encode_member_libdeflate};
/// let member = encode_member_libdeflate(b"cellucid cellucid", 6);
/// assert_eq!(&member[..10], &cellucid_format::gzip::header_bytes(6));
/// assert_eq!(decode_member(&member, 1 << 20).ok(), Some(b"cellucid cellucid".to_vec()));
/// ```
pub fn encode_member_libdeflate(data: &[u8], level: u32) -> Vec<u8> {
    libdeflate_member(data, level, level)
}

/// One gzip member of `data` deflated by libdeflate at `effort`, with the header of `level`.
fn libdeflate_member(data: &[u8], effort: u32, level: u32) -> Vec<u8> {
    let level = level.min(9);
    // `effort` is 0..=9, always valid for libdeflate (0..=12).
    let lvl = CompressionLvl::new(effort.min(9) as i32).unwrap_or_default();
    let mut compressor = Compressor::new(lvl);
    let bound = compressor.deflate_compress_bound(data.len());
    let mut out = vec![0u8; 10 + bound + 8];
    out[..10].copy_from_slice(&header_bytes(level));
    let written = match compressor.deflate_compress(data, &mut out[10..10 + bound]) {
        Ok(n) => n,
        // Cannot happen with a buffer of the bound's size; zlib is always correct.
        Err(_) => return encode_member(data, level),
    };
    out.truncate(10 + written);
    out.extend_from_slice(&trailer_bytes(crc32fast::hash(data), data.len() as u64));
    out
}

/// Compresses a dense payload into one gzip member by the policy in the module docs: for a
/// payload above [`INCOMPRESSIBLE_CHECK_MIN_BYTES`] that hardly compresses, libdeflate at
/// level 1 (below [`HUFFMAN_ONLY_MIN_BYTES`]) or Huffman-only blocks (from there, when the
/// checks of [`super::encode_if_incompressible`] pass); else libdeflate at `level`, and for payloads up
/// to [`ZLIB_CHECK_MAX_BYTES`] also stock zlib, keeping the smaller (so such a member is never
/// larger than [`encode_member`]'s). Above that size, a near-random payload (probe windows
/// keeping more than [`NEAR_RANDOM_RATIO`] at level 1) is deflated at libdeflate's level 1.
///
/// ```
/// use cellucid_format::gzip::{encode_member, encode_payload_member};
/// let data: Vec<u8> = (0..50_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
/// assert!(encode_payload_member(&data, 6).len() <= encode_member(&data, 6).len());
/// ```
pub fn encode_payload_member(data: &[u8], level: u32) -> Vec<u8> {
    if data.len() > INCOMPRESSIBLE_CHECK_MIN_BYTES && level > 1 {
        if data.len() < HUFFMAN_ONLY_MIN_BYTES {
            // Below 512 KiB the whole payload is measured, and the member kept if it hardly
            // compresses: a payload that compresses anywhere keeps the zlib check.
            let level_1 = libdeflate_member(data, 1, level);
            if hardly_compresses(
                level_1.len().saturating_sub(MEMBER_FRAMING_BYTES),
                data.len(),
            ) {
                return level_1;
            }
        } else if let Some(member) = super::literals::encode_if_incompressible(data, level) {
            return member;
        }
    }
    if data.len() > ZLIB_CHECK_MAX_BYTES {
        let effort = if level > 1 && near_random(data) {
            1
        } else {
            level
        };
        return libdeflate_member(data, effort, level);
    }
    let fast = encode_member_libdeflate(data, level);
    let zlib = encode_member(data, level);
    if zlib.len() < fast.len() {
        zlib
    } else {
        fast
    }
}

/// Share of their bytes that the probe windows of a payload above [`ZLIB_CHECK_MAX_BYTES`]
/// must keep, in total, at libdeflate's level 1 for the payload to be deflated at level 1
/// (rule 3 of the module docs).
pub const NEAR_RANDOM_RATIO: f64 = 0.5;

/// Whether the probe windows of `data` (those of the Huffman-only rule) keep more than
/// [`NEAR_RANDOM_RATIO`] of their bytes at libdeflate's level 1, all together: bytes that
/// look random one by one, where a deeper match search has little to find, like the
/// neighbour indices of a kNN graph (level 6 spent 60 % more time there to gain 0.2 %).
/// Comparing the asked level with level 1 on the windows instead would mislead: 32 KiB windows
/// of those indices came out up to 2.3 % smaller or 3.1 % larger at level 1, and on sorted
/// indices, where level 6 gains 4–6 % over a whole payload, the windows came out equal.
fn near_random(data: &[u8]) -> bool {
    let mut shallow = Compressor::new(CompressionLvl::new(1).unwrap_or_default());
    let mut out = Vec::new();
    let (mut raw, mut deflated) = (0usize, 0usize);
    for window in super::literals::probe_windows(data) {
        out.resize(shallow.deflate_compress_bound(window.len()), 0);
        let Ok(n) = shallow.deflate_compress(window, &mut out) else {
            return false;
        };
        (raw, deflated) = (raw + window.len(), deflated + n);
    }
    deflated as f64 > NEAR_RANDOM_RATIO * raw as f64
}

/// Smallest payload (bytes) that [`encode_payload_member`] writes Huffman-only when it hardly
/// compresses. Below, deflating the whole payload at level 1 to decide costs little (0.8 ms
/// for a 100 kB outlier field); above, it cost as much as the Huffman-only member itself
/// several times over (make_synth 100k's points: 8 and 11 ms at level 1, 2.8 and 3.1 ms
/// Huffman-only with the probes, 50 and 68 bytes smaller).
pub const HUFFMAN_ONLY_MIN_BYTES: usize = 512 << 10;

/// Header and trailer bytes of a gzip member (format.md §19).
const MEMBER_FRAMING_BYTES: usize = 18;

/// Whether `deflated` bytes of deflate output for `raw` bytes keep more than
/// [`INCOMPRESSIBLE_RATIO`] of them.
fn hardly_compresses(deflated: usize, raw: usize) -> bool {
    deflated as f64 > INCOMPRESSIBLE_RATIO * raw as f64
}

/// Payload size (bytes) above which [`encode_payload_member`] skips the match search's depth
/// for a payload that hardly compresses (libdeflate's level 1, or Huffman-only blocks from
/// [`HUFFMAN_ONLY_MIN_BYTES`]). Payloads of at most this size (every golden payload) always get
/// the stock-zlib check, which costs at most a few milliseconds there.
pub const INCOMPRESSIBLE_CHECK_MIN_BYTES: usize = 64 << 10;

/// Share of its size that a payload below [`HUFFMAN_ONLY_MIN_BYTES`] keeps at libdeflate's
/// level 1 above which that level-1 member is kept (see [`encode_payload_member`]; the
/// Huffman-only rule from that size uses the same share for its probe windows).
pub(super) const INCOMPRESSIBLE_RATIO: f64 = 0.9;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::gzip::decode_member;

    fn sample(n: usize) -> Vec<u8> {
        // Neighbour-index-like data: mostly increasing u32 with repeats.
        (0..n as u32)
            .flat_map(|i| ((i / 7) ^ (i % 5)).to_le_bytes())
            .collect()
    }

    #[test]
    fn libdeflate_members_round_trip_with_the_reference_header_at_every_level() {
        let data = sample(20_000);
        for level in 0..=9 {
            let m = encode_member_libdeflate(&data, level);
            assert_eq!(&m[..10], &header_bytes(level), "level {level}");
            assert_eq!(
                decode_member(&m, data.len()).unwrap(),
                data,
                "level {level}"
            );
        }
        let empty = encode_member_libdeflate(b"", 6);
        assert_eq!(decode_member(&empty, 0).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn small_payloads_are_never_larger_than_stock_zlib() {
        // Compressible payloads up to 4 MiB, and payloads of any kind up to 64 KiB.
        let compressible = [0, 1, 100, 5_000, ZLIB_CHECK_MAX_BYTES / 4].map(sample);
        let noisy = [0, 1, 100, INCOMPRESSIBLE_CHECK_MIN_BYTES].map(noise);
        for data in compressible.iter().chain(&noisy) {
            for level in [1, 6, 9] {
                let m = encode_payload_member(data, level);
                assert!(
                    m.len() <= encode_member(data, level).len(),
                    "{} bytes, level {level}",
                    data.len()
                );
                assert_eq!(decode_member(&m, data.len()).unwrap(), *data);
            }
        }
    }

    /// xorshift bytes: nothing for deflate to find.
    fn noise(n: usize) -> Vec<u8> {
        crate::gzip::test_noise(n, 0x9E37_79B9_7F4A_7C15)
    }

    #[test]
    fn a_payload_above_64_kib_that_hardly_compresses_is_deflated_at_level_1() {
        for n in [
            INCOMPRESSIBLE_CHECK_MIN_BYTES + 1,
            HUFFMAN_ONLY_MIN_BYTES - 1,
        ] {
            let data = noise(n);
            let m = encode_payload_member(&data, 6);
            assert_eq!(m, libdeflate_member(&data, 1, 6), "n {n}");
            assert_eq!(&m[..10], &header_bytes(6), "the header still names level 6");
            assert_eq!(decode_member(&m, data.len()).unwrap(), data);
            // On data with nothing to find, libdeflate's stored blocks (up to 64 KiB each)
            // cost less framing than stock zlib's.
            assert!(m.len() <= encode_member(&data, 6).len(), "n {n}");
        }
        // At 64 KiB and below, the stock-zlib check still runs.
        let small = noise(INCOMPRESSIBLE_CHECK_MIN_BYTES);
        let fast = encode_member_libdeflate(&small, 6);
        let zlib = encode_member(&small, 6);
        let expected = if zlib.len() < fast.len() { zlib } else { fast };
        assert_eq!(encode_payload_member(&small, 6), expected);
        // Below 512 KiB the whole payload decides: noise followed by runs compresses, so it
        // keeps the zlib check (never larger than stock zlib), though its first 320 KiB alone
        // would not.
        let mut mixed = noise(320 << 10);
        mixed.extend(std::iter::repeat_n(7u8, 160 << 10));
        assert!(mixed.len() < HUFFMAN_ONLY_MIN_BYTES);
        let head = libdeflate_member(&mixed[..320 << 10], 1, 6);
        assert!(hardly_compresses(
            head.len() - MEMBER_FRAMING_BYTES,
            320 << 10
        ));
        let m = encode_payload_member(&mixed, 6);
        assert_ne!(m, libdeflate_member(&mixed, 1, 6));
        let zlib = encode_member(&mixed, 6);
        let fast = encode_member_libdeflate(&mixed, 6);
        assert_eq!(m, if zlib.len() < fast.len() { zlib } else { fast });
        assert_eq!(decode_member(&m, mixed.len()).unwrap(), mixed);
        // Level 1 asked: nothing to switch.
        let data = noise(1 << 20);
        assert_eq!(encode_payload_member(&data, 1).len(), {
            let a = encode_member_libdeflate(&data, 1);
            let b = encode_member(&data, 1);
            a.len().min(b.len())
        });
    }

    #[test]
    fn a_large_payload_that_hardly_compresses_is_huffman_only() {
        for n in [HUFFMAN_ONLY_MIN_BYTES, 1 << 20, ZLIB_CHECK_MAX_BYTES + 1] {
            let data = noise(n);
            let m = encode_payload_member(&data, 6);
            assert_eq!(m, super::super::encode_literals_member(&data, 6), "n {n}");
            assert_eq!(&m[..10], &header_bytes(6), "the header still names level 6");
            assert_eq!(decode_member(&m, data.len()).unwrap(), data);
            assert!(m.len() <= encode_member(&data, 6).len(), "n {n}");
        }
        // A probe window that compresses keeps the payload from being Huffman-only; a
        // general encoder writes it (at level 1 or 6: the depth rule has its own tests).
        let mut mixed = sample(1 << 18);
        mixed.extend(noise(ZLIB_CHECK_MAX_BYTES));
        let m = encode_payload_member(&mixed, 6);
        assert_ne!(m, super::super::encode_literals_member(&mixed, 6));
        assert!(
            m == libdeflate_member(&mixed, 1, 6) || m == libdeflate_member(&mixed, 6, 6),
            "a libdeflate member"
        );
        let effort = if near_random(&mixed) { 1 } else { 6 };
        assert_eq!(
            m,
            libdeflate_member(&mixed, effort, 6),
            "the level the rule picks"
        );
        assert_eq!(decode_member(&m, mixed.len()).unwrap(), mixed);
    }

    /// Near-random u32 below 2^17, like the destination indices of a 100k-cell kNN graph.
    fn neighbour_indices(n: usize) -> Vec<u8> {
        crate::gzip::test_noise(n * 4, 0x2545_F491_4F6C_DD1D)
            .chunks_exact(4)
            .flat_map(|b| (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) % 100_000).to_le_bytes())
            .collect()
    }

    /// `n` ascending u32, each cell repeated 1–15 times, like the source indices of a kNN
    /// graph's lower triangle.
    fn sorted_sources(n: usize) -> Vec<u8> {
        let repeats = crate::gzip::test_noise(n, 0x9E37_79B9_7F4A_7C15);
        repeats
            .iter()
            .enumerate()
            .flat_map(|(cell, &r)| std::iter::repeat_n(cell as u32, 1 + usize::from(r % 15)))
            .take(n)
            .flat_map(u32::to_le_bytes)
            .collect()
    }

    #[test]
    fn a_large_near_random_payload_is_deflated_at_level_1() {
        let data = neighbour_indices(ZLIB_CHECK_MAX_BYTES / 4 + 1);
        let shallow = libdeflate_member(&data, 1, 6);
        assert_ne!(
            shallow,
            libdeflate_member(&data, 6, 6),
            "the two levels must differ for the test to mean anything"
        );
        assert!(near_random(&data));
        let m = encode_payload_member(&data, 6);
        assert_eq!(m, shallow);
        assert_eq!(&m[..10], &header_bytes(6), "the header still names level 6");
        assert_eq!(decode_member(&m, data.len()).unwrap(), data);
        assert!(m.len() <= encode_member(&data, 6).len());
        // Asked for level 1, there is nothing to lower.
        assert_eq!(
            encode_payload_member(&data, 1),
            libdeflate_member(&data, 1, 1)
        );
        // The same bytes within the zlib-check size keep both encoders.
        let small = &data[..ZLIB_CHECK_MAX_BYTES];
        let fast = encode_member_libdeflate(small, 6);
        let zlib = encode_member(small, 6);
        let expected = if zlib.len() < fast.len() { zlib } else { fast };
        assert_eq!(encode_payload_member(small, 6), expected);
    }

    #[test]
    fn the_near_random_rule_weighs_all_probe_windows_together() {
        // Sorted indices keep the asked level, where it gains over level 1.
        let sorted = sorted_sources(ZLIB_CHECK_MAX_BYTES / 4 + 1);
        assert!(!near_random(&sorted));
        let m = encode_payload_member(&sorted, 6);
        assert_eq!(m, encode_member_libdeflate(&sorted, 6));
        assert!(m.len() < libdeflate_member(&sorted, 1, 6).len());
        // A near-random first quarter among sorted indices: most windows compress well.
        let mut mixed = neighbour_indices(ZLIB_CHECK_MAX_BYTES / 16);
        mixed.extend(sorted_sources(ZLIB_CHECK_MAX_BYTES / 16 * 3 + 1));
        assert!(!near_random(&mixed));
        assert_eq!(
            encode_payload_member(&mixed, 6),
            encode_member_libdeflate(&mixed, 6)
        );
        // Near-random with a sorted last eighth: the windows keep more than half in total.
        let mut tail = neighbour_indices(ZLIB_CHECK_MAX_BYTES / 32 * 7);
        tail.extend(sorted_sources(ZLIB_CHECK_MAX_BYTES / 32 + 1));
        assert!(near_random(&tail));
        let m = encode_payload_member(&tail, 6);
        assert_eq!(m, libdeflate_member(&tail, 1, 6));
        assert_eq!(decode_member(&m, tail.len()).unwrap(), tail);
    }

    #[test]
    fn large_payloads_use_libdeflate_alone() {
        let data = sample(ZLIB_CHECK_MAX_BYTES / 4 + 1);
        assert!(!near_random(&data));
        assert_eq!(
            encode_payload_member(&data, 6),
            encode_member_libdeflate(&data, 6)
        );
    }
}
