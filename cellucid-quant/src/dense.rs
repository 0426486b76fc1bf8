//! Dense columns: quantization (format.md §11 with §26 (a)) and the float32 payload (§10).

use crate::analysis::{analyze, bounds_of, convert, encode, Affine};
use crate::bits::{Bits, Code};
use crate::bounds::Bounds;
use crate::error::QuantError;
use crate::policy::Policy;
use crate::source::SourceValue;

/// A quantized dense column: its bounds and one code per cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantized<C> {
    /// `minValue`/`maxValue` for the manifest.
    pub bounds: Bounds,
    /// One code per cell; missing cells hold the marker.
    pub codes: Vec<C>,
}

/// Quantizes a dense column to `C` codes (`u8`: 8-bit, `u16`: 16-bit).
///
/// Codes and bounds equal the reference writer's bit for bit (§11): bounds are the f64
/// widening of the float32 extremes over the finite values; each finite value gets
/// `trunc(clamp((f64(v) − min) × (M / (max − min)) + 1e-8, 0, M))`; a constant field gets code
/// 0 everywhere. Missing cells (NaN, and ±Inf under [`InfPolicy::Missing`](crate::InfPolicy))
/// get the marker (§26 (a)).
///
/// # Errors
/// [`QuantError::Empty`] for 0 cells; [`QuantError::NotFloat32Safe`] for values the policy
/// refuses (±Inf by default, float32 overflow/underflow always); [`QuantError::AllMissing`]
/// when no cell is finite and the policy refuses that.
pub fn quantize<S: SourceValue, C: Code>(
    values: &[S],
    policy: Policy,
) -> Result<Quantized<C>, QuantError> {
    let mut codes = vec![C::default(); values.len()];
    let bounds = quantize_into(values, &mut codes, policy)?;
    Ok(Quantized { bounds, codes })
}

/// Like [`quantize`], writing the codes into `out` (one per value) and returning the bounds.
///
/// # Errors
/// As [`quantize`], plus [`QuantError::OutputLength`] when `out.len() != values.len()`.
pub fn quantize_into<S: SourceValue, C: Code>(
    values: &[S],
    out: &mut [C],
    policy: Policy,
) -> Result<Bounds, QuantError> {
    if out.len() != values.len() {
        return Err(QuantError::OutputLength {
            expected: values.len(),
            actual: out.len(),
        });
    }
    if values.is_empty() {
        return Err(QuantError::Empty);
    }
    let analysis = analyze(values, policy, values.len(), |i| i)?;
    let bounds = bounds_of(analysis.extremes, policy, values.len())?;
    encode(values, out, &Affine::new::<C>(bounds), analysis.all_finite);
    Ok(bounds)
}

/// Quantizes with the width chosen at run time and returns the payload bytes (codes in
/// little-endian, format.md §9) with the bounds.
///
/// # Errors
/// As [`quantize`].
pub fn quantize_le_bytes<S: SourceValue>(
    values: &[S],
    bits: Bits,
    policy: Policy,
) -> Result<(Bounds, Vec<u8>), QuantError> {
    match bits {
        Bits::U8 => quantize::<S, u8>(values, policy).map(|q| (q.bounds, q.codes)),
        Bits::U16 => quantize::<S, u16>(values, policy).map(|q| {
            let mut out = Vec::new();
            u16::extend_le_bytes(&q.codes, &mut out);
            (q.bounds, out)
        }),
    }
}

/// Converts a dense column to its float32 payload (§10): `fl32` of every value, missing cells
/// as the canonical NaN `0x7FC00000` (§26 (f)), `-0.0` and subnormals kept bit-exactly.
///
/// # Errors
/// As [`quantize`] (the same checks, so a column that quantizes also converts).
pub fn to_float32<S: SourceValue>(values: &[S], policy: Policy) -> Result<Vec<f32>, QuantError> {
    let mut out = vec![0f32; values.len()];
    to_float32_into(values, &mut out, policy)?;
    Ok(out)
}

/// Runs [`to_float32`]'s checks without writing a payload: `Ok` exactly when [`to_float32`]
/// succeeds, with `true` only when every value is finite (exactly when, for `f32` values; other
/// types may report `false` for finite values). For `f32` values that are all finite the
/// payload [`to_float32`] would return is the values themselves, bit for bit, so a caller that
/// owns them can keep them instead of a converted copy (the export's latent space: 20 MB at
/// 100k cells × 50, whose zeroed copy cost 14 ms).
///
/// # Errors
/// As [`to_float32`].
pub fn check_float32<S: SourceValue>(values: &[S], policy: Policy) -> Result<bool, QuantError> {
    if values.is_empty() {
        return Err(QuantError::Empty);
    }
    let analysis = analyze(values, policy, values.len(), |i| i)?;
    bounds_of(analysis.extremes, policy, values.len())?;
    Ok(analysis.all_finite)
}

