//! `listaudit.toml` discovery: found from the working directory up to the
//! repository root, its `[audit]` table as option defaults, the command
//! line winning, `--policy` and `--isolated` replacing it.

use std::fs;
use std::path::PathBuf;

use serde_json::Value;

use crate::util::{AS_OF, Run, findings, listaudit, run};

/// A repository with the demo list in `lists/` and `toml` as its
/// `listaudit.toml` (none when `None`).
struct Tree {
    _root: tempfile::TempDir,
    repo: PathBuf,
}

impl Tree {
    fn new(toml: Option<&str>) -> Tree {
        let root = tempfile::tempdir().unwrap();
        let repo = root.path().join("repo");
        fs::create_dir_all(repo.join(".git")).unwrap();
        fs::create_dir_all(repo.join("lists")).unwrap();
        for name in ["subscribers.csv", "consent.csv", "suppression.txt"] {
            fs::copy(
                crate::util::repo("fixtures/demo").join(name),
                repo.join("lists").join(name),
            )
            .unwrap();
        }
        if let Some(toml) = toml {
            fs::write(repo.join("listaudit.toml"), toml).unwrap();
        }
        Tree { _root: root, repo }
    }

    /// `listaudit ARGS` run in `dir` (relative to the repository).
    fn run_in(&self, dir: &str, args: &[&str]) -> Run {
        run(listaudit().current_dir(self.repo.join(dir)).args(args))
    }

    fn audit_json(&self, dir: &str, args: &[&str]) -> (Run, Value) {
        let mut all = vec!["audit", "--as-of", AS_OF, "--format", "json"];
        all.extend_from_slice(args);
        let out = self.run_in(dir, &all);
        let report = out.json();
        (out, report)
    }
}

const TEAM: &str = "extends = \"eu-gdpr\"\n\
    [rules]\nC005 = \"error\"\n\
    [audit]\n\
    consent = [\"lists/consent.csv\"]\n\
    suppress = [\"lists/suppression.txt\"]\n\
    ignore = [\"H007\"]\n\
    fail_on = \"warning\"\n";

/// Each finding as `row rule severity`, the verdicts two runs must share.
fn verdicts(report: &Value) -> Vec<String> {
    findings(report)
        .into_iter()
        .map(|f| format!("{} {} {}", f.row, f.rule, f.severity))
        .collect()
}

