//! Connectivity edge extraction (format.md §18).

/// Why a graph cannot be exported. Each message names the offending entry and the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// The CSR arrays are inconsistent (indptr length, monotonicity, lengths of indices/data).
    #[error("connectivity graph is malformed: {detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// A column index is `>= n`.
    #[error("connectivity entry ({row}, {column}) is outside the {n} x {n} graph")]
    OutOfRange {
        /// Row.
        row: usize,
        /// Column.
        column: usize,
        /// Number of cells.
        n: usize,
    },
    /// A coordinate is stored twice.
    #[error("connectivity entry ({row}, {column}) is stored more than once; sum or drop the duplicates first (e.g. scipy `.sum_duplicates()`)")]
    Duplicate {
        /// Row.
        row: usize,
        /// Column.
        column: usize,
    },
    /// A stored value is NaN, ±Inf, negative or zero.
    #[error("connectivity entry ({row}, {column}) = {value} is not a finite positive weight; weights must be > 0 (remove stored zeros with scipy `.eliminate_zeros()`, and replace non-finite or negative weights)")]
    BadWeight {
        /// Row.
        row: usize,
        /// Column.
        column: usize,
        /// The weight.
        value: f64,
    },
    /// A self-loop.
    #[error("connectivity has a diagonal entry at cell {cell} (value {value}); self-loops are not allowed, remove the diagonal (e.g. `C.setdiag(0); C.eliminate_zeros()`)")]
    Diagonal {
        /// Cell.
        cell: usize,
        /// Value.
        value: f64,
    },
    /// The graph is not exactly symmetric.
    #[error("connectivity graph is not symmetric: entry ({row}, {column}) = {value} but entry ({column}, {row}) = {}; symmetrise it first, e.g. `(C + C.T) / 2`", .transposed.map_or("absent".to_string(), |v| v.to_string()))]
    Asymmetric {
        /// Row.
        row: usize,
        /// Column.
        column: usize,
        /// Value at (row, column).
        value: f64,
        /// Value at (column, row), or `None` when not stored.
        transposed: Option<f64>,
    },
    /// More than 2^32 cells cannot be indexed with uint32.
    #[error("connectivity over {n} cells cannot be exported: at most 4294967296 cells fit uint32 indices")]
    TooManyCells {
        /// Number of cells.
        n: usize,
    },
    /// More stored entries below the diagonal than the symmetry check indexes (2^32 − 1).
    #[error("connectivity graph stores {entries} entries below the diagonal; at most 4294967295 can be checked (the viewer handles about 12 million edges). Fix: sparsify the graph (fewer neighbours) before exporting")]
    TooManyEntries {
        /// Entries below the diagonal.
        entries: usize,
    },
}

/// The canonical undirected edge list: pairs `i < j` sorted by `(src, dst)`, each stored once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Edges {
    /// Number of cells of the graph.
    pub n_cells: usize,
    /// Sources (the smaller endpoint).
    pub src: Vec<u32>,
    /// Destinations (the larger endpoint).
    pub dst: Vec<u32>,
    /// Weights, f64 of the stored values.
    pub weights: Vec<f64>,
    /// The maximum vertex degree (0 iff no edges).
    pub max_neighbors: usize,
}

impl Edges {
    /// Number of edges.
    pub fn n_edges(&self) -> usize {
        self.src.len()
    }

    /// 2 when `n_cells ≤ 65,536` (uint16 indices), else 4.
    pub fn index_bytes(&self) -> usize {
        if self.n_cells <= 65_536 {
            2
        } else {
            4
        }
    }

    fn from_sorted_upper(n_cells: usize, upper: Vec<(u32, u32, f64)>) -> Self {
        let mut degree = vec![0_usize; n_cells];
        let mut edges = Edges {
            n_cells,
            ..Default::default()
        };
        edges.src.reserve(upper.len());
        edges.dst.reserve(upper.len());
        edges.weights.reserve(upper.len());
        for (s, d, w) in upper {
            degree[s as usize] += 1;
            degree[d as usize] += 1;
            edges.src.push(s);
            edges.dst.push(d);
            edges.weights.push(w);
        }
        edges.max_neighbors = degree.into_iter().max().unwrap_or(0);
        edges
    }
}

fn check_cells(n: usize) -> Result<(), GraphError> {
    if n as u128 > 1_u128 << 32 {
        return Err(GraphError::TooManyCells { n });
    }
    Ok(())
}

