//! Expression matrices (`X`, a layer, `raw/X`): per-gene columns with a byte-bounded LRU, and
//! streaming batch readers for the export pipeline.
//!
//! * **Dense** `X`: a gene is one hyperslab read `[0..n, j..j+1]`.
//! * **CSC**: `indptr` is read when the matrix is opened; a gene is one contiguous range read
//!   of `indices` and `data`, or, during a gene pass ([`GeneMatrix::begin_gene_pass`]), part of
//!   a block of consecutive requested genes read at once (`csc_blocks`).
//! * **CSR**: a column index is built once ([`GeneMatrix::build_column_index`], or on the first
//!   [`GeneMatrix::gene`]) by the single streaming pass described in [`csr_index`]; afterwards
//!   a gene is one read per run of it in an unnamed temporary file.

mod cache;
mod csc_blocks;
pub mod csr_index;
mod io;
mod run_file;
mod stripes;
pub use stripes::DEFAULT_STRIPE_CACHE_BYTES;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use crate::backend::{Backend, NodeKind};
use crate::elem::{encoding_type, index_to_u32, join, read_index_u64, require_kind, to_usize};
use crate::error::ReadError;
use crate::sparse::{check_indptr, sparse_format, sparse_shape, Matrix2, SparseFormat};
use crate::values::{map_values, DType, Values};

use cache::GeneCache;
use csc_blocks::CscBlocks;
use csr_index::ColumnIndex;

/// Default byte budget of the decoded-gene LRU.
pub const DEFAULT_GENE_CACHE_BYTES: usize = 64 << 20;

/// Which expression matrix to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatrixSource {
    /// `X`.
    X,
    /// `layers/<name>`.
    Layer(String),
    /// `raw/X` (its genes are `raw/var`).
    RawX,
}

/// How the matrix is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A dense 2-D array.
    Dense,
    /// `csr_matrix`.
    Csr,
    /// `csc_matrix`.
    Csc,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::Dense => "dense",
            Layout::Csr => "csr_matrix",
            Layout::Csc => "csc_matrix",
        }
    }
}

/// One gene's values over all cells.
#[derive(Debug, Clone, PartialEq)]
pub enum GeneColumn {
    /// Stored entries only: `rows` ascending and unique, `values[k]` belongs to `rows[k]`.
    Sparse {
        /// Number of cells.
        n: usize,
        /// Row (cell) of each stored entry, ascending.
        rows: Vec<u32>,
        /// Stored values, in the matrix's element type.
        values: Values,
    },
    /// All `n` values.
    Dense(Values),
}

impl GeneColumn {
    /// Number of cells.
    #[must_use]
    pub fn n(&self) -> usize {
        match self {
            GeneColumn::Sparse { n, .. } => *n,
            GeneColumn::Dense(v) => v.len(),
        }
    }

    /// All `n` values in the stored type, implicit entries as zero.
    #[must_use]
    pub fn to_dense(&self) -> Values {
        match self {
            GeneColumn::Dense(v) => v.clone(),
            GeneColumn::Sparse { n, rows, values } => map_values!(values, src => {
                let mut out = vec![Default::default(); *n];
                for (&r, &v) in rows.iter().zip(src.iter()) {
                    if let Some(slot) = out.get_mut(r as usize) {
                        *slot = v;
                    }
                }
                out
            }),
        }
    }

    /// Heap bytes held (for the cache budget).
    #[must_use]
    pub fn byte_len(&self) -> usize {
        match self {
            GeneColumn::Dense(v) => v.byte_len(),
            GeneColumn::Sparse { rows, values, .. } => rows.len() * 4 + values.byte_len(),
        }
    }
}

/// A slice of a compressed sparse matrix along its major axis (rows of a CSR, columns of a CSC).
#[derive(Debug, Clone, PartialEq)]
pub struct SparseBlock {
    /// The major indices covered (`a..b`).
    pub major: Range<usize>,
    /// `b − a + 1` offsets into `indices`/`data`, rebased to start at 0.
    pub indptr: Vec<u64>,
    /// Minor indices (genes for CSR, cells for CSC), each checked in range.
    pub indices: Vec<u32>,
    /// Stored values.
    pub data: Values,
}

