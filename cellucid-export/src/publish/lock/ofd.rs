//! Linux: an open-file-description record lock (`F_OFD_SETLK`) over the whole lock file.
//!
//! It conflicts with the POSIX `lockf`/`fcntl(F_SETLK)` locks the reference writer takes in
//! other processes (the kernel checks both kinds against each other), and — unlike a classic
//! record lock, which belongs to the process — with a second open of the same file in this
//! process. It is released when the last descriptor of the open file is closed, so a killed
//! exporter never leaves it behind. (`flock(2)` would not do: on Linux it never sees `lockf`.)

use std::fs::File;

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg};

use super::{Attempt, LockFailure};

/// The call named in errors.
pub(super) const MECHANISM: &str = "fcntl(F_OFD_SETLK)";

/// What to do when the call is refused.
const FIX: &str = "the export lock needs open-file-description locks (Linux 3.15 or later) on a \
    file system with POSIX record locks; export to a local file system (ext4, xfs, btrfs, tmpfs) \
    or mount the network file system with locking enabled";

/// A lock request covering the whole file, however it grows (`l_len` 0 from offset 0), as
/// `lockf` at offset 0 does. `l_pid` must be 0 for OFD requests.
fn whole_file(l_type: libc::c_int) -> libc::flock {
    libc::flock {
        l_type: l_type as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: 0,
        l_len: 0,
        l_pid: 0,
    }
}

/// Tries to take the exclusive lock without waiting.
pub(super) fn try_lock_exclusive(file: &File) -> Result<Attempt, LockFailure> {
    match fcntl(file, FcntlArg::F_OFD_SETLK(&whole_file(libc::F_WRLCK))) {
        Ok(_) => Ok(Attempt::Locked),
        Err(Errno::EAGAIN | Errno::EACCES) => Ok(Attempt::Busy {
            holder: holder(file),
        }),
        Err(e @ (Errno::EINVAL | Errno::ENOLCK | Errno::EOPNOTSUPP | Errno::ENOSYS)) => {
            Err(LockFailure::Unsupported {
                fix: FIX,
                source: e.into(),
            })
        }
        Err(e) => Err(LockFailure::Io(e.into())),
    }
}

/// The process holding a conflicting lock, when it is a classic POSIX record lock (an OFD
/// holder reports no process).
fn holder(file: &File) -> Option<u32> {
    let mut probe = whole_file(libc::F_WRLCK);
    fcntl(file, FcntlArg::F_OFD_GETLK(&mut probe)).ok()?;
    if i32::from(probe.l_type) == libc::F_UNLCK {
        return None;
    }
    u32::try_from(probe.l_pid).ok().filter(|&pid| pid > 0)
}

/// Releases the lock (closing the file would release it too).
pub(super) fn unlock(file: &File) {
    let _ = fcntl(file, FcntlArg::F_OFD_SETLK(&whole_file(libc::F_UNLCK)));
}
