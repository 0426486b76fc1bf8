//! Build the CSR column index of an `.h5ad`'s `X` and print the time, for measuring peak memory
//! with `/usr/bin/time -v cargo run --release --example build_column_index -- FILE.h5ad`.

use std::time::Instant;

use cellucid_adapter::{AnnData, MatrixSource};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: build_column_index FILE.h5ad");
        std::process::exit(2);
    };
    let t = Instant::now();
    let ad = AnnData::open(&path)?;
    let x = ad.matrix(MatrixSource::X)?;
    println!(
        "open + indptr: {:?}; nnz {}; dtype {}",
        t.elapsed(),
        x.nnz(),
        x.dtype()
    );
    let t = Instant::now();
    let mut seen = 0usize;
    if x.layout() == cellucid_adapter::Layout::Csr {
        let step = (x.n_obs() / 20).max(1);
        let mut a = 0;
        while a < x.n_obs() {
            let b = (a + step).min(x.n_obs());
            seen += x.csr_rows(a..b)?.indices.len();
            a = b;
        }
    }
    println!(
        "one full read of X (indices + data): {:?} ({seen} entries)",
        t.elapsed()
    );
    let t = Instant::now();
    x.build_column_index()?;
    println!("column index: {:?}", t.elapsed());
    let t = Instant::now();
    let g = x.gene(x.n_vars() / 2)?;
    println!("first gene: {:?} ({} cells)", t.elapsed(), g.n());
    let x = x.with_cache_bytes(0);
    let t = Instant::now();
    let n = 50.min(x.n_vars());
    for j in 0..n {
        std::hint::black_box(x.gene(j * 7 % x.n_vars())?);
    }
    println!("mean of {n} further genes: {:?}", t.elapsed() / n as u32);
    Ok(())
}
