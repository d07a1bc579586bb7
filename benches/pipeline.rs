//! The hot paths of an audit, one by one, on data from the benchmark
//! generator: reading CSV records, timestamp parsing, building the consent
//! index, evaluating the row rules, and writing rows and findings out.
//! Whole-run figures against DuckDB come from `bench/compare.py`.
//!
//! `cargo bench --bench pipeline`

#[allow(dead_code)]
#[path = "../examples/gen/synth.rs"]
mod synth;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use listaudit::address::normalize;
use listaudit::audit::{AuditOutcome, Finding, FindingSink, Findings, InputInfo};
use listaudit::consent::{
    Assessment, BuiltIndex, ConsentIndex, EventRef, IndexBuilder, Location, PurposeFit, Terms,
    Timestamp, parse_timestamp,
};
use listaudit::input::{RawRecord, RecordReader};
use listaudit::output::{
    Addresses, Redactor, ReportTarget, write_findings_csv, write_html_report, write_report_json,
};
use listaudit::policy::{Level, Policy};
use listaudit::rules::RuleId;
use listaudit::rules::checks::{RowContext, check_row};
use listaudit::vocabulary::Vocabulary;

const AS_OF: Timestamp = Timestamp::from_unix(1_735_689_600); // 2025-01-01

/// One chunk of the generator: 10,000 subscribers, ~36,000 events.
fn dataset() -> (String, String) {
    let params = synth::Params {
        subscribers: synth::CHUNK,
        events_per_subscriber: 3,
        seed: 1,
    };
    let (rows, events, _) = synth::chunk(&params, 0);
    (
        format!("{}{rows}", synth::SUBSCRIBER_HEADER),
        format!("{}{events}", synth::CONSENT_HEADER),
    )
}

fn records(csv: &str) -> Vec<RawRecord> {
    let mut reader = RecordReader::new(csv.as_bytes(), b',', usize::MAX);
    let mut out = Vec::new();
    let mut record = RawRecord::default();
    while reader.read(&mut record).unwrap() {
        out.push(record.clone());
    }
    out.remove(0);
    out
}

fn text(record: &RawRecord, i: usize) -> &str {
    std::str::from_utf8(record.get(i).unwrap_or_default()).unwrap_or_default()
}

/// The consent log as the index takes it: (key, event), parsed outside the
/// measurement.
fn events(log: &[RawRecord], builder: &mut IndexBuilder) -> Vec<(String, EventRef)> {
    log.iter()
        .map(|record| {
            let key = normalize(text(record, 0)).unwrap();
            let event = EventRef {
                kind: Vocabulary::builtin().event(text(record, 1)).unwrap(),
                time: parse_timestamp(text(record, 2), None).unwrap(),
                at: Location {
                    input: 1,
                    row: record.row(),
                },
                purpose_fit: match text(record, 3) {
                    "" => PurposeFit::Unstated,
                    "newsletter" => PurposeFit::Covers,
                    _ => PurposeFit::Other,
                },
                purpose: builder.intern(text(record, 3)),
                source: builder.intern_source(text(record, 4)),
                detail: Default::default(),
                has_ip: !text(record, 5).is_empty(),
                has_collection_point: false,
                terms: Terms::default(),
            };
            (key, event)
        })
        .collect()
}

fn build_index(events: &[(String, EventRef)]) -> ConsentIndex {
    let mut builder = IndexBuilder::new(AS_OF, u64::MAX);
    for purpose in ["newsletter", "product_updates", "partner_offers"] {
        builder.intern(purpose);
    }
    builder.intern_source("web_form");
    for (i, (key, event)) in events.iter().enumerate() {
        builder.push(key, *event);
        if i % 16_384 == 16_383 {
            builder.flush().unwrap();
        }
    }
    match builder.finish(Vocabulary::builtin()).unwrap() {
        BuiltIndex::Held(index) => index,
        BuiltIndex::Spilled(_) => unreachable!("an unlimited builder holds its index"),
    }
}

