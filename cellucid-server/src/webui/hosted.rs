//! The hosted viewer build (server.md §7): `--web-source-url` publishes an inventory,
//! `cellucid-web-assets.json`, and the files it lists. The server downloads them into
//! `--web-cache-dir`, verifies each one by length and SHA-256, checks that `index.html` names
//! the build, writes the control file `.cellucid-web-source.json` last and publishes the
//! directory with one atomic rename. A later start that finds the same source and the same
//! inventory already verified in the cache downloads only the inventory.
//!
//! Cache layout: `<cache>/builds/<key>/` where `key` is derived from the source URL and the
//! inventory bytes (so a new build never overwrites the one a running server is reading);
//! downloads go to `<cache>/.staging-<pid>-<nanos>/` first. Every server serving a build holds
//! a shared lock on `<cache>/builds/<key>.in-use` for as long as it runs; a later download
//! removes the superseded builds of its source only when it can lock theirs exclusively, so a
//! build another server is serving is left in place. A cached build that no longer verifies
//! is downloaded again and swapped in under the same key (its content is fixed by the key, so
//! a server still serving it reads the repaired files).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::http::{HeaderValue, Uri};
use sha2::{Digest, Sha256};

/// The inventory file, at the source and in a cached build.
pub(crate) const INVENTORY: &str = "cellucid-web-assets.json";
/// The control file written last into a verified cached build.
pub(crate) const CONTROL: &str = ".cellucid-web-source.json";
/// The reference's default source.
pub const DEFAULT_SOURCE_URL: &str = "https://www.cellucid.com";

/// Largest inventory accepted.
const MAX_INVENTORY_BYTES: u64 = 16 << 20;
/// Largest single asset accepted.
const MAX_ASSET_BYTES: u64 = 256 << 20;
/// Largest whole build accepted.
const MAX_BUILD_BYTES: u64 = 1 << 30;
/// Most assets an inventory may list.
const MAX_ASSETS: usize = 50_000;
/// The `<meta>` tag `index.html` must carry once, with the inventory's `build_id`.
const BUILD_META_NAME: &str = "name=\"cellucid-web-build-id\"";

