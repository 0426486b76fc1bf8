//! Golden conformance: every golden export opens, validates, and re-writes byte for byte.

use std::fs;
use std::path::PathBuf;

use cellucid_format::{
    validate, Catalog, ConnectivityManifest, DatasetIdentity, ExportFolder, ObsManifest,
    VarManifest,
};

const CASES: [&str; 6] = [
    "pbmc68k-raw",
    "pbmc68k-q8-gz6",
    "pbmc68k-q16-gz1",
    "edge-raw",
    "edge-q8-gz6",
    "latent-f32",
];

fn export_dir(case: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/golden"
    ))
    .join(case)
    .join("export")
}

fn read(case: &str, file: &str) -> Option<String> {
    fs::read_to_string(export_dir(case).join(file)).ok()
}

#[test]
fn json_documents_rewrite_byte_for_byte() {
    for case in CASES {
        let text = read(case, DatasetIdentity::FILE_NAME).expect("identity exists");
        let identity = DatasetIdentity::from_json_str(&text).expect("identity parses");
        assert_eq!(
            identity.to_json_string(),
            text,
            "{case}: dataset_identity.json"
        );
        // This project writes its own version string (§26 (c)); everything else is unchanged.
        let mut ours = identity.clone();
        ours.cellucid_data_version = "cellucid-rs 0.1.0".to_owned();
        assert_eq!(
            ours.to_json_string()
                .replace("\"cellucid-rs 0.1.0\"", "\"0.9.2\""),
            text
        );

        let text = read(case, ObsManifest::FILE_NAME).expect("obs manifest exists");
        let obs = ObsManifest::from_json_str(&text).expect("obs parses");
        assert_eq!(obs.to_json_string(), text, "{case}: obs_manifest.json");

        if let Some(text) = read(case, VarManifest::FILE_NAME) {
            let var = VarManifest::from_json_str(&text).expect("var parses");
            assert_eq!(var.to_json_string(), text, "{case}: var_manifest.json");
        }
        if let Some(text) = read(case, ConnectivityManifest::FILE_NAME) {
            let conn = ConnectivityManifest::from_json_str(&text).expect("connectivity parses");
            assert_eq!(
                conn.to_json_string(),
                text,
                "{case}: connectivity_manifest.json"
            );
        }
    }
}

#[test]
fn every_golden_case_validates() {
    for case in CASES {
        let report = validate(export_dir(case)).expect("is an export folder");
        assert!(
            report.violations.is_empty(),
            "{case}: {:#?}",
            report.violations
        );
    }
}

#[test]
fn reader_decodes_every_payload() {
    for case in CASES {
        let folder = ExportFolder::open(export_dir(case)).expect("opens");
        let n = folder.n_cells() as usize;
        for &dim in &folder.identity().embeddings.available_dimensions {
            let points = folder.points(dim).expect("points");
            assert_eq!(points.len(), n * dim as usize);
            assert!(points.iter().all(|v| v.is_finite()));
        }
        let obs = folder.obs_manifest().clone();
        for field in &obs.continuous_fields {
            let values = folder.obs_values(field.index).expect("values");
            assert_eq!(values.len(), n);
            if let Some(b) = field.bounds {
                assert!(values.iter().all(|v| f64::from(*v) >= b.min as f32 as f64
                    && f64::from(*v) <= b.max as f32 as f64));
            }
        }
        for field in &obs.categorical_fields {
            let codes = folder.obs_codes(field.index).expect("codes");
            assert!(codes
                .iter()
                .all(|&c| c == u16::MAX || usize::from(c) < field.categories.len()));
            let outliers = folder.obs_outliers(field.index).expect("outliers");
            assert!(outliers
                .iter()
                .all(|q| q.is_nan() || (0.0..=1.0).contains(q)));
        }
        if let Some(var) = folder.var_manifest().cloned() {
            for gene in var.fields.iter().take(20) {
                assert_eq!(folder.gene_values(gene.index).expect("gene").len(), n);
            }
        }
        if let Some(conn) = folder.connectivity_manifest().cloned() {
            let edges = folder.edges().expect("edges");
            assert_eq!(edges.src.len() as u64, conn.n_edges);
            assert!(edges.src.iter().zip(&edges.dst).all(|(s, d)| s < d));
        }
        if let Some(vf) = folder.identity().vector_fields.clone() {
            for (id, field) in &vf.fields {
                for &dim in &field.available_dimensions {
                    assert_eq!(
                        folder.vectors(id, dim).expect("vectors").len(),
                        n * dim as usize
                    );
                }
            }
        }
    }
}

