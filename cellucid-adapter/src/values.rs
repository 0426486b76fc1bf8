//! Typed value vectors: every on-disk element type reaches callers as its own Rust type.

use half::f16;

/// The element type of a stored array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// Boolean (`|b1` in zarr, h5py's `enum<int8> {FALSE, TRUE}` in HDF5).
    Bool,
    /// Signed 8-bit integer.
    I8,
    /// Signed 16-bit integer.
    I16,
    /// Signed 32-bit integer.
    I32,
    /// Signed 64-bit integer.
    I64,
    /// Unsigned 8-bit integer.
    U8,
    /// Unsigned 16-bit integer.
    U16,
    /// Unsigned 32-bit integer.
    U32,
    /// Unsigned 64-bit integer.
    U64,
    /// IEEE half precision float.
    F16,
    /// IEEE single precision float.
    F32,
    /// IEEE double precision float.
    F64,
    /// Text (variable- or fixed-length strings).
    Str,
}

impl DType {
    /// Size in bytes of one element (strings report 0: they have no fixed size).
    #[must_use]
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 | DType::F16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 => 8,
            DType::Str => 0,
        }
    }

    /// Whether this is an integer type (signed or unsigned; not bool).
    #[must_use]
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            DType::I8
                | DType::I16
                | DType::I32
                | DType::I64
                | DType::U8
                | DType::U16
                | DType::U32
                | DType::U64
        )
    }

    /// Whether this is a floating-point type.
    #[must_use]
    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::F32 | DType::F64)
    }

    /// Whether this is a real numeric type (integer or float; not bool, not string).
    #[must_use]
    pub fn is_numeric(self) -> bool {
        self.is_integer() || self.is_float()
    }

    /// The NumPy-style name (`"float32"`, `"int64"`, `"bool"`, `"str"`), for messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F16 => "float16",
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::Str => "str",
        }
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A vector of numeric or boolean values in their stored element type (no casts).
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Booleans.
    Bool(Vec<bool>),
    /// `int8` values.
    I8(Vec<i8>),
    /// `int16` values.
    I16(Vec<i16>),
    /// `int32` values.
    I32(Vec<i32>),
    /// `int64` values.
    I64(Vec<i64>),
    /// `uint8` values.
    U8(Vec<u8>),
    /// `uint16` values.
    U16(Vec<u16>),
    /// `uint32` values.
    U32(Vec<u32>),
    /// `uint64` values.
    U64(Vec<u64>),
    /// `float16` values.
    F16(Vec<f16>),
    /// `float32` values.
    F32(Vec<f32>),
    /// `float64` values.
    F64(Vec<f64>),
}

/// The columns of `values`, a row-major matrix `width` columns wide, transposed a block of
/// rows at a time so the rows being read stay in cache.
fn transpose_rows<T: Copy>(values: &[T], width: usize) -> Vec<Vec<T>> {
    const BLOCK_ROWS: usize = 256;
    let width = width.max(1);
    let rows = values.len() / width;
    let mut columns: Vec<Vec<T>> = (0..width).map(|_| Vec::with_capacity(rows)).collect();
    for block in values[..rows * width].chunks(BLOCK_ROWS * width) {
        for (c, column) in columns.iter_mut().enumerate() {
            column.extend(block.iter().skip(c).step_by(width).copied());
        }
    }
    columns
}

/// Apply `$body` to the inner vector of a [`Values`], whatever its type.
macro_rules! with_values {
    ($v:expr, $x:ident => $body:expr) => {
        match $v {
            $crate::values::Values::Bool($x) => $body,
            $crate::values::Values::I8($x) => $body,
            $crate::values::Values::I16($x) => $body,
            $crate::values::Values::I32($x) => $body,
            $crate::values::Values::I64($x) => $body,
            $crate::values::Values::U8($x) => $body,
            $crate::values::Values::U16($x) => $body,
            $crate::values::Values::U32($x) => $body,
            $crate::values::Values::U64($x) => $body,
            $crate::values::Values::F16($x) => $body,
            $crate::values::Values::F32($x) => $body,
            $crate::values::Values::F64($x) => $body,
        }
    };
}

