//! numpy's pairwise summation (format.md §15 step 4), in binary32 or binary64.

use std::ops::Add;

/// numpy's pairwise sum of `x` in the precision of `T` (the `PW32`/`PW64` of format.md §15).
///
/// * fewer than 8 values: `r = 0; r += x[0]; …` sequentially;
/// * 8 to 128 values: eight running accumulators over blocks of 8, combined as
///   `((r0+r1)+(r2+r3)) + ((r4+r5)+(r6+r7))`, then the remainder added sequentially;
/// * more than 128: split at `h = ⌊n/2⌋ − (⌊n/2⌋ mod 8)` and add the two halves' sums.
///
/// Callers that reproduce a numpy reduction add the reduction's initial `0` themselves
/// (`0 + pairwise_sum(x)`), which turns a `-0.0` total into `0.0`.
pub fn pairwise_sum<T: Copy + Add<Output = T> + Default>(x: &[T]) -> T {
    let n = x.len();
    if n < 8 {
        let mut r = T::default();
        for &v in x {
            r = r + v;
        }
        r
    } else if n <= 128 {
        let mut r = [x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]];
        let blocks_end = n - n % 8;
        let mut i = 8;
        while i < blocks_end {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc = *acc + x[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res = res + x[i];
            i += 1;
        }
        res
    } else {
        let half = n / 2;
        let h = half - half % 8;
        pairwise_sum(&x[..h]) + pairwise_sum(&x[h..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequential(x: &[f32]) -> f32 {
        x.iter().fold(0.0, |a, &b| a + b)
    }

    #[test]
    fn short_inputs_are_sequential() {
        let x = [1.0e8_f32, 1.0, -1.0e8, 1.0];
        assert_eq!(pairwise_sum(&x), sequential(&x));
        assert_eq!(pairwise_sum::<f64>(&[]), 0.0);
    }

    #[test]
    fn blocks_of_eight_use_eight_accumulators() {
        // 16 values: r[j] = x[j] + x[8 + j]; with a huge x[0] that swallows small additions
        // sequentially but not in the blocked order.
        let mut x = vec![1.0_f32; 16];
        x[0] = 16_777_216.0; // 2^24: adding 1.0 sequentially is lost each time.
        let seq = sequential(&x);
        assert_eq!(seq, 16_777_216.0);
        // Blocked: r0 = 2^24 + 1 = 2^24 (lost), r1..r7 = 2 each → 14, then combined.
        let expected = ((16_777_216.0_f32 + 2.0) + (2.0 + 2.0)) + ((2.0 + 2.0) + (2.0 + 2.0));
        assert_eq!(pairwise_sum(&x), expected);
        assert_ne!(pairwise_sum(&x), seq);
    }

    #[test]
    fn long_inputs_split_at_a_multiple_of_eight() {
        let x: Vec<f64> = (0..300).map(|i| f64::from(i) * 0.1 + 1e15).collect();
        let h = 150 - 150 % 8; // 144
        let left = pairwise_sum(&x[..h]);
        let right = pairwise_sum(&x[h..]);
        assert_eq!(pairwise_sum(&x), left + right);
    }
}