fn bench(c: &mut Criterion) {
    let (subscribers, consent) = dataset();
    let rows = records(&subscribers);
    let log = records(&consent);

    let mut group = c.benchmark_group("csv");
    group.throughput(Throughput::Bytes(consent.len() as u64));
    group.bench_function("read records (consent log)", |b| {
        b.iter(|| {
            let mut reader = RecordReader::new(consent.as_bytes(), b',', usize::MAX);
            let mut record = RawRecord::default();
            let mut fields = 0;
            while reader.read(&mut record).unwrap() {
                fields += record.len();
            }
            black_box(fields)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(log.len() as u64));
    group.bench_function("normalize addresses", |b| {
        b.iter(|| {
            log.iter()
                .filter_map(|r| normalize(black_box(text(r, 0))))
                .count()
        })
    });
    group.bench_function("timestamps (RFC 3339, Z and +02:00)", |b| {
        b.iter(|| {
            log.iter()
                .filter_map(|r| parse_timestamp(black_box(text(r, 2)), None).ok())
                .count()
        })
    });
    let mailchimp: Vec<&str> = rows.iter().map(|r| text(r, 4)).collect();
    group.throughput(Throughput::Elements(mailchimp.len() as u64));
    group.bench_function("timestamps (Mailchimp, naive)", |b| {
        b.iter(|| {
            mailchimp
                .iter()
                .filter_map(|t| parse_timestamp(black_box(t), None).ok())
                .count()
        })
    });
    group.finish();

    let mut builder = IndexBuilder::new(AS_OF, u64::MAX);
    let parsed = events(&log, &mut builder);
    let mut group = c.benchmark_group("index");
    group.throughput(Throughput::Elements(parsed.len() as u64));
    group.bench_function("fold events into the index", |b| {
        b.iter(|| black_box(build_index(&parsed)).len())
    });
    group.finish();

    let index = build_index(&parsed);
    let policy = Policy::preset("eu-gdpr").unwrap();
    let names = vec!["subscribers.csv".to_string(), "consent.csv".to_string()];
    let keys: Vec<(String, String)> = rows
        .iter()
        .filter_map(|r| {
            let written = text(r, 0).trim().to_string();
            Some((normalize(&written)?, written))
        })
        .collect();
    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_function("look up and check rows (all default rules)", |b| {
        b.iter(|| {
            let mut findings = 0;
            for (key, written) in &keys {
                let ctx = RowContext {
                    key,
                    written,
                    syntax: Default::default(),
                    domain_kind: Default::default(),
                    assessment: Assessment::new(index.get(key)),
                    suppressed_at: None,
                    policy: &policy,
                    as_of: AS_OF,
                    index: &index,
                    input_names: &names,
                    consent_logs: 1,
                    export: None,
                    export_evidence: false,
                    export_note: Default::default(),
                };
                findings += check_row(&ctx).len();
            }
            black_box(findings)
        })
    });
    group.finish();

    let findings: Vec<Finding> = keys
        .iter()
        .enumerate()
        .map(|(i, (key, _))| Finding {
            rule: RuleId::C004,
            level: Level::Error,
            input: 0,
            row: i as u64 + 1,
            line: i as u64 + 2,
            email: key.clone(),
            message: format!("latest consent (opt_in at 2020-03-01T10:00:00Z, consent.csv row {i}) is 58 months old; the policy treats consent older than 24 months as stale"),
            baselined: false,
        })
        .collect();
    let mut group = c.benchmark_group("output");
    group.throughput(Throughput::Elements(findings.len() as u64));
    for (name, budget) in [
        ("findings held", usize::MAX),
        ("findings spilled", 256 << 10),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || findings.clone(),
                |findings| {
                    let mut sink = FindingSink::new(budget);
                    sink.extend(findings).unwrap();
                    let (held, _) = sink.finish(10_000, 0).unwrap();
                    let mut bytes = 0;
                    held.for_each(|f| {
                        bytes += f.message.len();
                        Ok::<_, std::io::Error>(())
                    })
                    .unwrap();
                    black_box(bytes)
                },
                BatchSize::LargeInput,
            )
        });
    }
    let outcome = AuditOutcome {
        as_of: AS_OF,
        policy: policy.clone(),
        inputs: vec![InputInfo {
            path: "subscribers.csv".to_string(),
            kind: "subscribers",
            format: "mailchimp",
            encoding: "utf-8",
            delimiter: ",".to_string(),
            rows: findings.len() as u64,
            kept: Some(0),
            removed: Some(findings.len() as u64),
            sha256: None,
        }],
        summary: {
            let sink = FindingSink::new(usize::MAX);
            sink.finish(findings.len() as u64, 0).unwrap().1
        },
        findings: Findings::Held(findings.clone()),
        notices: Vec::new(),
        written: Vec::new(),
        consent: Default::default(),
        baseline: None,
    };
    let redactor = Redactor::with_key("benchmark key of some length").unwrap();
    group.bench_function("write findings.csv", |b| {
        b.iter(|| write_findings_csv(&outcome, Addresses::Shown, std::io::sink()).unwrap())
    });
    group.bench_function("write findings.csv --redact", |b| {
        b.iter(|| {
            write_findings_csv(
                &outcome,
                Addresses::Pseudonymized(&redactor),
                std::io::sink(),
            )
            .unwrap()
        })
    });
    // The per-finding cost of the document: `--format json`, every
    // finding inline (report.json itself names findings.csv instead).
    group.bench_function("write --format json", |b| {
        b.iter(|| {
            write_report_json(
                &outcome,
                Addresses::Shown,
                ReportTarget::Stdout,
                std::io::sink(),
            )
            .unwrap()
        })
    });
    group.bench_function("write report.html", |b| {
        b.iter(|| write_html_report(&outcome, Addresses::Shown, std::io::sink()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
