//! Real exports as they come: one fixture per ESP format (built from the
//! documented header rows, with invented people), read without any column
//! mapping. Per format: what `inspect` detects, which rules the consent
//! evidence inside the export leads to, and a byte-for-byte round trip of
//! the kept rows in the original encoding.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use serde_json::Value;

use crate::util::{IGNORE_RESERVED, audit_json_at, files_in, listaudit, repo, run};

/// Every format fixture is written for this instant.
const AS_OF: &str = "2025-10-01";

fn formats(path: &str) -> String {
    format!("fixtures/formats/{path}")
}

fn inspect(files: &[&str]) -> Vec<Value> {
    let result = run(listaudit()
        .args(["inspect", "--format", "json"])
        .args(files.iter().map(|f| formats(f))));
    assert_eq!(result.code, 0, "{}", result.stderr);
    result.json().as_array().expect("an array").clone()
}

fn audit(args: &[String]) -> Value {
    let mut args = args.to_vec();
    args.extend(IGNORE_RESERVED.map(String::from));
    audit_json_at(AS_OF, &args).1
}

/// row → rule codes, for one file of a report.
fn verdicts(report: &Value) -> BTreeMap<u64, BTreeSet<String>> {
    let mut map: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    for finding in report["findings"].as_array().unwrap() {
        map.entry(finding["row"].as_u64().unwrap())
            .or_default()
            .insert(finding["rule"].as_str().unwrap().to_string());
    }
    map
}

/// (file, format, encoding, delimiter, rows, [(field, column)])
type DetectionCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u64,
    &'static [(&'static str, &'static str)],
);

/// (file, [(row, rules)])
type VerdictCase = (&'static str, &'static [(u64, &'static [&'static str])]);

#[test]
fn every_format_is_detected_and_mapped() {
    let cases: &[DetectionCase] = &[
        (
            "mailchimp/subscribed_members_export_1a2b3c4d5e.csv",
            "mailchimp",
            "utf-8",
            ",",
            4,
            &[
                ("email", "Email Address"),
                ("optin_time", "OPTIN_TIME"),
                ("optin_ip", "OPTIN_IP"),
                ("confirm_time", "CONFIRM_TIME"),
                ("confirm_ip", "CONFIRM_IP"),
            ],
        ),
        (
            "mailchimp/unsubscribed_members_export_1a2b3c4d5e.csv",
            "mailchimp",
            "utf-8",
            ",",
            1,
            &[("email", "Email Address"), ("unsub_time", "UNSUB_TIME")],
        ),
        (
            "mailchimp/cleaned_members_export_1a2b3c4d5e.csv",
            "mailchimp",
            "utf-8",
            ",",
            1,
            &[("clean_time", "CLEAN_TIME")],
        ),
        (
            "mailchimp-de.csv",
            "mailchimp",
            "utf-8-bom",
            ",",
            2,
            &[("email", "Emailadresse"), ("optin_time", "OPTIN_TIME")],
        ),
        (
            "brevo-windows-1252.csv",
            "brevo",
            "windows-1252",
            ";",
            3,
            &[
                ("email", "EMAIL"),
                ("double_opt_in", "DOUBLE_OPT-IN"),
                ("created_at", "ADDED_TIME"),
            ],
        ),
        (
            "listmonk.csv",
            "listmonk",
            "utf-8",
            ",",
            2,
            &[("status", "status"), ("created_at", "created_at")],
        ),
        (
            "hubspot-crm-exports-all-contacts-2025-06-01.csv",
            "hubspot",
            "utf-8",
            ",",
            3,
            &[
                ("email", "Email"),
                ("legal_basis", "Legal basis for processing contact's data"),
                ("unsubscribed", "Unsubscribed from all email"),
                ("created_at", "Create Date"),
            ],
        ),
        (
            "klaviyo.csv",
            "klaviyo",
            "utf-8",
            ",",
            3,
            &[
                ("status", "Email Marketing Consent"),
                ("status_time", "Email Marketing Consent Timestamp"),
            ],
        ),
        (
            "sendy-weekly-news-all.csv",
            "sendy",
            "utf-8",
            ",",
            4,
            &[
                ("optin_time", "Joined"),
                ("optin_ip", "IP address"),
                ("double_opt_in", "Opt-in method"),
                ("collection_point", "Signed up from"),
            ],
        ),
        (
            "phpList Export on Nieuwsbrief (2025-Jun-01).csv",
            "phplist",
            "utf-8",
            "\t",
            4,
            &[
                ("double_opt_in", "Is this subscriber confirmed"),
                ("unsubscribed", "Is this subscriber blacklisted"),
            ],
        ),
        (
            "substack/email_list.example-news.csv",
            "substack",
            "utf-8",
            ",",
            3,
            &[("unsubscribed", "email_disabled")],
        ),
        (
            "Subscribers.csv",
            "mailman",
            "utf-8",
            ",",
            3,
            &[("email", "column 1")],
        ),
        (
            "campaign-monitor.csv",
            "campaign-monitor",
            "utf-8",
            ",",
            2,
            &[("email", "EmailAddress"), ("optin_time", "ListJoinedDate")],
        ),
        (
            "mailerlite.csv",
            "mailerlite",
            "utf-8",
            ",",
            2,
            &[
                ("optin_time", "subscribed_at"),
                ("confirm_time", "opted_in_at"),
            ],
        ),
        (
            "excel-unicode-text.csv",
            "generic",
            "utf-16le",
            "\t",
            2,
            &[
                ("email", "E-Mail"),
                ("optin_time", "Anmeldedatum"),
                ("confirm_time", "Bestätigt am"),
                ("source", "Quelle"),
            ],
        ),
        (
            "generic-by-content.csv",
            "generic",
            "utf-8",
            ";",
            2,
            &[("email", "Kontakt")],
        ),
        (
            "kit-subscribers.csv",
            "kit",
            "utf-8",
            ",",
            5,
            &[("email", "email_address"), ("status", "state")],
        ),
        // HubSpot's older "Contact ID" header: HubSpot, not Brevo (which
        // also writes a CONTACT ID).
        (
            "hubspot-contacts-export.csv",
            "hubspot",
            "utf-8",
            ",",
            9,
            &[
                ("unsubscribed", "Unsubscribed from all email"),
                ("bounce_reason", "Email hard bounce reason"),
                ("undeliverable", "Invalid email address"),
                ("last_purchase", "Last Order Date"),
            ],
        ),
        (
            "klaviyo-suppressions.csv",
            "klaviyo",
            "utf-8",
            ",",
            6,
            &[("suppressions", "Email Suppressions")],
        ),
        (
            "shop-customers.csv",
            "generic",
            "utf-8",
            ",",
            5,
            &[
                ("marketing_consent", "Accepts Email Marketing"),
                ("last_purchase", "Last Order Date"),
                ("order_count", "Total Orders"),
            ],
        ),
        (
            "brevo-blocklist.csv",
            "brevo",
            "utf-8",
            ";",
            2,
            &[
                ("unsubscribed", "EMAIL_BLACKLISTED"),
                ("marketing_consent", "OPT_IN"),
            ],
        ),
    ];
    for (file, format, encoding, delimiter, rows, columns) in cases {
        let found = &inspect(&[file])[0];
        assert_eq!(found["kind"], "subscribers", "{file}");
        assert_eq!(found["format"], *format, "{file}");
        assert_eq!(found["encoding"], *encoding, "{file}");
        assert_eq!(found["delimiter"], *delimiter, "{file}");
        assert_eq!(found["rows"], *rows, "{file}");
        for (field, column) in *columns {
            assert_eq!(found["columns"][field], *column, "{file}: {field}");
        }
        let confidence = found["confidence"].as_f64().unwrap();
        if *format == "generic" {
            assert!(confidence <= 0.5, "{file}: {confidence}");
        } else {
            assert!(confidence >= 0.9, "{file}: {confidence}");
        }
    }
    // The fallbacks say how the email column was found.
    assert_eq!(
        inspect(&["generic-by-content.csv"])[0]["email_found_by"],
        "content"
    );
    assert_eq!(
        inspect(&["Subscribers.csv"])[0]["header"],
        Value::Array(vec![])
    );
    assert_eq!(
        inspect(&["mailchimp/unsubscribed_members_export_1a2b3c4d5e.csv"])[0]["status"],
        "unsubscribed"
    );
}

