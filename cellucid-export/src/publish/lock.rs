//! The per-target exclusive lock `.{name}.cellucid.lock` (format.md §20 step 3).

use std::collections::HashSet;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::error::PublishError;

/// Lock files held by this process (a second export of the same target from another thread is
/// refused even where advisory locks are per-process).
static HELD: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// A held, non-blocking exclusive advisory lock. Released on drop; the file is never deleted.
#[derive(Debug)]
pub struct LockGuard {
    file: File,
    path: PathBuf,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
        let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(set) = held.as_mut() {
            set.remove(&self.path);
        }
    }
}

fn open_lock_file(path: &Path) -> std::io::Result<File> {
    let mut create = OpenOptions::new();
    create.read(true).write(true).create_new(true);
    let mut open = OpenOptions::new();
    open.read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        create.mode(0o600);
        open.custom_flags(libc::O_NOFOLLOW);
    }
    match create.open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => open.open(path),
        other => other,
    }
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino() && a.nlink() == b.nlink() && a.mode() == b.mode()
}

#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.is_file() == b.is_file() && a.len() == b.len()
}

#[cfg(unix)]
fn link_count(m: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    m.nlink()
}

#[cfg(not(unix))]
fn link_count(_: &std::fs::Metadata) -> u64 {
    1
}

/// Creates (O_EXCL, mode 0600) or opens the lock file, checks it is a regular single-link
/// non-symlink file, takes a non-blocking exclusive lock and re-checks its identity.
///
/// # Errors
/// [`PublishError::Busy`] when another export holds it, [`PublishError::UnsafeLock`] for a
/// symlink, a non-regular or multi-link file, [`PublishError::Io`] otherwise.
pub(crate) fn acquire(lock_path: &Path, target: &Path) -> Result<LockGuard, PublishError> {
    let busy = || PublishError::Busy {
        path: target.to_path_buf(),
        lock: lock_path.to_path_buf(),
    };
    let unsafe_lock = |reason| PublishError::UnsafeLock {
        path: lock_path.to_path_buf(),
        reason,
    };
    {
        let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
        if !held
            .get_or_insert_with(HashSet::new)
            .insert(lock_path.to_path_buf())
        {
            return Err(busy());
        }
    }
    let release = || {
        let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(set) = held.as_mut() {
            set.remove(lock_path);
        }
    };
    let result = (|| {
        if let Ok(m) = std::fs::symlink_metadata(lock_path) {
            if m.file_type().is_symlink() {
                return Err(unsafe_lock("it is a symbolic link"));
            }
        }
        let file = open_lock_file(lock_path)
            .map_err(PublishError::io("opening the lock file", lock_path))?;
        let before = file
            .metadata()
            .map_err(PublishError::io("inspecting the lock file", lock_path))?;
        if !before.is_file() {
            return Err(unsafe_lock("it is not a regular file"));
        }
        if link_count(&before) != 1 {
            return Err(unsafe_lock("it has more than one hard link"));
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(busy()),
            Err(TryLockError::Error(e)) => return Err(PublishError::io("locking", lock_path)(e)),
        }
        let on_disk = std::fs::symlink_metadata(lock_path)
            .map_err(PublishError::io("re-inspecting the lock file", lock_path))?;
        let after = file
            .metadata()
            .map_err(PublishError::io("re-inspecting the lock file", lock_path))?;
        if !same_file(&before, &after) || !same_file(&after, &on_disk) {
            return Err(unsafe_lock("it was replaced while being locked"));
        }
        Ok(LockGuard {
            file,
            path: lock_path.to_path_buf(),
        })
    })();
    if result.is_err() {
        release();
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_acquire_is_busy_until_release() {
        let dir = tempfile::tempdir().expect("tmp");
        let lock = dir.path().join(".x.cellucid.lock");
        let target = dir.path().join("x");
        let guard = acquire(&lock, &target).expect("first");
        assert!(matches!(
            acquire(&lock, &target),
            Err(PublishError::Busy { .. })
        ));
        drop(guard);
        let _again = acquire(&lock, &target).expect("released");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&lock)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_or_linked_lock_files_are_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let real = dir.path().join("real");
        std::fs::write(&real, b"").expect("write");
        let link = dir.path().join(".a.cellucid.lock");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        assert!(matches!(
            acquire(&link, dir.path()),
            Err(PublishError::UnsafeLock { .. })
        ));
        let hard = dir.path().join(".b.cellucid.lock");
        std::fs::hard_link(&real, &hard).expect("link");
        assert!(matches!(
            acquire(&hard, dir.path()),
            Err(PublishError::UnsafeLock { .. })
        ));
    }
}
