//! `connectivity_manifest.json` (format.md §8, viewer-contract.md §1.5).

use serde::{Deserialize, Serialize};

use super::nullable;
use crate::payload::{edges_dst_path, edges_src_path, edges_weights_path};

/// `connectivity_manifest.json`: an undirected edge list with float64 weights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectivityManifest {
    /// Always `"edge_pairs"`.
    pub format: String,
    /// Number of cells.
    pub n_cells: u64,
    /// Number of undirected edges (`src < dst`, each once).
    pub n_edges: u64,
    /// Maximum vertex degree (0 iff no edges).
    pub max_neighbors: u64,
    /// 2 or 4.
    pub index_bytes: u32,
    /// `"uint16"` (n ≤ 65,536) or `"uint32"`.
    pub index_dtype: String,
    /// `connectivity/edges.src.bin[.gz]`.
    #[serde(rename = "sourcesPath")]
    pub sources_path: String,
    /// `connectivity/edges.dst.bin[.gz]`.
    #[serde(rename = "destinationsPath")]
    pub destinations_path: String,
    /// `connectivity/edges.weights.f64.bin[.gz]`.
    #[serde(rename = "weightsPath")]
    pub weights_path: String,
    /// Always `"float64"`.
    pub weight_dtype: String,
    /// Always 8.
    pub weight_bytes: u32,
    /// gzip level or `null`.
    #[serde(deserialize_with = "nullable::required")]
    pub compression: Option<u32>,
}

impl ConnectivityManifest {
    /// Largest cell count whose indices fit the uint16 index width.
    pub const UINT16_MAX_CELLS: u64 = 65_536;

    /// The manifest the exporter writes, with the smallest index width and the fixed paths.
    pub fn new(n_cells: u64, n_edges: u64, max_neighbors: u64, compression: Option<u32>) -> Self {
        let (index_bytes, index_dtype) = if n_cells <= Self::UINT16_MAX_CELLS {
            (2, "uint16")
        } else {
            (4, "uint32")
        };
        Self {
            format: "edge_pairs".to_owned(),
            n_cells,
            n_edges,
            max_neighbors,
            index_bytes,
            index_dtype: index_dtype.to_owned(),
            sources_path: edges_src_path(compression),
            destinations_path: edges_dst_path(compression),
            weights_path: edges_weights_path(compression),
            weight_dtype: "float64".to_owned(),
            weight_bytes: 8,
            compression,
        }
    }
}
