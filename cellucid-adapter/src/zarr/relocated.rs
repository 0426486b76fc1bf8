//! Arrays at paths zarrs will not open: anndata 0.7 put categorical categories in a group named
//! `__categories`, and zarrs refuses node names starting with `__` (reserved in Zarr v3). Such an
//! array is opened under a plain alias on [`Relocated`], a read-only view of the store that
//! maps the alias's keys onto the real ones.

use std::sync::Arc;

use zarrs::node::NodePath;
use zarrs::storage::byte_range::{ByteRange, ByteRangeIterator};
use zarrs::storage::{
    MaybeBytes, MaybeBytesIterator, ReadableStorageTraits, StorageError, StoreKey,
};

/// The node path arrays are opened under on a [`Relocated`] store.
pub(super) const ALIAS: &str = "cellucid_relocated";

/// Whether zarrs accepts `path` (relative to the store root) as a node path.
pub(super) fn opens_in_place(path: &str) -> bool {
    NodePath::validate(&format!("/{path}"))
}

/// The store seen with `ALIAS/<rest>` at `<real>/<rest>`; every other key as it is.
pub(super) struct Relocated {
    inner: Arc<dyn ReadableStorageTraits>,
    real: String,
}

impl Relocated {
    /// A view of `inner` with the array at `real` (relative to the root) under [`ALIAS`].
    pub(super) fn new(inner: Arc<dyn ReadableStorageTraits>, real: &str) -> Self {
        Self {
            inner,
            real: real.trim_matches('/').to_string(),
        }
    }

    fn map(&self, key: &StoreKey) -> Result<StoreKey, StorageError> {
        let mapped = match key.as_str().strip_prefix(ALIAS) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                format!("{}{rest}", self.real)
            }
            _ => return Ok(key.clone()),
        };
        StoreKey::new(mapped).map_err(|e| StorageError::Other(e.to_string()))
    }
}

impl ReadableStorageTraits for Relocated {
    fn get(&self, key: &StoreKey) -> Result<MaybeBytes, StorageError> {
        self.inner.get(&self.map(key)?)
    }

    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> Result<MaybeBytesIterator<'a>, StorageError> {
        self.inner.get_partial_many(&self.map(key)?, byte_ranges)
    }

    fn get_partial(
        &self,
        key: &StoreKey,
        byte_range: ByteRange,
    ) -> Result<MaybeBytes, StorageError> {
        self.inner.get_partial(&self.map(key)?, byte_range)
    }

    fn size_key(&self, key: &StoreKey) -> Result<Option<u64>, StorageError> {
        self.inner.size_key(&self.map(key)?)
    }

    fn supports_get_partial(&self) -> bool {
        self.inner.supports_get_partial()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zarrs::storage::store::MemoryStore;
    use zarrs::storage::WritableStorageTraits;

    #[test]
    fn alias_keys_read_the_real_ones_and_others_pass_through() {
        let store = Arc::new(MemoryStore::new());
        let key = |k: &str| StoreKey::new(k).expect("key");
        store
            .set(&key("obs/__categories/cell_type/0"), vec![1u8, 2, 3].into())
            .expect("set");
        store.set(&key("obs/x/0"), vec![9u8].into()).expect("set");
        let view = Relocated::new(store, "obs/__categories/cell_type");
        let got = |k: &str| view.get(&key(k)).expect("get").map(|b| b.to_vec());
        assert_eq!(got("cellucid_relocated/0"), Some(vec![1, 2, 3]));
        assert_eq!(got("obs/x/0"), Some(vec![9]));
        assert_eq!(got("cellucid_relocatedX/0"), None);
        assert_eq!(
            view.size_key(&key("cellucid_relocated/0")).expect("size"),
            Some(3)
        );
        assert!(!opens_in_place("obs/__categories/cell_type"));
        assert!(opens_in_place("obs/cell_type"));
    }
}
