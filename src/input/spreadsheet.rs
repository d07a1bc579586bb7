//! Spreadsheet inputs (.xlsx, .xlsm, .xlsb, .xls, .ods): one sheet is read
//! with calamine and written as CSV to a spool, named `file.xlsx:Sheet`,
//! which every reader then reads as it reads any export. Cells are written
//! as a person sees them in the sheet: a date as a timestamp, a whole
//! number without a decimal point or an exponent (a 12-digit phone number
//! stays 12 digits), TRUE and FALSE, an error as `#N/A`.
//!
//! An entirely empty sheet row becomes a blank line, which is no record:
//! the line numbers of findings stay the sheet's row numbers.
//!
//! `.xlsx` and `.xlsb` sheets are streamed cell by cell: memory holds one
//! row, not the sheet (calamine's `Range` of a 1,048,576-row sheet takes
//! gigabytes). A sheet whose cells are not stored in row order, which no
//! common writer produces, is read whole instead, as `.xls` and `.ods`
//! sheets always are.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, BufWriter, Cursor, Read, Seek, Write};

use calamine::{Data, DataRef, Ods, Range, Reader, Xls, Xlsb, Xlsx, XlsxError};
use chrono::Timelike as _;

use super::source::{InputSource, Spool};
use crate::error::{Error, Result, describe_io};
use crate::text::sanitize_for_terminal;

/// The kinds of workbook calamine reads.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SpreadsheetKind {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

impl SpreadsheetKind {
    fn name(self) -> &'static str {
        match self {
            SpreadsheetKind::Xlsx => "xlsx",
            SpreadsheetKind::Xlsb => "xlsb",
            SpreadsheetKind::Xls => "xls",
            SpreadsheetKind::Ods => "ods",
        }
    }
}

/// Where a spreadsheet input's CSV came from: enough to read its sheet
/// again, typed, and write the kept rows as a workbook.
#[derive(Debug)]
pub struct SheetOrigin {
    pub sheet: String,
    pub kind: SpreadsheetKind,
    /// The workbook's bytes (compressed: a tenth of the CSV or less).
    workbook: Vec<u8>,
    /// Per CSV record (the header first), its row in the sheet (0 is the
    /// sheet's row 1).
    pub records: Vec<u32>,
    /// The columns the CSV holds: from the first to the last that has a
    /// cell in any row (0 is column A).
    pub columns: std::ops::RangeInclusive<u32>,
    /// Whether the cells came in row order, so the sheet can be streamed
    /// again.
    streamed: bool,
}

impl SheetOrigin {
    /// Calls `visit` with each row of the sheet that has a cell, in order,
    /// read again: its row (0 is row 1) and its cells from column A to its
    /// last cell, which `visit` may take.
    pub fn for_each_row(
        &self,
        mut visit: impl FnMut(u32, &mut Vec<Data>) -> std::result::Result<(), String>,
    ) -> std::result::Result<(), String> {
        let gone = |e: WalkError<String>| match e {
            WalkError::Read(message) => message,
            WalkError::Visit(message) => message,
        };
        let mut book = Book::open(self.kind, &self.workbook)?;
        if self.streamed {
            match book.stream_rows(&self.sheet, &mut visit).map_err(gone)? {
                Walk::Done => Ok(()),
                Walk::NotStreamed => Err("the sheet changed since it was read".to_string()),
            }
        } else {
            let range = book.range(&self.sheet)?;
            range_rows(&range, &mut visit).map_err(gone)
        }
    }
}

const OLE2_MAGIC: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

/// Workbooks larger than this are refused: the workbook's bytes and its
/// shared strings are held in memory (and `.xls` and `.ods` sheets whole),
/// and Excel's own limit (1,048,576 rows) stays far below it.
const MAX_WORKBOOK_BYTES: u64 = 1 << 30;

