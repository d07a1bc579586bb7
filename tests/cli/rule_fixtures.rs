//! One fixture directory per rule, `tests/fixtures/rules/<CODE>/`.
//!
//! Every subscriber file (`subscribers*.csv`) and consent log
//! (`consent*.csv`) in it has an `expect` column: the exact set of rule
//! codes (`;`-separated) that must fire on that row, empty for none. The
//! binary runs on the directory and every finding must be expected and
//! every expectation found, so each fixture shows its rule firing and the
//! neighbouring cases where it must not. Suppression lists
//! (`suppression*`) are passed with `--suppress` and expect no findings.
//! H007 (special-use domain, info) is ignored outside its own fixture:
//! fixture addresses are at reserved domains on purpose.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::util::{audit_json, files_in, findings_by_row, fixture, listaudit, run};

type Expectations = BTreeMap<(String, u64), BTreeSet<String>>;

fn expectations(path: &str) -> Expectations {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(crate::util::repo(path))
        .unwrap();
    let header = reader.byte_headers().unwrap().clone();
    let column = header
        .iter()
        .position(|h| h == b"expect")
        .unwrap_or_else(|| panic!("{path} has no expect column"));
    let mut expected = Expectations::new();
    for (i, record) in reader.byte_records().enumerate() {
        let record = record.unwrap();
        let cell = String::from_utf8_lossy(record.get(column).unwrap_or_default()).into_owned();
        let codes: BTreeSet<String> = cell
            .split(';')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        if !codes.is_empty() {
            expected.insert((path.to_string(), i as u64 + 1), codes);
        }
    }
    expected
}

/// Runs the fixture of `code`, checks every expectation, and returns the
/// report for further assertions.
fn check(code: &str) -> Value {
    let dir = format!("tests/fixtures/rules/{code}");
    let names = files_in(&fixture(&format!("rules/{code}")));
    let with_prefix = |prefix: &str| -> Vec<String> {
        names
            .iter()
            .filter(|n| n.starts_with(prefix))
            .map(|n| format!("{dir}/{n}"))
            .collect()
    };
    let subscribers = with_prefix("subscribers");
    let consent = with_prefix("consent");
    let suppression = with_prefix("suppression");
    assert!(!subscribers.is_empty(), "{dir} has no subscriber file");

    let mut args: Vec<&str> = subscribers.iter().map(String::as_str).collect();
    for log in &consent {
        args.extend(["--consent", log]);
    }
    for list in &suppression {
        args.extend(["--suppress", list]);
    }
    // Fixture people live at RFC 2606 domains so that no real mailbox is
    // named; H007 would note every one of them and has its own fixture.
    if code != "H007" {
        args.extend(["--ignore", "H007"]);
    }
    let (_, report) = audit_json(&args);

    let mut expected = Expectations::new();
    for file in subscribers.iter().chain(&consent) {
        expected.extend(expectations(file));
    }
    let actual = findings_by_row(&report);
    if actual != expected {
        let mut diff = String::new();
        let keys: BTreeSet<_> = actual.keys().chain(expected.keys()).collect();
        for key in keys {
            let (a, e) = (actual.get(key), expected.get(key));
            if a != e {
                diff.push_str(&format!(
                    "  {} row {}: expected {:?}, got {:?}\n",
                    key.0,
                    key.1,
                    e.cloned().unwrap_or_default(),
                    a.cloned().unwrap_or_default()
                ));
            }
        }
        let messages: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "  {} row {} {}: {}",
                    f["file"], f["row"], f["rule"], f["message"]
                )
            })
            .collect();
        panic!(
            "{code} fixture mismatch:\n{diff}findings:\n{}",
            messages.join("\n")
        );
    }
    let rows_with_rule = actual.values().filter(|codes| codes.contains(code)).count();
    assert!(rows_with_rule > 0, "{code} never fires in its own fixture");
    let subscriber_rows = report["summary"]["rows"].as_u64().unwrap();
    let subscriber_rows_with_rule = actual
        .iter()
        .filter(|((file, _), codes)| subscribers.contains(file) && codes.contains(code))
        .count() as u64;
    assert!(
        subscriber_rows_with_rule < subscriber_rows,
        "{code}: no neighbouring subscriber row where it does not fire"
    );
    report
}

