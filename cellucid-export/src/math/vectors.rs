//! Vector fields: key grammar and scaling (format.md §13).

/// A vector-field obsm key split into field id and dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorKey {
    /// The field id, e.g. `velocity_umap` (the greedy `(.+_umap)` group).
    pub field: String,
    /// The dimension, 1, 2 or 3.
    pub dim: usize,
}

/// Why a vector field cannot be exported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum VectorError {
    /// The key does not match `^(.+_umap)_([123])d$`.
    #[error("vector field key '{key}' must have the form '<field>_umap_<d>d' with d in 1, 2, 3 (e.g. 'velocity_umap_2d'); rename the obsm key")]
    BadKey {
        /// The key.
        key: String,
    },
    /// A source component is NaN or infinite.
    #[error(
        "vector field value at [{row}, {column}] is {value}; vector components must be finite"
    )]
    NonFinite {
        /// Cell.
        row: usize,
        /// Axis.
        column: usize,
        /// The value.
        value: f64,
    },
    /// The scaled component overflows float32 (or is not finite).
    #[error("vector field value at [{row}, {column}] = {value} overflows float32 once scaled by the embedding's normalisation scale {scale}; rescale the vectors")]
    Overflow {
        /// Cell.
        row: usize,
        /// Axis.
        column: usize,
        /// The source value.
        value: f64,
        /// The scale `s_d`.
        scale: f64,
    },
}

/// Parses a vector-field key `^(.+_umap)_([123])d$` (format.md §13).
///
/// # Errors
/// [`VectorError::BadKey`] when the key does not match.
pub fn parse_vector_key(key: &str) -> Result<VectorKey, VectorError> {
    let bad = || VectorError::BadKey {
        key: key.to_string(),
    };
    let (stem, dim) = match key.as_bytes() {
        [.., b'_', d @ b'1'..=b'3', b'd'] => (&key[..key.len() - 3], usize::from(d - b'0')),
        _ => return Err(bad()),
    };
    // `.+_umap`: at least one character before the `_umap` suffix.
    if stem.len() <= "_umap".len() || !stem.ends_with("_umap") {
        return Err(bad());
    }
    Ok(VectorKey {
        field: stem.to_string(),
        dim,
    })
}

/// The stored vectors `fl32(f64(V) × s_d)`, row-major with `dim` columns (format.md §13): scaled,
/// not centred.
///
/// # Errors
/// [`VectorError::NonFinite`] for a NaN/±Inf component, [`VectorError::Overflow`] when the scaled
/// value is not a finite float32.
pub fn scale_vectors(values: &[f64], dim: usize, scale: f64) -> Result<Vec<f32>, VectorError> {
    let dim = dim.max(1);
    values
        .iter()
        .enumerate()
        .map(|(idx, &value)| {
            let (row, column) = (idx / dim, idx % dim);
            if !value.is_finite() {
                return Err(VectorError::NonFinite { row, column, value });
            }
            let scaled = (value * scale) as f32;
            if scaled.is_finite() {
                Ok(scaled)
            } else {
                Err(VectorError::Overflow {
                    row,
                    column,
                    value,
                    scale,
                })
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_grammar() {
        let k = parse_vector_key("velocity_umap_2d").expect("valid");
        assert_eq!(
            k,
            VectorKey {
                field: "velocity_umap".into(),
                dim: 2
            }
        );
        let k = parse_vector_key("a_umap_umap_3d").expect("greedy");
        assert_eq!(k.field, "a_umap_umap");
        for bad in [
            "_umap_2d",
            "velocity_2d",
            "velocity_umap_4d",
            "velocity_umap_2",
            "umap_2d",
            "x_umap_2D",
            "é_umap",
        ] {
            assert!(parse_vector_key(bad).is_err(), "{bad}");
        }
        assert!(parse_vector_key("é_umap_1d").is_ok());
    }

    #[test]
    fn scaling_rounds_once_and_refuses_overflow() {
        let v = scale_vectors(&[1.0, -2.0, 0.1], 1, 0.5).expect("finite");
        assert_eq!(v, vec![0.5, -1.0, (0.1_f64 * 0.5) as f32]);
        assert!(matches!(
            scale_vectors(&[f64::NAN], 1, 1.0),
            Err(VectorError::NonFinite { .. })
        ));
        assert!(matches!(
            scale_vectors(&[1.0, 1e300], 2, 1.0),
            Err(VectorError::Overflow {
                row: 0,
                column: 1,
                ..
            })
        ));
    }
}
