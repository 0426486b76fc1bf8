//! The parallel gene pipeline: one gene per task (read → encode → gzip → write), memory bounded
//! by a few gene columns per thread.

use std::sync::atomic::{AtomicUsize, Ordering};

use cellucid_format::payload::var_values_path;
use cellucid_format::{ValueBounds, ValueEncoding};
use cellucid_quant::{Bits, Code, Policy, SourceValue};
use rayon::prelude::*;

use super::files::FileWriter;
use crate::error::ExportError;
use crate::events::{ExportEvents, Stage};
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
/// from the runs between stored values (cost ∝ nnz), never larger than a dense deflate.
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
            message: format!("gene '{name}': the sparse column is malformed: {e}"),
        },
    };
    if column.n() != n_cells {
        return Err(ExportError::Genes {
            message: format!("gene '{name}' has {} cells, expected {n_cells}", column.n()),
        });
    }
    match column {
        GeneColumn::Dense(values) => encode_continuous(values, bits)
            .map(EncodedGene::from)
            .map_err(|e| match e {
                EncodeError::Quant(q) => gene_err(q),
                EncodeError::Boolean => ExportError::Genes {
                    message: "the expression matrix is boolean; convert it to a numeric type"
                        .into(),
                },
            }),
        GeneColumn::Sparse { n, rows, values } => {
            numeric!(values, v => encode_sparse(rows, v, *n, bits, compression).map_err(sparse_err),
            bool _b => Err(ExportError::Genes { message: "the expression matrix is boolean; convert it to a numeric type".into() }))
        }
    }
}

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
pub(crate) fn write_genes(
    source: &dyn ExportSource,
    genes: &PlannedGenes,
    n_cells: usize,
    bits: Option<Bits>,
    compression: Option<u32>,
    files: &FileWriter<'_>,
    events: &dyn ExportEvents,
) -> Result<Vec<Option<ValueBounds>>, ExportError> {
    let encoding = ValueEncoding::from_bits(bits);
    events.stage_started(Stage::Genes, genes.names.len() as u64);
    let bounds = in_gene_order(genes.names.len(), |g| {
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
