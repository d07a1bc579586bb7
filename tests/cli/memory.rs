//! `--memory-limit`: bad sizes are usage errors, and the scratch files a
//! spilling run writes leave nothing behind in TMPDIR, whether the run
//! succeeds, fails or is killed. (That spilled runs give identical output
//! is in `determinism`.)

use std::fs;
use std::path::Path;
use std::time::Duration;

use crate::determinism::generate;
use crate::util::{AS_OF, listaudit, run};

fn audit_in(dir: &Path, tmp: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("listaudit"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TMPDIR", tmp)
        .arg("audit")
        .arg(dir.join("subscribers.csv"))
        .arg("--consent")
        .arg(dir.join("consent.csv"))
        .args(["--as-of", AS_OF, "--memory-limit", "1M", "--out-dir"])
        .arg(dir.join("out"))
        .args(extra);
    cmd
}

fn entries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn scratch_files_are_gone_after_success_failure_and_kill() {
    let data = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    generate(data.path(), 20_000);

    let done = audit_in(data.path(), tmp.path(), &[]).output().unwrap();
    assert_eq!(
        done.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(data.path().join("out/findings.csv").exists());
    assert_eq!(entries(tmp.path()), Vec::<String>::new());

    // --strict stops at the first malformed row, after the index spilled.
    fs::remove_dir_all(data.path().join("out")).unwrap();
    let failed = audit_in(data.path(), tmp.path(), &["--strict"])
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("row"));
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
    assert!(
        !data.path().join("out").exists(),
        "a failed run leaves no output"
    );

    let mut child = audit_in(data.path(), tmp.path(), &[]).spawn().unwrap();
    scratch_files_while_running(&mut child, tmp.path());
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
}

/// Waits until the running audit holds a scratch file in `tmp`, and checks
/// that it is owner-only and has no name in the directory (so nothing can
/// be left behind). Linux shows a process's open files in /proc. It waits as
/// long as the run lasts, with no deadline, so a slow machine cannot fail it.
#[cfg(target_os = "linux")]
fn scratch_files_while_running(child: &mut std::process::Child, tmp: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tmp.canonicalize().unwrap();
    let fds = Path::new("/proc").join(child.id().to_string()).join("fd");
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before a scratch file was seen in {}",
            tmp.display()
        );
        let scratch: Vec<_> = fs::read_dir(&fds)
            .map(|dir| {
                dir.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
            .into_iter()
            .filter(|fd| fs::read_link(fd).is_ok_and(|target| target.starts_with(&tmp)))
            .collect();
        // A scratch file may be closed between listing the descriptors and
        // looking at one; then the next poll finds the next file.
        for fd in &scratch {
            let (Ok(target), Ok(metadata)) = (fs::read_link(fd), fs::metadata(fd)) else {
                continue;
            };
            assert!(
                target.to_string_lossy().ends_with("(deleted)"),
                "{} has a name in TMPDIR",
                target.display()
            );
            let mode = metadata.permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "scratch file mode {mode:o}");
            assert_eq!(entries(&tmp), Vec::<String>::new());
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(not(target_os = "linux"))]
fn scratch_files_while_running(_child: &mut std::process::Child, _tmp: &Path) {
    std::thread::sleep(Duration::from_millis(300));
}

#[test]
fn bad_sizes_are_usage_errors_with_a_hint() {
    for (size, says) in [
        ("2 parsecs", "unknown unit"),
        ("100K", "too small"),
        ("lots", "not a size"),
    ] {
        let result = run(listaudit().args([
            "audit",
            "fixtures/demo/subscribers.csv",
            "--memory-limit",
            size,
        ]));
        assert_eq!(result.code, 2, "{size}: {}", result.stderr);
        assert!(result.stderr.contains(says), "{size}: {}", result.stderr);
        assert!(result.stderr.contains("512M"), "{size}: {}", result.stderr);
    }
}
