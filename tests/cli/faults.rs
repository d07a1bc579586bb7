//! Faults real machines have (issue 22): runs at the same time, files that
//! change while read, links, pipes. Each fault is reproduced, then the
//! test asserts that it either works or fails clearly, losing nothing.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::util::{files_in, listaudit, run};

/// A list of `rows` people, `person{i}@example.org`.
fn export(dir: &Path, name: &str, rows: usize) -> PathBuf {
    let mut text = String::from("email,name,note\n");
    for i in 0..rows {
        text.push_str(&format!(
            "person{i}@example.org,Person {i},some notes to make the row longer\n"
        ));
    }
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn addresses(dir: &Path, name: &str, address: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, format!("{address}\n")).unwrap();
    path
}

/// `erase --in-place` of the people in `requests` from `file`, with the
/// receipts in `receipts`.
fn erase_in_place(requests: &Path, file: &Path, receipts: &Path) -> crate::util::Run {
    run(listaudit()
        .args(["erase", "--in-place", "--addresses"])
        .arg(requests)
        .arg(file)
        .arg("-o")
        .arg(receipts))
}

fn has_row(path: &Path, address: &str) -> bool {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .any(|line| line.starts_with(&format!("{address},")))
}

fn temporary_files(dir: &Path) -> Vec<String> {
    let mut names = files_in(dir);
    names.retain(|n| n.ends_with(".tmp"));
    names
}

#[test]
fn two_in_place_erases_of_one_file_at_once_both_take_effect() {
    let binary = assert_cmd::cargo::cargo_bin!("listaudit");
    for attempt in 0..8 {
        let dir = tempfile::tempdir().unwrap();
        let list = export(dir.path(), "list.csv", 30_000);
        let first = addresses(dir.path(), "first.txt", "person10@example.org");
        let second = addresses(dir.path(), "second.txt", "person29990@example.org");
        let start = |requests: &Path, receipts: &str| {
            Command::new(binary)
                .args(["erase", "--in-place", "--addresses"])
                .arg(requests)
                .arg(&list)
                .arg("-o")
                .arg(dir.path().join(receipts))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let runs = [start(&first, "r1"), start(&second, "r2")];
        for child in runs {
            let output = child.wait_with_output().unwrap();
            assert_eq!(
                output.status.code(),
                Some(0),
                "attempt {attempt}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        assert!(!has_row(&list, "person10@example.org"), "attempt {attempt}");
        assert!(
            !has_row(&list, "person29990@example.org"),
            "attempt {attempt}"
        );
        assert!(has_row(&list, "person11@example.org"));
        assert_eq!(fs::read_to_string(&list).unwrap().lines().count(), 29_999);
        assert!(temporary_files(dir.path()).is_empty());
    }
}

#[cfg(unix)]
#[test]
fn an_in_place_erase_through_a_symlink_replaces_the_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    let target = export(&data, "list.csv", 20);
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let requests = addresses(dir.path(), "requests.txt", "person3@example.org");
    let result = erase_in_place(&requests, &link, &dir.path().join("receipts"));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_link(&link).unwrap(), target);
    assert!(!has_row(&target, "person3@example.org"));
    assert!(has_row(&target, "person4@example.org"));
    assert!(temporary_files(&data).is_empty());
    assert!(temporary_files(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn an_in_place_erase_of_a_file_with_other_hard_links_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let list = export(dir.path(), "list.csv", 20);
    let other = dir.path().join("other-name.csv");
    fs::hard_link(&list, &other).unwrap();
    let before = fs::read(&list).unwrap();
    let requests = addresses(dir.path(), "requests.txt", "person3@example.org");
    let receipts = dir.path().join("receipts");
    let result = erase_in_place(&requests, &list, &receipts);
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result.stderr.contains("has 2 hard links"),
        "{}",
        result.stderr
    );
    assert_eq!(fs::read(&list).unwrap(), before);
    assert_eq!(fs::read(&other).unwrap(), before);
    assert!(!receipts.exists());
}

#[cfg(unix)]
#[test]
fn an_in_place_erase_keeps_the_owner_group_and_mode() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let list = export(dir.path(), "list.csv", 20);
    fs::set_permissions(&list, fs::Permissions::from_mode(0o640)).unwrap();
    // Only root may give a file away; otherwise the file stays ours.
    let given_away = std::os::unix::fs::chown(&list, Some(4321), Some(4322)).is_ok();
    let before = fs::metadata(&list).unwrap();
    let requests = addresses(dir.path(), "requests.txt", "person3@example.org");
    let result = erase_in_place(&requests, &list, &dir.path().join("receipts"));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let after = fs::metadata(&list).unwrap();
    assert_ne!(after.ino(), before.ino(), "replaced by a new file");
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    if given_away {
        assert_eq!((after.uid(), after.gid()), (4321, 4322));
    }
    assert_eq!(after.permissions().mode() & 0o7777, 0o640);
    assert!(!has_row(&list, "person3@example.org"));
}

/// Work on another thread, repeated until stopped: a writer that does not
/// know a run is reading the file.
struct Meddler<T> {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<T>,
}

impl<T: Send + 'static> Meddler<T> {
    /// Calls `step` every millisecond or so until [`Meddler::stop`];
    /// `done` gives the result from the last state.
    fn start<S: Send + 'static>(
        mut state: S,
        mut step: impl FnMut(&mut S) + Send + 'static,
        done: impl FnOnce(S) -> T + Send + 'static,
    ) -> Meddler<T> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let handle = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                step(&mut state);
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            done(state)
        });
        Meddler { stop, handle }
    }

    fn stop(self) -> T {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

/// Appends a row to `path` every millisecond until stopped; returns how
/// many.
fn keep_appending(path: PathBuf) -> Meddler<usize> {
    let file = fs::OpenOptions::new().append(true).open(&path).unwrap();
    Meddler::start(
        (file, 0usize),
        |(file, appended)| {
            writeln!(file, "late{appended}@example.org,Late,appended while read").unwrap();
            *appended += 1;
        },
        |(_, appended)| appended,
    )
}

/// Audits `list` while `meddler` works on it: the run must stop with exit
/// 2, naming the change, and write nothing.
fn audit_is_refused_while<T: Send + 'static>(list: &Path, meddler: Meddler<T>) {
    let out = list.with_file_name("out");
    let result = run(listaudit()
        .arg("audit")
        .arg(list)
        .args(["--as-of", "2025-06-30", "--out-dir"])
        .arg(&out));
    meddler.stop();
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result.stderr.contains(&format!(
            "{}: changed while it was being read",
            list.display()
        )),
        "{}",
        result.stderr
    );
    assert!(!out.exists(), "no report claims the file was audited");
}

