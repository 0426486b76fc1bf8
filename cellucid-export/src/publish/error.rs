//! Errors of publication (format.md §20).

use std::path::PathBuf;

/// Why an export folder could not be published (or an earlier transaction recovered).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The output path is one the exporter refuses to replace.
    #[error("refusing to export to '{path}': {reason}; choose a dedicated sub-directory such as './exports/<dataset>'")]
    DangerousTarget {
        /// The path as given.
        path: PathBuf,
        /// Why it is refused.
        reason: String,
    },
    /// The target exists and is not a directory, or is a symlink.
    #[error("'{path}' {reason}; remove it or choose another output directory")]
    BadTarget {
        /// The target.
        path: PathBuf,
        /// What it is.
        reason: &'static str,
    },
    /// The target holds files and `force` is off.
    #[error("Refusing to replace non-empty export directory '{path}'; pass force (--force) to replace it as a whole")]
    TargetNotEmpty {
        /// The target.
        path: PathBuf,
    },
    /// Another export (this crate's, or the reference writer's) holds the lock.
    #[error("An export generation is already active for '{path}': lock file '{lock}' is held by {held_by}; wait for that export to finish (or stop it), then run again")]
    Busy {
        /// The target.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// Who holds it, as far as the platform tells: "another export in this process",
        /// "process 1234" (a POSIX `lockf`/`fcntl` holder) or "another export (the platform
        /// reports no process id)" (an OFD or `flock` holder).
        held_by: String,
    },
    /// The platform or file system cannot take a lock that other exporters would see.
    #[error("cannot take an exclusive lock on '{path}' with {mechanism}: {source}; {fix}")]
    LockUnsupported {
        /// The lock file.
        path: PathBuf,
        /// The locking call that failed (e.g. "fcntl(F_OFD_SETLK)").
        mechanism: &'static str,
        /// What to do about it.
        fix: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The lock file is not a regular single-link file, or changed while locking.
    #[error("lock file '{path}' is unsafe: {reason}; remove it if no export is running")]
    UnsafeLock {
        /// The lock file.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// The transaction journal is malformed or was changed by someone else.
    #[error("transaction journal '{path}' is {reason}; inspect the directory and remove the journal by hand once the target is as you want it")]
    BadJournal {
        /// The journal.
        path: PathBuf,
        /// What is wrong (e.g. "not canonical").
        reason: String,
    },
    /// The on-disk state of an interrupted transaction is ambiguous.
    #[error("interrupted export transaction for '{target}' cannot be recovered without guessing whether to commit or roll back ({state}); inspect '{target}' and its '.cellucid-stage-'/'.cellucid-backup-' siblings, keep the right one and delete the journal")]
    Unrecoverable {
        /// The target.
        target: PathBuf,
        /// The state found.
        state: String,
    },
    /// The staged folder does not hold exactly the declared files.
    #[error("staged export does not match its manifests: {detail}")]
    Reconcile {
        /// What differs.
        detail: String,
    },
    /// A file-system operation failed.
    #[error("{action} '{path}': {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl PublishError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}
