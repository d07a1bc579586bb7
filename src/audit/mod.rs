//! The audit: read consent logs and suppression lists, stream the
//! subscriber exports through the rules in parallel, and write the outputs.

mod baseline;
mod engine;
mod findings;
mod profile;
mod subscribers;

pub use baseline::{Baseline, BaselineUse};
pub use engine::run;
pub use findings::{FindingSink, Findings};
pub use profile::{Activity, Confirmation, ConsentTally, ErasureEntry, MonthActivity};

use serde::Serialize;

use crate::consent::Timestamp;
use crate::policy::{Level, Policy};
use crate::rules::RuleId;

/// One finding: a rule that fired on one row of one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: RuleId,
    pub level: Level,
    /// Index into [`AuditOutcome::inputs`].
    pub input: u32,
    /// 1-based data row in that input (header not counted).
    pub row: u64,
    /// 1-based physical line, 0 when unknown.
    pub line: u64,
    /// The normalized address ("" when the row has none).
    pub email: String,
    pub message: String,
    /// Accepted by `--baseline` (or `--write-baseline`): kept in
    /// findings.csv and the counts, left out of the exit status and the CI
    /// formats.
    pub baselined: bool,
}

impl Finding {
    /// The finding of `rule` at a row, when the policy enables the rule.
    pub fn reported(
        policy: &Policy,
        rule: RuleId,
        at: crate::consent::Location,
        line: u64,
        email: &str,
        message: String,
    ) -> Option<Finding> {
        policy.enabled(rule).then(|| Finding {
            rule,
            level: policy.level(rule),
            input: at.input,
            row: at.row,
            line,
            email: email.to_string(),
            message,
            baselined: false,
        })
    }
}

/// One input file as the report describes it.
#[derive(Clone, Debug, Serialize)]
pub struct InputInfo {
    pub path: String,
    pub kind: &'static str,
    pub format: &'static str,
    pub encoding: &'static str,
    pub delimiter: String,
    pub rows: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<u64>,
    /// SHA-256 of the file's bytes, when a report that names inputs is
    /// written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Totals over all subscriber rows and findings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    pub kept: u64,
    pub removed: u64,
    /// Findings per rule, indexed by [`RuleId::index`].
    pub by_rule: Vec<u64>,
    pub errors: u64,
    pub warnings: u64,
    pub infos: u64,
    /// What a baseline accepted, when one is in use.
    pub baselined: Option<Baselined>,
}

/// The findings a baseline accepted, counted as the findings are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baselined {
    /// Per rule, indexed by [`RuleId::index`].
    pub by_rule: Vec<u64>,
    pub errors: u64,
    pub warnings: u64,
    pub infos: u64,
}

impl Baselined {
    pub fn total(&self) -> u64 {
        self.errors + self.warnings + self.infos
    }
}

impl Summary {
    /// Findings of `level` that no baseline accepted.
    pub fn new_of(&self, level: Level) -> u64 {
        let accepted = self.baselined.as_ref();
        let (all, baselined) = match level {
            Level::Off => return 0,
            Level::Error => (self.errors, accepted.map_or(0, |b| b.errors)),
            Level::Warning => (self.warnings, accepted.map_or(0, |b| b.warnings)),
            Level::Info => (self.infos, accepted.map_or(0, |b| b.infos)),
        };
        all - baselined
    }

    /// Findings at or above `level` that no baseline accepted: what the
    /// exit status and the CI formats count.
    pub fn new_at_or_above(&self, level: Level) -> u64 {
        if level == Level::Off {
            return 0;
        }
        Level::ALL
            .iter()
            .filter(|l| **l != Level::Off && **l >= level)
            .map(|l| self.new_of(*l))
            .sum()
    }
}

/// How the removed rows compare with `--max-removed`, for the formats
/// that report the run's verdict (stderr, github, junit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemovedCheck {
    /// No `--max-removed`.
    NotAsked,
    /// Within it: the sentence that says so.
    Within(String),
    /// Over it: the sentence that says by how much.
    Breached(String),
}

/// What an audit produced.
pub struct AuditOutcome {
    pub as_of: Timestamp,
    pub policy: Policy,
    pub inputs: Vec<InputInfo>,
    pub findings: Findings,
    pub summary: Summary,
    /// Things the user should know that are not findings (no consent log
    /// given, a log without timestamps).
    pub notices: Vec<String>,
    /// Output files written, in the order they were renamed into place.
    pub written: Vec<std::path::PathBuf>,
    /// What the report shows beside the findings.
    pub consent: ConsentOverview,
    /// The baseline read (`--baseline`) or written (`--write-baseline`).
    pub baseline: Option<BaselineUse>,
}

/// The consent behind the audited rows, for the report's charts.
#[derive(Clone, Debug, Default)]
pub struct ConsentOverview {
    pub tally: ConsentTally,
    /// Rows per source and per purpose of the consent they rest on, most
    /// first.
    pub sources: Vec<(String, u64)>,
    pub purposes: Vec<(String, u64)>,
    pub activity: Activity,
    /// Every address with a standing erasure request: once per subscriber
    /// row it still appears in, or once with no row. Sorted by address.
    pub erasures: Vec<ErasureEntry>,
    /// Removed rows a re-permission campaign may ask again.
    pub re_askable: u64,
    /// Values in the inputs that no vocabulary word matched, by kind and
    /// value: events, statuses, flags, bounce types and suppression
    /// reasons as the readers met them, and the sources the consent of
    /// audited rows rests on.
    pub unrecognised: Vec<UnrecognisedValue>,
}

/// A value no vocabulary word matched, how often, and where first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnrecognisedValue {
    pub kind: crate::input::ValueKind,
    pub value: String,
    /// Rows that carry it (for a source: subscriber rows whose consent
    /// rests on it).
    pub rows: u64,
    /// The first row it was met in (none for a source).
    pub first: Option<crate::consent::Location>,
}

impl ConsentOverview {
    /// Distinct addresses with a standing erasure request, and how many of
    /// them are still in a subscriber file.
    pub fn erasure_counts(&self) -> (u64, u64) {
        let mut addresses = 0;
        let mut listed = 0;
        let mut previous: Option<&str> = None;
        for entry in &self.erasures {
            if previous != Some(entry.email.as_str()) {
                addresses += 1;
                listed += u64::from(entry.still_at.is_some());
                previous = Some(&entry.email);
            }
        }
        (addresses, listed)
    }
}

impl AuditOutcome {
    pub fn input_name(&self, finding: &Finding) -> &str {
        &self.inputs[finding.input as usize].path
    }
}
