//! The `prepare()` equivalent: plan, stage, write, publish.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use cellucid_quant::Bits;

use crate::checks::{check_options, now_utc};
use crate::error::ExportError;
use crate::events::{ExportEvents, Stage, Warning};
use crate::options::ExportOptions;
use crate::plan::{Plan, Planned};
use crate::publish::{sync_dir, Transaction};
use crate::source::{ExportSource, SourceError};
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
    let phase1 = build_and_write(source, options, &files, events, start);
    let (plan, var) = match phase1 {
        Phase1::Written { plan, var } => (plan, var),
        Phase1::Refused { plan, refusal } => {
            // format.md §21.2 item 11: the reference checks every exported gene before it
            // raises the all-missing outlier refusal, so a refused gene (±Inf, all-NaN) is the
            // error even when the refusal also applies.
            let checked = match &plan.genes {
                Some(genes) => {
                    let bits = options.var_quantization.and_then(Bits::from_bits);
                    check_genes(source, genes, plan.n_cells, bits)
                }
                None => Ok(()),
            };
            // Failed or refused, the export reads no more genes: the column index goes now,
            // not when the caller drops the source.
            source.release_genes();
            checked?;
            return Err(refusal);
        }
        Phase1::Failed(e) => {
            source.release_genes();
            return Err(e);
        }
    };
    let created_at = options.created_at.clone().unwrap_or_else(now_utc);
    // Done with per-gene reads: the column index's temporary file goes before the final sync,
    // which would otherwise write its dirty pages to disk. Dropping its pages takes a core a
    // few milliseconds (6 ms for the 176 MB of make_synth 100k × 2k), as long as the manifests
    // do: both at once.
    let (stats, ()) = rayon::join(
        || finish_stage(&plan, tx.stage(), &files, created_at, var, events),
        || source.release_genes(),
    );
    let stats = stats?;
    sync_stage(tx.stage(), &files)?;
    sync_tree(tx.stage())?;
    tracing::debug!(elapsed = ?start.elapsed(), "stage synced");
    events.stage_started(Stage::Publish, 1);
    let path = tx.commit()?;
    events.stage_finished(Stage::Publish);
    tracing::debug!(elapsed = ?start.elapsed(), "published");
    Ok(ExportSummary {
        path,
        stats,
        n_cells: plan.n_cells,
        n_genes: plan.genes.as_ref().map_or(0, |g| g.names.len()),
        warnings: plan.warnings().to_vec(),
        elapsed: start.elapsed(),
    })
}

/// The outcome of [`build_and_write`].
enum Phase1 {
    /// The plan, with every payload and gene written.
    Written {
        plan: Plan,
        var: Option<cellucid_format::VarManifest>,
    },
    /// The plan's all-missing outlier refusal, which waits for the gene check.
    Refused { plan: Plan, refusal: ExportError },
    /// The first error in serial order.
    Failed(ExportError),
}

