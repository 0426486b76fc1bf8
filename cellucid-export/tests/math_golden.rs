//! The `math` kernels against the golden exports, on the raw arrays of the golden inputs
//! (dumped to `tests/fixtures/export/math-inputs/` by `dump_math_inputs.py`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cellucid_export::math;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");

fn golden(case: &str) -> PathBuf {
    Path::new(FIXTURES).join("golden").join(case).join("export")
}

/// A raw array of the golden input, widened to f64, with its shape.
struct Raw {
    values: Vec<f64>,
    shape: Vec<usize>,
}

fn load_inputs(name: &str) -> BTreeMap<String, Raw> {
    let dir = Path::new(FIXTURES).join("export/math-inputs").join(name);
    let meta: Value =
        serde_json::from_slice(&std::fs::read(dir.join("meta.json")).expect("meta")).expect("json");
    let mut out = BTreeMap::new();
    for (key, m) in meta.as_object().expect("object") {
        let bytes = std::fs::read(dir.join(format!("{key}.bin"))).expect("array");
        let dtype = m["dtype"].as_str().expect("dtype");
        let values: Vec<f64> = match dtype {
            "f4" => bytes
                .chunks_exact(4)
                .map(|c| f64::from(f32::from_le_bytes(c.try_into().expect("4"))))
                .collect(),
            "f8" => bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8")))
                .collect(),
            "i4" => bytes
                .chunks_exact(4)
                .map(|c| f64::from(i32::from_le_bytes(c.try_into().expect("4"))))
                .collect(),
            "i8" => bytes
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().expect("8")) as f64)
                .collect(),
            other => panic!("dtype {other}"),
        };
        let shape = m["shape"]
            .as_array()
            .expect("shape")
            .iter()
            .map(|v| v.as_u64().expect("dim") as usize)
            .collect();
        out.insert(key.clone(), Raw { values, shape });
    }
    out
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

const CASES: [(&str, &str); 3] = [
    ("pbmc68k", "pbmc68k-raw"),
    ("edge", "edge-raw"),
    ("latent-f32", "latent-f32"),
];

fn normalised(inputs: &BTreeMap<String, Raw>, dim: usize) -> Option<math::NormalisedEmbedding> {
    let raw = inputs.get(&format!("X_umap_{dim}d"))?;
    Some(math::normalise_embedding(&raw.values, dim).expect("normalises"))
}

