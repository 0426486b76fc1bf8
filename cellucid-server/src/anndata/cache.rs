//! A least-recently-used map of encoded payload bodies bounded by the bytes it holds.

use bytes::Bytes;
use lru::LruCache;

use crate::transport::encoding::Coding;

/// LRU of encoded payload bodies keyed by (request path, coding), bounded in bytes. A body
/// larger than the whole budget is served but not kept.
pub(crate) struct ByteLru {
    map: LruCache<(String, Coding), Bytes>,
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

    pub(crate) fn get(&mut self, path: &str, coding: Coding) -> Option<Bytes> {
        // `LruCache::get` needs the owned key type; paths are short.
        self.map.get(&(path.to_string(), coding)).cloned()
    }

    /// Inserts (or replaces) a body, then evicts the least recently used bodies beyond the
    /// budget.
    pub(crate) fn put(&mut self, path: &str, coding: Coding, body: Bytes) {
        let key = (path.to_string(), coding);
        if let Some(old) = self.map.pop(&key) {
            self.held -= old.len() as u64;
        }
        let weight = body.len() as u64;
        if weight > self.budget {
            return;
        }
        self.held += weight;
        self.map.put(key, body);
        while self.held > self.budget {
            match self.map.pop_lru() {
                Some((_, evicted)) => self.held -= evicted.len() as u64,
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

    #[test]
    fn evicts_least_recently_used_by_bytes() {
        let mut lru = ByteLru::new(250);
        let body = |n: usize| Bytes::from(vec![0u8; n]);
        lru.put("a", Coding::Gzip, body(100));
        lru.put("b", Coding::Gzip, body(100));
        assert!(lru.get("a", Coding::Gzip).is_some()); // a is now most recent
        assert!(lru.get("a", Coding::Identity).is_none());
        lru.put("c", Coding::Identity, body(100));
        assert!(lru.get("b", Coding::Gzip).is_none());
        assert!(lru.get("a", Coding::Gzip).is_some() && lru.get("c", Coding::Identity).is_some());
        assert_eq!(lru.held(), 200);
        lru.put("huge", Coding::Gzip, body(1000));
        assert!(lru.get("huge", Coding::Gzip).is_none());
        assert_eq!(lru.held(), 200);
        lru.put("a", Coding::Gzip, body(50));
        assert_eq!(lru.held(), 150);
    }
}