/// Why the hosted viewer build could not be established. Every message names the URL, file or
/// directory at fault and the way out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebSourceError {
    /// `--web-source-url` is not an origin the server may download from.
    #[error("--web-source-url '{url}' cannot be used: {reason}. Give https://host[:port][/prefix] (plain http only for localhost, 127.0.0.1 or [::1]).")]
    SourceUrl {
        /// The URL as given.
        url: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A download failed (network, timeout, size limit).
    #[error("Could not download {url}: {reason}. Check the network connection and --web-source-url, or start without the hosted viewer: --no-web-ui (data only) or --web-ui DIR (a viewer build on disk).")]
    Fetch {
        /// The URL requested.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The source answered with a status other than 200.
    #[error("{url} answered HTTP {status}, so the hosted viewer build cannot be downloaded. Check --web-source-url, or start with --no-web-ui or --web-ui DIR.")]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The inventory is not a valid version-1 web build inventory.
    #[error("The web build inventory {url} is invalid: {reason}. The source does not publish a Cellucid web build this server can use; check --web-source-url.")]
    Inventory {
        /// The inventory URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A downloaded asset does not match the inventory.
    #[error("Web asset '{path}' downloaded from {url} does not match the inventory: {reason}. The source is publishing an inconsistent build; try again later, or start with --no-web-ui or --web-ui DIR.")]
    Asset {
        /// The asset URL.
        url: String,
        /// The asset path in the inventory.
        path: String,
        /// What differs.
        reason: String,
    },
    /// The cache directory cannot be written.
    #[error("Could not write the web cache at {}: {source}. Choose a writable directory with --web-cache-dir.", path.display())]
    Cache {
        /// The file or directory.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
}

/// One asset of a verified build.
#[derive(Debug, Clone)]
pub(crate) struct HostedAsset {
    /// The cached file.
    pub(crate) file: PathBuf,
    /// Its length, from the inventory.
    pub(crate) bytes: u64,
    /// Its SHA-256, from the inventory.
    pub(crate) sha256: [u8; 32],
    /// Its `Content-Type`, from the inventory.
    pub(crate) content_type: HeaderValue,
}

/// A verified hosted build in the cache.
#[derive(Debug)]
pub(crate) struct HostedBuild {
    /// The build directory.
    pub(crate) dir: PathBuf,
    /// The inventory's `build_id`.
    pub(crate) build_id: String,
    /// Whether this start reused a cached copy (nothing but the inventory was downloaded).
    pub(crate) reused: bool,
    /// Assets keyed by request path (with the leading `/`).
    pub(crate) assets: HashMap<String, HostedAsset>,
    /// The shared lock on the build's `.in-use` file, held while this build is served.
    _in_use: std::fs::File,
}

/// One inventory entry.
#[derive(Debug, Clone)]
struct Entry {
    path: String,
    sha256: [u8; 32],
    bytes: u64,
    content_type: HeaderValue,
}

/// A parsed inventory.
#[derive(Debug)]
struct Inventory {
    build_id: String,
    entries: Vec<Entry>,
}

/// A checked `--web-source-url`: scheme, authority and optional path prefix, no trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceUrl(String);

impl SourceUrl {
    /// Checks the URL (https, or http to a loopback host; no credentials, query or fragment).
    pub(crate) fn parse(url: &str) -> Result<Self, WebSourceError> {
        let refuse = |reason| WebSourceError::SourceUrl {
            url: url.to_string(),
            reason,
        };
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(refuse("it contains whitespace or control characters"));
        }
        if url.contains('?') || url.contains('#') {
            return Err(refuse("it has a query or fragment"));
        }
        let uri: Uri = url.parse().map_err(|_| refuse("it is not a URL"))?;
        let authority = uri.authority().ok_or_else(|| refuse("it has no host"))?;
        if authority.as_str().contains('@') {
            return Err(refuse("it carries credentials"));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if host.is_empty() {
            return Err(refuse("it has no host"));
        }
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") => {
                let loopback = host.eq_ignore_ascii_case("localhost")
                    || host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if !loopback {
                    return Err(refuse("plain http is only allowed for a loopback host"));
                }
            }
            _ => {
                return Err(refuse(
                    "the scheme must be https (or http for a loopback host)",
                ))
            }
        }
        let scheme = uri.scheme_str().unwrap_or("https");
        let prefix = uri.path().trim_end_matches('/');
        Ok(Self(format!("{scheme}://{authority}{prefix}")))
    }

    /// The URL of a file at the source.
    fn join(&self, rel: &str) -> String {
        format!("{}/{rel}", self.0)
    }

    /// The URL as text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Downloads with a bounded size and time.
struct Fetcher {
    agent: ureq::Agent,
}

impl Fetcher {
    fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_per_call(Some(Duration::from_secs(120)))
            .user_agent(concat!("cellucid-rs/", env!("CARGO_PKG_VERSION")))
            .build();
        Self {
            agent: config.into(),
        }
    }

    /// GET `url`: the body (at most `limit` bytes) and the `Content-Type`.
    fn get(&self, url: &str, limit: u64) -> Result<(Vec<u8>, Option<String>), WebSourceError> {
        let fail = |reason: String| WebSourceError::Fetch {
            url: url.to_string(),
            reason,
        };
        let mut response = self
            .agent
            .get(url)
            .call()
            .map_err(|e| fail(e.to_string()))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(WebSourceError::Status {
                url: url.to_string(),
                status,
            });
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => {
                    fail(format!("the body is larger than the {limit}-byte limit"))
                }
                other => fail(other.to_string()),
            })?;
        Ok((body, content_type))
    }
}

