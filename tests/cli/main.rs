//! Integration tests: the real binary on fixtures.

mod action;
mod address_corpus;
mod audit_outputs;
mod bad_input;
mod baseline;
mod browser;
mod ci_formats;
mod commands;
mod config;
mod determinism;
mod faults;
mod formats;
mod hostile;
mod memory;
mod packaging;
mod policies;
mod properties;
mod report_documents;
mod rights;
mod rule_fixtures;
mod spreadsheets;
#[allow(dead_code)]
#[path = "../../examples/gen/synth.rs"]
mod synth;
mod terminal;
mod util;
mod validator_suites;