fn input_paths(report: &Value) -> Vec<String> {
    report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_discovered_configuration_audits_as_its_command_line_would() {
    let tree = Tree::new(Some(TEAM));
    let (configured_run, configured) = tree.audit_json("lists", &["subscribers.csv"]);
    let (explicit_run, explicit) = crate::util::audit_json(&[
        "fixtures/demo/subscribers.csv",
        "--consent",
        "fixtures/demo/consent.csv",
        "--suppress",
        "fixtures/demo/suppression.txt",
        "--level",
        "C005=error",
        "--ignore",
        "H007",
        "--fail-on",
        "warning",
        "--isolated",
    ]);
    for key in ["rows", "kept", "removed", "by_rule", "by_severity"] {
        assert_eq!(
            configured["summary"][key], explicit["summary"][key],
            "{key}"
        );
    }
    assert_eq!(verdicts(&configured), verdicts(&explicit));
    assert!(!verdicts(&configured).is_empty());
    assert_eq!(configured_run.code, 1, "{}", configured_run.stderr);
    assert_eq!(configured_run.code, explicit_run.code);
    // The inputs are named relative to the configuration file, and the
    // report names the file and how it was found.
    assert_eq!(
        input_paths(&configured),
        [
            "subscribers.csv",
            "../lists/consent.csv",
            "../lists/suppression.txt"
        ]
    );
    assert_eq!(configured["policy"]["file"], "../listaudit.toml");
    assert_eq!(configured["policy"]["discovered"], true);
    assert_eq!(configured["policy"]["levels"]["H007"], "off");
    assert_eq!(
        configured["policy"]["basis"]["rules.H007"],
        "set in ../listaudit.toml [audit]: ignore = H007"
    );
    assert_eq!(explicit["policy"]["file"], Value::Null);
    assert_eq!(explicit["policy"]["discovered"], false);
    // From the repository root the same file is `listaudit.toml`.
    let (_, at_root) = tree.audit_json("", &["lists/subscribers.csv"]);
    assert_eq!(at_root["policy"]["file"], "listaudit.toml");
    assert_eq!(
        at_root["summary"]["by_rule"],
        configured["summary"]["by_rule"]
    );
}

#[test]
fn command_line_flags_win_over_the_configuration() {
    let tree = Tree::new(Some(TEAM));
    let (failing, _) = tree.audit_json("lists", &["subscribers.csv"]);
    assert_eq!(failing.code, 1);
    let (never, _) = tree.audit_json("lists", &["subscribers.csv", "--fail-on", "never"]);
    assert_eq!(never.code, 0, "{}", never.stderr);

    // An input kind named on the command line replaces the configured one.
    fs::write(
        tree.repo.join("lists/other.csv"),
        "email,event,timestamp\nnobody@example.org,opt_in,2025-01-01T00:00:00Z\n",
    )
    .unwrap();
    let (_, other) = tree.audit_json("lists", &["subscribers.csv", "--consent", "other.csv"]);
    assert_eq!(
        input_paths(&other),
        ["subscribers.csv", "other.csv", "../lists/suppression.txt"]
    );

    // --select starts the selection afresh, as ruff's does: the
    // configuration's ignore no longer applies, its [rules] levels do.
    let (_, selected) = tree.audit_json("lists", &["subscribers.csv", "--select", "H,C005"]);
    assert_eq!(selected["policy"]["levels"]["H007"], "info");
    assert_eq!(selected["policy"]["levels"]["C005"], "error");
    assert_eq!(selected["policy"]["levels"]["C001"], "off");
    // --ignore adds to the configuration's.
    let (_, ignored) = tree.audit_json("lists", &["subscribers.csv", "--ignore", "H002"]);
    assert_eq!(ignored["policy"]["levels"]["H007"], "off");
    assert_eq!(ignored["policy"]["levels"]["H002"], "off");
    assert_eq!(ignored["policy"]["levels"]["C005"], "error");

    let (_, purpose) = tree.audit_json(
        "lists",
        &["subscribers.csv", "--list-purpose", "product updates"],
    );
    assert_eq!(purpose["policy"]["list_purpose"], "product updates");
}

#[test]
fn an_explicit_policy_or_isolated_replaces_discovery() {
    let broken = format!("colour = \"blue\"\n{TEAM}");
    let tree = Tree::new(Some(&broken));
    // A broken configuration stops every command that reads it, naming
    // the file, line and column.
    for args in [
        &["audit", "subscribers.csv"][..],
        &["policy", "show"],
        &["inspect", "consent.csv"],
        &["rules"],
    ] {
        let out = tree.run_in("lists", args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("../listaudit.toml:1:1: unknown key 'colour'"),
            "{args:?}: {}",
            out.stderr
        );
    }
    let (isolated_run, isolated) = tree.audit_json("lists", &["subscribers.csv", "--isolated"]);
    assert_ne!(isolated_run.code, 2, "{}", isolated_run.stderr);
    assert_eq!(isolated["policy"]["name"], "eu-gdpr");
    assert_eq!(input_paths(&isolated), ["subscribers.csv"]);
    let (_, named) = tree.audit_json("lists", &["subscribers.csv", "--policy", "de-strict"]);
    assert_eq!(named["policy"]["name"], "de-strict");
    assert_eq!(named["policy"]["file"], Value::Null);
    assert_eq!(input_paths(&named), ["subscribers.csv"]);
    // A policy file named with --policy brings its own [audit] table.
    fs::write(tree.repo.join("team.toml"), TEAM).unwrap();
    let (_, team) = tree.audit_json("lists", &["subscribers.csv", "--policy", "../team.toml"]);
    assert_eq!(team["policy"]["file"], "../team.toml");
    assert_eq!(team["policy"]["discovered"], false);
    assert_eq!(
        input_paths(&team),
        [
            "subscribers.csv",
            "../lists/consent.csv",
            "../lists/suppression.txt"
        ]
    );
}

#[test]
fn discovery_stops_after_the_repository_root() {
    let tree = Tree::new(None);
    // A file above the repository is not the repository's configuration.
    fs::write(
        tree.repo.parent().unwrap().join("listaudit.toml"),
        "this is not toml",
    )
    .unwrap();
    let (out, report) = tree.audit_json("lists", &["subscribers.csv"]);
    assert_ne!(out.code, 2, "{}", out.stderr);
    assert_eq!(report["policy"]["name"], "eu-gdpr");
    // Without the repository, the search goes on up and finds it.
    fs::remove_dir(tree.repo.join(".git")).unwrap();
    let out = tree.run_in("lists", &["policy", "show"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("../../listaudit.toml:1:"),
        "{}",
        out.stderr
    );
}

#[test]
fn policy_show_inspect_and_rules_read_the_discovered_file() {
    let tree = Tree::new(Some(
        "extends = \"de-strict\"\n\
         [rules]\nH003 = \"error\"\n\
         [vocabulary.events]\nwithdraw = [\"Austragung per Brief\"]\n\
         [audit]\nconsent = [\"lists/consent.csv\"]\n",
    ));
    let shown = tree.run_in("lists", &["policy", "show"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(shown.stdout.starts_with(
        "# The effective listaudit policy '../listaudit.toml' (eu-gdpr > de-strict > ../listaudit.toml).\n\
         # Read from ../listaudit.toml (found by looking from the working directory up to the repository root).\n"
    ), "{}", shown.stdout);
    assert!(
        shown
            .stdout
            .ends_with("[audit]\n# Paths relative to the directory this policy was shown in.\n# set in ../listaudit.toml [audit]\nconsent = [\"../lists/consent.csv\"]\n"),
        "{}",
        shown.stdout
    );
    // What policy show prints loads back as the same policy, [audit] too.
    fs::write(tree.repo.join("lists/shown.toml"), &shown.stdout).unwrap();
    let again = tree.run_in("lists", &["policy", "show", "--policy", "shown.toml"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stdout
            .contains("# set in shown.toml [audit]\nconsent = [\"../lists/consent.csv\"]\n"),
        "{}",
        again.stdout
    );

    fs::write(
        tree.repo.join("lists/letters.csv"),
        "email,event,timestamp\nbrief@example.de,Austragung per Brief,2025-01-01T00:00:00Z\n",
    )
    .unwrap();
    let inspected = tree.run_in("lists", &["inspect", "letters.csv", "--format", "json"]);
    assert_eq!(inspected.code, 0, "{}", inspected.stderr);
    let events = &inspected.json()[0]["values"]["events"][0];
    assert_eq!(events["value"], "Austragung per Brief");
    assert_eq!(events["understood_as"], "withdraw");
    let isolated = tree.run_in(
        "lists",
        &["inspect", "letters.csv", "--format", "json", "--isolated"],
    );
    assert_eq!(
        isolated.json()[0]["values"]["events"][0]["understood_as"],
        Value::Null
    );

    let rules = tree.run_in("lists", &["rules", "--format", "json"]);
    let h003 = rules
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "H003")
        .cloned()
        .unwrap();
    assert_eq!(h003["level"], "error");
}

#[test]
fn audit_table_errors_name_their_position() {
    for (toml, expected) in [
        (
            "[audit]\nconsents = [\"log.csv\"]\n",
            "listaudit.toml:2:1: unknown key 'consents'; did you mean 'consent'?",
        ),
        (
            "[audit]\nselect = [\"C099\"]\n",
            "listaudit.toml:2:11: [audit] select: unknown rule 'C099'",
        ),
        (
            "list_purpose = \"newsletter\"\n[audit]\nlist_purpose = \"news\"\n",
            "listaudit.toml:3:16: list_purpose is set twice: at the top and in [audit]",
        ),
        (
            "[audit]\nconsent = [\"-\"]\n",
            "listaudit.toml:2:12: [audit] consent: '-' is not a file path",
        ),
        (
            "[audit]\nconsent = \"log.csv\"\n",
            "listaudit.toml:2:11: invalid type: string \"log.csv\", expected a sequence",
        ),
    ] {
        let tree = Tree::new(Some(toml));
        let out = tree.run_in("", &["policy", "show"]);
        assert_eq!(out.code, 2, "{toml}");
        assert!(out.stderr.contains(expected), "{toml}\n{}", out.stderr);
    }
}

/// The report's client and author: `[report]` in the discovered file, the
/// command line winning name by name; the names reach report.json, the
/// HTML cover and title, report.md and `policy show`, whose output loads
/// back. An empty or multi-line name is refused with exit 2.
#[test]
fn report_credits_come_from_the_file_and_the_command_line() {
    let tree = Tree::new(Some(
        "[report]\nclient = \"  Beispiel Gärten GmbH \"\nprepared_by = \"Ada Beispiel\"\n",
    ));
    let (out, report) = tree.audit_json("lists", &["subscribers.csv"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        report["credits"],
        serde_json::json!({"client": "Beispiel Gärten GmbH", "prepared_by": "Ada Beispiel"})
    );

    let written = tree.run_in(
        "lists",
        &[
            "audit",
            "subscribers.csv",
            "--as-of",
            AS_OF,
            "--client",
            "Other & Co <KG>",
            "--out-dir",
            "out",
        ],
    );
    assert_eq!(written.code, 1, "{}", written.stderr);
    let out = tree.repo.join("lists/out");
    let json: Value = serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["credits"]["client"], "Other & Co <KG>");
    assert_eq!(json["credits"]["prepared_by"], "Ada Beispiel");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("<h1>Other &#38; Co &#60;KG&#62;</h1>"),
        "{html}"
    );
    assert!(html.contains("<dt>Prepared by</dt><dd>Ada Beispiel</dd>"));
    assert!(html.contains(
        "<title>Mailing-list consent audit of Other &#38; Co &#60;KG&#62; (2025-06-30)</title>"
    ));
    // In the print stylesheet the name is a CSS string: nothing in it can
    // end the string or the style element.
    assert!(
        html.contains(
            r#"@top-left { content: "Mailing-list consent audit · Other \26  Co \3C KG\3E ";"#
        ),
        "{html}"
    );
    let markdown = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        markdown.contains("Client: **Other & Co \\<KG\\>** · Prepared by: **Ada Beispiel**"),
        "{markdown}"
    );

    let shown = tree.run_in("lists", &["policy", "show"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown.stdout.contains(
            "[report]\nclient = \"Beispiel Gärten GmbH\"\nprepared_by = \"Ada Beispiel\"\n"
        ),
        "{}",
        shown.stdout
    );
    let reloaded = tree.repo.join("shown.toml");
    fs::write(&reloaded, &shown.stdout).unwrap();
    let (out, report) = tree.audit_json(
        "lists",
        &["subscribers.csv", "--policy", reloaded.to_str().unwrap()],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(report["credits"]["client"], "Beispiel Gärten GmbH");

    for bad in [["--client", " "], ["--prepared-by", "two\nlines"]] {
        let refused = tree.run_in("lists", &["audit", "subscribers.csv", bad[0], bad[1]]);
        assert_eq!(refused.code, 2, "{bad:?}");
        assert!(refused.stderr.contains(bad[0]), "{}", refused.stderr);
        assert!(!tree.repo.join("lists/cleaned.csv").exists());
    }
    fs::write(
        tree.repo.join("listaudit.toml"),
        "[report]\nclient = \"\"\n",
    )
    .unwrap();
    let refused = tree.run_in("lists", &["audit", "subscribers.csv"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("listaudit.toml:2:10: [report] client: must not be empty"),
        "{}",
        refused.stderr
    );
}