/// An expression matrix opened for per-gene and batch access. `Send + Sync`.
#[derive(Debug)]
pub struct GeneMatrix {
    store: Arc<dyn Backend>,
    path: String,
    n_obs: usize,
    n_vars: usize,
    dtype: DType,
    layout: Layout,
    /// Major-axis offsets of a sparse matrix (empty for dense).
    indptr: Vec<u64>,
    column_index: Mutex<Option<Arc<ColumnIndex>>>,
    cache: Mutex<GeneCache>,
    /// Column stripes of a dense matrix (`None` for sparse layouts, or when disabled).
    stripes: Option<stripes::Stripes>,
    /// Chunk shape of a dense matrix, when chunked.
    chunks: Option<Vec<u64>>,
    temp_dir: Option<PathBuf>,
    /// Entries per batch of the column-index build; `None`: [`csr_index::batch_entries_for`].
    batch_entries: Option<u64>,
    /// Block reads of a CSC matrix, while a pass over planned genes is in progress
    /// ([`GeneMatrix::begin_gene_pass`]).
    csc_blocks: Mutex<Option<Arc<CscBlocks>>>,
}

impl GeneMatrix {
    pub(crate) fn open(
        store: Arc<dyn Backend>,
        path: &str,
        n_obs: u64,
        n_vars: Option<u64>,
    ) -> Result<GeneMatrix, ReadError> {
        let b = store.as_ref();
        let (layout, shape, dtype, chunks) = match require_kind(b, path, "an expression matrix")? {
            NodeKind::Array => {
                let info = b.array_info(path)?;
                let shape = match info.shape.as_slice() {
                    [r, c] => (*r, *c),
                    other => return Err(ReadError::shape(path, other, "a 2-D matrix")),
                };
                let chunks = info.chunks.clone();
                (Layout::Dense, shape, info.dtype, chunks)
            }
            NodeKind::Group => {
                let enc = encoding_type(b, path)?;
                let layout = match sparse_format(enc.as_deref()) {
                    Some(SparseFormat::Csr) => Layout::Csr,
                    Some(SparseFormat::Csc) => Layout::Csc,
                    None => {
                        return Err(ReadError::Encoding {
                            path: path.to_string(),
                            found: enc,
                            expected: "csr_matrix, csc_matrix or a dense array".to_string(),
                        })
                    }
                };
                let dtype = b.array_info(&join(path, "data"))?.dtype;
                (layout, sparse_shape(b, path)?, dtype, None)
            }
        };
        if !dtype.is_numeric() && dtype != DType::Bool {
            return Err(ReadError::Type {
                path: path.to_string(),
                found: dtype.to_string(),
                expected: "a numeric matrix".to_string(),
            });
        }
        if shape.0 != n_obs || n_vars.is_some_and(|g| g != shape.1) {
            let expected = match n_vars {
                Some(g) => format!("({n_obs}, {g}) (n_obs, n_vars)"),
                None => format!("{n_obs} rows (n_obs)"),
            };
            return Err(ReadError::shape(path, &[shape.0, shape.1], expected));
        }
        let indptr = match layout {
            Layout::Dense => Vec::new(),
            Layout::Csr | Layout::Csc => {
                let majors = if layout == Layout::Csr {
                    shape.0
                } else {
                    shape.1
                };
                let ip_path = join(path, "indptr");
                let indptr = read_index_u64(b, &ip_path, Some(majors.saturating_add(1)))?;
                let nnz = Self::sparse_len(b, path)?;
                check_indptr(&ip_path, &indptr, nnz)?;
                indptr
            }
        };
        let (n_obs, n_vars) = (to_usize(path, shape.0)?, to_usize(path, shape.1)?);
        let stripes = (layout == Layout::Dense).then(|| {
            stripes::Stripes::new(
                n_obs,
                n_vars,
                dtype.size(),
                chunks.as_deref(),
                DEFAULT_STRIPE_CACHE_BYTES,
            )
        });
        Ok(GeneMatrix {
            path: path.to_string(),
            n_obs,
            n_vars,
            stripes,
            chunks,
            dtype,
            layout,
            indptr,
            column_index: Mutex::new(None),
            cache: Mutex::new(GeneCache::new(DEFAULT_GENE_CACHE_BYTES)),
            temp_dir: None,
            batch_entries: None,
            csc_blocks: Mutex::new(None),
            store,
        })
    }

