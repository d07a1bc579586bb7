//! The consultant's documents and the marketer's action lists:
//! report.html and report.md, repermission.csv, erasure.csv, and what
//! `--redact` leaves in them.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::util::{AS_OF, DEMO, findings_csv, listaudit, repo, run};

fn demo_into(out: &Path, extra: &[&str]) -> crate::util::Run {
    run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args(["--as-of", AS_OF])
        .args(extra)
        .arg("--out-dir")
        .arg(out))
}

/// The element outline of an HTML page: sections, figures, rule articles
/// and headings, one per line, so a snapshot shows the structure without
/// the prose and numbers.
fn outline(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>').unwrap();
        let tag = &rest[..end];
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let id = attribute(tag, "id");
        match name.as_str() {
            "section" | "figure" | "article" | "table" | "nav" | "header" | "footer" => {
                out.push_str(&format!(
                    "{name}{}\n",
                    id.map_or(String::new(), |i| format!("#{i}"))
                ));
            }
            "svg" => out.push_str(&format!(
                "  svg[{}]\n",
                attribute(tag, "aria-labelledby").unwrap_or_default()
            )),
            "h1" | "h2" | "h3" | "h4" | "figcaption" => {
                let close = format!("</{name}>");
                let text = &rest[end + 1..rest.find(&close).unwrap()];
                out.push_str(&format!("  {name}: {}\n", strip_tags(text).trim()));
            }
            _ => {}
        }
    }
    out
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    Some(&tag[start..start + tag[start..].find('"')?])
}

fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => text.push(c),
            _ => {}
        }
    }
    // Counts change with the fixtures; the structure is what is pinned.
    text.split_whitespace()
        .map(|w| {
            if w.chars().any(|c| c.is_ascii_digit()) && !w.starts_with(['C', 'R', 'H', 'D']) {
                "N"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn sha256_hex(path: &str) -> String {
    hex::encode(Sha256::digest(fs::read(repo(path)).unwrap()))
}

#[test]
fn html_report_structure_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let result = demo_into(dir.path(), &[]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
    insta::assert_snapshot!("demo_html_outline", outline(&html));
}

#[test]
fn html_report_states_the_summary_inputs_and_every_rule_that_fired() {
    let dir = tempfile::tempdir().unwrap();
    demo_into(dir.path(), &[]);
    let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let summary = &report["summary"];
    for (key, label) in [
        ("rows", "subscriber rows audited"),
        ("kept", "can be mailed"),
        ("removed", "removed from the list"),
    ] {
        let card = format!(
            "<span class=\"number\">{}</span>{label}",
            summary[key].as_u64().unwrap()
        );
        assert!(html.contains(&card), "{card}");
    }
    assert!(html.contains("<span class=\"number\">43.3%</span>of the list at risk"));
    // Every rule that fired has its section, with its legal basis; no
    // other rule has one.
    for rule in &listaudit::rules::RULES {
        let fired = summary["by_rule"][rule.code].as_u64().unwrap_or(0) > 0;
        let section = format!("<article class=\"rule\" id=\"rule-{}\">", rule.code);
        assert_eq!(html.contains(&section), fired, "{}", rule.code);
    }
    let c004 = &html[html.find("id=\"rule-C004\"").unwrap()..];
    let c004 = &c004[..c004.find("</article>").unwrap()];
    assert!(c004.contains("III ZR 196/17"), "C004 cites its basis");
    // Inputs are named by the SHA-256 of their bytes, here and in the JSON.
    for (i, path) in DEMO.iter().filter(|a| !a.starts_with('-')).enumerate() {
        let digest = sha256_hex(path);
        assert_eq!(report["inputs"][i]["sha256"], digest.as_str(), "{path}");
        assert!(
            html.contains(&format!("SHA-256 <span class=\"hash\">{digest}</span>")),
            "{path}"
        );
    }
    assert!(html.contains("<time datetime=\"2025-06-30T00:00:00Z\">"));
    // The stale threshold of the policy is marked on the age chart.
    let age = &html[html.find("id=\"chart-consent-age\"").unwrap()..];
    assert!(age[..age.find("</figure>").unwrap()].contains("stale after 24 months"));
    // The findings table lists all 97 findings of the demo, most severe
    // first.
    let table = &html[html.find("<section id=\"findings\"").unwrap()..];
    let table = &table[..table.find("</section>").unwrap()];
    assert_eq!(table.matches("<tr><td title=").count(), 97);
    assert!(table.find(">error</td>").unwrap() < table.find(">info</td>").unwrap());
    // The printed sample: the first three findings of every rule that
    // fired, each group saying how many of how many it shows.
    let samples = &html[html.find("<section id=\"samples\"").unwrap()..];
    let samples = &samples[..samples.find("</section>").unwrap()];
    for rule in &listaudit::rules::RULES {
        let found = summary["by_rule"][rule.code].as_u64().unwrap_or(0);
        let group = samples.find(&format!("<tbody id=\"sample-{}\">", rule.code));
        assert_eq!(group.is_some(), found > 0, "{}", rule.code);
        if let Some(start) = group {
            let group = &samples[start..start + samples[start..].find("</tbody>").unwrap()];
            let shown = found.min(3);
            assert_eq!(group.matches("<tr>").count() as u64, shown, "{}", rule.code);
            assert!(group.contains(&format!("{shown} of {found}")), "{group}");
        }
    }
    assert!(samples.contains("findings.csv"));
}

#[test]
fn html_report_loads_nothing_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    demo_into(dir.path(), &[]);
    let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
    for element in [
        "<script", "<link", "<img", "<iframe", "<object", "<embed", "<base",
    ] {
        assert!(!html.contains(element), "{element}");
    }
    for css in ["@import", "url("] {
        assert!(!html.contains(css), "{css}");
    }
    assert!(!html.contains(" src="));
    // Links stay inside the page.
    let mut rest = html.as_str();
    let mut links = 0;
    while let Some(at) = rest.find("href=\"") {
        rest = &rest[at + 6..];
        assert!(rest.starts_with('#'), "{}", &rest[..40.min(rest.len())]);
        links += 1;
    }
    assert!(links > 10);
    // Any http(s) address is text of the policy listing, never markup.
    let outside_pre: String = html
        .split("<pre>")
        .map(|part| part.split_once("</pre>").map_or(part, |(_, after)| after))
        .collect();
    assert!(!outside_pre.contains("http://") && !outside_pre.contains("https://"));
}

#[test]
fn markdown_report_carries_the_same_summary() {
    let dir = tempfile::tempdir().unwrap();
    demo_into(dir.path(), &[]);
    let md = fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(md.starts_with("# Mailing-list consent audit: fixtures/demo/subscribers.csv\n"));
    assert!(md.contains("| 60 | 34 | 26 | 43.3% |"), "{md}");
    assert!(
        md.contains("## The biggest problems\n\n1. **5 rows (8.3%)** withdrew or unsubscribed")
    );
    // Values no word matched are listed for review, with where they were met.
    assert!(
        md.contains("| event | newsletter\\_sent | 1 | fixtures/demo/consent.csv row 40 |"),
        "{md}"
    );
    assert!(
        !md.contains("| source |"),
        "every demo source is a known word: {md}"
    );
    assert!(md.contains(&format!("`{}`", sha256_hex("fixtures/demo/consent.csv"))));
    assert!(md.contains("The 25 most severe of 97 findings"));
    // Every findings-table line has the six cells, whatever the message.
    let table: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("| file | row | email"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(table.len(), 25);
    for line in table {
        assert_eq!(line.replace("\\|", "").matches('|').count(), 7, "{line}");
    }
}

/// The rows of a CSV output by the address in their first column.
fn rows_by_address(path: &Path) -> Vec<(String, String)> {
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let address = line.split(',').next().unwrap().to_string();
            (address, line.to_string())
        })
        .collect()
}

#[test]
fn repermission_lists_only_removed_rows_that_may_be_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    demo_into(dir.path(), &[]);
    let removed = fs::read_to_string(dir.path().join("removed.csv")).unwrap();
    let asked = fs::read_to_string(dir.path().join("repermission.csv")).unwrap();
    // The same shape as removed.csv, and each line one of its lines.
    assert_eq!(asked.lines().next(), removed.lines().next());
    let removed_lines: BTreeSet<&str> = removed.lines().collect();
    for line in asked.lines() {
        assert!(removed_lines.contains(line), "{line}");
    }
    let addresses: Vec<String> = rows_by_address(&dir.path().join("repermission.csv"))
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    // Stale (C004) and incompletely recorded (C006, with C005) consent.
    assert_eq!(
        addresses,
        [
            "wei.meier@example.com",
            "xenia.lehmann@example.org",
            "zoe.schulze@example.net",
            "jose.maier@example.com"
        ]
    );
    // Never withdrawn, erased, suppressed, unconsented or invalid ones,
    // though removed.csv has them.
    for never in [
        "priya.huber@example.com",    // R001
        "siobhan.peters@example.com", // R002
        "max.braun@example.com",      // R003
        "sofia.lange@example.com",    // C001
        "bjorn.koehler@example.org",  // C007
        "anna..berg@example.com",     // H001
        "lena.demo@mailinator.com",   // H004
    ] {
        assert!(removed.contains(never), "{never} is removed");
        assert!(!asked.contains(never), "{never} must not be asked again");
    }
}

