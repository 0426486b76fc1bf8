//! cellucid-export: AnnData or in-memory arrays → a Cellucid export folder (format.md, generation
//! G2), published atomically.
//!
//! ```no_run
//! use cellucid_export::{export, source::AnnDataSource, ExportOptions, NoEvents};
//!
//! let source = AnnDataSource::open("data/pbmc68k_reduced.h5ad")?;
//! let mut options = ExportOptions::new("pbmc68k_reduced", "pbmc68k_reduced");
//! options.latent_key = Some("X_pca".into());
//! options.compression = Some(6);
//! options.var_quantization = Some(8);
//! options.obs_continuous_quantization = Some(8);
//! let summary = export(&source, "exports/pbmc68k_reduced".as_ref(), &options, &NoEvents)?;
//! println!("{} files", summary.stats.files);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Modules: [`options`], [`source`] (the [`source::ExportSource`] trait, AnnData and in-memory
//! sources), [`math`] (the exact arithmetic, shared with the server), [`plan`] (everything checked
//! before the first payload), [`write`] (payloads, the parallel gene pipeline, documents),
//! [`publish`] (lock, journal, staging, recovery), [`catalog`], [`events`], [`error`].

#[doc(hidden)]
pub mod bench_api;
pub mod catalog;
pub mod checks;
pub mod error;
pub mod events;
pub mod math;
pub mod options;
pub mod plan;
pub mod publish;
mod run;
pub mod source;
pub mod write;

pub use catalog::{write_catalog, CatalogError};
pub use error::ExportError;
pub use events::{ExportEvents, NoEvents, Stage, Warning};
pub use options::{CategoricalDtype, ExportOptions, OversizedGraph};
pub use plan::{Plan, PlanSummary};
pub use run::{export, plan, ExportSummary};
pub use write::manifests::DATA_VERSION;
