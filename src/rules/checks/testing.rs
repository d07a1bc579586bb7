//! A consent history for one address, built event by event, and the
//! findings the row checks make of it: the fixture of every rule's tests.

pub(super) use super::{RowContext, check_row};
pub(super) use crate::consent::{
    Assessment, EventKind, EventKind::*, EventRef, IndexBuilder, Location, Timestamp,
};
pub(super) use crate::policy::Policy;
pub(super) use crate::rules::RuleId;

pub(super) const AS_OF: Timestamp = Timestamp::from_unix(1_751_241_600); // 2025-06-30
pub(super) const DAY: i64 = 86_400;

pub(super) struct Log {
    builder: IndexBuilder,
    row: u64,
    next_terms: crate::consent::Terms,
    next_detail: &'static str,
}

impl Log {
    pub(super) fn new() -> Log {
        Log {
            builder: IndexBuilder::new(AS_OF, u64::MAX),
            row: 0,
            next_terms: Default::default(),
            next_detail: "",
        }
    }

    /// Adds an event for `anna@kaffee-hanse.de`, `days_ago` days before as-of.
    pub(super) fn add(
        mut self,
        kind: EventKind,
        days_ago: Option<i64>,
        purpose: &str,
        source: &str,
        ip: bool,
    ) -> Log {
        self.row += 1;
        let purpose_sym = self.builder.intern(purpose);
        let source_sym = self.builder.intern_source(source);
        let matcher = crate::consent::PurposeMatcher::new(
            "newsletter",
            [],
            crate::vocabulary::Vocabulary::builtin().all_purposes(),
        );
        let fit = if kind == EventKind::Withdraw {
            matcher.classify_withdrawal(purpose)
        } else {
            matcher.classify(purpose)
        };
        let detail = self.builder.intern(std::mem::take(&mut self.next_detail));
        self.builder.push(
            "anna@kaffee-hanse.de",
            EventRef {
                kind,
                time: days_ago.map(|d| Timestamp::from_unix(AS_OF.unix() - d * DAY)),
                at: Location {
                    input: 1,
                    row: self.row,
                },
                purpose_fit: fit,
                purpose: purpose_sym,
                source: source_sym,
                detail,
                has_ip: ip,
                has_collection_point: false,
                terms: std::mem::take(&mut self.next_terms),
            },
        );
        self
    }

    /// Sets what the input called the event added next.
    pub(super) fn detail(mut self, detail: &'static str) -> Log {
        self.next_detail = detail;
        self
    }

    /// Sets the terms of the event added next.
    pub(super) fn terms(mut self, terms: crate::consent::Terms) -> Log {
        self.next_terms = terms;
        self
    }

    pub(super) fn findings(self) -> Vec<(RuleId, String)> {
        self.findings_with(Policy::preset("eu-gdpr").unwrap(), None)
    }

    pub(super) fn findings_with(
        self,
        policy: Policy,
        suppressed_at: Option<Location>,
    ) -> Vec<(RuleId, String)> {
        let crate::consent::BuiltIndex::Held(index) =
            self.builder.finish(&policy.vocabulary).unwrap()
        else {
            panic!("an unlimited index is held in memory");
        };
        let names = [
            "subscribers.csv".to_string(),
            "consent.csv".to_string(),
            "suppress.txt".to_string(),
        ];
        let ctx = RowContext {
            key: "anna@kaffee-hanse.de",
            written: "anna@kaffee-hanse.de",
            syntax: Default::default(),
            domain_kind: Default::default(),
            assessment: Assessment::new(index.get("anna@kaffee-hanse.de")),
            suppressed_at,
            policy: &policy,
            as_of: AS_OF,
            index: &index,
            input_names: &names,
            consent_logs: 1,
            export: None,
            export_evidence: false,
            export_note: Default::default(),
        };
        check_row(&ctx)
            .into_iter()
            .map(|(rule, _, message)| (rule, message))
            .collect()
    }
}

pub(super) fn codes(findings: &[(RuleId, String)]) -> Vec<&'static str> {
    findings.iter().map(|(r, _)| r.code()).collect()
}

pub(super) fn good() -> Log {
    Log::new()
        .add(OptIn, Some(100), "newsletter", "web_form", true)
        .add(Confirm, Some(100), "newsletter", "double_opt_in_link", true)
}
