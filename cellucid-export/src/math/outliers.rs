//! Per-cell latent-space outlier quantiles, the reference's float32 rule (format.md §15).

use rayon::prelude::*;

use super::pairwise::pairwise_sum;

/// Quantiles of one category's members, in member order (all arithmetic binary32 except the
/// centroid division).
fn category_quantiles(latent: &[f32], k: usize, cells: &[usize]) -> Vec<f32> {
    let m = cells.len();
    // 1. sequential float32 column sums in cell order.
    let mut sums = vec![0.0_f32; k];
    for &i in cells {
        let row = &latent[i * k..(i + 1) * k];
        for (s, &v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
    // 2. μ_j = fl32(f64(S_j) / f64(m)).
    let mu: Vec<f32> = sums
        .iter()
        .map(|&s| (f64::from(s) / m as f64) as f32)
        .collect();
    // 3–5. squared differences, PW32 row totals, float32 sqrt.
    let mut squares = vec![0.0_f32; k];
    let dists: Vec<f32> = cells
        .iter()
        .map(|&i| {
            let row = &latent[i * k..(i + 1) * k];
            for ((sq, &v), &c) in squares.iter_mut().zip(row).zip(&mu) {
                let e = v - c;
                *sq = e * e;
            }
            (0.0_f32 + pairwise_sum(&squares)).sqrt()
        })
        .collect();
    // 6–7. right-side rank among the sorted distances (how many are <= this one in the total
    // order), q = fl32(rank) / fl32(m).
    right_ranks(&dists)
        .into_iter()
        .map(|rank| rank as f32 / m as f32)
        .collect()
}

/// For each value, how many values are at most it in `f32::total_cmp` order. One sort of
/// (order key, position) pairs and a walk over the groups of equal values, instead of a sort
/// of the values and a binary search per value (whose misses were half of this module's time
/// on 100k-cell categories).
fn right_ranks(values: &[f32]) -> Vec<usize> {
    let mut keyed: Vec<(u32, usize)> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (total_order_key(v), i))
        .collect();
    keyed.sort_unstable();
    let mut ranks = vec![0usize; values.len()];
    let mut start = 0;
    while start < keyed.len() {
        let key = keyed[start].0;
        let end = start + keyed[start..].iter().take_while(|e| e.0 == key).count();
        for &(_, i) in &keyed[start..end] {
            ranks[i] = end;
        }
        start = end;
    }
    ranks
}

/// An unsigned key that orders like `f32::total_cmp`.
fn total_order_key(v: f32) -> u32 {
    let bits = v.to_bits();
    // Negative values: flip every bit (larger magnitude sorts first); others: set the sign bit.
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// Per-cell outlier quantiles of one categorical field (format.md §15).
///
/// `latent` is the latent space converted once to float32, row-major `n_cells × k` (densified
/// if sparse). `members[c]` lists the cells of code `c` in ascending order. Categories with fewer
/// than `min_points` cells are skipped; their cells, and cells with a missing code, stay NaN
/// (the canonical quiet NaN `0x7FC00000`). Values lie in (0, 1]; the farthest cell of a category
/// gets 1.0. Categories are processed in parallel; the result does not depend on the thread count.
///
/// # Errors
/// [`LatentShapeError`] when `latent.len() != n_cells × k` or a member index is `>= n_cells`.
pub fn latent_outlier_quantiles(
    latent: &[f32],
    n_cells: usize,
    k: usize,
    members: &[Vec<usize>],
    min_points: usize,
) -> Result<Vec<f32>, LatentShapeError> {
    if n_cells.checked_mul(k) != Some(latent.len())
        || members.iter().flatten().any(|&cell| cell >= n_cells)
    {
        return Err(LatentShapeError {
            len: latent.len(),
            n_cells,
            k,
        });
    }
    let per_category: Vec<Option<Vec<f32>>> = members
        .par_iter()
        .map(|cells| {
            (!cells.is_empty() && cells.len() >= min_points)
                .then(|| category_quantiles(latent, k, cells))
        })
        .collect();
    let mut out = vec![f32::from_bits(0x7FC0_0000); n_cells];
    for (cells, quantiles) in members.iter().zip(per_category) {
        if let Some(q) = quantiles {
            for (&cell, v) in cells.iter().zip(q) {
                out[cell] = v;
            }
        }
    }
    Ok(out)
}

/// The latent array does not have `n_cells × k` values, or a member cell is out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("latent space has {len} values, expected {n_cells} cells x {k} columns with every category member below {n_cells}")]
pub struct LatentShapeError {
    /// Number of latent values given.
    pub len: usize,
    /// Expected number of cells.
    pub n_cells: usize,
    /// Expected number of columns.
    pub k: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive_right_ranks(values: &[f32]) -> Vec<usize> {
        values
            .iter()
            .map(|d| values.iter().filter(|s| s.total_cmp(d).is_le()).count())
            .collect()
    }

    proptest! {
        /// Ranks count the values at most each one in total order: ties (equal bits) share the
        /// rank of the last of them; -0 sorts before +0 and NaNs by sign at the ends.
        #[test]
        fn right_ranks_count_values_at_most_each(
            values in proptest::collection::vec(
                prop_oneof![
                    (0u32..6).prop_map(|i| i as f32 * 0.5),
                    Just(-0.0_f32),
                    Just(f32::NAN),
                    Just(-f32::NAN),
                    Just(f32::INFINITY),
                    Just(f32::NEG_INFINITY),
                    any::<f32>(),
                ],
                0..200,
            )
        ) {
            prop_assert_eq!(right_ranks(&values), naive_right_ranks(&values));
        }
    }

    #[test]
    fn ranks_count_ties_and_small_categories_stay_nan() {
        // 1-column latent; category 0 = cells 0..4 with values 0, 0, 1, 3 (mean 1).
        let latent = [0.0_f32, 0.0, 1.0, 3.0, 7.0];
        let members = vec![vec![0, 1, 2, 3], vec![4]];
        let q = latent_outlier_quantiles(&latent, 5, 1, &members, 2).expect("shape");
        // distances 1, 1, 0, 2 → ranks 3, 3, 1, 4 of 4.
        assert_eq!(&q[..4], &[0.75, 0.75, 0.25, 1.0]);
        assert_eq!(q[4].to_bits(), 0x7FC0_0000);
    }

    #[test]
    fn quantile_is_a_float32_division() {
        let members = vec![(0..501).collect::<Vec<usize>>()];
        let latent: Vec<f32> = (0..501).map(|i| i as f32).collect();
        let q = latent_outlier_quantiles(&latent, 501, 1, &members, 10).expect("shape");
        // Centre cell: rank 1 → fl32(1) / fl32(501), the phase minimum of format.md §11.
        assert_eq!(f64::from(q[250]), 0.0019960079807788134);
        // Cells 249 and 251 tie at distance 1: rank 3.
        assert_eq!(q[249], 3.0_f32 / 501.0);
        assert_eq!(q[251], q[249]);
        assert_eq!(q[0], 1.0);
        assert_eq!((426.0_f32 / 501.0).to_bits(), 0x3f59_ad39);
    }
}
