//! Opening a delimited file: sniff its dialect, read its header, map its
//! columns. Shared by subscriber exports, consent logs and suppression lists.

use std::io::Read;

use indicatif::ProgressBar;

use super::dialect::{Dialect, sniff};
use super::encoding::Utf16Reader;
use super::format::{
    ColumnMap, Field, FileKind, detect, find_column, format_named, format_names, map_as,
};
use super::record::{Piece, RawRecord, ReadError, RecordReader};
use super::source::{InputSource, Peeked, peek};
use crate::address::{check_syntax, normalize};
use crate::error::{Error, Result, describe_io};
use crate::text::sanitize_for_terminal;

/// Bytes read ahead to sniff a file's dialect and kind.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The longest record accepted; longer ones are almost always a quote that
/// never closes, and reading on would hold the rest of the file in memory.
pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

/// The most columns a header may have: Excel's limit (column XFD). Wider
/// "headers" are not exports; reading them would cost time per row for
/// nothing.
pub const MAX_COLUMNS: usize = 16_384;

/// An input whose bytes are read ahead for sniffing, with progress shown.
pub struct Opened {
    pub source: InputSource,
    pub prefix: Vec<u8>,
    pub reader: Peeked,
}

impl Opened {
    /// The first byte that is not a byte-order mark or white space: `{` or
    /// `[` for JSON.
    pub fn first_byte(&self) -> Option<u8> {
        self.prefix
            .strip_prefix(b"\xef\xbb\xbf")
            .unwrap_or(&self.prefix)
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .copied()
    }

    /// Whether the sniffed prefix is the whole file.
    pub fn complete(&self) -> bool {
        self.prefix.len() < SNIFF_BYTES
    }
}

pub fn open(source: &InputSource, progress: &ProgressBar) -> Result<Opened> {
    let (reader, len) = source.open()?;
    if let Some(len) = len {
        progress.set_length(len);
    }
    open_reader(source, Box::new(progress.wrap_read(reader)))
}

/// [`open`] on a reader of the source's bytes that the caller wraps (to
/// hash the bytes as they are read, say).
pub fn open_reader(source: &InputSource, reader: Box<dyn Read + Send>) -> Result<Opened> {
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
    pub records: RecordReader<Box<dyn Read + Send>>,
    /// The first bytes as the parser sees them (UTF-16 transcoded), for
    /// sampling rows.
    sample: Vec<u8>,
    /// The file has no header: its first record is data row 1.
    headerless: bool,
    first_row: Option<RawRecord>,
    /// Excel's `sep=;` line came before the header.
    pub declares_delimiter: bool,
}

impl DelimitedFile {
    pub fn name(&self) -> String {
        self.source.display()
    }

    pub fn is_headerless(&self) -> bool {
        self.headerless
    }

    /// Treats the first record as data, not as a header.
    pub fn set_headerless(&mut self) {
        self.headerless = true;
        let mut first = std::mem::take(&mut self.header);
        first.set_row(1);
        self.header_names = (1..=first.len()).map(|i| format!("column {i}")).collect();
        self.first_row = Some(first);
    }

    /// Up to `n` data records from the start of the file (they are read
    /// again by [`read_batch`](Self::read_batch)).
    pub fn sample(&self, n: usize) -> Vec<RawRecord> {
        let complete = match memchr::memrchr2(b'\n', b'\r', &self.sample) {
            Some(end) if end + 1 < self.sample.len() => &self.sample[..=end],
            _ => &self.sample[..],
        };
        let mut reader = RecordReader::new(complete, self.dialect.delimiter, usize::MAX);
        let mut records = Vec::new();
        let mut record = RawRecord::default();
        // The `sep=` line and the header are no data.
        let mut skip = usize::from(self.declares_delimiter) + usize::from(!self.headerless);
        while records.len() < n && reader.read(&mut record).unwrap_or(false) {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            records.push(record.clone());
        }
        records
    }

