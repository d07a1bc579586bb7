//! Writes a synthetic subscriber export and consent log for benchmarks.
//!
//! ```text
//! cargo run --release --example gen -- --subscribers 1000000 --out DIR
//! ```
//!
//! Options: `--subscribers N` (required), `--events-per-subscriber K`
//! (default 3), `--seed S` (default 20250101), `--out DIR` (required).
//! Writes `DIR/subscribers.csv`, `DIR/consent.csv` and `DIR/manifest.json`.
//! The same options give byte-identical files, whatever the thread count.

mod synth;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use rayon::prelude::*;

use synth::{Category, Params, Tally};

fn parse_args() -> Result<(Params, PathBuf), String> {
    let mut params = Params {
        subscribers: 0,
        events_per_subscriber: 3,
        seed: 20_250_101,
    };
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |text: String| {
            text.replace('_', "")
                .parse::<u64>()
                .map_err(|e| format!("{flag}: {e}"))
        };
        match flag.as_str() {
            "--subscribers" => params.subscribers = number(value()?)?,
            "--events-per-subscriber" => {
                params.events_per_subscriber = u32::try_from(number(value()?)?)
                    .map_err(|_| "--events-per-subscriber is too large".to_string())?
            }
            "--seed" => params.seed = number(value()?)?,
            "--out" => out = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown option {other}")),
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    if params.subscribers == 0 {
        return Err("--subscribers N (N > 0) is required".into());
    }
    Ok((params, out))
}

fn run(params: Params, out: PathBuf) -> std::io::Result<Tally> {
    std::fs::create_dir_all(&out)?;
    let mut rows = BufWriter::with_capacity(1 << 20, File::create(out.join("subscribers.csv"))?);
    let mut log = BufWriter::with_capacity(1 << 20, File::create(out.join("consent.csv"))?);
    rows.write_all(synth::SUBSCRIBER_HEADER.as_bytes())?;
    log.write_all(synth::CONSENT_HEADER.as_bytes())?;
    let mut total = Tally::default();
    let chunks = synth::chunks(&params);
    // A window of chunks is made in parallel and written in order.
    let window = 4 * rayon::current_num_threads() as u64;
    for first in (0..chunks).step_by(window as usize) {
        let made: Vec<_> = (first..(first + window).min(chunks))
            .into_par_iter()
            .map(|i| synth::chunk(&params, i))
            .collect();
        for (subscribers, events, tally) in made {
            rows.write_all(subscribers.as_bytes())?;
            log.write_all(events.as_bytes())?;
            total.add(&tally);
        }
    }
    rows.into_inner()?.sync_all()?;
    log.into_inner()?.sync_all()?;
    let categories: Vec<String> = Category::ALL
        .iter()
        .zip(total.categories)
        .map(|(c, n)| format!("\"{}\": {n}", c.name()))
        .collect();
    let manifest = format!(
        "{{\n  \"subscribers\": {},\n  \"events_per_subscriber\": {},\n  \"seed\": {},\n  \"subscriber_rows\": {},\n  \"duplicate_subscriber_rows\": {},\n  \"event_rows\": {},\n  \"duplicate_event_rows\": {},\n  \"unknown_addresses\": {},\n  \"categories\": {{{}}}\n}}\n",
        params.subscribers,
        params.events_per_subscriber,
        params.seed,
        total.subscriber_rows,
        total.duplicate_subscriber_rows,
        total.event_rows,
        total.duplicate_event_rows,
        total.unknown_addresses,
        categories.join(", ")
    );
    std::fs::write(out.join("manifest.json"), manifest)?;
    Ok(total)
}

fn main() -> ExitCode {
    let (params, out) = match parse_args() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!(
                "gen: {message}\nusage: gen --subscribers N [--events-per-subscriber K] [--seed S] --out DIR"
            );
            return ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    match run(params, out.clone()) {
        Ok(total) => {
            eprintln!(
                "gen: {} subscriber rows, {} events in {} ({:.1} s)",
                total.subscriber_rows,
                total.event_rows,
                out.display(),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen: {}: {e}", out.display());
            ExitCode::from(1)
        }
    }
}