fn finding_of<'r>(report: &'r Value, rule: &str, email: &str) -> &'r Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["email"] == email)
        .unwrap_or_else(|| panic!("no {rule} finding for {email}"))
}

fn message_of(report: &Value, rule: &str, email: &str) -> String {
    finding_of(report, rule, email)["message"]
        .as_str()
        .unwrap()
        .to_string()
}

fn severity_of(report: &Value, rule: &str, email: &str) -> String {
    finding_of(report, rule, email)["severity"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn c001_no_consent() {
    let report = check("C001");
    let message = message_of(&report, "C001", "only.opens@example.com");
    assert!(
        message.contains("consent.csv row 3") && message.contains("no opt-in"),
        "{message}"
    );
}

#[test]
fn c002_no_purpose() {
    let report = check("C002");
    let message = message_of(&report, "C002", "empty.purpose@example.com");
    assert!(message.ends_with("states no purpose"), "{message}");
}

#[test]
fn c003_purpose_mismatch() {
    let report = check("C003");
    let message = message_of(&report, "C003", "other.purpose@example.com");
    assert!(
        message.contains("'partner_offers'") && message.contains("'newsletter'"),
        "{message}"
    );
}

#[test]
fn c004_stale_consent() {
    let report = check("C004");
    let message = message_of(&report, "C004", "stale@example.com");
    assert!(message.contains("is 41 months old"), "{message}");
    assert!(message.contains("older than 24 months"), "{message}");
}

#[test]
fn c005_no_double_opt_in() {
    let report = check("C005");
    let message = message_of(&report, "C005", "resubscribed.unconfirmed@example.com");
    assert!(message.starts_with("re-subscribed"), "{message}");
    assert_eq!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "C005")
            .unwrap()["severity"],
        "warning"
    );
}

#[test]
fn c006_incomplete_evidence() {
    let report = check("C006");
    let message = message_of(&report, "C006", "untraceable@example.com");
    assert!(
        message.ends_with("has no source, collection point or IP address"),
        "{message}"
    );
    let message = message_of(&report, "C006", "unreadable.times@example.com");
    assert!(message.ends_with("has no timestamp"), "{message}");
    let message = message_of(&report, "C006", "csv.import@example.com");
    assert!(
        message.contains("has only an import as its source ('CSV import'), which shows how the address was loaded, not how the person opted in"),
        "{message}"
    );
}

#[test]
fn c007_invalid_source() {
    let report = check("C007");
    let message = message_of(&report, "C007", "co.registration@example.com");
    assert!(
        message.contains("rented list or co-registration"),
        "{message}"
    );
    for (email, category) in [
        ("linkedin.sync", "an address-book or social-network import"),
        ("trade.show", "a business card or badge scan"),
        ("listenmiete", "a rented list or co-registration"),
        ("tirage", "a contest or sweepstake"),
        ("fichier", "a purchased list"),
    ] {
        let message = message_of(&report, "C007", &format!("{email}@example.com"));
        assert!(
            message.starts_with(&format!("consent came from {category} (source '")),
            "{message}"
        );
    }
    // A source no word classifies is not an invalid one, but the report
    // lists it for review.
    let listed = report["summary"]["unrecognised"]["sources"]
        .as_array()
        .unwrap();
    assert!(
        listed
            .iter()
            .any(|v| v["value"] == "Facebook Messenger bot" && v["rows"] == 1),
        "{listed:?}"
    );
}

#[test]
fn c008_timeline_anomaly() {
    let report = check("C008");
    let message = message_of(&report, "C008", "confirmed.too.late@example.com");
    assert!(message.contains("confirmed 45 days after"), "{message}");
    let message = message_of(&report, "R001", "future.withdrawal@example.com");
    assert!(
        message.contains("dated after --as-of; honoured"),
        "{message}"
    );
}

