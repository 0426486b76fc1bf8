//! The on-disk column index of a CSR matrix: CSR → CSC in one streaming pass.
//!
//! **Strategy.** Per-gene access to a CSR matrix needs every row. Instead of a second
//! in-memory copy of `X` (what `tocsc()` costs), the index is built once by streaming the
//! rows in batches of at most [`batch_entries_for`] entries (`indices` + `data`; batch *k+1*
//! read while batch *k* is scattered; each batch's chunks are decoded as rayon tasks inside
//! `hdf5-reader`, so an idle core helps). Every column
//! index is checked `< n_vars`; each batch is grouped by gene (a counting sort) and each
//! gene's group is appended to a small per-gene buffer; a full buffer is appended to an
//! unlinked temporary file as one *run* of `n` entries `[row: u32 LE][value: value size, LE]`;
//! each gene keeps the list of its runs (offset, length). Rows are visited in order, so a
//! gene's runs, and the rows inside them, are ascending. Entries keep the layout of the
//! counting sort's grouped array, so a group goes to its gene's buffer in one copy.
//!
//! A gene is then one positioned read per run (≈ count / buffer capacity reads, served by the
//! OS page cache after the first touch; genes read in parallel share no file position). The file
//! disappears with the index (it is created unlinked; `GeneMatrix::release_column_index` drops
//! it early).
//!
//! **Memory** during the build: the per-gene buffers ([`BUFFER_BUDGET`] bytes in total, but at
//! least 16 entries a gene: n_vars × 16 × (4 + value size) bytes when that is more, e.g.
//! 128 MiB for a million f32 features), 12 bytes a gene of counting-sort scratch,
//! two batches in flight (2 × batch × (index + value + decoded u32 + value bytes): ≈ 8 MiB
//! for f32 data with int32 indices at the smallest batch, [`BATCH_ENTRIES`], up to ≈ 64 MiB at
//! [`MAX_BATCH_ENTRIES`] for inputs above 5e8 entries), the grouped copy of one batch (batch ×
//! (4 + value size): 2–16 MiB), up to 1 MiB of full buffers waiting for a vectored write and
//! as many written ones waiting to be filled again (`run_file.rs`), the run lists
//! (12 bytes per run, runs ≈ nnz / buffer capacity), plus the `indptr` already held by the
//! matrix (8 × (`n_obs` + 1) bytes). Disk: `nnz × (4 + value size)` bytes.

use std::fs::File;
#[cfg(not(unix))]
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::io::{from_le_bytes, le_bytes};
use super::run_file::{RunFile, WRITE_BYTES};
use crate::backend::Backend;
use crate::elem::{index_to_u32, join};
use crate::error::ReadError;
use crate::values::{DType, Values};

/// Smallest number of entries per streamed batch. A quarter million entries is a dozen chunks
/// of a typical h5ad (≈ 20k entries each), while the two batches in flight stay near 8 MiB
/// (1M-entry batches measured the same speed on make_synth 100k × 2k and cost 24 MiB more).
pub const BATCH_ENTRIES: u64 = 1 << 18;

/// Largest number of entries per streamed batch chosen by [`batch_entries_for`] (two batches
/// in flight then hold about 64 MiB).
pub const MAX_BATCH_ENTRIES: u64 = 1 << 21;

/// Batches a matrix is streamed in when that keeps each batch between [`BATCH_ENTRIES`] and
/// [`MAX_BATCH_ENTRIES`] entries.
pub const TARGET_BATCHES: u64 = 256;

/// Entries per streamed batch for a matrix of `nnz` stored entries: `nnz / TARGET_BATCHES`,
/// clamped to [`BATCH_ENTRIES`]..=[`MAX_BATCH_ENTRIES`].
///
/// **Why not a fixed size.** Every batch is one ranged read of `indices` and one of `data`,
/// and `hdf5-reader` (0.12) answers a ranged read of a v1-B-tree-chunked dataset (what h5py
/// writes) by walking the whole chunk B-tree, so a read costs time in proportion to the
/// dataset's chunk count, and the build, with a fixed batch size, in proportion to nnz². On
/// make_synth 1M × 5k (5.7e8 entries, 26k chunks per dataset, ~2,160 batches of 256k) those
/// walks were 12 % of the build's samples and kept the reading thread the bottleneck (now ~270
/// batches of 2M). A fixed number of batches keeps their cost linear in nnz up to
/// [`MAX_BATCH_ENTRIES`] × 256 (5.4e8) entries; beyond, batches stay at the maximum (bounded
/// memory) and the walks grow again, slowly.
#[must_use]
pub fn batch_entries_for(nnz: u64) -> u64 {
    (nnz / TARGET_BATCHES).clamp(BATCH_ENTRIES, MAX_BATCH_ENTRIES)
}