#[test]
fn inspect_reads_archives_and_consent_logs() {
    let found = inspect(&["mailchimp-audience-export.zip", "consent-receipts.json"]);
    let paths: Vec<&str> = found.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "fixtures/formats/mailchimp-audience-export.zip:subscribed_members_export_1a2b3c4d5e.csv",
            "fixtures/formats/mailchimp-audience-export.zip:unsubscribed_members_export_1a2b3c4d5e.csv",
            "fixtures/formats/mailchimp-audience-export.zip:cleaned_members_export_1a2b3c4d5e.csv",
            "fixtures/formats/consent-receipts.json",
        ]
    );
    let statuses: Vec<&Value> = found[..3].iter().map(|f| &f["status"]).collect();
    assert_eq!(statuses, ["subscribed", "unsubscribed", "cleaned"]);
    assert_eq!(found[3]["kind"], "consent");
    assert_eq!(found[3]["format"], "kantara");
    assert_eq!(found[3]["rows"], 2);

    // A digest list is read as `audit --suppress` reads it.
    let dir = tempfile::tempdir().unwrap();
    let digests = dir.path().join("suppression.sha256");
    fs::write(
        &digests,
        "# erased 2025-05-01\n0a4f8e6a8c3d1b7c2e5f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d\n\n1b5f8e6a8c3d1b7c2e5f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d\n",
    )
    .unwrap();
    let result = run(listaudit()
        .args(["inspect", "--format", "json"])
        .arg(&digests));
    let found = &result.json()[0];
    assert_eq!(
        (&found["kind"], &found["format"], &found["rows"]),
        (
            &Value::from("suppression"),
            &Value::from("sha256"),
            &Value::from(2)
        )
    );

    let substack = inspect(&["substack-export.zip"]);
    assert_eq!(substack.len(), 1, "posts.csv is not a list");
    assert_eq!(substack[0]["format"], "substack");
}

