//! Embedding normalisation (format.md §12).

/// Why an embedding cannot be normalised.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NormaliseError {
    /// `values.len()` is not `n × dim`, or `dim` is not 1, 2 or 3.
    #[error("embedding of dimension {dim} has {len} values, which is not a whole number of rows (expected n x {dim}, n >= 1)")]
    Shape {
        /// Declared dimension.
        dim: usize,
        /// Number of values given.
        len: usize,
    },
    /// A value is NaN or infinite (position given as `[row, column]`).
    #[error("embedding value at [{row}, {column}] is not finite; replace or drop the non-finite coordinates")]
    NonFinite {
        /// Cell.
        row: usize,
        /// Axis.
        column: usize,
    },
    /// Every axis has zero range (this includes every 1-cell embedding).
    #[error("embedding has no coordinate variation and cannot be normalized (every axis has zero range)")]
    NoVariation,
}

/// A normalised embedding: `N[i,j] = (X[i,j] − c_j) × s` in f64 (format.md §12).
#[derive(Debug, Clone, PartialEq)]
pub struct NormalisedEmbedding {
    /// Number of axes (1, 2 or 3).
    pub dim: usize,
    /// Row-major `n × dim` normalised coordinates, in f64. These (not the float32 file values)
    /// feed the centroids.
    pub coords: Vec<f64>,
    /// Axis centres `c_j = (lo_j + hi_j) / 2`.
    pub center: Vec<f64>,
    /// The single scale `s = 2 / R` (R the largest axis range); vector fields of this dimension
    /// are multiplied by it.
    pub scale: f64,
}

impl NormalisedEmbedding {
    /// Number of cells.
    pub fn n_cells(&self) -> usize {
        self.coords.len() / self.dim.max(1)
    }

    /// The `points_<d>d.bin` values: fl32 of every normalised coordinate (the only rounding).
    pub fn to_f32(&self) -> Vec<f32> {
        self.coords.iter().map(|&v| v as f32).collect()
    }
}

/// Normalises a row-major `n × dim` embedding given in f64 (widened from its stored precision,
/// never rounded to float32 first).
///
/// Per axis `lo_j`/`hi_j`; `R = max_j(hi_j − lo_j)` must be > 0; `c_j = (lo_j + hi_j) / 2`;
/// `s = 2.0 / R`; `N[i,j] = (X[i,j] − c_j) × s`, subtract then multiply. An axis with zero range
/// becomes all 0 when another axis varies.
///
/// # Errors
/// [`NormaliseError::Shape`] for a bad length or dimension, [`NormaliseError::NonFinite`] for a
/// NaN/±Inf coordinate, [`NormaliseError::NoVariation`] when every axis is constant.
pub fn normalise_embedding(
    values: &[f64],
    dim: usize,
) -> Result<NormalisedEmbedding, NormaliseError> {
    if !(1..=3).contains(&dim) || values.is_empty() || !values.len().is_multiple_of(dim) {
        return Err(NormaliseError::Shape {
            dim,
            len: values.len(),
        });
    }
    let mut lo = vec![f64::INFINITY; dim];
    let mut hi = vec![f64::NEG_INFINITY; dim];
    for (idx, &v) in values.iter().enumerate() {
        let column = idx % dim;
        if !v.is_finite() {
            return Err(NormaliseError::NonFinite {
                row: idx / dim,
                column,
            });
        }
        if v < lo[column] {
            lo[column] = v;
        }
        if v > hi[column] {
            hi[column] = v;
        }
    }
    let range = lo
        .iter()
        .zip(&hi)
        .map(|(l, h)| h - l)
        .fold(f64::NEG_INFINITY, f64::max);
    if range.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(NormaliseError::NoVariation);
    }
    let center: Vec<f64> = lo.iter().zip(&hi).map(|(l, h)| (l + h) / 2.0).collect();
    let scale = 2.0 / range;
    let coords = values
        .iter()
        .enumerate()
        .map(|(idx, &v)| (v - center[idx % dim]) * scale)
        .collect();
    Ok(NormalisedEmbedding {
        dim,
        coords,
        center,
        scale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbmc_worked_example() {
        // format.md §12: lo/hi of pbmc68k X_umap_2d and cell 0.
        let values = [
            -1.9918625454649166,
            8.57641706171008,
            -12.803560057450722,
            -10.040919732221896,
            8.449627630189127,
            9.93612145052094,
        ];
        let n = normalise_embedding(&values, 2).expect("normalises");
        assert_eq!(n.scale, 0.0941035306982742);
        assert_eq!(n.center, vec![-2.1769662136307977, -0.052399140850478254]);
        assert_eq!(n.coords[0], 0.01741890871961115);
        assert_eq!(n.coords[1], 0.8120020704074231);
        let f = n.to_f32();
        assert_eq!(f[0].to_bits(), 0x3c8e_b219);
        assert_eq!(f[1].to_bits(), 0x3f4f_df5e);
    }

    #[test]
    fn zero_range_axis_becomes_zero_and_all_constant_is_refused() {
        let n = normalise_embedding(&[1.0, 5.0, 3.0, 5.0], 2).expect("normalises");
        assert_eq!(n.coords, vec![-1.0, 0.0, 1.0, 0.0]);
        assert_eq!(
            normalise_embedding(&[2.0, 3.0], 2),
            Err(NormaliseError::NoVariation)
        );
        assert_eq!(
            normalise_embedding(&[2.0], 1),
            Err(NormaliseError::NoVariation)
        );
    }

    #[test]
    fn bad_shapes_and_non_finite_values_are_refused() {
        assert_eq!(
            normalise_embedding(&[1.0, 2.0, 3.0], 2),
            Err(NormaliseError::Shape { dim: 2, len: 3 })
        );
        assert_eq!(
            normalise_embedding(&[], 1),
            Err(NormaliseError::Shape { dim: 1, len: 0 })
        );
        assert_eq!(
            normalise_embedding(&[1.0; 4], 4),
            Err(NormaliseError::Shape { dim: 4, len: 4 })
        );
        assert_eq!(
            normalise_embedding(&[1.0, 2.0, f64::NAN, 3.0], 2),
            Err(NormaliseError::NonFinite { row: 1, column: 0 })
        );
    }
}
