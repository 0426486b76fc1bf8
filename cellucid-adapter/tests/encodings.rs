//! Encodings the golden cases do not cover, on the committed fixtures of
//! `tests/fixtures/adapter/` (written by `make_fixtures.py` with anndata 0.12): nullable
//! columns, numeric/bool/ordered categoricals, nested column names, CSR with int64 indices,
//! CSC, dense and f16 matrices, layers, raw, sparse obsm, dense obsp.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_range_loop,
    missing_docs
)]

use std::path::{Path, PathBuf};

use cellucid_adapter::mapping::{self, Label, MappingError, ObsFieldKind};
use cellucid_adapter::{
    AnnData, Categories, Column, DType, GeneColumn, Graph, Layout, MatrixSource, ReadError, Values,
};
use half::f16;

fn fixture(name: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/adapter"
    ))
    .join(name)
}

/// The dense matrix every fixture's X derives from (12 × 5 float32, stored in expected.json).
fn dense_x() -> Vec<Vec<f32>> {
    let text = std::fs::read_to_string(fixture("expected.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["dense_x"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect()
        })
        .collect()
}

fn column_of(m: &[Vec<f32>], j: usize) -> Vec<f32> {
    m.iter().map(|r| r[j]).collect()
}

fn categorical(ad: &AnnData, key: &str) -> (Vec<Label>, Vec<i32>) {
    match mapping::obs_field(ad, key).unwrap().kind {
        ObsFieldKind::Categorical { labels, codes } => (labels, codes),
        other => panic!("{key}: expected categorical, got {other:?}"),
    }
}

fn strs(v: &[&str]) -> Vec<Label> {
    v.iter().map(|s| Label::Str((*s).to_string())).collect()
}

#[test]
fn nullable_columns_decode_with_their_masks() {
    let ad = AnnData::open(fixture("nullable_csr_i64.h5ad")).unwrap();
    assert_eq!(ad.n_obs(), 12);
    let Column::NullableInt { values, missing } = ad.obs_column("nint").unwrap() else {
        panic!("nint")
    };
    assert_eq!(values.dtype(), DType::I64);
    assert_eq!(
        missing
            .iter()
            .enumerate()
            .filter(|(_, m)| **m)
            .map(|(i, _)| i)
            .collect::<Vec<_>>(),
        [1, 4]
    );
    assert_eq!(values.get_f64(11), Some(-12.0));
    let ObsFieldKind::Continuous(Values::F64(f)) = mapping::obs_field(&ad, "nint").unwrap().kind
    else {
        panic!("nint continuous f64")
    };
    assert!(f[1].is_nan() && f[4].is_nan());
    assert_eq!((f[0], f[2], f[11]), (1.0, 3.0, -12.0));
    // No missing value: the stored type is kept.
    assert_eq!(
        mapping::obs_field(&ad, "nint_full").unwrap().kind,
        ObsFieldKind::Continuous(Values::I32((0..12).collect()))
    );
    let Column::NullableBool { missing, .. } = ad.obs_column("nbool").unwrap() else {
        panic!("nbool")
    };
    assert_eq!(missing.iter().filter(|m| **m).count(), 3);
    let (labels, codes) = categorical(&ad, "nbool");
    assert_eq!(labels, [Label::Bool(false), Label::Bool(true)]);
    assert_eq!(&codes[..4], [1, -1, 0, 1]);
    // nullable-string-array: missing → -1, categories sorted by code point.
    let Column::Strings(s) = ad.obs_column("nstr_raw").unwrap() else {
        panic!("nstr_raw")
    };
    assert_eq!(s[1], None);
    let (labels, codes) = categorical(&ad, "nstr_raw");
    assert_eq!(labels, strs(&["B", "a", "b", "é"]));
    assert_eq!(&codes[..6], [2, -1, 1, 3, 0, 1]);
    // plain string-array column.
    let (labels, codes) = categorical(&ad, "plain_str");
    assert_eq!(labels, strs(&["", "x", "y", "z"]));
    assert_eq!(&codes[..6], [3, 2, 3, 0, 1, 2]);
}

