//! Typed models of the G2 JSON documents (format.md §5–§8, §22).
//!
//! Every struct has public fields declared in the JSON key order, so serialising with
//! [`crate::json`] reproduces the reference writer's bytes. Parsing rejects unknown and missing
//! keys (optional keys of the identity aside). Value rules (ranges, cross-file agreement) are
//! checked by [`crate::validate`], not by parsing.

mod catalog;
mod category;
mod connectivity;
mod identity;
mod nullable;
mod obs;
mod var;

pub use catalog::{Catalog, CatalogEntry};
pub use category::Category;
pub use connectivity::ConnectivityManifest;
pub use identity::{
    DatasetIdentity, Embeddings, ExportSettings, ObsFieldKind, ObsFieldSummary, Source, Stats,
    VectorField, VectorFields,
};
pub use obs::{
    CategoricalField, CategoricalSchema, Centroid, ContinuousField, ContinuousSchema, ObsManifest,
    ObsSchemas, ValueBounds,
};
pub use var::{VarManifest, VarSchema};

use crate::error::FormatError;
use crate::json::{to_python_json, JsonStyle};

/// Serialises a model; the models' `Serialize` implementations cannot fail.
fn write_model<T: serde::Serialize>(value: &T, style: JsonStyle) -> String {
    to_python_json(value, style).unwrap_or_else(|err| {
        // Unreachable for the models of this crate (string keys only); keep the message visible.
        format!("<serialisation failed: {err}>")
    })
}

/// Parses a model, naming `file` in the error.
fn read_model<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, FormatError> {
    serde_json::from_str(text).map_err(|source| FormatError::Json {
        file: file.to_owned(),
        source,
    })
}

/// Implements `to_json_string` / `from_json_str` for a document model.
macro_rules! document {
    ($ty:ty, $style:expr, $file:expr) => {
        impl $ty {
            /// The file name of this document inside an export folder.
            pub const FILE_NAME: &'static str = $file;

            /// The exact bytes the reference writer produces for this document.
            pub fn to_json_string(&self) -> String {
                crate::model::write_model(self, $style)
            }

            /// Parses the document, rejecting unknown and missing keys.
            ///
            /// # Errors
            /// [`FormatError::Json`] naming the file, the line and the column.
            pub fn from_json_str(text: &str) -> Result<Self, FormatError> {
                crate::model::read_model(text, $file)
            }
        }
    };
}

document!(DatasetIdentity, JsonStyle::Indent2, "dataset_identity.json");
document!(ObsManifest, JsonStyle::Compact, "obs_manifest.json");
document!(VarManifest, JsonStyle::Compact, "var_manifest.json");
document!(
    ConnectivityManifest,
    JsonStyle::Compact,
    "connectivity_manifest.json"
);
document!(Catalog, JsonStyle::Indent2, "datasets.json");
