//! Writing results: atomic owner-only files, the cleaned and removed lists,
//! findings and report documents, and the terminal summary.

mod atomic;
mod ci;
mod report;
mod rows;
mod table;

pub use atomic::{AtomicFile, CreatedDir, ReadyFile, commit};
pub use ci::{Addresses, mask, render_markdown, write_github, write_junit};
pub use report::{REPORT_SCHEMA, write_findings_csv, write_report_json};
pub use rows::RowWriters;
pub use table::{new_table, render_summary};
