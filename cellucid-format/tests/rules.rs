//! One table-driven test per viewer rule: copy a valid golden export into a temporary
//! directory, break exactly one rule, and assert the validator reports that rule's variant.

use std::fs;
use std::path::{Path, PathBuf};

use cellucid_format::{encode_le, gzip, validate, Violation};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Golden {
    /// latent-f32: uncompressed, unquantized, genes, no graph, one categorical + one continuous.
    Latent,
    /// edge-raw: uncompressed, uint16 codes, graph, vector fields, 1/2/3-D.
    Edge,
    /// edge-q8-gz6: gzip level 6, 8-bit quantization.
    EdgeGz,
    /// A folder of exports: `datasets.json` plus latent-f32 copied to `a/`.
    Catalog,
}

struct Case {
    name: &'static str,
    golden: Golden,
    mutate: fn(&Path),
    expect: fn(&Violation) -> bool,
}

macro_rules! case {
    ($name:literal, $golden:ident, |$d:ident| $body:expr, $pat:pat $(if $guard:expr)?) => {
        Case {
            name: $name,
            golden: Golden::$golden,
            mutate: |$d: &Path| {
                $body;
            },
            expect: |v: &Violation| matches!(v, $pat $(if $guard)?),
        }
    };
}

fn golden_dir(case: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/golden"
    ))
    .join(case)
    .join("export")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn fixture(golden: Golden) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    match golden {
        Golden::Latent => copy_dir(&golden_dir("latent-f32"), tmp.path()),
        Golden::Edge => copy_dir(&golden_dir("edge-raw"), tmp.path()),
        Golden::EdgeGz => copy_dir(&golden_dir("edge-q8-gz6"), tmp.path()),
        Golden::Catalog => {
            copy_dir(&golden_dir("latent-f32"), &tmp.path().join("a"));
            let catalog = json!({
                "version": 1,
                "default": "latent-f32",
                "datasets": [{"id": "latent-f32", "path": "a/", "name": "Latent",
                              "description": "extra keys are ignored", "n_cells": 2000, "n_genes": 4,
                              "thumbnail": "x.png"}],
                "generated_by": "tests"
            });
            write_json(&tmp.path().join("datasets.json"), &catalog);
        }
    }
    tmp
}

fn write_json(path: &Path, value: &Value) {
    fs::write(path, serde_json::to_string(value).expect("serialise")).expect("write");
}

/// Edits a JSON document in place.
fn ed(dir: &Path, file: &str, edit: impl FnOnce(&mut Value)) {
    let path = dir.join(file);
    let mut value: Value = serde_json::from_slice(&fs::read(&path).expect("read")).expect("parse");
    edit(&mut value);
    write_json(&path, &value);
}

/// Sets (or inserts into an object) the value at a JSON pointer.
fn set(v: &mut Value, pointer: &str, new: Value) {
    if let Some(slot) = v.pointer_mut(pointer) {
        *slot = new;
        return;
    }
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    v.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("parent object exists")
        .insert(key.to_owned(), new);
}

/// Removes a key at a JSON pointer's parent object.
fn remove(v: &mut Value, parent: &str, key: &str) {
    v.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("object")
        .remove(key);
}

fn edit_f32(dir: &Path, rel: &str, edit: impl FnOnce(&mut Vec<f32>)) {
    let path = dir.join(rel);
    let mut values: Vec<f32> =
        cellucid_format::decode_le(&fs::read(&path).expect("read")).expect("decode");
    edit(&mut values);
    fs::write(&path, encode_le(&values)).expect("write");
}

fn edit_u16(dir: &Path, rel: &str, edit: impl FnOnce(&mut Vec<u16>)) {
    let path = dir.join(rel);
    let mut values: Vec<u16> =
        cellucid_format::decode_le(&fs::read(&path).expect("read")).expect("decode");
    edit(&mut values);
    fs::write(&path, encode_le(&values)).expect("write");
}

fn edit_f64(dir: &Path, rel: &str, edit: impl FnOnce(&mut Vec<f64>)) {
    let path = dir.join(rel);
    let mut values: Vec<f64> =
        cellucid_format::decode_le(&fs::read(&path).expect("read")).expect("decode");
    edit(&mut values);
    fs::write(&path, encode_le(&values)).expect("write");
}

const ID: &str = "dataset_identity.json";
const OBS: &str = "obs_manifest.json";
const VAR: &str = "var_manifest.json";
const CONN: &str = "connectivity_manifest.json";
const CAT: &str = "datasets.json";

