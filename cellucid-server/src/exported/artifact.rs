//! One servable export file and the unchanged-file check of server.md §3.5 step 2.

use std::fs::{File, Metadata};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::transport::range::ByteRange;

/// File identity recorded at startup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) size: u64,
    pub(crate) mtime_ns: i128,
    pub(crate) dev: u64,
    pub(crate) ino: u64,
}

impl Stamp {
    pub(crate) fn of(meta: &Metadata) -> Self {
        Self {
            size: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }

    /// A strong validator derived from the stamp.
    pub(crate) fn etag(&self) -> String {
        format!("\"{:x}-{:x}-{:x}\"", self.size, self.mtime_ns, self.ino)
    }
}

/// A declared export file.
#[derive(Debug, Clone)]
pub(crate) struct Artifact {
    /// Absolute path on disk.
    pub(crate) path: PathBuf,
    /// Identity at startup.
    pub(crate) stamp: Stamp,
    /// `application/json` for `.json`, else `application/octet-stream`.
    pub(crate) content_type: &'static str,
}

/// Why a read failed.
#[derive(Debug)]
pub(crate) enum ReadFailure {
    /// The file is not the one validated at startup (409).
    Changed,
    /// Any other I/O failure (500, logged).
    Io(std::io::Error),
}

impl Artifact {
    /// Reads `range` (or the whole file) after checking the file is unchanged, before and after
    /// opening it without following links. Blocking: call from `spawn_blocking`.
    pub(crate) fn read(&self, range: Option<ByteRange>) -> Result<Bytes, ReadFailure> {
        self.check_unchanged()?;
        let mut file = File::options()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&self.path)
            .map_err(|_| ReadFailure::Changed)?;
        let meta = file.metadata().map_err(ReadFailure::Io)?;
        if !meta.is_file() || Stamp::of(&meta) != self.stamp {
            return Err(ReadFailure::Changed);
        }
        let (start, len) = match range {
            Some(r) => (r.start, r.end - r.start + 1),
            None => (0, self.stamp.size),
        };
        let len_usize = usize::try_from(len).map_err(|_| {
            ReadFailure::Io(std::io::Error::other("file too large for this platform"))
        })?;
        file.seek(SeekFrom::Start(start)).map_err(ReadFailure::Io)?;
        let mut buf = vec![0u8; len_usize];
        file.read_exact(&mut buf)
            .map_err(|_| ReadFailure::Changed)?;
        self.check_unchanged()?;
        Ok(Bytes::from(buf))
    }

    /// The lstat-side check: still a regular, non-symlink file with the recorded stamp.
    pub(crate) fn check_unchanged(&self) -> Result<(), ReadFailure> {
        match std::fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.file_type().is_file() && Stamp::of(&meta) == self.stamp => Ok(()),
            _ => Err(ReadFailure::Changed),
        }
    }
}

/// Stats `rel` inside `dataset_dir` without following any symlink component; returns the
/// regular file's metadata or a reason.
pub(crate) fn stat_declared(dataset_dir: &Path, rel: &str) -> Result<(PathBuf, Metadata), String> {
    let mut current = dataset_dir.to_path_buf();
    let segments: Vec<&str> = rel.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        current.push(segment);
        let meta = std::fs::symlink_metadata(&current)
            .map_err(|_| format!("declared file {rel} does not exist"))?;
        if meta.file_type().is_symlink() {
            return Err(format!(
                "declared file {rel} goes through a symbolic link ({segment})"
            ));
        }
        if i + 1 == segments.len() {
            if !meta.is_file() {
                return Err(format!("declared file {rel} is not a regular file"));
            }
            return Ok((current, meta));
        }
        if !meta.is_dir() {
            return Err(format!("declared file {rel}: {segment} is not a directory"));
        }
    }
    Err(format!("declared path {rel} is empty"))
}
