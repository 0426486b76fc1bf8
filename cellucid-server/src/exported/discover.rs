//! Dataset discovery at startup (server.md §3.1): single export or a folder of exports,
//! completeness, published default state.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::ServerError;
use crate::names::{display_text_problem, is_portable_component};

/// One dataset directory found under the served root.
pub(crate) struct FoundDataset {
    /// Absolute directory.
    pub(crate) dir: PathBuf,
    /// Public path prefix: `/` or `/<dirname>/`.
    pub(crate) public_path: String,
}

fn invalid(message: String) -> ServerError {
    ServerError::InvalidExport { message }
}

/// Whether `dir` directly holds a dataset marker file.
pub(crate) fn has_marker(dir: &Path) -> bool {
    if dir.join("dataset_identity.json").symlink_metadata().is_ok()
        || dir.join("obs_manifest.json").symlink_metadata().is_ok()
    {
        return true;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries
        .flatten()
        .any(|entry| is_points_name(&entry.file_name().to_string_lossy()))
}

/// `points_*d.bin` or `points_*d.bin.gz`.
fn is_points_name(name: &str) -> bool {
    let stem = name.strip_suffix(".gz").unwrap_or(name);
    stem.strip_prefix("points_")
        .and_then(|s| s.strip_suffix("d.bin"))
        .is_some()
}

/// Finds the datasets under `root`: `Ok(None)` when it holds none (the caller reports an
/// unknown format).
pub(crate) fn discover(root: &Path) -> Result<Option<Vec<FoundDataset>>, ServerError> {
    if has_marker(root) {
        return Ok(Some(vec![FoundDataset {
            dir: root.to_path_buf(),
            public_path: "/".into(),
        }]));
    }
    let entries = fs::read_dir(root).map_err(|source| ServerError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let mut dirs: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ServerError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            dirs.push((entry.file_name().to_string_lossy().into_owned(), path));
        }
    }
    dirs.sort();
    if !dirs.iter().any(|(_, dir)| has_marker(dir)) {
        return Ok(None);
    }
    let mut found = Vec::with_capacity(dirs.len());
    for (name, dir) in dirs {
        if !is_portable_component(&name) {
            return Err(invalid(format!("Dataset directory '{name}' must be 1-180 ASCII bytes, start with an ASCII letter or digit, and otherwise contain only ASCII letters, digits, '.', '_', or '-'.")));
        }
        if !has_marker(&dir) {
            return Err(invalid(format!(
                "'{name}' is not a complete exported dataset."
            )));
        }
        found.push(FoundDataset {
            dir,
            public_path: format!("/{name}/"),
        });
    }
    Ok(Some(found))
}

/// Reads and parses a JSON object file of a dataset.
pub(crate) fn read_json_object(path: &Path) -> Result<Value, ServerError> {
    let bytes = fs::read(path).map_err(|source| ServerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        invalid(format!(
            "{} is not UTF-8 text; re-export the dataset.",
            path.display()
        ))
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        invalid(format!(
            "{} is not valid JSON ({e}); re-export the dataset.",
            path.display()
        ))
    })?;
    if !value.is_object() {
        return Err(invalid(format!(
            "{} must hold a JSON object; re-export the dataset.",
            path.display()
        )));
    }
    Ok(value)
}

