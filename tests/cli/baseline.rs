//! `--write-baseline` and `--baseline`: accepted findings leave the exit
//! status and the CI formats, stay in findings.csv (marked) and in the
//! counts, and never change what is kept or removed.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::determinism::generate;
use crate::util::{AS_OF, Run, findings_csv, listaudit, repo, run};

/// The demo's inputs, copied into `dir` so that rows can be added.
fn demo_in(dir: &Path) {
    for name in ["subscribers.csv", "consent.csv", "suppression.txt"] {
        fs::copy(repo("fixtures/demo").join(name), dir.join(name)).unwrap();
    }
}

/// `audit` of the demo copy in `dir`, with `extra`, run in `dir`.
fn audit(dir: &Path, extra: &[&str]) -> Run {
    run(listaudit()
        .current_dir(dir)
        .args([
            "audit",
            "subscribers.csv",
            "--consent",
            "consent.csv",
            "--suppress",
            "suppression.txt",
            "--as-of",
            AS_OF,
        ])
        .args(extra))
}

fn append(path: &Path, text: &str) {
    let mut content = fs::read_to_string(path).unwrap();
    content.push_str(text);
    fs::write(path, content).unwrap();
}

/// A row for a person with no consent record: one C001 error.
const NEW_ROW: &str = "newcomer.baseline@example.org,Neu,Kommer,Kiel,\n";

