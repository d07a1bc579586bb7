//! Properties of a whole audit on random exports and consent logs: no row
//! is lost or invented, `cleaned.csv` holds only lines of the input, and
//! the outputs do not depend on the number of threads.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use proptest::prelude::*;

use crate::util::{AS_OF, listaudit, run};

/// An address cell: valid, odd, broken or empty, sometimes repeated.
fn address() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..40).prop_map(|i| format!("person{i}@example.org")),
        (0u32..40).prop_map(|i| format!(" Person{i}@Example.ORG ")),
        "[a-z.+_-]{0,12}@[a-z-]{0,8}(\\.[a-z]{0,4})?",
        "[ -~]{0,16}",
        Just(String::new()),
    ]
}

/// Another cell: text with the characters that make CSV hard.
fn cell() -> impl Strategy<Value = String> {
    "[a-zA-Zäß0-9 ,;\t\"\r\n'=|-]{0,10}"
}

#[derive(Debug, Clone)]
struct Export {
    delimiter: u8,
    crlf: bool,
    rows: Vec<Vec<String>>,
    /// Raw lines added as they are: ragged rows, unbalanced quotes.
    broken: Vec<(usize, String)>,
}

fn export() -> impl Strategy<Value = Export> {
    (
        prop::sample::select(vec![b',', b';', b'\t', b'|']),
        any::<bool>(),
        prop::collection::vec((address(), cell(), cell()), 1..60),
        prop::collection::vec((0usize..60, "[a-z@.,;\"]{0,12}"), 0..4),
    )
        .prop_map(|(delimiter, crlf, rows, broken)| Export {
            delimiter,
            crlf,
            rows: rows.into_iter().map(|(a, b, c)| vec![a, b, c]).collect(),
            broken,
        })
}

impl Export {
    fn bytes(&self) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .terminator(if self.crlf {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            })
            .from_writer(Vec::new());
        writer
            .write_record(["email", "first_name", "notes"])
            .unwrap();
        for row in &self.rows {
            writer.write_record(row).unwrap();
        }
        let mut text = writer.into_inner().unwrap();
        let line_break: &[u8] = if self.crlf { b"\r\n" } else { b"\n" };
        for (at, raw) in &self.broken {
            if *at % 3 == 0 {
                text.extend_from_slice(raw.as_bytes());
                text.extend_from_slice(line_break);
            }
        }
        text
    }
}

fn consent_log() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            0u32..40,
            prop::sample::select(vec!["opt_in", "confirm", "unsubscribe", "erasure", "bogus"]),
            prop::sample::select(vec![
                "2024-03-01T10:00:00Z",
                "2023-01-01",
                "01/02/2024",
                "",
                "2026-01-01T00:00:00+02:00",
            ]),
            prop::sample::select(vec!["newsletter", "", "partners"]),
        ),
        0..80,
    )
    .prop_map(|events| {
        let mut log = String::from("email,event,timestamp,purpose,source\n");
        for (person, event, at, purpose) in events {
            log.push_str(&format!(
                "person{person}@example.org,{event},{at},{purpose},web_form\n"
            ));
        }
        log
    })
}

fn audit(dir: &Path, threads: &str) -> (i32, String) {
    let out = dir.join(format!("out-{threads}"));
    let result = run(listaudit()
        .args(["audit", "--as-of", AS_OF, "-q", "-j", threads, "--out-dir"])
        .arg(&out)
        .arg(dir.join("export.csv"))
        .arg("--consent")
        .arg(dir.join("consent.csv")));
    assert!(!result.stderr.contains("panicked"), "{}", result.stderr);
    (result.code, result.stderr)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn audits_keep_every_row_invent_none_and_ignore_the_thread_count(
        export in export(),
        log in consent_log(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let input = export.bytes();
        fs::write(dir.path().join("export.csv"), &input).unwrap();
        fs::write(dir.path().join("consent.csv"), &log).unwrap();

        let (code, stderr) = audit(dir.path(), "1");
        prop_assert!(code == 0 || code == 1, "exit {code}: {stderr}");
        let out = dir.path().join("out-1");
        let report: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
        let summary = &report["summary"];
        let rows = summary["rows"].as_u64().unwrap();
        prop_assert_eq!(summary["kept"].as_u64().unwrap() + summary["removed"].as_u64().unwrap(), rows);

        // Every record of the input is counted once: parse it as a CSV
        // reader would, tolerating the broken lines.
        let records = csv::ReaderBuilder::new()
            .delimiter(export.delimiter)
            .flexible(true)
            .from_reader(&input[..])
            .byte_records()
            .count() as u64;
        prop_assert_eq!(rows, records);

        let input_lines: HashSet<&[u8]> = input.split(|&b| b == b'\n').collect();
        let cleaned = fs::read(out.join("cleaned.csv")).unwrap();
        for line in cleaned.split(|&b| b == b'\n') {
            prop_assert!(
                input_lines.contains(line),
                "cleaned.csv has a line the input does not: {:?}",
                String::from_utf8_lossy(line)
            );
        }

        let (code4, _) = audit(dir.path(), "4");
        prop_assert_eq!(code4, code);
        for name in ["cleaned.csv", "removed.csv", "findings.csv", "report.json", "report.md", "report.html"] {
            prop_assert!(
                fs::read(out.join(name)).unwrap()
                    == fs::read(dir.path().join("out-4").join(name)).unwrap(),
                "{} differs between -j 1 and -j 4", name
            );
        }
    }
}
