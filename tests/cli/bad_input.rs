//! Bad input stops the run with exit status 2, a one-line message that
//! names the file or option (and the row or column where it applies), no
//! panic, and no output file left behind.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{AS_OF, files_in, listaudit, run};

pub struct Case {
    pub dir: tempfile::TempDir,
}

impl Case {
    pub fn new() -> Case {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        fs::write(&path, contents).unwrap();
        path
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Runs `audit ARGS --out-dir out`, expects exit 2, and returns the
    /// first line of standard error.
    pub fn fails(&self, args: &[&Path]) -> String {
        let result = run(listaudit()
            .arg("audit")
            .args(args)
            .args(["--as-of", AS_OF, "--out-dir"])
            .arg(self.out()));
        assert_eq!(
            result.code, 2,
            "stdout:\n{}\nstderr:\n{}",
            result.stdout, result.stderr
        );
        assert!(!result.stderr.contains("panicked"), "{}", result.stderr);
        assert_eq!(result.stdout, "");
        assert!(
            !self.out().exists(),
            "output left behind: {:?}",
            files_in(&self.out())
        );
        let first = result.stderr.lines().next().unwrap_or_default().to_string();
        assert!(first.starts_with("listaudit: error: "), "{first}");
        result.stderr
    }
}

fn p(s: &str) -> PathBuf {
    PathBuf::from(s)
}

#[test]
fn missing_file() {
    let case = Case::new();
    let stderr = case.fails(&[&p("no/such/export.csv")]);
    assert!(
        stderr.starts_with("listaudit: error: no/such/export.csv: no such file or directory"),
        "{stderr}"
    );
}

#[test]
fn missing_consent_log_is_reported_before_any_work() {
    let case = Case::new();
    let subscribers = case.file("s.csv", b"email\na@example.com\n");
    let stderr = case.fails(&[&subscribers, &p("--consent"), &p("no-such-log.csv")]);
    assert!(
        stderr.contains("no-such-log.csv: no such file or directory"),
        "{stderr}"
    );
}

#[test]
fn a_directory() {
    let case = Case::new();
    let dir = case.dir.path().to_path_buf();
    let stderr = case.fails(&[&dir]);
    assert!(stderr.contains("is a directory, not a file"), "{stderr}");
}

#[test]
fn an_empty_file() {
    let case = Case::new();
    let empty = case.file("empty.csv", b"");
    let stderr = case.fails(&[&empty]);
    assert!(stderr.contains("empty.csv: file is empty"), "{stderr}");
}

#[test]
fn no_email_column_lists_the_headers_and_suggests_the_flag() {
    let case = Case::new();
    let file = case.file(
        "contacts.csv",
        b"First Name,Last Name,Phone\nAnna,Berg,123\n",
    );
    let stderr = case.fails(&[&file]);
    let mut lines = stderr.lines();
    let first = lines.next().unwrap();
    assert!(
        first.ends_with(
            "contacts.csv: no email column found (header: First Name, Last Name, Phone)"
        ),
        "{first}"
    );
    assert_eq!(
        lines.next().unwrap(),
        "  hint: name the column with --email-column NAME (or --map email=NAME, or its 1-based position)"
    );
}

#[test]
fn a_header_that_is_data_in_several_columns_gets_a_hint() {
    let case = Case::new();
    let file = case.file("list.csv", b"Anna,Berlin\nBen,Hamburg\n");
    let stderr = case.fails(&[&file]);
    assert!(
        stderr.contains("list.csv: no email column found (header: Anna, Berlin)"),
        "{stderr}"
    );
}

#[test]
fn a_consent_log_without_an_event_column() {
    let case = Case::new();
    let subscribers = case.file("s.csv", b"email\na@example.com\n");
    let log = case.file("log.csv", b"email,timestamp\na@example.com,2025-01-01\n");
    let stderr = case.fails(&[&subscribers, &p("-c"), &log]);
    assert!(
        stderr.contains("log.csv: no event column found (header: email, timestamp)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: rename the column to one of: event, eventtype"),
        "{stderr}"
    );
}

#[test]
fn a_broken_json_consent_log() {
    let case = Case::new();
    let subscribers = case.file("s.csv", b"email\na@example.com\n");
    let log = case.file(
        "log.json",
        b"[{\"email\": \"a@example.com\", \"event\": \"opt_in\"},\n{\"email\": ",
    );
    let stderr = case.fails(&[&subscribers, &p("-c"), &log]);
    assert!(
        stderr.contains("log.json: not a valid JSON array of consent records"),
        "{stderr}"
    );
}

#[test]
fn invalid_as_of() {
    let case = Case::new();
    let file = case.file("s.csv", b"email\na@example.com\n");
    let result = run(listaudit()
        .arg("audit")
        .arg(&file)
        .args(["--as-of", "30.06.2025", "--out-dir"])
        .arg(case.out()));
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .starts_with("listaudit: error: invalid --as-of '30.06.2025'\n  hint: use RFC 3339"),
        "{}",
        result.stderr
    );
    assert!(!case.out().exists());
}

