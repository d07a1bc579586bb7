//! Any input, row by row, with the bytes each row was written in.
//!
//! `lookup` and `erase` read files of every kind the audit reads (CSV or
//! TSV in any delimiter and encoding, JSON Lines, a JSON array, a stream
//! of JSON documents) without knowing which column holds the address: a
//! CRM may keep it under `Kontakt`, in a second address column or in a
//! nested JSON field. A scan hands every row's cells to a `decide`
//! function, in parallel a batch at a time, and then the row's bytes to a
//! sink in input order, so that `erase` can write every row it keeps
//! exactly as it was.

use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::address::{check_syntax, normalize};
use crate::error::{Error, Result, describe_io};
use crate::input::{
    Encoding, InputSource, LineError, MAX_RECORD_BYTES, Opened, Peeked, RawRecord, Undecodable,
    first_line_is_json, open_reader, read_header, read_line, size_in_words,
};

const BATCH: usize = 4096;
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// How a file is written.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    Delimited { encoding: Encoding, delimiter: u8 },
    JsonLines { encoding: Encoding },
    JsonArray { encoding: Encoding },
    JsonDocuments { encoding: Encoding },
}

impl Shape {
    pub fn format_name(self) -> &'static str {
        match self {
            Shape::Delimited { .. } => "csv",
            Shape::JsonLines { .. } => "jsonl",
            Shape::JsonArray { .. } | Shape::JsonDocuments { .. } => "json",
        }
    }

    pub fn encoding(self) -> Encoding {
        match self {
            Shape::Delimited { encoding, .. }
            | Shape::JsonLines { encoding }
            | Shape::JsonArray { encoding }
            | Shape::JsonDocuments { encoding } => encoding,
        }
    }

    /// The delimiter as text (`\t` for tab), empty for JSON.
    pub fn delimiter(self) -> String {
        match self {
            Shape::Delimited { delimiter, .. } => (delimiter as char).to_string(),
            _ => String::new(),
        }
    }
}

/// One data row (a CSV record, a JSON line, an element of a JSON array,
/// a JSON document) as `decide` sees it.
pub struct Row<'a> {
    /// 1-based data row: the header is not counted, blank lines neither.
    pub row: u64,
    /// 1-based physical line the row starts on.
    pub line: u64,
    pub cells: Cells<'a>,
}

/// A row's values.
pub enum Cells<'a> {
    Delimited {
        record: &'a RawRecord,
        header: &'a [String],
        encoding: Encoding,
    },
    Json(&'a Value),
}

impl Cells<'_> {
    /// Calls `each(column, text)` for every value of the row that could
    /// name an address, one with an `@`: cells of a CSV record, strings
    /// anywhere in a JSON value (the column is its path, such as
    /// `customer.emails[1]`). The `@` is looked for in the bytes, so the
    /// other cells are never decoded.
    pub fn each_candidate(&self, each: &mut dyn FnMut(&str, &str)) {
        match self {
            Cells::Delimited {
                record,
                header,
                encoding,
            } => {
                for (i, cell) in record.iter().enumerate() {
                    if memchr::memchr(b'@', cell).is_some() {
                        each(&column_name(header, i), &encoding.decode_lossy(cell));
                    }
                }
            }
            Cells::Json(value) => {
                let mut path = String::new();
                walk_strings(value, &mut path, each);
            }
        }
    }

    /// The row as a JSON object: column name to value for a CSV record,
    /// the object itself for JSON.
    pub fn to_json(&self) -> Value {
        match self {
            Cells::Delimited {
                record,
                header,
                encoding,
            } => {
                let mut object = serde_json::Map::new();
                for (i, cell) in record.iter().enumerate() {
                    let mut name = column_name(header, i).into_owned();
                    if object.contains_key(&name) {
                        // Two columns under one name: both are shown.
                        name = format!("{name} (column {})", i + 1);
                    }
                    object.insert(name, Value::from(encoding.decode_lossy(cell).into_owned()));
                }
                Value::Object(object)
            }
            Cells::Json(value @ Value::Object(_)) => (*value).clone(),
            Cells::Json(value) => {
                let mut object = serde_json::Map::new();
                object.insert("value".to_string(), (*value).clone());
                Value::Object(object)
            }
        }
    }
}

fn column_name(header: &[String], i: usize) -> Cow<'_, str> {
    match header.get(i) {
        Some(name) if !name.is_empty() => Cow::Borrowed(name),
        _ => Cow::Owned(format!("column {}", i + 1)),
    }
}

