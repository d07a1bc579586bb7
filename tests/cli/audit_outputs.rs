//! The outputs of `audit`: the demo end to end, byte-faithful cleaned
//! lists, conservation of rows, per-file outputs, permissions, formats.

use std::fs;
use std::path::Path;

use crate::util::{
    AS_OF, DEMO, IGNORE_RESERVED, audit_json, files_in, findings_by_row, findings_csv, lines,
    listaudit, repo, run,
};

fn demo_into(out: &Path) -> crate::util::Run {
    run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args(["--as-of", AS_OF, "--out-dir"])
        .arg(out))
}

#[test]
fn demo_summary_findings_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit");
    let result = demo_into(&out);
    assert_eq!(result.code, 1, "errors exist, so exit 1\n{}", result.stderr);
    assert_eq!(
        result.stderr, "",
        "no progress or notes when not on a terminal"
    );
    let stdout = result.stdout.replace(&out.display().to_string(), "[OUT]");
    insta::assert_snapshot!("demo_summary", stdout);
    assert_eq!(
        files_in(&out),
        [
            "cleaned.csv",
            "erasure.csv",
            "findings.csv",
            "listaudit-manifest.json",
            "removed.csv",
            "repermission.csv",
            "report.html",
            "report.json",
            "report.md"
        ]
    );
    let findings = fs::read_to_string(out.join("findings.csv")).unwrap();
    assert!(findings.starts_with("file,row,email,rule,severity,message"));
    insta::assert_snapshot!("demo_findings", findings);
    let report = fs::read_to_string(out.join("report.json")).unwrap();
    let report = report.replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
    insta::assert_snapshot!("demo_report", report);
}

/// report.json names findings.csv instead of repeating it; standard
/// output keeps every finding for CI; a report written without a
/// findings.csv carries them itself, so no finding is ever only counted.
#[test]
fn report_json_names_findings_csv_and_stdout_keeps_every_finding() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit");
    let result = demo_into(&out);
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["schema"], "listaudit.report/2");
    assert_eq!(report["findings_file"], "findings.csv");
    assert!(report.get("findings").is_none(), "{report:#}");
    let in_file = findings_csv(&fs::read(out.join("findings.csv")).unwrap());
    let counted: u64 = report["summary"]["by_rule"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(in_file.len() as u64, counted);

    let (_, printed) = audit_json(&DEMO);
    assert_eq!(printed["schema"], "listaudit.report/1");
    assert!(printed.get("findings_file").is_none());
    let printed_findings = printed["findings"].as_array().unwrap();
    assert_eq!(printed_findings.len(), in_file.len());
    for (printed, written) in printed_findings.iter().zip(&in_file) {
        for column in ["file", "row", "email", "rule", "severity", "message"] {
            assert_eq!(printed[column], written[column], "{column}: {printed}");
        }
        assert_eq!(printed["name"], written["rule_name"]);
    }

    // Only --report, and in another directory than --findings: the report
    // carries the findings, or names the file by its absolute path.
    let alone = dir.path().join("alone.json");
    let result = run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args(["--as-of", AS_OF, "--report"])
        .arg(&alone));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report: serde_json::Value = serde_json::from_slice(&fs::read(&alone).unwrap()).unwrap();
    assert_eq!(report["schema"], "listaudit.report/2");
    assert!(report.get("findings_file").is_none());
    assert_eq!(report["findings"].as_array().unwrap().len(), in_file.len());

    let elsewhere = dir.path().join("sub/elsewhere.csv");
    fs::create_dir(dir.path().join("sub")).unwrap();
    let apart = dir.path().join("apart.json");
    let result = run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args(["--as-of", AS_OF, "--report"])
        .arg(&apart)
        .arg("--findings")
        .arg(&elsewhere));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report: serde_json::Value = serde_json::from_slice(&fs::read(&apart).unwrap()).unwrap();
    let named = Path::new(report["findings_file"].as_str().unwrap());
    assert!(named.is_absolute(), "{named:?}");
    assert_eq!(fs::read(named).unwrap(), fs::read(&elsewhere).unwrap());
}