#[test]
fn unknown_policy() {
    let result =
        run(listaudit().args(["audit", "fixtures/demo/subscribers.csv", "--policy", "mars"]));
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("unknown policy 'mars'"),
        "{}",
        result.stderr
    );
    assert!(
        result
            .stderr
            .contains("presets: eu-gdpr, de-strict, fr-cnil, uk-pecr, ca-casl, us-can-spam"),
        "{}",
        result.stderr
    );
}

#[test]
fn an_output_that_is_an_input_is_refused() {
    let case = Case::new();
    let original = b"email\nanna@example.com\n";
    let file = case.file("list.csv", original);
    let result = run(listaudit()
        .arg("audit")
        .arg(&file)
        .arg("--cleaned")
        .arg(&file)
        .args(["--as-of", AS_OF]));
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("is also an input"),
        "{}",
        result.stderr
    );
    assert_eq!(fs::read(&file).unwrap(), original, "input untouched");
}

#[test]
fn standard_input_twice() {
    let result = run(listaudit().args(["audit", "-", "--consent", "-"]));
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains("standard input ('-') is named 2 times"),
        "{}",
        result.stderr
    );
}

#[test]
fn utf16_and_binary_files_are_named() {
    let case = Case::new();
    // A lone low surrogate (0xDC00) at byte offset 14 of the file.
    let utf16 = case.file(
        "utf16.csv",
        b"\xff\xfee\x00m\x00a\x00i\x00l\x00\n\x00a\x00\x00\xdc@\x00x\x00\n\x00",
    );
    let stderr = case.fails(&[&utf16]);
    assert!(
        stderr.contains("utf16.csv: line 2: bytes that are not valid UTF-16 at byte offset 16"),
        "{stderr}"
    );
    let no_bom = case.file("nobom.csv", b"e\x00m\x00a\x00i\x00l\x00\n\x00");
    let stderr = case.fails(&[&no_bom]);
    assert!(
        stderr.contains("nobom.csv: file is encoded as UTF-16 without a byte-order mark"),
        "{stderr}"
    );
    let binary = case.file("export.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
    let stderr = case.fails(&[&binary]);
    assert!(
        stderr.contains("export.csv: file is not delimited text: it is a PNG image"),
        "{stderr}"
    );
    let zip = case.file("export.zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00");
    let stderr = case.fails(&[&zip]);
    assert!(
        stderr.contains("export.zip: not a readable ZIP archive"),
        "{stderr}"
    );
}

#[test]
fn an_unwritable_out_dir_leaves_nothing() {
    let case = Case::new();
    let blocker = case.file("not-a-dir", b"x");
    let result = run(listaudit()
        .args(["audit", "fixtures/demo/subscribers.csv", "--out-dir"])
        .arg(&blocker));
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("exists and is not a directory"),
        "{}",
        result.stderr
    );
    assert_eq!(fs::read(&blocker).unwrap(), b"x");
}