/// Checks completeness (§3.1 step 3) and returns the parsed identity.
pub(crate) fn check_complete(dir: &Path, label: &str) -> Result<Value, ServerError> {
    for name in ["dataset_identity.json", "obs_manifest.json"] {
        if !dir.join(name).symlink_metadata().is_ok_and(|m| m.is_file()) {
            return Err(invalid(format!(
                "'{label}' is not a complete exported dataset."
            )));
        }
    }
    let mut any_points = false;
    for d in 1..=3 {
        let plain = dir.join(format!("points_{d}d.bin"));
        let gz = dir.join(format!("points_{d}d.bin.gz"));
        let present: Vec<&PathBuf> = [&plain, &gz]
            .into_iter()
            .filter(|p| p.symlink_metadata().is_ok())
            .collect();
        if present.len() > 1 {
            return Err(invalid(format!(
                "'{label}' holds both points_{d}d.bin and points_{d}d.bin.gz; keep one of them."
            )));
        }
        if let Some(path) = present.first() {
            any_points = true;
            if path.metadata().map_or(0, |m| m.len()) == 0 {
                return Err(invalid(format!(
                    "{} is empty; re-export the dataset.",
                    path.display()
                )));
            }
        }
    }
    if !any_points {
        return Err(invalid(format!(
            "'{label}' is not a complete exported dataset."
        )));
    }
    let identity = read_json_object(&dir.join("dataset_identity.json"))?;
    read_json_object(&dir.join("obs_manifest.json"))?;
    if identity.get("version").and_then(Value::as_i64) != Some(2)
        || identity.get("version").is_some_and(Value::is_f64)
    {
        return Err(invalid(
            "dataset_identity.json version must be exactly 2.".into(),
        ));
    }
    let id = identity.get("id").and_then(Value::as_str).unwrap_or("");
    if !is_portable_component(id) {
        return Err(invalid(format!("dataset_id '{id}' must be 1-180 ASCII bytes, start with an ASCII letter or digit, and otherwise contain only ASCII letters, digits, '.', '_', or '-'.")));
    }
    let name = identity.get("name").and_then(Value::as_str).unwrap_or("");
    if let Some(problem) = display_text_problem(name) {
        return Err(invalid(format!("dataset_name is displayed verbatim, so it must not carry characters that have no glyph: {name:?}: {problem}. Pass the exact text you want shown.")));
    }
    Ok(identity)
}

/// The published default state of a dataset (§3.1 step 4): `Some(sha256 hex)` when present.
pub(crate) fn published_state(dir: &Path) -> Result<Option<String>, ServerError> {
    use sha2::{Digest, Sha256};
    let manifest = dir.join("state-snapshots.json");
    let bundle = dir.join("default.cellucid-session");
    let has_manifest = manifest.symlink_metadata().is_ok();
    let has_bundle = bundle.symlink_metadata().is_ok();
    let entries = fs::read_dir(dir).map_err(|source| ServerError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".cellucid-session") && name != "default.cellucid-session" {
            return Err(invalid(format!(
                "Published sample state may only be default.cellucid-session; remove {name}."
            )));
        }
    }
    match (has_manifest, has_bundle) {
        (false, false) => return Ok(None),
        (true, true) => {}
        _ => return Err(invalid("Published sample state needs both state-snapshots.json and default.cellucid-session, or neither.".into())),
    }
    let manifest_bytes = read_regular_unchanged(&manifest)?;
    if manifest_bytes.len() != 43 {
        return Err(invalid(
            "Published sample state state-snapshots.json must be exactly 43 bytes.".into(),
        ));
    }
    let parsed: Value = serde_json::from_slice(&manifest_bytes).unwrap_or(Value::Null);
    if parsed != serde_json::json!({"states": ["default.cellucid-session"]}) {
        return Err(invalid("Published sample state state-snapshots.json must be exactly {\"states\": [\"default.cellucid-session\"]}.".into()));
    }
    let bundle_bytes = read_regular_unchanged(&bundle)?;
    if bundle_bytes.is_empty() || bundle_bytes.len() > 32_768 {
        return Err(invalid(
            "Published sample state default.cellucid-session must be 1 to 32768 bytes.".into(),
        ));
    }
    let digest = Sha256::digest(&bundle_bytes);
    Ok(Some(digest.iter().map(|b| format!("{b:02x}")).collect()))
}

/// Reads a regular non-symlink file, checking that it did not change while being read.
fn read_regular_unchanged(path: &Path) -> Result<Vec<u8>, ServerError> {
    use std::os::unix::fs::OpenOptionsExt;
    let refuse = || {
        invalid(format!("Published sample state {} must be a regular file, not a link, and must not change while the server starts.", path.display()))
    };
    let before = fs::symlink_metadata(path).map_err(|source| ServerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if !before.file_type().is_file() {
        return Err(refuse());
    }
    let mut file = fs::File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|_| refuse())?;
    let opened = file.metadata().map_err(|source| ServerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes).map_err(|source| ServerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let after = fs::symlink_metadata(path).map_err(|source| ServerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    use super::artifact::Stamp;
    if Stamp::of(&before) != Stamp::of(&opened) || Stamp::of(&before) != Stamp::of(&after) {
        return Err(refuse());
    }
    Ok(bytes)
}
