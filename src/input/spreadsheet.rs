//! Spreadsheet inputs (.xlsx, .xlsm, .xlsb, .xls, .ods): one sheet is read
//! with calamine and written as CSV to a spool, named `file.xlsx:Sheet`,
//! which every reader then reads as it reads any export. Cells are written
//! as a person sees them in the sheet: a date as a timestamp, a whole
//! number without a decimal point or an exponent (a 12-digit phone number
//! stays 12 digits), TRUE and FALSE, an error as `#N/A`.
//!
//! An entirely empty sheet row becomes a blank line, which is no record:
//! the line numbers of findings stay the sheet's row numbers.

use std::io::{Cursor, Read, Seek};

use calamine::{Data, Ods, Range, Reader, Xls, Xlsb, Xlsx};
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
    /// Per CSV record (the header first), its row in the sheet's range.
    pub records: Vec<u32>,
}

impl SheetOrigin {
    /// The sheet's cells, read again.
    pub fn read_range(&self) -> std::result::Result<Range<Data>, String> {
        let (_, read) = open_sheet(self.kind, &self.workbook, Some(&self.sheet))?;
        read.map(|(_, range)| range).map_err(|e| match e {
            SheetError::NoSheets | SheetError::Unknown(_) => "the sheet is gone".to_string(),
            SheetError::Unreadable(_, message) => message,
        })
    }
}

const OLE2_MAGIC: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

/// Workbooks larger than this are refused: calamine holds a whole sheet in
/// memory, and Excel's own limit (1,048,576 rows) stays far below it.
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
    let (names, range) = open_sheet(kind, &bytes, wanted)
        .map_err(|e| fail(format!("not a readable {} workbook: {e}", kind.name())))?;
    let (sheet, range) = match range {
        Ok(found) => found,
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
        Err(SheetError::Unreadable(sheet, message)) => {
            return Err(fail(format!(
                "cannot read sheet '{}': {message}",
                sanitize_for_terminal(&sheet)
            )));
        }
    };
    let display = format!("{name}:{sheet}");
    let (csv, records) = sheet_as_csv(&range);
    drop(range);
    let origin = SheetOrigin {
        sheet,
        kind,
        workbook: bytes,
        records,
    };
    let spool = Spool::copy(display.clone(), stem.to_string(), &mut csv.as_slice())
        .map_err(|e| Error::input(&display, describe_io(&e)))?
        .of_sheet(origin);
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

/// A sheet by name, with its cells.
type Sheet = (String, Range<Data>);

enum SheetError {
    NoSheets,
    Unknown(String),
    Unreadable(String, String),
}

/// The sheet names of the workbook in `bytes`, and the sheet asked for
/// (else the first); `Err` when it is no readable workbook of `kind`.
fn open_sheet(
    kind: SpreadsheetKind,
    bytes: &[u8],
    wanted: Option<&str>,
) -> std::result::Result<(Vec<String>, std::result::Result<Sheet, SheetError>), String> {
    let cursor = Cursor::new(bytes);
    Ok(match kind {
        SpreadsheetKind::Xlsx => read_sheet(Xlsx::new(cursor).map_err(|e| e.to_string())?, wanted),
        SpreadsheetKind::Xlsb => read_sheet(Xlsb::new(cursor).map_err(|e| e.to_string())?, wanted),
        SpreadsheetKind::Xls => read_sheet(Xls::new(cursor).map_err(|e| e.to_string())?, wanted),
        SpreadsheetKind::Ods => read_sheet(Ods::new(cursor).map_err(|e| e.to_string())?, wanted),
    })
}

/// The workbook's sheet names, and the sheet asked for (else the first).
fn read_sheet<RS, R>(
    mut workbook: R,
    wanted: Option<&str>,
) -> (Vec<String>, std::result::Result<Sheet, SheetError>)
where
    RS: Read + Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let names = workbook.sheet_names();
    let chosen = match wanted {
        None => names.first().cloned().ok_or(SheetError::NoSheets),
        Some(asked) => names
            .iter()
            .find(|n| *n == asked)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(asked)))
            .cloned()
            .ok_or_else(|| SheetError::Unknown(asked.to_string())),
    };
    let result = chosen.and_then(|sheet| {
        workbook
            .worksheet_range(&sheet)
            .map(|range| (sheet.clone(), range))
            .map_err(|e| SheetError::Unreadable(sheet, e.to_string()))
    });
    (names, result)
}

/// The sheet as CSV: from its first row (blank lines before it, so that
/// line numbers are the sheet's), every row as wide as the used range;
/// and the range row of each record.
fn sheet_as_csv(range: &Range<Data>) -> (Vec<u8>, Vec<u32>) {
    let Some((first_row, _)) = range.start() else {
        return (Vec::new(), Vec::new());
    };
    let mut out = vec![b'\n'; first_row as usize];
    let mut records = Vec::new();
    for (index, row) in range.rows().enumerate() {
        // An empty row is a blank line, which is no record.
        if !row.iter().all(|cell| matches!(cell, Data::Empty)) {
            let start = out.len();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_field(&mut out, &cell_text(cell));
            }
            // One empty text cell is still a record, not a blank line.
            if out.len() == start {
                out.extend_from_slice(b"\"\"");
            }
            records.push(u32::try_from(index).unwrap_or(u32::MAX));
        }
        out.push(b'\n');
    }
    (out, records)
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

/// A cell as the sheet shows it.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(true) => "TRUE".to_string(),
        Data::Bool(false) => "FALSE".to_string(),
        Data::Error(e) => e.to_string(),
        Data::DateTime(when) => {
            if when.is_datetime()
                && let Some(at) = when.as_datetime()
            {
                // Serial numbers are fractions of a day: round to the
                // second a person typed.
                let at = at + chrono::Duration::milliseconds(500);
                let at = at.with_nanosecond(0).unwrap_or(at);
                if at.time() == chrono::NaiveTime::MIN {
                    at.format("%Y-%m-%d").to_string()
                } else {
                    at.format("%Y-%m-%dT%H:%M:%S").to_string()
                }
            } else {
                number_text(when.as_f64())
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

    #[test]
    fn rows_are_records_and_empty_rows_blank_lines() {
        let mut range = Range::new((1, 0), (4, 1));
        range.set_value((1, 0), Data::String("email".into()));
        range.set_value((1, 1), Data::String("note, with \"quotes\"".into()));
        range.set_value((3, 0), Data::String(String::new()));
        range.set_value((4, 0), Data::Float(491_701_234_567.0));
        range.set_value((4, 1), Data::String("  ".into()));
        let (csv, records) = sheet_as_csv(&range);
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "\nemail,\"note, with \"\"quotes\"\"\"\n\n,\n491701234567,\"  \"\n"
        );
        // Range rows 0, 2 and 3; row 1 is empty.
        assert_eq!(records, [0, 2, 3]);
        let mut single = Range::new((0, 0), (1, 0));
        single.set_value((0, 0), Data::String("email".into()));
        single.set_value((1, 0), Data::String(String::new()));
        assert_eq!(sheet_as_csv(&single).0, b"email\n\"\"\n");
    }

    #[test]
    fn cells_show_as_a_person_sees_them() {
        assert_eq!(cell_text(&Data::Bool(true)), "TRUE");
        assert_eq!(cell_text(&Data::Error(calamine::CellErrorType::NA)), "#N/A");
        assert_eq!(cell_text(&Data::Empty), "");
        assert_eq!(cell_text(&Data::Int(7)), "7");
    }
}
