//! The two passes shared by the dense and sparse quantizers: the scan (extremes over the finite
//! float32 values and the float32-safe checks) and the encoding (the §11 arithmetic).

use crate::bits::Code;
use crate::bounds::Bounds;
use crate::error::{NonFiniteReport, QuantError};
use crate::policy::{AllMissingPolicy, InfPolicy, NanPolicy, Policy};
use crate::source::{Fl32, SourceValue};

/// Values converted per step when the source is not `f32` (a stack buffer of 16 KiB).
const CHUNK: usize = 4096;
/// Independent accumulators of the scan, so that the loop vectorizes.
const LANES: usize = 16;
/// The exponent bits of an f32: all set means ±Inf or NaN.
const EXP_MASK: u32 = 0x7F80_0000;
/// The `+1e-8` nudge of §11 rule 3.
const NUDGE: f64 = 1e-8;

/// Maps an f32 bit pattern to an `i32` whose order is the IEEE total order on non-NaN values
/// (`-0.0 < +0.0`). Its own inverse.
#[inline(always)]
fn key(bits: u32) -> i32 {
    let i = bits as i32;
    i ^ (((i >> 31) as u32) >> 1) as i32
}

#[inline(always)]
fn unkey(k: i32) -> f32 {
    f32::from_bits(key(k as u32) as u32)
}

/// The key of `+0.0` (an implicit zero of a sparse column).
pub(crate) const ZERO_KEY: i32 = 0;

/// Extremes of the finite values as total-order keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Extremes {
    pub(crate) min: i32,
    pub(crate) max: i32,
}

impl Extremes {
    pub(crate) fn include(self, k: i32) -> Self {
        Self {
            min: self.min.min(k),
            max: self.max.max(k),
        }
    }

    fn merge(a: Option<Self>, b: Option<Self>) -> Option<Self> {
        match (a, b) {
            (Some(a), Some(b)) => Some(Self {
                min: a.min.min(b.min),
                max: a.max.max(b.max),
            }),
            (a, None) => a,
            (None, b) => b,
        }
    }
}

/// What the scan found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Analysis {
    /// Extremes over the finite values; `None` when no value is finite.
    pub(crate) extremes: Option<Extremes>,
    /// True when every value is finite, so the encoding needs no missing-value select.
    pub(crate) all_finite: bool,
}

/// What the branch-free float32 scan found.
#[derive(Debug, Clone, Copy)]
struct F32Scan {
    /// Extremes over the finite values (`None` when none is finite).
    extremes: Option<Extremes>,
    /// Some value is NaN or ±Inf.
    any_non_finite: bool,
    /// Some value is ±Inf.
    any_inf: bool,
}

/// Branch-free scan of float32 values: extremes over the finite ones, and whether any is
/// non-finite or infinite. Non-finite lanes are masked out with selects, so the loop
/// vectorizes.
fn scan_f32(values: &[f32]) -> F32Scan {
    #[inline(always)]
    fn step(b: u32, mn: &mut i32, mx: &mut i32, non_finite: &mut u32, inf: &mut u32) {
        let k = key(b);
        let bad = b & EXP_MASK == EXP_MASK;
        *mn = (*mn).min(if bad { i32::MAX } else { k });
        *mx = (*mx).max(if bad { i32::MIN } else { k });
        *non_finite |= u32::from(bad);
        *inf |= u32::from(b & 0x7FFF_FFFF == EXP_MASK);
    }
    let mut mn = [i32::MAX; LANES];
    let mut mx = [i32::MIN; LANES];
    let mut non_finite = [0u32; LANES];
    let mut inf = [0u32; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for j in 0..LANES {
            step(
                c[j].to_bits(),
                &mut mn[j],
                &mut mx[j],
                &mut non_finite[j],
                &mut inf[j],
            );
        }
    }
    for (j, v) in rest.iter().enumerate() {
        step(
            v.to_bits(),
            &mut mn[j],
            &mut mx[j],
            &mut non_finite[j],
            &mut inf[j],
        );
    }
    let min = mn.iter().copied().min().unwrap_or(i32::MAX);
    let max = mx.iter().copied().max().unwrap_or(i32::MIN);
    F32Scan {
        // No finite value leaves min > max (the sentinels).
        extremes: (min <= max).then_some(Extremes { min, max }),
        any_non_finite: non_finite.iter().any(|&b| b != 0),
        any_inf: inf.iter().any(|&b| b != 0),
    }
}

