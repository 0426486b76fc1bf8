//! `var_manifest.json`, `compact_v1` (format.md §7, viewer-contract.md §1.4).

use cellucid_quant::Bits;
use serde::{Deserialize, Serialize};

use super::nullable;
use super::ContinuousField;
use crate::payload::{gz_suffix, ValueEncoding};

/// `var_manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarManifest {
    /// Always `"compact_v1"`.
    #[serde(rename = "_format")]
    pub format: String,
    /// Number of cells.
    pub n_points: u64,
    /// `null` (names from `var.index`) or the var column the names came from.
    #[serde(deserialize_with = "nullable::required")]
    pub var_gene_id_column: Option<String>,
    /// gzip level or `null`.
    #[serde(deserialize_with = "nullable::required")]
    pub compression: Option<u32>,
    /// 8, 16 or `null`; equals `_varSchema.quantizationBits`.
    #[serde(deserialize_with = "nullable::required")]
    pub quantization: Option<u32>,
    /// Path pattern and encoding of gene payloads.
    #[serde(rename = "_varSchema")]
    pub var_schema: VarSchema,
    /// `[index, name]` or `[index, name, min, max]`, in export order.
    pub fields: Vec<ContinuousField>,
}

/// `_varSchema`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarSchema {
    /// Always `"continuous"`.
    pub kind: String,
    /// `var/{index}.values.<ext>[.gz]`.
    #[serde(rename = "pathPattern")]
    pub path_pattern: String,
    /// `u8`, `u16` or `f32`.
    pub ext: String,
    /// `uint8`, `uint16` or `float32`.
    pub dtype: String,
    /// Whether values are quantized.
    pub quantized: bool,
    /// 8 or 16 when quantized, absent otherwise.
    #[serde(
        rename = "quantizationBits",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub quantization_bits: Option<u32>,
}

impl VarSchema {
    /// The schema the exporter writes for gene values.
    pub fn new(bits: Option<Bits>, compression: Option<u32>) -> Self {
        let enc = ValueEncoding::from_bits(bits);
        Self {
            kind: "continuous".to_owned(),
            path_pattern: format!(
                "var/{{index}}.values.{}{}",
                enc.ext(),
                gz_suffix(compression)
            ),
            ext: enc.ext().to_owned(),
            dtype: enc.dtype_name().to_owned(),
            quantized: bits.is_some(),
            quantization_bits: bits.map(Bits::bits),
        }
    }

    /// The value encoding this schema declares, if it is a valid combination.
    pub fn encoding(&self) -> Option<ValueEncoding> {
        ValueEncoding::from_schema(
            &self.ext,
            &self.dtype,
            self.quantized,
            self.quantization_bits,
        )
    }
}
