//! Low-level helpers over a [`Backend`]: encoding attributes and checked 1-D reads.

use crate::backend::{AttrValue, Backend, NodeKind};
use crate::error::ReadError;
use crate::values::{DType, Values};

/// Join a parent path and a child key (`"" + "obs"` → `"obs"`).
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}/{key}")
    }
}

/// The `encoding-type` attribute, when present and a string.
pub(crate) fn encoding_type(b: &dyn Backend, path: &str) -> Result<Option<String>, ReadError> {
    Ok(match b.attribute(path, "encoding-type")? {
        Some(AttrValue::Str(s)) => Some(s),
        _ => None,
    })
}

/// A string attribute that must be present.
pub(crate) fn required_str_attr(
    b: &dyn Backend,
    path: &str,
    name: &str,
) -> Result<String, ReadError> {
    match b.attribute(path, name)? {
        Some(AttrValue::Str(s)) => Ok(s),
        Some(other) => Err(ReadError::malformed(
            path,
            format!("attribute `{name}` should be a string, found {other:?}"),
        )),
        None => Err(ReadError::Missing {
            path: path.to_string(),
            expected: format!("attribute `{name}`"),
        }),
    }
}

/// A list-of-strings attribute; an absent or empty numeric list (h5py writes an empty
/// `column-order` as `float64[0]`) gives an empty list.
pub(crate) fn str_list_attr(
    b: &dyn Backend,
    path: &str,
    name: &str,
) -> Result<Vec<String>, ReadError> {
    match b.attribute(path, name)? {
        None => Ok(Vec::new()),
        Some(AttrValue::StrList(v)) => Ok(v),
        Some(AttrValue::Str(s)) => Ok(vec![s]),
        Some(AttrValue::FloatList(v)) if v.is_empty() => Ok(Vec::new()),
        Some(AttrValue::IntList(v)) if v.is_empty() => Ok(Vec::new()),
        Some(other) => Err(ReadError::malformed(
            path,
            format!("attribute `{name}` should be a list of strings, found {other:?}"),
        )),
    }
}

/// The node kind at `path`, or a `Missing` error describing what was expected.
pub(crate) fn require_kind(
    b: &dyn Backend,
    path: &str,
    expected: &str,
) -> Result<NodeKind, ReadError> {
    b.kind(path)?.ok_or_else(|| ReadError::Missing {
        path: path.to_string(),
        expected: expected.to_string(),
    })
}

/// Read a 1-D numeric/bool array of exactly `len` elements (when `len` is given).
pub(crate) fn read_1d(b: &dyn Backend, path: &str, len: Option<u64>) -> Result<Values, ReadError> {
    let info = b.array_info(path)?;
    if info.shape.len() != 1 || len.is_some_and(|n| info.shape[0] != n) {
        let expected = match len {
            Some(n) => format!("a 1-D array of length {n}"),
            None => "a 1-D array".to_string(),
        };
        return Err(ReadError::shape(path, &info.shape, expected));
    }
    if info.dtype == DType::Str {
        return Err(ReadError::Type {
            path: path.to_string(),
            found: "str".to_string(),
            expected: "numeric or bool".to_string(),
        });
    }
    Ok(b.read(path, &[])?)
}

/// Read a 1-D string array of exactly `len` elements (when `len` is given).
pub(crate) fn read_strings_1d(
    b: &dyn Backend,
    path: &str,
    len: Option<u64>,
) -> Result<Vec<String>, ReadError> {
    let info = b.array_info(path)?;
    if info.shape.len() != 1 || len.is_some_and(|n| info.shape[0] != n) {
        let expected = match len {
            Some(n) => format!("a 1-D string array of length {n}"),
            None => "a 1-D string array".to_string(),
        };
        return Err(ReadError::shape(path, &info.shape, expected));
    }
    if info.dtype != DType::Str {
        return Err(ReadError::Type {
            path: path.to_string(),
            found: info.dtype.to_string(),
            expected: "str".to_string(),
        });
    }
    Ok(b.read_strings(path, None)?)
}

/// Read a 1-D boolean mask of `len` elements.
pub(crate) fn read_mask(b: &dyn Backend, path: &str, len: u64) -> Result<Vec<bool>, ReadError> {
    match read_1d(b, path, Some(len))? {
        Values::Bool(v) => Ok(v),
        Values::U8(v) => Ok(v.into_iter().map(|x| x != 0).collect()),
        Values::I8(v) => Ok(v.into_iter().map(|x| x != 0).collect()),
        other => Err(ReadError::Type {
            path: path.to_string(),
            found: other.dtype().to_string(),
            expected: "bool mask".to_string(),
        }),
    }
}

/// Read an integer index array (indices / indptr) as `u64`, checking every value is ≥ 0.
/// Accepts int32 and int64 (and their unsigned forms).
pub(crate) fn read_index_u64(
    b: &dyn Backend,
    path: &str,
    len: Option<u64>,
) -> Result<Vec<u64>, ReadError> {
    let values = read_1d(b, path, len)?;
    index_to_u64(path, values, 0)
}

