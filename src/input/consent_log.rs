//! Consent logs: CSV (any delimiter), JSON Lines, or a JSON array of
//! objects, with columns or keys `email, event, timestamp, purpose, source,
//! collection_point, ip` under their common aliases.
//!
//! Rows are read in batches and parsed in parallel; each batch is handed to
//! a sink in input order.

use std::borrow::Cow;
use std::fmt;
use std::io::BufReader;

use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde_json::Value;
use smallvec::SmallVec;

use super::bounded::{LineError, PieceLimited, read_line, size_in_words};
use super::delimited::{
    ColumnOverrides, MAX_RECORD_BYTES, MappedFile, map_columns, open, read_header, shape_problem,
};
use super::dialect::Dialect;
use super::encoding::Encoding;
use super::format::{ColumnMap, Field, FileKind};
use super::record::RawRecord;
use super::source::{InputSource, Peeked};
use super::unrecognised::{Unrecognised, ValueKind};
use crate::address::normalize;
use crate::consent::{
    BasisReading, EventKind, Method, PurposeFit, PurposeMatcher, Terms, TimeRules, Timestamp,
    parse_basis, parse_method, parse_timestamp_with,
};
use crate::error::{Error, Result, describe_io};
use crate::rules::RuleId;
use crate::text::fold;
use crate::vocabulary::Vocabulary;

pub const BATCH_ROWS: usize = 16 * 1024;

/// How a consent log is written.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LogShape {
    Csv,
    JsonLines,
    JsonArray,
    /// One or more JSON documents, pretty-printed (a consent receipt).
    JsonDocuments,
}

impl LogShape {
    pub fn format_name(self) -> &'static str {
        match self {
            LogShape::Csv => "generic",
            LogShape::JsonLines => "jsonl",
            LogShape::JsonArray | LogShape::JsonDocuments => "json",
        }
    }
}

/// What the rules need from one log row.
pub struct ParseContext<'a> {
    pub purposes: &'a PurposeMatcher,
    /// The words events and bounce types are read with.
    pub vocabulary: &'a Vocabulary,
    pub time: TimeRules,
    /// `--map FIELD=KEY` for JSON logs (CSV logs are mapped when opened).
    pub json_keys: &'a [(Field, String)],
}

/// One consent-log row after parsing.
pub struct ParsedRow<'a> {
    pub row: u64,
    /// Physical line, 0 when unknown (JSON arrays).
    pub line: u64,
    /// The normalized address, when the row has one.
    pub key: Option<String>,
    /// The key's index fingerprint (0 without a key), computed where rows
    /// are parsed in parallel.
    pub fingerprint: u128,
    pub event: Option<ParsedEvent<'a>>,
    /// The event cell as written, trimmed (what `inspect` lists).
    pub event_word: Cow<'a, str>,
    /// D001, D002 and D003 findings with their messages.
    pub problems: SmallVec<[(RuleId, String); 1]>,
    /// Values the vocabulary does not know (the event, its bounce type,
    /// its expression method).
    pub unrecognised: Vec<Unrecognised>,
}

impl ParsedRow<'_> {
    /// The row with its cells copied out of the record, so that it can
    /// outlive the block it was parsed from (see
    /// [`DelimitedFile::for_each_prepared`](super::DelimitedFile::for_each_prepared)).
    fn into_owned(self) -> ParsedRow<'static> {
        ParsedRow {
            row: self.row,
            line: self.line,
            key: self.key,
            fingerprint: self.fingerprint,
            event: self.event.map(|event| ParsedEvent {
                purpose: Cow::Owned(event.purpose.into_owned()),
                source: Cow::Owned(event.source.into_owned()),
                detail: Cow::Owned(event.detail.into_owned()),
                ..event
            }),
            event_word: Cow::Owned(self.event_word.into_owned()),
            problems: self.problems,
            unrecognised: self.unrecognised,
        }
    }
}

pub struct ParsedEvent<'a> {
    pub kind: EventKind,
    pub time: Option<Timestamp>,
    pub purpose_fit: PurposeFit,
    pub purpose: Cow<'a, str>,
    pub source: Cow<'a, str>,
    /// What the input called the event, where the kind alone does not say
    /// it (`spam_complaint`, `bounce (5.1.1)`, `column 'Status' is
    /// 'cleaned'`); empty for consent acts.
    pub detail: Cow<'a, str>,
    pub has_ip: bool,
    pub has_collection_point: bool,
    pub terms: Terms,
}

/// The cells of one row that matter, borrowed where possible.
#[derive(Default)]
struct Cells<'a> {
    email: Option<Cow<'a, str>>,
    event: Option<Cow<'a, str>>,
    timestamp: Option<Cow<'a, str>>,
    purpose: Option<Cow<'a, str>>,
    source: Option<Cow<'a, str>>,
    collection_point: Option<Cow<'a, str>>,
    ip: Option<Cow<'a, str>>,
    method: Option<Cow<'a, str>>,
    notice: Option<Cow<'a, str>>,
    basis: Option<Cow<'a, str>>,
    bounce_type: Option<Cow<'a, str>>,
}

