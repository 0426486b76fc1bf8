//! [`ExportError`]: every way an export can be refused, each naming the field, gene or key and
//! the fix.

use std::path::PathBuf;

use crate::math::{CodesWidthError, GraphError, NormaliseError, VectorError};
use crate::publish::PublishError;
use crate::source::SourceError;

/// Why an export was refused or failed. Nothing is published when an export fails.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// An option is invalid (format.md §21.1, §21.2 item 1).
    #[error("option '{option}': {message}")]
    Option {
        /// The option name (as in `call.json`).
        option: &'static str,
        /// What is wrong and the fix.
        message: String,
    },
    /// The source could not be read, or lacks a requested key.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// An embedding is unusable.
    #[error("embedding '{key}' ({dim}-D): {source}")]
    Embedding {
        /// obsm key.
        key: String,
        /// Dimension.
        dim: u8,
        /// The arithmetic error.
        #[source]
        source: NormaliseError,
    },
    /// An array (embedding, latent space, vector field) has the wrong shape or values.
    #[error("{what}: {message}")]
    Array {
        /// Which array (e.g. "latent space 'X_pca'").
        what: String,
        /// What is wrong and the fix.
        message: String,
    },
    /// The connectivity graph is refused.
    #[error("connectivities '{key}': {source}")]
    Graph {
        /// obsp key.
        key: String,
        /// The graph error.
        #[source]
        source: GraphError,
    },
    /// The export would break a size ceiling of the viewer (viewer-contract.md §1.5, §1.7), so
    /// the viewer would not load what was written (the reference writer checks none of them).
    #[error("{what}: {detail}, more than the viewer's limit of {limit} bytes, so the viewer would not load it. Fix: {fix}")]
    TooLargeForViewer {
        /// What is too large (e.g. "connectivities 'connectivities'", "payload 'points_3d.bin'").
        what: String,
        /// Its size in the viewer's terms.
        detail: String,
        /// The bytes the viewer would need.
        bytes: u64,
        /// The viewer's limit.
        limit: u64,
        /// The fix.
        fix: String,
    },
    /// An obs field is refused.
    #[error("obs field '{key}': {message}")]
    ObsField {
        /// obs key.
        key: String,
        /// What is wrong and the fix.
        message: String,
    },
    /// A categorical field has too many categories for the codes width.
    #[error(transparent)]
    Categories(#[from] CodesWidthError),
    /// Categorical fields whose quantized outlier quantiles would all be missing.
    #[error("categorical obs field(s) {} generated categorical outlier quantile set(s) cannot be encoded: no category has at least centroid_min_points ({min_points}) cells, so every quantile is missing. Fix: lower centroid_min_points, export outliers as float32 (obs_continuous_quantization null), or leave the field(s) out with obs_keys", .fields.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(", "))]
    AllMissingOutliers {
        /// The affected obs keys.
        fields: Vec<String>,
        /// The `centroid_min_points` in force.
        min_points: usize,
    },
    /// Gene selection or gene names are refused.
    #[error("genes: {message}")]
    Genes {
        /// What is wrong and the fix.
        message: String,
    },
    /// One gene's values are refused.
    #[error("Gene '{name}' {source}")]
    Gene {
        /// Gene name.
        name: String,
        /// The quantizer's counted description.
        #[source]
        source: cellucid_quant::QuantError,
    },
    /// A vector field is refused.
    #[error("vector field '{key}': {message}")]
    VectorField {
        /// obsm key or field id.
        key: String,
        /// What is wrong and the fix.
        message: String,
    },
    /// A vector field's values are refused.
    #[error("vector field '{key}': {source}")]
    VectorValues {
        /// obsm key.
        key: String,
        /// The error.
        #[source]
        source: VectorError,
    },
    /// Publication failed (lock, journal, target checks, renames).
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// Writing a file of the staged export failed.
    #[error("writing '{path}': {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The staged export failed its own read-back check (a bug; nothing is published).
    #[error("internal check failed, nothing was published: {0}")]
    Internal(String),
}

impl ExportError {
    pub(crate) fn option(option: &'static str, message: impl Into<String>) -> Self {
        Self::Option {
            option,
            message: message.into(),
        }
    }

    pub(crate) fn obs(key: &str, message: impl Into<String>) -> Self {
        Self::ObsField {
            key: key.to_string(),
            message: message.into(),
        }
    }
}
