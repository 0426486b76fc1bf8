//! Making the staged folder durable once, just before it is published.
//!
//! **Why once and not per file.** Files are written into the private stage
//! (`.{name}.cellucid-stage-{tid}`, format.md §20) without an fsync each; before the atomic
//! rename, [`sync_stage`] makes the whole stage durable in one step, and then the directories
//! are fsynced as before. An export writes thousands of files (one per gene); an fsync each
//! costs a journal commit each, on the critical path of the gene pipeline.
//!
//! **The durability argument.**
//! * Nothing in the stage is visible to a reader until the stage is renamed to the target
//!   (§20 step 8), and the journal written before the stage was created (step 6) makes
//!   recovery delete a stage that was never renamed. So a crash at any moment *before* the
//!   rename only ever costs the stage, never the previous export.
//! * A process kill (SIGKILL, the crash test in `tests/crash.rs`) loses no written data at
//!   all: file contents live in the kernel's page cache, which outlives the process. Only a
//!   power loss or kernel crash can drop unsynced data.
//! * For those, the rename must not become durable before the files it publishes. Publication
//!   therefore waits for [`sync_stage`], which returns only after every file and directory of
//!   the stage is on stable storage: on Linux `syncfs(2)` on the stage's filesystem (it writes
//!   back and waits for all dirty data and metadata of that filesystem — a superset of the
//!   stage — and reports write-back errors since Linux 5.8); elsewhere, or when `syncfs` is
//!   unavailable, an `fsync` of every written file. The renames of step 8 are each followed by
//!   an fsync of the parent, as before. Hence after a power loss the target is either the
//!   previous export (rename not yet durable; recovery rolls back) or the complete new one.
//! * The reference writer fsyncs each `.gz` before renaming it into its own private stage
//!   (§19); that per-file order is invisible to readers, who only ever see whole stages.
//!
//! The cost: `syncfs` also writes back other processes' dirty data on the same filesystem.
//! Each file's write-back is started as soon as it is written (`files::start_writeback`), so
//! the final sync mostly waits for pages already on their way (6–12 ms instead of ~0.1 s at
//! make_synth 100k × 2k).

use std::path::Path;

use super::FileWriter;
use crate::error::ExportError;

/// Makes every file written through `files` under `stage` durable (see the module docs).
///
/// # Errors
/// [`ExportError::Io`] naming the stage (or the file) that could not be synced.
pub(crate) fn sync_stage(stage: &Path, files: &FileWriter<'_>) -> Result<(), ExportError> {
    #[cfg(target_os = "linux")]
    {
        let dir = std::fs::File::open(stage).map_err(|source| ExportError::Io {
            path: stage.to_path_buf(),
            source,
        })?;
        match nix::unistd::syncfs(&dir) {
            Ok(()) => return Ok(()),
            // Not implemented or not allowed here (a sandbox, an unusual file system): sync
            // file by file below.
            Err(
                nix::errno::Errno::ENOSYS
                | nix::errno::Errno::EPERM
                | nix::errno::Errno::EOPNOTSUPP,
            ) => {}
            Err(e) => {
                return Err(ExportError::Io {
                    path: stage.to_path_buf(),
                    source: e.into(),
                })
            }
        }
    }
    sync_each_file(stage, files)
}

/// fsyncs every file written through `files`, several at once on the rayon pool (the file
/// system can then commit them together).
fn sync_each_file(stage: &Path, files: &FileWriter<'_>) -> Result<(), ExportError> {
    use rayon::prelude::*;
    // A panic elsewhere cannot have left the list half-written (each entry is pushed whole):
    // sync what it holds rather than nothing.
    let written: Vec<String> = files
        .written
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    written.par_iter().try_for_each(|rel| {
        let path = stage.join(rel);
        std::fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(|source| ExportError::Io { path, source })
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::events::NoEvents;

    #[test]
    fn syncs_every_written_file_and_refuses_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileWriter::new(dir.path(), Some(6), &NoEvents);
        files.document("a.json", "{}").unwrap();
        files.payload("b.bin.gz", &[7u8; 1000]).unwrap();
        sync_stage(dir.path(), &files).unwrap();
        sync_each_file(dir.path(), &files).unwrap();
        std::fs::remove_file(dir.path().join("a.json")).unwrap();
        let err = sync_each_file(dir.path(), &files).unwrap_err();
        assert!(
            matches!(&err, ExportError::Io { path, .. } if path.ends_with("a.json")),
            "{err:?}"
        );
    }
}
