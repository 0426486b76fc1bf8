//! The files an export's JSON documents declare (server.md §3.2). This is the only module that
//! reads manifest fields; it works on `serde_json::Value` so it needs nothing from the format
//! crate beyond the JSON itself.

use serde_json::Value;

/// The parsed JSON documents of one export.
pub(crate) struct Documents {
    /// `dataset_identity.json`.
    pub(crate) identity: Value,
    /// `obs_manifest.json`.
    pub(crate) obs: Value,
    /// `var_manifest.json`, when the file exists.
    pub(crate) var: Option<Value>,
    /// `connectivity_manifest.json`, when the file exists.
    pub(crate) connectivity: Option<Value>,
}

/// Lists every relative path the documents declare, in declaration order, checking the index
/// and presence rules of §3.2. The error text names the document and field.
pub(crate) fn declared_paths(docs: &Documents) -> Result<Vec<String>, String> {
    let mut paths = vec![
        "dataset_identity.json".to_string(),
        "obs_manifest.json".to_string(),
    ];
    if let Some(files) = docs.identity.pointer("/embeddings/files") {
        let files = files
            .as_object()
            .ok_or("dataset_identity.json embeddings.files must be an object")?;
        for value in files.values() {
            paths.push(string(value, "dataset_identity.json embeddings.files")?);
        }
    }
    obs_paths(&docs.obs, &mut paths)?;

    let n_genes = docs
        .identity
        .pointer("/stats/n_genes")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    match (&docs.var, n_genes) {
        (Some(_), 0) => {
            return Err(
                "var_manifest.json exists while stats.n_genes is 0; remove it or re-export".into(),
            )
        }
        (None, n) if n > 0 => {
            return Err(format!(
                "stats.n_genes is {n} but var_manifest.json is missing"
            ))
        }
        (Some(var), n) => {
            paths.push("var_manifest.json".into());
            var_paths(var, n, &mut paths)?;
        }
        (None, _) => {}
    }

    let has_graph = docs
        .identity
        .pointer("/stats/has_connectivity")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match (&docs.connectivity, has_graph) {
        (Some(_), false) => {
            return Err(
                "connectivity_manifest.json exists while stats.has_connectivity is false".into(),
            )
        }
        (None, true) => {
            return Err(
                "stats.has_connectivity is true but connectivity_manifest.json is missing".into(),
            )
        }
        (Some(conn), true) => {
            paths.push("connectivity_manifest.json".into());
            for key in ["sourcesPath", "destinationsPath", "weightsPath"] {
                let value = conn
                    .get(key)
                    .ok_or(format!("connectivity_manifest.json has no {key}"))?;
                paths.push(string(value, &format!("connectivity_manifest.json {key}"))?);
            }
        }
        (None, false) => {}
    }

    if let Some(fields) = docs
        .identity
        .pointer("/vector_fields/fields")
        .and_then(Value::as_object)
    {
        for (id, field) in fields {
            if let Some(files) = field.get("files").and_then(Value::as_object) {
                for value in files.values() {
                    paths.push(string(
                        value,
                        &format!("dataset_identity.json vector_fields.fields.{id}.files"),
                    )?);
                }
            }
        }
    }
    Ok(paths)
}

fn string(value: &Value, what: &str) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{what} must hold strings"))
}

fn expand(pattern: &str, index: u64, ext: Option<&str>) -> String {
    let mut path = pattern.replace("{index}", &index.to_string());
    if let Some(ext) = ext {
        path = path.replace("{ext}", ext);
    }
    path
}

/// Checks that `indices` is exactly `0..n-1`, each once.
fn check_indices(mut indices: Vec<u64>, what: &str) -> Result<(), String> {
    indices.sort_unstable();
    for (expected, &got) in indices.iter().enumerate() {
        if got != expected as u64 {
            return Err(format!(
                "{what} payload indices must be exactly 0..{} (each once); found {got}",
                indices.len()
            ));
        }
    }
    Ok(())
}