#[test]
fn categoricals_keep_declared_order_and_typed_labels() {
    let ad = AnnData::open(fixture("nullable_csr_i64.h5ad")).unwrap();
    let (labels, codes) = categorical(&ad, "cat_int");
    assert_eq!(
        labels,
        [Label::Int(3), Label::Int(1), Label::Int(2), Label::Int(99)]
    );
    assert_eq!(&codes[..4], [0, 1, 0, 2]);
    let (labels, codes) = categorical(&ad, "cat_float");
    assert_eq!(labels, [Label::Float(1.0), Label::Float(2.5)]);
    assert_eq!(&codes[..4], [0, 1, -1, 0]);
    let (labels, codes) = categorical(&ad, "cat_bool");
    assert_eq!(labels, [Label::Bool(false), Label::Bool(true)]);
    assert_eq!(&codes[..4], [1, 0, 1, 1]);
    let Column::Categorical {
        categories,
        codes,
        ordered,
    } = ad.obs_column("cat_ordered").unwrap()
    else {
        panic!("ordered")
    };
    assert!(ordered);
    assert_eq!(
        categories,
        Categories::Str(vec!["lo".into(), "mid".into(), "hi".into()])
    );
    assert_eq!(&codes[..4], [0, 2, 1, -1]);
    // anndata turned the pandas "string" column into a categorical.
    let (labels, _) = categorical(&ad, "nstr");
    assert_eq!(labels, strs(&["B", "a", "b", "é"]));
    // A key with '/' is a nested path.
    let (labels, codes) = categorical(&ad, "group/sub");
    assert_eq!(labels, strs(&["x", "y"]));
    assert_eq!(&codes[..4], [0, 1, 0, 0]);
    let (labels, codes) = categorical(&ad, "flag");
    assert_eq!(labels, [Label::Bool(false), Label::Bool(true)]);
    assert_eq!(&codes[..3], [1, 0, 0]);
}

#[test]
fn numeric_columns_keep_their_type() {
    let ad = AnnData::open(fixture("nullable_csr_i64.h5ad")).unwrap();
    assert_eq!(
        ad.obs_column("u8").unwrap(),
        Column::Numeric(Values::U8((0..12).collect()))
    );
    assert_eq!(
        ad.obs_column("i8").unwrap(),
        Column::Numeric(Values::I8((-6..6).collect()))
    );
    let Column::Numeric(Values::F16(h)) = ad.obs_column("half").unwrap() else {
        panic!("f16")
    };
    assert_eq!((h[0], h[11]), (f16::from_f32(-1.0), f16::from_f32(1.0)));
    let fields = mapping::obs_fields(&ad, None).unwrap();
    assert_eq!(fields.len(), ad.obs_columns().len());
    assert_eq!(
        ad.obs_columns().last().map(String::as_str),
        Some("nstr_raw")
    );
}

#[test]
fn csr_with_int64_indices_serves_every_gene_and_row_batches() {
    let ad = AnnData::open(fixture("nullable_csr_i64.h5ad")).unwrap();
    let dense = dense_x();
    let x = ad
        .matrix(MatrixSource::X)
        .unwrap()
        .with_index_batch_entries(3);
    assert_eq!((x.layout(), x.dtype()), (Layout::Csr, DType::F64));
    for j in 0..5 {
        let col = x.gene(j).unwrap();
        let GeneColumn::Sparse { rows, .. } = &col else {
            panic!("sparse")
        };
        assert!(rows.windows(2).all(|w| w[0] < w[1]));
        let want: Vec<f64> = column_of(&dense, j).into_iter().map(f64::from).collect();
        assert_eq!(col.to_dense(), Values::F64(want), "gene {j}");
    }
    assert_eq!(
        x.gene(2).unwrap(),
        GeneColumn::Sparse {
            n: 12,
            rows: vec![],
            values: Values::F64(vec![])
        }
    );
    assert!(matches!(
        x.gene(5),
        Err(ReadError::GeneOutOfRange { index: 5, .. })
    ));
    let block = x.csr_rows(2..5).unwrap();
    assert_eq!(block.indptr.len(), 4);
    assert_eq!(block.indptr[2], block.indptr[1], "row 3 is empty");
    let row2: Vec<f64> = dense[2]
        .iter()
        .map(|&v| f64::from(v))
        .filter(|&v| v != 0.0)
        .collect();
    let n2 = block.indptr[1] as usize;
    assert_eq!(block.data.to_f64_vec()[..n2], row2[..]);
    assert!(matches!(x.csc_cols(0..1), Err(ReadError::Layout { .. })));
    // int32 layer, raw/X with its own var.
    let counts = ad.matrix(MatrixSource::Layer("counts".into())).unwrap();
    assert_eq!(counts.dtype(), DType::I32);
    let want: Vec<i32> = column_of(&dense, 1)
        .iter()
        .map(|&v| (v * 10.0) as i32)
        .collect();
    assert_eq!(counts.gene(1).unwrap().to_dense(), Values::I32(want));
    assert!(ad.has_raw());
    let raw = ad.matrix(MatrixSource::RawX).unwrap();
    assert_eq!(raw.n_vars(), ad.raw_var_names().unwrap().len());
    assert!(matches!(
        ad.matrix(MatrixSource::Layer("nope".into())),
        Err(ReadError::KeyNotFound { .. })
    ));
}

