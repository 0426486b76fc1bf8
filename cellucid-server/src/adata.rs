//! Anndata mode's data side: an `.h5ad` file or Zarr store opened through `cellucid-adapter`,
//! mapped as server.md §4.6 describes with `cellucid-export`'s arithmetic, and served lazily as
//! a [`VirtualDataset`]: JSON documents and centroids at startup, genes, outliers and vectors on
//! request.

mod convert;
mod documents;
mod gene;
pub(crate) use gene::GZIP_LEVEL;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock, Weak};

use bytes::Bytes;
use cellucid_adapter::mapping::{self, Label, ObsFieldKind};
use cellucid_adapter::{AnnData, GeneMatrix, Graph, MatrixSource, SparseFormat};
use cellucid_export::checks::LabelMessageStyle;
use cellucid_export::math;
use cellucid_quant::{Bits, Bounds, Policy};

use crate::names::{display_text_problem, is_portable_component};
use crate::pyjson;
use crate::state::CatalogEntry;
use crate::virtual_dataset::{
    diagnosis_json, DiagnosisKind, PayloadError, PayloadKind, SourceFormat, SourceSummary,
    VirtualDataset, VirtualFile,
};
use convert::ConvertError;
use documents::FieldDoc;
use gene::{GeneBody, GeneEncoding};

/// Centroid parameters of the CLI (server.md §4.6.3).
const CENTROID_QUANTILE: f64 = 0.95;
const CENTROID_MIN_POINTS: usize = 10;

/// The flags of anndata mode (server.md §8).
#[derive(Debug, Clone, Default)]
pub struct AnnDataOptions {
    /// `--dataset-id` (portable component).
    pub dataset_id: String,
    /// `--dataset-name` (display text).
    pub dataset_name: String,
    /// `--obs-key` (in order), or every obs column.
    pub obs_keys: Option<Vec<String>>,
    /// `--latent-key`: obsm key for outlier quantiles.
    pub latent_key: Option<String>,
    /// `--connectivity`: serve `obsp['connectivities']`.
    pub connectivity: bool,
    /// `--vector-fields`.
    pub vector_fields: bool,
    /// `--vector-field-default`.
    pub vector_field_default: Option<String>,
    /// `--var-quantization 8|16` (an extension; the reference always serves float32): genes are
    /// served as `var/{g}.values.u8`/`.u16` codes with per-gene bounds in `var_manifest.json`,
    /// exactly as an export with that `var_quantization` writes them. The bounds need one pass
    /// over every gene at startup.
    pub var_quantization: Option<u32>,
}

/// Why an AnnData input cannot be served. Each message names the element and the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnnDataError {
    /// The file or store could not be opened.
    #[error(transparent)]
    Open(#[from] cellucid_adapter::OpenError),
    /// An element could not be read.
    #[error(transparent)]
    Read(#[from] cellucid_adapter::ReadError),
    /// The mapping refused the input (embeddings, obs keys, dtypes).
    #[error(transparent)]
    Mapping(#[from] mapping::MappingError),
    /// A flag or a value breaks a rule of server.md §4 (the message is the reference's).
    #[error("{0}")]
    Refused(String),
}

fn refused(message: impl Into<String>) -> AnnDataError {
    AnnDataError::Refused(message.into())
}

/// Refuses a graph of more than `max` edges: the viewer would refuse its manifest, so the
/// dataset would not load (viewer-contract.md §1.5; the reference server does not check).
fn check_edge_ceiling(n_edges: u64, n_cells: usize, max: u64) -> Result<(), String> {
    if n_edges <= max {
        return Ok(());
    }
    Err(format!(
        "its {n_edges} edges are more than the {max} the viewer holds for {n_cells} cells (44 bytes per edge, 48 up to 65,536 cells, plus 4 per cell under its 512 MiB working set), so the viewer would refuse the dataset. Serve a sparser graph (fewer neighbours), or serve without --connectivity."
    ))
}

enum ServedObs {
    Continuous {
        values: Vec<f32>,
    },
    Categorical {
        codes: Vec<i32>,
        wide: bool,
        members: Vec<Vec<usize>>,
    },
}

struct VectorField {
    /// (dim, obsm key, embedding scale)
    dims: Vec<(u8, String, f64)>,
}

/// An AnnData input served as a virtual export.
pub struct AnnDataDataset {
    adata: AnnData,
    entry: CatalogEntry,
    summary: SourceSummary,
    documents: Vec<(String, Bytes)>,
    files: Vec<VirtualFile>,
    n_cells: usize,
    points: BTreeMap<u8, Vec<f32>>,
    obs: Vec<(String, ServedObs)>,
    genes: Option<(GeneMatrix, Vec<String>)>,
    gene_encoding: GeneEncoding,
    /// Per-gene bounds of quantized genes (`None`: the gene cannot be published; served as 422).
    gene_bounds: Vec<Option<Bounds>>,
    edges: Option<math::Edges>,
    vectors: Vec<VectorField>,
    latent_key: Option<String>,
    latent: OnceLock<Result<(Vec<f32>, usize), String>>,
}

impl std::fmt::Debug for AnnDataDataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnnDataDataset")
            .field("id", &self.entry.id)
            .field("n_cells", &self.n_cells)
            .finish_non_exhaustive()
    }
}