/// What kind of workbook `reader` holds, by its content (not its name):
/// an OLE2 compound file is an `.xls`; a ZIP archive with an Excel
/// workbook part or an OpenDocument spreadsheet mimetype is the other.
pub fn spreadsheet_kind(reader: &mut (impl Read + Seek)) -> Option<SpreadsheetKind> {
    let mut magic = [0u8; 8];
    reader.rewind().ok()?;
    let read = reader.read(&mut magic).ok()?;
    reader.rewind().ok()?;
    if read == 8 && magic == OLE2_MAGIC {
        return Some(SpreadsheetKind::Xls);
    }
    if read < 4 || &magic[..4] != b"PK\x03\x04" {
        return None;
    }
    let mut archive = zip::ZipArchive::new(&mut *reader).ok()?;
    let kind = if archive.index_for_name("xl/workbook.xml").is_some() {
        Some(SpreadsheetKind::Xlsx)
    } else if archive.index_for_name("xl/workbook.bin").is_some() {
        Some(SpreadsheetKind::Xlsb)
    } else {
        let mut mimetype = String::new();
        archive
            .by_name("mimetype")
            .ok()
            .and_then(|m| m.take(100).read_to_string(&mut mimetype).ok())
            .filter(|_| mimetype.trim() == "application/vnd.oasis.opendocument.spreadsheet")
            .map(|_| SpreadsheetKind::Ods)
    };
    drop(archive);
    reader.rewind().ok()?;
    kind
}

