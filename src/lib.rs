//! listaudit: audit newsletter mailing lists for provable consent and list
//! hygiene.
//!
//! The pipeline, in folders: [`input`] reads subscriber exports, consent
//! logs and suppression lists (any delimiter, header language, line
//! ending); [`consent`] folds the logs into a per-address index, in
//! parallel; [`rules`] decides, row by row, what can be proven; [`audit`]
//! streams the subscriber rows through the rules in parallel while keeping
//! input order; [`output`] writes the cleaned list byte for byte, the
//! removed rows with reasons, findings and report, atomically and
//! owner-only. [`rights`] finds a person in every file (`lookup`) and
//! removes them from every file (`erase`). [`settings`] resolves the command line once; [`app`] maps a
//! run to an exit status.

pub mod address;
pub mod app;
pub mod audit;
pub mod cli;
pub mod consent;
pub mod error;
pub mod exit;
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod inspect;
pub mod output;
pub mod policy;
pub mod rights;
pub mod rules;
pub mod settings;
pub mod spill;
pub mod term;
pub mod text;
pub mod vocabulary;

pub use error::{Error, Result};
pub use exit::ExitStatus;