impl AnnDataDataset {
    /// Opens `path` and builds everything the server needs before it binds (server.md §4.2).
    ///
    /// # Errors
    /// [`AnnDataError`] with the reference's refusal messages (§4.10).
    pub fn open(path: &Path, options: &AnnDataOptions) -> Result<Self, AnnDataError> {
        if !is_portable_component(&options.dataset_id) {
            return Err(refused(format!("dataset_id '{}' must be 1-180 ASCII bytes, start with an ASCII letter or digit, and otherwise contain only ASCII letters, digits, '.', '_', or '-'.", options.dataset_id)));
        }
        if let Some(problem) = display_text_problem(&options.dataset_name) {
            return Err(refused(format!("dataset_name is displayed verbatim, so it must not carry characters that have no glyph: {:?}: {problem}. Pass the exact text you want shown.", options.dataset_name)));
        }
        let gene_encoding = match options.var_quantization {
            None => GeneEncoding::Float32,
            Some(b) => GeneEncoding::Quantized(Bits::from_bits(b).ok_or_else(|| {
                refused(format!(
                    "--var-quantization {b} is not supported; use 8 or 16, or leave it out to serve float32 genes."
                ))
            })?),
        };
        if options.vector_field_default.is_some() && !options.vector_fields {
            return Err(refused("--vector-field-default selects among served vector fields, and vector fields are not being served. Add --vector-fields to serve them, or drop --vector-field-default."));
        }
        let is_dir = path.is_dir();
        let adata = AnnData::open(path)?;
        let n = adata.n_obs();
        if n == 0 {
            return Err(refused(
                "the AnnData has 0 cells; Cellucid needs at least one cell",
            ));
        }

        // Genes.
        let has_x = adata.backend().kind("X").ok().flatten().is_some();
        let genes = if has_x {
            // The server caches encoded payloads itself (byte-bounded by `--cache-mb`); a second
            // cache of decoded genes in the adapter would only double the memory. Column
            // stripes of a dense X stay on for the start-up bounds pass (genes in order) and
            // are turned off below for serving.
            let matrix = adata.matrix(MatrixSource::X)?.with_cache_bytes(0);
            let names = adata.var_names()?;
            let mut seen = std::collections::HashSet::new();
            for name in &names {
                if let Some(problem) = display_text_problem(name) {
                    return Err(refused(format!(
                        "var index key {name:?} cannot be displayed: {problem}. Rename the gene."
                    )));
                }
                if !seen.insert(name.as_str()) {
                    return Err(refused(format!("var index key '{name}' is duplicated.")));
                }
            }
            Some((matrix, names))
        } else {
            None
        };
        let gene_bounds = match (&genes, gene_encoding) {
            (Some((matrix, names)), GeneEncoding::Quantized(_)) => gene_bounds(matrix, names)?,
            _ => Vec::new(),
        };
        // Served genes are asked for at random: no column stripes of a dense X (each concurrent
        // request would hold one, rarely reused).
        let genes = genes.map(|(matrix, names)| (matrix.with_stripe_cache_bytes(0), names));

        // Obs fields.
        let fields = mapping::obs_fields(&adata, options.obs_keys.as_deref())?;
        let mut obs = Vec::with_capacity(fields.len());
        let mut labels_of: Vec<Option<Vec<Label>>> = Vec::with_capacity(fields.len());
        let mut seen_keys = std::collections::HashSet::new();
        for field in fields {
            if let Some(problem) = display_text_problem(&field.key) {
                return Err(refused(format!("obs field {:?} cannot be displayed: {problem}. Rename the column or leave it out with --obs-key.", field.key)));
            }
            if !seen_keys.insert(field.key.clone()) {
                return Err(refused(format!(
                    "obs field '{}' is listed twice.",
                    field.key
                )));
            }
            match field.kind {
                ObsFieldKind::Continuous(values) => {
                    let values =
                        convert::to_f32(&values, Policy::default()).map_err(|e| match e {
                            ConvertError::Refused(q) => {
                                match convert::diagnosis(DiagnosisKind::Field, &field.key, n, &q) {
                                    Some(d) => refused(diagnosis_message(&d)),
                                    None => {
                                        refused(format!("Continuous obs field '{}' {q}", field.key))
                                    }
                                }
                            }
                            ConvertError::NotNumeric => {
                                refused(format!("obs field '{}' is not numeric", field.key))
                            }
                        })?;
                    obs.push((field.key, ServedObs::Continuous { values }));
                    labels_of.push(None);
                }
                ObsFieldKind::Categorical { labels, codes } => {
                    check_labels(&field.key, &labels)?;
                    let members = math::members_by_category(
                        codes.iter().map(|&c| usize::try_from(c).ok()),
                        labels.len(),
                    )
                    .map_err(|e| refused(format!("obs field '{}': {e}", field.key)))?;
                    obs.push((
                        field.key,
                        ServedObs::Categorical {
                            codes,
                            wide: labels.len() > 255,
                            members,
                        },
                    ));
                    labels_of.push(Some(labels));
                }
            }
        }

        // Embeddings.
        let embedding_keys = mapping::resolve_embeddings(&adata)?;
        let mut normalised: BTreeMap<u8, math::NormalisedEmbedding> = BTreeMap::new();
        for (&dim, key) in &embedding_keys {
            let m = adata.obsm(key)?;
            if m.n_rows != n || m.n_cols != usize::from(dim) {
                return Err(refused(format!(
                    "embedding adata.obsm['{key}'] has shape ({}, {}); expected ({n}, {dim})",
                    m.n_rows, m.n_cols
                )));
            }
            let values = convert::strict_f64(&m.values).map_err(|_| refused(format!("embedding adata.obsm['{key}'] must be numeric, finite and representable in float32")))?;
            let e = math::normalise_embedding(&values, usize::from(dim))
                .map_err(|e| refused(format!("embedding adata.obsm['{key}'] {e}")))?;
            normalised.insert(dim, e);
        }
        let dims: Vec<u8> = normalised.keys().copied().collect();

        // Vector fields.
        let mut vectors: Vec<(String, VectorField)> = Vec::new();
        if options.vector_fields {
            for vk in mapping::vector_fields(&adata) {
                let Some(embedding) = normalised.get(&vk.dim) else {
                    return Err(refused(format!(
                        "Vector field '{}' requires a matching {}D embedding.",
                        vk.key, vk.dim
                    )));
                };
                let (rows, cols, _) = adata.obsm_shape(&vk.key)?;
                if rows != n || cols != usize::from(vk.dim) {
                    return Err(refused(format!("Vector field adata.obsm['{}'] has shape ({rows}, {cols}); expected ({n}, {})", vk.key, vk.dim)));
                }
                let m = adata.obsm(&vk.key)?;
                let values = convert::strict_f64(&m.values).map_err(|_| refused(format!("Vector field adata.obsm['{}'] must be numeric, finite and representable in float32", vk.key)))?;
                math::scale_vectors(&values, usize::from(vk.dim), embedding.scale)
                    .map_err(|e| refused(format!("Vector field adata.obsm['{}']: {e}", vk.key)))?;
                match vectors.iter_mut().find(|(id, _)| *id == vk.field) {
                    Some((_, field)) => field.dims.push((vk.dim, vk.key.clone(), embedding.scale)),
                    None => vectors.push((
                        vk.field.clone(),
                        VectorField {
                            dims: vec![(vk.dim, vk.key.clone(), embedding.scale)],
                        },
                    )),
                }
            }
            vectors.sort_by(|a, b| a.0.cmp(&b.0));
        }
        let vector_default = match (&options.vector_field_default, vectors.len()) {
            (Some(default), _) => {
                if !vectors.iter().any(|(id, _)| id == default) {
                    let ids: Vec<&str> = vectors.iter().map(|(id, _)| id.as_str()).collect();
                    return Err(refused(format!("vector_field_default '{default}' is not a served vector field; served: {ids:?}")));
                }
                Some(default.clone())
            }
            (None, 0) => None,
            (None, 1) => vectors.first().map(|(id, _)| id.clone()),
            (None, _) => return Err(refused("Two or more vector fields are served; choose the default one with --vector-field-default.")),
        };

        // Connectivity.
        let edges = if options.connectivity {
            if !adata.obsp_keys().iter().any(|k| k == "connectivities") {
                return Err(refused("Connectivity was asked for, and adata.obsp has no 'connectivities' matrix to serve. Compute the neighbor graph with sc.pp.neighbors(adata) before serving, or serve without asking for connectivity."));
            }
            let invalid = |reason: String| {
                refused(format!("Invalid adata.obsp['connectivities']; the direct server was not initialized: {reason}"))
            };
            let max_edges = cellucid_format::limits::max_edges(n as u64);
            // A graph that passes the checks below stores each edge twice: refuse one with too
            // many stored entries before reading it.
            if let Some(stored) = adata.obsp_stored_entries("connectivities")? {
                check_edge_ceiling(stored / 2, n, max_edges).map_err(invalid)?;
            }
            let edges = match adata.obsp("connectivities")? {
                Graph::Sparse(sm) => {
                    if sm.n_rows != n || sm.n_cols != n {
                        return Err(invalid(format!(
                            "shape ({}, {}) is not ({n}, {n})",
                            sm.n_rows, sm.n_cols
                        )));
                    }
                    let _ = SparseFormat::Csr; // CSC is passed as the CSR of its transpose (symmetric)
                    let weights = convert::weights_f64(&sm.data);
                    drop(sm.data);
                    math::edges_from_csr(n, &sm.indptr, &sm.indices, &weights)
                }
                Graph::Dense(m) => {
                    if m.n_rows != n || m.n_cols != n {
                        return Err(invalid(format!(
                            "shape ({}, {}) is not ({n}, {n})",
                            m.n_rows, m.n_cols
                        )));
                    }
                    math::edges_from_dense(n, &convert::weights_f64(&m.values))
                }
            };
            let edges = edges.map_err(|e| invalid(e.to_string()))?;
            check_edge_ceiling(edges.n_edges() as u64, n, max_edges).map_err(invalid)?;
            Some(edges)
        } else {
            None
        };

        // Latent key.
        if let Some(key) = &options.latent_key {
            if !adata.obsm_keys().iter().any(|k| k == key) {
                return Err(refused(format!(
                    "latent_key '{key}' was not found in adata.obsm"
                )));
            }
        }

        // Documents (centroids for every categorical field × dimension).
        let field_docs: Vec<FieldDoc<'_>> = obs
            .iter()
            .zip(&labels_of)
            .enumerate()
            .map(|(index, ((key, served), labels))| match (served, labels) {
                (ServedObs::Categorical { members, .. }, Some(labels)) => {
                    let centroids = normalised
                        .iter()
                        .map(|(&dim, e)| {
                            let list = math::field_centroids(
                                &e.coords,
                                usize::from(dim),
                                members,
                                CENTROID_QUANTILE,
                                CENTROID_MIN_POINTS,
                            )
                            .into_iter()
                            .map(|c| (c.code, c.centroid.position, c.centroid.n_points))
                            .collect();
                            (dim, list)
                        })
                        .collect();
                    FieldDoc::Categorical {
                        index,
                        key,
                        labels,
                        centroids,
                    }
                }
                _ => FieldDoc::Continuous { index, key },
            })
            .collect();
        let n_genes_served = genes.as_ref().map_or(0, |(_, names)| names.len());
        let created_at = cellucid_export::checks::now_utc();
        let vector_summary: Vec<(String, Vec<u8>)> = vectors
            .iter()
            .map(|(id, f)| (id.clone(), f.dims.iter().map(|d| d.0).collect()))
            .collect();
        let identity = documents::identity(
            &documents::IdentityDoc {
                id: &options.dataset_id,
                name: &options.dataset_name,
                created_at: &created_at,
                n_cells: n,
                n_genes: n_genes_served,
                n_edges: edges.as_ref().map(math::Edges::n_edges),
                dims: &dims,
                source_name: if is_dir { "Zarr store" } else { "H5AD file" },
                vectors: &vector_summary,
                vector_default: vector_default.as_deref(),
            },
            &field_docs,
        );
        let obs_doc = documents::obs_manifest(n, options.latent_key.as_deref(), &field_docs);
        drop(field_docs);
        let empty: Vec<String> = Vec::new();
        let var_doc = documents::var_manifest(
            n,
            genes.as_ref().map_or(&empty, |(_, names)| names),
            gene_encoding,
            &gene_bounds,
        )
        .map_err(|e| refused(format!("var_manifest.json could not be built: {e}")))?;
        let encode = |v: &serde_json::Value| {
            pyjson::to_vec(v)
                .map(Bytes::from)
                .map_err(|e| refused(format!("a JSON document could not be serialized: {e}")))
        };
        let mut docs = vec![
            ("dataset_identity.json".to_string(), encode(&identity)?),
            ("obs_manifest.json".to_string(), encode(&obs_doc)?),
            ("var_manifest.json".to_string(), encode(&var_doc)?),
        ];
        if let Some(e) = &edges {
            docs.push((
                "connectivity_manifest.json".into(),
                encode(&documents::connectivity_manifest(
                    n,
                    e.n_edges(),
                    e.max_neighbors,
                ))?,
            ));
        }

        // Payload table.
        let n64 = n as u64;
        let mut files = Vec::new();
        for &dim in &dims {
            files.push(VirtualFile {
                path: format!("points_{dim}d.bin"),
                kind: PayloadKind::Points { dim },
                len: n64 * u64::from(dim) * 4,
            });
        }
        for (i, (_, served)) in obs.iter().enumerate() {
            match served {
                ServedObs::Continuous { .. } => files.push(VirtualFile {
                    path: format!("obs/{i}.values.f32"),
                    kind: PayloadKind::ObsValues { field: i },
                    len: n64 * 4,
                }),
                ServedObs::Categorical { wide, .. } => {
                    let (ext, width) = if *wide { ("u16", 2) } else { ("u8", 1) };
                    files.push(VirtualFile {
                        path: format!("obs/{i}.codes.{ext}"),
                        kind: PayloadKind::ObsCodes { field: i },
                        len: n64 * width,
                    });
                    if options.latent_key.is_some() {
                        files.push(VirtualFile {
                            path: format!("obs/{i}.outliers.f32"),
                            kind: PayloadKind::Outliers { field: i },
                            len: n64 * 4,
                        });
                    }
                }
            }
        }
        for g in 0..n_genes_served {
            files.push(VirtualFile {
                path: format!("var/{g}.values.{}", gene_encoding.ext()),
                kind: PayloadKind::Gene { index: g },
                len: n64 * gene_encoding.width(),
            });
        }
        if let Some(e) = &edges {
            let m = e.n_edges() as u64;
            let ib = e.index_bytes() as u64;
            files.push(VirtualFile {
                path: "connectivity/edges.src.bin".into(),
                kind: PayloadKind::EdgeSources,
                len: m * ib,
            });
            files.push(VirtualFile {
                path: "connectivity/edges.dst.bin".into(),
                kind: PayloadKind::EdgeDestinations,
                len: m * ib,
            });
            files.push(VirtualFile {
                path: "connectivity/edges.weights.f64.bin".into(),
                kind: PayloadKind::EdgeWeights,
                len: m * 8,
            });
        }
        for (v, (_, field)) in vectors.iter().enumerate() {
            for (dim, _, _) in &field.dims {
                files.push(VirtualFile {
                    path: format!("vectors/{v}_{dim}d.bin"),
                    kind: PayloadKind::Vectors {
                        field: v,
                        dim: *dim,
                    },
                    len: n64 * u64::from(*dim) * 4,
                });
            }
        }

        let points = normalised.iter().map(|(&d, e)| (d, e.to_f32())).collect();
        let summary = SourceSummary {
            format: if is_dir {
                SourceFormat::Zarr
            } else {
                SourceFormat::H5ad
            },
            is_backed: !is_dir,
            n_cells: n64,
            n_genes: adata.n_vars() as u64,
        };
        Ok(Self {
            entry: CatalogEntry {
                id: options.dataset_id.clone(),
                path: "/".into(),
                name: options.dataset_name.clone(),
                state_sha256: None,
            },
            summary,
            documents: docs,
            files,
            n_cells: n,
            points,
            obs,
            genes,
            gene_encoding,
            gene_bounds,
            edges,
            vectors: vectors.into_iter().map(|(_, f)| f).collect(),
            latent_key: options.latent_key.clone(),
            latent: OnceLock::new(),
            adata,
        })
    }

