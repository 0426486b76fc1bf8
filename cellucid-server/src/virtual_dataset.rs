//! The virtual export behind anndata mode (server.md §4): the contract between the HTTP layer
//! and whatever produces the files (the AnnData implementation, or any embedding application).

use bytes::Bytes;

use crate::state::CatalogEntry;

/// The kind of AnnData source, as `/_cellucid/health` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceFormat {
    /// An `.h5ad` file.
    H5ad,
    /// A Zarr store.
    Zarr,
    /// An in-memory dataset handed over by an embedding application.
    InMemory,
}

impl SourceFormat {
    /// The wire text: `h5ad`, `zarr` or `in-memory`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::H5ad => "h5ad",
            Self::Zarr => "zarr",
            Self::InMemory => "in-memory",
        }
    }
}

/// What health and info report about the source (server.md §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSummary {
    /// Source kind.
    pub format: SourceFormat,
    /// Whether the expression matrix stays on disk.
    pub is_backed: bool,
    /// Number of cells.
    pub n_cells: u64,
    /// `n_vars` of the AnnData (even without `X`).
    pub n_genes: u64,
}

/// One virtual payload file (server.md §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadKind {
    /// `points_<d>d.bin`.
    Points {
        /// Dimension 1–3.
        dim: u8,
    },
    /// `obs/{i}.values.f32`.
    ObsValues {
        /// Served field index.
        field: usize,
    },
    /// `obs/{i}.codes.u8` / `.u16`.
    ObsCodes {
        /// Served field index.
        field: usize,
    },
    /// `obs/{i}.outliers.f32`.
    Outliers {
        /// Served field index.
        field: usize,
    },
    /// `var/{g}.values.f32`.
    Gene {
        /// Position on the var axis.
        index: usize,
    },
    /// `connectivity/edges.src.bin`.
    EdgeSources,
    /// `connectivity/edges.dst.bin`.
    EdgeDestinations,
    /// `connectivity/edges.weights.f64.bin`.
    EdgeWeights,
    /// `vectors/{v}_{d}d.bin`.
    Vectors {
        /// Vector field index.
        field: usize,
        /// Dimension 1–3.
        dim: u8,
    },
}

/// An entry of the payload table: request path (no leading `/`), kind and uncompressed length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualFile {
    /// Request path without the leading `/`, e.g. `var/12.values.f32`.
    pub path: String,
    /// What to compute.
    pub kind: PayloadKind,
    /// Exact uncompressed body length (HEAD reports it without computing anything).
    pub len: u64,
}

/// Whether a refused payload is a gene or a continuous obs field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosisKind {
    /// A gene (`var/{g}.values.f32`).
    Gene,
    /// A continuous obs field (`obs/{i}.values.f32`).
    Field,
}

/// Counts of the values that make a continuous payload unpublishable (server.md §4.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonFiniteDiagnosis {
    /// Gene or field.
    pub kind: DiagnosisKind,
    /// Gene identifier or obs column name.
    pub name: String,
    /// Number of cells.
    pub total: u64,
    /// NaN count (reported; NaN alone refuses only when every value is NaN).
    pub nan: u64,
    /// +Inf count.
    pub positive_infinity: u64,
    /// −Inf count.
    pub negative_infinity: u64,
    /// Finite in the source, infinite in float32.
    pub float32_overflow: u64,
    /// Non-zero in the source, zero in float32.
    pub float32_underflow: u64,
    /// First ≤ 5 offending cell indices, ascending.
    pub examples: Vec<u64>,
}

/// Why a payload could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The values cannot be published (422 with the JSON diagnosis).
    #[error("{} '{}' cannot be published", match .0.kind { DiagnosisKind::Gene => "Gene", DiagnosisKind::Field => "Continuous obs field" }, .0.name)]
    NotFinite(NonFiniteDiagnosis),
    /// Anything else (500; the cause is logged).
    #[error("payload {path} could not be produced")]
    Failed {
        /// The request path.
        path: String,
        /// The underlying failure.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A dataset served as a virtual export. Implementations do the reading and arithmetic; the
/// server does routing, HEAD lengths, compression and caching.
///
/// `payload` is called from a blocking thread pool and may do I/O.
pub trait VirtualDataset: Send + Sync + 'static {
    /// The catalog entry (path must be `/`).
    fn catalog_entry(&self) -> CatalogEntry;
    /// What health and info report.
    fn summary(&self) -> SourceSummary;
    /// The JSON documents, already serialized (Python `json.dumps` form), keyed by request
    /// path: `dataset_identity.json`, `obs_manifest.json`, `var_manifest.json` and, with a
    /// graph, `connectivity_manifest.json`.
    fn documents(&self) -> Vec<(String, Bytes)>;
    /// The payload table.
    fn payloads(&self) -> Vec<VirtualFile>;
    /// Computes the uncompressed body of one payload (exactly `len` bytes).
    ///
    /// # Errors
    /// [`PayloadError::NotFinite`] for values that cannot be published, otherwise
    /// [`PayloadError::Failed`].
    fn payload(&self, file: &VirtualFile) -> Result<Bytes, PayloadError>;

    /// The uncompressed body of one payload and, when the implementation can make one more
    /// cheaply than deflating the body (for example straight from a sparse column), a gzip
    /// member of it. Called for requests that accept gzip; the default returns no member and
    /// the server compresses the body itself.
    ///
    /// # Errors
    /// As [`VirtualDataset::payload`].
    fn payload_with_gzip(
        &self,
        file: &VirtualFile,
    ) -> Result<(Bytes, Option<Bytes>), PayloadError> {
        Ok((self.payload(file)?, None))
    }
}

