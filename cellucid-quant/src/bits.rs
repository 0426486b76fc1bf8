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
        // t is in [0, 254]: the i32 conversion is exact truncation and vectorizes.
        t as i32 as u8
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
        // t is in [0, 65534]: the i32 conversion is exact truncation and vectorizes.
        t as i32 as u16
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

/// The codes as a little-endian payload (format.md §9).
pub fn codes_to_le_bytes<C: Code>(codes: &[C]) -> Vec<u8> {
    let mut out = Vec::new();
    C::extend_le_bytes(codes, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
