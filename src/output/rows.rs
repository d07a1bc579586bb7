//! `cleaned.csv`, `removed.csv` and `repermission.csv`: the subscriber rows
//! themselves.
//!
//! Kept rows are copied byte for byte (their quoting, line endings,
//! encoding and any byte-order mark), so the cleaned list re-imports like
//! the original. Removed rows keep their original bytes too, followed by
//! two columns in the file's own delimiter: `listaudit_rules` and
//! `listaudit_reasons`. `repermission.csv` is the part of `removed.csv` a
//! re-permission campaign may ask again ([`crate::rules::may_ask_again`]),
//! in the same shape.

use std::borrow::Cow;
use std::io::Write;
use std::sync::Arc;

use super::atomic::{AtomicFile, ReadyFile};
use super::workbook::{SheetRow, Wanted, write_workbooks};
use crate::audit::Finding;
use crate::error::Result;
use crate::input::{Encoding, RawRecord, SheetOrigin};

pub struct RowWriters {
    cleaned: Option<RowOutput>,
    removed: Option<RowOutput>,
    repermission: Option<RowOutput>,
    format: RowFormat,
    /// The sheet a spreadsheet input came from, for workbook outputs.
    origin: Option<Arc<SheetOrigin>>,
}

/// One output of the rows: delimited text written as the rows come, or a
/// workbook written at the end from the rows' numbers (a spreadsheet
/// input's outputs named `.xlsx`).
enum RowOutput {
    Text(AtomicFile),
    Workbook {
        file: AtomicFile,
        rows: Vec<SheetRow>,
    },
}

/// A removed row: its line for delimited outputs, and its number and
/// reasons for workbook ones.
pub struct RemovedRow {
    line: Vec<u8>,
    row: u64,
    codes: String,
    reasons: String,
}

/// How a removed row is written: all about the output but its files, so
/// that workers can format their rows in parallel and only the writing is
/// done in order.
#[derive(Clone, Debug)]
pub struct RowFormat {
    delimiter: u8,
    encoding: Encoding,
    header_len: usize,
    line_break: Vec<u8>,
}

impl RowFormat {
    /// A removed row as written: its own bytes, padded to the header's
    /// width, then the codes and messages of its findings, then its line
    /// break, in the input's encoding.
    pub fn removed_row(&self, record: &RawRecord, findings: &[Finding]) -> RemovedRow {
        let mut codes = String::with_capacity(findings.len() * 5);
        let mut reasons = String::new();
        for (i, finding) in findings.iter().enumerate() {
            if i > 0 {
                codes.push(';');
                reasons.push_str(" | ");
            }
            let code = finding.rule.code();
            codes.push_str(code);
            reasons.extend([code, ": ", &finding.message]);
        }
        let mut line = Vec::with_capacity(record.content().len() + 128);
        line.extend_from_slice(record.content());
        // A short row is padded so the two columns land under their header.
        for _ in record.len()..self.header_len {
            line.push(self.delimiter);
        }
        line.push(self.delimiter);
        line.extend_from_slice(quote(&codes, self.delimiter).as_bytes());
        line.push(self.delimiter);
        // Starts with a rule code, so no spreadsheet reads it as a formula.
        line.extend_from_slice(&self.encoding.encode_added(&quote(&reasons, self.delimiter)));
        match record.terminator() {
            [] => line.extend_from_slice(&self.line_break),
            terminator => line.extend_from_slice(terminator),
        }
        if let Cow::Owned(encoded) = self.encoding.encode_stored(&line) {
            line = encoded;
        }
        RemovedRow {
            line,
            row: record.row(),
            codes,
            reasons,
        }
    }
}