fn cases() -> Vec<Case> {
    vec![
        // ---- JSON structure (R1) ----
        case!("missing identity key", Latent, |d| ed(d, ID, |v| remove(v, "", "name")),
            Violation::MissingKey { key, path, .. } if key == "name" && path == "$"),
        case!("unexpected identity key", Latent, |d| ed(d, ID, |v| set(v, "/extra", json!(1))),
            Violation::UnexpectedKey { key, .. } if key == "extra"),
        case!("unexpected stats key", Latent, |d| ed(d, ID, |v| set(v, "/stats/n_vars", json!(1))),
            Violation::UnexpectedKey { key, path, .. } if key == "n_vars" && path == "$.stats"),
        case!("missing n_categories", Latent, |d| ed(d, ID, |v| remove(v, "/obs_fields/1", "n_categories")),
            Violation::MissingKey { key, .. } if key == "n_categories"),
        case!("n_categories on a continuous entry", Latent, |d| ed(d, ID, |v| set(v, "/obs_fields/0/n_categories", json!(2))),
            Violation::UnexpectedKey { key, .. } if key == "n_categories"),
        case!("wrong JSON type", Latent, |d| ed(d, ID, |v| set(v, "/version", json!("2"))),
            Violation::WrongType { file, .. } if file == ID),
        case!("optional member written as null", Latent, |d| ed(d, ID, |v| set(v, "/export_settings", Value::Null)),
            Violation::WrongType { path, .. } if path == "$.export_settings"),
        case!("invalid JSON", Latent, |d| fs::write(d.join(ID), "{\"version\": 2,").expect("write"),
            Violation::InvalidJson { file, .. } if file == ID),
        case!("NaN token", Latent, |d| {
            let text = fs::read_to_string(d.join(OBS)).expect("read");
            fs::write(d.join(OBS), text.replace("0.95", "NaN")).expect("write")
        }, Violation::InvalidJson { file, .. } if file == OBS),
        case!("JSON over 64 MiB", Latent, |d| {
            fs::OpenOptions::new().write(true).open(d.join(OBS)).expect("open").set_len(65 << 20).expect("grow")
        }, Violation::JsonTooLarge { file, .. } if file == OBS),
        case!("unexpected obs manifest key", Latent, |d| ed(d, OBS, |v| set(v, "/_format_version", json!(1))),
            Violation::UnexpectedKey { file, .. } if file == OBS),
        case!("unexpected centroid key", Latent, |d| ed(d, OBS, |v| set(v, "/_categoricalFields/0/5/2/0/label", json!("x"))),
            Violation::UnexpectedKey { key, .. } if key == "label"),
        case!("missing connectivity key", Edge, |d| ed(d, CONN, |v| remove(v, "", "weight_bytes")),
            Violation::MissingKey { key, file, .. } if key == "weight_bytes" && file == CONN),
        // ---- identity (R2, R3) ----
        case!(
            "identity version",
            Latent,
            |d| ed(d, ID, |v| set(v, "/version", json!(3))),
            Violation::UnsupportedVersion {
                expected: 2,
                found: 3,
                ..
            }
        ),
        case!(
            "dataset id",
            Latent,
            |d| ed(d, ID, |v| set(v, "/id", json!("bad id."))),
            Violation::InvalidDatasetId { .. }
        ),
        case!("blank name", Latent, |d| ed(d, ID, |v| set(v, "/name", json!("  "))),
            Violation::EmptyString { path, .. } if path == "$.name"),
        case!("empty data version", Latent, |d| ed(d, ID, |v| set(v, "/cellucid_data_version", json!(""))),
            Violation::EmptyString { path, .. } if path == "$.cellucid_data_version"),
        case!(
            "created_at calendar",
            Latent,
            |d| ed(d, ID, |v| set(
                v,
                "/created_at",
                json!("2026-02-30T00:00:00Z")
            )),
            Violation::InvalidCreatedAt { .. }
        ),
        case!(
            "n_obs_fields sum",
            Latent,
            |d| ed(d, ID, |v| set(v, "/stats/n_obs_fields", json!(3))),
            Violation::ObsFieldCounts { .. }
        ),
        case!(
            "n_edges without connectivity",
            Latent,
            |d| ed(d, ID, |v| set(v, "/stats/n_edges", json!(0))),
            Violation::EdgeCountNullability {
                has_connectivity: false,
                ..
            }
        ),
        case!(
            "available dimensions",
            Latent,
            |d| ed(d, ID, |v| set(
                v,
                "/embeddings/available_dimensions",
                json!([2, 2])
            )),
            Violation::InvalidDimensions { .. }
        ),
        case!(
            "default dimension",
            Latent,
            |d| ed(d, ID, |v| set(v, "/embeddings/default_dimension", json!(3))),
            Violation::DefaultDimension { found: 3, .. }
        ),
        case!(
            "embedding files keys",
            Latent,
            |d| ed(d, ID, |v| set(
                v,
                "/embeddings/files/3d",
                json!("points_3d.bin")
            )),
            Violation::FilesMismatch { .. }
        ),
        case!("unsafe embedding path", Latent, |d| ed(d, ID, |v| set(v, "/embeddings/files/2d", json!("../points_2d.bin"))),
            Violation::UnsafePath { path, .. } if path == "$.embeddings.files.2d"),
        case!(
            "export_settings compression",
            Latent,
            |d| ed(d, ID, |v| set(v, "/export_settings/compression", json!(0))),
            Violation::InvalidCompression { found: 0, .. }
        ),
        case!(
            "export_settings quantization",
            Latent,
            |d| ed(d, ID, |v| set(
                v,
                "/export_settings/var_quantization",
                json!(12)
            )),
            Violation::InvalidQuantization { found: 12, .. }
        ),
        case!("categorical dtype auto", Latent, |d| ed(d, ID, |v| set(v, "/export_settings/obs_categorical_dtype", json!("auto"))),
            Violation::InvalidCodesDtype { found, .. } if found == "auto"),
        case!("duplicate obs_fields key", Latent, |d| ed(d, ID, |v| set(v, "/obs_fields/1/key", json!("score"))),
            Violation::DuplicateKey { key, .. } if key == "score"),
        case!(
            "obs_fields order",
            Latent,
            |d| ed(d, ID, |v| {
                let fields = v["obs_fields"].as_array_mut().expect("array");
                fields.swap(0, 1);
            }),
            Violation::ObsFieldsMismatch { position: 0, .. }
        ),
        case!(
            "obs_fields n_categories",
            Latent,
            |d| ed(d, ID, |v| set(v, "/obs_fields/1/n_categories", json!(7))),
            Violation::ObsFieldsMismatch { position: 1, .. }
        ),
        case!("empty source name", Latent, |d| ed(d, ID, |v| set(v, "/source", json!({"name": "", "url": "https://x"}))),
            Violation::EmptyString { path, .. } if path == "$.source.name"),
        // ---- vector fields (R11) ----
        case!(
            "vector default null",
            Edge,
            |d| ed(d, ID, |v| set(
                v,
                "/vector_fields/default_field",
                Value::Null
            )),
            Violation::MissingDefaultVectorField { .. }
        ),
        case!("vector default unknown", Edge, |d| ed(d, ID, |v| set(v, "/vector_fields/default_field", json!("nope"))),
            Violation::UnknownDefaultVectorField { found, .. } if found == "nope"),
        case!(
            "vector fields empty",
            Edge,
            |d| ed(d, ID, |v| set(v, "/vector_fields/fields", json!({}))),
            Violation::EmptyVectorFields { .. }
        ),
        case!(
            "vector label",
            Edge,
            |d| ed(d, ID, |v| set(
                v,
                "/vector_fields/fields/velocity_umap/label",
                json!("Velocity")
            )),
            Violation::VectorFieldLabel { .. }
        ),
        case!(
            "vector basis",
            Edge,
            |d| ed(d, ID, |v| set(
                v,
                "/vector_fields/fields/velocity_umap/basis",
                json!("tsne")
            )),
            Violation::VectorFieldBasis { .. }
        ),
        case!(
            "vector default dimension",
            Edge,
            |d| ed(d, ID, |v| set(
                v,
                "/vector_fields/fields/velocity_umap/default_dimension",
                json!(2)
            )),
            Violation::DefaultDimension {
                expected: 3,
                found: 2,
                ..
            }
        ),
        case!(
            "vector path",
            Edge,
            |d| ed(d, ID, |v| set(
                v,
                "/vector_fields/fields/velocity_umap/files/2d",
                json!("vectors/1_2d.bin")
            )),
            Violation::VectorFieldPath { dim: 2, .. }
        ),
        case!(
            "vector dimension without points",
            Edge,
            |d| ed(d, ID, |v| {
                set(v, "/embeddings/available_dimensions", json!([1, 2]));
                set(v, "/embeddings/default_dimension", json!(2));
                remove(v, "/embeddings/files", "3d");
            }),
            Violation::VectorFieldDimension { dim: 3, .. }
        ),
        // ---- obs manifest (R4) ----
        case!("obs _format", Latent, |d| ed(d, OBS, |v| set(v, "/_format", json!("compact_v2"))),
            Violation::WrongFormatTag { key, .. } if key == "_format"),
        case!("obs n_points", Latent, |d| ed(d, OBS, |v| set(v, "/n_points", json!(1999))),
            Violation::CountMismatch { path, expected: 2000, found: 1999, .. } if path == "$.n_points"),
        case!(
            "obs n_points zero",
            Latent,
            |d| ed(d, OBS, |v| set(v, "/n_points", json!(0))),
            Violation::InvalidCount { found: 0, .. }
        ),
        case!(
            "centroid quantile",
            Latent,
            |d| ed(d, OBS, |v| set(v, "/centroid_outlier_quantile", json!(1.0))),
            Violation::InvalidOutlierQuantile { .. }
        ),
        case!("empty latent_key", Latent, |d| ed(d, OBS, |v| set(v, "/latent_key", json!(""))),
            Violation::EmptyString { path, .. } if path == "$.latent_key"),
        case!("obs compression", Latent, |d| ed(d, OBS, |v| set(v, "/compression", json!(10))),
            Violation::InvalidCompression { found: 10, file, .. } if file == OBS),
        case!("schema presence", Latent, |d| ed(d, OBS, |v| remove(v, "/_obsSchemas", "continuous")),
            Violation::SchemaPresence { schema, .. } if schema == "continuous"),
        case!(
            "schema combination",
            Latent,
            |d| ed(d, OBS, |v| set(
                v,
                "/_obsSchemas/continuous/dtype",
                json!("uint8")
            )),
            Violation::InvalidSchema { .. }
        ),
        case!("outlier schema combination", Latent, |d| ed(d, OBS, |v| set(v, "/_obsSchemas/categorical/outlierQuantized", json!(true))),
            Violation::InvalidSchema { path, .. } if path == "$._obsSchemas.categorical"),
        case!(
            "G1 {key} placeholder",
            Latent,
            |d| ed(d, OBS, |v| set(
                v,
                "/_obsSchemas/continuous/pathPattern",
                json!("obs/{key}.values.f32")
            )),
            Violation::InvalidPathPattern { .. }
        ),
        case!(
            "codes pattern without {ext}",
            Latent,
            |d| ed(d, OBS, |v| set(
                v,
                "/_obsSchemas/categorical/codesPathPattern",
                json!("obs/{index}.codes.u8")
            )),
            Violation::InvalidPathPattern { .. }
        ),
        case!(
            ".gz without compression",
            Latent,
            |d| ed(d, OBS, |v| set(
                v,
                "/_obsSchemas/continuous/pathPattern",
                json!("obs/{index}.values.f32.gz")
            )),
            Violation::CompressionSuffix {
                compression: None,
                ..
            }
        ),
        case!(
            "tuple length",
            Latent,
            |d| ed(d, OBS, |v| set(
                v,
                "/_continuousFields/0",
                json!([1, "score", 0.0, 1.0])
            )),
            Violation::TupleLength {
                expected: 2,
                found: 4,
                ..
            }
        ),
        case!(
            "payload indices",
            Latent,
            |d| ed(d, OBS, |v| set(v, "/_continuousFields/0/0", json!(2))),
            Violation::PayloadIndices { .. }
        ),
        case!("duplicate obs key", Latent, |d| ed(d, OBS, |v| set(v, "/_categoricalFields/0/1", json!("score"))),
            Violation::DuplicateKey { file, .. } if file == OBS),
        case!(
            "duplicate category",
            Latent,
            |d| ed(d, OBS, |v| set(v, "/_categoricalFields/0/2/1", json!("g0"))),
            Violation::DuplicateCategory { .. }
        ),
        case!(
            "1 and 1.0 are the same category",
            Latent,
            |d| ed(d, OBS, |v| {
                set(v, "/_categoricalFields/0/2/0", json!(1));
                set(v, "/_categoricalFields/0/2/1", json!(1.0));
            }),
            Violation::DuplicateCategory { .. }
        ),
        case!(
            "too many categories",
            Latent,
            |d| ed(d, OBS, |v| {
                let labels: Vec<Value> = (0..256).map(|i| json!(format!("c{i}"))).collect();
                set(v, "/_categoricalFields/0/2", Value::Array(labels));
                set(v, "/_categoricalFields/0/5", json!({}));
            }),
            Violation::TooManyCategories {
                count: 256,
                max: 255,
                ..
            }
        ),
        case!(
            "codes missing value",
            Latent,
            |d| ed(d, OBS, |v| set(v, "/_categoricalFields/0/4", json!(65535))),
            Violation::MissingValueMismatch {
                expected: 255,
                found: 65535,
                ..
            }
        ),
        case!("codes dtype", Latent, |d| ed(d, OBS, |v| set(v, "/_categoricalFields/0/3", json!("int8"))),
            Violation::InvalidCodesDtype { found, .. } if found == "int8"),
        case!("centroid dimension key", Latent, |d| ed(d, OBS, |v| {
            let c = v["_categoricalFields"][0][5]["2"].clone();
            set(v, "/_categoricalFields/0/5/4", c);
        }), Violation::InvalidCentroidDimension { key, .. } if key == "4"),
        case!(
            "centroid unknown category",
            Latent,
            |d| ed(d, OBS, |v| set(
                v,
                "/_categoricalFields/0/5/2/0/category",
                json!("zz")
            )),
            Violation::UnknownCentroidCategory { .. }
        ),
        case!(
            "centroid duplicate category",
            Latent,
            |d| ed(d, OBS, |v| set(
                v,
                "/_categoricalFields/0/5/2/1/category",
                json!("g0")
            )),
            Violation::DuplicateCentroidCategory { .. }
        ),
        case!(
            "centroid position length",
            Latent,
            |d| ed(d, OBS, |v| set(
                v,
                "/_categoricalFields/0/5/2/0/position",
                json!([0.0, 0.0, 0.0])
            )),
            Violation::InvalidCentroidPosition { .. }
        ),
        case!(
            "centroid n_points",
            Latent,
            |d| ed(d, OBS, |v| set(
                v,
                "/_categoricalFields/0/5/2/0/n_points",
                json!(2001)
            )),
            Violation::CentroidPointsOutOfRange { n_points: 2001, .. }
        ),
        case!(
            "value bounds",
            EdgeGz,
            |d| ed(d, OBS, |v| set(v, "/_continuousFields/1/2", json!(9999.0))),
            Violation::InvalidBounds { .. }
        ),
        case!(
            "outlier bounds missing",
            EdgeGz,
            |d| ed(d, OBS, |v| {
                let t = v["_categoricalFields"][0].as_array_mut().expect("tuple");
                t.truncate(6);
            }),
            Violation::TupleLength {
                expected: 8,
                found: 6,
                ..
            }
        ),
        // ---- var manifest (R5) ----
        case!("var manifest missing", Latent, |d| fs::remove_file(d.join(VAR)).expect("rm"),
            Violation::MissingFile { file } if file == VAR),
        case!("gene count", Latent, |d| ed(d, VAR, |v| {
            v["fields"].as_array_mut().expect("array").pop();
        }), Violation::CountMismatch { file, expected: 4, found: 3, .. } if file == VAR),
        case!("var quantization vs schema", Latent, |d| ed(d, VAR, |v| set(v, "/quantization", json!(8))),
            Violation::InvalidSchema { path, .. } if path == "$.quantization"),
        case!("var schema kind", Latent, |d| ed(d, VAR, |v| set(v, "/_varSchema/kind", json!("categorical"))),
            Violation::InvalidSchema { path, .. } if path == "$._varSchema.kind"),
        case!(
            "var compression differs from obs",
            Latent,
            |d| ed(d, VAR, |v| set(v, "/compression", json!(6))),
            Violation::CompressionMismatch {
                expected: None,
                found: Some(6),
                ..
            }
        ),
        case!("duplicate gene name", Latent, |d| ed(d, VAR, |v| {
            let name = v["fields"][0][1].clone();
            set(v, "/fields/1/1", name);
        }), Violation::DuplicateKey { file, .. } if file == VAR),
        case!("empty gene id column", Latent, |d| ed(d, VAR, |v| set(v, "/var_gene_id_column", json!(""))),
            Violation::EmptyString { path, .. } if path == "$.var_gene_id_column"),
        // ---- cross-file (R7) ----
        case!("export_settings obs quantization", Latent, |d| ed(d, ID, |v| set(v, "/export_settings/obs_continuous_quantization", json!(8))),
            Violation::ExportSettingsMismatch { setting, .. } if setting == "obs_continuous_quantization"),
        case!("export_settings codes dtype", Latent, |d| ed(d, ID, |v| set(v, "/export_settings/obs_categorical_dtype", json!("uint16"))),
            Violation::ExportSettingsMismatch { setting, .. } if setting == "obs_categorical_dtype"),
        case!("path claimed twice", Latent, |d| ed(d, VAR, |v| set(v, "/_varSchema/pathPattern", json!("obs/{index}.values.f32"))),
            Violation::PathClaimedTwice { path, .. } if path == "obs/0.values.f32" || path == "obs/1.values.f32"),
        // ---- connectivity (R6) ----
        case!("connectivity manifest missing", Edge, |d| fs::remove_file(d.join(CONN)).expect("rm"),
            Violation::MissingFile { file } if file == CONN),
        case!("connectivity not advertised", Edge, |d| ed(d, ID, |v| {
            set(v, "/stats/has_connectivity", json!(false));
            set(v, "/stats/n_edges", Value::Null);
        }), Violation::UnexpectedManifest { file } if file == CONN),
        case!("connectivity format", Edge, |d| ed(d, CONN, |v| set(v, "/format", json!("csr"))),
            Violation::WrongFormatTag { key, .. } if key == "format"),
        case!("n_edges vs stats", Edge, |d| ed(d, ID, |v| set(v, "/stats/n_edges", json!(1))),
            Violation::CountMismatch { path, .. } if path == "$.n_edges"),
        case!(
            "n_edges above n(n-1)/2",
            Edge,
            |d| ed(d, CONN, |v| set(v, "/n_edges", json!(4_498_501))),
            Violation::TooManyEdges { max: 4_498_500, .. }
        ),
        case!(
            "max_neighbors zero with edges",
            Edge,
            |d| ed(d, CONN, |v| set(v, "/max_neighbors", json!(0))),
            Violation::MaxNeighborsRange { .. }
        ),
        case!(
            "index width",
            Edge,
            |d| ed(d, CONN, |v| {
                set(v, "/index_bytes", json!(4));
                set(v, "/index_dtype", json!("uint32"));
            }),
            Violation::IndexWidth { .. }
        ),
        case!(
            "weight encoding",
            Edge,
            |d| ed(d, CONN, |v| set(v, "/weight_dtype", json!("float32"))),
            Violation::WeightEncoding { .. }
        ),
        case!(
            "edge paths distinct",
            Edge,
            |d| ed(d, CONN, |v| set(
                v,
                "/destinationsPath",
                json!("connectivity/edges.src.bin")
            )),
            Violation::ConnectivityPathsNotDistinct { .. }
        ),
        case!("unsafe edge path", Edge, |d| ed(d, CONN, |v| set(v, "/weightsPath", json!("connectivity/%2e%2e/w.bin"))),
            Violation::UnsafePath { path, .. } if path == "$.weightsPath"),
        case!(
            "edge working set",
            Edge,
            |d| {
                ed(d, CONN, |v| {
                    set(v, "/n_cells", json!(20_000_000));
                    set(v, "/index_bytes", json!(4));
                    set(v, "/index_dtype", json!("uint32"));
                    set(v, "/n_edges", json!(13_000_000));
                })
            },
            Violation::EdgeWorkingSet { .. }
        ),
        case!(
            "max_neighbors mismatch",
            Edge,
            |d| ed(d, CONN, |v| {
                let m = v["max_neighbors"].as_u64().expect("int");
                set(v, "/max_neighbors", json!(m - 1));
            }),
            Violation::MaxNeighborsMismatch { .. }
        ),
        case!(
            "edge src < dst",
            Edge,
            |d| {
                let mut src = Vec::new();
                edit_u16(d, "connectivity/edges.src.bin", |s| src = s.clone());
                edit_u16(d, "connectivity/edges.dst.bin", |dst| {
                    dst[0] = src[0];
                });
            },
            Violation::NonCanonicalEdge { edge: 0, .. }
        ),
        case!(
            "edge order",
            Edge,
            |d| {
                edit_u16(d, "connectivity/edges.src.bin", |s| s.swap(0, 1));
                edit_u16(d, "connectivity/edges.dst.bin", |s| s.swap(0, 1));
            },
            Violation::EdgeOrder { .. }
        ),
        case!(
            "edge index range",
            Edge,
            |d| edit_u16(d, "connectivity/edges.dst.bin", |s| {
                let last = s.len() - 1;
                s[last] = 65_000;
            }),
            Violation::EdgeIndexOutOfRange { index: 65_000, .. }
        ),
        case!(
            "edge weight",
            Edge,
            |d| edit_f64(d, "connectivity/edges.weights.f64.bin", |w| w[3] = 0.0),
            Violation::InvalidWeight { edge: 3, .. }
        ),
        // ---- payloads (R8–R10) ----
        case!(
            "points length",
            Latent,
            |d| {
                let path = d.join("points_2d.bin");
                let bytes = fs::read(&path).expect("read");
                fs::write(&path, &bytes[..bytes.len() - 4]).expect("write")
            },
            Violation::PayloadLength {
                expected: 16_000,
                found: 15_996,
                ..
            }
        ),
        case!(
            "points finite",
            Latent,
            |d| edit_f32(d, "points_2d.bin", |p| p[7] = f32::NAN),
            Violation::NonFinitePoint {
                position: 7,
                count: 1,
                ..
            }
        ),
        case!(
            "vectors finite",
            Edge,
            |d| edit_f32(d, "vectors/0_3d.bin", |p| p[2] = f32::INFINITY),
            Violation::NonFiniteVector { position: 2, .. }
        ),
        case!(
            "code range",
            Latent,
            |d| {
                let path = d.join("obs/0.codes.u8");
                let mut codes = fs::read(&path).expect("read");
                codes[5] = 6;
                fs::write(&path, codes).expect("write")
            },
            Violation::CodeOutOfRange {
                cell: 5,
                code: 6,
                n_categories: 6,
                ..
            }
        ),
        case!(
            "uint16 code range",
            Edge,
            |d| edit_u16(d, "obs/0.codes.u16", |c| c[1] = 4),
            Violation::CodeOutOfRange {
                cell: 1,
                code: 4,
                ..
            }
        ),
        case!(
            "outlier range",
            Latent,
            |d| edit_f32(d, "obs/0.outliers.f32", |q| q[0] = 1.5),
            Violation::OutlierOutOfRange { cell: 0, .. }
        ),
        case!(
            "infinite values",
            Latent,
            |d| edit_f32(d, "obs/1.values.f32", |x| x[3] = f32::NEG_INFINITY),
            Violation::InfiniteValues {
                first_cell: 3,
                count: 1,
                ..
            }
        ),
        case!("no finite value", Latent, |d| edit_f32(d, "var/2.values.f32", |x| x.fill(f32::NAN)),
            Violation::NoFiniteValue { field, .. } if !field.is_empty()),
        case!("gene payload missing", Latent, |d| fs::remove_file(d.join("var/3.values.f32")).expect("rm"),
            Violation::MissingFile { file } if file == "var/3.values.f32"),
        case!("not gzip", EdgeGz, |d| fs::write(d.join("obs/5.values.u8.gz"), vec![0u8; 3000]).expect("write"),
            Violation::GzipInvalid { file, .. } if file == "obs/5.values.u8.gz"),
        case!(
            "gzip ISIZE",
            EdgeGz,
            |d| fs::write(
                d.join("obs/5.values.u8.gz"),
                gzip::encode_member(&[0u8; 2999], 6)
            )
            .expect("write"),
            Violation::GzipSizeMismatch {
                expected: 3000,
                declared: 2999,
                ..
            }
        ),
        case!(
            "gzip CRC",
            EdgeGz,
            |d| {
                let path = d.join("var/0.values.u8.gz");
                let mut bytes = fs::read(&path).expect("read");
                let at = bytes.len() - 8;
                bytes[at] ^= 0xFF;
                fs::write(&path, bytes).expect("write")
            },
            Violation::GzipInvalid { .. }
        ),
        case!("gzip magic", EdgeGz, |d| {
            let path = d.join("points_2d.bin.gz");
            let mut bytes = fs::read(&path).expect("read");
            bytes[1] = 0x8c;
            fs::write(&path, bytes).expect("write")
        }, Violation::GzipInvalid { detail, .. } if detail.contains("magic")),
        case!(
            "gzip second member",
            EdgeGz,
            |d| {
                let path = d.join("points_1d.bin.gz");
                let mut bytes = fs::read(&path).expect("read");
                let isize_trailer = bytes[bytes.len() - 4..].to_vec();
                bytes.extend(gzip::encode_member(b"", 6));
                // Keep the original ISIZE at the end so only the member count is wrong.
                let len = bytes.len();
                bytes[len - 4..].copy_from_slice(&isize_trailer);
                fs::write(&path, bytes).expect("write")
            },
            Violation::GzipInvalid { .. }
        ),
        case!(
            "payload over 512 MiB",
            Latent,
            |d| {
                ed(d, ID, |v| set(v, "/stats/n_cells", json!(200_000_000)));
                ed(d, OBS, |v| set(v, "/n_points", json!(200_000_000)));
            },
            Violation::PayloadTooLarge { .. }
        ),
        case!(
            "positions working set",
            Latent,
            |d| ed(d, ID, |v| set(v, "/stats/n_cells", json!(30_000_000))),
            Violation::PositionsWorkingSet { dim: 2, .. }
        ),
        // ---- datasets.json (§1.1) ----
        case!(
            "catalog version",
            Catalog,
            |d| ed(d, CAT, |v| set(v, "/version", json!(2))),
            Violation::UnsupportedVersion {
                expected: 1,
                found: 2,
                ..
            }
        ),
        case!("catalog missing default", Catalog, |d| ed(d, CAT, |v| remove(v, "", "default")),
            Violation::MissingKey { key, .. } if key == "default"),
        case!(
            "catalog empty",
            Catalog,
            |d| ed(d, CAT, |v| set(v, "/datasets", json!([]))),
            Violation::EmptyCatalog { .. }
        ),
        case!(
            "catalog duplicate id",
            Catalog,
            |d| ed(d, CAT, |v| {
                let e = v["datasets"][0].clone();
                v["datasets"].as_array_mut().expect("array").push(e);
            }),
            Violation::CatalogDuplicateId { .. }
        ),
        case!(
            "catalog duplicate path",
            Catalog,
            |d| ed(d, CAT, |v| {
                let mut e = v["datasets"][0].clone();
                e["id"] = json!("other");
                v["datasets"].as_array_mut().expect("array").push(e);
            }),
            Violation::CatalogDuplicatePath { .. }
        ),
        case!(
            "catalog unsafe path",
            Catalog,
            |d| ed(d, CAT, |v| set(v, "/datasets/0/path", json!("../a/"))),
            Violation::CatalogUnsafePath { .. }
        ),
        case!(
            "catalog path without slash",
            Catalog,
            |d| ed(d, CAT, |v| set(v, "/datasets/0/path", json!("a"))),
            Violation::CatalogUnsafePath { .. }
        ),
        case!(
            "catalog default",
            Catalog,
            |d| ed(d, CAT, |v| set(v, "/default", json!("zz"))),
            Violation::CatalogDefault { .. }
        ),
        case!("catalog id mismatch", Catalog, |d| ed(d, CAT, |v| {
            set(v, "/datasets/0/id", json!("other"));
            set(v, "/default", json!("other"));
        }), Violation::CatalogIdMismatch { file, .. } if file == "a/dataset_identity.json"),
        case!(
            "catalog n_cells",
            Catalog,
            |d| ed(d, CAT, |v| set(v, "/datasets/0/n_cells", json!(5))),
            Violation::CatalogCountMismatch {
                catalog: 5,
                identity: 2000,
                ..
            }
        ),
        case!("catalog dataset problems are prefixed", Catalog, |d| ed(&d.join("a"), OBS, |v| set(v, "/n_points", json!(1))),
            Violation::CountMismatch { file, .. } if file == "a/obs_manifest.json"),
    ]
}

