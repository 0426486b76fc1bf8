//! `cargo xtask bench measure`: run one command, report wall time and peak RSS of that process.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::Context;
use nix::sys::resource::{getrusage, UsageWho};

/// Arguments of the hidden `bench measure` subcommand.
#[derive(Debug, clap::Args)]
pub(crate) struct MeasureArgs {
    /// Where to write the JSON report.
    #[arg(long)]
    report: PathBuf,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

/// One measured run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measurement {
    /// Wall-clock seconds from spawn to exit.
    pub(crate) wall_s: f64,
    /// Peak resident set size of the process, in KiB.
    pub(crate) max_rss_kib: u64,
    /// CPU seconds of the process and its threads (user + system): steadier than the wall
    /// time on a shared machine, and the work a machine with more cores can spread.
    pub(crate) cpu_s: f64,
    /// Whether the command exited with status 0.
    pub(crate) success: bool,
}

/// Runs the command as this process's only child and writes its figures to `--report`.
pub(crate) fn run(args: MeasureArgs) -> anyhow::Result<ExitCode> {
    let (program, rest) = args
        .command
        .split_first()
        .context("bench measure needs a command")?;
    let start = Instant::now();
    let status = Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("cannot start {program}"))?;
    let wall_s = start.elapsed().as_secs_f64();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    let max_rss_kib = u64::try_from(usage.max_rss()).unwrap_or(0);
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 * 1e-6;
    let cpu_s = seconds(usage.user_time()) + seconds(usage.system_time());
    let json = format!(
        "{{\"wall_s\": {wall_s}, \"max_rss_kib\": {max_rss_kib}, \"cpu_s\": {cpu_s}, \"success\": {}}}\n",
        status.success()
    );
    std::fs::write(&args.report, json)
        .with_context(|| format!("cannot write {}", args.report.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// Measures `command` in a fresh `bench measure` process; its output goes to `log`.
///
/// The file system is synced first, so each measured command starts with no dirty pages left
/// by the one before (otherwise a tool that syncs its output, like our export's `syncfs`, would
/// be charged for flushing the previous tool's files).
pub(crate) fn measure(command: &[String], log: &Path) -> anyhow::Result<Measurement> {
    nix::unistd::sync();
    let report = log.with_extension("measure.json");
    let log_file =
        std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let status = Command::new(std::env::current_exe()?)
        .args(["bench", "measure", "--report"])
        .arg(&report)
        .arg("--")
        .args(command)
        .stdout(log_file.try_clone()?)
        .stderr(log_file)
        .status()?;
    anyhow::ensure!(status.success(), "bench measure failed ({status})");
    let text = std::fs::read_to_string(&report)?;
    let value: serde_json::Value = serde_json::from_str(&text)?;
    Ok(Measurement {
        wall_s: value["wall_s"].as_f64().context("wall_s")?,
        max_rss_kib: value["max_rss_kib"].as_u64().context("max_rss_kib")?,
        cpu_s: value["cpu_s"].as_f64().context("cpu_s")?,
        success: value["success"].as_bool().unwrap_or(false),
    })
}

/// The median of a non-empty list of figures.
pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}
