//! How `export()` runs the source's gene preparation, the plan with its payloads, and the
//! genes side by side: which error wins when several halves fail, and that the prepared
//! per-gene state is released once every gene has been read, before the output is synced.

#[macro_use]
mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use cellucid_export::source::{ExportSource, GeneColumn, InMemorySource, Label, SourceError};
use cellucid_export::{export, ExportError, ExportEvents, ExportOptions, NoEvents, Stage};
use common::dataset::{options, unit};

const CELLS: usize = 40;
const GENES: usize = 64;

fn inner(bad_gene: Option<usize>) -> InMemorySource {
    let umap = ndarray::Array2::from_shape_fn((CELLS, 2), |(i, j)| unit(i, j) * 10.0);
    let pca = ndarray::Array2::from_shape_fn((CELLS, 5), |(i, j)| unit(i, j + 7) as f32);
    let x = ndarray::Array2::from_shape_fn((CELLS, GENES), |(i, j)| {
        if Some(j) == bad_gene && i == 3 {
            f32::INFINITY
        } else {
            (unit(i, j + 99) * 5.0) as f32
        }
    });
    let labels = vec![Label::Str("A".into()), Label::Str("B".into())];
    let codes = (0..CELLS).map(|i| (i % 2) as i32).collect();
    InMemorySource::new(CELLS)
        .with_obsm("X_umap_2d", umap.view())
        .with_obsm("X_pca", pca.view())
        .with_obs_categorical("cluster", labels, codes)
        .with_var_names((0..GENES).map(|j| format!("G{j}")).collect())
        .with_x_dense(x.view())
}

/// An in-memory source that records the order of the gene calls and can fail its gene
/// preparation, or make it wait for the export's cancel flag (like a column index that is
/// still being built when another part of the export fails).
struct Recording {
    inner: InMemorySource,
    fail_prepare: bool,
    prepare_until_cancelled: bool,
    genes_read: AtomicUsize,
    prepared: AtomicBool,
    /// `genes_read` at each `release_genes` call.
    released_after: Mutex<Vec<usize>>,
    /// `genes_read` and the announced genes at each `begin_gene_pass` call.
    passes: Mutex<Vec<(usize, Vec<usize>)>>,
}

impl Recording {
    fn new(inner: InMemorySource, fail_prepare: bool) -> Self {
        Self {
            inner,
            fail_prepare,
            prepare_until_cancelled: false,
            genes_read: AtomicUsize::new(0),
            prepared: AtomicBool::new(false),
            released_after: Mutex::new(Vec::new()),
            passes: Mutex::new(Vec::new()),
        }
    }
}

