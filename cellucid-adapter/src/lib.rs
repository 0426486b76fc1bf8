//! AnnData input for cellucid-rs.
//!
//! Reads `.h5ad` files (pure Rust, through `hdf5-reader`) and, with the default `zarr`
//! feature, `.zarr` directories: the obs/var dataframes with every AnnData column encoding,
//! `X` and layers (dense, CSR, CSC) with lazy per-gene access, `obsm` and `obsp`. The
//! [`mapping`] module holds the AnnData → export mapping (which obsm keys are embeddings,
//! how each obs column is classified, its categories as typed labels).
//!
//! Opening reads metadata only; every array is read on demand. All types are `Send + Sync`.
//!
//! ```no_run
//! use cellucid_adapter::{AnnData, MatrixSource};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ad = AnnData::open("pbmc.h5ad")?;
//! let embeddings = cellucid_adapter::mapping::resolve_embeddings(&ad)?;
//! let x = ad.matrix(MatrixSource::X)?;
//! let gene0 = x.gene(0)?.to_dense();
//! # let _ = (embeddings, gene0); Ok(()) }
//! ```

mod anndata;
pub mod backend;
mod column;
mod elem;
mod error;
pub mod h5ad;
pub mod mapping;
pub mod matrix;
mod sparse;
pub mod values;
#[cfg(feature = "zarr")]
mod zarr;

pub use anndata::AnnData;
pub use backend::{ArrayInfo, AttrValue, Backend, BackendError, NodeKind};
pub use column::{Categories, Column};
pub use error::{OpenError, ReadError};
pub use matrix::{GeneColumn, GeneMatrix, Layout, MatrixSource, SparseBlock};
pub use sparse::{Graph, Matrix2, SparseFormat, SparseMatrix};
pub use values::{DType, Values};

/// Open a `.zarr` directory store (Zarr v2 or v3) through the zarr backend (`src/zarr.rs`).
#[cfg(feature = "zarr")]
pub(crate) fn open_zarr_store(
    path: &std::path::Path,
) -> Result<std::sync::Arc<dyn Backend>, BackendError> {
    Ok(std::sync::Arc::new(zarr::open_store(path)?))
}