/// Rebuild a [`Values`] of the same variant as `$v` from `$x => expr producing Vec<same T>`.
macro_rules! map_values {
    ($v:expr, $x:ident => $body:expr) => {
        match $v {
            $crate::values::Values::Bool($x) => $crate::values::Values::Bool($body),
            $crate::values::Values::I8($x) => $crate::values::Values::I8($body),
            $crate::values::Values::I16($x) => $crate::values::Values::I16($body),
            $crate::values::Values::I32($x) => $crate::values::Values::I32($body),
            $crate::values::Values::I64($x) => $crate::values::Values::I64($body),
            $crate::values::Values::U8($x) => $crate::values::Values::U8($body),
            $crate::values::Values::U16($x) => $crate::values::Values::U16($body),
            $crate::values::Values::U32($x) => $crate::values::Values::U32($body),
            $crate::values::Values::U64($x) => $crate::values::Values::U64($body),
            $crate::values::Values::F16($x) => $crate::values::Values::F16($body),
            $crate::values::Values::F32($x) => $crate::values::Values::F32($body),
            $crate::values::Values::F64($x) => $crate::values::Values::F64($body),
        }
    };
}
pub(crate) use map_values;

impl Values {
    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        with_values!(self, v => v.len())
    }

    /// Whether there are no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type.
    #[must_use]
    pub fn dtype(&self) -> DType {
        match self {
            Values::Bool(_) => DType::Bool,
            Values::I8(_) => DType::I8,
            Values::I16(_) => DType::I16,
            Values::I32(_) => DType::I32,
            Values::I64(_) => DType::I64,
            Values::U8(_) => DType::U8,
            Values::U16(_) => DType::U16,
            Values::U32(_) => DType::U32,
            Values::U64(_) => DType::U64,
            Values::F16(_) => DType::F16,
            Values::F32(_) => DType::F32,
            Values::F64(_) => DType::F64,
        }
    }

    /// An empty vector of the given type (`None` for [`DType::Str`]).
    #[must_use]
    pub fn empty(dtype: DType) -> Option<Values> {
        Some(match dtype {
            DType::Bool => Values::Bool(Vec::new()),
            DType::I8 => Values::I8(Vec::new()),
            DType::I16 => Values::I16(Vec::new()),
            DType::I32 => Values::I32(Vec::new()),
            DType::I64 => Values::I64(Vec::new()),
            DType::U8 => Values::U8(Vec::new()),
            DType::U16 => Values::U16(Vec::new()),
            DType::U32 => Values::U32(Vec::new()),
            DType::U64 => Values::U64(Vec::new()),
            DType::F16 => Values::F16(Vec::new()),
            DType::F32 => Values::F32(Vec::new()),
            DType::F64 => Values::F64(Vec::new()),
            DType::Str => return None,
        })
    }

    /// A vector of `n` zeros (`false` for bool) of the given type (`None` for [`DType::Str`]).
    #[must_use]
    pub fn zeros(dtype: DType, n: usize) -> Option<Values> {
        Some(match dtype {
            DType::Bool => Values::Bool(vec![false; n]),
            DType::I8 => Values::I8(vec![0; n]),
            DType::I16 => Values::I16(vec![0; n]),
            DType::I32 => Values::I32(vec![0; n]),
            DType::I64 => Values::I64(vec![0; n]),
            DType::U8 => Values::U8(vec![0; n]),
            DType::U16 => Values::U16(vec![0; n]),
            DType::U32 => Values::U32(vec![0; n]),
            DType::U64 => Values::U64(vec![0; n]),
            DType::F16 => Values::F16(vec![f16::ZERO; n]),
            DType::F32 => Values::F32(vec![0.0; n]),
            DType::F64 => Values::F64(vec![0.0; n]),
            DType::Str => return None,
        })
    }

    /// Element `i` widened to `f64` (bool → 0/1; 64-bit integers above 2^53 round), or `None`
    /// when out of bounds. For display and arithmetic callers that accept the widening.
    #[must_use]
    pub fn get_f64(&self, i: usize) -> Option<f64> {
        Some(match self {
            Values::Bool(v) => f64::from(u8::from(*v.get(i)?)),
            Values::I8(v) => f64::from(*v.get(i)?),
            Values::I16(v) => f64::from(*v.get(i)?),
            Values::I32(v) => f64::from(*v.get(i)?),
            #[allow(clippy::cast_precision_loss)]
            Values::I64(v) => *v.get(i)? as f64,
            Values::U8(v) => f64::from(*v.get(i)?),
            Values::U16(v) => f64::from(*v.get(i)?),
            Values::U32(v) => f64::from(*v.get(i)?),
            #[allow(clippy::cast_precision_loss)]
            Values::U64(v) => *v.get(i)? as f64,
            Values::F16(v) => f64::from(*v.get(i)?),
            Values::F32(v) => f64::from(*v.get(i)?),
            Values::F64(v) => *v.get(i)?,
        })
    }

    /// All elements widened to `f64` (see [`Values::get_f64`] for the widening rules).
    #[must_use]
    pub fn to_f64_vec(&self) -> Vec<f64> {
        (0..self.len()).filter_map(|i| self.get_f64(i)).collect()
    }

    /// All elements as `i64` when the type is an integer type whose every value fits
    /// (`u64` values above `i64::MAX` give `None`); `None` for floats and bools.
    #[must_use]
    pub fn to_i64_vec(&self) -> Option<Vec<i64>> {
        match self {
            Values::I8(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Values::I16(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Values::I32(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Values::I64(v) => Some(v.clone()),
            Values::U8(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Values::U16(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Values::U32(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Values::U64(v) => v.iter().map(|&x| i64::try_from(x).ok()).collect(),
            _ => None,
        }
    }

    /// These values read as a row-major matrix `width` columns wide, split into its columns
    /// (a cache-blocked transpose; a trailing partial row is dropped).
    #[must_use]
    pub(crate) fn split_columns(&self, width: usize) -> Vec<Values> {
        macro_rules! split {
            ($($variant:ident),*) => {
                match self {
                    $(Values::$variant(v) => transpose_rows(v, width)
                        .into_iter()
                        .map(Values::$variant)
                        .collect(),)*
                }
            };
        }
        split!(Bool, I8, I16, I32, I64, U8, U16, U32, U64, F16, F32, F64)
    }

    /// A copy of the elements in `range` (clipped to the values held).
    #[must_use]
    pub(crate) fn slice(&self, range: std::ops::Range<usize>) -> Values {
        map_values!(self, v => {
            let end = range.end.min(v.len());
            v.get(range.start.min(end)..end).map(<[_]>::to_vec).unwrap_or_default()
        })
    }

    /// Keep only the elements at `indices` (in that order). Out-of-bounds indices are skipped.
    #[must_use]
    pub fn gather(&self, indices: &[usize]) -> Values {
        map_values!(self, v => indices.iter().filter_map(|&i| v.get(i).copied()).collect())
    }

    /// Append the elements of `other`; returns `false` (and appends nothing) when the types differ.
    pub fn extend_from(&mut self, other: &Values) -> bool {
        match (self, other) {
            (Values::Bool(a), Values::Bool(b)) => a.extend_from_slice(b),
            (Values::I8(a), Values::I8(b)) => a.extend_from_slice(b),
            (Values::I16(a), Values::I16(b)) => a.extend_from_slice(b),
            (Values::I32(a), Values::I32(b)) => a.extend_from_slice(b),
            (Values::I64(a), Values::I64(b)) => a.extend_from_slice(b),
            (Values::U8(a), Values::U8(b)) => a.extend_from_slice(b),
            (Values::U16(a), Values::U16(b)) => a.extend_from_slice(b),
            (Values::U32(a), Values::U32(b)) => a.extend_from_slice(b),
            (Values::U64(a), Values::U64(b)) => a.extend_from_slice(b),
            (Values::F16(a), Values::F16(b)) => a.extend_from_slice(b),
            (Values::F32(a), Values::F32(b)) => a.extend_from_slice(b),
            (Values::F64(a), Values::F64(b)) => a.extend_from_slice(b),
            _ => return false,
        }
        true
    }

    /// Heap bytes held by the values.
    #[must_use]
    pub fn byte_len(&self) -> usize {
        self.len() * self.dtype().size()
    }
}
