//! The rule catalog (SPEC §4): every rule is data (code, name, default
//! level, summary, documentation) plus the stage that checks it. `rules`,
//! `explain`, the reports and the engine all read this one table.
//!
//! Codes are permanent: never reused, never renumbered.

pub mod checks;

use std::fmt;

use serde::Serialize;

/// How seriously a finding is taken. `Error` removes the row from the
/// cleaned list; `Off` disables the rule.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Off, Level::Info, Level::Warning, Level::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        let text = text.trim();
        Level::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    C010,
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
    H008,
    H009,
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

/// What a rule's finding means for a re-permission campaign: an email
/// that asks for consent is itself direct marketing, so it may only go to
/// people who did consent once and are not known to object.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RePermission {
    /// The consent exists but has aged, was not confirmed, or its record is
    /// incomplete: asking the person to renew it is the remedy.
    Allows,
    /// No lawful first contact: no consent at all, consent for something
    /// else or given invalidly, the person objected, asked for erasure or
    /// is suppressed, or the address is invalid, a duplicate or likely
    /// mistyped. Such a row is never asked, whatever its level.
    Forbids,
    /// Says nothing either way; as an error it keeps the row out.
    Neutral,
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
    /// What the rule found, in plain words for a management summary, as
    /// the predicate of "N rows ...".
    pub headline: &'static str,
    /// What to do about it, in one sentence, for the report's rule table;
    /// the rule page's "How to fix" says it in full.
    pub action: &'static str,
    /// Whether a row removed for this rule may be asked to consent again.
    pub re_permission: RePermission,
    /// The Markdown page in `docs/rules/`, printed by `explain`.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The body of one `## heading` section of the rule's page, trimmed;
    /// empty when the page has no such section.
    pub fn doc_section(&self, heading: &str) -> &'static str {
        let doc = self.doc;
        let marker = format!("## {heading}\n");
        let Some(start) = doc.find(&marker) else {
            return "";
        };
        let body = &doc[start + marker.len()..];
        let end = body.find("\n## ").map_or(body.len(), |i| i + 1);
        body[..end].trim()
    }
}

macro_rules! doc {
    ($code:literal) => {
        include_str!(concat!("../../docs/rules/", $code, ".md"))
    };
}