/// The sheet `wanted` (else the first) of the workbook in `reader`, as a
/// CSV input named `name:Sheet`.
pub fn spool_sheet(
    name: &str,
    stem: &str,
    kind: SpreadsheetKind,
    mut reader: impl Read + Seek,
    wanted: Option<&str>,
) -> Result<InputSource> {
    let fail = |message: String| {
        Error::input(name, message)
            .with_hint("save the sheet as CSV (UTF-8) from the spreadsheet program and audit that")
    };
    let size = reader
        .seek(std::io::SeekFrom::End(0))
        .and_then(|size| reader.rewind().map(|()| size))
        .map_err(|e| fail(format!("cannot read the workbook: {}", describe_io(&e))))?;
    if size > MAX_WORKBOOK_BYTES {
        return Err(fail(format!(
            "the workbook is {} MiB; the most listaudit reads is {} MiB",
            size >> 20,
            MAX_WORKBOOK_BYTES >> 20
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read the workbook: {}", describe_io(&e))))?;
    if kind != SpreadsheetKind::Xls {
        refuse_bombs(name, &bytes)?;
    }
    let mut book = Book::open(kind, &bytes)
        .map_err(|e| fail(format!("not a readable {} workbook: {e}", kind.name())))?;
    let names = book.sheet_names();
    let sheet = match choose_sheet(&names, wanted) {
        Ok(sheet) => sheet,
        Err(SheetError::NoSheets) => return Err(fail("the workbook has no sheet".to_string())),
        Err(SheetError::Unknown(asked)) => {
            let listed: Vec<String> = names
                .iter()
                .map(|n| format!("'{}'", sanitize_for_terminal(n)))
                .collect();
            return Err(Error::input(
                name,
                format!(
                    "has no sheet '{}'; its sheets: {}",
                    sanitize_for_terminal(&asked),
                    listed.join(", ")
                ),
            )
            .with_hint("name one of them with --sheet"));
        }
    };
    let display = format!("{name}:{sheet}");
    let unreadable = |message: String| {
        fail(format!(
            "cannot read sheet '{}': {message}",
            sanitize_for_terminal(&sheet)
        ))
    };
    let scratch = |e: std::io::Error| Error::input(&display, describe_io(&e));
    let mut draft = Draft::new().map_err(scratch)?;
    let streamed = match book.stream_rows(&sheet, &mut |row, cells| draft.row(row, cells)) {
        Ok(Walk::Done) => true,
        Ok(Walk::NotStreamed) => {
            draft = Draft::new().map_err(scratch)?;
            let range = book.range(&sheet).map_err(unreadable)?;
            range_rows(&range, &mut |row, cells| draft.row(row, cells)).map_err(|e| match e {
                WalkError::Read(message) => unreadable(message),
                WalkError::Visit(e) => scratch(e),
            })?;
            false
        }
        Err(WalkError::Read(message)) => return Err(unreadable(message)),
        Err(WalkError::Visit(e)) => return Err(scratch(e)),
    };
    drop(book);
    let csv = draft.finish().map_err(scratch)?;
    let origin = SheetOrigin {
        sheet,
        kind,
        workbook: bytes,
        records: csv.records,
        columns: csv.columns,
        streamed,
    };
    let spool = Spool::written(display, stem.to_string(), csv.file, csv.len).of_sheet(origin);
    Ok(InputSource::Spooled(spool))
}

/// `source` read as a spreadsheet when it is one: its sheet `wanted`
/// (else its first) as a CSV input; `None` when it is no spreadsheet.
pub fn open_spreadsheet(source: &InputSource, wanted: Option<&str>) -> Result<Option<InputSource>> {
    let name = source.display();
    let stem = source.stem();
    let (mut file, _) = match source {
        InputSource::Path(path) if !std::fs::metadata(&**path).is_ok_and(|m| m.is_file()) => {
            // A FIFO or a device is read once, as text; never looked into.
            return Ok(None);
        }
        InputSource::Path(_) | InputSource::Spooled(_) => source.open_file_handle()?,
        InputSource::Stdin => return Ok(None),
    };
    match spreadsheet_kind(&mut file) {
        Some(kind) => spool_sheet(&name, &stem, kind, file, wanted).map(Some),
        None => Ok(None),
    }
}

/// A workbook part that would unpack to far more than its compressed size
/// (the reader holds a sheet's XML in memory) is refused as a ZIP bomb,
/// as archive members are. Declared sizes are what is checked here; the
/// zip reader stops at them.
fn refuse_bombs(name: &str, bytes: &[u8]) -> Result<()> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    for index in 0..archive.len() {
        let Ok(part) = archive.by_index_raw(index) else {
            continue;
        };
        let limit = super::archive::unpack_limit(part.compressed_size());
        if part.size() > limit {
            return Err(Error::input(
                name,
                format!(
                    "its part {} unpacks to {} MiB from {} bytes, more than {} times its size: refused as a ZIP bomb",
                    sanitize_for_terminal(&part.name().map(|n| n.into_owned()).unwrap_or_default()),
                    part.size() >> 20,
                    part.compressed_size(),
                    super::archive::MAX_RATIO
                ),
            )
            .with_hint("if it is a real export, save the sheet as CSV from the spreadsheet program"));
        }
    }
    Ok(())
}

enum SheetError {
    NoSheets,
    Unknown(String),
}

/// The sheet asked for (by name, else ignoring ASCII case), else the first.
fn choose_sheet(names: &[String], wanted: Option<&str>) -> std::result::Result<String, SheetError> {
    match wanted {
        None => names.first().cloned().ok_or(SheetError::NoSheets),
        Some(asked) => names
            .iter()
            .find(|n| *n == asked)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(asked)))
            .cloned()
            .ok_or_else(|| SheetError::Unknown(asked.to_string())),
    }
}

/// An open workbook of any kind calamine reads.
enum Book<'b> {
    Xlsx(Xlsx<Cursor<&'b [u8]>>),
    Xlsb(Xlsb<Cursor<&'b [u8]>>),
    Xls(Xls<Cursor<&'b [u8]>>),
    Ods(Ods<Cursor<&'b [u8]>>),
}

/// What a walk over a sheet calls with each row that has a cell: its row
/// (0 is row 1) and its cells from column A to its last, which it may take.
type RowVisitor<'v, E> = dyn FnMut(u32, &mut Vec<Data>) -> std::result::Result<(), E> + 'v;

/// How a walk over a sheet's rows ended.
enum Walk {
    Done,
    /// The sheet cannot be streamed (its kind, or cells out of row order):
    /// read it whole. Rows may have been visited already.
    NotStreamed,
}

enum WalkError<E> {
    Read(String),
    Visit(E),
}

impl<'b> Book<'b> {
    fn open(kind: SpreadsheetKind, bytes: &'b [u8]) -> std::result::Result<Book<'b>, String> {
        let cursor = Cursor::new(bytes);
        Ok(match kind {
            SpreadsheetKind::Xlsx => Book::Xlsx(Xlsx::new(cursor).map_err(|e| e.to_string())?),
            SpreadsheetKind::Xlsb => Book::Xlsb(Xlsb::new(cursor).map_err(|e| e.to_string())?),
            SpreadsheetKind::Xls => Book::Xls(Xls::new(cursor).map_err(|e| e.to_string())?),
            SpreadsheetKind::Ods => Book::Ods(Ods::new(cursor).map_err(|e| e.to_string())?),
        })
    }

    fn sheet_names(&self) -> Vec<String> {
        match self {
            Book::Xlsx(book) => book.sheet_names(),
            Book::Xlsb(book) => book.sheet_names(),
            Book::Xls(book) => book.sheet_names(),
            Book::Ods(book) => book.sheet_names(),
        }
    }

    /// The whole sheet in memory.
    fn range(&mut self, sheet: &str) -> std::result::Result<Range<Data>, String> {
        match self {
            Book::Xlsx(book) => book.worksheet_range(sheet).map_err(|e| e.to_string()),
            Book::Xlsb(book) => book.worksheet_range(sheet).map_err(|e| e.to_string()),
            Book::Xls(book) => book.worksheet_range(sheet).map_err(|e| e.to_string()),
            Book::Ods(book) => book.worksheet_range(sheet).map_err(|e| e.to_string()),
        }
    }

    /// Streams the rows of `sheet` to `visit` where the kind allows it.
    fn stream_rows<E>(
        &mut self,
        sheet: &str,
        visit: &mut RowVisitor<'_, E>,
    ) -> std::result::Result<Walk, WalkError<E>> {
        match self {
            Book::Xlsx(book) => match book.worksheet_cells_reader(sheet) {
                Ok(mut cells) => {
                    stream_cells(|| cells.next_cell().map_err(|e| e.to_string()), visit)
                }
                // A chart sheet has no cells, as calamine reads it whole.
                Err(XlsxError::NotAWorksheet(_)) => Ok(Walk::Done),
                Err(e) => Err(WalkError::Read(e.to_string())),
            },
            Book::Xlsb(book) => match book.worksheet_cells_reader(sheet) {
                Ok(mut cells) => {
                    stream_cells(|| cells.next_cell().map_err(|e| e.to_string()), visit)
                }
                Err(e) => Err(WalkError::Read(e.to_string())),
            },
            Book::Xls(_) | Book::Ods(_) => Ok(Walk::NotStreamed),
        }
    }
}

/// Groups cells read in sheet order into rows for `visit`: a row's cells
/// from column A to its last non-empty one. Empty cells (formatted, no
/// value) count as none, as in calamine's `Range`; an empty string is a
/// cell. A cell before one already read ends the stream: `NotStreamed`.
fn stream_cells<'a, E>(
    mut next: impl FnMut() -> std::result::Result<Option<calamine::Cell<DataRef<'a>>>, String>,
    visit: &mut RowVisitor<'_, E>,
) -> std::result::Result<Walk, WalkError<E>> {
    let mut cells: Vec<Data> = Vec::new();
    let mut current: Option<u32> = None;
    loop {
        let cell = next().map_err(WalkError::Read)?;
        let Some(cell) = cell else { break };
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (row, col) = cell.get_position();
        match current {
            Some(at) if row == at => {
                if (col as usize) < cells.len() {
                    return Ok(Walk::NotStreamed);
                }
            }
            Some(at) if row < at => return Ok(Walk::NotStreamed),
            _ => {
                if let Some(at) = current {
                    visit(at, &mut cells).map_err(WalkError::Visit)?;
                }
                cells.clear();
                current = Some(row);
            }
        }
        cells.resize(col as usize, Data::Empty);
        cells.push(cell.get_value().clone().into());
    }
    if let Some(at) = current {
        visit(at, &mut cells).map_err(WalkError::Visit)?;
    }
    Ok(Walk::Done)
}

/// `range`'s rows that have a cell, as [`stream_cells`] gives them.
fn range_rows<E>(
    range: &Range<Data>,
    visit: &mut RowVisitor<'_, E>,
) -> std::result::Result<(), WalkError<E>> {
    let Some((first_row, first_col)) = range.start() else {
        return Ok(());
    };
    let mut cells: Vec<Data> = Vec::new();
    for (index, row) in range.rows().enumerate() {
        let Some(last) = row.iter().rposition(|cell| !matches!(cell, Data::Empty)) else {
            continue;
        };
        cells.clear();
        cells.resize(first_col as usize, Data::Empty);
        cells.extend_from_slice(&row[..=last]);
        let at = first_row.saturating_add(u32::try_from(index).unwrap_or(u32::MAX));
        visit(at, &mut cells).map_err(WalkError::Visit)?;
    }
    Ok(())
}

/// The CSV of a sheet as its rows come, before its width is known: each
/// row's fields from column A to its last cell, on a scratch file. Rows
/// without cells are blank lines, so that line numbers are row numbers.
struct Draft {
    out: BufWriter<File>,
    written: u64,
    next_row: u32,
    records: Vec<DraftRecord>,
    first_col: u32,
    last_col: u32,
    /// The row being formatted, reused.
    line: Vec<u8>,
}

/// A sheet as CSV: the spool file and its length, the sheet row of each
/// record (the header first) and the columns the records hold.
struct SheetCsv {
    file: File,
    len: u64,
    records: Vec<u32>,
    columns: std::ops::RangeInclusive<u32>,
}

struct DraftRecord {
    row: u32,
    start: u64,
    end: u64,
    last_col: u32,
}

impl Draft {
    fn new() -> std::io::Result<Draft> {
        Ok(Draft {
            out: BufWriter::with_capacity(1 << 20, crate::spill::unnamed_file()?),
            written: 0,
            next_row: 0,
            records: Vec::new(),
            first_col: u32::MAX,
            last_col: 0,
            line: Vec::new(),
        })
    }

    fn row(&mut self, row: u32, cells: &[Data]) -> std::io::Result<()> {
        let blank = row.saturating_sub(self.next_row) as usize;
        self.line.clear();
        self.line.resize(blank, b'\n');
        let start = self.written + blank as u64;
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.line.push(b',');
            }
            push_field(&mut self.line, &cell_text(cell));
        }
        let end = self.written + self.line.len() as u64;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.written += self.line.len() as u64;
        let first = cells
            .iter()
            .position(|c| !matches!(c, Data::Empty))
            .unwrap_or(0);
        let last = cells.len().saturating_sub(1);
        self.first_col = self.first_col.min(first as u32);
        self.last_col = self.last_col.max(last as u32);
        self.records.push(DraftRecord {
            row,
            start,
            end,
            last_col: last as u32,
        });
        self.next_row = row.saturating_add(1);
        Ok(())
    }

    /// The CSV, every record as wide as the widest row and starting at the
    /// first column with a cell in any row, on a spool file.
    fn finish(self) -> std::io::Result<SheetCsv> {
        let Draft {
            out,
            records,
            first_col,
            last_col,
            ..
        } = self;
        let mut draft = out.into_inner().map_err(|e| e.into_error())?;
        draft.rewind()?;
        let mut draft = BufReader::with_capacity(1 << 20, draft);
        let mut csv = BufWriter::with_capacity(1 << 20, crate::spill::unnamed_file()?);
        let mut len = 0u64;
        let mut at = 0u64;
        let mut body = Vec::new();
        // Leading columns without a cell in any row are empty fields, one
        // comma each, in every record.
        let skip = if records.is_empty() {
            0
        } else {
            first_col as usize
        };
        for record in &records {
            len += std::io::copy(&mut (&mut draft).take(record.start - at), &mut csv)?;
            body.clear();
            (&mut draft)
                .take(record.end - record.start + 1)
                .read_to_end(&mut body)?;
            body.pop();
            let fields = &body[skip.min(body.len())..];
            let padding = (last_col - record.last_col) as usize;
            if fields.is_empty() && padding == 0 {
                // One empty text cell is still a record, not a blank line.
                csv.write_all(b"\"\"")?;
                len += 2;
            } else {
                csv.write_all(fields)?;
                for _ in 0..padding {
                    csv.write_all(b",")?;
                }
                len += (fields.len() + padding) as u64;
            }
            csv.write_all(b"\n")?;
            len += 1;
            at = record.end + 1;
        }
        let file = csv.into_inner().map_err(|e| e.into_error())?;
        let rows = records.iter().map(|r| r.row).collect();
        let columns = if records.is_empty() {
            0..=0
        } else {
            first_col..=last_col
        };
        Ok(SheetCsv {
            file,
            len,
            records: rows,
            columns,
        })
    }
}

/// A field as RFC 4180 writes it: quoted when it holds a comma, a quote,
/// a line break, or only white space (which an empty line would lose).
fn push_field(out: &mut Vec<u8>, text: &str) {
    let quote = text
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
        || (!text.is_empty() && text.trim().is_empty());
    if quote {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

/// A cell as the sheet shows it; text cells, most of a sheet, borrowed.
fn cell_text(cell: &Data) -> Cow<'_, str> {
    match cell {
        Data::Empty => Cow::Borrowed(""),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
            Cow::Borrowed(text)
        }
        Data::Int(n) => Cow::Owned(n.to_string()),
        Data::Float(f) => Cow::Owned(number_text(*f)),
        Data::Bool(true) => Cow::Borrowed("TRUE"),
        Data::Bool(false) => Cow::Borrowed("FALSE"),
        Data::Error(e) => Cow::Owned(e.to_string()),
        Data::DateTime(when) => {
            if when.is_datetime()
                && let Some(at) = when.as_datetime()
            {
                // Serial numbers are fractions of a day: round to the
                // second a person typed.
                let at = at + chrono::Duration::milliseconds(500);
                let at = at.with_nanosecond(0).unwrap_or(at);
                Cow::Owned(if at.time() == chrono::NaiveTime::MIN {
                    at.format("%Y-%m-%d").to_string()
                } else {
                    at.format("%Y-%m-%dT%H:%M:%S").to_string()
                })
            } else {
                Cow::Owned(number_text(when.as_f64()))
            }
        }
    }
}

/// A number without an exponent: whole numbers as integers (Excel holds
/// every number as a float), others as their shortest exact decimal.
fn number_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_show_as_typed() {
        assert_eq!(number_text(491_701_234_567.0), "491701234567");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(0.1), "0.1");
        assert_eq!(number_text(1e20), "100000000000000000000");
        assert_eq!(number_text(2.5e-7), "0.00000025");
    }

    /// The CSV a whole-read sheet gives, and its records' sheet rows.
    fn csv_of(range: &Range<Data>) -> (String, Vec<u32>, std::ops::RangeInclusive<u32>) {
        let mut draft = Draft::new().unwrap();
        let walked = range_rows(range, &mut |row, cells| draft.row(row, cells));
        assert!(walked.is_ok());
        let mut sheet = draft.finish().unwrap();
        sheet.file.rewind().unwrap();
        let mut csv = String::new();
        sheet.file.read_to_string(&mut csv).unwrap();
        assert_eq!(csv.len() as u64, sheet.len);
        (csv, sheet.records, sheet.columns)
    }

    #[test]
    fn rows_are_records_and_empty_rows_blank_lines() {
        let mut range = Range::new((1, 0), (4, 1));
        range.set_value((1, 0), Data::String("email".into()));
        range.set_value((1, 1), Data::String("note, with \"quotes\"".into()));
        range.set_value((3, 0), Data::String(String::new()));
        range.set_value((4, 0), Data::Float(491_701_234_567.0));
        range.set_value((4, 1), Data::String("  ".into()));
        let (csv, records, columns) = csv_of(&range);
        assert_eq!(
            csv,
            "\nemail,\"note, with \"\"quotes\"\"\"\n\n,\n491701234567,\"  \"\n"
        );
        // Sheet rows 1, 3 and 4 (2 and 3 of 5 in A1 terms); row 2 is empty.
        assert_eq!(records, [1, 3, 4]);
        assert_eq!(columns, 0..=1);
        let mut single = Range::new((0, 0), (1, 0));
        single.set_value((0, 0), Data::String("email".into()));
        single.set_value((1, 0), Data::String(String::new()));
        assert_eq!(csv_of(&single).0, "email\n\"\"\n");
    }

    #[test]
    fn columns_without_cells_before_the_table_are_left_out_and_rows_padded() {
        // A table from C2: column A and B hold nothing in any row.
        let mut range = Range::new((1, 2), (3, 4));
        range.set_value((1, 2), Data::String("email".into()));
        range.set_value((1, 3), Data::String("name".into()));
        range.set_value((1, 4), Data::String("tags".into()));
        range.set_value((2, 2), Data::String("a@example.com".into()));
        range.set_value((3, 3), Data::String("Bo".into()));
        let (csv, records, columns) = csv_of(&range);
        assert_eq!(csv, "\nemail,name,tags\na@example.com,,\n,Bo,\n");
        assert_eq!(records, [1, 2, 3]);
        assert_eq!(columns, 2..=4);
        assert_eq!(csv_of(&Range::empty()).0, "");
    }

    /// Cells as a cells reader gives them, one by one.
    fn streamed(cells: Vec<((u32, u32), DataRef<'static>)>) -> (bool, Vec<(u32, Vec<Data>)>) {
        let mut cells = cells.into_iter();
        let mut rows = Vec::new();
        let walk = stream_cells::<()>(
            || {
                Ok(cells
                    .next()
                    .map(|(at, value)| calamine::Cell::new(at, value)))
            },
            &mut |row, cells| {
                rows.push((row, cells.to_vec()));
                Ok(())
            },
        );
        match walk {
            Ok(Walk::Done) => (true, rows),
            Ok(Walk::NotStreamed) => (false, rows),
            Err(_) => panic!("no error was planted"),
        }
    }

    #[test]
    fn streamed_cells_make_the_rows_a_whole_read_makes() {
        let text = |t: &str| DataRef::String(t.to_string());
        let (done, rows) = streamed(vec![
            ((0, 1), text("email")),
            ((0, 2), DataRef::Empty),
            ((2, 1), text("a@example.com")),
            ((2, 3), DataRef::Int(7)),
            ((2, 4), DataRef::Empty),
        ]);
        assert!(done);
        assert_eq!(
            rows,
            [
                (0, vec![Data::Empty, Data::String("email".into())]),
                (
                    2,
                    vec![
                        Data::Empty,
                        Data::String("a@example.com".into()),
                        Data::Empty,
                        Data::Int(7)
                    ]
                ),
            ]
        );
        // The same cells read whole, as calamine builds a `Range` (empty
        // cells left out), give the same rows.
        let whole = Range::from_sparse(vec![
            calamine::Cell::new((0, 1), Data::String("email".into())),
            calamine::Cell::new((2, 1), Data::String("a@example.com".into())),
            calamine::Cell::new((2, 3), Data::Int(7)),
        ]);
        let mut read_whole = Vec::new();
        let walked = range_rows::<()>(&whole, &mut |row, cells| {
            read_whole.push((row, cells.clone()));
            Ok(())
        });
        assert!(walked.is_ok());
        assert_eq!(read_whole, rows);
        // A cell before one read already: the sheet is read whole.
        let (done, _) = streamed(vec![((1, 0), text("b")), ((0, 0), text("a"))]);
        assert!(!done);
        let (done, _) = streamed(vec![((0, 1), text("b")), ((0, 0), text("a"))]);
        assert!(!done);
        let (done, _) = streamed(vec![((0, 0), text("a")), ((0, 0), text("again"))]);
        assert!(!done);
    }

    #[test]
    fn cells_show_as_a_person_sees_them() {
        assert_eq!(cell_text(&Data::Bool(true)), "TRUE");
        assert_eq!(cell_text(&Data::Error(calamine::CellErrorType::NA)), "#N/A");
        assert_eq!(cell_text(&Data::Empty), "");
        assert_eq!(cell_text(&Data::Int(7)), "7");
    }
}
