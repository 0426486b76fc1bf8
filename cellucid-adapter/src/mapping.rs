//! The AnnData → export mapping (server.md §4.6, format.md §12–§14, §17, §18): which obsm keys
//! are embeddings and vector fields, which obsp key is the graph, and how each obs column is
//! classified with its categories as typed labels.
//!
//! This module reads and classifies only. Value checks (finite, float32-safe, label
//! uniqueness, display text, category limits) belong to the exporter's arithmetic.

use std::collections::{BTreeMap, BTreeSet};

use crate::anndata::AnnData;
use crate::column::{Categories, Column};
use crate::error::ReadError;
use crate::values::{DType, Values};

/// A category label as a typed JSON scalar.
#[derive(Debug, Clone, PartialEq)]
pub enum Label {
    /// A boolean category.
    Bool(bool),
    /// An integer category.
    Int(i64),
    /// A float category (integral floats stay floats: `1.0`); float32/float16 are widened exactly.
    Float(f64),
    /// A string category.
    Str(String),
}

/// How an obs column is exported.
#[derive(Debug, Clone, PartialEq)]
pub enum ObsFieldKind {
    /// A continuous field. Values keep their stored type; a nullable integer column with
    /// missing values becomes `F64` with NaN where missing (exact for |v| ≤ 2^53).
    Continuous(Values),
    /// A categorical field.
    Categorical {
        /// Category labels in export order.
        labels: Vec<Label>,
        /// Per-cell position in `labels`, −1 for missing.
        codes: Vec<i32>,
    },
}

/// One classified obs column.
#[derive(Debug, Clone, PartialEq)]
pub struct ObsField {
    /// Column name.
    pub key: String,
    /// Classification and values.
    pub kind: ObsFieldKind,
}

/// One vector-field obsm entry (`<field>_umap_<d>d`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VectorFieldKey {
    /// Field id (`velocity_umap`).
    pub field: String,
    /// Dimension (1, 2 or 3).
    pub dim: u8,
    /// The obsm key (`velocity_umap_2d`).
    pub key: String,
}

