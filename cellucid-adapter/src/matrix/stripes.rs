//! Per-gene access to a dense matrix through column *stripes* aligned with its chunks.
//!
//! **Why.** A dense `X` is stored row-major in chunks of, say, 782 rows × 32 columns. Reading
//! one column decodes every chunk of its 32-column stripe; reading the next gene decodes the
//! same chunks again unless the whole stripe stayed in the reader's chunk cache (100k cells ×
//! 32 × 4 bytes = 12.8 MB, more than the cache holds). A gene-by-gene export of a 100k × 2k
//! dense file so decoded `X` 32 times over (23.8 s).
//!
//! Here a gene's whole stripe is read once (one hyperslab of `n_obs` × stripe-width, every
//! chunk decoded once), kept in a small LRU of stripes, and the genes of the stripe are cut
//! out of it (the stripe is transposed into columns once, when read). Genes requested in
//! order, or by a few threads each working through its own range, decode `X` about once.
//!
//! **Memory.** The cache budget of decoded stripes (always at least one stripe), plus, for each
//! thread reading a stripe at that moment, the stripe's raw read and its column-split copy
//! (each at most [`MAX_STRIPE_BYTES`], or one column when a column alone is larger) until the
//! split stripe enters the cache.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use crate::backend::Backend;
use crate::error::ReadError;
use crate::values::Values;

/// Default byte budget of the decoded stripes kept for the next genes
/// ([`GeneMatrix::with_stripe_cache_bytes`](super::GeneMatrix::with_stripe_cache_bytes)).
pub const DEFAULT_STRIPE_CACHE_BYTES: usize = 64 << 20;

/// Largest decoded stripe (unless one column alone is larger). Chunks wider than this many
/// bytes of columns (e.g. whole-row chunks) are read in equal parts of a chunk, each part
/// decoding the chunk again; an unchunked matrix is read this many bytes of columns at a time.
pub(crate) const MAX_STRIPE_BYTES: usize = 32 << 20;

/// Column stripes of one dense matrix and the LRU of decoded ones.
#[derive(Debug)]
pub(crate) struct Stripes {
    /// Columns of one chunk (stripes never cross a chunk boundary).
    chunk: usize,
    /// Stripes per chunk.
    parts: usize,
    /// Columns of a stripe (the last part of a chunk may be narrower).
    width: usize,
    n_obs: usize,
    n_vars: usize,
    capacity: usize,
    /// Most recently used last: (stripe number, the stripe's columns).
    cached: Mutex<VecDeque<(usize, Arc<Vec<Values>>)>>,
}

impl Stripes {
    /// Stripes for an `n_obs × n_vars` matrix of `element_size`-byte values whose chunks are
    /// `chunks` (rows, columns), or unchunked.
    pub(crate) fn new(
        n_obs: usize,
        n_vars: usize,
        element_size: usize,
        chunks: Option<&[u64]>,
        cache_bytes: usize,
    ) -> Stripes {
        let row_bytes = n_obs.max(1).saturating_mul(element_size.max(1));
        let budget = (MAX_STRIPE_BYTES / row_bytes).max(1);
        // Unchunked: any split is aligned; read a budget's worth of columns at a time.
        let chunk = match chunks {
            Some([_, columns]) => usize::try_from(*columns).unwrap_or(1).max(1),
            _ => budget,
        }
        .clamp(1, n_vars.max(1));
        // Equal parts of a chunk, each within the budget.
        let parts = chunk.div_ceil(budget);
        let width = chunk.div_ceil(parts);
        let stripe_bytes = row_bytes.saturating_mul(width);
        Stripes {
            chunk,
            parts,
            width,
            n_obs,
            n_vars,
            capacity: (cache_bytes / stripe_bytes.max(1)).max(1),
            cached: Mutex::new(VecDeque::new()),
        }
    }

    /// Columns per stripe.
    #[cfg(test)]
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// The stripe holding column `j`.
    fn stripe_of(&self, j: usize) -> usize {
        (j / self.chunk) * self.parts + (j % self.chunk) / self.width
    }

    /// The columns of `stripe`: part `stripe % parts` of chunk `stripe / parts`.
    fn columns(&self, stripe: usize) -> Range<usize> {
        let chunk_start = (stripe / self.parts) * self.chunk;
        let chunk_end = (chunk_start + self.chunk).min(self.n_vars);
        let start = (chunk_start + (stripe % self.parts) * self.width).min(chunk_end);
        start..(start + self.width).min(chunk_end)
    }

