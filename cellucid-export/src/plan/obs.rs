//! Obs fields: labels (format.md §14), continuous payloads (§10, §11, §26 (a)), categorical
//! codes, outlier quantiles (§15) and centroids (§16).

use std::collections::BTreeMap;

use cellucid_format::{Category, Centroid as CentroidModel, ValueBounds};
use cellucid_quant::{Bits, Policy};

use super::arrays::numeric;
use crate::checks::{category_labels, LabelMessageStyle};
use crate::error::ExportError;
use crate::math::{self, NormalisedEmbedding};
use crate::source::{Label, Values};

/// An encoded float32 or quantized payload with its manifest bounds.
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    /// Little-endian payload bytes.
    pub bytes: Vec<u8>,
    /// Bounds when quantized.
    pub bounds: Option<ValueBounds>,
}

/// Encodes a continuous column (obs values or a gene), NaN as missing (§26 (a)).
pub(crate) fn encode_continuous(
    values: &Values,
    bits: Option<Bits>,
) -> Result<Encoded, EncodeError> {
    numeric!(values, v => encode_slice(v, bits), bool _b => Err(EncodeError::Boolean))
}

/// Encodes a numeric slice.
pub(crate) fn encode_slice<S: cellucid_quant::SourceValue>(
    v: &[S],
    bits: Option<Bits>,
) -> Result<Encoded, EncodeError> {
    match bits {
        Some(bits) => cellucid_quant::quantize_le_bytes(v, bits, Policy::continuous())
            .map(|(b, bytes)| Encoded {
                bytes,
                bounds: Some(b.into()),
            })
            .map_err(EncodeError::Quant),
        None => cellucid_quant::to_float32(v, Policy::continuous())
            .map(|f| Encoded {
                bytes: cellucid_format::encode_le(&f),
                bounds: None,
            })
            .map_err(EncodeError::Quant),
    }
}

/// Why a continuous column cannot be encoded.
#[derive(Debug)]
pub(crate) enum EncodeError {
    /// A boolean column reached the continuous path.
    Boolean,
    /// The quantizer refused it.
    Quant(cellucid_quant::QuantError),
}

/// Converts and checks the labels of a categorical field (format.md §14), with the exporter's
/// messages ([`crate::checks::category_labels`] holds the rules).
pub(crate) fn categories(key: &str, labels: &[Label]) -> Result<Vec<Category>, ExportError> {
    category_labels(labels)
        .map_err(|problem| ExportError::obs(key, problem.message(key, LabelMessageStyle::Export)))
}

/// Groups the cells of a categorical field by code (−1 missing).
pub(crate) fn members(
    key: &str,
    codes: &[i32],
    n_categories: usize,
) -> Result<Vec<Vec<usize>>, ExportError> {
    let bad = codes.iter().position(|&c| c < -1);
    if let Some(cell) = bad {
        return Err(ExportError::obs(
            key,
            format!("cell {cell} has category code {}", codes[cell]),
        ));
    }
    math::members_by_category(codes.iter().map(|&c| usize::try_from(c).ok()), n_categories)
        .map_err(|e| ExportError::obs(key, e.to_string()))
}

/// The `centroidsByDim` object: one list per embedding dimension (empty lists when `quantile`
/// is `None`).
pub(crate) fn centroids(
    embeddings: &[(u8, NormalisedEmbedding)],
    members: &[Vec<usize>],
    categories: &[Category],
    quantile: Option<f64>,
    min_points: usize,
) -> BTreeMap<String, Vec<CentroidModel>> {
    embeddings
        .iter()
        .map(|(dim, emb)| {
            let list = match quantile {
                None => Vec::new(),
                Some(p) => {
                    math::field_centroids(&emb.coords, usize::from(*dim), members, p, min_points)
                        .into_iter()
                        .filter_map(|c| {
                            categories.get(c.code).map(|category| CentroidModel {
                                category: category.clone(),
                                position: c.centroid.position,
                                n_points: c.centroid.n_points as u64,
                            })
                        })
                        .collect()
                }
            };
            (dim.to_string(), list)
        })
        .collect()
}

/// Encodes the codes payload at the resolved width (−1 → the marker).
pub(crate) fn codes_payload(codes: &[i32], width: math::CodesWidth) -> Vec<u8> {
    let missing = width.missing();
    let code = |c: i32| u16::try_from(c).unwrap_or(missing);
    match width {
        math::CodesWidth::U8 => codes.iter().map(|&c| code(c) as u8).collect(),
        math::CodesWidth::U16 => codes.iter().flat_map(|&c| code(c).to_le_bytes()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_convert_and_duplicates_are_refused() {
        let ok = categories(
            "k",
            &[
                Label::Bool(false),
                Label::Int(3),
                Label::Float(0.5),
                Label::Str("T cell".into()),
            ],
        )
        .expect("valid");
        assert_eq!(ok[1], Category::Int(3));
        for bad in [
            vec![Label::Int(1), Label::Float(1.0)],
            vec![Label::Str("T cell".into()), Label::Str("T  cell".into())],
            vec![Label::Float(f64::INFINITY)],
            vec![Label::Int(1 << 53)],
            vec![Label::Str(String::new())],
            vec![Label::Str(" x".into())],
        ] {
            assert!(categories("k", &bad).is_err(), "{bad:?}");
        }
        // A number and a string are different labels.
        assert!(categories("k", &[Label::Int(1), Label::Str("1".into())]).is_ok());
    }

    #[test]
    fn codes_payload_uses_the_marker() {
        assert_eq!(
            codes_payload(&[0, -1, 2], math::CodesWidth::U8),
            vec![0, 255, 2]
        );
        assert_eq!(
            codes_payload(&[1, -1], math::CodesWidth::U16),
            vec![1, 0, 255, 255]
        );
    }

    #[test]
    fn nan_is_missing_and_inf_is_refused() {
        let e = encode_continuous(&Values::F64(vec![1.0, f64::NAN, 3.0]), Some(Bits::U8))
            .map_err(|_| ())
            .expect("NaN ok");
        assert_eq!(e.bytes, vec![0, 255, 254]);
        let f = encode_continuous(&Values::F64(vec![1.0, f64::NAN]), None)
            .map_err(|_| ())
            .expect("NaN ok");
        assert_eq!(&f.bytes[4..], &0x7FC0_0000_u32.to_le_bytes());
        assert!(encode_continuous(&Values::F64(vec![1.0, f64::INFINITY]), None).is_err());
        assert!(encode_continuous(&Values::F64(vec![f64::NAN, f64::NAN]), None).is_err());
    }
}
