//! `cargo xtask bench` (being built; see the open issues).

use std::process::ExitCode;

/// Arguments of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {}

/// Runs `cargo xtask bench`.
pub(crate) fn run(_args: BenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask bench` is not available yet")
}