/// What an ESP's event webhook or activity export writes (SendGrid,
/// Mailgun, Brevo words) and a German consent log with German headers
/// read as their tools mean them.
#[test]
fn event_logs_are_read_in_their_tools_words() {
    let report = audit(&[
        formats("esp-list.csv"),
        "-c".to_string(),
        formats("esp-events.jsonl"),
    ]);
    let by_email: BTreeMap<String, BTreeSet<String>> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["email"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .fold(BTreeMap::new(), |mut map, (email, rule)| {
            map.entry(email).or_default().insert(rule);
            map
        });
    let rules = |email: &str| -> Vec<&str> {
        by_email
            .get(email)
            .map_or(Vec::new(), |r| r.iter().map(String::as_str).collect())
    };
    assert_eq!(
        rules("nils.weber@example.de"),
        Vec::<&str>::new(),
        "sent, delivered, opened, clicked"
    );
    assert_eq!(
        rules("jana.kraus@example.de"),
        ["H008"],
        "a bounce with SMTP status 5.1.1"
    );
    assert_eq!(
        rules("tom.berger@example.de"),
        Vec::<&str>::new(),
        "deferred is a soft bounce"
    );
    assert_eq!(
        rules("eva.schulz@example.de"),
        ["R001"],
        "a spam report is an objection"
    );
    assert_eq!(
        rules("ole.hansen@example.de"),
        ["R001"],
        "group_unsubscribe"
    );
    assert_eq!(
        rules("kim.peters@example.de"),
        ["R003"],
        "dropped by the sending tool"
    );
    assert_eq!(
        rules("lars.meier@example.de"),
        ["H008"],
        "Mailgun: failed, severity permanent"
    );
    assert_eq!(
        rules("ute.franke@example.de"),
        ["D002"],
        "machine_open is not a word we know"
    );
    assert_eq!(report["summary"]["soft_bounces"], 1);
    assert_eq!(
        report["summary"]["unrecognised"]["events"][0]["value"],
        "machine_open"
    );

    let report = audit(&[
        formats("newsletter-de.csv"),
        "-c".to_string(),
        formats("einwilligungen.csv"),
    ]);
    let findings = report["findings"].as_array().unwrap();
    let of = |row: u64| -> Vec<(&str, &str, &str)> {
        findings
            .iter()
            .filter(|f| {
                f["row"] == row && f["file"].as_str().unwrap().ends_with("newsletter-de.csv")
            })
            .map(|f| {
                (
                    f["rule"].as_str().unwrap(),
                    f["severity"].as_str().unwrap(),
                    f["message"].as_str().unwrap(),
                )
            })
            .collect()
    };
    let greta = of(1);
    assert_eq!(greta.len(), 1);
    assert_eq!(greta[0].0, "R001");
    assert!(
        greta[0]
            .2
            .contains("withdraw ('Widerruf') at 2025-02-10T08:00:00Z"),
        "{}",
        greta[0].2
    );
    assert!(
        greta[0]
            .2
            .contains("its purpose 'alle' withdraws every purpose"),
        "{}",
        greta[0].2
    );
    assert_eq!(of(2)[0].0, "C007", "a contest: 'Gewinnspiel Frühjahr'");
    assert_eq!(of(3)[0].0, "C006", "an import from the old system");
    // A withdrawal from 'Angebote' alone leaves the newsletter; the
    // bounce of unstated kind is a warning.
    assert_eq!(
        of(4).iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
        [("H008", "warning")]
    );
}

#[test]
fn inspect_lists_every_event_and_status_and_what_it_is_understood_as() {
    let found = inspect(&[
        "esp-events.jsonl",
        "consent-receipts.json",
        "einwilligungen.csv",
        "kit-subscribers.csv",
    ]);
    // A JSON Lines log: its keys per field, its email key among them.
    assert_eq!(found[0]["kind"], "consent");
    assert_eq!(found[0]["format"], "jsonl");
    assert_eq!(found[0]["columns"]["email"], "email");
    assert_eq!(found[0]["columns"]["event"], "event");
    assert_eq!(found[0]["columns"]["timestamp"], "timestamp");
    let events = found[0]["values"]["events"].as_array().unwrap();
    let meaning = |value: &str| {
        events
            .iter()
            .find(|e| e["value"] == value)
            .unwrap_or_else(|| panic!("{value} not listed: {events:?}"))["understood_as"]
            .clone()
    };
    assert_eq!(meaning("spamreport"), "withdraw");
    assert_eq!(meaning("deferred"), "soft_bounce");
    assert_eq!(meaning("dropped"), "suppress");
    assert_eq!(meaning("machine_open"), Value::Null);
    assert_eq!(
        events[0],
        serde_json::json!({"value": "confirmed", "rows": 8, "understood_as": "confirm"})
    );
    // Kantara receipts: where each field is kept.
    assert_eq!(found[1]["format"], "kantara");
    assert_eq!(found[1]["columns"]["email"], "piiPrincipalId");
    assert_eq!(found[1]["columns"]["timestamp"], "consentTimestamp");
    assert_eq!(
        found[1]["columns"]["purpose"],
        "services[].purposes[].purpose"
    );
    // German headers and words.
    assert_eq!(found[2]["columns"]["event"], "Ereignis");
    assert_eq!(found[2]["columns"]["purpose"], "Zweck");
    let german: Vec<(&str, &str)> = found[2]["values"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["value"].as_str().unwrap(),
                e["understood_as"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(german.contains(&("Widerruf", "withdraw")), "{german:?}");
    assert!(german.contains(&("Bestätigung", "confirm")), "{german:?}");
    // A Kit export is an export, with its statuses read as Kit means them.
    assert_eq!(found[3]["kind"], "subscribers");
    assert_eq!(found[3]["format"], "kit");
    let statuses: Vec<(&str, &str)> = found[3]["values"]["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["value"].as_str().unwrap(),
                s["understood_as"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("active", "subscribed"),
            ("bounced", "undeliverable"),
            ("cancelled", "unsubscribed"),
            ("complained", "complained"),
            ("inactive", "pending"),
        ]
    );
}

#[test]
fn inspect_reads_words_a_policy_teaches() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("team.toml");
    fs::write(
        &policy,
        "extends = \"eu-gdpr\"\n[vocabulary.events]\nactivity = [\"machine_open\"]\n",
    )
    .unwrap();
    let result = run(listaudit().args([
        "inspect",
        "--format",
        "json",
        "--policy",
        policy.to_str().unwrap(),
        &formats("esp-events.jsonl"),
    ]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let events = result.json()[0]["values"]["events"].clone();
    let machine_open = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["value"] == "machine_open")
        .unwrap()
        .clone();
    assert_eq!(machine_open["understood_as"], "activity");
}

#[test]
fn inspect_prints_a_table_for_people() {
    let result = run(listaudit().args(["inspect", &formats("brevo-windows-1252.csv")]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let lines: Vec<String> = result
        .stdout
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for expected in [
        "│ format ┆ brevo (confidence 0.96) │",
        "│ encoding ┆ windows-1252 │",
        "│ delimiter ┆ ; │",
        "│ double_opt_in ┆ ← DOUBLE_OPT-IN │",
        "│ marketing_consent ┆ ← OPT_IN │",
        "│ rows ┆ 3 │",
    ] {
        assert!(
            lines.iter().any(|line| line == expected),
            "{expected}\n{}",
            result.stdout
        );
    }
}

#[test]
fn evidence_inside_exports_decides_the_verdicts() {
    // (file, row → rules); rows not listed have no finding.
    let cases: &[VerdictCase] = &[
        // DOI with IPs: clean. Same opt-in and confirm time: single opt-in.
        // Empty OPTIN_TIME with a CONFIRM_TIME: an import. 2021: stale.
        (
            "mailchimp/subscribed_members_export_1a2b3c4d5e.csv",
            &[(2, &["C005"]), (3, &["C001"]), (4, &["C004"])],
        ),
        (
            "mailchimp/unsubscribed_members_export_1a2b3c4d5e.csv",
            &[(1, &["R001"])],
        ),
        // Cleaned: the mailbox bounced (H008); the consent is also old.
        (
            "mailchimp/cleaned_members_export_1a2b3c4d5e.csv",
            &[(1, &["C004", "H008"])],
        ),
        ("mailchimp-de.csv", &[(2, &["C001"])]),
        // DOUBLE_OPT-IN=1 is a confirmation without a time, 2 means no;
        // OPT_IN=Yes is an opt-in without a time.
        (
            "brevo-windows-1252.csv",
            &[(1, &["C006"]), (2, &["C005", "C006"]), (3, &["C001"])],
        ),
        ("listmonk.csv", &[(1, &["C001"]), (2, &["R001"])]),
        (
            "hubspot-crm-exports-all-contacts-2025-06-01.csv",
            &[(1, &["C006"]), (2, &["C001"]), (3, &["R001"])],
        ),
        (
            "klaviyo.csv",
            &[(1, &["C005"]), (2, &["R001"]), (3, &["C001"])],
        ),
        // Row 2 was added through the API: no proof of how she opted in.
        (
            "sendy-weekly-news-all.csv",
            &[(2, &["C005", "C006"]), (3, &["R001"]), (4, &["C005"])],
        ),
        // Row 4's address starts with a digit, so phpList wrote it as
        // '1ruud...: its own confirmation still counts for it.
        (
            "phpList Export on Nieuwsbrief (2025-Jun-01).csv",
            &[
                (1, &["C006"]),
                (2, &["C001"]),
                (3, &["R001"]),
                (4, &["C006"]),
            ],
        ),
        (
            "substack/email_list.example-news.csv",
            &[(1, &["C001"]), (2, &["R001", "R002"]), (3, &["R001"])],
        ),
        (
            "campaign-monitor.csv",
            &[(1, &["C005", "C006"]), (2, &["R001"])],
        ),
        ("mailerlite.csv", &[(2, &["C005"])]),
        ("excel-unicode-text.csv", &[(2, &["C001"])]),
        // Kit: inactive never confirmed; cancelled and complained withdrew;
        // bounced is undeliverable. No consent log: active rows show none.
        (
            "kit-subscribers.csv",
            &[
                (1, &["C001"]),
                (2, &["C001"]),
                (3, &["R001"]),
                (4, &["C001", "H008"]),
                (5, &["R001"]),
            ],
        ),
        // HubSpot: consent as the basis without a date; an import's
        // 'Offline Sources'; unsubscribed from all; a hard-bounce reason;
        // opted out of the Newsletter subscription (the list purpose), not
        // of Product updates only; an existing customer on legitimate
        // interest with a recent order; a basis no word names (not taken
        // as consent, and said so); consent in German.
        (
            "hubspot-contacts-export.csv",
            &[
                (1, &["C005", "C006"]),
                (2, &["C005", "C006"]),
                (3, &["R001"]),
                (4, &["C005", "C006", "H008"]),
                (5, &["R001"]),
                (6, &["C005", "C006"]),
                (7, &["C010"]),
                (8, &["C001", "D002"]),
                (9, &["C005", "C006"]),
            ],
        ),
        (
            "klaviyo-suppressions.csv",
            &[
                (1, &["C005", "H008"]),
                (2, &["R001"]),
                (3, &["R003"]),
                (4, &["D002", "R003"]),
                (5, &["H008", "R001"]),
                (6, &["C005"]),
            ],
        ),
        // A shop: 'Accepts Email Marketing: no' is a refusal; customers are
        // kept on the soft opt-in; a four-year-old order is stale.
        (
            "shop-customers.csv",
            &[
                (1, &["R001"]),
                (2, &["C010"]),
                (3, &["C001"]),
                (4, &["C005", "C006"]),
                (5, &["C004", "C010"]),
            ],
        ),
        (
            "sendy-weekly-news-bounced.csv",
            &[(1, &["H008"]), (2, &["R001"])],
        ),
        ("brevo-blocklist.csv", &[(1, &["C006"]), (2, &["R001"])]),
    ];
    for (file, expected) in cases {
        let report = audit(&[formats(file)]);
        let expected: BTreeMap<u64, BTreeSet<String>> = expected
            .iter()
            .map(|(row, rules)| (*row, rules.iter().map(|r| r.to_string()).collect()))
            .collect();
        assert_eq!(
            verdicts(&report),
            expected,
            "{file}:\n{:#}",
            report["findings"]
        );
    }
}

/// Statuses and flags of the ESPs' exports name their column and value in
/// the finding, with or without a consent log beside them.
#[test]
fn esp_statuses_name_their_column_and_value() {
    let message = |file: &str, rule: &str, row: u64, log: Option<&str>| -> String {
        let mut args = vec![formats(file)];
        if let Some(log) = log {
            args.extend(["-c".to_string(), log.to_string()]);
        }
        let report = audit(&args);
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["rule"] == rule && f["row"] == row && f["file"].as_str().unwrap().ends_with(file)
            })
            .unwrap_or_else(|| panic!("no {rule} on row {row} of {file}: {:#}", report["findings"]))
            ["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("consent.csv");
    std::fs::write(
        &log,
        "email,event,timestamp,purpose,source,ip\n\
         freja.dahl@example.se,opt_in,2024-11-01T10:00:00Z,newsletter,web_form,192.0.2.1\n\
         freja.dahl@example.se,confirm,2024-11-01T10:05:00Z,newsletter,double_opt_in_link,192.0.2.1\n\
         axel.berg@example.se,opt_in,2023-05-01T10:00:00Z,newsletter,web_form,192.0.2.2\n",
    )
    .unwrap();
    let log = log.to_str().unwrap();
    for with_log in [None, Some(log)] {
        assert!(
            message("kit-subscribers.csv", "R001", 3, with_log).starts_with(
                "the withdrawal (withdraw (column 'state' is 'cancelled') without timestamp"
            ),
        );
        assert!(
            message("kit-subscribers.csv", "H008", 4, with_log)
                .contains("(hard_bounce (column 'state' is 'bounced') without timestamp"),
        );
    }
    assert!(
        message("mailchimp/cleaned_members_export_1a2b3c4d5e.csv", "H008", 1, None).contains(
            "(hard_bounce (the file is Mailchimp's 'cleaned' export, by its name) at 2025-01-20T03:00:00Z"
        )
    );
    assert!(
        message("listmonk.csv", "R001", 2, None)
            .contains("(withdraw (column 'status' is 'blocklisted')")
    );
    assert!(
        message("sendy-weekly-news-bounced.csv", "R001", 2, None)
            .contains("(withdraw (column 'Status' is 'Marked as spam')")
    );
    assert!(
        message("brevo-blocklist.csv", "R001", 2, None)
            .contains("(withdraw (column 'EMAIL_BLACKLISTED' is 'Yes')")
    );
    assert!(
        message("hubspot-contacts-export.csv", "R001", 5, None)
            .contains("(withdraw (column 'Opted out of email: Newsletter' is 'true')")
    );
    assert!(
        message("hubspot-contacts-export.csv", "H008", 4, None)
            .contains("(column 'Email hard bounce reason' is '550 5.1.1 user unknown')")
    );
    // A suppression reason's own timestamp dates the event.
    assert!(
        message("klaviyo-suppressions.csv", "R001", 2, None).starts_with(
            "the withdrawal (withdraw (column 'Email Suppressions' lists 'SPAM_COMPLAINT') at 2025-04-02T08:00:00Z"
        )
    );
    assert_eq!(
        message("klaviyo-suppressions.csv", "D002", 4, None),
        "unknown suppression reason 'MOON_PHASE' in column 'Email Suppressions'; the address is treated as suppressed (R003)"
    );
    assert_eq!(
        message("hubspot-contacts-export.csv", "D002", 8, None),
        "unknown legal basis 'Kundenwunsch lt. Vertrieb' in column 'Legal basis for processing contact's data'; it is not taken as consent"
    );
    assert_eq!(
        message("hubspot-contacts-export.csv", "C001", 8, None),
        "no opt-in evidence: the lawful basis recorded, 'Kundenwunsch lt. Vertrieb', is not one listaudit knows, so it is not taken as consent"
    );
    assert!(
        message("hubspot-contacts-export.csv", "C006", 2, None)
            .contains("only an import as its source ('Offline Sources')")
    );
    assert!(
        message("shop-customers.csv", "C010", 2, None).contains(
            "kept as an existing customer under the soft opt-in (ePrivacy Directive Art. 13(2)): purchase (column 'Last Order Date') at 2025-04-02T00:00:00Z"
        )
    );
}

#[test]
fn proxies_and_imports_are_named_in_the_findings() {
    let report = audit(&[formats(
        "mailchimp/subscribed_members_export_1a2b3c4d5e.csv",
    )]);
    let import = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["row"] == 3)
        .unwrap();
    assert_eq!(
        import["message"],
        "no opt-in evidence: OPTIN_TIME is empty and CONFIRM_TIME is set: the contact was imported or added through the API, which is no opt-in evidence"
    );
    let report = audit(&[formats("brevo-windows-1252.csv")]);
    let clara = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["row"] == 3)
        .unwrap();
    assert_eq!(
        clara["message"],
        "no opt-in evidence: the export's 'ADDED_TIME' is when the record was created, not an opt-in time"
    );
    // HubSpot: consent as the lawful basis is an opt-in; a legitimate
    // interest is named as what it is.
    let report = audit(&[formats("hubspot-crm-exports-all-contacts-2025-06-01.csv")]);
    let c001: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "C001")
        .collect();
    assert_eq!(c001.len(), 1);
    assert_eq!(c001[0]["row"], 2);
    assert_eq!(
        c001[0]["message"],
        "no opt-in evidence: the lawful basis recorded is 'Legitimate interest - prospect/lead', not consent"
    );
}

/// The input's records (one physical line each in these fixtures) with
/// their line breaks, decoded for UTF-16 and encoded back.
fn keep_rows(original: &[u8], encoding: &str, kept: &BTreeSet<u64>, headerless: bool) -> Vec<u8> {
    let (bom, text): (Vec<u8>, Vec<u8>) = if encoding == "utf-16le" {
        let units: Vec<u16> = original[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        (
            original[..2].to_vec(),
            String::from_utf16(&units).unwrap().into_bytes(),
        )
    } else {
        (Vec::new(), original.to_vec())
    };
    let mut out = Vec::new();
    for (i, line) in text.split_inclusive(|b| *b == b'\n').enumerate() {
        let row = if headerless { i as u64 + 1 } else { i as u64 };
        if (!headerless && row == 0) || kept.contains(&row) {
            out.extend_from_slice(line);
        }
    }
    if encoding == "utf-16le" {
        let text = String::from_utf8(out).unwrap();
        let mut encoded = bom;
        encoded.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        encoded
    } else {
        out
    }
}

/// Excel's `sep=;` first line names the delimiter; it is no header and no
/// row, and the cleaned and removed lists keep it so that they open in
/// columns as the input does.
#[test]
fn an_excel_sep_line_is_honoured_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("liste.csv");
    let bytes = "\u{feff}sep=;\r\nE-Mail;Vorname;Anmeldedatum;Bestätigt am;Quelle\r\nanna.berg@example.de;Anna;2025-01-02 10:00;2025-01-02 10:05;Webformular\r\nbodo.kern@example.de;Bodo;;;Visitenkarte\r\n";
    fs::write(&input, bytes).unwrap();
    let out = dir.path().join("out");
    let report = audit(&[
        input.display().to_string(),
        "-o".to_string(),
        out.display().to_string(),
    ]);
    assert_eq!(report["inputs"][0]["delimiter"], ";");
    assert_eq!(report["summary"]["rows"], 2);
    let bodo = &report["findings"][0];
    assert_eq!(
        (bodo["row"].as_u64(), bodo["line"].as_u64()),
        (Some(2), Some(4))
    );
    assert_eq!(bodo["rule"], "C001");
    assert_eq!(
        fs::read(out.join("cleaned.csv")).unwrap(),
        "\u{feff}sep=;\r\nE-Mail;Vorname;Anmeldedatum;Bestätigt am;Quelle\r\nanna.berg@example.de;Anna;2025-01-02 10:00;2025-01-02 10:05;Webformular\r\n".as_bytes()
    );
    let removed = fs::read_to_string(out.join("removed.csv")).unwrap();
    assert!(
        removed.starts_with("\u{feff}sep=;\r\nE-Mail;Vorname;Anmeldedatum;Bestätigt am;Quelle;listaudit_rules;listaudit_reasons\r\nbodo.kern@example.de;"),
        "{removed:?}"
    );
    let found = run(listaudit()
        .args(["inspect", "--format", "json"])
        .arg(&input))
    .json();
    assert_eq!(found[0]["delimiter"], ";");
    assert_eq!(found[0]["header"][0], "E-Mail");
    assert_eq!(found[0]["columns"]["confirm_time"], "Bestätigt am");
    assert_eq!(found[0]["rows"], 2);
}

#[test]
fn kept_rows_round_trip_byte_for_byte_in_the_original_encoding() {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "mailchimp/subscribed_members_export_1a2b3c4d5e.csv",
        "mailchimp-de.csv",
        "brevo-windows-1252.csv",
        "listmonk.csv",
        "hubspot-crm-exports-all-contacts-2025-06-01.csv",
        "klaviyo.csv",
        "sendy-weekly-news-all.csv",
        "phpList Export on Nieuwsbrief (2025-Jun-01).csv",
        "substack/email_list.example-news.csv",
        "Subscribers.csv",
        "campaign-monitor.csv",
        "mailerlite.csv",
        "excel-unicode-text.csv",
        "generic-by-content.csv",
    ] {
        let out = dir.path().join(file.replace('/', "_"));
        // The consent log gives the rows without evidence of their own an
        // opt-in, so that every file keeps rows to compare.
        let report = audit(&[
            formats(file),
            "-c".to_string(),
            formats("consent.csv"),
            "--out-dir".to_string(),
            out.display().to_string(),
        ]);
        let input = &report["inputs"][0];
        let rows = input["rows"].as_u64().unwrap();
        let removed: BTreeSet<u64> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| f["row"].as_u64().unwrap())
            .collect();
        let kept: BTreeSet<u64> = (1..=rows).filter(|r| !removed.contains(r)).collect();
        assert!(
            !kept.is_empty(),
            "{file}: no row is kept, so nothing is compared"
        );
        let original = fs::read(repo(&formats(file))).unwrap();
        let encoding = input["encoding"].as_str().unwrap();
        let expected = keep_rows(&original, encoding, &kept, file == "Subscribers.csv");
        let cleaned = fs::read(out.join("cleaned.csv")).unwrap();
        assert_eq!(
            cleaned, expected,
            "{file}: cleaned.csv is not the input minus the removed rows"
        );
        // The cleaned list is read back as the same format and encoding.
        let again = run(listaudit()
            .args(["inspect", "--format", "json"])
            .arg(out.join("cleaned.csv")));
        let again = &again.json()[0];
        assert_eq!(again["encoding"], input["encoding"], "{file}");
        assert_eq!(again["delimiter"], input["delimiter"], "{file}");
        assert_eq!(again["format"], input["format"], "{file}");
        assert_eq!(again["rows"], kept.len() as u64, "{file}");
    }
}

