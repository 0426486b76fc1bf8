//! Resolving the output directory and refusing dangerous ones (format.md §20).

use std::path::{Component, Path, PathBuf};

use super::error::PublishError;

/// A resolved output directory and the sibling paths of its transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Absolute path of the export folder (`parent/name`).
    pub path: PathBuf,
    /// Its parent directory (where the lock, journal, stage and backup live).
    pub parent: PathBuf,
    /// Its last component.
    pub name: String,
}

impl Target {
    /// `.{name}.cellucid.lock`.
    pub fn lock_path(&self) -> PathBuf {
        self.parent.join(format!(".{}.cellucid.lock", self.name))
    }

    /// `.{name}.cellucid-transaction.json`.
    pub fn journal_path(&self) -> PathBuf {
        self.parent
            .join(format!(".{}.cellucid-transaction.json", self.name))
    }

    /// `.{name}.cellucid-transaction.json.tmp`.
    pub fn journal_tmp_path(&self) -> PathBuf {
        self.parent
            .join(format!(".{}.cellucid-transaction.json.tmp", self.name))
    }

    /// `.{name}.cellucid-stage-{tid}`.
    pub fn stage_path(&self, tid: &str) -> PathBuf {
        self.parent
            .join(format!(".{}.cellucid-stage-{tid}", self.name))
    }

    /// `.{name}.cellucid-backup-{tid}`.
    pub fn backup_path(&self, tid: &str) -> PathBuf {
        self.parent
            .join(format!(".{}.cellucid-backup-{tid}", self.name))
    }

    /// Resolves `out_dir`: expands a leading `~`, makes it absolute, and refuses the filesystem
    /// root, the current directory, the home directory and its parent (also through symlinks), an
    /// empty, `.` or `..` last component, and a name that is not valid UTF-8. Touches nothing.
    ///
    /// # Errors
    /// [`PublishError::DangerousTarget`].
    pub fn resolve(out_dir: &Path) -> Result<Self, PublishError> {
        let refuse = |reason: &str| PublishError::DangerousTarget {
            path: out_dir.to_path_buf(),
            reason: reason.into(),
        };
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        let expanded = match out_dir.strip_prefix("~") {
            Ok(rest) => home
                .clone()
                .ok_or_else(|| refuse("'~' cannot be expanded: HOME is not set"))?
                .join(rest),
            Err(_) => out_dir.to_path_buf(),
        };
        let last = out_dir.as_os_str().to_string_lossy();
        let trimmed = last.trim_end_matches(['/', std::path::MAIN_SEPARATOR]);
        let last = trimmed
            .rsplit(['/', std::path::MAIN_SEPARATOR])
            .next()
            .unwrap_or("");
        if last.is_empty() || last == "." || last == ".." {
            return Err(refuse(
                "the last path component must name a directory (not empty, '.' or '..')",
            ));
        }
        let cwd = std::env::current_dir()
            .map_err(PublishError::io("reading the current directory", "."))?;
        let absolute = lexical_normalise(&cwd.join(expanded));
        let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) else {
            return Err(refuse("it is the filesystem root"));
        };
        let name = name
            .to_str()
            .ok_or_else(|| refuse("the directory name is not valid UTF-8"))?
            .to_string();
        let parent = parent.to_path_buf();
        let real = resolve_existing_prefix(&parent).join(&name);
        let mut forbidden = vec![
            ("the filesystem root", PathBuf::from("/")),
            ("the current directory", canon(&cwd)),
        ];
        if let Some(home) = home {
            let home = canon(&home);
            if let Some(up) = home.parent() {
                forbidden.push(("the home directory's parent", up.to_path_buf()));
            }
            forbidden.push(("the home directory", home));
        }
        for (what, path) in &forbidden {
            if &absolute == path || &real == path || canon(&absolute) == *path {
                return Err(refuse(&format!("it is {what}")));
            }
        }
        Ok(Self {
            path: parent.join(&name),
            parent,
            name,
        })
    }
}

fn canon(p: &Path) -> PathBuf {
    resolve_existing_prefix(p)
}

/// Removes `.` and resolves `..` lexically.
fn lexical_normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `realpath` of the longest existing ancestor, with the remaining components appended.
fn resolve_existing_prefix(p: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut cur = p.to_path_buf();
    loop {
        if let Ok(real) = std::fs::canonicalize(&cur) {
            let mut out = real;
            for c in rest.iter().rev() {
                out.push(c);
            }
            return out;
        }
        match (cur.file_name().map(|n| n.to_os_string()), cur.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                cur = parent.to_path_buf();
            }
            _ => return p.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_root_home_cwd_and_dot_names() {
        for bad in ["/", ".", "..", "foo/..", "foo/.", ""] {
            assert!(Target::resolve(Path::new(bad)).is_err(), "{bad:?}");
        }
        let cwd = std::env::current_dir().expect("cwd");
        assert!(Target::resolve(&cwd).is_err());
        if let Some(home) = std::env::var_os("HOME") {
            assert!(Target::resolve(Path::new(&home)).is_err());
            assert!(Target::resolve(Path::new("~")).is_err());
            let t = Target::resolve(Path::new("~/exports/x")).expect("fine");
            assert_eq!(t.name, "x");
        }
    }

    #[test]
    fn names_the_siblings() {
        let dir = tempfile::tempdir().expect("tmp");
        let t = Target::resolve(&dir.path().join("a/b/ds")).expect("fine");
        assert_eq!(t.name, "ds");
        assert_eq!(t.parent, dir.path().join("a/b"));
        assert_eq!(
            t.lock_path().file_name().and_then(|n| n.to_str()),
            Some(".ds.cellucid.lock")
        );
        assert_eq!(
            t.stage_path("ab").file_name().and_then(|n| n.to_str()),
            Some(".ds.cellucid-stage-ab")
        );
    }
}