#[test]
fn r001_withdrawn() {
    let report = check("R001");
    let message = message_of(&report, "R001", "undated.opt.out@example.com");
    assert!(message.contains("without timestamp"), "{message}");
    let message = message_of(&report, "R001", "all.purposes@example.com");
    assert!(
        message.contains("; its purpose 'all' withdraws every purpose) is later than"),
        "{message}"
    );
    let message = message_of(&report, "R001", "spam.complaint@example.com");
    assert!(
        message.starts_with("the withdrawal (withdraw ('spam_complaint') at 2024-06-01T10:00:00Z"),
        "{message}"
    );
    let message = message_of(&report, "R001", "list.of.purposes@example.com");
    assert!(
        message.starts_with("the withdrawal (withdraw ('Abmeldung') at "),
        "{message}"
    );
}

#[test]
fn r002_erasure_requested() {
    let report = check("R002");
    let message = message_of(&report, "R002", "erasure.requested@example.com");
    assert!(
        message.starts_with("erasure requested at 2024-11-02T08:00:00Z"),
        "{message}"
    );
}

#[test]
fn r003_suppressed() {
    let report = check("R003");
    let message = message_of(&report, "R003", "hashed@example.com");
    assert_eq!(
        message,
        "on suppression list tests/fixtures/rules/R003/suppression.txt row 3"
    );
    let message = message_of(&report, "R003", "in.csv.list@example.com");
    assert_eq!(
        message,
        "on suppression list tests/fixtures/rules/R003/suppression-crm.csv row 1"
    );
}

#[test]
fn h001_invalid_address() {
    let report = check("H001");
    let message = message_of(&report, "H001", "user@exa_mple.com");
    assert!(message.contains("'_'"), "{message}");
}

#[test]
fn h002_duplicate() {
    let report = check("H002");
    let message = message_of(&report, "H002", "second@example.com");
    assert_eq!(
        message,
        "same address as tests/fixtures/rules/H002/subscribers-1.csv row 2"
    );
}

#[test]
fn h003_role_account() {
    let report = check("H003");
    assert_eq!(
        message_of(&report, "H003", "no-reply@example.com"),
        "role mailbox: 'noreply' names a function, not a person, so nobody in particular consented"
    );
    assert_eq!(severity_of(&report, "H003", "info@example.com"), "warning");
    assert_eq!(report["summary"]["removed"], 0, "role mailboxes are kept");
}

#[test]
fn h004_disposable_domain() {
    let report = check("H004");
    assert_eq!(
        message_of(&report, "H004", "jo@eu.mailinator.com"),
        "disposable domain: mailinator.com hands out throw-away inboxes (disposable-email-domains list)"
    );
    assert_eq!(severity_of(&report, "H004", "lena@mailinator.com"), "error");
    // Relays are H009 (the fixture expects it on their rows), never H004.
    assert_eq!(
        report["summary"]["by_rule"]["H004"], 3,
        "{}",
        report["summary"]
    );
    assert_eq!(
        report["summary"]["removed"], 3,
        "the three disposable rows are removed, the relays are kept"
    );
}

#[test]
fn h004_policy_lists_allow_and_deny() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "extends = \"eu-gdpr\"\n[hygiene]\nallowed_domains = [\"mailinator.com\"]\n\
         disposable_domains = [\"@Posteo.de\"]\n",
    )
    .unwrap();
    let (_, report) = audit_json(&[
        "tests/fixtures/rules/H004/subscribers.csv",
        "-c",
        "tests/fixtures/rules/H004/consent.csv",
        "--policy",
        policy.to_str().unwrap(),
        "--select",
        "H004",
    ]);
    let flagged = findings_by_row(&report);
    let rows: Vec<u64> = flagged.keys().map(|(_, row)| *row).collect();
    // mailinator (rows 2, 3) allowed; posteo (row 11) denied by the policy;
    // the relays (rows 5 to 7) are H009, not H004.
    assert_eq!(rows, [4, 11]);
    assert_eq!(
        message_of(&report, "H004", "paula.berg@posteo.de"),
        "disposable domain: posteo.de is listed in the policy's hygiene.disposable_domains"
    );
}

