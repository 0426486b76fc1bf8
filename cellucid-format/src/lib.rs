//! The Cellucid export-folder format, generation G2 (format.md §3–§9, §19, §22;
//! viewer-contract.md §1–§2).
//!
//! * [`json`]: a JSON writer byte-identical to Python's `json.dumps` (the reference writer).
//! * [`model`]: typed serde models of `dataset_identity.json`, `obs_manifest.json`,
//!   `var_manifest.json`, `connectivity_manifest.json` and `datasets.json`; unknown and
//!   missing keys are errors.
//! * [`payload`]: payload dtypes, encodings, paths and little-endian encode/decode.
//! * [`gzip`]: deterministic single-member gzip with the reference header, and a strict bounded
//!   decoder.
//! * [`folder`]: [`ExportFolder`], a reader with typed, dequantized access to every payload.
//! * [`limits`]: the viewer's size ceilings (payloads, JSON, the edge and positions working sets).
//! * [`validate`](mod@validate): every rule the browser viewer enforces, as a [`Report`] of typed
//!   [`Violation`]s.
//!
//! ```
//! use cellucid_format::{ConnectivityManifest, gzip};
//!
//! // Manifests are written byte for byte as the reference writer writes them.
//! let manifest = ConnectivityManifest::new(700, 4996, 47, None);
//! assert_eq!(
//!     manifest.to_json_string(),
//!     r#"{"format": "edge_pairs", "n_cells": 700, "n_edges": 4996, "max_neighbors": 47, "index_bytes": 2, "index_dtype": "uint16", "sourcesPath": "connectivity/edges.src.bin", "destinationsPath": "connectivity/edges.dst.bin", "weightsPath": "connectivity/edges.weights.f64.bin", "weight_dtype": "float64", "weight_bytes": 8, "compression": null}"#
//! );
//! let parsed = ConnectivityManifest::from_json_str(&manifest.to_json_string())?;
//! assert_eq!(parsed, manifest);
//!
//! // Payloads are little-endian, optionally one deterministic gzip member.
//! let bytes = cellucid_format::encode_le(&[0.5f32, -1.0]);
//! let member = gzip::encode_member(&bytes, 6);
//! assert_eq!(gzip::decode_member_exact(&member, bytes.len())?, bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Reading and validating a folder:
//!
//! ```no_run
//! use cellucid_format::{validate, ExportFolder};
//!
//! let report = validate("exports/pbmc")?;
//! for violation in &report.violations {
//!     eprintln!("{violation}");
//! }
//! let folder = ExportFolder::open("exports/pbmc")?;
//! let points = folder.points(2)?; // n_cells × 2 float32, cell-major
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod error;
pub mod folder;
pub mod gzip;
pub mod json;
pub mod limits;
pub mod model;
pub mod payload;
pub mod text;
pub mod validate;

pub use error::FormatError;
pub use folder::{Edges, ExportFolder};
pub use gzip::{decode_member, encode_member, GzipError, GzipMemberWriter};
pub use json::{format_python_float, to_python_json, JsonStyle};
pub use model::*;
pub use payload::{
    check_safe_relative_path, decode_le, encode_le, expand_pattern, gz_suffix, CodesDtype, Dtype,
    LeScalar, PayloadError, ValueEncoding,
};
pub use validate::{validate, Report, Violation};
