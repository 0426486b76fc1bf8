//! [`ExportOptions`]: every knob of the reference writer plus this project's decisions
//! (format.md §2, §21.1, §26).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The width of categorical codes (format.md §14, §26 (b)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CategoricalDtype {
    /// `uint8` when every exported categorical field has at most 255 categories, else `uint16`.
    #[default]
    Auto,
    /// One byte per code; at most 255 categories.
    Uint8,
    /// Two bytes per code; at most 65,535 categories.
    Uint16,
}

/// What an export does with a connectivity graph too large for the viewer's edge working set
/// (about 12 million edges; see [`cellucid_format::limits::max_edges`]). The viewer refuses
/// such a graph's manifest, so the folder would not load; the reference writer does not check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OversizedGraph {
    /// Refuse the export with [`crate::ExportError::TooLargeForViewer`] (nothing is written).
    #[default]
    Refuse,
    /// Export without the graph and report [`crate::Warning::GraphLeftOut`]: for front ends that
    /// picked the graph themselves rather than being asked for it (`cargo xtask export`
    /// without `--connectivities`).
    LeaveOut,
}

fn default_quantile() -> Option<f64> {
    Some(0.95)
}

fn default_min_points() -> usize {
    10
}

/// Everything an export needs to know besides its source and output directory.
///
/// Deserializes from the JSON of the golden `call.json` files (format.md §2): unknown keys are
/// an error; `reference_writer` is accepted and ignored. Missing keys take the defaults below.
///
/// ```
/// let opts = cellucid_export::ExportOptions::from_json(r#"{"dataset_id": "pbmc", "dataset_name": "PBMC",
///     "compression": 6, "var_quantization": 8}"#)?;
/// assert_eq!(opts.centroid_outlier_quantile, Some(0.95));
/// assert!(cellucid_export::ExportOptions::from_json(r#"{"dataset_id": "a", "dataset_name": "b", "colour": 1}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportOptions {
    /// Dataset id: `^[A-Za-z0-9][A-Za-z0-9._-]{0,179}$`, not ending in `.`, not a Windows
    /// device name.
    pub dataset_id: String,
    /// Display name (non-empty display text).
    pub dataset_name: String,
    /// Description (display text; `None` writes `""`).
    #[serde(default)]
    pub dataset_description: Option<String>,
    /// `YYYY-MM-DDTHH:MM:SSZ`; `None` means the current UTC time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Source name (required when a URL or citation is given).
    #[serde(default)]
    pub source_name: Option<String>,
    /// Source URL.
    #[serde(default)]
    pub source_url: Option<String>,
    /// Source citation.
    #[serde(default)]
    pub source_citation: Option<String>,
    /// obsm key of the latent space used for outlier quantiles (required by the export;
    /// front ends pick a default such as `X_pca`).
    #[serde(default)]
    pub latent_key: Option<String>,
    /// Dimension (1, 2, 3) → obsm key. Empty means "resolve from the source" (AnnData: the
    /// adapter's embedding key rules).
    #[serde(default)]
    pub embeddings: BTreeMap<u8, String>,
    /// obsm keys of vector fields, each `<field>_umap_<d>d`.
    #[serde(default)]
    pub vector_fields: Vec<String>,
    /// The default vector field id (required with more than one field).
    #[serde(default)]
    pub vector_field_default: Option<String>,
    /// obsp key of the connectivity graph; `None` exports no graph.
    #[serde(default)]
    pub connectivities_key: Option<String>,
    /// What to do when that graph is too large for the viewer (default: refuse).
    #[serde(default)]
    pub oversized_graph: OversizedGraph,
    /// obs columns to export, in this order; `None` means all, in column order.
    #[serde(default)]
    pub obs_keys: Option<Vec<String>>,
    /// Genes to export, in this order; `None` means all, in var order.
    #[serde(default)]
    pub gene_identifiers: Option<Vec<String>>,
    /// var column holding the gene names; `None` means the var index.
    #[serde(default)]
    pub var_gene_id_column: Option<String>,
    /// Centroid trimming quantile (0.5 < p < 1); `None` writes no centroids.
    #[serde(default = "default_quantile")]
    pub centroid_outlier_quantile: Option<f64>,
    /// Smallest category that gets a centroid and outlier quantiles (≥ 1).
    #[serde(default = "default_min_points")]
    pub centroid_min_points: usize,
    /// gzip level 1–9, or `None` for uncompressed payloads.
    #[serde(default)]
    pub compression: Option<u32>,
    /// Gene quantization: 8, 16 or `None` (float32).
    #[serde(default)]
    pub var_quantization: Option<u32>,
    /// Continuous obs (and outlier) quantization: 8, 16 or `None` (float32).
    #[serde(default)]
    pub obs_continuous_quantization: Option<u32>,
    /// Categorical codes width.
    #[serde(default)]
    pub obs_categorical_dtype: CategoricalDtype,
    /// Replace a non-empty output directory as a whole.
    #[serde(default)]
    pub force: bool,
    /// Informational key of the golden `call.json` files (the writer that produced them);
    /// accepted and ignored.
    #[serde(default, skip_serializing)]
    pub reference_writer: Option<String>,
}