/// `--timings` prints every stage with its wall and CPU time to standard
/// error, and changes nothing else: standard output and files are those of
/// a run without it.
#[test]
fn timings_list_each_stage_on_standard_error_only() {
    let dir = tempfile::tempdir().unwrap();
    let plain = demo_into(&dir.path().join("plain"));
    let timed = run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args(["--as-of", AS_OF, "--timings", "--out-dir"])
        .arg(dir.path().join("timed")));
    assert_eq!(timed.code, plain.code);
    assert_eq!(
        timed.stdout.replace("timed", "plain"),
        plain.stdout,
        "standard output is unchanged"
    );
    let lines: Vec<&str> = timed.stderr.lines().collect();
    assert!(
        lines[0].contains("wall") && lines[0].contains("CPU"),
        "{}",
        timed.stderr
    );
    // Each line: wall "0.012 s", CPU "0.011 s", cores busy, peak RSS
    // "26 MiB" (blank on the total line), the stage.
    let mut stages = Vec::new();
    let (mut walls, mut cpus, mut peak) = (0.0, 0.0, 0);
    for line in &lines[1..] {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!((fields[1], fields[3]), ("s", "s"), "{line}");
        let (wall, cpu): (f64, f64) = (fields[0].parse().unwrap(), fields[2].parse().unwrap());
        let stage = line.rsplit("  ").next().unwrap();
        if stage == "total" {
            // The stages add up to the total (each printed to 1 ms).
            assert!(
                (wall - walls).abs() < 0.01 && (cpu - cpus).abs() < 0.01,
                "{line}"
            );
            assert!(wall > 0.0 && cpu > 0.0, "{line}");
        } else {
            walls += wall;
            cpus += cpu;
            assert_eq!(fields[6], "MiB", "{line}");
            let rss: u64 = fields[5].parse().unwrap();
            assert!(rss > 0 && rss >= peak, "peak RSS only grows: {line}");
            peak = rss;
        }
        stages.push(stage);
    }
    assert_eq!(
        stages,
        [
            "arguments and policy resolved, spreadsheets read",
            "inputs opened, outputs created",
            "evidence read from the exports",
            "consent logs (index in memory)",
            "subscriber pass",
            "findings and report",
            "outputs renamed into place",
            "total"
        ]
    );
    // The variable asks for the same table; set to 0 or nothing, it does not.
    for (value, shown) in [("1", true), ("0", false), ("", false)] {
        let by_variable = run(listaudit()
            .env("LISTAUDIT_TIMINGS", value)
            .arg("audit")
            .args(DEMO)
            .args(["--as-of", AS_OF, "--out-dir"])
            .arg(dir.path().join(format!("variable{value}"))));
        assert_eq!(
            by_variable.stderr.contains("stage (timings)"),
            shown,
            "LISTAUDIT_TIMINGS={value:?}: {}",
            by_variable.stderr
        );
    }
    let written = files_in(&dir.path().join("plain"));
    assert_eq!(written, files_in(&dir.path().join("timed")));
    for name in written {
        assert_eq!(
            fs::read(dir.path().join("plain").join(&name)).unwrap(),
            fs::read(dir.path().join("timed").join(&name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn demo_triggers_every_rule() {
    let (_, report) = audit_json(&DEMO);
    for rule in &listaudit::rules::RULES {
        assert!(
            report["summary"]["by_rule"][rule.code].as_u64().unwrap() > 0,
            "the demo does not trigger {}",
            rule.code
        );
    }
}

/// kept + removed = rows, per file and in total, and every input line is
/// in exactly one of cleaned.csv and removed.csv.
#[test]
fn every_row_is_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    demo_into(dir.path());
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let summary = &report["summary"];
    let (rows, kept, removed) = (
        summary["rows"].as_u64().unwrap(),
        summary["kept"].as_u64().unwrap(),
        summary["removed"].as_u64().unwrap(),
    );
    assert_eq!((rows, kept + removed), (60, 60));
    let input = fs::read(repo("fixtures/demo/subscribers.csv")).unwrap();
    let cleaned = fs::read(dir.path().join("cleaned.csv")).unwrap();
    let removed_csv = fs::read_to_string(dir.path().join("removed.csv")).unwrap();
    let cleaned_lines = lines(&cleaned);
    assert_eq!(
        cleaned_lines.len() as u64,
        kept + 1,
        "header plus kept rows"
    );
    assert_eq!(removed_csv.lines().count() as u64, removed + 1);
    // Cleaned rows are input lines, in input order.
    let mut input_lines = lines(&input).into_iter();
    for line in &cleaned_lines {
        assert!(
            input_lines.any(|l| l == *line),
            "not an input line in order: {:?}",
            String::from_utf8_lossy(line)
        );
    }
}

/// Quoting, CRLF line endings, a byte-order mark, non-ASCII text, embedded
/// line breaks and a last line without a line break all survive unchanged.
#[test]
fn cleaned_list_is_byte_faithful() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("export.csv");
    let rows: [&[u8]; 6] = [
        b"\xef\xbb\xbf\"Email Address\";\"Name\";\"Notes\"\r\n",
        b"\"anna@example.com\";\"M\xc3\xbcller, Anna\";\"line one\r\nline two\"\r\n",
        b"drop.me@example.com;Dropped;\r\n",
        b"ben@example.com;\"Ben \"\"B\"\" Berg\";\r\n",
        b"\r\n",
        b"clara@example.com;Cl\xc3\xa4ra;last line",
    ];
    fs::write(&input, rows.concat()).unwrap();
    let consent = dir.path().join("consent.csv");
    let mut log = String::from("email,event,timestamp,purpose,source,ip\n");
    for address in ["anna@example.com", "ben@example.com", "clara@example.com"] {
        log.push_str(&format!(
            "{address},opt_in,2025-01-10T10:00:00Z,newsletter,web_form,192.0.2.1\n"
        ));
        log.push_str(&format!(
            "{address},confirm,2025-01-10T10:05:00Z,newsletter,double_opt_in_link,192.0.2.1\n"
        ));
    }
    fs::write(&consent, log).unwrap();
    let out = dir.path().join("out");
    let result = run(listaudit()
        .arg("audit")
        .arg(&input)
        .arg("--consent")
        .arg(&consent)
        .args(IGNORE_RESERVED)
        .args(["--as-of", AS_OF, "--out-dir"])
        .arg(&out));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let expected = [rows[0], rows[1], rows[3], rows[4], rows[5]].concat();
    assert_eq!(fs::read(out.join("cleaned.csv")).unwrap(), expected);
    let removed = fs::read(out.join("removed.csv")).unwrap();
    assert_eq!(
        removed,
        b"\xef\xbb\xbf\"Email Address\";\"Name\";\"Notes\";listaudit_rules;listaudit_reasons\r\n\
          drop.me@example.com;Dropped;;C001;C001: no opt-in, confirmation or renewal recorded for this address in any consent log\r\n"
    );
    assert_eq!(
        fs::read(&input).unwrap(),
        rows.concat(),
        "the input is never modified"
    );
}

#[test]
fn several_subscriber_files_get_one_cleaned_list_each() {
    let dir = tempfile::tempdir().unwrap();
    let result = run(listaudit()
        .arg("audit")
        .arg("tests/fixtures/rules/H002/subscribers-1.csv")
        .arg("tests/fixtures/rules/H002/subscribers-2.csv")
        .args([
            "--consent",
            "tests/fixtures/rules/H002/consent.csv",
            "--as-of",
            AS_OF,
            "-o",
        ])
        .arg(dir.path()));
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(
        files_in(dir.path()),
        [
            "cleaned-subscribers-1.csv",
            "cleaned-subscribers-2.csv",
            "erasure.csv",
            "findings.csv",
            "listaudit-manifest.json",
            "removed-subscribers-1.csv",
            "removed-subscribers-2.csv",
            "repermission-subscribers-1.csv",
            "repermission-subscribers-2.csv",
            "report.html",
            "report.json",
            "report.md"
        ]
    );
    let cleaned = fs::read_to_string(dir.path().join("cleaned-subscribers-2.csv")).unwrap();
    assert_eq!(cleaned, "expect,email\n,third@example.com\n");
}

#[test]
fn individual_output_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let result = run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args(["--as-of", AS_OF, "--quiet", "--cleaned"])
        .arg(path("clean.csv"))
        .arg("--report")
        .arg(path("audit.json")));
    assert_eq!(result.code, 1);
    assert_eq!(result.stdout, "", "--quiet prints nothing");
    assert_eq!(files_in(dir.path()), ["audit.json", "clean.csv"]);
}