/// The fast scan: `Some(analysis)` when no check of the policy can fail (every value finite,
/// or, for float32 sources, NaN the only non-finite value and NaN missing), `None` when the
/// careful scan is needed.
fn fast_scan<S: SourceValue>(values: &[S], policy: Policy) -> Option<Analysis> {
    if let Some(f) = S::as_f32_slice(values) {
        let scan = scan_f32(f);
        let acceptable =
            !scan.any_non_finite || (!scan.any_inf && policy.nan == NanPolicy::Missing);
        return acceptable.then_some(Analysis {
            extremes: scan.extremes,
            all_finite: !scan.any_non_finite,
        });
    }
    let mut buf = [0f32; CHUNK];
    let mut extremes = None;
    for chunk in values.chunks(CHUNK) {
        let dst = &mut buf[..chunk.len()];
        if !S::convert_chunk(chunk, dst) {
            return None;
        }
        let scan = scan_f32(dst);
        if scan.any_non_finite {
            return None;
        }
        extremes = Extremes::merge(extremes, scan.extremes);
    }
    Some(Analysis {
        extremes,
        all_finite: true,
    })
}

/// Scans `values` (in cell order) under `policy`.
///
/// `n_cells` and `cell_of` (value position → cell) only shape the error report, so that a
/// sparse column reports the same cells as its dense form.
pub(crate) fn analyze<S: SourceValue>(
    values: &[S],
    policy: Policy,
    n_cells: usize,
    cell_of: impl Fn(usize) -> usize,
) -> Result<Analysis, QuantError> {
    if let Some(analysis) = fast_scan(values, policy) {
        return Ok(analysis);
    }
    let mut report = NonFiniteReport {
        n_cells,
        ..NonFiniteReport::default()
    };
    let mut extremes: Option<Extremes> = None;
    for (i, v) in values.iter().enumerate() {
        match v.fl32_checked() {
            Fl32::Finite(y) => {
                let k = key(y.to_bits());
                extremes = Some(match extremes {
                    Some(e) => e.include(k),
                    None => Extremes { min: k, max: k },
                });
            }
            Fl32::Nan => {
                if policy.nan == NanPolicy::Refuse {
                    report.nan += 1;
                    report.note_cell(cell_of(i));
                }
            }
            Fl32::PosInf | Fl32::NegInf if policy.inf == InfPolicy::Missing => {}
            Fl32::PosInf => {
                report.pos_inf += 1;
                report.note_cell(cell_of(i));
            }
            Fl32::NegInf => {
                report.neg_inf += 1;
                report.note_cell(cell_of(i));
            }
            Fl32::Overflow => {
                report.overflow += 1;
                report.note_cell(cell_of(i));
            }
            Fl32::Underflow => {
                report.underflow += 1;
                report.note_cell(cell_of(i));
            }
        }
    }
    if report.affected() > 0 {
        return Err(QuantError::NotFloat32Safe(report));
    }
    Ok(Analysis {
        extremes,
        all_finite: false,
    })
}

/// The bounds of §11 rule 1 (and 2: a constant field stores `minValue = maxValue = min`), or
/// the all-missing outcome of the policy.
pub(crate) fn bounds_of(
    extremes: Option<Extremes>,
    policy: Policy,
    n_cells: usize,
) -> Result<Bounds, QuantError> {
    match extremes {
        Some(e) => {
            let min = f64::from(unkey(e.min));
            let max = f64::from(unkey(e.max));
            // `-0.0` and `+0.0` compare equal: a constant field.
            Ok(if min == max {
                Bounds { min, max: min }
            } else {
                Bounds { min, max }
            })
        }
        None => match policy.all_missing {
            AllMissingPolicy::Encode => Ok(Bounds { min: 0.0, max: 0.0 }),
            AllMissingPolicy::Refuse => Err(QuantError::AllMissing {
                n_cells,
                inf_as_missing: policy.inf == InfPolicy::Missing,
            }),
        },
    }
}

