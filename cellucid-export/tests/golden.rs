//! Conformance: every golden case exported from its `input.h5ad` (and from the same arrays held
//! in memory) matches the reference export (format.md "Checking an implementation").

mod common;

use cellucid_adapter::{mapping, AnnData, DType, Layout, MatrixSource, SparseFormat};
use cellucid_export::source::{AnnDataSource, InMemorySource, Values};
use cellucid_export::{export, ExportOptions, NoEvents};
use common::{assert_matches_golden, assert_valid, golden_case, variant_case, CASES, VARIANTS};

fn options(case: &str) -> ExportOptions {
    let text = std::fs::read_to_string(golden_case(case).join("call.json")).expect("call.json");
    ExportOptions::from_json(&text).expect("call.json parses")
}

/// Exports every case from its h5ad; returns the gzip members larger than the reference's.
fn export_all_from_h5ad() -> Vec<String> {
    let mut larger = Vec::new();
    for case in CASES {
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join(case);
        let source = AnnDataSource::open(golden_case(case).join("input.h5ad")).expect("open");
        export(&source, &out, &options(case), &NoEvents).unwrap_or_else(|e| panic!("{case}: {e}"));
        larger.extend(
            assert_matches_golden(&out, &golden_case(case).join("export"))
                .into_iter()
                .map(|l| format!("{case}/{l}")),
        );
        assert_valid(&out);
    }
    larger
}

#[test]
fn every_golden_case_from_h5ad() {
    export_all_from_h5ad();
}

#[test]
fn gzip_members_are_no_larger_than_the_reference() {
    let larger = export_all_from_h5ad();
    assert!(
        larger.is_empty(),
        "{} gzip members larger than the reference's, e.g. {:?}",
        larger.len(),
        &larger[..larger.len().min(5)]
    );
}

/// The pbmc68k q8 case with `X` stored as CSC (`tests/fixtures/export/make_csc.py`): its genes
/// are read in blocks during the gene pass (three blocks of consecutive genes here), and the
/// export equals the golden one.
#[test]
fn a_csc_input_exports_like_the_golden_case() {
    let case = "pbmc68k-q8-gz6";
    let input = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/export/pbmc68k-q8-gz6-csc.h5ad"
    ));
    let x = AnnData::open(input)
        .expect("open")
        .matrix(MatrixSource::X)
        .expect("X");
    assert_eq!(x.layout(), Layout::Csc);
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join(case);
    let source = AnnDataSource::open(input).expect("open");
    export(&source, &out, &options(case), &NoEvents).unwrap_or_else(|e| panic!("{case}: {e}"));
    let _ = assert_matches_golden(&out, &golden_case(case).join("export"));
    assert_valid(&out);
}

/// The golden variants (`tests/fixtures/golden-variants/make_variants.py`): gzip 9 and 1,
/// 16-bit genes and obs, raw obs beside quantized genes, `obs_keys` and `gene_identifiers`
/// subsets out of storage order, `var_gene_id_column`, other centroid parameters and no
/// outlier quantiles, one or two embeddings, no graph, and `X` dense, CSC, float64 or int32.
/// Each export equals the reference's, validates, and no gzip member is larger.
#[test]
fn every_golden_variant_from_h5ad() {
    let mut larger = Vec::new();
    for case in VARIANTS {
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join(case);
        let text = std::fs::read_to_string(variant_case(case).join("call.json")).expect("call");
        let options = ExportOptions::from_json(&text).expect("call.json parses");
        let source = AnnDataSource::open(variant_case(case).join("input.h5ad")).expect("open");
        export(&source, &out, &options, &NoEvents).unwrap_or_else(|e| panic!("{case}: {e}"));
        larger.extend(
            assert_matches_golden(&out, &variant_case(case).join("export"))
                .into_iter()
                .map(|l| format!("{case}/{l}")),
        );
        assert_valid(&out);
    }
    assert!(larger.is_empty(), "gzip members larger: {larger:?}");
}

/// The variants' inputs hold the `X` layouts and types their names promise, so the test
/// above exercises each reader path.
#[test]
fn golden_variants_store_x_as_named() {
    let expect = [
        ("v-gz9-q16", Layout::Csr, DType::F32),
        ("v-dense-2d", Layout::Dense, DType::F32),
        ("v-csc-3d-raw", Layout::Csc, DType::F32),
        ("v-f64-id-column", Layout::Csr, DType::F64),
        ("v-int-genes-raw", Layout::Csr, DType::I32),
    ];
    for (case, layout, dtype) in expect {
        let x = AnnData::open(variant_case(case).join("input.h5ad"))
            .expect("open")
            .matrix(MatrixSource::X)
            .expect("X");
        assert_eq!((x.layout(), x.dtype()), (layout, dtype), "{case}");
    }
}

