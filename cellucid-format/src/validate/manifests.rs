//! Value rules of the obs, var and connectivity manifests and the cross-file rules
//! (viewer-contract.md §1.3–§1.6; R4–R7).

use std::collections::{BTreeSet, HashSet};

use super::identity::{check_compression, check_path, check_quantization, empty};
use super::{Ctx, Violation};
use crate::model::{
    CategoricalField, ConnectivityManifest, ContinuousField, DatasetIdentity, ObsFieldKind,
    ObsManifest, VarManifest,
};
use crate::payload::{expand_pattern, gz_suffix, vector_path, CodesDtype};

/// Browser working-set limit (512 MiB).
pub(super) const WORKING_SET_LIMIT: u64 = crate::limits::WORKING_SET_BYTES;

/// The parsed documents of one dataset.
pub(super) struct Docs<'a> {
    pub(super) identity: &'a DatasetIdentity,
    pub(super) obs: Option<&'a ObsManifest>,
    pub(super) var: Option<&'a VarManifest>,
    pub(super) conn: Option<&'a ConnectivityManifest>,
}

impl Docs<'_> {
    /// The dataset's compression: the obs manifest's, else the identity's export settings.
    pub(super) fn compression(&self) -> Option<u32> {
        match self.obs {
            Some(obs) => obs.compression,
            None => self
                .identity
                .export_settings
                .as_ref()
                .and_then(|s| s.compression),
        }
    }
}

pub(super) fn check(ctx: &mut Ctx, docs: &Docs<'_>) {
    if let Some(obs) = docs.obs {
        check_obs(ctx, docs.identity, obs);
    }
    if let Some(var) = docs.var {
        check_var(ctx, docs, var);
    }
    if let Some(conn) = docs.conn {
        check_connectivity(ctx, docs, conn);
    }
    check_identity_paths(ctx, docs);
    check_export_settings(ctx, docs);
    check_claimed_paths(ctx, docs);
}

fn check_obs(ctx: &mut Ctx, identity: &DatasetIdentity, obs: &ObsManifest) {
    let file = ctx.file(ObsManifest::FILE_NAME);
    format_tag(ctx, &file, "_format", "compact_v1", &obs.format);
    check_n_points(ctx, &file, obs.n_points, identity.stats.n_cells);
    if let Some(q) = obs.centroid_outlier_quantile {
        if !(q > 0.0 && q < 1.0) {
            ctx.push(Violation::InvalidOutlierQuantile {
                file: file.clone(),
                found: q,
            });
        }
    }
    if obs.latent_key.as_deref() == Some("") {
        empty(ctx, &file, "$.latent_key");
    }
    check_compression(ctx, &file, "$.compression", obs.compression);
    let schemas = &obs.obs_schemas;
    for (name, present, fields) in [
        (
            "continuous",
            schemas.continuous.is_some(),
            obs.continuous_fields.len(),
        ),
        (
            "categorical",
            schemas.categorical.is_some(),
            obs.categorical_fields.len(),
        ),
    ] {
        if present != (fields > 0) {
            ctx.push(Violation::SchemaPresence {
                file: file.clone(),
                schema: name.to_owned(),
                fields,
            });
        }
    }
    let mut quantized = None;
    if let Some(schema) = &schemas.continuous {
        let path = "$._obsSchemas.continuous";
        match schema.encoding() {
            Some(enc) => {
                quantized = Some(enc.bits().is_some());
                let ending = format!("{{index}}.values.{}", enc.ext());
                check_pattern(
                    ctx,
                    &file,
                    &format!("{path}.pathPattern"),
                    &schema.path_pattern,
                    &ending,
                    false,
                    obs.compression,
                );
            }
            None => invalid_schema(
                ctx,
                &file,
                path,
                &schema.ext,
                &schema.dtype,
                schema.quantized,
                schema.quantization_bits,
            ),
        }
    }
    let mut outliers_quantized = None;
    if let Some(schema) = &schemas.categorical {
        let path = "$._obsSchemas.categorical";
        check_pattern(
            ctx,
            &file,
            &format!("{path}.codesPathPattern"),
            &schema.codes_path_pattern,
            "{index}.codes.{ext}",
            true,
            obs.compression,
        );
        match schema.outlier_encoding() {
            Some(enc) => {
                outliers_quantized = Some(enc.bits().is_some());
                let ending = format!("{{index}}.outliers.{}", enc.ext());
                check_pattern(ctx, &file, &format!("{path}.outlierPathPattern"), &schema.outlier_path_pattern, &ending, false, obs.compression);
            }
            None => ctx.push(Violation::InvalidSchema {
                file: file.clone(),
                path: path.to_owned(),
                detail: format!(
                    "outlierExt {:?} / outlierDtype {:?} / outlierQuantized {} is not u8/uint8/true, u16/uint16/true or f32/float32/false",
                    schema.outlier_ext, schema.outlier_dtype, schema.outlier_quantized
                ),
            }),
        }
    }
    // Indices and keys over both arrays.
    let cont_ids = obs
        .continuous_fields
        .iter()
        .map(|f| (f.index, f.key.as_str()));
    let cat_ids = obs
        .categorical_fields
        .iter()
        .map(|f| (f.index, f.key.as_str()));
    let all: Vec<(u64, &str)> = cont_ids.chain(cat_ids).collect();
    check_indices(ctx, &file, all.iter().map(|(i, _)| *i));
    check_keys(
        ctx,
        &file,
        "$._continuousFields/_categoricalFields key",
        all.iter().map(|(_, k)| *k),
    );
    for (i, field) in obs.continuous_fields.iter().enumerate() {
        check_continuous_tuple(
            ctx,
            &file,
            &format!("$._continuousFields[{i}]"),
            field,
            quantized,
        );
    }
    for (i, field) in obs.categorical_fields.iter().enumerate() {
        check_categorical(ctx, &file, i, field, obs.n_points, outliers_quantized);
    }
    check_obs_fields_order(ctx, identity, obs);
}

