//! `cargo xtask bench`: whole-run timings of our commands beside the reference implementation.
//!
//! Every measured run is a separate process started through `cargo xtask bench measure`, which
//! waits for it and reads the kernel's accounting of that one child (wall time, peak RSS), so
//! figures for our binary and for the Python reference are taken the same way in the same run.

mod export;
mod measure;
mod read_x;
mod serve;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    what: BenchCommand,
}

#[derive(Debug, clap::Subcommand)]
enum BenchCommand {
    /// Time `cargo xtask export` against the reference writer on a synthetic atlas.
    Export(export::BenchExportArgs),
    /// Time `cargo xtask serve` (AnnData mode) against the reference server.
    Serve(serve::BenchServeArgs),
    /// Run one command and write its wall time and peak RSS as JSON (used internally).
    #[command(hide = true)]
    Measure(measure::MeasureArgs),
    /// Read X once in storage order, nothing else: the floor of an export (used internally).
    #[command(hide = true)]
    ReadX(read_x::ReadXArgs),
}

/// Runs `cargo xtask bench`.
pub(crate) fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    match args.what {
        BenchCommand::Export(a) => export::run(a),
        BenchCommand::Serve(a) => serve::run(a),
        BenchCommand::Measure(a) => measure::run(a),
        BenchCommand::ReadX(a) => read_x::run(a),
    }
}

/// Where `shared/` (specs and tools) sits: `../shared` beside the project root.
fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// The Python of the reference environment: `--python`, else `$CELLUCID_ORACLE_PYTHON`, else the
/// default venv of `shared/tools/oracle-setup.sh` when it exists.
fn reference_python(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("CELLUCID_ORACLE_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let default = PathBuf::from("/tmp/cellucid-oracle/bin/python");
    default.exists().then_some(default)
}

/// Makes a synthetic atlas with `shared/tools/make_synth.py` unless `path` exists already.
fn ensure_synth(
    path: &Path,
    cells: usize,
    genes: usize,
    python: Option<&Path>,
) -> anyhow::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let Some(python) = python else {
        anyhow::bail!(
            "{} does not exist and no reference Python environment was found to make it; \
             run `shared/tools/oracle-setup.sh` (or pass --python / --input)",
            path.display()
        );
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    eprintln!(
        "making {} ({cells} cells × {genes} genes) …",
        path.display()
    );
    let status = std::process::Command::new(python)
        .arg(shared_dir().join("tools/make_synth.py"))
        .arg(cells.to_string())
        .arg(genes.to_string())
        .arg(path)
        .status()?;
    anyhow::ensure!(status.success(), "make_synth.py failed ({status})");
    Ok(())
}

/// Total size in bytes of the regular files below `dir`.
fn dir_size(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            total += dir_size(&entry.path())?;
        } else {
            total += meta.len();
        }
    }
    Ok(total)
}
