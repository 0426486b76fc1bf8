//! Size of the sparse run encoder's output against zlib (format.md §26 (e): no larger than the
//! reference at the same level): on the golden genes (stock zlib 1.2.13 files) and on synthetic
//! sparse genes (flate2, i.e. bundled stock zlib, at level 6).

#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use cellucid_format::gzip::encode_member;
use cellucid_format::gzip::runs::{
    encode_column_member, encode_runs_member, RUNS_ONLY_MAX_DENSITY,
};
use cellucid_quant::{codes_to_le_bytes, quantize_sparse, Code, Policy, SparseQuantized};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/golden");

fn sparse_of(raw: &[f32]) -> (Vec<u32>, Vec<f32>) {
    raw.iter()
        .enumerate()
        .filter(|(_, v)| v.to_bits() != 0)
        .map(|(i, &v)| (i as u32, v))
        .unzip()
}

/// Totals over the genes of one golden case.
#[derive(Debug, Default)]
struct Totals {
    genes: usize,
    ours: usize,
    reference: usize,
    /// Genes whose member is larger than the reference's (stock zlib) file.
    larger: usize,
    /// Of those, genes sparse enough for the run encoder alone (must be none).
    larger_sparse: usize,
}

fn golden_genes<C: Code>(raw_case: &str, case: &str, level: u32, ext: &str) -> Totals {
    let mut t = Totals::default();
    let dir = Path::new(GOLDEN).join(case).join("export/var");
    let raw_dir = Path::new(GOLDEN).join(raw_case).join("export/var");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(index) = name.strip_suffix(&format!(".values.{ext}.gz")) else {
            continue;
        };
        let bytes = std::fs::read(raw_dir.join(format!("{index}.values.f32"))).unwrap();
        let raw: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let (rows, values) = sparse_of(&raw);
        let q: SparseQuantized<C> =
            quantize_sparse(&rows, &values, raw.len(), Policy::default()).unwrap();
        let member = encode_column_member(&q, level).unwrap();
        // Never larger than the general encoder at the same level.
        let general = encode_member(&codes_to_le_bytes(&q.to_dense()), level);
        assert!(member.len() <= general.len(), "{case}/{name}");
        let golden = std::fs::metadata(dir.join(&name)).unwrap().len() as usize;
        if member.len() > golden {
            t.larger += 1;
            let density = q.nnz() as f64 / raw.len() as f64;
            if case.starts_with("edge") {
                println!(
                    "  larger: {name}: {} B > {golden} B, density {density:.3}",
                    member.len()
                );
            }
            if density <= RUNS_ONLY_MAX_DENSITY {
                t.larger_sparse += 1;
            }
        }
        t.ours += member.len();
        t.reference += golden;
        t.genes += 1;
    }
    t
}

#[test]
fn golden_genes_compared_with_the_reference_files() {
    for (raw, case, level, ext, sixteen) in [
        ("edge-raw", "edge-q8-gz6", 6, "u8", false),
        ("pbmc68k-raw", "pbmc68k-q8-gz6", 6, "u8", false),
        ("pbmc68k-raw", "pbmc68k-q16-gz1", 1, "u16", true),
    ] {
        let t = if sixteen {
            golden_genes::<u16>(raw, case, level, ext)
        } else {
            golden_genes::<u8>(raw, case, level, ext)
        };
        println!(
            "{case}: {} genes, ours {} B, reference {} B ({:.1} %), {} genes larger",
            t.genes,
            t.ours,
            t.reference,
            100.0 * t.ours as f64 / t.reference as f64,
            t.larger
        );
        assert_eq!(
            t.genes,
            if case.starts_with("edge") { 120 } else { 765 },
            "{case}"
        );
        assert_eq!(
            t.larger_sparse, 0,
            "{case}: a sparse gene is larger than the reference"
        );
        // The general encoder is stock zlib, byte-identical to the reference's, and the chooser
        // keeps the smaller of the two: no gene may be larger than its reference file.
        assert_eq!(t.larger, 0, "{case}: a gene is larger than the reference");
        assert!(t.ours <= t.reference, "{case}: larger in total");
    }
}

