//! `--var-quantization 8|16` in anndata mode (an extension): genes served as the codes an export
//! with that quantization writes, the var manifest declaring them like the export's, and the
//! whole served dataset valid for `cellucid-format`.

#[path = "support/client.rs"]
mod client;

use std::path::Path;

use cellucid_format::{DatasetIdentity, ExportFolder, VarManifest};
use cellucid_server::{open_anndata, AnnDataOptions, Server};
use client::{golden_dir, gunzip, Conn, TestServer};
use serde_json::Value;

fn options(case: &str, bits: u32) -> AnnDataOptions {
    let call: Value = serde_json::from_slice(
        &std::fs::read(golden_dir().join(case).join("call.json")).expect("call.json"),
    )
    .expect("json");
    AnnDataOptions {
        dataset_id: call["dataset_id"].as_str().expect("id").to_string(),
        dataset_name: call["dataset_name"].as_str().expect("name").to_string(),
        latent_key: call["latent_key"].as_str().map(str::to_string),
        connectivity: call["connectivities_key"].is_string(),
        vector_fields: call["vector_fields"]
            .as_array()
            .is_some_and(|v| !v.is_empty()),
        vector_field_default: call["vector_field_default"].as_str().map(str::to_string),
        var_quantization: Some(bits),
        ..AnnDataOptions::default()
    }
}

fn start(case: &str, bits: u32) -> TestServer {
    let dataset = open_anndata(
        &golden_dir().join(case).join("input.h5ad"),
        &options(case, bits),
    )
    .expect("input opens");
    TestServer::start(Server::builder().virtual_dataset(dataset))
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("valid JSON")
}

/// Serves `case`'s input quantized like the golden export and compares every gene payload and
/// the var manifest with the reference writer's.
fn matches_golden_export(case: &str) {
    let export = golden_dir().join(case).join("export");
    let golden_var = json(&std::fs::read(export.join("var_manifest.json")).expect("golden"));
    let bits = golden_var["quantization"]
        .as_u64()
        .expect("quantized golden") as u32;
    let ext = if bits == 8 { "u8" } else { "u16" };
    let server = start(case, bits);
    let mut conn = Conn::open(server.addr);

    let var = conn.request("GET", "/var_manifest.json", &[], b"");
    assert_eq!(var.status, 200);
    assert_eq!(var.header("content-type"), Some("application/json"));
    let served = json(&var.body);
    assert_eq!(served["quantization"], golden_var["quantization"]);
    assert_eq!(served["compression"], Value::Null);
    assert_eq!(
        served["fields"], golden_var["fields"],
        "{case}: names and bounds"
    );
    let mut schema = golden_var["_varSchema"].clone();
    schema["pathPattern"] = Value::from(format!("var/{{index}}.values.{ext}"));
    assert_eq!(served["_varSchema"], schema);
    let model: VarManifest = serde_json::from_slice(&var.body).expect("a valid VarManifest");
    let identity: DatasetIdentity =
        serde_json::from_slice(&conn.request("GET", "/dataset_identity.json", &[], b"").body)
            .expect("a valid DatasetIdentity");
    assert_eq!(identity.stats.n_genes, model.fields.len() as u64);
    assert_eq!(model.n_points, identity.stats.n_cells);

    let n_cells = identity.stats.n_cells as usize;
    let width = if bits == 8 { 1 } else { 2 };
    for g in 0..model.fields.len() {
        let path = format!("/var/{g}.values.{ext}");
        let golden = gunzip(
            &std::fs::read(export.join(format!("var/{g}.values.{ext}.gz"))).expect("golden gene"),
        );
        let plain = conn.request("GET", &path, &[], b"");
        assert_eq!(plain.status, 200, "{case} {path}");
        assert_eq!(plain.body.len(), n_cells * width);
        assert_eq!(plain.body, golden, "{case} {path}");
        if g % 7 == 0 {
            let gz = conn.request("GET", &path, &[("Accept-Encoding", "gzip")], b"");
            assert_eq!(gz.header("content-encoding"), Some("gzip"));
            assert_eq!(gunzip(&gz.body), golden, "{case} {path} (gzip)");
            let head = conn.request("HEAD", &path, &[], b"");
            assert_eq!(
                head.header("content-length"),
                Some((n_cells * width).to_string().as_str())
            );
        }
    }
    let f32 = conn.request("GET", "/var/0.values.f32", &[], b"");
    assert_eq!(
        (f32.status, f32.text().as_str()),
        (404, "Not found: var/0.values.f32")
    );
}

