//! `--format gitlab`: a GitLab Code Quality report, the JSON array a CI
//! job declares under `artifacts:reports:codequality` and GitLab shows in
//! merge requests. Addresses are hidden as in the other CI formats.
//!
//! Streamed, one finding per line of the array.

use std::io::{self, Write};

use serde::Serialize;

use super::ci::{Addresses, row_message};
use super::fingerprint::Fingerprints;
use crate::audit::AuditOutcome;
use crate::policy::Level;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u64,
}

fn severity(level: Level) -> &'static str {
    match level {
        Level::Error => "major",
        Level::Warning => "minor",
        Level::Info | Level::Off => "info",
    }
}

pub fn write_gitlab(
    outcome: &AuditOutcome,
    addresses: Addresses,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut fingerprints = Fingerprints::default();
    let mut first = true;
    out.write_all(b"[")?;
    outcome.findings.for_each(|finding| {
        // Every finding takes its fingerprint, so that a new one's does
        // not depend on what a baseline accepted.
        let fingerprint = fingerprints.next(outcome, finding);
        if finding.baselined {
            return Ok(());
        }
        let rule = finding.rule.meta();
        let issue = Issue {
            description: format!(
                "{} {}: {}",
                rule.code,
                rule.name,
                row_message(finding, addresses)
            ),
            check_name: rule.code,
            fingerprint,
            severity: severity(finding.level),
            location: Location {
                path: outcome.input_name(finding),
                // GitLab needs a line; a finding whose line is unknown
                // (a record of a JSON array) points at the file's top.
                lines: Lines {
                    begin: finding.line.max(1),
                },
            },
        };
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        serde_json::to_writer(&mut *out, &issue).map_err(io::Error::from)
    })?;
    out.write_all(if first { b"]\n" } else { b"\n]\n" })
}