/// A mapping failure.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// No obsm key can be served as an embedding (message of server.md §4.6.1).
    #[error("{message}")]
    NoEmbedding {
        /// The full message with rename hints.
        message: String,
    },
    /// An embedding key resolves but its array cannot be one.
    #[error("embedding adata.obsm['{key}'] {reason}")]
    BadEmbedding {
        /// The obsm key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// Asked for obs columns that do not exist.
    #[error("obs_keys contain columns not in obs: {missing:?}. Available columns: {available:?}")]
    UnknownObsKeys {
        /// Unknown keys.
        missing: Vec<String>,
        /// Existing columns.
        available: Vec<String>,
    },
    /// An empty obs key list.
    #[error(
        "obs_keys is empty. Fix: leave it out to export every obs column, or name at least one"
    )]
    EmptyObsKeys,
    /// A column whose encoding or type cannot be exported.
    #[error("obs field '{key}' has unsupported dtype ({detail}). Fix: convert it, e.g. adata.obs['{key}'] = adata.obs['{key}'].astype(str), or leave it out with obs_keys=[...]")]
    UnsupportedObs {
        /// Column name.
        key: String,
        /// What was found.
        detail: String,
    },
    /// An unsigned 64-bit category too large for a label.
    #[error("obs field '{key}' has category {value}, outside JavaScript's exact integer range")]
    LabelOutOfRange {
        /// Column name.
        key: String,
        /// The value.
        value: u64,
    },
    /// A read failure.
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// Python `repr` of a list of strings (`['a', 'b']`), for messages that quote Python.
fn py_list(items: &[String]) -> String {
    let inner: Vec<String> = items
        .iter()
        .map(|s| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")))
        .collect();
    format!("[{}]", inner.join(", "))
}

/// Resolve the embeddings to serve: dimension → obsm key (server.md §4.6.1).
///
/// `X_umap_1d/2d/3d` when any exists (exactly those), else a bare `X_umap` of 1–3 columns at
/// its width. Each chosen array must be numeric, 2-D (1-D allowed for d = 1) with `n_obs`
/// rows and exactly d columns.
///
/// # Errors
/// [`MappingError::NoEmbedding`] with the reference message, [`MappingError::BadEmbedding`].
pub fn resolve_embeddings(ad: &AnnData) -> Result<BTreeMap<u8, String>, MappingError> {
    let keys = ad.obsm_keys();
    let mut out = BTreeMap::new();
    for d in 1u8..=3 {
        let k = format!("X_umap_{d}d");
        if keys.contains(&k) {
            out.insert(d, k);
        }
    }
    if out.is_empty() && keys.iter().any(|k| k == "X_umap") {
        let (_, c, _) = ad.obsm_shape("X_umap")?;
        if (1..=3).contains(&c) {
            out.insert(c as u8, "X_umap".to_string());
        }
    }
    if out.is_empty() {
        return Err(MappingError::NoEmbedding {
            message: no_embedding_message(ad)?,
        });
    }
    for (&d, key) in &out {
        let (r, c, dtype) = ad.obsm_shape(key)?;
        if !dtype.is_numeric() {
            return Err(MappingError::BadEmbedding {
                key: key.clone(),
                reason: format!("has dtype {dtype}; embeddings must be numeric"),
            });
        }
        if r != ad.n_obs() || c != usize::from(d) {
            return Err(MappingError::BadEmbedding {
                key: key.clone(),
                reason: format!("has shape ({r}, {c}); expected ({}, {d})", ad.n_obs()),
            });
        }
    }
    Ok(out)
}

fn no_embedding_message(ad: &AnnData) -> Result<String, MappingError> {
    let keys = ad.obsm_keys();
    let mut msg = format!(
        "No UMAP embedding Cellucid can read was found in adata.obsm. Cellucid reads the exact keys 'X_umap_1d', 'X_umap_2d', and 'X_umap_3d', and reads a bare 'X_umap' as the dimension its own column count states. Available obsm keys: {}",
        py_list(keys)
    );
    let mut ordered: Vec<&String> = keys.iter().filter(|k| *k == "X_umap").collect();
    ordered.extend(keys.iter().filter(|k| *k != "X_umap"));
    let mut wide = None;
    for key in ordered {
        let Ok((r, c, dtype)) = ad.obsm_shape(key) else {
            continue;
        };
        if r == ad.n_obs() && (1..=3).contains(&c) && dtype.is_numeric() {
            msg.push_str(&format!(
                "\nadata.obsm[\"X_umap_{c}d\"] = adata.obsm['{key}']"
            ));
        } else if key == "X_umap" {
            wide = Some((r, c));
        }
    }
    if let Some((r, c)) = wide {
        msg.push_str(&format!(
            "\nadata.obsm['X_umap'] has shape ({r}, {c}); Cellucid serves 1, 2 or 3 columns."
        ));
    }
    Ok(msg)
}

/// The default latent space key: `X_pca` when present.
#[must_use]
pub fn default_latent_key(ad: &AnnData) -> Option<String> {
    ad.obsm_keys().iter().find(|k| *k == "X_pca").cloned()
}

/// The connectivity graph key: `connectivities` when present in obsp.
#[must_use]
pub fn connectivities_key(ad: &AnnData) -> Option<String> {
    ad.obsp_keys()
        .iter()
        .find(|k| *k == "connectivities")
        .cloned()
}

/// Parse a vector-field key `^(.+_umap)_([123])d$` (greedy), excluding `X_umap_<d>d`.
#[must_use]
pub fn parse_vector_field_key(key: &str) -> Option<VectorFieldKey> {
    let (stem, dim) = [(1u8, "_1d"), (2, "_2d"), (3, "_3d")]
        .iter()
        .find_map(|&(d, suffix)| key.strip_suffix(suffix).map(|s| (s, d)))?;
    if stem == "X_umap" || !stem.ends_with("_umap") || stem.len() <= "_umap".len() {
        return None;
    }
    Some(VectorFieldKey {
        field: stem.to_string(),
        dim,
        key: key.to_string(),
    })
}

/// Every vector-field obsm entry, sorted by field id then dimension (server.md §4.6.7).
#[must_use]
pub fn vector_fields(ad: &AnnData) -> Vec<VectorFieldKey> {
    let mut v: Vec<VectorFieldKey> = ad
        .obsm_keys()
        .iter()
        .filter_map(|k| parse_vector_field_key(k))
        .collect();
    v.sort();
    v
}

/// Classify the obs columns `keys` (all columns in column order when `None`).
///
/// # Errors
/// Empty or unknown keys, unsupported columns, read errors.
pub fn obs_fields(ad: &AnnData, keys: Option<&[String]>) -> Result<Vec<ObsField>, MappingError> {
    let keys: Vec<String> = match keys {
        None => ad.obs_columns().to_vec(),
        Some([]) => return Err(MappingError::EmptyObsKeys),
        Some(k) => {
            let missing: Vec<String> = k
                .iter()
                .filter(|x| !ad.obs_columns().contains(x))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(MappingError::UnknownObsKeys {
                    missing,
                    available: ad.obs_columns().to_vec(),
                });
            }
            k.to_vec()
        }
    };
    keys.iter().map(|k| obs_field(ad, k)).collect()
}