impl RowWriters {
    /// Starts the files with the input's header (an empty header record
    /// for a file without one). Files are written in the input's encoding:
    /// UTF-16 inputs were parsed as UTF-8 and are encoded back.
    /// `origin`: the sheet of a spreadsheet input; with it, an output
    /// whose name ends in `.xlsx` is a workbook.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cleaned: Option<AtomicFile>,
        removed: Option<AtomicFile>,
        repermission: Option<AtomicFile>,
        header: &RawRecord,
        delimiter: u8,
        encoding: Encoding,
        columns: usize,
        origin: Option<Arc<SheetOrigin>>,
    ) -> Result<RowWriters> {
        let line_break = match header.terminator() {
            [] => b"\n".to_vec(),
            terminator => terminator.to_vec(),
        };
        let output = |file: Option<AtomicFile>| {
            file.map(|file| {
                if origin.is_some() && is_workbook_name(file.dest()) {
                    RowOutput::Workbook {
                        file,
                        rows: Vec::new(),
                    }
                } else {
                    RowOutput::Text(file)
                }
            })
        };
        let mut writers = RowWriters {
            cleaned: output(cleaned),
            removed: output(removed),
            repermission: output(repermission),
            format: RowFormat {
                delimiter,
                encoding,
                header_len: columns,
                line_break,
            },
            origin,
        };
        // A UTF-8 mark is part of the header's raw bytes; a UTF-16 one was
        // consumed by the decoder.
        let utf16_bom = if encoding.is_utf16() {
            encoding.bom()
        } else {
            b""
        };
        if let Some(RowOutput::Text(file)) = &mut writers.cleaned {
            let result = file
                .write_all(utf16_bom)
                .and_then(|()| file.write_all(&encoding.encode_stored(header.raw())));
            result.map_err(|e| file.io_error(e))?;
        }
        let d = delimiter as char;
        let mut line = encoding.bom().to_vec();
        // What precedes the header (Excel's `sep=;` line) opens the removed
        // rows in columns too; a UTF-8 mark in it was written just above.
        let lead = header.lead();
        let lead = lead
            .strip_prefix(b"\xef\xbb\xbf".as_slice())
            .unwrap_or(lead);
        line.extend_from_slice(&encoding.encode_stored(lead));
        if !header.raw().is_empty() {
            let mut text = header.content().to_vec();
            text.extend_from_slice(format!("{d}listaudit_rules{d}listaudit_reasons").as_bytes());
            text.extend_from_slice(&writers.format.line_break);
            line.extend_from_slice(&encoding.encode_stored(&text));
        }
        for output in [&mut writers.removed, &mut writers.repermission]
            .into_iter()
            .flatten()
        {
            if let RowOutput::Text(file) = output {
                file.write_all(&line).map_err(|e| file.io_error(e))?;
            }
        }
        Ok(writers)
    }

    pub fn keep(&mut self, record: &RawRecord) -> Result<()> {
        match &mut self.cleaned {
            Some(RowOutput::Text(file)) => file
                .write_all(&self.format.encoding.encode_stored(record.raw()))
                .map_err(|e| file.io_error(e))?,
            Some(RowOutput::Workbook { rows, .. }) => rows.push((record.row(), None)),
            None => {}
        }
        Ok(())
    }

    /// How removed rows are formatted, for the workers that format them.
    pub fn format(&self) -> &RowFormat {
        &self.format
    }

    /// Whether a removed row is written anywhere: to `removed.csv`, or to
    /// `repermission.csv` when it may be asked again.
    pub fn writes_removed(&self, ask_again: bool) -> bool {
        self.removed.is_some() || (ask_again && self.repermission.is_some())
    }

    /// Writes a removed row formatted by [`RowFormat::removed_line`], to
    /// `repermission.csv` too when it may be asked again
    /// ([`crate::rules::may_ask_again`]).
    pub fn write_removed(&mut self, removed: &RemovedRow, ask_again: bool) -> Result<()> {
        let asked = if ask_again {
            self.repermission.as_mut()
        } else {
            None
        };
        for output in [self.removed.as_mut(), asked].into_iter().flatten() {
            match output {
                RowOutput::Text(file) => file
                    .write_all(&removed.line)
                    .map_err(|e| file.io_error(e))?,
                RowOutput::Workbook { rows, .. } => rows.push((
                    removed.row,
                    Some((removed.codes.clone(), removed.reasons.clone())),
                )),
            }
        }
        Ok(())
    }

    /// Completes the files, each if it was asked for: (cleaned, removed,
    /// repermission).
    pub fn finish(self) -> Result<[Option<ReadyFile>; 3]> {
        let outputs = [
            (self.cleaned, false),
            (self.removed, true),
            (self.repermission, true),
        ];
        let wanted: Vec<Wanted<'_>> = outputs
            .iter()
            .filter_map(|(output, with_reasons)| match output {
                Some(RowOutput::Workbook { rows, .. }) => Some(Wanted {
                    rows,
                    with_reasons: *with_reasons,
                }),
                _ => None,
            })
            .collect();
        // The sheet is read again once, for every workbook written from it.
        let mut books = match (&self.origin, wanted.is_empty()) {
            (_, true) => Ok(Vec::new()),
            (Some(origin), false) => write_workbooks(origin, &wanted),
            (None, false) => Err("a workbook output has no sheet to copy".to_string()),
        }
        .map(Vec::into_iter);
        drop(wanted);
        let mut finished = outputs.into_iter().map(|(output, _)| {
            output
                .map(|output| match output {
                    RowOutput::Text(file) => file.finish(),
                    RowOutput::Workbook { mut file, .. } => {
                        let bytes = match &mut books {
                            Ok(books) => books.next().expect("one workbook per output"),
                            Err(message) => {
                                return Err(file.io_error(std::io::Error::other(message.clone())));
                            }
                        };
                        file.write_all(&bytes).map_err(|e| file.io_error(e))?;
                        file.finish()
                    }
                })
                .transpose()
        });
        let cleaned = finished.next().expect("three outputs");
        let removed = finished.next().expect("three outputs");
        let repermission = finished.next().expect("three outputs");
        Ok([cleaned?, removed?, repermission?])
    }
}

/// Whether an output path names a workbook.
pub fn is_workbook_name(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// RFC 4180 quoting when the value needs it.
fn quote(value: &str, delimiter: u8) -> Cow<'_, str> {
    let needs = value
        .bytes()
        .any(|b| b == delimiter || b == b'"' || b == b'\r' || b == b'\n');
    if needs {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("C001;C004", b','), "C001;C004");
        assert_eq!(quote("C001;C004", b';'), "\"C001;C004\"");
        assert_eq!(quote("source 'x', row 2", b','), "\"source 'x', row 2\"");
        assert_eq!(quote("say \"hi\"", b'\t'), "\"say \"\"hi\"\"\"");
    }
}