fn check_weight(row: usize, column: usize, value: f64) -> Result<(), GraphError> {
    if !value.is_finite() || value <= 0.0 {
        return Err(GraphError::BadWeight { row, column, value });
    }
    if row == column {
        return Err(GraphError::Diagonal { cell: row, value });
    }
    Ok(())
}

/// Extracts the edge list of an `n × n` CSR graph (format.md §18).
///
/// Refuses duplicate coordinates, non-finite, negative or zero stored values, diagonal entries
/// and any asymmetry in structure or value; never symmetrises, binarises or drops. A CSC graph
/// can be passed as its transpose's CSR arrays: a symmetric graph equals its transpose.
/// `indptr` and `indices` may be any integer type (the adapter's `u64` and `u32` arrays are
/// passed as they are, without a widened copy); a value that does not fit `usize` is refused.
///
/// One pass checks every entry in row order and splits the graph into its upper triangle
/// (kept as the edges) and its transposed lower triangle. In canonical CSR (columns strictly
/// ascending in every row, as scipy and scanpy write it) the upper triangle comes out sorted
/// and free of duplicates, so only the lower one is ordered (a counting sort) before the two
/// are compared; other inputs sort the upper one too and look for duplicates first. Against sorting copies of both triangles
/// this saves a copy of the upper one and its sort (at 1M cells and 30M stored entries
/// ~400 MiB of peak memory).
///
/// # Errors
/// A [`GraphError`] naming the first offending entry.
pub fn edges_from_csr<P, I>(
    n: usize,
    indptr: &[P],
    indices: &[I],
    data: &[f64],
) -> Result<Edges, GraphError>
where
    P: Copy + TryInto<usize>,
    I: Copy + TryInto<usize>,
{
    edges_from_csr_in_order(n, indptr, indices, data, true)
}

/// [`edges_from_csr`]; with `trust_row_order` false, the upper triangle is sorted and checked
/// for duplicates even when every row is ascending (the tests compare both ways).
fn edges_from_csr_in_order<P, I>(
    n: usize,
    indptr: &[P],
    indices: &[I],
    data: &[f64],
    trust_row_order: bool,
) -> Result<Edges, GraphError>
where
    P: Copy + TryInto<usize>,
    I: Copy + TryInto<usize>,
{
    check_cells(n)?;
    let Triangles {
        mut upper,
        lower,
        rows_ascending,
    } = split_triangles(n, indptr, indices, data)?;
    let key = |e: &(u32, u32, f64)| (e.0, e.1);
    if !(rows_ascending && trust_row_order) {
        // A row out of order may hold a column twice: sort the upper triangle and find
        // duplicates in both (an ascending row cannot hold one).
        let unsorted = std::mem::take(&mut upper);
        let mut sorted: Vec<(u32, u32, f64)> = (unsorted.src.into_iter())
            .zip(unsorted.dst)
            .zip(unsorted.weights)
            .map(|((s, d), w)| (s, d, w))
            .collect();
        sorted.sort_unstable_by_key(key);
        if let Some(w) = sorted.windows(2).find(|w| key(&w[0]) == key(&w[1])) {
            return Err(GraphError::Duplicate {
                row: w[0].0 as usize,
                column: w[0].1 as usize,
            });
        }
        let order = column_order(n, &lower)?;
        let sorted_lower = |k: usize| order.get(k).and_then(|&i| lower.get(i as usize));
        if let Some(e) = (1..order.len()).find_map(|k| {
            let (a, b) = (sorted_lower(k - 1)?, sorted_lower(k)?);
            (key(a) == key(b)).then_some(a)
        }) {
            return Err(GraphError::Duplicate {
                row: e.1 as usize,
                column: e.0 as usize,
            });
        }
        upper = Edges::from_sorted_upper(n, sorted);
        check_symmetry(&upper, &lower, &order)?;
    } else {
        check_symmetry(&upper, &lower, &column_order(n, &lower)?)?;
    }
    upper.max_neighbors = max_degree(n, &upper);
    Ok(upper)
}

/// Refuses more entries below the diagonal than [`column_order`] indexes.
fn check_lower_entries(entries: usize) -> Result<(), GraphError> {
    match u32::try_from(entries) {
        Ok(_) => Ok(()),
        Err(_) => Err(GraphError::TooManyEntries { entries }),
    }
}

