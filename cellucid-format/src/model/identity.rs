//! `dataset_identity.json`, version 2 (format.md §5, viewer-contract.md §1.2).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::nullable;

/// `dataset_identity.json`: what the dataset is and which files it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetIdentity {
    /// Always 2.
    pub version: u32,
    /// The dataset id (`^[A-Za-z0-9][A-Za-z0-9._-]*$`, not ending in `.`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description (may be empty).
    pub description: String,
    /// `YYYY-MM-DDTHH:MM:SSZ` (optional for the viewer; always written by the exporter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Version string of the writing package.
    pub cellucid_data_version: String,
    /// Counts.
    pub stats: Stats,
    /// The points files.
    pub embeddings: Embeddings,
    /// One entry per obs field: continuous fields first, then categorical ones.
    pub obs_fields: Vec<ObsFieldSummary>,
    /// Codec settings (optional for the viewer; always written by the exporter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_settings: Option<ExportSettings>,
    /// Where the data came from (only when a source name was given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Vector fields (only when at least one exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector_fields: Option<VectorFields>,
}

/// `stats` of the identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    /// Number of cells.
    pub n_cells: u64,
    /// Number of exported genes.
    pub n_genes: u64,
    /// Number of obs fields.
    pub n_obs_fields: u64,
    /// Number of categorical obs fields.
    pub n_categorical_fields: u64,
    /// Number of continuous obs fields.
    pub n_continuous_fields: u64,
    /// Whether a connectivity manifest exists.
    pub has_connectivity: bool,
    /// Number of edges, or `null` without connectivity.
    #[serde(deserialize_with = "nullable::required")]
    pub n_edges: Option<u64>,
}

/// `embeddings` of the identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Embeddings {
    /// Dimensions present, ascending (each 1, 2 or 3).
    pub available_dimensions: Vec<u32>,
    /// The dimension loaded first (the largest).
    pub default_dimension: u32,
    /// `"<d>d"` → points file path.
    pub files: BTreeMap<String, String>,
}

/// The kind of an obs field in `obs_fields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObsFieldKind {
    /// `"continuous"`.
    Continuous,
    /// `"category"`.
    Category,
}

/// One entry of `obs_fields`: `{key, kind}` or `{key, kind: "category", n_categories}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObsFieldSummary {
    /// The obs key.
    pub key: String,
    /// Continuous or categorical.
    pub kind: ObsFieldKind,
    /// Number of declared categories (categorical fields only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_categories: Option<u64>,
}

impl ObsFieldSummary {
    /// A continuous entry.
    pub fn continuous(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            kind: ObsFieldKind::Continuous,
            n_categories: None,
        }
    }

    /// A categorical entry with `n_categories` declared categories.
    pub fn category(key: impl Into<String>, n_categories: u64) -> Self {
        Self {
            key: key.into(),
            kind: ObsFieldKind::Category,
            n_categories: Some(n_categories),
        }
    }
}

/// `export_settings` of the identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSettings {
    /// gzip level 1–9, or `null`.
    #[serde(deserialize_with = "nullable::required")]
    pub compression: Option<u32>,
    /// 8, 16 or `null`.
    #[serde(deserialize_with = "nullable::required")]
    pub var_quantization: Option<u32>,
    /// 8, 16 or `null`.
    #[serde(deserialize_with = "nullable::required")]
    pub obs_continuous_quantization: Option<u32>,
    /// `"uint8"` or `"uint16"`.
    pub obs_categorical_dtype: String,
}

/// `source` of the identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Source name (required, non-empty).
    pub name: String,
    /// Optional URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Optional citation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// Optional file name (accepted by the viewer, never written by the reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

/// `vector_fields` of the identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorFields {
    /// The field shown first.
    #[serde(deserialize_with = "nullable::required")]
    pub default_field: Option<String>,
    /// Field id → field, in code-point order of the id (the field index is the position).
    pub fields: BTreeMap<String, VectorField>,
}

/// One vector field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorField {
    /// Equal to the field id.
    pub label: String,
    /// Dimensions present, ascending.
    pub available_dimensions: Vec<u32>,
    /// The largest dimension.
    pub default_dimension: u32,
    /// `"<d>d"` → `vectors/{f}_{d}d.bin[.gz]`.
    pub files: BTreeMap<String, String>,
    /// Always `"umap"`.
    pub basis: String,
}