#[test]
fn erasure_lists_every_row_still_holding_an_erased_address() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        path
    };
    let a = write(
        "a.csv",
        "email,name\nerased@example.org,One\nkept@example.org,Two\nErased@Example.org,Three\n",
    );
    let b = write("b.csv", "email\nerased@example.org\nresigned@example.org\n");
    let consent = write(
        "consent.csv",
        "email,event,timestamp,purpose,source\n\
         erased@example.org,opt_in,2024-01-01T00:00:00Z,newsletter,web_form\n\
         erased@example.org,erasure,2024-06-01T00:00:00Z,,support_ticket\n\
         kept@example.org,opt_in,2024-01-01T00:00:00Z,newsletter,web_form\n\
         gone@example.org,opt_in,2023-01-01T00:00:00Z,newsletter,web_form\n\
         gone@example.org,erasure,2023-05-01T00:00:00Z,,email\n\
         resigned@example.org,erasure,2023-05-01T00:00:00Z,,email\n\
         resigned@example.org,opt_in,2024-02-01T00:00:00Z,newsletter,web_form\n",
    );
    let out = dir.path().join("out");
    let result = run(listaudit()
        .arg("audit")
        .args([&a, &b])
        .arg("--consent")
        .arg(&consent)
        .args(["--as-of", AS_OF, "--out-dir"])
        .arg(&out));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let erasure = fs::read_to_string(out.join("erasure.csv")).unwrap();
    let (a, b, consent) = (
        a.display().to_string(),
        b.display().to_string(),
        consent.display().to_string(),
    );
    // Every row of every file that still holds the address (any
    // spelling); an address in no file is listed as not listed; a new
    // signup after the request ends it.
    assert_eq!(
        erasure,
        format!(
            "email,status,file,row,requested_at,request_file,request_row\n\
             erased@example.org,still-listed,{a},1,2024-06-01T00:00:00Z,{consent},2\n\
             erased@example.org,still-listed,{a},3,2024-06-01T00:00:00Z,{consent},2\n\
             erased@example.org,still-listed,{b},1,2024-06-01T00:00:00Z,{consent},2\n\
             gone@example.org,not-listed,,,2023-05-01T00:00:00Z,{consent},5\n"
        )
    );
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    let said = "2 people have asked for erasure; 1 is still in a subscriber file.";
    assert!(md.contains(said), "{md}");
    // The same count when the report is the only output and D004 is off.
    let alone = run(listaudit()
        .arg("audit")
        .arg(dir.path().join("a.csv"))
        .arg(dir.path().join("b.csv"))
        .arg("--consent")
        .arg(dir.path().join("consent.csv"))
        .args(["--as-of", AS_OF, "--ignore", "D004", "--markdown"])
        .arg(dir.path().join("alone.md")));
    assert_eq!(alone.code, 1, "{}", alone.stderr);
    let md = fs::read_to_string(dir.path().join("alone.md")).unwrap();
    assert!(md.contains(said), "{md}");
}

