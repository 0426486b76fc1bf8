//! The same AnnData written as `.h5ad` and as Zarr v2 / v3 / v3-sharded reads identically
//! through the whole public API: obs/var columns and names, categories, embeddings, latent,
//! vector fields, the graph, every gene column of X (and of a CSC layer), row/column blocks,
//! and the export mapping.
//!
//! Fixtures: `tests/fixtures/adapter/zarr/` (regenerate with `make_zarr_fixtures.py` there).
//! `edge-small` is the golden `edge` builder at 400 cells x 40 genes (CSR X, a symmetric CSR
//! graph, every awkward obs column); `encodings` adds nullable-integer, nullable-boolean,
//! ordered categorical, string-array, dense X, a CSC layer and a float64 obsp.
#![cfg(feature = "zarr")]

use std::path::{Path, PathBuf};

use cellucid_adapter::{mapping, AnnData, Column, Graph, Layout, MatrixSource};

fn case_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/adapter/zarr")
        .join(case)
}

fn open(path: &Path) -> AnnData {
    AnnData::open(path).unwrap_or_else(|e| panic!("opening {}: {e}", path.display()))
}

/// `Debug` text, so NaN compares equal to NaN.
fn dbg<T: std::fmt::Debug>(x: &T) -> String {
    format!("{x:?}")
}

/// Assert two opened AnnData objects read identically; `ctx` names the zarr store.
#[allow(clippy::too_many_lines)]
fn assert_same(h5: &AnnData, z: &AnnData, ctx: &str) {
    assert_eq!(
        (h5.n_obs(), h5.n_vars()),
        (z.n_obs(), z.n_vars()),
        "{ctx} shape"
    );
    assert_eq!(h5.obs_names().ok(), z.obs_names().ok(), "{ctx} obs_names");
    assert_eq!(h5.var_names().ok(), z.var_names().ok(), "{ctx} var_names");
    assert_eq!(h5.obs_columns(), z.obs_columns(), "{ctx} obs column order");
    assert_eq!(h5.var_columns(), z.var_columns(), "{ctx} var column order");
    for key in h5.obs_columns() {
        let a = h5
            .obs_column(key)
            .unwrap_or_else(|e| panic!("h5ad obs {key}: {e}"));
        let b = z
            .obs_column(key)
            .unwrap_or_else(|e| panic!("{ctx} obs {key}: {e}"));
        assert_eq!(dbg(&a), dbg(&b), "{ctx} obs column {key}");
    }
    for key in h5.var_columns() {
        let a = h5
            .var_column(key)
            .unwrap_or_else(|e| panic!("h5ad var {key}: {e}"));
        let b = z
            .var_column(key)
            .unwrap_or_else(|e| panic!("{ctx} var {key}: {e}"));
        assert_eq!(dbg(&a), dbg(&b), "{ctx} var column {key}");
    }
    let mut obsm_h5 = h5.obsm_keys().to_vec();
    let mut obsm_z = z.obsm_keys().to_vec();
    obsm_h5.sort();
    obsm_z.sort();
    assert_eq!(obsm_h5, obsm_z, "{ctx} obsm keys");
    for key in &obsm_h5 {
        assert_eq!(
            h5.obsm_shape(key).ok(),
            z.obsm_shape(key).ok(),
            "{ctx} obsm shape {key}"
        );
        let a = h5
            .obsm(key)
            .unwrap_or_else(|e| panic!("h5ad obsm {key}: {e}"));
        let b = z
            .obsm(key)
            .unwrap_or_else(|e| panic!("{ctx} obsm {key}: {e}"));
        assert_eq!(dbg(&a), dbg(&b), "{ctx} obsm {key}");
    }
    let mut obsp_h5 = h5.obsp_keys().to_vec();
    let mut obsp_z = z.obsp_keys().to_vec();
    obsp_h5.sort();
    obsp_z.sort();
    assert_eq!(obsp_h5, obsp_z, "{ctx} obsp keys");
    for key in &obsp_h5 {
        let a = h5
            .obsp(key)
            .unwrap_or_else(|e| panic!("h5ad obsp {key}: {e}"));
        let b = z
            .obsp(key)
            .unwrap_or_else(|e| panic!("{ctx} obsp {key}: {e}"));
        assert!(matches!(b, Graph::Sparse(_)), "{ctx} obsp {key} is sparse");
        assert_eq!(a, b, "{ctx} obsp {key}");
    }
    let mut layers_h5 = h5.layer_keys().to_vec();
    let mut layers_z = z.layer_keys().to_vec();
    layers_h5.sort();
    layers_z.sort();
    assert_eq!(layers_h5, layers_z, "{ctx} layers");
    assert_eq!(h5.has_raw(), z.has_raw(), "{ctx} raw");

    if h5.has_raw() {
        assert_eq!(
            h5.raw_var_names().ok(),
            z.raw_var_names().ok(),
            "{ctx} raw var names"
        );
    }
    let raw = h5.has_raw().then_some(MatrixSource::RawX);
    let sources = std::iter::once(MatrixSource::X)
        .chain(layers_h5.iter().cloned().map(MatrixSource::Layer))
        .chain(raw);
    for source in sources {
        let a = h5
            .matrix(source.clone())
            .unwrap_or_else(|e| panic!("h5ad {source:?}: {e}"));
        let b = z
            .matrix(source.clone())
            .unwrap_or_else(|e| panic!("{ctx} {source:?}: {e}"));
        assert_eq!(
            (a.n_obs(), a.n_vars(), a.dtype(), a.layout()),
            (b.n_obs(), b.n_vars(), b.dtype(), b.layout())
        );
        for j in 0..a.n_vars() {
            let ga = a
                .gene(j)
                .unwrap_or_else(|e| panic!("h5ad {source:?} gene {j}: {e}"));
            let gb = b
                .gene(j)
                .unwrap_or_else(|e| panic!("{ctx} {source:?} gene {j}: {e}"));
            assert_eq!(ga, gb, "{ctx} {source:?} gene {j}");
        }
        let (n, g) = (a.n_obs(), a.n_vars());
        let blocks = [0..n, 0..1, n / 3..n / 2, n - 1..n];
        match a.layout() {
            Layout::Csr => {
                for rows in blocks {
                    assert_eq!(
                        a.csr_rows(rows.clone()).ok(),
                        b.csr_rows(rows.clone()).ok(),
                        "{ctx} rows {rows:?}"
                    );
                }
            }
            Layout::Csc => {
                for cols in [0..g, 0..1, g / 3..g / 2, g - 1..g] {
                    assert_eq!(
                        a.csc_cols(cols.clone()).ok(),
                        b.csc_cols(cols.clone()).ok(),
                        "{ctx} cols {cols:?}"
                    );
                }
            }
            Layout::Dense => {
                for rows in blocks {
                    assert_eq!(
                        a.dense_rows(rows.clone()).ok(),
                        b.dense_rows(rows.clone()).ok(),
                        "{ctx} rows {rows:?}"
                    );
                }
                for cols in [0..g, 0..1, g / 3..g / 2, g - 1..g] {
                    assert_eq!(
                        a.dense_cols(cols.clone()).ok(),
                        b.dense_cols(cols.clone()).ok(),
                        "{ctx} cols {cols:?}"
                    );
                }
            }
        }
    }

    // The export mapping sees the same AnnData.
    assert_eq!(
        mapping::resolve_embeddings(h5).map_err(|e| e.to_string()),
        mapping::resolve_embeddings(z).map_err(|e| e.to_string()),
        "{ctx} embeddings"
    );
    assert_eq!(
        mapping::default_latent_key(h5),
        mapping::default_latent_key(z),
        "{ctx} latent"
    );
    assert_eq!(
        mapping::vector_fields(h5),
        mapping::vector_fields(z),
        "{ctx} vector fields"
    );
    assert_eq!(
        mapping::connectivities_key(h5),
        mapping::connectivities_key(z),
        "{ctx} connectivities"
    );
    let fields_h5 = mapping::obs_fields(h5, None).map_err(|e| e.to_string());
    let fields_z = mapping::obs_fields(z, None).map_err(|e| e.to_string());
    assert_eq!(dbg(&fields_h5), dbg(&fields_z), "{ctx} obs fields");
}

