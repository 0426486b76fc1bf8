//! The JSON documents of anndata mode (server.md §4.5), serialized as Python `json.dumps`.

use serde_json::{json, Map, Value};

use cellucid_adapter::mapping::Label;
use cellucid_format::{ContinuousField, ValueBounds, VarManifest, VarSchema};
use cellucid_quant::{Bits, Bounds};

use super::gene::GeneEncoding;

/// Centroids of one dimension: (category code, position, n_points) per qualifying category.
pub(crate) type DimCentroids = (u8, Vec<(usize, Vec<f64>, usize)>);

/// A served obs field, as the documents need it.
pub(crate) enum FieldDoc<'a> {
    Continuous {
        index: usize,
        key: &'a str,
    },
    Categorical {
        index: usize,
        key: &'a str,
        labels: &'a [Label],
        centroids: Vec<DimCentroids>,
    },
}

/// JSON of a category label (integral floats stay floats).
pub(crate) fn label_json(label: &Label) -> Value {
    match label {
        Label::Bool(b) => Value::Bool(*b),
        Label::Int(i) => json!(i),
        Label::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Label::Str(s) => Value::String(s.clone()),
    }
}

/// Everything the identity needs.
pub(crate) struct IdentityDoc<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) created_at: &'a str,
    pub(crate) n_cells: usize,
    pub(crate) n_genes: usize,
    pub(crate) n_edges: Option<usize>,
    pub(crate) dims: &'a [u8],
    pub(crate) source_name: &'a str,
    /// (field id, dims) in payload order, and the default field.
    pub(crate) vectors: &'a [(String, Vec<u8>)],
    pub(crate) vector_default: Option<&'a str>,
}

pub(crate) fn identity(doc: &IdentityDoc<'_>, fields: &[FieldDoc<'_>]) -> Value {
    let n_cat = fields
        .iter()
        .filter(|f| matches!(f, FieldDoc::Categorical { .. }))
        .count();
    let mut obs_fields: Vec<Value> = fields
        .iter()
        .filter_map(|f| match f {
            FieldDoc::Continuous { key, .. } => Some(json!({"key": key, "kind": "continuous"})),
            FieldDoc::Categorical { .. } => None,
        })
        .collect();
    obs_fields.extend(fields.iter().filter_map(|f| match f {
        FieldDoc::Categorical { key, labels, .. } => {
            Some(json!({"key": key, "kind": "category", "n_categories": labels.len()}))
        }
        FieldDoc::Continuous { .. } => None,
    }));
    let mut files = Map::new();
    for d in doc.dims {
        files.insert(format!("{d}d"), json!(format!("points_{d}d.bin")));
    }
    let mut identity = json!({
        "version": 2,
        "id": doc.id,
        "name": doc.name,
        "description": "Loaded directly from AnnData",
        "created_at": doc.created_at,
        "cellucid_data_version": "anndata_adapter",
        "stats": {
            "n_cells": doc.n_cells,
            "n_genes": doc.n_genes,
            "n_obs_fields": fields.len(),
            "n_categorical_fields": n_cat,
            "n_continuous_fields": fields.len() - n_cat,
            "has_connectivity": doc.n_edges.is_some(),
            "n_edges": doc.n_edges,
        },
        "embeddings": {
            "available_dimensions": doc.dims,
            "default_dimension": doc.dims.iter().max(),
            "files": files,
        },
        "obs_fields": obs_fields,
        "source": {"name": doc.source_name},
    });
    if !doc.vectors.is_empty() {
        let mut fields_map = Map::new();
        for (v, (id, dims)) in doc.vectors.iter().enumerate() {
            let mut vfiles = Map::new();
            for d in dims {
                vfiles.insert(format!("{d}d"), json!(format!("vectors/{v}_{d}d.bin")));
            }
            fields_map.insert(
                id.clone(),
                json!({"label": id, "available_dimensions": dims, "default_dimension": dims.iter().max(), "files": vfiles, "basis": "umap"}),
            );
        }
        if let Some(map) = identity.as_object_mut() {
            map.insert(
                "vector_fields".into(),
                json!({"default_field": doc.vector_default, "fields": fields_map}),
            );
        }
    }
    identity
}

