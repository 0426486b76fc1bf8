//! A least-recently-used cache of decoded genes, bounded by the bytes the genes hold.

use lru::LruCache;

use super::GeneColumn;

/// LRU of decoded gene columns; evicts the oldest until the byte total fits the budget.
#[derive(Debug)]
pub(super) struct GeneCache {
    entries: LruCache<usize, GeneColumn>,
    bytes: usize,
    budget: usize,
}

impl GeneCache {
    pub(super) fn new(budget: usize) -> GeneCache {
        GeneCache {
            entries: LruCache::unbounded(),
            bytes: 0,
            budget,
        }
    }

    pub(super) fn get(&mut self, j: usize) -> Option<GeneColumn> {
        self.entries.get(&j).cloned()
    }

    /// Whether a column of `bytes` would be kept by [`GeneCache::put`] (so callers clone only
    /// what is kept: with a zero budget, an export, nothing is copied).
    pub(super) fn admits(&self, bytes: usize) -> bool {
        bytes <= self.budget
    }

    pub(super) fn put(&mut self, j: usize, col: GeneColumn) {
        let size = col.byte_len();
        if !self.admits(size) {
            return;
        }
        if let Some(old) = self.entries.put(j, col) {
            self.bytes -= old.byte_len();
        }
        self.bytes += size;
        while self.bytes > self.budget {
            match self.entries.pop_lru() {
                Some((_, old)) => self.bytes -= old.byte_len(),
                None => break,
            }
        }
    }

    #[cfg(test)]
    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::values::Values;

    fn dense(n: usize) -> GeneColumn {
        GeneColumn::Dense(Values::F32(vec![1.0; n]))
    }

    #[test]
    fn evicts_least_recent_to_stay_within_budget() {
        let mut c = GeneCache::new(100);
        c.put(0, dense(10)); // 40 bytes
        c.put(1, dense(10));
        assert!(c.get(0).is_some()); // 0 is now most recent
        c.put(2, dense(10)); // 120 > 100: evict 1
        assert_eq!(c.len(), 2);
        assert!(c.get(1).is_none());
        assert!(c.get(0).is_some() && c.get(2).is_some());
        assert_eq!(c.bytes(), 80);
    }

    #[test]
    fn oversized_entries_are_not_cached() {
        let mut c = GeneCache::new(10);
        c.put(0, dense(10));
        assert_eq!(c.len(), 0);
        assert_eq!(c.bytes(), 0);
    }
}
