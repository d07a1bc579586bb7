//! Cleaned, removed and re-permission lists of a spreadsheet input, as
//! workbooks (rust_xlsxwriter): the input's sheet, header and column
//! order, each kept cell with its type (a date stays a date, a long number
//! shows every digit), the rows in input order. Removed rows get two more
//! columns, `listaudit_rules` and `listaudit_reasons`, as text.

use calamine::Data;
use chrono::{NaiveDate, NaiveDateTime};
use std::sync::Arc;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::input::SheetOrigin;

/// One row to write: its data row number (1 is the first after the
/// header), and for a removed row its rule codes and reasons.
pub type SheetRow = (u64, Option<(String, String)>);

/// Whole numbers from this size on get a number format that shows every
/// digit: Excel's General format shows 11 digits, then an exponent.
const ALL_DIGITS_FROM: f64 = 1e11;

/// One workbook to write from the sheet: the rows it holds, and whether
/// they carry their rules and reasons (removed rows).
pub struct Wanted<'r> {
    pub rows: &'r [SheetRow],
    pub with_reasons: bool,
}

/// Rows of the sheet in order, as one walk passes them to every writer.
type Batch = Vec<(u32, Vec<Data>)>;

/// Rows per batch, and batches in flight per writer: what memory holds of
/// the sheet at most.
const BATCH_ROWS: usize = 512;
const BATCHES_IN_FLIGHT: usize = 4;

/// The workbooks holding the header and each one's rows, from one walk
/// over the sheet read again. The walk passes batches of rows to one
/// thread per workbook, which writes the rows it wants as they come
/// (rust_xlsxwriter's constant-memory mode) and compresses its workbook:
/// memory holds a few batches, not the sheet, and the workbooks are
/// written side by side.
pub fn write_workbooks(
    origin: &SheetOrigin,
    wanted: &[Wanted<'_>],
) -> Result<Vec<Vec<u8>>, String> {
    let columns = Columns {
        first: *origin.columns.start() as usize,
        width: u16::try_from(origin.columns.end() - origin.columns.start() + 1)
            .map_err(|_| "the sheet is too wide".to_string())?,
        header_row: sheet_row(origin, 0)?,
    };
    std::thread::scope(|scope| {
        let mut senders = Vec::with_capacity(wanted.len());
        let mut writers = Vec::with_capacity(wanted.len());
        for want in wanted {
            let (send, receive) = std::sync::mpsc::sync_channel::<Arc<Batch>>(BATCHES_IN_FLIGHT);
            let columns = &columns;
            writers.push(scope.spawn(move || write_one(origin, want, columns, receive)));
            senders.push(send);
        }
        let mut batch = Batch::with_capacity(BATCH_ROWS);
        let send = |batch: Batch| {
            let batch = Arc::new(batch);
            // A writer that stopped has its error waiting at its join.
            for sender in &senders {
                let _ = sender.send(Arc::clone(&batch));
            }
        };
        let walked = origin.for_each_row(|row, cells| {
            batch.push((row, std::mem::take(cells)));
            if batch.len() == BATCH_ROWS {
                send(std::mem::replace(
                    &mut batch,
                    Batch::with_capacity(BATCH_ROWS),
                ));
            }
            Ok(())
        });
        if !batch.is_empty() {
            send(batch);
        }
        drop(senders);
        let written: Vec<Result<Vec<u8>, String>> = writers
            .into_iter()
            .map(|writer| {
                writer
                    .join()
                    .unwrap_or_else(|_| Err("a workbook writer failed".to_string()))
            })
            .collect();
        walked?;
        written.into_iter().collect()
    })
}

/// Where the table sits in the sheet.
struct Columns {
    /// The first column of the table (0 is column A).
    first: usize,
    width: u16,
    header_row: u32,
}

/// The sheet row of CSV record `record` (0 is the header).
fn sheet_row(origin: &SheetOrigin, record: u64) -> Result<u32, String> {
    usize::try_from(record)
        .ok()
        .and_then(|r| origin.records.get(r))
        .copied()
        .ok_or_else(|| format!("the sheet has no record {record} any more"))
}

/// One workbook: the header and the rows `want` names, as the batches
/// bring them.
fn write_one(
    origin: &SheetOrigin,
    want: &Wanted<'_>,
    columns: &Columns,
    batches: std::sync::mpsc::Receiver<Arc<Batch>>,
) -> Result<Vec<u8>, String> {
    let fail = |e: XlsxError| e.to_string();
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .and_then(|sheet| sheet.set_name(&origin.sheet))
        .map_err(fail)?;
    let width = columns.width;
    // The wanted rows by sheet row, in order.
    let mut rows = want
        .rows
        .iter()
        .map(|(record, reasons)| sheet_row(origin, *record).map(|row| (row, reasons)));
    let mut next = rows.next().transpose()?;
    let mut written = 0u32;
    for batch in batches {
        for (row, cells) in batch.iter() {
            let cells = &cells[columns.first.min(cells.len())..];
            if *row == columns.header_row {
                write_cells(sheet, 0, cells, &formats).map_err(fail)?;
                if want.with_reasons {
                    sheet
                        .write_string(0, width, "listaudit_rules")
                        .and_then(|s| s.write_string(0, width + 1, "listaudit_reasons"))
                        .map_err(fail)?;
                }
                continue;
            }
            let Some((at_row, reasons)) = next.filter(|(at, _)| at == row) else {
                continue;
            };
            debug_assert_eq!(at_row, *row);
            written += 1;
            write_cells(sheet, written, cells, &formats).map_err(fail)?;
            if let Some((codes, text)) = reasons.as_ref().filter(|_| want.with_reasons) {
                sheet
                    .write_string(written, width, codes)
                    .and_then(|s| s.write_string(written, width + 1, text))
                    .map_err(fail)?;
            }
            next = rows.next().transpose()?;
        }
    }
    if let Some((row, _)) = next {
        return Err(format!(
            "the sheet has no row {} any more",
            u64::from(row) + 1
        ));
    }
    workbook.save_to_buffer().map_err(fail)
}

struct Formats {
    date: Format,
    datetime: Format,
    duration: Format,
    all_digits: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            duration: Format::new().set_num_format("[h]:mm:ss"),
            all_digits: Format::new().set_num_format("0"),
        }
    }
}