#[test]
fn a_baseline_fails_ci_only_on_new_findings_and_changes_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    demo_in(dir);
    let header = fs::read_to_string(dir.join("subscribers.csv")).unwrap();
    assert!(
        header.starts_with("Email Address,First Name,Last Name,City,Notes\n"),
        "{header}"
    );

    // Without a baseline the demo fails: it has errors.
    assert_eq!(audit(dir, &["-q"]).code, 1);
    let written = audit(dir, &["--write-baseline", "baseline.json", "-o", "first"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(
        written.stdout.contains(
            "Baseline baseline.json written: it accepts all 97 findings; runs with --baseline baseline.json fail only on new ones."
        ),
        "{}",
        written.stdout
    );
    let text = fs::read_to_string(dir.join("baseline.json")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.join("baseline.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // No address of the inputs is in it, only their hashes.
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(document["format"], "listaudit.baseline/1");
    let entries = document["findings"].as_array().unwrap();
    let counted: u64 = entries.iter().map(|e| e["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 97);
    for row in findings_csv(&fs::read(dir.join("first/findings.csv")).unwrap()) {
        let email = row["email"].as_str().unwrap();
        if !email.is_empty() {
            assert!(!text.contains(email), "{email} is in the baseline");
        }
    }
    assert!(entries.iter().all(|e| {
        e["address_sha256"]
            .as_str()
            .is_none_or(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    }));

    // With it, the same list passes and the CI formats are empty.
    let accepted = audit(dir, &["--baseline", "baseline.json", "-o", "accepted"]);
    assert_eq!(accepted.code, 0, "{}", accepted.stderr);
    let github = audit(dir, &["--baseline", "baseline.json", "--format", "github"]);
    assert_eq!(github.code, 0);
    assert!(
        !github.stdout.contains("::error") && !github.stdout.contains("::warning"),
        "{}",
        github.stdout
    );
    assert!(
        github.stdout.contains(
            "97 accepted by the baseline baseline.json, new: 0 errors, 0 warnings, 0 info"
        ),
        "{}",
        github.stdout
    );
    let sarif: Value = serde_json::from_str(
        &audit(dir, &["--baseline", "baseline.json", "--format", "sarif"]).stdout,
    )
    .unwrap();
    assert_eq!(sarif["runs"][0]["results"], Value::Array(vec![]));
    let gitlab = audit(dir, &["--baseline", "baseline.json", "--format", "gitlab"]);
    assert_eq!(gitlab.stdout, "[]\n");
    let junit = audit(dir, &["--baseline", "baseline.json", "--format", "junit"]);
    assert!(junit.stdout.contains("failures=\"0\""), "{}", junit.stdout);
    assert!(!junit.stdout.contains("<failure"), "{}", junit.stdout);

    // A new person without consent: one new error, and only it is shown.
    append(&dir.join("subscribers.csv"), NEW_ROW);
    let plain = audit(dir, &["-o", "plain", "--format", "gitlab"]);
    let new = audit(
        dir,
        &[
            "--baseline",
            "baseline.json",
            "-o",
            "new",
            "--format",
            "gitlab",
        ],
    );
    assert_eq!(new.code, 1, "{}", new.stderr);
    let issues: Value = serde_json::from_str(&new.stdout).unwrap();
    let issues = issues.as_array().unwrap();
    // No consent (C001), and a reserved domain (H007, info).
    let rules: Vec<&Value> = issues.iter().map(|i| &i["check_name"]).collect();
    assert_eq!(rules, ["C001", "H007"], "{issues:?}");
    let all: Value = serde_json::from_str(&plain.stdout).unwrap();
    for issue in issues {
        assert!(
            issue["description"]
                .as_str()
                .unwrap()
                .contains("row 61 <n***@example.org>"),
            "{issue}"
        );
        // Its fingerprint is the one it has without a baseline.
        assert!(
            all.as_array()
                .unwrap()
                .iter()
                .any(|i| i["fingerprint"] == issue["fingerprint"])
        );
    }
    let github = audit(dir, &["--baseline", "baseline.json", "--format", "github"]);
    let annotations: Vec<&str> = github
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error") || l.starts_with("::warning"))
        .collect();
    assert_eq!(annotations.len(), 1, "{}", github.stdout);
    assert!(annotations[0].contains("line=62"), "{}", annotations[0]);

    // The rows are decided as without a baseline; findings.csv has every
    // finding, marked.
    for name in ["cleaned.csv", "removed.csv", "repermission.csv"] {
        assert_eq!(
            fs::read(dir.join("new").join(name)).unwrap(),
            fs::read(dir.join("plain").join(name)).unwrap(),
            "{name}"
        );
    }
    let marked = findings_csv(&fs::read(dir.join("new/findings.csv")).unwrap());
    let unmarked = findings_csv(&fs::read(dir.join("plain/findings.csv")).unwrap());
    assert_eq!(marked.len(), unmarked.len());
    let fresh: Vec<&Value> = marked
        .iter()
        .filter(|f| f["baselined"] == "false")
        .collect();
    assert_eq!(fresh.len(), 2);
    assert!(
        fresh
            .iter()
            .all(|f| f["email"] == "newcomer.baseline@example.org")
    );
    assert!(
        marked
            .iter()
            .all(|f| f["baselined"] == "true" || f["baselined"] == "false")
    );
    assert!(unmarked.iter().all(|f| f.get("baselined").is_none()));
    let report: Value =
        serde_json::from_slice(&fs::read(dir.join("new/report.json")).unwrap()).unwrap();
    assert_eq!(report["baseline"]["file"], "baseline.json");
    assert_eq!(report["baseline"]["accepted"], 97);
    assert_eq!(report["baseline"]["unmatched"], 0);
    assert_eq!(report["summary"]["baselined"]["total"], 97);
    assert_eq!(
        report["summary"]["by_severity"]["error"].as_u64().unwrap(),
        report["summary"]["baselined"]["by_severity"]["error"]
            .as_u64()
            .unwrap()
            + 1
    );
}

#[test]
fn each_accepted_finding_counts_once_and_gone_ones_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    demo_in(dir);
    let written = audit(dir, &["--write-baseline", "baseline.json", "-q"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    // The demo has one duplicated address (H002). A third copy is a new
    // H002 on the same address: the baseline accepted one, not every.
    let subscribers = fs::read_to_string(dir.join("subscribers.csv")).unwrap();
    let (_, report) = {
        let out = audit(dir, &["--format", "json"]);
        let report = out.json();
        (out, report)
    };
    let duplicate = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "H002")
        .expect("the demo has a duplicate")
        .clone();
    let row = duplicate["row"].as_u64().unwrap() as usize;
    let line = subscribers.lines().nth(row).unwrap().to_string();
    append(&dir.join("subscribers.csv"), &format!("{line}\n"));
    let out = audit(dir, &["--baseline", "baseline.json", "--format", "json"]);
    let report = out.json();
    let new: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["baselined"] != true)
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["row"].as_u64().unwrap(),
            )
        })
        .collect();
    // Its H007 (a reserved domain) is new as well: the baseline accepted
    // one H007 on that address, for one row.
    assert_eq!(
        new,
        [("H002".to_string(), 61), ("H007".to_string(), 61)],
        "{}",
        out.stdout
    );
    assert_eq!(out.code, 1, "H002 is an error: {}", out.stderr);
    let passing = audit(
        dir,
        &["--baseline", "baseline.json", "--ignore", "H002", "-q"],
    );
    assert_eq!(passing.code, 0, "{}", passing.stderr);

    // Dropping the first row fixes its findings: the baseline says so.
    let mut lines: Vec<&str> = subscribers.lines().collect();
    lines.remove(1);
    fs::write(dir.join("subscribers.csv"), lines.join("\n") + "\n").unwrap();
    let out = audit(dir, &["--baseline", "baseline.json"]);
    assert!(
        out.stdout.contains("accepted finding")
            && out
                .stdout
                .contains("no longer found; --write-baseline rewrites it."),
        "{}",
        out.stdout
    );
    // The rows below moved up by one; each is still matched by its
    // address, not its row.
    let report = audit(dir, &["--baseline", "baseline.json", "--format", "json"]).json();
    assert_eq!(
        report["baseline"]["accepted"],
        report["summary"]["baselined"]["total"]
    );
    let total: u64 = report["summary"]["by_severity"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(report["baseline"]["accepted"].as_u64().unwrap(), total);
    assert!(report["baseline"]["unmatched"].as_u64().unwrap() > 0);
}

#[test]
fn files_are_matched_by_name_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let lists = dir.join("lists");
    fs::create_dir(&lists).unwrap();
    demo_in(&lists);
    let written = audit(&lists, &["--write-baseline", "../baseline.json", "-q"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    let from_above = run(listaudit().current_dir(dir).args([
        "audit",
        "lists/subscribers.csv",
        "--consent",
        "lists/consent.csv",
        "--suppress",
        "lists/suppression.txt",
        "--as-of",
        AS_OF,
        "--baseline",
        "baseline.json",
        "--format",
        "json",
    ]));
    assert_eq!(from_above.code, 0, "{}", from_above.stderr);
    assert_eq!(from_above.json()["baseline"]["unmatched"], 0);
}

#[test]
fn a_bad_baseline_stops_the_run_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    demo_in(dir);
    for (content, expected) in [
        (None, "missing.json: cannot read the baseline"),
        (
            Some(
                "{\"format\":\"listaudit.baseline/1\",\"findings\":[{\"rule\":\"C001\",\"file\":\"subscribers.csv\",\"address_sha256\":\"anna@example.org\",\"count\":1}]}",
            ),
            "base.json: finding 1: address_sha256 'anna@example.org' is not 64 hexadecimal digits",
        ),
        (
            Some("rule,file\nC001,subscribers.csv\n"),
            "base.json: not a listaudit baseline: expected value at line 1 column 1",
        ),
    ] {
        let name = match content {
            Some(text) => {
                fs::write(dir.join("base.json"), text).unwrap();
                "base.json"
            }
            None => "missing.json",
        };
        let out = audit(dir, &["--baseline", name, "-o", "out"]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains(expected), "{}", out.stderr);
        assert!(out.stderr.contains("hint: write "), "{}", out.stderr);
        assert!(!dir.join("out").exists());
    }
}

/// The marks are the same whether the findings were held in memory or
/// spilled and merged, and for any thread count; rewriting a baseline in
/// place reads it before it is replaced.
#[test]
fn baselines_are_identical_held_or_spilled() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    generate(dir, 8_000);
    let audit = |flags: &[&str]| {
        let out = run(listaudit()
            .current_dir(dir)
            .args([
                "audit",
                "subscribers.csv",
                "--consent",
                "consent.csv",
                "--as-of",
                AS_OF,
            ])
            .args(flags));
        assert_ne!(out.code, 2, "{}", out.stderr);
        out
    };
    audit(&["-j", "1", "--write-baseline", "held.json", "-q"]);
    let spilled = audit(&[
        "-j",
        "2",
        "--memory-limit",
        "1M",
        "--timings",
        "--write-baseline",
        "spilled.json",
        "-q",
    ]);
    assert!(
        spilled.stderr.contains("spilled runs"),
        "{}",
        spilled.stderr
    );
    let held = fs::read(dir.join("held.json")).unwrap();
    assert_eq!(held, fs::read(dir.join("spilled.json")).unwrap());
    assert!(held.len() > 100_000);

    // Half of the list is new: the first half's findings are accepted.
    let subscribers = fs::read_to_string(dir.join("subscribers.csv")).unwrap();
    let half: Vec<&str> = subscribers.lines().take(4_000).collect();
    fs::write(dir.join("subscribers.csv"), half.join("\n") + "\n").unwrap();
    audit(&["-j", "1", "--write-baseline", "half.json", "-q"]);
    fs::write(dir.join("subscribers.csv"), &subscribers).unwrap();
    let marked_held = {
        audit(&[
            "-j",
            "1",
            "--baseline",
            "half.json",
            "--findings",
            "held.csv",
            "-q",
        ]);
        fs::read(dir.join("held.csv")).unwrap()
    };
    let spilled = audit(&[
        "-j",
        "2",
        "--memory-limit",
        "1M",
        "--timings",
        "--baseline",
        "half.json",
        "--findings",
        "spilled.csv",
        "-q",
    ]);
    assert!(
        spilled.stderr.contains("spilled runs"),
        "{}",
        spilled.stderr
    );
    assert!(marked_held == fs::read(dir.join("spilled.csv")).unwrap());

    // What is new is what a count per key says is new.
    audit(&["-j", "1", "--findings", "plain.csv", "-q"]);
    let plain = findings_csv(&fs::read(dir.join("plain.csv")).unwrap());
    let marked = findings_csv(&marked_held);
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    let mut expected_new = 0;
    // Findings of the half list per (rule, address): what it accepts.
    let half_rows = {
        let mut per_key: HashMap<(String, String), u64> = HashMap::new();
        fs::write(dir.join("subscribers.csv"), half.join("\n") + "\n").unwrap();
        audit(&["-j", "1", "--findings", "half.csv", "-q"]);
        fs::write(dir.join("subscribers.csv"), &subscribers).unwrap();
        for f in findings_csv(&fs::read(dir.join("half.csv")).unwrap()) {
            *per_key
                .entry((
                    f["rule"].as_str().unwrap().into(),
                    f["email"].as_str().unwrap().into(),
                ))
                .or_default() += 1;
        }
        per_key
    };
    for (plain, marked) in plain.iter().zip(&marked) {
        let key = (
            plain["rule"].as_str().unwrap().to_string(),
            plain["email"].as_str().unwrap().to_string(),
        );
        let n = seen.entry(key.clone()).or_default();
        *n += 1;
        let is_new = *n > half_rows.get(&key).copied().unwrap_or(0);
        expected_new += u64::from(is_new);
        assert_eq!(
            marked["baselined"],
            if is_new { "false" } else { "true" },
            "{plain}"
        );
    }
    assert_eq!(marked.len(), plain.len());

    // Rewritten in place, the baseline is read first and then replaced by
    // one accepting every finding: the full list's.
    audit(&[
        "-j",
        "1",
        "--baseline",
        "half.json",
        "--write-baseline",
        "half.json",
        "-q",
    ]);
    assert!(fs::read(dir.join("half.json")).unwrap() == held);
    assert!(expected_new > 1_000, "{expected_new}");
    assert!(plain.len() as u64 - expected_new > 1_000);
}
