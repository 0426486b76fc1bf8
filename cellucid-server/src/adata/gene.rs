//! Gene payloads: the float32 body of server.md §4.6.5, or quantized codes exactly as an export
//! writes them (`--var-quantization`, an extension), each with a gzip member built straight from
//! the sparse column when the column is sparse enough (cost ∝ stored values instead of a
//! deflate of the dense bytes).

use cellucid_adapter::{GeneColumn, Values};
use cellucid_quant::{Bits, Bounds, Code, Policy, QuantError, SourceValue};

use super::convert::ConvertError;

/// gzip level named in the members' headers (and used when the dense bytes are deflated).
pub(crate) const GZIP_LEVEL: u32 = 6;

/// Largest share of stored cells for which the gzip member is built from the runs between
/// stored values alone. Above it the server deflates the dense bytes (zlib level 6), whose
/// matches across stored values then pay off.
const RUNS_MAX_DENSITY: f64 = 0.5;

/// How genes are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GeneEncoding {
    /// float32, NaN missing (the reference's body).
    Float32,
    /// 8- or 16-bit codes with the missing marker and per-gene bounds (format.md §11).
    Quantized(Bits),
}

impl GeneEncoding {
    /// Bytes per cell.
    pub(crate) fn width(self) -> u64 {
        match self {
            Self::Float32 => 4,
            Self::Quantized(bits) => bits.byte_width() as u64,
        }
    }

    /// The payload file extension.
    pub(crate) fn ext(self) -> &'static str {
        match self {
            Self::Float32 => "f32",
            Self::Quantized(Bits::U16) => "u16",
            Self::Quantized(_) => "u8",
        }
    }
}

/// One encoded gene.
#[derive(Debug)]
pub(crate) struct GeneBody {
    /// The uncompressed payload.
    pub(crate) identity: Vec<u8>,
    /// A finished gzip member of `identity`, when the sparse column made one cheap.
    pub(crate) gzip: Option<Vec<u8>>,
    /// The bounds of a quantized gene.
    pub(crate) bounds: Option<Bounds>,
}

/// Dispatches on the numeric type of a `Values`.
macro_rules! numeric {
    ($values:expr, $v:ident => $body:expr) => {
        match $values {
            Values::Bool(_) => Err(ConvertError::NotNumeric),
            Values::I8($v) => $body,
            Values::I16($v) => $body,
            Values::I32($v) => $body,
            Values::I64($v) => $body,
            Values::U8($v) => $body,
            Values::U16($v) => $body,
            Values::U32($v) => $body,
            Values::U64($v) => $body,
            Values::F16($v) => $body,
            Values::F32($v) => $body,
            Values::F64($v) => $body,
        }
    };
}

/// Encodes one gene column of `n` cells (NaN missing, ±Inf and all-missing refused).
pub(crate) fn encode(
    column: &GeneColumn,
    encoding: GeneEncoding,
    want_gzip: bool,
) -> Result<GeneBody, ConvertError> {
    match column {
        GeneColumn::Dense(values) => numeric!(values, v => dense(v, encoding)),
        GeneColumn::Sparse { n, rows, values } => {
            numeric!(values, v => sparse(rows, v, *n, encoding, want_gzip))
        }
    }
}

/// The quantization bounds of a gene (as [`encode`] reports them; they do not depend on the
/// code width), or `None` when the gene cannot be published. O(stored values) for a sparse
/// column.
pub(crate) fn bounds(column: &GeneColumn) -> Option<Bounds> {
    let result: Result<Bounds, ConvertError> = match column {
        GeneColumn::Dense(values) => numeric!(values, v => {
            cellucid_quant::quantize_le_bytes(v, Bits::U8, Policy::continuous())
                .map(|(b, _)| b)
                .map_err(refused)
        }),
        GeneColumn::Sparse { n, rows, values } => numeric!(values, v => {
            cellucid_quant::quantize_sparse::<_, u32, u8>(rows, v, *n, Policy::continuous())
                .map(|q| q.bounds)
                .map_err(refused)
        }),
    };
    result.ok()
}