/// Total bytes of the per-gene write buffers during the scatter pass.
pub const BUFFER_BUDGET: usize = 16 << 20;

/// A built column index: gene offsets plus the temporary CSC file.
#[derive(Debug)]
pub(crate) struct ColumnIndex {
    file: File,
    /// Serializes seek-then-read where positioned reads are not available (not Unix).
    #[cfg(not(unix))]
    seek_lock: std::sync::Mutex<()>,
    col_ptr: Vec<u64>,
    runs: Vec<Vec<(u64, u32)>>,
    dtype: DType,
    value_size: u64,
}

/// One gene's runs in the index file: (byte offset, entries).
type Runs = Vec<(u64, u32)>;

/// Per-gene buffered writer of the scatter pass: full buffers are appended to the file as
/// runs of entries `[row u32 LE][value LE]`, and each gene keeps the list of its runs.
struct Scatter {
    out: RunFile,
    runs: Vec<Runs>,
    /// Each gene's buffered entries, `cap` at most.
    entries: Vec<Vec<u8>>,
    cap: usize,
    value_size: usize,
    /// Counting-sort scratch of one batch (see [`Scatter::scatter`]): entries per gene (zero
    /// between batches), the next free slot of each touched gene's group, the genes the batch
    /// touches, and the grouped entries (row, then value bytes, interleaved).
    count: Vec<u32>,
    next: Vec<usize>,
    touched: Vec<u32>,
    sorted: Vec<u8>,
}

impl Scatter {
    /// A scatter of `n_vars` genes into `file`, buffering up to `cap` entries of
    /// `4 + value_size` bytes a gene, writing once `write_bytes` bytes of full buffers wait.
    fn new(file: File, n_vars: usize, cap: usize, value_size: usize, write_bytes: usize) -> Self {
        Scatter {
            out: RunFile::new(file, write_bytes),
            runs: vec![Vec::new(); n_vars],
            // Exact capacities: buffers grown by doubling would hold up to twice the budget.
            entries: (0..n_vars)
                .map(|_| Vec::with_capacity(cap * (4 + value_size)))
                .collect(),
            cap,
            value_size,
            count: Vec::new(),
            next: Vec::new(),
            touched: Vec::new(),
            sorted: Vec::new(),
        }
    }

    /// Appends `gene`'s buffered entries as one run, and gives the gene an empty buffer (a
    /// written one when there is one).
    fn flush(&mut self, gene: usize) -> std::io::Result<()> {
        if self.entries[gene].is_empty() {
            return Ok(());
        }
        let refill = self
            .out
            .spare()
            .unwrap_or_else(|| Vec::with_capacity(self.cap * (4 + self.value_size)));
        self.append_run(gene, refill)
    }

    fn append_run(&mut self, gene: usize, refill: Vec<u8>) -> std::io::Result<()> {
        let full = std::mem::replace(&mut self.entries[gene], refill);
        let n = full.len() / (4 + self.value_size);
        let at = self.out.append(full)?;
        self.runs[gene].push((at, u32::try_from(n).unwrap_or(u32::MAX)));
        Ok(())
    }

    /// Appends every gene's last entries; returns the runs of each gene and the written file.
    fn finish(mut self) -> std::io::Result<(Vec<Runs>, File)> {
        for gene in 0..self.entries.len() {
            if !self.entries[gene].is_empty() {
                self.append_run(gene, Vec::new())?;
            }
        }
        Ok((self.runs, self.out.finish()?))
    }

