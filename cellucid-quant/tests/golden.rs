//! Golden conformance: quantizing the float32 payloads of the `*-raw` golden cases reproduces
//! every quantized payload (codes and bounds) of the quantized cases, bit for bit, through the
//! dense path (f32 and f64 sources) and the sparse path.

#![allow(clippy::unwrap_used, missing_docs)]

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use cellucid_quant::{quantize, quantize_sparse, Bounds, Code, Policy};
use serde_json::Value;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/golden");

fn export(case: &str) -> PathBuf {
    Path::new(GOLDEN).join(case).join("export")
}

fn read_f32(path: &Path) -> Vec<f32> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(bytes.len() % 4, 0, "{}", path.display());
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn read_gz(path: &Path) -> Vec<u8> {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn f64_of(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// One quantized payload to reproduce.
struct Case {
    raw: PathBuf,
    quantized: PathBuf,
    bounds: Bounds,
}

fn check<C: Code>(case: &Case, decode: fn(&[u8]) -> Vec<C>) {
    let what = case.quantized.display();
    let raw = read_f32(&case.raw);
    let golden = decode(&read_gz(&case.quantized));
    assert_eq!(raw.len(), golden.len(), "{what}");

    let q = quantize::<f32, C>(&raw, Policy::default()).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(
        q.bounds.min.to_bits(),
        case.bounds.min.to_bits(),
        "{what}: minValue"
    );
    assert_eq!(
        q.bounds.max.to_bits(),
        case.bounds.max.to_bits(),
        "{what}: maxValue"
    );
    assert!(
        q.codes == golden,
        "{what}: codes differ at cell {:?}",
        q.codes.iter().zip(&golden).position(|(a, b)| a != b)
    );

    // The f64 widening of the same values is the same column.
    let wide: Vec<f64> = raw.iter().map(|&v| f64::from(v)).collect();
    let q64 = quantize::<f64, C>(&wide, Policy::default()).unwrap();
    assert_eq!(q64, q, "{what}: f64 source");

    // The sparse path over the non-zero cells gives the same bounds and dense codes.
    let (rows, values): (Vec<u32>, Vec<f32>) = raw
        .iter()
        .enumerate()
        .filter(|(_, v)| v.to_bits() != 0)
        .map(|(i, &v)| (i as u32, v))
        .unzip();
    let s = quantize_sparse::<f32, u32, C>(&rows, &values, raw.len(), Policy::default()).unwrap();
    assert_eq!(s.bounds, q.bounds, "{what}: sparse bounds");
    assert!(s.to_dense() == golden, "{what}: sparse codes");
}

fn decode_u8(b: &[u8]) -> Vec<u8> {
    b.to_vec()
}

fn decode_u16(b: &[u8]) -> Vec<u16> {
    assert_eq!(b.len() % 2, 0);
    b.chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// Every quantized payload of `case` paired with its raw float32 payload and golden bounds.
fn cases(raw_case: &str, case: &str) -> (u32, Vec<Case>) {
    let raw = export(raw_case);
    let dir = export(case);
    let var = json(&dir.join("var_manifest.json"));
    let bits = var["quantization"].as_u64().unwrap() as u32;
    let ext = if bits == 8 { "u8" } else { "u16" };
    let mut out = Vec::new();
    for f in var["fields"].as_array().unwrap() {
        let i = f[0].as_u64().unwrap();
        out.push(Case {
            raw: raw.join(format!("var/{i}.values.f32")),
            quantized: dir.join(format!("var/{i}.values.{ext}.gz")),
            bounds: Bounds {
                min: f64_of(&f[2]),
                max: f64_of(&f[3]),
            },
        });
    }
    let obs = json(&dir.join("obs_manifest.json"));
    assert_eq!(
        obs["_obsSchemas"]["continuous"]["quantizationBits"].as_u64(),
        Some(u64::from(bits))
    );
    assert_eq!(
        obs["_obsSchemas"]["categorical"]["outlierExt"].as_str(),
        Some(ext)
    );
    for f in obs["_continuousFields"].as_array().unwrap() {
        let i = f[0].as_u64().unwrap();
        out.push(Case {
            raw: raw.join(format!("obs/{i}.values.f32")),
            quantized: dir.join(format!("obs/{i}.values.{ext}.gz")),
            bounds: Bounds {
                min: f64_of(&f[2]),
                max: f64_of(&f[3]),
            },
        });
    }
    for f in obs["_categoricalFields"].as_array().unwrap() {
        let f = f.as_array().unwrap();
        let i = f[0].as_u64().unwrap();
        let n = f.len();
        out.push(Case {
            raw: raw.join(format!("obs/{i}.outliers.f32")),
            quantized: dir.join(format!("obs/{i}.outliers.{ext}.gz")),
            bounds: Bounds {
                min: f64_of(&f[n - 2]),
                max: f64_of(&f[n - 1]),
            },
        });
    }
    // Every quantized payload file of the case is covered.
    let mut on_disk = 0;
    for sub in ["var", "obs"] {
        for e in fs::read_dir(dir.join(sub)).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            if name.ends_with(&format!(".values.{ext}.gz"))
                || name.ends_with(&format!(".outliers.{ext}.gz"))
            {
                on_disk += 1;
            }
        }
    }
    assert_eq!(
        on_disk,
        out.len(),
        "{case}: every quantized payload is listed in a manifest"
    );
    (bits, out)
}

fn run(raw_case: &str, case: &str) -> usize {
    let (bits, list) = cases(raw_case, case);
    for c in &list {
        if bits == 8 {
            check::<u8>(c, decode_u8);
        } else {
            check::<u16>(c, decode_u16);
        }
    }
    list.len()
}

#[test]
fn pbmc68k_q8_gz6_reproduces_every_quantized_payload() {
    // 765 genes + 5 continuous + 3 categorical outlier sets.
    assert_eq!(run("pbmc68k-raw", "pbmc68k-q8-gz6"), 773);
}

#[test]
fn pbmc68k_q16_gz1_reproduces_every_quantized_payload() {
    assert_eq!(run("pbmc68k-raw", "pbmc68k-q16-gz1"), 773);
}

#[test]
fn edge_q8_gz6_reproduces_every_quantized_payload() {
    let n = run("edge-raw", "edge-q8-gz6");
    assert!(n > 9, "{n}");
}
