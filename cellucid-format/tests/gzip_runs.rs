//! The sparse run encoder (`gzip::runs`): every output is a valid single-member gzip with the
//! §19 header, the right CRC-32 and ISIZE, and inflates (flate2) to exactly the dense payload.

#![allow(clippy::unwrap_used, missing_docs)]

use std::io::Read;

use cellucid_format::gzip::header_bytes;
use cellucid_format::gzip::runs::{encode_column_member, encode_runs_member};
use cellucid_quant::{codes_to_le_bytes, quantize_sparse, Code, Policy};
use proptest::prelude::*;

fn dense_bytes<C: Code>(rows: &[u32], codes: &[C], fill: C, n_rows: usize) -> Vec<u8> {
    let mut dense = vec![fill; n_rows];
    for (&r, &c) in rows.iter().zip(codes) {
        dense[r as usize] = c;
    }
    codes_to_le_bytes(&dense)
}

/// Checks header, single member, trailer and content; returns the compressed size.
fn check_member(member: &[u8], dense: &[u8], level: u32) -> Result<usize, TestCaseError> {
    prop_assert_eq!(&member[..10], &header_bytes(level)[..]);
    let n = member.len();
    prop_assert!(n >= 18);
    let crc = u32::from_le_bytes(member[n - 8..n - 4].try_into().unwrap());
    let isize = u32::from_le_bytes(member[n - 4..].try_into().unwrap());
    prop_assert_eq!(crc, crc32fast::hash(dense), "CRC-32");
    prop_assert_eq!(isize, dense.len() as u32, "ISIZE");
    // The raw deflate stream alone inflates to the payload and ends exactly before the trailer.
    let mut inflater = flate2::read::DeflateDecoder::new(&member[10..n - 8]);
    let mut raw = Vec::new();
    inflater.read_to_end(&mut raw).unwrap();
    prop_assert!(raw == dense, "raw deflate content differs");
    // And the whole member through the gzip decoder (which checks CRC and ISIZE itself).
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(member)
        .read_to_end(&mut out)
        .unwrap();
    prop_assert!(out == dense, "gzip content differs");
    // Single member: the multi-member decoder sees nothing more.
    let mut multi = Vec::new();
    flate2::read::MultiGzDecoder::new(member)
        .read_to_end(&mut multi)
        .unwrap();
    prop_assert_eq!(multi.len(), dense.len());
    Ok(n)
}