#[test]
fn normalised_points_match_every_golden_points_file() {
    let mut checked = 0;
    for (name, case) in CASES {
        let inputs = load_inputs(name);
        for dim in 1..=3 {
            let Some(n) = normalised(&inputs, dim) else {
                continue;
            };
            let expected = read(&golden(case).join(format!("points_{dim}d.bin")));
            assert_eq!(f32_bytes(&n.to_f32()), expected, "{case} points_{dim}d");
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
}

/// `(index, key, categories, members, centroidsByDim)` of one categorical field.
type Field = (u64, String, Vec<Value>, Vec<Vec<usize>>, Value);

/// Every categorical field of a golden obs manifest.
fn categorical_fields(case: &str) -> Vec<Field> {
    let dir = golden(case);
    let manifest: Value =
        serde_json::from_slice(&read(&dir.join("obs_manifest.json"))).expect("json");
    let mut out = Vec::new();
    for tuple in manifest["_categoricalFields"].as_array().expect("array") {
        let index = tuple[0].as_u64().expect("index");
        let categories = tuple[2].as_array().expect("categories").clone();
        let dtype = tuple[3].as_str().expect("dtype");
        let bytes = read(&dir.join(format!(
            "obs/{index}.codes.{}",
            if dtype == "uint8" { "u8" } else { "u16" }
        )));
        let codes: Vec<Option<usize>> = if dtype == "uint8" {
            bytes
                .iter()
                .map(|&b| (b != 255).then_some(usize::from(b)))
                .collect()
        } else {
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .map(|c| (c != 65_535).then_some(usize::from(c)))
                .collect()
        };
        let members = math::members_by_category(codes, categories.len()).expect("codes in range");
        out.push((
            index,
            tuple[1].as_str().expect("key").to_string(),
            categories,
            members,
            tuple[5].clone(),
        ));
    }
    out
}

#[test]
fn centroids_match_every_golden_obs_manifest() {
    let mut lists = 0;
    for (name, case) in CASES {
        let inputs = load_inputs(name);
        for (_, key, categories, members, by_dim) in categorical_fields(case) {
            for (dim_key, expected) in by_dim.as_object().expect("object") {
                let dim: usize = dim_key.parse().expect("dim");
                let n = normalised(&inputs, dim).expect("embedding");
                let got = math::field_centroids(&n.coords, dim, &members, 0.95, 10);
                let expected = expected.as_array().expect("list");
                assert_eq!(got.len(), expected.len(), "{case} {key} dim {dim}");
                for (g, e) in got.iter().zip(expected) {
                    assert_eq!(categories[g.code], e["category"], "{case} {key}");
                    let position: Vec<f64> = e["position"]
                        .as_array()
                        .expect("pos")
                        .iter()
                        .map(|v| v.as_f64().expect("f64"))
                        .collect();
                    assert_eq!(
                        g.centroid.position, position,
                        "{case} {key} dim {dim} {}",
                        e["category"]
                    );
                    assert_eq!(
                        g.centroid.n_points as u64,
                        e["n_points"].as_u64().expect("n"),
                        "{case} {key}"
                    );
                }
                lists += 1;
            }
        }
    }
    // pbmc: 3 fields × 2 dims; edge: 5 fields × 3 dims; latent-f32: 1 field × 1 dim.
    assert!(lists > 6 + 15, "{lists}");
}

#[test]
fn latent_quantiles_match_every_golden_outlier_file() {
    let mut files = 0;
    for (name, case) in CASES {
        let inputs = load_inputs(name);
        let latent = &inputs["X_pca"];
        let (n, k) = (latent.shape[0], latent.shape[1]);
        let latent32: Vec<f32> = latent.values.iter().map(|&v| v as f32).collect();
        for (index, key, _, members, _) in categorical_fields(case) {
            let q = math::latent_outlier_quantiles(&latent32, n, k, &members, 10).expect("shape");
            let expected = read(&golden(case).join(format!("obs/{index}.outliers.f32")));
            assert_eq!(f32_bytes(&q), expected, "{case} {key}");
            files += 1;
        }
    }
    assert!(files > 3 + 5);
}

#[test]
fn edges_match_the_golden_connectivity_payloads() {
    for (name, case) in [("pbmc68k", "pbmc68k-raw"), ("edge", "edge-raw")] {
        let inputs = load_inputs(name);
        let to_usize = |k: &str| {
            inputs[k]
                .values
                .iter()
                .map(|&v| v as usize)
                .collect::<Vec<usize>>()
        };
        let indptr = to_usize("connectivities.indptr");
        let n = indptr.len() - 1;
        let e = math::edges_from_csr(
            n,
            &indptr,
            &to_usize("connectivities.indices"),
            &inputs["connectivities.data"].values,
        )
        .expect("symmetric graph");
        let dir = golden(case).join("connectivity");
        let u16s = |v: &[u32]| {
            v.iter()
                .flat_map(|&x| (x as u16).to_le_bytes())
                .collect::<Vec<u8>>()
        };
        assert_eq!(u16s(&e.src), read(&dir.join("edges.src.bin")), "{case}");
        assert_eq!(u16s(&e.dst), read(&dir.join("edges.dst.bin")), "{case}");
        let w: Vec<u8> = e.weights.iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(w, read(&dir.join("edges.weights.f64.bin")), "{case}");
        let manifest: Value =
            serde_json::from_slice(&read(&golden(case).join("connectivity_manifest.json")))
                .expect("json");
        assert_eq!(
            e.max_neighbors as u64,
            manifest["max_neighbors"].as_u64().expect("int")
        );
        assert_eq!(
            e.n_edges() as u64,
            manifest["n_edges"].as_u64().expect("int")
        );
    }
}

#[test]
fn scaled_vectors_match_the_golden_vector_files() {
    let inputs = load_inputs("edge");
    for dim in [2, 3] {
        let n = normalised(&inputs, dim).expect("embedding");
        let key = format!("velocity_umap_{dim}d");
        let parsed = math::parse_vector_key(&key).expect("key");
        assert_eq!((parsed.field.as_str(), parsed.dim), ("velocity_umap", dim));
        let v = math::scale_vectors(&inputs[&key].values, dim, n.scale).expect("finite");
        assert_eq!(
            f32_bytes(&v),
            read(&golden("edge-raw").join(format!("vectors/0_{dim}d.bin")))
        );
    }
}