/// Classify one obs column (server.md §4.6.2, format.md §14).
///
/// # Errors
/// Unknown key, unsupported encoding or dtype, unrepresentable labels, read errors.
pub fn obs_field(ad: &AnnData, key: &str) -> Result<ObsField, MappingError> {
    let column = ad.obs_column(key).map_err(|e| match e {
        ReadError::Encoding { found, .. } => MappingError::UnsupportedObs {
            key: key.to_string(),
            detail: format!("encoding-type {}", found.as_deref().unwrap_or("absent")),
        },
        ReadError::Backend(crate::backend::BackendError::UnsupportedType {
            description, ..
        }) => MappingError::UnsupportedObs {
            key: key.to_string(),
            detail: description,
        },
        other => MappingError::Read(other),
    })?;
    Ok(ObsField {
        key: key.to_string(),
        kind: classify(key, column)?,
    })
}

/// Classify a decoded column.
///
/// # Errors
/// Unrepresentable labels.
pub fn classify(key: &str, column: Column) -> Result<ObsFieldKind, MappingError> {
    Ok(match column {
        Column::Numeric(Values::Bool(v)) => bool_categorical(v.iter().map(|&b| Some(b))),
        Column::Numeric(values) => ObsFieldKind::Continuous(values),
        Column::NullableInt { values, missing } => {
            if missing.iter().any(|&m| m) {
                let f: Vec<f64> = (0..values.len())
                    .map(|i| {
                        if missing.get(i).copied().unwrap_or(false) {
                            f64::NAN
                        } else {
                            values.get_f64(i).unwrap_or(f64::NAN)
                        }
                    })
                    .collect();
                ObsFieldKind::Continuous(Values::F64(f))
            } else {
                ObsFieldKind::Continuous(values)
            }
        }
        Column::NullableBool { values, missing } => bool_categorical(
            values
                .iter()
                .zip(missing.iter().chain(std::iter::repeat(&false)))
                .map(|(&v, &m)| (!m).then_some(v)),
        ),
        Column::Strings(values) => {
            let distinct: BTreeSet<&str> = values.iter().flatten().map(String::as_str).collect();
            let position: BTreeMap<&str, i32> = distinct
                .iter()
                .enumerate()
                .map(|(i, s)| (*s, i as i32))
                .collect();
            let codes = values
                .iter()
                .map(|v| {
                    v.as_deref()
                        .and_then(|s| position.get(s).copied())
                        .unwrap_or(-1)
                })
                .collect();
            ObsFieldKind::Categorical {
                labels: distinct
                    .into_iter()
                    .map(|s| Label::Str(s.to_string()))
                    .collect(),
                codes,
            }
        }
        Column::Categorical {
            categories, codes, ..
        } => ObsFieldKind::Categorical {
            labels: labels_of(key, &categories)?,
            codes,
        },
    })
}

fn bool_categorical(values: impl Iterator<Item = Option<bool>>) -> ObsFieldKind {
    let values: Vec<Option<bool>> = values.collect();
    let has_false = values.contains(&Some(false));
    let has_true = values.contains(&Some(true));
    let mut labels = Vec::new();
    if has_false {
        labels.push(Label::Bool(false));
    }
    if has_true {
        labels.push(Label::Bool(true));
    }
    let true_code = i32::from(has_false);
    let codes = values
        .iter()
        .map(|v| match v {
            Some(false) => 0,
            Some(true) => true_code,
            None => -1,
        })
        .collect();
    ObsFieldKind::Categorical { labels, codes }
}

