//! Integration tests: the real binary on fixtures.

mod audit_outputs;
mod bad_input;
mod commands;
mod determinism;
mod formats;
mod rule_fixtures;
mod util;