    /// Scatter one row batch: `indptr` rebased to the batch, `first_row` its first row.
    fn push_batch(
        &mut self,
        first_row: u64,
        indptr: &[u64],
        genes: &[u32],
        value_bytes: &[u8],
    ) -> std::io::Result<()> {
        // The value width as a constant, so each value is one fixed-size store instead of a
        // `memmove` call (that call was 5 % of an export's CPU).
        match self.value_size {
            1 => self.scatter::<1, 5>(first_row, indptr, genes, value_bytes),
            2 => self.scatter::<2, 6>(first_row, indptr, genes, value_bytes),
            4 => self.scatter::<4, 8>(first_row, indptr, genes, value_bytes),
            8 => self.scatter::<8, 12>(first_row, indptr, genes, value_bytes),
            _ => Err(std::io::Error::other(format!(
                "unsupported value size {}",
                self.value_size
            ))),
        }
    }

    /// Scatters one batch by a counting sort: the batch's entries are first grouped by gene in
    /// one batch-sized array of `ES = 4 + VS`-byte entries, row and value interleaved
    /// (sequential reads, writes into ~`n_vars` streams of a few MiB that stay in cache), then
    /// each gene's group is appended to its buffer in one copy (the file keeps the same entry
    /// layout). Appending entry by entry to the 16 MiB of per-gene buffers missed the cache on
    /// nearly every entry (15 ns an entry, 8 % of an export's CPU); grouping rows and values in
    /// two separate arrays kept twice the write streams open and cost ~5 % more of an export's
    /// CPU than interleaving; splitting each group into row and value buffers cost a zero-fill
    /// and a pass per entry.
    fn scatter<const VS: usize, const ES: usize>(
        &mut self,
        first_row: u64,
        indptr: &[u64],
        genes: &[u32],
        value_bytes: &[u8],
    ) -> std::io::Result<()> {
        const { assert!(ES == 4 + VS, "an entry is a u32 row and a value") };
        let n_vars = self.entries.len();
        let n = genes.len().min(value_bytes.len() / VS);
        // Count the batch's entries per gene, noting the genes it touches in first-touch order
        // (a group's position in the sorted arrays does not matter, only the order inside it),
        // so the work is O(entries + touched genes), not O(n_vars) per batch.
        if self.count.len() != n_vars {
            self.count = vec![0; n_vars];
            self.next = vec![0; n_vars];
        }
        self.touched.clear();
        for &gene in &genes[..n] {
            if let Some(c) = self.count.get_mut(gene as usize) {
                if *c == 0 {
                    self.touched.push(gene);
                }
                *c += 1;
            }
        }
        let mut offset = 0;
        for &gene in &self.touched {
            let g = gene as usize;
            self.next[g] = offset;
            offset += self.count[g] as usize;
        }
        // Every slot a group is read from is written below first (the groups tile the front of
        // the arrays), so the arrays are only grown, never re-zeroed: zeroing 2 MiB a batch
        // cost 1 % of an export's CPU.
        if self.sorted.len() < n * ES {
            self.sorted.resize(n * ES, 0);
        }
        let values = value_bytes.chunks_exact(VS);
        let mut entries = genes[..n].iter().zip(values);
        for (r, w) in indptr.windows(2).enumerate() {
            let row = u32::try_from(first_row + r as u64).unwrap_or(u32::MAX);
            for (&gene, value) in entries.by_ref().take((w[1] - w[0]) as usize) {
                let Some(slot) = self.next.get_mut(gene as usize) else {
                    continue; // checked `< n_vars` when read
                };
                let at = *slot;
                *slot += 1;
                // Row and value as one store: one write stream per touched gene instead of
                // two halves the cache lines in flight.
                let mut entry = [0u8; ES];
                entry[..4].copy_from_slice(&row.to_le_bytes());
                entry[4..].copy_from_slice(value);
                if let Some(dst) = self.sorted.get_mut(at * ES..at * ES + ES) {
                    dst.copy_from_slice(&entry);
                }
            }
        }
        // Each group now ends at `next[gene]` and holds `count[gene]` entries.
        for i in 0..self.touched.len() {
            let gene = self.touched[i] as usize;
            let len = std::mem::take(&mut self.count[gene]) as usize;
            let b = self.next[gene];
            let mut a = b - len;
            while a < b {
                let buffer = &mut self.entries[gene];
                let take = (self.cap - buffer.len() / ES).min(b - a);
                buffer.extend_from_slice(&self.sorted[a * ES..(a + take) * ES]);
                a += take;
                if buffer.len() >= self.cap * ES {
                    self.flush(gene)?;
                }
            }
        }
        Ok(())
    }
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
    /// Build the index for the CSR group at `path` (see the module docs). Returns `None`,
    /// after the batch in progress, once `cancel` is set.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn build(
        b: &dyn Backend,
        path: &str,
        indptr: &[u64],
        n_vars: usize,
        dtype: DType,
        dir: &Path,
        batch: u64,
        cancel: &AtomicBool,
    ) -> Result<Option<ColumnIndex>, ReadError> {
        let nnz = indptr.last().copied().unwrap_or(0);
        let ix_path = join(path, "indices");
        let data_path = join(path, "data");
        let tmp_err = |source: std::io::Error| ReadError::TempFile {
            path: path.to_string(),
            dir: dir.to_path_buf(),
            source,
        };

        let read_genes = |r: &Range<u64>| -> Result<Vec<u32>, ReadError> {
            index_to_u32(
                &ix_path,
                b.read(&ix_path, std::slice::from_ref(r))?,
                n_vars as u64,
                r.start,
            )
        };
        let value_size = dtype.size().max(1);
        let file = tempfile::tempfile_in(dir).map_err(tmp_err)?;
        let per_entry = 4 + value_size;
        let cap = (BUFFER_BUDGET / (n_vars.max(1) * per_entry)).clamp(16, 8192);
        let mut scatter = Scatter::new(file, n_vars, cap, value_size, WRITE_BYTES);
        let read_rows = |rows: &Range<usize>| -> Result<(Vec<u32>, Values), ReadError> {
            let r = indptr[rows.start]..indptr[rows.end];
            let genes = read_genes(&r)?;
            let data = b.read(&data_path, std::slice::from_ref(&r))?;
            if data.len() != genes.len() {
                return Err(ReadError::malformed(
                    &data_path,
                    format!(
                        "range {r:?} gave {} values for {} indices",
                        data.len(),
                        genes.len()
                    ),
                ));
            }
            Ok((genes, data))
        };
        let row_spans = row_batches(indptr, batch);
        let mut pending = match row_spans.first() {
            Some(r) => Some(read_rows(r)?),
            None => None,
        };
        for i in 0..row_spans.len() {
            if cancel.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let Some((genes, data)) = pending.take() else {
                break;
            };
            let bytes = le_bytes(&data);
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
        let (runs, file) = scatter.finish().map_err(tmp_err)?;
        let stored: u64 = runs.iter().flatten().map(|&(_, n)| u64::from(n)).sum();
        if stored != nnz {
            return Err(ReadError::malformed(
                path,
                format!("indptr declares {nnz} entries but {stored} were read"),
            ));
        }
        let mut col_ptr = Vec::with_capacity(n_vars + 1);
        col_ptr.push(0u64);
        for r in &runs {
            let last = col_ptr.last().copied().unwrap_or(0);
            col_ptr.push(last + r.iter().map(|&(_, n)| u64::from(n)).sum::<u64>());
        }
        Ok(Some(ColumnIndex::new(
            file, col_ptr, runs, dtype, value_size,
        )))
    }

    /// An index over `file`, whose gene `j` has `col_ptr[j + 1] - col_ptr[j]` entries in the
    /// runs `runs[j]` of `(4 + value_size)`-byte entries.
    fn new(
        file: File,
        col_ptr: Vec<u64>,
        runs: Vec<Vec<(u64, u32)>>,
        dtype: DType,
        value_size: usize,
    ) -> ColumnIndex {
        ColumnIndex {
            file,
            #[cfg(not(unix))]
            seek_lock: std::sync::Mutex::new(()),
            col_ptr,
            runs,
            dtype,
            value_size: value_size as u64,
        }
    }

    /// Fills `buf` from the index file at `offset`: a positioned read, so that the genes read
    /// in parallel do not queue on a shared file position (elsewhere than Unix, a lock
    /// serializes seek and read).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.file.read_exact_at(buf, offset)
        }
        #[cfg(not(unix))]
        {
            let _serial = self
                .seek_lock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut f = &self.file;
            f.seek(SeekFrom::Start(offset))?;
            f.read_exact(buf)
        }
    }

    /// Rows (ascending) and values of gene `j`: one read per run of the gene.
    pub(crate) fn read_gene(&self, path: &str, j: usize) -> Result<(Vec<u32>, Values), ReadError> {
        let (Some(&a), Some(&b), Some(runs)) = (
            self.col_ptr.get(j),
            self.col_ptr.get(j + 1),
            self.runs.get(j),
        ) else {
            return Err(ReadError::GeneOutOfRange {
                path: path.to_string(),
                index: j,
                n_vars: self.runs.len(),
            });
        };
        let n = usize::try_from(b - a).map_err(|_| ReadError::malformed(path, "gene too large"))?;
        let io = |e| ReadError::TempFile {
            path: path.to_string(),
            dir: std::env::temp_dir(),
            source: e,
        };
        let (rows, values) = match self.value_size {
            1 => self.read_runs::<1, 5>(runs, n),
            2 => self.read_runs::<2, 6>(runs, n),
            4 => self.read_runs::<4, 8>(runs, n),
            8 => self.read_runs::<8, 12>(runs, n),
            _ => return Err(ReadError::malformed(path, "unsupported value size")),
        }
        .map_err(io)?;
        let values = values.ok_or_else(|| ReadError::malformed(path, "string matrix"))?;
        Ok((rows, values))
    }

    /// The rows and the values (`None` for a string dtype) of a gene's `n` entries, read run
    /// by run from `ES = 4 + VS`-byte entries. Each field is gathered by one `extend` over the
    /// run (a pushed value per entry, with its capacity check, was 2.5 % of an export's CPU).
    fn read_runs<const VS: usize, const ES: usize>(
        &self,
        runs: &[(u64, u32)],
        n: usize,
    ) -> std::io::Result<(Vec<u32>, Option<Values>)> {
        const { assert!(ES == 4 + VS, "an entry is a u32 row and a value") };
        let mut rows = Vec::with_capacity(n);
        let mut values: Vec<[u8; VS]> = Vec::with_capacity(n);
        let mut buf = Vec::new();
        for &(offset, len) in runs {
            buf.resize(len as usize * ES, 0);
            self.read_at(&mut buf, offset)?;
            rows.extend(buf.chunks_exact(ES).map(|e| {
                let mut row = [0u8; 4];
                row.copy_from_slice(&e[..4]);
                u32::from_le_bytes(row)
            }));
            values.extend(buf.chunks_exact(ES).map(|e| {
                let mut value = [0u8; VS];
                value.copy_from_slice(&e[4..]);
                value
            }));
        }
        Ok((rows, from_le_bytes(self.dtype, values.as_flattened())))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, SeekFrom};

    /// The counting-sort scatter keeps every gene's rows ascending with their values, across
    /// batches and across buffer flushes (buffers of 3 entries, groups of up to 7), for every
    /// value width; `read_gene` reads each gene back whole from its runs.
    #[test]
    fn scatter_groups_entries_by_gene_across_batches_and_flushes() {
        for value_size in [1, 2, 4, 8] {
            // Full buffers written one by one, and all at the end.
            for write_bytes in [1, WRITE_BYTES] {
                scatter_case(value_size, write_bytes);
            }
        }
    }

    fn scatter_case(value_size: usize, write_bytes: usize) {
        let n_vars = 4;
        let cap = 3;
        let mut scatter = Scatter::new(
            tempfile::tempfile().unwrap(),
            n_vars,
            cap,
            value_size,
            write_bytes,
        );
        // 14 rows; row r holds the genes g with (r + g) % 3 != 0 (and gene 3 in every row),
        // value = the low `value_size` bytes of 0x0101_0101_0101_0100 * r + g, LE; streamed as
        // batches of 5, 7 and 2 rows.
        let mut expected: Vec<Vec<(u32, Vec<u8>)>> = vec![Vec::new(); n_vars];
        let mut batch = |first: u32, rows: std::ops::Range<u32>, scatter: &mut Scatter| {
            let (mut indptr, mut genes, mut bytes) = (vec![0u64], Vec::new(), Vec::new());
            for r in rows {
                for g in 0..n_vars as u32 {
                    if (r + g) % 3 != 0 || g == 3 {
                        let v = 0x0101_0101_0101_0100_u64 * u64::from(r) + u64::from(g);
                        let v = v.to_le_bytes()[..value_size].to_vec();
                        genes.push(g);
                        bytes.extend_from_slice(&v);
                        expected[g as usize].push((r, v));
                    }
                }
                indptr.push(genes.len() as u64);
            }
            scatter
                .push_batch(u64::from(first), &indptr, &genes, &bytes)
                .unwrap();
        };
        batch(0, 0..5, &mut scatter);
        batch(5, 5..12, &mut scatter);
        // A smaller batch after a larger one: the grouping arrays keep stale entries past its end.
        batch(12, 12..14, &mut scatter);
        let (runs, mut file) = scatter.finish().unwrap();
        for (g, want) in expected.iter().enumerate() {
            let mut got = Vec::new();
            for &(offset, len) in &runs[g] {
                assert!(len as usize <= cap);
                let mut buf = vec![0u8; len as usize * (4 + value_size)];
                file.seek(SeekFrom::Start(offset)).unwrap();
                file.read_exact(&mut buf).unwrap();
                for e in buf.chunks_exact(4 + value_size) {
                    got.push((
                        u32::from_le_bytes(e[..4].try_into().unwrap()),
                        e[4..].to_vec(),
                    ));
                }
            }
            assert_eq!(&got, want, "gene {g}, {value_size}-byte values");
        }
        assert!(runs[3].len() >= 4, "gene 3 was flushed several times");
        // The same genes read back through the index, run after run.
        let dtype = match value_size {
            1 => DType::U8,
            2 => DType::U16,
            4 => DType::F32,
            _ => DType::U64,
        };
        let mut col_ptr = vec![0u64];
        for want in &expected {
            col_ptr.push(col_ptr[col_ptr.len() - 1] + want.len() as u64);
        }
        let index = ColumnIndex::new(file, col_ptr, runs, dtype, value_size);
        for (g, want) in expected.iter().enumerate() {
            let (rows, values) = index.read_gene("X", g).unwrap();
            let bytes = super::super::io::le_bytes(&values);
            let got: Vec<(u32, Vec<u8>)> = rows
                .iter()
                .zip(bytes.chunks_exact(value_size))
                .map(|(&r, v)| (r, v.to_vec()))
                .collect();
            assert_eq!(&got, want, "read_gene {g}, {value_size}-byte values");
        }
    }

    /// A fixed number of batches between the two bounds, so the B-tree walks of the reads stay
    /// linear in nnz (see `batch_entries_for`).
    #[test]
    fn batch_size_follows_nnz_between_its_bounds() {
        let cases = [
            (0, BATCH_ENTRIES),
            (22_037_198, BATCH_ENTRIES), // make_synth 100k × 2k: as before
            (BATCH_ENTRIES * TARGET_BATCHES, BATCH_ENTRIES),
            (BATCH_ENTRIES * TARGET_BATCHES * 3, BATCH_ENTRIES * 3),
            (220_400_000, 860_937), // about make_synth 1M × 2k: 256 batches, not ~840
            (565_892_241, MAX_BATCH_ENTRIES), // make_synth 1M × 5k: ~270, not ~2,160
            (MAX_BATCH_ENTRIES * TARGET_BATCHES, MAX_BATCH_ENTRIES),
            (u64::MAX, MAX_BATCH_ENTRIES),
        ];
        for (nnz, expected) in cases {
            assert_eq!(batch_entries_for(nnz), expected, "nnz {nnz}");
        }
    }

    #[test]
    fn row_batches_respect_entry_limit_and_keep_long_rows_alone() {
        // rows with 2, 3, 10, 1 entries
        let indptr = [0, 2, 5, 15, 16];
        assert_eq!(row_batches(&indptr, 5), vec![0..2, 2..3, 3..4]);
        assert_eq!(row_batches(&indptr, 100), vec![0..4]);
    }
}
