//! `findings.csv`, `report.json` and `erasure.csv` (SPEC §3). The same JSON
//! document is what `audit --format json` prints.

use std::borrow::Cow;
use std::io::Write;

use rayon::prelude::*;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::Addresses;
use super::figures::{ActivitySummary, ConsentSummary, ListFigures};
use crate::audit::{AuditOutcome, Finding, Summary};
use crate::input::ValueKind;
use crate::policy::Level;
use crate::rules::RULES;
use crate::text::spreadsheet_safe;

/// Where a report document goes, which decides its schema and where its
/// findings are.
#[derive(Clone, Copy, Debug)]
pub enum ReportTarget<'a> {
    /// `audit --format json`: `listaudit.report/1`, every finding inline.
    Stdout,
    /// The `report.json` file: `listaudit.report/2`. It names `findings.csv`
    /// (as the report's reader finds it: a name beside the report, or the
    /// path as given) instead of repeating every finding in it, which at
    /// 10M rows was 2 GB, a third of all output. Without a `findings.csv`
    /// the findings are inline, so none is lost.
    File { findings_file: Option<&'a str> },
}

impl<'a> ReportTarget<'a> {
    pub fn schema(self) -> &'static str {
        match self {
            ReportTarget::Stdout => "listaudit.report/1",
            ReportTarget::File { .. } => "listaudit.report/2",
        }
    }

    fn findings_file(self) -> Option<&'a str> {
        match self {
            ReportTarget::Stdout => None,
            ReportTarget::File { findings_file } => findings_file,
        }
    }
}

/// Findings formatted per task when `findings.csv` is written: each chunk
/// of findings is cut into parts that the workers format side by side, and
/// the parts are written in order.
const FINDINGS_CHUNK: usize = 32 * 1024;
const FINDINGS_PART: usize = 2048;

/// Writes `findings.csv`: one row per finding. The first six columns are
/// the contract; `rule_name` and `line` follow.
pub fn write_findings_csv<W: Write>(
    outcome: &AuditOutcome,
    addresses: Addresses<'_>,
    mut out: W,
) -> csv::Result<()> {
    let mut header = csv::Writer::from_writer(Vec::new());
    let mut columns = vec![
        "file",
        "row",
        "email",
        "rule",
        "severity",
        "message",
        "rule_name",
        "line",
    ];
    // Only with a baseline, so that findings.csv keeps its shape for the
    // scripts that read it.
    if outcome.baseline.is_some() {
        columns.push("baselined");
    }
    header.write_record(&columns)?;
    out.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
    outcome.findings.for_each_chunk(FINDINGS_CHUNK, |chunk| {
        let parts: Vec<csv::Result<Vec<u8>>> = chunk
            .par_chunks(FINDINGS_PART)
            .map(|part| findings_rows(outcome, addresses, part))
            .collect();
        for part in parts {
            out.write_all(&part?)?;
        }
        Ok::<(), csv::Error>(())
    })?;
    out.flush()?;
    Ok(())
}

