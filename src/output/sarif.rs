//! `--format sarif`: SARIF 2.1.0 (OASIS), the format GitHub code scanning
//! and most security dashboards upload. One result per finding, located
//! at the input file and the physical line of its record; every rule of
//! the catalog in `tool.driver.rules`, with its documentation. Addresses
//! are hidden as in the other CI formats: SARIF goes to third parties.
//!
//! Streamed: the results are written one by one, so a run with millions
//! of findings (held in a scratch file) never builds the document.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Value, json};

use super::ci::{Addresses, row_message};
use super::fingerprint::Fingerprints;
use crate::audit::AuditOutcome;
use crate::policy::Level;
use crate::rules::RULES;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
        Level::Off => "none",
    }
}

/// An input path as a SARIF URI reference (RFC 3986): every byte but the
/// unreserved ones and `/` percent-encoded, Windows separators as `/`.
pub fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &byte in path.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            b'\\' if cfg!(windows) => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprint,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u64,
}

/// The partial fingerprint, under a versioned name: a change of how it is
/// computed shows as new results rather than as moved ones.
#[derive(Serialize)]
struct Fingerprint {
    #[serde(rename = "listaudit/v1")]
    v1: String,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    /// The data row (the header is not a row), as findings.csv counts it.
    row: u64,
    #[serde(rename = "ruleName")]
    rule_name: &'a str,
}

/// `tool.driver`: the tool and every rule of the catalog, each with its
/// level under the run's policy.
fn driver(outcome: &AuditOutcome) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            let level = outcome.policy.level(rule.id);
            json!({
                "id": rule.code,
                "name": rule.name,
                "shortDescription": { "text": rule.summary },
                "fullDescription": { "text": rule.doc_section("What it checks") },
                "help": { "text": rule.doc, "markdown": rule.doc },
                "defaultConfiguration": {
                    "enabled": outcome.policy.enabled(rule.id),
                    "level": sarif_level(level),
                },
                "properties": { "family": format!("{:?}", rule.family).to_lowercase() },
            })
        })
        .collect();
    json!({
        "name": env!("CARGO_PKG_NAME"),
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    })
}

pub fn write_sarif(
    outcome: &AuditOutcome,
    addresses: Addresses,
    out: &mut dyn Write,
) -> io::Result<()> {
    let run_properties = json!({
        "policy": outcome.policy.name,
        "asOf": outcome.as_of.to_string(),
        "rows": outcome.summary.rows,
        "kept": outcome.summary.kept,
        "removed": outcome.summary.removed,
    });
    write!(
        out,
        "{{\"$schema\":\"{SCHEMA}\",\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":"
    )?;
    serde_json::to_writer(&mut *out, &driver(outcome))?;
    out.write_all(b"},\"properties\":")?;
    serde_json::to_writer(&mut *out, &run_properties)?;
    out.write_all(b",\"results\":[")?;
    let mut fingerprints = Fingerprints::default();
    let mut first = true;
    // The inputs' URIs, encoded once rather than per finding.
    let uris: Vec<String> = outcome
        .inputs
        .iter()
        .map(|input| uri_reference(&input.path))
        .collect();
    outcome.findings.for_each(|finding| {
        // Every finding takes its fingerprint, so that a new one's does
        // not depend on what a baseline accepted.
        let fingerprint = fingerprints.next(outcome, finding);
        if finding.baselined {
            return Ok(());
        }
        let location = Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: &uris[finding.input as usize],
                },
                region: (finding.line > 0).then_some(Region {
                    start_line: finding.line,
                }),
            },
        };
        let result = SarifResult {
            rule_id: finding.rule.code(),
            rule_index: finding.rule.index(),
            level: sarif_level(finding.level),
            message: Text {
                text: row_message(finding, addresses),
            },
            locations: [location],
            partial_fingerprints: Fingerprint { v1: fingerprint },
            properties: ResultProperties {
                row: finding.row,
                rule_name: finding.rule.meta().name,
            },
        };
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        serde_json::to_writer(&mut *out, &result)?;
        Ok::<_, io::Error>(())
    })?;
    out.write_all(b"\n]}]}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri_reference("fixtures/demo/subscribers.csv"),
            "fixtures/demo/subscribers.csv"
        );
        assert_eq!(
            uri_reference("exports/Liste März 2025.csv"),
            "exports/Liste%20M%C3%A4rz%202025.csv"
        );
        assert_eq!(uri_reference("/tmp/a#b?.csv"), "/tmp/a%23b%3F.csv");
    }
}
