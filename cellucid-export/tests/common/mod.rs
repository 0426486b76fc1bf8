//! Helpers shared by the integration tests: comparing an export folder with a golden one.

#![allow(dead_code, unreachable_pub)]

pub mod dataset;
#[macro_use]
mod forward;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");

pub fn golden_case(case: &str) -> PathBuf {
    Path::new(FIXTURES).join("golden").join(case)
}

pub const CASES: [&str; 6] = [
    "pbmc68k-raw",
    "pbmc68k-q8-gz6",
    "pbmc68k-q16-gz1",
    "edge-raw",
    "edge-q8-gz6",
    "latent-f32",
];

/// Cases of `tests/fixtures/golden-variants/make_variants.py`: export parameters and input
/// layouts the shared golden cases do not cover, exported by the same reference writer.
pub const VARIANTS: [&str; 8] = [
    "v-gz9-q16",
    "v-gz1-obs-raw",
    "v-obs-keys-genes",
    "v-centroids-u8",
    "v-dense-2d",
    "v-csc-3d-raw",
    "v-f64-id-column",
    "v-int-genes-raw",
];

pub fn variant_case(case: &str) -> PathBuf {
    Path::new(FIXTURES).join("golden-variants").join(case)
}

/// Relative paths of every file under `root`.
pub fn files(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("list") {
            let entry = entry.expect("entry");
            if entry.file_type().expect("type").is_dir() {
                out.insert(format!(
                    "{}/",
                    entry.path().strip_prefix(root).expect("prefix").display()
                ));
                stack.push(entry.path());
            } else {
                out.insert(
                    entry
                        .path()
                        .strip_prefix(root)
                        .expect("prefix")
                        .display()
                        .to_string(),
                );
            }
        }
    }
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    cellucid_format::decode_member(bytes, 1 << 30).expect("valid gzip member")
}

/// Compares `ours` with the golden `export/` of a case as format.md §26 (c), (e) say; returns
/// `(problems, gz files larger than the reference's)`.
pub fn compare_with_golden(ours: &Path, golden: &Path) -> (Vec<String>, Vec<String>) {
    let ours_files = files(ours);
    let golden_files = files(golden);
    let mut problems = Vec::new();
    let mut larger = Vec::new();
    if ours_files != golden_files {
        problems.push(format!(
            "file sets differ: extra {:?}, missing {:?}",
            ours_files
                .difference(&golden_files)
                .take(5)
                .collect::<Vec<_>>(),
            golden_files
                .difference(&ours_files)
                .take(5)
                .collect::<Vec<_>>()
        ));
    }
    for rel in golden_files
        .iter()
        .filter(|r| !r.ends_with('/') && ours_files.contains(*r))
    {
        let a = std::fs::read(ours.join(rel)).expect("ours");
        let b = std::fs::read(golden.join(rel)).expect("golden");
        if rel.ends_with(".json") {
            let mut a = String::from_utf8(a).expect("utf8");
            let b = String::from_utf8(b).expect("utf8");
            if rel == "dataset_identity.json" {
                let ours_version = format!(
                    "\"cellucid_data_version\": \"{}\"",
                    cellucid_export::DATA_VERSION
                );
                if !a.contains(&ours_version) {
                    problems.push(format!("{rel}: no version string"));
                }
                a = a.replace(&ours_version, "\"cellucid_data_version\": \"0.9.2\"");
            }
            if a != b {
                let at = a
                    .bytes()
                    .zip(b.bytes())
                    .position(|(x, y)| x != y)
                    .unwrap_or(a.len().min(b.len()));
                let lo = at.saturating_sub(150);
                problems.push(format!(
                    "{rel} differs at byte {at}:\n ours:   ...{}\n golden: ...{}",
                    &a[lo..(at + 150).min(a.len())],
                    &b[lo..(at + 150).min(b.len())]
                ));
            }
        } else if rel.ends_with(".gz") {
            if a.len() < 10 || a[..8] != [0x1f, 0x8b, 8, 0, 0, 0, 0, 0] || a[8..10] != b[8..10] {
                problems.push(format!("{rel}: gzip header {:02x?}", &a[..a.len().min(10)]));
            }
            if gunzip(&a) != gunzip(&b) {
                problems.push(format!("{rel}: decompressed bytes differ"));
            }
            if a.len() > b.len() {
                larger.push(format!("{rel}: {} > {}", a.len(), b.len()));
            }
        } else if a != b {
            problems.push(format!("{rel}: payload bytes differ"));
        }
    }
    (problems, larger)
}

/// Asserts the comparison found no content difference; returns the gzip members larger than
/// the reference's.
pub fn assert_matches_golden(ours: &Path, golden: &Path) -> Vec<String> {
    let (problems, larger) = compare_with_golden(ours, golden);
    assert!(
        problems.is_empty(),
        "{} problems, first: {:#?}",
        problems.len(),
        &problems[..problems.len().min(8)]
    );
    larger
}

pub fn assert_valid(dir: &Path) {
    let report = cellucid_format::validate(dir).expect("validator runs");
    assert!(report.is_valid(), "validator: {:#?}", report.violations);
}