/// Downloads (or reuses) the hosted build of `source_url` in `cache_dir`. Blocking.
pub(crate) fn establish(source_url: &str, cache_dir: &Path) -> Result<HostedBuild, WebSourceError> {
    let source = SourceUrl::parse(source_url)?;
    let fetcher = Fetcher::new();
    let inventory_url = source.join(INVENTORY);
    let (inventory_bytes, content_type) = fetcher.get(&inventory_url, MAX_INVENTORY_BYTES)?;
    let inventory_error = |reason: String| WebSourceError::Inventory {
        url: inventory_url.clone(),
        reason,
    };
    let normalized_type = content_type
        .as_deref()
        .map(|t| t.to_ascii_lowercase().replace(' ', ""));
    if normalized_type.as_deref() != Some("application/json;charset=utf-8") {
        return Err(inventory_error(format!(
            "it is served as {:?}, not application/json; charset=utf-8",
            content_type.unwrap_or_default()
        )));
    }
    let inventory = parse_inventory(&inventory_bytes).map_err(inventory_error)?;

    let cache_io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WebSourceError::Cache { path, source }
    };
    let builds = cache_dir.join("builds");
    std::fs::create_dir_all(&builds).map_err(cache_io(&builds))?;
    let key = build_key(&source, &inventory_bytes);
    let target = builds.join(&key);
    let in_use = in_use_path(&builds, &key);
    let lock = open_in_use(&in_use).map_err(cache_io(&in_use))?;
    lock.lock_shared().map_err(cache_io(&in_use))?;
    let stale = target.is_dir();
    if stale {
        if verify_cached(&target, &source, &inventory, &inventory_bytes) {
            tracing::info!(build = %inventory.build_id, dir = %target.display(), "reusing the cached web build");
            return Ok(hosted(target, inventory, true, lock));
        }
        tracing::warn!(dir = %target.display(), "the cached web build no longer verifies; downloading it again");
    }

    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let staging = cache_dir.join(format!(".staging-{}-{nanos}", std::process::id()));
    let result = download_into(&staging, &fetcher, &source, &inventory, &inventory_bytes);
    if let Err(error) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    if stale {
        // Swap the verified download in: the stale tree is renamed aside first (a server still
        // serving this key reads the new files from the same paths once it is in place).
        let aside = target.with_extension(format!("stale-{}-{nanos}", std::process::id()));
        if let Err(error) = std::fs::rename(&target, &aside) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(cache_io(&target)(error));
        }
        if let Err(error) = std::fs::remove_dir_all(&aside) {
            tracing::debug!(%error, dir = %aside.display(), "could not remove a stale web build");
        }
    }
    match std::fs::rename(&staging, &target) {
        Ok(()) => {}
        Err(error) => {
            let _ = std::fs::remove_dir_all(&staging);
            // Another server may have published the same build meanwhile.
            if !(target.is_dir() && verify_cached(&target, &source, &inventory, &inventory_bytes)) {
                return Err(cache_io(&target)(error));
            }
        }
    }
    remove_superseded(&builds, &key, &source);
    tracing::info!(build = %inventory.build_id, assets = inventory.entries.len(), dir = %target.display(), "downloaded the web build");
    Ok(hosted(target, inventory, false, lock))
}

/// The lock file that marks build `key` as served (see the module docs).
fn in_use_path(builds: &Path, key: &str) -> PathBuf {
    builds.join(format!("{key}.in-use"))
}

