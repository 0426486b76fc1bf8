//! The per-target exclusive lock `.{name}.cellucid.lock` (format.md §20 step 3).
//!
//! The reference writer takes a non-blocking POSIX `lockf` over the whole file. Our lock must
//! conflict with it in both directions, so on Linux it is an open-file-description record lock
//! (`lock/ofd.rs`); `flock(2)`, which `std::fs::File::try_lock` uses, is invisible to `lockf` there.
//! Other platforms use the standard library's lock (`lock/portable.rs`), which does conflict with the
//! reference's lock on those systems. A process-local registry refuses re-entry from another
//! thread before the OS is asked, as the reference's does.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::error::PublishError;

// The OS primitive: `lock/ofd.rs` on Linux, `lock/portable.rs` elsewhere (and on 32-bit MIPS,
// whose `libc::flock` has private padding fields).
#[cfg_attr(
    all(
        target_os = "linux",
        not(any(target_arch = "mips", target_arch = "mips32r6"))
    ),
    path = "lock/ofd.rs"
)]
#[cfg_attr(
    not(all(
        target_os = "linux",
        not(any(target_arch = "mips", target_arch = "mips32r6"))
    )),
    path = "lock/portable.rs"
)]
mod os;

/// The outcome of one non-blocking lock attempt.
#[derive(Debug, PartialEq, Eq)]
enum Attempt {
    /// The lock is ours.
    Locked,
    /// Someone else holds it; `holder` is their process id when the platform reports one.
    Busy { holder: Option<u32> },
}

/// Why the OS would not even try.
#[derive(Debug)]
enum LockFailure {
    /// The locking call is not available for this file (old kernel, file system without locks).
    Unsupported {
        fix: &'static str,
        source: std::io::Error,
    },
    /// Any other OS error.
    Io(std::io::Error),
}

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
        os::unlock(&self.file);
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
/// [`PublishError::Busy`] when another export (in this process, or any process holding a
/// `lockf`/`fcntl` or OFD lock on the file) holds it, [`PublishError::UnsafeLock`] for a
/// symlink, a non-regular or multi-link file, [`PublishError::LockUnsupported`] when the
/// platform or file system cannot take the lock, [`PublishError::Io`] otherwise.
pub(crate) fn acquire(lock_path: &Path, target: &Path) -> Result<LockGuard, PublishError> {
    let busy = |held_by: String| PublishError::Busy {
        path: target.to_path_buf(),
        lock: lock_path.to_path_buf(),
        held_by,
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
            return Err(busy("another export in this process".into()));
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
        match os::try_lock_exclusive(&file) {
            Ok(Attempt::Locked) => {}
            Ok(Attempt::Busy { holder }) => {
                return Err(busy(match holder {
                    Some(pid) => format!("process {pid}"),
                    None => "another export (the platform reports no process id)".into(),
                }))
            }
            Err(LockFailure::Unsupported { fix, source }) => {
                return Err(PublishError::LockUnsupported {
                    path: lock_path.to_path_buf(),
                    mechanism: os::MECHANISM,
                    fix,
                    source,
                })
            }
            Err(LockFailure::Io(e)) => return Err(PublishError::io("locking", lock_path)(e)),
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
mod tests;