/// A random sparse column: `n_rows`, density, and codes drawn from a small or wide alphabet,
/// sometimes equal to the fill code; runs at both edges happen naturally.
fn column(max_code: u16) -> impl Strategy<Value = (usize, Vec<u32>, Vec<u16>, u16)> {
    (
        0usize..3000,
        0u8..5,
        0.0f64..1.0,
        any::<u64>(),
        0u16..=max_code,
        any::<bool>(),
    )
        .prop_map(move |(n_rows, mode, density, seed, fill, wide)| {
            let mut s = seed | 1;
            let mut next = move || {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s
            };
            let density = match mode {
                0 => 0.0,
                1 => 1.0,
                2 => density * 0.1,
                _ => density,
            };
            let mut rows = Vec::new();
            let mut codes = Vec::new();
            for r in 0..n_rows {
                if ((next() % 1_000_000) as f64) < density * 1_000_000.0 {
                    rows.push(r as u32);
                    let c = if wide {
                        (next() % (u64::from(max_code) + 2)) as u16
                    } else {
                        (next() % 6) as u16
                    };
                    codes.push(c.min(max_code.saturating_add(1)));
                }
            }
            (n_rows, rows, codes, fill)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn u8_columns_inflate_to_the_dense_payload((n_rows, rows, codes, fill) in column(254), level in 1u32..=9) {
        let codes: Vec<u8> = codes.iter().map(|&c| c as u8).collect();
        let fill = fill as u8;
        let member = encode_runs_member(&rows, &codes, fill, n_rows, level).unwrap();
        check_member(&member, &dense_bytes(&rows, &codes, fill, n_rows), level)?;
    }

    #[test]
    fn u16_columns_inflate_to_the_dense_payload((n_rows, rows, codes, fill) in column(65534), level in 1u32..=9) {
        let member = encode_runs_member(&rows, &codes, fill, n_rows, level).unwrap();
        check_member(&member, &dense_bytes(&rows, &codes, fill, n_rows), level)?;
    }

    #[test]
    fn chooser_output_is_valid_for_quantized_columns(
        n_rows in 1usize..2000,
        density in 0.0f64..1.0,
        seed in any::<u64>(),
        sixteen in any::<bool>(),
    ) {
        let mut s = seed | 1;
        let mut rows = Vec::new();
        let mut values = Vec::new();
        for r in 0..n_rows {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            if ((s % 1000) as f64) < density * 1000.0 {
                rows.push(r as u32);
                values.push((s >> 20) as f32 / 1e12 - 1.0);
            }
        }
        if sixteen {
            let q = quantize_sparse::<f32, u32, u16>(&rows, &values, n_rows, Policy::default()).unwrap();
            let member = encode_column_member(&q, 6).unwrap();
            check_member(&member, &codes_to_le_bytes(&q.to_dense()), 6)?;
        } else {
            let q = quantize_sparse::<f32, u32, u8>(&rows, &values, n_rows, Policy::default()).unwrap();
            let member = encode_column_member(&q, 1).unwrap();
            check_member(&member, &codes_to_le_bytes(&q.to_dense()), 1)?;
        }
    }
}

#[test]
fn edge_cases_inflate_exactly() {
    let cases: Vec<(usize, Vec<u32>, Vec<u16>, u16)> = vec![
        (0, vec![], vec![], 0),   // empty payload
        (1, vec![], vec![], 0),   // one fill element
        (1, vec![0], vec![7], 0), // one stored element
        (2, vec![], vec![], 9),   // run of 2 (a 1-byte match tail for u8)
        (3, vec![], vec![], 9),
        (4, vec![], vec![], 0x0102),    // non-symmetric fill bytes
        (1_000_000, vec![], vec![], 0), // all zero, long
        (1_000_000, vec![999_999], vec![3], 0), // stored at the end
        (1_000_000, vec![0], vec![3], 0), // stored at the start
        (260, vec![], vec![], 5),       // run just past 258 bytes
        (262, vec![], vec![], 5),
        (5, vec![0, 1, 2, 3, 4], vec![1, 2, 3, 4, 5], 0), // all stored
        (5, vec![1, 3], vec![0, 0], 0),                   // stored codes equal to the fill
    ];
    for (n_rows, rows, codes, fill) in cases {
        let c16 = encode_runs_member(&rows, &codes, fill, n_rows, 6).unwrap();
        check_member(&c16, &dense_bytes(&rows, &codes, fill, n_rows), 6).unwrap();
        let codes8: Vec<u8> = codes.iter().map(|&c| c as u8).collect();
        let c8 = encode_runs_member(&rows, &codes8, fill as u8, n_rows, 9).unwrap();
        check_member(&c8, &dense_bytes(&rows, &codes8, fill as u8, n_rows), 9).unwrap();
    }
}

#[test]
fn block_type_follows_the_smaller_code() {
    // A large column with skewed symbols: dynamic Huffman (BFINAL 1, BTYPE 10 → low bits 101).
    let rows: Vec<u32> = (0..100_000).step_by(37).collect();
    let codes: Vec<u8> = rows.iter().map(|&r| (r % 7) as u8 + 1).collect();
    let member = encode_runs_member(&rows, &codes, 0, 100_000, 6).unwrap();
    assert_eq!(member[10] & 0b111, 0b101);
    check_member(&member, &dense_bytes(&rows, &codes, 0, 100_000), 6).unwrap();
    // A tiny one: the fixed code (BTYPE 01 → low bits 011) is smaller than any code description.
    let tiny = encode_runs_member(&[1], &[9u8], 0, 3, 6).unwrap();
    assert_eq!(tiny[10] & 0b111, 0b011);
    check_member(&tiny, &[0, 9, 0], 6).unwrap();
}