fn check_categorical(
    ctx: &mut Ctx,
    file: &str,
    i: usize,
    field: &CategoricalField,
    n_cells: u64,
    outliers_quantized: Option<bool>,
) {
    let path = format!("$._categoricalFields[{i}]");
    if let Some(q) = outliers_quantized {
        if q != field.outlier_bounds.is_some() {
            ctx.push(Violation::TupleLength {
                file: file.to_owned(),
                path: path.clone(),
                expected: if q { 8 } else { 6 },
                found: if field.outlier_bounds.is_some() { 8 } else { 6 },
            });
        }
    }
    if let Some(b) = field.outlier_bounds {
        check_bounds(ctx, file, &format!("{path} outlier"), b.min, b.max);
    }
    for (j, label) in field.categories.iter().enumerate() {
        if field.categories[..j]
            .iter()
            .any(|prev| prev.same_label(label))
        {
            ctx.push(Violation::DuplicateCategory {
                file: file.to_owned(),
                field: field.key.clone(),
                label: label.to_string(),
            });
        }
    }
    match CodesDtype::from_name(&field.codes_dtype) {
        None => ctx.push(Violation::InvalidCodesDtype {
            file: file.to_owned(),
            path: format!("{path}[3]"),
            found: field.codes_dtype.clone(),
        }),
        Some(codes) => {
            let max = usize::from(codes.missing());
            if field.categories.len() > max {
                ctx.push(Violation::TooManyCategories {
                    file: file.to_owned(),
                    field: field.key.clone(),
                    count: field.categories.len(),
                    dtype: codes.name().to_owned(),
                    max,
                });
            }
            if field.codes_missing_value != u64::from(codes.missing()) {
                ctx.push(Violation::MissingValueMismatch {
                    file: file.to_owned(),
                    field: field.key.clone(),
                    dtype: codes.name().to_owned(),
                    expected: u64::from(codes.missing()),
                    found: field.codes_missing_value,
                });
            }
        }
    }
    for (dim_key, centroids) in &field.centroids_by_dim {
        let dim = match dim_key.as_str() {
            "1" => 1,
            "2" => 2,
            "3" => 3,
            _ => {
                ctx.push(Violation::InvalidCentroidDimension {
                    file: file.to_owned(),
                    field: field.key.clone(),
                    key: dim_key.clone(),
                });
                continue;
            }
        };
        let mut seen = Vec::new();
        for c in centroids {
            let label = c.category.to_string();
            if !field.categories.iter().any(|k| k.same_label(&c.category)) {
                ctx.push(Violation::UnknownCentroidCategory {
                    file: file.to_owned(),
                    field: field.key.clone(),
                    dim: dim_key.clone(),
                    label: label.clone(),
                });
            } else if seen
                .iter()
                .any(|s: &&crate::model::Category| s.same_label(&c.category))
            {
                ctx.push(Violation::DuplicateCentroidCategory {
                    file: file.to_owned(),
                    field: field.key.clone(),
                    dim: dim_key.clone(),
                    label: label.clone(),
                });
            }
            seen.push(&c.category);
            if c.position.len() != dim || c.position.iter().any(|v| !v.is_finite()) {
                ctx.push(Violation::InvalidCentroidPosition {
                    file: file.to_owned(),
                    field: field.key.clone(),
                    dim: dim_key.clone(),
                    label,
                    detail: format!(
                        "position has {} values, expected {dim} finite numbers",
                        c.position.len()
                    ),
                });
            }
            if c.n_points > n_cells {
                ctx.push(Violation::CentroidPointsOutOfRange {
                    file: file.to_owned(),
                    field: field.key.clone(),
                    dim: dim_key.clone(),
                    n_points: c.n_points,
                    n_cells,
                });
            }
        }
    }
}

