//! Backend-level conformance of the Zarr stores against the h5ad truth.
//!
//! Fixtures: `tests/fixtures/adapter/zarr/<case>/` (see `make_zarr_fixtures.py` there). Each
//! case holds one AnnData written as `.h5ad` and as several Zarr stores, plus
//! `expected.json`, dumped from the `.h5ad` with h5py: every node's kind, attributes and
//! children, every array's dtype, shape and values (or an FNV-1a digest of them). Every store
//! must reproduce all of it exactly, and partial reads must equal slices of full reads.
#![allow(clippy::unwrap_used, clippy::single_range_in_vec_init)]

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{attrs::attr_value, open_store, ZarrStore};
use crate::backend::{AttrValue, Backend, BackendError, NodeKind};
use crate::values::{DType, Values};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/adapter/zarr")
}

const EDGE_STORES: [&str; 3] = ["input-v2.zarr", "input-v3.zarr", "input-v3-sharded.zarr"];
const ENCODING_STORES: [&str; 4] = [
    "input-v2.zarr",
    "input-v2-chunked.zarr",
    "input-v3.zarr",
    "input-v3-sharded.zarr",
];

fn open(case: &str, store: &str) -> ZarrStore {
    let path = fixtures().join(case).join(store);
    match open_store(&path) {
        Ok(s) => s,
        Err(e) => panic!("opening {}: {e}", path.display()),
    }
}

