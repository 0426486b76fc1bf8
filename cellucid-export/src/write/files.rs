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

    /// Creates a payload directory, in a random roomy block group of the stage's file system
    /// where it can (see `publish::create_dir_in_random_group`).
    pub(crate) fn dir(&self, rel: &str) -> Result<(), ExportError> {
        crate::publish::create_dir_in_random_group(&self.root.join(rel)).map_err(self.io(rel))
    }

    /// Writes a payload (gzip'd when the export is compressed; `rel` already carries `.gz`).
    pub(crate) fn payload(&self, rel: &str, bytes: &[u8]) -> Result<(), ExportError> {
        match self.compression {
            Some(level) => {
                let member = cellucid_format::gzip::encode_payload_member(bytes, level);
                self.file(rel, bytes.len() as u64, &member, Writeback::Early)
            }
            None => self.file(rel, bytes.len() as u64, bytes, Writeback::Early),
        }
    }

    /// Writes a gzip member that was already built (`rel` carries `.gz`; `raw` is the length of
    /// the payload inside).
    pub(crate) fn member(&self, rel: &str, raw: u64, member: &[u8]) -> Result<(), ExportError> {
        self.file(rel, raw, member, Writeback::Early)
    }

    /// Writes a JSON document (never compressed).
    pub(crate) fn document(&self, rel: &str, text: &str) -> Result<(), ExportError> {
        // Documents are read back right after (`write_document` checks them) and are few and
        // small: left to the final sync.
        self.file(rel, text.len() as u64, text.as_bytes(), Writeback::Late)
    }

    fn file(
        &self,
        rel: &str,
        raw: u64,
        stored: &[u8],
        writeback: Writeback,
    ) -> Result<(), ExportError> {
        let path = self.root.join(rel);
        let mut f = std::fs::File::create(&path).map_err(self.io(rel))?;
        // No fsync here: the whole stage is made durable once before it is published
        // (`durable::sync_stage`, which explains why that is enough).
        f.write_all(stored).map_err(self.io(rel))?;
        if writeback == Writeback::Early {
            start_writeback(&f);
        }
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

/// Whether a file's write-back is started as soon as it is written ([`start_writeback`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writeback {
    /// Start it now (payloads, written once and not read again by the export).
    Early,
    /// Leave it to the final sync (documents, read back at once).
    Late,
}

/// Asks the kernel to start writing `file`'s dirty pages back now, without waiting for them.
///
/// **Why.** The stage is made durable once, at the end (`durable::sync_stage`). Left to the
/// kernel's periodic flusher, the whole export (53 MB at make_synth 100k × 2k, 1.1 GB at
/// 1M × 5k) was still dirty then, and the final `syncfs` waited with both cores idle (~0.1 s at
/// 100k, 7 % of the export's wall time). Started file by file, the write-back overlaps the rest
/// of the export.
///
/// **How.** On Linux, `sync_file_range(2)` with `SYNC_FILE_RANGE_WRITE` queues the file's dirty
/// pages for write-back without waiting for it to finish (it may block briefly while the
/// device's request queue is full; PostgreSQL and RocksDB ask for early write-back the same
/// way). The pages stay cached. It is called for every payload, the one-per-gene files included: those (≈ 19 KB each,
/// 40 MB at 100k × 2k) had been left to the final sync, which then waited 35–65 ms for the disk;
/// it now waits 6–12 ms, and the export's median wall time fell by 45–60 ms (16 alternating
/// runs of each). The earlier `posix_fadvise(POSIX_FADV_DONTNEED)`, which also starts
/// write-back, drains every CPU's LRU batches whenever it cannot drop the pages it was just
/// given, so it was kept to files of 64 KiB or more. Neither `nix` nor `rustix` binds
/// `sync_file_range`, hence the one `unsafe` block of the workspace: a system call on a
/// borrowed descriptor, with no memory passed either way. It is advice: an error changes
/// nothing (durability comes from the final sync), so it is ignored. Elsewhere than Linux this
/// does nothing.
fn start_writeback(file: &std::fs::File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        #[allow(unsafe_code)]
        // SAFETY: a plain system call on a descriptor this function borrows; no memory is
        // passed or returned.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::events::NoEvents;

    /// Payloads of many pages and of less than one, raw and gzip'd, and a document: each reads
    /// back exactly as written after its write-back was started, and the counters add up.
    #[test]
    fn files_read_back_whole_with_and_without_early_writeback() {
        let dir = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let small = &big[..4095];
        let raw = FileWriter::new(dir.path(), None, &NoEvents);
        raw.payload("big.bin", &big).unwrap();
        raw.payload("small.bin", small).unwrap();
        raw.document("doc.json", "{\"a\": 1}").unwrap();
        assert_eq!(std::fs::read(dir.path().join("big.bin")).unwrap(), big);
        assert_eq!(std::fs::read(dir.path().join("small.bin")).unwrap(), small);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("doc.json")).unwrap(),
            "{\"a\": 1}"
        );
        assert_eq!(raw.files.load(Ordering::Relaxed), 3);
        let gz = FileWriter::new(dir.path(), Some(6), &NoEvents);
        gz.payload("big.bin.gz", &big).unwrap();
        let member = std::fs::read(dir.path().join("big.bin.gz")).unwrap();
        assert_eq!(
            cellucid_format::gzip::decode_member(&member, big.len()).unwrap(),
            big
        );
        assert_eq!(gz.stored_bytes.load(Ordering::Relaxed), member.len() as u64);
    }
}
