//! The rule catalog (SPEC §4): every rule is data (code, name, default
//! level, summary, documentation) plus the stage that checks it. `rules`,
//! `explain`, the reports and the engine all read this one table.
//!
//! Codes are permanent: never reused, never renumbered.

mod checks;

pub use checks::{RowContext, RowFinding, check_row};

use crate::policy::Level;

/// Every rule this version implements, in catalog order (the order findings
/// of one row are reported in).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleId {
    C001,
    C002,
    C003,
    C004,
    C005,
    C006,
    C007,
    C008,
    C009,
    R001,
    R002,
    R003,
    H001,
    H002,
    H003,
    H004,
    H005,
    H006,
    H007,
    D001,
    D002,
    D003,
    D004,
}

impl RuleId {
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn meta(self) -> &'static RuleMeta {
        &RULES[self.index()]
    }

    pub fn code(self) -> &'static str {
        self.meta().code
    }
}

/// What a rule is about; decides precedence between findings of one row.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Family {
    /// C: the consent itself (evidence, purpose, age, source).
    Consent,
    /// R: rights the person exercised (withdrawal, erasure, suppression).
    /// When one fires, the consent family is not reported: the address must
    /// not be mailed whatever its consent looked like.
    Rights,
    /// H: the address itself.
    Hygiene,
    /// D: the input data.
    Data,
}

/// Where in the pipeline a rule is checked.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Per subscriber row, in parallel, from the row and its consent history.
    Row,
    /// Per subscriber row, in input order (the first occurrence wins).
    InputOrder,
    /// While reading a file.
    Reader,
    /// After all subscriber files: consent-log addresses nobody referred to.
    Index,
}

/// One rule of the catalog.
pub struct RuleMeta {
    pub id: RuleId,
    pub code: &'static str,
    pub name: &'static str,
    pub family: Family,
    pub stage: Stage,
    /// The level under the default `eu-gdpr` policy.
    pub default_level: Level,
    pub summary: &'static str,
    /// The Markdown page in `docs/rules/`, printed by `explain`.
    pub doc: &'static str,
}

macro_rules! doc {
    ($code:literal) => {
        include_str!(concat!("../../docs/rules/", $code, ".md"))
    };
}

pub static RULES: [RuleMeta; 23] = [
    RuleMeta {
        id: RuleId::C001,
        code: "C001",
        name: "no-consent",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "no opt-in evidence for the address anywhere",
        doc: doc!("C001"),
    },
    RuleMeta {
        id: RuleId::C002,
        code: "C002",
        name: "no-purpose",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "consent evidence exists but states no purpose",
        doc: doc!("C002"),
    },
    RuleMeta {
        id: RuleId::C003,
        code: "C003",
        name: "purpose-mismatch",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "the stated purposes do not cover the list purpose",
        doc: doc!("C003"),
    },
    RuleMeta {
        id: RuleId::C004,
        code: "C004",
        name: "stale-consent",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "latest consent or engagement is older than the policy allows",
        doc: doc!("C004"),
    },
    RuleMeta {
        id: RuleId::C005,
        code: "C005",
        name: "no-double-opt-in",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Warning,
        summary: "the current consent was never confirmed by double opt-in",
        doc: doc!("C005"),
    },
    RuleMeta {
        id: RuleId::C006,
        code: "C006",
        name: "incomplete-evidence",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "the consent record lacks a timestamp or how/where it was given",
        doc: doc!("C006"),
    },
    RuleMeta {
        id: RuleId::C007,
        code: "C007",
        name: "invalid-source",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "consent collected from a source that cannot carry it",
        doc: doc!("C007"),
    },
    RuleMeta {
        id: RuleId::C008,
        code: "C008",
        name: "timeline-anomaly",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Warning,
        summary: "events out of order, outside the confirmation window, or after --as-of",
        doc: doc!("C008"),
    },
    RuleMeta {
        id: RuleId::C009,
        code: "C009",
        name: "not-affirmative",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "consent expressed by a pre-ticked box, implied, or bundled in terms",
        doc: doc!("C009"),
    },
    RuleMeta {
        id: RuleId::R001,
        code: "R001",
        name: "withdrawn",
        family: Family::Rights,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "withdrawal, unsubscribe or objection later than the latest consent",
        doc: doc!("R001"),
    },
    RuleMeta {
        id: RuleId::R002,
        code: "R002",
        name: "erasure-requested",
        family: Family::Rights,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "an erasure request was recorded for the address",
        doc: doc!("R002"),
    },
    RuleMeta {
        id: RuleId::R003,
        code: "R003",
        name: "suppressed",
        family: Family::Rights,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "the address is on a suppression list",
        doc: doc!("R003"),
    },
    RuleMeta {
        id: RuleId::H001,
        code: "H001",
        name: "invalid-address",
        family: Family::Hygiene,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "the address fails the syntax check",
        doc: doc!("H001"),
    },
    RuleMeta {
        id: RuleId::H002,
        code: "H002",
        name: "duplicate",
        family: Family::Hygiene,
        stage: Stage::InputOrder,
        default_level: Level::Error,
        summary: "the same normalized address appeared earlier in the subscriber input",
        doc: doc!("H002"),
    },
    RuleMeta {
        id: RuleId::H003,
        code: "H003",
        name: "role-account",
        family: Family::Hygiene,
        stage: Stage::Row,
        default_level: Level::Warning,
        summary: "role mailbox (info@, admin@, noreply@, ...)",
        doc: doc!("H003"),
    },
    RuleMeta {
        id: RuleId::H004,
        code: "H004",
        name: "disposable-domain",
        family: Family::Hygiene,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "disposable or throw-away mail domain (privacy relays only as info)",
        doc: doc!("H004"),
    },
    RuleMeta {
        id: RuleId::H005,
        code: "H005",
        name: "domain-typo",
        family: Family::Hygiene,
        stage: Stage::Row,
        default_level: Level::Warning,
        summary: "domain is a likely typo of a common provider (suggestion in the message)",
        doc: doc!("H005"),
    },
    RuleMeta {
        id: RuleId::H006,
        code: "H006",
        name: "alias-duplicate",
        family: Family::Hygiene,
        stage: Stage::InputOrder,
        default_level: Level::Warning,
        summary: "same mailbox as an earlier row under provider aliasing (Gmail dots, +tag)",
        doc: doc!("H006"),
    },
    RuleMeta {
        id: RuleId::H007,
        code: "H007",
        name: "special-use-domain",
        family: Family::Hygiene,
        stage: Stage::Row,
        default_level: Level::Info,
        summary: "reserved or special-use domain (RFC 2606/6761)",
        doc: doc!("H007"),
    },
    RuleMeta {
        id: RuleId::D001,
        code: "D001",
        name: "bad-timestamp",
        family: Family::Data,
        stage: Stage::Reader,
        default_level: Level::Warning,
        summary: "a timestamp that cannot be parsed",
        doc: doc!("D001"),
    },
    RuleMeta {
        id: RuleId::D002,
        code: "D002",
        name: "unknown-event",
        family: Family::Data,
        stage: Stage::Reader,
        default_level: Level::Warning,
        summary: "a consent-log event type that is not recognised",
        doc: doc!("D002"),
    },
    RuleMeta {
        id: RuleId::D003,
        code: "D003",
        name: "malformed-row",
        family: Family::Data,
        stage: Stage::Reader,
        default_level: Level::Error,
        summary: "a row that cannot be parsed (field count, quoting, encoding)",
        doc: doc!("D003"),
    },
    RuleMeta {
        id: RuleId::D004,
        code: "D004",
        name: "orphan-consent",
        family: Family::Data,
        stage: Stage::Index,
        default_level: Level::Info,
        summary: "consent events for an address that is in no subscriber file",
        doc: doc!("D004"),
    },
];

