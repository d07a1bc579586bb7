//! Cleaned, removed and re-permission lists of a spreadsheet input, as
//! workbooks (rust_xlsxwriter): the input's sheet, header and column
//! order, each kept cell with its type (a date stays a date, a long number
//! shows every digit), the rows in input order. Removed rows get two more
//! columns, `listaudit_rules` and `listaudit_reasons`, as text.

use calamine::Data;
use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::input::SheetOrigin;

/// One row to write: its data row number (1 is the first after the
/// header), and for a removed row its rule codes and reasons.
pub type SheetRow = (u64, Option<(String, String)>);

/// Whole numbers from this size on get a number format that shows every
/// digit: Excel's General format shows 11 digits, then an exponent.
const ALL_DIGITS_FROM: f64 = 1e11;

/// The sheet's rows, read once for every workbook written from it.
pub struct SheetRows<'o> {
    origin: &'o SheetOrigin,
    range: calamine::Range<Data>,
}

impl<'o> SheetRows<'o> {
    pub fn read(origin: &'o SheetOrigin) -> Result<SheetRows<'o>, String> {
        Ok(SheetRows {
            origin,
            range: origin.read_range()?,
        })
    }

    /// The range row of CSV record `record` (0 is the header).
    fn range_row(&self, record: u64) -> Result<usize, String> {
        usize::try_from(record)
            .ok()
            .and_then(|r| self.origin.records.get(r))
            .map(|&r| r as usize)
            .ok_or_else(|| format!("the sheet has no record {record} any more"))
    }

    /// The workbook holding the header and `rows`, written row by row
    /// (rust_xlsxwriter's constant-memory mode: rows are in input order).
    pub fn workbook(&self, rows: &[SheetRow], with_reasons: bool) -> Result<Vec<u8>, String> {
        let fail = |e: XlsxError| e.to_string();
        let formats = Formats::new();
        let mut workbook = Workbook::new();
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(fail)?;
        sheet.set_name(&self.origin.sheet).map_err(fail)?;
        // The rows are in input order, so one walk over the sheet finds
        // them all.
        let mut walk = self.range.rows().enumerate();
        let mut cells_at = |wanted: usize| -> Result<&[Data], String> {
            walk.by_ref()
                .find(|(i, _)| *i >= wanted)
                .filter(|(i, _)| *i == wanted)
                .map(|(_, cells)| cells)
                .ok_or_else(|| format!("the sheet has no row {wanted} any more"))
        };
        let header = cells_at(self.range_row(0)?)?;
        write_cells(sheet, 0, header, &formats).map_err(fail)?;
        let width = u16::try_from(header.len()).map_err(|_| "the sheet is too wide".to_string())?;
        if with_reasons {
            sheet
                .write_string(0, width, "listaudit_rules")
                .and_then(|s| s.write_string(0, width + 1, "listaudit_reasons"))
                .map_err(fail)?;
        }
        for (i, (row, reasons)) in rows.iter().enumerate() {
            let at = u32::try_from(i + 1).map_err(|_| "too many rows for a sheet".to_string())?;
            let cells = cells_at(self.range_row(*row)?)?;
            write_cells(sheet, at, cells, &formats).map_err(fail)?;
            if let Some((codes, text)) = reasons.as_ref().filter(|_| with_reasons) {
                sheet
                    .write_string(at, width, codes)
                    .and_then(|s| s.write_string(at, width + 1, text))
                    .map_err(fail)?;
            }
        }
        workbook.save_to_buffer().map_err(fail)
    }
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