fn expected(case: &str) -> Map<String, Value> {
    let path = fixtures().join(case).join("expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => map,
        other => panic!("{}: not a JSON object: {other:?}", path.display()),
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a64(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(FNV_OFFSET, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

/// Little-endian bytes of the values in their stored type (bool as one byte).
fn canonical_bytes(values: &Values) -> Vec<u8> {
    fn le<T: Copy, const N: usize>(v: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
        v.iter().flat_map(|&x| f(x)).collect()
    }
    match values {
        Values::Bool(v) => v.iter().map(|&b| u8::from(b)).collect(),
        Values::I8(v) => le(v, i8::to_le_bytes),
        Values::I16(v) => le(v, i16::to_le_bytes),
        Values::I32(v) => le(v, i32::to_le_bytes),
        Values::I64(v) => le(v, i64::to_le_bytes),
        Values::U8(v) => v.clone(),
        Values::U16(v) => le(v, u16::to_le_bytes),
        Values::U32(v) => le(v, u32::to_le_bytes),
        Values::U64(v) => le(v, u64::to_le_bytes),
        Values::F16(v) => le(v, half::f16::to_le_bytes),
        Values::F32(v) => le(v, f32::to_le_bytes),
        Values::F64(v) => le(v, f64::to_le_bytes),
    }
}

fn string_bytes(strings: &[String]) -> Vec<u8> {
    strings
        .iter()
        .flat_map(|s| s.bytes().chain([0xff]))
        .collect()
}

fn to_json(values: &Values) -> Vec<Value> {
    fn num<T: Copy>(v: &[T], f: impl Fn(T) -> Value) -> Vec<Value> {
        v.iter().map(|&x| f(x)).collect()
    }
    let float = |x: f64| {
        if x.is_nan() {
            Value::Null
        } else {
            Value::from(x)
        }
    };
    match values {
        Values::Bool(v) => num(v, Value::from),
        Values::I8(v) => num(v, Value::from),
        Values::I16(v) => num(v, Value::from),
        Values::I32(v) => num(v, Value::from),
        Values::I64(v) => num(v, Value::from),
        Values::U8(v) => num(v, Value::from),
        Values::U16(v) => num(v, Value::from),
        Values::U32(v) => num(v, Value::from),
        Values::U64(v) => num(v, Value::from),
        Values::F16(v) => num(v, |x| float(f64::from(x))),
        Values::F32(v) => num(v, |x| float(f64::from(x))),
        Values::F64(v) => num(v, float),
    }
}

fn dtype_from_name(name: &str) -> DType {
    match name {
        "bool" => DType::Bool,
        "int8" => DType::I8,
        "int16" => DType::I16,
        "int32" => DType::I32,
        "int64" => DType::I64,
        "uint8" => DType::U8,
        "uint16" => DType::U16,
        "uint32" => DType::U32,
        "uint64" => DType::U64,
        "float32" => DType::F32,
        "float64" => DType::F64,
        "string" => DType::Str,
        other => panic!("expected.json names unknown dtype {other}"),
    }
}

/// Compare one store with the truth, node by node. Returns the number of arrays checked.
fn check_store_against_truth(store: &ZarrStore, truth: &Map<String, Value>) -> usize {
    let mut arrays = 0;
    for (key, node) in truth {
        let path = key.trim_start_matches('/');
        let ctx = format!("{} `{path}`", store.describe());
        let kind = match node["kind"].as_str() {
            Some("group") => NodeKind::Group,
            _ => NodeKind::Array,
        };
        assert_eq!(
            store.kind(path).unwrap_or_else(|e| panic!("{ctx}: {e}")),
            Some(kind),
            "{ctx}"
        );
        let Some(attributes) = node["attributes"].as_object() else {
            panic!("{ctx}: no attributes")
        };
        for (name, value) in attributes {
            let got = store
                .attribute(path, name)
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            assert_eq!(got, Some(attr_value(value)), "{ctx} attribute {name}");
        }
        if kind == NodeKind::Group {
            let mut got = store
                .children(path)
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            // anndata writes `raw = None` to Zarr as a 0-d array with encoding-type "null".
            got.retain(|child| {
                let child_path = if path.is_empty() {
                    child.clone()
                } else {
                    format!("{path}/{child}")
                };
                store.attribute(&child_path, "encoding-type").ok().flatten()
                    != Some(AttrValue::Str("null".to_string()))
            });
            got.sort();
            let want: Vec<String> = node["children"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(got, want, "{ctx} children");
            continue;
        }
        arrays += 1;
        let info = store
            .array_info(path)
            .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let dtype = dtype_from_name(node["dtype"].as_str().unwrap_or_default());
        assert_eq!(info.dtype, dtype, "{ctx} dtype");
        let shape: Vec<u64> = node["shape"]
            .as_array()
            .map(|s| s.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        assert_eq!(info.shape, shape, "{ctx} shape");
        let (got, digest) = if dtype == DType::Str {
            let s = store
                .read_strings(path, None)
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            let digest = fnv1a64(string_bytes(&s));
            (s.into_iter().map(Value::from).collect::<Vec<_>>(), digest)
        } else {
            let v = store
                .read(path, &[])
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            assert_eq!(v.dtype(), dtype, "{ctx} values dtype");
            (to_json(&v), fnv1a64(canonical_bytes(&v)))
        };
        assert_eq!(got.len() as u64, info.len(), "{ctx} element count");
        if let Some(values) = node.get("values").and_then(Value::as_array) {
            assert_eq!(&got, values, "{ctx} values");
        } else {
            let want = node["fnv1a64"].as_str().unwrap_or_default();
            assert_eq!(format!("{digest:016x}"), want, "{ctx} digest");
            let first = node["first"].as_array().cloned().unwrap_or_default();
            assert_eq!(got[..first.len()], first[..], "{ctx} first values");
        }
    }
    arrays
}

#[test]
fn edge_small_stores_reproduce_the_h5ad_exactly() {
    let truth = expected("edge-small");
    for store in EDGE_STORES {
        let arrays = check_store_against_truth(&open("edge-small", store), &truth);
        assert_eq!(arrays, 27, "{store}: every array of the truth was checked");
    }
}

#[test]
fn encoding_stores_reproduce_the_h5ad_exactly() {
    let truth = expected("encodings");
    for store in ENCODING_STORES {
        let arrays = check_store_against_truth(&open("encodings", store), &truth);
        assert_eq!(arrays, 32, "{store}: every array of the truth was checked");
    }
}

/// Ranges that start, end and straddle chunk boundaries, plus empty and single ones.
fn probe_ranges(n: u64) -> Vec<Range<u64>> {
    let mut out = vec![0..n, 0..1.min(n), n.saturating_sub(1)..n, n / 2..n / 2];
    for k in [3, 7, 9, 16, 18, 57, 58] {
        if k < n {
            out.push(k - 1..(k + 2).min(n));
            out.push(k..n);
        }
    }
    out
}

fn slice_rows(all: &Values, row_len: usize, rows: &Range<u64>) -> Values {
    let indices: Vec<usize> =
        (rows.start as usize * row_len..rows.end as usize * row_len).collect();
    all.gather(&indices)
}

#[test]
fn partial_reads_equal_slices_of_full_reads_in_every_layout() {
    let paths = [
        "X",
        "obsm/X_pca",
        "obsm/X_umap",
        "obs/score_f64",
        "obs/flag",
        "obs/stage/codes",
        "layers/counts_csc/data",
        "layers/counts_csc/indptr",
        "obsp/distances/indices",
    ];
    for store_name in ENCODING_STORES {
        let store = open("encodings", store_name);
        for path in paths {
            let info = store
                .array_info(path)
                .unwrap_or_else(|e| panic!("{store_name} {path}: {e}"));
            let all = store
                .read(path, &[])
                .unwrap_or_else(|e| panic!("{store_name} {path}: {e}"));
            let row_len: usize = info.shape.iter().skip(1).map(|&d| d as usize).product();
            for rows in probe_ranges(info.shape[0]) {
                let got = store
                    .read(path, std::slice::from_ref(&rows))
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(
                    got,
                    slice_rows(&all, row_len, &rows),
                    "{store_name} {path} rows {rows:?}"
                );
            }
        }
    }
}

#[test]
fn column_reads_of_a_dense_matrix_match_the_full_matrix() {
    for store_name in ENCODING_STORES {
        let store = open("encodings", store_name);
        let all = store.read("X", &[]).unwrap_or_else(|e| panic!("{e}"));
        let (n, g) = (60usize, 12usize);
        for j in 0..g as u64 {
            let got = store
                .read("X", &[0..n as u64, j..j + 1])
                .unwrap_or_else(|e| panic!("{e}"));
            let want = all.gather(&(0..n).map(|i| i * g + j as usize).collect::<Vec<_>>());
            assert_eq!(got, want, "{store_name} X column {j}");
        }
        // A block straddling chunk boundaries in both dimensions.
        let got = store
            .read("X", &[17..40, 3..9])
            .unwrap_or_else(|e| panic!("{e}"));
        let want_idx: Vec<usize> = (17..40)
            .flat_map(|i| (3..9).map(move |j| i * g + j))
            .collect();
        assert_eq!(got, all.gather(&want_idx), "{store_name} X block");
    }
}

#[test]
fn string_range_reads_match_full_reads() {
    for store_name in ENCODING_STORES {
        let store = open("encodings", store_name);
        let all = store
            .read_strings("obs/barcode", None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.len(), 60);
        assert_eq!(all[0], "AAC0000-ü");
        for r in probe_ranges(60) {
            let got = store
                .read_strings("obs/barcode", Some(r.clone()))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                got,
                all[r.start as usize..r.end as usize],
                "{store_name} barcode {r:?}"
            );
        }
    }
}

#[test]
fn sharded_and_plain_stores_report_their_chunking() {
    let plain = open("encodings", "input-v3.zarr");
    let sharded = open("encodings", "input-v3-sharded.zarr");
    let chunked = open("encodings", "input-v2-chunked.zarr");
    let info = |s: &ZarrStore| s.array_info("X").unwrap_or_else(|e| panic!("{e}")).chunks;
    assert_eq!(info(&plain), Some(vec![60, 12]));
    // make_zarr_fixtures.py: chunks (ceil(60/7), ceil(12/3)) = (9, 4); shards twice that.
    assert_eq!(info(&sharded), Some(vec![18, 8]));
    assert_eq!(info(&chunked), Some(vec![9, 4]));
}

#[test]
fn reads_from_many_threads_agree() {
    let store = Arc::new(open("edge-small", "input-v3-sharded.zarr"));
    let all = store.read("X/data", &[]).unwrap_or_else(|e| panic!("{e}"));
    let n = all.len() as u64;
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            let store = Arc::clone(&store);
            let all = &all;
            scope.spawn(move || {
                let mut start = t * 37;
                while start < n {
                    let end = (start + 101).min(n);
                    let got = store
                        .read("X/data", &[start..end])
                        .unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!(
                        got,
                        all.gather(&(start as usize..end as usize).collect::<Vec<_>>())
                    );
                    start = end + 50;
                }
            });
        }
    });
}

#[test]
fn misuse_gives_typed_errors_naming_the_path() {
    let store = open("encodings", "input-v3.zarr");
    let cases: Vec<(BackendError, &str, &str)> = vec![
        (
            store.children("obs/nope").unwrap_err(),
            "obs/nope",
            "NotFound",
        ),
        (
            store.children("obs/barcode").unwrap_err(),
            "obs/barcode",
            "WrongKind",
        ),
        (store.read("obs", &[]).unwrap_err(), "obs", "WrongKind"),
        (
            store.read("obs/barcode", &[]).unwrap_err(),
            "obs/barcode",
            "WrongType",
        ),
        (
            store.read_strings("obs/n_genes", None).unwrap_err(),
            "obs/n_genes",
            "WrongType",
        ),
        (
            store.read("obs/n_genes", &[0..61]).unwrap_err(),
            "obs/n_genes",
            "OutOfBounds",
        ),
        (
            store.read("obs/n_genes", &[0..1, 0..1]).unwrap_err(),
            "obs/n_genes",
            "OutOfBounds",
        ),
        (
            store.read("X", &[0..60, 5..13]).unwrap_err(),
            "X",
            "OutOfBounds",
        ),
        (
            store.read_strings("obs/barcode", Some(59..61)).unwrap_err(),
            "obs/barcode",
            "OutOfBounds",
        ),
        (
            store.attribute("nope", "encoding-type").unwrap_err(),
            "nope",
            "NotFound",
        ),
    ];
    for (err, path, variant) in cases {
        assert_eq!(err.path(), path, "{err}");
        assert!(
            format!("{err:?}").starts_with(variant),
            "{variant}: {err:?}"
        );
        assert!(err.to_string().contains(path), "{err}");
    }
    assert_eq!(store.kind("obs/nope").ok(), Some(None));
    assert_eq!(store.attribute("obs", "no-such-attribute").ok(), Some(None));
    assert!(store.describe().ends_with("input-v3.zarr"));
}

#[test]
fn not_a_store_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let err = open_store(dir.path()).unwrap_err();
    assert!(
        err.to_string().contains("not an AnnData Zarr store"),
        "{err}"
    );
    let err = open_store(&dir.path().join("missing.zarr")).unwrap_err();
    assert!(matches!(err, BackendError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("missing.zarr"), "{err}");
    let file = dir.path().join("file.zarr");
    std::fs::write(&file, b"x").unwrap_or_else(|e| panic!("{e}"));
    let err = open_store(&file).unwrap_err();
    assert!(err.to_string().contains("not a directory"), "{err}");
}

/// Copy a fixture store into a temporary directory so a test can damage it.
fn scratch_copy(case: &str, store: &str) -> (tempfile::TempDir, PathBuf) {
    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
        for entry in std::fs::read_dir(from)
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
        {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy_dir(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().join(store);
    copy_dir(&fixtures().join(case).join(store), &root);
    (dir, root)
}

#[test]
fn damaged_chunks_give_corrupt_errors_not_panics() {
    // v2 blosc chunk, v3 zstd chunk, v3 shard (index checksum) — each truncated.
    for (store, chunk) in [
        ("input-v2.zarr", "obs/score_f64/0"),
        ("input-v3.zarr", "obs/score_f64/c/0"),
        ("input-v3-sharded.zarr", "obs/score_f64/c/0"),
    ] {
        let (_dir, root) = scratch_copy("encodings", store);
        let file = root.join(chunk);
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap_or_else(|e| panic!("{e}"));
        let s = open_store(&root).unwrap_or_else(|e| panic!("{e}"));
        let err = s.read("obs/score_f64", &[]).unwrap_err();
        assert!(
            matches!(err, BackendError::Corrupt { .. }),
            "{store}: {err:?}"
        );
        assert_eq!(err.path(), "obs/score_f64", "{err}");
    }
}

#[test]
fn a_broken_document_fails_only_its_element_naming_the_document() {
    let (_dir, root) = scratch_copy("encodings", "input-v2.zarr");
    let write = |rel: &str, text: &str| {
        std::fs::write(root.join(rel), text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    };
    write("obs/n_genes/.zarray", "{ not json");
    write("obs/small_u8/.zattrs", "[1, 2");
    // A pandas record array in `uns` (scanpy's rank_genes_groups) has a structured dtype.
    write(
        "obs/flag/.zarray",
        r#"{"zarr_format":2,"shape":[60],"chunks":[60],"dtype":[["CD4+/CD25 T","<f4"]],
            "compressor":null,"fill_value":null,"order":"C","filters":null}"#,
    );
    let s = open_store(&root).unwrap();
    let err = s.read("obs/n_genes", &[]).unwrap_err();
    assert!(matches!(err, BackendError::Corrupt { .. }), "{err:?}");
    assert!(
        err.to_string().contains(".zarray") && err.path() == "obs/n_genes",
        "{err}"
    );
    assert_eq!(s.kind("obs/n_genes").unwrap(), Some(NodeKind::Array));
    let err = s.attribute("obs/small_u8", "encoding-type").unwrap_err();
    assert!(
        err.to_string().contains(".zattrs") && err.path() == "obs/small_u8",
        "{err}"
    );
    let err = s.array_info("obs/flag").unwrap_err();
    assert!(
        matches!(err, BackendError::UnsupportedType { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("CD4+/CD25 T"), "{err}");
    // Everything else still reads.
    assert_eq!(s.read("obs/score_f64", &[]).map(|v| v.len()).ok(), Some(60));
    assert_eq!(
        s.read_strings("obs/barcode", Some(0..1)).ok(),
        Some(vec!["AAC0000-ü".to_string()])
    );
}

#[test]
fn v3_stores_without_consolidated_metadata_are_walked() {
    let truth = expected("encodings");
    for store in ["input-v3.zarr", "input-v3-sharded.zarr"] {
        let (_dir, root) = scratch_copy("encodings", store);
        let path = root.join("zarr.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        let removed = doc
            .as_object_mut()
            .and_then(|m| m.remove("consolidated_metadata"));
        assert!(
            removed.is_some(),
            "{store}: the fixture has consolidated metadata"
        );
        std::fs::write(&path, doc.to_string()).unwrap();
        assert_eq!(
            check_store_against_truth(&open_store(&root).unwrap(), &truth),
            32,
            "{store}"
        );
    }
}

/// Write a one-array v3 store whose `zarr.json` is given.
fn store_with_array(array_json: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().join("t.zarr");
    std::fs::create_dir_all(root.join("a")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        root.join("zarr.json"),
        br#"{"zarr_format":3,"node_type":"group","attributes":{}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(root.join("a/zarr.json"), array_json).unwrap_or_else(|e| panic!("{e}"));
    (dir, root)
}

fn v3_array_json(data_type: &str, fill: &str, codecs: &str) -> String {
    format!(
        r#"{{"zarr_format":3,"node_type":"array","shape":[4],"data_type":"{data_type}",
        "chunk_grid":{{"name":"regular","configuration":{{"chunk_shape":[2]}}}},
        "chunk_key_encoding":{{"name":"default","configuration":{{"separator":"/"}}}},
        "fill_value":{fill},"codecs":{codecs},"attributes":{{"encoding-type":"array"}}}}"#
    )
}

#[test]
fn unsupported_element_types_and_codecs_are_reported() {
    let (_d, root) = store_with_array(&v3_array_json(
        "complex64",
        "[0.0, 0.0]",
        r#"[{"name":"bytes","configuration":{"endian":"little"}}]"#,
    ));
    let s = open_store(&root).unwrap_or_else(|e| panic!("{e}"));
    let err = s.array_info("a").unwrap_err();
    assert!(
        matches!(err, BackendError::UnsupportedType { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("complex64") && err.path() == "a",
        "{err}"
    );
    assert!(matches!(
        s.read("a", &[]).unwrap_err(),
        BackendError::UnsupportedType { .. }
    ));

    let (_d, root) = store_with_array(&v3_array_json(
        "float32",
        "0.0",
        r#"[{"name":"bytes","configuration":{"endian":"little"}},{"name":"no-such-codec"}]"#,
    ));
    let s = open_store(&root).unwrap_or_else(|e| panic!("{e}"));
    let err = s.array_info("a").unwrap_err();
    assert!(matches!(err, BackendError::Corrupt { .. }), "{err:?}");
    assert!(
        err.to_string().contains("no-such-codec") && err.path() == "a",
        "{err}"
    );
}

#[test]
fn missing_chunks_read_as_the_fill_value() {
    let (_d, root) = store_with_array(&v3_array_json(
        "float64",
        "1.5",
        r#"[{"name":"bytes","configuration":{"endian":"little"}}]"#,
    ));
    let c1 = root.join("a/c");
    std::fs::create_dir_all(&c1).unwrap_or_else(|e| panic!("{e}"));
    let chunk: Vec<u8> = [7.0f64, 8.0].iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(c1.join("1"), chunk).unwrap_or_else(|e| panic!("{e}"));
    let s = open_store(&root).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.read("a", &[]).ok(),
        Some(Values::F64(vec![1.5, 1.5, 7.0, 8.0]))
    );
    assert_eq!(s.read("a", &[1..3]).ok(), Some(Values::F64(vec![1.5, 7.0])));
}
