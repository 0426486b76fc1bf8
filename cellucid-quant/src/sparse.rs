//! Sparse columns (a CSC column: row indices and stored values) quantized without densifying.
//!
//! Work follows the number of stored values (`nnz`): the scan and the encoding touch only stored
//! values; the implicit zeros contribute one `+0.0` to the extremes when at least one row is
//! implicit, exactly as the dense column would. The result keeps the column sparse, with the
//! code of an implicit zero ([`SparseQuantized::fill_code`]), so that a gzip encoder can emit
//! runs of it without ever building the dense payload.

use crate::analysis::{analyze, bounds_of, convert, encode, Affine, ZERO_KEY};
use crate::bits::Code;
use crate::bounds::Bounds;
use crate::error::QuantError;
use crate::policy::Policy;
use crate::source::SourceValue;

/// A row index type of a sparse column (scipy and AnnData store `int32` or `int64`).
pub trait RowIndex: Copy {
    /// The row as `u64`, or `None` when negative.
    fn to_row(self) -> Option<u64>;
    /// The index as written, for error messages.
    fn to_i128(self) -> i128;
}

macro_rules! row_index {
    ($($t:ty),*) => {$(
        impl RowIndex for $t {
            #[inline(always)]
            fn to_row(self) -> Option<u64> {
                u64::try_from(self).ok()
            }
            fn to_i128(self) -> i128 {
                // Lossless for every implementing type.
                self as i128
            }
        }
    )*};
}

row_index!(u32, u64, usize, i32, i64);

/// A quantized sparse column.
///
/// The dense column is `fill_code` everywhere except at `rows[k]`, which holds `codes[k]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseQuantized<C> {
    /// `minValue`/`maxValue` for the manifest (the implicit zeros included when there are any).
    pub bounds: Bounds,
    /// The code of an implicit zero.
    pub fill_code: C,
    /// Number of cells of the column.
    pub n_rows: usize,
    /// Stored rows, strictly ascending (sorted here if the input was not).
    pub rows: Vec<u32>,
    /// The code of each stored row (explicitly stored zeros included).
    pub codes: Vec<C>,
}

impl<C: Code> SparseQuantized<C> {
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.rows.len()
    }

    /// The dense codes (`n_rows` of them).
    pub fn to_dense(&self) -> Vec<C> {
        let mut out = vec![self.fill_code; self.n_rows];
        self.scatter(&mut out);
        out
    }

    /// Writes the dense codes into `out`.
    ///
    /// # Errors
    /// [`QuantError::OutputLength`] when `out.len() != n_rows`.
    pub fn write_dense_into(&self, out: &mut [C]) -> Result<(), QuantError> {
        if out.len() != self.n_rows {
            return Err(QuantError::OutputLength {
                expected: self.n_rows,
                actual: out.len(),
            });
        }
        out.fill(self.fill_code);
        self.scatter(out);
        Ok(())
    }

    fn scatter(&self, out: &mut [C]) {
        for (&r, &c) in self.rows.iter().zip(&self.codes) {
            if let Some(slot) = out.get_mut(r as usize) {
                *slot = c;
            }
        }
    }
}

/// Stored entries in ascending row order.
struct SortedColumn<'a, S: Clone> {
    rows: Vec<u32>,
    values: std::borrow::Cow<'a, [S]>,
}

