//! `--workbook FILE`: one .xlsx to hand over, with the sheets Summary,
//! Findings, Removed and Re-permission (when any row may be asked again).
//! List sheets have their header row frozen, an autofilter and fixed
//! column widths; every text is a string cell (never a formula, whatever
//! it starts with). Sheets are written row by row in rust_xlsxwriter's
//! constant-memory mode, so millions of findings never build a workbook in
//! memory; past Excel's 1,048,576 rows a list goes on in a numbered sheet
//! ("Findings 2"), and the Summary says so.

use std::io::{self, Write};

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::Addresses;
use crate::audit::{AuditOutcome, Finding};
use crate::policy::Level;
use crate::rules::{RULES, may_ask_again};

/// Rows per sheet, the header included: Excel's limit.
pub const SHEET_ROWS: u32 = 1_048_576;

/// A list sheet's columns: header and width in characters.
type Columns = &'static [(&'static str, f64)];

const FINDING_COLUMNS: Columns = &[
    ("file", 28.0),
    ("row", 8.0),
    ("line", 8.0),
    ("email", 32.0),
    ("rule", 7.0),
    ("name", 24.0),
    ("severity", 9.0),
    ("message", 90.0),
];

const REMOVED_COLUMNS: Columns = &[
    ("file", 28.0),
    ("row", 8.0),
    ("line", 8.0),
    ("email", 32.0),
    ("rules", 16.0),
    ("reasons", 100.0),
];

/// Writes the workbook of `outcome` to `out`.
pub fn write_report_workbook(
    outcome: &AuditOutcome,
    addresses: Addresses,
    out: &mut dyn Write,
) -> io::Result<()> {
    let bytes = build(outcome, addresses, SHEET_ROWS).map_err(to_io)?;
    out.write_all(&bytes)
}

