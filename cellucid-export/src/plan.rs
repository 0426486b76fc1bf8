//! The validated plan of an export: every input read and checked, every payload except the genes
//! encoded, before the first byte is written (format.md §21.2).

pub(crate) mod arrays;
mod genes;
mod limits;
pub(crate) mod obs;
mod vectors;

use std::collections::BTreeMap;

use cellucid_format::{Category, Centroid, ValueBounds};
use cellucid_quant::Bits;

use crate::checks::{check_options, display_text_problem};
use crate::error::ExportError;
use crate::events::{ExportEvents, Stage, Warning};
use crate::math::{self, CodesWidth, Edges, NormalisedEmbedding};
use crate::options::{CategoricalDtype, ExportOptions};
use crate::source::{ExportSource, Graph, ObsColumn, Values};

pub(crate) use arrays::numeric;
use obs::Encoded;

/// The viewer's per-payload ceiling (512 MiB decoded).
pub const PAYLOAD_CEILING: u64 = cellucid_format::limits::MAX_PAYLOAD_BYTES;
/// Warn above this many categories.
pub const MANY_CATEGORIES: usize = 1_000;
/// Warn above this many edges.
pub const MANY_EDGES: usize = 10_000_000;

/// One planned obs field.
#[derive(Debug, Clone)]
pub(crate) enum PlannedObs {
    Continuous {
        key: String,
        encoded: Encoded,
    },
    Categorical {
        key: String,
        categories: Vec<Category>,
        codes: Vec<i32>,
        outliers: Encoded,
        centroids: BTreeMap<String, Vec<Centroid>>,
    },
}

/// The genes to export.
#[derive(Debug, Clone)]
pub(crate) struct PlannedGenes {
    /// Exported names, in payload order.
    pub names: Vec<String>,
    /// Source gene index of each exported gene.
    pub indices: Vec<usize>,
}

/// One vector field: id and stored values per dimension (ascending).
#[derive(Debug, Clone)]
pub(crate) struct PlannedVectorField {
    pub field: String,
    pub dims: Vec<(u8, Vec<f32>)>,
}

/// A checked export, ready to be written.
#[derive(Debug)]
pub struct Plan {
    pub(crate) options: ExportOptions,
    pub(crate) n_cells: usize,
    pub(crate) embeddings: Vec<(u8, NormalisedEmbedding)>,
    pub(crate) edges: Option<Edges>,
    pub(crate) obs: Vec<PlannedObs>,
    pub(crate) codes_width: CodesWidth,
    pub(crate) genes: Option<PlannedGenes>,
    pub(crate) vectors: Vec<PlannedVectorField>,
    pub(crate) vector_default: Option<String>,
    pub(crate) warnings: Vec<Warning>,
}

/// The outcome of [`Plan::build_deferring_refusal`].
pub(crate) enum Planned {
    /// Every pre-flight check passed.
    Ready(Plan),
    /// Every check passed but the all-missing outlier refusal; the plan is complete enough to
    /// check the genes, and must not be written.
    Refused {
        /// The plan.
        plan: Plan,
        /// [`ExportError::AllMissingOutliers`].
        refusal: ExportError,
    },
}

/// What a plan will write, for `--dry-run` and summaries.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanSummary {
    /// Number of cells.
    pub n_cells: usize,
    /// Embedding dimensions.
    pub dimensions: Vec<u8>,
    /// Continuous obs fields.
    pub n_continuous: usize,
    /// Categorical obs fields.
    pub n_categorical: usize,
    /// Exported genes (`None` without an expression matrix).
    pub n_genes: Option<usize>,
    /// Edges (`None` without a graph).
    pub n_edges: Option<usize>,
    /// Vector field ids.
    pub vector_fields: Vec<String>,
    /// The resolved codes width.
    pub codes_dtype: &'static str,
    /// Every file that will be written, relative to the export folder, with its decoded size.
    pub files: Vec<(String, u64)>,
}

impl Plan {
    /// Reads and checks every input in the order of format.md §21.2 and encodes every payload
    /// except the genes (whose names and selection are checked here, and whose values are
    /// checked as they are written into the staging folder).
    ///
    /// # Errors
    /// The first [`ExportError`] found.
    pub fn build(
        source: &dyn ExportSource,
        options: &ExportOptions,
        events: &dyn ExportEvents,
    ) -> Result<Self, ExportError> {
        match Self::build_deferring_refusal(source, options, events)? {
            Planned::Ready(plan) => Ok(plan),
            Planned::Refused { refusal, .. } => Err(refusal),
        }
    }

