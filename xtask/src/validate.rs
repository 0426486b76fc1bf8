//! `cargo xtask validate` (being built; see the open issues).

use std::process::ExitCode;

/// Arguments of `cargo xtask validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {}

/// Runs `cargo xtask validate`.
pub(crate) fn run(_args: ValidateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask validate` is not available yet")
}
