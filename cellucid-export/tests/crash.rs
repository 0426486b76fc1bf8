//! Crash safety (format.md §20): an export killed with SIGKILL at random points never leaves the
//! target partial; the previous export stays (or is recovered) complete, and the next export
//! recovers and succeeds.

mod common;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cellucid_export::publish::{recover, Target};
use cellucid_export::{export, NoEvents};

const CHILD_ENV: &str = "CELLUCID_CRASH_CHILD_OUT";

/// Runs in the re-executed child: one export into the given directory.
#[test]
fn crash_child_entry() {
    let Ok(out) = std::env::var(CHILD_ENV) else {
        return;
    };
    let source = common::dataset::small(300, 150);
    export(
        &source,
        Path::new(&out),
        &common::dataset::options(),
        &NoEvents,
    )
    .expect("child export");
}

fn spawn_child(out: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "crash_child_entry",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn child")
}

fn random_below(bound: u64) -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(bound);
    h.finish() % bound.max(1)
}

/// Every file's bytes, by relative path.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = common::files(dir)
        .into_iter()
        .filter(|r| !r.ends_with('/'))
        .map(|r| {
            let bytes = std::fs::read(dir.join(&r)).expect("read");
            (r, bytes)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn killed_exports_never_leave_a_partial_target() {
    let dir = tempfile::tempdir().expect("tmp");
    let out: PathBuf = dir.path().join("ds");
    let target = Target::resolve(&out).expect("target");
    // Reference bytes of a complete export (same options, pinned created_at).
    let reference_dir = dir.path().join("reference");
    export(
        &common::dataset::small(300, 150),
        &reference_dir,
        &common::dataset::options(),
        &NoEvents,
    )
    .expect("reference");
    let reference = snapshot(&reference_dir);
    // Calibrate: one full child run.
    let start = Instant::now();
    assert!(
        spawn_child(&out).wait().expect("wait").success(),
        "child export failed"
    );
    let full = start.elapsed().as_micros() as u64;
    assert_eq!(snapshot(&out), reference);
    let mut killed_mid_run = 0;
    for round in 0..60 {
        let mut child = spawn_child(&out);
        std::thread::sleep(Duration::from_micros(random_below(full + full / 5)));
        let _ = child.kill(); // SIGKILL on Unix
        let status = child.wait().expect("wait");
        if !status.success() {
            killed_mid_run += 1;
        }
        // The target is either the complete previous export, or absent while the backup holds
        // it (killed between the two renames) — never partial.
        if out.exists() {
            assert_eq!(
                snapshot(&out),
                reference,
                "round {round}: target is not a complete export"
            );
        }
        if round % 2 == 0 {
            // Recovery alone restores the previous export.
            recover(&target).unwrap_or_else(|e| panic!("round {round}: recovery failed: {e}"));
            assert_eq!(
                snapshot(&out),
                reference,
                "round {round}: recovered target differs"
            );
        }
    }
    assert!(killed_mid_run >= 10, "only {killed_mid_run} of 60 children were killed mid-run; the test is not exercising crashes");
    // The next export recovers whatever state is left and succeeds.
    export(
        &common::dataset::small(300, 150),
        &out,
        &common::dataset::options(),
        &NoEvents,
    )
    .expect("final export");
    assert_eq!(snapshot(&out), reference);
    common::assert_valid(&out);
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        vec![
            ".ds.cellucid.lock",
            ".reference.cellucid.lock",
            "ds",
            "reference"
        ]
    );
}
