//! `datasets.json` rules (viewer-contract.md §1.1).

use std::collections::HashSet;

use super::identity::empty;
use super::{check_dataset, structure, Ctx, Violation};
use crate::model::Catalog;

/// Checks the catalog, then every dataset it lists; returns the dataset paths checked.
pub(super) fn check(ctx: &mut Ctx) -> Vec<String> {
    let file = Catalog::FILE_NAME.to_owned();
    let Some(catalog) = ctx.load::<Catalog>(Catalog::FILE_NAME, structure::catalog) else {
        return Vec::new();
    };
    if catalog.version != 1 {
        ctx.push(Violation::UnsupportedVersion {
            file: file.clone(),
            expected: 1,
            found: catalog.version,
        });
    }
    if catalog.datasets.is_empty() {
        ctx.push(Violation::EmptyCatalog { file: file.clone() });
    }
    let mut ids = HashSet::new();
    let mut paths = HashSet::new();
    let mut to_check = Vec::new();
    for (i, entry) in catalog.datasets.iter().enumerate() {
        if entry.id.is_empty() {
            empty(ctx, &file, &format!("$.datasets[{i}].id"));
        } else if !ids.insert(entry.id.as_str()) {
            ctx.push(Violation::CatalogDuplicateId {
                file: file.clone(),
                id: entry.id.clone(),
            });
        }
        if entry.name.as_deref() == Some("") {
            empty(ctx, &file, &format!("$.datasets[{i}].name"));
        }
        if let Err(reason) = check_dataset_path(&entry.path) {
            ctx.push(Violation::CatalogUnsafePath {
                file: file.clone(),
                id: entry.id.clone(),
                path: entry.path.clone(),
                reason,
            });
            continue;
        }
        if !paths.insert(entry.path.as_str()) {
            ctx.push(Violation::CatalogDuplicatePath {
                file: file.clone(),
                id: entry.id.clone(),
                path: entry.path.clone(),
            });
            continue;
        }
        to_check.push(entry);
    }
    if !catalog.datasets.iter().any(|d| d.id == catalog.default) {
        ctx.push(Violation::CatalogDefault {
            file: file.clone(),
            default: catalog.default.clone(),
        });
    }
    let mut checked = Vec::new();
    for entry in to_check {
        ctx.prefix = entry.path.clone();
        checked.push(entry.path.clone());
        let Some(identity) = check_dataset(ctx, Some(entry)) else {
            continue;
        };
        for (key, catalog_value, identity_value) in [
            ("n_cells", entry.n_cells, identity.stats.n_cells),
            ("n_genes", entry.n_genes, identity.stats.n_genes),
        ] {
            if let Some(value) = catalog_value.filter(|v| *v != identity_value) {
                ctx.push(Violation::CatalogCountMismatch {
                    file: file.clone(),
                    id: entry.id.clone(),
                    key: key.to_owned(),
                    catalog: value,
                    identity: identity_value,
                });
            }
        }
    }
    ctx.prefix.clear();
    checked
}

/// A relative directory ending in `/`: no leading `/`, no `\`, no drive letter, no
/// empty/`.`/`..` segment, and safe characters.
fn check_dataset_path(path: &str) -> Result<(), String> {
    let Some(dir) = path.strip_suffix('/') else {
        return Err("the path must end in '/'".to_owned());
    };
    if path.contains('\\') {
        return Err("the path contains '\\'".to_owned());
    }
    crate::payload::check_safe_relative_path(dir)
}
