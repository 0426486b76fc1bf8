//! The on-disk column index of a CSR matrix: CSR → CSC in two streaming passes.
//!
//! **Strategy.** Per-gene access to a CSR matrix needs every row. Instead of a second
//! in-memory copy of `X` (what `tocsc()` costs), the index is built once:
//!
//! 1. *Count pass*: `indices` is read in batches of [`BATCH_ENTRIES`] entries (chunk
//!    decoding in parallel inside `hdf5-reader`, reading of batch *k+1* overlapped with
//!    counting batch *k*), and every column index is checked `< n_vars` and counted (parallel
//!    histogram). A prefix sum gives `col_ptr` (`n_vars + 1` offsets).
//! 2. *Scatter pass*: rows are read again in batches of at most [`BATCH_ENTRIES`] entries
//!    (`indices` + `data` together, overlapped the same way). Each entry `(row, gene, value)`
//!    is appended to a small per-gene buffer; a full buffer is written with one positioned
//!    write at `col_ptr[gene] + written[gene]` into an unnamed temporary file laid out as
//!    `[rows: nnz × u32 LE][values: nnz × value size, LE]`. Rows are visited in order, so every
//!    gene's rows come out ascending.
//!
//! A gene is then two contiguous reads (its rows and its values) from that file, which the
//! OS page cache serves after the first touch. The file is deleted by the OS when the index is
//! dropped (it is created unlinked).
//!
//! **Memory** during the build, independent of the matrix size except for the two per-gene
//! and per-row arrays: `col_ptr`/counts/cursors (3 × 8 × `n_vars` bytes), the per-gene
//! buffers (at most [`BUFFER_BUDGET`] bytes in total), two batches in flight
//! (2 × [`BATCH_ENTRIES`] × (index + value + decoded u32) bytes ≈ 48 MiB for f32 data with
//! int32 indices), plus the `indptr` already held by the matrix (8 × (`n_obs` + 1) bytes).
//! Disk: `nnz × (4 + value size)` bytes.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;

use super::io::{from_le_bytes, to_le_bytes};
use crate::backend::Backend;
use crate::elem::{index_to_u32, join};
use crate::error::ReadError;
use crate::values::{DType, Values};

/// Entries per streamed batch (both passes).
pub const BATCH_ENTRIES: u64 = 1 << 21;

/// Total bytes of the per-gene write buffers during the scatter pass.
pub const BUFFER_BUDGET: usize = 32 << 20;

/// A built column index: gene offsets plus the temporary CSC file.
#[derive(Debug)]
pub(crate) struct ColumnIndex {
    file: Mutex<File>,
    col_ptr: Vec<u64>,
    dtype: DType,
    value_size: u64,
    values_offset: u64,
}

/// Per-gene buffered writer of the scatter pass.
struct Scatter {
    file: File,
    col_ptr: Vec<u64>,
    written: Vec<u64>,
    rows: Vec<Vec<u32>>,
    values: Vec<Vec<u8>>,
    cap: usize,
    value_size: usize,
    values_offset: u64,
}

impl Scatter {
    fn flush(&mut self, gene: usize) -> std::io::Result<()> {
        let rows = std::mem::take(&mut self.rows[gene]);
        if rows.is_empty() {
            return Ok(());
        }
        let values = std::mem::take(&mut self.values[gene]);
        let at = self.col_ptr[gene] + self.written[gene];
        let mut row_bytes = Vec::with_capacity(rows.len() * 4);
        for r in &rows {
            row_bytes.extend_from_slice(&r.to_le_bytes());
        }
        self.file.seek(SeekFrom::Start(at * 4))?;
        self.file.write_all(&row_bytes)?;
        self.file.seek(SeekFrom::Start(
            self.values_offset + at * self.value_size as u64,
        ))?;
        self.file.write_all(&values)?;
        self.written[gene] += rows.len() as u64;
        // Keep the allocations for the next round.
        let mut rows = rows;
        rows.clear();
        self.rows[gene] = rows;
        let mut values = values;
        values.clear();
        self.values[gene] = values;
        Ok(())
    }

