//! Exported mode: one export folder or a folder of exports, served from an allow-list of the
//! files their manifests declare (server.md §3).

mod artifact;
mod discover;
mod manifests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub(crate) use artifact::{Artifact, ReadFailure};

use crate::error::ServerError;
use crate::state::CatalogEntry;

/// The datasets of an exported root and their declared files, fixed at startup.
#[derive(Debug)]
pub struct ExportedRoot {
    root: PathBuf,
    catalog: Vec<CatalogEntry>,
    artifacts: HashMap<String, Artifact>,
}

impl ExportedRoot {
    /// Discovers and validates the export(s) under `path` (server.md §3.1–3.2).
    ///
    /// # Errors
    /// [`ServerError::PathNotFound`], [`ServerError::UnknownFormat`] when no dataset is found,
    /// [`ServerError::InvalidExport`] naming the directory, file and rule that failed.
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        let root = std::fs::canonicalize(path).map_err(|_| ServerError::PathNotFound {
            path: path.to_path_buf(),
        })?;
        if !root.is_dir() {
            return Err(ServerError::UnknownFormat {
                path: path.to_path_buf(),
            });
        }
        let found = discover::discover(&root)?.ok_or_else(|| ServerError::UnknownFormat {
            path: path.to_path_buf(),
        })?;
        let mut catalog = Vec::with_capacity(found.len());
        let mut artifacts = HashMap::new();
        for dataset in found {
            let label = dataset.dir.file_name().map_or_else(
                || root.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let identity = discover::check_complete(&dataset.dir, &label)?;
            let docs = manifests::Documents {
                obs: discover::read_json_object(&dataset.dir.join("obs_manifest.json"))?,
                var: optional_json(&dataset.dir.join("var_manifest.json"))?,
                connectivity: optional_json(&dataset.dir.join("connectivity_manifest.json"))?,
                identity,
            };
            let invalid = |reason: String| {
                ServerError::InvalidExport {
                message: format!("Export '{}' cannot be served: {reason}. Re-export it with cellucid-rs or cellucid.prepare().", dataset.dir.display()),
            }
            };
            let mut declared = manifests::declared_paths(&docs).map_err(invalid)?;
            let state_sha256 = discover::published_state(&dataset.dir)?;
            if state_sha256.is_some() {
                declared.push("state-snapshots.json".into());
                declared.push("default.cellucid-session".into());
            }
            let prefix = dataset.public_path.trim_start_matches('/').to_string();
            for rel in declared {
                manifests::check_relative_path(&rel).map_err(invalid)?;
                let (file, meta) = artifact::stat_declared(&dataset.dir, &rel).map_err(invalid)?;
                let request_path = format!("{prefix}{rel}");
                let content_type = if rel.ends_with(".json") {
                    "application/json"
                } else {
                    "application/octet-stream"
                };
                let entry = Artifact {
                    path: file,
                    stamp: artifact::Stamp::of(&meta),
                    content_type,
                };
                if artifacts.insert(request_path.clone(), entry).is_some() {
                    return Err(invalid(format!("{rel} is declared twice")));
                }
            }
            let id = docs
                .identity
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if catalog.iter().any(|entry: &CatalogEntry| entry.id == id) {
                return Err(ServerError::InvalidExport {
                    message: format!("Two datasets share the identity id '{id}'; give each export a distinct dataset id."),
                });
            }
            catalog.push(CatalogEntry {
                id,
                path: dataset.public_path.clone(),
                name: docs
                    .identity
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                state_sha256,
            });
        }
        Ok(Self {
            root,
            catalog,
            artifacts,
        })
    }

    /// The resolved root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The catalog (`/_cellucid/datasets` entries), in served order.
    pub fn catalog(&self) -> &[CatalogEntry] {
        &self.catalog
    }

    /// Number of servable files.
    pub fn artifact_count(&self) -> usize {
        self.artifacts.len()
    }

    /// The declared request paths (without leading `/`), sorted.
    pub fn request_paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = self.artifacts.keys().map(String::as_str).collect();
        paths.sort_unstable();
        paths
    }

    pub(crate) fn artifact(&self, request_path: &str) -> Option<&Artifact> {
        self.artifacts.get(request_path)
    }
}

/// Whether `path` looks like an export root (a dataset marker in it or in a subdirectory).
pub fn looks_like_export(path: &Path) -> bool {
    discover::has_marker(path)
        || std::fs::read_dir(path).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.path().is_dir() && discover::has_marker(&e.path()))
        })
}

fn optional_json(path: &Path) -> Result<Option<Value>, ServerError> {
    if path.symlink_metadata().is_ok() {
        discover::read_json_object(path).map(Some)
    } else {
        Ok(None)
    }
}
