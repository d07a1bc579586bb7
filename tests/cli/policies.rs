//! Presets, policy files and rule selection: one scenario list where the
//! law differs between jurisdictions, run under every preset.

use std::collections::BTreeSet;
use std::fs;

use serde_json::Value;

use crate::util::{AS_OF, IGNORE_RESERVED, audit_json, listaudit, run};

const SUBSCRIBERS: &str = "tests/fixtures/policies/subscribers.csv";
const CONSENT: &str = "tests/fixtures/policies/consent.csv";

/// `email rule severity` of every finding.
/// `address rule level` per finding, leaving out H007: the scenario
/// people live at RFC 2606 domains on purpose, and no preset changes H007.
fn verdicts(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] != "H007")
        .map(|f| {
            format!(
                "{} {} {}",
                f["email"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .collect()
}

fn scenario(policy: &str) -> Value {
    audit_json(&[SUBSCRIBERS, "-c", CONSENT, "--policy", policy]).1
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Rows that get the same verdict everywhere consent is required.
const WITHDRAWN: &str = "withdrew.3.days.ago@example.com R001 error";
/// A shop's customer with no consent on record: kept on the soft opt-in
/// wherever the law has one (everywhere but the US, which needs none).
const CUSTOMER: &str = "shop.customer.5m@example.co.uk C010 info";

#[test]
fn eu_gdpr_is_the_baseline() {
    assert_eq!(
        verdicts(&scenario("eu-gdpr")),
        set(&[
            // Implied consent is no consent under the GDPR (Recital 32).
            "casl.implied.25m@example.ca C004 error",
            "casl.implied.25m@example.ca C005 warning",
            "casl.implied.25m@example.ca C009 error",
            // Ten years without renewal: stale after 24 months.
            "casl.express.10y@example.ca C004 error",
            // Single opt-in is weak proof, not invalid: a warning, kept.
            "de.single.opt.in@example.de C005 warning",
            "fr.prospect.30m@example.fr C004 error",
            "fr.prospect.37m@example.fr C004 error",
            "fr.opened.only@example.fr C004 error",
            WITHDRAWN,
            CUSTOMER,
        ])
    );
}

#[test]
fn every_preset_but_us_can_spam_keeps_an_existing_customer_on_the_soft_opt_in() {
    for preset in ["eu-gdpr", "de-strict", "fr-cnil", "uk-pecr", "ca-casl"] {
        let report = scenario(preset);
        assert!(verdicts(&report).contains(CUSTOMER), "{preset}");
        let message = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "C010")
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string();
        let law = match preset {
            "de-strict" => "(UWG § 7(3))",
            "fr-cnil" => "(CPCE L.34-5)",
            "uk-pecr" => "(PECR reg. 22(3))",
            "ca-casl" => "(CASL s. 10(10)(a))",
            _ => "(ePrivacy Directive Art. 13(2))",
        };
        assert!(message.contains(law), "{preset}: {message}");
    }
    assert!(
        verdicts(&scenario("us-can-spam")).contains("shop.customer.5m@example.co.uk C001 info")
    );
    // explain says, per preset, whether and why.
    let explain = run(listaudit().args(["explain", "C010"]));
    assert!(
        explain.stdout.contains(
            "- `us-can-spam`: not a basis (CAN-SPAM (15 U.S.C. 7704) is an opt-out regime"
        ),
        "{}",
        explain.stdout
    );
    assert!(
        explain
            .stdout
            .contains("- `uk-pecr`: a basis (PECR reg. 22(3):"),
        "{}",
        explain.stdout
    );
}

#[test]
fn de_strict_removes_a_german_single_opt_in() {
    let de = scenario("de-strict");
    let eu = scenario("eu-gdpr");
    let verdict = |report: &Value| {
        verdicts(report)
            .into_iter()
            .filter(|v| v.starts_with("de.single.opt.in@"))
            .collect::<Vec<_>>()
    };
    assert_eq!(verdict(&eu), ["de.single.opt.in@example.de C005 warning"]);
    assert_eq!(verdict(&de), ["de.single.opt.in@example.de C005 error"]);
    // An unsubscribe takes effect at once in Germany (LG Paderborn), and
    // within two days under the eu-gdpr policy.
    let message = |report: &Value| -> String {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "R001")
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        message(&de).ends_with("; it had to take effect at once"),
        "{}",
        message(&de)
    );
    assert!(
        message(&eu).ends_with("; the 2 days allowed to honour it ended 2025-06-29T08:00:00Z"),
        "{}",
        message(&eu)
    );
}

#[test]
fn fr_cnil_counts_three_years_from_the_last_contact_from_the_person() {
    let fr = verdicts(&scenario("fr-cnil"));
    assert!(
        !fr.iter().any(|v| v.starts_with("fr.prospect.30m@")),
        "{fr:?}"
    );
    assert!(
        fr.contains("fr.prospect.37m@example.fr C004 error"),
        "{fr:?}"
    );
    // An open is no contact from the person.
    assert!(
        fr.contains("fr.opened.only@example.fr C004 error"),
        "{fr:?}"
    );
    let report = scenario("fr-cnil");
    let message = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["email"] == "fr.prospect.37m@example.fr")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains(
            "is 37 months old, and so is the latest engagement (activity at 2022-05-20T19:00:00Z"
        ) && message.ends_with("consent older than 36 months as stale"),
        "{message}"
    );
}

