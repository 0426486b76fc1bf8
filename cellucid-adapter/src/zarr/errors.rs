//! `zarrs` errors → [`BackendError`], always naming the element path.

use zarrs::array::{ArrayCreateError, ArrayError, CodecError};
use zarrs::storage::StorageError;

use crate::backend::BackendError;

/// An owned copy of a shared I/O error (zarrs keeps them in an `Arc`).
fn io(source: &std::io::Error, path: &str) -> BackendError {
    BackendError::Io {
        path: path.to_string(),
        source: std::io::Error::new(source.kind(), source.to_string()),
    }
}

/// A storage failure under element `path`.
pub(super) fn storage_error(e: StorageError, path: &str) -> BackendError {
    match e {
        StorageError::IOError(source) => io(&source, path),
        other => BackendError::Corrupt {
            path: path.to_string(),
            message: other.to_string(),
        },
    }
}

/// A failure opening the array at `path` from its metadata.
pub(super) fn array_create_error(e: ArrayCreateError, path: &str) -> BackendError {
    match e {
        ArrayCreateError::StorageError(s) => storage_error(s, path),
        ArrayCreateError::DataTypeCreateError(err) => BackendError::UnsupportedType {
            path: path.to_string(),
            description: err.to_string(),
        },
        ArrayCreateError::CodecsCreateError(err) => BackendError::Corrupt {
            path: path.to_string(),
            message: format!(
                "{err} (the zarr backend decodes blosc, zstd, gzip, zlib, crc32c, vlen-utf8 and \
                 sharding_indexed; re-encode the array with one of them)"
            ),
        },
        other => BackendError::Corrupt {
            path: path.to_string(),
            message: other.to_string(),
        },
    }
}

/// A failure reading the array at `path`. Decoder I/O errors (a truncated zstd frame, a short
/// blosc buffer) are corruption, not operating-system failures: only storage I/O maps to `Io`.
pub(super) fn array_error(e: ArrayError, path: &str) -> BackendError {
    match e {
        ArrayError::StorageError(s) | ArrayError::CodecError(CodecError::StorageError(s)) => {
            storage_error(s, path)
        }
        other => BackendError::Corrupt {
            path: path.to_string(),
            message: other.to_string(),
        },
    }
}

/// Run a `zarrs` call, turning a panic inside it into [`BackendError::Corrupt`] for `path`.
///
/// `zarrs` asserts on some malformed inputs instead of returning an error; a damaged store
/// must not take the caller (a server worker, an export thread) down with it.
pub(super) fn guard<T>(
    path: &str,
    f: impl FnOnce() -> Result<T, BackendError>,
) -> Result<T, BackendError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let detail = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        Err(BackendError::Corrupt {
            path: path.to_string(),
            message: format!("the Zarr decoder failed on this element ({detail})"),
        })
    })
}