/// Runs the cases built on one golden (split so the test harness runs them in parallel).
fn run_cases(golden: fn(Golden) -> bool) {
    let cases: Vec<Case> = cases().into_iter().filter(|c| golden(c.golden)).collect();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in &cases {
        let dir = fixture(case.golden);
        (case.mutate)(dir.path());
        let report = validate(dir.path()).expect("still an export folder");
        if !report.violations.iter().any(case.expect) {
            failures.push(format!("{}: got {:#?}", case.name, report.violations));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_table_covers_at_least_forty_rules() {
    assert!(cases().len() >= 40, "{}", cases().len());
}

#[test]
fn rules_on_latent_f32() {
    run_cases(|g| matches!(g, Golden::Latent));
}

#[test]
fn rules_on_edge_raw() {
    run_cases(|g| matches!(g, Golden::Edge));
}

#[test]
fn rules_on_edge_q8_gz6() {
    run_cases(|g| matches!(g, Golden::EdgeGz));
}

#[test]
fn rules_on_a_catalog() {
    run_cases(|g| matches!(g, Golden::Catalog));
}

#[test]
fn unmodified_fixtures_are_valid() {
    for golden in [
        Golden::Latent,
        Golden::Edge,
        Golden::EdgeGz,
        Golden::Catalog,
    ] {
        let dir = fixture(golden);
        let report = validate(dir.path()).expect("export folder");
        assert!(report.is_valid(), "{golden:?}: {:#?}", report.violations);
    }
}

#[test]
fn a_directory_without_manifests_is_not_an_export_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(matches!(
        validate(dir.path()),
        Err(cellucid_format::FormatError::NotAnExportFolder { .. })
    ));
    assert!(validate(dir.path().join("missing")).is_err());
}

#[test]
fn violations_are_listed_in_a_stable_order() {
    let dir = fixture(Golden::Latent);
    ed(dir.path(), ID, |v| set(v, "/name", json!("")));
    ed(dir.path(), OBS, |v| set(v, "/latent_key", json!("")));
    edit_f32(dir.path(), "points_2d.bin", |p| p[0] = f32::NAN);
    let first = validate(dir.path()).expect("folder");
    let second = validate(dir.path()).expect("folder");
    assert_eq!(first, second);
    let files: Vec<String> = first
        .violations
        .iter()
        .map(|v| {
            serde_json::to_value(v).expect("json")["file"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(files, [ID, OBS, "points_2d.bin"]);
}
