//! `cargo xtask export` (being built; see the open issues).

use std::process::ExitCode;

/// Arguments of `cargo xtask export`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {}

/// Runs `cargo xtask export`.
pub(crate) fn run(_args: ExportArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask export` is not available yet")
}