/// Like [`to_float32`], writing into `out` (one per value).
///
/// # Errors
/// As [`to_float32`], plus [`QuantError::OutputLength`] when `out.len() != values.len()`.
pub fn to_float32_into<S: SourceValue>(
    values: &[S],
    out: &mut [f32],
    policy: Policy,
) -> Result<(), QuantError> {
    if out.len() != values.len() {
        return Err(QuantError::OutputLength {
            expected: values.len(),
            actual: out.len(),
        });
    }
    if values.is_empty() {
        return Err(QuantError::Empty);
    }
    let analysis = analyze(values, policy, values.len(), |i| i)?;
    bounds_of(analysis.extremes, policy, values.len())?;
    convert(values, out, analysis.all_finite);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{AllMissingPolicy, InfPolicy};
    use crate::QuantError;

    /// `check_float32` succeeds and fails exactly as `to_float32` does (the same error), under
    /// the strict and the default policy, and reports all-finite f32 values, whose payload is
    /// then the values themselves.
    #[test]
    fn check_float32_agrees_with_to_float32() {
        let f32_cases: [&[f32]; 7] = [
            &[1.5, -0.0, 3.0e38, f32::MIN_POSITIVE / 4.0],
            &[],
            &[1.0, f32::NAN, 2.0],
            &[f32::INFINITY, 1.0],
            &[f32::NEG_INFINITY, 1.0, f32::NAN],
            &[7.0; 3],
            &[f32::NAN; 2],
        ];
        let f64_cases: [&[f64]; 4] = [&[1.0, 2.0], &[1.0e39], &[1.0e-50, 1.0], &[f64::NAN, 0.5]];
        for policy in [Policy::strict(), Policy::default()] {
            for v in f32_cases {
                let converted = to_float32(v, policy);
                match (check_float32(v, policy), &converted) {
                    (Ok(all_finite), Ok(out)) => {
                        assert_eq!(all_finite, v.iter().all(|x| x.is_finite()), "{v:?}");
                        if all_finite {
                            let bits =
                                |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                            assert_eq!(bits(out), bits(v), "{v:?}");
                        }
                    }
                    (Err(a), Err(b)) => assert_eq!(&a, b, "{v:?}"),
                    (a, b) => panic!("{v:?} under {policy:?}: check {a:?}, convert {b:?}"),
                }
            }
            for v in f64_cases {
                let check = check_float32(v, policy).map(|_| ());
                assert_eq!(check, to_float32(v, policy).map(|_| ()), "{v:?}");
            }
        }
    }

    #[test]
    fn worked_examples_of_section_11() {
        // n_genes: min 1001, max 2605.
        let v = [1001f32, 2605.0, 1003.0, 1080.0, 1228.0];
        let q8 = quantize::<f32, u8>(&v, Policy::default()).expect("finite");
        assert_eq!(
            q8.bounds,
            Bounds {
                min: 1001.0,
                max: 2605.0
            }
        );
        assert_eq!(q8.codes, vec![0, 254, 0, 12, 35]);
        let q16 = quantize::<f32, u16>(&v, Policy::default()).expect("finite");
        assert_eq!(q16.codes, vec![0, 65534, 81, 3227, 9274]);
    }

    #[test]
    fn nudge_maps_max_to_m() {
        // HES4: min -0.32600000500679016, max 6.504000186920166 (float32 values).
        let v = [-0.326f32, 6.504];
        let q = quantize::<f32, u8>(&v, Policy::default()).expect("finite");
        assert_eq!(q.bounds.min, f64::from(-0.326f32));
        assert_eq!(q.codes, vec![0, 254]);
    }

    #[test]
    fn nan_is_missing_and_bounds_are_over_finite_values() {
        let v = [f32::NAN, 2.0, 4.0, f32::NAN];
        let q = quantize::<f32, u8>(&v, Policy::default()).expect("nan is missing");
        assert_eq!(q.bounds, Bounds { min: 2.0, max: 4.0 });
        assert_eq!(q.codes, vec![255, 0, 254, 255]);
        let f = to_float32(&[f64::NAN, 1.0], Policy::default()).expect("nan is missing");
        assert_eq!(f[0].to_bits(), 0x7FC0_0000);
    }

    #[test]
    fn infinities_are_counted_and_located() {
        let v = [1.0f64, f64::INFINITY, f64::NEG_INFINITY, 2.0, f64::INFINITY];
        let err = quantize::<f64, u16>(&v, Policy::default()).expect_err("inf refused");
        match err {
            QuantError::NotFloat32Safe(r) => {
                assert_eq!((r.n_cells, r.pos_inf, r.neg_inf), (5, 2, 1));
                assert_eq!(r.first_cells, vec![1, 2, 4]);
            }
            other => panic!("{other:?}"),
        }
        let q = quantize::<f64, u16>(&v, Policy::default().with_inf(InfPolicy::Missing))
            .expect("mapped");
        assert_eq!(q.codes, vec![0, 65535, 65535, 65534, 65535]);
    }

    #[test]
    fn overflow_and_underflow_are_refused_even_when_inf_is_missing() {
        let v = [1.0f64, 1e39, 1e-50];
        let policy = Policy::default().with_inf(InfPolicy::Missing);
        match quantize::<f64, u8>(&v, policy) {
            Err(QuantError::NotFloat32Safe(r)) => {
                assert_eq!((r.overflow, r.underflow), (1, 1));
                assert_eq!(r.first_cells, vec![1, 2]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn strict_policy_counts_nan() {
        match to_float32(&[1.0f32, f32::NAN], Policy::strict()) {
            Err(QuantError::NotFloat32Safe(r)) => {
                assert_eq!((r.nan, r.first_cells.clone()), (1, vec![1]))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn all_missing_is_refused_or_encoded() {
        let v = [f32::NAN; 3];
        assert_eq!(
            quantize::<f32, u8>(&v, Policy::default()),
            Err(QuantError::AllMissing {
                n_cells: 3,
                inf_as_missing: false
            })
        );
        let q = quantize::<f32, u8>(
            &v,
            Policy::default().with_all_missing(AllMissingPolicy::Encode),
        )
        .expect("encoded");
        assert_eq!(q.bounds, Bounds { min: 0.0, max: 0.0 });
        assert_eq!(q.codes, vec![255; 3]);
        assert_eq!(
            to_float32(&v, Policy::default()).map(|_| ()),
            Err(QuantError::AllMissing {
                n_cells: 3,
                inf_as_missing: false
            })
        );
    }

    #[test]
    fn constant_fields_get_code_zero() {
        let q = quantize::<f32, u16>(&[0.25, f32::NAN, 0.25], Policy::default()).expect("constant");
        assert_eq!(
            q.bounds,
            Bounds {
                min: 0.25,
                max: 0.25
            }
        );
        assert_eq!(q.codes, vec![0, 65535, 0]);
        // Mixed signed zeros are a constant field with min == max == the smaller (-0.0).
        let z = quantize::<f32, u8>(&[0.0, -0.0], Policy::default()).expect("constant");
        assert_eq!(z.bounds.min.to_bits(), (-0.0f64).to_bits());
        assert_eq!(z.bounds.max.to_bits(), (-0.0f64).to_bits());
        assert_eq!(z.codes, vec![0, 0]);
    }

    #[test]
    fn every_numeric_source_type_quantizes_alike() {
        let expected = quantize::<f32, u8>(&[1.0, 5.0, 3.0], Policy::default()).expect("finite");
        macro_rules! check {
            ($($t:ty),*) => {$(
                let v: Vec<$t> = vec![1 as $t, 5 as $t, 3 as $t];
                assert_eq!(quantize::<$t, u8>(&v, Policy::default()).as_ref(), Ok(&expected), stringify!($t));
            )*};
        }
        check!(f64, i8, i16, i32, i64, u8, u16, u32, u64);
        let h: Vec<half::f16> = [1.0f32, 5.0, 3.0]
            .iter()
            .map(|&x| half::f16::from_f32(x))
            .collect();
        assert_eq!(
            quantize::<half::f16, u8>(&h, Policy::default()).as_ref(),
            Ok(&expected)
        );
    }

    #[test]
    fn empty_and_mismatched_outputs_are_errors() {
        assert_eq!(
            quantize::<f32, u8>(&[], Policy::default()),
            Err(QuantError::Empty)
        );
        let mut out = [0u8; 1];
        assert_eq!(
            quantize_into(&[1.0f32, 2.0], &mut out, Policy::default()),
            Err(QuantError::OutputLength {
                expected: 2,
                actual: 1
            })
        );
    }

    #[test]
    fn le_bytes_follow_the_width() {
        let (b, bytes) =
            quantize_le_bytes(&[0.0f32, 1.0], Bits::U16, Policy::default()).expect("finite");
        assert_eq!(b, Bounds { min: 0.0, max: 1.0 });
        assert_eq!(bytes, vec![0, 0, 0xFE, 0xFF]);
    }
}