fn to_io(e: XlsxError) -> io::Error {
    match e {
        XlsxError::IoError(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

/// One list sheet being written, continued on a numbered sheet when full.
struct ListSheet {
    title: &'static str,
    columns: Columns,
    /// Rows per sheet, the header included.
    limit: u32,
    /// Sheets started so far.
    sheets: u32,
    /// The next row of the current sheet.
    next: u32,
    /// Data rows written in all.
    rows: u64,
}

impl ListSheet {
    fn new(title: &'static str, columns: Columns, limit: u32) -> ListSheet {
        ListSheet {
            title,
            columns,
            limit,
            sheets: 0,
            next: 0,
            rows: 0,
        }
    }

    fn sheet_name(&self, n: u32) -> String {
        if n <= 1 {
            self.title.to_string()
        } else {
            format!("{} {n}", self.title)
        }
    }

    /// Starts the next sheet: its header, frozen, and column widths.
    fn start_sheet(&mut self, workbook: &mut Workbook, header: &Format) -> Result<(), XlsxError> {
        self.finish(workbook)?;
        self.sheets += 1;
        let name = self.sheet_name(self.sheets);
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(name)?;
        for (col, (title, width)) in self.columns.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
            sheet.write_string_with_format(0, col as u16, *title, header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        self.next = 1;
        Ok(())
    }

    /// The worksheet and row the next row goes to; a new sheet when the
    /// current one is full. The lists are written side by side, so the
    /// sheet is found by its name.
    fn next_row<'w>(
        &mut self,
        workbook: &'w mut Workbook,
        header: &Format,
    ) -> Result<(&'w mut Worksheet, u32), XlsxError> {
        if self.sheets == 0 || self.next >= self.limit {
            self.start_sheet(workbook, header)?;
        }
        let row = self.next;
        self.next += 1;
        self.rows += 1;
        let sheet = workbook.worksheet_from_name(&self.sheet_name(self.sheets))?;
        Ok((sheet, row))
    }

    /// Puts the autofilter over the rows of the current sheet.
    fn finish(&self, workbook: &mut Workbook) -> Result<(), XlsxError> {
        if self.sheets == 0 {
            return Ok(());
        }
        let name = self.sheet_name(self.sheets);
        let sheet = workbook.worksheet_from_name(&name)?;
        sheet.autofilter(
            0,
            0,
            self.next.saturating_sub(1),
            self.columns.len() as u16 - 1,
        )?;
        Ok(())
    }

    /// A sentence saying where the list is.
    fn whereabouts(&self) -> String {
        match self.sheets {
            0 | 1 => format!("{} rows on the sheet {}", self.rows, self.title),
            n => format!(
                "{} rows on the sheets {} to {} (a sheet holds {} rows)",
                self.rows,
                self.title,
                self.sheet_name(n),
                self.limit - 1
            ),
        }
    }
}

fn build(outcome: &AuditOutcome, addresses: Addresses, limit: u32) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    // The Summary comes first; its lines are written after the lists,
    // which it counts.
    let summary = workbook.add_worksheet();
    summary.set_name("Summary")?;

    let mut findings = ListSheet::new("Findings", FINDING_COLUMNS, limit);
    let mut removed = ListSheet::new("Removed", REMOVED_COLUMNS, limit);
    let mut repermission = ListSheet::new("Re-permission", REMOVED_COLUMNS, limit);
    let mut failure: Option<XlsxError> = None;
    let mut row_findings: Vec<Finding> = Vec::new();
    let mut flush_row = |workbook: &mut Workbook, row_findings: &mut Vec<Finding>| {
        if row_findings.is_empty() {
            return Ok(());
        }
        if row_findings.iter().any(|f| f.level == Level::Error) {
            let (sheet, at) = removed.next_row(workbook, &bold)?;
            removed_row(sheet, at, outcome, addresses, row_findings)?;
            if may_ask_again(row_findings.iter().map(|f| (f.rule, f.level))) {
                let (sheet, at) = repermission.next_row(workbook, &bold)?;
                removed_row(sheet, at, outcome, addresses, row_findings)?;
            }
        }
        row_findings.clear();
        Ok::<(), XlsxError>(())
    };
    let visited = outcome.findings.for_each(|finding| {
        if failure.is_some() {
            return Ok(());
        }
        let result = (|| {
            if row_findings
                .first()
                .is_some_and(|f| (f.input, f.row) != (finding.input, finding.row))
            {
                flush_row(&mut workbook, &mut row_findings)?;
            }
            // Only subscriber rows can be removed: only theirs are held.
            if outcome.inputs[finding.input as usize].kind == "subscribers" {
                row_findings.push(finding.clone());
            }
            let (sheet, at) = findings.next_row(&mut workbook, &bold)?;
            finding_row(sheet, at, outcome, addresses, finding)
        })();
        if let Err(e) = result {
            failure = Some(e);
        }
        Ok::<(), io::Error>(())
    });
    visited.map_err(XlsxError::IoError)?;
    if let Some(e) = failure {
        return Err(e);
    }
    flush_row(&mut workbook, &mut row_findings)?;
    // The lists a reader looks for are there even when empty.
    for list in [&mut findings, &mut removed] {
        if list.sheets == 0 {
            list.start_sheet(&mut workbook, &bold)?;
        }
    }
    for list in [&findings, &removed, &repermission] {
        list.finish(&mut workbook)?;
    }

    let summary = workbook.worksheet_from_name("Summary")?;
    write_summary(
        summary,
        outcome,
        &bold,
        &wrap,
        [&findings, &removed, &repermission],
    )?;
    workbook.save_to_buffer()
}

fn finding_row(
    sheet: &mut Worksheet,
    at: u32,
    outcome: &AuditOutcome,
    addresses: Addresses,
    finding: &Finding,
) -> Result<(), XlsxError> {
    sheet.write_string(at, 0, outcome.input_name(finding))?;
    sheet.write_number(at, 1, finding.row as f64)?;
    if finding.line > 0 {
        sheet.write_number(at, 2, finding.line as f64)?;
    }
    sheet.write_string(at, 3, addresses.shown(&finding.email))?;
    sheet.write_string(at, 4, finding.rule.code())?;
    sheet.write_string(at, 5, finding.rule.meta().name)?;
    sheet.write_string(at, 6, finding.level.as_str())?;
    sheet.write_string(at, 7, addresses.message(finding))?;
    Ok(())
}

fn removed_row(
    sheet: &mut Worksheet,
    at: u32,
    outcome: &AuditOutcome,
    addresses: Addresses,
    findings: &[Finding],
) -> Result<(), XlsxError> {
    let first = &findings[0];
    let codes: Vec<&str> = findings.iter().map(|f| f.rule.code()).collect();
    let reasons: Vec<String> = findings
        .iter()
        .map(|f| format!("{}: {}", f.rule.code(), addresses.message(f)))
        .collect();
    sheet.write_string(at, 0, outcome.input_name(first))?;
    sheet.write_number(at, 1, first.row as f64)?;
    if first.line > 0 {
        sheet.write_number(at, 2, first.line as f64)?;
    }
    let email = findings
        .iter()
        .map(|f| f.email.as_str())
        .find(|e| !e.is_empty())
        .unwrap_or_default();
    sheet.write_string(at, 3, addresses.shown(email))?;
    sheet.write_string(at, 4, codes.join(";"))?;
    sheet.write_string(at, 5, reasons.join(" | "))?;
    Ok(())
}

fn write_summary(
    sheet: &mut Worksheet,
    outcome: &AuditOutcome,
    bold: &Format,
    wrap: &Format,
    lists: [&ListSheet; 3],
) -> Result<(), XlsxError> {
    let s = &outcome.summary;
    sheet.set_column_width(0, 28.0)?;
    sheet.set_column_width(1, 26.0)?;
    sheet.set_column_width(2, 10.0)?;
    sheet.set_column_width(3, 10.0)?;
    sheet.set_column_width(4, 10.0)?;
    sheet.set_column_width(5, 70.0)?;
    sheet.write_string_with_format(0, 0, "listaudit report", bold)?;
    let mut row = 2;
    let mut line = |sheet: &mut Worksheet, label: &str, value: &str| {
        let at = row;
        row += 1;
        sheet
            .write_string_with_format(at, 0, label, bold)
            .and_then(|s| s.write_string(at, 1, value))
            .map(|_| ())
    };
    let credits = &outcome.policy.credits;
    for (label, value) in [
        ("Client", &credits.client),
        ("Prepared by", &credits.prepared_by),
    ] {
        if let Some(value) = value {
            line(sheet, label, value)?;
        }
    }
    line(sheet, "Policy", &outcome.policy.name)?;
    line(sheet, "List purpose", &outcome.policy.list_purpose)?;
    line(sheet, "As of", &outcome.as_of.to_string())?;
    line(
        sheet,
        "Tool",
        concat!("listaudit ", env!("CARGO_PKG_VERSION")),
    )?;
    for (label, value) in [
        ("Subscriber rows", s.rows),
        ("Kept", s.kept),
        ("Removed", s.removed),
        ("May be asked again", outcome.consent.re_askable),
        ("Findings", s.errors + s.warnings + s.infos),
        ("Errors", s.errors),
        ("Warnings", s.warnings),
        ("Info", s.infos),
    ] {
        sheet.write_string_with_format(row, 0, label, bold)?;
        sheet.write_number(row, 1, value as f64)?;
        row += 1;
    }
    row += 1;
    for list in lists {
        if list.sheets > 0 {
            sheet.write_string(row, 0, list.whereabouts())?;
            row += 1;
        }
    }
    row += 1;
    for (col, title) in ["subscriber file", "rows", "kept", "removed"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(row, col as u16, *title, bold)?;
    }
    row += 1;
    for input in outcome.inputs.iter().filter(|i| i.kind == "subscribers") {
        sheet.write_string(row, 0, &input.path)?;
        sheet.write_number(row, 1, input.rows as f64)?;
        sheet.write_number(row, 2, input.kept.unwrap_or(0) as f64)?;
        sheet.write_number(row, 3, input.removed.unwrap_or(0) as f64)?;
        row += 1;
    }
    row += 1;
    for (col, title) in ["rule", "name", "level", "findings", "", "what it means"]
        .iter()
        .enumerate()
    {
        if !title.is_empty() {
            sheet.write_string_with_format(row, col as u16, *title, bold)?;
        }
    }
    row += 1;
    for rule in RULES.iter().filter(|r| s.by_rule[r.id.index()] > 0) {
        sheet.write_string(row, 0, rule.code)?;
        sheet.write_string(row, 1, rule.name)?;
        sheet.write_string(row, 2, outcome.policy.level(rule.id).as_str())?;
        sheet.write_number(row, 3, s.by_rule[rule.id.index()] as f64)?;
        sheet.write_string_with_format(row, 5, rule.summary, wrap)?;
        row += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_sheets_continue_on_numbered_ones() {
        let mut workbook = Workbook::new();
        let bold = Format::new();
        let mut list = ListSheet::new("Findings", FINDING_COLUMNS, 3);
        let mut placed = Vec::new();
        for _ in 0..5 {
            let (sheet, row) = list.next_row(&mut workbook, &bold).unwrap();
            placed.push((sheet.name(), row));
        }
        list.finish(&mut workbook).unwrap();
        assert_eq!(
            placed,
            [
                ("Findings".to_string(), 1),
                ("Findings".to_string(), 2),
                ("Findings 2".to_string(), 1),
                ("Findings 2".to_string(), 2),
                ("Findings 3".to_string(), 1),
            ]
        );
        assert_eq!(
            list.whereabouts(),
            "5 rows on the sheets Findings to Findings 3 (a sheet holds 2 rows)"
        );
    }
}
