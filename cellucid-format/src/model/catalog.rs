//! `datasets.json`, the catalog of a folder of exports (format.md §22, viewer-contract.md §1.1).

use serde::{Deserialize, Serialize};

/// `datasets.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Always 1.
    pub version: u32,
    /// Id of the dataset opened first.
    pub default: String,
    /// One entry per dataset directory.
    pub datasets: Vec<CatalogEntry>,
}

/// One dataset of `datasets.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    /// The dataset id (equal to its identity's `id`).
    pub id: String,
    /// `"<dir>/"`, relative to the catalog.
    pub path: String,
    /// Display name (overrides the identity name in the viewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Optional description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Equal to the identity's `stats.n_cells` when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_cells: Option<u64>,
    /// Equal to the identity's `stats.n_genes` when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_genes: Option<u64>,
}
