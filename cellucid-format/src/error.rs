//! Errors of the reader, the models and the codecs.

use std::path::PathBuf;

use crate::gzip::GzipError;
use crate::payload::PayloadError;

/// An error while reading or parsing part of an export folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON document does not parse into its model (syntax, a missing or unexpected key, a
    /// wrong type). The message names the line and column.
    #[error("{file} does not match the G2 format: {source}. Fix: rewrite it with the exporter")]
    Json {
        /// The document's path relative to the export folder (or its name).
        file: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A file is larger than the browser viewer accepts (viewer-contract.md §1.7).
    #[error("{file} is {size} bytes, over the {limit}-byte browser limit")]
    TooLarge {
        /// The file's path relative to the export folder.
        file: String,
        /// Its size (decoded size for payloads).
        size: u64,
        /// The ceiling.
        limit: u64,
    },
    /// A `.gz` payload is not a valid single gzip member.
    #[error("{file}: {source}")]
    Gzip {
        /// The payload's path relative to the export folder.
        file: String,
        /// What is wrong with the member.
        #[source]
        source: GzipError,
    },
    /// A payload has the wrong length or cannot be decoded.
    #[error("{file}: {source}")]
    Payload {
        /// The payload's path relative to the export folder.
        file: String,
        /// What is wrong with the bytes.
        #[source]
        source: PayloadError,
    },
    /// The directory holds neither `dataset_identity.json` nor `datasets.json`.
    #[error(
        "{} is not an export folder: it has neither dataset_identity.json nor datasets.json",
        path.display()
    )]
    NotAnExportFolder {
        /// The directory given.
        path: PathBuf,
    },
    /// A manifest does not declare what was asked for (unknown field, dimension, gene, …).
    #[error("{file} does not declare {what}")]
    NotDeclared {
        /// The manifest consulted.
        file: String,
        /// What was looked up, e.g. `obs field 'louvain'`.
        what: String,
    },
    /// A manifest value needed to read a payload is invalid (run the validator for details).
    #[error("{file}: {detail}. Run `cargo xtask validate` on the folder for every problem")]
    Invalid {
        /// The manifest consulted.
        file: String,
        /// What is wrong.
        detail: String,
    },
}
