//! Typed progress events sent to a caller-supplied sink; the library never prints.

use std::fmt;

/// A stage of an export, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Reading and checking every input (embeddings, graph, latent, obs, vector fields).
    Plan,
    /// Writing points, obs, connectivity and vector payloads.
    Payloads,
    /// Writing one payload per gene (in parallel).
    Genes,
    /// Writing and re-reading the JSON documents.
    Manifests,
    /// Atomic rename into place.
    Publish,
}

impl Stage {
    /// A short lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Plan => "checking inputs",
            Self::Payloads => "writing payloads",
            Self::Genes => "writing genes",
            Self::Manifests => "writing manifests",
            Self::Publish => "publishing",
        }
    }
}

/// Something the viewer will struggle with; the export still succeeds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Warning {
    /// A categorical field has more than 1,000 categories.
    ManyCategories {
        /// obs key.
        key: String,
        /// Number of categories.
        n_categories: usize,
    },
    /// The graph has more than ~10 million edges (the viewer's working set caps near 12 M).
    ManyEdges {
        /// Number of edges.
        n_edges: usize,
    },
    /// The graph was left out: too large for the viewer's edge working set
    /// ([`crate::OversizedGraph::LeaveOut`]).
    GraphLeftOut {
        /// obsp key.
        key: String,
        /// Number of edges.
        n_edges: u64,
        /// The most edges the viewer holds for this many cells.
        max_edges: u64,
    },
    /// A payload is near the viewer's 512 MiB per-payload ceiling.
    LargePayload {
        /// Path relative to the export folder.
        path: String,
        /// Decoded size in bytes.
        bytes: u64,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ManyCategories { key, n_categories } => write!(
                f,
                "obs field '{key}' has {n_categories} categories; the viewer's legend and colours become hard to use above 1,000. Fix: merge rare categories or leave the field out with obs_keys"
            ),
            Self::ManyEdges { n_edges } => write!(
                f,
                "the connectivity graph has {n_edges} edges; the viewer keeps about 44 bytes per edge under a 512 MiB ceiling (about 12 million edges). Fix: export a sparser kNN graph (fewer neighbours) or leave connectivities out"
            ),
            Self::GraphLeftOut { key, n_edges, max_edges } => write!(
                f,
                "the connectivity graph '{key}' was left out: its {n_edges} edges are more than the {max_edges} the viewer holds for this many cells (44 bytes per edge, 48 up to 65,536 cells, plus 4 per cell under a 512 MiB working set), so the viewer would refuse it. Fix: export a sparser kNN graph (fewer neighbours) and name it with --connectivities"
            ),
            Self::LargePayload { path, bytes } => write!(
                f,
                "payload '{path}' is {:.0} MiB decoded, near the viewer's 512 MiB per-payload ceiling. Fix: subsample cells or use fewer dimensions",
                *bytes as f64 / (1024.0 * 1024.0)
            ),
        }
    }
}

/// Receives progress. Every method has an empty default; implementations must be `Sync`
/// because genes are written from many threads.
pub trait ExportEvents: Sync {
    /// A stage starts; `total` is its number of steps (files or genes), 0 when unknown.
    fn stage_started(&self, stage: Stage, total: u64) {
        let _ = (stage, total);
    }
    /// `done` more steps of `stage` finished.
    fn progress(&self, stage: Stage, done: u64) {
        let _ = (stage, done);
    }
    /// A stage finished.
    fn stage_finished(&self, stage: Stage) {
        let _ = stage;
    }
    /// A payload or document was written: `raw` decoded bytes, `stored` bytes on disk.
    fn file_written(&self, path: &str, raw: u64, stored: u64) {
        let _ = (path, raw, stored);
    }
    /// A warning about the viewer's limits.
    fn warning(&self, warning: &Warning) {
        let _ = warning;
    }
}

/// Ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl ExportEvents for NoEvents {}