fn refused(e: QuantError) -> ConvertError {
    ConvertError::Refused(e)
}

fn dense<S: SourceValue>(values: &[S], encoding: GeneEncoding) -> Result<GeneBody, ConvertError> {
    match encoding {
        GeneEncoding::Float32 => {
            let f = cellucid_quant::to_float32(values, Policy::continuous()).map_err(refused)?;
            Ok(GeneBody {
                identity: cellucid_format::encode_le(&f),
                gzip: None,
                bounds: None,
            })
        }
        GeneEncoding::Quantized(bits) => {
            let (bounds, identity) =
                cellucid_quant::quantize_le_bytes(values, bits, Policy::continuous())
                    .map_err(refused)?;
            Ok(GeneBody {
                identity,
                gzip: None,
                bounds: Some(bounds),
            })
        }
    }
}

fn runs_pay_off(nnz: usize, n: usize) -> bool {
    (nnz as f64) <= RUNS_MAX_DENSITY * n as f64
}

fn sparse<S: SourceValue>(
    rows: &[u32],
    values: &[S],
    n: usize,
    encoding: GeneEncoding,
    want_gzip: bool,
) -> Result<GeneBody, ConvertError> {
    match encoding {
        GeneEncoding::Float32 => {
            let mut out = vec![0f32; n];
            cellucid_quant::sparse_to_float32_into(rows, values, n, &mut out, Policy::continuous())
                .map_err(refused)?;
            let gzip = (want_gzip && runs_pay_off(rows.len(), n))
                .then(|| f32_runs_member(rows, &out))
                .flatten();
            Ok(GeneBody {
                identity: cellucid_format::encode_le(&out),
                gzip,
                bounds: None,
            })
        }
        GeneEncoding::Quantized(Bits::U16) => sparse_codes::<S, u16>(rows, values, n, want_gzip),
        GeneEncoding::Quantized(_) => sparse_codes::<S, u8>(rows, values, n, want_gzip),
    }
}

/// Quantizes a sparse gene as `cellucid-export` does; its gzip member is the export's.
fn sparse_codes<S: SourceValue, C: Code>(
    rows: &[u32],
    values: &[S],
    n: usize,
    want_gzip: bool,
) -> Result<GeneBody, ConvertError> {
    let q = cellucid_quant::quantize_sparse::<S, u32, C>(rows, values, n, Policy::continuous())
        .map_err(refused)?;
    let gzip = if want_gzip {
        cellucid_format::gzip::runs::encode_column_member(&q, GZIP_LEVEL).ok()
    } else {
        None
    };
    Ok(GeneBody {
        identity: cellucid_quant::codes_to_le_bytes(&q.to_dense()),
        gzip,
        bounds: Some(q.bounds),
    })
}