pub static RULES: [RuleMeta; 26] = [
    RuleMeta {
        id: RuleId::C001,
        code: "C001",
        name: "no-consent",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "no opt-in evidence for the address anywhere",
        headline: "have no provable opt-in: no consent event and no opt-in time in the export",
        action: "Find the consent records and pass them with --consent; without one, remove the address.",
        re_permission: RePermission::Forbids,
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
        headline: "have consent on record that names no purpose",
        action: "Record the purpose with every consent event; recover it from the signup form that collected it.",
        re_permission: RePermission::Neutral,
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
        headline: "consented to other purposes than the one this list is mailed for",
        action: "Ask these people for consent to this list, or name the list's purpose as the consent states it.",
        re_permission: RePermission::Forbids,
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
        headline: "have consent older than the policy accepts without renewal",
        action: "Ask for renewed consent in a re-permission campaign and record the answers as renew events.",
        re_permission: RePermission::Allows,
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
        headline: "were never confirmed by double opt-in",
        action: "Import the double opt-in confirmations into the consent log, or send a confirmation request.",
        re_permission: RePermission::Allows,
        doc: doc!("C005"),
    },
    RuleMeta {
        id: RuleId::C006,
        code: "C006",
        name: "incomplete-evidence",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "the consent record lacks a timestamp or how/where it was given (an import does not show it)",
        headline: "have consent on record that lacks its date or how and where it was given",
        action: "Add the missing timestamp, collection point or IP address from the system that collected the consent.",
        re_permission: RePermission::Allows,
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
        headline: "were collected from a source that cannot carry consent (contest, bought list, sync, scraping)",
        action: "Remove the addresses; to mail them, the people must opt in through your own form.",
        re_permission: RePermission::Forbids,
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
        headline: "have consent events out of order or dated after the audit date",
        action: "Correct the timestamps from the original source; check the clock and time zone of the logging system.",
        re_permission: RePermission::Neutral,
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
        headline: "gave consent by a pre-ticked box, implicitly, or bundled with terms",
        action: "Remove the address and ask for consent again with an unticked box, then a double opt-in.",
        re_permission: RePermission::Forbids,
        doc: doc!("C009"),
    },
    RuleMeta {
        id: RuleId::C010,
        code: "C010",
        name: "soft-opt-in",
        family: Family::Consent,
        stage: Stage::Row,
        default_level: Level::Info,
        summary: "no consent, kept on the soft opt-in exemption for existing customers",
        headline: "are kept without consent as existing customers (soft opt-in)",
        action: "Nothing while the conditions hold: mail only about your own similar products, with an unsubscribe link.",
        re_permission: RePermission::Forbids,
        doc: doc!("C010"),
    },
    RuleMeta {
        id: RuleId::R001,
        code: "R001",
        name: "withdrawn",
        family: Family::Rights,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "withdrawal, unsubscribe, objection or complaint later than the latest consent",
        headline: "withdrew or unsubscribed and are still on the list",
        action: "Remove the address from every list and add it to the suppression list.",
        re_permission: RePermission::Forbids,
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
        headline: "asked to have their data erased and are still on the list",
        action: "Delete the person's data from every system; keep only a hashed suppression entry.",
        re_permission: RePermission::Forbids,
        doc: doc!("R002"),
    },
    RuleMeta {
        id: RuleId::R003,
        code: "R003",
        name: "suppressed",
        family: Family::Rights,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "the address is on a suppression list, or the sending tool suppressed it",
        headline: "are on a suppression list",
        action: "Remove the address from the list being imported.",
        re_permission: RePermission::Forbids,
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
        headline: "are not valid email addresses",
        action: "Remove the row, or correct it only when the person confirms the corrected address.",
        re_permission: RePermission::Forbids,
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
        headline: "appear more than once in the list",
        action: "Merge the rows in the source system, keeping the most complete record.",
        re_permission: RePermission::Forbids,
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
        headline: "are role mailboxes (info@, admin@, ...) rather than people",
        action: "Ask for a personal address, or show that the organisation itself subscribed.",
        re_permission: RePermission::Neutral,
        doc: doc!("H003"),
    },
    RuleMeta {
        id: RuleId::H004,
        code: "H004",
        name: "disposable-domain",
        family: Family::Hygiene,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "disposable or throw-away mail domain",
        headline: "use disposable, throw-away mail domains",
        action: "Remove the row; ask the person for a lasting address at the next contact.",
        re_permission: RePermission::Forbids,
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
        headline: "have a domain that looks like a typo of a common provider",
        action: "Ask the person to confirm the corrected address; never correct it silently.",
        re_permission: RePermission::Forbids,
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
        headline: "reach the same mailbox as another row (Gmail dots, +tags)",
        action: "Merge the rows if they are the same person, keeping the consent record of the address you mail.",
        re_permission: RePermission::Neutral,
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
        headline: "use reserved or special-use domains",
        action: "Remove the rows from production lists and make the signup form reject them.",
        re_permission: RePermission::Neutral,
        doc: doc!("H007"),
    },
    RuleMeta {
        id: RuleId::H008,
        code: "H008",
        name: "undeliverable",
        family: Family::Hygiene,
        stage: Stage::Row,
        default_level: Level::Error,
        summary: "a hard bounce or the sending tool's status says the mailbox does not exist",
        headline: "bounced permanently: the mailbox does not exist",
        action: "Remove the address; ask for a new confirmation before mailing it again.",
        re_permission: RePermission::Forbids,
        doc: doc!("H008"),
    },
    RuleMeta {
        id: RuleId::H009,
        code: "H009",
        name: "privacy-relay",
        family: Family::Hygiene,
        stage: Stage::Row,
        default_level: Level::Info,
        summary: "privacy relay (Hide My Email, Firefox Relay...): forwards to a real inbox; kept",
        headline: "use a privacy relay that forwards to the person's inbox",
        action: "Nothing: keep the row, and expect requests from the person's real address.",
        re_permission: RePermission::Neutral,
        doc: doc!("H009"),
    },
    RuleMeta {
        id: RuleId::D001,
        code: "D001",
        name: "bad-timestamp",
        family: Family::Data,
        stage: Stage::Reader,
        default_level: Level::Warning,
        summary: "a timestamp that cannot be parsed",
        headline: "carry a timestamp that cannot be read",
        action: "Export timestamps in ISO 8601 with a zone; check the date order of the exporting tool.",
        re_permission: RePermission::Neutral,
        doc: doc!("D001"),
    },
    RuleMeta {
        id: RuleId::D002,
        code: "D002",
        name: "unknown-event",
        family: Family::Data,
        stage: Stage::Reader,
        default_level: Level::Warning,
        summary: "an event type, status or other coded value the vocabulary does not know",
        headline: "carry an event, status or other value listaudit does not know",
        action: "Teach the word in a policy file ([vocabulary.events], [vocabulary.statuses]).",
        re_permission: RePermission::Neutral,
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
        headline: "are malformed rows that could not be read",
        action: "Repair the quoting or field count at the reported line, or export the file again.",
        re_permission: RePermission::Forbids,
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
        headline: "are consent records for addresses in no subscriber file",
        action: "Pass every subscriber export; delete the consent events of erased people.",
        re_permission: RePermission::Neutral,
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

/// Whether a removed row may be asked to consent again (`repermission.csv`):
/// it has an error, every error is one that re-permission remedies, and no
/// finding at any level forbids a first contact.
pub fn may_ask_again(findings: impl IntoIterator<Item = (RuleId, Level)>) -> bool {
    let mut removed = false;
    for (rule, level) in findings {
        match rule.meta().re_permission {
            RePermission::Forbids => return false,
            RePermission::Neutral if level == Level::Error => return false,
            RePermission::Allows | RePermission::Neutral => {}
        }
        removed |= level == Level::Error;
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn levels_are_ordered_by_severity() {
        assert!(Level::Error > Level::Warning && Level::Warning > Level::Info);
        assert!(Level::Info > Level::Off);
        assert_eq!(Level::parse(" Warning "), Some(Level::Warning));
        assert_eq!(Level::parse("critical"), None);
    }

    #[test]
    fn only_remediable_errors_may_be_asked_again() {
        use Level::*;
        assert!(may_ask_again([(RuleId::C004, Error)]));
        assert!(may_ask_again([
            (RuleId::C005, Error),
            (RuleId::C006, Error),
            (RuleId::H003, Warning)
        ]));
        // Kept rows are not re-permission candidates.
        assert!(!may_ask_again([(RuleId::C005, Warning)]));
        assert!(!may_ask_again([]));
        // A withdrawal or a bad address forbids it at any level.
        assert!(!may_ask_again([
            (RuleId::C004, Error),
            (RuleId::R001, Warning)
        ]));
        assert!(!may_ask_again([
            (RuleId::C004, Error),
            (RuleId::H005, Warning)
        ]));
        assert!(!may_ask_again([(RuleId::C001, Error)]));
        // A neutral rule only blocks as an error.
        assert!(!may_ask_again([
            (RuleId::C004, Error),
            (RuleId::C002, Error)
        ]));
        assert!(may_ask_again([
            (RuleId::C004, Error),
            (RuleId::C008, Warning)
        ]));
    }

    /// The report's rule table prints `action` in a narrow column: one
    /// plain sentence, no Markdown, short enough for three lines.
    #[test]
    fn every_rule_says_what_to_do_in_one_short_sentence() {
        for rule in &RULES {
            let action = rule.action;
            assert!(action.ends_with('.'), "{}: {action}", rule.code);
            assert!(action.len() <= 110, "{}: {} bytes", rule.code, action.len());
            assert!(
                !action.contains(['`', '*', '_', '\n']),
                "{}: {action}",
                rule.code
            );
            assert_eq!(
                action.matches(". ").count(),
                0,
                "{}: one sentence: {action}",
                rule.code
            );
            assert!(!rule.doc_section("How to fix").is_empty(), "{}", rule.code);
        }
    }

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