#[test]
fn uk_pecr_lapses_third_party_consent_after_six_months() {
    let uk = scenario("uk-pecr");
    let partner: Vec<String> = verdicts(&uk)
        .into_iter()
        .filter(|v| v.starts_with("uk.partner.7m@"))
        .collect();
    assert_eq!(
        partner,
        [
            "uk.partner.7m@example.co.uk C004 error",
            "uk.partner.7m@example.co.uk C007 info"
        ]
    );
    assert!(
        !verdicts(&scenario("eu-gdpr"))
            .iter()
            .any(|v| v.starts_with("uk.partner.7m@")),
        "the same consent is fine where no window applies"
    );
    let message = uk["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["email"] == "uk.partner.7m@example.co.uk" && f["rule"] == "C004")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.ends_with("is 7 months old; the policy treats consent given to a third party as lapsed after 6 months"),
        "{message}"
    );
}

#[test]
fn ca_casl_expires_implied_consent_but_never_express_consent() {
    let ca = scenario("ca-casl");
    assert_eq!(
        verdicts(&ca),
        set(&[
            "casl.implied.25m@example.ca C004 error",
            WITHDRAWN,
            CUSTOMER
        ])
    );
    let findings = ca["findings"].as_array().unwrap();
    assert!(
        findings[0]["message"].as_str().unwrap().starts_with(
            "implied consent from a purchase or contract (opt_in at 2023-05-15T15:00:00Z"
        ),
        "{}",
        findings[0]["message"]
    );
    // 2025-06-27 is a Friday: ten business days end on Friday 2025-07-11.
    let withdrawal = findings.iter().find(|f| f["rule"] == "R001").unwrap();
    assert!(
        withdrawal["message"].as_str().unwrap().ends_with(
            "; still within the 10 business days allowed to honour it (until 2025-07-11T08:00:00Z)"
        ),
        "{}",
        withdrawal["message"]
    );
    assert_eq!(ca["summary"]["removed"], 2, "the row is removed either way");
}

#[test]
fn us_can_spam_needs_no_consent_records_at_all() {
    let list = "tests/fixtures/policies/no-consent-records.csv";
    let [ignore, rule] = IGNORE_RESERVED;
    let (us_run, us) = audit_json(&[list, "--policy", "us-can-spam", ignore, rule]);
    let (eu_run, eu) = audit_json(&[list, ignore, rule]);
    assert_eq!((us_run.code, eu_run.code), (0, 1));
    assert_eq!(us["summary"]["removed"], 0);
    assert_eq!(eu["summary"]["removed"], 3);
    assert_eq!(
        verdicts(&us),
        set(&[
            "buyer.one@example.com C001 info",
            "buyer.two@example.com C001 info",
            "buyer.three@example.com C001 info",
        ])
    );
    // Withdrawals still count; a purchase changes nothing.
    assert_eq!(
        verdicts(&scenario("us-can-spam")),
        set(&[WITHDRAWN, "shop.customer.5m@example.co.uk C001 info"])
    );
}

#[test]
fn policy_show_snapshots_for_every_preset() {
    for preset in [
        "eu-gdpr",
        "de-strict",
        "fr-cnil",
        "uk-pecr",
        "ca-casl",
        "us-can-spam",
    ] {
        let result = run(listaudit().args(["policy", "show", "--policy", preset]));
        assert_eq!(result.code, 0, "{}", result.stderr);
        insta::assert_snapshot!(format!("policy_show_{preset}"), result.stdout);
    }
}