#[test]
fn removed_rows_are_written_in_the_input_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    audit(&[
        formats("brevo-windows-1252.csv"),
        "-o".to_string(),
        out.display().to_string(),
    ]);
    let removed = fs::read(out.join("removed.csv")).unwrap();
    // Windows-1252 'ü' in "Müller", CRLF line ends, semicolons.
    assert!(
        removed.starts_with(b"CONTACT ID;EMAIL;LASTNAME;FIRSTNAME;DOUBLE_OPT-IN;OPT_IN;EXT_ID;ADDED_TIME;MODIFIED_TIME;listaudit_rules;listaudit_reasons\r\n"),
        "{}",
        String::from_utf8_lossy(&removed)
    );
    assert!(
        memchr_find(
            &removed,
            b"2;hans.mueller@example.de;M\xfcller;Hans;2;Yes;A-2;05-06-2024;05-06-2024;\"C005;C006\";"
        ),
        "{}",
        String::from_utf8_lossy(&removed)
    );

    let out = dir.path().join("utf16");
    audit(&[
        formats("excel-unicode-text.csv"),
        "-o".to_string(),
        out.display().to_string(),
    ]);
    let removed = fs::read(out.join("removed.csv")).unwrap();
    assert_eq!(&removed[..2], b"\xff\xfe");
    let units: Vec<u16> = removed[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16(&units).unwrap();
    assert!(
        text.starts_with("E-Mail\tName\tAnmeldedatum\tBestätigt am\tQuelle\tlistaudit_rules\tlistaudit_reasons\r\nben.wolf@example.de\tBen Wolf\t\t\t\tC001\t"),
        "{text}"
    );
}

