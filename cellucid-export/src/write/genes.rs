//! The parallel gene pipeline: one gene per task (read → encode → gzip → write), memory bounded
//! by a few gene columns per thread.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use cellucid_format::payload::var_values_path;
use cellucid_format::{ValueBounds, ValueEncoding};
use cellucid_quant::{Bits, Code, Policy, SourceValue};
use rayon::prelude::*;

use super::files::FileWriter;
use crate::error::ExportError;
use crate::events::{ExportEvents, Stage};
use crate::plan::arrays::Widen;
use crate::plan::obs::{encode_continuous, EncodeError, Encoded};
use crate::plan::{numeric, PlannedGenes};
use crate::source::{ExportSource, GeneColumn, SourceError};

/// The bytes of one gene file: plain payload bytes (compressed later if the export is), or an
/// already finished gzip member made straight from the sparse column.
pub(crate) enum GeneBytes {
    /// Little-endian payload bytes, not yet compressed.
    Plain(Vec<u8>),
    /// A finished gzip member and the length of the payload it holds.
    Member {
        /// Decompressed payload length.
        raw_len: u64,
        /// The gzip member.
        member: Vec<u8>,
    },
}

/// An encoded gene: its file bytes and its bounds when quantized.
pub(crate) struct EncodedGene {
    pub(crate) bytes: GeneBytes,
    pub(crate) bounds: Option<ValueBounds>,
}

impl From<Encoded> for EncodedGene {
    fn from(e: Encoded) -> Self {
        Self {
            bytes: GeneBytes::Plain(e.bytes),
            bounds: e.bounds,
        }
    }
}

/// Why a sparse gene could not be encoded.
enum SparseError {
    Quant(cellucid_quant::QuantError),
    Runs(cellucid_format::gzip::runs::RunsError),
}

impl From<cellucid_quant::QuantError> for SparseError {
    fn from(e: cellucid_quant::QuantError) -> Self {
        Self::Quant(e)
    }
}

/// Quantizes a sparse gene without densifying it; with compression, the gzip member is built
/// from the runs between stored values (cost ∝ nnz); `encode_column_member` chooses between it and
/// a dense deflate (see its docs for which choices are measured and which are checked).
fn sparse_codes<S: SourceValue, C: Code>(
    rows: &[u32],
    values: &[S],
    n: usize,
    compression: Option<u32>,
) -> Result<EncodedGene, SparseError> {
    let q = cellucid_quant::quantize_sparse::<S, u32, C>(rows, values, n, Policy::continuous())?;
    let bounds = Some(q.bounds.into());
    let bytes = match compression {
        Some(level) => GeneBytes::Member {
            raw_len: (n * std::mem::size_of::<C>()) as u64,
            member: cellucid_format::gzip::runs::encode_column_member(&q, level)
                .map_err(SparseError::Runs)?,
        },
        None => GeneBytes::Plain(cellucid_quant::codes_to_le_bytes(&q.to_dense())),
    };
    Ok(EncodedGene { bytes, bounds })
}

fn encode_sparse<S: SourceValue>(
    rows: &[u32],
    values: &[S],
    n: usize,
    bits: Option<Bits>,
    compression: Option<u32>,
) -> Result<EncodedGene, SparseError> {
    match bits {
        Some(Bits::U16) => sparse_codes::<S, u16>(rows, values, n, compression),
        Some(_) => sparse_codes::<S, u8>(rows, values, n, compression),
        None => {
            let mut out = vec![0f32; n];
            cellucid_quant::sparse_to_float32_into(
                rows,
                values,
                n,
                &mut out,
                Policy::continuous(),
            )?;
            Ok(EncodedGene {
                bytes: GeneBytes::Plain(cellucid_format::encode_le(&out)),
                bounds: None,
            })
        }
    }
}