#[test]
fn a_shown_policy_audits_exactly_like_its_preset() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ca.toml");
    let shown = run(listaudit().args(["policy", "show", "-p", "ca-casl"]));
    fs::write(&file, shown.stdout).unwrap();
    let from_file = scenario(file.to_str().unwrap());
    assert_eq!(verdicts(&from_file), verdicts(&scenario("ca-casl")));
    assert_eq!(from_file["findings"], scenario("ca-casl")["findings"]);
}

#[test]
fn a_policy_file_extends_a_preset_and_is_recorded_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("team.toml");
    fs::write(
        &file,
        "extends = \"de-strict\"\n\
         name = \"acme-de\"\n\
         [rules]\n\
         no-double-opt-in = \"warning\"\n\
         [basis]\n\
         \"rules.C005\" = \"our DPO accepts single opt-in with a notice version\"\n",
    )
    .unwrap();
    let report = scenario(file.to_str().unwrap());
    assert!(verdicts(&report).contains("de.single.opt.in@example.de C005 warning"));
    let policy = &report["policy"];
    assert_eq!(
        policy["chain"],
        serde_json::json!(["eu-gdpr", "de-strict", "acme-de"])
    );
    assert_eq!(policy["levels"]["C005"], "warning");
    assert_eq!(
        policy["withdrawal"]["grace_days"], 0,
        "inherited from de-strict"
    );
    assert_eq!(
        policy["basis"]["rules.C005"],
        "our DPO accepts single opt-in with a notice version"
    );
}

#[test]
fn policy_init_writes_a_private_file_that_loads_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    let first = run(listaudit().args(["policy", "init"]).arg(&path));
    assert_eq!(first.code, 0, "{}", first.stderr);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("extends = \"eu-gdpr\""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let again = run(listaudit().args(["policy", "init"]).arg(&path));
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("exists; not overwriting it"),
        "{}",
        again.stderr
    );
    let shown = run(listaudit().args(["policy", "show", "--policy"]).arg(&path));
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let eu = run(listaudit().args(["policy", "show", "--policy", "eu-gdpr"]));
    // The comments before the first blank line name the file.
    let body = |text: &str| {
        text.lines()
            .skip_while(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        body(&shown.stdout).replace(path.to_str().unwrap(), "eu-gdpr"),
        body(&eu.stdout),
        "the template sets nothing but extends"
    );
}

#[test]
fn selection_flags_apply_in_order() {
    let (_, report) = audit_json(&[
        SUBSCRIBERS,
        "-c",
        CONSENT,
        "--select",
        "R,C005",
        "--level",
        "C005=error",
    ]);
    assert_eq!(
        verdicts(&report),
        set(&[
            "casl.implied.25m@example.ca C005 error",
            "de.single.opt.in@example.de C005 error",
            WITHDRAWN,
        ])
    );
    let levels = &report["policy"]["levels"];
    assert_eq!(levels["C004"], "off");
    assert_eq!(levels["R003"], "error");
    assert_eq!(
        report["policy"]["chain"],
        serde_json::json!(["eu-gdpr", "command line"])
    );
    assert_eq!(
        report["policy"]["basis"]["rules.C005"],
        "set on the command line: --select R,C005 --level C005=error"
    );
    let (_, later_wins) = audit_json(&[
        SUBSCRIBERS,
        "-c",
        CONSENT,
        "--level",
        "stale-consent=warning",
        "--ignore",
        "C004",
    ]);
    assert_eq!(later_wins["summary"]["by_rule"].get("C004"), None);
    let (_, ignore_then_level) = audit_json(&[
        SUBSCRIBERS,
        "-c",
        CONSENT,
        "--ignore",
        "C004",
        "--level",
        "stale-consent=warning",
    ]);
    assert_eq!(ignore_then_level["summary"]["by_rule"]["C004"], 5);
    assert!(verdicts(&ignore_then_level).contains("casl.express.10y@example.ca C004 warning"));
}

