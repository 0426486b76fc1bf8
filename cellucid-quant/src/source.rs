//! Numeric source values and their float32 conversion with the "float32-safe" checks of
//! format.md §10.
//!
//! Every numeric dtype an AnnData column or matrix can hold implements [`SourceValue`]: `f32`,
//! `f64`, `half::f16`, `i8`–`i64` and `u8`–`u64`. `fl32` is IEEE-754 round-to-nearest-even to
//! binary32 (Rust's `as f32`, which is also what numpy's `astype(float32)` does for every
//! width).

use half::f16;

/// What [`SourceValue::fl32_checked`] finds for one source value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fl32 {
    /// The value converts to this finite float32 (subnormals and `-0.0` kept bit-exactly).
    Finite(f32),
    /// The source value is NaN (a missing value for continuous obs and genes, §26 (a)).
    Nan,
    /// The source value is `+Inf`.
    PosInf,
    /// The source value is `-Inf`.
    NegInf,
    /// A finite source value whose float32 overflows to ±Inf (|x| beyond ≈3.4028235e38).
    Overflow,
    /// A non-zero source value whose float32 is 0 (|x| below ≈1.4e-45).
    Underflow,
}

/// A numeric value a source column may hold, with its float32 conversion.
///
/// Implemented for `f32`, `f64`, `half::f16`, `i8`, `i16`, `i32`, `i64`, `u8`, `u16`, `u32` and
/// `u64`. (bool, strings and complex numbers are not numeric sources: format.md §10 refuses
/// them, so they have no implementation.)
pub trait SourceValue: Copy + Send + Sync + 'static {
    /// `fl32(self)` with no checks: NaN stays NaN, overflow gives ±Inf, underflow gives ±0.
    fn to_fl32(self) -> f32;

    /// Converts and classifies one value with the checks of format.md §10.
    fn fl32_checked(self) -> Fl32;

    /// Converts `src` into `dst` (same length) with [`to_fl32`](Self::to_fl32) and returns
    /// true when every value was [`Fl32::Finite`]. A false result says only that at least one
    /// value needs [`fl32_checked`](Self::fl32_checked).
    ///
    /// The default is a branch-free loop; integer types override it (they are always finite).
    fn convert_chunk(src: &[Self], dst: &mut [f32]) -> bool {
        let mut clean = true;
        for (d, &s) in dst.iter_mut().zip(src) {
            let y = s.to_fl32();
            *d = y;
            clean &= matches!(s.fl32_checked(), Fl32::Finite(_));
        }
        clean
    }

    /// `Some(src)` when `Self` is `f32` (so conversion is the identity and needs no copy).
    fn as_f32_slice(src: &[Self]) -> Option<&[f32]> {
        let _ = src;
        None
    }
}

impl SourceValue for f32 {
    #[inline(always)]
    fn to_fl32(self) -> f32 {
        self
    }

    #[inline(always)]
    fn fl32_checked(self) -> Fl32 {
        if self.is_finite() {
            Fl32::Finite(self)
        } else if self.is_nan() {
            Fl32::Nan
        } else if self > 0.0 {
            Fl32::PosInf
        } else {
            Fl32::NegInf
        }
    }

    fn convert_chunk(src: &[Self], dst: &mut [f32]) -> bool {
        dst.copy_from_slice(src);
        src.iter().fold(true, |ok, v| ok & v.is_finite())
    }

    fn as_f32_slice(src: &[Self]) -> Option<&[f32]> {
        Some(src)
    }
}

impl SourceValue for f64 {
    #[inline(always)]
    fn to_fl32(self) -> f32 {
        self as f32
    }

    #[inline(always)]
    fn fl32_checked(self) -> Fl32 {
        if self.is_nan() {
            return Fl32::Nan;
        }
        if self.is_infinite() {
            return if self > 0.0 {
                Fl32::PosInf
            } else {
                Fl32::NegInf
            };
        }
        let y = self as f32;
        if y.is_infinite() {
            Fl32::Overflow
        } else if y == 0.0 && self != 0.0 {
            Fl32::Underflow
        } else {
            Fl32::Finite(y)
        }
    }