#[test]
fn a_malformed_row_is_a_finding_not_an_abort() {
    let result = run(listaudit().args([
        "audit",
        "tests/fixtures/rules/D003/subscribers.csv",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report = result.json();
    assert_eq!(report["summary"]["rows"], 9);
    assert_eq!(report["summary"]["by_rule"]["D003"], 5);
}

#[test]
fn usage_errors_exit_2() {
    let result = run(listaudit().args(["audit"]));
    assert_eq!(result.code, 2);
    let result = run(listaudit().args(["audit", "x.csv", "--jobs", "0"]));
    assert_eq!(result.code, 2);
    let result = run(listaudit().args(["audit", "x.csv", "--format", "xml"]));
    assert_eq!(result.code, 2);
}

#[test]
fn a_pretty_printed_json_object_is_not_json_lines() {
    let case = Case::new();
    let subscribers = case.file("s.csv", b"email\na@example.com\n");
    let log = case.file(
        "log.json",
        b"{\n  \"records\": [\n    {\"email\": \"a@example.com\"}\n  ]\n}\n",
    );
    let stderr = case.fails(&[&subscribers, &p("-c"), &log]);
    assert!(
        stderr.contains("log.json: document 1 is neither a consent record"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: a consent log in JSON is one object per line"),
        "{stderr}"
    );
}

#[test]
fn a_bad_json_line_later_in_the_log_is_a_finding() {
    let case = Case::new();
    let subscribers = case.file("s.csv", b"email\na@example.com\n");
    let log = case.file(
        "log.jsonl",
        b"{\"email\":\"a@example.com\",\"event\":\"opt_in\",\"timestamp\":\"2025-01-10T10:00:00Z\",\"purpose\":\"newsletter\",\"source\":\"web_form\"}\n\n{\"email\": \n[1,2]\n",
    );
    let result = run(listaudit()
        .arg("audit")
        .arg(&subscribers)
        .arg("-c")
        .arg(&log)
        .args(["--as-of", AS_OF, "--format", "json"]));
    let report = result.json();
    let d003: Vec<(u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "D003")
        .map(|f| {
            (
                f["row"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(d003.len(), 2, "{d003:?}");
    assert_eq!(d003[0].0, 3, "rows of JSON Lines are line numbers");
    assert!(d003[0].1.starts_with("not valid JSON"), "{:?}", d003[0]);
    assert_eq!(d003[1], (4, "not a JSON object".to_string()));
}

#[test]
fn a_missing_suppression_list_stops_the_run_before_any_output() {
    let case = Case::new();
    let subscribers = case.file("s.csv", b"email\na@example.com\n");
    let stderr = case.fails(&[
        &subscribers,
        &p("--suppress"),
        &p("no-such-suppression.txt"),
    ]);
    assert!(
        stderr.contains("no-such-suppression.txt: no such file or directory"),
        "{stderr}"
    );
}

#[test]
fn archives_without_lists_or_with_binary_members_are_named() {
    use std::io::Write;
    let case = Case::new();
    let zip_of = |members: &[(&str, &[u8])]| {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        for (name, bytes) in members {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
        out.into_inner()
    };
    let no_csv = case.file("photos.zip", &zip_of(&[("a.png", b"\x89PNG\r\n")]));
    let stderr = case.fails(&[&no_csv]);
    assert!(
        stderr.contains("photos.zip: the archive has no CSV member (members: a.png)"),
        "{stderr}"
    );
    let binary = case.file(
        "export.zip",
        &zip_of(&[("list.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")]),
    );
    let stderr = case.fails(&[&binary]);
    assert!(
        stderr.contains("export.zip:list.csv: file is not delimited text: it is a PNG image"),
        "{stderr}"
    );
}

/// A consent log passed as a suppression list would suppress everyone who
/// ever opted in: refused, with the flag it belongs to.
#[test]
fn a_consent_log_given_as_a_suppression_list() {
    let case = Case::new();
    let subscribers = case.file("s.csv", b"email\na@example.com\n");
    let log = case.file(
        "consent.csv",
        b"email,event,timestamp\na@example.com,opt_in,2025-01-01\na@example.com,confirm,2025-01-01\n",
    );
    let stderr = case.fails(&[&subscribers, &p("--suppress"), &log]);
    assert!(
        stderr.contains("consent.csv: this is a consent log, not a list of addresses: its column 'event' holds consent events ('opt_in')"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: pass consent logs with --consent (-c)"),
        "{stderr}"
    );
    let json = case.file(
        "consent.jsonl",
        b"{\"email\":\"a@example.com\",\"event\":\"opt_in\"}\n",
    );
    let stderr = case.fails(&[&subscribers, &p("-s"), &json]);
    assert!(
        stderr.contains("consent.jsonl: this is a consent log"),
        "{stderr}"
    );
    // A suppression export with a reason column is a suppression list.
    let list = case.file(
        "suppressions.csv",
        b"email,type,created\na@example.com,hard_bounce,2025-01-01\n",
    );
    let result = run(listaudit()
        .arg("audit")
        .arg(&subscribers)
        .arg("--suppress")
        .arg(&list)
        .args(["--as-of", AS_OF, "--format", "json"]));
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(result.json()["findings"][0]["rule"], "R003");
    assert_eq!(result.json()["summary"]["by_rule"]["R003"], 1);
}

/// A NUL byte is one damaged row, wherever it is (in the sniffed first
/// 64 KiB or past them), in an export or a consent log: that row is D003,
/// every other row is audited, and kept + removed still counts every row.
/// Only a file that is not text at all is refused.
#[test]
fn a_nul_byte_damages_its_row_not_the_file() {
    let case = Case::new();
    let mut export = b"email,name\n".to_vec();
    let mut damaged = Vec::new();
    for i in 1..=4000u64 {
        let row = match i {
            7 => "ni\0na@example.org,Nina\n".to_string(),
            3500 => "oskar@example.org,Os\0kar\n".to_string(),
            _ => format!("person{i}@example.org,Person {i}\n"),
        };
        if row.contains('\0') {
            damaged.push((i, export.len()));
        }
        export.extend(row.bytes());
    }
    assert!(
        damaged[1].1 > 64 * 1024,
        "the second NUL is past the sniffed prefix"
    );
    let export = case.file("export.csv", &export);
    let log = case.file(
        "consent.csv",
        b"email,event,timestamp,purpose\n\
          person1@example.org,opt_in,2024-01-01T10:00:00Z,newsletter\n\
          person2@example.org,opt_in,2024-01-01T10:00:00Z,news\0letter\n",
    );
    let (result, report) = crate::util::audit_json(&[
        export.to_str().unwrap(),
        "--consent",
        log.to_str().unwrap(),
        "--out-dir",
        case.out().to_str().unwrap(),
    ]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    let summary = &report["summary"];
    assert_eq!(summary["rows"], 4000, "{summary}");
    assert_eq!(
        summary["kept"].as_u64().unwrap() + summary["removed"].as_u64().unwrap(),
        4000
    );
    let d003: Vec<(String, u64, String)> = crate::util::findings(&report)
        .into_iter()
        .filter(|f| f.rule == "D003")
        .map(|f| (f.file, f.row, f.message))
        .collect();
    let rows: Vec<(&str, u64)> = d003.iter().map(|(f, r, _)| (f.as_str(), *r)).collect();
    assert_eq!(
        rows,
        [("export.csv", 7), ("export.csv", 3500), ("consent.csv", 2)],
        "{d003:?}"
    );
    let (_, _, first) = &d003[0];
    let offset = damaged[0].1 + 2;
    assert!(
        first.contains(&format!(
            "field 1 has a NUL byte (0x00) at byte offset {offset} of the file"
        )),
        "{first}"
    );
    assert!(
        d003[1].2.starts_with("field 2 has a NUL byte"),
        "{}",
        d003[1].2
    );
    // person1's consent is read although the log has a damaged row;
    // person2's opt-in is in the damaged row, so it is not.
    let no_consent = |email: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["email"] == email && f["rule"] == "C001")
    };
    assert!(!no_consent("person1@example.org"));
    assert!(no_consent("person2@example.org"));

    // Text with a block of NULs (a file preallocated and never written)
    // or a known binary format is not delimited text: refused, saying why.
    let case = Case::new();
    let mut padded = b"email\nanna@example.org\n".to_vec();
    padded.extend([0u8; 4096]);
    let padded = case.file("padded.csv", &padded);
    let stderr = case.fails(&[&padded]);
    assert!(
        stderr.contains(
            "padded.csv: file is not delimited text: 4096 of its first 4119 bytes are NUL"
        ),
        "{stderr}"
    );
    let xls = case.file(
        "list.csv",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00",
    );
    // An OLE2 signature is read as an .xls workbook (spreadsheets are
    // inputs); one that is no readable workbook says so, with the way out.
    let stderr = case.fails(&[&xls]);
    assert!(
        stderr.contains("list.csv: not a readable xls workbook: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: save the sheet as CSV (UTF-8) from the spreadsheet program"),
        "{stderr}"
    );
}

/// A byte that is not UTF-8 in a consent column the export is read for is
/// D003 on that row, naming the column, not a row quietly without
/// evidence; a bad byte in a column nobody reads changes nothing.
#[test]
fn an_undecodable_evidence_cell_is_named_on_its_row() {
    let case = Case::new();
    let export = case.file(
        "export.csv",
        b"email,name,optin_time\n\
          a@example.de,J\xc3\xb6rg,2024-01-01\n\
          b@example.de,M\xfcller,2024-01-01\n\
          c@example.de,Carla,2024-01\xff-01\n",
    );
    let (_, report) = crate::util::audit_json(&[
        export.to_str().unwrap(),
        "--out-dir",
        case.out().to_str().unwrap(),
    ]);
    let d003: Vec<(u64, String)> = crate::util::findings(&report)
        .into_iter()
        .filter(|f| f.rule == "D003")
        .map(|f| (f.row, f.message))
        .collect();
    assert_eq!(
        d003,
        [(
            3,
            "column 'optin_time' has a byte (0xFF) that is not valid UTF-8; its value is not used"
                .to_string()
        )]
    );
    assert_eq!(report["summary"]["rows"], 3);
}