/// Checks the row indices (in range, no duplicates) and sorts the entries by row when needed.
fn sort_column<'a, R: RowIndex, S: SourceValue>(
    rows: &[R],
    values: &'a [S],
    n_rows: usize,
) -> Result<SortedColumn<'a, S>, QuantError> {
    if rows.len() != values.len() {
        return Err(QuantError::SparseLengthMismatch {
            rows: rows.len(),
            values: values.len(),
        });
    }
    if n_rows == 0 {
        return Err(QuantError::Empty);
    }
    if u64::try_from(n_rows).map_or(true, |n| n > 1 << 32) {
        return Err(QuantError::TooManyRows { n_rows });
    }
    // Three tight passes (check, convert, test the order) instead of one loop that pushed
    // and compared entry by entry: the loop was 1-3 % of an export's CPU.
    let limit = n_rows as u64;
    if let Some(position) = rows
        .iter()
        .position(|&r| r.to_row().is_none_or(|row| row >= limit))
    {
        return Err(QuantError::RowOutOfRange {
            position,
            row: rows[position].to_i128(),
            n_rows,
        });
    }
    // Every row is below `n_rows` <= 2^32, so it fits a u32.
    let out: Vec<u32> = rows
        .iter()
        .map(|&r| r.to_row().unwrap_or(0) as u32)
        .collect();
    let ascending = out.windows(2).all(|w| w[0] < w[1]);
    if ascending {
        return Ok(SortedColumn {
            rows: out,
            values: std::borrow::Cow::Borrowed(values),
        });
    }
    let mut order: Vec<u32> = (0..out.len() as u32).collect();
    order.sort_unstable_by_key(|&k| out[k as usize]);
    let sorted_rows: Vec<u32> = order.iter().map(|&k| out[k as usize]).collect();
    if let Some(w) = sorted_rows.windows(2).find(|w| w[0] == w[1]) {
        return Err(QuantError::DuplicateRow { row: w[0] as usize });
    }
    let sorted_values: Vec<S> = order.iter().map(|&k| values[k as usize]).collect();
    Ok(SortedColumn {
        rows: sorted_rows,
        values: std::borrow::Cow::Owned(sorted_values),
    })
}

/// Quantizes a sparse column given as (row indices, stored values, `n_rows`), without
/// densifying it.
///
/// The result equals [`quantize`](crate::quantize) of the dense column (implicit entries `+0.0`)
/// in bounds, codes and errors (error cells are rows). Rows need not be sorted (they are sorted
/// in `O(nnz log nnz)` when not); explicitly stored zeros are ordinary values. Cost: `O(nnz)`.
///
/// # Errors
/// As [`quantize`](crate::quantize), plus [`QuantError::SparseLengthMismatch`],
/// [`QuantError::RowOutOfRange`], [`QuantError::DuplicateRow`] and [`QuantError::TooManyRows`]
/// for malformed columns.
pub fn quantize_sparse<S: SourceValue, R: RowIndex, C: Code>(
    rows: &[R],
    values: &[S],
    n_rows: usize,
    policy: Policy,
) -> Result<SparseQuantized<C>, QuantError> {
    let col = sort_column(rows, values, n_rows)?;
    let values = col.values.as_ref();
    let analysis = analyze(values, policy, n_rows, |i| {
        col.rows.get(i).map_or(i, |&r| r as usize)
    })?;
    let has_implicit = values.len() < n_rows;
    let extremes = match (analysis.extremes, has_implicit) {
        (Some(e), true) => Some(e.include(ZERO_KEY)),
        (None, true) => Some(crate::analysis::Extremes {
            min: ZERO_KEY,
            max: ZERO_KEY,
        }),
        (e, false) => e,
    };
    let bounds = bounds_of(extremes, policy, n_rows)?;
    let affine = Affine::new::<C>(bounds);
    let mut codes = vec![C::default(); values.len()];
    encode(values, &mut codes, &affine, analysis.all_finite);
    Ok(SparseQuantized {
        bounds,
        fill_code: affine.code(0.0),
        n_rows,
        rows: col.rows,
        codes,
    })
}