fn walk_strings(value: &Value, path: &mut String, each: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(text) if text.contains('@') => each(path, text),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk_strings(item, path, each);
                path.truncate(len);
            }
        }
        Value::Object(object) => {
            for (key, item) in object {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                walk_strings(item, path, each);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// What a scan hands to its sink, in file order. Writing every `Frame`,
/// every kept `Row`, and a `Separator` only between two kept rows gives
/// the file without the other rows.
pub enum Piece<'a, D> {
    /// Bytes that belong to no row: a byte-order mark, the header, blank
    /// lines, the brackets of a JSON array.
    Frame(&'a [u8]),
    /// What stands between two rows of a JSON array or document stream
    /// (a comma, line breaks, indentation).
    Separator(&'a [u8]),
    Row {
        row: u64,
        line: u64,
        /// The row's bytes in the file's own encoding, with its line break.
        bytes: &'a [u8],
        decided: D,
    },
}

/// What a scan found out about the file.
#[derive(Clone, Debug)]
pub struct Scanned {
    pub shape: Shape,
    pub rows: u64,
    /// SHA-256 of the bytes read, when asked for ([`InputDigest::Sha256`]).
    pub sha256: Option<String>,
}

/// Whether a scan hashes the input's bytes as it reads them.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum InputDigest {
    Skip,
    Sha256,
}

/// A reader that hashes what passes through it. The hasher is shared so
/// that it can be read after the reader has gone into the parsers.
struct Hashing<R> {
    inner: R,
    hasher: Arc<Mutex<Sha256>>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher
            .lock()
            .expect("only this reader hashes")
            .update(&buf[..n]);
        Ok(n)
    }
}

/// Reads `source` to the end: `decide` sees every row (in parallel),
/// `sink` gets every piece of the file in order. A file that cannot be
/// read whole (undecodable, broken JSON) is an error naming it and the
/// line: a row that cannot be read cannot be said not to be about the
/// person. With [`InputDigest::Sha256`] the bytes are hashed as they are
/// read, so the digest is of exactly what was scanned.
pub fn scan<D, F, S>(
    source: &InputSource,
    digest: InputDigest,
    decide: F,
    mut sink: S,
) -> Result<Scanned>
where
    D: Send,
    F: Fn(&Row<'_>) -> D + Sync,
    S: FnMut(Piece<'_, D>) -> Result<()>,
{
    let hasher = Arc::new(Mutex::new(Sha256::new()));
    let (reader, _) = source.open()?;
    let reader: Box<dyn Read + Send> = match digest {
        InputDigest::Skip => reader,
        InputDigest::Sha256 => Box::new(Hashing {
            inner: reader,
            hasher: Arc::clone(&hasher),
        }),
    };
    let opened = open_reader(source, reader)?;
    let mut scanned = scan_opened(opened, &decide, &mut sink)?;
    if digest == InputDigest::Sha256 {
        let hasher = hasher.lock().expect("the reader is gone").clone();
        scanned.sha256 = Some(hex::encode(hasher.finalize()));
    }
    Ok(scanned)
}

fn scan_opened<D, F, S>(opened: Opened, decide: &F, sink: &mut S) -> Result<Scanned>
where
    D: Send,
    F: Fn(&Row<'_>) -> D + Sync,
    S: FnMut(Piece<'_, D>) -> Result<()>,
{
    match opened.first_byte() {
        Some(b'{') if first_line_is_json(&opened.prefix) => scan_json_lines(opened, decide, sink),
        Some(b'{') => scan_json_stream(opened, false, decide, sink),
        Some(b'[') => scan_json_stream(opened, true, decide, sink),
        _ => scan_delimited(opened, decide, sink),
    }
}

fn scan_delimited<D, F, S>(opened: Opened, decide: &F, sink: &mut S) -> Result<Scanned>
where
    D: Send,
    F: Fn(&Row<'_>) -> D + Sync,
    S: FnMut(Piece<'_, D>) -> Result<()>,
{
    let mut file = read_header(opened)?;
    let name = file.name();
    let encoding = file.dialect.encoding;
    let shape = Shape::Delimited {
        encoding,
        delimiter: file.dialect.delimiter,
    };
    if encoding.is_utf16() {
        // The decoder took the mark; the records are UTF-8 from here on.
        sink(Piece::Frame(encoding.bom()))?;
    }
    // A list with no header: its first line is an address, and a row.
    let headerless = file.header.iter().any(|cell| {
        let text = encoding.decode_lossy(cell);
        normalize(&text).is_some_and(|key| check_syntax(&text, &key).is_ok())
    });
    if headerless {
        file.set_headerless();
    } else {
        sink(Piece::Frame(&encoding.encode_stored(file.header.raw())))?;
    }
    let header = file.header_names.clone();
    let mut batch = vec![RawRecord::default(); BATCH];
    let mut rows = 0;
    loop {
        let n = file.read_batch(&mut batch)?;
        // Checked where rows are decided, in parallel; reported in order.
        let decided: Vec<Result<D, Undecodable>> = batch[..n]
            .par_iter()
            .with_min_len(64)
            .map(|record| {
                encoding.validate(record.content())?;
                Ok(decide(&Row {
                    row: record.row(),
                    line: record.line(),
                    cells: Cells::Delimited {
                        record,
                        header: &header,
                        encoding,
                    },
                }))
            })
            .collect();
        for (record, decided) in batch[..n].iter().zip(decided) {
            rows += 1;
            if !record.lead().is_empty() {
                sink(Piece::Frame(&encoding.encode_stored(record.lead())))?;
            }
            let decided = decided.map_err(|bad| {
                Error::input(
                    &name,
                    format!(
                        "line {}: byte 0x{:02X} is not valid {}",
                        record.line(),
                        bad.byte,
                        encoding.as_str()
                    ),
                )
                .with_hint("the file is damaged or in another encoding; export it again as UTF-8")
            })?;
            sink(Piece::Row {
                row: record.row(),
                line: record.line(),
                bytes: &encoding.encode_stored(record.own_bytes()),
                decided,
            })?;
        }
        if n < batch.len() {
            break;
        }
    }
    Ok(Scanned {
        shape,
        rows,
        sha256: None,
    })
}

/// Takes a UTF-8 byte-order mark off the front of a JSON file, as a frame.
fn json_reader<D, S>(opened: Opened, sink: &mut S) -> Result<(Encoding, BufReader<Peeked>)>
where
    S: FnMut(Piece<'_, D>) -> Result<()>,
{
    let name = opened.source.display();
    let mut reader = BufReader::with_capacity(256 * 1024, opened.reader);
    if opened.prefix.starts_with(UTF8_BOM) {
        let mut mark = [0u8; 3];
        reader
            .read_exact(&mut mark)
            .map_err(|e| Error::input(&name, describe_io(&e)))?;
        sink(Piece::Frame(UTF8_BOM))?;
        Ok((Encoding::Utf8Bom, reader))
    } else {
        Ok((Encoding::Utf8, reader))
    }
}

fn not_json(name: &str, line: u64, err: impl std::fmt::Display) -> Error {
    Error::input(name, format!("line {line}: not valid JSON: {err}")).with_hint(
        "every record must be read to know whether it names the person; fix the record and run again",
    )
}

fn scan_json_lines<D, F, S>(opened: Opened, decide: &F, sink: &mut S) -> Result<Scanned>
where
    D: Send,
    F: Fn(&Row<'_>) -> D + Sync,
    S: FnMut(Piece<'_, D>) -> Result<()>,
{
    let name = opened.source.display();
    let (encoding, mut reader) = json_reader(opened, sink)?;
    let mut lines: Vec<(Vec<u8>, u64)> = Vec::with_capacity(BATCH);
    let mut line_number = 0u64;
    let mut rows = 0u64;
    let mut done = false;
    while !done {
        lines.clear();
        while lines.len() < BATCH {
            let mut line = Vec::new();
            if !read_line(&mut reader, &mut line).map_err(|e| match e {
                LineError::Io(e) => Error::input(&name, describe_io(&e)),
                LineError::TooLong => Error::input(
                    &name,
                    format!(
                        "line {}: longer than {}",
                        line_number + 1,
                        size_in_words(MAX_RECORD_BYTES)
                    ),
                )
                .with_hint("a JSON Lines file has one record per line"),
            })? {
                done = true;
                break;
            }
            line_number += 1;
            lines.push((line, line_number));
        }
        // Blank lines are not rows.
        let numbers: Vec<Option<u64>> = lines
            .iter()
            .map(|(line, _)| {
                (!line.iter().all(u8::is_ascii_whitespace)).then(|| {
                    rows += 1;
                    rows
                })
            })
            .collect();
        let decided: Vec<Result<Option<D>>> = lines
            .par_iter()
            .zip(&numbers)
            .with_min_len(64)
            .map(|((line, number), row)| {
                let Some(row) = *row else {
                    return Ok(None);
                };
                let value: Value =
                    serde_json::from_slice(line).map_err(|e| not_json(&name, *number, e))?;
                Ok(Some(decide(&Row {
                    row,
                    line: *number,
                    cells: Cells::Json(&value),
                })))
            })
            .collect();
        for (((line, number), row), decided) in lines.iter().zip(&numbers).zip(decided) {
            match (decided?, row) {
                (Some(decided), Some(row)) => sink(Piece::Row {
                    row: *row,
                    line: *number,
                    bytes: line,
                    decided,
                })?,
                _ => sink(Piece::Frame(line))?,
            }
        }
    }
    Ok(Scanned {
        shape: Shape::JsonLines { encoding },
        rows,
        sha256: None,
    })
}

fn scan_json_stream<D, F, S>(
    opened: Opened,
    array: bool,
    decide: &F,
    sink: &mut S,
) -> Result<Scanned>
where
    D: Send,
    F: Fn(&Row<'_>) -> D + Sync,
    S: FnMut(Piece<'_, D>) -> Result<()>,
{
    let name = opened.source.display();
    let (encoding, reader) = json_reader(opened, sink)?;
    let mut splitter = JsonSplitter::new(reader, array);
    let mut rows = 0u64;
    let mut done = false;
    let mut batch: Vec<Element> = Vec::with_capacity(256);
    while !done {
        batch.clear();
        let mut tail = None;
        while batch.len() < 256 {
            match splitter.next().map_err(|e| match e {
                SplitError::Io(e) => Error::input(&name, describe_io(&e)),
                SplitError::Syntax { line, message } => not_json(&name, line, message),
            })? {
                Split::Element(element) => batch.push(element),
                Split::End { tail: rest } => {
                    tail = Some(rest);
                    done = true;
                    break;
                }
            }
        }
        let first_row = rows;
        let decided: Vec<Result<D>> = batch
            .par_iter()
            .enumerate()
            .map(|(i, element)| {
                let value: Value = serde_json::from_slice(&element.bytes)
                    .map_err(|e| not_json(&name, element.line, e))?;
                Ok(decide(&Row {
                    row: first_row + 1 + i as u64,
                    line: element.line,
                    cells: Cells::Json(&value),
                }))
            })
            .collect();
        for (element, decided) in batch.iter().zip(decided) {
            let decided = decided?;
            if rows == 0 {
                sink(Piece::Frame(&element.gap))?;
            } else {
                sink(Piece::Separator(&element.gap))?;
            }
            rows += 1;
            sink(Piece::Row {
                row: rows,
                line: element.line,
                bytes: &element.bytes,
                decided,
            })?;
        }
        if let Some(tail) = tail {
            sink(Piece::Frame(&tail))?;
        }
    }
    let shape = if array {
        Shape::JsonArray { encoding }
    } else {
        Shape::JsonDocuments { encoding }
    };
    Ok(Scanned {
        shape,
        rows,
        sha256: None,
    })
}

/// One top-level value of a JSON array or document stream.
struct Element {
    /// The bytes before it, back to the previous value (or the start).
    gap: Vec<u8>,
    bytes: Vec<u8>,
    line: u64,
}

enum Split {
    Element(Element),
    /// The bytes after the last value, with the closing bracket.
    End {
        tail: Vec<u8>,
    },
}

enum SplitError {
    Io(std::io::Error),
    Syntax { line: u64, message: String },
}

/// Cuts a JSON array (or a stream of JSON documents) into its top-level
/// values without parsing them, keeping every byte, so that a value can be
/// left out and the rest written as it was. Streams: only one value is
/// held at a time.
struct JsonSplitter<R> {
    reader: R,
    array: bool,
    opened: bool,
    closed: bool,
    line: u64,
}

impl<R: BufRead> JsonSplitter<R> {
    fn new(reader: R, array: bool) -> JsonSplitter<R> {
        JsonSplitter {
            reader,
            array,
            opened: !array,
            closed: false,
            line: 1,
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, SplitError> {
        loop {
            match self.reader.fill_buf() {
                Ok(bytes) => return Ok(bytes.first().copied()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(SplitError::Io(e)),
            }
        }
    }

    fn bump(&mut self, byte: u8, into: &mut Vec<u8>) {
        self.reader.consume(1);
        if byte == b'\n' {
            self.line += 1;
        }
        into.push(byte);
    }

    fn syntax(&self, message: &str) -> SplitError {
        SplitError::Syntax {
            line: self.line,
            message: message.to_string(),
        }
    }

    fn next(&mut self) -> Result<Split, SplitError> {
        let mut gap = Vec::new();
        loop {
            let Some(byte) = self.peek()? else {
                if self.array && !self.closed {
                    return Err(self.syntax("the array is never closed with ']'"));
                }
                return Ok(Split::End { tail: gap });
            };
            let blank = byte.is_ascii_whitespace();
            if !self.opened {
                if byte != b'[' && !blank {
                    return Err(self.syntax("expected '[' to open the array"));
                }
                self.opened = byte == b'[';
            } else if self.closed {
                if !blank {
                    return Err(self.syntax("text after the end of the array"));
                }
            } else if self.array && byte == b']' {
                self.closed = true;
            } else if !(blank || (self.array && byte == b',')) {
                break;
            }
            self.bump(byte, &mut gap);
        }
        let line = self.line;
        let mut bytes = Vec::new();
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let Some(byte) = self.peek()? else {
                if depth > 0 || in_string {
                    return Err(self.syntax("the file ends inside a value"));
                }
                break;
            };
            if !in_string
                && depth == 0
                && !bytes.is_empty()
                && (byte.is_ascii_whitespace() || matches!(byte, b',' | b']' | b'{' | b'[' | b'"'))
            {
                // The end of a number, `true`, `false` or `null`.
                break;
            }
            self.bump(byte, &mut bytes);
            if bytes.len() > MAX_RECORD_BYTES {
                return Err(SplitError::Syntax {
                    line,
                    message: format!("a value longer than {}", size_in_words(MAX_RECORD_BYTES)),
                });
            }
            if in_string {
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    in_string = false;
                    if depth == 0 {
                        break;
                    }
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth == 0 {
                        return Err(self.syntax("a closing bracket with no opening one"));
                    }
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        Ok(Split::Element(Element { gap, bytes, line }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, array: bool) -> Result<(Vec<(String, String)>, String), String> {
        let mut splitter = JsonSplitter::new(text.as_bytes(), array);
        let mut values = Vec::new();
        loop {
            match splitter.next() {
                Ok(Split::Element(e)) => values.push((
                    String::from_utf8(e.gap).unwrap(),
                    String::from_utf8(e.bytes).unwrap(),
                )),
                Ok(Split::End { tail }) => return Ok((values, String::from_utf8(tail).unwrap())),
                Err(SplitError::Syntax { line, message }) => {
                    return Err(format!("{line}: {message}"));
                }
                Err(SplitError::Io(e)) => return Err(e.to_string()),
            }
        }
    }

    #[test]
    fn splits_an_array_keeping_every_byte() {
        let text = "[\n  {\"a\": \"x]\\\"}\"},\n  [1, [2]],\n  \"s\" , 42,true\n]\n";
        let (values, tail) = split(text, true).unwrap();
        let bytes: Vec<&str> = values.iter().map(|(_, b)| b.as_str()).collect();
        assert_eq!(
            bytes,
            ["{\"a\": \"x]\\\"}\"}", "[1, [2]]", "\"s\"", "42", "true"]
        );
        let joined: String = values.iter().map(|(g, b)| format!("{g}{b}")).collect();
        assert_eq!(format!("{joined}{tail}"), text);
        assert_eq!(tail, "\n]\n");
    }

    #[test]
    fn splits_documents() {
        let text = "{\"a\": {\"b\": 1}}\n\n{\n  \"c\": 2\n}\n";
        let (values, tail) = split(text, false).unwrap();
        assert_eq!(values.len(), 2);
        assert_eq!(values[1].0, "\n\n");
        assert_eq!(tail, "\n");
    }

    #[test]
    fn broken_json_is_an_error_with_its_line() {
        assert_eq!(
            split("[\n{\"a\": 1},\n{\"b\": ", true).unwrap_err(),
            "3: the file ends inside a value"
        );
        assert_eq!(
            split("[{\"a\": 1}", true).unwrap_err(),
            "1: the array is never closed with ']'"
        );
        assert_eq!(
            split("[1]\nx", true).unwrap_err(),
            "2: text after the end of the array"
        );
        assert!(split("[]", true).unwrap().0.is_empty());
    }

    #[test]
    fn json_strings_are_found_with_their_path() {
        let value: Value = serde_json::from_str(
            r#"{"id": 7, "customer": {"emails": ["a@x.org", "b@y.org"]}, "note": "hi", "to": "c@z.org"}"#,
        )
        .unwrap();
        let mut seen = Vec::new();
        Cells::Json(&value).each_candidate(&mut |column, text| {
            seen.push(format!("{column}={text}"));
        });
        assert_eq!(
            seen,
            [
                "customer.emails[0]=a@x.org",
                "customer.emails[1]=b@y.org",
                "to=c@z.org"
            ]
        );
    }
}
