//! Replays the fuzz corpora and every committed crash input (`tests/fuzz_regressions/<target>/`
//! and `../fuzz/corpus/<target>/`) through the same checks as the `cargo fuzz` targets in
//! `/fuzz`, so a normal `cargo test` catches regressions without nightly Rust.

use std::fs;
use std::path::PathBuf;

use cellucid_format::{
    gzip, Catalog, ConnectivityManifest, DatasetIdentity, ObsManifest, VarManifest,
};

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dirs = [
        root.join("tests/fuzz_regressions").join(target),
        root.join("../fuzz/corpus").join(target),
        root.join("../fuzz/artifacts").join(target),
    ];
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if let Ok(bytes) = fs::read(&path) {
                out.push((path, bytes));
            }
        }
    }
    out
}

macro_rules! round_trip {
    ($ty:ty, $text:expr, $path:expr) => {
        if let Ok(model) = <$ty>::from_json_str($text) {
            let written = model.to_json_string();
            let again = <$ty>::from_json_str(&written).expect("written documents parse");
            assert_eq!(
                again,
                model,
                "{}: round trip changed the model",
                $path.display()
            );
        }
    };
}

/// Same body as `fuzz/fuzz_targets/manifests.rs`.
fn manifests(path: &std::path::Path, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    round_trip!(DatasetIdentity, text, path);
    round_trip!(ObsManifest, text, path);
    round_trip!(VarManifest, text, path);
    round_trip!(ConnectivityManifest, text, path);
    round_trip!(Catalog, text, path);
}

/// Same body as `fuzz/fuzz_targets/gzip_payload.rs`.
fn gzip_payload(data: &[u8]) {
    let decoded = gzip::decode_member(data, 1 << 20);
    if let Some(declared) = gzip::declared_size(data) {
        let exact = gzip::decode_member_exact(data, (declared as usize).min(1 << 20));
        if let (Ok(a), Ok(b)) = (&decoded, &exact) {
            assert_eq!(a, b);
        }
    }
    if let Ok(bytes) = decoded {
        let again = gzip::decode_member(&gzip::encode_member(&bytes, 6), bytes.len());
        assert_eq!(again.ok(), Some(bytes));
    }
}

#[test]
fn manifest_inputs_do_not_panic() {
    let inputs = inputs("manifests");
    assert!(inputs.len() >= 4, "the committed corpus is missing");
    for (path, data) in inputs {
        manifests(&path, &data);
    }
}

#[test]
fn gzip_inputs_do_not_panic() {
    let inputs = inputs("gzip_payload");
    assert!(inputs.len() >= 4, "the committed corpus is missing");
    for (_, data) in inputs {
        gzip_payload(&data);
    }
}

#[test]
fn hostile_gzip_headers_are_refused_without_allocating() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/gzip_payload");
    let huge = fs::read(dir.join("huge_isize.gz")).expect("committed");
    assert!(matches!(
        gzip::decode_member(&huge, 1 << 20),
        Err(gzip::GzipError::DeclaredSizeTooLarge { .. })
    ));
    for name in [
        "unterminated_name.gz",
        "fextra_past_end.gz",
        "bad_header_crc.gz",
    ] {
        let bytes = fs::read(dir.join(name)).expect("committed");
        assert!(
            matches!(
                gzip::decode_member(&bytes, 1 << 20),
                Err(gzip::GzipError::BadHeader { .. })
            ),
            "{name}: {:?}",
            gzip::decode_member(&bytes, 1 << 20)
        );
    }
}