impl<'a> Cells<'a> {
    fn set(&mut self, field: Field, value: Cow<'a, str>) {
        let slot = match field {
            Field::Email => &mut self.email,
            Field::Event => &mut self.event,
            Field::Timestamp => &mut self.timestamp,
            Field::Purpose => &mut self.purpose,
            Field::Source => &mut self.source,
            Field::CollectionPoint => &mut self.collection_point,
            Field::Ip => &mut self.ip,
            Field::Method => &mut self.method,
            Field::NoticeVersion => &mut self.notice,
            Field::LegalBasis => &mut self.basis,
            Field::BounceType => &mut self.bounce_type,
            // Subscriber-export fields have no place in a log row.
            _ => return,
        };
        *slot = Some(value);
    }
}

/// Every event kind by its canonical name, for messages.
fn known_event_kinds() -> &'static str {
    static KNOWN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| EventKind::ALL.map(EventKind::as_str).join(", "))
}

/// A cell without the white space around it, borrowed where it was.
fn trimmed(cell: Option<Cow<'_, str>>) -> Cow<'_, str> {
    match cell {
        None => Cow::Borrowed(""),
        Some(Cow::Borrowed(text)) => Cow::Borrowed(text.trim()),
        Some(Cow::Owned(text)) if text.trim().len() == text.len() => Cow::Owned(text),
        Some(Cow::Owned(text)) => Cow::Owned(text.trim().to_string()),
    }
}

fn present(cell: &Option<Cow<'_, str>>) -> bool {
    cell.as_deref().is_some_and(|c| !c.trim().is_empty())
}

/// Turns the cells of one row into an event and its problems.
fn parse_cells<'a>(
    mut cells: Cells<'a>,
    row: u64,
    line: u64,
    timestamp_name: &str,
    ctx: &ParseContext<'_>,
) -> ParsedRow<'a> {
    let key = cells.email.as_deref().and_then(normalize);
    let mut parsed = ParsedRow {
        row,
        line,
        fingerprint: key.as_deref().map_or(0, crate::consent::fingerprint),
        key,
        event: None,
        event_word: trimmed(cells.event.take()),
        problems: SmallVec::new(),
        unrecognised: Vec::new(),
    };
    if parsed.key.is_none() {
        parsed
            .problems
            .push((RuleId::D003, "row has no email address".to_string()));
        return parsed;
    }
    let event_cell: &str = &parsed.event_word;
    let Some(mut kind) = ctx.vocabulary.event(event_cell) else {
        let message = if event_cell.is_empty() {
            "row has no event".to_string()
        } else {
            let unrecognised = Unrecognised::new(ValueKind::Event, event_cell);
            let message = format!(
                "unknown event '{event_cell}'; the row is not used. Known kinds: {}; teach the word in the policy's [vocabulary.events]",
                known_event_kinds()
            );
            parsed.unrecognised.push(unrecognised);
            message
        };
        parsed.problems.push((RuleId::D002, message));
        return parsed;
    };
    // Messages name the input's word for the events the rules report on;
    // the index keeps no other (opens and deliveries are many).
    let reported = matches!(
        kind,
        EventKind::Withdraw
            | EventKind::Erasure
            | EventKind::Suppress
            | EventKind::HardBounce
            | EventKind::Bounce
    );
    let mut detail = if reported {
        parsed.event_word.clone()
    } else {
        Cow::Borrowed("")
    };
    if let Some(bounce_type) = cells.bounce_type.as_deref().map(str::trim)
        && !bounce_type.is_empty()
        && kind.is_bounce()
    {
        match ctx.vocabulary.bounce_type(bounce_type) {
            Some(true) => kind = EventKind::HardBounce,
            Some(false) => kind = EventKind::SoftBounce,
            None if kind == EventKind::Bounce => {
                parsed
                    .unrecognised
                    .push(Unrecognised::new(ValueKind::BounceType, bounce_type));
            }
            None => {}
        }
        detail = Cow::Owned(format!("{}, {bounce_type}", parsed.event_word));
    }
    let time = match parse_timestamp_with(cells.timestamp.as_deref().unwrap_or(""), ctx.time) {
        Ok(time) => time,
        Err(err) => {
            parsed.problems.push((
                RuleId::D001,
                format!(
                    "timestamp '{}' in column '{timestamp_name}': {err}; the event is used as undated",
                    cells.timestamp.as_deref().unwrap_or("").trim()
                ),
            ));
            None
        }
    };
    let purpose = cells.purpose.unwrap_or(Cow::Borrowed(""));
    let purpose_fit = if kind == EventKind::Withdraw {
        ctx.purposes.classify_withdrawal(&purpose)
    } else {
        ctx.purposes.classify(&purpose)
    };
    // An expression method no word names counts as unrecorded, never as
    // affirmative; the report lists it.
    let method = cells
        .method
        .as_deref()
        .map_or(Method::Unknown, parse_method);
    if method == Method::Unknown
        && let Some(cell) = cells.method.as_deref().filter(|c| !c.trim().is_empty())
    {
        parsed
            .unrecognised
            .push(Unrecognised::new(ValueKind::Method, cell));
    }
    // A basis other than consent (legitimate interest, contract) is no
    // consent basis; the event keeps its kind. One no word names is listed.
    let basis = cells.basis.as_deref().map(parse_basis);
    if basis == Some(BasisReading::Unknown)
        && let Some(cell) = cells.basis.as_deref()
    {
        parsed
            .unrecognised
            .push(Unrecognised::new(ValueKind::LegalBasis, cell));
    }
    parsed.event = Some(ParsedEvent {
        kind,
        time,
        purpose_fit,
        purpose,
        detail,
        has_ip: present(&cells.ip),
        has_collection_point: present(&cells.collection_point),
        terms: Terms {
            method,
            basis: basis.and_then(BasisReading::consent).unwrap_or_default(),
            has_notice: present(&cells.notice),
        },
        source: cells.source.unwrap_or(Cow::Borrowed("")),
    });
    parsed
}

