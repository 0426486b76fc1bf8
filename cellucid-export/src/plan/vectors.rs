//! Vector fields (format.md §13).

use std::collections::BTreeMap;

use super::{arrays, PlannedVectorField};
use crate::checks::display_text_problem;
use crate::error::ExportError;
use crate::math::{self, NormalisedEmbedding};
use crate::options::ExportOptions;
use crate::source::ExportSource;

fn field_error(key: &str, message: String) -> ExportError {
    ExportError::VectorField {
        key: key.to_string(),
        message,
    }
}

/// Reads, checks and scales every vector field; resolves the default field.
pub(crate) fn plan_vectors(
    source: &dyn ExportSource,
    options: &ExportOptions,
    embeddings: &[(u8, NormalisedEmbedding)],
    n_cells: usize,
) -> Result<(Vec<PlannedVectorField>, Option<String>), ExportError> {
    let mut fields: BTreeMap<String, BTreeMap<u8, Vec<f32>>> = BTreeMap::new();
    for key in &options.vector_fields {
        let parsed = math::parse_vector_key(key).map_err(|e| field_error(key, e.to_string()))?;
        let dim = u8::try_from(parsed.dim).unwrap_or(0);
        let Some((_, emb)) = embeddings.iter().find(|(d, _)| *d == dim) else {
            let dims: Vec<String> = embeddings.iter().map(|(d, _)| d.to_string()).collect();
            return Err(field_error(
                key,
                format!("is {dim}-D but there is no {dim}-D embedding (embeddings: {}). Fix: add the embedding or drop the field", dims.join(", ")),
            ));
        };
        if let Some(problem) = display_text_problem(&parsed.field) {
            return Err(field_error(
                key,
                format!("field id {:?} {problem}; rename the obsm key", parsed.field),
            ));
        }
        let what = format!("vector field '{key}'");
        let m = source.obsm(key)?;
        arrays::check_shape(&what, &m, n_cells, Some(usize::from(dim)))?;
        let values = arrays::strict_f64(&what, &m.values)?;
        let scaled =
            math::scale_vectors(&values, usize::from(dim), emb.scale).map_err(|source| {
                ExportError::VectorValues {
                    key: key.clone(),
                    source,
                }
            })?;
        if fields
            .entry(parsed.field)
            .or_default()
            .insert(dim, scaled)
            .is_some()
        {
            return Err(field_error(key, "is listed twice".into()));
        }
    }
    let default = match (&options.vector_field_default, fields.len()) {
        (Some(d), 0) => {
            return Err(ExportError::option(
                "vector_field_default",
                format!("'{d}' is given but there are no vector fields"),
            ))
        }
        (None, 0) => None,
        (None, 1) => fields.keys().next().cloned(),
        (None, _) => {
            let ids: Vec<&str> = fields.keys().map(String::as_str).collect();
            return Err(ExportError::option(
                "vector_field_default",
                format!(
                    "is required with more than one vector field; choose one of: {}",
                    ids.join(", ")
                ),
            ));
        }
        (Some(d), _) => {
            if !fields.contains_key(d) {
                let ids: Vec<&str> = fields.keys().map(String::as_str).collect();
                return Err(ExportError::option(
                    "vector_field_default",
                    format!("'{d}' is not one of the vector fields: {}", ids.join(", ")),
                ));
            }
            Some(d.clone())
        }
    };
    let planned = fields
        .into_iter()
        .map(|(field, dims)| PlannedVectorField {
            field,
            dims: dims.into_iter().collect(),
        })
        .collect();
    Ok((planned, default))
}