    /// Reads in blocks of about `bytes` (see
    /// [`RecordReader::set_block_bytes`]).
    pub fn set_block_bytes(&mut self, bytes: usize) {
        self.records.set_block_bytes(bytes);
    }

    /// Calls `each` on every record, a block of records at a time, in
    /// order. The next block is read (split into records in parallel)
    /// while `each` works on the current one. Stops at the first error,
    /// the earlier row's first.
    pub fn for_each_batch<F>(&mut self, mut each: F) -> Result<()>
    where
        F: FnMut(&[RawRecord]) -> Result<()> + Send,
    {
        self.for_each_prepared(|_| (), |records, ()| each(records))
    }

    /// Reads the file a block at a time, in a pipeline of two stages: the
    /// next block is read and `prepare`d (in parallel, by the caller's
    /// choice) while `commit` takes the current one, in input order. What
    /// `commit` does in order, one thread at a time, no longer leaves the
    /// other cores idle: they prepare the next block meanwhile. A block
    /// comes in pieces; each piece is prepared and committed as a batch.
    pub fn for_each_prepared<T, P, F>(&mut self, prepare: P, mut commit: F) -> Result<()>
    where
        T: Send,
        P: Fn(&[RawRecord]) -> T + Sync,
        F: FnMut(&[RawRecord], T) -> Result<()> + Send,
    {
        let prepare_all = |pieces: &[Piece]| -> Vec<T> {
            pieces
                .iter()
                .map(|piece| prepare(piece.records()))
                .collect()
        };
        let mut current = Vec::new();
        let mut next = Vec::new();
        let mut n = self.read_block(&mut current)?;
        let mut prepared = prepare_all(&current[..n]);
        if n == 0 {
            return commit(&[], prepare(&[]));
        }
        loop {
            let (read, done) = rayon::join(
                || {
                    let m = self.read_block(&mut next)?;
                    Ok::<_, Error>((m, prepare_all(&next[..m])))
                },
                || {
                    current[..n]
                        .iter()
                        .zip(prepared)
                        .try_for_each(|(piece, prepared)| commit(piece.records(), prepared))
                },
            );
            done?;
            let (m, next_prepared) = read?;
            if m == 0 {
                return Ok(());
            }
            std::mem::swap(&mut current, &mut next);
            (n, prepared) = (m, next_prepared);
        }
    }

    /// The next block of records (see [`RecordReader::read_block`]) in
    /// `pieces[..n]`, after the first row of a file without a header.
    fn read_block(&mut self, pieces: &mut Vec<Piece>) -> Result<usize> {
        let line = self.records.next_line();
        let mut n = self
            .records
            .read_block(pieces)
            .map_err(|e| read_error(&self.name(), e, line))?;
        if self.headerless {
            for piece in &mut pieces[..n] {
                piece.renumber(1);
            }
        }
        if let Some(first) = self.first_row.take() {
            pieces.insert(0, Piece::of(first));
            n += 1;
        }
        Ok(n)
    }

    /// Fills `batch` with up to `batch.len()` records, reusing their
    /// buffers. Returns how many were read; fewer means the end.
    pub fn read_batch(&mut self, batch: &mut [RawRecord]) -> Result<usize> {
        let mut filled = 0;
        for record in batch.iter_mut() {
            if let Some(first) = self.first_row.take() {
                *record = first;
                filled += 1;
                continue;
            }
            let line = self.records.next_line();
            let more = self
                .records
                .read(record)
                .map_err(|e| read_error(&self.name(), e, line))?;
            if !more {
                break;
            }
            if self.headerless {
                record.set_row(record.row() + 1);
            }
            filled += 1;
        }
        Ok(filled)
    }
}