/// A synthetic log-normalised gene: `ln(1 + k·s)` for counts `k` and size factors `s`.
fn synthetic(n_rows: usize, density: f64, seed: u64) -> (Vec<u32>, Vec<f32>) {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for r in 0..n_rows {
        if ((next() % 1_000_000) as f64) < density * 1e6 {
            let k = 1 + (next() % 8) * (next() % 3);
            let size = 0.5 + (next() % 1000) as f64 / 666.0;
            rows.push(r as u32);
            values.push((1.0 + k as f64 * size).ln() as f32);
        }
    }
    (rows, values)
}

fn sizes<C: Code>(rows: &[u32], values: &[f32], n_rows: usize) -> (usize, usize, usize, usize) {
    let q: SparseQuantized<C> = quantize_sparse(rows, values, n_rows, Policy::default()).unwrap();
    let runs = encode_runs_member(&q.rows, &q.codes, q.fill_code, n_rows, 6)
        .unwrap()
        .len();
    let dense = codes_to_le_bytes(&q.to_dense());
    (
        runs,
        encode_member(&dense, 1).len(),
        encode_member(&dense, 6).len(),
        encode_member(&dense, 9).len(),
    )
}

#[test]
fn no_larger_than_level_6_on_synthetic_sparse_genes_up_to_15_percent() {
    let n_rows = 100_000;
    println!("density | u8: runs / l1 / l6 / l9 | u16: runs / l1 / l6 / l9");
    for density in [0.001, 0.01, 0.03, 0.07, 0.15, 0.3, 0.5, 0.7, 0.9] {
        let (rows, values) = synthetic(n_rows, density, 99);
        let a = sizes::<u8>(&rows, &values, n_rows);
        let b = sizes::<u16>(&rows, &values, n_rows);
        println!("{density} | {a:?} | {b:?}");
        if density <= 0.15 && std::env::var_os("SIZES_ONLY").is_none() {
            assert!(
                a.0 <= a.2,
                "u8 at {density}: runs {} > level 6 {}",
                a.0,
                a.2
            );
            assert!(
                b.0 <= b.2,
                "u16 at {density}: runs {} > level 6 {}",
                b.0,
                b.2
            );
        }
    }
}

/// The chooser alone (no general encoder) on dense, rich 8-bit genes of atlas size is never
/// larger than zlib level 6; a column with a dominant stored code (scaled data) still gets the
/// general encoders and is no larger either.
#[test]
fn dense_rich_genes_are_no_larger_than_level_6() {
    let n_rows = 100_000;
    for density in [0.55, 0.7, 0.9, 0.95, 0.99, 1.0] {
        let (rows, values) = synthetic(n_rows, density, 7);
        let q: SparseQuantized<u8> =
            quantize_sparse(&rows, &values, n_rows, Policy::default()).unwrap();
        let member = encode_column_member(&q, 6).unwrap();
        let runs = encode_runs_member(&q.rows, &q.codes, q.fill_code, n_rows, 6).unwrap();
        let zlib = encode_member(&codes_to_le_bytes(&q.to_dense()), 6);
        assert_eq!(member, runs, "{density}: the run encoder alone is chosen");
        assert!(
            member.len() <= zlib.len(),
            "{density}: {} > zlib {}",
            member.len(),
            zlib.len()
        );
    }
    // Scaled data: every zero count became the same negative value, so one stored code fills
    // most rows in long runs.
    let (rows, values) = synthetic(n_rows, 0.05, 11);
    let mut scaled = vec![-0.4f32; n_rows];
    for (&r, &v) in rows.iter().zip(&values) {
        scaled[r as usize] = v;
    }
    let all_rows: Vec<u32> = (0..n_rows as u32).collect();
    let q: SparseQuantized<u8> =
        quantize_sparse(&all_rows, &scaled, n_rows, Policy::default()).unwrap();
    let member = encode_column_member(&q, 6).unwrap();
    let runs = encode_runs_member(&q.rows, &q.codes, q.fill_code, n_rows, 6).unwrap();
    let zlib = encode_member(&codes_to_le_bytes(&q.to_dense()), 6);
    assert!(
        runs.len() > zlib.len(),
        "the case needs the general encoder"
    );
    assert!(member.len() <= zlib.len());
}
