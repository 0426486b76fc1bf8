//! The `prepare()` equivalent: plan, stage, write, publish.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cellucid_quant::Bits;

use crate::checks::{check_options, now_utc};
use crate::error::ExportError;
use crate::events::{ExportEvents, Stage, Warning};
use crate::options::ExportOptions;
use crate::plan::{Plan, Planned};
use crate::publish::{sync_dir, Transaction};
use crate::source::ExportSource;
use crate::write::genes::check_genes;
use crate::write::{
    finish_stage, sync_stage, write_gene_stage, write_payloads, FileWriter, WriteStats,
};

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
    let files = FileWriter::new(tx.stage(), options.compression, events);
    // The source's one-off gene preparation (the column index of a CSR matrix: a streaming
    // pass over X, mostly single-threaded) runs beside the plan and the non-gene payloads,
    // so that both cores are busy. Errors keep the serial order: every refusal of the plan
    // first, then the source's gene errors.
    // A failed plan cancels the preparation (between two of its batches) so that the error
    // is not held back by it.
    let failed = AtomicBool::new(false);
    let (prepared, planned) = rayon::join(
        || source.prepare_genes(&failed),
        || {
            let planned =
                Plan::build_deferring_refusal(source, options, events).and_then(|planned| {
                    if let Planned::Ready(plan) = &planned {
                        write_payloads(plan, &files, events)?;
                    }
                    Ok(planned)
                });
            if planned.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            planned
        },
    );
    let plan = match planned? {
        Planned::Ready(plan) => plan,
        Planned::Refused { plan, refusal } => {
            // format.md §21.2 item 11: the reference checks every exported gene before it
            // raises the all-missing outlier refusal, so a refused gene (±Inf, all-NaN) is the
            // error even when the refusal also applies.
            prepared?;
            if let Some(genes) = &plan.genes {
                let bits = options.var_quantization.and_then(Bits::from_bits);
                check_genes(source, genes, plan.n_cells, bits)?;
            }
            return Err(refusal);
        }
    };
    prepared?;
    let created_at = options.created_at.clone().unwrap_or_else(now_utc);
    let var = write_gene_stage(&plan, source, &files, events)?;
    let stats = finish_stage(&plan, tx.stage(), &files, created_at, var, events)?;
    sync_stage(tx.stage(), &files)?;
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