/// An open consent log.
pub struct ConsentLog {
    pub source: InputSource,
    pub shape: LogShape,
    pub dialect: Option<Dialect>,
    /// Whether the first records look like Kantara consent receipts.
    pub kantara: bool,
    /// A JSON log's first record, as far as the first bytes hold it, to
    /// show which keys hold which field.
    first_record: Option<Value>,
    body: Body,
}

enum Body {
    Csv(Box<MappedFile>),
    JsonLines(BufReader<Peeked>),
    JsonArray(Peeked),
    JsonDocuments(Peeked),
}

impl ConsentLog {
    /// Opens a log and decides its shape from its first non-blank byte.
    pub fn open(
        source: &InputSource,
        overrides: &ColumnOverrides,
        progress: &ProgressBar,
    ) -> Result<ConsentLog> {
        let opened = open(source, progress)?;
        let first = opened.first_byte();
        let json_encoding = if opened.prefix.starts_with(b"\xef\xbb\xbf") {
            Encoding::Utf8Bom
        } else {
            Encoding::Utf8
        };
        let json_dialect = Dialect {
            encoding: json_encoding,
            delimiter: b'\n',
        };
        let kantara = memchr::memmem::find(&opened.prefix, b"piiPrincipalId").is_some()
            || memchr::memmem::find(&opened.prefix, b"consentReceiptID").is_some();
        let first_record = first_json_record(&opened.prefix);
        match first {
            Some(b'{') if first_line_is_json(&opened.prefix) => Ok(ConsentLog {
                source: source.clone(),
                shape: LogShape::JsonLines,
                dialect: Some(json_dialect),
                kantara,
                first_record,
                body: Body::JsonLines(BufReader::with_capacity(256 * 1024, opened.reader)),
            }),
            Some(b'{') => Ok(ConsentLog {
                source: source.clone(),
                shape: LogShape::JsonDocuments,
                dialect: Some(json_dialect),
                kantara,
                first_record,
                body: Body::JsonDocuments(opened.reader),
            }),
            Some(b'[') => Ok(ConsentLog {
                source: source.clone(),
                shape: LogShape::JsonArray,
                dialect: Some(json_dialect),
                kantara,
                first_record,
                body: Body::JsonArray(opened.reader),
            }),
            _ => {
                let file = read_header(opened)?;
                let dialect = file.dialect;
                let mapped = map_columns(file, FileKind::Consent, overrides)?;
                Ok(ConsentLog {
                    source: source.clone(),
                    shape: LogShape::Csv,
                    dialect: Some(dialect),
                    kantara: false,
                    first_record: None,
                    body: Body::Csv(Box::new(mapped)),
                })
            }
        }
    }

