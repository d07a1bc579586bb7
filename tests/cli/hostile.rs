//! Hostile input: sizes past every limit, nesting, archives that unpack
//! without end, values that would run as formulas or rewrite a terminal,
//! and runs cut short by a signal. Each case asserts the exit status, the
//! message (file, and line where known), and that nothing is left behind
//! ([`Case::fails`]).

use std::fs::{self, File};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::bad_input::Case;
use crate::util::{AS_OF, files_in, fixture, listaudit, run};

/// A file that says `head`, then about 1 GiB without a line break: `fill`
/// for the first 64 KiB (what the sniffer sees), then a hole that reads as
/// NUL bytes and takes no disk space.
fn gigabyte_line(path: &Path, head: &[u8], fill: u8) {
    let mut file = File::create(path).unwrap();
    file.write_all(head).unwrap();
    file.write_all(&vec![fill; 64 * 1024]).unwrap();
    file.seek(SeekFrom::Start(1 << 30)).unwrap();
    file.write_all(b"\n").unwrap();
}

fn subscribers(dir: &Path) -> PathBuf {
    let path = dir.join("subscribers.csv");
    fs::write(&path, "email\nanna@example.org\n").unwrap();
    path
}

#[test]
fn a_gigabyte_line_stops_at_the_record_limit_in_every_reader() {
    let case = Case::new();
    let dir = &case.dir;
    let export = dir.path().join("export.csv");
    gigabyte_line(&export, b"email,name\nanna@example.org,", b'a');
    let stderr = case.fails(&[&export]);
    assert!(
        stderr.contains("export.csv: line 2: a record is longer than 64 MiB"),
        "{stderr}"
    );

    let list = subscribers(dir.path());
    let lines = dir.path().join("log.jsonl");
    gigabyte_line(
        &lines,
        b"{\"email\":\"anna@example.org\",\"event\":\"opt_in\",\"timestamp\":\"2024-01-01\"}\n{\"note\":\"",
        b'a',
    );
    let stderr = case.fails(&[&list, Path::new("-c"), &lines]);
    assert!(
        stderr.contains("log.jsonl: line 2: longer than 64 MiB"),
        "{stderr}"
    );

    // A JSON string may not hold the NUL bytes of a hole: 65 MiB written.
    let array = dir.path().join("log.json");
    let mut text = b"[{\"email\":\"anna@example.org\",\"event\":\"opt_in\",\"timestamp\":\"2024-01-01\"},\n{\"note\":\"".to_vec();
    text.resize(text.len() + (65 << 20), b'a');
    fs::write(&array, text).unwrap();
    let stderr = case.fails(&[&list, Path::new("-c"), &array]);
    assert!(
        stderr.contains("log.json: record 2: longer than 64 MiB"),
        "{stderr}"
    );
}

#[test]
fn a_header_of_100000_columns_is_refused_and_16384_are_read() {
    let case = Case::new();
    let dir = &case.dir;
    let wide = dir.path().join("wide.csv");
    let names: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
    fs::write(&wide, format!("{},email\n", names.join(","))).unwrap();
    let stderr = case.fails(&[&wide]);
    assert!(
        stderr.contains(
            "wide.csv: line 1: the header has 100001 columns; the most listaudit reads is 16384"
        ),
        "{stderr}"
    );

    // At the limit: read, with the repeated name noted (once, though the
    // header is wide) and the row audited.
    let mut names: Vec<String> = (0..16_382).map(|i| format!("c{i}")).collect();
    names.push("c7".to_string());
    names.push("email".to_string());
    let row = format!("{}anna@example.org", ",".repeat(16_383));
    fs::write(&wide, format!("{}\n{row}\n", names.join(","))).unwrap();
    let result = run(listaudit()
        .args(["audit", "--as-of", AS_OF, "--format", "json"])
        .arg(&wide));
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(
        result.stderr.contains(
            "wide.csv: column name 'c7' is used 2 times (columns 8, 16383); the first is read"
        ),
        "{}",
        result.stderr
    );
    assert_eq!(result.json()["summary"]["rows"], 1);
}

#[test]
fn deeply_nested_json_is_an_error_not_a_crash() {
    let case = Case::new();
    let dir = &case.dir;
    let list = subscribers(dir.path());
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    for (name, text) in [
        ("array.json", nested.clone()),
        (
            "lines.jsonl",
            format!(
                "{{\"email\":\"anna@example.org\",\"event\":\"opt_in\",\"timestamp\":\"2024-01-01\",\"x\":{nested}}}\n"
            ),
        ),
        ("documents.json", format!("{{\"x\":{nested}}}")),
    ] {
        let log = dir.path().join(name);
        fs::write(&log, text).unwrap();
        let stderr = case.fails(&[&list, Path::new("-c"), &log]);
        assert!(stderr.contains(&format!("{name}: ")), "{stderr}");
        assert!(stderr.contains("recursion limit exceeded"), "{stderr}");
    }
}

