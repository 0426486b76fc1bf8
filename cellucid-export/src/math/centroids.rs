//! Category centroids with quantile trimming (format.md §16).

use super::pairwise::pairwise_sum;

/// The centroid of one category in one embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct Centroid {
    /// `d` coordinates in the normalised embedding space (f64).
    pub position: Vec<f64>,
    /// Number of cells averaged (the inliers when trimming kept at least `min_points`).
    pub n_points: usize,
}

/// A centroid tagged with its category code.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryCentroid {
    /// Category code (index into the field's categories).
    pub code: usize,
    /// The centroid.
    pub centroid: Centroid,
}

/// Mean of the selected rows: sequential f64 sums for d = 2/3, `0 + PW64` for d = 1, divided by
/// `f64(m)`.
fn mean(points: &[f64], dim: usize, rows: &[usize]) -> Vec<f64> {
    let m = rows.len() as f64;
    if dim == 1 {
        let values: Vec<f64> = rows.iter().map(|&r| points[r]).collect();
        return vec![(0.0 + pairwise_sum(&values)) / m];
    }
    let mut sums = vec![0.0_f64; dim];
    for &r in rows {
        for (j, s) in sums.iter_mut().enumerate() {
            *s += points[r * dim + j];
        }
    }
    sums.iter().map(|s| s / m).collect()
}

/// numpy's default ("linear") quantile of `sorted` at `p` (format.md §16 step 3); the test
/// oracle of [`linear_quantile_unsorted`].
#[cfg(test)]
fn linear_quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor();
    let gamma = h - lo;
    let lo = lo as usize;
    let a = sorted[lo];
    let b = sorted.get(lo + 1).copied().unwrap_or(a);
    linear_quantile_of_pair([a, b], gamma)
}