    /// The format name shown by `inspect` and in the report.
    pub fn format_name(&self) -> &'static str {
        if self.kantara {
            "kantara"
        } else {
            self.shape.format_name()
        }
    }

    /// Which key of a JSON log holds each field, as its first record shows
    /// (the keys are looked up in every record anew); empty for CSV logs.
    pub fn json_fields(&self, json_keys: &[(Field, String)]) -> Vec<(Field, String)> {
        let Some(Value::Object(object)) = &self.first_record else {
            return Vec::new();
        };
        let mut fields: Vec<(Field, String)> = Vec::new();
        if self.kantara || is_receipt(object) {
            for (field, _) in RECEIPT_KEYS {
                if let Some((key, _)) = receipt_value(object, *field) {
                    fields.push((*field, key.to_string()));
                }
            }
            if !fields.iter().any(|(field, _)| *field == Field::Event) {
                fields.push((Field::Event, "(a receipt: opt_in)".to_string()));
            }
            if let Some((services, _)) = object.iter().find(|(k, _)| fold(k) == "services") {
                fields.push((Field::Purpose, format!("{services}[].purposes[].purpose")));
            }
        } else {
            locate_json_fields(object, json_keys, |field, key, _| {
                fields.retain(|(f, _)| *f != field);
                fields.push((field, key.to_string()));
            });
        }
        fields.sort_by_key(|(field, _)| Field::ALL.iter().position(|f| f == field));
        fields
    }

    /// The CSV log's column mapping (JSON logs are mapped per record).
    pub fn mapped(&self) -> Option<&MappedFile> {
        match &self.body {
            Body::Csv(mapped) => Some(mapped),
            _ => None,
        }
    }

    /// Reads a CSV log in blocks of about `bytes` (JSON logs are read a
    /// batch of records at a time).
    pub fn set_block_bytes(&mut self, bytes: usize) {
        if let Body::Csv(mapped) = &mut self.body {
            mapped.file.set_block_bytes(bytes);
        }
    }

    /// Whether `--map` entry `i` can apply to this log: it names one of a
    /// CSV log's columns, or any JSON log (whose keys vary per record).
    pub fn applied_map(&self, i: usize) -> bool {
        match &self.body {
            Body::Csv(mapped) => mapped.applied_maps.contains(&i),
            _ => true,
        }
    }

    /// Whether the log has a timestamp column (CSV logs only; JSON rows
    /// are checked one by one).
    pub fn lacks_timestamp_column(&self) -> bool {
        matches!(&self.body, Body::Csv(m) if m.column(Field::Timestamp).is_none())
    }

    /// Parses the whole log, batch by batch, calling `sink` with each
    /// batch's rows in input order. Returns the number of data rows.
    pub fn parse<F>(&mut self, ctx: &ParseContext<'_>, mut sink: F) -> Result<u64>
    where
        F: FnMut(Vec<ParsedRow<'_>>) + Send,
    {
        let name = self.source.display();
        match &mut self.body {
            Body::Csv(mapped) => parse_csv(mapped, ctx, &mut sink),
            Body::JsonLines(reader) => parse_json_lines(&name, reader, ctx, &mut sink),
            Body::JsonArray(reader) => parse_json_array(&name, reader, ctx, &mut sink),
            Body::JsonDocuments(reader) => parse_json_documents(&name, reader, ctx, &mut sink),
        }
    }
}

fn parse_csv<F>(mapped: &mut MappedFile, ctx: &ParseContext<'_>, sink: &mut F) -> Result<u64>
where
    F: FnMut(Vec<ParsedRow<'_>>) + Send,
{
    let header_len = mapped.file.header_names.len();
    let delimiter = mapped.file.dialect.delimiter;
    let columns = mapped.columns.clone();
    let timestamp_name = columns
        .get(Field::Timestamp)
        .map_or("timestamp".to_string(), |i| {
            mapped.file.header_names[i].clone()
        });
    let mut rows = 0;
    let parse = |batch: &[RawRecord]| -> Vec<ParsedRow<'static>> {
        batch
            .par_iter()
            .with_min_len(256)
            .map(|record| {
                parse_record(
                    record,
                    &columns,
                    header_len,
                    delimiter,
                    &timestamp_name,
                    ctx,
                )
                .into_owned()
            })
            .collect()
    };
    mapped.file.for_each_prepared(parse, |batch, parsed| {
        rows += batch.len() as u64;
        sink(parsed);
        Ok(())
    })?;
    Ok(rows)
}

fn parse_record<'a>(
    record: &'a RawRecord,
    columns: &ColumnMap,
    header_len: usize,
    delimiter: u8,
    timestamp_name: &str,
    ctx: &ParseContext<'_>,
) -> ParsedRow<'a> {
    let broken = |message: String| ParsedRow {
        row: record.row(),
        line: record.line(),
        key: None,
        fingerprint: 0,
        event: None,
        event_word: Cow::Borrowed(""),
        problems: SmallVec::from_elem((RuleId::D003, message), 1),
        unrecognised: Vec::new(),
    };
    if let Some(problem) = shape_problem(record, header_len, delimiter) {
        let mut row = broken(problem);
        row.key = columns
            .get(Field::Email)
            .and_then(|i| record.get(i))
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(normalize);
        return row;
    }
    let mut cells = Cells::default();
    if let Some(text) = record.text() {
        for (field, index) in columns.fields() {
            cells.set(field, Cow::Borrowed(text.get(index).unwrap_or_default()));
        }
    } else {
        // Some field is not UTF-8: an error only if it is one the log reads.
        for (field, index) in columns.fields() {
            let bytes = record.get(index).unwrap_or_default();
            match std::str::from_utf8(bytes) {
                Ok(text) => cells.set(field, Cow::Borrowed(text)),
                Err(_) => {
                    return broken(format!("the {} column is not valid UTF-8", field.as_str()));
                }
            }
        }
    }
    parse_cells(cells, record.row(), record.line(), timestamp_name, ctx)
}

/// Whether the first non-blank line of a JSON log is a whole JSON value
/// (JSON Lines) rather than the start of a pretty-printed document.
pub fn first_line_is_json(prefix: &[u8]) -> bool {
    let text = prefix.strip_prefix(b"\xef\xbb\xbf").unwrap_or(prefix);
    text.split(|&b| b == b'\n')
        .find(|line| !line.iter().all(u8::is_ascii_whitespace))
        .is_some_and(|line| serde_json::from_slice::<Value>(line).is_ok())
}

/// The cells of a JSON record (see [`locate_json_fields`]).
fn json_cells<'a>(value: &'a Value, json_keys: &[(Field, String)]) -> Result<Cells<'a>, String> {
    let Value::Object(object) = value else {
        return Err("not a JSON object".to_string());
    };
    let mut cells = Cells::default();
    locate_json_fields(object, json_keys, |field, _, value| {
        if let Some(text) = json_text(value) {
            cells.set(field, text);
        }
    });
    Ok(cells)
}

/// Each field a JSON record holds, with its key and value: keys under the
/// generic aliases (folded), then `--map FIELD=KEY` entries (exact key
/// first, then folded), which override them. What the audit reads and
/// what `inspect` shows come from here.
fn locate_json_fields<'a>(
    object: &'a serde_json::Map<String, Value>,
    json_keys: &[(Field, String)],
    mut found: impl FnMut(Field, &'a str, &'a Value),
) {
    let folded: Vec<(String, &'a String, &'a Value)> =
        object.iter().map(|(k, v)| (fold(k), k, v)).collect();
    for (field, names) in ColumnMap::generic(FileKind::Consent).format.columns {
        if let Some((_, key, value)) = names
            .iter()
            .find_map(|name| folded.iter().find(|(k, _, _)| k == name))
        {
            found(*field, key, value);
        }
    }
    for (field, key) in json_keys {
        let exact = object.get_key_value(key.as_str());
        let located = exact.or_else(|| {
            let wanted = fold(key);
            folded
                .iter()
                .find(|(k, _, _)| *k == wanted)
                .map(|(_, key, value)| (*key, *value))
        });
        if let Some((key, value)) = located {
            found(*field, key, value);
        }
    }
}

