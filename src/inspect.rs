//! `listaudit inspect`: what the readers make of a file, shown before any
//! audit: kind, format and confidence, encoding, delimiter, header, the
//! semantic column mapping, the number of data rows, and every distinct
//! event (of a consent log) or status (of an export) with what the policy's
//! vocabulary understands it as. The same code paths as the audit read the
//! files, so what `inspect` shows is what the audit will do.

use indicatif::ProgressBar;
use serde_json::{Value, json};

use std::collections::BTreeMap;

use crate::consent::Status;
use crate::error::Result;
use crate::input::{
    ConsentLog, EmailFoundBy, EvidenceReader, Field, FileKind, InputSource, MappedFile,
    ParseContext, RawRecord, Suppressions, ValueKind, detect, looks_like_digest_list, map_columns,
    open, read_header,
};
use crate::policy::Policy;
use crate::settings::ReadingSettings;

/// How many distinct values `inspect` lists per file; a free-text column
/// must not flood the terminal.
const MAX_VALUES: usize = 100;

/// One distinct value of a file's event or status column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueCount {
    /// [`ValueKind::Event`] or [`ValueKind::Status`].
    pub kind: ValueKind,
    pub value: String,
    pub rows: u64,
    /// What the vocabulary understands it as; `None`: not understood.
    pub understood_as: Option<&'static str>,
}