    /// Stored entries of a sparse group: `indices` and `data` must have the same length.
    fn sparse_len(b: &dyn Backend, path: &str) -> Result<u64, ReadError> {
        let ix = b.array_info(&join(path, "indices"))?;
        let data = b.array_info(&join(path, "data"))?;
        match (ix.shape.as_slice(), data.shape.as_slice()) {
            ([a], [d]) if a == d => Ok(*a),
            _ => Err(ReadError::shape(
                &join(path, "data"),
                &data.shape,
                format!("the shape of {}/indices {:?}", path, ix.shape),
            )),
        }
    }

    /// Set the byte budget of the decoded-gene LRU (default [`DEFAULT_GENE_CACHE_BYTES`]).
    #[must_use]
    pub fn with_cache_bytes(self, bytes: usize) -> GeneMatrix {
        if let Ok(mut c) = self.cache.lock() {
            *c = GeneCache::new(bytes);
        }
        self
    }

    /// Set the byte budget of the decoded column stripes a dense matrix keeps for the next
    /// genes (default [`DEFAULT_STRIPE_CACHE_BYTES`]; no effect on sparse matrices).
    ///
    /// Stripes pay off when genes are read in order (an export): each chunk is decoded once.
    /// For random single-gene access (a server) a stripe is rarely reused, and concurrent
    /// requests would each hold one: `0` reads just the asked column (the same chunks are
    /// decoded, one at a time through the reader's chunk cache).
    #[must_use]
    pub fn with_stripe_cache_bytes(mut self, bytes: usize) -> GeneMatrix {
        if self.layout == Layout::Dense {
            self.stripes = (bytes > 0).then(|| {
                stripes::Stripes::new(
                    self.n_obs,
                    self.n_vars,
                    self.dtype.size(),
                    self.chunks.as_deref(),
                    bytes,
                )
            });
        }
        self
    }

    /// Directory for the CSR column-index file (default: the system temporary directory).
    #[must_use]
    pub fn with_temp_dir(mut self, dir: impl Into<PathBuf>) -> GeneMatrix {
        self.temp_dir = Some(dir.into());
        self
    }

    /// Entries per streamed batch when building the CSR column index, and most entries of a
    /// block of a CSC gene pass ([`GeneMatrix::begin_gene_pass`]) (default
    /// [`csr_index::batch_entries_for`] the matrix's stored entries; at least 1). Smaller batches
    /// lower the peak memory.
    #[must_use]
    pub fn with_index_batch_entries(mut self, entries: u64) -> GeneMatrix {
        self.batch_entries = Some(entries.max(1));
        self
    }

    /// Element path of the matrix (`X`, `layers/counts`, `raw/X`).
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Number of cells.
    #[must_use]
    pub fn n_obs(&self) -> usize {
        self.n_obs
    }

    /// Number of genes.
    #[must_use]
    pub fn n_vars(&self) -> usize {
        self.n_vars
    }

    /// Element type.
    #[must_use]
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Storage layout.
    #[must_use]
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Stored entries (`n_obs × n_vars` for dense).
    #[must_use]
    pub fn nnz(&self) -> u64 {
        match self.layout {
            Layout::Dense => (self.n_obs as u64).saturating_mul(self.n_vars as u64),
            _ => self.indptr.last().copied().unwrap_or(0),
        }
    }