/// A JSON value as cell text: strings as they are, numbers in decimal,
/// arrays of purposes joined with `;` (objects in them by their `purpose`
/// or `name` key, as ISO/IEC TS 27560 records nest them).
fn json_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Owned(b.to_string())),
        Value::Array(items) => Some(Cow::Owned(
            items
                .iter()
                .filter_map(|item| match item {
                    Value::Object(o) => ["purpose", "name", "id"]
                        .iter()
                        .find_map(|k| o.get(*k))
                        .and_then(json_text),
                    other => json_text(other),
                })
                .collect::<Vec<_>>()
                .join(";"),
        )),
        Value::Object(_) => Some(Cow::Owned(value.to_string())),
    }
}

/// The first JSON record in a log's first bytes: its first line (JSON
/// Lines), its array's first element, or its first document.
fn first_json_record(prefix: &[u8]) -> Option<Value> {
    let text = prefix.strip_prefix(b"\xef\xbb\xbf").unwrap_or(prefix);
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let text = &text[start..];
    let body = match text.first() {
        Some(b'[') => &text[1..],
        _ => text,
    };
    serde_json::Deserializer::from_slice(body)
        .into_iter::<Value>()
        .next()?
        .ok()
}

fn is_receipt(object: &serde_json::Map<String, Value>) -> bool {
    ["piiprincipalid", "consentreceiptid"]
        .iter()
        .any(|name| get_folded(object, name).is_some())
}

/// Where a Kantara consent receipt keeps each field, by folded key, the
/// first key present winning. The policy URL is both where consent was
/// collected and the notice the person was shown (Kantara CR v1.1 §4.4).
/// Purposes are nested: `services[].purposes[].purpose`.
const RECEIPT_KEYS: &[(Field, &[&str])] = &[
    (Field::Email, &["piiprincipalid", "subject"]),
    (Field::Event, &["state"]),
    (Field::Timestamp, &["consenttimestamp", "iat"]),
    (Field::Source, &["collectionmethod"]),
    (Field::CollectionPoint, &["policyurl"]),
    (Field::Method, &["consenttype"]),
    (Field::NoticeVersion, &["policyurl"]),
];

/// The key and value of a receipt's field, as [`RECEIPT_KEYS`] places it.
fn receipt_value(
    object: &serde_json::Map<String, Value>,
    field: Field,
) -> Option<(&String, &Value)> {
    let (_, names) = RECEIPT_KEYS.iter().find(|(f, _)| *f == field)?;
    names
        .iter()
        .find_map(|name| object.iter().find(|(k, _)| fold(k) == *name))
}

/// Looks a key up by its folded name.
fn get_folded<'a>(object: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.iter().find(|(k, _)| fold(k) == name).map(|(_, v)| v)
}

/// A Kantara Consent Receipt (v1.1, or v1.0 names): one event per purpose
/// of every service, for the receipt's principal, at its consent time.
/// A `state` of `REVOKED` (outside the spec, as WSO2 writes it) is a
/// withdrawal.
fn kantara_cells(value: &Value) -> Option<SmallVec<[Cells<'_>; 1]>> {
    let Value::Object(object) = value else {
        return None;
    };
    let (_, principal) = receipt_value(object, Field::Email)?;
    let services = get_folded(object, "services").and_then(Value::as_array);
    if services.is_none() && get_folded(object, "consentreceiptid").is_none() {
        return None;
    }
    let text = |field| receipt_value(object, field).and_then(|(_, v)| json_text(v));
    // A receipt is an opt-in; a state says whether it still stands. Any
    // state but an active one is read as an event word (`revoked`,
    // `expired`), so that one the vocabulary lacks is reported (D002),
    // never taken for consent.
    let event: Cow<'_, str> = match text(Field::Event) {
        None => Cow::Borrowed("opt_in"),
        Some(state) if matches!(fold(&state).as_str(), "active" | "valid" | "granted") => {
            Cow::Borrowed("opt_in")
        }
        Some(state) => state,
    };
    let timestamp = text(Field::Timestamp);
    let source = text(Field::Source);
    let collection_point = text(Field::CollectionPoint);
    let notice = text(Field::NoticeVersion);
    let receipt_method = text(Field::Method);
    let base = || Cells {
        email: json_text(principal),
        event: Some(event.clone()),
        timestamp: timestamp.clone(),
        source: source.clone(),
        collection_point: collection_point.clone(),
        notice: notice.clone(),
        method: receipt_method.clone(),
        ..Cells::default()
    };
    let mut rows: SmallVec<[Cells<'_>; 1]> = SmallVec::new();
    for service in services.into_iter().flatten() {
        let purposes = service
            .as_object()
            .and_then(|s| get_folded(s, "purposes"))
            .and_then(Value::as_array);
        for purpose in purposes.into_iter().flatten() {
            let (text, method) = match purpose {
                Value::Object(p) => (
                    get_folded(p, "purpose").and_then(json_text),
                    get_folded(p, "consenttype").and_then(json_text),
                ),
                other => (json_text(other), None),
            };
            let mut cells = base();
            cells.purpose = text;
            if method.is_some() {
                cells.method = method;
            }
            rows.push(cells);
        }
    }
    if rows.is_empty() {
        rows.push(base());
    }
    Some(rows)
}

