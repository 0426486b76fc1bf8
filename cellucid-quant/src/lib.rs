//! Quantizers of the Cellucid export format (format.md §10, §11, §15, §26 (a) and (f)).
//!
//! * [`source`]: every numeric AnnData dtype as a [`SourceValue`], converted to float32 with the
//!   float32-safe checks of §10.
//! * [`dense`]: [`quantize`] a column to `u8`/`u16` codes with bounds equal to the reference
//!   writer's bit for bit, or convert it to its float32 payload ([`to_float32`]).
//! * [`sparse`]: [`quantize_sparse`] a CSC column in `O(nnz)` without densifying it.
//! * [`policy`]: NaN is missing by default, ±Inf refused (or missing), all-missing refused.
//! * [`error`]: counted, located errors that the caller prefixes with the field or gene name.
//! * [`dequantize`]: the viewer's inverse.
//!
//! ```
//! use cellucid_quant::{quantize, Policy};
//! let q = quantize::<f32, u8>(&[1001.0, 1080.0, f32::NAN, 2605.0], Policy::default())?;
//! assert_eq!((q.bounds.min, q.bounds.max), (1001.0, 2605.0));
//! assert_eq!(q.codes, [0, 12, 255, 254]);
//! # Ok::<(), cellucid_quant::QuantError>(())
//! ```

mod analysis;
pub mod bits;
pub mod bounds;
pub mod dense;
pub mod error;
pub mod policy;
pub mod source;
pub mod sparse;

pub use bits::{codes_to_le_bytes, Bits, Code};
pub use bounds::{dequantize, Bounds};
pub use dense::{
    check_float32, quantize, quantize_into, quantize_le_bytes, to_float32, to_float32_into,
    Quantized,
};
pub use error::{NonFiniteReport, QuantError, SubjectError, FIRST_CELLS_SHOWN};
pub use policy::{AllMissingPolicy, InfPolicy, NanPolicy, Policy};
pub use source::{Fl32, SourceValue, CANONICAL_NAN};
pub use sparse::{quantize_sparse, sparse_to_float32_into, RowIndex, SparseQuantized};