/// What was found in one file.
#[derive(Debug)]
pub struct Inspection {
    pub path: String,
    /// `subscribers`, `consent`, `suppression` or `unknown`.
    pub kind: &'static str,
    pub format: String,
    pub confidence: f64,
    pub encoding: String,
    pub delimiter: String,
    pub header: Vec<String>,
    /// Semantic field → column name, in field order.
    pub columns: Vec<(&'static str, String)>,
    pub rows: u64,
    /// The status every row has by the file's name (Mailchimp, Sendy).
    pub status: Option<&'static str>,
    /// How the email column was found: header, content, user, shape.
    pub email_found_by: Option<&'static str>,
    /// Why the file cannot be audited, when it cannot.
    pub problem: Option<String>,
    pub notices: Vec<String>,
    /// The distinct values of the event (or status) column, most rows first.
    pub values: Vec<ValueCount>,
    /// Distinct values beyond those listed.
    pub more_values: usize,
    /// The sheet read, for a spreadsheet.
    pub sheet: Option<String>,
}

impl Inspection {
    pub fn to_json(&self) -> Value {
        let columns: serde_json::Map<String, Value> = self
            .columns
            .iter()
            .map(|(field, column)| (field.to_string(), Value::from(column.as_str())))
            .collect();
        let mut value = json!({
            "path": self.path,
            "kind": self.kind,
            "format": self.format,
            "confidence": self.confidence,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "header": self.header,
            "columns": columns,
            "rows": self.rows,
        });
        let object = value.as_object_mut().expect("an object");
        if let Some(sheet) = &self.sheet {
            object.insert("sheet".into(), sheet.as_str().into());
        }
        if let Some(status) = self.status {
            object.insert("status".into(), status.into());
        }
        if let Some(found_by) = self.email_found_by {
            object.insert("email_found_by".into(), found_by.into());
        }
        if let Some(problem) = &self.problem {
            object.insert("problem".into(), problem.as_str().into());
        }
        if !self.notices.is_empty() {
            object.insert("notices".into(), self.notices.clone().into());
        }
        if !self.values.is_empty() {
            let mut grouped = serde_json::Map::new();
            for kind in [ValueKind::Event, ValueKind::Status] {
                let listed: Vec<Value> = self
                    .values
                    .iter()
                    .filter(|v| v.kind == kind)
                    .map(|v| {
                        json!({
                            "value": v.value,
                            "rows": v.rows,
                            "understood_as": v.understood_as,
                        })
                    })
                    .collect();
                if !listed.is_empty() {
                    grouped.insert(kind.report_key().to_string(), listed.into());
                }
            }
            object.insert("values".into(), grouped.into());
            if self.more_values > 0 {
                object.insert("more_values".into(), self.more_values.into());
            }
        }
        value
    }
}

/// Inspects every file. A file that cannot be read at all (missing,
/// binary, undecodable) stops the run with its error, as in an audit.
pub fn inspect(
    files: &[InputSource],
    reading: &ReadingSettings,
    policy: &Policy,
) -> Result<Vec<Inspection>> {
    let bar = ProgressBar::hidden();
    let mut found = Vec::new();
    for source in files {
        let mut inspection = inspect_one(source, reading, policy, &bar)?;
        inspection.sheet = source.sheet().map(str::to_string);
        found.push(inspection);
    }
    Ok(found)
}

/// Whether a file is a consent log, as `inspect` decides it: JSON, or a
/// header that maps as a consent log and as no known export.
pub fn is_consent_log(source: &InputSource) -> Result<bool> {
    let opened = open(source, &ProgressBar::hidden())?;
    if matches!(opened.first_byte(), Some(b'{' | b'[')) {
        return Ok(true);
    }
    if looks_like_digest_list(&opened.prefix) {
        return Ok(false);
    }
    let file = read_header(opened)?;
    Ok(reads_as_consent_log(
        &file.header_names,
        file.dialect.delimiter,
    ))
}

/// A known export wins over a consent-log reading of the same header
/// (Campaign Monitor's `State` could be read as an event column).
fn reads_as_consent_log(header: &[String], delimiter: u8) -> bool {
    let export = detect(FileKind::Subscribers, header, delimiter);
    let consent = detect(FileKind::Consent, header, delimiter);
    export.format.is_generic() && consent.missing().is_none()
}

fn inspect_one(
    source: &InputSource,
    reading: &ReadingSettings,
    policy: &Policy,
    bar: &ProgressBar,
) -> Result<Inspection> {
    let name = source.display();
    let opened = open(source, bar)?;
    if matches!(opened.first_byte(), Some(b'{' | b'[')) {
        drop(opened);
        return inspect_consent_log(source, reading, policy, bar);
    }
    if looks_like_digest_list(&opened.prefix) {
        drop(opened);
        // Read as the audit reads `--suppress` files.
        let (file, _) = Suppressions::default().read(source, 0, bar)?;
        let mut inspection = blank(name, "suppression", "sha256");
        inspection.encoding = file.encoding.to_string();
        inspection.rows = file.rows;
        return Ok(inspection);
    }
    let file = read_header(opened)?;
    if reads_as_consent_log(&file.header_names, file.dialect.delimiter) {
        drop(file);
        return inspect_consent_log(source, reading, policy, bar);
    }
    let header = file.header_names.clone();
    let dialect = file.dialect;
    match map_columns(file, FileKind::Subscribers, &reading.subscriber_columns) {
        Ok(mut mapped) => {
            let evidence = EvidenceReader::new(&mapped, reading.time, &name, &policy.vocabulary);
            let mut inspection = describe_mapped(&mapped, FileKind::Subscribers);
            inspection.status = evidence.file_status_word();
            let format = mapped.columns.format.name;
            let mut statuses = Values::default();
            let status_column = mapped.column(Field::Status);
            let encoding = mapped.file.dialect.encoding;
            inspection.rows = count_rows(&mut mapped, |record| {
                if let Some(cell) = status_column.and_then(|i| record.get(i)) {
                    let text = encoding.decode_lossy(cell);
                    let text = text.trim();
                    if !text.is_empty() {
                        statuses.count(text, || {
                            policy.vocabulary.status(text, format).map(Status::as_str)
                        });
                    }
                }
            })?;
            statuses.list_into(ValueKind::Status, &mut inspection);
            Ok(inspection)
        }
        Err(error) => {
            let mut inspection = blank(name, "unknown", "unknown");
            inspection.encoding = dialect.encoding.as_str().to_string();
            inspection.delimiter = dialect.delimiter_str();
            inspection.header = header;
            inspection.confidence = 0.0;
            inspection.problem = Some(match error.hint() {
                Some(hint) => format!("{error} ({hint})"),
                None => error.to_string(),
            });
            Ok(inspection)
        }
    }
}

fn blank(path: String, kind: &'static str, format: &str) -> Inspection {
    Inspection {
        path,
        kind,
        format: format.to_string(),
        confidence: 1.0,
        encoding: String::new(),
        delimiter: String::new(),
        header: Vec::new(),
        columns: Vec::new(),
        rows: 0,
        status: None,
        email_found_by: None,
        problem: None,
        notices: Vec::new(),
        values: Vec::new(),
        more_values: 0,
        sheet: None,
    }
}

fn describe_mapped(mapped: &MappedFile, kind: FileKind) -> Inspection {
    let file = &mapped.file;
    let columns = mapped
        .columns
        .fields()
        .map(|(field, i)| {
            let column = if file.is_headerless() {
                format!("column {}", i + 1)
            } else {
                file.header_names.get(i).cloned().unwrap_or_default()
            };
            (field.as_str(), column)
        })
        .collect();
    Inspection {
        path: file.name(),
        kind: kind.as_str(),
        format: mapped.columns.format.name.to_string(),
        confidence: mapped.columns.confidence,
        encoding: file.dialect.encoding.as_str().to_string(),
        delimiter: file.dialect.delimiter_str(),
        header: if file.is_headerless() {
            Vec::new()
        } else {
            file.header_names.clone()
        },
        columns,
        rows: 0,
        status: None,
        email_found_by: (kind == FileKind::Subscribers).then_some(match mapped.email_found_by {
            EmailFoundBy::Header => "header",
            EmailFoundBy::Content => "content",
            EmailFoundBy::User => "user",
            EmailFoundBy::Shape => "shape",
        }),
        problem: None,
        notices: mapped.notices.clone(),
        values: Vec::new(),
        more_values: 0,
        sheet: None,
    }
}

fn count_rows(mapped: &mut MappedFile, mut each: impl FnMut(&RawRecord)) -> Result<u64> {
    let mut batch = vec![RawRecord::default(); 4096];
    let mut rows = 0;
    loop {
        let n = mapped.file.read_batch(&mut batch)?;
        rows += n as u64;
        batch[..n].iter().for_each(&mut each);
        if n < batch.len() {
            return Ok(rows);
        }
    }
}

/// Distinct values of a column with their row counts and meanings.
#[derive(Default)]
struct Values {
    counts: BTreeMap<String, (u64, Option<&'static str>)>,
}

impl Values {
    fn count(&mut self, value: &str, understood: impl FnOnce() -> Option<&'static str>) {
        match self.counts.get_mut(value) {
            Some((rows, _)) => *rows += 1,
            None => {
                self.counts.insert(value.to_string(), (1, understood()));
            }
        }
    }

