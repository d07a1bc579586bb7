//! The same inputs give byte-identical outputs for any thread count.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use crate::util::{AS_OF, listaudit, run};

/// A deterministic list of `n` subscribers covering every kind of row:
/// clean, stale, withdrawn, erased, duplicated, invalid, malformed, plus
/// events for addresses nobody subscribed with. Its status columns carry
/// consent evidence of their own, so the export is read for evidence
/// before it is audited.
fn generate(dir: &Path, n: usize) {
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

fn audit(dir: &Path, jobs: &str) -> Vec<(String, Vec<u8>)> {
    let out = dir.join(format!("out-{jobs}"));
    let result = run(listaudit()
        .arg("audit")
        .arg(dir.join("subscribers.csv"))
        .arg("--consent")
        .arg(dir.join("consent.csv"))
        .args(["--as-of", AS_OF, "--jobs", jobs, "--out-dir"])
        .arg(&out));
    assert_eq!(result.code, 1, "{}", result.stderr);
    ["cleaned.csv", "removed.csv", "findings.csv", "report.json"]
        .iter()
        .map(|name| (name.to_string(), fs::read(out.join(name)).unwrap()))
        .collect()
}

#[test]
fn outputs_are_identical_for_one_and_four_threads() {
    let dir = tempfile::tempdir().unwrap();
    // More rows than one batch, so batching and ordering are exercised.
    generate(dir.path(), 40_000);
    let one = audit(dir.path(), "1");
    let four = audit(dir.path(), "4");
    for ((name, a), (_, b)) in one.iter().zip(&four) {
        assert!(a == b, "{name} differs between -j 1 and -j 4");
        assert!(a.len() > 1000, "{name} is suspiciously small");
    }
    let report: serde_json::Value = serde_json::from_slice(&one[3].1).unwrap();
    let summary = &report["summary"];
    assert_eq!(
        summary["kept"].as_u64().unwrap() + summary["removed"].as_u64().unwrap(),
        summary["rows"].as_u64().unwrap()
    );
    for code in [
        "C001", "C004", "C005", "R001", "R002", "H001", "H002", "D001", "D003", "D004",
    ] {
        assert!(
            summary["by_rule"][code].as_u64().unwrap() > 100,
            "{code} rarely fires"
        );
    }
    // The export's own columns were read: its withdrawals and its bad
    // timestamps are findings too.
    let findings = report["findings"].as_array().unwrap();
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