/// The `findings.csv` rows of some findings.
fn findings_rows(
    outcome: &AuditOutcome,
    addresses: Addresses<'_>,
    findings: &[Finding],
) -> csv::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(findings.len() * 160));
    let baselined_column = outcome.baseline.is_some();
    for finding in findings {
        let row = finding.row.to_string();
        let line = if finding.line == 0 {
            String::new()
        } else {
            finding.line.to_string()
        };
        let shown = addresses.shown(&finding.email);
        let message = addresses.message(finding);
        let fields: [&str; 8] = [
            &spreadsheet_safe(outcome.input_name(finding)),
            &row,
            &spreadsheet_safe(&shown),
            finding.rule.code(),
            finding.level.as_str(),
            &spreadsheet_safe(&message),
            finding.rule.meta().name,
            &line,
        ];
        for field in fields {
            writer.write_field(field)?;
        }
        if baselined_column {
            writer.write_field(if finding.baselined { "true" } else { "false" })?;
        }
        writer.write_record(None::<&[u8]>)?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// Writes the report document: pretty-printed, except that each finding is
/// one compact line, which keeps large reports small, fast to write, and
/// easy to grep. Its schema and where its findings are follow from
/// `target` ([`ReportTarget`]).
pub fn write_report_json<W: Write>(
    outcome: &AuditOutcome,
    addresses: Addresses<'_>,
    target: ReportTarget<'_>,
    mut out: W,
) -> std::io::Result<()> {
    let tool = Tool {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
    };
    let summary = SummaryDocument {
        summary: &outcome.summary,
        outcome,
        addresses,
    };
    let mut fields: Vec<(&str, String)> = vec![
        ("schema", pretty(target.schema())?),
        ("tool", pretty(&tool)?),
        ("as_of", pretty(&outcome.as_of.to_string())?),
        ("policy", pretty(&outcome.policy.to_report())?),
        ("inputs", pretty(&outcome.inputs)?),
        ("summary", pretty(&summary)?),
    ];
    let credits = &outcome.policy.credits;
    if !credits.is_empty() {
        fields.push(("credits", pretty(credits)?));
    }
    if let Addresses::Pseudonymized(_) = addresses {
        let redaction = serde_json::json!({
            "addresses": "pseudonymized",
            "method": "HMAC-SHA256 of the normalized address, first 80 bits, hex, prefixed pseudo-",
        });
        fields.push(("redaction", pretty(&redaction)?));
    }
    if let Some(baseline) = &outcome.baseline {
        let document = serde_json::json!({
            "file": baseline.path,
            "written": baseline.written,
            "entries": baseline.entries,
            "accepted": baseline.accepted,
            "unmatched": baseline.unmatched,
        });
        fields.push(("baseline", pretty(&document)?));
    }
    let findings_file = target.findings_file();
    if let Some(name) = findings_file {
        fields.push(("findings_file", pretty(name)?));
    }
    out.write_all(b"{\n")?;
    let last = fields.len() - 1;
    for (i, (key, value)) in fields.into_iter().enumerate() {
        // The findings array, when inline, is the last field.
        let comma = if i < last || findings_file.is_none() {
            ","
        } else {
            ""
        };
        writeln!(out, "  \"{key}\": {value}{comma}")?;
    }
    if findings_file.is_some() {
        return out.write_all(b"}\n");
    }
    out.write_all(b"  \"findings\": [")?;
    let mut first = true;
    outcome.findings.for_each(|finding| {
        out.write_all(if first { b"\n    " } else { b",\n    " })?;
        first = false;
        let document = FindingDocument {
            file: outcome.input_name(finding),
            email: addresses.shown(&finding.email),
            message: addresses.message(finding),
            finding,
        };
        serde_json::to_writer(&mut out, &document).map_err(std::io::Error::from)
    })?;
    if !outcome.findings.is_empty() {
        out.write_all(b"\n  ")?;
    }
    out.write_all(b"]\n}\n")
}

/// A value pretty-printed one level deep into the report object.
fn pretty<T: Serialize + ?Sized>(value: &T) -> std::io::Result<String> {
    Ok(serde_json::to_string_pretty(value)?.replace('\n', "\n  "))
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

struct SummaryDocument<'a> {
    summary: &'a Summary,
    outcome: &'a AuditOutcome,
    addresses: Addresses<'a>,
}

impl Serialize for SummaryDocument<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.summary;
        let mut map = serializer.serialize_map(Some(7))?;
        map.serialize_entry("rows", &s.rows)?;
        map.serialize_entry("kept", &s.kept)?;
        map.serialize_entry("removed", &s.removed)?;
        map.serialize_entry("by_rule", &ByRule(self))?;
        map.serialize_entry(
            "by_severity",
            &BySeverity {
                error: s.errors,
                warning: s.warnings,
                info: s.infos,
            },
        )?;
        map.serialize_entry("unrecognised", &Unrecognised(self.outcome, self.addresses))?;
        map.serialize_entry("soft_bounces", &self.outcome.consent.activity.soft_bounces)?;
        let figures = ListFigures::of(self.outcome, self.addresses);
        map.serialize_entry("consent", &ConsentSummary(&figures))?;
        map.serialize_entry("activity", &ActivitySummary(&figures.activity))?;
        if let Some(baselined) = &s.baselined {
            let policy = &self.outcome.policy;
            let by_rule: serde_json::Map<String, serde_json::Value> = RULES
                .iter()
                .filter(|r| policy.level(r.id) != Level::Off)
                .map(|r| (r.code.to_string(), baselined.by_rule[r.id.index()].into()))
                .collect();
            map.serialize_entry(
                "baselined",
                &serde_json::json!({
                    "total": baselined.total(),
                    "by_rule": by_rule,
                    "by_severity": BySeverity {
                        error: baselined.errors,
                        warning: baselined.warnings,
                        info: baselined.infos,
                    },
                }),
            )?;
        }
        map.end()
    }
}