fn obs_paths(obs: &Value, paths: &mut Vec<String>) -> Result<(), String> {
    let empty = Vec::new();
    let continuous = obs
        .get("_continuousFields")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let categorical = obs
        .get("_categoricalFields")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let schemas = obs.get("_obsSchemas");
    let cont_schema = schemas
        .and_then(|s| s.get("continuous"))
        .filter(|v| !v.is_null());
    let cat_schema = schemas
        .and_then(|s| s.get("categorical"))
        .filter(|v| !v.is_null());
    if continuous.is_empty() == cont_schema.is_some() {
        return Err("obs_manifest.json _obsSchemas.continuous must exist exactly when _continuousFields is non-empty".into());
    }
    if categorical.is_empty() == cat_schema.is_some() {
        return Err("obs_manifest.json _obsSchemas.categorical must exist exactly when _categoricalFields is non-empty".into());
    }
    let mut indices = Vec::new();
    let field_index = |field: &Value, what: &str| -> Result<u64, String> {
        field.get(0).and_then(Value::as_u64).ok_or_else(|| {
            format!("obs_manifest.json {what} entries must start with an integer index")
        })
    };
    if let Some(schema) = cont_schema {
        let pattern = schema
            .get("pathPattern")
            .and_then(Value::as_str)
            .ok_or("obs_manifest.json _obsSchemas.continuous.pathPattern must be a string")?;
        for field in continuous {
            let index = field_index(field, "_continuousFields")?;
            indices.push(index);
            paths.push(expand(pattern, index, None));
        }
    }
    if let Some(schema) = cat_schema {
        let codes = schema
            .get("codesPathPattern")
            .and_then(Value::as_str)
            .ok_or("obs_manifest.json _obsSchemas.categorical.codesPathPattern must be a string")?;
        let outliers = match schema.get("outlierPathPattern") {
            None | Some(Value::Null) => None,
            Some(Value::String(pattern)) => Some(pattern.as_str()),
            Some(_) => {
                return Err("obs_manifest.json outlierPathPattern must be a string or null".into())
            }
        };
        for field in categorical {
            let index = field_index(field, "_categoricalFields")?;
            indices.push(index);
            let ext = match field.get(3).and_then(Value::as_str) {
                Some("uint8") => "u8",
                Some("uint16") => "u16",
                other => return Err(format!("obs_manifest.json categorical field {index} has codes dtype {other:?}; only uint8 and uint16 exist")),
            };
            paths.push(expand(codes, index, Some(ext)));
            if let Some(pattern) = outliers {
                paths.push(expand(pattern, index, None));
            }
        }
    }
    check_indices(indices, "obs_manifest.json")
}

fn var_paths(var: &Value, n_genes: u64, paths: &mut Vec<String>) -> Result<(), String> {
    let fields = var
        .get("fields")
        .and_then(Value::as_array)
        .ok_or("var_manifest.json fields must be a list")?;
    if fields.len() as u64 != n_genes {
        return Err(format!(
            "var_manifest.json lists {} genes but stats.n_genes is {n_genes}",
            fields.len()
        ));
    }
    let pattern = var
        .pointer("/_varSchema/pathPattern")
        .and_then(Value::as_str)
        .ok_or("var_manifest.json _varSchema.pathPattern must be a string")?;
    let mut indices = Vec::with_capacity(fields.len());
    for field in fields {
        let index = field
            .get(0)
            .and_then(Value::as_u64)
            .ok_or("var_manifest.json fields entries must start with an integer index")?;
        indices.push(index);
        paths.push(expand(pattern, index, None));
    }
    check_indices(indices, "var_manifest.json")
}

/// Checks one declared relative path (§3.2): non-empty POSIX relative path without leading
/// `/` or `\`, surrounding whitespace, empty/`.`/`..` segments, control characters or braces.
pub(crate) fn check_relative_path(path: &str) -> Result<(), String> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.starts_with('\\')
        || path.trim() != path
        || path
            .chars()
            .any(|c| c.is_control() || c == '{' || c == '}' || c == '\\')
        || path
            .split('/')
            .any(|segment| matches!(segment, "" | "." | ".."));
    if bad {
        Err(format!(
            "declared path {path:?} is not a clean relative POSIX path"
        ))
    } else {
        Ok(())
    }
}
