//! Property tests of the quantizers.
//!
//! Error bound proved and checked (finite inputs, `B = max(|min|, |max|)`,
//! `step = (max − min) / M`): `|dequantize(quantize(x)) − x| ≤ step + ulp32(B)`.
//!
//! Proof sketch. Let `t = (x − min)·M/(max − min)` exactly. The f64 evaluation of `t` is off by
//! at most a few ulp64 of `M` (≤ 1e-11), which the `+1e-8` nudge covers, so the code is
//! `⌊t⌋` or (when `t` is within 1e-8 below an integer) `⌊t⌋ + 1`. Hence the exact
//! reconstruction `r = min + code·step` satisfies `x − step < r ≤ x + 1e-8·step`. Evaluating
//! `r` in f64 adds at most 2·ulp64(B), and the final rounding to f32 at most `ulp32(B)/2`
//! (|r| ≤ B up to those ulps). `2·ulp64(B) ≤ ulp32(B)/2`, so the error stays below
//! `step + ulp32(B)` (the `1e-8·step` side is far smaller than `step`).

#![allow(clippy::unwrap_used, missing_docs)]

use cellucid_quant::{
    dequantize, quantize, quantize_sparse, to_float32, Bits, Bounds, Code, Policy, QuantError,
};
use proptest::prelude::*;

fn finite_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        proptest::num::f32::NORMAL | proptest::num::f32::SUBNORMAL | proptest::num::f32::ZERO,
        -1000.0f32..1000.0,
        (0u32..50).prop_map(|i| i as f32 * 0.25),
    ]
}

fn ulp32(b: f64) -> f64 {
    let f = b as f32;
    if f == f32::MAX {
        return 2f64.powi(104);
    }
    f64::from(f32::from_bits(f.to_bits() + 1)) - f64::from(f)
}

fn check_round_trip<C: Code>(xs: &[f32]) -> Result<(), TestCaseError> {
    let q = quantize::<f32, C>(xs, Policy::default()).unwrap();
    let bits = C::WIDTH;
    let Bounds { min, max } = q.bounds;
    let step = (max - min) / f64::from(bits.max_code());
    let b = min.abs().max(max.abs());
    let bound = step + ulp32(b);
    for (&x, &c) in xs.iter().zip(&q.codes) {
        prop_assert!(c.to_u16() <= bits.max_code());
        let y = dequantize(c.to_u16(), q.bounds, bits);
        let err = (f64::from(y) - f64::from(x)).abs();
        prop_assert!(
            err <= bound,
            "x={x} code={c:?} y={y} err={err} bound={bound} bounds={:?}",
            q.bounds
        );
    }
    Ok(())
}