    /// [`Plan::build`], except that the all-missing outlier refusal (the last pre-flight check,
    /// format.md §21.2 item 11) comes back beside the plan instead of as the error: the
    /// reference checks every gene *before* raising it, so the exporter checks the genes of the
    /// returned plan first (see `run::export`).
    ///
    /// # Errors
    /// The first [`ExportError`] found before that refusal.
    pub(crate) fn build_deferring_refusal(
        source: &dyn ExportSource,
        options: &ExportOptions,
        events: &dyn ExportEvents,
    ) -> Result<Planned, ExportError> {
        check_options(options)?;
        events.stage_started(Stage::Plan, 0);
        let n_cells = source.n_cells();
        // 2. Embeddings (type, finiteness, float32 range, shape, same n).
        let keys = if options.embeddings.is_empty() {
            source.default_embeddings()?
        } else {
            options.embeddings.clone()
        };
        let mut raw_embeddings = Vec::new();
        for (&dim, key) in &keys {
            if !(1..=3).contains(&dim) {
                return Err(ExportError::option(
                    "embeddings",
                    format!("dimension {dim} (key '{key}') must be 1, 2 or 3"),
                ));
            }
            limits::check_positions(key, dim, n_cells)?;
            let what = format!("embedding '{key}' ({dim}-D)");
            let m = source.obsm(key)?;
            arrays::check_shape(&what, &m, n_cells, Some(usize::from(dim)))?;
            raw_embeddings.push((dim, key.clone(), arrays::strict_f64(&what, &m.values)?));
        }
        if n_cells == 0 {
            return Err(ExportError::Array {
                what: "obs".into(),
                message: "has 0 cells; an export needs at least one cell".into(),
            });
        }
        // 3. Connectivity.
        let mut warnings = Vec::new();
        let edges = match &options.connectivities_key {
            Some(key) => {
                let max = limits::max_graph_edges(n_cells);
                let mut keep = |n_edges: u64| {
                    limits::keep_graph(
                        key,
                        n_edges,
                        n_cells,
                        max,
                        options.oversized_graph,
                        &mut warnings,
                    )
                };
                // A graph the export accepts stores each edge twice (symmetric, no diagonal, no
                // stored zeros): this many stored entries are too many whatever the rest, so
                // the graph is not even read.
                match source.obsp_stored_entries(key)? {
                    Some(stored) if stored / 2 > max => {
                        keep(stored / 2)?;
                        None
                    }
                    _ => {
                        let edges = graph_edges(source, key, n_cells)?;
                        keep(edges.n_edges() as u64)?.then_some(edges)
                    }
                }
            }
            None => None,
        };
        // 4. Normalisation.
        let mut embeddings = Vec::new();
        for (dim, key, values) in raw_embeddings {
            let n = math::normalise_embedding(&values, usize::from(dim))
                .map_err(|source| ExportError::Embedding { key, dim, source })?;
            embeddings.push((dim, n));
        }
        // 5. Latent space.
        let latent_key = options.latent_key.as_deref().ok_or_else(|| {
            ExportError::option("latent_key", "a latent space is required for the outlier quantiles; name its obsm key (e.g. 'X_pca')")
        })?;
        let what = format!("latent space '{latent_key}'");
        let latent = source.obsm(latent_key)?;
        arrays::check_shape(&what, &latent, n_cells, None)?;
        let latent_k = latent.n_cols;
        let latent = arrays::strict_f32(&what, latent.values)?;
        // 7. obs keys.
        let obs_keys = match &options.obs_keys {
            Some(keys) => keys.clone(),
            None => source.obs_keys(),
        };
        check_obs_keys(&obs_keys)?;
        // 8. Per obs field.
        let obs_bits = options
            .obs_continuous_quantization
            .and_then(Bits::from_bits);
        let explicit_width = match options.obs_categorical_dtype {
            CategoricalDtype::Auto => None,
            CategoricalDtype::Uint8 => Some(CodesWidth::U8),
            CategoricalDtype::Uint16 => Some(CodesWidth::U16),
        };
        let mut obs = Vec::with_capacity(obs_keys.len());
        let mut all_missing_outliers = Vec::new();
        for key in &obs_keys {
            let planned = match source.obs_column(key)? {
                ObsColumn::Continuous(values) => {
                    if values.len() != n_cells {
                        return Err(ExportError::obs(
                            key,
                            format!("has {} rows, expected {n_cells}", values.len()),
                        ));
                    }
                    let encoded =
                        obs::encode_continuous(&values, obs_bits).map_err(|e| match e {
                            obs::EncodeError::Boolean => {
                                ExportError::obs(key, "is boolean but was classified as continuous")
                            }
                            obs::EncodeError::Quant(q) => ExportError::ObsField {
                                key: key.clone(),
                                message: format!("Continuous obs field '{key}' {q}"),
                            },
                        })?;
                    PlannedObs::Continuous {
                        key: key.clone(),
                        encoded,
                    }
                }
                ObsColumn::Categorical { labels, codes } => {
                    if codes.len() != n_cells {
                        return Err(ExportError::obs(
                            key,
                            format!("has {} rows, expected {n_cells}", codes.len()),
                        ));
                    }
                    let categories = obs::categories(key, &labels)?;
                    math::resolve_codes_width(explicit_width, [(key.as_str(), categories.len())])?;
                    if categories.len() > MANY_CATEGORIES {
                        warnings.push(Warning::ManyCategories {
                            key: key.clone(),
                            n_categories: categories.len(),
                        });
                    }
                    let members = obs::members(key, &codes, categories.len())?;
                    let quantiles = math::latent_outlier_quantiles(
                        &latent,
                        n_cells,
                        latent_k,
                        &members,
                        options.centroid_min_points,
                    )
                    .map_err(|e| ExportError::Internal(e.to_string()))?;
                    let outliers = match obs::encode_slice(&quantiles, obs_bits) {
                        Ok(e) => e,
                        Err(obs::EncodeError::Quant(cellucid_quant::QuantError::AllMissing {
                            ..
                        })) => {
                            all_missing_outliers.push(key.clone());
                            Encoded {
                                bytes: Vec::new(),
                                bounds: Some(ValueBounds { min: 0.0, max: 0.0 }),
                            }
                        }
                        Err(_) => {
                            return Err(ExportError::Internal(format!(
                                "outlier quantiles of '{key}' could not be encoded"
                            )))
                        }
                    };
                    let centroids = obs::centroids(
                        &embeddings,
                        &members,
                        &categories,
                        options.centroid_outlier_quantile,
                        options.centroid_min_points,
                    );
                    PlannedObs::Categorical {
                        key: key.clone(),
                        categories,
                        codes,
                        outliers,
                        centroids,
                    }
                }
            };
            obs.push(planned);
        }
        drop(latent);
        // 9. Genes.
        let genes = if source.has_genes() {
            Some(genes::plan_genes(source, options)?)
        } else {
            None
        };
        // 10. Vector fields.
        let (vectors, vector_default) =
            vectors::plan_vectors(source, options, &embeddings, n_cells)?;
        // 11. Pre-flight refusals: the all-missing outlier refusal comes before the codes width
        // (whose error it would hide), but after the genes are checked.
        let refusal =
            (!all_missing_outliers.is_empty()).then_some(ExportError::AllMissingOutliers {
                fields: all_missing_outliers,
                min_points: options.centroid_min_points,
            });
        let codes_width = match math::resolve_codes_width(
            explicit_width,
            obs.iter().filter_map(|o| match o {
                PlannedObs::Categorical {
                    key, categories, ..
                } => Some((key.as_str(), categories.len())),
                PlannedObs::Continuous { .. } => None,
            }),
        ) {
            Ok(width) => width,
            Err(e) => return Err(refusal.unwrap_or_else(|| e.into())),
        };
        if let Some(e) = &edges {
            if e.n_edges() > MANY_EDGES {
                warnings.push(Warning::ManyEdges {
                    n_edges: e.n_edges(),
                });
            }
        }
        let plan = Self {
            options: options.clone(),
            n_cells,
            embeddings,
            edges,
            obs,
            codes_width,
            genes,
            vectors,
            vector_default,
            warnings,
        };
        if let Some(refusal) = refusal {
            return Ok(Planned::Refused { plan, refusal });
        }
        let files = plan.summary().files;
        limits::check_payloads(&files)?;
        let mut warnings = plan.warnings.clone();
        for (path, bytes) in files {
            if bytes * 10 > PAYLOAD_CEILING * 9 {
                warnings.push(Warning::LargePayload { path, bytes });
            }
        }
        for w in &warnings {
            events.warning(w);
        }
        events.stage_finished(Stage::Plan);
        Ok(Planned::Ready(Self { warnings, ..plan }))
    }

