//! The test harness: a hermetic command for the real binary, fixture paths,
//! and helpers that read the binary's outputs back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The reference instant every fixture is written for.
pub const AS_OF: &str = "2025-06-30";

/// The bundled demo's inputs, as the README runs them.
pub const DEMO: [&str; 5] = [
    "fixtures/demo/subscribers.csv",
    "--consent",
    "fixtures/demo/consent.csv",
    "--suppress",
    "fixtures/demo/suppression.txt",
];

/// `listaudit`, isolated from the caller's environment.
pub fn listaudit() -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("listaudit");
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_BACKTRACE")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("LISTAUDIT_REDACT_KEY")
        .env_remove("LISTAUDIT_TIMINGS")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

pub fn fixture(path: &str) -> PathBuf {
    repo("tests/fixtures").join(path)
}

/// The output of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

pub fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().expect("the binary runs");
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs `audit` with `args` at [`AS_OF`] and returns its JSON report.
/// Arguments that silence H007 (special-use domain, info) in tests about
/// other rules: fixture people live at RFC 2606 domains on purpose, so
/// that no real mailbox is ever named.
pub const IGNORE_RESERVED: [&str; 2] = ["--ignore", "H007"];

pub fn audit_json(args: &[&str]) -> (Run, Value) {
    audit_json_at(AS_OF, args)
}

/// Runs `audit` with `args` at `as_of` and returns its JSON report.
pub fn audit_json_at<S: AsRef<std::ffi::OsStr>>(as_of: &str, args: &[S]) -> (Run, Value) {
    let run = run(listaudit().arg("audit").args(args).args([
        "--as-of",
        as_of,
        "--format",
        "json",
        "--no-progress",
    ]));
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}\nstderr:\n{}",
        run.code,
        run.stderr
    );
    let report = run.json();
    (run, report)
}

/// Findings of a report, as (file, row) → rule codes.
pub fn findings_by_row(report: &Value) -> BTreeMap<(String, u64), BTreeSet<String>> {
    let mut map: BTreeMap<(String, u64), BTreeSet<String>> = BTreeMap::new();
    for finding in report["findings"].as_array().expect("findings array") {
        let file = finding["file"].as_str().unwrap().to_string();
        let row = finding["row"].as_u64().unwrap();
        let rule = finding["rule"].as_str().unwrap().to_string();
        map.entry((file, row)).or_default().insert(rule);
    }
    map
}

/// One finding of a report, with its file named by the last part of its
/// path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub file: String,
    pub row: u64,
    pub rule: String,
    pub severity: String,
    pub message: String,
}

/// The findings of a report, in report order.
pub fn findings(report: &Value) -> Vec<Found> {
    let text = |f: &Value, key: &str| f[key].as_str().unwrap_or_default().to_string();
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| Found {
            file: text(f, "file").rsplit('/').next().unwrap().to_string(),
            row: f["row"].as_u64().unwrap(),
            rule: text(f, "rule"),
            severity: text(f, "severity"),
            message: text(f, "message"),
        })
        .collect()
}

/// Cells written as the fixtures' tab-separated files write them: `\\`,
/// `\t`, `\n`, `\r` and `\u{HEX}` escapes, everything else literal UTF-8.
pub fn unescape_cell(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at + 1..];
        let (c, len) = match escape.chars().next() {
            Some('\\') => ('\\', 1),
            Some('t') => ('\t', 1),
            Some('n') => ('\n', 1),
            Some('r') => ('\r', 1),
            Some('u') => {
                let (hex, _) = escape[1..]
                    .strip_prefix('{')
                    .and_then(|r| r.split_once('}'))
                    .unwrap_or_else(|| panic!("bad \\u escape in {text:?}"));
                let code = u32::from_str_radix(hex, 16).expect("hex code point");
                (char::from_u32(code).expect("a char"), hex.len() + 3)
            }
            other => panic!("unknown escape \\{other:?} in {text:?}"),
        };
        out.push(c);
        rest = &escape[len..];
    }
    out.push_str(rest);
    out
}

/// Writes `addresses` as a one-column subscriber file (`email`) and
/// audits it with `args`, returning the JSON report.
pub fn audit_addresses<S: AsRef<str>>(addresses: &[S], args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("addresses.csv");
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(["email"]).unwrap();
    for address in addresses {
        writer.write_record([address.as_ref()]).unwrap();
    }
    writer.flush().unwrap();
    let result = run(listaudit()
        .arg("audit")
        .arg(&path)
        .args(args)
        .args(["--format", "json", "--no-progress", "--out-dir"])
        .arg(dir.path().join("out")));
    assert!(result.code <= 1, "{}", result.stderr);
    result.json()
}

/// The findings a `findings.csv` holds, as the JSON objects `--format
/// json` prints them (`row` and `line` numbers, the other columns text),
/// for tests that read an audit's files rather than its standard output.
pub fn findings_csv(bytes: &[u8]) -> Vec<Value> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().expect("findings.csv header").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("findings.csv row");
            let object = header
                .iter()
                .zip(record.iter())
                .map(|(column, value)| {
                    let value = match column {
                        "row" | "line" if !value.is_empty() => {
                            Value::from(value.parse::<u64>().expect("row and line are numbers"))
                        }
                        _ => Value::from(value),
                    };
                    (column.to_string(), value)
                })
                .collect();
            Value::Object(object)
        })
        .collect()
}

/// The files in `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// Lines of a byte string, each with its line break.
pub fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|b| *b == b'\n').collect()
}
