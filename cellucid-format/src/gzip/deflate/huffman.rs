//! Length-limited Huffman codes and the RLE of code lengths (RFC 1951 §3.2.2, §3.2.7).

/// Optimal Huffman code lengths for `freqs`, limited to `limit` bits.
///
/// Symbols of frequency 0 get length 0. When fewer than two symbols are used, the first unused
/// symbols are given frequency 1 so that the code is complete (as zlib does; every inflater
/// accepts a complete code). The limit is enforced like miniz/zlib: overlong leaves are moved
/// up and the Kraft sum repaired, then lengths are handed out by decreasing frequency.
pub(in crate::gzip) fn code_lengths(freqs: &[u32], limit: u8) -> Vec<u8> {
    let mut freqs = freqs.to_vec();
    let used = freqs.iter().filter(|&&f| f > 0).count();
    for _ in used..2 {
        if let Some(slot) = freqs.iter_mut().find(|f| **f == 0) {
            *slot = 1;
        }
    }
    let symbols: Vec<usize> = (0..freqs.len()).filter(|&s| freqs[s] > 0).collect();
    let mut lengths = vec![0u8; freqs.len()];
    if symbols.len() < 2 {
        // Only reachable with fewer than two symbols in the alphabet.
        for &s in &symbols {
            lengths[s] = 1;
        }
        return lengths;
    }

    // One sort serves both steps: by decreasing frequency, ties by symbol (the order lengths
    // are handed out in below); reversed, it is the increasing order the tree needs (the
    // depths' multiset, all that is used, does not depend on how equal weights are ordered).
    let mut order: Vec<u64> = symbols
        .iter()
        .map(|&s| (u64::from(u32::MAX - freqs[s]) << 32) | s as u64)
        .collect();
    order.sort_unstable();
    let weights: Vec<u64> = order
        .iter()
        .rev()
        .map(|&k| u64::from(u32::MAX - (k >> 32) as u32))
        .collect();
    let depth = sorted_leaf_depths(&weights);

    // Count leaves per depth, clamping to the limit, then repair the Kraft sum.
    let limit_us = usize::from(limit);
    let mut bl_count = vec![0u32; limit_us + 1];
    for &d in &depth {
        bl_count[(d as usize).min(limit_us)] += 1;
    }
    let full = 1u64 << limit;
    let mut total: u64 = (1..=limit_us)
        .map(|l| u64::from(bl_count[l]) << (limit_us - l))
        .sum();
    while total > full {
        bl_count[limit_us] -= 1;
        for l in (1..limit_us).rev() {
            if bl_count[l] != 0 {
                bl_count[l] -= 1;
                bl_count[l + 1] += 2;
                break;
            }
        }
        total -= 1;
    }

    // Shortest lengths to the most frequent symbols (ties by symbol, for determinism).
    let mut it = order.into_iter().map(|k| (k & 0xFFFF_FFFF) as usize);
    for (l, &count) in bl_count.iter().enumerate().skip(1) {
        for _ in 0..count {
            if let Some(s) = it.next() {
                lengths[s] = l as u8;
            }
        }
    }
    lengths
}

/// Depth of each leaf of a Huffman tree over `weights` (at least two), in any order: the
/// leaves sorted by (weight, index), then [`sorted_leaf_depths`].
#[cfg(test)]
fn leaf_depths(weights: &[u64]) -> Vec<u32> {
    let mut leaves: Vec<usize> = (0..weights.len()).collect();
    leaves.sort_unstable_by_key(|&i| (weights[i], i));
    let sorted: Vec<u64> = leaves.iter().map(|&i| weights[i]).collect();
    let mut depth = vec![0u32; weights.len()];
    for (&leaf, d) in leaves.iter().zip(sorted_leaf_depths(&sorted)) {
        depth[leaf] = d;
    }
    depth
}

/// Depth of each leaf of a Huffman tree over `weights`, which are in increasing order.
///
/// Leaves are nodes 0..n, internal nodes come after; parent links give depths. The two nodes
/// merged at each step are the two smallest by (weight, node index), taken from two queues kept
/// in that order: the leaves, and the internal nodes in creation order (a merged weight is
/// never below an earlier one, and node indices grow). This picks exactly the nodes a binary
/// heap of (weight, index) would, in O(n) (the heap was 2.7 % of an export's CPU: three codes
/// per gene).
fn sorted_leaf_depths(weights: &[u64]) -> Vec<u32> {
    let n = weights.len();
    if n < 2 {
        return vec![0; n];
    }
    debug_assert!(weights.windows(2).all(|w| w[0] <= w[1]));
    let mut parent = vec![usize::MAX; 2 * n - 1];
    let mut weight = vec![0u64; 2 * n - 1];
    weight[..n].copy_from_slice(weights);
    let (mut leaf, mut inner) = (0, n);
    let mut next = n;
    while next < 2 * n - 1 {
        let a = pop_smallest(&weight, n, &mut leaf, &mut inner, next);
        let b = pop_smallest(&weight, n, &mut leaf, &mut inner, next);
        parent[a] = next;
        parent[b] = next;
        weight[next] = weight[a] + weight[b];
        next += 1;
    }
    leaf_depths_from_parents(&parent, n)
}