fn memchr_find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_mailchimp_zip_is_audited_member_by_member() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let report = audit(&[
        formats("mailchimp-audience-export.zip"),
        "-o".to_string(),
        out.display().to_string(),
    ]);
    let inputs: Vec<(&str, u64)> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["path"].as_str().unwrap(), i["removed"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        inputs,
        [
            (
                "fixtures/formats/mailchimp-audience-export.zip:subscribed_members_export_1a2b3c4d5e.csv",
                2
            ),
            (
                "fixtures/formats/mailchimp-audience-export.zip:unsubscribed_members_export_1a2b3c4d5e.csv",
                1
            ),
            (
                "fixtures/formats/mailchimp-audience-export.zip:cleaned_members_export_1a2b3c4d5e.csv",
                1
            ),
        ]
    );
    assert_eq!(
        files_in(&out),
        [
            "cleaned-cleaned_members_export_1a2b3c4d5e.csv",
            "cleaned-subscribed_members_export_1a2b3c4d5e.csv",
            "cleaned-unsubscribed_members_export_1a2b3c4d5e.csv",
            "erasure.csv",
            "findings.csv",
            "listaudit-manifest.json",
            "removed-cleaned_members_export_1a2b3c4d5e.csv",
            "removed-subscribed_members_export_1a2b3c4d5e.csv",
            "removed-unsubscribed_members_export_1a2b3c4d5e.csv",
            "repermission-cleaned_members_export_1a2b3c4d5e.csv",
            "repermission-subscribed_members_export_1a2b3c4d5e.csv",
            "repermission-unsubscribed_members_export_1a2b3c4d5e.csv",
            "report.html",
            "report.json",
            "report.md",
        ]
    );
    // The subscribed member's kept rows are its own bytes.
    let original = fs::read(repo(&formats(
        "mailchimp/subscribed_members_export_1a2b3c4d5e.csv",
    )))
    .unwrap();
    let cleaned = fs::read(out.join("cleaned-subscribed_members_export_1a2b3c4d5e.csv")).unwrap();
    assert_eq!(
        cleaned,
        keep_rows(&original, "utf-8", &BTreeSet::from([1, 2]), false)
    );
}

