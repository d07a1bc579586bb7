//! The public validator suites, `tests/fixtures/addresses/validator-suites.tsv`:
//! every labelled address of isemail, python-email-validator, the Rust
//! email_address crate, Django and validator.js, with the suite's verdict
//! and listaudit's. The binary audits them all as one subscriber file and
//! must give each exactly the verdict the fixture records; wherever that
//! differs from the suite's, the fixture names why, and the reason must be
//! one `explain H001` documents (and every documented one must be used).

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{audit_addresses, findings, repo, unescape_cell};

struct Case {
    line: usize,
    suite: String,
    theirs: String,
    ours: String,
    address: String,
    why: String,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(repo("tests/fixtures/addresses/validator-suites.tsv"))
        .expect("validator-suites.tsv");
    let mut cases = Vec::new();
    let mut header_seen = false;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        assert_eq!(columns.len(), 6, "line {}: {line:?}", i + 1);
        if !header_seen {
            assert_eq!(
                columns,
                ["suite", "label", "theirs", "ours", "address", "why"]
            );
            header_seen = true;
            continue;
        }
        assert!(
            matches!(columns[2], "valid" | "invalid"),
            "line {}: theirs is {:?}",
            i + 1,
            columns[2]
        );
        cases.push(Case {
            line: i + 1,
            suite: columns[0].to_string(),
            theirs: columns[2].to_string(),
            ours: columns[3].to_string(),
            address: unescape_cell(columns[4]),
            why: columns[5].to_string(),
        });
    }
    cases
}

/// The keys of the "Where listaudit differs from other validators" list
/// in H001's documentation: its `- `key`:` bullets.
fn documented_reasons() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(repo("docs/rules/H001.md")).unwrap();
    let section = doc
        .split("\n## ")
        .find(|s| s.starts_with("Where listaudit differs from other validators"))
        .expect("H001.md has a section on where listaudit differs");
    section
        .lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .filter_map(|rest| rest.split_once("`:"))
        .map(|(key, _)| key.to_string())
        .collect()
}

/// listaudit's verdict on each row of a report: `removed:RULE` for the
/// first error, `kept:RULE` for the first other finding, else `kept`.
fn verdicts(report: &serde_json::Value) -> BTreeMap<u64, String> {
    let mut by_row: BTreeMap<u64, Vec<_>> = BTreeMap::new();
    for found in findings(report) {
        by_row.entry(found.row).or_default().push(found);
    }
    by_row
        .into_iter()
        .map(|(row, found)| {
            let verdict = match found.iter().find(|f| f.severity == "error") {
                Some(error) => format!("removed:{}", error.rule),
                None => format!("kept:{}", found[0].rule),
            };
            (row, verdict)
        })
        .collect()
}

#[test]
fn every_suite_address_gets_its_recorded_verdict_and_every_difference_is_explained() {
    let cases = cases();
    let per_suite = cases.iter().fold(BTreeMap::new(), |mut m, c| {
        *m.entry(c.suite.as_str()).or_insert(0) += 1;
        m
    });
    assert_eq!(
        per_suite.keys().copied().collect::<Vec<_>>(),
        [
            "django",
            "isemail",
            "python-email-validator",
            "rust-email_address",
            "validator.js"
        ]
    );
    assert!(
        per_suite.values().all(|&n| n >= 45),
        "every suite is there in full: {per_suite:?}"
    );

    let addresses: Vec<&str> = cases.iter().map(|case| case.address.as_str()).collect();
    let report = audit_addresses(&addresses, &["--select", "H001,H007,D003"]);
    assert_eq!(report["summary"]["rows"], cases.len(), "no row is lost");
    let mut verdicts = verdicts(&report);

    let documented = documented_reasons();
    let mut used = BTreeSet::new();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let ours = verdicts
            .remove(&(i as u64 + 1))
            .unwrap_or_else(|| "kept".to_string());
        let at = format!("line {} ({}) {:?}", case.line, case.suite, case.address);
        if ours != case.ours {
            failures.push(format!(
                "  {at}: listaudit says {ours}, the fixture {}",
                case.ours
            ));
        }
        let agrees = ours.starts_with("removed") == (case.theirs == "invalid");
        match (agrees, case.why.as_str()) {
            (true, "-") => {}
            (true, why) => failures.push(format!("  {at}: agrees, but names a reason ({why})")),
            (false, "-") => failures.push(format!(
                "  {at}: the suite says {}, listaudit {ours}, and no reason is given",
                case.theirs
            )),
            (false, why) if !documented.contains(why) => failures.push(format!(
                "  {at}: reason `{why}` is not in H001.md's list of differences"
            )),
            (false, why) => {
                used.insert(why.to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} suite addresses differ from the fixture:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_eq!(
        documented.difference(&used).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "H001.md documents differences no suite address shows"
    );
}
