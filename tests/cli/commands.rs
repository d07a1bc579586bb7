//! `rules`, `explain`, `--help`: the catalog as users and scripts see it.

use crate::util::{listaudit, run};

#[test]
fn rules_table_lists_every_rule_with_its_level() {
    let result = run(listaudit().arg("rules"));
    assert_eq!(result.code, 0);
    insta::assert_snapshot!("rules_table", result.stdout);
}

#[test]
fn rules_json_is_the_catalog() {
    let result = run(listaudit().args(["rules", "--format", "json"]));
    assert_eq!(result.code, 0);
    insta::assert_snapshot!("rules_json", result.stdout);
    let rules = result.json();
    assert_eq!(
        rules.as_array().unwrap().len(),
        listaudit::rules::RULES.len()
    );
}

#[test]
fn rules_under_another_preset() {
    let rules =
        run(listaudit().args(["rules", "--format", "json", "--policy", "de-strict"])).json();
    let c005 = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "C005")
        .unwrap();
    assert_eq!(c005["level"], "error");
}

#[test]
fn explain_prints_the_rule_page_by_code_or_name() {
    let by_code = run(listaudit().args(["explain", "C004"]));
    assert_eq!(by_code.code, 0);
    let page = include_str!("../../docs/rules/C004.md");
    assert!(
        by_code.stdout.starts_with(page.trim_end()),
        "{}",
        by_code.stdout
    );
    // The levels are read from the presets, with their basis.
    assert!(
        by_code
            .stdout
            .ends_with("## Level by preset\n\n- `eu-gdpr`: error\n- `de-strict`: error\n- `fr-cnil`: error\n- `uk-pecr`: error\n- `ca-casl`: error\n- `us-can-spam`: off (no consent rule, so consent cannot go stale)\n"),
        "{}",
        by_code.stdout
    );
    let by_name = run(listaudit().args(["explain", "stale-consent"]));
    assert_eq!(by_name.stdout, by_code.stdout);
    for section in ["## Why it matters", "III ZR 196/17", "## How to fix"] {
        assert!(by_code.stdout.contains(section), "{section}");
    }
}

#[test]
fn explain_h004_names_the_shipped_list_and_its_version() {
    let result = run(listaudit().args(["explain", "disposable-domain"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let shipped = result
        .stdout
        .lines()
        .skip_while(|l| *l != "## Shipped list")
        .nth(2)
        .expect("a Shipped list section");
    assert!(
        shipped.contains(" domains from disposable-email-domains (CC0), as published in the PyPI package disposable-email-domains 0."),
        "{shipped}"
    );
}

/// The differences from other validators and the order of the domain
/// rules are in what `explain` prints, not only in the repository.
#[test]
fn explain_documents_the_deliberate_differences_and_the_domain_precedence() {
    let h001 = run(listaudit().args(["explain", "H001"]));
    assert_eq!(h001.code, 0, "{}", h001.stderr);
    for key in [
        "`address-literal`:",
        "`quoted-local-part`:",
        "`wrapper`:",
        "comments",
    ] {
        assert!(h001.stdout.contains(key), "{key}");
    }
    let h009 = run(listaudit().args(["explain", "privacy-relay"]));
    assert_eq!(h009.code, 0, "{}", h009.stderr);
    let precedence = h009
        .stdout
        .split("## Precedence")
        .nth(1)
        .expect("a Precedence section");
    let order: Vec<usize> = [
        "allowed_domains",
        "disposable_domains",
        "H009, never H004",
        "H005, never H004",
    ]
    .iter()
    .map(|step| precedence.find(step).unwrap_or_else(|| panic!("{step}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{precedence}");
    assert!(
        h009.stdout.ends_with("- `us-can-spam`: info\n"),
        "{}",
        h009.stdout
    );
}

#[test]
fn explain_json_carries_levels_per_preset() {
    let doc = run(listaudit().args(["explain", "c005", "--format", "json"])).json();
    assert_eq!(doc["code"], "C005");
    assert_eq!(doc["levels"]["eu-gdpr"], "warning");
    assert_eq!(doc["levels"]["de-strict"], "error");
    assert_eq!(
        doc["action"],
        "Import the double opt-in confirmations into the consent log, or send a confirmation request."
    );
    assert!(
        doc["doc"]
            .as_str()
            .unwrap()
            .starts_with("# C005 no-double-opt-in")
    );
}

#[test]
fn explain_unknown_rule_suggests_close_codes() {
    let result = run(listaudit().args(["explain", "C0004"]));
    assert_eq!(result.code, 2);
    assert_eq!(
        result.stderr,
        "listaudit: error: unknown rule 'C0004'\n  hint: did you mean C004, C001, C002? run `listaudit rules` for the catalog\n"
    );
    let result = run(listaudit().args(["explain", "stale-consnt"]));
    assert!(
        result.stderr.contains("did you mean stale-consent"),
        "{}",
        result.stderr
    );
}

#[test]
fn help_documents_outputs_and_exit_status() {
    let result = run(listaudit().args(["audit", "--help"]));
    assert_eq!(result.code, 0);
    for text in ["EXIT STATUS:", "--fail-on", "cleaned.csv", "--as-of"] {
        assert!(result.stdout.contains(text), "{text}");
    }
}

#[test]
fn rules_with_an_unknown_preset_is_a_usage_error() {
    let result = run(listaudit().args(["rules", "--policy", "mars"]));
    assert_eq!(result.code, 2);
    assert_eq!(
        result.stderr,
        "listaudit: error: unknown policy 'mars': not a preset, and no such file\n  hint: presets: eu-gdpr, de-strict, fr-cnil, uk-pecr, ca-casl, us-can-spam; or give a path to a .toml policy file\n"
    );
}

#[test]
fn completions_are_printed_for_every_shell_clap_knows() {
    for (shell, marker) in [
        ("bash", "_listaudit()"),
        ("zsh", "#compdef listaudit"),
        ("fish", "complete -c listaudit"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[listaudit]"),
    ] {
        let result = run(listaudit().args(["completions", shell]));
        assert_eq!(result.code, 0, "{shell}: {}", result.stderr);
        assert!(result.stdout.contains(marker), "{shell}: {}", result.stdout);
        // The subcommands and options come from the one argument parser
        // (PowerShell's and Elvish's scripts complete no option values).
        for word in ["audit", "explain", "format", "consent"] {
            assert!(result.stdout.contains(word), "{shell} lacks {word}");
        }
        if matches!(shell, "bash" | "zsh" | "fish") {
            assert!(result.stdout.contains("sarif"), "{shell} lacks the formats");
        }
    }
    let unknown = run(listaudit().args(["completions", "tcsh"]));
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("invalid value 'tcsh'"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn man_writes_a_page_for_the_tool_and_one_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let result = run(listaudit().arg("man").arg(&pages));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(
        crate::util::files_in(&pages),
        [
            "listaudit-audit.1",
            "listaudit-completions.1",
            "listaudit-erase.1",
            "listaudit-explain.1",
            "listaudit-inspect.1",
            "listaudit-lookup.1",
            "listaudit-man.1",
            "listaudit-policy-init.1",
            "listaudit-policy-show.1",
            "listaudit-policy.1",
            "listaudit-rules.1",
            "listaudit.1",
        ]
    );
    let audit = std::fs::read_to_string(pages.join("listaudit-audit.1")).unwrap();
    assert!(audit.contains(".TH listaudit-audit 1"));
    assert!(audit.contains("sarif"), "the --format values are listed");
    assert!(
        result.stderr.contains("wrote 12 manual pages"),
        "{}",
        result.stderr
    );
}
