//! cellucid-server: the HTTP server that feeds the Cellucid browser viewer.
//!
//! Two modes (server.md): **exported** serves one export folder, or a folder of them, from the
//! allow-list of files their manifests declare; **anndata** serves a [`VirtualDataset`] (an
//! AnnData file mapped to the same files on demand).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use cellucid_server::{ExportedRoot, Server};
//! let root = ExportedRoot::open("exports/pbmc".as_ref())?;
//! let bound = Server::builder().port(0).exported(root).bind().await?;
//! println!("serving on http://{}", bound.local_addr());
//! bound.serve().await?; // until Ctrl-C
//! # Ok(()) }
//! ```
//!
//! Embedding applications receive viewer events through a [`ViewerRegistry`] passed to
//! [`ServerBuilder::viewers`].

mod adata;
mod anndata;
mod error;
mod exported;
mod names;
pub mod pyjson;
mod routes;
mod server;
mod state;
mod transport;
mod viewers;
mod virtual_dataset;
mod webui;

pub use adata::{open_anndata, AnnDataDataset, AnnDataError, AnnDataOptions};
pub use anndata::DEFAULT_CACHE_BYTES;
pub use error::{ApiError, ServerError};
pub use exported::{looks_like_export, ExportedRoot};
pub use names::{display_text_problem, is_portable_component};
pub use server::{BoundServer, RunningServer, Server, ServerBuilder, Source};
pub use state::{AppState, CatalogEntry, SERVER_VERSION};
pub use transport::body::Timeouts;
pub use viewers::{CallbackError, ViewerCallback, ViewerEvent, ViewerRegistry};
pub use virtual_dataset::{
    diagnosis_json, DiagnosisKind, NonFiniteDiagnosis, PayloadError, PayloadKind, SourceFormat,
    SourceSummary, VirtualDataset, VirtualFile,
};
pub use webui::{WebSourceError, WebUi, DEFAULT_WEB_SOURCE_URL};

use axum::Router;

/// The router: the transport guard (host check, methods, header block) around the dispatcher.
pub fn app(state: AppState) -> Router {
    Router::new()
        .fallback(routes::dispatch)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            transport::guard,
        ))
        .with_state(state)
}