#[test]
fn quantized_dense_genes_8_bit_equal_the_golden_export() {
    matches_golden_export("pbmc68k-q8-gz6");
}

#[test]
fn quantized_dense_genes_16_bit_equal_the_golden_export() {
    matches_golden_export("pbmc68k-q16-gz1");
}

#[test]
fn quantized_sparse_genes_8_bit_equal_the_golden_export() {
    matches_golden_export("edge-q8-gz6");
}

/// Downloads every document and payload the served manifests declare into `dir`.
fn mirror(conn: &mut Conn, dir: &Path) {
    let write = |rel: &str, bytes: &[u8]| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    };
    for doc in [
        "dataset_identity.json",
        "obs_manifest.json",
        "var_manifest.json",
        "connectivity_manifest.json",
    ] {
        let reply = conn.request("GET", &format!("/{doc}"), &[], b"");
        if reply.status == 200 {
            write(doc, &reply.body);
        }
    }
    let folder = ExportFolder::open(dir).expect("served documents open as an export folder");
    let mut paths: Vec<String> = folder
        .identity()
        .embeddings
        .files
        .values()
        .cloned()
        .collect();
    for field in &folder.obs_manifest().continuous_fields {
        paths.push(folder.obs_values_path(field.index).expect("obs path"));
    }
    for field in &folder.obs_manifest().categorical_fields {
        let (codes, outliers) = folder
            .obs_categorical_paths(field.index)
            .expect("categorical paths");
        paths.push(codes);
        if !outliers.is_empty() {
            paths.push(outliers);
        }
    }
    if let Some(var) = folder.var_manifest() {
        for field in &var.fields {
            paths.push(folder.gene_path(field.index).expect("gene path"));
        }
    }
    if let Some(c) = folder.connectivity_manifest() {
        paths.extend([
            c.sources_path.clone(),
            c.destinations_path.clone(),
            c.weights_path.clone(),
        ]);
    }
    if let Some(v) = &folder.identity().vector_fields {
        for field in v.fields.values() {
            paths.extend(field.files.values().cloned());
        }
    }
    for rel in paths {
        let reply = conn.request("GET", &format!("/{rel}"), &[], b"");
        assert_eq!(reply.status, 200, "/{rel}");
        write(&rel, &reply.body);
    }
}

#[test]
fn quantized_sparse_16_bit_equals_cellucid_export_and_validates() {
    let case = "edge-raw";
    let input = golden_dir().join(case).join("input.h5ad");
    let server = start(case, 16);
    let mut conn = Conn::open(server.addr);

    // What cellucid-export writes for the same input with var_quantization 16.
    let out = tempfile::tempdir().expect("tempdir");
    let call = std::fs::read_to_string(golden_dir().join(case).join("call.json")).expect("call");
    let mut export_options =
        cellucid_export::ExportOptions::from_json(&call).expect("call.json options");
    export_options.var_quantization = Some(16);
    let source = cellucid_export::source::AnnDataSource::open(&input).expect("source");
    let target = out.path().join("export");
    cellucid_export::export(
        &source,
        &target,
        &export_options,
        &cellucid_export::NoEvents,
    )
    .expect("export succeeds");
    let exported =
        json(&std::fs::read(target.join("var_manifest.json")).expect("exported manifest"));
    let served = json(&conn.request("GET", "/var_manifest.json", &[], b"").body);
    assert_eq!(served["fields"], exported["fields"]);
    assert_eq!(served["quantization"], 16);
    let n = served["fields"].as_array().expect("fields").len();
    for g in 0..n {
        let reply = conn.request("GET", &format!("/var/{g}.values.u16"), &[], b"");
        let written = std::fs::read(target.join(format!("var/{g}.values.u16"))).expect("gene");
        assert_eq!(reply.body, written, "gene {g}");
    }

    // Everything served forms a valid export folder.
    let mirror_dir = tempfile::tempdir().expect("tempdir");
    mirror(&mut conn, mirror_dir.path());
    let report = cellucid_format::validate(mirror_dir.path()).expect("validator runs");
    assert!(report.is_valid(), "{:#?}", report.violations);
}

#[test]
fn other_quantization_widths_are_refused() {
    let mut opts = options("pbmc68k-raw", 12);
    opts.dataset_id = "p".into();
    let error = open_anndata(&golden_dir().join("pbmc68k-raw/input.h5ad"), &opts)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains("--var-quantization 12 is not supported"),
        "{error}"
    );
}