#[test]
fn reader_matches_known_golden_values() {
    // pbmc68k-q8-gz6: n_genes field [1, "n_genes", 1001.0, 2605.0]; phase (index 6) cell 0 has
    // outlier quantile code 215 (format.md §15), dequantized with the field's bounds.
    let folder = ExportFolder::open(export_dir("pbmc68k-q8-gz6")).expect("opens");
    let field = folder.continuous_field(1).expect("n_genes").clone();
    assert_eq!(field.key, "n_genes");
    let values = folder.obs_values(1).expect("values");
    let raw = ExportFolder::open(export_dir("pbmc68k-raw")).expect("opens raw");
    let exact = raw.obs_values(1).expect("f32 values");
    let step = (2605.0 - 1001.0) / 254.0;
    for (q, e) in values.iter().zip(&exact) {
        // Truncating quantization: the decoded value is at most one step below the original.
        assert!(
            f64::from(*q) <= f64::from(*e) + 1e-3 && f64::from(*e) - f64::from(*q) <= step + 1e-3
        );
    }
    let phase = folder.categorical_field(6).expect("phase").clone();
    let b = phase.outlier_bounds.expect("quantized outliers");
    let outliers = folder.obs_outliers(6).expect("outliers");
    let expected = cellucid_quant::dequantize(215, b.into(), cellucid_quant::Bits::U8);
    assert_eq!(outliers[0].to_bits(), expected.to_bits());
    let raw_outliers = raw.obs_outliers(6).expect("f32 outliers");
    assert_eq!(raw_outliers[0], 0.850_299_4_f32);
}

#[test]
fn catalog_round_trips_with_indent() {
    let catalog = Catalog::from_json_str(
        "{\n  \"version\": 1,\n  \"default\": \"a\",\n  \"datasets\": [\n    {\n      \"id\": \"a\",\n      \"path\": \"a/\",\n      \"name\": \"A\",\n      \"n_cells\": 3,\n      \"n_genes\": 0\n    }\n  ]\n}",
    )
    .expect("parses");
    assert_eq!(catalog.datasets[0].n_cells, Some(3));
    let again = Catalog::from_json_str(&catalog.to_json_string()).expect("re-parses");
    assert_eq!(again, catalog);
}

#[test]
fn reader_reports_undeclared_and_damaged_payloads() {
    use cellucid_format::FormatError;
    let folder = ExportFolder::open(export_dir("latent-f32")).expect("opens");
    assert!(matches!(
        folder.points(3),
        Err(FormatError::NotDeclared { .. })
    ));
    assert!(matches!(
        folder.gene_values(99),
        Err(FormatError::NotDeclared { .. })
    ));
    assert!(matches!(
        folder.edges(),
        Err(FormatError::NotDeclared { .. })
    ));
    assert_eq!(folder.obs_index("group"), Some(0));
    assert_eq!(folder.gene_index("no such gene"), None);

    let tmp = tempfile::tempdir().expect("tempdir");
    for entry in [
        "dataset_identity.json",
        "obs_manifest.json",
        "var_manifest.json",
        "points_2d.bin",
    ] {
        fs::copy(export_dir("latent-f32").join(entry), tmp.path().join(entry)).expect("copy");
    }
    let folder = ExportFolder::open(tmp.path()).expect("opens without payloads");
    assert!(matches!(folder.gene_values(0), Err(FormatError::Io { .. })));
    fs::write(tmp.path().join("points_2d.bin"), [0u8; 12]).expect("truncate");
    assert!(matches!(folder.points(2), Err(FormatError::Payload { .. })));
    fs::remove_file(tmp.path().join("obs_manifest.json")).expect("rm");
    assert!(matches!(
        ExportFolder::open(tmp.path()),
        Err(FormatError::Io { .. })
    ));
}