/// `obs_fields` must equal the expanded manifest: continuous first, then categorical.
fn check_obs_fields_order(ctx: &mut Ctx, identity: &DatasetIdentity, obs: &ObsManifest) {
    let expanded: Vec<(String, ObsFieldKind, Option<u64>)> = obs
        .continuous_fields
        .iter()
        .map(|f| (f.key.clone(), ObsFieldKind::Continuous, None))
        .chain(obs.categorical_fields.iter().map(|f| {
            (
                f.key.clone(),
                ObsFieldKind::Category,
                Some(f.categories.len() as u64),
            )
        }))
        .collect();
    let describe = |e: Option<(&str, ObsFieldKind, Option<u64>)>| match e {
        None => "nothing".to_owned(),
        Some((k, ObsFieldKind::Continuous, _)) => format!("{{key: {k:?}, kind: continuous}}"),
        Some((k, ObsFieldKind::Category, n)) => {
            format!(
                "{{key: {k:?}, kind: category, n_categories: {}}}",
                n.unwrap_or(0)
            )
        }
    };
    let len = expanded.len().max(identity.obs_fields.len());
    for position in 0..len {
        let want = expanded
            .get(position)
            .map(|(k, kind, n)| (k.as_str(), *kind, *n));
        let have = identity
            .obs_fields
            .get(position)
            .map(|f| (f.key.as_str(), f.kind, f.n_categories));
        if want != have {
            ctx.push(Violation::ObsFieldsMismatch {
                file: ctx.file(DatasetIdentity::FILE_NAME),
                position,
                expected: describe(want),
                found: describe(have),
            });
            return;
        }
    }
}