/// Declared categories → typed labels.
///
/// # Errors
/// A `uint64` category above `i64::MAX`.
pub fn labels_of(key: &str, categories: &Categories) -> Result<Vec<Label>, MappingError> {
    Ok(match categories {
        Categories::Str(v) => v.iter().map(|s| Label::Str(s.clone())).collect(),
        Categories::Values(Values::Bool(v)) => v.iter().map(|&b| Label::Bool(b)).collect(),
        Categories::Values(Values::U64(v)) => v
            .iter()
            .map(|&x| {
                i64::try_from(x)
                    .map(Label::Int)
                    .map_err(|_| MappingError::LabelOutOfRange {
                        key: key.to_string(),
                        value: x,
                    })
            })
            .collect::<Result<_, _>>()?,
        Categories::Values(v) if v.dtype().is_integer() => v
            .to_i64_vec()
            .unwrap_or_default()
            .into_iter()
            .map(Label::Int)
            .collect(),
        Categories::Values(v) => {
            debug_assert!(matches!(v.dtype(), DType::F16 | DType::F32 | DType::F64));
            v.to_f64_vec().into_iter().map(Label::Float).collect()
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn vector_field_keys_follow_the_grammar() {
        let p = |k: &str| parse_vector_field_key(k).map(|v| (v.field, v.dim));
        assert_eq!(
            p("velocity_umap_2d"),
            Some(("velocity_umap".to_string(), 2))
        );
        assert_eq!(p("a_umap_umap_3d"), Some(("a_umap_umap".to_string(), 3)));
        assert_eq!(p("X_umap_2d"), None);
        assert_eq!(p("_umap_2d"), None);
        assert_eq!(p("velocity_umap_4d"), None);
        assert_eq!(p("velocity_pca_2d"), None);
        assert_eq!(p("x_umap_1d"), Some(("x_umap".to_string(), 1)));
    }

    #[test]
    fn bool_columns_list_present_values_false_first() {
        let k = classify("b", Column::Numeric(Values::Bool(vec![true, true]))).unwrap();
        assert_eq!(
            k,
            ObsFieldKind::Categorical {
                labels: vec![Label::Bool(true)],
                codes: vec![0, 0]
            }
        );
        let k = classify("b", Column::Numeric(Values::Bool(vec![true, false]))).unwrap();
        assert_eq!(
            k,
            ObsFieldKind::Categorical {
                labels: vec![Label::Bool(false), Label::Bool(true)],
                codes: vec![1, 0]
            }
        );
    }

    #[test]
    fn nullable_bool_missing_is_minus_one() {
        let k = classify(
            "b",
            Column::NullableBool {
                values: vec![true, false, true],
                missing: vec![false, true, false],
            },
        )
        .unwrap();
        assert_eq!(
            k,
            ObsFieldKind::Categorical {
                labels: vec![Label::Bool(true)],
                codes: vec![0, -1, 0]
            }
        );
    }

    #[test]
    fn strings_sort_by_code_point_and_missing_is_minus_one() {
        let col = Column::Strings(
            ["b", "é", "B", "a", "😀"]
                .iter()
                .map(|s| Some(s.to_string()))
                .chain([None])
                .collect(),
        );
        let ObsFieldKind::Categorical { labels, codes } = classify("s", col).unwrap() else {
            panic!("categorical")
        };
        let strs: Vec<&str> = labels
            .iter()
            .map(|l| {
                if let Label::Str(s) = l {
                    s.as_str()
                } else {
                    "?"
                }
            })
            .collect();
        assert_eq!(strs, ["B", "a", "b", "é", "😀"]);
        assert_eq!(codes, [2, 3, 0, 1, 4, -1]);
    }

    #[test]
    fn nullable_ints_become_nan_only_when_missing() {
        let k = classify(
            "n",
            Column::NullableInt {
                values: Values::I64(vec![1, 2]),
                missing: vec![false, false],
            },
        )
        .unwrap();
        assert_eq!(k, ObsFieldKind::Continuous(Values::I64(vec![1, 2])));
        let ObsFieldKind::Continuous(Values::F64(v)) = classify(
            "n",
            Column::NullableInt {
                values: Values::I32(vec![1, 2]),
                missing: vec![false, true],
            },
        )
        .unwrap() else {
            panic!("f64")
        };
        assert_eq!(v[0], 1.0);
        assert!(v[1].is_nan());
    }

    #[test]
    fn integral_float_labels_stay_float_and_f32_widens_exactly() {
        let l = labels_of("k", &Categories::Values(Values::F32(vec![1.0, 0.1]))).unwrap();
        assert_eq!(
            l,
            vec![Label::Float(1.0), Label::Float(0.10000000149011612)]
        );
        let l = labels_of("k", &Categories::Values(Values::I16(vec![-3, 7]))).unwrap();
        assert_eq!(l, vec![Label::Int(-3), Label::Int(7)]);
        assert!(labels_of("k", &Categories::Values(Values::U64(vec![u64::MAX]))).is_err());
    }
}
