//! Typed errors of the AnnData layer. Every variant names the element path and what was expected.

use std::path::PathBuf;

use crate::backend::BackendError;

/// Why an AnnData store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The path does not exist.
    #[error("{path}: no such file or directory")]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// A file that is not HDF5 (an `.h5ad` is an HDF5 file).
    #[error("{path} is not an HDF5 file, so it cannot be an .h5ad. Fix: pass an .h5ad written by anndata, or a .zarr directory")]
    NotHdf5 {
        /// The path given.
        path: PathBuf,
    },
    /// The file is shorter than its own header says: an interrupted copy or download.
    #[error(
        "{path} is truncated ({actual} of {expected} bytes). Fix: copy or download the file again"
    )]
    Truncated {
        /// The path given.
        path: PathBuf,
        /// Size the HDF5 superblock records.
        expected: u64,
        /// Size on disk.
        actual: u64,
    },
    /// A directory was given but zarr support is compiled out.
    #[error("{path} is a directory (a .zarr store?) and this build has no zarr support. Fix: build cellucid-adapter with the `zarr` feature")]
    ZarrDisabled {
        /// The path given.
        path: PathBuf,
    },
    /// Written by anndata before 0.7 (compound `obs`/`var` datasets).
    #[error("{path} uses the pre-0.7 anndata layout (`{element}` is a compound dataset), which is not read. Fix: re-save it with a current anndata: `anndata.read_h5ad(\"{path}\").write_h5ad(\"new.h5ad\")`")]
    LegacyLayout {
        /// The path given.
        path: PathBuf,
        /// The legacy element found (`obs` or `var`).
        element: String,
    },
    /// A required element is missing or malformed.
    #[error("{path}: {source}")]
    Read {
        /// The path given.
        path: PathBuf,
        /// What is wrong inside.
        #[source]
        source: ReadError,
    },
}

/// A failure reading or decoding one element.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A storage-level failure (missing element, corrupt bytes, I/O).
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A required element is absent.
    #[error("`{path}` is missing: {expected}")]
    Missing {
        /// Element path.
        path: String,
        /// What should be there.
        expected: String,
    },
    /// The `encoding-type` attribute is absent or unknown for this position.
    #[error("`{path}` has encoding-type {found:?}; expected {expected}")]
    Encoding {
        /// Element path.
        path: String,
        /// The stored `encoding-type` (`None` when absent).
        found: Option<String>,
        /// What is accepted here.
        expected: String,
    },
    /// An array has the wrong shape.
    #[error("`{path}` has shape {found:?}; expected {expected}")]
    Shape {
        /// Element path.
        path: String,
        /// Stored shape.
        found: Vec<u64>,
        /// What was expected.
        expected: String,
    },
    /// An array has the wrong element type.
    #[error("`{path}` has element type {found}; expected {expected}")]
    Type {
        /// Element path.
        path: String,
        /// Stored type.
        found: String,
        /// What was expected.
        expected: String,
    },
    /// Values that break the encoding's invariants (codes out of range, decreasing indptr…).
    #[error("`{path}` is malformed: {message}")]
    Malformed {
        /// Element path.
        path: String,
        /// What is wrong, with the offending position.
        message: String,
    },
    /// A key the caller asked for does not exist.
    #[error("{what} `{key}` not found. Available: {available:?}")]
    KeyNotFound {
        /// What kind of key (`obs column`, `obsm`, `layer`…).
        what: &'static str,
        /// The key asked for.
        key: String,
        /// The keys that exist.
        available: Vec<String>,
    },
    /// An operation that needs another matrix layout (e.g. `csr_rows` on a CSC matrix).
    #[error("`{path}` is {layout}; {operation} needs {needed}")]
    Layout {
        /// Element path.
        path: String,
        /// The matrix layout.
        layout: &'static str,
        /// The operation asked for.
        operation: &'static str,
        /// The layout it needs.
        needed: &'static str,
    },
    /// A gene index past the end.
    #[error("gene index {index} is out of range for `{path}` with {n_vars} genes")]
    GeneOutOfRange {
        /// Element path.
        path: String,
        /// Requested index.
        index: usize,
        /// Number of genes.
        n_vars: usize,
    },
    /// The on-disk column index of a CSR matrix could not be written or read.
    #[error("column index for `{path}` in {dir}: {source}. Fix: point the temporary directory (TMPDIR) at a writable disk with room for the matrix's data and indices")]
    TempFile {
        /// Element path.
        path: String,
        /// Directory used.
        dir: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl ReadError {
    pub(crate) fn malformed(path: &str, message: impl Into<String>) -> ReadError {
        ReadError::Malformed {
            path: path.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn shape(path: &str, found: &[u64], expected: impl Into<String>) -> ReadError {
        ReadError::Shape {
            path: path.to_string(),
            found: found.to_vec(),
            expected: expected.into(),
        }
    }
}
