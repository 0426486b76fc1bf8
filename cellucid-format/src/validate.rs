//! The validator: every reader rule of viewer-contract.md §1.1–§1.7 and §2 (format.md §23).
//!
//! [`validate()`] checks one export folder (a directory with `dataset_identity.json`) or a
//! folder of exports (a directory with `datasets.json`, whose datasets are each checked). It
//! never stops at the first problem: the [`Report`] lists every [`Violation`] found, in a
//! stable order (catalog, then per dataset in catalog order: identity, obs, var and
//! connectivity manifests, cross-file rules, then payloads in manifest order).
//!
//! A document whose key sets or JSON types are wrong is reported once (missing/unexpected keys,
//! wrong types) and its value rules are skipped, as the viewer stops at the first error too.

mod catalog;
mod identity;
mod manifests;
mod payloads;
mod structure;
mod violation;

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub use violation::Violation;

use crate::error::FormatError;
use crate::folder::MAX_JSON_BYTES;
use crate::model::{CatalogEntry, ConnectivityManifest, DatasetIdentity, ObsManifest, VarManifest};

/// The result of [`validate()`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The folder validated.
    pub root: PathBuf,
    /// The dataset directories checked (`""` for a single export folder).
    pub datasets: Vec<String>,
    /// Every violation found, in a stable order.
    pub violations: Vec<Violation>,
}

impl Report {
    /// Whether the folder satisfies every rule.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Validates the export folder (or folder of exports) at `dir` against every viewer rule.
///
/// # Errors
/// [`FormatError::NotAnExportFolder`] when `dir` is not a directory holding
/// `dataset_identity.json` or `datasets.json`. Every problem inside the folder is a
/// [`Violation`] in the report instead.
pub fn validate(dir: impl AsRef<Path>) -> Result<Report, FormatError> {
    let root = dir.as_ref().to_path_buf();
    let mut ctx = Ctx {
        root: root.clone(),
        prefix: String::new(),
        violations: Vec::new(),
    };
    let datasets = if root.join(crate::model::Catalog::FILE_NAME).is_file() {
        catalog::check(&mut ctx)
    } else if root.join(DatasetIdentity::FILE_NAME).is_file() {
        check_dataset(&mut ctx, None);
        vec![String::new()]
    } else {
        return Err(FormatError::NotAnExportFolder { path: root });
    };
    Ok(Report {
        root,
        datasets,
        violations: ctx.violations,
    })
}

/// Validation state: where the current dataset lives and what was found so far.
pub(crate) struct Ctx {
    /// Directory of the folder given to [`validate()`].
    root: PathBuf,
    /// Path of the current dataset relative to `root` (`""` or `"<dir>/"`).
    prefix: String,
    /// Violations so far.
    violations: Vec<Violation>,
}

impl Ctx {
    /// The report name of a file of the current dataset.
    fn file(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    /// The current dataset's directory.
    fn dataset_dir(&self) -> PathBuf {
        self.root.join(&self.prefix)
    }

    fn push(&mut self, violation: Violation) {
        self.violations.push(violation);
    }

    /// Reads and parses a JSON document of the current dataset: size ceiling, JSON syntax,
    /// key sets (`structure`), then the typed model. `None` (with violations) on failure.
    fn load<T: DeserializeOwned>(
        &mut self,
        name: &str,
        structure: fn(&mut Ctx, &str, &mut Value),
    ) -> Option<T> {
        let file = self.file(name);
        let mut value = self.read_value(&self.dataset_dir().join(name), &file)?;
        let before = self.violations.len();
        structure(self, &file, &mut value);
        if self.violations.len() > before {
            return None;
        }
        match serde_json::from_value(value) {
            Ok(model) => Some(model),
            Err(err) => {
                self.push(Violation::WrongType {
                    file,
                    path: "$".to_owned(),
                    detail: err.to_string(),
                });
                None
            }
        }
    }

    /// Reads a JSON file into a [`Value`], reporting a missing, oversized or invalid file.
    fn read_value(&mut self, path: &Path, file: &str) -> Option<Value> {
        let meta = match fs::metadata(path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                self.push(Violation::MissingFile {
                    file: file.to_owned(),
                });
                return None;
            }
            Err(err) => {
                self.push(Violation::Unreadable {
                    file: file.to_owned(),
                    detail: err.to_string(),
                });
                return None;
            }
        };
        if meta.len() > MAX_JSON_BYTES {
            self.push(Violation::JsonTooLarge {
                file: file.to_owned(),
                size: meta.len(),
                limit: MAX_JSON_BYTES,
            });
            return None;
        }
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(err) => {
                self.push(Violation::Unreadable {
                    file: file.to_owned(),
                    detail: err.to_string(),
                });
                return None;
            }
        };
        match serde_json::from_slice(&bytes) {
            Ok(value) => Some(value),
            Err(err) => {
                self.push(Violation::InvalidJson {
                    file: file.to_owned(),
                    detail: err.to_string(),
                });
                None
            }
        }
    }
}

/// Checks one dataset directory (`ctx.prefix`); returns its identity when it parses.
fn check_dataset(ctx: &mut Ctx, entry: Option<&CatalogEntry>) -> Option<DatasetIdentity> {
    let identity: DatasetIdentity = ctx.load(DatasetIdentity::FILE_NAME, structure::identity)?;
    identity::check(ctx, &identity, entry);
    let obs: Option<ObsManifest> = ctx.load(ObsManifest::FILE_NAME, structure::obs);
    let var: Option<VarManifest> = if identity.stats.n_genes > 0 {
        ctx.load(VarManifest::FILE_NAME, structure::var)
    } else {
        None // never read by the viewer
    };
    let conn: Option<ConnectivityManifest> = if identity.stats.has_connectivity {
        ctx.load(ConnectivityManifest::FILE_NAME, structure::connectivity)
    } else {
        if ctx
            .dataset_dir()
            .join(ConnectivityManifest::FILE_NAME)
            .exists()
        {
            let file = ctx.file(ConnectivityManifest::FILE_NAME);
            ctx.push(Violation::UnexpectedManifest { file });
        }
        None
    };
    let docs = manifests::Docs {
        identity: &identity,
        obs: obs.as_ref(),
        var: var.as_ref(),
        conn: conn.as_ref(),
    };
    manifests::check(ctx, &docs);
    payloads::check(ctx, &docs);
    Some(identity)
}
