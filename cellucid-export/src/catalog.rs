//! `datasets.json`: the catalog of a folder of exports (format.md §22).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use cellucid_format::{Catalog, CatalogEntry, DatasetIdentity};

use crate::checks::dataset_id_problem;

/// Why a catalog could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// A dataset directory name is not allowed.
    #[error("dataset directory '{name}' in '{root}': {reason}; rename the directory")]
    BadName {
        /// The exports root.
        root: PathBuf,
        /// Directory name.
        name: String,
        /// Why.
        reason: String,
    },
    /// A dataset directory has no valid identity.
    #[error("dataset directory '{dir}': {reason}")]
    BadDataset {
        /// The directory.
        dir: PathBuf,
        /// Why, and the fix.
        reason: String,
    },
    /// No dataset found, or the default is not among them.
    #[error("{0}")]
    Default(String),
    /// A file-system error.
    #[error("{action} '{path}': {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CatalogError {
    let path = path.to_path_buf();
    move |source| CatalogError::Io {
        action,
        path,
        source,
    }
}

/// Scans the sub-directories of `root` (sorted; hidden entries skipped), reads each one's
/// `dataset_identity.json` (version 2, valid unique id) and writes `root/datasets.json`
/// (indent 2) through a temporary file that is fsynced, read back strictly and renamed.
/// `default` must be one of the ids; `None` picks the first.
///
/// # Errors
/// [`CatalogError`] naming the directory and the fix.
pub fn write_catalog(root: &Path, default: Option<&str>) -> Result<Catalog, CatalogError> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root).map_err(io("listing", root))? {
        let entry = entry.map_err(io("listing", root))?;
        if !entry
            .file_type()
            .map_err(io("inspecting", &entry.path()))?
            .is_dir()
        {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    let mut lower = HashSet::new();
    let mut ids = HashSet::new();
    let mut datasets = Vec::new();
    for name in names {
        let bad = |reason: &str| CatalogError::BadName {
            root: root.to_path_buf(),
            name: name.clone(),
            reason: reason.into(),
        };
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        {
            return Err(bad("only letters, digits, '_', '.' and '-' are allowed"));
        }
        if name.len() > 180
            || name.ends_with('.')
            || dataset_id_problem(&name).is_some_and(|p| p.contains("device"))
        {
            return Err(bad(
                "must be at most 180 bytes, not end in '.', and not be a Windows device name",
            ));
        }
        if !lower.insert(name.to_ascii_lowercase()) {
            return Err(bad("collides with another directory when case is ignored"));
        }
        let dir = root.join(&name);
        let path = dir.join(DatasetIdentity::FILE_NAME);
        let text = std::fs::read_to_string(&path).map_err(|e| CatalogError::BadDataset {
            dir: dir.clone(),
            reason: format!(
                "cannot read {}: {e}; export a dataset there or move the directory out",
                DatasetIdentity::FILE_NAME
            ),
        })?;
        let identity =
            DatasetIdentity::from_json_str(&text).map_err(|e| CatalogError::BadDataset {
                dir: dir.clone(),
                reason: e.to_string(),
            })?;
        if identity.version != 2 {
            return Err(CatalogError::BadDataset {
                dir,
                reason: format!(
                    "identity version {} is not 2; re-export it",
                    identity.version
                ),
            });
        }
        if let Some(p) = dataset_id_problem(&identity.id) {
            return Err(CatalogError::BadDataset {
                dir,
                reason: format!("id {:?} {p}", identity.id),
            });
        }
        if !ids.insert(identity.id.clone()) {
            return Err(CatalogError::BadDataset {
                dir,
                reason: format!(
                    "id '{}' is used by another dataset; ids must be unique",
                    identity.id
                ),
            });
        }
        datasets.push(CatalogEntry {
            id: identity.id,
            path: format!("{name}/"),
            name: Some(identity.name),
            description: (!identity.description.is_empty()).then_some(identity.description),
            n_cells: Some(identity.stats.n_cells),
            n_genes: Some(identity.stats.n_genes),
        });
    }
    let default = match default {
        Some(d) if datasets.iter().any(|e| e.id == d) => d.to_string(),
        Some(d) => {
            let ids: Vec<&str> = datasets.iter().map(|e| e.id.as_str()).collect();
            return Err(CatalogError::Default(format!(
                "default dataset '{d}' is not one of: {}",
                ids.join(", ")
            )));
        }
        None => datasets.first().map(|e| e.id.clone()).ok_or_else(|| {
            CatalogError::Default(format!(
                "no dataset directory found in '{}'",
                root.display()
            ))
        })?,
    };
    let catalog = Catalog {
        version: 1,
        default,
        datasets,
    };
    let text = catalog.to_json_string();
    let tmp = root.join(".datasets.json.tmp");
    let target = root.join(Catalog::FILE_NAME);
    let mut f = std::fs::File::create(&tmp).map_err(io("creating", &tmp))?;
    f.write_all(text.as_bytes()).map_err(io("writing", &tmp))?;
    f.sync_all().map_err(io("syncing", &tmp))?;
    drop(f);
    let back = std::fs::read_to_string(&tmp).map_err(io("reading back", &tmp))?;
    if Catalog::from_json_str(&back).ok().as_ref() != Some(&catalog) {
        let _ = std::fs::remove_file(&tmp);
        return Err(CatalogError::Default(
            "datasets.json did not read back identically".into(),
        ));
    }
    std::fs::rename(&tmp, &target).map_err(io("renaming", &target))?;
    crate::publish::sync_dir(root).map_err(|e| CatalogError::Default(e.to_string()))?;
    Ok(catalog)
}
