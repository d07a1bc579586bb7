//! Writes a synthetic subscriber export and consent log for benchmarks.
//!
//! ```text
//! cargo run --release --example gen -- --subscribers 1000000 --out DIR
//! ```
//!
//! Options: `--subscribers N` (required), `--events-per-subscriber K`
//! (default 3), `--seed S` (default 20250101), `--out DIR` (required),
//! `--xlsx` (also write the subscribers as `DIR/subscribers.xlsx`, typed
//! as a CRM exports them: times as date cells, ratings and IDs as numbers;
//! at most 1,048,575 rows, Excel's limit).
//! Writes `DIR/subscribers.csv`, `DIR/consent.csv` and `DIR/manifest.json`.
//! The same options give byte-identical files, whatever the thread count.

mod synth;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use rayon::prelude::*;

use synth::{Category, Params, Tally};

struct Options {
    params: Params,
    out: PathBuf,
    xlsx: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut params = Params {
        subscribers: 0,
        events_per_subscriber: 3,
        seed: 20_250_101,
    };
    let mut out = None;
    let mut xlsx = false;
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
            "--xlsx" => xlsx = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    if params.subscribers == 0 {
        return Err("--subscribers N (N > 0) is required".into());
    }
    Ok(Options { params, out, xlsx })
}

/// The subscriber CSV as a workbook: one sheet, cells typed as a CRM
/// writes them, written row by row.
fn write_xlsx(csv_path: &std::path::Path, xlsx_path: &std::path::Path) -> Result<u64, String> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", xlsx_path.display());
    let mut reader = csv::Reader::from_path(csv_path).map_err(|e| fail(&e))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| fail(&e))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut workbook = Workbook::new();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .and_then(|sheet| sheet.set_name("Contacts"))
        .map_err(|e| fail(&e))?;
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (col, name) in header.iter().enumerate() {
        sheet
            .write_string(0, col as u16, name)
            .map_err(|e| fail(&e))?;
    }
    let mut rows = 0u64;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| fail(&e))?;
        let row = u32::try_from(i + 1)
            .ok()
            .filter(|r| *r < 1_048_576)
            .ok_or_else(|| fail(&"more rows than a sheet holds (1,048,576)"))?;
        for (col, (name, value)) in header.iter().zip(record.iter()).enumerate() {
            let col = col as u16;
            let written = match name.as_str() {
                _ if value.is_empty() => continue,
                "OPTIN_TIME" | "CONFIRM_TIME" | "LAST_CHANGED" => {
                    match ExcelDateTime::parse_from_str(value) {
                        Ok(at) => sheet.write_datetime_with_format(row, col, &at, &when),
                        Err(_) => sheet.write_string(row, col, value),
                    }
                }
                "MEMBER_RATING" | "LEID" | "LATITUDE" | "LONGITUDE" | "GMTOFF" | "DSTOFF" => {
                    match value.parse::<f64>() {
                        Ok(n) => sheet.write_number(row, col, n),
                        Err(_) => sheet.write_string(row, col, value),
                    }
                }
                _ => sheet.write_string(row, col, value),
            };
            written.map_err(|e| fail(&e))?;
        }
        rows += 1;
    }
    workbook.save(xlsx_path).map_err(|e| fail(&e))?;
    Ok(rows)
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
    let Options { params, out, xlsx } = match parse_args() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!(
                "gen: {message}\nusage: gen --subscribers N [--events-per-subscriber K] [--seed S] [--xlsx] --out DIR"
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
            if xlsx {
                let started = std::time::Instant::now();
                match write_xlsx(&out.join("subscribers.csv"), &out.join("subscribers.xlsx")) {
                    Ok(rows) => eprintln!(
                        "gen: {rows} rows in subscribers.xlsx ({:.1} s)",
                        started.elapsed().as_secs_f64()
                    ),
                    Err(message) => {
                        eprintln!("gen: {message}");
                        return ExitCode::from(1);
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen: {}: {e}", out.display());
            ExitCode::from(1)
        }
    }
}