#[test]
fn rows_appended_during_an_in_place_erase_are_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let list = export(dir.path(), "list.csv", 200_000);
    let requests = addresses(dir.path(), "requests.txt", "person3@example.org");
    let receipts = dir.path().join("receipts");
    let appender = keep_appending(list.clone());
    let result = erase_in_place(&requests, &list, &receipts);
    let appended = appender.stop();
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result.stderr.contains("changed while it was being"),
        "{}",
        result.stderr
    );
    // Nothing replaced: every appended row is there, and so is the person.
    let text = fs::read_to_string(&list).unwrap();
    assert_eq!(text.lines().count(), 1 + 200_000 + appended);
    assert!(has_row(&list, "person3@example.org"));
    assert!(!receipts.exists());
    assert!(temporary_files(dir.path()).is_empty());
}

#[test]
fn a_file_that_grows_while_audited_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let list = export(dir.path(), "list.csv", 200_000);
    audit_is_refused_while(&list, keep_appending(list.clone()));
}

#[cfg(unix)]
#[test]
fn pipes_and_devices_named_as_inputs_are_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("list.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // Nobody writes to the pipe: opening it would wait forever.
    for (input, kind) in [
        (fifo.as_path(), "is a named pipe (FIFO), not a file"),
        (Path::new("/dev/null"), "is a character device, not a file"),
    ] {
        let result = run(listaudit()
            .arg("audit")
            .arg(input)
            .args(["--as-of", "2025-06-30", "--out-dir"])
            .arg(dir.path().join("out"))
            .timeout(std::time::Duration::from_secs(60)));
        assert_eq!(result.code, 2, "{}", result.stderr);
        assert!(
            result
                .stderr
                .contains(&format!("{}: {kind}", input.display())),
            "{}",
            result.stderr
        );
        assert!(
            result.stderr.contains("standard input"),
            "{}",
            result.stderr
        );
        assert!(!dir.path().join("out").exists());
    }
}