/// Depths of the `n` leaves of a tree of `2n − 1` nodes whose last node is the root, from each
/// other node's parent (parents always come after their children).
fn leaf_depths_from_parents(parent: &[usize], n: usize) -> Vec<u32> {
    let mut depth = vec![0u32; parent.len()];
    for node in (0..parent.len().saturating_sub(1)).rev() {
        depth[node] = depth[parent[node]] + 1;
    }
    depth.truncate(n);
    depth
}

/// The smaller by (weight, node index) of the next unmerged leaf (`*leaf`, below `n_leaves`)
/// and the next unmerged internal node (`*inner`; internal nodes exist below `created`);
/// advances the queue it was taken from.
fn pop_smallest(
    weight: &[u64],
    n_leaves: usize,
    leaf: &mut usize,
    inner: &mut usize,
    created: usize,
) -> usize {
    let l = *leaf;
    let take_leaf =
        l < n_leaves && (*inner >= created || (weight[l], l) <= (weight[*inner], *inner));
    if take_leaf {
        *leaf += 1;
        l
    } else {
        *inner += 1;
        *inner - 1
    }
}

/// Canonical codes for `lengths` (RFC 1951 §3.2.2), bit-reversed for LSB-first output.
pub(in crate::gzip) fn canonical_codes(lengths: &[u8]) -> Vec<u16> {
    let max = lengths.iter().copied().max().unwrap_or(0) as usize;
    let mut bl_count = vec![0u16; max + 1];
    for &l in lengths {
        if l > 0 {
            bl_count[l as usize] += 1;
        }
    }
    let mut next_code = vec![0u16; max + 2];
    let mut code = 0u16;
    for bits in 1..=max {
        code = (code + bl_count[bits - 1]) << 1;
        next_code[bits] = code;
    }
    lengths
        .iter()
        .map(|&l| {
            if l == 0 {
                return 0;
            }
            let c = next_code[l as usize];
            next_code[l as usize] += 1;
            c.reverse_bits() >> (16 - u32::from(l))
        })
        .collect()
}

/// One symbol of the code-length alphabet with its extra bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::gzip) struct LengthSymbol {
    pub(in crate::gzip) symbol: u8,
    pub(in crate::gzip) extra: u8,
    pub(in crate::gzip) extra_bits: u8,
}

impl LengthSymbol {
    fn plain(symbol: u8) -> Self {
        Self {
            symbol,
            extra: 0,
            extra_bits: 0,
        }
    }
}

/// Run-length codes a sequence of code lengths with symbols 16 (repeat the previous 3–6
/// times), 17 (3–10 zeros) and 18 (11–138 zeros).
pub(in crate::gzip) fn rle_lengths(lengths: &[u8]) -> Vec<LengthSymbol> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lengths.len() {
        let value = lengths[i];
        let mut run = lengths[i..].iter().take_while(|&&l| l == value).count();
        i += run;
        if value == 0 {
            run = push_repeats(&mut out, run, 18, 11..=138, 7);
            run = push_repeats(&mut out, run, 17, 3..=10, 3);
        } else {
            out.push(LengthSymbol::plain(value));
            run = push_repeats(&mut out, run - 1, 16, 3..=6, 2);
        }
        for _ in 0..run {
            out.push(LengthSymbol::plain(value));
        }
    }
    out
}

