//! The stdout formats for CI and tickets, on the demo fixtures.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::util::{AS_OF, DEMO, findings_csv, listaudit, run};

fn demo(format: &str, extra: &[&str]) -> crate::util::Run {
    run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args(["--as-of", AS_OF, "--format", format])
        .args(extra))
}

fn stdout_of(format: &str, extra: &[&str]) -> String {
    let result = demo(format, extra);
    assert_eq!(result.code, 1, "{}", result.stderr);
    result
        .stdout
        .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn markdown_summary_and_top_findings() {
    let text = stdout_of("markdown", &[]);
    insta::assert_snapshot!("markdown", text);
    assert!(text.starts_with("## listaudit: 26 of 60 rows to remove\n"));
    assert!(
        !text.contains("anna.schmidt@example.com"),
        "masked by default"
    );
}

#[test]
fn github_annotations_one_per_finding_plus_a_summary() {
    let text = stdout_of("github", &[]);
    insta::assert_snapshot!("github", text);
    let json = demo("json", &[]).json();
    let findings = json["findings"].as_array().unwrap().len();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), findings + 1);
    assert!(lines.iter().all(|l| l.starts_with("::error file=")
        || l.starts_with("::warning file=")
        || l.starts_with("::notice ")));
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error ")).count() as u64,
        json["summary"]["by_severity"]["error"].as_u64().unwrap()
    );
    assert!(text.contains("<a***@example.com>"), "{text}");
    assert!(!text.contains("anna.schmidt@"));
}

#[test]
fn show_addresses_opts_out_of_masking() {
    let text = stdout_of("github", &["--show-addresses"]);
    assert!(text.contains("<anna.schmidt@example.com>"), "{text}");
    let junit = stdout_of("junit", &["--show-addresses"]);
    assert!(junit.contains("anna.schmidt@example.com"));
}

#[test]
fn junit_is_well_formed_with_a_suite_per_rule() {
    let text = stdout_of("junit", &[]);
    insta::assert_snapshot!("junit", text);
    let json = demo("json", &[]).json();
    let mut reader = Reader::from_str(&text);
    let (mut suites, mut cases, mut failures) = (0, 0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuite" => suites += 1,
                b"testcase" => cases += 1,
                b"failure" => failures += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    let enabled = json["policy"]["levels"]
        .as_object()
        .unwrap()
        .values()
        .filter(|l| *l != "off")
        .count();
    assert_eq!(suites, enabled);
    let findings = json["findings"].as_array().unwrap().len();
    let silent_rules = json["summary"]["by_rule"]
        .as_object()
        .unwrap()
        .values()
        .filter(|n| n.as_u64() == Some(0))
        .count();
    assert_eq!(
        cases,
        findings + silent_rules,
        "one passing case per silent rule"
    );
    assert_eq!(
        failures as u64,
        json["summary"]["by_severity"]["error"].as_u64().unwrap(),
        "only findings at --fail-on (error) fail"
    );
    let on_warning = stdout_of("junit", &["--fail-on", "warning"]);
    let warnings = json["summary"]["by_severity"]["warning"].as_u64().unwrap();
    assert_eq!(
        on_warning.matches("<failure ").count() as u64,
        failures as u64 + warnings
    );
}

/// A value no word matched is listed under the summary; one that holds an
/// address (a log whose columns slipped) is masked as addresses are.
#[test]
fn unrecognised_values_are_listed_and_addresses_in_them_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    std::fs::write(&list, "email\nanna.berg@example.com\n").unwrap();
    // Ben's address landed in Anna's event column: neither may leak where
    // addresses are hidden.
    let log = dir.path().join("log.csv");
    std::fs::write(
        &log,
        "email,event,timestamp\nanna.berg@example.com,opt_in,2025-01-01\nanna.berg@example.com,ben.kurz@example.org,2025-01-02\n",
    )
    .unwrap();
    let audit = |extra: &[&str]| {
        run(listaudit()
            .env("LISTAUDIT_REDACT_KEY", "a shared key for this engagement")
            .arg("audit")
            .arg(&list)
            .arg("-c")
            .arg(&log)
            .args(["--as-of", AS_OF])
            .args(extra))
    };
    let markdown = audit(&["--format", "markdown"]);
    assert!(
        markdown.stdout.contains(
            "Not recognised, so reported and not guessed: 1 event value: 'b\\*\\*\\*@example.org' (1 row)."
        ),
        "{}",
        markdown.stdout
    );
    // The terminal summary is what CI jobs print by default.
    let table = audit(&[]);
    assert!(
        table
            .stdout
            .contains("1 event value: 'b***@example.org' (1 row)"),
        "{}",
        table.stdout
    );
    let shown = audit(&["--show-addresses"]);
    assert!(
        shown
            .stdout
            .contains("1 event value: 'ben.kurz@example.org' (1 row)"),
        "{}",
        shown.stdout
    );
    for printed in [&markdown, &table] {
        assert!(
            !printed.stdout.contains("ben.kurz@") && !printed.stdout.contains("anna.berg@"),
            "{}",
            printed.stdout
        );
    }

    // Redacted reports pseudonymize the value and the D002 message quoting
    // it; unredacted, report.json is the consultant's and shows it.
    let redacted = dir.path().join("redacted");
    let result = audit(&["--redact", "--out-dir", redacted.to_str().unwrap()]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    for name in ["report.json", "report.html", "report.md", "findings.csv"] {
        let text = std::fs::read_to_string(redacted.join(name)).unwrap();
        assert!(
            !text.contains("ben.kurz@") && !text.contains("anna.berg@"),
            "{name}: {text}"
        );
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(redacted.join("report.json")).unwrap()).unwrap();
    let value = report["summary"]["unrecognised"]["events"][0]["value"]
        .as_str()
        .unwrap();
    assert!(value.starts_with("pseudo-") && value.len() == 27, "{value}");
    let findings = findings_csv(&std::fs::read(redacted.join("findings.csv")).unwrap());
    let d002 = findings.iter().find(|f| f["rule"] == "D002").unwrap();
    assert!(
        d002["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("unknown event '{value}'")),
        "{d002}"
    );
    let plain = dir.path().join("plain");
    audit(&["--out-dir", plain.to_str().unwrap()]);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plain.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        report["summary"]["unrecognised"]["events"][0]["value"],
        "ben.kurz@example.org"
    );
}
