//! Opening a delimited file: sniff its dialect, read its header, map its
//! columns. Shared by subscriber exports, consent logs and suppression lists.

use std::io::Read;

use indicatif::ProgressBar;

use super::dialect::{Dialect, sniff};
use super::format::{ColumnMap, Field, FileKind, detect, find_column};
use super::record::{RawRecord, ReadError, RecordReader};
use super::source::{InputSource, Peeked, peek};
use crate::error::{Error, Result, describe_io};
use crate::text::sanitize_for_terminal;

/// Bytes read ahead to sniff a file's dialect and kind.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The longest record accepted; longer ones are almost always a quote that
/// never closes, and reading on would hold the rest of the file in memory.
pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

/// An input whose bytes are read ahead for sniffing, with progress shown.
pub struct Opened {
    pub source: InputSource,
    pub prefix: Vec<u8>,
    pub reader: Peeked,
}

pub fn open(source: &InputSource, progress: &ProgressBar) -> Result<Opened> {
    let (reader, len) = source.open()?;
    if let Some(len) = len {
        progress.set_length(len);
    }
    let reader: Box<dyn Read + Send> = Box::new(progress.wrap_read(reader));
    let (prefix, reader) =
        peek(reader, SNIFF_BYTES).map_err(|e| Error::input(&source.display(), describe_io(&e)))?;
    Ok(Opened {
        source: source.clone(),
        prefix,
        reader,
    })
}

/// A delimited file positioned after its header.
pub struct DelimitedFile {
    pub source: InputSource,
    pub dialect: Dialect,
    pub header: RawRecord,
    pub header_names: Vec<String>,
    pub records: RecordReader<Peeked>,
}

impl DelimitedFile {
    pub fn name(&self) -> String {
        self.source.display()
    }

    /// Fills `batch` with up to `batch.len()` records, reusing their
    /// buffers. Returns how many were read; fewer means the end.
    pub fn read_batch(&mut self, batch: &mut [RawRecord]) -> Result<usize> {
        let mut filled = 0;
        for record in batch.iter_mut() {
            let more = self
                .records
                .read(record)
                .map_err(|e| read_error(&self.name(), e))?;
            if !more {
                break;
            }
            filled += 1;
        }
        Ok(filled)
    }
}

fn read_error(name: &str, err: ReadError) -> Error {
    match err {
        ReadError::Io(e) => Error::input(name, describe_io(&e)),
        other @ ReadError::RecordTooLong { .. } => Error::input(name, other)
            .with_hint("check the quoting at that line; a field that opens a quote must close it"),
    }
}

/// Sniffs the dialect and reads the header row.
pub fn read_header(opened: Opened) -> Result<DelimitedFile> {
    let name = opened.source.display();
    let dialect = sniff(&opened.prefix).map_err(|e| Error::input(&name, e))?;
    let mut records = RecordReader::new(opened.reader, dialect.delimiter, MAX_RECORD_BYTES);
    let mut header = RawRecord::default();
    let found = records
        .read(&mut header)
        .map_err(|e| read_error(&name, e))?;
    if !found {
        return Err(Error::input(&name, "file is empty (no header row)"));
    }
    let header_names = header
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
    Ok(DelimitedFile {
        source: opened.source,
        dialect,
        header,
        header_names,
        records,
    })
}

/// A delimited file with its columns mapped.
pub struct MappedFile {
    pub file: DelimitedFile,
    pub columns: ColumnMap,
}

impl MappedFile {
    /// The column of `field`, which [`map_columns`] guarantees for the
    /// required fields.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.columns.get(field)
    }
}

/// Maps the columns of `file` as `kind`. `email_column` overrides the
/// detected email column (a header name or a 1-based position).
pub fn map_columns(
    file: DelimitedFile,
    kind: FileKind,
    email_column: Option<&str>,
) -> Result<MappedFile> {
    let name = file.name();
    let headers_found = || {
        file.header_names
            .iter()
            .map(|h| sanitize_for_terminal(h).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut columns = match detect(kind, &file.header_names) {
        Ok(columns) => columns,
        Err(_) if email_column.is_some() && kind != FileKind::Consent => ColumnMap::generic(kind),
        Err(missing) => {
            let mut error = Error::input(
                &name,
                format!(
                    "no {} column found (header: {})",
                    missing.field.as_str(),
                    headers_found()
                ),
            );
            error = if missing.field == Field::Email && kind != FileKind::Consent {
                if file.header_names.iter().any(|h| h.contains('@')) {
                    error.with_hint(
                        "the first line looks like data, not a header; add a header row such as 'email'",
                    )
                } else {
                    error.with_hint(
                        "name the column with --email-column NAME (or its 1-based position)",
                    )
                }
            } else {
                error.with_hint(format!(
                    "rename the column to one of: {}",
                    missing.expected.join(", ")
                ))
            };
            return Err(error);
        }
    };
    if let Some(wanted) = email_column {
        let index = find_column(&file.header_names, wanted).ok_or_else(|| {
            Error::input(
                &name,
                format!(
                    "no column '{}' for --email-column (header: {})",
                    sanitize_for_terminal(wanted),
                    headers_found()
                ),
            )
        })?;
        columns.set(Field::Email, index);
    }
    Ok(MappedFile { file, columns })
}

/// Why a data row's shape cannot be trusted (a D003 message), if it can't.
/// Extra trailing fields are tolerated when they are empty (a trailing
/// delimiter on every row is common in real exports).
pub fn shape_problem(record: &RawRecord, header_len: usize, delimiter: u8) -> Option<String> {
    use super::record::QuotingProblem;
    if let Some(problem) = record.quoting_problem(delimiter) {
        return Some(match problem {
            QuotingProblem::Unterminated => {
                "a quoted field is never closed; the row runs to the end of the file".to_string()
            }
            QuotingProblem::SwallowedLines => format!(
                "a quote opened on line {} swallows line breaks and is followed by more text; \
                 the lines up to the closing quote were read as one row",
                record.line()
            ),
        });
    }
    let fields = record.len();
    let extra_are_empty =
        || (header_len..fields).all(|i| record.get(i).is_some_and(<[u8]>::is_empty));
    if fields < header_len || (fields > header_len && !extra_are_empty()) {
        return Some(format!(
            "row has {fields} fields; the header has {header_len}"
        ));
    }
    None
}
