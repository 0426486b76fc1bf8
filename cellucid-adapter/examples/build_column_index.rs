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
    println!("open + indptr: {:?}; nnz {}; dtype {}", t.elapsed(), x.nnz(), x.dtype());
    let t = Instant::now();
    x.build_column_index()?;
    println!("column index: {:?}", t.elapsed());
    let t = Instant::now();
    let g = x.gene(x.n_vars() / 2)?;
    println!("one gene: {:?} ({} cells)", t.elapsed(), g.n());
    Ok(())
}
