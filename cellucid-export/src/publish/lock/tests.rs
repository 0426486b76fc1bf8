use super::*;

#[test]
fn second_acquire_is_busy_until_release() {
    let dir = tempfile::tempdir().expect("tmp");
    let lock = dir.path().join(".x.cellucid.lock");
    let target = dir.path().join("x");
    let guard = acquire(&lock, &target).expect("first");
    let err = acquire(&lock, &target).expect_err("second is busy");
    assert!(
        matches!(&err, PublishError::Busy { held_by, .. } if held_by == "another export in this process"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("An export generation is already active for"),
        "{text}"
    );
    assert!(text.contains(&lock.display().to_string()), "{text}");
    drop(guard);
    let _again = acquire(&lock, &target).expect("released");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&lock)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// The OS lock itself (below the process-local registry) conflicts between two opens of the
/// file in one process: a classic POSIX record lock would not, and `flock` would not see the
/// reference's `lockf`.
#[test]
fn os_lock_conflicts_between_two_opens_in_one_process() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join(".x.cellucid.lock");
    let first = open_lock_file(&path).expect("open 1");
    let second = open_lock_file(&path).expect("open 2");
    assert_eq!(
        os::try_lock_exclusive(&first).expect("lock 1"),
        Attempt::Locked
    );
    assert!(matches!(
        os::try_lock_exclusive(&second).expect("lock 2"),
        Attempt::Busy { .. }
    ));
    os::unlock(&first);
    assert_eq!(
        os::try_lock_exclusive(&second).expect("lock 2 after unlock"),
        Attempt::Locked
    );
    // Closing the holder's file releases the lock too.
    drop(second);
    assert_eq!(
        os::try_lock_exclusive(&first).expect("lock 1 after close"),
        Attempt::Locked
    );
}

#[test]
fn two_transactions_on_one_target_in_one_process_conflict() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("ds");
    let tx = crate::publish::Transaction::begin(&out, false).expect("first");
    let err = crate::publish::Transaction::begin(&out, false).expect_err("busy");
    assert!(matches!(err, PublishError::Busy { .. }), "{err:?}");
    assert!(err.to_string().contains(".ds.cellucid.lock"), "{err}");
    drop(tx);
    crate::publish::Transaction::begin(&out, false).expect("after the first is dropped");
}

#[cfg(unix)]
#[test]
fn symlinked_or_linked_lock_files_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let real = dir.path().join("real");
    std::fs::write(&real, b"").expect("write");
    let link = dir.path().join(".a.cellucid.lock");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    assert!(matches!(
        acquire(&link, dir.path()),
        Err(PublishError::UnsafeLock { .. })
    ));
    let hard = dir.path().join(".b.cellucid.lock");
    std::fs::hard_link(&real, &hard).expect("link");
    assert!(matches!(
        acquire(&hard, dir.path()),
        Err(PublishError::UnsafeLock { .. })
    ));
}

#[test]
fn unsupported_lock_error_names_the_file_and_the_fix() {
    let err = PublishError::LockUnsupported {
        path: "/mnt/nfs/.ds.cellucid.lock".into(),
        mechanism: os::MECHANISM,
        fix: "export to a local file system",
        source: std::io::Error::from(std::io::ErrorKind::Unsupported),
    };
    let text = err.to_string();
    assert!(text.contains("'/mnt/nfs/.ds.cellucid.lock'"), "{text}");
    assert!(text.contains(os::MECHANISM), "{text}");
    assert!(text.ends_with("export to a local file system"), "{text}");
}

/// A second process taking the reference writer's kind of lock: a classic POSIX record lock
/// (`fcntl(F_SETLK)`, what `lockf(fd, F_TLOCK, 0)` and Python's `fcntl.lockf` do at offset 0).
#[cfg(target_os = "linux")]
mod posix_child {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::path::Path;
    use std::process::{Child, ChildStdout, Command, Stdio};

    use nix::errno::Errno;
    use nix::fcntl::{fcntl, FcntlArg};

    use super::super::{acquire, PublishError};