/// Convert an index array slice to `u64`; `base` is the element offset for messages.
pub(crate) fn index_to_u64(path: &str, values: Values, base: u64) -> Result<Vec<u64>, ReadError> {
    fn neg(path: &str, pos: usize, base: u64, v: i64) -> ReadError {
        ReadError::malformed(
            path,
            format!("negative index {v} at position {}", base + pos as u64),
        )
    }
    match values {
        Values::I32(v) => v
            .iter()
            .enumerate()
            .map(|(i, &x)| u64::try_from(x).map_err(|_| neg(path, i, base, i64::from(x))))
            .collect(),
        Values::I64(v) => v
            .iter()
            .enumerate()
            .map(|(i, &x)| u64::try_from(x).map_err(|_| neg(path, i, base, x)))
            .collect(),
        Values::U32(v) => Ok(v.into_iter().map(u64::from).collect()),
        Values::U64(v) => Ok(v),
        Values::I16(v) => v
            .iter()
            .enumerate()
            .map(|(i, &x)| u64::try_from(x).map_err(|_| neg(path, i, base, i64::from(x))))
            .collect(),
        Values::U16(v) => Ok(v.into_iter().map(u64::from).collect()),
        other => Err(ReadError::Type {
            path: path.to_string(),
            found: other.dtype().to_string(),
            expected: "int32 or int64 indices".to_string(),
        }),
    }
}

/// Convert an index slice to `u32` row/column numbers, each `< bound`.
pub(crate) fn index_to_u32(
    path: &str,
    values: Values,
    bound: u64,
    base: u64,
) -> Result<Vec<u32>, ReadError> {
    let bad = |pos: usize, v: String| {
        ReadError::malformed(
            path,
            format!(
                "index {v} at position {} is outside 0..{bound}",
                base + pos as u64
            ),
        )
    };
    macro_rules! conv {
        ($v:expr) => {
            $v.iter()
                .enumerate()
                .map(|(i, &x)| match u64::try_from(x) {
                    Ok(u) if u < bound => u32::try_from(u).map_err(|_| bad(i, x.to_string())),
                    _ => Err(bad(i, x.to_string())),
                })
                .collect()
        };
    }
    // 32-bit indices, the usual case, are checked in one branch-free pass and reused in place
    // (a non-negative `i32` has the bits of the same `u32`); the per-element conversion with
    // an early exit cost 2 % of an export's CPU. The slow conversion names the first bad one.
    match values {
        // A negative `i32` read as `u32` is at least 2^31, so below a bound of at most 2^31 the
        // largest such value alone decides (a vectorized max).
        Values::I32(v) if bound <= 1 << 31 && max_u32(v.iter().map(|&x| x as u32)) < bound => {
            Ok(bytemuck::cast_vec(v))
        }
        Values::U32(v) if max_u32(v.iter().copied()) < bound => Ok(v),
        Values::I32(v) => conv!(v),
        Values::I64(v) => conv!(v),
        Values::U32(v) => conv!(v),
        Values::U64(v) => conv!(v),
        Values::I16(v) => conv!(v),
        Values::U16(v) => conv!(v),
        other => Err(ReadError::Type {
            path: path.to_string(),
            found: other.dtype().to_string(),
            expected: "int32 or int64 indices".to_string(),
        }),
    }
}

/// The largest value (0 for none), widened.
fn max_u32(values: impl Iterator<Item = u32>) -> u64 {
    u64::from(values.fold(0, u32::max))
}

/// `u64` → `usize` for lengths, naming `path` on overflow.
pub(crate) fn to_usize(path: &str, v: u64) -> Result<usize, ReadError> {
    usize::try_from(v).map_err(|_| {
        ReadError::malformed(path, format!("size {v} does not fit in memory addressing"))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Every index type and both paths (all in range, reused in place; one bad, the slow
    /// conversion naming it by its position in the dataset).
    #[test]
    fn index_to_u32_accepts_in_range_indices_and_names_the_first_bad_one() {
        let ok = |v: Values| index_to_u32("X/indices", v, 10, 100).unwrap();
        assert_eq!(ok(Values::I32(vec![0, 9, 3])), vec![0, 9, 3]);
        assert_eq!(ok(Values::U32(vec![0, 9, 3])), vec![0, 9, 3]);
        assert_eq!(ok(Values::I64(vec![0, 9, 3])), vec![0, 9, 3]);
        assert_eq!(ok(Values::U16(vec![0, 9, 3])), vec![0, 9, 3]);
        let cases = [
            (Values::I32(vec![1, -1, 10]), "index -1 at position 101"),
            (Values::I32(vec![1, 2, 10]), "index 10 at position 102"),
            (Values::I32(vec![i32::MIN]), "at position 100"),
            (Values::U32(vec![4, u32::MAX]), "at position 101"),
            (Values::I64(vec![1, 1 << 40]), "at position 101"),
        ];
        for (v, want) in cases {
            let e = index_to_u32("X/indices", v, 10, 100)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want) && e.contains("0..10"), "{e}");
        }
    }
}