#[test]
fn two_erases_into_one_out_dir_at_once_keep_both_receipts_and_digests() {
    let binary = assert_cmd::cargo::cargo_bin!("listaudit");
    for attempt in 0..6 {
        let dir = tempfile::tempdir().unwrap();
        let receipts = dir.path().join("receipts");
        fs::create_dir(&receipts).unwrap();
        let runs: Vec<_> = [("a", "person1@example.org"), ("b", "person2@example.org")]
            .into_iter()
            .map(|(name, person)| {
                let list = export(dir.path(), &format!("{name}.csv"), 20_000);
                let requests = addresses(dir.path(), &format!("{name}.txt"), person);
                Command::new(binary)
                    .args(["erase", "--in-place", "--addresses"])
                    .arg(requests)
                    .arg(list)
                    .arg("-o")
                    .arg(&receipts)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in runs {
            let output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(0), "attempt {attempt}: {stderr}");
        }
        assert_eq!(
            files_in(&receipts),
            [
                "erasure-receipt-2.csv",
                "erasure-receipt-2.json",
                "erasure-receipt.csv",
                "erasure-receipt.json",
                "listaudit-manifest.json",
                "suppression.sha256"
            ],
            "attempt {attempt}"
        );
        let suppression = fs::read_to_string(receipts.join("suppression.sha256")).unwrap();
        assert_eq!(suppression.lines().count(), 2, "attempt {attempt}");
        let removed: Vec<String> = ["erasure-receipt.json", "erasure-receipt-2.json"]
            .iter()
            .map(|name| {
                let receipt: serde_json::Value =
                    serde_json::from_slice(&fs::read(receipts.join(name)).unwrap()).unwrap();
                receipt["files"][0]["file"].as_str().unwrap().to_string()
            })
            .collect();
        assert_ne!(removed[0], removed[1], "each run has its own receipt");
    }
}

/// Whether `dir` holds a complete set by its manifest: every file the
/// manifest names, with its size. `None` without a manifest.
fn complete_set(dir: &Path) -> Option<Vec<String>> {
    let bytes = fs::read(dir.join("listaudit-manifest.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_slice(&bytes).expect("whole JSON");
    assert_eq!(manifest["schema"], "listaudit.manifest/1");
    let mut names = Vec::new();
    for file in manifest["files"].as_array().unwrap() {
        let name = file["name"].as_str().unwrap();
        let size = fs::metadata(dir.join(name))
            .unwrap_or_else(|e| panic!("{name} named by the manifest: {e}"))
            .len();
        assert_eq!(size, file["bytes"].as_u64().unwrap(), "{name}");
        names.push(name.to_string());
    }
    Some(names)
}

#[cfg(unix)]
#[test]
fn an_out_dir_killed_at_any_moment_holds_a_complete_set_or_says_it_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let small = export(dir.path(), "small.csv", 2_000);
    let large = export(dir.path(), "large.csv", 60_000);
    let out = dir.path().join("out");
    let audit = |input: &Path| {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin!("listaudit"));
        command
            .arg("audit")
            .arg(input)
            .args(["--as-of", "2025-06-30", "--out-dir"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    };
    let started = std::time::Instant::now();
    assert_eq!(audit(&small).status().unwrap().code(), Some(1));
    let full_run = started.elapsed();
    let names = complete_set(&out).expect("a finished run leaves its manifest");
    assert!(names.contains(&"cleaned.csv".to_string()), "{names:?}");
    assert_eq!(names.len() + 1, files_in(&out).len(), "{names:?}");
    let mut incomplete = 0;
    for attempt in 0..24u32 {
        let input = if attempt % 2 == 0 { &large } else { &small };
        let mut child = audit(input).spawn().unwrap();
        if attempt < 12 {
            // Kill points spread over a whole run.
            std::thread::sleep(full_run * attempt / 4);
        } else {
            // Kill as the commit starts: the old manifest goes first.
            let manifest = out.join("listaudit-manifest.json");
            while manifest.exists() && child.try_wait().unwrap().is_none() {
                std::hint::spin_loop();
            }
        }
        let _ = child.kill();
        child.wait().unwrap();
        if complete_set(&out).is_none() {
            incomplete += 1;
        }
    }
    // Each state seen was whole or said to be incomplete; a run to the end
    // leaves a complete set again.
    assert_eq!(audit(&large).status().unwrap().code(), Some(1));
    let names = complete_set(&out).expect("manifest");
    assert!(names.contains(&"report.json".to_string()));
    eprintln!("{incomplete} of 24 kills left a directory that says it is incomplete");
}

#[test]
fn a_dash_as_an_output_path_is_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let demo = [
        "fixtures/demo/subscribers.csv",
        "-c",
        "fixtures/demo/consent.csv",
    ];
    let in_file = dir.path().join("findings.csv");
    let filed = run(listaudit()
        .arg("audit")
        .args(demo)
        .args(["--as-of", "2025-06-30", "--findings"])
        .arg(&in_file));
    assert_eq!(filed.code, 1, "{}", filed.stderr);
    for flag in ["--findings", "--cleaned"] {
        let streamed =
            run(listaudit()
                .arg("audit")
                .args(demo)
                .args(["--as-of", "2025-06-30", flag, "-"]));
        assert_eq!(streamed.code, 1, "{}", streamed.stderr);
        if flag == "--findings" {
            // The file's bytes, and no summary after them.
            assert_eq!(streamed.stdout, fs::read_to_string(&in_file).unwrap());
        } else {
            assert!(
                streamed.stdout.starts_with("Email Address,"),
                "{}",
                streamed.stdout
            );
        }
        assert!(!Path::new(env!("CARGO_MANIFEST_DIR")).join("-").exists());
    }
    let clash = run(listaudit().arg("audit").args(demo).args([
        "--as-of",
        "2025-06-30",
        "--findings",
        "-",
        "--format",
        "json",
    ]));
    assert_eq!(clash.code, 2);
    assert!(
        clash
            .stderr
            .contains("an output is `-` (standard output), and so is --format json"),
        "{}",
        clash.stderr
    );
}

#[cfg(unix)]
#[test]
fn outputs_to_devices_pipes_and_links_to_them_are_written_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let demo = [
        "fixtures/demo/subscribers.csv",
        "-c",
        "fixtures/demo/consent.csv",
    ];
    // /dev/stdout is a link to the pipe the test reads.
    let through_link = run(listaudit().arg("audit").args(demo).args([
        "--as-of",
        "2025-06-30",
        "-q",
        "--findings",
        "/dev/stdout",
    ]));
    assert_eq!(through_link.code, 1, "{}", through_link.stderr);
    assert!(
        through_link
            .stdout
            .starts_with("file,row,email,rule,severity,message"),
        "{}",
        through_link.stdout
    );
    assert!(
        fs::symlink_metadata("/dev/stdout")
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let null = run(listaudit().arg("audit").args(demo).args([
        "--as-of",
        "2025-06-30",
        "-q",
        "--report",
        "/dev/null",
    ]));
    assert_eq!(null.code, 1, "{}", null.stderr);
    assert!(FileTypeExt::is_char_device(
        &fs::metadata("/dev/null").unwrap().file_type()
    ));
    // A named pipe, and a link to it, with a reader on the other end.
    let fifo = dir.path().join("cleaned.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let link = dir.path().join("cleaned-link.csv");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    for path in [&fifo, &link] {
        let reading = fifo.clone();
        let reader = std::thread::spawn(move || fs::read_to_string(reading).unwrap());
        let result = run(listaudit()
            .arg("audit")
            .args(demo)
            .args(["--as-of", "2025-06-30", "-q", "--cleaned"])
            .arg(path));
        assert_eq!(result.code, 1, "{}", result.stderr);
        let cleaned = reader.join().unwrap();
        assert!(cleaned.starts_with("Email Address,"), "{cleaned}");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(FileTypeExt::is_fifo(
            &fs::metadata(&fifo).unwrap().file_type()
        ));
    }
    assert!(temporary_files(dir.path()).is_empty());
}

/// Whether `text` holds a control character (C0 but tab and line breaks,
/// DEL, C1) or a bidirectional override.
fn has_raw_control(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn no_format_copies_control_bytes_from_the_input() {
    let dir = tempfile::tempdir().unwrap();
    // A terminal title change (OSC … BEL), a C1 CSI, DEL and a
    // right-to-left override, in a status, a name and the file's name.
    let hostile = "sub\u{1b}]0;pwned\u{7}scr\u{9b}\u{7f}ibed\u{202e}x";
    let list = dir.path().join("list\u{1b}[31m.csv");
    fs::write(
        &list,
        format!("email,status,name\nanna@example.com,{hostile},A\u{1b}[2Jnna\n"),
    )
    .unwrap();
    for format in ["table", "markdown", "github", "junit", "sarif", "gitlab"] {
        let result = run(listaudit().arg("audit").arg(&list).args([
            "--as-of",
            "2025-06-30",
            "--format",
            format,
        ]));
        assert_eq!(result.code, 1, "{format}: {}", result.stderr);
        assert!(
            !has_raw_control(&result.stdout),
            "{format}: {:?}",
            result.stdout
        );
        assert!(
            !has_raw_control(&result.stderr),
            "{format}: {:?}",
            result.stderr
        );
        // Shown escaped, not dropped: the value is evidence. (In JSON the
        // backslash of the escape is itself escaped.)
        let shown = if matches!(format, "sarif" | "gitlab") {
            "pwned\\\\u{7}scr\\\\u{9b}\\\\u{7f}ibed\\\\u{202e}x"
        } else {
            "pwned\\u{7}scr\\u{9b}\\u{7f}ibed\\u{202e}x"
        };
        assert!(result.stdout.contains(shown), "{format}: {}", result.stdout);
        if format == "junit" {
            assert!(well_formed(&result.stdout), "{}", result.stdout);
        }
    }
    let lookup = run(listaudit().args(["lookup", "anna@example.com"]).arg(&list));
    assert_eq!(lookup.code, 0, "{}", lookup.stderr);
    assert!(!has_raw_control(&lookup.stdout), "{:?}", lookup.stdout);
    assert!(
        lookup.stdout.contains("A\\u{1b}[2Jnna"),
        "{}",
        lookup.stdout
    );
}

/// Whether `xml` parses to its end, every element closed in order.
fn well_formed(xml: &str) -> bool {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => return depth == 0,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn standard_input_spooled_in_memory_stops_at_the_memory_limit() {
    let shm = Path::new("/dev/shm");
    let in_memory = Command::new("stat")
        .args(["-f", "-c", "%T"])
        .arg(shm)
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "tmpfs");
    assert!(
        in_memory,
        "this test needs /dev/shm on tmpfs, as Linux has it"
    );
    let mut list = String::from("email\n");
    for i in 0..60_000 {
        list.push_str(&format!("person{i}@example.org\n"));
    }
    assert!(list.len() > 1 << 20);
    let scratch = tempfile::tempdir_in(shm).unwrap();
    let out = scratch.path().join("out");
    // Standard input audited with TMPDIR and --memory-limit.
    let audit = |tmp: &Path, limit: &str| {
        run(listaudit()
            .env("TMPDIR", tmp)
            .args([
                "audit",
                "-",
                "--as-of",
                "2025-06-30",
                "--memory-limit",
                limit,
            ])
            .arg("-o")
            .arg(&out)
            .write_stdin(list.clone()))
    };
    let over = audit(scratch.path(), "1M");
    assert_eq!(over.code, 2, "{}", over.stderr);
    assert!(
        over.stderr.contains(&format!(
            "<stdin>: is larger than --memory-limit (1048576 bytes), and the scratch directory {}",
            scratch.path().display()
        )),
        "{}",
        over.stderr
    );
    assert!(over.stderr.contains("set TMPDIR to a directory on disk"));
    assert!(!out.exists());
    // Within the limit, or with the scratch directory on disk, it is read.
    let within = audit(scratch.path(), "4M");
    assert_eq!(within.code, 1, "{}", within.stderr);
    // The build directory is on disk; /tmp may be tmpfs.
    let disk = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let on_disk = audit(disk.path(), "1M");
    assert_eq!(on_disk.code, 1, "{}", on_disk.stderr);
}

#[cfg(unix)]
#[test]
fn a_file_truncated_while_audited_is_never_reported_as_audited() {
    use std::os::unix::fs::FileExt;
    let dir = tempfile::tempdir().unwrap();
    let list = export(dir.path(), "list.csv", 200_000);
    let whole = fs::read(&list).unwrap();
    let file = fs::OpenOptions::new().write(true).open(&list).unwrap();
    // Cut the file in half and put the rest back, over and over, for the
    // whole run: whatever the audit reads spans a change.
    let cutter = Meddler::start(
        (file, false),
        move |(file, cut)| {
            let half = whole.len() as u64 / 2;
            if *cut {
                file.write_all_at(&whole[half as usize..], half).unwrap();
            } else {
                file.set_len(half).unwrap();
            }
            *cut = !*cut;
        },
        |_| (),
    );
    audit_is_refused_while(&list, cutter);
}