#[cfg(unix)]
#[test]
fn outputs_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/audit");
    demo_into(&out);
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), 0o700);
    for name in files_in(&out) {
        assert_eq!(mode(&out.join(&name)), 0o600, "{name}");
    }
}

#[test]
fn exit_status_follows_fail_on() {
    // Only warnings: C005 on a single opt-in.
    let dir = tempfile::tempdir().unwrap();
    let subscribers = dir.path().join("s.csv");
    fs::write(&subscribers, "email\nyusuf@example.com\n").unwrap();
    let consent = dir.path().join("c.csv");
    fs::write(
        &consent,
        "email,event,timestamp,purpose,source,ip\nyusuf@example.com,opt_in,2025-03-01T11:11:00Z,newsletter,web_form,192.0.2.1\n",
    )
    .unwrap();
    let code = |fail_on: &str, policy: &str| {
        run(listaudit()
            .arg("audit")
            .arg(&subscribers)
            .arg("-c")
            .arg(&consent)
            .args(["--as-of", AS_OF, "--fail-on", fail_on, "--policy", policy]))
        .code
    };
    assert_eq!(code("error", "eu-gdpr"), 0);
    assert_eq!(code("warning", "eu-gdpr"), 1);
    assert_eq!(
        code("error", "de-strict"),
        1,
        "de-strict makes C005 an error"
    );
    assert_eq!(code("never", "de-strict"), 0);
}