/// Writes the float32 payload of a sparse column into `out` (`n_rows` values): `0.0` at the
/// implicit rows, `fl32` of the stored values elsewhere (missing ones as the canonical NaN).
///
/// # Errors
/// As [`quantize_sparse`], plus [`QuantError::OutputLength`] when `out.len() != n_rows`.
pub fn sparse_to_float32_into<S: SourceValue, R: RowIndex>(
    rows: &[R],
    values: &[S],
    n_rows: usize,
    out: &mut [f32],
    policy: Policy,
) -> Result<(), QuantError> {
    if out.len() != n_rows {
        return Err(QuantError::OutputLength {
            expected: n_rows,
            actual: out.len(),
        });
    }
    let col = sort_column(rows, values, n_rows)?;
    let values = col.values.as_ref();
    let analysis = analyze(values, policy, n_rows, |i| {
        col.rows.get(i).map_or(i, |&r| r as usize)
    })?;
    if values.len() == n_rows {
        bounds_of(analysis.extremes, policy, n_rows)?;
    }
    let mut stored = vec![0f32; values.len()];
    convert(values, &mut stored, analysis.all_finite);
    out.fill(0.0);
    for (&r, &v) in col.rows.iter().zip(&stored) {
        if let Some(slot) = out.get_mut(r as usize) {
            *slot = v;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantize;

    #[test]
    fn implicit_zeros_count_toward_the_bounds() {
        let s = quantize_sparse::<f32, i32, u8>(&[1, 3], &[2.0, 4.0], 5, Policy::default())
            .expect("ok");
        assert_eq!(s.bounds, Bounds { min: 0.0, max: 4.0 });
        assert_eq!(s.fill_code, 0);
        assert_eq!(
            s.to_dense(),
            quantize::<f32, u8>(&[0.0, 2.0, 0.0, 4.0, 0.0], Policy::default())
                .expect("ok")
                .codes
        );
        // All rows stored: no implicit zero in the bounds.
        let full = quantize_sparse::<f32, u32, u8>(&[0, 1], &[2.0, 4.0], 2, Policy::default())
            .expect("ok");
        assert_eq!(full.bounds, Bounds { min: 2.0, max: 4.0 });
        // Negative values put the fill code above 0.
        let neg = quantize_sparse::<f32, u32, u8>(&[0], &[-2.0], 3, Policy::default()).expect("ok");
        assert_eq!(
            (neg.bounds, neg.fill_code),
            (
                Bounds {
                    min: -2.0,
                    max: 0.0
                },
                254
            )
        );
    }

    #[test]
    fn unsorted_rows_are_sorted_and_duplicates_refused() {
        let s = quantize_sparse::<f64, i64, u16>(&[3, 0], &[4.0, 2.0], 4, Policy::default())
            .expect("ok");
        assert_eq!(s.rows, vec![0, 3]);
        assert_eq!(s.codes, vec![32767, 65534]);
        assert_eq!(
            quantize_sparse::<f64, i64, u16>(&[3, 0, 3], &[4.0, 2.0, 1.0], 4, Policy::default()),
            Err(QuantError::DuplicateRow { row: 3 })
        );
        assert_eq!(
            quantize_sparse::<f64, i64, u16>(&[1, -1], &[4.0, 2.0], 4, Policy::default()),
            Err(QuantError::RowOutOfRange {
                position: 1,
                row: -1,
                n_rows: 4
            })
        );
        assert_eq!(
            quantize_sparse::<f64, i64, u16>(&[1, 4], &[4.0, 2.0], 4, Policy::default()),
            Err(QuantError::RowOutOfRange {
                position: 1,
                row: 4,
                n_rows: 4
            })
        );
        assert_eq!(
            quantize_sparse::<f64, i64, u16>(&[1], &[4.0, 2.0], 4, Policy::default()),
            Err(QuantError::SparseLengthMismatch { rows: 1, values: 2 })
        );
    }

    #[test]
    fn errors_name_rows_not_positions() {
        match quantize_sparse::<f32, u32, u8>(&[7, 2], &[f32::INFINITY, 1.0], 9, Policy::default())
        {
            Err(QuantError::NotFloat32Safe(r)) => {
                assert_eq!(
                    (r.n_cells, r.pos_inf, r.first_cells.clone()),
                    (9, 1, vec![7])
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_column_is_constant_zero_and_all_nan_needs_all_rows() {
        let s = quantize_sparse::<f32, u32, u8>(&[], &[], 4, Policy::default()).expect("ok");
        assert_eq!(
            (s.bounds, s.fill_code, s.to_dense()),
            (Bounds { min: 0.0, max: 0.0 }, 0, vec![0; 4])
        );
        let nan =
            quantize_sparse::<f32, u32, u8>(&[1], &[f32::NAN], 2, Policy::default()).expect("ok");
        assert_eq!(nan.to_dense(), vec![0, 255]);
        assert_eq!(
            quantize_sparse::<f32, u32, u8>(&[0, 1], &[f32::NAN, f32::NAN], 2, Policy::default()),
            Err(QuantError::AllMissing {
                n_cells: 2,
                inf_as_missing: false
            })
        );
    }

    #[test]
    fn sparse_float32_payload() {
        let mut out = [9f32; 4];
        sparse_to_float32_into(&[2u32, 0], &[f64::NAN, 1.5], 4, &mut out, Policy::default())
            .expect("ok");
        assert_eq!(out.map(f32::to_bits), [1.5f32.to_bits(), 0, 0x7FC0_0000, 0]);
    }
}
