//! `cargo xtask validate DIR [--json]`: check an export folder (or a folder of exports with
//! `datasets.json`) against every rule the Cellucid viewer enforces.
//!
//! Exit codes: 0 when valid, 1 when violations were found (listed on stdout), 2 when `DIR` is
//! not an export folder.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use cellucid_format::{validate, FormatError, Report};

/// Arguments of `cargo xtask validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {
    /// An export folder (with dataset_identity.json) or a folder of exports (with datasets.json).
    dir: PathBuf,
    /// Print the report as JSON instead of a readable list.
    #[arg(long)]
    json: bool,
}

/// Runs `cargo xtask validate`.
pub(crate) fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let report = match validate(&args.dir) {
        Ok(report) => report,
        Err(err @ FormatError::NotAnExportFolder { .. }) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(2));
        }
        Err(err) => return Err(err).context("validation failed"),
    };
    let text = if args.json {
        let mut json = serde_json::to_string_pretty(&report).context("serialising the report")?;
        json.push('\n');
        json
    } else {
        render(&report)
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // A closed pipe (e.g. `| head`) is not an error of the validation.
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(err).context("writing the report");
        }
        _ => {}
    }
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The readable form of a report: one numbered line per violation with its rule name.
fn render(report: &Report) -> String {
    let root = report.root.display();
    let datasets = report.datasets.len();
    if report.is_valid() {
        return format!("{root}: valid ({datasets} dataset(s) checked)\n");
    }
    let mut out = format!(
        "{root}: {} violation(s) in {datasets} dataset(s)\n",
        report.violations.len()
    );
    for (i, violation) in report.violations.iter().enumerate() {
        let rule = serde_json::to_value(violation)
            .ok()
            .and_then(|v| {
                v.get("violation")
                    .and_then(|r| r.as_str().map(str::to_owned))
            })
            .unwrap_or_default();
        out.push_str(&format!("{:>4}. [{rule}] {violation}\n", i + 1));
    }
    out
}
