//! Code widths: [`Bits`] (runtime) and [`Code`] (the code type `u8` or `u16`).

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

    /// Bytes per code in a payload: 1 or 2.
    pub fn byte_width(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
}

/// A quantization code type: `u8` (8-bit payloads) or `u16` (16-bit payloads).
///
/// Sealed: the format has exactly these two widths.
pub trait Code:
    sealed::Sealed + Copy + Default + Eq + Ord + std::fmt::Debug + Send + Sync + 'static
{
    /// The width this code type stands for.
    const WIDTH: Bits;
    /// The missing-value marker (255 or 65535).
    const MISSING: Self;

    /// Truncates `t`, already clamped to `[0, M]`, to a code (`trunc`, which is a floor there).
    fn from_clamped(t: f64) -> Self;

    /// The code as a `u16`.
    fn to_u16(self) -> u16;

    /// Appends the codes as little-endian bytes (the payload encoding of format.md §9).
    fn extend_le_bytes(codes: &[Self], out: &mut Vec<u8>);
}

impl Code for u8 {
    const WIDTH: Bits = Bits::U8;
    const MISSING: Self = 255;

    #[inline(always)]
    fn from_clamped(t: f64) -> Self {
        // t is in [0, 254], so the floor fits.
        floor_of_clamped(t) as u8
    }

    fn to_u16(self) -> u16 {
        u16::from(self)
    }

    fn extend_le_bytes(codes: &[Self], out: &mut Vec<u8>) {
        out.extend_from_slice(codes);
    }
}

impl Code for u16 {
    const WIDTH: Bits = Bits::U16;
    const MISSING: Self = 65535;

    #[inline(always)]
    fn from_clamped(t: f64) -> Self {
        // t is in [0, 65534], so the floor fits.
        floor_of_clamped(t) as u16
    }

    fn to_u16(self) -> u16 {
        self
    }

    fn extend_le_bytes(codes: &[Self], out: &mut Vec<u8>) {
        out.reserve(codes.len() * 2);
        for c in codes {
            out.extend_from_slice(&c.to_le_bytes());
        }
    }
}

/// `floor(t)` for `t` in `[0, 2^31)` (truncation there), without a float-to-integer
/// conversion: `t + 2^52` rounds `t` to the nearest integer, which then sits in the low
/// mantissa bits, and one is taken off where that rounded up.
///
/// **Why.** `t as i32` saturates (NaN to 0, out-of-range values clamped), which compiles to a
/// scalar conversion plus NaN and range fix-ups per value; these additions, a compare and
/// bit operations vectorize, and the quantizer's encode loop is a tenth of the gene stage.
#[inline(always)]
fn floor_of_clamped(t: f64) -> u32 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let shifted = t + TWO_52;
    let rounded = shifted - TWO_52;
    // The low 32 bits of the mantissa hold round(t) (t < 2^31).
    (shifted.to_bits() as u32).wrapping_sub(u32::from(rounded > t))
}

/// The codes as a little-endian payload (format.md §9).
pub fn codes_to_le_bytes<C: Code>(codes: &[C]) -> Vec<u8> {
    let mut out = Vec::new();
    C::extend_le_bytes(codes, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The conversion-free floor equals truncation on the whole clamped range, near
        /// integers and halves included (where rounding to nearest and to even differ).
        #[test]
        fn floor_of_clamped_truncates(
            whole in 0u32..65_535,
            frac in prop_oneof![
                Just(0.0_f64),
                Just(0.5),
                Just(1.0 - f64::EPSILON),
                Just(f64::EPSILON),
                0.0_f64..1.0,
            ],
        ) {
            let t = f64::from(whole) + frac;
            prop_assert_eq!(floor_of_clamped(t), t as u32);
            prop_assert_eq!(floor_of_clamped(t.next_down().max(0.0)), t.next_down().max(0.0) as u32);
            prop_assert_eq!(floor_of_clamped(t.next_up()), t.next_up() as u32);
        }
    }

    #[test]
    fn floor_of_clamped_ends() {
        assert_eq!(floor_of_clamped(0.0), 0);
        assert_eq!(floor_of_clamped(254.0), 254);
        assert_eq!(floor_of_clamped(254.999_999_999_999_97), 254);
        assert_eq!(floor_of_clamped(65_534.0), 65_534);
        assert_eq!(floor_of_clamped(2.5), 2);
        assert_eq!(floor_of_clamped(3.5), 3);
        assert_eq!(u8::from_clamped(253.999_999), 253);
        assert_eq!(u16::from_clamped(65_533.5), 65_533);
    }

    #[test]
    fn code_constants_match_bits() {
        assert_eq!(u8::MISSING.to_u16(), u8::WIDTH.missing());
        assert_eq!(u16::MISSING, u16::WIDTH.missing());
        assert_eq!(Bits::from_bits(8), Some(Bits::U8));
        assert_eq!(Bits::from_bits(16), Some(Bits::U16));
        assert_eq!(Bits::from_bits(32), None);
        assert_eq!(codes_to_le_bytes(&[1u16, 0x0203]), vec![1, 0, 3, 2]);
    }
}
