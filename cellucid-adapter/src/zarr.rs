//! The `.zarr` backend (feature `zarr`): Zarr v2 and v3 directory stores read through `zarrs`.
//!
//! What anndata writes is covered: Zarr v2 (`.zgroup` / `.zarray` / `.zattrs`, blosc-lz4 by
//! default, strings as `|O` + the `vlen-utf8` filter) and Zarr v3 (`zarr.json`, zstd by
//! default, the `string` data type with `vlen-utf8`, inline consolidated metadata, and the
//! `sharding_indexed` codec with its crc32c-checked index); gzip and zlib decode too.
//!
//! Opening reads the metadata tree once ([`tree`]); arrays are opened from that metadata on
//! first use and kept, so later reads cost only the chunk decoding ([`read`]). The store is
//! `Send + Sync`: `zarrs` arrays and their caches lock internally, and the table of opened
//! arrays sits behind a mutex held only while looking an array up.

mod attrs;
mod dtype;
mod errors;
mod read;
mod relocated;
mod tree;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use zarrs::array::Array;
use zarrs::filesystem::FilesystemStore;
use zarrs::storage::ReadableStorageTraits;

use self::errors::{array_create_error, guard};
use self::read::OpenArray;
use self::tree::{Entry, Tree};
use crate::backend::{ArrayInfo, AttrValue, Backend, BackendError, BackendResult, NodeKind};
use crate::values::Values;

/// An opened Zarr (v2 or v3) directory store.
pub(crate) struct ZarrStore {
    root: PathBuf,
    storage: Arc<dyn ReadableStorageTraits>,
    tree: Tree,
    arrays: Mutex<HashMap<String, Arc<OpenArray>>>,
}

impl std::fmt::Debug for ZarrStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZarrStore")
            .field("root", &self.root)
            .field("format", &self.tree.format())
            .finish_non_exhaustive()
    }
}

/// Open the Zarr store in directory `path` and read its whole metadata tree.
///
/// # Errors
/// [`BackendError::Io`] (naming the directory) when it cannot be read,
/// [`BackendError::Corrupt`] (path `""`) when it is not a directory, holds no Zarr group at
/// its root, or its root metadata document does not parse.
pub(crate) fn open_store(path: &Path) -> Result<ZarrStore, BackendError> {
    let meta = std::fs::metadata(path).map_err(|source| BackendError::Io {
        path: path.display().to_string(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(BackendError::Corrupt {
            path: String::new(),
            message: format!(
                "{} is not a directory; a .zarr store is a directory",
                path.display()
            ),
        });
    }
    let tree = Tree::load(path)?;
    let store = FilesystemStore::new(path).map_err(|e| BackendError::Corrupt {
        path: String::new(),
        message: format!("cannot open {} as a Zarr store: {e}", path.display()),
    })?;
    let storage: Arc<dyn ReadableStorageTraits> = Arc::new(store);
    Ok(ZarrStore {
        root: path.to_path_buf(),
        storage,
        tree,
        arrays: Mutex::new(HashMap::new()),
    })
}

impl ZarrStore {
    fn entry(&self, path: &str) -> BackendResult<&Entry> {
        self.tree.get(path).ok_or_else(|| BackendError::NotFound {
            path: path.to_string(),
            store: self.describe(),
        })
    }

    /// The array at `path`, opened from the tree's metadata on first use.
    fn array(&self, path: &str) -> BackendResult<Arc<OpenArray>> {
        let entry = self.entry(path)?;
        if entry.kind != NodeKind::Array {
            return Err(BackendError::WrongKind {
                path: path.to_string(),
                expected: NodeKind::Array,
                found: entry.kind,
            });
        }
        let metadata = entry.metadata.as_ref().map_err(|p| p.to_error(path))?;
        if let Some(open) = self
            .arrays
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path)
        {
            return Ok(Arc::clone(open));
        }
        let array = guard(path, || {
            if relocated::opens_in_place(path) {
                Array::new_with_metadata(
                    Arc::clone(&self.storage),
                    &format!("/{path}"),
                    metadata.clone(),
                )
            } else {
                let view: Arc<dyn ReadableStorageTraits> =
                    Arc::new(relocated::Relocated::new(Arc::clone(&self.storage), path));
                Array::new_with_metadata(view, &format!("/{}", relocated::ALIAS), metadata.clone())
            }
            .map_err(|e| array_create_error(e, path))
        })?;
        let open = Arc::new(OpenArray::new(path, array));
        let mut arrays = self.arrays.lock().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have opened it meanwhile: keep the first, so caches are shared.
        Ok(Arc::clone(arrays.entry(path.to_string()).or_insert(open)))
    }
}

impl Backend for ZarrStore {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn kind(&self, path: &str) -> BackendResult<Option<NodeKind>> {
        Ok(self.tree.get(path).map(|e| e.kind))
    }

    fn children(&self, path: &str) -> BackendResult<Vec<String>> {
        let entry = self.entry(path)?;
        match entry.kind {
            NodeKind::Group => Ok(entry.children.clone()),
            NodeKind::Array => Err(BackendError::WrongKind {
                path: path.to_string(),
                expected: NodeKind::Group,
                found: NodeKind::Array,
            }),
        }
    }

    fn attribute(&self, path: &str, name: &str) -> BackendResult<Option<AttrValue>> {
        let attributes = self
            .entry(path)?
            .attributes
            .as_ref()
            .map_err(|p| p.to_error(path))?;
        Ok(attributes.get(name).map(attrs::attr_value))
    }

    fn array_info(&self, path: &str) -> BackendResult<ArrayInfo> {
        let array = self.array(path)?;
        Ok(ArrayInfo {
            shape: array.shape().to_vec(),
            dtype: array.dtype()?,
            chunks: array.chunks(),
        })
    }

    fn read(&self, path: &str, selection: &[Range<u64>]) -> BackendResult<Values> {
        self.array(path)?.read(selection)
    }

    fn read_strings(&self, path: &str, range: Option<Range<u64>>) -> BackendResult<Vec<String>> {
        self.array(path)?.read_strings(range)
    }
}