    /// The most frequent values (then by value) into the inspection.
    fn list_into(self, kind: ValueKind, inspection: &mut Inspection) {
        let mut values: Vec<ValueCount> = self
            .counts
            .into_iter()
            .map(|(value, (rows, understood_as))| ValueCount {
                kind,
                value,
                rows,
                understood_as,
            })
            .collect();
        values.sort_by(|a, b| b.rows.cmp(&a.rows).then_with(|| a.value.cmp(&b.value)));
        inspection.more_values += values.len().saturating_sub(MAX_VALUES);
        values.truncate(MAX_VALUES);
        inspection.values.extend(values);
    }
}

fn inspect_consent_log(
    source: &InputSource,
    reading: &ReadingSettings,
    policy: &Policy,
    bar: &ProgressBar,
) -> Result<Inspection> {
    let mut log = ConsentLog::open(source, &reading.consent_columns, bar)?;
    let mut inspection = match log.mapped() {
        Some(mapped) => describe_mapped(mapped, FileKind::Consent),
        None => {
            let mut inspection = blank(source.display(), "consent", log.format_name());
            inspection.encoding = log
                .dialect
                .map_or("utf-8", |d| d.encoding.as_str())
                .to_string();
            inspection.columns = log
                .json_fields(&reading.consent_columns.map)
                .into_iter()
                .map(|(field, key)| (field.as_str(), key))
                .collect();
            inspection
        }
    };
    inspection.format = log.format_name().to_string();
    let purposes = policy.purpose_matcher();
    let ctx = ParseContext {
        purposes: &purposes,
        vocabulary: &policy.vocabulary,
        time: reading.time,
        json_keys: &reading.consent_columns.map,
    };
    let mut events = Values::default();
    inspection.rows = log.parse(&ctx, |rows| {
        for row in rows.iter().filter(|row| !row.event_word.is_empty()) {
            events.count(&row.event_word, || {
                policy
                    .vocabulary
                    .event(&row.event_word)
                    .map(|kind| kind.as_str())
            });
        }
    })?;
    events.list_into(ValueKind::Event, &mut inspection);
    Ok(inspection)
}