fn check_var(ctx: &mut Ctx, docs: &Docs<'_>, var: &VarManifest) {
    let file = ctx.file(VarManifest::FILE_NAME);
    format_tag(ctx, &file, "_format", "compact_v1", &var.format);
    check_n_points(ctx, &file, var.n_points, docs.identity.stats.n_cells);
    if var.var_gene_id_column.as_deref() == Some("") {
        empty(ctx, &file, "$.var_gene_id_column");
    }
    check_compression(ctx, &file, "$.compression", var.compression);
    check_same_compression(ctx, &file, docs, var.compression);
    check_quantization(ctx, &file, "$.quantization", var.quantization);
    let schema = &var.var_schema;
    let mut quantized = None;
    if schema.kind != "continuous" {
        ctx.push(Violation::InvalidSchema {
            file: file.clone(),
            path: "$._varSchema.kind".to_owned(),
            detail: format!("kind is {:?}, expected \"continuous\"", schema.kind),
        });
    }
    match schema.encoding() {
        Some(enc) => {
            quantized = Some(enc.bits().is_some());
            let bits = enc.bits().map(|b| b.bits());
            if var.quantization != bits {
                ctx.push(Violation::InvalidSchema {
                    file: file.clone(),
                    path: "$.quantization".to_owned(),
                    detail: format!(
                        "quantization {:?} must equal _varSchema.quantizationBits {bits:?}",
                        var.quantization
                    ),
                });
            }
            let ending = format!("{{index}}.values.{}", enc.ext());
            check_pattern(
                ctx,
                &file,
                "$._varSchema.pathPattern",
                &schema.path_pattern,
                &ending,
                false,
                var.compression,
            );
        }
        None => invalid_schema(
            ctx,
            &file,
            "$._varSchema",
            &schema.ext,
            &schema.dtype,
            schema.quantized,
            schema.quantization_bits,
        ),
    }
    if var.fields.len() as u64 != docs.identity.stats.n_genes {
        ctx.push(Violation::CountMismatch {
            file: file.clone(),
            path: "$.fields (length)".to_owned(),
            expected: docs.identity.stats.n_genes,
            found: var.fields.len() as u64,
            against: "dataset_identity.json stats.n_genes".to_owned(),
        });
    }
    check_indices(ctx, &file, var.fields.iter().map(|f| f.index));
    check_keys(
        ctx,
        &file,
        "$.fields name",
        var.fields.iter().map(|f| f.key.as_str()),
    );
    for (i, field) in var.fields.iter().enumerate() {
        check_continuous_tuple(ctx, &file, &format!("$.fields[{i}]"), field, quantized);
    }
}

fn check_connectivity(ctx: &mut Ctx, docs: &Docs<'_>, conn: &ConnectivityManifest) {
    let file = ctx.file(ConnectivityManifest::FILE_NAME);
    let stats = &docs.identity.stats;
    format_tag(ctx, &file, "format", "edge_pairs", &conn.format);
    let n = conn.n_cells;
    if n == 0 || n > 1 << 32 {
        ctx.push(Violation::InvalidCount {
            file: file.clone(),
            path: "$.n_cells".to_owned(),
            found: n,
            rule: "n_cells must be a positive integer <= 2^32".to_owned(),
        });
    }
    if n != stats.n_cells {
        ctx.push(count_mismatch(
            &file,
            "$.n_cells",
            stats.n_cells,
            n,
            "dataset_identity.json stats.n_cells",
        ));
    }
    let max_edges =
        (u128::from(n) * u128::from(n.saturating_sub(1)) / 2).min(u128::from(u64::MAX)) as u64;
    if conn.n_edges > max_edges {
        ctx.push(Violation::TooManyEdges {
            file: file.clone(),
            n_edges: conn.n_edges,
            max: max_edges,
        });
    }
    if let Some(n_edges) = stats.n_edges {
        if n_edges != conn.n_edges {
            ctx.push(count_mismatch(
                &file,
                "$.n_edges",
                n_edges,
                conn.n_edges,
                "dataset_identity.json stats.n_edges",
            ));
        }
    }
    let cap = n.saturating_sub(1).min(conn.n_edges);
    if conn.max_neighbors > cap || ((conn.max_neighbors == 0) != (conn.n_edges == 0)) {
        ctx.push(Violation::MaxNeighborsRange {
            file: file.clone(),
            max_neighbors: conn.max_neighbors,
            n_edges: conn.n_edges,
        });
    }
    let (bytes, dtype) = if n <= ConnectivityManifest::UINT16_MAX_CELLS {
        (2, "uint16")
    } else {
        (4, "uint32")
    };
    if conn.index_bytes != bytes || conn.index_dtype != dtype {
        ctx.push(Violation::IndexWidth {
            file: file.clone(),
            index_dtype: conn.index_dtype.clone(),
            index_bytes: conn.index_bytes,
            expected: dtype.to_owned(),
        });
    }
    if conn.weight_dtype != "float64" || conn.weight_bytes != 8 {
        ctx.push(Violation::WeightEncoding {
            file: file.clone(),
            weight_dtype: conn.weight_dtype.clone(),
            weight_bytes: conn.weight_bytes,
        });
    }
    check_compression(ctx, &file, "$.compression", conn.compression);
    check_same_compression(ctx, &file, docs, conn.compression);
    let paths = [
        ("$.sourcesPath", &conn.sources_path),
        ("$.destinationsPath", &conn.destinations_path),
        ("$.weightsPath", &conn.weights_path),
    ];
    let mut seen = HashSet::new();
    for (key, path) in paths {
        check_path(ctx, &file, key, path);
        check_suffix(ctx, &file, key, path, conn.compression);
        if !seen.insert(path.as_str()) {
            ctx.push(Violation::ConnectivityPathsNotDistinct {
                file: file.clone(),
                path: path.clone(),
            });
        }
    }
    let working_set = crate::limits::edge_working_set_bytes(conn.n_edges, n);
    if working_set > WORKING_SET_LIMIT {
        ctx.push(Violation::EdgeWorkingSet {
            file: file.clone(),
            bytes: working_set,
            limit: WORKING_SET_LIMIT,
        });
    }
}