pub(crate) fn obs_manifest(
    n_cells: usize,
    latent_key: Option<&str>,
    fields: &[FieldDoc<'_>],
) -> Value {
    let mut schemas = Map::new();
    let mut continuous = Vec::new();
    let mut categorical = Vec::new();
    for field in fields {
        match field {
            FieldDoc::Continuous { index, key } => continuous.push(json!([index, key])),
            FieldDoc::Categorical {
                index,
                key,
                labels,
                centroids,
            } => {
                let wide = labels.len() > 255;
                let mut by_dim = Map::new();
                for (dim, list) in centroids {
                    let items: Vec<Value> = list
                        .iter()
                        .map(|(code, position, n_points)| {
                            let label = labels.get(*code).map_or(Value::Null, label_json);
                            json!({"category": label, "position": position, "n_points": n_points})
                        })
                        .collect();
                    by_dim.insert(dim.to_string(), Value::Array(items));
                }
                let cats: Vec<Value> = labels.iter().map(label_json).collect();
                categorical.push(json!([
                    index,
                    key,
                    cats,
                    if wide { "uint16" } else { "uint8" },
                    if wide { 65535 } else { 255 },
                    by_dim
                ]));
            }
        }
    }
    if !continuous.is_empty() {
        schemas.insert("continuous".into(), json!({"pathPattern": "obs/{index}.values.f32", "ext": "f32", "dtype": "float32", "quantized": false}));
    }
    if !categorical.is_empty() {
        let schema = if latent_key.is_some() {
            json!({"codesPathPattern": "obs/{index}.codes.{ext}", "outlierPathPattern": "obs/{index}.outliers.f32", "outlierExt": "f32", "outlierDtype": "float32", "outlierQuantized": false})
        } else {
            json!({"codesPathPattern": "obs/{index}.codes.{ext}", "outlierPathPattern": null, "outlierExt": null, "outlierDtype": null, "outlierQuantized": false})
        };
        schemas.insert("categorical".into(), schema);
    }
    json!({
        "_format": "compact_v1",
        "n_points": n_cells,
        "centroid_outlier_quantile": 0.95,
        "latent_key": latent_key,
        "compression": null,
        "_obsSchemas": schemas,
        "_continuousFields": continuous,
        "_categoricalFields": categorical,
    })
}

/// `var_manifest.json` (server.md §4.5.3), through `cellucid-format`'s model. Quantized genes
/// (`--var-quantization`) get the schema and `[g, name, min, max]` tuples an export with that
/// quantization and no compression writes; a gene without bounds (not publishable) is listed
/// with `0.0, 0.0`.
pub(crate) fn var_manifest(
    n_cells: usize,
    genes: &[String],
    encoding: GeneEncoding,
    bounds: &[Option<Bounds>],
) -> Result<Value, serde_json::Error> {
    let bits = match encoding {
        GeneEncoding::Float32 => None,
        GeneEncoding::Quantized(bits) => Some(bits),
    };
    let manifest = VarManifest {
        format: "compact_v1".into(),
        n_points: n_cells as u64,
        var_gene_id_column: None,
        compression: None,
        quantization: bits.map(Bits::bits),
        var_schema: VarSchema::new(bits, None),
        fields: genes
            .iter()
            .enumerate()
            .map(|(i, name)| ContinuousField {
                index: i as u64,
                key: name.clone(),
                bounds: bits.map(|_| {
                    bounds
                        .get(i)
                        .copied()
                        .flatten()
                        .map_or(ValueBounds { min: 0.0, max: 0.0 }, ValueBounds::from)
                }),
            })
            .collect(),
    };
    serde_json::to_value(&manifest)
}

pub(crate) fn connectivity_manifest(n_cells: usize, n_edges: usize, max_neighbors: usize) -> Value {
    let wide = n_cells > 65_536;
    json!({
        "format": "edge_pairs",
        "n_cells": n_cells,
        "n_edges": n_edges,
        "max_neighbors": max_neighbors,
        "index_bytes": if wide { 4 } else { 2 },
        "index_dtype": if wide { "uint32" } else { "uint16" },
        "sourcesPath": "connectivity/edges.src.bin",
        "destinationsPath": "connectivity/edges.dst.bin",
        "weightsPath": "connectivity/edges.weights.f64.bin",
        "weight_dtype": "float64",
        "weight_bytes": 8,
        "compression": null,
    })
}