/// The order of the transposed lower triangle `(column, row, weight)` by `(column, row)`:
/// `lower[order[k]]` is its k-th entry.
///
/// The entries come in storage order, so their rows ascend; a stable counting sort on the
/// column (every column already checked `< n`) therefore orders both keys in O(entries + n),
/// where sorting the 24-byte tuples took 2 % of an export's CPU (100k cells, 1.5 M entries).
/// Two entries of one row with the same column end up next to each other. The permutation
/// costs 4 bytes an entry beside the triangle, not a sorted copy of it, and so indexes at most
/// 2^32 − 1 entries ([`GraphError::TooManyEntries`] beyond).
fn column_order(n: usize, lower: &[(u32, u32, f64)]) -> Result<Vec<u32>, GraphError> {
    check_lower_entries(lower.len())?;
    let mut next = vec![0u32; n + 1];
    for e in lower {
        if let Some(c) = next.get_mut(e.0 as usize + 1) {
            *c += 1;
        }
    }
    for c in 1..next.len() {
        next[c] += next[c - 1];
    }
    let mut order = vec![0u32; lower.len()];
    for (k, e) in lower.iter().enumerate() {
        if let Some(slot) = next.get_mut(e.0 as usize) {
            if let Some(o) = order.get_mut(*slot as usize) {
                *o = k as u32;
            }
            *slot += 1;
        }
    }
    Ok(order)
}

/// A graph split by [`split_triangles`].
struct Triangles {
    /// Entries `(row, column)` with `row < column`, in storage order, as edges.
    upper: Edges,
    /// Entries with `row > column`, transposed to `(column, row, weight)`, in storage order.
    lower: Vec<(u32, u32, f64)>,
    /// Whether every row's columns are strictly ascending.
    rows_ascending: bool,
}

/// Checks the CSR arrays and every entry in row order (range, weight, diagonal; errors name
/// the first offending entry) and splits the entries into the two triangles.
fn split_triangles<P, I>(
    n: usize,
    indptr: &[P],
    indices: &[I],
    data: &[f64],
) -> Result<Triangles, GraphError>
where
    P: Copy + TryInto<usize>,
    I: Copy + TryInto<usize>,
{
    if indptr.len() != n + 1 {
        return Err(GraphError::Malformed {
            detail: format!(
                "indptr has {} entries, expected n + 1 = {}",
                indptr.len(),
                n + 1
            ),
        });
    }
    let offset = |k: usize| -> Result<usize, GraphError> {
        indptr[k].try_into().map_err(|_| GraphError::Malformed {
            detail: format!("indptr[{k}] is negative or too large"),
        })
    };
    let (first, last) = (offset(0)?, offset(n)?);
    if indices.len() != data.len() || last != indices.len() || first != 0 {
        return Err(GraphError::Malformed {
            detail: format!(
                "indptr runs from {first} to {last} but there are {} indices and {} values",
                indices.len(),
                data.len()
            ),
        });
    }
    let half = indices.len() / 2;
    let mut upper = Edges {
        n_cells: n,
        src: Vec::with_capacity(half),
        dst: Vec::with_capacity(half),
        weights: Vec::with_capacity(half),
        max_neighbors: 0,
    };
    let mut lower = Vec::with_capacity(half);
    let mut rows_ascending = true;
    let mut start = first;
    for row in 0..n {
        let end = offset(row + 1)?;
        if start > end || end > indices.len() {
            return Err(GraphError::Malformed {
                detail: format!("indptr decreases at row {row}"),
            });
        }
        let mut previous: Option<usize> = None;
        for (&stored, &value) in indices[start..end].iter().zip(&data[start..end]) {
            // A negative or oversized index is out of range like any index ≥ n.
            let column = stored.try_into().unwrap_or(usize::MAX);
            if column >= n {
                return Err(GraphError::OutOfRange { row, column, n });
            }
            check_weight(row, column, value)?;
            rows_ascending &= previous < Some(column);
            previous = Some(column);
            // n ≤ 2^32 so every index fits u32.
            if row < column {
                upper.src.push(row as u32);
                upper.dst.push(column as u32);
                upper.weights.push(value);
            } else {
                lower.push((column as u32, row as u32, value));
            }
        }
        start = end;
    }
    Ok(Triangles {
        upper,
        lower,
        rows_ascending,
    })
}

/// The largest number of edges at one cell.
fn max_degree(n: usize, edges: &Edges) -> usize {
    let mut degree = vec![0_usize; n];
    for (&s, &d) in edges.src.iter().zip(&edges.dst) {
        degree[s as usize] += 1;
        degree[d as usize] += 1;
    }
    degree.into_iter().max().unwrap_or(0)
}