/// `.gz` suffixes of identity paths, and the local-folder vector path convention.
fn check_identity_paths(ctx: &mut Ctx, docs: &Docs<'_>) {
    let file = ctx.file(DatasetIdentity::FILE_NAME);
    let compression = docs.compression();
    for (key, path) in &docs.identity.embeddings.files {
        check_suffix(
            ctx,
            &file,
            &format!("$.embeddings.files.{key}"),
            path,
            compression,
        );
    }
    if let Some(vf) = &docs.identity.vector_fields {
        for (index, (id, field)) in vf.fields.iter().enumerate() {
            for &dim in &field.available_dimensions {
                let expected = vector_path(index, dim, compression);
                let found = field.files.get(&format!("{dim}d"));
                if let Some(found) = found.filter(|f| **f != expected) {
                    ctx.push(Violation::VectorFieldPath {
                        file: file.clone(),
                        field: id.clone(),
                        dim,
                        expected,
                        found: found.clone(),
                    });
                }
            }
        }
    }
}

/// `export_settings` must agree with the manifests (local-folder reader, R7).
fn check_export_settings(ctx: &mut Ctx, docs: &Docs<'_>) {
    let Some(settings) = &docs.identity.export_settings else {
        return;
    };
    let file = ctx.file(DatasetIdentity::FILE_NAME);
    let mismatch = |ctx: &mut Ctx, setting: &str, identity: String, manifest: String| {
        if identity != manifest {
            ctx.push(Violation::ExportSettingsMismatch {
                file: file.clone(),
                setting: setting.to_owned(),
                identity,
                manifest,
            });
        }
    };
    let show = |v: Option<u32>| v.map_or("null".to_owned(), |v| v.to_string());
    if let Some(obs) = docs.obs {
        mismatch(
            ctx,
            "compression",
            show(settings.compression),
            show(obs.compression),
        );
        let want = show(settings.obs_continuous_quantization);
        if let Some(enc) = obs
            .obs_schemas
            .continuous
            .as_ref()
            .and_then(|s| s.encoding())
        {
            mismatch(
                ctx,
                "obs_continuous_quantization",
                want.clone(),
                show(enc.bits().map(|b| b.bits())),
            );
        }
        if let Some(enc) = obs
            .obs_schemas
            .categorical
            .as_ref()
            .and_then(|s| s.outlier_encoding())
        {
            mismatch(
                ctx,
                "obs_continuous_quantization (outliers)",
                want,
                show(enc.bits().map(|b| b.bits())),
            );
        }
        let dtype = &settings.obs_categorical_dtype;
        if let Some(field) = obs
            .categorical_fields
            .iter()
            .find(|f| &f.codes_dtype != dtype)
        {
            mismatch(
                ctx,
                "obs_categorical_dtype",
                dtype.clone(),
                field.codes_dtype.clone(),
            );
        }
    }
    if let Some(var) = docs.var {
        mismatch(
            ctx,
            "var_quantization",
            show(settings.var_quantization),
            show(var.quantization),
        );
    }
}

