//! Exact key sets and container types of each document (viewer-contract.md §1, R1).

use serde_json::{Map, Value};

use super::{Ctx, Violation};

/// Checks that `value` is an object with every `required` key and no key outside
/// `required ∪ optional` (unless `lenient`); returns the object.
fn object<'v>(
    ctx: &mut Ctx,
    file: &str,
    path: &str,
    value: Option<&'v Value>,
    required: &[&str],
    optional: &[&str],
) -> Option<&'v Map<String, Value>> {
    let map = typed_object(ctx, file, path, value)?;
    for key in required {
        if !map.contains_key(*key) {
            ctx.push(Violation::MissingKey {
                file: file.to_owned(),
                path: path.to_owned(),
                key: (*key).to_owned(),
            });
        }
    }
    for key in map.keys() {
        if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
            ctx.push(Violation::UnexpectedKey {
                file: file.to_owned(),
                path: path.to_owned(),
                key: key.clone(),
            });
        }
    }
    Some(map)
}

/// `value` as an object (absent → `None` silently, the parent reported it).
fn typed_object<'v>(
    ctx: &mut Ctx,
    file: &str,
    path: &str,
    value: Option<&'v Value>,
) -> Option<&'v Map<String, Value>> {
    match value? {
        Value::Object(map) => Some(map),
        other => {
            ctx.push(Violation::WrongType {
                file: file.to_owned(),
                path: path.to_owned(),
                detail: format!("expected an object, found {}", kind(other)),
            });
            None
        }
    }
}