/// Plans and writes every payload and gene, keeping both cores busy.
///
/// Three pieces of work: the source's one-off gene preparation (the column index of a CSR
/// matrix, a streaming pass over X, mostly single-threaded), the plan followed by the non-gene
/// payloads, and the genes (many small tasks), which need the other two. The preparation and
/// the plan start side by side; whichever of them ends last starts the genes at once, while
/// the payloads are still being written, so that no core waits for the slower half.
///
/// Errors keep the serial order of a one-threaded export: every refusal of the plan first,
/// then a payload error, then the source's preparation error, then the first refused gene. A
/// failed plan or payload write cancels the preparation (between two of its batches) and the
/// genes (those not yet started), so that the error is not held back by them; the genes do not
/// start at all after such a failure.
fn build_and_write(
    source: &dyn ExportSource,
    options: &ExportOptions,
    files: &FileWriter<'_>,
    events: &dyn ExportEvents,
    start: Instant,
) -> Phase1 {
    let failed = AtomicBool::new(false);
    // The two halves that must both end before the genes start.
    let waiting = AtomicUsize::new(2);
    let prepared: Mutex<Option<Result<(), SourceError>>> = Mutex::new(None);
    let planned: Mutex<Option<Result<Planned, ExportError>>> = Mutex::new(None);
    let ready: OnceLock<Plan> = OnceLock::new();
    let payloads: Mutex<Option<Result<(), ExportError>>> = Mutex::new(None);
    type VarResult = Result<Option<cellucid_format::VarManifest>, ExportError>;
    let genes: Mutex<Option<VarResult>> = Mutex::new(None);
    let prepared_ok = || {
        matches!(
            *prepared.lock().unwrap_or_else(PoisonError::into_inner),
            Some(Ok(()))
        )
    };
    // Called by each half as it ends; the last one runs the genes when both succeeded.
    let half_done = || {
        if waiting.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        // A failed payload write cancels the preparation, which then ends `Ok` without its
        // index: the genes must not start (the payload error is the export's error anyway, and
        // reading genes would rebuild the index, uncancellably, under its lock).
        if failed.load(Ordering::Acquire) {
            return;
        }
        if let (Some(plan), true) = (ready.get(), prepared_ok()) {
            tracing::debug!(elapsed = ?start.elapsed(), "genes started");
            if let Some(g) = &plan.genes {
                source.begin_gene_pass(&g.indices);
            }
            let var = write_gene_stage(plan, source, files, events, &failed);
            tracing::debug!(elapsed = ?start.elapsed(), "genes written");
            put(&genes, var);
        }
    };
    rayon::scope(|s| {
        s.spawn(|_| {
            let r = source.prepare_genes(&failed);
            tracing::debug!(elapsed = ?start.elapsed(), ok = r.is_ok(), "gene preparation ended");
            put(&prepared, r);
            half_done();
        });
        s.spawn(|s| {
            match Plan::build_deferring_refusal(source, options, events) {
                Ok(Planned::Ready(plan)) => {
                    tracing::debug!(elapsed = ?start.elapsed(), "plan built");
                    let plan = ready.get_or_init(|| plan);
                    s.spawn(|_| {
                        let r = write_payloads(plan, files, events);
                        if r.is_err() {
                            failed.store(true, Ordering::Release);
                        }
                        tracing::debug!(elapsed = ?start.elapsed(), "payloads written");
                        put(&payloads, r);
                    });
                }
                other => {
                    if other.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    put(&planned, other);
                }
            }
            half_done();
        });
    });
    let prepared = take(prepared);
    match take(planned) {
        Some(Err(e)) => return Phase1::Failed(e),
        Some(Ok(Planned::Refused { plan, refusal })) => {
            return match prepared {
                Some(Err(e)) => Phase1::Failed(e.into()),
                _ => Phase1::Refused { plan, refusal },
            };
        }
        Some(Ok(Planned::Ready(_))) | None => {}
    }
    if let Some(Err(e)) = take(payloads) {
        return Phase1::Failed(e);
    }
    if let Some(Err(e)) = prepared {
        return Phase1::Failed(e.into());
    }
    let (Some(plan), Some(var)) = (ready.into_inner(), take(genes)) else {
        return Phase1::Failed(ExportError::Internal(
            "the plan or the genes were not written, and no error says why".into(),
        ));
    };
    match var {
        Ok(var) => Phase1::Written { plan, var },
        Err(e) => Phase1::Failed(e),
    }
}

/// Stores a result in its slot (a poisoned lock only means another task panicked, which
/// `rayon::scope` re-raises anyway).
fn put<T>(slot: &Mutex<Option<T>>, value: T) {
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(value);
}

/// The result left in a slot.
fn take<T>(slot: Mutex<Option<T>>) -> Option<T> {
    slot.into_inner().unwrap_or_else(PoisonError::into_inner)
}
