//! Per-gene reads of a CSC matrix in blocks of consecutive genes, for a pass over many genes.
//!
//! **Why.** A CSC gene is one contiguous range of `indices` and `data`, so reading genes one by
//! one is one ranged read per gene and dataset. `hdf5-reader` (0.12) answers each ranged read of
//! a v1-B-tree-chunked dataset (what h5py writes) by walking the whole chunk B-tree, and decodes
//! again every chunk that a gene shares with its neighbour. On make_synth 100k × 2k written as
//! CSC (1,024 chunks per dataset) the walks were 14 % of the export's CPU, and they grow with
//! genes × chunks. Reading a run of consecutive requested genes as one block walks the tree and
//! decodes each chunk once per block.
//!
//! **Which genes.** Blocks are built from the genes the pass will read (an export's planned
//! genes): each block is a run of consecutive requested genes, so a pass over a scattered subset
//! (2,000 highly variable genes of 30,000) reads no gene it was not asked for; a gene outside
//! every block is read alone.
//!
//! **Memory.** The most recently used blocks are kept (2 per thread plus one, at least
//! [`MIN_BLOCKS_KEPT`]: rayon splits the pass between its threads, each reading genes in order
//! from its own place), and blocks are sized so that the kept ones hold at most
//! [`KEPT_BLOCK_BYTES`]; a block being read by each thread comes on top.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use super::SparseBlock;
use crate::error::ReadError;

/// Fewest blocks kept, whatever the number of threads.
pub(crate) const MIN_BLOCKS_KEPT: usize = 4;

/// Bytes (row indices and values) that the kept blocks may hold in total.
pub(crate) const KEPT_BLOCK_BYTES: u64 = 64 << 20;

/// Fewest entries of a block (unless its genes hold fewer): a few h5py chunks.
const MIN_BLOCK_ENTRIES: u64 = 1 << 16;

/// How many blocks to keep, and the most stored entries of a block of several genes (at most
/// `max_entries`), for `threads` threads and `value_bytes`-wide values.
fn sizing(max_entries: u64, value_bytes: u64, threads: usize) -> (usize, u64) {
    let kept = (2 * threads + 1).max(MIN_BLOCKS_KEPT);
    let per_block = KEPT_BLOCK_BYTES / (kept as u64 * (4 + value_bytes.max(1)));
    (
        kept,
        max_entries.min(per_block.max(MIN_BLOCK_ENTRIES)).max(1),
    )
}

/// The kept block of `span`, moved to the most recently used end of `recent`.
fn touch(recent: &mut VecDeque<Arc<SparseBlock>>, span: &Range<usize>) -> Option<Arc<SparseBlock>> {
    let at = recent.iter().position(|b| b.major == *span)?;
    let hit = recent.remove(at)?;
    recent.push_back(Arc::clone(&hit));
    Some(hit)
}

/// The blocks of a gene pass over a CSC matrix and its most recently used blocks.
#[derive(Debug)]
pub(crate) struct CscBlocks {
    /// Gene ranges of the blocks: ascending, disjoint, each a run of requested genes.
    spans: Vec<Range<usize>>,
    /// Blocks kept at most.
    kept: usize,
    /// Up to `kept` blocks, the most recently used last.
    recent: Mutex<VecDeque<Arc<SparseBlock>>>,
}

impl CscBlocks {
    /// Blocks over the `requested` genes (any order, repeats and out-of-range indices ignored)
    /// of a matrix with column offsets `indptr` and `value_bytes`-wide values, read by
    /// `threads` threads: at most `max_entries` stored entries each, fewer when the kept blocks
    /// would exceed [`KEPT_BLOCK_BYTES`] (a larger gene is a block alone).
    pub(crate) fn new(
        indptr: &[u64],
        requested: &[usize],
        max_entries: u64,
        value_bytes: u64,
        threads: usize,
    ) -> CscBlocks {
        let (kept, max_entries) = sizing(max_entries, value_bytes, threads);
        let n_genes = indptr.len().saturating_sub(1);
        let mut genes: Vec<usize> = requested.iter().copied().filter(|&g| g < n_genes).collect();
        genes.sort_unstable();
        genes.dedup();
        let entries = |span: &Range<usize>| indptr[span.end] - indptr[span.start];
        let mut spans: Vec<Range<usize>> = Vec::new();
        for g in genes {
            match spans.last_mut() {
                Some(last) if last.end == g && entries(&(last.start..g + 1)) <= max_entries => {
                    last.end = g + 1;
                }
                _ => spans.push(g..g + 1),
            }
        }
        CscBlocks {
            spans,
            kept,
            recent: Mutex::new(VecDeque::with_capacity(kept + 1)),
        }
    }