    const PATH_ENV: &str = "CELLUCID_LOCK_CHILD_PATH";
    const MODE_ENV: &str = "CELLUCID_LOCK_CHILD_MODE";
    /// Prefix of the child's verdict line (libtest writes its own text around it).
    const MARKER: &str = "cellucid-lock-child: ";
    const CHILD_TEST: &str = "publish::lock::tests::posix_child::lockf_child";

    /// Runs only in the re-executed child (hence `ignore`): takes a classic POSIX lock on the
    /// file named by `CELLUCID_LOCK_CHILD_PATH` and prints `LOCKED` or `BUSY` after [`MARKER`]. In mode `hold` it
    /// keeps the lock until its stdin closes.
    #[test]
    #[ignore = "child process of the lockf interoperability tests"]
    fn lockf_child() {
        let (Ok(path), Ok(mode)) = (std::env::var(PATH_ENV), std::env::var(MODE_ENV)) else {
            return;
        };
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .expect("child opens the lock file");
        let request = libc::flock {
            l_type: libc::F_WRLCK as libc::c_short,
            l_whence: libc::SEEK_SET as libc::c_short,
            l_start: 0,
            l_len: 0,
            l_pid: 0,
        };
        let mut out = std::io::stdout();
        match fcntl(&file, FcntlArg::F_SETLK(&request)) {
            Ok(_) => writeln!(out, "\n{MARKER}LOCKED").expect("stdout"),
            Err(Errno::EAGAIN | Errno::EACCES) => writeln!(out, "\n{MARKER}BUSY").expect("stdout"),
            Err(e) => panic!("child F_SETLK failed: {e}"),
        }
        out.flush().expect("flush");
        if mode == "hold" {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        }
    }

    fn spawn(path: &Path, mode: &str) -> (Child, BufReader<ChildStdout>) {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                CHILD_TEST,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(PATH_ENV, path)
            .env(MODE_ENV, mode)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn child");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        (child, stdout)
    }

    /// The child's verdict, `LOCKED` or `BUSY`, from its marked line.
    fn verdict(stdout: &mut BufReader<ChildStdout>) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            let n = stdout.read_line(&mut line).expect("read child stdout");
            assert!(n > 0, "child exited without a verdict");
            if let Some((_, word)) = line.split_once(MARKER) {
                return word.trim().to_string();
            }
        }
    }

    fn finish(mut child: Child) {
        drop(child.stdin.take());
        let status = child.wait().expect("wait child");
        assert!(status.success(), "child failed: {status}");
    }

    #[test]
    fn a_lockf_holder_in_another_process_blocks_us() {
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join("ds");
        let lock = dir.path().join(".ds.cellucid.lock");
        std::fs::write(&lock, b"").expect("create lock file");
        let (child, mut stdout) = spawn(&lock, "hold");
        assert_eq!(verdict(&mut stdout), "LOCKED");

        let err = acquire(&lock, &out).expect_err("the child's lockf must block us");
        let text = err.to_string();
        match &err {
            PublishError::Busy { held_by, .. } => {
                assert_eq!(held_by, &format!("process {}", child.id()), "{text}")
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        assert!(text.contains(&lock.display().to_string()), "{text}");
        // The whole publication refuses to start, and leaves nothing but the lock file.
        let err = crate::publish::Transaction::begin(&out, false).expect_err("busy");
        assert!(matches!(err, PublishError::Busy { .. }), "{err:?}");
        assert!(!out.exists());

        finish(child);
        let guard = acquire(&lock, &out).expect("free once the child has exited");
        drop(guard);
    }

    #[test]
    fn our_lock_blocks_a_lockf_in_another_process() {
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join("ds");
        let lock = dir.path().join(".ds.cellucid.lock");
        let guard = acquire(&lock, &out).expect("ours");
        let (child, mut stdout) = spawn(&lock, "try");
        assert_eq!(verdict(&mut stdout), "BUSY");
        finish(child);

        drop(guard);
        let (child, mut stdout) = spawn(&lock, "try");
        assert_eq!(verdict(&mut stdout), "LOCKED");
        finish(child);
    }
}