/// Exports `tests/fixtures/adapter/legacy07/<input>` with its `call.json` and matches the
/// reference writer's export of the same file.
fn legacy07_exports_like_the_reference(input: &str) {
    let case = std::path::Path::new(common::FIXTURES).join("adapter/legacy07");
    let text = std::fs::read_to_string(case.join("call.json")).expect("call");
    let options = ExportOptions::from_json(&text).expect("call.json parses");
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("legacy07");
    let source = AnnDataSource::open(case.join(input)).expect("open");
    export(&source, &out, &options, &NoEvents).unwrap_or_else(|e| panic!("{input}: {e}"));
    let larger = assert_matches_golden(&out, &case.join("export"));
    assert!(larger.is_empty(), "{input}: larger gzip members {larger:?}");
    assert_valid(&out);
}

/// A file in anndata 0.7's layout (categoricals as codes pointing into `obs/__categories`;
/// `tests/fixtures/adapter/legacy07/make_legacy07.py`) exports like the reference's export.
#[test]
fn an_anndata_0_7_h5ad_exports_like_the_reference() {
    legacy07_exports_like_the_reference("input.h5ad");
}

/// The same file as anndata 0.7 wrote it to `.zarr` (`categories` as a relative path).
#[cfg(feature = "zarr")]
#[test]
fn an_anndata_0_7_zarr_exports_like_the_reference() {
    legacy07_exports_like_the_reference("input.zarr");
}

/// Rebuilds the golden input as in-memory arrays (ndarray/sprs/plain columns).
fn in_memory(case: &str) -> InMemorySource {
    let ad = AnnData::open(golden_case(case).join("input.h5ad")).expect("open");
    let n = ad.n_obs();
    let mut src = InMemorySource::new(n);
    for key in ad.obs_columns() {
        let field = mapping::obs_field(&ad, key).expect("obs field");
        src = src.with_obs_column(key.clone(), field.kind);
    }
    for key in ad.obsm_keys() {
        let m = ad.obsm(key).expect("obsm");
        src = match m.values {
            Values::F32(v) => src.with_obsm(
                key.clone(),
                ndarray::ArrayView2::from_shape((m.n_rows, m.n_cols), &v).expect("shape"),
            ),
            Values::F64(v) => src.with_obsm(
                key.clone(),
                ndarray::ArrayView2::from_shape((m.n_rows, m.n_cols), &v).expect("shape"),
            ),
            other => src.with_obsm_matrix(
                key.clone(),
                cellucid_export::source::Matrix2 {
                    n_rows: m.n_rows,
                    n_cols: m.n_cols,
                    values: other,
                },
            ),
        };
    }
    for key in ad.obsp_keys() {
        if let cellucid_export::source::Graph::Sparse(g) = ad.obsp(key).expect("obsp") {
            let indptr: Vec<usize> = g.indptr.iter().map(|&p| p as usize).collect();
            let indices: Vec<usize> = g.indices.iter().map(|&i| i as usize).collect();
            src = match (g.format, g.data) {
                (SparseFormat::Csr, Values::F64(d)) => {
                    src.with_obsp_sparse(key.clone(), sprs::CsMat::new((n, n), indptr, indices, d))
                }
                (SparseFormat::Csr, Values::F32(d)) => {
                    src.with_obsp_sparse(key.clone(), sprs::CsMat::new((n, n), indptr, indices, d))
                }
                other => panic!("unexpected graph {:?}", other.0),
            };
        }
    }
    src = src.with_var_names(ad.var_names().expect("var names"));
    let x = ad.matrix(MatrixSource::X).expect("X");
    let g = x.n_vars();
    match x.layout() {
        Layout::Dense => {
            let m = x.dense_rows(0..n).expect("dense");
            let Values::F32(v) = m.values else {
                panic!("X dtype")
            };
            src.with_x_dense(ndarray::ArrayView2::from_shape((n, g), &v).expect("shape"))
        }
        Layout::Csr => {
            let b = x.csr_rows(0..n).expect("csr");
            let Values::F32(d) = b.data else {
                panic!("X dtype")
            };
            let indptr = b.indptr.iter().map(|&p| p as usize).collect();
            let indices = b.indices.iter().map(|&i| i as usize).collect();
            src.with_x_sparse(sprs::CsMat::new((n, g), indptr, indices, d))
        }
        Layout::Csc => panic!("no CSC golden"),
    }
}

#[test]
fn every_golden_case_from_in_memory_arrays() {
    for case in CASES {
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join(case);
        let source = in_memory(case);
        export(&source, &out, &options(case), &NoEvents).unwrap_or_else(|e| panic!("{case}: {e}"));
        let _ = assert_matches_golden(&out, &golden_case(case).join("export"));
        assert_valid(&out);
    }
}