fn parse_json_value<'a>(
    value: Result<&'a Value, String>,
    row: u64,
    line: u64,
    ctx: &ParseContext<'_>,
) -> SmallVec<[ParsedRow<'a>; 1]> {
    let broken = |message: String| {
        smallvec::smallvec![ParsedRow {
            row,
            line,
            key: None,
            fingerprint: 0,
            event: None,
            event_word: Cow::Borrowed(""),
            problems: SmallVec::from_elem((RuleId::D003, message), 1),
            unrecognised: Vec::new(),
        }]
    };
    let value = match value {
        Ok(value) => value,
        Err(message) => return broken(message),
    };
    if let Some(receipts) = kantara_cells(value) {
        return receipts
            .into_iter()
            .map(|cells| parse_cells(cells, row, line, "consentTimestamp", ctx))
            .collect();
    }
    match json_cells(value, ctx.json_keys) {
        Ok(cells) => smallvec::smallvec![parse_cells(cells, row, line, "timestamp", ctx)],
        Err(message) => broken(message),
    }
}

/// One or more JSON documents one after another (pretty-printed consent
/// receipts). Record numbers count documents.
fn parse_json_documents<F>(
    name: &str,
    reader: &mut Peeked,
    ctx: &ParseContext<'_>,
    sink: &mut F,
) -> Result<u64>
where
    F: FnMut(Vec<ParsedRow<'_>>) + Send,
{
    let mut batch: Vec<Value> = Vec::new();
    let mut rows = 0u64;
    // serde_json reads a byte at a time: unbuffered, that is a system
    // call per byte.
    let (reader, mark) = PieceLimited::new(BufReader::with_capacity(1 << 16, reader));
    let stream = serde_json::Deserializer::from_reader(reader).into_iter::<Value>();
    for value in stream {
        let value = value.map_err(|e| {
            let document = rows + batch.len() as u64 + 1;
            if mark.exceeded() {
                return too_long(name, &format!("document {document}"));
            }
            Error::input(name, format!("document {document}: not valid JSON: {e}"))
                .with_hint("a consent log in JSON is one object per line (JSON Lines), a top-level array, or whole JSON documents one after another")
        })?;
        mark.start_next();
        // A first document that is neither a record nor a receipt means the
        // file is some other JSON; a finding per document would hide that.
        if rows == 0
            && batch.is_empty()
            && kantara_cells(&value).is_none()
            && json_cells(&value, ctx.json_keys).is_ok_and(|c| c.email.is_none())
        {
            return Err(Error::input(
                name,
                "document 1 is neither a consent record (email, event, timestamp) nor a Kantara consent receipt (piiPrincipalId, consentTimestamp, services)",
            )
            .with_hint("a consent log in JSON is one object per line (JSON Lines), a top-level array of records, or consent receipts"));
        }
        batch.push(value);
        if batch.len() == BATCH_ROWS {
            flush_json_batch(&mut batch, &mut rows, ctx, sink);
        }
    }
    flush_json_batch(&mut batch, &mut rows, ctx, sink);
    Ok(rows)
}

fn parse_json_lines<F>(
    name: &str,
    reader: &mut BufReader<Peeked>,
    ctx: &ParseContext<'_>,
    sink: &mut F,
) -> Result<u64>
where
    F: FnMut(Vec<ParsedRow<'_>>) + Send,
{
    let mut lines: Vec<(u64, Vec<u8>)> = Vec::with_capacity(BATCH_ROWS);
    let mut spare: Vec<Vec<u8>> = Vec::new();
    let mut line_number = 0u64;
    let mut rows = 0u64;
    let mut at_end = false;
    while !at_end {
        while lines.len() < BATCH_ROWS {
            let mut buf = spare.pop().unwrap_or_default();
            buf.clear();
            let more = read_line(reader, &mut buf).map_err(|e| match e {
                LineError::Io(e) => Error::input(name, describe_io(&e)),
                LineError::TooLong => too_long(name, &format!("line {}", line_number + 1)),
            })?;
            if !more {
                at_end = true;
                break;
            }
            line_number += 1;
            if line_number == 1 && buf.starts_with(b"\xef\xbb\xbf") {
                buf.drain(..3);
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                spare.push(buf);
                continue;
            }
            lines.push((line_number, buf));
        }
        rows += lines.len() as u64;
        let values: Vec<Result<Value, String>> = lines
            .par_iter()
            .map(|(_, bytes)| {
                serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))
            })
            .collect();
        // A broken first line means the file is not JSON Lines at all (a
        // pretty-printed object, say); reporting every line would bury that.
        if rows == lines.len() as u64
            && let Some(Err(message)) = values.first()
        {
            return Err(Error::input(
                name,
                format!("line {}: {message}", lines[0].0),
            )
            .with_hint("a consent log in JSON is one object per line (JSON Lines) or a top-level array of objects"));
        }
        let parsed: Vec<ParsedRow<'_>> = values
            .par_iter()
            .zip(lines.par_iter())
            .flat_map_iter(|(value, (number, _))| {
                parse_json_value(value.as_ref().map_err(Clone::clone), *number, *number, ctx)
            })
            .collect();
        sink(parsed);
        spare.extend(lines.drain(..).map(|(_, buf)| buf));
    }
    Ok(rows)
}