    /// Build the on-disk column index of a CSR matrix now (no-op for dense and CSC, and when
    /// already built). Called automatically by the first [`GeneMatrix::gene`].
    ///
    /// # Errors
    /// Read errors, out-of-range column indices, temporary-file I/O errors.
    pub fn build_column_index(&self) -> Result<(), ReadError> {
        self.column_index().map(|_| ())
    }

    /// [`GeneMatrix::build_column_index`], stopping early (between two streamed batches) once
    /// `cancel` is set, for callers that build the index beside other work that may fail.
    /// Returns `false` when it was cancelled before the index was complete; the index is then
    /// built by the next call or the first [`GeneMatrix::gene`].
    ///
    /// # Errors
    /// As [`GeneMatrix::build_column_index`].
    pub fn build_column_index_until(&self, cancel: &AtomicBool) -> Result<bool, ReadError> {
        if self.layout != Layout::Csr {
            return Ok(true);
        }
        Ok(self.column_index_until(cancel)?.is_some())
    }

    /// Drops the column index of a CSR matrix (no-op otherwise), deleting its temporary file;
    /// a later [`GeneMatrix::gene`] builds it again. For callers done with per-gene access:
    /// an export releases it before syncing its output, so that the file system does not
    /// write the index's still-dirty pages to disk as well (`syncfs` flushes every file).
    pub fn release_column_index(&self) {
        // A poisoned lock only means an earlier build panicked; the slot is still ours.
        let mut guard = self
            .column_index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.take();
    }

    /// Announces a pass that reads the `genes` given (an export's planned genes), each roughly
    /// once and in order. A CSC matrix then reads each run of consecutive requested genes in
    /// blocks (see `matrix/csc_blocks.rs`: one ranged read per block instead of per gene) until
    /// [`GeneMatrix::end_gene_pass`]; for other layouts this does nothing (a CSR matrix has its
    /// column index for that: [`GeneMatrix::build_column_index_until`]). Memory: the kept
    /// blocks, at most 64 MiB, plus one block being read per thread.
    pub fn begin_gene_pass(&self, genes: &[usize]) {
        if self.layout != Layout::Csc {
            return;
        }
        let blocks = CscBlocks::new(
            &self.indptr,
            genes,
            self.batch_entries(),
            self.dtype.size().max(1) as u64,
            rayon::current_num_threads(),
        );
        *self.lock_csc_blocks() = Some(Arc::new(blocks));
    }

    /// Entries per streamed batch of a sparse matrix: as set by
    /// [`GeneMatrix::with_index_batch_entries`], else [`csr_index::batch_entries_for`] its
    /// stored entries.
    fn batch_entries(&self) -> u64 {
        self.batch_entries
            .unwrap_or_else(|| csr_index::batch_entries_for(self.nnz()))
    }

    /// Ends the pass announced by [`GeneMatrix::begin_gene_pass`], dropping its blocks.
    pub fn end_gene_pass(&self) {
        self.lock_csc_blocks().take();
    }

    fn lock_csc_blocks(&self) -> std::sync::MutexGuard<'_, Option<Arc<CscBlocks>>> {
        // The slot is only ever replaced whole: a panic elsewhere leaves it usable.
        self.csc_blocks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Gene `j` of a CSC matrix: cut from its block during a gene pass, else one ranged read.
    fn csc_gene(&self, j: usize) -> Result<(Vec<u32>, Values), ReadError> {
        let blocks = self.lock_csc_blocks().clone();
        let block = match blocks {
            Some(blocks) => blocks.block_of(j, |span| self.csc_cols(span))?,
            None => None,
        };
        let Some(block) = block else {
            let block = self.csc_cols(j..j + 1)?;
            return Ok((block.indices, block.data));
        };
        let at = j - block.major.start;
        let (Some(&a), Some(&b)) = (block.indptr.get(at), block.indptr.get(at + 1)) else {
            return Err(ReadError::malformed(
                &self.path,
                format!("gene {j} is outside its block {:?}", block.major),
            ));
        };
        let (a, b) = (to_usize(&self.path, a)?, to_usize(&self.path, b)?);
        let rows = block
            .indices
            .get(a..b)
            .map(<[u32]>::to_vec)
            .ok_or_else(|| {
                ReadError::malformed(&self.path, format!("gene {j}: entries {a}..{b} not read"))
            })?;
        Ok((rows, block.data.slice(a..b)))
    }

