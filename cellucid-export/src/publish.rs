//! Atomic publication of an export folder (format.md §20): lock, recovery, journal, staging
//! directory, atomic renames with fsync of the parent, and rollback on any failure.
//!
//! ```no_run
//! # fn main() -> Result<(), cellucid_export::publish::PublishError> {
//! use cellucid_export::publish::Transaction;
//! let tx = Transaction::begin(std::path::Path::new("exports/pbmc"), false)?;
//! std::fs::write(tx.stage().join("dataset_identity.json"), b"{}").map_err(|e| {
//!     cellucid_export::publish::PublishError::Io { action: "writing", path: tx.stage().into(), source: e }
//! })?;
//! tx.commit()?;
//! # Ok(()) }
//! ```

mod error;
mod fsutil;
mod journal;
mod lock;
mod recover;
mod target;

use std::path::{Path, PathBuf};

pub use error::PublishError;

pub use journal::Journal;
pub use lock::LockGuard;
pub use recover::{recover, Recovery};
pub use target::Target;

pub(crate) use fsutil::create_dir_in_random_group;
pub(crate) use fsutil::sync_dir;
use fsutil::{entry, random_hex32, Entry};

/// An export generation being built in a staging directory beside its target.
///
/// Dropping it without [`Transaction::commit`] rolls back (the stage is deleted, the previous
/// target is untouched). A process killed at any point leaves a state that the next
/// [`Transaction::begin`] (or [`recover`]) resolves.
#[derive(Debug)]
pub struct Transaction {
    target: Target,
    journal: Journal,
    stage: PathBuf,
    finished: bool,
    _lock: LockGuard,
}

impl Transaction {
    /// Steps 2–6 of format.md §20: resolves and checks `out_dir`, creates its parents, takes the
    /// lock, recovers an interrupted earlier transaction, checks the target (a non-empty
    /// directory needs `force`), writes the journal and creates the stage.
    ///
    /// # Errors
    /// Any [`PublishError`]; nothing is left behind but the lock file and created parents.
    pub fn begin(out_dir: &Path, force: bool) -> Result<Self, PublishError> {
        let target = Target::resolve(out_dir)?;
        std::fs::create_dir_all(&target.parent).map_err(PublishError::io(
            "creating the parent directory",
            &target.parent,
        ))?;
        let lock = lock::acquire(&target.lock_path(), &target.path)?;
        recover(&target)?;
        let had_target = match entry(&target.path)? {
            Entry::Absent => false,
            Entry::Dir => {
                let mut it = std::fs::read_dir(&target.path)
                    .map_err(PublishError::io("listing", &target.path))?;
                if it.next().is_some() && !force {
                    return Err(PublishError::TargetNotEmpty {
                        path: target.path.clone(),
                    });
                }
                true
            }
            Entry::Other => {
                let is_link = std::fs::symlink_metadata(&target.path)
                    .is_ok_and(|m| m.file_type().is_symlink());
                return Err(PublishError::BadTarget {
                    path: target.path.clone(),
                    reason: if is_link {
                        "is a symbolic link"
                    } else {
                        "exists and is not a directory"
                    },
                });
            }
        };
        let mut tid = random_hex32();
        for _ in 0..128 {
            if entry(&target.stage_path(&tid))? == Entry::Absent
                && entry(&target.backup_path(&tid))? == Entry::Absent
            {
                break;
            }
            tid = random_hex32();
        }
        let journal = Journal {
            transaction_id: tid,
            had_target,
        };
        journal.write_atomically(
            &target.journal_path(),
            &target.journal_tmp_path(),
            &target.parent,
        )?;
        let stage = target.stage_path(&journal.transaction_id);
        let mut tx = Self {
            target,
            journal,
            stage,
            finished: false,
            _lock: lock,
        };
        if let Err(e) = std::fs::create_dir(&tx.stage)
            .map_err(PublishError::io(
                "creating the staging directory",
                &tx.stage,
            ))
            .and_then(|()| {
                fsutil::spread_subdirectories(&tx.stage);
                sync_dir(&tx.target.parent)
            })
        {
            tx.finished = true;
            let _ = recover(&tx.target);
            return Err(e);
        }
        Ok(tx)
    }

    /// The staging directory to build the export in.
    pub fn stage(&self) -> &Path {
        &self.stage
    }

    /// The resolved target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Step 8: re-checks the journal, moves the old target to the backup, renames the stage to
    /// the target, removes the backup and the journal, fsyncing the parent after each step. On
    /// failure the transaction is rolled back.
    ///
    /// # Errors
    /// [`PublishError`]; the previous target is then restored.
    pub fn commit(mut self) -> Result<PathBuf, PublishError> {
        self.finished = true;
        let result = self.commit_steps();
        if result.is_err() {
            let _ = recover(&self.target);
        }
        result.map(|()| self.target.path.clone())
    }

    fn commit_steps(&self) -> Result<(), PublishError> {
        let t = &self.target;
        let journal_path = t.journal_path();
        self.check_journal(&journal_path)?;
        if self.journal.had_target {
            let backup = t.backup_path(&self.journal.transaction_id);
            std::fs::rename(&t.path, &backup).map_err(PublishError::io(
                "moving the previous export aside",
                &t.path,
            ))?;
            sync_dir(&t.parent)?;
        }
        std::fs::rename(&self.stage, &t.path).map_err(PublishError::io(
            "publishing the staged export",
            &self.stage,
        ))?;
        sync_dir(&t.parent)?;
        if self.journal.had_target {
            let backup = t.backup_path(&self.journal.transaction_id);
            std::fs::remove_dir_all(&backup)
                .map_err(PublishError::io("removing the previous export", &backup))?;
            sync_dir(&t.parent)?;
        }
        self.check_journal(&journal_path)?;
        std::fs::remove_file(&journal_path)
            .map_err(PublishError::io("removing the journal", &journal_path))?;
        sync_dir(&t.parent)
    }

    fn check_journal(&self, path: &Path) -> Result<(), PublishError> {
        if Journal::read(path)?.as_ref() != Some(&self.journal) {
            return Err(PublishError::BadJournal {
                path: path.to_path_buf(),
                reason: "changed by another process".into(),
            });
        }
        Ok(())
    }

    /// Rolls back explicitly (the same as dropping, but reports a recovery failure).
    ///
    /// # Errors
    /// [`PublishError`] when recovery fails.
    pub fn rollback(mut self) -> Result<(), PublishError> {
        self.finished = true;
        recover(&self.target).map(|_| ())
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if !self.finished {
            let _ = recover(&self.target);
        }
    }
}

#[cfg(test)]
mod tests;
