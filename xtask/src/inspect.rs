//! `cargo xtask inspect` (being built; see the open issues).

use std::process::ExitCode;

/// Arguments of `cargo xtask inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct InspectArgs {}

/// Runs `cargo xtask inspect`.
pub(crate) fn run(_args: InspectArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask inspect` is not available yet")
}