    /// Scatter one row batch: `indptr` rebased to the batch, `first_row` its first row.
    fn push_batch(
        &mut self,
        first_row: u64,
        indptr: &[u64],
        genes: &[u32],
        value_bytes: &[u8],
    ) -> std::io::Result<()> {
        let vs = self.value_size;
        for (r, w) in indptr.windows(2).enumerate() {
            let row = u32::try_from(first_row + r as u64).unwrap_or(u32::MAX);
            for k in w[0] as usize..w[1] as usize {
                let gene = genes[k] as usize;
                self.rows[gene].push(row);
                self.values[gene].extend_from_slice(&value_bytes[k * vs..(k + 1) * vs]);
                if self.rows[gene].len() >= self.cap {
                    self.flush(gene)?;
                }
            }
        }
        Ok(())
    }
}

/// Split `0..n` into consecutive ranges of at most `step` elements.
fn spans(n: u64, step: u64) -> Vec<Range<u64>> {
    let mut out = Vec::new();
    let mut a = 0;
    while a < n {
        let b = n.min(a + step);
        out.push(a..b);
        a = b;
    }
    out
}

/// Split rows into batches of at most `max_entries` stored entries (a longer row is alone).
fn row_batches(indptr: &[u64], max_entries: u64) -> Vec<Range<usize>> {
    let n = indptr.len().saturating_sub(1);
    let mut out = Vec::new();
    let mut a = 0;
    while a < n {
        let mut b = a + 1;
        while b < n && indptr[b + 1] - indptr[a] <= max_entries {
            b += 1;
        }
        out.push(a..b);
        a = b;
    }
    out
}

impl ColumnIndex {
    /// Build the index for the CSR group at `path` (see the module docs).
    pub(crate) fn build(
        b: &dyn Backend,
        path: &str,
        indptr: &[u64],
        n_vars: usize,
        dtype: DType,
        dir: &Path,
        batch: u64,
    ) -> Result<ColumnIndex, ReadError> {
        let nnz = indptr.last().copied().unwrap_or(0);
        let ix_path = join(path, "indices");
        let data_path = join(path, "data");
        let tmp_err = |source: std::io::Error| ReadError::TempFile {
            path: path.to_string(),
            dir: dir.to_path_buf(),
            source,
        };

        // Pass 1: count entries per gene.
        let read_genes = |r: &Range<u64>| -> Result<Vec<u32>, ReadError> {
            index_to_u32(
                &ix_path,
                b.read(&ix_path, std::slice::from_ref(r))?,
                n_vars as u64,
                r.start,
            )
        };
        let mut counts = vec![0u64; n_vars];
        let batches = spans(nnz, batch);
        let mut pending = match batches.first() {
            Some(r) => Some(read_genes(r)?),
            None => None,
        };
        for i in 0..batches.len() {
            let current = pending.take().unwrap_or_default();
            let next = batches.get(i + 1);
            let (next_read, ()) = rayon::join(
                || next.map(read_genes).transpose(),
                || add_counts(&mut counts, &current),
            );
            pending = next_read?;
        }
        let mut col_ptr = Vec::with_capacity(n_vars + 1);
        let mut acc = 0u64;
        col_ptr.push(0);
        for c in &counts {
            acc += c;
            col_ptr.push(acc);
        }
        drop(counts);

        // Pass 2: scatter rows into the CSC-ordered temp file.
        let value_size = dtype.size().max(1);
        let values_offset = nnz * 4;
        let file = tempfile::tempfile_in(dir).map_err(tmp_err)?;
        file.set_len(values_offset + nnz * value_size as u64)
            .map_err(tmp_err)?;
        let per_entry = 4 + value_size;
        let cap = (BUFFER_BUDGET / (n_vars.max(1) * per_entry)).clamp(16, 8192);
        let mut scatter = Scatter {
            file,
            col_ptr: col_ptr[..n_vars].to_vec(),
            written: vec![0; n_vars],
            rows: vec![Vec::new(); n_vars],
            values: vec![Vec::new(); n_vars],
            cap,
            value_size,
            values_offset,
        };
        let read_rows = |rows: &Range<usize>| -> Result<(Vec<u32>, Vec<u8>), ReadError> {
            let r = indptr[rows.start]..indptr[rows.end];
            let genes = read_genes(&r)?;
            let data = b.read(&data_path, std::slice::from_ref(&r))?;
            if data.len() != genes.len() {
                return Err(ReadError::malformed(&data_path, format!("range {r:?} gave {} values for {} indices", data.len(), genes.len())));
            }
            Ok((genes, to_le_bytes(&data)))
        };
        let row_spans = row_batches(indptr, batch);
        let mut pending = match row_spans.first() {
            Some(r) => Some(read_rows(r)?),
            None => None,
        };
        for i in 0..row_spans.len() {
            let (genes, bytes) = pending.take().unwrap_or_default();
            let rows = &row_spans[i];
            let lo = indptr[rows.start];
            let local: Vec<u64> = indptr[rows.start..=rows.end]
                .iter()
                .map(|&p| p - lo)
                .collect();
            let next = row_spans.get(i + 1);
            let (next_read, pushed) = rayon::join(
                || next.map(read_rows).transpose(),
                || scatter.push_batch(rows.start as u64, &local, &genes, &bytes),
            );
            pushed.map_err(tmp_err)?;
            pending = next_read?;
        }
        for g in 0..n_vars {
            scatter.flush(g).map_err(tmp_err)?;
        }
        if let Some(g) = (0..n_vars).find(|&g| scatter.written[g] != col_ptr[g + 1] - col_ptr[g]) {
            return Err(ReadError::malformed(
                path,
                format!(
                    "gene {g}: counted {} entries but scattered {}",
                    col_ptr[g + 1] - col_ptr[g],
                    scatter.written[g]
                ),
            ));
        }
        Ok(ColumnIndex {
            file: Mutex::new(scatter.file),
            col_ptr,
            dtype,
            value_size: value_size as u64,
            values_offset,
        })
    }

