//! Typed source values → f64/f32 with the float32-safe checks (format.md §10), for embeddings,
//! vectors, the latent space and graph weights.

use cellucid_quant::{Policy, QuantError, SourceValue};

use crate::error::ExportError;
use crate::source::{Matrix2, Values};

/// Dispatches over the numeric variants of [`Values`]; `Bool` goes to the second arm.
macro_rules! numeric {
    ($values:expr, $v:ident => $body:expr, bool $b:ident => $bool_arm:expr) => {
        match $values {
            $crate::source::Values::I8($v) => $body,
            $crate::source::Values::I16($v) => $body,
            $crate::source::Values::I32($v) => $body,
            $crate::source::Values::I64($v) => $body,
            $crate::source::Values::U8($v) => $body,
            $crate::source::Values::U16($v) => $body,
            $crate::source::Values::U32($v) => $body,
            $crate::source::Values::U64($v) => $body,
            $crate::source::Values::F16($v) => $body,
            $crate::source::Values::F32($v) => $body,
            $crate::source::Values::F64($v) => $body,
            $crate::source::Values::Bool($b) => $bool_arm,
        }
    };
}
pub(crate) use numeric;

/// Exact widening to f64 (integers above 2^53 round, as numpy's astype does).
pub(crate) trait Widen: Copy {
    fn widen(self) -> f64;
}

macro_rules! widen_as {
    ($($t:ty),*) => {$(
        impl Widen for $t {
            fn widen(self) -> f64 {
                self as f64
            }
        }
    )*};
}
widen_as!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl Widen for half::f16 {
    fn widen(self) -> f64 {
        f64::from(self.to_fl32())
    }
}

fn quant_message(e: &QuantError) -> String {
    e.to_string()
}

/// Checks `values` with the strict float32-safe rule (no NaN, no ±Inf, no float32 overflow or
/// underflow) and widens them to f64. `what` names the array in errors.
///
/// # Errors
/// [`ExportError::Array`] with the counted description and the fix.
pub(crate) fn strict_f64(what: &str, values: &Values) -> Result<Vec<f64>, ExportError> {
    numeric!(values, v => {
        check_strict(what, v)?;
        Ok(v.iter().map(|x| x.widen()).collect())
    }, bool _b => Err(not_numeric(what)))
}

/// As [`strict_f64`] but converting to float32 (the latent space, §15). float32 values, which
/// the strict rule leaves all finite, are returned as they are, without a copy.
///
/// # Errors
/// As [`strict_f64`].
pub(crate) fn strict_f32(what: &str, values: Values) -> Result<Vec<f32>, ExportError> {
    if let Values::F32(v) = values {
        let all_finite = cellucid_quant::check_float32(&v, Policy::strict())
            .map_err(|e| array_error(what, &e))?;
        return if all_finite {
            Ok(v)
        } else {
            cellucid_quant::to_float32(&v, Policy::strict()).map_err(|e| array_error(what, &e))
        };
    }
    numeric!(&values, v => {
        cellucid_quant::to_float32(v, Policy::strict()).map_err(|e| array_error(what, &e))
    }, bool _b => Err(not_numeric(what)))
}

fn check_strict<S: SourceValue>(what: &str, v: &[S]) -> Result<(), ExportError> {
    if v.is_empty() {
        return Ok(());
    }
    cellucid_quant::check_float32(v, Policy::strict())
        .map(|_| ())
        .map_err(|e| array_error(what, &e))
}

fn array_error(what: &str, e: &QuantError) -> ExportError {
    ExportError::Array {
        what: what.to_string(),
        message: format!("{what} {}", quant_message(e)),
    }
}

pub(crate) fn not_numeric(what: &str) -> ExportError {
    ExportError::Array {
        what: what.to_string(),
        message:
            "must contain real numeric values (booleans are not coordinates); convert it to float"
                .into(),
    }
}

/// Checks that `m` has `n_rows` rows and `n_cols` columns.
///
/// # Errors
/// [`ExportError::Array`].
pub(crate) fn check_shape(
    what: &str,
    m: &Matrix2,
    n_rows: usize,
    n_cols: Option<usize>,
) -> Result<(), ExportError> {
    let cols_ok = n_cols.is_none_or(|c| c == m.n_cols);
    if m.n_rows != n_rows || !cols_ok || m.values.len() != m.n_rows * m.n_cols {
        let expected = match n_cols {
            Some(c) => format!("({n_rows}, {c})"),
            None => format!("({n_rows}, k)"),
        };
        return Err(ExportError::Array {
            what: what.to_string(),
            message: format!(
                "has shape ({}, {}), expected {expected}",
                m.n_rows, m.n_cols
            ),
        });
    }
    Ok(())
}