fn read_error(name: &str, err: ReadError, line: u64) -> Error {
    match err {
        ReadError::Io(e) if e.kind() == std::io::ErrorKind::InvalidData => Error::input(
            name,
            format!("line {line}: {}", describe_io(&e)),
        )
        .with_hint(
            "the file is damaged or not in the encoding its byte-order mark says; export it again",
        ),
        ReadError::Io(e) => Error::input(name, describe_io(&e)),
        other @ ReadError::RecordTooLong { .. } => Error::input(name, other)
            .with_hint("check the quoting at that line; a field that opens a quote must close it"),
    }
}

/// Sniffs the dialect and reads the header row.
pub fn read_header(opened: Opened) -> Result<DelimitedFile> {
    let name = opened.source.display();
    let complete = opened.complete();
    let dialect = sniff(&opened.prefix, complete).map_err(|e| {
        let hint = e.hint();
        Error::input(&name, e).with_hint(hint)
    })?;
    let encoding = dialect.encoding;
    let (reader, sample): (Box<dyn Read + Send>, Vec<u8>) = if encoding.is_utf16() {
        let mut reader = opened.reader;
        let mut mark = [0u8; 2];
        reader
            .read_exact(&mut mark)
            .map_err(|e| Error::input(&name, describe_io(&e)))?;
        let sample = super::encoding::utf16_prefix_to_utf8(&opened.prefix, encoding);
        (Box::new(Utf16Reader::new(reader, encoding)), sample)
    } else {
        (Box::new(opened.reader), opened.prefix)
    };
    let mut records = RecordReader::new(reader, dialect.delimiter, MAX_RECORD_BYTES);
    let mut header = RawRecord::default();
    let mut preamble = None;
    if super::dialect::declared_delimiter(&sample).is_some() {
        let mut line = RawRecord::default();
        records
            .read_preamble(&mut line)
            .map_err(|e| read_error(&name, e, 1))?;
        preamble = Some(line);
    }
    let found = records
        .read(&mut header)
        .map_err(|e| read_error(&name, e, 1))?;
    if let Some(line) = &preamble {
        header.prepend_lead(line);
    }
    if !found {
        return Err(Error::input(&name, "file is empty (no header row)"));
    }
    if header.len() > MAX_COLUMNS {
        return Err(Error::input(
            &name,
            format!(
                "line {}: the header has {} columns; the most listaudit reads is {MAX_COLUMNS} (Excel's limit)",
                header.line(),
                header.len()
            ),
        )
        .with_hint("check the delimiter and quoting of the first line, or save the sheet again as CSV"));
    }
    let header_names = header
        .iter()
        .map(|f| encoding.decode_lossy(f).trim().to_string())
        .collect();
    Ok(DelimitedFile {
        source: opened.source,
        dialect,
        header,
        header_names,
        records,
        sample,
        headerless: false,
        first_row: None,
        declares_delimiter: preamble.is_some(),
    })
}

/// A delimited file with its columns mapped.
pub struct MappedFile {
    pub file: DelimitedFile,
    pub columns: ColumnMap,
    /// How the email column was found.
    pub email_found_by: EmailFoundBy,
    /// Things the user should know about the file (duplicate header names).
    pub notices: Vec<String>,
    /// Which `--map` entries (by index) named a column of this file.
    pub applied_maps: Vec<usize>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum EmailFoundBy {
    Header,
    /// No header name matched; the column where most values are addresses.
    Content,
    /// `--email-column` or `--map email=...`.
    User,
    /// A file without a header: its only column.
    Shape,
}

impl MappedFile {
    /// The column of `field`, which [`map_columns`] guarantees for the
    /// required fields.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.columns.get(field)
    }
}

/// What the user said about columns and formats.
#[derive(Clone, Debug, Default)]
pub struct ColumnOverrides {
    /// `--input-format NAME`.
    pub format: Option<String>,
    /// `--map FIELD=COLUMN`, in order (later entries win).
    pub map: Vec<(Field, String)>,
    /// `--email-column NAME`.
    pub email_column: Option<String>,
}