#[test]
fn an_unsubscribed_export_withdraws_the_address_in_other_files() {
    // The same person in a Brevo list and in Mailchimp's unsubscribed
    // export: the unsubscribe applies to the Brevo row too.
    let dir = tempfile::tempdir().unwrap();
    let brevo = dir.path().join("brevo.csv");
    fs::write(
        &brevo,
        "EMAIL;DOUBLE_OPT-IN;ADDED_TIME\nella.brandt@example.com;1;01-02-2024\n",
    )
    .unwrap();
    let report = audit(&[
        brevo.display().to_string(),
        formats("mailchimp/unsubscribed_members_export_1a2b3c4d5e.csv"),
    ]);
    let by_file: Vec<(String, u64, String)> = crate::util::findings(&report)
        .into_iter()
        .map(|f| (f.file, f.row, f.rule))
        .collect();
    assert!(
        by_file.contains(&("brevo.csv".to_string(), 1, "R001".to_string())),
        "{by_file:?}"
    );
}

#[test]
fn kantara_receipts_are_consent_evidence() {
    let report = audit(&[
        formats("mailchimp/subscribed_members_export_1a2b3c4d5e.csv"),
        "-c".to_string(),
        formats("consent-receipts.json"),
    ]);
    let rows = verdicts(&report);
    // Lena's import has no opt-in in Mailchimp, but her receipt (in
    // milliseconds, for 'order updates' and 'newsletter') is consent for
    // the list; it was never confirmed by double opt-in, and its only
    // collection method, 'api', says how the record was written, not how
    // she opted in.
    assert_eq!(
        rows[&3],
        BTreeSet::from(["C005".to_string(), "C006".to_string()])
    );
    let message = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["row"] == 3)
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains(
            "opt_in at 2025-03-03T11:06:40Z, fixtures/formats/consent-receipts.json row 2"
        ),
        "{message}"
    );
}

