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
fn github_annotations_most_severe_first_ten_per_level() {
    let text = stdout_of("github", &[]);
    insta::assert_snapshot!("github", text);
    let json = demo("json", &[]).json();
    let lines: Vec<&str> = text.lines().collect();
    let level_of = |line: &str| -> usize {
        ["::error ", "::warning ", "::notice "]
            .iter()
            .position(|p| line.starts_with(p))
            .unwrap_or_else(|| panic!("not an annotation: {line}"))
    };
    let levels: Vec<usize> = lines.iter().map(|l| level_of(l)).collect();
    assert!(
        levels.windows(2).all(|w| w[0] <= w[1]),
        "errors, then warnings, then notices"
    );
    for level in 0..3 {
        assert_eq!(levels.iter().filter(|&&l| l == level).count(), 10, "{text}");
    }
    // The demo has more of every level than GitHub shows: the first 9
    // errors in report order, then how many more and where they are.
    let errors: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| format!("file={},line={},", f["file"].as_str().unwrap(), f["line"]))
        .collect();
    for (line, expected) in lines.iter().zip(&errors[..9]) {
        assert!(
            line.starts_with(&format!("::error {expected}")),
            "{line} / {expected}"
        );
    }
    assert_eq!(
        lines[9],
        "::error title=listaudit%3A more findings::18 more errors not annotated here (GitHub shows 10 annotations of a level per step); run with --format json for every finding"
    );
    assert!(lines[19].starts_with("::warning title=listaudit%3A more findings::6 more warnings"));
    assert!(
        lines[28].starts_with("::notice title=listaudit%3A more findings::47 more info findings")
    );
    assert!(lines[29].starts_with("::notice title=listaudit::policy eu-gdpr"));
    assert!(!text.contains("anna.schmidt@"));
    // With an out-dir, the note says which file has them all.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let with_files = demo("github", &["--out-dir", out.to_str().unwrap()]);
    assert!(
        with_files
            .stdout
            .lines()
            .nth(9)
            .unwrap()
            .ends_with(&format!(
                "every finding is in {}",
                out.join("findings.csv").display()
            )),
        "{}",
        with_files.stdout
    );
}

#[test]
fn github_annotates_every_finding_that_fits_and_appends_a_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    std::fs::write(
        &list,
        "email\nanna@example.org\nnot-an-address\ninfo@example.org\n",
    )
    .unwrap();
    let summary = dir.path().join("step-summary.md");
    std::fs::write(&summary, "## an earlier step\n\n").unwrap();
    let result = run(listaudit()
        .arg("audit")
        .arg(&list)
        .args([
            "--select",
            "H001,H003",
            "--format",
            "github",
            "--as-of",
            AS_OF,
        ])
        .arg("--out-dir")
        .arg(dir.path().join("out"))
        .env("GITHUB_STEP_SUMMARY", &summary));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", result.stdout);
    assert!(lines[0].starts_with("::error file="), "{}", lines[0]);
    assert!(
        lines[0].contains(",line=3,title=H001 invalid-address::row 2 <***>: no @"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("::warning file="), "{}", lines[1]);
    assert!(lines[2].starts_with("::notice title=listaudit::"));
    assert!(!result.stdout.contains("more findings"));
    let markdown = std::fs::read_to_string(&summary).unwrap();
    let list_name = list.display().to_string();
    assert_eq!(
        markdown,
        format!(
            "## an earlier step\n\n## listaudit\n\nPolicy `eu-gdpr`, as of 2025-06-30T00:00:00Z: 3 rows, 2 kept, 1 removed; 1 errors, 1 warnings, 0 info.\n\n\
             | file | rule | name | severity | findings |\n|---|---|---|---|---:|\n\
             | {list_name} | H001 | invalid-address | error | 1 |\n\
             | {list_name} | H003 | role-account | warning | 1 |\n\n"
        )
    );
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
                "testsuite" => suites += 1,
                "testcase" => cases += 1,
                "failure" => failures += 1,
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

/// The demo's findings as report.json lists them: (file, line, rule,
/// severity), in report order.
fn demo_findings() -> Vec<(String, u64, String, String)> {
    let json = demo("json", &[]).json();
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn sarif_validates_against_the_oasis_schema_with_one_located_result_per_finding() {
    let text = stdout_of("sarif", &[]);
    let sarif: serde_json::Value = serde_json::from_str(&text).expect("one JSON document");
    let mut schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(crate::util::repo(
            "tests/fixtures/schemas/sarif-schema-2.1.0.json",
        ))
        .unwrap(),
    )
    .unwrap();
    // The published schema's `language` patterns have a stray `]`, which
    // no regex engine compiles (fixed in the OASIS errata); listaudit
    // writes no `language`, so the corrected pattern changes nothing else.
    for definition in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][definition]["properties"]["language"]["pattern"];
        assert_eq!(language, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *language = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
    }
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 26, "every rule of the catalog");
    let h009 = rules.iter().find(|r| r["id"] == "H009").unwrap();
    assert_eq!(
        h009["help"]["markdown"],
        include_str!("../../docs/rules/H009.md")
    );
    assert!(
        h009["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .starts_with("The address is an alias at a privacy relay")
    );
    assert_eq!(h009["defaultConfiguration"]["level"], "note");

    let results = run["results"].as_array().unwrap();
    let expected = demo_findings();
    assert_eq!(results.len(), expected.len());
    for (result, (file, line, rule, severity)) in results.iter().zip(&expected) {
        assert_eq!(result["ruleId"], rule.as_str());
        assert_eq!(
            rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
            rule.as_str()
        );
        let level = match severity.as_str() {
            "error" => "error",
            "warning" => "warning",
            _ => "note",
        };
        assert_eq!(result["level"], level);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], file.as_str());
        // Every finding of the demo has a line, D004's included (its
        // consent-log row).
        assert!(*line > 0, "{result}");
        assert_eq!(location["region"]["startLine"], *line, "{result}");
    }
    assert!(results.iter().any(|r| r["ruleId"] == "D004"
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "fixtures/demo/consent.csv"));
    let fingerprints: std::collections::BTreeSet<&str> = results
        .iter()
        .map(|r| r["partialFingerprints"]["listaudit/v1"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), results.len(), "fingerprints are unique");
    assert!(text.contains("<a***@example.com>"));
    assert!(!text.contains("anna.schmidt@"), "addresses are masked");

    // The same input gives the same document, fingerprints included.
    assert_eq!(stdout_of("sarif", &[]), text);
    let first: serde_json::Value = results[0].clone();
    insta::assert_json_snapshot!("sarif_first_result", first);
}

