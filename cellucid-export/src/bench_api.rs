//! Entry points for this crate's criterion benches (`benches/`). Not a stable API: hidden from
//! the documentation and free to change with the internals they expose.

use crate::error::ExportError;
use crate::source::GeneColumn;

/// One gene file as the export pipeline would write it.
#[doc(hidden)]
#[derive(Debug)]
pub struct GeneFile {
    /// Length of the (decompressed) payload.
    pub raw_len: u64,
    /// The bytes stored on disk: the payload, or its gzip member when compressed.
    pub stored: Vec<u8>,
}

/// Encodes one gene column end to end exactly as the gene pipeline does — NaN as missing,
/// quantized to `var_quantization` bits (8 or 16; anything else keeps float32) and, with
/// `compression` (1–9), gzip'd (sparse columns through the run encoder) — without touching the
/// file system.
///
/// # Errors
/// [`ExportError`] for a column the export would refuse (±Inf, all NaN, wrong length, boolean).
#[doc(hidden)]
pub fn encode_gene_file(
    column: &GeneColumn,
    var_quantization: Option<u32>,
    compression: Option<u32>,
) -> Result<GeneFile, ExportError> {
    let bits = var_quantization.and_then(cellucid_quant::Bits::from_bits);
    let encoded = crate::write::genes::encode_gene("bench", column, column.n(), bits, compression)?;
    Ok(match encoded.bytes {
        crate::write::genes::GeneBytes::Plain(bytes) => GeneFile {
            raw_len: bytes.len() as u64,
            stored: match compression {
                Some(level) => cellucid_format::encode_member(&bytes, level),
                None => bytes,
            },
        },
        crate::write::genes::GeneBytes::Member { raw_len, member } => GeneFile {
            raw_len,
            stored: member,
        },
    })
}