    fn convert_chunk(src: &[Self], dst: &mut [f32]) -> bool {
        let mut clean = true;
        for (d, &x) in dst.iter_mut().zip(src) {
            let y = x as f32;
            *d = y;
            // NaN, ±Inf and overflow all give a non-finite y; underflow gives y == 0 != x.
            clean &= y.is_finite() & !((y == 0.0) & (x != 0.0));
        }
        clean
    }
}

impl SourceValue for f16 {
    #[inline(always)]
    fn to_fl32(self) -> f32 {
        f32::from(self)
    }

    #[inline(always)]
    fn fl32_checked(self) -> Fl32 {
        // Every f16 is exactly representable in f32: only NaN and ±Inf can occur.
        SourceValue::fl32_checked(f32::from(self))
    }
}

macro_rules! integer_source {
    ($($t:ty),*) => {$(
        impl SourceValue for $t {
            #[inline(always)]
            fn to_fl32(self) -> f32 {
                // Round to nearest even (int64 above 2^24 loses precision, as in §10).
                self as f32
            }

            #[inline(always)]
            fn fl32_checked(self) -> Fl32 {
                // |x| < 2^64 < f32::MAX, and a non-zero integer never rounds to 0.
                Fl32::Finite(self as f32)
            }

            fn convert_chunk(src: &[Self], dst: &mut [f32]) -> bool {
                for (d, &x) in dst.iter_mut().zip(src) {
                    *d = x as f32;
                }
                true
            }
        }
    )*};
}

integer_source!(i8, i16, i32, i64, u8, u16, u32, u64);

/// The canonical quiet NaN written for a missing cell in float32 payloads (bit pattern
/// `0x7FC00000`, format.md §26 (f)).
pub const CANONICAL_NAN: f32 = f32::from_bits(0x7FC0_0000);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f64_classification_follows_the_float32_safe_rule() {
        assert_eq!(1.5f64.fl32_checked(), Fl32::Finite(1.5));
        assert_eq!(f64::NAN.fl32_checked(), Fl32::Nan);
        assert_eq!(f64::INFINITY.fl32_checked(), Fl32::PosInf);
        assert_eq!(f64::NEG_INFINITY.fl32_checked(), Fl32::NegInf);
        assert_eq!(1e39f64.fl32_checked(), Fl32::Overflow);
        assert_eq!((-1e39f64).fl32_checked(), Fl32::Overflow);
        assert_eq!(1e-50f64.fl32_checked(), Fl32::Underflow);
        // Subnormal float32 results are kept; -0.0 is kept bit-exactly.
        assert_eq!(1e-40f64.fl32_checked(), Fl32::Finite(1e-40f64 as f32));
        match (-0.0f64).fl32_checked() {
            Fl32::Finite(z) => assert_eq!(z.to_bits(), 0x8000_0000),
            other => panic!("{other:?}"),
        }
        // f32::MAX itself is fine; the first value rounding past it overflows.
        assert_eq!(f64::from(f32::MAX).fl32_checked(), Fl32::Finite(f32::MAX));
    }

    #[test]
    fn integers_round_to_nearest_even() {
        assert_eq!(16_777_217i64.to_fl32(), 16_777_216.0);
        assert_eq!(16_777_219i64.to_fl32(), 16_777_220.0);
        assert_eq!(
            u64::MAX.fl32_checked(),
            Fl32::Finite(18_446_744_073_709_551_616.0)
        );
        assert_eq!((-5i8).to_fl32(), -5.0);
    }

    #[test]
    fn chunk_conversion_flags_every_problem() {
        let mut out = [0f32; 3];
        assert!(f64::convert_chunk(&[1.0, -2.0, 0.0], &mut out));
        assert!(!f64::convert_chunk(&[1.0, 1e-50, 0.0], &mut out));
        assert!(!f64::convert_chunk(&[1.0, 1e40, 0.0], &mut out));
        assert!(!f64::convert_chunk(&[1.0, f64::NAN, 0.0], &mut out));
        assert!(!f32::convert_chunk(
            &[1.0, f32::NEG_INFINITY, 0.0],
            &mut out
        ));
        let h = [f16::from_f32(1.0), f16::INFINITY, f16::ZERO];
        assert!(!f16::convert_chunk(&h, &mut out));
        assert_eq!(f16::from_f32(0.5).fl32_checked(), Fl32::Finite(0.5));
    }
}