/// Compares the sorted upper triangle with the transposed lower triangle taken in `order`
/// (see [`column_order`]).
fn check_symmetry(
    upper: &Edges,
    lower: &[(u32, u32, f64)],
    order: &[u32],
) -> Result<(), GraphError> {
    let edge = |i: usize| -> Option<(u32, u32, f64)> {
        Some((
            *upper.src.get(i)?,
            *upper.dst.get(i)?,
            *upper.weights.get(i)?,
        ))
    };
    let (mut i, mut j) = (0, 0);
    let mut sorted_lower = Gathered::new(lower, order);
    while i < upper.n_edges() || j < order.len() {
        match (edge(i), sorted_lower.get(j)) {
            (Some(u), Some(l)) if (u.0, u.1) == (l.0, l.1) => {
                if u.2 != l.2 {
                    return Err(GraphError::Asymmetric {
                        row: u.0 as usize,
                        column: u.1 as usize,
                        value: u.2,
                        transposed: Some(l.2),
                    });
                }
                i += 1;
                j += 1;
            }
            (Some(u), l) if l.is_none_or(|l| (u.0, u.1) < (l.0, l.1)) => {
                return Err(GraphError::Asymmetric {
                    row: u.0 as usize,
                    column: u.1 as usize,
                    value: u.2,
                    transposed: None,
                });
            }
            (_, Some(l)) => {
                return Err(GraphError::Asymmetric {
                    row: l.1 as usize,
                    column: l.0 as usize,
                    value: l.2,
                    transposed: None,
                });
            }
            (_, None) => break,
        }
    }
    Ok(())
}

/// The lower triangle's entries in `order`, gathered [`GATHER_BATCH`] at a time: the entries
/// sit at random places of a large array, and loading a batch with independent loads lets the
/// processor overlap their cache misses, where one load per comparison waited on each (the
/// symmetry check was 40 % of this module's time at 100k cells).
struct Gathered<'a> {
    lower: &'a [(u32, u32, f64)],
    order: &'a [u32],
    batch: [Option<(u32, u32, f64)>; GATHER_BATCH],
    /// Position in `order` of `batch[0]`.
    start: usize,
}

/// Entries loaded together by [`Gathered`].
const GATHER_BATCH: usize = 64;

impl<'a> Gathered<'a> {
    fn new(lower: &'a [(u32, u32, f64)], order: &'a [u32]) -> Self {
        let mut gathered = Self {
            lower,
            order,
            batch: [None; GATHER_BATCH],
            start: usize::MAX,
        };
        gathered.load(0);
        gathered
    }

    fn load(&mut self, start: usize) {
        self.start = start;
        for (k, slot) in self.batch.iter_mut().enumerate() {
            *slot = self
                .order
                .get(start + k)
                .and_then(|&i| self.lower.get(i as usize))
                .copied();
        }
    }

    /// The `k`-th entry in order, for `k` never decreasing between calls.
    fn get(&mut self, k: usize) -> Option<(u32, u32, f64)> {
        if k < self.start || k >= self.start + GATHER_BATCH {
            self.load(k);
        }
        self.batch[k - self.start]
    }
}

