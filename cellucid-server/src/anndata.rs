//! Anndata mode state: the virtual dataset, its JSON documents and payload table, and the
//! byte-bounded cache of encoded payload bodies (server.md §4.9, bottleneck B5).

mod cache;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;

pub(crate) use cache::ByteLru;

use crate::transport::encoding::Coding;
use crate::virtual_dataset::{VirtualDataset, VirtualFile};

/// Default byte budget of the payload cache (server.md §4.9 recommends 256 MiB).
pub const DEFAULT_CACHE_BYTES: u64 = 256 * 1024 * 1024;

/// A payload body in its identity form plus lazily computed compressed forms.
#[derive(Debug)]
pub(crate) struct Encoded {
    pub(crate) identity: Bytes,
    gzip: OnceLock<Bytes>,
    zstd: OnceLock<Bytes>,
}

impl Encoded {
    pub(crate) fn new(identity: Bytes) -> Self {
        Self {
            identity,
            gzip: OnceLock::new(),
            zstd: OnceLock::new(),
        }
    }

    /// The body for `coding`, compressing once on first use (blocking: call off the runtime).
    pub(crate) fn body(&self, coding: Coding) -> Bytes {
        match coding {
            Coding::Identity => self.identity.clone(),
            Coding::Gzip => self.gzip.get_or_init(|| gzip(&self.identity)).clone(),
            Coding::Zstd => self
                .zstd
                .get_or_init(|| zstd_compress(&self.identity))
                .clone(),
        }
    }

    /// Whether `coding` is already available without work.
    pub(crate) fn ready(&self, coding: Coding) -> Option<Bytes> {
        match coding {
            Coding::Identity => Some(self.identity.clone()),
            Coding::Gzip => self.gzip.get().cloned(),
            Coding::Zstd => self.zstd.get().cloned(),
        }
    }

    /// Bytes held (for the cache budget): identity plus the compressed forms made so far.
    pub(crate) fn weight(&self) -> u64 {
        let extra = self.gzip.get().map_or(0, Bytes::len) + self.zstd.get().map_or(0, Bytes::len);
        (self.identity.len() + extra) as u64
    }
}

/// A single-member gzip (fixed header, mtime 0) at level 6.
fn gzip(data: &[u8]) -> Bytes {
    use std::io::Write;
    let mut encoder = flate2::GzBuilder::new().operating_system(255).write(
        Vec::with_capacity(data.len() / 2 + 64),
        flate2::Compression::new(6),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    Bytes::from(encoder.finish().unwrap_or_default())
}

fn zstd_compress(data: &[u8]) -> Bytes {
    Bytes::from(zstd::bulk::compress(data, 3).unwrap_or_default())
}

/// State of a server in anndata mode.
pub(crate) struct AnnDataState {
    pub(crate) dataset: Arc<dyn VirtualDataset>,
    pub(crate) documents: HashMap<String, Bytes>,
    pub(crate) table: HashMap<String, VirtualFile>,
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