/// Encodes one gene column (NaN missing, ±Inf and all-NaN refused).
pub(crate) fn encode_gene(
    name: &str,
    column: &GeneColumn,
    n_cells: usize,
    bits: Option<Bits>,
    compression: Option<u32>,
) -> Result<EncodedGene, ExportError> {
    let gene_err = |source| ExportError::Gene {
        name: name.to_string(),
        source,
    };
    let sparse_err = |e: SparseError| match e {
        SparseError::Quant(source) => ExportError::Gene {
            name: name.to_string(),
            source,
        },
        SparseError::Runs(e) => ExportError::Genes {
            message: format!("gene '{name}' cannot be gzip'd from its sparse column: {e}"),
        },
    };
    if column.n() != n_cells {
        return Err(ExportError::Genes {
            message: format!("gene '{name}' has {} cells, expected {n_cells}", column.n()),
        });
    }
    match column {
        GeneColumn::Dense(values) if bits.is_some() && compression.is_some() => {
            // A mostly-zero dense column (a dense X of counts) is encoded as the sparse
            // column it is: the same codes, gzip'd by the run encoder instead of deflating
            // the dense bytes (smaller in every measurement; see `cellucid_format::gzip::runs`).
            numeric!(values, v => match nonzero_entries(v) {
                Some((rows, stored)) => encode_sparse(&rows, &stored, n_cells, bits, compression).map_err(sparse_err),
                None => encode_dense(name, values, bits, &gene_err),
            },
            bool _b => encode_dense(name, values, bits, &gene_err))
        }
        GeneColumn::Dense(values) => encode_dense(name, values, bits, &gene_err),
        GeneColumn::Sparse { n, rows, values } => {
            numeric!(values, v => encode_sparse(rows, v, *n, bits, compression).map_err(sparse_err),
            bool _b => Err(boolean_matrix(name)))
        }
    }
}

/// Largest share of non-zero entries at which a quantized dense gene goes through the sparse
/// encoder.
const DENSE_AS_SPARSE_MAX_DENSITY: f64 = 0.5;

/// The rows and values of the non-zero entries of a dense column, when they are at most
/// [`DENSE_AS_SPARSE_MAX_DENSITY`] of it. Zero is tested on the stored type, so `-0.0` counts
/// as zero (it quantizes to the same code) and a tiny non-zero float stays stored.
fn nonzero_entries<S: SourceValue + Widen>(values: &[S]) -> Option<(Vec<u32>, Vec<S>)> {
    let nonzero = values.iter().filter(|v| v.widen() != 0.0).count();
    if nonzero as f64 > DENSE_AS_SPARSE_MAX_DENSITY * values.len() as f64 {
        return None;
    }
    let mut rows = Vec::with_capacity(nonzero);
    let mut stored = Vec::with_capacity(nonzero);
    for (row, &v) in values.iter().enumerate() {
        if v.widen() != 0.0 {
            rows.push(u32::try_from(row).ok()?);
            stored.push(v);
        }
    }
    Some((rows, stored))
}

/// The refusal of a boolean expression matrix, met at gene `name`.
fn boolean_matrix(name: &str) -> ExportError {
    ExportError::Genes {
        message: format!(
            "gene '{name}': the expression matrix is boolean; convert it to a numeric type \
             (e.g. adata.X = adata.X.astype('float32'), or the same for the chosen layer)"
        ),
    }
}

/// Encodes a dense gene column as dense payload bytes.
fn encode_dense(
    name: &str,
    values: &crate::source::Values,
    bits: Option<Bits>,
    gene_err: &dyn Fn(cellucid_quant::QuantError) -> ExportError,
) -> Result<EncodedGene, ExportError> {
    encode_continuous(values, bits)
        .map(EncodedGene::from)
        .map_err(|e| match e {
            EncodeError::Quant(q) => gene_err(q),
            EncodeError::Boolean => boolean_matrix(name),
        })
}

/// Most genes one rayon task encodes in a row (the imbalance left at the end of the pass).
const GENES_PER_PIECE: usize = 4;

