//! The address corpus, `tests/fixtures/addresses/corpus.tsv`: every address
//! with what listaudit must report about it and the standard that says so.
//! The binary audits the whole corpus as one subscriber file and every row
//! must get exactly its expected findings: the rules, their severities, and
//! a fragment of each message that names the broken rule.

use std::collections::BTreeMap;

use crate::util::{audit_addresses, findings, unescape_cell};

struct Expected {
    line: usize,
    address: String,
    /// Rule code → (severity if stated, message fragment if stated).
    findings: BTreeMap<String, (Option<String>, Option<String>)>,
}

fn corpus() -> Vec<Expected> {
    let text = std::fs::read_to_string(crate::util::repo("tests/fixtures/addresses/corpus.tsv"))
        .expect("corpus.tsv");
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        assert_eq!(columns.len(), 3, "corpus.tsv line {}: {line:?}", i + 1);
        assert!(
            columns[2].len() > 5,
            "corpus.tsv line {}: every address needs its reason",
            i + 1
        );
        let mut findings = BTreeMap::new();
        if columns[1] != "ok" {
            for entry in columns[1].split(" | ") {
                let (head, fragment) = match entry.split_once(": ") {
                    Some((head, fragment)) => (head, Some(fragment.to_string())),
                    None => (entry, None),
                };
                let (code, severity) = match head.split_once('=') {
                    Some((code, severity)) => (code, Some(severity.to_string())),
                    None => (head, None),
                };
                findings.insert(code.to_string(), (severity, fragment));
            }
        }
        rows.push(Expected {
            line: i + 1,
            address: unescape_cell(columns[0]),
            findings,
        });
    }
    rows
}

#[test]
fn every_corpus_address_gets_exactly_its_expected_findings() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 300,
        "the corpus has {} addresses",
        corpus.len()
    );
    // Duplicates (H002, H006) are about pairs of rows; fixtures test them.
    let addresses: Vec<&str> = corpus.iter().map(|row| row.address.as_str()).collect();
    let report = audit_addresses(&addresses, &["--select", "H001,H003,H004,H005,H007,H009"]);
    let mut actual: BTreeMap<u64, Vec<(String, String, String)>> = BTreeMap::new();
    for found in findings(&report) {
        actual
            .entry(found.row)
            .or_default()
            .push((found.rule, found.severity, found.message));
    }
    let mut failures = Vec::new();
    for (i, expected) in corpus.iter().enumerate() {
        let got = actual.remove(&(i as u64 + 1)).unwrap_or_default();
        let codes: Vec<&str> = got.iter().map(|(code, _, _)| code.as_str()).collect();
        let wanted: Vec<&str> = expected.findings.keys().map(String::as_str).collect();
        let mut problem = None;
        if codes != wanted {
            problem = Some(format!("expected {wanted:?}, got {got:?}"));
        } else {
            for (code, severity, message) in &got {
                let (want_severity, fragment) = &expected.findings[code];
                if want_severity.as_ref().is_some_and(|s| s != severity) {
                    problem = Some(format!("{code} is {severity}, expected {want_severity:?}"));
                } else if fragment
                    .as_ref()
                    .is_some_and(|f| !message.contains(f.as_str()))
                {
                    problem = Some(format!("{code} message {message:?} lacks {fragment:?}"));
                }
            }
        }
        if let Some(problem) = problem {
            failures.push(format!(
                "  line {} {:?}: {problem}",
                expected.line, expected.address
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus addresses differ:\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n")
    );
}