    /// Rows (ascending) and values of gene `j`.
    pub(crate) fn read_gene(&self, path: &str, j: usize) -> Result<(Vec<u32>, Values), ReadError> {
        let (Some(&a), Some(&b)) = (self.col_ptr.get(j), self.col_ptr.get(j + 1)) else {
            return Err(ReadError::GeneOutOfRange {
                path: path.to_string(),
                index: j,
                n_vars: self.col_ptr.len().saturating_sub(1),
            });
        };
        let n = usize::try_from(b - a).map_err(|_| ReadError::malformed(path, "gene too large"))?;
        let mut row_bytes = vec![0u8; n * 4];
        let mut value_bytes = vec![0u8; n * self.value_size as usize];
        {
            let mut f = self
                .file
                .lock()
                .map_err(|_| ReadError::malformed(path, "column index lock poisoned by a panic"))?;
            let io = |e| ReadError::TempFile {
                path: path.to_string(),
                dir: std::env::temp_dir(),
                source: e,
            };
            f.seek(SeekFrom::Start(a * 4)).map_err(io)?;
            f.read_exact(&mut row_bytes).map_err(io)?;
            f.seek(SeekFrom::Start(self.values_offset + a * self.value_size))
                .map_err(io)?;
            f.read_exact(&mut value_bytes).map_err(io)?;
        }
        let rows = row_bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let values = from_le_bytes(self.dtype, &value_bytes)
            .ok_or_else(|| ReadError::malformed(path, "string matrix"))?;
        Ok((rows, values))
    }
}

/// Add a batch's gene histogram to `counts` (parallel over sub-slices).
fn add_counts(counts: &mut [u64], genes: &[u32]) {
    let n = counts.len();
    let partial = genes
        .par_chunks(1 << 18)
        .fold(
            || vec![0u64; n],
            |mut h, chunk| {
                for &g in chunk {
                    if let Some(c) = h.get_mut(g as usize) {
                        *c += 1;
                    }
                }
                h
            },
        )
        .reduce(
            || vec![0u64; n],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
    for (c, p) in counts.iter_mut().zip(partial) {
        *c += p;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_exactly() {
        assert_eq!(spans(0, 4), Vec::<Range<u64>>::new());
        assert_eq!(spans(9, 4), vec![0..4, 4..8, 8..9]);
    }

    #[test]
    fn row_batches_respect_entry_limit_and_keep_long_rows_alone() {
        // rows with 2, 3, 10, 1 entries
        let indptr = [0, 2, 5, 15, 16];
        assert_eq!(row_batches(&indptr, 5), vec![0..2, 2..3, 3..4]);
        assert_eq!(row_batches(&indptr, 100), vec![0..4]);
    }
}
