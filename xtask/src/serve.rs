//! `cargo xtask serve` (being built; see the open issues).

use std::process::ExitCode;

/// Arguments of `cargo xtask serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {}

/// Runs `cargo xtask serve`.
pub(crate) fn run(_args: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask serve` is not available yet")
}
