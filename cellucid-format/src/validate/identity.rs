//! Value rules of `dataset_identity.json` alone (viewer-contract.md §1.2, §2.6; R2, R11).

use std::collections::HashSet;

use super::{Ctx, Violation};
use crate::model::{CatalogEntry, DatasetIdentity, ObsFieldKind};
use crate::payload::check_safe_relative_path;

pub(super) fn check(ctx: &mut Ctx, id: &DatasetIdentity, entry: Option<&CatalogEntry>) {
    let file = ctx.file(DatasetIdentity::FILE_NAME);
    if id.version != 2 {
        ctx.push(Violation::UnsupportedVersion {
            file: file.clone(),
            expected: 2,
            found: id.version,
        });
    }
    if !is_valid_dataset_id(&id.id) {
        ctx.push(Violation::InvalidDatasetId {
            file: file.clone(),
            id: id.id.clone(),
        });
    }
    if let Some(entry) = entry {
        if entry.id != id.id {
            ctx.push(Violation::CatalogIdMismatch {
                file: file.clone(),
                catalog_id: entry.id.clone(),
                identity_id: id.id.clone(),
            });
        }
    }
    if id.name.trim().is_empty() {
        empty(ctx, &file, "$.name");
    }
    if id.cellucid_data_version.is_empty() {
        empty(ctx, &file, "$.cellucid_data_version");
    }
    if let Some(created) = &id.created_at {
        if !is_utc_timestamp(created) {
            ctx.push(Violation::InvalidCreatedAt {
                file: file.clone(),
                value: created.clone(),
            });
        }
    }
    check_stats(ctx, &file, id);
    check_embeddings(ctx, &file, id);
    if let Some(settings) = &id.export_settings {
        check_compression(
            ctx,
            &file,
            "$.export_settings.compression",
            settings.compression,
        );
        for (key, value) in [
            ("var_quantization", settings.var_quantization),
            (
                "obs_continuous_quantization",
                settings.obs_continuous_quantization,
            ),
        ] {
            check_quantization(ctx, &file, &format!("$.export_settings.{key}"), value);
        }
        if !matches!(settings.obs_categorical_dtype.as_str(), "uint8" | "uint16") {
            ctx.push(Violation::InvalidCodesDtype {
                file: file.clone(),
                path: "$.export_settings.obs_categorical_dtype".to_owned(),
                found: settings.obs_categorical_dtype.clone(),
            });
        }
    }
    if let Some(source) = &id.source {
        let optional = [
            ("url", &source.url),
            ("citation", &source.citation),
            ("filename", &source.filename),
        ];
        if source.name.is_empty() {
            empty(ctx, &file, "$.source.name");
        }
        for (key, value) in optional {
            if value.as_deref() == Some("") {
                empty(ctx, &file, &format!("$.source.{key}"));
            }
        }
    }
    check_vector_fields(ctx, &file, id);
}

fn check_stats(ctx: &mut Ctx, file: &str, id: &DatasetIdentity) {
    let s = &id.stats;
    if s.n_categorical_fields.checked_add(s.n_continuous_fields) != Some(s.n_obs_fields) {
        ctx.push(Violation::ObsFieldCounts {
            file: file.to_owned(),
            detail: format!(
                "stats.n_obs_fields ({}) must equal n_categorical_fields ({}) + n_continuous_fields ({})",
                s.n_obs_fields, s.n_categorical_fields, s.n_continuous_fields
            ),
        });
    }
    let n_cat = id
        .obs_fields
        .iter()
        .filter(|f| f.kind == ObsFieldKind::Category)
        .count() as u64;
    let n_cont = id.obs_fields.len() as u64 - n_cat;
    if id.obs_fields.len() as u64 != s.n_obs_fields
        || n_cat != s.n_categorical_fields
        || n_cont != s.n_continuous_fields
    {
        ctx.push(Violation::ObsFieldCounts {
            file: file.to_owned(),
            detail: format!(
                "obs_fields lists {} fields ({n_cont} continuous, {n_cat} categorical), but stats \
                 say {} ({} continuous, {} categorical)",
                id.obs_fields.len(),
                s.n_obs_fields,
                s.n_continuous_fields,
                s.n_categorical_fields
            ),
        });
    }
    if s.has_connectivity != s.n_edges.is_some() {
        ctx.push(Violation::EdgeCountNullability {
            file: file.to_owned(),
            has_connectivity: s.has_connectivity,
            n_edges: s.n_edges,
        });
    }
    let mut seen = HashSet::new();
    for (i, field) in id.obs_fields.iter().enumerate() {
        if field.key.is_empty() {
            empty(ctx, file, &format!("$.obs_fields[{i}].key"));
        } else if !seen.insert(field.key.as_str()) {
            ctx.push(Violation::DuplicateKey {
                file: file.to_owned(),
                path: "$.obs_fields[].key".to_owned(),
                key: field.key.clone(),
            });
        }
    }
}