#[test]
fn max_removed_is_a_threshold_of_its_own() {
    let code = |extra: &[&str]| {
        run(listaudit()
            .args(["audit", SUBSCRIBERS, "-c", CONSENT, "--as-of", AS_OF, "-q"])
            .args(extra))
        .code
    };
    // eu-gdpr removes 6 of 10 rows (60%).
    assert_eq!(code(&[]), 1, "errors fail by default");
    assert_eq!(
        code(&["--max-removed", "6"]),
        0,
        "alone, only the count decides"
    );
    assert_eq!(code(&["--max-removed", "5"]), 1);
    assert_eq!(code(&["--max-removed", "60%"]), 0);
    assert_eq!(code(&["--max-removed", "59%"]), 1);
    assert_eq!(
        code(&["--max-removed", "70%", "--fail-on", "error"]),
        1,
        "with --fail-on both thresholds apply"
    );
}

#[test]
fn a_max_removed_breach_says_why_in_every_format() {
    let audit = |format: &str, max: &str| {
        run(listaudit()
            .args(["audit", SUBSCRIBERS, "-c", CONSENT, "--as-of", AS_OF])
            .args(["--format", format, "--max-removed", max]))
    };
    let sentence =
        "6 of 10 rows (60.0%) removed: more than --max-removed 5 rows allows, so the run fails";
    let table = audit("table", "5");
    assert_eq!(table.code, 1);
    assert!(
        table.stderr.contains(&format!("listaudit: {sentence}")),
        "{}",
        table.stderr
    );
    let quiet = run(listaudit()
        .args(["audit", SUBSCRIBERS, "-c", CONSENT, "--as-of", AS_OF, "-q"])
        .args(["--max-removed", "50%"]));
    assert_eq!(quiet.code, 1);
    assert!(
        quiet.stderr.contains(
            "6 of 10 rows (60.0%) removed: more than --max-removed 50% allows, so the run fails"
        ),
        "{}",
        quiet.stderr
    );
    let github = audit("github", "5");
    assert!(
        // `%` is escaped in workflow commands.
        github.stdout.contains(&format!(
            "::error title=listaudit --max-removed::{}\n",
            sentence.replace('%', "%25")
        )),
        "{}",
        github.stdout
    );
    let junit = audit("junit", "5");
    let xml = &junit.stdout;
    assert!(
        xml.contains("<testsuite name=\"listaudit --max-removed\" tests=\"1\" failures=\"1\">"),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            "<failure message=\"{sentence}\" type=\"max-removed\">"
        )),
        "{xml}"
    );
    // The totals count the breach as a failure.
    let totals = |xml: &str| {
        let start = xml.find("<testsuites ").unwrap();
        let tag = &xml[start..start + xml[start..].find('>').unwrap()];
        let number = |name: &str| -> u64 {
            let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
        };
        (number("tests"), number("failures"))
    };
    let within = audit("junit", "6");
    assert_eq!(within.code, 0, "alone, only the count decides");
    assert!(
        within.stdout.contains("within --max-removed 6 rows"),
        "{}",
        within.stdout
    );
    let (tests, failures) = totals(xml);
    let (tests_within, failures_within) = totals(&within.stdout);
    assert_eq!(tests, tests_within);
    assert_eq!(failures, failures_within + 1);
    assert!(
        !within.stderr.contains("--max-removed"),
        "{}",
        within.stderr
    );
}

