//! Anndata mode state: the virtual dataset, its JSON documents and payload table, and one
//! byte-bounded cache of encoded payload bodies (server.md §4.9, bottleneck B5).

mod cache;

use crate::adata::GZIP_LEVEL;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

pub(crate) use cache::ByteLru;

use crate::transport::encoding::Coding;
use crate::virtual_dataset::{VirtualDataset, VirtualFile};

/// Default byte budget of the payload cache: the one memory budget of anndata mode (the
/// adapter keeps no decoded-gene cache of its own here). Bodies are cached in the form they
/// were sent in, so a browser's gzip'd genes cost about a quarter of their float32 size:
/// 128 MiB holds roughly 1,500 gzip'd genes of a 100,000-cell, 11 %-dense atlas.
pub const DEFAULT_CACHE_BYTES: u64 = 128 * 1024 * 1024;

/// zstd level of bodies compressed for clients that accept zstd.
const ZSTD_LEVEL: i32 = 3;

/// A single-member gzip with the reference writer's header (format.md §19).
/// Level: the one the gene members name, [`GZIP_LEVEL`] (server.md §4.7 allows any valid member).
pub(crate) fn gzip(data: &[u8]) -> Bytes {
    Bytes::from(cellucid_format::gzip::encode_member(data, GZIP_LEVEL))
}

fn zstd_compress(data: &[u8]) -> Bytes {
    Bytes::from(zstd::bulk::compress(data, ZSTD_LEVEL).unwrap_or_default())
}

/// Compresses `identity` for `coding` (blocking: call off the runtime).
pub(crate) fn encode(identity: &Bytes, coding: Coding) -> Bytes {
    match coding {
        Coding::Identity => identity.clone(),
        Coding::Gzip => gzip(identity),
        Coding::Zstd => zstd_compress(identity),
    }
}

/// State of a server in anndata mode.
pub(crate) struct AnnDataState {
    pub(crate) dataset: Arc<dyn VirtualDataset>,
    pub(crate) documents: HashMap<String, Bytes>,
    pub(crate) table: HashMap<String, VirtualFile>,
    /// Encoded bodies keyed by (request path, coding), bounded in bytes.
    pub(crate) cache: Mutex<ByteLru>,
    /// Distinguishes this process's ETags from another run's.
    pub(crate) etag_nonce: u64,
}

impl AnnDataState {
    pub(crate) fn new(
        dataset: Arc<dyn VirtualDataset>,
        documents: HashMap<String, Bytes>,
        cache_bytes: u64,
    ) -> Self {
        let table = dataset
            .payloads()
            .into_iter()
            .map(|f| (f.path.clone(), f))
            .collect();
        let etag_nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self {
            dataset,
            documents,
            table,
            cache: Mutex::new(ByteLru::new(cache_bytes)),
            etag_nonce,
        }
    }

    /// The cached body of `path` in `coding`, if any.
    pub(crate) fn cached(&self, path: &str, coding: Coding) -> Option<Bytes> {
        self.cache.lock().ok()?.get(path, coding)
    }

    /// Keeps a body in the cache (evicting the least recently used bodies beyond the budget).
    pub(crate) fn keep(&self, path: &str, coding: Coding, body: Bytes) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.put(path, coding, body);
        }
    }

    /// The ETag of a payload in a given coding.
    pub(crate) fn etag(&self, path: &str, coding: Coding) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in path.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let suffix = coding.token().unwrap_or("id");
        format!("\"{:x}-{h:x}-{suffix}\"", self.etag_nonce)
    }
}