fn check_embeddings(ctx: &mut Ctx, file: &str, id: &DatasetIdentity) {
    let emb = &id.embeddings;
    check_dims(
        ctx,
        file,
        "$.embeddings.available_dimensions",
        &emb.available_dimensions,
    );
    if !emb.available_dimensions.contains(&emb.default_dimension) {
        ctx.push(Violation::DefaultDimension {
            file: file.to_owned(),
            path: "$.embeddings.default_dimension".to_owned(),
            expected: emb.available_dimensions.iter().copied().max().unwrap_or(0),
            found: emb.default_dimension,
        });
    }
    check_files_keys(
        ctx,
        file,
        "$.embeddings.files",
        &emb.available_dimensions,
        emb.files.keys(),
    );
    for (key, path) in &emb.files {
        check_path(ctx, file, &format!("$.embeddings.files.{key}"), path);
    }
}

fn check_vector_fields(ctx: &mut Ctx, file: &str, id: &DatasetIdentity) {
    let Some(vf) = &id.vector_fields else {
        return;
    };
    match &vf.default_field {
        None => ctx.push(Violation::MissingDefaultVectorField {
            file: file.to_owned(),
        }),
        Some(default) if !vf.fields.contains_key(default) => {
            ctx.push(Violation::UnknownDefaultVectorField {
                file: file.to_owned(),
                found: default.clone(),
            });
        }
        Some(_) => {}
    }
    if vf.fields.is_empty() {
        ctx.push(Violation::EmptyVectorFields {
            file: file.to_owned(),
        });
    }
    for (field_id, field) in &vf.fields {
        let base = format!("$.vector_fields.fields.{field_id}");
        if &field.label != field_id {
            ctx.push(Violation::VectorFieldLabel {
                file: file.to_owned(),
                field: field_id.clone(),
                label: field.label.clone(),
            });
        }
        if field.basis != "umap" {
            ctx.push(Violation::VectorFieldBasis {
                file: file.to_owned(),
                field: field_id.clone(),
                basis: field.basis.clone(),
            });
        }
        let dims = &field.available_dimensions;
        check_dims(ctx, file, &format!("{base}.available_dimensions"), dims);
        for &dim in dims {
            if !id.embeddings.available_dimensions.contains(&dim) {
                ctx.push(Violation::VectorFieldDimension {
                    file: file.to_owned(),
                    field: field_id.clone(),
                    dim,
                });
            }
        }
        let largest = dims.iter().copied().max().unwrap_or(0);
        if field.default_dimension != largest {
            ctx.push(Violation::DefaultDimension {
                file: file.to_owned(),
                path: format!("{base}.default_dimension"),
                expected: largest,
                found: field.default_dimension,
            });
        }
        check_files_keys(
            ctx,
            file,
            &format!("{base}.files"),
            dims,
            field.files.keys(),
        );
        for (key, path) in &field.files {
            check_path(ctx, file, &format!("{base}.files.{key}"), path);
        }
    }
}