/// Words a team's policy file teaches are used by every reader and rule,
/// shown by `policy show`, and survive a round trip through it.
#[test]
fn a_policy_teaches_words_the_vocabulary_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let subscribers = write(
        "list.csv",
        "email,status\n\
         brief@example.de,aktiv\n\
         ruhend@example.de,ruhend\n\
         liste@example.de,aktiv\n\
         altdaten@example.de,aktiv\n\
         hochzeit@example.de,aktiv\n\
         raetsel@example.de,aktiv\n",
    );
    let log = write(
        "log.csv",
        "email,event,timestamp,purpose,source,ip\n\
         brief@example.de,opt_in,2025-01-10T10:00:00Z,newsletter,web_form,192.0.2.1\n\
         brief@example.de,confirm,2025-01-10T10:05:00Z,newsletter,double_opt_in_link,192.0.2.1\n\
         brief@example.de,Austragung per Brief,2025-03-01T10:00:00Z,,letter,\n\
         ruhend@example.de,opt_in,2025-01-10T10:00:00Z,newsletter,web_form,192.0.2.2\n\
         ruhend@example.de,confirm,2025-01-10T10:05:00Z,newsletter,double_opt_in_link,192.0.2.2\n\
         liste@example.de,opt_in,2025-01-10T10:00:00Z,newsletter,web_form,192.0.2.3\n\
         liste@example.de,confirm,2025-01-10T10:05:00Z,newsletter,double_opt_in_link,192.0.2.3\n\
         liste@example.de,Abmeldung,2025-03-01T10:00:00Z,Gesamtverteiler,link,\n\
         altdaten@example.de,opt_in,2025-01-10T10:00:00Z,newsletter,Altdaten,\n\
         altdaten@example.de,confirm,2025-01-10T10:05:00Z,newsletter,,\n\
         hochzeit@example.de,opt_in,2025-01-10T10:00:00Z,newsletter,Hochzeitsmesse Anmeldeformular,192.0.2.5\n\
         hochzeit@example.de,confirm,2025-01-10T10:05:00Z,newsletter,double_opt_in_link,192.0.2.5\n\
         raetsel@example.de,opt_in,2025-01-10T10:00:00Z,newsletter,Glücksrad Juni,192.0.2.6\n\
         raetsel@example.de,confirm,2025-01-10T10:05:00Z,newsletter,double_opt_in_link,192.0.2.6\n",
    );
    // Without the words: two unknown values (D002), and a wedding fair's
    // own signup form read as a trade fair; the withdrawal from the whole
    // mailing reads as one from another purpose, and the import and the
    // prize wheel pass.
    let (_, plain) = audit_json(&[&subscribers, "-c", &log]);
    assert_eq!(
        verdicts(&plain),
        set(&[
            "brief@example.de D002 warning",
            "ruhend@example.de D002 warning",
            "hochzeit@example.de C007 error",
        ])
    );
    let policy = write(
        "team.toml",
        "extends = \"de-strict\"\n\
         [evidence]\nnotice_version = false\n\
         [sources.phrases]\ncontest = [\"Glücksrad\"]\nimport = [\"Altdaten\"]\nvalid = [\"Hochzeitsmesse Anmeldeformular\"]\n\
         [vocabulary]\nall_purposes = [\"Gesamtverteiler\"]\n\
         [vocabulary.events]\nwithdraw = [\"Austragung per Brief\"]\n\
         [vocabulary.statuses]\nunsubscribed = [\"ruhend\"]\n",
    );
    let (_, taught) = audit_json(&[&subscribers, "-c", &log, "--policy", &policy]);
    assert_eq!(
        verdicts(&taught),
        set(&[
            "brief@example.de R001 error",
            "ruhend@example.de R001 error",
            "liste@example.de R001 error",
            "altdaten@example.de C006 error",
            "raetsel@example.de C007 error",
        ])
    );
    // `policy show` prints what was taught, and the shown policy audits the
    // same.
    let shown = run(listaudit().args(["policy", "show", "--policy", &policy]));
    for expected in [
        "[sources.phrases]\ncontest = [\"Glücksrad\"]\nimport = [\"Altdaten\"]\nvalid = [\"Hochzeitsmesse Anmeldeformular\"]\n",
        "[vocabulary]\nall_purposes = [\"Gesamtverteiler\"]\n",
        "[vocabulary.events]\nwithdraw = [\"Austragung per Brief\"]\n",
        "[vocabulary.statuses]\nunsubscribed = [\"ruhend\"]\n",
    ] {
        assert!(
            shown.stdout.contains(expected),
            "{expected}\n{}",
            shown.stdout
        );
    }
    let again = write("shown.toml", &shown.stdout);
    let (_, from_shown) = audit_json(&[&subscribers, "-c", &log, "--policy", &again]);
    assert_eq!(verdicts(&from_shown), verdicts(&taught));
}

