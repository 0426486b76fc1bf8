//! `obs_manifest.json`, `compact_v1` (format.md §6, viewer-contract.md §1.3).

use std::collections::BTreeMap;
use std::fmt;

use cellucid_quant::{Bits, Bounds};
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::nullable;
use super::Category;
use crate::payload::{gz_suffix, ValueEncoding};

/// `obs_manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObsManifest {
    /// Always `"compact_v1"`.
    #[serde(rename = "_format")]
    pub format: String,
    /// Number of cells.
    pub n_points: u64,
    /// Centroid trimming quantile, or `null`.
    #[serde(deserialize_with = "nullable::required")]
    pub centroid_outlier_quantile: Option<f64>,
    /// `"latent_space"` in exports; `null` or the obsm key in server mode.
    #[serde(deserialize_with = "nullable::required")]
    pub latent_key: Option<String>,
    /// gzip level or `null`.
    #[serde(deserialize_with = "nullable::required")]
    pub compression: Option<u32>,
    /// Path patterns and encodings per field kind.
    #[serde(rename = "_obsSchemas")]
    pub obs_schemas: ObsSchemas,
    /// Continuous field tuples, in export order.
    #[serde(rename = "_continuousFields")]
    pub continuous_fields: Vec<ContinuousField>,
    /// Categorical field tuples, in export order.
    #[serde(rename = "_categoricalFields")]
    pub categorical_fields: Vec<CategoricalField>,
}

/// `_obsSchemas`: a kind's schema is present iff a field of that kind exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObsSchemas {
    /// Schema of continuous fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuous: Option<ContinuousSchema>,
    /// Schema of categorical fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categorical: Option<CategoricalSchema>,
}

/// `_obsSchemas.continuous`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContinuousSchema {
    /// `obs/{index}.values.<ext>[.gz]`.
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

impl ContinuousSchema {
    /// The schema the exporter writes for continuous obs values.
    pub fn new(bits: Option<Bits>, compression: Option<u32>) -> Self {
        let enc = ValueEncoding::from_bits(bits);
        Self {
            path_pattern: format!(
                "obs/{{index}}.values.{}{}",
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

/// `_obsSchemas.categorical`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoricalSchema {
    /// `obs/{index}.codes.{ext}[.gz]`.
    #[serde(rename = "codesPathPattern")]
    pub codes_path_pattern: String,
    /// `obs/{index}.outliers.<ext>[.gz]`.
    #[serde(rename = "outlierPathPattern")]
    pub outlier_path_pattern: String,
    /// `u8`, `u16` or `f32`.
    #[serde(rename = "outlierExt")]
    pub outlier_ext: String,
    /// `uint8`, `uint16` or `float32`.
    #[serde(rename = "outlierDtype")]
    pub outlier_dtype: String,
    /// Whether outlier quantiles are quantized.
    #[serde(rename = "outlierQuantized")]
    pub outlier_quantized: bool,
}

impl CategoricalSchema {
    /// The schema the exporter writes; outliers follow `obs_continuous_quantization`.
    pub fn new(outlier_bits: Option<Bits>, compression: Option<u32>) -> Self {
        let enc = ValueEncoding::from_bits(outlier_bits);
        let sfx = gz_suffix(compression);
        Self {
            codes_path_pattern: format!("obs/{{index}}.codes.{{ext}}{sfx}"),
            outlier_path_pattern: format!("obs/{{index}}.outliers.{}{sfx}", enc.ext()),
            outlier_ext: enc.ext().to_owned(),
            outlier_dtype: enc.dtype_name().to_owned(),
            outlier_quantized: outlier_bits.is_some(),
        }
    }

    /// The outlier encoding this schema declares, if it is a valid combination.
    pub fn outlier_encoding(&self) -> Option<ValueEncoding> {
        let bits = match self.outlier_ext.as_str() {
            "u8" => Some(8),
            "u16" => Some(16),
            _ => None,
        };
        ValueEncoding::from_schema(
            &self.outlier_ext,
            &self.outlier_dtype,
            self.outlier_quantized,
            bits.filter(|_| self.outlier_quantized),
        )
    }
}

/// `minValue`/`maxValue` of a quantized payload (finite, `min <= max`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueBounds {
    /// Smallest finite value.
    pub min: f64,
    /// Largest finite value.
    pub max: f64,
}

impl From<ValueBounds> for Bounds {
    fn from(b: ValueBounds) -> Self {
        Bounds {
            min: b.min,
            max: b.max,
        }
    }
}

impl From<Bounds> for ValueBounds {
    fn from(b: Bounds) -> Self {
        Self {
            min: b.min,
            max: b.max,
        }
    }
}

/// A continuous field tuple: `[index, key]` or `[index, key, minValue, maxValue]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuousField {
    /// Payload index.
    pub index: u64,
    /// Obs key (or gene name in `var_manifest.json`).
    pub key: String,
    /// Bounds when the payload is quantized.
    pub bounds: Option<ValueBounds>,
}

impl Serialize for ContinuousField {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = if self.bounds.is_some() { 4 } else { 2 };
        let mut seq = serializer.serialize_seq(Some(len))?;
        seq.serialize_element(&self.index)?;
        seq.serialize_element(&self.key)?;
        if let Some(b) = self.bounds {
            seq.serialize_element(&b.min)?;
            seq.serialize_element(&b.max)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for ContinuousField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(ContinuousVisitor)
    }
}

struct ContinuousVisitor;

impl<'de> Visitor<'de> for ContinuousVisitor {
    type Value = ContinuousField;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field tuple [index, key] or [index, key, minValue, maxValue]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let index = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let key = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let bounds = optional_bounds(&mut seq, 2, &self)?;
        Ok(ContinuousField { index, key, bounds })
    }
}

