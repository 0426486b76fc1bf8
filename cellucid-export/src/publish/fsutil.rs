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
