//! `cargo xtask bench read-x`: the floor of an export — only read X once, in storage order.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use cellucid_adapter::{AnnData, Layout, MatrixSource};

/// Arguments of the hidden `bench read-x` subcommand.
#[derive(Debug, clap::Args)]
pub(crate) struct ReadXArgs {
    /// The AnnData file to read.
    input: PathBuf,
    /// Major-axis elements (rows of CSR/dense, columns of CSC) per read.
    #[arg(long, default_value_t = 4096)]
    batch: usize,
}

/// Reads every stored value of X once and prints how many there were.
pub(crate) fn run(args: ReadXArgs) -> anyhow::Result<ExitCode> {
    let adata = AnnData::open(&args.input)
        .with_context(|| format!("cannot open {}", args.input.display()))?;
    let x = adata.matrix(MatrixSource::X)?;
    let batch = args.batch.max(1);
    let mut stored: u64 = 0;
    match x.layout() {
        Layout::Csr | Layout::Csc => {
            let major = if x.layout() == Layout::Csr {
                x.n_obs()
            } else {
                x.n_vars()
            };
            let mut start = 0;
            while start < major {
                let end = (start + batch).min(major);
                let block = if x.layout() == Layout::Csr {
                    x.csr_rows(start..end)?
                } else {
                    x.csc_cols(start..end)?
                };
                stored += block.indices.len() as u64;
                start = end;
            }
        }
        _ => {
            let mut start = 0;
            while start < x.n_obs() {
                let end = (start + batch).min(x.n_obs());
                let block = x.dense_rows(start..end)?;
                stored += (block.n_rows * block.n_cols) as u64;
                start = end;
            }
        }
    }
    println!("read {stored} values of X ({} × {})", x.n_obs(), x.n_vars());
    Ok(ExitCode::SUCCESS)
}
