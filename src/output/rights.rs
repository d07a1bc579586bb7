//! What `lookup` and `erase` print and write: the access-request answer,
//! the erasure receipts and the hashed suppression list.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::atomic::{AtomicFile, ReadyFile};
use super::table::new_table;
use crate::error::{Error, Result, describe_io};
use crate::input::parse_digest;
use crate::rights::{
    Destination, EraseOutcome, HistoryEvent, LookupOutcome, Match, Origin, RECEIPT_CSV,
    RECEIPT_JSON, SUPPRESSION_FILE, SkippedEntry, Target,
};
use crate::text::sanitize_for_terminal;

pub const RECEIPT_SCHEMA: &str = "listaudit.erasure-receipt/1";

fn history_json(event: &HistoryEvent) -> Value {
    json!({
        "event": event.event.as_str(),
        "timestamp": event.timestamp.map(|t| t.to_string()),
        "purpose": event.purpose,
        "source": event.source,
        "file": event.file,
        "row": event.row,
    })
}

fn match_json(found: &Match) -> Value {
    json!({
        "file": found.file,
        "row": found.row,
        "line": found.line,
        "column": found.column,
        "fields": found.fields,
    })
}

/// One document per person: `{"email", "matches", "consent_history"}`.
pub fn lookup_documents(outcome: &LookupOutcome) -> Vec<Value> {
    outcome
        .targets
        .iter()
        .enumerate()
        .map(|(i, target)| {
            let matches: Vec<Value> = outcome
                .matches
                .iter()
                .filter(|m| m.target == i)
                .map(match_json)
                .collect();
            let history: Vec<Value> = outcome
                .history
                .iter()
                .filter(|e| e.target == i)
                .map(history_json)
                .collect();
            json!({
                "email": target.key,
                "matches": matches,
                "consent_history": history,
            })
        })
        .collect()
}

