//! Little-endian byte images of typed values, for the CSR column-index file.

use half::f16;

use crate::values::{DType, Values};

/// Little-endian bytes of `values` (bool as one byte 0/1).
pub(super) fn to_le_bytes(values: &Values) -> Vec<u8> {
    fn go<T: Copy, const N: usize>(v: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
        let mut out = Vec::with_capacity(v.len() * N);
        for &x in v {
            out.extend_from_slice(&f(x));
        }
        out
    }
    match values {
        Values::Bool(v) => v.iter().map(|&b| u8::from(b)).collect(),
        Values::I8(v) => go(v, i8::to_le_bytes),
        Values::I16(v) => go(v, i16::to_le_bytes),
        Values::I32(v) => go(v, i32::to_le_bytes),
        Values::I64(v) => go(v, i64::to_le_bytes),
        Values::U8(v) => v.clone(),
        Values::U16(v) => go(v, u16::to_le_bytes),
        Values::U32(v) => go(v, u32::to_le_bytes),
        Values::U64(v) => go(v, u64::to_le_bytes),
        Values::F16(v) => go(v, f16::to_le_bytes),
        Values::F32(v) => go(v, f32::to_le_bytes),
        Values::F64(v) => go(v, f64::to_le_bytes),
    }
}

/// The little-endian bytes of `values` as [`to_le_bytes`] writes them, borrowed where the
/// memory already holds them (numeric values on a little-endian machine), so the column-index
/// build does not copy every value once more.
pub(super) fn le_bytes(values: &Values) -> std::borrow::Cow<'_, [u8]> {
    use std::borrow::Cow;
    if cfg!(target_endian = "little") {
        match values {
            Values::I8(v) => return Cow::Borrowed(bytemuck::cast_slice(v)),
            Values::I16(v) => return Cow::Borrowed(bytemuck::cast_slice(v)),
            Values::I32(v) => return Cow::Borrowed(bytemuck::cast_slice(v)),
            Values::I64(v) => return Cow::Borrowed(bytemuck::cast_slice(v)),
            Values::U8(v) => return Cow::Borrowed(v),
            Values::U16(v) => return Cow::Borrowed(bytemuck::cast_slice(v)),
            Values::U32(v) => return Cow::Borrowed(bytemuck::cast_slice(v)),
            Values::U64(v) => return Cow::Borrowed(bytemuck::cast_slice(v)),
            Values::F16(v) => return Cow::Borrowed(bytemuck::cast_slice(v)),
            Values::F32(v) => return Cow::Borrowed(bytemuck::cast_slice(v)),
            Values::F64(v) => return Cow::Borrowed(bytemuck::cast_slice(v)),
            Values::Bool(_) => {}
        }
    }
    Cow::Owned(to_le_bytes(values))
}

/// Decode little-endian bytes written by [`to_le_bytes`]. Trailing partial elements are ignored.
pub(super) fn from_le_bytes(dtype: DType, bytes: &[u8]) -> Option<Values> {
    fn go<T, const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
        bytes
            .chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                f(a)
            })
            .collect()
    }
    Some(match dtype {
        DType::Bool => Values::Bool(bytes.iter().map(|&b| b != 0).collect()),
        DType::I8 => Values::I8(go(bytes, i8::from_le_bytes)),
        DType::I16 => Values::I16(go(bytes, i16::from_le_bytes)),
        DType::I32 => Values::I32(go(bytes, i32::from_le_bytes)),
        DType::I64 => Values::I64(go(bytes, i64::from_le_bytes)),
        DType::U8 => Values::U8(bytes.to_vec()),
        DType::U16 => Values::U16(go(bytes, u16::from_le_bytes)),
        DType::U32 => Values::U32(go(bytes, u32::from_le_bytes)),
        DType::U64 => Values::U64(go(bytes, u64::from_le_bytes)),
        DType::F16 => Values::F16(go(bytes, f16::from_le_bytes)),
        DType::F32 => Values::F32(go(bytes, f32::from_le_bytes)),
        DType::F64 => Values::F64(go(bytes, f64::from_le_bytes)),
        DType::Str => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_type() {
        let cases = [
            Values::Bool(vec![true, false]),
            Values::I8(vec![-1, 2]),
            Values::I16(vec![-300, 7]),
            Values::I32(vec![i32::MIN, 5]),
            Values::I64(vec![i64::MAX, -9]),
            Values::U8(vec![255, 0]),
            Values::U16(vec![65535, 1]),
            Values::U32(vec![u32::MAX, 3]),
            Values::U64(vec![u64::MAX, 4]),
            Values::F16(vec![f16::from_f32(1.5), f16::NEG_INFINITY]),
            Values::F32(vec![0.1, -2.5]),
            Values::F64(vec![1e300, -0.0]),
        ];
        for v in cases {
            let bytes = to_le_bytes(&v);
            assert_eq!(bytes.len(), v.len() * v.dtype().size());
            assert_eq!(le_bytes(&v).as_ref(), &bytes[..], "{:?}", v.dtype());
            assert_eq!(from_le_bytes(v.dtype(), &bytes), Some(v));
        }
    }
}
