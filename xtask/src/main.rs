//! `cargo xtask`: the cellucid-rs command line.
//!
//! Each subcommand lives in its own module, which owns its clap arguments (`*Args`) and a
//! `run` function returning the process exit code. Libraries never print; this binary does.

mod bench;
mod export;
mod inspect;
mod serve;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// cellucid-rs: export AnnData to Cellucid export folders, validate, inspect and serve them.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Export an AnnData file (.h5ad or .zarr) to a Cellucid export folder.
    Export(export::ExportArgs),
    /// Show an export folder's settings and where its bytes go.
    Inspect(inspect::InspectArgs),
    /// Check an export folder (or a folder of exports) against every rule the viewer enforces.
    Validate(validate::ValidateArgs),
    /// Serve export folders or an AnnData file over HTTP to the Cellucid viewer.
    Serve(serve::ServeArgs),
    /// Time whole runs against the reference implementation.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Export(args) => export::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}