#[test]
fn obsm_and_obsp_in_every_storage() {
    let ad = AnnData::open(fixture("nullable_csr_i64.h5ad")).unwrap();
    let emb = ad.obsm("sparse_emb").unwrap();
    assert_eq!((emb.n_rows, emb.n_cols), (12, 3));
    let v = emb.values.to_f64_vec();
    for i in 0..12 {
        for j in 0..3 {
            assert_eq!(v[i * 3 + j], if i == j { 1.0 } else { 0.0 });
        }
    }
    let Graph::Dense(g) = ad.obsp("connectivities").unwrap() else {
        panic!("dense obsp")
    };
    assert_eq!((g.n_rows, g.n_cols), (12, 12));
    assert_eq!(g.values.get_f64(0), Some(0.0));
    assert_eq!(g.values.get_f64(1), Some(1.0));
    assert_eq!(
        mapping::resolve_embeddings(&ad)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        [(2, "X_umap".to_string())]
    );
    assert_eq!(mapping::default_latent_key(&ad).as_deref(), Some("X_pca"));
    assert_eq!(ad.obsm("X_pca").unwrap().values.dtype(), DType::F32);
}

#[test]
fn csc_matrix_genes_and_column_batches() {
    let ad = AnnData::open(fixture("csc.h5ad")).unwrap();
    let dense = dense_x();
    let x = ad.matrix(MatrixSource::X).unwrap();
    assert_eq!((x.layout(), x.dtype()), (Layout::Csc, DType::F32));
    for j in 0..5 {
        assert_eq!(
            x.gene(j).unwrap().to_dense(),
            Values::F32(column_of(&dense, j)),
            "gene {j}"
        );
    }
    let block = x.csc_cols(0..5).unwrap();
    assert_eq!(block.indptr.len(), 6);
    assert_eq!(block.indices.len() as u64, x.nnz());
    assert!(matches!(x.csr_rows(0..1), Err(ReadError::Layout { .. })));
    assert_eq!(
        mapping::resolve_embeddings(&ad)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        [(3, "X_umap".to_string())]
    );
    let vf = mapping::vector_fields(&ad);
    assert_eq!((vf[0].field.as_str(), vf[0].dim), ("velo_umap", 3));
    assert!(ad.obs_columns().is_empty());
}