/// Reads an optional trailing `min, max` pair and requires the sequence to end there.
fn optional_bounds<'de, A: SeqAccess<'de>>(
    seq: &mut A,
    at: usize,
    expected: &dyn de::Expected,
) -> Result<Option<ValueBounds>, A::Error> {
    let Some(min) = seq.next_element::<f64>()? else {
        return Ok(None);
    };
    let max = seq
        .next_element::<f64>()?
        .ok_or_else(|| de::Error::invalid_length(at + 1, expected))?;
    if seq.next_element::<IgnoredAny>()?.is_some() {
        return Err(de::Error::invalid_length(at + 3, expected));
    }
    Ok(Some(ValueBounds { min, max }))
}

/// A categorical field tuple:
/// `[index, key, categories, codesDtype, codesMissingValue, centroidsByDim(, outlierMin, outlierMax)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalField {
    /// Payload index.
    pub index: u64,
    /// Obs key.
    pub key: String,
    /// Labels in code order.
    pub categories: Vec<Category>,
    /// `"uint8"` or `"uint16"`.
    pub codes_dtype: String,
    /// 255 for uint8, 65535 for uint16.
    pub codes_missing_value: u64,
    /// `"1"`/`"2"`/`"3"` → centroids of the qualifying categories, in category order.
    pub centroids_by_dim: BTreeMap<String, Vec<Centroid>>,
    /// Outlier-quantile bounds when outliers are quantized.
    pub outlier_bounds: Option<ValueBounds>,
}

impl Serialize for CategoricalField {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = if self.outlier_bounds.is_some() { 8 } else { 6 };
        let mut seq = serializer.serialize_seq(Some(len))?;
        seq.serialize_element(&self.index)?;
        seq.serialize_element(&self.key)?;
        seq.serialize_element(&self.categories)?;
        seq.serialize_element(&self.codes_dtype)?;
        seq.serialize_element(&self.codes_missing_value)?;
        seq.serialize_element(&self.centroids_by_dim)?;
        if let Some(b) = self.outlier_bounds {
            seq.serialize_element(&b.min)?;
            seq.serialize_element(&b.max)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for CategoricalField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(CategoricalVisitor)
    }
}

struct CategoricalVisitor;

impl<'de> Visitor<'de> for CategoricalVisitor {
    type Value = CategoricalField;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a categorical tuple [index, key, categories, codesDtype, codesMissingValue, \
             centroidsByDim] optionally followed by outlierMin, outlierMax",
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let index = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let key = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let categories = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(2, &self))?;
        let codes_dtype = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(3, &self))?;
        let codes_missing_value = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(4, &self))?;
        let centroids_by_dim = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(5, &self))?;
        let outlier_bounds = optional_bounds(&mut seq, 6, &self)?;
        Ok(CategoricalField {
            index,
            key,
            categories,
            codes_dtype,
            codes_missing_value,
            centroids_by_dim,
            outlier_bounds,
        })
    }
}

/// One centroid (label anchor) of a category in one dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Centroid {
    /// The category label (same scalar as in `categories`).
    pub category: Category,
    /// `d` coordinates in the space of the points file.
    pub position: Vec<f64>,
    /// Number of cells the mean was taken over.
    pub n_points: u64,
}
