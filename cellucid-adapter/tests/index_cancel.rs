//! `GeneMatrix::build_column_index_until`: a cancelled build stores nothing and the index is
//! built later on demand; an uncancelled one serves every gene as the CSR rows hold it; a
//! released one (`GeneMatrix::release_column_index`) is rebuilt by the next gene read.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use cellucid_adapter::{AnnData, GeneMatrix, Layout, MatrixSource};

/// Every gene as a dense column of f64 (NaN for missing), read from the CSR rows directly,
/// without the column index.
fn genes_from_rows(x: &GeneMatrix) -> Vec<Vec<f64>> {
    let block = x.csr_rows(0..x.n_obs()).unwrap();
    let data = block.data.to_f64_vec();
    let mut genes = vec![vec![0.0; x.n_obs()]; x.n_vars()];
    for (row, span) in block.indptr.windows(2).enumerate() {
        for k in span[0] as usize..span[1] as usize {
            genes[block.indices[k] as usize][row] = data[k];
        }
    }
    genes
}

/// Gene `j` served by `x`, as a dense column of f64.
fn gene_dense(x: &GeneMatrix, j: usize) -> Vec<f64> {
    x.gene(j).unwrap().to_dense().to_f64_vec()
}

/// Equal as bit patterns (NaN equal to NaN).
fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn csr_fixture() -> AnnData {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/adapter/nullable_csr_i64.h5ad");
    AnnData::open(path).unwrap()
}

#[test]
fn a_cancelled_build_is_redone_on_demand() {
    let ad = csr_fixture();
    let x = ad
        .matrix(MatrixSource::X)
        .unwrap()
        .with_index_batch_entries(3);
    assert_eq!(x.layout(), Layout::Csr);
    let reference = genes_from_rows(&x);
    assert!(reference.iter().flatten().any(|&v| v != 0.0 && !v.is_nan()));
    assert!(!x.build_column_index_until(&AtomicBool::new(true)).unwrap());
    for (j, want) in reference.iter().enumerate() {
        let got = gene_dense(&x, j);
        assert!(
            same(&got, want),
            "gene {j} after a cancelled build: {got:?} vs {want:?}"
        );
    }
    assert!(
        x.build_column_index_until(&AtomicBool::new(true)).unwrap(),
        "already built"
    );
}

#[test]
fn an_uncancelled_build_serves_every_gene() {
    let ad = csr_fixture();
    let x = ad.matrix(MatrixSource::X).unwrap();
    assert!(x.build_column_index_until(&AtomicBool::new(false)).unwrap());
    let reference = genes_from_rows(&x);
    for (j, want) in reference.iter().enumerate() {
        let got = gene_dense(&x, j);
        assert!(same(&got, want), "gene {j}: {got:?} vs {want:?}");
    }
}

#[test]
fn a_released_index_is_rebuilt_on_demand() {
    let ad = csr_fixture();
    let x = ad.matrix(MatrixSource::X).unwrap().with_cache_bytes(0);
    assert!(x.build_column_index_until(&AtomicBool::new(false)).unwrap());
    x.release_column_index();
    // Released: a cancelled build finds nothing built.
    assert!(!x.build_column_index_until(&AtomicBool::new(true)).unwrap());
    let reference = genes_from_rows(&x);
    for (j, want) in reference.iter().enumerate() {
        let got = gene_dense(&x, j);
        assert!(
            same(&got, want),
            "gene {j} after a release: {got:?} vs {want:?}"
        );
    }
    // Releasing twice, or a matrix whose index was never built, is harmless.
    x.release_column_index();
    x.release_column_index();
}