/// The values no vocabulary word matched, by kind: every kind present,
/// each value with its rows and the first row it was met in; a value with
/// an address in it hidden as the findings' addresses are.
struct Unrecognised<'a>(&'a AuditOutcome, Addresses<'a>);

impl Serialize for Unrecognised<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Unrecognised(outcome, addresses) = *self;
        let mut map = serializer.serialize_map(Some(ValueKind::ALL.len()))?;
        for kind in ValueKind::ALL {
            let values: Vec<serde_json::Value> = outcome
                .consent
                .unrecognised
                .iter()
                .filter(|v| v.kind == kind)
                .map(|v| {
                    let mut value = serde_json::json!({
                        "value": addresses.in_text(&v.value),
                        "rows": v.rows,
                    });
                    if let Some(first) = v.first {
                        value["first"] = format!(
                            "{} row {}",
                            outcome.inputs[first.input as usize].path, first.row
                        )
                        .into();
                    }
                    value
                })
                .collect();
            map.serialize_entry(kind.report_key(), &values)?;
        }
        map.end()
    }
}

/// Every enabled rule with its count (0 included), in catalog order.
struct ByRule<'a>(&'a SummaryDocument<'a>);

impl Serialize for ByRule<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let policy = &self.0.outcome.policy;
        let mut map = serializer.serialize_map(None)?;
        for rule in RULES.iter().filter(|r| policy.level(r.id) != Level::Off) {
            map.serialize_entry(rule.code, &self.0.summary.by_rule[rule.id.index()])?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct BySeverity {
    error: u64,
    warning: u64,
    info: u64,
}

struct FindingDocument<'a> {
    file: &'a str,
    email: Cow<'a, str>,
    message: Cow<'a, str>,
    finding: &'a Finding,
}

impl Serialize for FindingDocument<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let f = self.finding;
        let mut map = serializer.serialize_map(Some(8))?;
        map.serialize_entry("file", self.file)?;
        map.serialize_entry("row", &f.row)?;
        map.serialize_entry("email", &self.email)?;
        map.serialize_entry("rule", f.rule.code())?;
        map.serialize_entry("severity", f.level.as_str())?;
        map.serialize_entry("message", &self.message)?;
        map.serialize_entry("name", f.rule.meta().name)?;
        if f.line > 0 {
            map.serialize_entry("line", &f.line)?;
        }
        if f.baselined {
            map.serialize_entry("baselined", &true)?;
        }
        map.end()
    }
}

/// Writes `erasure.csv`: per address with a standing erasure request, one
/// line per subscriber row it still appears in (or one line saying it is
/// in none), with where and when the request was recorded. It is a list
/// to act on, so it holds the addresses themselves, like `removed.csv`.
pub fn write_erasure_csv<W: Write>(outcome: &AuditOutcome, out: W) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "email",
        "status",
        "file",
        "row",
        "requested_at",
        "request_file",
        "request_row",
    ])?;
    let name = |input: u32| outcome.inputs[input as usize].path.as_str();
    for entry in &outcome.consent.erasures {
        let (status, file, row) = match entry.still_at {
            Some(at) => ("still-listed", name(at.input), at.row.to_string()),
            None => ("not-listed", "", String::new()),
        };
        writer.write_record([
            &*spreadsheet_safe(&entry.email),
            status,
            &spreadsheet_safe(file),
            &row,
            &entry.requested.map_or(String::new(), |t| t.to_string()),
            &spreadsheet_safe(name(entry.request.input)),
            &entry.request.row.to_string(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}