impl ExportSource for Recording {
    forward_to_inner!(describe, n_cells, obs_keys, obs_column, obsm_keys, obsm);
    forward_to_inner!(obsp_keys, obsp, has_genes, n_genes, gene_names);
    fn gene(&self, index: usize) -> Result<GeneColumn, SourceError> {
        assert!(
            self.prepared.load(Ordering::SeqCst),
            "gene {index} read before the preparation ended"
        );
        self.genes_read.fetch_add(1, Ordering::SeqCst);
        self.inner.gene(index)
    }
    fn prepare_genes(&self, cancel: &AtomicBool) -> Result<(), SourceError> {
        if self.prepare_until_cancelled {
            // Cancelled: the preparation ends `Ok` without having prepared anything.
            let give_up = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while !cancel.load(Ordering::SeqCst) && std::time::Instant::now() < give_up {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            return Ok(());
        }
        if self.fail_prepare {
            return Err(SourceError::Read {
                what: "the column index of X".into(),
                source_name: "recording".into(),
                message: "disk on fire".into(),
            });
        }
        self.prepared.store(true, Ordering::SeqCst);
        Ok(())
    }
    fn begin_gene_pass(&self, indices: &[usize]) {
        let read = self.genes_read.load(Ordering::SeqCst);
        self.passes
            .lock()
            .expect("lock")
            .push((read, indices.to_vec()));
    }
    fn release_genes(&self) {
        let read = self.genes_read.load(Ordering::SeqCst);
        self.released_after.lock().expect("lock").push(read);
    }
}

fn opts() -> ExportOptions {
    let mut o = options();
    o.connectivities_key = None;
    o
}

fn run(src: &Recording, o: &ExportOptions) -> Result<(), ExportError> {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("ds");
    let r = export(src, &out, o, &NoEvents).map(|_| ());
    assert_eq!(
        r.is_ok(),
        out.exists(),
        "published exactly when it succeeded"
    );
    r
}

#[test]
fn the_gene_pass_is_announced_once_and_released_once_after_every_gene_was_read() {
    let src = Recording::new(inner(None), false);
    run(&src, &opts()).expect("export");
    assert_eq!(src.genes_read.load(Ordering::SeqCst), GENES);
    assert_eq!(*src.released_after.lock().expect("lock"), vec![GENES]);
    // The pass over the planned genes (every gene, in order) is announced once, before any
    // gene is read.
    assert_eq!(
        *src.passes.lock().expect("lock"),
        vec![(0, (0..GENES).collect::<Vec<_>>())]
    );
}

#[test]
fn a_failed_preparation_is_the_error_when_the_plan_is_fine_and_no_gene_is_read() {
    let src = Recording::new(inner(None), true);
    let err = run(&src, &opts()).expect_err("refused");
    assert!(
        matches!(&err, ExportError::Source(SourceError::Read { message, .. }) if message == "disk on fire"),
        "{err}"
    );
    assert_eq!(src.genes_read.load(Ordering::SeqCst), 0);
}

#[test]
fn a_refusal_of_the_plan_wins_over_a_failed_preparation() {
    let src = Recording::new(inner(None), true);
    let mut o = opts();
    o.latent_key = Some("X_missing".into());
    let err = run(&src, &o).expect_err("refused");
    assert!(
        matches!(&err, ExportError::Source(SourceError::MissingKey { key, .. }) if key == "X_missing"),
        "{err}"
    );
}

#[test]
fn a_refused_gene_fails_the_export_after_the_preparation() {
    let src = Recording::new(inner(Some(20)), false);
    let err = run(&src, &opts()).expect_err("refused");
    assert!(
        matches!(&err, ExportError::Gene { name, .. } if name == "G20"),
        "{err}"
    );
    // The failed export still frees what the preparation built, once, after its gene reads.
    let released = src.released_after.lock().expect("lock").clone();
    assert_eq!(released.len(), 1, "{released:?}");
    assert!(released[0] > 20, "{released:?}");
}

/// Breaks the payload stage: when it starts, a file named `obs` is put in the staging directory
/// (beside the target, `.<name>.cellucid-stage-*`), where the export creates its `obs/` folder.
struct BreakPayloads {
    parent: std::path::PathBuf,
}

impl ExportEvents for BreakPayloads {
    fn stage_started(&self, stage: Stage, _total: u64) {
        if stage != Stage::Payloads {
            return;
        }
        for entry in std::fs::read_dir(&self.parent).expect("parent").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.contains("cellucid-stage") && entry.path().is_dir() {
                std::fs::write(entry.path().join("obs"), b"in the way").expect("blocker");
            }
        }
    }
}

#[test]
fn a_failed_payload_write_cancels_the_preparation_and_no_gene_is_read() {
    let mut src = Recording::new(inner(None), false);
    src.prepare_until_cancelled = true;
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("ds");
    let events = BreakPayloads {
        parent: dir.path().to_path_buf(),
    };
    let err = export(&src, &out, &opts(), &events).expect_err("the payloads fail");
    assert!(!out.exists(), "nothing published");
    assert!(err.to_string().contains("obs"), "the payload error: {err}");
    // The preparation ended without preparing (cancelled): no gene may be read. What it may
    // have built is freed once, with the failure.
    assert_eq!(src.genes_read.load(Ordering::SeqCst), 0);
    assert_eq!(*src.released_after.lock().expect("lock"), vec![0]);
}
