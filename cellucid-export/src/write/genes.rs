//! The parallel gene pipeline: one gene per task (read → encode → gzip → write), memory bounded
//! by a few gene columns per thread.

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

fn sparse_codes<S: SourceValue, C: Code>(rows: &[u32], values: &[S], n: usize) -> Result<Encoded, cellucid_quant::QuantError> {
    let q = cellucid_quant::quantize_sparse::<S, u32, C>(rows, values, n, Policy::continuous())?;
    Ok(Encoded { bytes: cellucid_quant::codes_to_le_bytes(&q.to_dense()), bounds: Some(q.bounds.into()) })
}

fn encode_sparse<S: SourceValue>(rows: &[u32], values: &[S], n: usize, bits: Option<Bits>) -> Result<Encoded, cellucid_quant::QuantError> {
    match bits {
        Some(Bits::U16) => sparse_codes::<S, u16>(rows, values, n),
        Some(_) => sparse_codes::<S, u8>(rows, values, n),
        None => {
            let mut out = vec![0f32; n];
            cellucid_quant::sparse_to_float32_into(rows, values, n, &mut out, Policy::continuous())?;
            Ok(Encoded { bytes: cellucid_format::encode_le(&out), bounds: None })
        }
    }
}

/// Encodes one gene column (NaN missing, ±Inf and all-NaN refused).
pub(crate) fn encode_gene(name: &str, column: &GeneColumn, n_cells: usize, bits: Option<Bits>) -> Result<Encoded, ExportError> {
    let gene_err = |source| ExportError::Gene { name: name.to_string(), source };
    if column.n() != n_cells {
        return Err(ExportError::Genes { message: format!("gene '{name}' has {} cells, expected {n_cells}", column.n()) });
    }
    match column {
        GeneColumn::Dense(values) => encode_continuous(values, bits).map_err(|e| match e {
            EncodeError::Quant(q) => gene_err(q),
            EncodeError::Boolean => ExportError::Genes { message: "the expression matrix is boolean; convert it to a numeric type".into() },
        }),
        GeneColumn::Sparse { n, rows, values } => numeric!(values, v => encode_sparse(rows, v, *n, bits).map_err(gene_err),
            bool _b => Err(ExportError::Genes { message: "the expression matrix is boolean; convert it to a numeric type".into() })),
    }
}

/// Writes every planned gene in parallel and returns the bounds of each (in payload order).
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
    let bounds = genes
        .indices
        .par_iter()
        .zip(genes.names.par_iter())
        .enumerate()
        .map(|(g, (&source_index, name))| {
            let column = source.gene(source_index).map_err(|e: SourceError| ExportError::Source(e))?;
            let encoded = encode_gene(name, &column, n_cells, bits)?;
            drop(column);
            files.payload(&var_values_path(g as u64, encoding, compression), &encoded.bytes)?;
            events.progress(Stage::Genes, 1);
            Ok(encoded.bounds)
        })
        .collect::<Result<Vec<_>, ExportError>>()?;
    events.stage_finished(Stage::Genes);
    Ok(bounds)
}
