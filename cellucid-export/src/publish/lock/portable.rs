//! Other platforms: the standard library's exclusive file lock.
//!
//! On macOS and the BSDs it is `flock(2)`, which there shares one lock table with `fcntl`/`lockf`
//! record locks, so the reference writer's `lockf` sees it; on Windows it is `LockFileEx` over
//! the whole file, which overlaps the reference's one-byte lock at offset 0.

use std::fs::{File, TryLockError};

use super::{Attempt, LockFailure};

/// The call named in errors.
pub(super) const MECHANISM: &str = "File::try_lock";

/// Tries to take the exclusive lock without waiting.
pub(super) fn try_lock_exclusive(file: &File) -> Result<Attempt, LockFailure> {
    match file.try_lock() {
        Ok(()) => Ok(Attempt::Locked),
        Err(TryLockError::WouldBlock) => Ok(Attempt::Busy { holder: None }),
        Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
            Err(LockFailure::Unsupported {
                fix: "this platform or file system has no exclusive file locks; export to a \
                      local file system",
                source: e,
            })
        }
        Err(TryLockError::Error(e)) => Err(LockFailure::Io(e)),
    }
}

/// Releases the lock (closing the file would release it too).
pub(super) fn unlock(file: &File) {
    let _ = file.unlock();
}
