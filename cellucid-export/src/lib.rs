//! cellucid-export: AnnData or in-memory arrays → a Cellucid export folder (format.md), published
//! atomically.

pub mod checks;
pub mod error;
pub mod math;
pub mod options;
pub mod publish;
pub mod source;

pub use error::ExportError;
pub use options::{CategoricalDtype, ExportOptions};