/// [`linear_quantile`] of `values` in any order (reordered in place): only the two order
/// statistics it needs are selected, O(m) instead of sorting (the sort was 1 % of a 100k-cell
/// export's CPU).
/// Callers pass a non-empty slice and `p` in [0, 1]; otherwise NaN (empty) or the nearest
/// order statistic (p outside [0, 1]) comes back instead of a panic.
fn linear_quantile_unsorted(values: &mut [f64], p: f64) -> f64 {
    let Some(last) = values.len().checked_sub(1) else {
        return f64::NAN;
    };
    let h = last as f64 * p;
    let lo = (h.floor() as usize).min(last);
    let (_, &mut a, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let b = above.iter().copied().min_by(f64::total_cmp).unwrap_or(a);
    // The same arithmetic as the sorted version on the two values it would read.
    linear_quantile_of_pair([a, b], h - lo as f64)
}

/// numpy's linear interpolation between the order statistics `a ≤ b` at fraction `gamma`.
fn linear_quantile_of_pair([a, b]: [f64; 2], gamma: f64) -> f64 {
    let delta = b - a;
    if gamma >= 0.5 {
        b - delta * (1.0 - gamma)
    } else {
        a + delta * gamma
    }
}

/// The centroid of one category (format.md §16), or `None` when it has fewer than `min_points`
/// members (the category is then omitted from the list).
///
/// `points` is the row-major f64 normalised embedding (`n × dim`), `members` the category's
/// cells in ascending order, `quantile` the trimming quantile p (0.5 < p < 1 in the reference;
/// any p in (0, 1) works). When `m > min_points`, cells with distance ≤ the linear quantile of
/// the distances are the inliers; if there are at least `min_points` of them the centroid is
/// their mean, otherwise the all-cell mean with `n_points = m`.
///
/// # Panics
/// Never for valid arguments; callers guarantee every member index is `< n` and `dim` in 1..=3.
pub fn category_centroid(
    points: &[f64],
    dim: usize,
    members: &[usize],
    quantile: f64,
    min_points: usize,
) -> Option<Centroid> {
    let m = members.len();
    if m == 0 || m < min_points {
        return None;
    }
    let mu = mean(points, dim, members);
    if m == min_points {
        return Some(Centroid {
            position: mu,
            n_points: m,
        });
    }
    let dists: Vec<f64> = members
        .iter()
        .map(|&r| {
            let mut acc = 0.0_f64;
            for (j, c) in mu.iter().enumerate() {
                let dx = points[r * dim + j] - c;
                acc += dx * dx;
            }
            acc.sqrt()
        })
        .collect();
    let thr = linear_quantile_unsorted(&mut dists.clone(), quantile);
    let inliers: Vec<usize> = members
        .iter()
        .zip(&dists)
        .filter(|(_, &d)| d <= thr)
        .map(|(&r, _)| r)
        .collect();
    if inliers.len() >= min_points {
        Some(Centroid {
            position: mean(points, dim, &inliers),
            n_points: inliers.len(),
        })
    } else {
        Some(Centroid {
            position: mu,
            n_points: m,
        })
    }
}

/// The centroids of every qualifying category of a field in category order (the
/// `centroidsByDim[d]` list of format.md §6). `members[c]` lists the cells of code `c`.
pub fn field_centroids(
    points: &[f64],
    dim: usize,
    members: &[Vec<usize>],
    quantile: f64,
    min_points: usize,
) -> Vec<CategoryCentroid> {
    members
        .iter()
        .enumerate()
        .filter_map(|(code, cells)| {
            category_centroid(points, dim, cells, quantile, min_points)
                .map(|centroid| CategoryCentroid { code, centroid })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Selecting the two order statistics gives the sorted version's quantile, bit for bit.
        #[test]
        fn selection_equals_the_sorted_quantile(
            values in proptest::collection::vec(0u8..40, 1..200),
            p in 0.0f64..1.0,
        ) {
            let values: Vec<f64> = values.iter().map(|&v| f64::from(v) / 7.0).collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let want = linear_quantile(&sorted, p);
            let got = linear_quantile_unsorted(&mut values.clone(), p);
            proptest::prop_assert_eq!(got.to_bits(), want.to_bits());
        }
    }

    #[test]
    fn quantile_edges_do_not_panic() {
        assert!(linear_quantile_unsorted(&mut [], 0.9).is_nan());
        assert_eq!(linear_quantile_unsorted(&mut [3.0, 1.0, 2.0], 1.0), 3.0);
        assert_eq!(linear_quantile_unsorted(&mut [3.0, 1.0, 2.0], 0.0), 1.0);
        assert_eq!(linear_quantile_unsorted(&mut [3.0, 1.0, 2.0], 7.0), 3.0);
    }

    #[test]
    fn linear_quantile_matches_numpy() {
        // np.quantile([1, 2, 3, 4], 0.95) == 3.85; np.quantile([0, 10], 0.3) == 3.0
        assert_eq!(
            linear_quantile(&[1.0, 2.0, 3.0, 4.0], 0.95),
            4.0 - 1.0 * (1.0 - (3.0 * 0.95 - 2.0))
        );
        assert_eq!(linear_quantile(&[0.0, 10.0], 0.3), 3.0);
        assert_eq!(linear_quantile(&[5.0], 0.9), 5.0);
    }

    #[test]
    fn small_categories_are_omitted_and_exact_size_is_untrimmed() {
        let points: Vec<f64> = (0..12).map(f64::from).collect();
        let members: Vec<usize> = (0..10).collect();
        assert!(category_centroid(&points, 1, &members[..9], 0.95, 10).is_none());
        let c = category_centroid(&points, 1, &members, 0.95, 10).expect("qualifies");
        assert_eq!(
            c,
            Centroid {
                position: vec![4.5],
                n_points: 10
            }
        );
    }

    #[test]
    fn trimming_drops_the_far_cells() {
        // 11 cells in 2-D: ten at the origin area, one far away.
        let mut points = Vec::new();
        for i in 0..10 {
            points.extend([f64::from(i) * 0.01, 0.0]);
        }
        points.extend([100.0, 100.0]);
        let members: Vec<usize> = (0..11).collect();
        let c = category_centroid(&points, 2, &members, 0.9, 10).expect("qualifies");
        assert_eq!(c.n_points, 10);
        assert_eq!(
            c.position,
            vec![
                (0..10).map(|i| f64::from(i) * 0.01).sum::<f64>() / 10.0,
                0.0
            ]
        );
        // With min_points 11 nothing is trimmed (m == min_points).
        let c = category_centroid(&points, 2, &members, 0.9, 11).expect("qualifies");
        assert_eq!(c.n_points, 11);
    }
}
