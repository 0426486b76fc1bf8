//! The `prepare()` equivalent: plan, stage, write, publish.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::checks::{check_options, now_utc};
use crate::error::ExportError;
use crate::events::{ExportEvents, Stage, Warning};
use crate::options::ExportOptions;
use crate::plan::Plan;
use crate::publish::{sync_dir, Transaction};
use crate::source::ExportSource;
use crate::write::{write_stage, WriteStats};

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    /// The published folder.
    pub path: PathBuf,
    /// Files and bytes written.
    pub stats: WriteStats,
    /// Number of cells.
    pub n_cells: usize,
    /// Number of exported genes.
    pub n_genes: usize,
    /// Warnings about the viewer's limits.
    pub warnings: Vec<Warning>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Checks the options and inputs and returns the plan without writing anything (dry run).
///
/// # Errors
/// The first [`ExportError`].
pub fn plan(
    source: &dyn ExportSource,
    options: &ExportOptions,
    events: &dyn ExportEvents,
) -> Result<Plan, ExportError> {
    check_options(options)?;
    Plan::build(source, options, events)
}

fn sync_tree(dir: &Path) -> Result<(), ExportError> {
    for sub in ["obs", "var", "vectors", "connectivity"] {
        let p = dir.join(sub);
        if p.is_dir() {
            sync_dir(&p)?;
        }
    }
    sync_dir(dir)?;
    Ok(())
}

/// Exports `source` to `out_dir` as format.md describes: options checked, the target locked,
/// an interrupted earlier export recovered, the whole folder built and checked in a staging
/// directory beside the target, then published with an atomic rename. On any error (or a
/// kill) the previous export stays untouched.
///
/// # Errors
/// The first [`ExportError`]; nothing is published.
pub fn export(
    source: &dyn ExportSource,
    out_dir: &Path,
    options: &ExportOptions,
    events: &dyn ExportEvents,
) -> Result<ExportSummary, ExportError> {
    let start = Instant::now();
    check_options(options)?;
    let tx = Transaction::begin(out_dir, options.force)?;
    let plan = Plan::build(source, options, events)?;
    let created_at = options.created_at.clone().unwrap_or_else(now_utc);
    let stats = write_stage(&plan, source, tx.stage(), created_at, events)?;
    sync_tree(tx.stage())?;
    events.stage_started(Stage::Publish, 1);
    let path = tx.commit()?;
    events.stage_finished(Stage::Publish);
    Ok(ExportSummary {
        path,
        stats,
        n_cells: plan.n_cells,
        n_genes: plan.genes.as_ref().map_or(0, |g| g.names.len()),
        warnings: plan.warnings().to_vec(),
        elapsed: start.elapsed(),
    })
}