    fn latent(&self) -> Result<&(Vec<f32>, usize), String> {
        self.latent
            .get_or_init(|| {
                let key = self.latent_key.as_deref().ok_or("no latent key")?;
                let m = self.adata.obsm(key).map_err(|e| e.to_string())?;
                if m.n_rows != self.n_cells || m.n_cols == 0 {
                    return Err(format!(
                        "latent adata.obsm['{key}'] has shape ({}, {}); expected {} rows",
                        m.n_rows, m.n_cols, self.n_cells
                    ));
                }
                let values = convert::to_f32(&m.values, Policy::strict()).map_err(|_| {
                    format!("latent adata.obsm['{key}'] must be finite and float32-representable")
                })?;
                Ok((values, m.n_cols))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Gene `index` encoded as served, with a gzip member when one is cheap to build.
    fn gene(
        &self,
        file: &VirtualFile,
        index: usize,
        want_gzip: bool,
    ) -> Result<GeneBody, PayloadError> {
        let fail = |source: Box<dyn std::error::Error + Send + Sync>| PayloadError::Failed {
            path: file.path.clone(),
            source,
        };
        let (matrix, names) = self
            .genes
            .as_ref()
            .ok_or_else(|| fail("no expression matrix".into()))?;
        let column = matrix.gene(index).map_err(|e| fail(Box::new(e)))?;
        match gene::encode(&column, self.gene_encoding, want_gzip) {
            Ok(body) => {
                if let GeneEncoding::Quantized(_) = self.gene_encoding {
                    let declared = self.gene_bounds.get(index).copied().flatten();
                    if body.bounds != declared {
                        let name = names.get(index).map_or("", String::as_str);
                        return Err(fail(format!("gene {index} ('{name}') now has bounds {:?}, but var_manifest.json declared {declared:?}; the input changed after the server started: restart the server", body.bounds).into()));
                    }
                }
                Ok(body)
            }
            Err(ConvertError::Refused(q)) => {
                let name = names.get(index).map_or("", String::as_str);
                match convert::diagnosis(DiagnosisKind::Gene, name, self.n_cells, &q) {
                    Some(d) => Err(PayloadError::NotFinite(d)),
                    None => Err(fail(Box::new(q))),
                }
            }
            Err(ConvertError::NotNumeric) => {
                Err(fail("the expression matrix is not numeric".into()))
            }
        }
    }

    /// Builds the CSR column index on a background thread, so that the first gene request
    /// does not pay for it (server.md §9.3 B3). Requests that arrive earlier wait for it.
    fn build_gene_index_in_background(self: &Arc<Self>) {
        if self.genes.is_none() {
            return;
        }
        let weak: Weak<Self> = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("cellucid-gene-index".into())
            .spawn(move || {
                let Some(dataset) = weak.upgrade() else {
                    return;
                };
                let Some((matrix, _)) = dataset.genes.as_ref() else {
                    return;
                };
                let started = std::time::Instant::now();
                match matrix.build_column_index() {
                    Ok(()) => tracing::info!(
                        seconds = started.elapsed().as_secs_f64(),
                        "gene column index ready"
                    ),
                    Err(error) => tracing::warn!(%error, "building the gene column index failed; gene requests will retry and report it"),
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "could not start the gene index thread; the first gene request will build the index");
        }
    }
}

/// The bounds of every gene for a quantized var manifest: one pass over the genes on all cores.
/// A gene that cannot be published (±Inf, all missing) gets `None`: it is served as the 422
/// diagnosis, like a float32 gene, and its manifest entry carries the bounds `0.0, 0.0`.
fn gene_bounds(matrix: &GeneMatrix, names: &[String]) -> Result<Vec<Option<Bounds>>, AnnDataError> {
    matrix.build_column_index()?;
    let n_genes = names.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 8);
    let per_thread = n_genes.div_ceil(threads).max(1);
    let chunks: Vec<Result<Vec<Option<Bounds>>, AnnDataError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n_genes)
            .step_by(per_thread)
            .map(|start| {
                scope.spawn(move || {
                    (start..(start + per_thread).min(n_genes))
                        .map(|g| {
                            let column = matrix.gene(g)?;
                            Ok(gene::bounds(&column))
                        })
                        .collect::<Result<Vec<_>, AnnDataError>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(refused("a gene bounds thread panicked")))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(n_genes);
    for chunk in chunks {
        out.extend(chunk?);
    }
    let refused_genes: Vec<&str> = out
        .iter()
        .zip(names)
        .filter(|(b, _)| b.is_none())
        .map(|(_, name)| name.as_str())
        .collect();
    if !refused_genes.is_empty() {
        tracing::warn!(count = refused_genes.len(), first = ?refused_genes.iter().take(5).collect::<Vec<_>>(), "genes with ±Inf or no finite value are listed with bounds 0.0, 0.0 and answered with 422");
    }
    Ok(out)
}

/// The reference's startup message for a continuous field that cannot be published.
fn diagnosis_message(d: &crate::virtual_dataset::NonFiniteDiagnosis) -> String {
    let body = diagnosis_json(d);
    serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| format!("Continuous obs field '{}' cannot be published", d.name))
}

/// Category label rules of server.md §4.6.2 (at most 65 535 categories; the label rules are the
/// exporter's, worded as the server's messages).
fn check_labels(key: &str, labels: &[Label]) -> Result<(), AnnDataError> {
    if labels.len() > 65_535 {
        return Err(refused(format!("Categorical field '{key}' has {} categories; the current contract supports at most 65,535", labels.len())));
    }
    cellucid_export::checks::category_labels(labels)
        .map(drop)
        .map_err(|problem| refused(problem.message(key, LabelMessageStyle::Server)))
}

impl VirtualDataset for AnnDataDataset {
    fn catalog_entry(&self) -> CatalogEntry {
        self.entry.clone()
    }

    fn summary(&self) -> SourceSummary {
        self.summary.clone()
    }

    fn documents(&self) -> Vec<(String, Bytes)> {
        self.documents.clone()
    }

    fn payloads(&self) -> Vec<VirtualFile> {
        self.files.clone()
    }

    fn payload_with_gzip(
        &self,
        file: &VirtualFile,
    ) -> Result<(Bytes, Option<Bytes>), PayloadError> {
        match file.kind {
            PayloadKind::Gene { index } => {
                let body = self.gene(file, index, true)?;
                Ok((Bytes::from(body.identity), body.gzip.map(Bytes::from)))
            }
            _ => Ok((self.payload(file)?, None)),
        }
    }

    fn payload(&self, file: &VirtualFile) -> Result<Bytes, PayloadError> {
        let fail = |message: String| PayloadError::Failed {
            path: file.path.clone(),
            source: message.into(),
        };
        let bytes = match file.kind {
            PayloadKind::Points { dim } => convert::f32_le(
                self.points
                    .get(&dim)
                    .ok_or_else(|| fail("no such dimension".into()))?,
            ),
            PayloadKind::ObsValues { field } => match self.obs.get(field) {
                Some((_, ServedObs::Continuous { values })) => convert::f32_le(values),
                _ => return Err(fail("not a continuous field".into())),
            },
            PayloadKind::ObsCodes { field } => match self.obs.get(field) {
                Some((_, ServedObs::Categorical { codes, wide, .. })) => codes_le(codes, *wide),
                _ => return Err(fail("not a categorical field".into())),
            },
            PayloadKind::Outliers { field } => match self.obs.get(field) {
                Some((_, ServedObs::Categorical { members, .. })) => {
                    let (latent, k) = self.latent().map_err(fail)?;
                    let q = math::latent_outlier_quantiles(
                        latent,
                        self.n_cells,
                        *k,
                        members,
                        CENTROID_MIN_POINTS,
                    )
                    .map_err(|e| fail(e.to_string()))?;
                    convert::f32_le(&q)
                }
                _ => return Err(fail("not a categorical field".into())),
            },
            PayloadKind::Gene { index } => self.gene(file, index, false)?.identity,
            PayloadKind::EdgeSources | PayloadKind::EdgeDestinations => {
                let e = self.edges.as_ref().ok_or_else(|| fail("no graph".into()))?;
                let ids = if file.kind == PayloadKind::EdgeSources {
                    &e.src
                } else {
                    &e.dst
                };
                index_le(ids, e.index_bytes())
            }
            PayloadKind::EdgeWeights => {
                let e = self.edges.as_ref().ok_or_else(|| fail("no graph".into()))?;
                e.weights.iter().flat_map(|w| w.to_le_bytes()).collect()
            }
            PayloadKind::Vectors { field, dim } => {
                let (_, key, scale) = self
                    .vectors
                    .get(field)
                    .and_then(|f| f.dims.iter().find(|(d, _, _)| *d == dim))
                    .ok_or_else(|| fail("no such vector field".into()))?;
                let m = self.adata.obsm(key).map_err(|e| fail(e.to_string()))?;
                let values = convert::strict_f64(&m.values)
                    .map_err(|_| fail(format!("adata.obsm['{key}'] is not finite float32")))?;
                convert::f32_le(
                    &math::scale_vectors(&values, usize::from(dim), *scale)
                        .map_err(|e| fail(e.to_string()))?,
                )
            }
        };
        Ok(Bytes::from(bytes))
    }
}

fn codes_le(codes: &[i32], wide: bool) -> Vec<u8> {
    if wide {
        codes
            .iter()
            .flat_map(|&c| u16::try_from(c).unwrap_or(u16::MAX).to_le_bytes())
            .collect()
    } else {
        codes
            .iter()
            .map(|&c| u8::try_from(c).unwrap_or(u8::MAX))
            .collect()
    }
}

fn index_le(ids: &[u32], width: usize) -> Vec<u8> {
    if width == 2 {
        ids.iter()
            .flat_map(|&i| u16::try_from(i).unwrap_or(u16::MAX).to_le_bytes())
            .collect()
    } else {
        ids.iter().flat_map(|&i| i.to_le_bytes()).collect()
    }
}

/// Opens an AnnData input and wraps it for [`crate::ServerBuilder::virtual_dataset`]. The
/// column index of a CSR `X` is then built on a background thread, so the server can bind at
/// once and the first gene request does not pay for the index — except with
/// `--var-quantization`, where the manifest needs every gene's bounds: the index is built and
/// every gene read before the server binds.
///
/// # Errors
/// See [`AnnDataDataset::open`].
pub fn open_anndata(
    path: &Path,
    options: &AnnDataOptions,
) -> Result<Arc<dyn VirtualDataset>, AnnDataError> {
    let dataset = Arc::new(AnnDataDataset::open(path, options)?);
    dataset.build_gene_index_in_background();
    Ok(dataset)
}

#[cfg(test)]
mod tests {
    use super::check_edge_ceiling;

    #[test]
    fn graphs_past_the_viewer_edge_ceiling_are_refused() {
        assert!(check_edge_ceiling(5, 10, 5).is_ok());
        assert!(check_edge_ceiling(0, 10, 0).is_ok());
        let reason = check_edge_ceiling(6, 10, 5).expect_err("refused");
        for part in [
            "6 edges",
            "the 5 the viewer holds for 10 cells",
            "--connectivity",
        ] {
            assert!(reason.contains(part), "{part:?} not in {reason}");
        }
        // The limit the server passes: the viewer contract's ~12 M edges at 1M cells.
        assert_eq!(cellucid_format::limits::max_edges(1_000_000), 12_110_702);
    }
}