fn parse_json_array<F>(
    name: &str,
    reader: &mut Peeked,
    ctx: &ParseContext<'_>,
    sink: &mut F,
) -> Result<u64>
where
    F: FnMut(Vec<ParsedRow<'_>>) + Send,
{
    let mut batch: Vec<Value> = Vec::with_capacity(BATCH_ROWS);
    let mut rows = 0u64;
    // serde_json reads a byte at a time: unbuffered, that is a system
    // call per byte.
    let (reader, mark) = PieceLimited::new(BufReader::with_capacity(1 << 16, reader));
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let mut on_element = |value: Value| {
        mark.start_next();
        batch.push(value);
        if batch.len() == BATCH_ROWS {
            flush_json_batch(&mut batch, &mut rows, ctx, sink);
        }
    };
    ArraySeed(&mut on_element)
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end())
        .map_err(|e| {
            if mark.exceeded() {
                return too_long(name, &format!("record {}", rows + batch.len() as u64 + 1));
            }
            Error::input(
                name,
                format!("not a valid JSON array of consent records: {e}"),
            )
            .with_hint("use one JSON object per line (JSON Lines), or a single top-level array")
        })?;
    flush_json_batch(&mut batch, &mut rows, ctx, sink);
    Ok(rows)
}

/// A JSON record past [`crate::input::MAX_RECORD_BYTES`]: no consent
/// record is that long, and holding it would take the memory of many.
fn too_long(name: &str, which: &str) -> Error {
    Error::input(
        name,
        format!("{which}: longer than {}", size_in_words(MAX_RECORD_BYTES)),
    )
    .with_hint(
        "a consent record is one small object; check that the file is the consent log you meant",
    )
}

/// Parses a batch of JSON records in parallel (records numbered after the
/// `rows` already read), hands them to `sink` in order, and empties it.
fn flush_json_batch<F>(batch: &mut Vec<Value>, rows: &mut u64, ctx: &ParseContext<'_>, sink: &mut F)
where
    F: FnMut(Vec<ParsedRow<'_>>) + Send,
{
    let first = *rows;
    let parsed: Vec<ParsedRow<'_>> = batch
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, value)| parse_json_value(Ok(value), first + i as u64 + 1, 0, ctx))
        .collect();
    *rows += batch.len() as u64;
    sink(parsed);
    batch.clear();
}

/// Streams the elements of a top-level JSON array to a callback, so that a
/// large array is never held in memory whole.
struct ArraySeed<'f, F>(&'f mut F);