/// Runs `task` for genes `0..n` in parallel and returns the results in gene order. On failure
/// the error of the *lowest* failing gene is returned, as a serial pass in export order would
/// report it (format.md §21.2 item 11); genes after a known failure are skipped.
fn in_gene_order<T: Send>(
    n: usize,
    task: impl Fn(usize) -> Result<T, ExportError> + Sync,
) -> Result<Vec<T>, ExportError> {
    let first_failed = AtomicUsize::new(usize::MAX);
    let results: Vec<Option<Result<T, ExportError>>> = (0..n)
        .into_par_iter()
        // Rayon otherwise leaves pieces of dozens of genes unsplit: at the end of
        // make_synth 100k × 2k one core sat idle for ~10 ms while the other finished its piece.
        .with_max_len(GENES_PER_PIECE)
        .map(|g| {
            if g > first_failed.load(Ordering::Relaxed) {
                return None;
            }
            let r = task(g);
            if r.is_err() {
                first_failed.fetch_min(g, Ordering::Relaxed);
            }
            Some(r)
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for (g, r) in results.into_iter().enumerate() {
        match r {
            Some(Ok(v)) => out.push(v),
            Some(Err(e)) => return Err(e),
            // Only genes after a failed one are skipped, and that failure comes first.
            None => {
                return Err(ExportError::Internal(format!(
                    "gene {g} was skipped but no earlier gene failed"
                )))
            }
        }
    }
    Ok(out)
}

/// Reads and encodes gene `g` of the plan.
fn read_and_encode(
    source: &dyn ExportSource,
    genes: &PlannedGenes,
    g: usize,
    n_cells: usize,
    bits: Option<Bits>,
    compression: Option<u32>,
) -> Result<EncodedGene, ExportError> {
    let (Some(&source_index), Some(name)) = (genes.indices.get(g), genes.names.get(g)) else {
        return Err(ExportError::Internal(format!("gene {g} is not planned")));
    };
    let column = source
        .gene(source_index)
        .map_err(|e: SourceError| ExportError::Source(e))?;
    encode_gene(name, &column, n_cells, bits, compression)
}

/// Checks every planned gene without writing anything (the reference's pre-flight, format.md
/// §21.2 item 11): the first refused gene in export order is the error.
pub(crate) fn check_genes(
    source: &dyn ExportSource,
    genes: &PlannedGenes,
    n_cells: usize,
    bits: Option<Bits>,
) -> Result<(), ExportError> {
    // Uncompressed: only the values are checked, so the deflate is not worth running.
    in_gene_order(genes.names.len(), |g| {
        read_and_encode(source, genes, g, n_cells, bits, None).map(|_| ())
    })
    .map(|_| ())
}

/// Writes every planned gene in parallel and returns the bounds of each (in payload order).
/// A refused gene fails the export with the error of the first refused gene in export order.
/// Once `cancel` is set (another part of the export failed, and its error is the one reported)
/// the genes not yet started are skipped and an internal error is returned.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_genes(
    source: &dyn ExportSource,
    genes: &PlannedGenes,
    n_cells: usize,
    bits: Option<Bits>,
    compression: Option<u32>,
    files: &FileWriter<'_>,
    events: &dyn ExportEvents,
    cancel: &AtomicBool,
) -> Result<Vec<Option<ValueBounds>>, ExportError> {
    let encoding = ValueEncoding::from_bits(bits);
    events.stage_started(Stage::Genes, genes.names.len() as u64);
    let bounds = in_gene_order(genes.names.len(), |g| {
        if cancel.load(Ordering::Relaxed) {
            return Err(ExportError::Internal(
                "gene writing stopped because another part of the export failed".into(),
            ));
        }
        let encoded = read_and_encode(source, genes, g, n_cells, bits, compression)?;
        let rel = var_values_path(g as u64, encoding, compression);
        match &encoded.bytes {
            GeneBytes::Plain(bytes) => files.payload(&rel, bytes)?,
            GeneBytes::Member { raw_len, member } => files.member(&rel, *raw_len, member)?,
        }
        events.progress(Stage::Genes, 1);
        Ok(encoded.bounds)
    })?;
    events.stage_finished(Stage::Genes);
    Ok(bounds)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::source::Values;

    /// The payload bytes of an encoded gene, decompressed.
    fn payload(gene: &EncodedGene) -> Vec<u8> {
        match &gene.bytes {
            GeneBytes::Plain(bytes) => bytes.clone(),
            GeneBytes::Member { raw_len, member } => {
                cellucid_format::gzip::decode_member_exact(member, *raw_len as usize).unwrap()
            }
        }
    }

    /// A dense gene encoded through the sparse path has exactly the payload and bounds of the
    /// dense encoding: at every density, with NaN, -0.0 and values too small for float32.
    #[test]
    fn dense_genes_through_the_sparse_path_equal_the_dense_encoding() {
        let n = 3_001;
        for density in [0.0, 0.01, 0.3, 0.5, 0.51, 0.9, 1.0] {
            let values: Vec<f64> = (0..n)
                .map(|i| {
                    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
                    if (h % 1000) as f64 >= density * 1000.0 {
                        if i % 7 == 0 {
                            -0.0
                        } else {
                            0.0
                        }
                    } else if i % 97 == 0 {
                        f64::NAN
                    } else if i % 89 == 0 {
                        1e-30
                    } else {
                        (h % 5000) as f64 / 37.0
                    }
                })
                .collect();
            let column = Values::F64(values);
            for bits in [Bits::U8, Bits::U16] {
                let ours = encode_gene(
                    "g",
                    &GeneColumn::Dense(column.clone()),
                    n,
                    Some(bits),
                    Some(6),
                );
                let ours = ours.unwrap();
                let dense = EncodedGene::from(encode_continuous(&column, Some(bits)).ok().unwrap());
                assert_eq!(
                    payload(&ours),
                    payload(&dense),
                    "density {density} {bits:?}"
                );
                assert_eq!(ours.bounds, dense.bounds, "density {density} {bits:?}");
                // Below the threshold the sparse path ran: a finished member, not plain bytes.
                if density < DENSE_AS_SPARSE_MAX_DENSITY {
                    assert!(
                        matches!(ours.bytes, GeneBytes::Member { .. }),
                        "density {density}"
                    );
                }
            }
        }
    }

    /// A value float32 cannot hold is refused the same way, naming the same cells.
    #[test]
    fn refusals_name_the_same_cells_on_both_paths() {
        let mut values = vec![0.0f64; 1_000];
        values[10] = 2.0;
        values[356] = 1e-50;
        values[623] = 1e-50;
        let column = Values::F64(values);
        let gene_err = |source| ExportError::Gene {
            name: "g".into(),
            source,
        };
        let ours = encode_gene(
            "g",
            &GeneColumn::Dense(column.clone()),
            1_000,
            Some(Bits::U8),
            Some(6),
        );
        let dense = encode_dense("g", &column, Some(Bits::U8), &gene_err);
        let (ours, dense) = (
            ours.err().unwrap().to_string(),
            dense.err().unwrap().to_string(),
        );
        assert_eq!(ours, dense);
        assert!(ours.contains("356"), "{ours}");
    }

    #[test]
    fn nonzero_entries_stop_at_half_the_column() {
        assert_eq!(
            nonzero_entries(&[0.0f32, 2.0, -0.0, 0.0]),
            Some((vec![1], vec![2.0]))
        );
        assert_eq!(
            nonzero_entries(&[0i32, 2, 3, 0]),
            Some((vec![1, 2], vec![2, 3]))
        );
        assert_eq!(nonzero_entries(&[1u8, 2, 3, 0]), None);
    }

    /// A boolean matrix is refused at the first gene, dense or sparse, compressed or not, with
    /// the gene's name and the fix.
    #[test]
    fn a_boolean_matrix_is_refused_naming_the_gene_and_the_fix() {
        let dense = GeneColumn::Dense(Values::Bool(vec![true, false, true]));
        let sparse = GeneColumn::Sparse {
            n: 3,
            rows: vec![0, 2],
            values: Values::Bool(vec![true, true]),
        };
        for column in [&dense, &sparse] {
            for (bits, compression) in [(Some(Bits::U8), Some(6)), (None, None)] {
                let err = encode_gene("CD3E", column, 3, bits, compression)
                    .err()
                    .expect("refused");
                let text = err.to_string();
                assert!(text.contains("'CD3E'"), "{text}");
                assert!(
                    text.contains("boolean") && text.contains("astype"),
                    "{text}"
                );
            }
        }
    }
}