/// During a gene pass a CSC matrix reads blocks of consecutive genes (here at most 7 entries,
/// so several blocks): every gene, in any order, is still exactly its column, and after the
/// pass genes are read one by one again.
#[test]
fn csc_genes_read_in_blocks_during_a_gene_pass() {
    let ad = AnnData::open(fixture("csc.h5ad")).unwrap();
    let dense = dense_x();
    let x = ad
        .matrix(MatrixSource::X)
        .unwrap()
        .with_cache_bytes(0)
        .with_index_batch_entries(7);
    assert!(x.nnz() > 14, "the fixture spans several blocks");
    x.begin_gene_pass(&[0, 1, 2, 3, 4]);
    for j in [0, 1, 2, 3, 4, 4, 2, 0, 3, 1] {
        assert_eq!(
            x.gene(j).unwrap().to_dense(),
            Values::F32(column_of(&dense, j)),
            "gene {j}"
        );
    }
    assert!(matches!(x.gene(5), Err(ReadError::GeneOutOfRange { .. })));
    x.end_gene_pass();
    for j in 0..5 {
        assert_eq!(
            x.gene(j).unwrap().to_dense(),
            Values::F32(column_of(&dense, j))
        );
    }
    // The same for the f16 CSC layer with int64 indices.
    let ad = AnnData::open(fixture("dense_f16.h5ad")).unwrap();
    let layer = ad
        .matrix(MatrixSource::Layer("half_csc".into()))
        .unwrap()
        .with_cache_bytes(0)
        .with_index_batch_entries(3);
    let expected: Vec<_> = (0..5).map(|j| layer.gene(j).unwrap()).collect();
    // A subset in another order: gene 3 is not requested (read alone when asked for), the
    // others come from blocks of consecutive requested genes.
    layer.begin_gene_pass(&[4, 2, 0, 1, 2]);
    for j in (0..5).rev() {
        assert_eq!(layer.gene(j).unwrap(), expected[j], "layer gene {j}");
    }
}

#[test]
fn dense_f16_matrix_and_f16_csc_layer_with_int64_indices() {
    let ad = AnnData::open(fixture("dense_f16.h5ad")).unwrap();
    let dense = dense_x();
    let x = ad.matrix(MatrixSource::X).unwrap();
    assert_eq!((x.layout(), x.dtype()), (Layout::Dense, DType::F16));
    let layer = ad.matrix(MatrixSource::Layer("half_csc".into())).unwrap();
    assert_eq!((layer.layout(), layer.dtype()), (Layout::Csc, DType::F16));
    for j in 0..5 {
        let want: Vec<f16> = column_of(&dense, j)
            .into_iter()
            .map(f16::from_f32)
            .collect();
        assert_eq!(
            x.gene(j).unwrap(),
            GeneColumn::Dense(Values::F16(want.clone())),
            "gene {j}"
        );
        assert_eq!(
            layer.gene(j).unwrap().to_dense(),
            Values::F16(want),
            "layer gene {j}"
        );
    }
    let rows = x.dense_rows(1..3).unwrap();
    assert_eq!((rows.n_rows, rows.n_cols), (2, 5));
    assert_eq!(
        rows.values.get_f64(5),
        Some(f64::from(f16::from_f32(dense[2][0])))
    );
    let cols = x.dense_cols(3..5).unwrap();
    assert_eq!((cols.n_rows, cols.n_cols), (12, 2));
    // No usable embedding: the reference message with rename hints.
    let Err(MappingError::NoEmbedding { message }) = mapping::resolve_embeddings(&ad) else {
        panic!("no embedding expected")
    };
    assert!(
        message.starts_with("No UMAP embedding Cellucid can read was found in adata.obsm."),
        "{message}"
    );
    assert!(
        message.contains("Available obsm keys: ['X_tsne', 'X_umap']"),
        "{message}"
    );
    assert!(
        message.contains("adata.obsm[\"X_umap_2d\"] = adata.obsm['X_tsne']"),
        "{message}"
    );
    assert!(message.contains("(12, 5)"), "{message}");
}

#[test]
fn shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<AnnData>();
    assert_send_sync::<cellucid_adapter::GeneMatrix>();
    let ad = AnnData::open(fixture("nullable_csr_i64.h5ad")).unwrap();
    let x = std::sync::Arc::new(ad.matrix(MatrixSource::X).unwrap().with_cache_bytes(64));
    let want: Vec<Values> = (0..5).map(|j| x.gene(j).unwrap().to_dense()).collect();
    std::thread::scope(|s| {
        for t in 0..4 {
            let x = std::sync::Arc::clone(&x);
            let want = &want;
            s.spawn(move || {
                for k in 0..50 {
                    let j = (t + k) % 5;
                    assert_eq!(&x.gene(j).unwrap().to_dense(), &want[j]);
                }
            });
        }
    });
}