/// Pushes repeat `symbol`s covering `counts` (min..=max) elements each, with the count minus
/// the minimum in `extra_bits`, while at least the minimum is left of `run`; returns the rest.
fn push_repeats(
    out: &mut Vec<LengthSymbol>,
    mut run: usize,
    symbol: u8,
    counts: std::ops::RangeInclusive<usize>,
    extra_bits: u8,
) -> usize {
    let (min, max) = (*counts.start(), *counts.end());
    while run >= min {
        let take = run.min(max);
        out.push(LengthSymbol {
            symbol,
            extra: (take - min) as u8,
            extra_bits,
        });
        run -= take;
    }
    run
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    /// Test oracle: the leaf depths of the tree built with a binary heap of (weight, node
    /// index), the textbook construction `leaf_depths` replaced.
    fn heap_leaf_depths(weights: &[u64]) -> Vec<u32> {
        let n = weights.len();
        if n < 2 {
            return vec![0; n];
        }
        let mut parent = vec![usize::MAX; 2 * n - 1];
        let mut heap: BinaryHeap<Reverse<(u64, usize)>> = weights
            .iter()
            .enumerate()
            .map(|(i, &w)| Reverse((w, i)))
            .collect();
        let mut next = n;
        while heap.len() > 1 {
            let Reverse((fa, a)) = heap.pop().unwrap();
            let Reverse((fb, b)) = heap.pop().unwrap();
            parent[a] = next;
            parent[b] = next;
            heap.push(Reverse((fa + fb, next)));
            next += 1;
        }
        leaf_depths_from_parents(&parent, n)
    }

    /// Frequencies with many zeros and many ties (small values), or spread out.
    fn frequencies() -> impl Strategy<Value = Vec<u32>> {
        prop_oneof![
            prop::collection::vec(0u32..4, 0..300),
            prop::collection::vec(prop_oneof![Just(0u32), 1u32..1_000_000], 0..300),
            prop::collection::vec(any::<u32>().prop_map(|f| f >> 2), 0..40),
        ]
    }

    proptest! {
        /// The two-queue construction gives exactly the heap's tree (ties included), so the same
        /// code lengths at every limit.
        #[test]
        fn two_queue_depths_equal_the_heap_construction(freqs in frequencies()) {
            let weights: Vec<u64> = freqs.iter().map(|&f| u64::from(f)).collect();
            prop_assert_eq!(leaf_depths(&weights), heap_leaf_depths(&weights));
            // And the used symbols of a gene's alphabet, as `code_lengths` passes them.
            let used: Vec<u64> = weights.into_iter().filter(|&w| w > 0).collect();
            prop_assert_eq!(leaf_depths(&used), heap_leaf_depths(&used));
        }

        /// Shorter codes go to more frequent symbols, ties to the lower symbol; and where the
        /// limit does not bind, the code costs exactly what the heap's tree costs.
        #[test]
        fn lengths_follow_frequency_and_cost_what_the_tree_costs(freqs in frequencies()) {
            let lengths = code_lengths(&freqs, 15);
            let used: Vec<usize> = (0..freqs.len()).filter(|&s| freqs[s] > 0).collect();
            for &a in &used {
                for &b in &used {
                    if (freqs[a], b) > (freqs[b], a) {
                        prop_assert!(lengths[a] <= lengths[b], "{a} vs {b}");
                    }
                }
            }
            if used.len() >= 2 {
                let weights: Vec<u64> = used.iter().map(|&s| u64::from(freqs[s])).collect();
                let depths = heap_leaf_depths(&weights);
                if depths.iter().all(|&d| d <= 15) {
                    let tree: u64 = weights.iter().zip(&depths).map(|(&w, &d)| w * u64::from(d)).sum();
                    let code: u64 = used.iter().map(|&s| u64::from(freqs[s]) * u64::from(lengths[s])).sum();
                    prop_assert_eq!(code, tree);
                }
            }
        }
    }

    fn kraft(lengths: &[u8]) -> f64 {
        lengths
            .iter()
            .filter(|&&l| l > 0)
            .map(|&l| 0.5f64.powi(i32::from(l)))
            .sum()
    }

    #[test]
    fn lengths_are_complete_and_limited() {
        // Fibonacci frequencies force deep trees.
        let mut fib = vec![1u32, 1];
        while fib.len() < 30 {
            let n = fib[fib.len() - 1] + fib[fib.len() - 2];
            fib.push(n);
        }
        let l = code_lengths(&fib, 15);
        assert!(l.iter().all(|&x| (1..=15).contains(&x)), "{l:?}");
        assert!((kraft(&l) - 1.0).abs() < 1e-12);
        let l7 = code_lengths(&fib[..19], 7);
        assert!(l7.iter().all(|&x| (1..=7).contains(&x)), "{l7:?}");
        assert!((kraft(&l7) - 1.0).abs() < 1e-12);
        // One used symbol gets a partner.
        let one = code_lengths(&[0, 5, 0], 15);
        assert_eq!(one, vec![1, 1, 0]);
        assert_eq!(code_lengths(&[3, 1, 1], 15), vec![1, 2, 2]);
    }

    #[test]
    fn canonical_codes_match_rfc_example() {
        // RFC 1951 §3.2.2: lengths (3,3,3,3,3,2,4,4) → codes 010,011,100,101,110,00,1110,1111.
        let codes = canonical_codes(&[3, 3, 3, 3, 3, 2, 4, 4]);
        let expected: [u16; 8] = [0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111];
        for (i, (&c, &e)) in codes.iter().zip(&expected).enumerate() {
            let len = [3, 3, 3, 3, 3, 2, 4, 4][i];
            assert_eq!(c, e.reverse_bits() >> (16 - len), "symbol {i}");
        }
    }

    #[test]
    fn rle_expands_back() {
        let lengths: Vec<u8> = [
            vec![0u8; 150],
            vec![5; 9],
            vec![0; 4],
            vec![3, 3],
            vec![0; 12],
        ]
        .concat();
        let mut back = Vec::new();
        for s in rle_lengths(&lengths) {
            match s.symbol {
                16 => {
                    let prev = *back.last().expect("16 follows a length");
                    back.extend(std::iter::repeat_n(prev, 3 + usize::from(s.extra)));
                }
                17 => back.extend(std::iter::repeat_n(0, 3 + usize::from(s.extra))),
                18 => back.extend(std::iter::repeat_n(0, 11 + usize::from(s.extra))),
                v => back.push(v),
            }
        }
        assert_eq!(back, lengths);
    }
}