impl<'de, F: FnMut(Value)> DeserializeSeed<'de> for ArraySeed<'_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(Value)> Visitor<'de> for ArraySeed<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of consent records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            (self.0)(value);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Basis;

    fn matcher() -> PurposeMatcher {
        PurposeMatcher::new("newsletter", [], Vocabulary::builtin().all_purposes())
    }

    /// Runs `f` with the context of a log read under the builtin
    /// vocabulary, for the list purpose "newsletter".
    fn with_context<R>(f: impl FnOnce(&ParseContext<'_>) -> R) -> R {
        let purposes = matcher();
        f(&ParseContext {
            purposes: &purposes,
            vocabulary: Vocabulary::builtin(),
            time: TimeRules::default(),
            json_keys: &[],
        })
    }

    fn ctx_parse(cells: Cells<'_>) -> ParsedRow<'_> {
        with_context(|ctx| parse_cells(cells, 1, 2, "timestamp", ctx))
    }

    fn cells<'a>(email: &'a str, event: &'a str, timestamp: &'a str) -> Cells<'a> {
        Cells {
            email: Some(Cow::Borrowed(email)),
            event: Some(Cow::Borrowed(event)),
            timestamp: Some(Cow::Borrowed(timestamp)),
            ..Cells::default()
        }
    }

    #[test]
    fn a_good_row_becomes_an_event() {
        let row = ctx_parse(cells(" Anna@Example.com", "Opt-In", "2024-01-02T03:04:05Z"));
        assert!(row.problems.is_empty());
        assert_eq!(row.key.as_deref(), Some("anna@example.com"));
        let event = row.event.unwrap();
        assert_eq!(event.kind, EventKind::OptIn);
        assert_eq!(event.time.unwrap().to_string(), "2024-01-02T03:04:05Z");
        assert_eq!(event.purpose_fit, PurposeFit::Unstated);
    }

    #[test]
    fn bad_timestamps_keep_the_event_undated() {
        let row = ctx_parse(cells("a@example.com", "withdraw", "01/02/2025"));
        assert_eq!(row.problems[0].0, RuleId::D001);
        assert!(
            row.problems[0].1.contains("'01/02/2025'"),
            "{}",
            row.problems[0].1
        );
        let event = row.event.unwrap();
        assert_eq!((event.kind, event.time), (EventKind::Withdraw, None));
    }

    #[test]
    fn unknown_events_and_missing_addresses_are_reported() {
        let row = ctx_parse(cells("a@example.com", "teleported", "2024-01-01"));
        assert_eq!(row.problems[0].0, RuleId::D002);
        assert!(row.event.is_none());
        let row = ctx_parse(cells("  ", "opt_in", "2024-01-01"));
        assert_eq!(row.problems[0].0, RuleId::D003);
    }

    #[test]
    fn a_legal_basis_no_word_names_is_listed_and_another_basis_is_no_consent_basis() {
        let with_basis = |basis: &'static str| {
            let mut row = cells("a@example.com", "opt_in", "2024-01-01");
            row.basis = Some(Cow::Borrowed(basis));
            ctx_parse(row)
        };
        let row = with_basis("per CEO");
        assert_eq!(
            row.unrecognised,
            [Unrecognised::new(ValueKind::LegalBasis, "per CEO")]
        );
        assert_eq!(row.event.unwrap().terms.basis, Basis::Unstated);
        let row = with_basis("Legitimate interest");
        assert!(row.unrecognised.is_empty());
        let row = with_basis("casl_implied_ebr");
        assert_eq!(row.event.unwrap().terms.basis, Basis::ImpliedPurchase);
    }

    #[test]
    fn json_objects_use_the_same_aliases() {
        let value: Value = serde_json::from_str(
            r#"{"piiPrincipalId":"B@x.com","Event Type":"confirm","consentTimestamp":1517447315,
                "purposes":["partners","newsletter"],"IP Address":"192.0.2.1"}"#,
        )
        .unwrap();
        let cells = json_cells(&value, &[]).unwrap();
        assert_eq!(cells.email.as_deref(), Some("B@x.com"));
        assert_eq!(cells.event.as_deref(), Some("confirm"));
        assert_eq!(cells.timestamp.as_deref(), Some("1517447315"));
        assert_eq!(cells.purpose.as_deref(), Some("partners;newsletter"));
        assert_eq!(cells.ip.as_deref(), Some("192.0.2.1"));
        assert!(json_cells(&Value::from(3), &[]).is_err());
    }

    fn parse_values(json: &str) -> Vec<(Option<String>, EventKind, String, String)> {
        let purposes = matcher();
        let ctx = ParseContext {
            purposes: &purposes,
            vocabulary: Vocabulary::builtin(),
            time: TimeRules::default(),
            json_keys: &[],
        };
        let value: Value = serde_json::from_str(json).unwrap();
        parse_json_value(Ok(&value), 1, 0, &ctx)
            .into_iter()
            .map(|row| {
                let event = row.event.expect("an event");
                (
                    row.key,
                    event.kind,
                    event.time.map_or(String::new(), |t| t.to_string()),
                    event.purpose.into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn kantara_receipts_become_one_event_per_purpose() {
        let rows = parse_values(
            r#"{"consentReceiptID":"r1","piiPrincipalId":"Mia@Example.com",
                "consentTimestamp":1741000000000,"collectionMethod":"api",
                "services":[{"service":"Shop","purposes":[{"purpose":"order updates"},{"purpose":"newsletter"}]},
                            {"service":"Blog","purposes":["digest"]}]}"#,
        );
        let key = Some("mia@example.com".to_string());
        let at = "2025-03-03T11:06:40Z".to_string();
        assert_eq!(
            rows,
            [
                (
                    key.clone(),
                    EventKind::OptIn,
                    at.clone(),
                    "order updates".to_string()
                ),
                (
                    key.clone(),
                    EventKind::OptIn,
                    at.clone(),
                    "newsletter".to_string()
                ),
                (
                    key.clone(),
                    EventKind::OptIn,
                    at.clone(),
                    "digest".to_string()
                ),
            ]
        );
        // v1.0 names, seconds, a revoked state, no purposes.
        let rows = parse_values(
            r#"{"consentReceiptID":"r2","subject":"b@example.com","iat":1435367226,"state":"REVOKED"}"#,
        );
        assert_eq!(
            rows,
            [(
                Some("b@example.com".to_string()),
                EventKind::Withdraw,
                "2015-06-27T01:07:06Z".to_string(),
                String::new()
            )]
        );
    }

    #[test]
    fn a_receipt_state_is_read_as_an_event_word_and_never_taken_for_consent() {
        let receipt = |state: &str| {
            let value: Value = serde_json::from_str(&format!(
                r#"{{"consentReceiptID":"r3","piiPrincipalId":"d@example.com","iat":1435367226,"state":"{state}"}}"#
            ))
            .unwrap();
            with_context(|ctx| {
                let row = parse_json_value(Ok(&value), 1, 0, ctx)
                    .into_iter()
                    .next()
                    .unwrap();
                (
                    row.event.map(|e| e.kind),
                    row.problems
                        .iter()
                        .map(|(rule, message)| format!("{} {message}", rule.code()))
                        .collect::<Vec<_>>(),
                )
            })
        };
        assert_eq!(receipt("Active"), (Some(EventKind::OptIn), vec![]));
        assert_eq!(receipt("withdrawn"), (Some(EventKind::Withdraw), vec![]));
        // An expired consent is no consent: it stands as a withdrawal would.
        assert_eq!(receipt("EXPIRED"), (Some(EventKind::Withdraw), vec![]));
        let (kind, problems) = receipt("terminated");
        assert_eq!(kind, None);
        assert!(
            problems[0].starts_with("D002 unknown event 'terminated'; the row is not used."),
            "{problems:?}"
        );
    }

    #[test]
    fn iso_27560_records_nest_purposes_and_state() {
        let rows = parse_values(
            r#"{"pii_principal_id":"c@example.com","event_state":"dpv:ConsentWithdrawn",
                "event_time":"2025-01-01T00:00:00Z","purposes":[{"purpose":"newsletter","lawful_basis":"consent"}]}"#,
        );
        assert_eq!(
            rows,
            [(
                Some("c@example.com".to_string()),
                EventKind::Withdraw,
                "2025-01-01T00:00:00Z".to_string(),
                "newsletter".to_string()
            )]
        );
    }
}