/// No payload path may be claimed twice.
fn check_claimed_paths(ctx: &mut Ctx, docs: &Docs<'_>) {
    let mut claims: Vec<(String, String)> = Vec::new();
    let id_file = ctx.file(DatasetIdentity::FILE_NAME);
    for path in docs.identity.embeddings.files.values() {
        claims.push((id_file.clone(), path.clone()));
    }
    if let Some(vf) = &docs.identity.vector_fields {
        for field in vf.fields.values() {
            for path in field.files.values() {
                claims.push((id_file.clone(), path.clone()));
            }
        }
    }
    if let Some(obs) = docs.obs {
        let file = ctx.file(ObsManifest::FILE_NAME);
        if let Some(s) = &obs.obs_schemas.continuous {
            for f in &obs.continuous_fields {
                claims.push((file.clone(), expand_pattern(&s.path_pattern, f.index, None)));
            }
        }
        if let Some(s) = &obs.obs_schemas.categorical {
            for f in &obs.categorical_fields {
                let ext = CodesDtype::from_name(&f.codes_dtype).map(|c| c.ext());
                claims.push((
                    file.clone(),
                    expand_pattern(&s.codes_path_pattern, f.index, ext),
                ));
                claims.push((
                    file.clone(),
                    expand_pattern(&s.outlier_path_pattern, f.index, None),
                ));
            }
        }
    }
    if let Some(var) = docs.var {
        let file = ctx.file(VarManifest::FILE_NAME);
        for f in &var.fields {
            claims.push((
                file.clone(),
                expand_pattern(&var.var_schema.path_pattern, f.index, None),
            ));
        }
    }
    if let Some(conn) = docs.conn {
        let file = ctx.file(ConnectivityManifest::FILE_NAME);
        for path in [
            &conn.sources_path,
            &conn.destinations_path,
            &conn.weights_path,
        ] {
            claims.push((file.clone(), path.clone()));
        }
    }
    let mut seen = HashSet::new();
    let mut reported = BTreeSet::new();
    for (file, path) in claims {
        if !seen.insert(path.clone()) && reported.insert(path.clone()) {
            ctx.push(Violation::PathClaimedTwice { file, path });
        }
    }
}

// ---- shared helpers ----

fn format_tag(ctx: &mut Ctx, file: &str, key: &str, expected: &str, found: &str) {
    if found != expected {
        ctx.push(Violation::WrongFormatTag {
            file: file.to_owned(),
            key: key.to_owned(),
            expected: expected.to_owned(),
            found: found.to_owned(),
        });
    }
}

fn check_n_points(ctx: &mut Ctx, file: &str, n_points: u64, n_cells: u64) {
    if n_points == 0 || n_points > (1 << 53) - 1 {
        ctx.push(Violation::InvalidCount {
            file: file.to_owned(),
            path: "$.n_points".to_owned(),
            found: n_points,
            rule: "n_points must be a positive safe integer".to_owned(),
        });
    }
    if n_points != n_cells {
        ctx.push(count_mismatch(
            file,
            "$.n_points",
            n_cells,
            n_points,
            "dataset_identity.json stats.n_cells",
        ));
    }
}

fn count_mismatch(file: &str, path: &str, expected: u64, found: u64, against: &str) -> Violation {
    Violation::CountMismatch {
        file: file.to_owned(),
        path: path.to_owned(),
        expected,
        found,
        against: against.to_owned(),
    }
}

fn check_same_compression(ctx: &mut Ctx, file: &str, docs: &Docs<'_>, found: Option<u32>) {
    if let Some(obs) = docs.obs {
        if obs.compression != found {
            ctx.push(Violation::CompressionMismatch {
                file: file.to_owned(),
                expected: obs.compression,
                found,
            });
        }
    }
}

fn invalid_schema(
    ctx: &mut Ctx,
    file: &str,
    path: &str,
    ext: &str,
    dtype: &str,
    quantized: bool,
    bits: Option<u32>,
) {
    ctx.push(Violation::InvalidSchema {
        file: file.to_owned(),
        path: path.to_owned(),
        detail: format!(
            "ext {ext:?} / dtype {dtype:?} / quantized {quantized} / quantizationBits {bits:?} is \
             not 8/uint8/u8, 16/uint16/u16 or unquantized float32/f32"
        ),
    });
}

