//! Small durable file-system helpers.

use std::path::Path;

use super::error::PublishError;

/// fsyncs a directory (no-op off Unix).
///
/// # Errors
/// [`PublishError::Io`].
pub(crate) fn sync_dir(dir: &Path) -> Result<(), PublishError> {
    #[cfg(unix)]
    {
        let f =
            std::fs::File::open(dir).map_err(PublishError::io("opening directory to sync", dir))?;
        f.sync_all()
            .map_err(PublishError::io("syncing directory", dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Asks the file system to spread `dir`'s subdirectories over the disk (ext4's "top of a
/// directory hierarchy" flag, `chattr +T`, used by its Orlov allocator) instead of placing them
/// next to `dir`. Best effort: nothing happens where the flag is not supported.
///
/// **Why.** On ext4 without a journal, creating a file skips every inode of the block group
/// freed in the last minute (`recently_deleted`), checking them one by one, for every file. An
/// export made shortly after thousands of files were deleted nearby — the previous export
/// replaced by `--force`, or the last run of a benchmark — spent 0.7–1 s of system time (a third
/// of its CPU) creating its 2,000 gene files in the crowded group, while the other thread spun
/// on the directory lock. With the flag on the staging directory, `var/` and `obs/` land in a
/// roomy block group: 0.35–0.5 s, provided they are created under random names
/// ([`create_dir_in_random_group`] says why). The flag stays on the published folder, where it
/// only affects where new subdirectories would go.
pub(crate) fn spread_subdirectories(dir: &Path) {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{ioctl_getflags, ioctl_setflags, IFlags};
        if let Ok(f) = std::fs::File::open(dir) {
            if let Ok(flags) = ioctl_getflags(&f) {
                let _ = ioctl_setflags(&f, flags | IFlags::TOPDIR);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
}

/// Creates the directory `path` (an error if anything is there already), on Linux by creating it
/// under a random name beside it and renaming it into place, so that ext4 places it in a
/// random roomy block group rather than where every directory of that name went before.
///
/// **Why.** For a subdirectory of a directory flagged by [`spread_subdirectories`], ext4's
/// Orlov allocator starts its search at a block group given by a hash of the *name* and keeps
/// the first of the emptiest groups it meets. A directory always named `var` therefore lands in
/// the same region export after export, where the files of deleted exports left inodes freed in
/// the last minutes; on ext4 without a journal every new file skips those one by one (see
/// [`spread_subdirectories`]). Measured on make_synth 100k × 2k right after 16 exports were
/// deleted, five exports each, alternating: with the fixed name `var/` went to the block
/// groups next to each other (992–996) and the export took 0.63–0.80 s of system time (wall
/// 1.22–1.47 s); under random names it went to groups 123, 1408, 486, 1524 and 1866 and took
/// 0.36–0.42 s (wall 1.11–1.29 s), what a quiet file system costs. A rename moves no inode,
/// so the files created afterwards inside follow the directory's group.
///
/// # Errors
/// Those of creating a directory (`AlreadyExists` when `path` exists), or of removing the
/// temporary directory after a failed rename.
pub(crate) fn create_dir_in_random_group(path: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    if let (Some(parent), Some(name)) = (path.parent(), path.file_name()) {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        let tmp = parent.join(format!(".{}.{}", name.to_string_lossy(), random_hex32()));
        std::fs::create_dir(&tmp)?;
        // No replacing: an empty directory at `path` would otherwise be replaced silently.
        let renamed = renameat_with(CWD, &tmp, CWD, path, RenameFlags::NOREPLACE);
        return settle_rename(renamed, &tmp, path);
    }
    std::fs::create_dir(path)
}

/// The outcome of renaming the temporary directory `tmp` to `path`. When something is already
/// at `path`, that is the error (and `tmp` is removed). On any other failure — a file system
/// that cannot rename without replacing (`EINVAL`; `ENOSYS` before Linux 3.15), a sandbox that
/// refuses `renameat2` (`EPERM`) — `tmp` is removed and `path` created in place, as without
/// the random name, so that a real problem (permissions, space) is reported by that
/// `create_dir` as before. Failing to remove `tmp` is an error there: it would end up in the
/// export.
#[cfg(target_os = "linux")]
fn settle_rename(renamed: rustix::io::Result<()>, tmp: &Path, path: &Path) -> std::io::Result<()> {
    use rustix::io::Errno;
    let Err(e) = renamed else {
        return Ok(());
    };
    let removed = std::fs::remove_dir(tmp);
    if e == Errno::EXIST {
        return Err(e.into());
    }
    removed?;
    std::fs::create_dir(path)
}

/// What is at a path, without following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// Nothing.
    Absent,
    /// A real directory.
    Dir,
    /// Anything else (file, symlink, …).
    Other,
}

/// Classifies `path` without following symlinks.
///
/// # Errors
/// [`PublishError::Io`] for an error other than "not found".
pub(crate) fn entry(path: &Path) -> Result<Entry, PublishError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_dir() => Ok(Entry::Dir),
        Ok(_) => Ok(Entry::Other),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Entry::Absent),
        Err(e) => Err(PublishError::io("inspecting", path)(e)),
    }
}

/// 32 random lowercase hex digits (128 bits from the OS-seeded std hasher).
pub(crate) fn random_hex32() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::with_capacity(32);
    for salt in 0..2_u64 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(salt);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The flag is set wherever the file system takes it, and the directory stays usable
    /// everywhere (tmpfs and overlayfs refuse the ioctl).
    #[cfg(target_os = "linux")]
    #[test]
    fn subdirectories_are_spread_where_the_file_system_allows() {
        use rustix::fs::{ioctl_getflags, ioctl_setflags, IFlags};
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("stage");
        std::fs::create_dir(&dir).unwrap();
        spread_subdirectories(&dir);
        let f = std::fs::File::open(&dir).unwrap();
        match ioctl_getflags(&f) {
            Ok(flags) if flags.contains(IFlags::TOPDIR) => {}
            Ok(flags) => {
                assert!(
                    ioctl_setflags(&f, flags | IFlags::TOPDIR).is_err(),
                    "the flag was settable but not set"
                );
                eprintln!("note: the file system of {} refuses the top-directory flag; only usability is checked", dir.display());
            }
            Err(e) => eprintln!(
                "note: {} has no inode flags ({e}); only usability is checked",
                dir.display()
            ),
        }
        std::fs::create_dir(dir.join("var")).unwrap();
        std::fs::write(dir.join("var/0.bin"), b"x").unwrap();
        assert_eq!(std::fs::read(dir.join("var/0.bin")).unwrap(), b"x");
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_directory_made_in_a_random_group_is_in_place_and_leaves_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let var = tmp.path().join("var");
        create_dir_in_random_group(&var).unwrap();
        assert!(var.is_dir());
        std::fs::write(var.join("0.bin"), b"x").unwrap();
        assert_eq!(names(tmp.path()), ["var"]);
        // Something already there is an error, and no temporary directory stays behind:
        // a directory (empty or not) and a file alike.
        let empty = tmp.path().join("obs");
        std::fs::create_dir(&empty).unwrap();
        std::fs::write(tmp.path().join("vectors"), b"").unwrap();
        for taken in ["var", "obs", "vectors"] {
            let err = create_dir_in_random_group(&tmp.path().join(taken)).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists, "{taken}");
        }
        assert_eq!(names(tmp.path()), ["obs", "var", "vectors"]);
        assert_eq!(names(&var), ["0.bin"]);
        // Where the rename fails for another reason than a taken name, the directory is made
        // in place; a taken name is the error. The temporary directory goes either way.
        #[cfg(target_os = "linux")]
        {
            use rustix::io::Errno;
            for (errno, made) in [
                (Errno::INVAL, true),
                (Errno::NOSYS, true),
                (Errno::PERM, true),
                (Errno::EXIST, false),
            ] {
                let tmp_dir = tmp.path().join(".vectors2.tmp");
                let target = tmp.path().join("vectors2");
                std::fs::create_dir(&tmp_dir).unwrap();
                let result = settle_rename(Err(errno), &tmp_dir, &target);
                assert_eq!(result.is_ok(), made, "{errno:?}");
                assert_eq!(target.is_dir(), made, "{errno:?}");
                assert!(!tmp_dir.exists(), "{errno:?}");
                let _ = std::fs::remove_dir(&target);
            }
            assert_eq!(names(tmp.path()), ["obs", "var", "vectors"]);
        }
        // A missing parent is the usual error.
        let err = create_dir_in_random_group(&tmp.path().join("no/var")).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}