fn open_in_use(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

fn hosted(dir: PathBuf, inventory: Inventory, reused: bool, in_use: std::fs::File) -> HostedBuild {
    let assets = inventory
        .entries
        .into_iter()
        .map(|e| {
            (
                format!("/{}", e.path),
                HostedAsset {
                    file: dir.join(&e.path),
                    bytes: e.bytes,
                    sha256: e.sha256,
                    content_type: e.content_type,
                },
            )
        })
        .collect();
    HostedBuild {
        dir,
        build_id: inventory.build_id,
        reused,
        assets,
        _in_use: in_use,
    }
}

/// A cache directory name for this source and inventory.
fn build_key(source: &SourceUrl, inventory: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(source.as_str().as_bytes());
    h.update([0]);
    h.update(inventory);
    hex(&h.finalize())[..24].to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The control file: which source and build a cached directory holds.
fn control_json(source: &SourceUrl, inventory: &Inventory, inventory_bytes: &[u8]) -> Vec<u8> {
    let value = serde_json::json!({
        "version": 1,
        "source_url": source.as_str(),
        "build_id": inventory.build_id,
        "inventory_sha256": hex(&sha256(inventory_bytes)),
    });
    serde_json::to_vec_pretty(&value).unwrap_or_default()
}

/// Whether `dir` holds this exact build, every file intact.
fn verify_cached(
    dir: &Path,
    source: &SourceUrl,
    inventory: &Inventory,
    inventory_bytes: &[u8],
) -> bool {
    let control_ok = std::fs::read(dir.join(CONTROL))
        .is_ok_and(|c| c == control_json(source, inventory, inventory_bytes));
    control_ok
        && inventory.entries.iter().all(|e| {
            std::fs::read(dir.join(&e.path))
                .is_ok_and(|b| b.len() as u64 == e.bytes && sha256(&b) == e.sha256)
        })
}

fn download_into(
    staging: &Path,
    fetcher: &Fetcher,
    source: &SourceUrl,
    inventory: &Inventory,
    inventory_bytes: &[u8],
) -> Result<(), WebSourceError> {
    let write = |path: &Path, bytes: &[u8]| -> Result<(), WebSourceError> {
        let io = |source| WebSourceError::Cache {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut file = std::fs::File::create(path).map_err(io)?;
        file.write_all(bytes).map_err(io)?;
        file.sync_all().map_err(io)
    };
    std::fs::create_dir_all(staging).map_err(|source| WebSourceError::Cache {
        path: staging.to_path_buf(),
        source,
    })?;
    for entry in &inventory.entries {
        let url = source.join(&entry.path);
        let (body, _) = fetcher.get(&url, entry.bytes.saturating_add(1))?;
        let mismatch = |reason: String| WebSourceError::Asset {
            url: url.clone(),
            path: entry.path.clone(),
            reason,
        };
        if body.len() as u64 != entry.bytes {
            return Err(mismatch(format!(
                "{} bytes received, the inventory says {}",
                body.len(),
                entry.bytes
            )));
        }
        if sha256(&body) != entry.sha256 {
            return Err(mismatch(format!(
                "SHA-256 {} differs from the inventory's {}",
                hex(&sha256(&body)),
                hex(&entry.sha256)
            )));
        }
        if entry.path == "index.html" {
            check_build_meta(&body, &inventory.build_id).map_err(mismatch)?;
        }
        write(&staging.join(&entry.path), &body)?;
    }
    write(&staging.join(INVENTORY), inventory_bytes)?;
    write(
        &staging.join(CONTROL),
        &control_json(source, inventory, inventory_bytes),
    )
}

/// `index.html` must carry exactly one `<meta name="cellucid-web-build-id" content="<id>">`.
fn check_build_meta(index_html: &[u8], build_id: &str) -> Result<(), String> {
    let text = String::from_utf8_lossy(index_html);
    let count = text.matches(BUILD_META_NAME).count();
    let tag = format!("<meta {BUILD_META_NAME} content=\"{build_id}\">");
    if count != 1 || !text.contains(&tag) {
        return Err(format!(
            "index.html must carry exactly one {tag} (found {count} cellucid-web-build-id tags)"
        ));
    }
    Ok(())
}

/// Removes the other builds of the same source (a newer build replaced them) that no running
/// server holds (their `.in-use` lock is free). Best effort.
fn remove_superseded(builds: &Path, keep: &str, source: &SourceUrl) {
    let Ok(entries) = std::fs::read_dir(builds) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == keep || !entry.path().is_dir() {
            continue;
        }
        let same_source = std::fs::read(entry.path().join(CONTROL))
            .ok()
            .and_then(|c| serde_json::from_slice::<serde_json::Value>(&c).ok())
            .is_some_and(|c| c["source_url"] == source.as_str());
        if !same_source {
            continue;
        }
        let in_use = in_use_path(builds, &name);
        let Ok(lock) = open_in_use(&in_use) else {
            continue;
        };
        if lock.try_lock().is_err() {
            tracing::debug!(dir = %entry.path().display(), "a superseded web build is still served by another server; kept");
            continue;
        }
        // The lock file stays (a server starting this key now would lock a new one otherwise).
        if let Err(error) = remove_dir(&entry.path()) {
            tracing::debug!(%error, dir = %entry.path().display(), "could not remove a superseded web build");
        }
    }
}

/// Removes a directory tree, first renaming it aside so a half-removed tree is never taken
/// for a build.
fn remove_dir(dir: &Path) -> std::io::Result<()> {
    let aside = dir.with_extension(format!("removing-{}", std::process::id()));
    std::fs::rename(dir, &aside)?;
    std::fs::remove_dir_all(&aside)
}

/// Parses and checks a version-1 inventory.
fn parse_inventory(bytes: &[u8]) -> Result<Inventory, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("it is not JSON ({e})"))?;
    let object = value.as_object().ok_or("it is not a JSON object")?;
    if object.get("version").and_then(serde_json::Value::as_u64) != Some(1) {
        return Err("\"version\" must be 1".into());
    }
    let build_id = object
        .get("build_id")
        .and_then(serde_json::Value::as_str)
        .filter(|s| {
            !s.is_empty() && s.len() <= 200 && !s.chars().any(|c| c.is_control() || c == '"')
        })
        .ok_or("\"build_id\" must be a non-empty string without quotes or control characters")?
        .to_string();
    let assets = object
        .get("assets")
        .and_then(serde_json::Value::as_array)
        .ok_or("\"assets\" must be a list")?;
    if assets.len() > MAX_ASSETS {
        return Err(format!(
            "it lists {} assets; at most {MAX_ASSETS} are accepted",
            assets.len()
        ));
    }
    let mut entries = Vec::with_capacity(assets.len());
    let mut seen = HashSet::new();
    let mut total: u64 = 0;
    for (i, asset) in assets.iter().enumerate() {
        let field = |name: &str| asset.get(name);
        let path = field("path")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| format!("assets[{i}].path must be a string"))?;
        let path = path.strip_prefix('/').unwrap_or(path);
        if let Some(reason) = asset_path_problem(path) {
            return Err(format!("assets[{i}].path {path:?} {reason}"));
        }
        if !seen.insert(path.to_string()) {
            return Err(format!("assets[{i}].path {path:?} is listed twice"));
        }
        let sha = field("sha256")
            .and_then(serde_json::Value::as_str)
            .and_then(parse_sha256)
            .ok_or_else(|| format!("assets[{i}].sha256 must be 64 lower-case hex digits"))?;
        let bytes = field("bytes")
            .and_then(serde_json::Value::as_u64)
            .filter(|&b| b <= MAX_ASSET_BYTES)
            .ok_or_else(|| {
                format!("assets[{i}].bytes must be an integer from 0 to {MAX_ASSET_BYTES}")
            })?;
        total = total.saturating_add(bytes);
        let content_type = field("content_type")
            .and_then(serde_json::Value::as_str)
            .filter(|t| !t.is_empty())
            .and_then(|t| HeaderValue::from_str(t).ok())
            .ok_or_else(|| format!("assets[{i}].content_type must be a non-empty header value"))?;
        entries.push(Entry {
            path: path.to_string(),
            sha256: sha,
            bytes,
            content_type,
        });
    }
    if total > MAX_BUILD_BYTES {
        return Err(format!(
            "the assets total {total} bytes; at most {MAX_BUILD_BYTES} are accepted"
        ));
    }
    if !seen.contains("index.html") {
        return Err("it does not list index.html".into());
    }
    check_path_collisions(&entries)?;
    Ok(Inventory { build_id, entries })
}

