//! Golden conformance: for every `tests/fixtures/golden/<case>/input.h5ad`, what the adapter
//! reads and maps equals what the reference exported (call.json keys, obs fields and
//! categories, embeddings, latent key, graph edges, every gene column).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_range_loop,
    missing_docs
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cellucid_adapter::mapping::{self, Label, ObsFieldKind};
use cellucid_adapter::{AnnData, Graph, MatrixSource, Values};
use serde_json::Value;

fn golden_root() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/golden"
    ))
    .to_path_buf()
}

const CASES: [&str; 6] = [
    "edge-q8-gz6",
    "edge-raw",
    "latent-f32",
    "pbmc68k-q16-gz1",
    "pbmc68k-q8-gz6",
    "pbmc68k-raw",
];

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn f32s(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn to_f32(v: &Values) -> Vec<f32> {
    match v {
        Values::F32(x) => x.clone(),
        #[allow(clippy::cast_possible_truncation)]
        Values::F64(x) => x.iter().map(|&y| y as f32).collect(),
        other => other.to_f64_vec().into_iter().map(|y| y as f32).collect(),
    }
}

fn label_json(l: &Label) -> Value {
    match l {
        Label::Bool(b) => Value::Bool(*b),
        Label::Int(i) => Value::from(*i),
        Label::Float(f) => Value::from(*f),
        Label::Str(s) => Value::String(s.clone()),
    }
}

fn bits_eq(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

#[test]
fn call_json_keys_match_the_mapping() {
    for case in CASES {
        let dir = golden_root().join(case);
        let call = json(&dir.join("call.json"));
        let ad = AnnData::open(dir.join("input.h5ad")).unwrap_or_else(|e| panic!("{case}: {e}"));
        let emb = mapping::resolve_embeddings(&ad).unwrap();
        let want: BTreeMap<u8, String> = call["embeddings"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(d, k)| (d.parse().unwrap(), k.as_str().unwrap().to_string()))
            .collect();
        assert_eq!(emb, want, "{case}: embeddings");
        assert_eq!(
            mapping::default_latent_key(&ad).as_deref(),
            call["latent_key"].as_str(),
            "{case}: latent"
        );
        let vf: Vec<String> = mapping::vector_fields(&ad)
            .into_iter()
            .map(|v| v.key)
            .collect();
        let want_vf: Vec<String> = call["vector_fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(vf, want_vf, "{case}: vector fields");
        if !want_vf.is_empty() {
            let fields: Vec<String> = mapping::vector_fields(&ad)
                .into_iter()
                .map(|v| v.field)
                .collect();
            assert!(
                fields
                    .iter()
                    .all(|f| Some(f.as_str()) == call["vector_field_default"].as_str()),
                "{case}"
            );
        }
        assert_eq!(
            mapping::connectivities_key(&ad).as_deref(),
            call["connectivities_key"].as_str(),
            "{case}: graph"
        );
        // The latent matrix reads with n rows.
        let latent = ad.obsm(call["latent_key"].as_str().unwrap()).unwrap();
        assert_eq!(latent.n_rows, ad.n_obs());
    }
}

#[test]
fn obs_fields_and_categories_match_the_manifest() {
    for case in CASES {
        let dir = golden_root().join(case);
        let ad = AnnData::open(dir.join("input.h5ad")).unwrap();
        let manifest = json(&dir.join("export/obs_manifest.json"));
        let compressed = !manifest["compression"].is_null();
        let quantized = case.contains("-q");
        let fields = mapping::obs_fields(&ad, None).unwrap();
        let n = ad.n_obs();
        assert_eq!(manifest["n_points"].as_u64(), Some(n as u64), "{case}");
        let mut seen = 0;
        for entry in manifest["_continuousFields"].as_array().unwrap() {
            let i = entry[0].as_u64().unwrap() as usize;
            let f = &fields[i];
            assert_eq!(f.key, entry[1].as_str().unwrap(), "{case} field {i}");
            let ObsFieldKind::Continuous(values) = &f.kind else {
                panic!("{case}: {} should be continuous", f.key)
            };
            assert_eq!(values.len(), n);
            if !compressed && !quantized {
                let want = f32s(&dir.join(format!("export/obs/{i}.values.f32")));
                assert!(
                    bits_eq(&to_f32(values), &want),
                    "{case}: values of {}",
                    f.key
                );
            }
            seen += 1;
        }
        for entry in manifest["_categoricalFields"].as_array().unwrap() {
            let i = entry[0].as_u64().unwrap() as usize;
            let f = &fields[i];
            assert_eq!(f.key, entry[1].as_str().unwrap(), "{case} field {i}");
            let ObsFieldKind::Categorical { labels, codes } = &f.kind else {
                panic!("{case}: {} should be categorical", f.key)
            };
            let got: Vec<Value> = labels.iter().map(label_json).collect();
            assert_eq!(
                &got,
                entry[2].as_array().unwrap(),
                "{case}: categories of {}",
                f.key
            );
            // Float labels must stay JSON floats, ints JSON ints.
            for (g, w) in got.iter().zip(entry[2].as_array().unwrap()) {
                assert_eq!(g.is_f64(), w.is_f64(), "{case}: label kind of {}", f.key);
            }
            let dtype = entry[3].as_str().unwrap();
            let missing = entry[4].as_u64().unwrap();
            if !compressed {
                let ext = if dtype == "uint8" { "u8" } else { "u16" };
                let bytes = std::fs::read(dir.join(format!("export/obs/{i}.codes.{ext}"))).unwrap();
                let want: Vec<u64> = if ext == "u8" {
                    bytes.iter().map(|&b| u64::from(b)).collect()
                } else {
                    bytes
                        .chunks_exact(2)
                        .map(|c| u64::from(u16::from_le_bytes([c[0], c[1]])))
                        .collect()
                };
                let ours: Vec<u64> = codes
                    .iter()
                    .map(|&c| if c < 0 { missing } else { c as u64 })
                    .collect();
                assert_eq!(ours, want, "{case}: codes of {}", f.key);
            }
            seen += 1;
        }
        assert_eq!(seen, fields.len(), "{case}: every obs column is exported");
    }
}

#[test]
fn every_gene_column_matches_the_raw_exports() {
    for case in ["edge-raw", "pbmc68k-raw", "latent-f32"] {
        let dir = golden_root().join(case);
        let ad = AnnData::open(dir.join("input.h5ad")).unwrap();
        let manifest = json(&dir.join("export/var_manifest.json"));
        let names = ad.var_names().unwrap();
        let fields = manifest["fields"].as_array().unwrap();
        assert_eq!(fields.len(), names.len(), "{case}");
        for f in fields {
            let g = f[0].as_u64().unwrap() as usize;
            assert_eq!(names[g], f[1].as_str().unwrap(), "{case}: gene {g}");
        }
        let x = ad.matrix(MatrixSource::X).unwrap();
        for g in 0..names.len() {
            let col = x.gene(g).unwrap();
            assert_eq!(col.n(), ad.n_obs());
            let want = f32s(&dir.join(format!("export/var/{g}.values.f32")));
            assert!(
                bits_eq(&to_f32(&col.to_dense()), &want),
                "{case}: gene {g} ({})",
                names[g]
            );
        }
    }
}

/// Normalise as format.md §12 (f64, one scale for all axes) and round once to f32.
fn normalise(m: &cellucid_adapter::Matrix2) -> Vec<f32> {
    let d = m.n_cols;
    let x = m.values.to_f64_vec();
    let mut lo = vec![f64::INFINITY; d];
    let mut hi = vec![f64::NEG_INFINITY; d];
    for row in x.chunks_exact(d) {
        for j in 0..d {
            lo[j] = lo[j].min(row[j]);
            hi[j] = hi[j].max(row[j]);
        }
    }
    let range = (0..d).map(|j| hi[j] - lo[j]).fold(0.0, f64::max);
    let scale = 2.0 / range;
    #[allow(clippy::cast_possible_truncation)]
    let mut out = Vec::with_capacity(x.len());
    for row in x.chunks_exact(d) {
        for j in 0..d {
            out.push(((row[j] - (lo[j] + hi[j]) / 2.0) * scale) as f32);
        }
    }
    out
}

#[test]
fn embeddings_match_the_exported_points() {
    for case in ["edge-raw", "pbmc68k-raw", "latent-f32"] {
        let dir = golden_root().join(case);
        let ad = AnnData::open(dir.join("input.h5ad")).unwrap();
        for (d, key) in mapping::resolve_embeddings(&ad).unwrap() {
            let m = ad.obsm(&key).unwrap();
            assert_eq!((m.n_rows, m.n_cols), (ad.n_obs(), usize::from(d)));
            let want = f32s(&dir.join(format!("export/points_{d}d.bin")));
            assert!(
                bits_eq(&normalise(&m), &want),
                "{case}: points_{d}d from {key}"
            );
        }
    }
}

#[test]
fn connectivity_edges_match_the_exported_graph() {
    for case in ["edge-raw", "pbmc68k-raw"] {
        let dir = golden_root().join(case);
        let ad = AnnData::open(dir.join("input.h5ad")).unwrap();
        let key = mapping::connectivities_key(&ad).unwrap();
        let Graph::Sparse(s) = ad.obsp(&key).unwrap() else {
            panic!("{case}: sparse graph expected")
        };
        let mut edges = Vec::new();
        let w = s.data.to_f64_vec();
        for i in 0..s.n_rows {
            for k in s.indptr[i] as usize..s.indptr[i + 1] as usize {
                let j = s.indices[k] as usize;
                if i < j {
                    edges.push((i, j, w[k]));
                }
            }
        }
        edges.sort_by_key(|e| (e.0, e.1));
        let manifest = json(&dir.join("export/connectivity_manifest.json"));
        assert_eq!(
            manifest["n_edges"].as_u64(),
            Some(edges.len() as u64),
            "{case}"
        );
        let idx = |name: &str| -> Vec<usize> {
            let b = std::fs::read(dir.join("export/connectivity").join(name)).unwrap();
            b.chunks_exact(2)
                .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])))
                .collect()
        };
        let src = idx("edges.src.bin");
        let dst = idx("edges.dst.bin");
        let wb = std::fs::read(dir.join("export/connectivity/edges.weights.f64.bin")).unwrap();
        let weights: Vec<f64> = wb
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        for (k, (i, j, wt)) in edges.iter().enumerate() {
            assert_eq!((src[k], dst[k]), (*i, *j), "{case}: edge {k}");
            assert_eq!(weights[k].to_bits(), wt.to_bits(), "{case}: weight {k}");
        }
    }
}

#[test]
fn csr_column_index_with_many_small_batches_matches_the_raw_export() {
    let dir = golden_root().join("edge-raw");
    let ad = AnnData::open(dir.join("input.h5ad")).unwrap();
    let tmp = std::env::temp_dir();
    let x = ad
        .matrix(MatrixSource::X)
        .unwrap()
        .with_index_batch_entries(997)
        .with_temp_dir(&tmp)
        .with_cache_bytes(0);
    x.build_column_index().unwrap();
    for g in (0..ad.n_vars()).rev() {
        let want = f32s(&dir.join(format!("export/var/{g}.values.f32")));
        assert!(
            bits_eq(&to_f32(&x.gene(g).unwrap().to_dense()), &want),
            "gene {g}"
        );
    }
    // Row batches cover the matrix exactly once.
    let mut nnz = 0;
    for a in (0..ad.n_obs()).step_by(512) {
        let b = (a + 512).min(ad.n_obs());
        let block = x.csr_rows(a..b).unwrap();
        assert_eq!(block.indptr.len(), b - a + 1);
        assert_eq!(block.data.len(), block.indices.len());
        nnz += block.indices.len() as u64;
    }
    assert_eq!(nnz, x.nnz());
}