/// A value that is sometimes missing.
fn maybe_nan() -> impl Strategy<Value = f32> {
    prop_oneof![4 => finite_f32(), 1 => Just(f32::NAN)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip_error_is_within_one_step(xs in prop::collection::vec(finite_f32(), 1..200)) {
        check_round_trip::<u8>(&xs)?;
        check_round_trip::<u16>(&xs)?;
    }

    #[test]
    fn nan_maps_to_the_marker_and_back(xs in prop::collection::vec(maybe_nan(), 1..200)) {
        let r = quantize::<f32, u8>(&xs, Policy::default());
        if xs.iter().all(|x| x.is_nan()) {
            prop_assert_eq!(r, Err(QuantError::AllMissing { n_cells: xs.len(), inf_as_missing: false }));
            return Ok(());
        }
        let q = r.unwrap();
        let finite: Vec<f32> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
        let qf = quantize::<f32, u8>(&finite, Policy::default()).unwrap();
        prop_assert_eq!(q.bounds, qf.bounds, "bounds over the finite subset");
        let mut it = qf.codes.iter();
        for (&x, &c) in xs.iter().zip(&q.codes) {
            prop_assert_eq!(x.is_nan(), c == 255);
            prop_assert_eq!(dequantize(u16::from(c), q.bounds, Bits::U8).is_nan(), x.is_nan());
            if !x.is_nan() {
                prop_assert_eq!(Some(&c), it.next(), "finite codes equal the finite subset's");
            }
        }
        let f = to_float32(&xs, Policy::default()).unwrap();
        for (&x, &y) in xs.iter().zip(&f) {
            let expected = if x.is_nan() { 0x7FC0_0000 } else { x.to_bits() };
            prop_assert_eq!(y.to_bits(), expected);
        }
    }

    #[test]
    fn constant_fields_have_code_zero(c in finite_f32(), mask in prop::collection::vec(any::<bool>(), 1..100)) {
        prop_assume!(mask.iter().any(|&m| m));
        let xs: Vec<f32> = mask.iter().map(|&m| if m { c } else { f32::NAN }).collect();
        let q = quantize::<f32, u16>(&xs, Policy::default()).unwrap();
        prop_assert_eq!(q.bounds, Bounds { min: f64::from(c), max: f64::from(c) });
        for (&m, &code) in mask.iter().zip(&q.codes) {
            prop_assert_eq!(code, if m { 0 } else { 65535 });
            if m {
                prop_assert_eq!(dequantize(code, q.bounds, Bits::U16), c);
            }
        }
    }

    #[test]
    fn sparse_equals_dense(
        n_rows in 1usize..300,
        mode in 0u8..4,
        density in 0.0f64..1.0,
        seed in any::<u64>(),
        shuffle in any::<bool>(),
        pool in prop::collection::vec(
            prop_oneof![finite_f32(), Just(0.0), Just(-0.0), -5.0f32..-0.5, Just(f32::NAN), Just(f32::INFINITY)],
            1..20,
        ),
    ) {
        let mut state = seed | 1;
        let mut next = move || { state ^= state << 13; state ^= state >> 7; state ^= state << 17; state };
        let mut rows: Vec<i64> = Vec::new();
        let mut values: Vec<f32> = Vec::new();
        let mut dense = vec![0f32; n_rows];
        for (r, slot) in dense.iter_mut().enumerate() {
            let stored = match mode {
                0 => false,                                   // all zero
                1 => true,                                    // all stored
                _ => (next() % 10_000) as f64 / 10_000.0 < density,
            };
            if stored {
                let v = pool[(next() % pool.len() as u64) as usize];
                rows.push(r as i64);
                values.push(v);
                *slot = v;
            }
        }
        if shuffle && rows.len() > 1 {
            for i in (1..rows.len()).rev() {
                let j = (next() % (i as u64 + 1)) as usize;
                rows.swap(i, j);
                values.swap(i, j);
            }
        }
        let d8 = quantize::<f32, u8>(&dense, Policy::default());
        let s8 = quantize_sparse::<f32, i64, u8>(&rows, &values, n_rows, Policy::default());
        match (&d8, &s8) {
            (Ok(d), Ok(s)) => {
                prop_assert_eq!(d.bounds.min.to_bits(), s.bounds.min.to_bits());
                prop_assert_eq!(d.bounds.max.to_bits(), s.bounds.max.to_bits());
                prop_assert_eq!(&s.to_dense(), &d.codes);
                let mut out = vec![7u8; n_rows];
                s.write_dense_into(&mut out).unwrap();
                prop_assert_eq!(&out, &d.codes);
                prop_assert!(s.rows.windows(2).all(|w| w[0] < w[1]));
                if s.nnz() < n_rows {
                    let implicit = (0..n_rows as u32).find(|r| s.rows.binary_search(r).is_err()).unwrap();
                    prop_assert_eq!(d.codes[implicit as usize], s.fill_code);
                }
            }
            (d, s) => prop_assert_eq!(d.as_ref().map(|_| ()), s.as_ref().map(|_| ())),
        }
        let d16 = quantize::<f32, u16>(&dense, Policy::default()).map(|q| (q.bounds, q.codes));
        let s16 = quantize_sparse::<f32, i64, u16>(&rows, &values, n_rows, Policy::default())
            .map(|s| (s.bounds, s.to_dense()));
        prop_assert_eq!(d16, s16);
    }
}
