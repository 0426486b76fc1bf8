//! [`Bounds`] and the viewer's dequantization.

use crate::bits::Bits;

/// The `minValue`/`maxValue` pair stored beside a quantized payload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Smallest finite value (as the f64 widening of its float32).
    pub min: f64,
    /// Largest finite value (as the f64 widening of its float32).
    pub max: f64,
}

impl Bounds {
    /// True for a constant field (`min == max`): every finite cell has code 0.
    pub fn is_constant(self) -> bool {
        self.min == self.max
    }
}

/// Dequantizes one code exactly as the viewer does (viewer-contract.md §2.3).
///
/// The marker decodes to NaN; a constant field (`min == max`) decodes to `min`; any other code to
/// `min + q × ((max − min) / M)` computed in f64 and rounded once to f32.
pub fn dequantize(code: u16, bounds: Bounds, bits: Bits) -> f32 {
    if code == bits.missing() {
        return f32::NAN;
    }
    if bounds.min == bounds.max {
        return bounds.min as f32;
    }
    let step = (bounds.max - bounds.min) / f64::from(bits.max_code());
    (bounds.min + f64::from(code) * step) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dequantize_follows_the_viewer_formula() {
        let b = Bounds {
            min: 1001.0,
            max: 2605.0,
        };
        assert!(dequantize(255, b, Bits::U8).is_nan());
        assert_eq!(dequantize(0, b, Bits::U8), 1001.0);
        assert_eq!(dequantize(254, b, Bits::U8), 2605.0);
        assert_eq!(
            dequantize(12, b, Bits::U8),
            (1001.0 + 12.0 * (1604.0 / 254.0)) as f32
        );
        let c = Bounds {
            min: 0.25,
            max: 0.25,
        };
        assert_eq!(dequantize(0, c, Bits::U16), 0.25);
        assert!(dequantize(65535, c, Bits::U16).is_nan());
    }
}