/// The answer for the terminal: per person, each row with its fields, then
/// the consent history.
pub fn render_lookup(outcome: &LookupOutcome) -> String {
    let clean = |s: &str| sanitize_for_terminal(s).into_owned();
    let mut text = String::new();
    for (i, target) in outcome.targets.iter().enumerate() {
        let email = target.key.as_deref().unwrap_or_default();
        let matches: Vec<&Match> = outcome.matches.iter().filter(|m| m.target == i).collect();
        let history: Vec<&HistoryEvent> =
            outcome.history.iter().filter(|e| e.target == i).collect();
        let files: BTreeSet<&str> = matches.iter().map(|m| m.file.as_str()).collect();
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&format!(
            "{}: {} in {}, {} in the consent history\n",
            clean(email),
            count(matches.len(), "row", "rows"),
            count(files.len(), "file", "files"),
            count(history.len(), "event", "events"),
        ));
        for found in matches {
            text.push_str(&format!(
                "\n  {} row {} (line {}), found in {}\n",
                clean(&found.file),
                found.row,
                found.line,
                clean(&found.column)
            ));
            if let Value::Object(fields) = &found.fields {
                let width = fields.keys().map(|k| k.chars().count()).max().unwrap_or(0);
                for (key, value) in fields {
                    let value = match value {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    text.push_str(&format!(
                        "    {:width$}  {}\n",
                        clean(key),
                        clean(&value),
                        width = width
                    ));
                }
            }
        }
        if !history.is_empty() {
            let mut table = new_table(false);
            table.set_header(vec!["when", "event", "purpose", "source", "where"]);
            for event in history {
                table.add_row(vec![
                    event
                        .timestamp
                        .map_or("(undated)".to_string(), |t| t.to_string()),
                    event.event.as_str().to_string(),
                    clean(&event.purpose),
                    clean(&event.source),
                    format!("{} row {}", clean(&event.file), event.row),
                ]);
            }
            text.push_str(&format!("\n  consent history\n{table}\n"));
        }
    }
    text
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn origin_json(target: &Target) -> Value {
    match &target.origin {
        Origin::Argument => json!({"from": "argument"}),
        Origin::List { file, line } => json!({"from": "address-list", "file": file, "line": line}),
        Origin::ErasureRequest {
            file,
            row,
            requested_at,
        } => json!({
            "from": "erasure-request",
            "file": file,
            "row": row,
            "requested_at": requested_at.map(|t| t.to_string()),
        }),
    }
}

fn output_path(destination: &Destination) -> Option<String> {
    match destination {
        Destination::Nowhere => None,
        Destination::Copy(path) | Destination::InPlace(path) => Some(path.display().to_string()),
    }
}

fn skipped_json(skipped: &[SkippedEntry]) -> Vec<Value> {
    skipped
        .iter()
        .map(|s| json!({"file": s.file, "line": s.line, "message": s.message}))
        .collect()
}

/// The erasure receipt. People are named by the SHA-256 of their
/// normalized address only: the receipt proves the erasure without
/// keeping what was erased.
pub fn receipt_json(outcome: &EraseOutcome) -> Value {
    let dry_run = outcome
        .files
        .iter()
        .all(|f| f.destination == Destination::Nowhere);
    let in_place = outcome
        .files
        .iter()
        .any(|f| matches!(f.destination, Destination::InPlace(_)));
    let people: Vec<Value> = outcome
        .targets
        .iter()
        .enumerate()
        .map(|(i, target)| {
            let files: Vec<Value> = outcome
                .files
                .iter()
                .map(|file| {
                    let rows = file.rows_of(i);
                    json!({"file": file.path, "rows_removed": rows.len(), "rows": rows})
                })
                .collect();
            json!({
                "address_sha256": target.digest_hex(),
                "requested_by": origin_json(target),
                "rows_removed": outcome.rows_of(i),
                "files": files,
            })
        })
        .collect();
    let files: Vec<Value> = outcome
        .files
        .iter()
        .map(|file| {
            json!({
                "file": file.path,
                "output": output_path(&file.destination),
                "format": file.shape.format_name(),
                "encoding": file.shape.encoding().as_str(),
                "delimiter": file.shape.delimiter(),
                "rows": file.rows,
                "rows_removed": file.removed,
                "rows_kept": file.rows - file.removed,
                "input_sha256": file.input_sha256,
                "output_sha256": file.output_sha256,
            })
        })
        .collect();
    let lifted: Vec<Value> = outcome
        .requests
        .lifted
        .iter()
        .map(|r| json!({"file": r.file, "row": r.row}))
        .collect();
    json!({
        "schema": RECEIPT_SCHEMA,
        "tool": {"name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION")},
        "erased_at": outcome.erased_at.to_string(),
        "as_of": outcome.as_of.to_string(),
        "dry_run": dry_run,
        "in_place": in_place,
        "summary": {
            "people": outcome.targets.len(),
            "files": outcome.files.len(),
            "rows_removed": outcome.removed(),
            "erasure_requests_lifted": outcome.requests.lifted.len(),
        },
        "people": people,
        "files": files,
        "requests_lifted_by_a_later_signup": lifted,
        "skipped_entries": skipped_json(&outcome.skipped),
    })
}

/// One line per person and file: `address_sha256,file,rows_removed,rows,
/// input_sha256,output_sha256,erased_at`.
pub fn write_receipt_csv<W: Write>(outcome: &EraseOutcome, out: W) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "address_sha256",
        "file",
        "rows_removed",
        "rows",
        "input_sha256",
        "output_sha256",
        "erased_at",
    ])?;
    let erased_at = outcome.erased_at.to_string();
    for (i, target) in outcome.targets.iter().enumerate() {
        let digest = target.digest_hex();
        for file in &outcome.files {
            let rows = file.rows_of(i);
            let listed: Vec<String> = rows.iter().map(u64::to_string).collect();
            writer.write_record([
                digest.as_str(),
                &crate::text::spreadsheet_safe(&file.path),
                &rows.len().to_string(),
                &listed.join(";"),
                &file.input_sha256,
                &file.output_sha256,
                &erased_at,
            ])?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// `suppression.sha256`: the digests of everyone erased now and of
/// everyone in `earlier` (the list this run replaces), sorted, one per
/// line and nothing else (SPEC §2), so that the list only ever grows.
fn suppression_list(outcome: &EraseOutcome, earlier: BTreeSet<String>) -> String {
    let mut digests = earlier;
    digests.extend(outcome.targets.iter().map(Target::digest_hex));
    let mut text = String::with_capacity(digests.len() * 65);
    for digest in digests {
        text.push_str(&digest);
        text.push('\n');
    }
    text
}

/// The digests of the suppression list a run replaces. Lines that are not
/// digests (comments) are dropped.
fn earlier_digests(path: &Path) -> Result<BTreeSet<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .map(|line| line.trim().to_ascii_lowercase())
            .filter(|line| parse_digest(line).is_some())
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(Error::input(&path.display().to_string(), describe_io(&e))
            .with_hint("the suppression list this run would extend cannot be read")),
    }
}

