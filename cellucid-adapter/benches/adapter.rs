//! Adapter benches on the synthetic atlas of `make_synth.py` (100k cells × 2k genes, gzip):
//! open, one gene from CSC, one full streaming read of a CSR `X`, the CSR column-index build,
//! one gene from CSR after the build.
//!
//! Generate the inputs (outside the repository) with
//! `python make_synth.py 100000 2000 /work/bench-data/synth_100k_2k.h5ad` and the same with
//! `--csc` to `synth_100k_2k_csc.h5ad`, or point `CELLUCID_BENCH_DATA` at another directory.
//! Missing inputs are skipped with a message.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_range_loop,
    missing_docs
)]

use std::hint::black_box;
use std::path::PathBuf;

use cellucid_adapter::{AnnData, GeneMatrix, MatrixSource};
use criterion::{criterion_group, criterion_main, Criterion};

fn input(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("CELLUCID_BENCH_DATA")
        .map_or_else(|| PathBuf::from("/work/bench-data"), PathBuf::from);
    let p = dir.join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipping: {} not found (see the bench's header for how to generate it)",
            p.display()
        );
        None
    }
}

/// One streaming pass over every stored entry (indices + data), in batches of ~2M entries.
fn full_read(x: &GeneMatrix) -> usize {
    let mut rows = 0;
    let mut seen = 0;
    let per_row = (x.nnz() / x.n_obs().max(1) as u64).max(1);
    let step = ((2u64 << 20) / per_row).max(1) as usize;
    while rows < x.n_obs() {
        let end = (rows + step).min(x.n_obs());
        let block = x.csr_rows(rows..end).expect("csr rows");
        seen += block.indices.len();
        rows = end;
    }
    seen
}

fn benches(c: &mut Criterion) {
    if let Some(csr) = input("synth_100k_2k.h5ad") {
        c.bench_function("open_h5ad_100k_2k", |b| {
            b.iter(|| black_box(AnnData::open(&csr).expect("open")))
        });
        let ad = AnnData::open(&csr).expect("open");
        let x = ad.matrix(MatrixSource::X).expect("X");
        let mut g = c.benchmark_group("csr_100k_2k");
        g.sample_size(10);
        g.bench_function("full_read_of_x", |b| b.iter(|| black_box(full_read(&x))));
        g.bench_function("column_index_build", |b| {
            b.iter(|| {
                let fresh = ad.matrix(MatrixSource::X).expect("X");
                fresh.build_column_index().expect("index");
                black_box(fresh)
            })
        });
        g.finish();
        let x = x.with_cache_bytes(0);
        x.build_column_index().expect("index");
        let mut j = 0;
        c.bench_function("gene_from_csr_after_index", |b| {
            b.iter(|| {
                j = (j + 7) % x.n_vars();
                black_box(x.gene(j).expect("gene"))
            })
        });
    }
    if let Some(csc) = input("synth_100k_2k_csc.h5ad") {
        let ad = AnnData::open(&csc).expect("open");
        let x = ad.matrix(MatrixSource::X).expect("X").with_cache_bytes(0);
        let mut j = 0;
        c.bench_function("gene_from_csc", |b| {
            b.iter(|| {
                j = (j + 7) % x.n_vars();
                black_box(x.gene(j).expect("gene"))
            })
        });
    }
}

criterion_group!(adapter, benches);
criterion_main!(adapter);
