//! Quantizers of the Cellucid export format (format.md §11, §26 (a)).
//!
//! (The quantizers themselves are being written; the shared vocabulary below is stable.)

/// Width of a quantized payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Bits {
    /// 8-bit codes: `M = 254`, missing marker 255.
    U8,
    /// 16-bit codes: `M = 65534`, missing marker 65535.
    U16,
}

impl Bits {
    /// Parses the manifest's `quantizationBits` (8 or 16).
    pub fn from_bits(bits: u32) -> Option<Self> {
        match bits {
            8 => Some(Self::U8),
            16 => Some(Self::U16),
            _ => None,
        }
    }

    /// The number of bits, 8 or 16.
    pub fn bits(self) -> u32 {
        match self {
            Self::U8 => 8,
            Self::U16 => 16,
        }
    }

    /// The largest code a finite value may get (`M`): 254 or 65534.
    pub fn max_code(self) -> u16 {
        match self {
            Self::U8 => 254,
            Self::U16 => 65534,
        }
    }

    /// The missing-value marker: 255 or 65535.
    pub fn missing(self) -> u16 {
        match self {
            Self::U8 => 255,
            Self::U16 => 65535,
        }
    }
}

/// The `minValue`/`maxValue` pair stored beside a quantized payload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Smallest finite value (as the f64 widening of its float32).
    pub min: f64,
    /// Largest finite value (as the f64 widening of its float32).
    pub max: f64,
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
        let b = Bounds { min: 1001.0, max: 2605.0 };
        assert!(dequantize(255, b, Bits::U8).is_nan());
        assert_eq!(dequantize(0, b, Bits::U8), 1001.0);
        assert_eq!(dequantize(254, b, Bits::U8), 2605.0);
        assert_eq!(dequantize(12, b, Bits::U8), (1001.0 + 12.0 * (1604.0 / 254.0)) as f32);
        let c = Bounds { min: 0.25, max: 0.25 };
        assert_eq!(dequantize(0, c, Bits::U16), 0.25);
        assert!(dequantize(65535, c, Bits::U16).is_nan());
    }
}
