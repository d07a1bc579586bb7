//! The GitHub Action (`action.yml`): its audit step is `ci/action-audit.sh`,
//! run here as the runner runs it, with the inputs in `INPUT_*` variables
//! and the built binary in `LISTAUDIT_BIN`; and every input `action.yml`
//! declares reaches that script.

use assert_cmd::Command;

use crate::util::{AS_OF, listaudit, repo, run};

fn action_step(inputs: &[(&str, &str)]) -> crate::util::Run {
    let mut step = Command::new("bash");
    step.arg(repo("ci/action-audit.sh"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("LISTAUDIT_BIN", assert_cmd::cargo::cargo_bin!("listaudit"))
        .env_remove("GITHUB_STEP_SUMMARY");
    for name in [
        "FILES", "CONSENT", "SUPPRESS", "POLICY", "FAIL_ON", "BASELINE", "FORMAT", "OUTPUT", "ARGS",
    ] {
        step.env_remove(format!("INPUT_{name}"));
    }
    for (name, value) in inputs {
        step.env(format!("INPUT_{name}"), value);
    }
    run(&mut step)
}

#[test]
fn the_audit_step_runs_the_command_line_its_inputs_describe() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let extra = format!("--as-of {AS_OF} --out-dir {}", out.display());
    let step = action_step(&[
        ("FILES", "fixtures/demo/subscr*.csv"),
        ("CONSENT", "fixtures/demo/consent.csv"),
        ("SUPPRESS", " fixtures/demo/suppression.txt "),
        ("POLICY", "eu-gdpr"),
        ("FAIL_ON", "error"),
        ("FORMAT", "github"),
        ("ARGS", &extra),
    ]);
    let direct = run(listaudit()
        .args(["audit", "fixtures/demo/subscribers.csv", "--consent"])
        .args([
            "fixtures/demo/consent.csv",
            "--suppress",
            "fixtures/demo/suppression.txt",
        ])
        .args([
            "--policy",
            "eu-gdpr",
            "--fail-on",
            "error",
            "--format",
            "github",
        ])
        .args(["--no-progress", "--as-of", AS_OF, "--out-dir"])
        .arg(&out));
    assert_eq!(step.code, 1, "{}", step.stderr);
    assert_eq!(step.code, direct.code);
    assert_eq!(step.stdout, direct.stdout);
    assert!(
        step.stdout
            .starts_with("::error file=fixtures/demo/subscribers.csv")
    );
    assert!(out.join("cleaned.csv").exists());

    // `fail-on: never` passes the step; `output` takes the format's text.
    let sarif = dir.path().join("listaudit.sarif");
    let step = action_step(&[
        ("FILES", "fixtures/demo/subscribers.csv"),
        ("CONSENT", "fixtures/demo/consent.csv"),
        ("FAIL_ON", "never"),
        ("FORMAT", "sarif"),
        ("OUTPUT", sarif.to_str().unwrap()),
        ("ARGS", &format!("--as-of {AS_OF}")),
    ]);
    assert_eq!(step.code, 0, "{}", step.stderr);
    assert_eq!(step.stdout, "");
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(document["version"], "2.1.0");
}

/// With a baseline of today's findings the step passes and annotates
/// nothing; without `fail-on` the policy's level decides, not the action.
#[test]
fn the_baseline_input_leaves_accepted_findings_out() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let written = run(listaudit()
        .args(["audit", "fixtures/demo/subscribers.csv", "-c"])
        .args(["fixtures/demo/consent.csv", "--as-of", AS_OF, "-q"])
        .arg("--write-baseline")
        .arg(&baseline));
    assert_eq!(written.code, 0, "{}", written.stderr);
    let inputs = [
        ("FILES", "fixtures/demo/subscribers.csv"),
        ("CONSENT", "fixtures/demo/consent.csv"),
        ("ARGS", &format!("--as-of {AS_OF}")),
    ];
    let without = action_step(&inputs);
    assert_eq!(
        without.code, 1,
        "the policy fails on errors: {}",
        without.stderr
    );
    let mut with = inputs.to_vec();
    with.push(("BASELINE", baseline.to_str().unwrap()));
    let step = action_step(&with);
    assert_eq!(step.code, 0, "{}", step.stderr);
    assert!(!step.stdout.contains("::error"), "{}", step.stdout);
    assert!(
        step.stdout.contains("accepted by the baseline"),
        "{}",
        step.stdout
    );
}

#[test]
fn a_file_input_that_matches_nothing_fails_the_step() {
    let step = action_step(&[
        ("FILES", "fixtures/demo/subscribers.csv"),
        ("CONSENT", "fixtures/demo/no-such-log-*.csv"),
    ]);
    assert_eq!(step.code, 2);
    assert_eq!(
        step.stderr,
        "listaudit action: 'fixtures/demo/no-such-log-*.csv' in the 'consent' input matches no file\n"
    );
    let empty = action_step(&[("FILES", "  ")]);
    assert_eq!(empty.code, 2);
    assert!(empty.stderr.contains("names no subscriber export"));
}

#[test]
fn every_declared_input_reaches_the_audit_step() {
    let action = std::fs::read_to_string(repo("action.yml")).unwrap();
    let script = std::fs::read_to_string(repo("ci/action-audit.sh")).unwrap();
    assert!(action.contains("  using: composite\n"));
    assert!(action.contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\""));
    let inputs: Vec<&str> = action
        .split("\ninputs:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap()
        .lines()
        .filter_map(|line| line.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|name| !name.starts_with(' '))
        .collect();
    assert_eq!(
        inputs,
        [
            "files", "consent", "suppress", "policy", "fail-on", "baseline", "format", "output",
            "args"
        ]
    );
    for name in inputs {
        let variable = format!("INPUT_{}", name.to_uppercase().replace('-', "_"));
        assert!(
            action.contains(&format!("{variable}: ${{{{ inputs.{name} }}}}")),
            "action.yml does not pass {name}"
        );
        assert!(
            script.contains(&variable),
            "the script does not read {variable}"
        );
    }
    // The cache key names the platform and what the binary is built from.
    let key = run(Command::new("bash")
        .arg(repo("ci/action-version.sh"))
        .env_remove("GITHUB_ACTION_PATH"));
    assert_eq!(key.code, 0, "{}", key.stderr);
    assert!(key.stdout.starts_with("key=listaudit-"), "{}", key.stdout);
    let hash = key.stdout.trim().rsplit('-').next().unwrap();
    assert!(
        hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{}",
        key.stdout
    );
    let again = run(Command::new("bash")
        .arg(repo("ci/action-version.sh"))
        .env_remove("GITHUB_ACTION_PATH"));
    assert_eq!(
        again.stdout, key.stdout,
        "the same sources give the same key"
    );
}
