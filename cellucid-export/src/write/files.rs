//! Writing payload files into the staging folder (raw or one gzip member, format.md §19).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::error::ExportError;
use crate::events::ExportEvents;

/// Writes files under the stage and counts them.
pub(crate) struct FileWriter<'a> {
    root: PathBuf,
    compression: Option<u32>,
    events: &'a dyn ExportEvents,
    pub(crate) files: AtomicU64,
    pub(crate) raw_bytes: AtomicU64,
    pub(crate) stored_bytes: AtomicU64,
    pub(crate) written: Mutex<Vec<String>>,
}

impl<'a> FileWriter<'a> {
    pub(crate) fn new(root: &Path, compression: Option<u32>, events: &'a dyn ExportEvents) -> Self {
        Self {
            root: root.to_path_buf(),
            compression,
            events,
            files: AtomicU64::new(0),
            raw_bytes: AtomicU64::new(0),
            stored_bytes: AtomicU64::new(0),
            written: Mutex::new(Vec::new()),
        }
    }

    fn io(&self, rel: &str) -> impl FnOnce(std::io::Error) -> ExportError {
        let path = self.root.join(rel);
        move |source| ExportError::Io { path, source }
    }

    /// Creates a payload directory.
    pub(crate) fn dir(&self, rel: &str) -> Result<(), ExportError> {
        std::fs::create_dir(self.root.join(rel)).map_err(self.io(rel))
    }

    /// Writes a payload (gzip'd when the export is compressed; `rel` already carries `.gz`).
    pub(crate) fn payload(&self, rel: &str, bytes: &[u8]) -> Result<(), ExportError> {
        match self.compression {
            Some(level) => {
                let member = cellucid_format::gzip::encode_payload_member(bytes, level);
                self.file(rel, bytes.len() as u64, &member)
            }
            None => self.file(rel, bytes.len() as u64, bytes),
        }
    }

    /// Writes a gzip member that was already built (`rel` carries `.gz`; `raw` is the length of
    /// the payload inside).
    pub(crate) fn member(&self, rel: &str, raw: u64, member: &[u8]) -> Result<(), ExportError> {
        self.file(rel, raw, member)
    }

    /// Writes a JSON document (never compressed).
    pub(crate) fn document(&self, rel: &str, text: &str) -> Result<(), ExportError> {
        self.file(rel, text.len() as u64, text.as_bytes())
    }

    fn file(&self, rel: &str, raw: u64, stored: &[u8]) -> Result<(), ExportError> {
        let path = self.root.join(rel);
        let mut f = std::fs::File::create(&path).map_err(self.io(rel))?;
        // No fsync here: the whole stage is made durable once before it is published
        // (`durable::sync_stage`, which explains why that is enough).
        f.write_all(stored).map_err(self.io(rel))?;
        start_writeback(&f);
        self.files.fetch_add(1, Ordering::Relaxed);
        self.raw_bytes.fetch_add(raw, Ordering::Relaxed);
        self.stored_bytes
            .fetch_add(stored.len() as u64, Ordering::Relaxed);
        if let Ok(mut w) = self.written.lock() {
            w.push(rel.to_string());
        }
        self.events.file_written(rel, raw, stored.len() as u64);
        Ok(())
    }
}

/// Asks the kernel to start writing `file`'s dirty pages back now, without waiting for them.
///
/// **Why.** The stage is made durable once, at the end (`durable::sync_stage`). Left to the
/// kernel's periodic flusher, the whole export (53 MB at make_synth 100k × 2k) was still
/// dirty then, and the final `syncfs` waited ~0.1 s with both cores idle (7 % of the export's
/// wall time). Started file by file, the write-back overlaps the rest of the export and the
/// final sync took 5–10 ms.
///
/// **How.** On Linux, `posix_fadvise(POSIX_FADV_DONTNEED)` starts asynchronous write-back of
/// the file's dirty pages (`WB_SYNC_NONE`) before it drops the pages that are already clean;
/// pages still under write-back stay cached. PostgreSQL uses the same call to ask for early
/// write-back where `sync_file_range(2)` is unavailable; that call itself has no safe binding in
/// `nix` or `rustix`, and this workspace has no `unsafe` code. It is advice: an error changes
/// nothing (durability comes from the final sync), so it is ignored. Elsewhere this does
/// nothing.
fn start_writeback(file: &std::fs::File) {
    #[cfg(target_os = "linux")]
    {
        let _advice_only = nix::fcntl::posix_fadvise(
            file,
            0,
            0,
            nix::fcntl::PosixFadviseAdvice::POSIX_FADV_DONTNEED,
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}
