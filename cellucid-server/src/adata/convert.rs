//! Value conversions over the adapter's typed `Values`, through the quantizer's float32 rules.

use cellucid_adapter::Values;
use cellucid_quant::{Policy, QuantError};

use crate::virtual_dataset::{DiagnosisKind, NonFiniteDiagnosis};

/// Why values could not become float32.
#[derive(Debug)]
pub(crate) enum ConvertError {
    /// The quantizer refused them (non-finite, overflow, all missing).
    Refused(QuantError),
    /// Booleans or strings are not numbers.
    NotNumeric,
}

/// float32 of every value under `policy` (NaN → canonical NaN when the policy allows it).
pub(crate) fn to_f32(values: &Values, policy: Policy) -> Result<Vec<f32>, ConvertError> {
    use cellucid_quant::to_float32 as conv;
    let result = match values {
        Values::Bool(_) => return Err(ConvertError::NotNumeric),
        Values::I8(v) => conv(v, policy),
        Values::I16(v) => conv(v, policy),
        Values::I32(v) => conv(v, policy),
        Values::I64(v) => conv(v, policy),
        Values::U8(v) => conv(v, policy),
        Values::U16(v) => conv(v, policy),
        Values::U32(v) => conv(v, policy),
        Values::U64(v) => conv(v, policy),
        Values::F16(v) => conv(v, policy),
        Values::F32(v) => conv(v, policy),
        Values::F64(v) => conv(v, policy),
    };
    result.map_err(ConvertError::Refused)
}

/// f64 of every value after checking it is finite and float32-safe (embeddings, vectors).
pub(crate) fn strict_f64(values: &Values) -> Result<Vec<f64>, ConvertError> {
    to_f32(values, Policy::strict())?;
    Ok(match values {
        Values::Bool(_) => return Err(ConvertError::NotNumeric),
        Values::I8(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::I16(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::I32(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::I64(v) => v.iter().map(|&x| x as f64).collect(),
        Values::U8(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::U16(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::U32(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::U64(v) => v.iter().map(|&x| x as f64).collect(),
        Values::F16(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::F64(v) => v.clone(),
    })
}

/// f64 of graph weights (booleans are 0/1).
pub(crate) fn weights_f64(values: &Values) -> Vec<f64> {
    match values {
        Values::Bool(v) => v.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect(),
        Values::I8(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::I16(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::I32(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::I64(v) => v.iter().map(|&x| x as f64).collect(),
        Values::U8(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::U16(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::U32(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::U64(v) => v.iter().map(|&x| x as f64).collect(),
        Values::F16(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Values::F64(v) => v.clone(),
    }
}

/// The 422 diagnosis for a refusal of the quantizer, or `None` for other errors.
pub(crate) fn diagnosis(
    kind: DiagnosisKind,
    name: &str,
    n: usize,
    error: &QuantError,
) -> Option<NonFiniteDiagnosis> {
    let n64 = n as u64;
    match error {
        QuantError::NotFloat32Safe(r) => Some(NonFiniteDiagnosis {
            kind,
            name: name.to_string(),
            total: n64,
            nan: r.nan as u64,
            positive_infinity: r.pos_inf as u64,
            negative_infinity: r.neg_inf as u64,
            float32_overflow: r.overflow as u64,
            float32_underflow: r.underflow as u64,
            examples: r.first_cells.iter().map(|&c| c as u64).collect(),
        }),
        QuantError::AllMissing { .. } => Some(NonFiniteDiagnosis {
            kind,
            name: name.to_string(),
            total: n64,
            nan: n64,
            positive_infinity: 0,
            negative_infinity: 0,
            float32_overflow: 0,
            float32_underflow: 0,
            examples: (0..n64.min(5)).collect(),
        }),
        _ => None,
    }
}

/// Little-endian bytes of float32 values.
pub(crate) fn f32_le(values: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 4);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}
