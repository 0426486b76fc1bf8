//! A graph too large for the viewer's edge working set (viewer-contract.md §1.5) is seen from
//! the source's metadata and never read: left out with a warning, or refused, by
//! `ExportOptions::oversized_graph`. At the limit itself the graph is read and exported. An
//! embedding too large for the positions working set is refused before it is read.

#[macro_use]
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use cellucid_export::source::{
    AnnDataSource, ExportSource, Graph, InMemorySource, Matrix2, SourceError,
};
use cellucid_export::{export, ExportError, ExportEvents, OversizedGraph, Warning};
use cellucid_format::limits::max_edges;
use common::dataset::{options, small};
use common::{assert_valid, golden_case};

const N: usize = 60;

/// Delegates to a small in-memory dataset (a ring graph of `N` edges) but claims `stored`
/// stored graph entries (and, when set, `cells` cells), and counts the graph and obsm reads.
struct ClaimsStored {
    inner: InMemorySource,
    stored: Option<u64>,
    cells: Option<usize>,
    graph_reads: AtomicUsize,
    obsm_reads: AtomicUsize,
}

impl ClaimsStored {
    fn new(stored: Option<u64>) -> Self {
        Self {
            inner: small(N, 4),
            stored,
            cells: None,
            graph_reads: AtomicUsize::new(0),
            obsm_reads: AtomicUsize::new(0),
        }
    }
}

impl ExportSource for ClaimsStored {
    forward_to_inner!(describe, obs_keys, obs_column, obsm_keys, obsp_keys);
    forward_to_inner!(has_genes, n_genes, gene_names, gene);
    fn n_cells(&self) -> usize {
        self.cells.unwrap_or_else(|| self.inner.n_cells())
    }
    fn obsm(&self, key: &str) -> Result<Matrix2, SourceError> {
        self.obsm_reads.fetch_add(1, Ordering::SeqCst);
        self.inner.obsm(key)
    }
    fn obsp(&self, key: &str) -> Result<Graph, SourceError> {
        self.graph_reads.fetch_add(1, Ordering::SeqCst);
        self.inner.obsp(key)
    }
    fn obsp_stored_entries(&self, _key: &str) -> Result<Option<u64>, SourceError> {
        Ok(self.stored)
    }
}

#[derive(Default)]
struct Warnings(Mutex<Vec<Warning>>);

impl ExportEvents for Warnings {
    fn warning(&self, warning: &Warning) {
        self.0.lock().expect("lock").push(warning.clone());
    }
}

fn connectivity_of(dir: &std::path::Path) -> (bool, Option<u64>) {
    let text = std::fs::read_to_string(dir.join("dataset_identity.json")).expect("identity");
    let identity: serde_json::Value = serde_json::from_str(&text).expect("json");
    (
        identity["stats"]["has_connectivity"]
            .as_bool()
            .expect("bool"),
        identity["stats"]["n_edges"].as_u64(),
    )
}

#[test]
fn a_graph_claiming_one_edge_too_many_is_left_out_unread() {
    let max = max_edges(N as u64);
    let source = ClaimsStored::new(Some(2 * (max + 1)));
    let mut opts = options();
    opts.oversized_graph = OversizedGraph::LeaveOut;
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("left-out");
    let events = Warnings::default();
    export(&source, &out, &opts, &events).expect("exported without the graph");
    assert_eq!(source.graph_reads.load(Ordering::SeqCst), 0);
    assert_eq!(connectivity_of(&out), (false, None));
    assert!(!out.join("connectivity_manifest.json").exists());
    assert_valid(&out);
    let warnings = events.0.lock().expect("lock").clone();
    assert_eq!(
        warnings,
        vec![Warning::GraphLeftOut {
            key: "connectivities".into(),
            n_edges: max + 1,
            max_edges: max,
        }]
    );
}

#[test]
fn a_graph_claiming_one_edge_too_many_is_refused_unread_by_default() {
    let max = max_edges(N as u64);
    let source = ClaimsStored::new(Some(2 * (max + 1)));
    let opts = options();
    assert_eq!(opts.oversized_graph, OversizedGraph::Refuse);
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("refused");
    let err = export(&source, &out, &opts, &Warnings::default()).expect_err("refused");
    assert!(
        matches!(err, ExportError::TooLargeForViewer { .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.contains("connectivities 'connectivities'"), "{text}");
    assert!(text.contains(&format!("at most {max} edges")), "{text}");
    assert_eq!(source.graph_reads.load(Ordering::SeqCst), 0);
    assert!(!out.exists(), "nothing is published");
}

#[test]
fn at_the_limit_or_unknown_the_graph_is_read_and_exported() {
    let max = max_edges(N as u64);
    for stored in [Some(2 * max), Some(2 * max + 1), None] {
        for policy in [OversizedGraph::Refuse, OversizedGraph::LeaveOut] {
            let source = ClaimsStored::new(stored);
            let mut opts = options();
            opts.oversized_graph = policy;
            let dir = tempfile::tempdir().expect("tmp");
            let out = dir.path().join("kept");
            let events = Warnings::default();
            export(&source, &out, &opts, &events).expect("exported");
            assert_eq!(source.graph_reads.load(Ordering::SeqCst), 1, "{stored:?}");
            assert_eq!(connectivity_of(&out), (true, Some(N as u64)), "{stored:?}");
            assert!(events.0.lock().expect("lock").is_empty());
        }
    }
}

#[test]
fn an_anndata_source_reports_the_stored_entries_of_its_graph() {
    let case = golden_case("edge-q8-gz6");
    let source = AnnDataSource::open(case.join("input.h5ad")).expect("open");
    let text =
        std::fs::read_to_string(case.join("export/connectivity_manifest.json")).expect("manifest");
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("json");
    let n_edges = manifest["n_edges"].as_u64().expect("n_edges");
    assert_eq!(
        source
            .obsp_stored_entries("connectivities")
            .expect("metadata"),
        Some(2 * n_edges)
    );
    assert!(source.obsp_stored_entries("no such graph").is_err());
}

#[test]
fn an_embedding_past_the_positions_working_set_is_refused_unread() {
    // 2-D positions: 12 bytes of padded copy plus 8 raw per cell under 512 MiB.
    let most = (cellucid_format::limits::WORKING_SET_BYTES / 20) as usize;
    let mut source = ClaimsStored::new(None);
    source.cells = Some(most + 1);
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("too-many-cells");
    let err = export(&source, &out, &options(), &Warnings::default()).expect_err("refused");
    let text = err.to_string();
    assert!(
        matches!(err, ExportError::TooLargeForViewer { .. }),
        "{text}"
    );
    assert!(text.contains("embedding 'X_umap_2d' (2-D)"), "{text}");
    assert!(text.contains(&format!("at most {most} cells")), "{text}");
    assert_eq!(source.obsm_reads.load(Ordering::SeqCst), 0);
    assert!(!out.exists());
}