/// Non-empty, strictly increasing, within {1, 2, 3}.
fn check_dims(ctx: &mut Ctx, file: &str, path: &str, dims: &[u32]) {
    let increasing = dims.windows(2).all(|w| w[0] < w[1]);
    if dims.is_empty() || !increasing || dims.iter().any(|d| !(1..=3).contains(d)) {
        ctx.push(Violation::InvalidDimensions {
            file: file.to_owned(),
            path: path.to_owned(),
            dims: dims.to_vec(),
        });
    }
}

fn check_files_keys<'a>(
    ctx: &mut Ctx,
    file: &str,
    path: &str,
    dims: &[u32],
    keys: impl Iterator<Item = &'a String>,
) {
    let mut expected: Vec<String> = dims.iter().map(|d| format!("{d}d")).collect();
    expected.sort();
    expected.dedup();
    let found: Vec<String> = keys.cloned().collect();
    if found != expected {
        ctx.push(Violation::FilesMismatch {
            file: file.to_owned(),
            path: path.to_owned(),
            expected,
            found,
        });
    }
}

pub(super) fn check_path(ctx: &mut Ctx, file: &str, path: &str, value: &str) {
    if let Err(reason) = check_safe_relative_path(value) {
        ctx.push(Violation::UnsafePath {
            file: file.to_owned(),
            path: path.to_owned(),
            value: value.to_owned(),
            reason,
        });
    }
}

pub(super) fn check_compression(ctx: &mut Ctx, file: &str, path: &str, value: Option<u32>) {
    if let Some(level) = value {
        if !(1..=9).contains(&level) {
            ctx.push(Violation::InvalidCompression {
                file: file.to_owned(),
                path: path.to_owned(),
                found: level,
            });
        }
    }
}

pub(super) fn check_quantization(ctx: &mut Ctx, file: &str, path: &str, value: Option<u32>) {
    if let Some(bits) = value {
        if bits != 8 && bits != 16 {
            ctx.push(Violation::InvalidQuantization {
                file: file.to_owned(),
                path: path.to_owned(),
                found: bits,
            });
        }
    }
}

pub(super) fn empty(ctx: &mut Ctx, file: &str, path: &str) {
    ctx.push(Violation::EmptyString {
        file: file.to_owned(),
        path: path.to_owned(),
    });
}

/// `^[A-Za-z0-9][A-Za-z0-9._-]*$`, not ending in `.`.
pub(crate) fn is_valid_dataset_id(id: &str) -> bool {
    let mut chars = id.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    first_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !id.ends_with('.')
}

/// Exactly `YYYY-MM-DDTHH:MM:SSZ` and a real calendar time.
pub(crate) fn is_utc_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 20 {
        return false;
    }
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let matches_shape = b.iter().zip(shape).all(|(c, s)| {
        if *s == b'd' {
            c.is_ascii_digit()
        } else {
            c == s
        }
    });
    if !matches_shape {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let (hour, minute, second) = (num(11..13), num(14..16), num(17..19));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && hour < 24 && minute < 60 && second < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_ids() {
        assert!(is_utc_timestamp("2026-01-01T00:00:00Z"));
        assert!(is_utc_timestamp("2024-02-29T23:59:59Z"));
        assert!(!is_utc_timestamp("2026-02-29T00:00:00Z"));
        assert!(!is_utc_timestamp("2026-02-30T00:00:00Z"));
        assert!(!is_utc_timestamp("2026-01-01T24:00:00Z"));
        assert!(!is_utc_timestamp("2026-01-01T00:00:00.5Z"));
        assert!(!is_utc_timestamp("2026-01-01 00:00:00Z"));
        assert!(is_valid_dataset_id("pbmc68k-q8-gz6"));
        assert!(is_valid_dataset_id("a.b_c"));
        assert!(!is_valid_dataset_id(".a"));
        assert!(!is_valid_dataset_id("a."));
        assert!(!is_valid_dataset_id("a b"));
        assert!(!is_valid_dataset_id(""));
    }
}