#[test]
fn overrides_name_columns_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crm.csv");
    fs::write(
        &file,
        "Kunde,Kontakt,Eingetragen,Bestaetigung,Herkunft\nA,anna@example.com,2025-03-01 08:00:00,2025-03-01 08:05:00,website\n",
    )
    .unwrap();
    let file = file.display().to_string();
    let with = |extra: &[&str]| {
        let mut args = vec![file.clone()];
        args.extend(extra.iter().map(|s| s.to_string()));
        audit(&args)
    };
    // Without mapping, the opt-in is unknown.
    assert_eq!(
        verdicts(&with(&[]))[&1],
        BTreeSet::from(["C001".to_string()])
    );
    let report = with(&[
        "--map",
        "optin_time=Eingetragen",
        "--map",
        "confirm_time=Bestaetigung",
        "--map",
        "source=5",
    ]);
    assert!(verdicts(&report).is_empty(), "{:#}", report["findings"]);

    let fails = |args: &[&str], expected: &str| {
        let result = run(listaudit().arg("audit").arg(&file).args(args));
        assert_eq!(result.code, 2, "{args:?}");
        assert!(result.stderr.contains(expected), "{}", result.stderr);
    };
    fails(
        &["--map", "optin_time=Signup"],
        "--map optin_time=Signup names a column that no input has",
    );
    fails(
        &["--map", "teleport=Kunde"],
        "unknown field 'teleport' in --map",
    );
    fails(&["--map", "optin_time"], "invalid --map 'optin_time'");
    fails(
        &["--input-format", "myspace"],
        "unknown --input-format 'myspace' for subscribers files",
    );
    fails(
        &["--timezone", "Mars/Olympus"],
        "unknown time zone 'Mars/Olympus'",
    );
}

