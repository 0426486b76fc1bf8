//! [`ExportSource`]: where an export reads its arrays from. Two implementations: an AnnData file
//! opened by `cellucid-adapter` ([`AnnDataSource`]) and in-memory arrays ([`InMemorySource`]).
//!
//! The trait only reads and classifies; every check of the values (finite, float32-safe,
//! labels, shapes) happens in the export plan, so both sources are refused identically.

mod anndata;
mod in_memory;

pub use cellucid_adapter::mapping::{Label, ObsFieldKind as ObsColumn};
pub use cellucid_adapter::{GeneColumn, Graph, Matrix2, SparseFormat, SparseMatrix, Values};

pub use anndata::AnnDataSource;
pub use in_memory::{InMemoryMatrix, InMemorySource};

/// A source could not provide what the export asked for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A key is not in the source.
    #[error("{kind} key '{key}' not found in {source_name}; available: {}. Fix: pass one of the available keys", .available.join(", "))]
    MissingKey {
        /// `obs`, `obsm`, `obsp` or `var`.
        kind: &'static str,
        /// The key asked for.
        key: String,
        /// The source (file path or "in-memory arrays").
        source_name: String,
        /// What exists.
        available: Vec<String>,
    },
    /// Reading failed.
    #[error("reading {what} from {source_name}: {message}")]
    Read {
        /// What was being read.
        what: String,
        /// The source.
        source_name: String,
        /// The reader's message.
        message: String,
    },
    /// The stored data cannot be exported as is.
    #[error("{what}: {message}")]
    Invalid {
        /// What is wrong (names the key).
        what: String,
        /// Why, and the fix.
        message: String,
    },
}

/// Read access to everything an export needs. `Sync` so genes can be read from many threads.
pub trait ExportSource: Sync {
    /// A short description for messages (e.g. the file path).
    fn describe(&self) -> String;
    /// Number of cells (obs rows).
    fn n_cells(&self) -> usize;
    /// obs column names in column order.
    fn obs_keys(&self) -> Vec<String>;
    /// One obs column, classified as continuous or categorical.
    ///
    /// # Errors
    /// [`SourceError`] for an unknown key or an unsupported column type.
    fn obs_column(&self, key: &str) -> Result<ObsColumn, SourceError>;
    /// obsm keys.
    fn obsm_keys(&self) -> Vec<String>;
    /// One obsm array, row-major (sparse arrays densified; 1-D arrays as `(n, 1)`).
    ///
    /// # Errors
    /// [`SourceError`].
    fn obsm(&self, key: &str) -> Result<Matrix2, SourceError>;
    /// obsp keys.
    fn obsp_keys(&self) -> Vec<String>;
    /// One obsp graph.
    ///
    /// # Errors
    /// [`SourceError`].
    fn obsp(&self, key: &str) -> Result<Graph, SourceError>;
    /// Stored entries of a sparse obsp graph, known without reading it; `None` when unknown
    /// (the default) or dense. Lets the plan leave out or refuse a graph too large for the
    /// viewer before reading it.
    ///
    /// # Errors
    /// [`SourceError`].
    fn obsp_stored_entries(&self, _key: &str) -> Result<Option<u64>, SourceError> {
        Ok(None)
    }
    /// Whether the source has an expression matrix (genes are exported iff so).
    fn has_genes(&self) -> bool;
    /// Number of genes (var rows); 0 without a matrix.
    fn n_genes(&self) -> usize;
    /// Gene names from the var index (`None`) or a var column; every entry must be a string.
    ///
    /// # Errors
    /// [`SourceError`] for an unknown column or a non-string entry.
    fn gene_names(&self, id_column: Option<&str>) -> Result<Vec<String>, SourceError>;
    /// One gene's values over all cells (sparse columns keep only stored entries).
    ///
    /// # Errors
    /// [`SourceError`].
    fn gene(&self, index: usize) -> Result<GeneColumn, SourceError>;
    /// Does the one-off work that per-gene access needs (e.g. the column index of a CSR
    /// matrix) now, so that an export can run it beside the other stages instead of inside the
    /// first [`ExportSource::gene`] call. Should stop early, leaving the work to the first
    /// [`ExportSource::gene`], once `cancel` is set (the export failed meanwhile). Idempotent;
    /// the default does nothing.
    ///
    /// # Errors
    /// [`SourceError`] when the matrix cannot be read; the export reports it where the gene
    /// stage would have (after every refusal of the plan).
    fn prepare_genes(&self, cancel: &std::sync::atomic::AtomicBool) -> Result<(), SourceError> {
        let _ = cancel;
        Ok(())
    }
    /// Announces that the genes at `indices` (source indices, in the order they will be read,
    /// several threads reading from different places) are about to be read, each once; a
    /// source may read them ahead in blocks (an AnnData CSC matrix does). Ends with
    /// [`ExportSource::release_genes`]. The default does nothing.
    fn begin_gene_pass(&self, indices: &[usize]) {
        let _ = indices;
    }
    /// Frees what [`ExportSource::prepare_genes`] built, once every gene has been read (the
    /// export calls it before syncing its output: a CSR column index is a temporary file
    /// whose dirty pages a file-system sync would otherwise write out too). A later
    /// [`ExportSource::gene`] must still work, doing the preparation again. The default does
    /// nothing.
    fn release_genes(&self) {}
    /// Resolves the embeddings to export when the options name none (dimension → obsm key).
    ///
    /// # Errors
    /// [`SourceError`] when no embedding can be found.
    fn default_embeddings(&self) -> Result<std::collections::BTreeMap<u8, String>, SourceError> {
        let mut out = std::collections::BTreeMap::new();
        for d in 1..=3_u8 {
            let key = format!("X_umap_{d}d");
            if self.obsm_keys().contains(&key) {
                out.insert(d, key);
            }
        }
        if out.is_empty() {
            return Err(SourceError::Invalid {
                what: "embeddings".into(),
                message: format!(
                    "no embedding found in {} (looked for obsm keys X_umap_1d, X_umap_2d, X_umap_3d); name them with the embeddings option",
                    self.describe()
                ),
            });
        }
        Ok(out)
    }
}

pub(crate) fn missing_key(
    kind: &'static str,
    key: &str,
    source_name: String,
    mut available: Vec<String>,
) -> SourceError {
    available.sort();
    SourceError::MissingKey {
        kind,
        key: key.to_string(),
        source_name,
        available,
    }
}
