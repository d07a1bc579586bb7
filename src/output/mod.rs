//! Writing results: atomic owner-only files, the cleaned and removed lists,
//! findings and report documents, and the terminal summary.

mod atomic;
mod charts;
mod ci;
mod document;
mod figures;
mod fingerprint;
mod gitlab;
mod redact;
mod report;
mod report_workbook;
mod rights;
mod rows;
mod sarif;
mod table;
mod workbook;

pub use atomic::{
    AtomicFile, CreatedDir, MANIFEST, Precondition, ReadyFile, commit, commit_set, is_stdout,
    lock_dir, remove_on_interrupt, replace,
};
#[doc(hidden)]
pub use charts::specimens as chart_specimens;
pub use ci::{Addresses, mask, render_markdown, render_step_summary, write_github, write_junit};
pub use document::{write_html_report, write_markdown_report};
pub use gitlab::write_gitlab;
pub use redact::{MIN_KEY_BYTES, Redactor};
pub use report::{ReportTarget, write_erasure_csv, write_findings_csv, write_report_json};
pub use report_workbook::write_report_workbook;
pub use rights::{
    RECEIPT_SCHEMA, erase_documents, lookup_documents, receipt_json, receipt_names, render_erase,
    render_lookup, write_receipt_csv,
};
pub use rows::{RemovedRow, RowFormat, RowWriters, is_workbook_name};
pub use sarif::write_sarif;
pub use table::{new_table, render_summary};