#[test]
fn naive_times_take_the_timezone_and_ambiguous_dates_need_an_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("list.csv");
    fs::write(
        &file,
        "email,optin_time,source\nanna@example.com,03/04/2025 10:00,form\n",
    )
    .unwrap();
    let file = file.display().to_string();
    let report = audit(std::slice::from_ref(&file));
    assert_eq!(
        verdicts(&report)[&1],
        BTreeSet::from(["C001".to_string(), "D001".to_string()])
    );
    let report = audit(&[
        file.clone(),
        "--date-order".to_string(),
        "day-first".to_string(),
        "--timezone".to_string(),
        "Europe/Berlin".to_string(),
    ]);
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("opt_in at 2025-04-03T08:00:00Z"),
        "{message}"
    );
}

#[test]
fn strict_stops_at_the_first_malformed_row() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = run(listaudit()
        .args([
            "audit",
            "tests/fixtures/rules/D003/subscribers.csv",
            "--strict",
            "-o",
        ])
        .arg(&out));
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains("D003/subscribers.csv: row 2 (line 3): row has 2 fields; the header has 3"),
        "{}",
        result.stderr
    );
    assert!(
        result
            .stderr
            .contains("hint: fix the row, or run without --strict")
    );
    assert!(!out.exists(), "no output is left behind");

    // A consent log's first malformed row stops the run the same way.
    let result = run(listaudit()
        .args([
            "audit",
            "tests/fixtures/rules/D003/subscribers.csv",
            "--strict",
            "-c",
            "tests/fixtures/rules/D003/consent.csv",
            "-o",
        ])
        .arg(&out));
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains("D003/consent.csv: row 9 (line 10): row has no email address"),
        "{}",
        result.stderr
    );
    assert!(!out.exists(), "no output is left behind");
}

#[test]
fn undecodable_bytes_name_their_offset() {
    let report = audit(&["tests/fixtures/rules/D003/subscribers.csv".to_string()]);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["row"] == 5)
        .unwrap();
    let original = fs::read(repo("tests/fixtures/rules/D003/subscribers.csv")).unwrap();
    let offset = original.iter().position(|&b| b == 0xff).unwrap();
    assert_eq!(
        finding["message"],
        format!(
            "column 'email' has a byte (0xFF) that is not valid UTF-8 at byte offset {offset} of the file"
        )
    );
}