#[test]
fn edge_small_zarr_v2_v3_and_sharded_read_like_the_h5ad() {
    let dir = case_dir("edge-small");
    let h5 = open(&dir.join("input.h5ad"));
    // The case's content, so a reader that returned nothing everywhere would fail.
    assert_eq!((h5.n_obs(), h5.n_vars()), (400, 40));
    assert_eq!(
        h5.obsm("X_umap_2d").map(|m| (m.n_rows, m.n_cols)).ok(),
        Some((400, 2))
    );
    match h5.obs_column("clone") {
        Ok(Column::Categorical {
            categories, codes, ..
        }) => {
            assert_eq!((categories.len(), codes.len()), (300, 400));
        }
        other => panic!("clone should be categorical: {other:?}"),
    }
    for store in ["input-v2.zarr", "input-v3.zarr", "input-v3-sharded.zarr"] {
        assert_same(&h5, &open(&dir.join(store)), store);
    }
}

#[test]
fn encodings_zarr_stores_read_like_the_h5ad() {
    let dir = case_dir("encodings");
    let h5 = open(&dir.join("input.h5ad"));
    assert_eq!((h5.n_obs(), h5.n_vars()), (60, 12));
    assert!(matches!(
        h5.obs_column("n_counts_nullable"),
        Ok(Column::NullableInt { .. })
    ));
    assert!(matches!(
        h5.obs_column("passed_qc"),
        Ok(Column::NullableBool { .. })
    ));
    assert!(matches!(h5.obs_column("barcode"), Ok(Column::Strings(_))));
    assert!(matches!(
        h5.obs_column("stage"),
        Ok(Column::Categorical { ordered: true, .. })
    ));
    assert!(h5.has_raw());
    assert_eq!(
        h5.matrix(MatrixSource::RawX)
            .map(|m| (m.n_vars(), m.layout()))
            .ok(),
        Some((15, Layout::Csr))
    );
    for store in [
        "input-v2.zarr",
        "input-v2-chunked.zarr",
        "input-v3.zarr",
        "input-v3-sharded.zarr",
    ] {
        assert_same(&h5, &open(&dir.join(store)), store);
    }
}