    /// The block holding gene `j` (`None` when `j` was not requested): a kept one, or one read
    /// now with `read` (outside the lock, so threads reading other blocks do not wait).
    pub(crate) fn block_of(
        &self,
        j: usize,
        read: impl FnOnce(Range<usize>) -> Result<SparseBlock, ReadError>,
    ) -> Result<Option<Arc<SparseBlock>>, ReadError> {
        let at = self.spans.partition_point(|s| s.end <= j);
        let Some(span) = self.spans.get(at).filter(|s| s.contains(&j)).cloned() else {
            return Ok(None);
        };
        if let Some(hit) = touch(&mut self.lock(), &span) {
            return Ok(Some(hit));
        }
        let block = Arc::new(read(span.clone())?);
        let mut recent = self.lock();
        // Another thread may have read the same block meanwhile: keep (and return) one copy.
        if let Some(hit) = touch(&mut recent, &span) {
            return Ok(Some(hit));
        }
        recent.push_back(Arc::clone(&block));
        while recent.len() > self.kept {
            recent.pop_front();
        }
        Ok(Some(block))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<SparseBlock>>> {
        // The queue is only ever pushed or popped whole: a panic elsewhere leaves it usable.
        self.recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::values::Values;
    use std::cell::RefCell;

    fn block(span: Range<usize>) -> SparseBlock {
        SparseBlock {
            major: span.clone(),
            indptr: vec![0; span.len() + 1],
            indices: Vec::new(),
            data: Values::F32(Vec::new()),
        }
    }

    /// Genes 0..6 with 2, 2, 5, 0, 1, 1 entries, blocks of at most 4 entries: {0, 1}, {2},
    /// {3, 4, 5}. Each block is read once for a pass in order, and kept blocks are reused from
    /// another place in the pass.
    #[test]
    fn each_block_is_read_once_per_pass() {
        let indptr = [0, 2, 4, 9, 9, 10, 11];
        let blocks = CscBlocks::new(&indptr, &[5, 4, 3, 2, 1, 0, 0, 9], 4, 4, 1);
        assert_eq!(blocks.spans, vec![0..2, 2..3, 3..6]);
        let reads = RefCell::new(Vec::new());
        let read = |span: Range<usize>| {
            reads.borrow_mut().push(span.clone());
            Ok(block(span))
        };
        for j in [0, 1, 2, 3, 4, 5, 0, 4] {
            let b = blocks.block_of(j, read).unwrap().unwrap();
            assert!(b.major.contains(&j), "gene {j} in {:?}", b.major);
        }
        assert_eq!(*reads.borrow(), vec![0..2, 2..3, 3..6]);
        assert!(blocks.block_of(6, read).unwrap().is_none());
    }

    /// Only runs of requested genes form blocks: a scattered subset reads no other gene.
    #[test]
    fn blocks_cover_only_the_requested_genes() {
        let indptr: Vec<u64> = (0..=10).map(|g| g * 3).collect();
        let blocks = CscBlocks::new(&indptr, &[8, 1, 2, 3, 6], 100, 4, 1);
        assert_eq!(blocks.spans, vec![1..4, 6..7, 8..9]);
        let read = |span: Range<usize>| Ok(block(span));
        assert!(blocks.block_of(0, read).unwrap().is_none());
        assert!(blocks.block_of(7, read).unwrap().is_none());
        assert_eq!(blocks.block_of(2, read).unwrap().unwrap().major, 1..4);
    }

    /// The least recently used block goes first; more threads keep more (smaller) blocks.
    #[test]
    fn the_least_recently_used_block_is_dropped() {
        let n = MIN_BLOCKS_KEPT + 1;
        let indptr: Vec<u64> = (0..=n as u64).map(|g| g * 5).collect();
        let all: Vec<usize> = (0..n).collect();
        let blocks = CscBlocks::new(&indptr, &all, 5, 4, 1);
        assert_eq!(blocks.kept, MIN_BLOCKS_KEPT);
        let reads = RefCell::new(Vec::new());
        let read = |span: Range<usize>| {
            reads.borrow_mut().push(span.start);
            Ok(block(span))
        };
        for j in 0..MIN_BLOCKS_KEPT {
            blocks.block_of(j, read).unwrap();
        }
        blocks.block_of(0, read).unwrap(); // used again: now the most recent
        blocks.block_of(MIN_BLOCKS_KEPT, read).unwrap(); // drops gene 1's block
        blocks.block_of(0, read).unwrap();
        blocks.block_of(1, read).unwrap();
        let expected: Vec<usize> = (0..MIN_BLOCKS_KEPT).chain([MIN_BLOCKS_KEPT, 1]).collect();
        assert_eq!(*reads.borrow(), expected);
        // Block sizes: the kept blocks of f32 values hold at most KEPT_BLOCK_BYTES.
        let per_entry = 4 + 4;
        assert_eq!(
            sizing(u64::MAX, 4, 1),
            (4, KEPT_BLOCK_BYTES / (4 * per_entry))
        );
        assert_eq!(sizing(1 << 18, 4, 1), (4, 1 << 18));
        assert_eq!(
            sizing(u64::MAX, 4, 8),
            (17, KEPT_BLOCK_BYTES / (17 * per_entry))
        );
        assert_eq!(sizing(u64::MAX, 8, 64), (129, MIN_BLOCK_ENTRIES));
        assert_eq!(sizing(0, 4, 1), (4, 1));
    }

    /// When another thread read the same block while this one was reading it, the copy already
    /// kept is returned and the block is kept once.
    #[test]
    fn a_block_read_twice_at_once_is_kept_once() {
        let blocks = CscBlocks::new(&[0, 2, 4], &[0, 1], 10, 4, 1);
        let inner = blocks
            .block_of(0, |span| {
                // The "other thread": reads and keeps the block first.
                let other = blocks.block_of(1, |span| Ok(block(span))).unwrap().unwrap();
                assert_eq!(other.major, span);
                Ok(block(span))
            })
            .unwrap()
            .unwrap();
        assert_eq!(blocks.lock().len(), 1);
        assert!(Arc::ptr_eq(&inner, &blocks.lock()[0]));
    }

    #[test]
    fn a_failed_read_is_returned_and_nothing_is_kept() {
        let blocks = CscBlocks::new(&[0, 1, 2], &[0, 1], 1, 4, 1);
        let err = blocks
            .block_of(1, |_| Err(ReadError::malformed("X", "broken chunk")))
            .unwrap_err();
        assert!(err.to_string().contains("broken chunk"), "{err}");
        assert!(blocks.lock().is_empty());
    }
}