/// `value` as an array (absent → `None` silently).
fn array<'v>(
    ctx: &mut Ctx,
    file: &str,
    path: &str,
    value: Option<&'v Value>,
) -> Option<&'v [Value]> {
    match value? {
        Value::Array(items) => Some(items),
        other => {
            ctx.push(Violation::WrongType {
                file: file.to_owned(),
                path: path.to_owned(),
                detail: format!("expected an array, found {}", kind(other)),
            });
            None
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `dataset_identity.json`.
pub(super) fn identity(ctx: &mut Ctx, file: &str, value: &mut Value) {
    let required = [
        "version",
        "id",
        "name",
        "description",
        "cellucid_data_version",
        "stats",
        "embeddings",
        "obs_fields",
    ];
    let optional = ["created_at", "export_settings", "source", "vector_fields"];
    let Some(top) = object(ctx, file, "$", Some(value), &required, &optional) else {
        return;
    };
    for key in optional {
        if top.get(key).is_some_and(Value::is_null) {
            ctx.push(Violation::WrongType {
                file: file.to_owned(),
                path: format!("$.{key}"),
                detail: "an optional member must be omitted, not null".to_owned(),
            });
        }
    }
    let stats = [
        "n_cells",
        "n_genes",
        "n_obs_fields",
        "n_categorical_fields",
        "n_continuous_fields",
        "has_connectivity",
        "n_edges",
    ];
    object(ctx, file, "$.stats", top.get("stats"), &stats, &[]);
    let emb = ["available_dimensions", "default_dimension", "files"];
    object(ctx, file, "$.embeddings", top.get("embeddings"), &emb, &[]);
    if let Some(fields) = array(ctx, file, "$.obs_fields", top.get("obs_fields")) {
        for (i, entry) in fields.iter().enumerate() {
            let path = format!("$.obs_fields[{i}]");
            let Some(map) = object(
                ctx,
                file,
                &path,
                Some(entry),
                &["key", "kind"],
                &["n_categories"],
            ) else {
                continue;
            };
            let is_category = map.get("kind").and_then(Value::as_str) == Some("category");
            let has_count = map.contains_key("n_categories");
            if is_category && !has_count {
                ctx.push(Violation::MissingKey {
                    file: file.to_owned(),
                    path,
                    key: "n_categories".to_owned(),
                });
            } else if !is_category && has_count {
                ctx.push(Violation::UnexpectedKey {
                    file: file.to_owned(),
                    path,
                    key: "n_categories".to_owned(),
                });
            }
        }
    }
    let settings = [
        "compression",
        "var_quantization",
        "obs_continuous_quantization",
        "obs_categorical_dtype",
    ];
    object(
        ctx,
        file,
        "$.export_settings",
        top.get("export_settings"),
        &settings,
        &[],
    );
    let source_optional = ["url", "citation", "filename"];
    object(
        ctx,
        file,
        "$.source",
        top.get("source"),
        &["name"],
        &source_optional,
    );
    let vf = ["default_field", "fields"];
    if let Some(vf) = object(
        ctx,
        file,
        "$.vector_fields",
        top.get("vector_fields"),
        &vf,
        &[],
    ) {
        if let Some(fields) = typed_object(ctx, file, "$.vector_fields.fields", vf.get("fields")) {
            let keys = [
                "label",
                "basis",
                "available_dimensions",
                "default_dimension",
                "files",
            ];
            for (id, field) in fields {
                let path = format!("$.vector_fields.fields.{id}");
                object(ctx, file, &path, Some(field), &keys, &[]);
            }
        }
    }
}

/// `obs_manifest.json`.
pub(super) fn obs(ctx: &mut Ctx, file: &str, value: &mut Value) {
    let required = [
        "_format",
        "n_points",
        "centroid_outlier_quantile",
        "latent_key",
        "compression",
        "_obsSchemas",
        "_continuousFields",
        "_categoricalFields",
    ];
    let Some(top) = object(ctx, file, "$", Some(value), &required, &[]) else {
        return;
    };
    let schemas = ["continuous", "categorical"];
    if let Some(s) = object(
        ctx,
        file,
        "$._obsSchemas",
        top.get("_obsSchemas"),
        &[],
        &schemas,
    ) {
        let cont = ["pathPattern", "ext", "dtype", "quantized"];
        object(
            ctx,
            file,
            "$._obsSchemas.continuous",
            s.get("continuous"),
            &cont,
            &["quantizationBits"],
        );
        let cat = [
            "codesPathPattern",
            "outlierPathPattern",
            "outlierExt",
            "outlierDtype",
            "outlierQuantized",
        ];
        object(
            ctx,
            file,
            "$._obsSchemas.categorical",
            s.get("categorical"),
            &cat,
            &[],
        );
    }
    let path = "$._categoricalFields";
    if let Some(fields) = array(ctx, file, path, top.get("_categoricalFields")) {
        for (i, tuple) in fields.iter().enumerate() {
            let Some(centroids) = tuple.get(5) else {
                continue;
            };
            let cpath = format!("{path}[{i}][5]");
            let Some(by_dim) = typed_object(ctx, file, &cpath, Some(centroids)) else {
                continue;
            };
            for (dim, list) in by_dim {
                let dpath = format!("{cpath}.{dim}");
                let Some(list) = array(ctx, file, &dpath, Some(list)) else {
                    continue;
                };
                for (j, entry) in list.iter().enumerate() {
                    let keys = ["category", "position", "n_points"];
                    object(ctx, file, &format!("{dpath}[{j}]"), Some(entry), &keys, &[]);
                }
            }
        }
    }
}

/// `var_manifest.json`.
pub(super) fn var(ctx: &mut Ctx, file: &str, value: &mut Value) {
    let required = [
        "_format",
        "n_points",
        "var_gene_id_column",
        "compression",
        "quantization",
        "_varSchema",
        "fields",
    ];
    let Some(top) = object(ctx, file, "$", Some(value), &required, &[]) else {
        return;
    };
    let schema = ["kind", "pathPattern", "ext", "dtype", "quantized"];
    object(
        ctx,
        file,
        "$._varSchema",
        top.get("_varSchema"),
        &schema,
        &["quantizationBits"],
    );
}

/// `connectivity_manifest.json`.
pub(super) fn connectivity(ctx: &mut Ctx, file: &str, value: &mut Value) {
    let required = [
        "format",
        "n_cells",
        "n_edges",
        "max_neighbors",
        "index_bytes",
        "index_dtype",
        "sourcesPath",
        "destinationsPath",
        "weightsPath",
        "weight_dtype",
        "weight_bytes",
        "compression",
    ];
    object(ctx, file, "$", Some(value), &required, &[]);
}

/// `datasets.json`: required keys only; the viewer ignores extra keys, so they are dropped
/// before the typed parse.
pub(super) fn catalog(ctx: &mut Ctx, file: &str, value: &mut Value) {
    let root_keys = ["version", "default", "datasets"];
    let entry_keys = ["id", "path", "name", "description", "n_cells", "n_genes"];
    if typed_object(ctx, file, "$", Some(value)).is_none() {
        return;
    }
    if let Value::Object(map) = value {
        for key in root_keys {
            if !map.contains_key(key) {
                ctx.push(Violation::MissingKey {
                    file: file.to_owned(),
                    path: "$".to_owned(),
                    key: key.to_owned(),
                });
            }
        }
        map.retain(|k, _| root_keys.contains(&k.as_str()));
        if let Some(Value::Array(entries)) = map.get_mut("datasets") {
            for (i, entry) in entries.iter_mut().enumerate() {
                let path = format!("$.datasets[{i}]");
                if typed_object(ctx, file, &path, Some(entry)).is_none() {
                    continue;
                }
                if let Value::Object(e) = entry {
                    for key in ["id", "path"] {
                        if !e.contains_key(key) {
                            ctx.push(Violation::MissingKey {
                                file: file.to_owned(),
                                path: path.clone(),
                                key: key.to_owned(),
                            });
                        }
                    }
                    e.retain(|k, _| entry_keys.contains(&k.as_str()));
                }
            }
        }
    }
}
