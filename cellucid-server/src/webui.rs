//! The viewer served at `/` (server.md §7): either a local build (`--web-ui DIR`, "serve a
//! local viewer directory with an extension→MIME table") or the hosted build downloaded from
//! `--web-source-url` into a verified cache (module `hosted`). The file list is fixed at startup;
//! nothing outside it is ever served and directories are never listed.

mod hosted;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::http::HeaderValue;

use crate::error::ServerError;

pub use hosted::{WebSourceError, DEFAULT_SOURCE_URL as DEFAULT_WEB_SOURCE_URL};

/// Most files a web UI directory may hold (a viewer build has a few dozen).
const MAX_FILES: usize = 10_000;

/// A viewer build served at `/`: a local directory, or a verified hosted build.
#[derive(Debug)]
pub struct WebUi {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// Files of a local directory, keyed by request path (with leading `/`).
    Local(HashMap<String, (PathBuf, &'static str)>),
    /// A hosted build in the cache.
    Hosted(hosted::HostedBuild),
}

/// One file of the web UI, as a request finds it.
#[derive(Debug, Clone)]
pub(crate) struct WebAsset {
    /// The file on disk.
    pub(crate) file: PathBuf,
    /// Its `Content-Type`.
    pub(crate) content_type: HeaderValue,
    /// For a hosted asset: the length and SHA-256 it must still have (re-verified per hit).
    pub(crate) expected: Option<(u64, [u8; 32])>,
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
        Ok(Self {
            kind: Kind::Local(files),
        })
    }

    /// Establishes the hosted viewer build of `source_url` (`--web-source-url`, e.g.
    /// [`DEFAULT_WEB_SOURCE_URL`]) in `cache_dir` (`--web-cache-dir`): downloads the inventory
    /// `cellucid-web-assets.json` and, unless the cache already holds this build verified,
    /// every asset, each checked by length and SHA-256, then publishes the build atomically.
    /// Blocking (network and disk); call it before starting the runtime or on a blocking
    /// thread.
    ///
    /// # Errors
    /// [`WebSourceError`] naming the URL, asset or directory at fault: a source URL that is
    /// not https (or http to a loopback host), a failed download or non-200 answer, an invalid
    /// inventory, an asset that does not match it, an `index.html` without the build's
    /// `cellucid-web-build-id` meta tag, or an unwritable cache.
    pub fn download(source_url: &str, cache_dir: &Path) -> Result<Self, WebSourceError> {
        Ok(Self {
            kind: Kind::Hosted(hosted::establish(source_url, cache_dir)?),
        })
    }

    /// The default `--web-cache-dir`: `<system temp>/cellucid-web-cache`.
    pub fn default_cache_dir() -> PathBuf {
        std::env::temp_dir().join("cellucid-web-cache")
    }

    /// A one-line description for the startup banner.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Local(files) => format!("local viewer build ({} files)", files.len()),
            Kind::Hosted(build) => format!(
                "hosted viewer build {} ({} files, {} in {})",
                build.build_id,
                build.assets.len(),
                if build.reused {
                    "reused from the cache"
                } else {
                    "downloaded"
                },
                build.dir.display()
            ),
        }
    }

    /// Whether a hosted build was reused from the cache without downloading its assets
    /// (`false` for a local build).
    pub fn reused_cache(&self) -> bool {
        matches!(&self.kind, Kind::Hosted(build) if build.reused)
    }

    /// The file for a request path (`/` means `/index.html`).
    pub(crate) fn lookup(&self, path: &str) -> Option<WebAsset> {
        let key = if path == "/" { "/index.html" } else { path };
        match &self.kind {
            Kind::Local(files) => files.get(key).map(|(file, content_type)| WebAsset {
                file: file.clone(),
                content_type: HeaderValue::from_static(content_type),
                expected: None,
            }),
            Kind::Hosted(build) => build.assets.get(key).map(|asset| WebAsset {
                file: asset.file.clone(),
                content_type: asset.content_type.clone(),
                expected: Some((asset.bytes, asset.sha256)),
            }),
        }
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
