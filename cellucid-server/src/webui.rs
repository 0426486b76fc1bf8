//! `--web-ui DIR`: a local viewer build served at `/` (server.md §7, "serve a local viewer
//! directory with an extension→MIME table"). The file list is fixed at startup; nothing
//! outside it is ever served and directories are never listed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::ServerError;

/// Most files a web UI directory may hold (a viewer build has a few dozen).
const MAX_FILES: usize = 10_000;

/// The files of a local viewer build, keyed by request path (with leading `/`).
#[derive(Debug)]
pub struct WebUi {
    files: HashMap<String, (PathBuf, &'static str)>,
}

impl WebUi {
    /// Lists `dir` (regular files only, symlinks skipped); it must contain `index.html`.
    ///
    /// # Errors
    /// [`ServerError::InvalidWebUi`] when the directory is unreadable, lacks `index.html` or
    /// holds more than 10 000 files.
    pub fn open(dir: &Path) -> Result<Self, ServerError> {
        let refuse = |reason: String| ServerError::InvalidWebUi {
            path: dir.to_path_buf(),
            reason,
        };
        let mut files = HashMap::new();
        let mut stack = vec![(dir.to_path_buf(), String::new())];
        while let Some((current, prefix)) = stack.pop() {
            let entries = std::fs::read_dir(&current)
                .map_err(|e| refuse(format!("cannot list {}: {e}", current.display())))?;
            for entry in entries.flatten() {
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name().to_string_lossy().into_owned();
                let rel = format!("{prefix}/{name}");
                if kind.is_dir() {
                    stack.push((entry.path(), rel));
                } else if kind.is_file() {
                    if files.len() >= MAX_FILES {
                        return Err(refuse(format!("it holds more than {MAX_FILES} files")));
                    }
                    files.insert(rel, (entry.path(), content_type(&name)));
                }
            }
        }
        if !files.contains_key("/index.html") {
            return Err(refuse("it has no index.html".into()));
        }
        Ok(Self { files })
    }

    /// The file for a request path (`/` means `/index.html`).
    pub(crate) fn lookup(&self, path: &str) -> Option<&(PathBuf, &'static str)> {
        let key = if path == "/" { "/index.html" } else { path };
        self.files.get(key)
    }
}

/// Paths that belong to the web build namespace (404 when not in it, §7).
pub(crate) fn is_asset_namespace(path: &str) -> bool {
    path == "/cellucid-web-assets.json" || path == "/assets" || path.starts_with("/assets/")
}

fn content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "wasm" => "application/wasm",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}