/// The names of one run's receipts: `erasure-receipt.json` and `.csv`,
/// or, when an earlier run's receipts are there, `erasure-receipt-N.json`
/// and `.csv` with the first free N from 2. Receipts are evidence: a run
/// never writes over one. `taken` are names this run writes besides.
pub fn receipt_names(dir: &Path, taken: &[&Path]) -> (PathBuf, PathBuf) {
    let free = |path: &Path| std::fs::symlink_metadata(path).is_err() && !taken.contains(&path);
    let (json_stem, csv_stem) = (
        RECEIPT_JSON.trim_end_matches(".json"),
        RECEIPT_CSV.trim_end_matches(".csv"),
    );
    (1u64..)
        .map(|n| match n {
            1 => (dir.join(RECEIPT_JSON), dir.join(RECEIPT_CSV)),
            n => (
                dir.join(format!("{json_stem}-{n}.json")),
                dir.join(format!("{csv_stem}-{n}.csv")),
            ),
        })
        .find(|(json, csv)| free(json) && free(csv))
        .unwrap_or_default()
}

/// The receipts (under `names`, see [`receipt_names`]) and the
/// suppression list, written in `dir` and ready to be put in place.
pub fn erase_documents(
    dir: &Path,
    names: &(PathBuf, PathBuf),
    outcome: &EraseOutcome,
    receipt: &Value,
) -> Result<Vec<ReadyFile>> {
    let suppression_path = dir.join(SUPPRESSION_FILE);
    let earlier = earlier_digests(&suppression_path)?;
    let mut json_file = AtomicFile::create(&names.0)?;
    serde_json::to_writer_pretty(&mut json_file, receipt)
        .map_err(std::io::Error::from)
        .and_then(|()| json_file.write_all(b"\n"))
        .map_err(|e| json_file.io_error(e))?;
    let mut csv_file = AtomicFile::create(&names.1)?;
    write_receipt_csv(outcome, &mut csv_file)
        .map_err(|e| csv_file.io_error(std::io::Error::other(e)))?;
    let mut suppression = AtomicFile::create(&suppression_path)?;
    suppression
        .write_all(suppression_list(outcome, earlier).as_bytes())
        .map_err(|e| suppression.io_error(e))?;
    Ok(vec![
        json_file.finish()?,
        csv_file.finish()?,
        suppression.finish()?,
    ])
}

/// The terminal summary of an erasure.
pub fn render_erase(outcome: &EraseOutcome, dry_run: bool) -> String {
    let clean = |s: &str| sanitize_for_terminal(s).into_owned();
    let mut table = new_table(false);
    let verb = if dry_run { "would remove" } else { "removed" };
    table.set_header(vec!["file", "rows", verb, "kept", "written to"]);
    for file in &outcome.files {
        let to = match &file.destination {
            Destination::Nowhere => "-".to_string(),
            Destination::InPlace(_) if file.removed == 0 => "(unchanged)".to_string(),
            Destination::InPlace(_) => "(in place)".to_string(),
            Destination::Copy(path) => clean(&path.display().to_string()),
        };
        table.add_row(vec![
            clean(&file.path),
            file.rows.to_string(),
            file.removed.to_string(),
            (file.rows - file.removed).to_string(),
            to,
        ]);
    }
    let from_requests = outcome
        .targets
        .iter()
        .filter(|t| matches!(t.origin, Origin::ErasureRequest { .. }))
        .count();
    let not_found = (0..outcome.targets.len())
        .filter(|i| outcome.rows_of(*i) == 0)
        .count();
    let mut text = format!(
        "{} to erase ({} from erasure requests in consent logs); {} {} {}\n{table}\n",
        count(outcome.targets.len(), "person", "people"),
        from_requests,
        verb,
        count(outcome.removed() as usize, "row", "rows"),
        if outcome.files.len() == 1 {
            "from 1 file".to_string()
        } else {
            format!("from {} files", outcome.files.len())
        },
    );
    if not_found > 0 {
        text.push_str(&format!(
            "{} in no file (kept in the suppression list all the same)\n",
            count(not_found, "person is", "people are")
        ));
    }
    for lifted in &outcome.requests.lifted {
        text.push_str(&format!(
            "not erased: the erasure request in {} row {} was followed by a new sign-up\n",
            clean(&lifted.file),
            lifted.row
        ));
    }
    text
}