/// Finds a rule by code (`C004`, `c004`) or name (`stale-consent`,
/// `stale_consent`).
pub fn find(query: &str) -> Option<&'static RuleMeta> {
    let query = query.trim();
    let as_name = query.to_ascii_lowercase().replace('_', "-");
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(query) || r.name == as_name)
}

/// Codes and names close to an unknown query, best first.
pub fn suggest(query: &str) -> Vec<&'static str> {
    let names = RULES.iter().flat_map(|r| [r.code, r.name]);
    let mut similar = crate::text::similar(query, names);
    similar.truncate(3);
    similar
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_is_indexed_by_id() {
        for (i, rule) in RULES.iter().enumerate() {
            assert_eq!(rule.id.index(), i, "{}", rule.code);
            assert_eq!(format!("{:?}", rule.id), rule.code);
        }
    }

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for rule in &RULES {
            let code = rule.code.as_bytes();
            assert!(
                code.len() == 4
                    && b"CRHD".contains(&code[0])
                    && code[1..].iter().all(u8::is_ascii_digit),
                "{}",
                rule.code
            );
            assert!(
                rule.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                rule.name
            );
            assert!(seen.insert(rule.code) && seen.insert(rule.name));
        }
    }

    #[test]
    fn every_doc_has_the_required_sections() {
        for rule in &RULES {
            let title = format!("# {} {}", rule.code, rule.name);
            assert!(
                rule.doc.starts_with(&title),
                "{} doc must start with {title:?}",
                rule.code
            );
            for heading in [
                "## What it checks",
                "## Why it matters",
                "## How to fix",
                "## Example",
                "## Configuration",
            ] {
                assert!(rule.doc.contains(heading), "{} lacks {heading}", rule.code);
            }
        }
    }

    #[test]
    fn finds_by_code_or_name() {
        assert_eq!(find("c004").unwrap().id, RuleId::C004);
        assert_eq!(find("stale-consent").unwrap().id, RuleId::C004);
        assert_eq!(find("STALE_CONSENT").unwrap().id, RuleId::C004);
        assert!(find("C999").is_none());
    }

    #[test]
    fn suggests_close_codes() {
        assert!(suggest("C0004").contains(&"C004"));
        assert_eq!(suggest("stale-consnt").first(), Some(&"stale-consent"));
        assert!(suggest("zzzzzzzz").is_empty());
    }
}
