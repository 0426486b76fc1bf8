//! Per-gene reads of a CSC matrix in blocks of consecutive genes, for a pass over every gene.
//!
//! **Why.** A CSC gene is one contiguous range of `indices` and `data`, so reading genes one by
//! one is one ranged read per gene and dataset. `hdf5-reader` (0.12) answers each ranged read of
//! a v1-B-tree-chunked dataset (what h5py writes) by walking the whole chunk B-tree, and decodes
//! again every chunk that a gene shares with its neighbour. On make_synth 100k × 2k written as
//! CSC (1,024 chunks per dataset) the walks were 14 % of the export's CPU, and they grow with
//! genes × chunks. Reading consecutive genes as one block (at most
//! [`super::csr_index::batch_entries_for`] entries) walks the tree and decodes each chunk once
//! per block.
//!
//! **Memory.** At most [`BLOCKS_KEPT`] blocks are kept (the passes of an export read genes in
//! order from a few places at once: rayon splits the gene range between its threads), each at
//! most a batch of entries (2 MiB of f32 values and u32 rows at the smallest batch).

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use super::SparseBlock;
use crate::error::ReadError;

/// Most recently read blocks kept for the genes still to come.
pub(crate) const BLOCKS_KEPT: usize = 4;

/// The block spans of a CSC matrix and its most recently read blocks.
#[derive(Debug)]
pub(crate) struct CscBlocks {
    /// Gene ranges of the blocks: ascending, consecutive, covering every gene.
    spans: Vec<Range<usize>>,
    /// Up to [`BLOCKS_KEPT`] blocks, the most recently read last.
    recent: Mutex<VecDeque<Arc<SparseBlock>>>,
}

impl CscBlocks {
    /// Blocks of at most `max_entries` stored entries (a larger gene is a block alone), from the
    /// matrix's column offsets.
    pub(crate) fn new(indptr: &[u64], max_entries: u64) -> CscBlocks {
        CscBlocks {
            spans: super::csr_index::row_batches(indptr, max_entries),
            recent: Mutex::new(VecDeque::with_capacity(BLOCKS_KEPT + 1)),
        }
    }

    /// The block holding gene `j` (`None` past the last gene): a kept one, or one read now with
    /// `read` (outside the lock, so threads reading other blocks do not wait).
    pub(crate) fn block_of(
        &self,
        j: usize,
        read: impl FnOnce(Range<usize>) -> Result<SparseBlock, ReadError>,
    ) -> Result<Option<Arc<SparseBlock>>, ReadError> {
        let at = self.spans.partition_point(|s| s.end <= j);
        let Some(span) = self.spans.get(at).filter(|s| s.contains(&j)).cloned() else {
            return Ok(None);
        };
        let kept = |recent: &VecDeque<Arc<SparseBlock>>| {
            recent.iter().find(|b| b.major == span).map(Arc::clone)
        };
        if let Some(hit) = kept(&self.lock()) {
            return Ok(Some(hit));
        }
        let block = Arc::new(read(span.clone())?);
        let mut recent = self.lock();
        if let Some(hit) = kept(&recent) {
            return Ok(Some(hit)); // another thread read it meanwhile
        }
        recent.push_back(Arc::clone(&block));
        if recent.len() > BLOCKS_KEPT {
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
    /// {3, 4, 5}. Each block is read once for a pass in order, kept blocks are reused from
    /// another place in the pass, and only the last `BLOCKS_KEPT` blocks are kept.
    #[test]
    fn each_block_is_read_once_per_pass_and_few_are_kept() {
        let indptr = [0, 2, 4, 9, 9, 10, 11];
        let blocks = CscBlocks::new(&indptr, 4);
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
        // Past BLOCKS_KEPT blocks, the oldest is dropped and read again when asked for.
        let many: Vec<u64> = (0..=(BLOCKS_KEPT as u64 + 1)).map(|g| g * 5).collect();
        let blocks = CscBlocks::new(&many, 5);
        reads.borrow_mut().clear();
        for j in (0..=BLOCKS_KEPT).chain([0]) {
            blocks.block_of(j, read).unwrap();
        }
        assert_eq!(reads.borrow().len(), BLOCKS_KEPT + 2);
        assert_eq!(reads.borrow().last(), Some(&(0..1)));
    }

    #[test]
    fn a_failed_read_is_returned_and_nothing_is_kept() {
        let blocks = CscBlocks::new(&[0, 1, 2], 1);
        let err = blocks
            .block_of(1, |_| Err(ReadError::malformed("X", "broken chunk")))
            .unwrap_err();
        assert!(err.to_string().contains("broken chunk"), "{err}");
        assert!(blocks.lock().is_empty());
    }
}