/// Every address written in the demo's inputs, lower-cased.
fn demo_addresses() -> BTreeSet<String> {
    let mut addresses = BTreeSet::new();
    for path in DEMO.iter().filter(|a| !a.starts_with('-')) {
        let text = String::from_utf8_lossy(&fs::read(repo(path)).unwrap()).to_lowercase();
        for word in text.split(|c: char| c.is_whitespace() || ",;<>\"'".contains(c)) {
            if word.contains('@') && word.len() > 3 {
                addresses.insert(word.trim_start_matches("mailto:").to_string());
            }
        }
    }
    addresses
}

fn leaks(text: &str, addresses: &BTreeSet<String>) -> Vec<String> {
    let text = text.to_lowercase();
    addresses
        .iter()
        .filter(|a| text.contains(a.as_str()))
        .cloned()
        .collect()
}

#[test]
fn redacted_reports_hold_no_address_of_the_input() {
    let addresses = demo_addresses();
    assert!(addresses.len() > 50, "{addresses:?}");
    let dir = tempfile::tempdir().unwrap();
    let key = "a shared key for this engagement";
    let result = run(listaudit()
        .env("LISTAUDIT_REDACT_KEY", key)
        .arg("audit")
        .args(DEMO)
        .args(["--as-of", AS_OF, "--redact", "--out-dir"])
        .arg(dir.path()));
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(result.stderr, "", "a given key is not printed");
    for name in ["findings.csv", "report.json", "report.html", "report.md"] {
        let text = fs::read_to_string(dir.path().join(name)).unwrap();
        assert_eq!(leaks(&text, &addresses), Vec::<String>::new(), "{name}");
        assert!(text.contains("pseudo-"), "{name}");
    }
    // The printed pages' footer says what the report holds.
    let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
    let footer = format!(
        "@bottom-left {{ content: \"listaudit {} · addresses pseudonymised\";",
        env!("CARGO_PKG_VERSION")
    );
    assert!(html.contains(&footer), "{html}");
    assert!(!html.contains("contains personal data"));
    // Every standard-output format too.
    for format in [
        "table", "json", "markdown", "github", "junit", "sarif", "gitlab",
    ] {
        let printed = run(listaudit()
            .env("LISTAUDIT_REDACT_KEY", key)
            .arg("audit")
            .args(DEMO)
            .args(["--as-of", AS_OF, "--redact", "--format", format]));
        assert_eq!(printed.code, 1);
        // SARIF carries the rules' pages, whose examples use some of the
        // demo's made-up addresses; what must not leak is in the results.
        let stdout = if format == "sarif" {
            let mut sarif: serde_json::Value = serde_json::from_str(&printed.stdout).unwrap();
            sarif["runs"][0]["tool"] = serde_json::Value::Null;
            sarif.to_string()
        } else {
            printed.stdout
        };
        assert_eq!(leaks(&stdout, &addresses), Vec::<String>::new(), "{format}");
    }
    // The data itself keeps the addresses.
    let removed = fs::read_to_string(dir.path().join("removed.csv")).unwrap();
    assert!(removed.contains("priya.huber@example.com"));
    assert!(
        fs::read_to_string(dir.path().join("erasure.csv"))
            .unwrap()
            .contains("siobhan.peters@example.com")
    );

    // One address, one pseudonym, in every output: row 43 repeats row 1.
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let findings = findings_csv(&fs::read(dir.path().join("findings.csv")).unwrap());
    let email_at = |row: u64| {
        findings
            .iter()
            .find(|f| f["row"] == row && f["file"] == "fixtures/demo/subscribers.csv")
            .unwrap()["email"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let pseudonym = email_at(1);
    assert_eq!(email_at(43), pseudonym);
    assert!(pseudonym.starts_with("pseudo-") && pseudonym.len() == 27);
    let findings = fs::read_to_string(dir.path().join("findings.csv")).unwrap();
    let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(findings.contains(&format!(",1,{pseudonym},")));
    assert!(html.contains(&pseudonym));
    assert_eq!(report["redaction"]["addresses"], "pseudonymized");
}

#[test]
fn a_generated_redaction_key_is_printed_once_and_gives_the_same_pseudonyms() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(listaudit()
        .env_remove("LISTAUDIT_REDACT_KEY")
        .arg("audit")
        .args(DEMO)
        .args(["--as-of", AS_OF, "--redact", "-q", "--findings"])
        .arg(dir.path().join("first.csv")));
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert_eq!(first.stderr.lines().count(), 1, "{}", first.stderr);
    let key = first.stderr.trim().rsplit(' ').next().unwrap().to_string();
    assert_eq!(key.len(), 64, "{}", first.stderr);
    let again = run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args([
            "--as-of",
            AS_OF,
            "--redact",
            "--redact-key",
            &key,
            "-q",
            "--findings",
        ])
        .arg(dir.path().join("again.csv")));
    assert_eq!(again.stderr, "");
    assert_eq!(
        fs::read(dir.path().join("first.csv")).unwrap(),
        fs::read(dir.path().join("again.csv")).unwrap()
    );
}