/// Suffix `.gz` iff compression; exactly the placeholders `{index}` (+ `{ext}` for codes);
/// the required ending; a safe path once expanded.
#[allow(clippy::too_many_arguments)]
fn check_pattern(
    ctx: &mut Ctx,
    file: &str,
    path: &str,
    pattern: &str,
    ending: &str,
    with_ext: bool,
    compression: Option<u32>,
) {
    if !check_suffix(ctx, file, path, pattern, compression) {
        return;
    }
    let expected = format!("{ending}{}", gz_suffix(compression));
    let placeholders_ok = pattern.matches("{index}").count() == 1
        && pattern.matches("{ext}").count() == usize::from(with_ext)
        && pattern.matches('{').count() == 1 + usize::from(with_ext)
        && pattern.matches('}').count() == 1 + usize::from(with_ext);
    let ends_ok = pattern.ends_with(&expected)
        && (pattern.len() == expected.len()
            || pattern[..pattern.len() - expected.len()].ends_with('/'));
    if !placeholders_ok || !ends_ok {
        ctx.push(Violation::InvalidPathPattern {
            file: file.to_owned(),
            path: path.to_owned(),
            expected,
            found: pattern.to_owned(),
        });
        return;
    }
    check_path(
        ctx,
        file,
        path,
        &expand_pattern(pattern, 0, with_ext.then_some("u8")),
    );
}

/// Reports a path whose `.gz` suffix disagrees with `compression`; returns whether it agrees.
fn check_suffix(
    ctx: &mut Ctx,
    file: &str,
    path: &str,
    value: &str,
    compression: Option<u32>,
) -> bool {
    if value.ends_with(".gz") != compression.is_some() {
        ctx.push(Violation::CompressionSuffix {
            file: file.to_owned(),
            path: path.to_owned(),
            value: value.to_owned(),
            compression,
        });
        return false;
    }
    true
}

/// Indices exactly 0..N-1, each once.
fn check_indices(ctx: &mut Ctx, file: &str, indices: impl Iterator<Item = u64>) {
    let indices: Vec<u64> = indices.collect();
    let n = indices.len() as u64;
    let mut seen = vec![false; indices.len()];
    for index in indices {
        let slot = usize::try_from(index).ok().filter(|_| index < n);
        match slot {
            None => {
                ctx.push(Violation::PayloadIndices {
                    file: file.to_owned(),
                    detail: format!("index {index} is outside 0..{}", n.saturating_sub(1)),
                });
                return;
            }
            Some(slot) if seen[slot] => {
                ctx.push(Violation::PayloadIndices {
                    file: file.to_owned(),
                    detail: format!("index {index} is used twice"),
                });
                return;
            }
            Some(slot) => seen[slot] = true,
        }
    }
}

/// Keys unique and non-empty.
fn check_keys<'a>(ctx: &mut Ctx, file: &str, path: &str, keys: impl Iterator<Item = &'a str>) {
    let mut seen = HashSet::new();
    for key in keys {
        if key.is_empty() {
            empty(ctx, file, path);
        } else if !seen.insert(key) {
            ctx.push(Violation::DuplicateKey {
                file: file.to_owned(),
                path: path.to_owned(),
                key: key.to_owned(),
            });
        }
    }
}

fn check_continuous_tuple(
    ctx: &mut Ctx,
    file: &str,
    path: &str,
    field: &ContinuousField,
    quantized: Option<bool>,
) {
    if let Some(q) = quantized {
        if q != field.bounds.is_some() {
            ctx.push(Violation::TupleLength {
                file: file.to_owned(),
                path: path.to_owned(),
                expected: if q { 4 } else { 2 },
                found: if field.bounds.is_some() { 4 } else { 2 },
            });
        }
    }
    if let Some(b) = field.bounds {
        check_bounds(ctx, file, path, b.min, b.max);
    }
}

fn check_bounds(ctx: &mut Ctx, file: &str, path: &str, min: f64, max: f64) {
    if !(min.is_finite() && max.is_finite() && min <= max) {
        ctx.push(Violation::InvalidBounds {
            file: file.to_owned(),
            path: path.to_owned(),
            min,
            max,
        });
    }
}