impl ExportOptions {
    /// Options with the required id and name and every other knob at its default.
    pub fn new(dataset_id: impl Into<String>, dataset_name: impl Into<String>) -> Self {
        Self {
            dataset_id: dataset_id.into(),
            dataset_name: dataset_name.into(),
            dataset_description: None,
            created_at: None,
            source_name: None,
            source_url: None,
            source_citation: None,
            latent_key: None,
            embeddings: BTreeMap::new(),
            vector_fields: Vec::new(),
            vector_field_default: None,
            connectivities_key: None,
            oversized_graph: OversizedGraph::Refuse,
            obs_keys: None,
            gene_identifiers: None,
            var_gene_id_column: None,
            centroid_outlier_quantile: default_quantile(),
            centroid_min_points: default_min_points(),
            compression: None,
            var_quantization: None,
            obs_continuous_quantization: None,
            obs_categorical_dtype: CategoricalDtype::Auto,
            force: false,
            reference_writer: None,
        }
    }

    /// Parses options from JSON (e.g. a golden `call.json` or a `--config` file).
    ///
    /// # Errors
    /// A `serde_json` error naming the unknown key or the bad value.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_call_json_parses() {
        let text = include_str!("../../tests/fixtures/golden/edge-q8-gz6/call.json");
        let o = ExportOptions::from_json(text).expect("golden call.json");
        assert_eq!(o.dataset_id, "edge-q8-gz6");
        assert_eq!(o.embeddings.get(&1).map(String::as_str), Some("X_umap_1d"));
        assert_eq!(o.obs_categorical_dtype, CategoricalDtype::Uint16);
        assert_eq!(o.compression, Some(6));
        assert_eq!(o.vector_field_default.as_deref(), Some("velocity_umap"));
    }

    #[test]
    fn defaults_nulls_and_unknown_keys() {
        let o = ExportOptions::from_json(r#"{"dataset_id": "a", "dataset_name": "b"}"#)
            .expect("minimal");
        assert_eq!(o, ExportOptions::new("a", "b"));
        let o = ExportOptions::from_json(
            r#"{"dataset_id": "a", "dataset_name": "b", "centroid_outlier_quantile": null}"#,
        )
        .expect("null quantile");
        assert_eq!(o.centroid_outlier_quantile, None);
        let err = ExportOptions::from_json(
            r#"{"dataset_id": "a", "dataset_name": "b", "compresion": 6}"#,
        )
        .expect_err("typo");
        assert!(err.to_string().contains("compresion"), "{err}");
        assert!(ExportOptions::from_json(
            r#"{"dataset_id": "a", "dataset_name": "b", "obs_categorical_dtype": "uint32"}"#
        )
        .is_err());
    }
}
