use super::*;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn write(tx: &Transaction, file: &str, body: &str) {
    std::fs::write(tx.stage().join(file), body).expect("write");
}

#[test]
fn commit_publishes_and_leaves_only_the_lock() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("sub/ds");
    let tx = Transaction::begin(&out, false).expect("begin");
    write(&tx, "a.json", "1");
    assert_eq!(names(out.parent().expect("parent")).len(), 3); // lock, journal, stage
    tx.commit().expect("commit");
    assert_eq!(
        names(&dir.path().join("sub")),
        vec![".ds.cellucid.lock", "ds"]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("a.json")).expect("read"),
        "1"
    );
}

#[test]
fn non_empty_target_needs_force_and_force_replaces_everything() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("ds");
    std::fs::create_dir(&out).expect("mkdir");
    // An empty directory is accepted without force.
    let tx = Transaction::begin(&out, false).expect("empty dir is fine");
    write(&tx, "old.bin", "old");
    tx.commit().expect("commit");
    assert!(matches!(
        Transaction::begin(&out, false),
        Err(PublishError::TargetNotEmpty { .. })
    ));
    let tx = Transaction::begin(&out, true).expect("force");
    write(&tx, "new.bin", "new");
    tx.commit().expect("commit");
    assert_eq!(names(&out), vec!["new.bin"]);
    assert_eq!(names(dir.path()), vec![".ds.cellucid.lock", "ds"]);
}

#[test]
fn dropping_rolls_back_and_keeps_the_previous_export() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("ds");
    let tx = Transaction::begin(&out, false).expect("begin");
    write(&tx, "v1", "1");
    tx.commit().expect("commit");
    let tx = Transaction::begin(&out, true).expect("begin");
    write(&tx, "v2", "2");
    drop(tx);
    assert_eq!(names(&out), vec!["v1"]);
    assert_eq!(names(dir.path()), vec![".ds.cellucid.lock", "ds"]);
    let tx = Transaction::begin(&out, true).expect("begin");
    tx.rollback().expect("rollback");
    assert_eq!(names(&out), vec!["v1"]);
}

#[test]
fn bad_targets_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("file");
    std::fs::write(&file, "x").expect("write");
    assert!(matches!(
        Transaction::begin(&file, true),
        Err(PublishError::BadTarget { .. })
    ));
    #[cfg(unix)]
    {
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).expect("symlink");
        assert!(matches!(
            Transaction::begin(&link, true),
            Err(PublishError::BadTarget { .. })
        ));
    }
    assert!(matches!(
        Transaction::begin(Path::new("/"), true),
        Err(PublishError::DangerousTarget { .. })
    ));
}

/// Sets up the on-disk state of an interrupted transaction.
fn interrupted(root: &Path, had_target: bool, t: bool, s: bool, b: bool) -> Target {
    let target = Target::resolve(&root.join("ds")).expect("target");
    let j = Journal {
        transaction_id: "ab".repeat(16),
        had_target,
    };
    std::fs::write(target.journal_path(), j.to_bytes()).expect("journal");
    for (present, path, marker) in [
        (t, target.path.clone(), "target"),
        (s, target.stage_path(&j.transaction_id), "stage"),
        (b, target.backup_path(&j.transaction_id), "backup"),
    ] {
        if present {
            std::fs::create_dir(&path).expect("mkdir");
            std::fs::write(path.join(marker), marker).expect("marker");
        }
    }
    target
}

#[test]
fn recovery_table() {
    // (had_target, T, S, B) → (outcome, marker left in the target or None)
    let cases = [
        (
            (true, true, false, false),
            Recovery::Committed,
            Some("target"),
        ),
        (
            (true, true, true, false),
            Recovery::RolledBack,
            Some("target"),
        ),
        (
            (true, false, true, true),
            Recovery::RolledBack,
            Some("backup"),
        ),
        (
            (true, true, false, true),
            Recovery::Committed,
            Some("target"),
        ),
        ((false, false, false, false), Recovery::RolledBack, None),
        ((false, false, true, false), Recovery::RolledBack, None),
        (
            (false, true, false, false),
            Recovery::Committed,
            Some("target"),
        ),
    ];
    for ((h, t, s, b), outcome, marker) in cases {
        let dir = tempfile::tempdir().expect("tmp");
        let target = interrupted(dir.path(), h, t, s, b);
        std::fs::write(target.journal_tmp_path(), "partial").expect("tmp journal");
        assert_eq!(
            recover(&target).expect("recovers"),
            outcome,
            "{h} {t} {s} {b}"
        );
        let left = names(dir.path());
        match marker {
            Some(m) => {
                assert_eq!(left, vec!["ds"], "{h} {t} {s} {b}");
                assert_eq!(names(&target.path), vec![m]);
            }
            None => assert!(left.is_empty(), "{left:?}"),
        }
    }
    for (h, t, s, b) in [
        (true, false, false, false),
        (true, false, false, true),
        (false, true, true, false),
        (false, false, false, true),
        (true, true, true, true),
    ] {
        let dir = tempfile::tempdir().expect("tmp");
        let target = interrupted(dir.path(), h, t, s, b);
        assert!(
            matches!(recover(&target), Err(PublishError::Unrecoverable { .. })),
            "{h} {t} {s} {b}"
        );
        // begin refuses too, and touches nothing.
        assert!(Transaction::begin(&target.path, true).is_err());
        assert!(target.journal_path().exists());
    }
}

#[test]
fn begin_recovers_an_interrupted_run_first() {
    let dir = tempfile::tempdir().expect("tmp");
    let target = interrupted(dir.path(), true, false, true, true);
    let tx = Transaction::begin(&target.path, true).expect("recovers then begins");
    write(&tx, "fresh", "");
    tx.commit().expect("commit");
    assert_eq!(names(&target.path), vec!["fresh"]);
    assert_eq!(names(dir.path()), vec![".ds.cellucid.lock", "ds"]);
}

#[test]
fn non_canonical_journal_blocks_recovery() {
    let dir = tempfile::tempdir().expect("tmp");
    let target = Target::resolve(&dir.path().join("ds")).expect("target");
    std::fs::write(target.journal_path(), "{\"format\": 1}\n").expect("journal");
    let err = recover(&target).expect_err("refused");
    assert!(err.to_string().contains("not canonical"), "{err}");
}