    fn column_index(&self) -> Result<Option<Arc<ColumnIndex>>, ReadError> {
        if self.layout != Layout::Csr {
            return Ok(None);
        }
        self.column_index_until(&AtomicBool::new(false))
    }

    /// The CSR column index, built now if needed; `None` when `cancel` stopped the build.
    fn column_index_until(
        &self,
        cancel: &AtomicBool,
    ) -> Result<Option<Arc<ColumnIndex>>, ReadError> {
        let mut guard = self.column_index.lock().map_err(|_| {
            ReadError::malformed(&self.path, "column index lock poisoned by a panic")
        })?;
        if let Some(ix) = guard.as_ref() {
            return Ok(Some(Arc::clone(ix)));
        }
        let dir = self.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
        let Some(ix) = ColumnIndex::build(
            self.store.as_ref(),
            &self.path,
            &self.indptr,
            self.n_vars,
            self.dtype,
            &dir,
            self.batch_entries(),
            cancel,
        )?
        else {
            return Ok(None);
        };
        let ix = Arc::new(ix);
        *guard = Some(Arc::clone(&ix));
        Ok(Some(ix))
    }

    /// Gene `j` over all cells (sparse for CSR/CSC, dense for dense `X`), served from the LRU
    /// when recently read.
    ///
    /// # Errors
    /// `j` out of range, read errors, duplicate entries (the same cell stored twice for a
    /// gene), out-of-range row indices.
    pub fn gene(&self, j: usize) -> Result<GeneColumn, ReadError> {
        if j >= self.n_vars {
            return Err(ReadError::GeneOutOfRange {
                path: self.path.clone(),
                index: j,
                n_vars: self.n_vars,
            });
        }
        if let Some(hit) = self.cache.lock().ok().and_then(|mut c| c.get(j)) {
            return Ok(hit);
        }
        let col = self.read_gene(j)?;
        if let Ok(mut c) = self.cache.lock() {
            if c.admits(col.byte_len()) {
                c.put(j, col.clone());
            }
        }
        Ok(col)
    }

    fn read_gene(&self, j: usize) -> Result<GeneColumn, ReadError> {
        let b = self.store.as_ref();
        let (rows, values) = match self.layout {
            Layout::Dense => {
                let values = match &self.stripes {
                    Some(stripes) => stripes.column(b, &self.path, j)?,
                    None => b.read(&self.path, &[0..self.n_obs as u64, j as u64..j as u64 + 1])?,
                };
                return Ok(GeneColumn::Dense(values));
            }
            Layout::Csc => {
                let (mut rows, mut values) = self.csc_gene(j)?;
                if rows.windows(2).any(|w| w[0] > w[1]) {
                    let mut order: Vec<usize> = (0..rows.len()).collect();
                    order.sort_by_key(|&k| rows[k]);
                    rows = order.iter().map(|&k| rows[k]).collect();
                    values = values.gather(&order);
                }
                (rows, values)
            }
            Layout::Csr => {
                let ix = self
                    .column_index()?
                    .ok_or_else(|| ReadError::malformed(&self.path, "column index unavailable"))?;
                ix.read_gene(&self.path, j)?
            }
        };
        if let Some(w) = rows.windows(2).find(|w| w[0] == w[1]) {
            return Err(ReadError::malformed(
                &self.path,
                format!("gene {j} stores cell {} twice. Fix: call adata.X.sum_duplicates() before saving", w[0]),
            ));
        }
        Ok(GeneColumn::Sparse {
            n: self.n_obs,
            rows,
            values,
        })
    }