/// Writes one row's cells with their types; text is always a string cell,
/// never a formula.
fn write_cells(
    sheet: &mut Worksheet,
    row: u32,
    cells: &[Data],
    formats: &Formats,
) -> Result<(), XlsxError> {
    for (col, cell) in cells.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        match cell {
            Data::Empty => {}
            Data::String(text) => {
                sheet.write_string(row, col, text)?;
            }
            Data::Int(n) => number(sheet, row, col, *n as f64, formats)?,
            Data::Float(f) => number(sheet, row, col, *f, formats)?,
            Data::Bool(b) => {
                sheet.write_boolean(row, col, *b)?;
            }
            Data::Error(e) => {
                sheet.write_string(row, col, e.to_string())?;
            }
            Data::DateTime(when) => {
                let serial = when.as_datetime().map(excel_serial);
                match serial {
                    Some(serial) if when.is_datetime() => {
                        let format = if serial.fract() == 0.0 {
                            &formats.date
                        } else {
                            &formats.datetime
                        };
                        sheet.write_number_with_format(row, col, serial, format)?;
                    }
                    _ => {
                        sheet.write_number_with_format(
                            row,
                            col,
                            when.as_f64(),
                            &formats.duration,
                        )?;
                    }
                }
            }
            Data::DateTimeIso(text) => match iso_serial(text) {
                Some((serial, has_time)) => {
                    let format = if has_time {
                        &formats.datetime
                    } else {
                        &formats.date
                    };
                    sheet.write_number_with_format(row, col, serial, format)?;
                }
                None => {
                    sheet.write_string(row, col, text)?;
                }
            },
            Data::DurationIso(text) => {
                sheet.write_string(row, col, text)?;
            }
        }
    }
    Ok(())
}

fn number(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: f64,
    formats: &Formats,
) -> Result<(), XlsxError> {
    if value.fract() == 0.0 && value.abs() >= ALL_DIGITS_FROM {
        sheet.write_number_with_format(row, col, value, &formats.all_digits)?;
    } else {
        sheet.write_number(row, col, value)?;
    }
    Ok(())
}

/// Days since Excel's epoch (1899-12-30 in the 1900 date system), which
/// is what a date cell holds; the workbook read may have used 1904.
fn excel_serial(at: NaiveDateTime) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    (at - epoch).num_milliseconds() as f64 / 86_400_000.0
}

/// An OpenDocument date value (`2024-03-01` or `2024-03-01T10:15:00`) as
/// a serial, and whether it has a time.
fn iso_serial(text: &str) -> Option<(f64, bool)> {
    if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some((excel_serial(at), true));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some((excel_serial(day.and_hms_opt(0, 0, 0)?), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_count_days_from_excels_epoch() {
        let at = |text: &str| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(excel_serial(at("1900-03-01 00:00:00")), 61.0);
        assert_eq!(excel_serial(at("2024-03-01 12:00:00")), 45352.5);
        assert_eq!(iso_serial("2024-03-01"), Some((45352.0, false)));
        assert_eq!(iso_serial("2024-03-01T12:00:00"), Some((45352.5, true)));
        assert_eq!(iso_serial("1. März"), None);
    }
}