/// The per-value arithmetic of §11 rule 3.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Affine {
    min: f64,
    scale: f64,
    m: f64,
}

impl Affine {
    /// `scale = M / (max − min)`; a constant field gets scale 0, so every finite value maps to
    /// `trunc(0 + 1e-8) = 0` (rule 2) through the same arithmetic.
    pub(crate) fn new<C: Code>(bounds: Bounds) -> Self {
        let m = f64::from(C::WIDTH.max_code());
        let scale = if bounds.min == bounds.max {
            0.0
        } else {
            m / (bounds.max - bounds.min)
        };
        Self {
            min: bounds.min,
            scale,
            m,
        }
    }

    /// `t = f64(v) − min; t ×= scale; t += 1e-8; clamp to [0, M]; trunc`, in this order.
    #[inline(always)]
    pub(crate) fn code<C: Code>(&self, v: f32) -> C {
        let t = (f64::from(v) - self.min) * self.scale + NUDGE;
        let t = if t > 0.0 { t } else { 0.0 };
        let t = if t < self.m { t } else { self.m };
        C::from_clamped(t)
    }
}

fn encode_f32<C: Code>(src: &[f32], out: &mut [C], affine: &Affine, all_finite: bool) {
    if all_finite {
        for (o, &v) in out.iter_mut().zip(src) {
            *o = affine.code(v);
        }
    } else {
        for (o, &v) in out.iter_mut().zip(src) {
            let c = affine.code(v);
            *o = if v.is_finite() { c } else { C::MISSING };
        }
    }
}

/// Encodes `values` into `out` (same length; checked by the callers). Non-finite float32
/// values (those the policy made missing) get the marker.
pub(crate) fn encode<S: SourceValue, C: Code>(
    values: &[S],
    out: &mut [C],
    affine: &Affine,
    all_finite: bool,
) {
    if let Some(f) = S::as_f32_slice(values) {
        encode_f32(f, out, affine, all_finite);
        return;
    }
    let mut buf = [0f32; CHUNK];
    for (chunk, o) in values.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
        let dst = &mut buf[..chunk.len()];
        S::convert_chunk(chunk, dst);
        encode_f32(dst, o, affine, all_finite);
    }
}

/// Writes `fl32` of `values` into `out` (same length), non-finite values (those the policy made
/// missing) as the canonical NaN.
pub(crate) fn convert<S: SourceValue>(values: &[S], out: &mut [f32], all_finite: bool) {
    S::convert_chunk(values, out);
    if !all_finite {
        for o in out.iter_mut() {
            if !o.is_finite() {
                *o = crate::source::CANONICAL_NAN;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_like_ieee_total_order() {
        let xs = [f32::MIN, -1.5, -1e-45, -0.0, 0.0, 1e-45, 2.0, f32::MAX];
        for w in xs.windows(2) {
            assert!(key(w[0].to_bits()) < key(w[1].to_bits()), "{w:?}");
        }
        for x in xs {
            assert_eq!(unkey(key(x.to_bits())).to_bits(), x.to_bits());
        }
        assert_eq!(key(0f32.to_bits()), ZERO_KEY);
    }

    #[test]
    fn scan_finds_extremes_in_every_lane_and_the_remainder() {
        let mut v: Vec<f32> = (0..37).map(|i| i as f32).collect();
        v[36] = -3.0;
        v[5] = 99.0;
        let s = scan_f32(&v);
        assert!(!s.any_non_finite);
        let e = s.extremes.expect("non-empty");
        assert_eq!((unkey(e.min), unkey(e.max)), (-3.0, 99.0));
        v[20] = f32::NAN;
        v[36] = f32::NAN;
        let s = scan_f32(&v);
        assert!(s.any_non_finite && !s.any_inf);
        let e = s.extremes.expect("finite values");
        assert_eq!((unkey(e.min), unkey(e.max)), (0.0, 99.0));
        v[21] = f32::NEG_INFINITY;
        assert!(scan_f32(&v).any_inf);
        assert!(scan_f32(&[f32::NAN; 20]).extremes.is_none());
    }
}