    /// Rows `[a, b)` of a CSR matrix, for streaming export.
    ///
    /// # Errors
    /// Not CSR, range out of bounds, read errors, out-of-range column indices.
    pub fn csr_rows(&self, rows: Range<usize>) -> Result<SparseBlock, ReadError> {
        self.major_block(rows, Layout::Csr, "csr_rows")
    }

    /// Columns (genes) `[a, b)` of a CSC matrix, for streaming export.
    ///
    /// # Errors
    /// Not CSC, range out of bounds, read errors, out-of-range row indices.
    pub fn csc_cols(&self, cols: Range<usize>) -> Result<SparseBlock, ReadError> {
        self.major_block(cols, Layout::Csc, "csc_cols")
    }

    fn major_block(
        &self,
        major: Range<usize>,
        needed: Layout,
        operation: &'static str,
    ) -> Result<SparseBlock, ReadError> {
        if self.layout != needed {
            return Err(ReadError::Layout {
                path: self.path.clone(),
                layout: self.layout.name(),
                operation,
                needed: needed.name(),
            });
        }
        let minors = if needed == Layout::Csr {
            self.n_vars
        } else {
            self.n_obs
        } as u64;
        let (Some(&lo), Some(&hi)) = (self.indptr.get(major.start), self.indptr.get(major.end))
        else {
            return Err(ReadError::malformed(
                &self.path,
                format!(
                    "{operation}({major:?}) is outside 0..{}",
                    self.indptr.len().saturating_sub(1)
                ),
            ));
        };
        if major.start > major.end {
            return Err(ReadError::malformed(
                &self.path,
                format!("{operation}({major:?}) is an empty-reversed range"),
            ));
        }
        let ix_path = join(&self.path, "indices");
        let b = self.store.as_ref();
        let data_path = join(&self.path, "data");
        // indices and data are independent datasets: decode their chunks concurrently.
        let (indices, data) = rayon::join(
            || b.read(&ix_path, std::slice::from_ref(&(lo..hi))),
            || b.read(&data_path, std::slice::from_ref(&(lo..hi))),
        );
        let indices = index_to_u32(&ix_path, indices?, minors, lo)?;
        let data = data?;
        if data.len() != indices.len() {
            return Err(ReadError::malformed(
                &data_path,
                format!("{} values for {} indices", data.len(), indices.len()),
            ));
        }
        let indptr = self.indptr[major.start..=major.end]
            .iter()
            .map(|&p| p - lo)
            .collect();
        Ok(SparseBlock {
            major,
            indptr,
            indices,
            data,
        })
    }

    /// Rows `[a, b)` of a dense matrix as a row-major block.
    ///
    /// # Errors
    /// Not dense, range out of bounds, read errors.
    pub fn dense_rows(&self, rows: Range<usize>) -> Result<Matrix2, ReadError> {
        if self.layout != Layout::Dense {
            return Err(ReadError::Layout {
                path: self.path.clone(),
                layout: self.layout.name(),
                operation: "dense_rows",
                needed: "dense",
            });
        }
        let n_rows = rows.end.saturating_sub(rows.start);
        let values = self.store.read(
            &self.path,
            std::slice::from_ref(&(rows.start as u64..rows.end as u64)),
        )?;
        Ok(Matrix2 {
            n_rows,
            n_cols: self.n_vars,
            values,
        })
    }

    /// Dense columns (genes) `[a, b)` of a dense matrix as a row-major `(n_obs, b − a)` block.
    ///
    /// # Errors
    /// Not dense, range out of bounds, read errors.
    pub fn dense_cols(&self, cols: Range<usize>) -> Result<Matrix2, ReadError> {
        if self.layout != Layout::Dense {
            return Err(ReadError::Layout {
                path: self.path.clone(),
                layout: self.layout.name(),
                operation: "dense_cols",
                needed: "dense",
            });
        }
        let n_cols = cols.end.saturating_sub(cols.start);
        let values = self.store.read(
            &self.path,
            &[0..self.n_obs as u64, cols.start as u64..cols.end as u64],
        )?;
        Ok(Matrix2 {
            n_rows: self.n_obs,
            n_cols,
            values,
        })
    }
}
