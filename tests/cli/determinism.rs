//! The same inputs give byte-identical outputs for any thread count.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use crate::util::{AS_OF, findings_csv, listaudit, run};

/// A deterministic list of `n` subscribers covering every kind of row:
/// clean, stale, withdrawn, erased, duplicated, invalid, malformed, plus
/// events for addresses nobody subscribed with. Its status columns carry
/// consent evidence of their own, so the export is read for evidence
/// before it is audited.
pub fn generate(dir: &Path, n: usize) {
    let mut subscribers = String::from("Email Address,First Name,Notes,Status,Unsubscribed At\n");
    let mut consent = String::from("email,event,timestamp,purpose,source,ip\n");
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..n {
        let address = format!("person{i}@example.com");
        let kind = next() % 20;
        match kind {
            0 => writeln!(subscribers, "{address},Dup,\"first, copy\",,").unwrap(),
            1 => writeln!(subscribers, "person{i}..x@example.com,Bad,,,").unwrap(),
            2 => writeln!(subscribers, "{address},Short").unwrap(),
            10 => writeln!(
                subscribers,
                "{address},P{i},,unsubscribed,2024-11-{:02} 10:00:00",
                1 + i % 28
            )
            .unwrap(),
            11 => writeln!(subscribers, "{address},P{i},,subscribed,last week").unwrap(),
            // Two spellings Gmail delivers to one mailbox (H006).
            12 => writeln!(
                subscribers,
                "p{i}.x@gmail.com,Alias,,subscribed,\nP{i}X+news@GMail.com,Alias,,subscribed,"
            )
            .unwrap(),
            _ => writeln!(subscribers, "{},P{i},,subscribed,", address.to_uppercase()).unwrap(),
        }
        if kind == 0 {
            writeln!(subscribers, "{address},Dup,second copy,,").unwrap();
        }
        let day = 1 + next() % 28;
        let year = if kind == 3 { 2021 } else { 2024 };
        if kind != 4 {
            writeln!(
                consent,
                "{address},opt_in,{year}-03-{day:02}T10:00:00Z,newsletter,web_form,192.0.2.1"
            )
            .unwrap();
        }
        if kind != 5 {
            writeln!(consent, "{address},confirm,{year}-03-{day:02}T10:05:00+02:00,newsletter,double_opt_in_link,192.0.2.1").unwrap();
        }
        match kind {
            6 => writeln!(
                consent,
                "{address},unsubscribe,2024-09-{day:02}T10:00:00Z,,unsubscribe_link,"
            )
            .unwrap(),
            7 => writeln!(
                consent,
                "{address},erasure_request,2024-10-{day:02}T10:00:00Z,,support,"
            )
            .unwrap(),
            8 => writeln!(
                consent,
                "other{i}@example.com,opt_in,2024-01-{day:02}T10:00:00Z,newsletter,web_form,"
            )
            .unwrap(),
            9 => writeln!(consent, "{address},click,sometime,,campaign,").unwrap(),
            _ => {}
        }
    }
    fs::write(dir.join("subscribers.csv"), subscribers).unwrap();
    fs::write(dir.join("consent.csv"), consent).unwrap();
}

/// Runs an audit and returns its output files. The phase timings on
/// standard error say which path the run took: with `--memory-limit` the
/// index and the findings must have spilled, without it neither.
fn audit(dir: &Path, flags: &[&str]) -> Vec<(String, Vec<u8>)> {
    let out = dir.join(format!("out{}", flags.join("")));
    let result = run(listaudit()
        .env("LISTAUDIT_TIMINGS", "1")
        .arg("audit")
        .arg(dir.join("subscribers.csv"))
        .arg("--consent")
        .arg(dir.join("consent.csv"))
        .args(if flags.contains(&"--as-of") {
            &[][..]
        } else {
            &["--as-of", AS_OF][..]
        })
        .args(flags)
        .arg("--out-dir")
        .arg(&out));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let spills = flags.contains(&"--memory-limit");
    for phase in ["group passes over the spilled index", "spilled runs"] {
        assert_eq!(
            result.stderr.contains(phase),
            spills,
            "{phase}:\n{}",
            result.stderr
        );
    }
    assert_eq!(
        result.stderr.contains("index in memory"),
        !spills,
        "{}",
        result.stderr
    );
    [
        "cleaned.csv",
        "removed.csv",
        "repermission.csv",
        "erasure.csv",
        "findings.csv",
        "report.json",
        "report.html",
        "report.md",
    ]
    .iter()
    .map(|name| (name.to_string(), fs::read(out.join(name)).unwrap()))
    .collect()
}

/// The bytes of the output called `name`.
fn named<'a>(outputs: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &outputs.iter().find(|(n, _)| n == name).unwrap().1
}

fn assert_same(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)], runs: &str) {
    for ((name, a), (_, b)) in a.iter().zip(b) {
        assert!(a == b, "{name} differs between {runs}");
        assert!(a.len() > 1000, "{name} is suspiciously small");
    }
}