#[test]
fn h009_privacy_relay() {
    let report = check("H009");
    assert_eq!(
        message_of(&report, "H009", "jonas.weber@duck.com"),
        "privacy relay: duck.com (DuckDuckGo Email Protection) forwards to the person's real inbox; \
         the person chose the alias, it delivers, and consent given through it is consent"
    );
    assert!(
        message_of(&report, "H009", "ben@ben-berg.addy.io")
            .starts_with("privacy relay: addy.io (addy.io (formerly AnonAddy))"),
    );
    assert_eq!(severity_of(&report, "H009", "mia.9f3@mozmail.com"), "info");
    assert_eq!(
        report["summary"]["removed"], 1,
        "only the disposable row is removed; relays are kept"
    );
}

/// The policy has the last word: a relay it lists as disposable is H004
/// (and no longer H009); one it allows is neither.
#[test]
fn h009_gives_way_to_the_policy_lists() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "extends = \"eu-gdpr\"\n[hygiene]\ndisposable_domains = [\"duck.com\"]\n\
         allowed_domains = [\"mozmail.com\"]\n",
    )
    .unwrap();
    let (_, report) = audit_json(&[
        "tests/fixtures/rules/H009/subscribers.csv",
        "-c",
        "tests/fixtures/rules/H009/consent.csv",
        "--policy",
        policy.to_str().unwrap(),
        "--select",
        "H004,H009",
    ]);
    let by_row = findings_by_row(&report);
    let codes = |row: u64| -> Vec<String> {
        by_row
            .get(&("tests/fixtures/rules/H009/subscribers.csv".to_string(), row))
            .map(|codes| codes.iter().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(codes(2), ["H004"], "duck.com, listed as disposable");
    assert_eq!(codes(3), Vec::<String>::new(), "mozmail.com, allowed");
    assert_eq!(codes(1), ["H009"], "Apple's relay, on neither list");
}

#[test]
fn h005_domain_typo() {
    let report = check("H005");
    assert_eq!(
        message_of(&report, "H005", "jonas.weber@gmaill.com"),
        "domain gmaill.com looks like a typo: did you mean gmail.com?"
    );
    assert!(message_of(&report, "H005", "eva.weber@gmx.dee").ends_with("did you mean gmx.de?"));
    assert_eq!(
        severity_of(&report, "H005", "mia.weber@yaho.com"),
        "warning"
    );
}

#[test]
fn h005_suggestion_is_in_removed_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = run(listaudit()
        .args([
            "audit",
            "tests/fixtures/rules/H005/subscribers.csv",
            "-c",
            "tests/fixtures/rules/H005/consent.csv",
            "--as-of",
            crate::util::AS_OF,
            "-o",
        ])
        .arg(&out));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let removed = std::fs::read_to_string(out.join("removed.csv")).unwrap();
    let row = removed
        .lines()
        .find(|l| l.contains("tim.weber@gmail.con"))
        .expect("the .con row is removed (H001)");
    assert!(row.contains("did you mean gmail.com?"), "{row}");
}

#[test]
fn h006_alias_duplicate() {
    let report = check("H006");
    assert_eq!(
        message_of(&report, "H006", "anna.berg+news@googlemail.com"),
        "same Gmail mailbox as tests/fixtures/rules/H006/subscribers.csv row 1 (Gmail ignores dots and +tags in the local part)"
    );
    assert_eq!(
        report["summary"]["removed"], 1,
        "only the exact duplicate (H002)"
    );
}

#[test]
fn h007_special_use_domain() {
    let report = check("H007");
    assert_eq!(
        message_of(&report, "H007", "printer@office.local"),
        "special-use domain: .local is reserved by RFC 6762 (multicast DNS); mail to office.local is never delivered on the internet"
    );
    assert_eq!(severity_of(&report, "H007", "test@example.com"), "info");
}

#[test]
fn d001_bad_timestamp() {
    let report = check("D001");
    let message = message_of(&report, "D001", "a@example.com");
    assert!(
        message.contains("'01/02/2025'") && message.contains("ambiguous"),
        "{message}"
    );
}