#[test]
fn de_strict_removes_single_opt_in_rows() {
    let (_, eu) = audit_json(&[
        "tests/fixtures/rules/C005/subscribers.csv",
        "-c",
        "tests/fixtures/rules/C005/consent.csv",
    ]);
    let (_, de) = audit_json(&[
        "tests/fixtures/rules/C005/subscribers.csv",
        "-c",
        "tests/fixtures/rules/C005/consent.csv",
        "--policy",
        "de-strict",
    ]);
    assert_eq!(eu["summary"]["removed"], 0);
    assert_eq!(de["policy"]["name"], "de-strict");
    assert_eq!(de["policy"]["levels"]["C005"], "error");
    let severities = |rule: &str| -> Vec<String> {
        de["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| {
                format!(
                    "{} {}",
                    f["email"].as_str().unwrap(),
                    f["severity"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        severities("C005"),
        [
            "single.opt.in@example.com error",
            "resubscribed.unconfirmed@example.com error"
        ]
    );
    // de-strict also wants the notice text each consent was given under,
    // which this log does not record: every row is C006.
    assert_eq!(de["summary"]["by_rule"]["C006"], 5);
    assert_eq!(de["summary"]["removed"], 5);
    assert!(
        de["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "C006")
            .all(|f| f["message"]
                .as_str()
                .unwrap()
                .ends_with("has no notice or consent-text version"))
    );
}

#[test]
fn list_purpose_changes_what_consent_covers() {
    let args = [
        "tests/fixtures/rules/C003/subscribers.csv",
        "-c",
        "tests/fixtures/rules/C003/consent.csv",
    ];
    let (_, partners) = audit_json(&[&args[..], &["--list-purpose", "Partner_Offers"]].concat());
    let rows = findings_by_row(&partners);
    let c003_rows: Vec<u64> = rows
        .iter()
        .filter(|(_, codes)| codes.contains("C003"))
        .map(|((_, row), _)| *row)
        .collect();
    // Only the newsletter and DPV consents miss partner offers now.
    assert_eq!(c003_rows, [1, 2, 3]);
    assert_eq!(partners["policy"]["list_purpose"], "Partner_Offers");
}

#[test]
fn consent_logs_in_json_lines_and_json_arrays_read_like_csv() {
    let dir = tempfile::tempdir().unwrap();
    let mut reader = csv::Reader::from_path(repo("fixtures/demo/consent.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let objects: Vec<serde_json::Value> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let mut object = serde_json::Map::new();
            for (key, value) in headers.iter().zip(r.iter()) {
                if !value.is_empty() {
                    object.insert(key.to_string(), value.into());
                }
            }
            serde_json::Value::Object(object)
        })
        .collect();
    let jsonl = dir.path().join("consent.jsonl");
    fs::write(
        &jsonl,
        objects.iter().map(|o| format!("{o}\n")).collect::<String>(),
    )
    .unwrap();
    let array = dir.path().join("consent.json");
    fs::write(&array, serde_json::to_string_pretty(&objects).unwrap()).unwrap();
    let (_, csv_report) = audit_json(&DEMO);
    for log in [&jsonl, &array] {
        let log = log.to_str().unwrap();
        let (_, report) = audit_json(&[
            "fixtures/demo/subscribers.csv",
            "-c",
            log,
            "-s",
            "fixtures/demo/suppression.txt",
        ]);
        // Unrecognised values name the file they were first met in.
        let summary = report["summary"]
            .to_string()
            .replace(log, "fixtures/demo/consent.csv");
        assert_eq!(summary, csv_report["summary"].to_string(), "{log}");
        let subscriber_findings = |r: &serde_json::Value| {
            findings_by_row(r)
                .into_iter()
                .filter(|((file, _), _)| file.ends_with("subscribers.csv"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            subscriber_findings(&report),
            subscriber_findings(&csv_report),
            "{log}"
        );
    }
}

#[test]
fn subscribers_from_standard_input() {
    let input = fs::read(repo("fixtures/demo/subscribers.csv")).unwrap();
    let result = run(listaudit()
        .args([
            "audit",
            "-",
            "-c",
            "fixtures/demo/consent.csv",
            "-s",
            "fixtures/demo/suppression.txt",
        ])
        .args(["--as-of", AS_OF, "--format", "json"])
        .write_stdin(input));
    let report = result.json();
    assert_eq!(report["inputs"][0]["path"], "<stdin>");
    assert_eq!(report["summary"]["removed"], 26);
}

#[test]
fn email_column_can_be_named() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("crm.csv");
    fs::write(&input, "Kontakt;Name\nanna@example.com;Anna\n").unwrap();
    let input = input.to_str().unwrap();
    let (_, report) = audit_json(&[input, "--email-column", "Kontakt"]);
    assert_eq!(
        findings_by_row(&report)
            .values()
            .next()
            .unwrap()
            .iter()
            .next()
            .unwrap(),
        "C001"
    );
    let (_, report) = audit_json(&[input, "--email-column", "1"]);
    assert_eq!(report["findings"][0]["email"], "anna@example.com");
}

#[test]
fn header_only_file_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("empty-list.csv");
    fs::write(&input, "Email Address,First Name\n").unwrap();
    let out = dir.path().join("out");
    let result = run(listaudit()
        .arg("audit")
        .arg(&input)
        .args(["--as-of", AS_OF, "-o"])
        .arg(&out));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(
        result.stdout.contains("0 rows: 0 kept, 0 removed"),
        "{}",
        result.stdout
    );
    assert_eq!(
        fs::read(out.join("cleaned.csv")).unwrap(),
        b"Email Address,First Name\n"
    );
}

#[test]
fn no_consent_log_is_a_note_not_an_error() {
    let result =
        run(listaudit().args(["audit", "fixtures/demo/subscribers.csv", "--as-of", AS_OF]));
    assert_eq!(result.code, 1);
    assert!(
        result
            .stderr
            .contains("note: no consent log was given (--consent)"),
        "{}",
        result.stderr
    );
    let (_, report) = audit_json(&["fixtures/demo/subscribers.csv"]);
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no consent log was given")
    );
}

/// Windows-1252 bytes outside the address column (German Excel exports)
/// pass through untouched; only the address cell is decoded.
#[test]
fn legacy_bytes_in_other_columns_pass_through() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("excel.csv");
    let rows: [&[u8]; 3] = [
        b"E-Mail-Adresse;Vorname;Nachname\r\n",
        b"anna@example.com;Anna;M\xfcller\r\n",
        b"bob@example.com;Bob;Stra\xdfe\r\n",
    ];
    fs::write(&input, rows.concat()).unwrap();
    let consent = dir.path().join("consent.csv");
    fs::write(
        &consent,
        "email,event,timestamp,purpose,source,ip\n\
         anna@example.com,opt_in,2025-01-01T10:00:00Z,newsletter,web_form,192.0.2.1\n\
         anna@example.com,confirm,2025-01-01T10:05:00Z,newsletter,double_opt_in_link,192.0.2.1\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let result = run(listaudit()
        .arg("audit")
        .arg(&input)
        .arg("-c")
        .arg(&consent)
        .args(IGNORE_RESERVED)
        .args(["--as-of", AS_OF, "-o"])
        .arg(&out));
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(
        fs::read(out.join("cleaned.csv")).unwrap(),
        [rows[0], rows[1]].concat()
    );
    let removed = fs::read(out.join("removed.csv")).unwrap();
    assert!(removed.starts_with(b"E-Mail-Adresse;Vorname;Nachname;listaudit_rules;listaudit_reasons\r\nbob@example.com;Bob;Stra\xdfe;C001;"));
}

#[test]
fn json_lines_with_a_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    let subscribers = dir.path().join("s.csv");
    fs::write(&subscribers, "email\na@example.com\n").unwrap();
    let log = dir.path().join("log.jsonl");
    fs::write(
        &log,
        "\u{feff}{\"email\":\"a@example.com\",\"event\":\"opt_in\",\"timestamp\":\"2025-01-10T10:00:00Z\",\"purpose\":\"newsletter\",\"source\":\"web_form\"}\n\
         {\"email\":\"a@example.com\",\"event\":\"confirm\",\"timestamp\":\"2025-01-10T10:05:00Z\"}\n",
    )
    .unwrap();
    let (run, report) = audit_json(&[subscribers.to_str().unwrap(), "-c", log.to_str().unwrap()]);
    assert_eq!(
        run.code, 0,
        "the BOM line is a valid opt-in: {}",
        run.stdout
    );
    assert_eq!(report["inputs"][1]["encoding"], "utf-8-bom");
    assert_eq!(report["inputs"][1]["rows"], 2);
}