#[test]
fn policy_errors_stop_before_any_input_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let cases = [
        (
            write("syntax.toml", "[consent\nstale_after_months = 3\n"),
            ":1:",
        ),
        (
            write(
                "unknown-key.toml",
                "extends = \"eu-gdpr\"\n\n[withdrawal]\ngrace_dais = 3\n",
            ),
            ":4:1: unknown key 'grace_dais'; did you mean 'grace_days'?",
        ),
        (
            write("negative.toml", "[consent]\nstale_after_months = -6\n"),
            ":2:22: stale_after_months must not be negative (got -6)",
        ),
        (
            write("preset.toml", "extends = \"uk-perc\"\n"),
            ":1:11: `extends`: unknown preset 'uk-perc'; did you mean 'uk-pecr'?",
        ),
        (
            write("rule.toml", "[rules]\nC0005 = \"error\"\n"),
            ":2:1: unknown rule 'C0005' in [rules]; did you mean 'C005'?",
        ),
        (
            write(
                "domain.toml",
                "[hygiene]\nallowed_domains = [\"ok.example\", \"not a domain\"]\n",
            ),
            ":2:34: 'not a domain' is not a domain",
        ),
        (
            write(
                "role.toml",
                "[hygiene]\nrole_accounts = [\"info@example.com\"]\n",
            ),
            ":2:18: 'info@example.com' is not a local part",
        ),
        (
            write(
                "event-kind.toml",
                "[vocabulary.events]\nwithdrawl = [\"Austragung\"]\n",
            ),
            ":2:1: unknown event kind 'withdrawl' in [vocabulary.events]; did you mean 'withdraw'?",
        ),
        (
            write(
                "status.toml",
                "[vocabulary.statuses]\nunsubscibed = [\"ruhend\"]\n",
            ),
            ":2:1: unknown status 'unsubscibed' in [vocabulary.statuses]; did you mean 'unsubscribed'?",
        ),
        (
            write(
                "source-class.toml",
                "[sources.phrases]\nimports = [\"Altdaten\"]\n",
            ),
            ":2:1: unknown source class 'imports' in [sources.phrases]; did you mean 'import'?",
        ),
        (
            write("soft.toml", "[consent]\nsoft_opt_in = 3\n"),
            ":2:15: soft_opt_in must name the law it rests on, or be false, not 3",
        ),
    ];
    let out = dir.path().join("out");
    for (path, expected) in &cases {
        let result = run(listaudit()
            .args(["audit", "missing-input.csv", "--policy", path, "-o"])
            .arg(&out));
        assert_eq!(result.code, 2, "{path}");
        let first = result.stderr.lines().next().unwrap();
        assert!(
            first.starts_with(&format!("listaudit: error: {path}")) && first.contains(expected),
            "{path}: {}",
            result.stderr
        );
        assert!(
            !result.stderr.contains("missing-input.csv"),
            "read input first: {}",
            result.stderr
        );
        assert!(!out.exists());
    }
    let unknown_key =
        run(listaudit().args(["audit", "missing-input.csv", "--policy", &cases[1].0]));
    assert!(
        unknown_key
            .stderr
            .contains("hint: valid keys here: grace_days, business_days, holidays"),
        "{}",
        unknown_key.stderr
    );
    let preset = run(listaudit().args(["audit", "missing-input.csv", "--policy", "de-stict"]));
    assert_eq!(preset.code, 2);
    assert!(
        preset.stderr.contains("did you mean 'de-strict'?"),
        "{}",
        preset.stderr
    );
    for (flag, value, expected) in [
        ("--select", "C0001", "--select: unknown rule 'C0001'"),
        (
            "--ignore",
            "stale-consnt",
            "--ignore: unknown rule 'stale-consnt'",
        ),
        ("--level", "C099=error", "--level: unknown rule 'C099'"),
        ("--level", "C004=loud", "unknown level 'loud'"),
        ("--max-removed", "lots", "invalid --max-removed 'lots'"),
    ] {
        let result = run(listaudit().args(["audit", "missing-input.csv", flag, value]));
        assert_eq!(result.code, 2, "{flag} {value}");
        assert!(
            result.stderr.contains(expected),
            "{flag} {value}: {}",
            result.stderr
        );
        assert!(
            !result.stderr.contains("missing-input.csv"),
            "{}",
            result.stderr
        );
    }
    let close = run(listaudit().args(["audit", "x.csv", "--ignore", "stale-consnt"]));
    assert!(
        close.stderr.contains("did you mean 'stale-consent'?"),
        "{}",
        close.stderr
    );
}

#[test]
fn explain_json_lists_every_preset_level() {
    let result = run(listaudit().args(["explain", "C005", "--format", "json"]));
    let doc = result.json();
    assert_eq!(
        doc["levels"],
        serde_json::json!({
            "eu-gdpr": "warning",
            "de-strict": "error",
            "fr-cnil": "warning",
            "uk-pecr": "info",
            "ca-casl": "off",
            "us-can-spam": "off"
        })
    );
}