#[test]
fn d002_unknown_event() {
    let report = check("D002");
    let message = message_of(&report, "D002", "a@example.com");
    assert!(
        message.starts_with("unknown event 'teleported'"),
        "{message}"
    );
    let message = message_of(&report, "D002", "b@example.com");
    assert_eq!(
        message,
        "unknown status 'hibernating' in column 'status'; the status is not used; teach it in the policy's [vocabulary.statuses]"
    );
    // The summary counts each distinct value once, with its rows.
    let unrecognised = &report["summary"]["unrecognised"];
    assert_eq!(
        unrecognised["events"],
        serde_json::json!([
            {"value": "teleported", "rows": 2, "first": "tests/fixtures/rules/D002/consent.csv row 3"},
            {"value": "newsletter_sent", "rows": 1, "first": "tests/fixtures/rules/D002/consent.csv row 5"},
        ])
    );
    assert_eq!(
        unrecognised["statuses"],
        serde_json::json!([
            {"value": "hibernating", "rows": 1, "first": "tests/fixtures/rules/D002/subscribers.csv row 2"},
        ])
    );
    assert_eq!(report["summary"]["soft_bounces"], 1);
}

#[test]
fn h008_undeliverable() {
    let report = check("H008");
    let message = message_of(&report, "H008", "typed.bounce@example.com");
    assert!(
        message.starts_with("the mailbox does not exist: a permanent delivery failure (hard_bounce ('bounce, Permanent') at 2025-03-01T10:00:00Z"),
        "{message}"
    );
    assert_eq!(
        severity_of(&report, "H008", "hard.bounce@example.com"),
        "error"
    );
    assert_eq!(
        severity_of(&report, "H008", "unknown.bounce@example.com"),
        "warning"
    );
    assert!(
        message_of(&report, "H008", "unknown.bounce@example.com")
            .contains("map the bounce type (--map bounce_type=COLUMN)")
    );
    assert_eq!(report["summary"]["soft_bounces"], 3);
}

#[test]
fn c010_soft_opt_in() {
    let report = check("C010");
    let message = message_of(&report, "C010", "lea.customer@example.com");
    assert!(
        message.starts_with("no consent on record; kept as an existing customer under the soft opt-in (ePrivacy Directive Art. 13(2)): purchase (column 'Last Order Date') at 2025-01-12T00:00:00Z"),
        "{message}"
    );
    assert_eq!(
        severity_of(&report, "C010", "lea.customer@example.com"),
        "info"
    );
    let message = message_of(&report, "C010", "orders.only@example.com");
    assert!(
        message.contains("purchase (column 'Total Orders' is 2) without timestamp"),
        "{message}"
    );
    let kept = report["inputs"][0]["kept"].as_u64().unwrap();
    assert_eq!(kept, 3, "two customers and the one with consent stay");
}

#[test]
fn d003_malformed_row() {
    let report = check("D003");
    let rows: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "D003" && f["file"].as_str().unwrap().ends_with("subscribers.csv"))
        .map(|f| f["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [2, 3, 5, 7, 9]);
    assert_eq!(
        report["summary"]["rows"], 9,
        "a swallowed line is one row, not lost"
    );
}

#[test]
fn d004_orphan_consent() {
    let report = check("D004");
    assert_eq!(
        message_of(&report, "D004", "orphan@example.com"),
        "consent events for an address that is in no subscriber file"
    );
}

#[test]
fn every_rule_has_a_fixture() {
    let dirs = files_in(&fixture("rules"));
    let mut codes: Vec<&str> = listaudit::rules::RULES.iter().map(|r| r.code).collect();
    codes.sort_unstable();
    assert_eq!(dirs, codes);
}

#[test]
fn c009_not_affirmative() {
    let report = check("C009");
    assert_eq!(
        message_of(&report, "C009", "pre.ticked@example.com"),
        "consent was expressed by a pre-ticked box (opt_in at 2025-03-01T10:00:00Z, tests/fixtures/rules/C009/consent.csv row 1)"
    );
    assert!(
        message_of(&report, "C009", "implied.basis@example.com").starts_with(
            "consent was expressed by implied consent, which the policy does not accept"
        ),
    );
    // A method no word names is never taken as affirmative or otherwise:
    // it counts as unrecorded, and the report lists it.
    assert_eq!(
        report["summary"]["unrecognised"]["methods"],
        serde_json::json!([{
            "value": "carrier pigeon",
            "rows": 1,
            "first": "tests/fixtures/rules/C009/consent.csv row 11"
        }])
    );
}