#[test]
fn outputs_are_identical_for_one_and_four_threads() {
    let dir = tempfile::tempdir().unwrap();
    // About 1.6 MB of subscribers: pieces of a block parsed apart and
    // put back in order (the spill test below crosses blocks).
    generate(dir.path(), 40_000);
    let one = audit(dir.path(), &["--jobs", "1"]);
    let four = audit(dir.path(), &["--jobs", "4"]);
    assert_same(&one, &four, "-j 1 and -j 4");
    let report: serde_json::Value = serde_json::from_slice(named(&one, "report.json")).unwrap();
    let summary = &report["summary"];
    assert_eq!(
        summary["kept"].as_u64().unwrap() + summary["removed"].as_u64().unwrap(),
        summary["rows"].as_u64().unwrap()
    );
    for code in [
        "C001", "C004", "C005", "R001", "R002", "H001", "H002", "H006", "D001", "D003", "D004",
    ] {
        assert!(
            summary["by_rule"][code].as_u64().unwrap() > 100,
            "{code} rarely fires"
        );
    }
    // The export's own columns were read: its withdrawals and its bad
    // timestamps are findings too.
    let findings = findings_csv(named(&one, "findings.csv"));
    let from_export = |rule: &str, text: &str| {
        findings
            .iter()
            .any(|f| f["rule"] == rule && f["message"].as_str().unwrap().contains(text))
    };
    assert!(from_export("R001", "subscribers.csv row"));
    assert!(from_export(
        "D001",
        "timestamp 'last week' in column 'Unsubscribed At'"
    ));
}

/// 1 MiB of --memory-limit gives the index 512 KiB and findings 128 KiB:
/// far less than these lists need, so both spill, and the index is read
/// back in many groups. Files are read in blocks of 16 KiB then, so every
/// pass crosses about a hundred blocks, each prepared while the one before
/// is committed.
const SPILL: [&str; 4] = ["--jobs", "2", "--memory-limit", "1M"];

#[test]
fn outputs_are_identical_when_index_and_findings_spill() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 40_000);
    let held = audit(dir.path(), &["--jobs", "1"]);
    let spilled = audit(dir.path(), &SPILL);
    assert_same(&held, &spilled, "an unlimited run and --memory-limit 1M");
}

/// The benchmark generator's data (a Mailchimp export and a shuffled
/// consent log) audited with any thread count and memory limit gives the
/// same files, and the findings its categories call for.
#[test]
fn generated_benchmark_data_is_audited_identically_and_as_drawn() {
    use crate::synth::{CONSENT_HEADER, Category, Params, SUBSCRIBER_HEADER, Tally, chunk, chunks};
    let dir = tempfile::tempdir().unwrap();
    let params = Params {
        subscribers: 25_000,
        events_per_subscriber: 3,
        seed: 7,
    };
    let mut subscribers = SUBSCRIBER_HEADER.to_string();
    let mut consent = CONSENT_HEADER.to_string();
    let mut tally = Tally::default();
    for i in 0..chunks(&params) {
        let (rows, events, counts) = chunk(&params, i);
        subscribers.push_str(&rows);
        consent.push_str(&events);
        tally.add(&counts);
    }
    assert_eq!(
        chunk(&params, 1).0,
        chunk(&params, 1).0,
        "the generator is not deterministic"
    );
    fs::write(dir.path().join("subscribers.csv"), subscribers).unwrap();
    fs::write(dir.path().join("consent.csv"), consent).unwrap();

    // The generator's reference date: its stale consents are over two
    // years old then, and its fresh ones are not.
    let as_of = ["--as-of", "2025-01-01"];
    let one = audit(dir.path(), &[&as_of[..], &["--jobs", "1"]].concat());
    let three = audit(dir.path(), &[&as_of[..], &["--jobs", "3"]].concat());
    assert_same(&one, &three, "-j 1 and -j 3");
    let spilled = audit(dir.path(), &[&as_of[..], &SPILL].concat());
    assert_same(&one, &spilled, "-j 1 and --memory-limit 1M");

    let report: serde_json::Value = serde_json::from_slice(named(&one, "report.json")).unwrap();
    let summary = &report["summary"];
    assert_eq!(summary["rows"].as_u64().unwrap(), tally.subscriber_rows);
    let count = |code: &str| summary["by_rule"][code].as_u64().unwrap();
    let drawn = |category: Category| {
        tally.categories[Category::ALL.iter().position(|c| *c == category).unwrap()]
    };
    // A rule fires on every subscriber drawn for it, and on at most the
    // rows imported twice besides.
    for (code, category) in [
        ("C001", Category::NoEvents),
        ("R001", Category::Withdrawn),
        ("R002", Category::Erasure),
    ] {
        let (fired, drawn) = (count(code), drawn(category));
        assert!(
            (drawn..=drawn + tally.duplicate_subscriber_rows).contains(&fired),
            "{code}: {fired} findings for {drawn} subscribers"
        );
    }
    // Stale consent: every subscriber drawn stale, and also those whose
    // newest opt-in was for another purpose and whose newsletter opt-in
    // is older than two years.
    assert!(count("C004") >= drawn(Category::Stale));
    assert_eq!(count("H002"), tally.duplicate_subscriber_rows);
    assert!(count("D004") >= tally.unknown_addresses);
}