    /// The warnings found while planning (also sent to the event sink).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// What will be written.
    pub fn summary(&self) -> PlanSummary {
        let paths = crate::write::planned_files(self);
        PlanSummary {
            n_cells: self.n_cells,
            dimensions: self.embeddings.iter().map(|(d, _)| *d).collect(),
            n_continuous: self
                .obs
                .iter()
                .filter(|o| matches!(o, PlannedObs::Continuous { .. }))
                .count(),
            n_categorical: self
                .obs
                .iter()
                .filter(|o| matches!(o, PlannedObs::Categorical { .. }))
                .count(),
            n_genes: self.genes.as_ref().map(|g| g.names.len()),
            n_edges: self.edges.as_ref().map(Edges::n_edges),
            vector_fields: self.vectors.iter().map(|v| v.field.clone()).collect(),
            codes_dtype: self.codes_width.name(),
            files: paths,
        }
    }
}

fn check_obs_keys(keys: &[String]) -> Result<(), ExportError> {
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        if key.is_empty() {
            return Err(ExportError::option(
                "obs_keys",
                "contains an empty key; rename the column",
            ));
        }
        if let Some(problem) = display_text_problem(key) {
            return Err(ExportError::option(
                "obs_keys",
                format!("key {key:?} {problem}; rename the column"),
            ));
        }
        if !seen.insert(key.as_str()) {
            return Err(ExportError::option(
                "obs_keys",
                format!("key '{key}' is listed twice"),
            ));
        }
    }
    Ok(())
}