/// Rows sampled to find an email column by its content.
const CONTENT_SAMPLE_ROWS: usize = 200;

/// Maps the columns of `file` as `kind`.
pub fn map_columns(
    mut file: DelimitedFile,
    kind: FileKind,
    overrides: &ColumnOverrides,
) -> Result<MappedFile> {
    let name = file.name();
    // A message names at most this many columns, so a wide header cannot
    // flood the terminal.
    const SHOWN: usize = 40;
    let headers_found = |file: &DelimitedFile| {
        let mut shown = file
            .header_names
            .iter()
            .take(SHOWN)
            .map(|h| sanitize_for_terminal(h).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        if file.header_names.len() > SHOWN {
            shown.push_str(&format!(", … {} more", file.header_names.len() - SHOWN));
        }
        shown
    };
    let forced = match &overrides.format {
        Some(wanted) => Some(format_named(kind, wanted).ok_or_else(|| {
            Error::usage(format!(
                "unknown --input-format '{}' for {} files",
                sanitize_for_terminal(wanted),
                kind.as_str()
            ))
            .with_hint(format!("known formats: {}", format_names(kind).join(", ")))
        })?),
        None => None,
    };
    // Sendy writes this instead of a header when an export is empty.
    if kind == FileKind::Subscribers
        && file.header_names.len() == 1
        && crate::text::fold(&file.header_names[0]) == "0recordsfound"
    {
        let mut columns = ColumnMap::empty(
            format_named(kind, "sendy").unwrap_or_else(|| ColumnMap::generic(kind).format),
        );
        columns.set(Field::Email, 0);
        let notices = vec![format!(
            "{name}: an empty Sendy export ('(0) Records Found!')"
        )];
        return Ok(MappedFile {
            file,
            columns,
            email_found_by: EmailFoundBy::Shape,
            notices,
            applied_maps: Vec::new(),
        });
    }
    let headerless = kind != FileKind::Consent
        && forced.is_none_or(|f| f.name == "mailman")
        && (forced.is_some() || looks_like_data(&file));
    let mut email_found_by = EmailFoundBy::Header;
    let mut columns = if headerless {
        file.set_headerless();
        let mut map = ColumnMap::empty(
            format_named(kind, "mailman").unwrap_or_else(|| ColumnMap::generic(kind).format),
        );
        map.confidence = if file.header_names.len() == 1 {
            0.9
        } else {
            0.5
        };
        map.set(Field::Email, 0);
        email_found_by = EmailFoundBy::Shape;
        map
    } else {
        match forced {
            Some(format) => map_as(format, &file.header_names),
            None => detect(kind, &file.header_names, file.dialect.delimiter),
        }
    };
    let mut applied_maps = Vec::new();
    let user_columns = overrides
        .map
        .iter()
        .enumerate()
        .map(|(i, (field, column))| (Some(i), *field, column.as_str()))
        .chain(
            overrides
                .email_column
                .as_deref()
                .filter(|_| kind != FileKind::Consent)
                .map(|column| (None, Field::Email, column)),
        );
    for (map_index, field, wanted) in user_columns {
        match find_column(&file.header_names, wanted) {
            Some(index) => {
                columns.set(field, index);
                if field == Field::Email {
                    email_found_by = EmailFoundBy::User;
                }
                applied_maps.extend(map_index);
            }
            None if map_index.is_none() => {
                return Err(Error::input(
                    &name,
                    format!(
                        "no column '{}' for --email-column (header: {})",
                        sanitize_for_terminal(wanted),
                        headers_found(&file)
                    ),
                ));
            }
            None => {}
        }
    }
    if columns.get(Field::Email).is_none()
        && kind != FileKind::Consent
        && let Some(index) = email_column_by_content(&file)
    {
        columns.set(Field::Email, index);
        columns.confidence = 0.3;
        email_found_by = EmailFoundBy::Content;
    }
    if let Some(missing) = columns.missing() {
        let mut error = Error::input(
            &name,
            format!(
                "no {} column found (header: {})",
                missing.field.as_str(),
                headers_found(&file)
            ),
        );
        error = if missing.field == Field::Email {
            error.with_hint(
                "name the column with --email-column NAME (or --map email=NAME, or its 1-based position)",
            )
        } else {
            error.with_hint(format!(
                "rename the column to one of: {}, or name it with --map {}=COLUMN",
                missing.expected.join(", "),
                missing.field.as_str()
            ))
        };
        return Err(error);
    }
    let mut notices = duplicate_header_notices(&name, &file.header_names);
    if file.declares_delimiter {
        notices.push(format!(
            "{name}: the first line is Excel's 'sep={}' line; it names the delimiter and is kept in the cleaned and removed lists",
            sanitize_for_terminal(&file.dialect.delimiter_str())
        ));
    }
    Ok(MappedFile {
        file,
        columns,
        email_found_by,
        notices,
        applied_maps,
    })
}

/// Whether the "header" is really a data row: a single column whose one
/// value is an address (Mailman's `Subscribers.csv`, a plain list).
fn looks_like_data(file: &DelimitedFile) -> bool {
    let [only] = file.header_names.as_slice() else {
        return false;
    };
    normalize(only).is_some_and(|key| check_syntax(only, &key).is_ok())
}

/// The column where most sampled values are valid addresses, if any
/// column has a majority.
fn email_column_by_content(file: &DelimitedFile) -> Option<usize> {
    let sample = file.sample(CONTENT_SAMPLE_ROWS);
    if sample.is_empty() {
        return None;
    }
    let encoding = file.dialect.encoding;
    let mut best: Option<(usize, usize)> = None;
    for column in 0..file.header_names.len() {
        let hits = sample
            .iter()
            .filter(|record| {
                record
                    .get(column)
                    .and_then(|cell| encoding.decode(cell).ok())
                    .is_some_and(|text| {
                        normalize(&text).is_some_and(|key| check_syntax(&text, &key).is_ok())
                    })
            })
            .count();
        if hits * 2 > sample.len() && best.is_none_or(|(_, h)| hits > h) {
            best = Some((column, hits));
        }
    }
    best.map(|(column, _)| column)
}

/// Header names used twice: the first column of that name is the one read.
fn duplicate_header_notices(name: &str, header: &[String]) -> Vec<String> {
    // Positions per name in first-seen order: linear in the header's width.
    let mut positions: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, h) in header.iter().enumerate().filter(|(_, h)| !h.is_empty()) {
        let slot = *seen.entry(h.as_str()).or_insert_with(|| {
            positions.push((h.as_str(), Vec::new()));
            positions.len() - 1
        });
        positions[slot].1.push(i + 1);
    }
    positions
        .into_iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(h, at)| {
            let listed: Vec<String> = at.iter().map(usize::to_string).collect();
            format!(
                "{name}: column name '{}' is used {} times (columns {}); the first is read",
                sanitize_for_terminal(h),
                at.len(),
                listed.join(", ")
            )
        })
        .collect()
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
    if let Some(at) = memchr::memchr(0, record.content()) {
        let field = record
            .iter()
            .position(|f| f.contains(&0))
            .map_or(1, |i| i + 1);
        return Some(format!(
            "field {field} has a NUL byte (0x00) at byte offset {} of the file: text has none, \
             so the row was damaged (a crash while writing, a binary tool) and is not read; \
             export it again or fix the row",
            record.offset() + at as u64
        ));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_header_names_are_noticed() {
        let header: Vec<String> = [
            "Email Address",
            "UNSUB_REASON",
            "UNSUB_TIME",
            "UNSUB_REASON",
            "",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            duplicate_header_notices("u.csv", &header),
            ["u.csv: column name 'UNSUB_REASON' is used 2 times (columns 2, 4); the first is read"]
        );
    }
}
