//! The four JSON documents, built from the plan with `cellucid-format`'s models.

use std::collections::BTreeMap;

use cellucid_format::{
    payload::{points_path, vector_path},
    CategoricalField, CategoricalSchema, ConnectivityManifest, ContinuousField, ContinuousSchema,
    DatasetIdentity, Embeddings, ExportSettings, ObsFieldSummary, ObsManifest, ObsSchemas, Source,
    Stats, ValueBounds, VarManifest, VarSchema, VectorField, VectorFields,
};
use cellucid_quant::Bits;

use crate::plan::{Plan, PlannedObs};

/// The version string written as `cellucid_data_version` (format.md §26 (c)).
pub const DATA_VERSION: &str = concat!("cellucid-rs ", env!("CARGO_PKG_VERSION"));

pub(crate) fn obs_manifest(plan: &Plan) -> ObsManifest {
    let o = &plan.options;
    let bits = o.obs_continuous_quantization.and_then(Bits::from_bits);
    let mut continuous_fields = Vec::new();
    let mut categorical_fields = Vec::new();
    for (index, field) in plan.obs.iter().enumerate() {
        match field {
            PlannedObs::Continuous { key, encoded } => {
                continuous_fields.push(ContinuousField {
                    index: index as u64,
                    key: key.clone(),
                    bounds: encoded.bounds,
                });
            }
            PlannedObs::Categorical {
                key,
                categories,
                outliers,
                centroids,
                ..
            } => {
                categorical_fields.push(CategoricalField {
                    index: index as u64,
                    key: key.clone(),
                    categories: categories.clone(),
                    codes_dtype: plan.codes_width.name().to_string(),
                    codes_missing_value: u64::from(plan.codes_width.missing()),
                    centroids_by_dim: centroids.clone(),
                    outlier_bounds: outliers.bounds,
                });
            }
        }
    }
    ObsManifest {
        format: "compact_v1".into(),
        n_points: plan.n_cells as u64,
        centroid_outlier_quantile: o.centroid_outlier_quantile,
        latent_key: Some("latent_space".into()),
        compression: o.compression,
        obs_schemas: ObsSchemas {
            continuous: (!continuous_fields.is_empty())
                .then(|| ContinuousSchema::new(bits, o.compression)),
            categorical: (!categorical_fields.is_empty())
                .then(|| CategoricalSchema::new(bits, o.compression)),
        },
        continuous_fields,
        categorical_fields,
    }
}

pub(crate) fn var_manifest(
    plan: &Plan,
    names: &[String],
    bounds: &[Option<ValueBounds>],
) -> VarManifest {
    let o = &plan.options;
    let bits = o.var_quantization.and_then(Bits::from_bits);
    VarManifest {
        format: "compact_v1".into(),
        n_points: plan.n_cells as u64,
        var_gene_id_column: o.var_gene_id_column.clone(),
        compression: o.compression,
        quantization: o.var_quantization,
        var_schema: VarSchema::new(bits, o.compression),
        fields: names
            .iter()
            .zip(bounds)
            .enumerate()
            .map(|(i, (name, b))| ContinuousField {
                index: i as u64,
                key: name.clone(),
                bounds: *b,
            })
            .collect(),
    }
}

pub(crate) fn connectivity_manifest(plan: &Plan) -> Option<ConnectivityManifest> {
    plan.edges.as_ref().map(|e| {
        ConnectivityManifest::new(
            plan.n_cells as u64,
            e.n_edges() as u64,
            e.max_neighbors as u64,
            plan.options.compression,
        )
    })
}

pub(crate) fn identity(
    plan: &Plan,
    obs: &ObsManifest,
    n_genes: usize,
    created_at: String,
) -> DatasetIdentity {
    let o = &plan.options;
    let c = o.compression;
    let dims: Vec<u32> = plan.embeddings.iter().map(|(d, _)| u32::from(*d)).collect();
    let mut obs_fields: Vec<ObsFieldSummary> = obs
        .continuous_fields
        .iter()
        .map(|f| ObsFieldSummary::continuous(f.key.clone()))
        .collect();
    obs_fields.extend(
        obs.categorical_fields
            .iter()
            .map(|f| ObsFieldSummary::category(f.key.clone(), f.categories.len() as u64)),
    );
    let source = o.source_name.as_ref().map(|name| Source {
        name: name.clone(),
        url: o.source_url.clone(),
        citation: o.source_citation.clone(),
        filename: None,
    });
    let vector_fields = (!plan.vectors.is_empty()).then(|| VectorFields {
        default_field: plan.vector_default.clone(),
        fields: plan
            .vectors
            .iter()
            .enumerate()
            .map(|(f, v)| {
                let vdims: Vec<u32> = v.dims.iter().map(|(d, _)| u32::from(*d)).collect();
                let field = VectorField {
                    label: v.field.clone(),
                    available_dimensions: vdims.clone(),
                    default_dimension: vdims.iter().copied().max().unwrap_or(0),
                    files: vdims
                        .iter()
                        .map(|&d| (format!("{d}d"), vector_path(f, d, c)))
                        .collect(),
                    basis: "umap".into(),
                };
                (v.field.clone(), field)
            })
            .collect::<BTreeMap<_, _>>(),
    });
    DatasetIdentity {
        version: 2,
        id: o.dataset_id.clone(),
        name: o.dataset_name.clone(),
        description: o.dataset_description.clone().unwrap_or_default(),
        created_at: Some(created_at),
        cellucid_data_version: DATA_VERSION.into(),
        stats: Stats {
            n_cells: plan.n_cells as u64,
            n_genes: n_genes as u64,
            n_obs_fields: (obs.continuous_fields.len() + obs.categorical_fields.len()) as u64,
            n_categorical_fields: obs.categorical_fields.len() as u64,
            n_continuous_fields: obs.continuous_fields.len() as u64,
            has_connectivity: plan.edges.is_some(),
            n_edges: plan.edges.as_ref().map(|e| e.n_edges() as u64),
        },
        embeddings: Embeddings {
            available_dimensions: dims.clone(),
            default_dimension: dims.iter().copied().max().unwrap_or(0),
            files: dims
                .iter()
                .map(|&d| (format!("{d}d"), points_path(d, c)))
                .collect(),
        },
        obs_fields,
        export_settings: Some(ExportSettings {
            compression: c,
            var_quantization: o.var_quantization,
            obs_continuous_quantization: o.obs_continuous_quantization,
            obs_categorical_dtype: plan.codes_width.name().into(),
        }),
        source,
        vector_fields,
    }
}