/// A gzip member of the float32 payload of a sparse column, from its stored rows: each float32
/// is two little-endian 16-bit halves, so the payload is a column of `2n` 16-bit codes that are
/// zero except at rows `2r` and `2r + 1`, which the run encoder turns into deflate runs and
/// literals without touching the implicit zeros. `None` when `2n` does not fit in `u32`.
fn f32_runs_member(rows: &[u32], dense: &[f32]) -> Option<Vec<u8>> {
    let n2 = dense.len().checked_mul(2)?;
    u32::try_from(n2).ok()?;
    let mut halves_rows = Vec::with_capacity(rows.len() * 2);
    let mut halves = Vec::with_capacity(rows.len() * 2);
    for &r in rows {
        let bits = dense.get(r as usize)?.to_bits();
        halves_rows.push(2 * r);
        halves.push(bits as u16);
        halves_rows.push(2 * r + 1);
        halves.push((bits >> 16) as u16);
    }
    cellucid_format::gzip::runs::encode_runs_member(&halves_rows, &halves, 0u16, n2, GZIP_LEVEL)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("valid gzip");
        out
    }

    #[test]
    fn sparse_float32_member_inflates_to_the_payload() {
        let n = 1000;
        let rows: Vec<u32> = vec![0, 3, 4, 500, 998, 999];
        let values: Vec<f32> = vec![1.0, -0.0, 2.5e-3, f32::NAN, 0.0, 123_456.7];
        let column = GeneColumn::Sparse {
            n,
            rows: rows.clone(),
            values: Values::F32(values),
        };
        let body = encode(&column, GeneEncoding::Float32, true).expect("encodes");
        let member = body.gzip.expect("a runs member for a sparse gene");
        assert_eq!(gunzip(&member), body.identity);
        assert_eq!(body.identity.len(), n * 4);
        let dense = encode(
            &GeneColumn::Dense(column.to_dense()),
            GeneEncoding::Float32,
            true,
        )
        .expect("dense encodes");
        assert_eq!(dense.identity, body.identity);
    }

    #[test]
    fn sparse_float32_members_inflate_exactly_at_every_density() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for &(n, per_mille) in &[
            (1usize, 1000u64),
            (7, 0),
            (300, 3),
            (4000, 60),
            (4000, 450),
            (999, 500),
        ] {
            let mut rows = Vec::new();
            let mut values = Vec::new();
            for r in 0..n as u32 {
                if next() % 1000 < per_mille {
                    rows.push(r);
                    // Integral counts, fractions, tiny and huge values, signed zeros.
                    let v = match next() % 6 {
                        0 => (next() % 50) as f32,
                        1 => f32::from_bits((next() as u32) & 0x7f7f_ffff),
                        2 => -0.0,
                        3 => 1e-30,
                        4 => 3.0e38,
                        _ => 0.5 + (next() % 1000) as f32 / 7.0,
                    };
                    values.push(v);
                }
            }
            let nnz = rows.len();
            let column = GeneColumn::Sparse {
                n,
                rows,
                values: Values::F32(values),
            };
            let body = encode(&column, GeneEncoding::Float32, true).expect("encodes");
            let dense = encode(
                &GeneColumn::Dense(column.to_dense()),
                GeneEncoding::Float32,
                false,
            )
            .expect("dense encodes");
            assert_eq!(body.identity, dense.identity, "n {n}, density {per_mille}");
            if let Some(member) = body.gzip {
                assert_eq!(gunzip(&member), body.identity, "n {n}, density {per_mille}");
            } else {
                assert!(!runs_pay_off(nnz, n), "no member for {nnz} of {n} stored");
            }
        }
    }

    #[test]
    fn quantized_sparse_equals_quantized_dense() {
        let column = GeneColumn::Sparse {
            n: 50,
            rows: vec![1, 7, 8, 40],
            values: Values::F64(vec![3.0, 0.5, f64::NAN, 9.25]),
        };
        for bits in [Bits::U8, Bits::U16] {
            let sparse = encode(&column, GeneEncoding::Quantized(bits), true).expect("sparse");
            let dense = encode(
                &GeneColumn::Dense(column.to_dense()),
                GeneEncoding::Quantized(bits),
                false,
            )
            .expect("dense");
            assert_eq!(sparse.identity, dense.identity);
            assert_eq!(sparse.bounds, dense.bounds);
            assert_eq!(gunzip(&sparse.gzip.expect("member")), sparse.identity);
        }
    }

    #[test]
    fn infinity_is_refused_and_dense_columns_leave_gzip_to_the_server() {
        let column = GeneColumn::Sparse {
            n: 4,
            rows: vec![0, 1, 2, 3],
            values: Values::F32(vec![1.0, 2.0, 3.0, 4.0]),
        };
        assert!(encode(&column, GeneEncoding::Float32, true)
            .expect("ok")
            .gzip
            .is_none());
        let inf = GeneColumn::Dense(Values::F32(vec![1.0, f32::INFINITY]));
        assert!(matches!(
            encode(&inf, GeneEncoding::Quantized(Bits::U8), true),
            Err(ConvertError::Refused(_))
        ));
    }
}