#[test]
fn a_zip_bomb_and_an_archive_of_too_many_members_are_refused() {
    let case = Case::new();
    let dir = &case.dir;
    let bomb = fixture("hostile/bomb.zip");
    let stderr = case.fails(&[&bomb]);
    assert!(
        stderr.contains("bomb.zip:subscribed_members_export_bomb.csv: unpacks to more than"),
        "{stderr}"
    );
    assert!(stderr.contains("refused as a ZIP bomb"), "{stderr}");

    let many = dir.path().join("many.zip");
    let mut writer = zip::ZipWriter::new(File::create(&many).unwrap());
    for i in 0..300 {
        writer
            .start_file(
                format!("list-{i}.csv"),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
        writer.write_all(b"email\nanna@example.org\n").unwrap();
    }
    writer.finish().unwrap();
    let stderr = case.fails(&[&many]);
    assert!(
        stderr.contains(
            "many.zip: the archive has 300 CSV members; the most listaudit unpacks is 256"
        ),
        "{stderr}"
    );
}

#[test]
fn report_csvs_neutralise_formulas_while_the_rows_stay_byte_faithful() {
    let dir = tempfile::tempdir().unwrap();
    // Named as given on the command line: relative, so the file column
    // starts with `=` too.
    let export = Path::new("=export.csv");
    let rows = "email,source\r\n\
        \"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",web\r\n\
        +cmd@example.org,\"=1+1\"\r\n\
        -2+3@example.org,@SUM(1)\r\n\
        anna@example.org,web\r\n";
    fs::write(dir.path().join(export), rows).unwrap();
    let out = dir.path().join("out");
    let result = run(listaudit()
        .current_dir(dir.path())
        .args(["audit", "--as-of", AS_OF, "-q", "--out-dir"])
        .arg(&out)
        .arg(export));
    assert_eq!(result.code, 1, "{}", result.stderr);

    let findings = fs::read_to_string(out.join("findings.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(findings.as_bytes());
    let mut emails = std::collections::BTreeSet::new();
    for record in reader.records() {
        let record = record.unwrap();
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a report cell a spreadsheet would run: {cell:?}"
            );
        }
        assert_eq!(&record[0], "'=export.csv");
        emails.insert(record[2].to_string());
    }
    assert!(emails.contains("'+cmd@example.org"), "{emails:?}");
    assert!(emails.contains("'-2+3@example.org"), "{emails:?}");
    assert!(emails.contains("anna@example.org"), "{emails:?}");

    // The user's own rows are copied as they were, formulas and all: they
    // are for re-import, not for a spreadsheet.
    let removed = fs::read_to_string(out.join("removed.csv")).unwrap();
    for row in rows.split("\r\n").skip(1).filter(|r| !r.is_empty()) {
        assert!(removed.contains(&format!("{row},")), "{row} not kept whole");
    }
    assert!(
        removed
            .lines()
            .skip(1)
            .all(|line| line.contains(",C0") || line.contains(",H0")),
        "{removed}"
    );
}

#[test]
fn control_and_bidi_characters_are_escaped_before_reaching_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("list\u{1b}[2J.csv");
    fs::write(
        &export,
        "email,source\nanna@example.org,\"\u{1b}]0;owned\u{7}\u{202e}gpj.exe\"\n",
    )
    .unwrap();
    let result = run(listaudit()
        .arg("lookup")
        .arg("anna@example.org")
        .arg(&export));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(!result.stdout.contains('\u{1b}'), "{}", result.stdout);
    assert!(!result.stdout.contains('\u{202e}'), "{}", result.stdout);
    assert!(!result.stdout.contains('\u{7}'), "{}", result.stdout);
    assert!(
        result
            .stdout
            .contains("\\u{1b}]0;owned\\u{7}\\u{202e}gpj.exe"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("list\\u{1b}[2J.csv"),
        "{}",
        result.stdout
    );

    let broken = dir.path().join("\u{1b}[31mred.csv");
    fs::write(&broken, "").unwrap();
    let result = run(listaudit().args(["audit", "--as-of", AS_OF]).arg(&broken));
    assert_eq!(result.code, 2);
    assert!(!result.stderr.contains('\u{1b}'), "{}", result.stderr);
    assert!(
        result.stderr.contains("\\u{1b}[31mred.csv"),
        "{}",
        result.stderr
    );
}

/// Polls until `dir` holds one of the run's temporary output files. It waits
/// as long as the run lasts, with no deadline: a debug build on a loaded CI
/// machine took over 15 s to reach its first write, and a fixed count of polls
/// failed the test there though the behaviour was right. A run that ends
/// without a temporary file having been seen fails the test.
fn wait_for_temp_file(child: &mut std::process::Child, dir: &Path) {
    loop {
        let writing = fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        });
        if writing {
            return;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was interrupted: no temporary file was seen in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(unix)]
fn interrupt(child: &mut std::process::Child, signal: i32) -> std::process::ExitStatus {
    // SAFETY: kill only sends a signal to the child we started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    child.wait().unwrap()
}

#[cfg(unix)]
#[test]
fn ctrl_c_or_sigterm_mid_run_leaves_no_output_and_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    let data = tempfile::tempdir().unwrap();
    crate::determinism::generate(data.path(), 200_000);
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let out = data.path().join("reports/today");
        let mut child = Command::new(assert_cmd::cargo::cargo_bin!("listaudit"))
            .args(["audit", "--as-of", AS_OF, "-j", "1", "--out-dir"])
            .arg(&out)
            .arg(data.path().join("subscribers.csv"))
            .arg("--consent")
            .arg(data.path().join("consent.csv"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_temp_file(&mut child, &out);
        let status = interrupt(&mut child, signal);
        assert_eq!(status.signal(), Some(signal), "{status:?}");
        assert!(
            !data.path().join("reports").exists(),
            "left behind: {:?}",
            files_in(&out)
        );
        let mut inputs = files_in(data.path());
        inputs.sort();
        assert_eq!(inputs, ["consent.csv", "subscribers.csv"]);
    }
}

#[cfg(unix)]
#[test]
fn an_interrupted_in_place_erase_leaves_the_inputs_as_they_were() {
    use std::os::unix::process::ExitStatusExt;
    let data = tempfile::tempdir().unwrap();
    crate::determinism::generate(data.path(), 200_000);
    let before = fs::read(data.path().join("subscribers.csv")).unwrap();
    let requests = data.path().join("requests.txt");
    fs::write(&requests, "person1@example.com\n").unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("listaudit"))
        .args(["erase", "--in-place", "--addresses"])
        .arg(&requests)
        .arg("--consent")
        .arg(data.path().join("consent.csv"))
        .arg(data.path().join("subscribers.csv"))
        .arg("--out-dir")
        .arg(data.path().join("receipts"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_temp_file(&mut child, data.path());
    let status = interrupt(&mut child, libc::SIGTERM);
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
    let mut left = files_in(data.path());
    left.sort();
    assert_eq!(left, ["consent.csv", "requests.txt", "subscribers.csv"]);
    assert!(fs::read(data.path().join("subscribers.csv")).unwrap() == before);
}

/// The binary opens no socket: run under strace, a whole audit with every
/// output makes no `socket` or `connect` call. Skipped without strace,
/// except in CI (`LISTAUDIT_REQUIRE_STRACE`), which installs it.
#[cfg(target_os = "linux")]
#[test]
fn an_audit_opens_no_socket() {
    let has_strace = Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_strace {
        assert!(
            std::env::var_os("LISTAUDIT_REQUIRE_STRACE").is_none(),
            "strace is required here"
        );
        eprintln!("skipped: no strace");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace");
    let status = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=socket,connect,bind,listen,accept,accept4,openat",
            "-e",
            "signal=none",
            "-o",
        ])
        .arg(&trace)
        .arg(assert_cmd::cargo::cargo_bin!("listaudit"))
        .arg("audit")
        .args(crate::util::DEMO)
        .args(["--as-of", AS_OF, "-q", "--out-dir"])
        .arg(dir.path().join("out"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(dir.path().join("out/report.html").exists());
    let calls = fs::read_to_string(&trace).unwrap();
    // `openat` is traced too, so that an empty trace (strace not tracing
    // at all) cannot pass for a clean one.
    assert!(
        calls.contains("fixtures/demo/consent.csv"),
        "strace saw no file being opened:\n{calls}"
    );
    // A line is `PID name(...` or, for a call another thread interrupted,
    // `PID <... name resumed>`.
    let syscall = |line: &str| -> String {
        let call = line
            .split_once(' ')
            .map_or(line, |(_, rest)| rest)
            .trim_start();
        let call = call.strip_prefix("<... ").unwrap_or(call);
        call.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let network: Vec<&str> = calls
        .lines()
        .filter(|line| syscall(line) != "openat")
        .collect();
    assert!(
        network.is_empty(),
        "network system calls:\n{}",
        network.join("\n")
    );
}