#[test]
fn sarif_and_gitlab_count_lines_of_records_that_span_lines() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    // Row 1's note spans three lines, so row 2 starts on line 5.
    std::fs::write(
        &list,
        "email,note\nanna@example.org,\"one\ntwo\nthree\"\nnot-an-address,x\n",
    )
    .unwrap();
    for format in ["sarif", "gitlab"] {
        let result = run(listaudit()
            .arg("audit")
            .arg(&list)
            .args(["--select", "H001", "--format", format, "--out-dir"])
            .arg(dir.path().join(format)));
        assert_eq!(result.code, 1, "{}", result.stderr);
        let doc: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
        let line = match format {
            "sarif" => {
                &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]
            }
            _ => &doc[0]["location"]["lines"]["begin"],
        };
        assert_eq!(*line, 5, "{format}: {doc}");
    }
}

/// D004 points at the consent-log row of the address; a record over
/// several lines before it moves that row's line.
#[test]
fn an_orphan_consent_finding_points_at_the_line_of_its_log_row() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    std::fs::write(&list, "email\nanna@example.org\n").unwrap();
    let log = dir.path().join("consent.csv");
    std::fs::write(
        &log,
        "email,event,timestamp,purpose,note\n\
         anna@example.org,opt_in,2024-01-01T00:00:00Z,newsletter,\"two\nlines\"\n\
         orphan@example.org,opt_in,2024-01-01T00:00:00Z,newsletter,x\n",
    )
    .unwrap();
    let result = run(listaudit()
        .arg("audit")
        .arg(&list)
        .arg("--consent")
        .arg(&log)
        .args(["--select", "D004", "--format", "sarif", "--out-dir"])
        .arg(dir.path().join("out")));
    assert!(result.code <= 1, "{}", result.stderr);
    let sarif: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:?}");
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(results[0]["properties"]["row"], 2);
    assert_eq!(location["region"]["startLine"], 4, "{location}");
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/consent.csv")
    );
}

#[test]
fn gitlab_code_quality_with_stable_unique_fingerprints() {
    let text = stdout_of("gitlab", &[]);
    let issues: Vec<serde_json::Value> = serde_json::from_str(&text).expect("a JSON array");
    let expected = demo_findings();
    assert_eq!(issues.len(), expected.len());
    for (issue, (file, line, rule, severity)) in issues.iter().zip(&expected) {
        let keys: Vec<&String> = issue.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "description",
                "check_name",
                "fingerprint",
                "severity",
                "location"
            ]
        );
        assert_eq!(issue["check_name"], rule.as_str());
        let wanted = match severity.as_str() {
            "error" => "major",
            "warning" => "minor",
            _ => "info",
        };
        assert_eq!(issue["severity"], wanted);
        assert_eq!(issue["location"]["path"], file.as_str());
        assert_eq!(issue["location"]["lines"]["begin"], *line);
        assert!(
            issue["description"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{rule} "))
        );
        assert_eq!(issue["fingerprint"].as_str().unwrap().len(), 64);
    }
    let fingerprints: std::collections::BTreeSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), issues.len(), "unique within the run");
    assert!(!text.contains("anna.schmidt@"), "addresses are masked");
    // No fingerprint is a hash of a plain address.
    use sha2::Digest;
    let plain = hex::encode(sha2::Sha256::digest(b"anna.schmidt@example.com"));
    assert!(!text.contains(&plain));
    assert_eq!(stdout_of("gitlab", &[]), text, "stable across runs");
    insta::assert_json_snapshot!("gitlab_first_issues", &issues[..3]);
}