/// Renders the 422 body of server.md §4.8.
pub fn diagnosis_json(d: &NonFiniteDiagnosis) -> Bytes {
    let offending = d.nan
        + d.positive_infinity
        + d.negative_infinity
        + d.float32_overflow
        + d.float32_underflow;
    let mut parts = Vec::new();
    for (count, label) in [
        (d.nan, "NaN"),
        (d.positive_infinity, "+Inf"),
        (d.negative_infinity, "-Inf"),
        (d.float32_overflow, "beyond the float32 range"),
        (d.float32_underflow, "below the smallest float32"),
    ] {
        if count > 0 {
            parts.push(format!("{} {label}", thousands(count)));
        }
    }
    let examples: Vec<String> = d.examples.iter().map(|&e| thousands(e)).collect();
    let (kind, noun) = match d.kind {
        DiagnosisKind::Gene => ("gene", "Gene"),
        DiagnosisKind::Field => ("field", "Continuous obs field"),
    };
    let quoted = python_repr_str(&d.name);
    let remedy = match d.kind {
        DiagnosisKind::Gene => "Cellucid publishes finite float32 only, because a colour scale has no position for an infinity. Repair the matrix before serving or exporting it -- `adata.X.data[~np.isfinite(adata.X.data)] = 0` for a sparse matrix, `np.nan_to_num(adata.X, copy=False)` for a dense one.".to_string(),
        DiagnosisKind::Field => format!("Cellucid publishes finite float32 only, because a colour scale has no position for an infinity. Repair the column before serving or exporting it -- `adata.obs[{quoted}] = adata.obs[{quoted}].replace([np.inf, -np.inf], np.nan).fillna(0)` -- then reload."),
    };
    let message = format!(
        "{noun} {quoted} cannot be published: of {} cells, {}. First affected cell{}: {}{}. {remedy}",
        thousands(d.total),
        parts.join(", "),
        if d.examples.len() == 1 { "" } else { "s" },
        examples.join(", "),
        if offending > d.examples.len() as u64 { ", ..." } else { "" },
    );
    let body = serde_json::json!({
        "error": "non_finite_continuous_payload",
        "kind": kind,
        "name": d.name,
        "counts": {
            "total": d.total,
            "offending": offending,
            "nan": d.nan,
            "positive_infinity": d.positive_infinity,
            "negative_infinity": d.negative_infinity,
            "float32_overflow": d.float32_overflow,
            "float32_underflow": d.float32_underflow,
        },
        "examples": d.examples,
        "message": message,
    });
    Bytes::from(crate::pyjson::to_vec(&body).unwrap_or_default())
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Python `repr()` of a string (single quotes unless the text holds `'` and no `"`).
fn python_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7F => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnosis_matches_observed_body() {
        let d = NonFiniteDiagnosis {
            kind: DiagnosisKind::Gene,
            name: "PARK7".into(),
            total: 700,
            nan: 1,
            positive_infinity: 1,
            negative_infinity: 0,
            float32_overflow: 0,
            float32_underflow: 0,
            examples: vec![5, 6],
        };
        let expected = r#"{"error": "non_finite_continuous_payload", "kind": "gene", "name": "PARK7", "counts": {"total": 700, "offending": 2, "nan": 1, "positive_infinity": 1, "negative_infinity": 0, "float32_overflow": 0, "float32_underflow": 0}, "examples": [5, 6], "message": "Gene 'PARK7' cannot be published: of 700 cells, 1 NaN, 1 +Inf. First affected cells: 5, 6. Cellucid publishes finite float32 only, because a colour scale has no position for an infinity. Repair the matrix before serving or exporting it -- `adata.X.data[~np.isfinite(adata.X.data)] = 0` for a sparse matrix, `np.nan_to_num(adata.X, copy=False)` for a dense one."}"#;
        assert_eq!(
            std::str::from_utf8(&diagnosis_json(&d)).ok(),
            Some(expected)
        );
        assert_eq!(expected.len(), 617);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