    /// Column `j` of the matrix at `path`, read through its stripe.
    pub(crate) fn column(
        &self,
        store: &dyn Backend,
        path: &str,
        j: usize,
    ) -> Result<Values, ReadError> {
        let stripe = self.stripe_of(j);
        let columns = self.columns(stripe);
        let values = match self.lookup(stripe) {
            Some(hit) => hit,
            None => {
                let rows = 0..self.n_obs as u64;
                let read = store.read(path, &[rows, columns.start as u64..columns.end as u64])?;
                if read.len() != self.n_obs * columns.len() {
                    return Err(ReadError::malformed(
                        path,
                        format!(
                            "a read of columns {columns:?} returned {} values, expected {}",
                            read.len(),
                            self.n_obs * columns.len()
                        ),
                    ));
                }
                let split = Arc::new(read.split_columns(columns.len()));
                self.insert(stripe, Arc::clone(&split));
                split
            }
        };
        values.get(j - columns.start).cloned().ok_or_else(|| {
            ReadError::malformed(path, format!("column {j} is missing from its stripe"))
        })
    }

    fn lookup(&self, stripe: usize) -> Option<Arc<Vec<Values>>> {
        let mut cached = self.cached.lock().ok()?;
        let at = cached.iter().position(|(s, _)| *s == stripe)?;
        let entry = cached.remove(at)?;
        let values = Arc::clone(&entry.1);
        cached.push_back(entry);
        Some(values)
    }

