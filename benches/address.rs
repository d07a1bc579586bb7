//! The per-address work of a large audit: normalization and every offline
//! hygiene check (H001, H003–H007, H009), which run once per subscriber row.
//!
//! `cargo bench --bench address`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use listaudit::address::{
    HygieneLists, check_syntax, domain_kind, mailbox, normalize, role_account, special_use,
    typo_suggestion,
};

/// A mix like a real list: mostly big providers and company domains, some
/// wrappers and case, a few broken, disposable, role and typo addresses.
fn sample() -> Vec<String> {
    let domains = [
        "gmail.com",
        "GMX.de",
        "web.de",
        "outlook.com",
        "t-online.de",
        "yahoo.com",
        "nordwind-verlag.de",
        "mail.kaffee-hanse.de",
        "icloud.com",
        "bücher.de",
        "example.com",
        "mailinator.com",
        "gmaill.com",
        "hotmail.co.uk",
    ];
    let locals = [
        "anna.schmidt",
        "Ben.Berg+news",
        "info",
        "c.weber1987",
        "jörg",
        "noreply",
        "d_e-f",
        "an..na",
        "lena",
    ];
    let mut out = Vec::new();
    for (i, domain) in domains.iter().enumerate() {
        for (j, local) in locals.iter().enumerate() {
            let address = format!("{local}@{domain}");
            out.push(match (i + j) % 5 {
                0 => format!("  {address} "),
                1 => format!("Anna <{address}>"),
                _ => address,
            });
        }
    }
    out
}

fn check_one(cell: &str, lists: &HygieneLists) -> usize {
    let Some(key) = normalize(cell) else {
        return 0;
    };
    let mut fired = 0;
    let syntax = check_syntax(cell, &key);
    fired += usize::from(!matches!(syntax, Ok(None)));
    if let (Ok(_), Some((local, domain))) = (&syntax, key.rsplit_once('@')) {
        let mut buffer = [0; 64];
        fired += usize::from(role_account(local, lists, &mut buffer).is_some());
        fired += usize::from(domain_kind(domain, lists).is_some());
        fired += usize::from(special_use(domain).is_some());
    }
    if let Some((_, domain)) = key.rsplit_once('@') {
        fired += usize::from(typo_suggestion(domain, lists).is_some());
    }
    fired += usize::from(mailbox(&key, &mut [0; 256]).is_some());
    fired
}

fn bench(c: &mut Criterion) {
    let sample = sample();
    let lists = HygieneLists::default();
    // The shipped lists are parsed once, on first use, not per address.
    check_one("warm@gmail.com", &lists);
    check_one("warm@gmial.com", &lists);
    let mut group = c.benchmark_group("address");
    group.throughput(Throughput::Elements(sample.len() as u64));
    group.bench_function("normalize", |b| {
        b.iter(|| {
            for cell in &sample {
                black_box(normalize(black_box(cell)));
            }
        })
    });
    group.bench_function("normalize_and_all_hygiene_checks", |b| {
        b.iter(|| {
            for cell in &sample {
                black_box(check_one(black_box(cell), &lists));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
