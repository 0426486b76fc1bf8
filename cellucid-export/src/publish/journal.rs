//! The transaction journal `.{name}.cellucid-transaction.json` (format.md §20).

use std::io::Write;
use std::path::Path;

use super::error::PublishError;
use super::fsutil::sync_dir;

/// Maximum journal size accepted by the reader.
const MAX_JOURNAL_BYTES: u64 = 512;
const PREFIX: &str = r#"{"format":"cellucid-export-transaction","version":1,"transaction_id":""#;

/// A parsed journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journal {
    /// 32 lowercase hex digits.
    pub transaction_id: String,
    /// Whether the target existed as a directory when the transaction began.
    pub had_target: bool,
}

impl Journal {
    /// The exact canonical bytes (ASCII, no spaces, one trailing newline).
    pub fn to_bytes(&self) -> Vec<u8> {
        format!(
            "{PREFIX}{}\",\"had_target\":{}}}\n",
            self.transaction_id, self.had_target
        )
        .into_bytes()
    }

    /// Parses canonical journal bytes; anything else (other keys, duplicate keys, spacing, a bad
    /// id) is "not canonical".
    ///
    /// # Errors
    /// [`PublishError::BadJournal`].
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Self, PublishError> {
        let bad = || PublishError::BadJournal {
            path: path.to_path_buf(),
            reason: "not canonical".into(),
        };
        let text = std::str::from_utf8(bytes).map_err(|_| bad())?;
        let rest = text.strip_prefix(PREFIX).ok_or_else(bad)?;
        let (tid, rest) = rest.split_at_checked(32).ok_or_else(bad)?;
        if !tid
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(bad());
        }
        let had_target = match rest {
            "\",\"had_target\":true}\n" => true,
            "\",\"had_target\":false}\n" => false,
            _ => return Err(bad()),
        };
        Ok(Self {
            transaction_id: tid.to_string(),
            had_target,
        })
    }

    /// Reads and parses the journal at `path`: `Ok(None)` when absent. It must be a regular,
    /// single-link file of at most 512 bytes.
    ///
    /// # Errors
    /// [`PublishError::BadJournal`] or [`PublishError::Io`].
    pub fn read(path: &Path) -> Result<Option<Self>, PublishError> {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(PublishError::io("inspecting the journal", path)(e)),
        };
        let bad = |reason: &str| PublishError::BadJournal {
            path: path.to_path_buf(),
            reason: reason.into(),
        };
        if !meta.is_file() {
            return Err(bad("not a regular file"));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if meta.nlink() != 1 {
                return Err(bad("hard-linked"));
            }
        }
        if meta.len() > MAX_JOURNAL_BYTES {
            return Err(bad("larger than 512 bytes"));
        }
        let bytes = std::fs::read(path).map_err(PublishError::io("reading the journal", path))?;
        Self::parse(&bytes, path).map(Some)
    }

    /// Writes the journal atomically: `tmp` created with O_EXCL and mode 0600, written, fsynced,
    /// renamed to `path`, then the parent directory fsynced.
    ///
    /// # Errors
    /// [`PublishError::Io`].
    pub fn write_atomically(
        &self,
        path: &Path,
        tmp: &Path,
        parent: &Path,
    ) -> Result<(), PublishError> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(tmp)
            .map_err(PublishError::io("creating the journal", tmp))?;
        file.write_all(&self.to_bytes())
            .map_err(PublishError::io("writing the journal", tmp))?;
        file.sync_all()
            .map_err(PublishError::io("syncing the journal", tmp))?;
        drop(file);
        std::fs::rename(tmp, path)
            .map_err(PublishError::io("renaming the journal into place", path))?;
        sync_dir(parent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_bytes_round_trip_and_variants_are_refused() {
        let j = Journal {
            transaction_id: "0123456789abcdef0123456789abcdef".into(),
            had_target: true,
        };
        let bytes = j.to_bytes();
        assert_eq!(
            bytes,
            b"{\"format\":\"cellucid-export-transaction\",\"version\":1,\"transaction_id\":\"0123456789abcdef0123456789abcdef\",\"had_target\":true}\n"
        );
        let p = Path::new("j");
        assert_eq!(Journal::parse(&bytes, p).expect("canonical"), j);
        let text = String::from_utf8(bytes).expect("ascii");
        for bad in [
            text.replace("true}\n", "true}"),
            text.replace("\"version\":1", "\"version\": 1"),
            text.replace("0123456789abcdef0123", "0123456789ABCDEF0123"),
            text.replace("true}", "true,\"had_target\":true}"),
            text.replace("abcdef\"", "abcde\""),
        ] {
            assert!(Journal::parse(bad.as_bytes(), p).is_err(), "{bad}");
        }
    }
}