    fn insert(&self, stripe: usize, values: Arc<Vec<Values>>) {
        if let Ok(mut cached) = self.cached.lock() {
            // Two threads may have read the same stripe at once: keep one copy.
            cached.retain(|(s, _)| *s != stripe);
            cached.push_back((stripe, values));
            while cached.len() > self.capacity {
                cached.pop_front();
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Every column is in exactly one stripe, the stripe `stripe_of` names, and no stripe
    /// crosses a chunk boundary (so each chunk is decoded by its own stripes only).
    #[test]
    fn stripes_cover_every_column_once_within_chunks() {
        for (n_vars, chunk, rows) in [
            (2_000usize, 30u64, 1usize << 20),
            (95, 30, 1 << 20),
            (50, 8, 100),
            (7, 3, 1 << 22),
            (2_000, 2_000, 1 << 20),
        ] {
            let s = Stripes::new(
                rows,
                n_vars,
                4,
                Some(&[64, chunk]),
                DEFAULT_STRIPE_CACHE_BYTES,
            );
            let mut seen = vec![0usize; n_vars];
            let mut stripe = 0;
            let mut covered = 0;
            while covered < n_vars {
                let cols = s.columns(stripe);
                stripe += 1;
                if cols.is_empty() {
                    continue; // a chunk narrower than its parts (only at the matrix's end)
                }
                let c = chunk as usize;
                assert_eq!(
                    cols.start / c,
                    (cols.end - 1) / c,
                    "{cols:?} crosses a chunk"
                );
                for j in cols.clone() {
                    seen[j] += 1;
                    assert_eq!(s.columns(s.stripe_of(j)), cols, "column {j}");
                }
                covered = cols.end;
            }
            assert!(seen.iter().all(|&k| k == 1), "{n_vars} {chunk}");
        }
    }

    #[test]
    fn widths_follow_chunks_or_a_byte_budget() {
        assert_eq!(
            Stripes::new(100, 50, 4, Some(&[10, 8]), DEFAULT_STRIPE_CACHE_BYTES).width(),
            8
        );
        assert_eq!(
            Stripes::new(100, 5, 4, Some(&[10, 8]), DEFAULT_STRIPE_CACHE_BYTES).width(),
            5
        );
        assert_eq!(
            Stripes::new(100, 50, 4, Some(&[10, 0]), DEFAULT_STRIPE_CACHE_BYTES).width(),
            1
        );
        // Unchunked: 32 MiB / (1M rows × 4 bytes) = 8 columns.
        assert_eq!(
            Stripes::new(1 << 20, 50, 4, None, DEFAULT_STRIPE_CACHE_BYTES).width(),
            8
        );
        assert_eq!(
            Stripes::new(1 << 30, 50, 4, None, DEFAULT_STRIPE_CACHE_BYTES).width(),
            1
        );
        // Whole-row chunks of 2,000 columns at 1M rows: parts of 2000 / 250 = 8 columns.
        assert_eq!(
            Stripes::new(
                1 << 20,
                2_000,
                4,
                Some(&[64, 2_000]),
                DEFAULT_STRIPE_CACHE_BYTES
            )
            .width(),
            8
        );
        // 30-column chunks in an 8-column budget: four parts of each chunk, 8, 8, 8 and 6.
        assert_eq!(
            Stripes::new(
                1 << 20,
                2_000,
                4,
                Some(&[64, 30]),
                DEFAULT_STRIPE_CACHE_BYTES
            )
            .width(),
            8
        );
        assert_eq!(
            Stripes::new(0, 0, 4, None, DEFAULT_STRIPE_CACHE_BYTES).width(),
            1
        );
    }

    /// A row-major `rows × cols` i32 matrix (value = 1000·row + column) answering hyperslab
    /// reads, counting them.
    #[derive(Debug)]
    struct Matrix {
        rows: u64,
        cols: u64,
        reads: std::sync::atomic::AtomicUsize,
    }

    impl Backend for Matrix {
        fn describe(&self) -> String {
            "in-memory matrix".into()
        }
        fn kind(&self, _: &str) -> crate::backend::BackendResult<Option<crate::backend::NodeKind>> {
            Ok(Some(crate::backend::NodeKind::Array))
        }
        fn children(&self, _: &str) -> crate::backend::BackendResult<Vec<String>> {
            Ok(vec![])
        }
        fn attribute(
            &self,
            _: &str,
            _: &str,
        ) -> crate::backend::BackendResult<Option<crate::backend::AttrValue>> {
            Ok(None)
        }
        fn array_info(&self, _: &str) -> crate::backend::BackendResult<crate::backend::ArrayInfo> {
            Ok(crate::backend::ArrayInfo {
                shape: vec![self.rows, self.cols],
                dtype: crate::values::DType::I32,
                chunks: None,
            })
        }
        fn read(
            &self,
            _: &str,
            selection: crate::backend::Selection<'_>,
        ) -> crate::backend::BackendResult<Values> {
            self.reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (r, c) = (selection[0].clone(), selection[1].clone());
            let mut out = Vec::new();
            for row in r {
                for col in c.clone() {
                    out.push((1000 * row + col) as i32);
                }
            }
            Ok(Values::I32(out))
        }
        fn read_strings(
            &self,
            _: &str,
            _: Option<Range<u64>>,
        ) -> crate::backend::BackendResult<Vec<String>> {
            Ok(vec![])
        }
    }

    /// Every column comes back exact, in order and out of order, with stripes that divide the
    /// columns or leave a partial last stripe; in-order reads decode each stripe once.
    #[test]
    fn columns_read_through_stripes_are_exact() {
        for (cols, chunk_cols) in [(10u64, 3u64), (12, 4), (5, 8), (7, 1)] {
            let m = Matrix {
                rows: 37,
                cols,
                reads: Default::default(),
            };
            let stripes = Stripes::new(
                37,
                cols as usize,
                4,
                Some(&[8, chunk_cols]),
                DEFAULT_STRIPE_CACHE_BYTES,
            );
            let check = |j: usize| {
                let want: Vec<i32> = (0..37).map(|r| (1000 * r + j) as i32).collect();
                assert_eq!(
                    stripes.column(&m, "X", j).unwrap(),
                    Values::I32(want),
                    "column {j}"
                );
            };
            (0..cols as usize).for_each(check);
            let n_stripes = cols.div_ceil(stripes.width() as u64) as usize;
            assert_eq!(
                m.reads.load(std::sync::atomic::Ordering::Relaxed),
                n_stripes
            );
            (0..cols as usize).rev().for_each(check);
            [3usize, 0, 4, 1]
                .iter()
                .filter(|&&j| j < cols as usize)
                .for_each(|&j| check(j));
        }
    }

    #[test]
    fn stripes_split_into_their_columns() {
        // 1,000 rows × 3 columns (more than one transpose block), value = 10·row + column.
        let (rows, width) = (1_000usize, 3usize);
        let flat: Vec<i64> = (0..rows * width)
            .map(|k| (10 * (k / width) + k % width) as i64)
            .collect();
        let columns = Values::I64(flat).split_columns(width);
        assert_eq!(columns.len(), width);
        for (c, column) in columns.iter().enumerate() {
            let expected: Vec<i64> = (0..rows).map(|r| (10 * r + c) as i64).collect();
            assert_eq!(column, &Values::I64(expected));
        }
        assert_eq!(
            Values::F32(vec![]).split_columns(2),
            vec![Values::F32(vec![]); 2]
        );
    }

    #[test]
    fn the_cache_keeps_the_most_recent_stripes_within_budget() {
        // 1M rows × 4 bytes × 4 columns = 16 MiB a stripe: four fit 64 MiB.
        let s = Stripes::new(
            1 << 20,
            64,
            4,
            Some(&[1 << 10, 4]),
            DEFAULT_STRIPE_CACHE_BYTES,
        );
        assert_eq!(s.width(), 4);
        assert_eq!(s.capacity, 4);
        for stripe in 0..6 {
            s.insert(stripe, Arc::new(vec![Values::F32(vec![stripe as f32])]));
        }
        assert!(s.lookup(0).is_none() && s.lookup(1).is_none());
        assert!(s.lookup(2).is_some());
        s.insert(6, Arc::new(vec![]));
        // 2 was used last, so 3 is the oldest now.
        assert!(s.lookup(3).is_none());
        assert!(s.lookup(2).is_some());
    }
}
