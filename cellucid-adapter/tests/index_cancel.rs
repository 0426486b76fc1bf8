//! `GeneMatrix::build_column_index_until`: a cancelled build stores nothing and the index is
//! built later on demand; an uncancelled one serves every gene like `build_column_index`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use cellucid_adapter::{AnnData, Layout, MatrixSource};

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
    let reference: Vec<_> = {
        let y = ad.matrix(MatrixSource::X).unwrap();
        (0..y.n_vars()).map(|j| y.gene(j).unwrap()).collect()
    };
    assert!(!x.build_column_index_until(&AtomicBool::new(true)).unwrap());
    for (j, want) in reference.iter().enumerate() {
        assert_eq!(
            &x.gene(j).unwrap(),
            want,
            "gene {j} after a cancelled build"
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
    let y = ad.matrix(MatrixSource::X).unwrap();
    for j in 0..x.n_vars() {
        assert_eq!(x.gene(j).unwrap(), y.gene(j).unwrap(), "gene {j}");
    }
}