/// Refuses asset paths that cannot all be files of one cache directory: two that differ only
/// in letter case (one file on a case-insensitive file system), or a path inside another
/// listed file (`a` and `a/b`).
fn check_path_collisions(entries: &[Entry]) -> Result<(), String> {
    let mut files: HashMap<String, &str> = HashMap::with_capacity(entries.len());
    for e in entries {
        if let Some(other) = files.insert(e.path.to_lowercase(), &e.path) {
            return Err(format!(
                "assets {other:?} and {:?} differ only in letter case; one cache directory \
                 cannot hold both",
                e.path
            ));
        }
    }
    for e in entries {
        let lower = e.path.to_lowercase();
        for (at, _) in lower.match_indices('/') {
            if let Some(file) = files.get(&lower[..at]) {
                return Err(format!(
                    "asset {:?} lies inside {file:?}, which is also listed as a file",
                    e.path
                ));
            }
        }
    }
    Ok(())
}

fn parse_sha256(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Why an inventory path cannot be a file of the cached build (or `None` when it can).
fn asset_path_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("is empty");
    }
    if path
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '\\' | '?' | '#' | '%'))
    {
        return Some("contains whitespace, a control character, '\\', '?', '#' or '%'");
    }
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Some("has an empty, '.' or '..' segment");
    }
    if path == INVENTORY || path.split('/').next() == Some(CONTROL) {
        return Some("names a file the cache reserves");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_urls() {
        for (url, expected) in [
            ("https://www.cellucid.com", "https://www.cellucid.com"),
            ("https://www.cellucid.com/", "https://www.cellucid.com"),
            ("https://example.org/viewer/", "https://example.org/viewer"),
            ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
            ("http://localhost:9/x", "http://localhost:9/x"),
            ("http://[::1]:8000", "http://[::1]:8000"),
        ] {
            assert_eq!(
                SourceUrl::parse(url).map(|s| s.as_str().to_string()).ok(),
                Some(expected.to_string()),
                "{url}"
            );
        }
        for bad in [
            "http://example.org",
            "ftp://127.0.0.1",
            "https://user:pw@example.org",
            "https://example.org/?x=1",
            "https://example.org/#f",
            "www.cellucid.com",
            "https://exa mple.org",
        ] {
            assert!(SourceUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn inventory_rules() {
        let sha = "a".repeat(64);
        let good = format!(
            r#"{{"version": 1, "build_id": "b1", "assets": [{{"path": "index.html", "sha256": "{sha}", "bytes": 3, "content_type": "text/html; charset=utf-8"}}, {{"path": "/assets/app.js", "sha256": "{sha}", "bytes": 0, "content_type": "text/javascript"}}]}}"#
        );
        let inv = parse_inventory(good.as_bytes()).expect("valid inventory");
        assert_eq!(inv.build_id, "b1");
        assert_eq!(inv.entries[1].path, "assets/app.js");
        for (bad, why) in [
            (good.replace("\"version\": 1", "\"version\": 2"), "version"),
            (good.replace("index.html", "index.htm"), "index.html"),
            (good.replace("/assets/app.js", "assets/../x"), "'..'"),
            (good.replace("/assets/app.js", "index.html"), "twice"),
            (good.replace(&sha, "ABC"), "sha256"),
            (good.replace("\"bytes\": 0", "\"bytes\": -1"), "bytes"),
            (good.replace("/assets/app.js", INVENTORY), "reserves"),
            (good.replace("\"b1\"", "\"\""), "build_id"),
            (good.replace("/assets/app.js", "Index.HTML"), "letter case"),
            (
                good.replace("/assets/app.js", "index.html/app.js"),
                "inside",
            ),
        ] {
            let error = parse_inventory(bad.as_bytes()).expect_err(why);
            assert!(error.contains(why), "{error} should mention {why}");
        }
    }

    #[test]
    fn build_meta_must_appear_once() {
        let ok = br#"<html><head><meta name="cellucid-web-build-id" content="b1"></head></html>"#;
        assert!(check_build_meta(ok, "b1").is_ok());
        assert!(check_build_meta(ok, "b2").is_err());
        let twice = [ok.as_slice(), ok.as_slice()].concat();
        assert!(check_build_meta(&twice, "b1").is_err());
        assert!(check_build_meta(b"<html></html>", "b1").is_err());
    }
}
