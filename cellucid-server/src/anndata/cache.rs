//! A least-recently-used map of encoded payloads bounded by the bytes it holds.

use std::sync::Arc;

use lru::LruCache;

use super::Encoded;

/// LRU of encoded payload bodies keyed by request path, bounded in bytes. An entry larger than
/// the whole budget is served but not kept.
pub(crate) struct ByteLru {
    map: LruCache<String, (Arc<Encoded>, u64)>,
    held: u64,
    budget: u64,
}

impl ByteLru {
    pub(crate) fn new(budget: u64) -> Self {
        Self {
            map: LruCache::unbounded(),
            held: 0,
            budget,
        }
    }

    pub(crate) fn get(&mut self, key: &str) -> Option<Arc<Encoded>> {
        self.map.get(key).map(|(e, _)| Arc::clone(e))
    }

    /// Inserts or re-weighs `key` (call again after a compressed form was added).
    pub(crate) fn put(&mut self, key: &str, value: Arc<Encoded>) {
        let weight = value.weight();
        if let Some((_, old)) = self.map.pop(key) {
            self.held -= old;
        }
        if weight > self.budget {
            return;
        }
        self.held += weight;
        self.map.put(key.to_string(), (value, weight));
        while self.held > self.budget {
            match self.map.pop_lru() {
                Some((_, (_, w))) => self.held -= w,
                None => break,
            }
        }
    }

    /// Bytes currently held.
    #[cfg(test)]
    pub(crate) fn held(&self) -> u64 {
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn evicts_least_recently_used_by_bytes() {
        let mut lru = ByteLru::new(250);
        let entry = |n: usize| Arc::new(Encoded::new(Bytes::from(vec![0u8; n])));
        lru.put("a", entry(100));
        lru.put("b", entry(100));
        assert!(lru.get("a").is_some()); // a is now most recent
        lru.put("c", entry(100));
        assert!(lru.get("b").is_none());
        assert!(lru.get("a").is_some() && lru.get("c").is_some());
        assert_eq!(lru.held(), 200);
        lru.put("huge", entry(1000));
        assert!(lru.get("huge").is_none());
        assert_eq!(lru.held(), 200);
    }
}