/// Extracts the edge list of a dense row-major `n × n` graph; zeros mean "no edge".
///
/// # Errors
/// A [`GraphError`] for a wrong length, a non-finite or negative value, a non-zero diagonal or
/// any asymmetry.
pub fn edges_from_dense(n: usize, values: &[f64]) -> Result<Edges, GraphError> {
    check_cells(n)?;
    if n.checked_mul(n) != Some(values.len()) {
        return Err(GraphError::Malformed {
            detail: format!(
                "dense graph has {} values, expected {n} x {n}",
                values.len()
            ),
        });
    }
    let mut upper = Vec::new();
    for row in 0..n {
        for column in 0..n {
            let value = values[row * n + column];
            if value == 0.0 {
                continue;
            }
            check_weight(row, column, value)?;
            let transposed = values[column * n + row];
            if transposed != value {
                return Err(GraphError::Asymmetric {
                    row,
                    column,
                    value,
                    transposed: (transposed != 0.0).then_some(transposed),
                });
            }
            if row < column {
                upper.push((row as u32, column as u32, value));
            }
        }
    }
    Ok(Edges::from_sorted_upper(n, upper))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A random symmetric graph on `n` cells in canonical CSR, then one `mutation` (0 = none).
    fn graph(
        n: usize,
        pairs: &[(usize, usize, u8)],
        mutation: u8,
        at: usize,
    ) -> (Vec<u64>, Vec<u32>, Vec<f64>) {
        let mut rows: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
        for &(a, b, w) in pairs {
            let (a, b) = (a % n, b % n);
            if a != b && !rows[a].iter().any(|e| e.0 == b as u32) {
                let w = f64::from(w) / 8.0 + 0.125;
                rows[a].push((b as u32, w));
                rows[b].push((a as u32, w));
            }
        }
        rows.iter_mut().for_each(|r| r.sort_by_key(|e| e.0));
        let row = at % n;
        match mutation {
            1 if rows[row].len() >= 2 => rows[row].swap(0, 1), // unsorted row
            2 if !rows[row].is_empty() => rows[row][0].1 *= 2.0, // asymmetric value
            3 if !rows[row].is_empty() => {
                rows[row].remove(0); // missing mirror
            }
            4 if !rows[row].is_empty() => {
                let e = rows[row][0];
                rows[row].insert(0, e); // duplicate
            }
            5 => rows[row].insert(0, (row as u32, 1.0)), // diagonal
            6 if !rows[row].is_empty() => rows[row][0].1 = 0.0, // stored zero
            7 if !rows[row].is_empty() => rows[row][0].0 = n as u32, // out of range
            _ => {}
        }
        let mut indptr = vec![0u64];
        let (mut indices, mut data) = (Vec::new(), Vec::new());
        for r in &rows {
            indices.extend(r.iter().map(|e| e.0));
            data.extend(r.iter().map(|e| e.1));
            indptr.push(indices.len() as u64);
        }
        (indptr, indices, data)
    }

    proptest! {
        /// Trusting ascending rows changes nothing: the same edges, or the same first error,
        /// as sorting both triangles. Up to 400 pairs, so the symmetry check's gathered batches
        /// of 64 entries are crossed, with the mutation in any of them.
        #[test]
        fn fast_path_agrees_with_sorting(
            n in 1usize..160,
            pairs in proptest::collection::vec((0usize..160, 0usize..160, any::<u8>()), 0..400),
            mutation in 0u8..8,
            at in 0usize..160,
        ) {
            let (indptr, indices, data) = graph(n, &pairs, mutation, at);
            let trusted = edges_from_csr(n, &indptr, &indices, &data);
            prop_assert_eq!(
                &trusted,
                &edges_from_csr_in_order(n, &indptr, &indices, &data, false)
            );
            if mutation == 0 {
                prop_assert!(trusted.is_ok());
                // An independent oracle: the same graph, densified.
                let mut dense = vec![0.0; n * n];
                for r in 0..n {
                    for k in indptr[r] as usize..indptr[r + 1] as usize {
                        dense[r * n + indices[k] as usize] = data[k];
                    }
                }
                prop_assert_eq!(&trusted, &edges_from_dense(n, &dense));
            }
        }

        /// `column_order` is the stable sort by column of entries whose rows ascend.
        #[test]
        fn column_order_is_the_stable_sort_by_column(
            n in 1usize..30,
            cols in proptest::collection::vec(proptest::collection::vec(0usize..30, 0..8), 0..30),
        ) {
            let lower: Vec<(u32, u32, f64)> = cols
                .iter()
                .enumerate()
                .flat_map(|(row, cs)| cs.iter().map(move |&c| ((c % n) as u32, row as u32, c as f64)))
                .collect();
            let mut expected: Vec<usize> = (0..lower.len()).collect();
            expected.sort_by_key(|&k| lower[k].0); // stable
            let order: Vec<usize> = column_order(n, &lower)
                .expect("few entries")
                .into_iter()
                .map(|k| k as usize)
                .collect();
            prop_assert_eq!(order, expected);
        }
    }

    /// CSR of a symmetric 4-cell graph: 0–1 (0.5), 0–3 (2.0), 1–2 (1.0); rows unsorted.
    fn sample() -> (Vec<usize>, Vec<usize>, Vec<f64>) {
        (
            vec![0, 2, 4, 5, 6],
            vec![3, 1, 2, 0, 1, 0],
            vec![2.0, 0.5, 1.0, 0.5, 1.0, 2.0],
        )
    }

    #[test]
    fn extracts_sorted_upper_edges_and_max_degree() {
        let (p, i, d) = sample();
        let e = edges_from_csr(4, &p, &i, &d).expect("valid graph");
        assert_eq!(e.src, vec![0, 0, 1]);
        assert_eq!(e.dst, vec![1, 3, 2]);
        assert_eq!(e.weights, vec![0.5, 2.0, 1.0]);
        assert_eq!(e.max_neighbors, 2);
        assert_eq!(e.index_bytes(), 2);
        let mut dense = vec![0.0; 16];
        for (s, t, w) in [(0, 1, 0.5), (0, 3, 2.0), (1, 2, 1.0)] {
            dense[s * 4 + t] = w;
            dense[t * 4 + s] = w;
        }
        assert_eq!(edges_from_dense(4, &dense), Ok(e));
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn more_lower_entries_than_u32_indexes_are_refused() {
        let max = u32::MAX as usize;
        assert_eq!(check_lower_entries(max), Ok(()));
        let err = check_lower_entries(max + 1).expect_err("refused");
        assert_eq!(err, GraphError::TooManyEntries { entries: max + 1 });
        assert!(err.to_string().contains("Fix: sparsify"), "{err}");
    }

    #[test]
    fn refuses_every_bad_graph() {
        let (p, i, mut d) = sample();
        d[0] = 2.5;
        assert!(matches!(
            edges_from_csr(4, &p, &i, &d),
            Err(GraphError::Asymmetric {
                row: 0,
                column: 3,
                ..
            })
        ));
        let (p, mut i, d) = sample();
        i[1] = 3; // row 0 stores column 3 twice
        assert!(matches!(
            edges_from_csr(4, &p, &i, &d),
            Err(GraphError::Duplicate { row: 0, column: 3 })
        ));
        let (p, i, mut d) = sample();
        d[2] = 0.0;
        assert!(matches!(
            edges_from_csr(4, &p, &i, &d),
            Err(GraphError::BadWeight {
                row: 1,
                column: 2,
                ..
            })
        ));
        d[2] = f64::NAN;
        assert!(matches!(
            edges_from_csr(4, &p, &i, &d),
            Err(GraphError::BadWeight { .. })
        ));
        d[2] = -1.0;
        assert!(matches!(
            edges_from_csr(4, &p, &i, &d),
            Err(GraphError::BadWeight { .. })
        ));
        assert!(matches!(
            edges_from_csr(2, &[0, 1, 1], &[0], &[1.0]),
            Err(GraphError::Diagonal { cell: 0, .. })
        ));
        assert!(matches!(
            edges_from_csr(2, &[0, 1, 1], &[1], &[1.0]),
            Err(GraphError::Asymmetric {
                row: 0,
                column: 1,
                transposed: None,
                ..
            })
        ));
        assert!(matches!(
            edges_from_csr(2, &[0, 0, 1], &[0], &[1.0]),
            Err(GraphError::Asymmetric {
                row: 1,
                column: 0,
                transposed: None,
                ..
            })
        ));
        assert!(matches!(
            edges_from_csr(2, &[0, 1], &[1], &[1.0]),
            Err(GraphError::Malformed { .. })
        ));
        assert!(matches!(
            edges_from_csr(2, &[0, 1, 1], &[5], &[1.0]),
            Err(GraphError::OutOfRange { .. })
        ));
        // Signed index types: a negative offset or index is refused, not wrapped.
        assert!(matches!(
            edges_from_csr(2, &[0i32, -1, 1], &[1i32], &[1.0]),
            Err(GraphError::Malformed { .. })
        ));
        assert!(matches!(
            edges_from_csr(2, &[0i64, 1, 1], &[-1i64], &[1.0]),
            Err(GraphError::OutOfRange { .. })
        ));
        assert!(matches!(
            edges_from_dense(2, &[1.0, 0.0, 0.0, 0.0]),
            Err(GraphError::Diagonal { .. })
        ));
        assert!(matches!(
            edges_from_dense(2, &[0.0, 1.0, 0.5, 0.0]),
            Err(GraphError::Asymmetric { .. })
        ));
    }

    #[test]
    fn empty_graph_has_no_edges() {
        let e = edges_from_csr::<u64, u32>(3, &[0, 0, 0, 0], &[], &[]).expect("valid");
        assert_eq!((e.n_edges(), e.max_neighbors), (0, 0));
        assert_eq!(
            Edges {
                n_cells: 65_537,
                ..Default::default()
            }
            .index_bytes(),
            4
        );
    }
}