#[test]
fn a_weak_redaction_key_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args(["--redact", "--redact-key", "secret", "--out-dir"])
        .arg(&out));
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains("--redact-key: the redaction key has 6 bytes; it needs at least 16"),
        "{}",
        result.stderr
    );
    assert!(result.stderr.contains("hint: use a random key"));
    assert!(!out.exists());
    let conflicting = run(listaudit()
        .arg("audit")
        .args(DEMO)
        .args(["--redact", "--show-addresses"]));
    assert_eq!(conflicting.code, 2);
}

/// The charts count what the consent logs say, row by row: a small list
/// whose every number is known.
#[test]
fn charts_count_the_consent_behind_each_row() {
    let dir = tempfile::tempdir().unwrap();
    let subscribers = dir.path().join("subscribers.csv");
    fs::write(
        &subscribers,
        "email\ndouble@example.org\nsingle@example.org\nnone@example.org\nundated@example.org\ngone@example.org\n",
    )
    .unwrap();
    let consent = dir.path().join("consent.csv");
    fs::write(
        &consent,
        "email,event,timestamp,purpose,source\n\
         double@example.org,opt_in,2025-01-10T10:00:00Z,newsletter,web_form\n\
         double@example.org,confirm,2025-01-10T10:05:00Z,newsletter,web_form\n\
         single@example.org,opt_in,2022-03-01T09:00:00Z,newsletter,checkout\n\
         undated@example.org,opt_in,,newsletter,web_form\n\
         gone@example.org,opt_in,2024-02-01T09:00:00Z,newsletter,web_form\n\
         gone@example.org,withdraw,2024-05-01T09:00:00Z,,unsubscribe_link\n",
    )
    .unwrap();
    let html_path = dir.path().join("report.html");
    let result = run(listaudit()
        .arg("audit")
        .arg(&subscribers)
        .arg("--consent")
        .arg(&consent)
        .args(["--as-of", AS_OF, "--html"])
        .arg(&html_path)
        .arg("--report")
        .arg(dir.path().join("report.json")));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let html = fs::read_to_string(&html_path).unwrap();
    let figure = |id: &str| {
        let start = html.find(&format!("<figure id=\"chart-{id}\">")).unwrap();
        html[start..start + html[start..].find("</figure>").unwrap()].to_string()
    };
    // The withdrawn row has no consent left.
    let doi = figure("double-opt-in");
    for part in [
        "<title>double opt-in: 1 (20.0%)</title>",
        "<title>single opt-in: 2 (40.0%)</title>",
        "<title>no consent: 2 (40.0%)</title>",
    ] {
        assert!(doi.contains(part), "{part}\n{doi}");
    }
    let age = figure("consent-age");
    assert!(
        age.contains("<g class=\"bar fresh\">\n<title>0–5 months: 1</title>"),
        "{age}"
    );
    assert!(
        age.contains("<g class=\"bar stale\">\n<title>36–41 months: 1</title>"),
        "{age}"
    );
    assert!(
        age.contains("The 2 rows with dated consent, by the age of the latest consent act or engagement from the person at the audit date; 1 (50.0%) are older than the policy&#39;s 24 months. Not drawn, of the 5 rows in all: 1 with consent but no date, 2 without consent, 0 without an address or malformed."),
        "{age}"
    );
    let sources = figure("sources");
    assert!(
        sources.contains("<title>web_form: 2 (66.7%)</title>"),
        "{sources}"
    );
    assert!(
        sources.contains("<title>checkout: 1 (33.3%)</title>"),
        "{sources}"
    );
    // Opt-ins and withdrawals by month; confirmations and undated events
    // are not counted, and 2022-03 is before the 36 months drawn.
    let activity = figure("activity");
    for month in [
        "<title>2025-01: 1 opt-ins, 0 withdrawals</title>",
        "<title>2024-02: 1 opt-ins, 0 withdrawals</title>",
        "<title>2024-05: 0 opt-ins, 1 withdrawals</title>",
        "<title>2022-07: 0 opt-ins, 0 withdrawals</title>",
    ] {
        assert!(activity.contains(month), "{month}\n{activity}");
    }
    assert!(
        activity.contains("2 opt-ins and 1 withdrawals. 1 earlier events are not drawn."),
        "{activity}"
    );
    // report.json states the same numbers, so scripts and charts agree.
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let consent = &report["summary"]["consent"];
    for (key, value) in [
        ("double_opt_in", 1),
        ("single_opt_in", 2),
        ("no_consent", 2),
        ("no_address", 0),
        ("dated", 2),
        ("undated", 1),
        ("stale_after_months", 24),
        ("stale", 1),
    ] {
        assert_eq!(consent[key], value, "summary.consent.{key}");
    }
    assert_eq!(
        consent["sources"],
        serde_json::json!({
            "top": [{"value": "web_form", "rows": 2}, {"value": "checkout", "rows": 1}],
            "others": {"values": 0, "rows": 0},
        })
    );
    assert_eq!(
        report["summary"]["activity"],
        serde_json::json!({
            "from": "2022-07", "to": "2025-06",
            "opt_ins": 2, "withdrawals": 1, "earlier": 1, "later": 0,
        })
    );
}

/// A list with nothing to remove says so, in words that fit one row.
#[test]
fn a_clean_one_row_list_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("subs.csv"), "email\nana@beispiel.de\n").unwrap();
    fs::write(
        dir.path().join("consent.csv"),
        "email,event,timestamp,purpose,source,ip\n\
         ana@beispiel.de,opt_in,2025-01-10T10:00:00Z,newsletter,web_form,192.0.2.1\n\
         ana@beispiel.de,confirm,2025-01-10T10:05:00Z,newsletter,web_form,192.0.2.1\n",
    )
    .unwrap();
    let result = run(listaudit()
        .current_dir(dir.path())
        .args([
            "audit",
            "subs.csv",
            "--consent",
            "consent.csv",
            "--as-of",
            AS_OF,
        ])
        .args(["--out-dir", "out"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    for name in ["report.html", "report.md"] {
        let text = fs::read_to_string(dir.path().join("out").join(name)).unwrap();
        assert!(
            text.contains("The one row can be mailed under the eu-gdpr policy."),
            "{name}: {text}"
        );
    }
    let html = fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(html.contains("No rule fired: every row passed every check of the policy."));
    assert!(!html.contains("<table class=\"samples\">"));
}