/// Reads the graph and extracts its edges (format.md §18).
fn graph_edges(source: &dyn ExportSource, key: &str, n: usize) -> Result<Edges, ExportError> {
    let err = |source| ExportError::Graph {
        key: key.to_string(),
        source,
    };
    let shape_err = |r: usize, c: usize| ExportError::Graph {
        key: key.to_string(),
        source: math::GraphError::Malformed {
            detail: format!("shape ({r}, {c}), expected ({n}, {n})"),
        },
    };
    match source.obsp(key)? {
        Graph::Sparse(m) => {
            if m.n_rows != n || m.n_cols != n {
                return Err(shape_err(m.n_rows, m.n_cols));
            }
            let weights = graph_weights(key, &m.data)?;
            // The stored values are no longer needed once widened: free them before the
            // edge lists are built (the peak of a large graph's memory).
            let (indptr, indices) = (m.indptr, m.indices);
            drop(m.data);
            // A CSC graph is passed as the CSR of its transpose: a symmetric graph equals it.
            math::edges_from_csr(n, &indptr, &indices, &weights).map_err(err)
        }
        Graph::Dense(m) => {
            if m.n_rows != n || m.n_cols != n {
                return Err(shape_err(m.n_rows, m.n_cols));
            }
            let weights = graph_weights(key, &m.values)?;
            math::edges_from_dense(n, &weights).map_err(err)
        }
    }
}

/// Graph values as f64: bool → 1.0/0.0, integers must survive f64 exactly.
fn graph_weights(key: &str, values: &Values) -> Result<Vec<f64>, ExportError> {
    use arrays::Widen;
    let inexact = |i: usize| ExportError::Graph {
        key: key.to_string(),
        source: math::GraphError::Malformed {
            detail: format!(
                "stored value {i} does not survive conversion to float64 (integer above 2^53)"
            ),
        },
    };
    numeric!(values, v => {
        let out: Vec<f64> = v.iter().map(|x| x.widen()).collect();
        if let Values::I64(raw) = values {
            if let Some(i) = raw.iter().position(|&x| x.unsigned_abs() > 1 << 53) { return Err(inexact(i)); }
        }
        if let Values::U64(raw) = values {
            if let Some(i) = raw.iter().position(|&x| x > 1 << 53) { return Err(inexact(i)); }
        }
        Ok(out)
    }, bool b => Ok(b.iter().map(|&x| if x { 1.0 } else { 0.0 }).collect()))
}
