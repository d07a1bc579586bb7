//! The row checks: one module per rule, named by its code, each deciding from a
//! [`RowContext`] whether its rule fires and with which message.
//!
//! Messages start with the tool's own words, never with input text, so
//! that no CSV cell they are written to begins with a formula character.

mod c001;
mod c002;
mod c003;
mod c004;
mod c005;
mod c006;
mod c007;
mod c008;
mod c009;
mod c010;
mod h001;
mod h003;
mod h004;
mod h005;
mod h007;
mod h008;
mod h009;
mod r001;
mod r002;
mod r003;
#[cfg(test)]
mod testing;

use smallvec::SmallVec;

use super::{Family, RuleId};
use crate::address::{DomainKind, SyntaxVerdict, check_syntax, domain_kind};
use crate::consent::{Assessment, ConsentIndex, EventRef, Location, PurposeFit, Timestamp};
use crate::input::{EvidenceReader, RawRecord};
use crate::policy::{Level, Policy};

/// Everything the row checks may look at for one subscriber row.
pub struct RowContext<'a> {
    /// The normalized address.
    pub key: &'a str,
    /// The address cell as the file writes it, wrappers and all (H001
    /// looks for invisible characters that normalization would drop, and
    /// names the wrappers it removed).
    pub written: &'a str,
    pub syntax: std::cell::OnceCell<SyntaxVerdict>,
    /// What the domain is to H004 and H009 (disposable, relay), looked up
    /// once for both.
    pub domain_kind: std::cell::OnceCell<Option<DomainKind<'a>>>,
    pub assessment: Assessment<'a>,
    /// Where the address is suppressed, if it is.
    pub suppressed_at: Option<Location>,
    pub policy: &'a Policy,
    pub as_of: Timestamp,
    pub index: &'a ConsentIndex,
    /// Display names of all inputs, by input index.
    pub input_names: &'a [String],
    /// How many consent logs the run has.
    pub consent_logs: usize,
    /// The row's file and record, to explain (only when a finding needs
    /// it) why its own export columns show no or only weak evidence.
    pub export: Option<(&'a EvidenceReader<'a>, &'a RawRecord)>,
    /// Whether the row's file has consent columns of its own.
    pub export_evidence: bool,
    pub export_note: std::cell::OnceCell<Option<String>>,
}

impl<'a> RowContext<'a> {
    /// Why the row's export columns show no (or weak) evidence: a creation
    /// date that is no opt-in, an import, a basis that is not consent.
    fn export_note(&self) -> Option<&str> {
        self.export_note
            .get_or_init(|| {
                self.export
                    .and_then(|(reader, record)| reader.read(record).note)
            })
            .as_deref()
    }

    fn syntax(&self) -> &SyntaxVerdict {
        self.syntax
            .get_or_init(|| check_syntax(self.written, self.key))
    }

    /// The domain's kind (disposable or relay) of a valid address.
    fn domain_kind(&self) -> Option<&DomainKind<'a>> {
        let (_, domain) = self.valid_parts()?;
        self.domain_kind
            .get_or_init(|| domain_kind(domain, &self.policy.hygiene))
            .as_ref()
    }

    /// The local part and domain of a syntactically valid address.
    fn valid_parts(&self) -> Option<(&'a str, &'a str)> {
        self.syntax().as_ref().ok()?;
        self.key.rsplit_once('@')
    }

    fn at(&self, at: Location) -> String {
        let name = self
            .input_names
            .get(at.input as usize)
            .map_or("?", String::as_str);
        format!("{name} row {}", at.row)
    }

    /// `opt_in at 2024-03-02T09:15:00Z, consent.csv row 12`, with what the
    /// input called the event where the kind alone does not say it:
    /// `withdraw ('spam_complaint') at …`, `hard_bounce (column 'Status'
    /// is 'cleaned') without timestamp, …`.
    fn describe(&self, event: &EventRef) -> String {
        let detail = self.index.text(event.detail);
        let kind = if detail.is_empty()
            || crate::text::fold(detail) == crate::text::fold(event.kind.as_str())
        {
            event.kind.to_string()
        } else if detail.contains('\'') {
            format!("{} ({detail})", event.kind)
        } else {
            format!("{} ('{detail}')", event.kind)
        };
        match event.time {
            Some(time) => format!("{kind} at {time}, {}", self.at(event.at)),
            None => format!("{kind} without timestamp, {}", self.at(event.at)),
        }
    }

    /// The purchase a soft opt-in rests on: the policy allows it, the
    /// address has no consent act since its last withdrawal or erasure,
    /// and a purchase came after them.
    fn soft_opt_in(&self) -> Option<EventRef> {
        if self.policy.consent.soft_opt_in.is_none() || !self.assessment.has_no_consent() {
            return None;
        }
        self.assessment.purchase()
    }

    /// The law a policy names for the soft opt-in (`ePrivacy Directive
    /// Art. 13(2)`).
    fn soft_opt_in_basis(&self) -> &str {
        self.policy
            .consent
            .soft_opt_in
            .as_deref()
            .unwrap_or_default()
    }
}

/// What a check reports about a row.
struct Reported {
    message: String,
    /// The level, when the finding decides it rather than the rule: C007
    /// takes its source category's level, an H001 note is at most a
    /// warning, an H008 bounce of
    /// unstated kind at most a warning.
    level: Option<Level>,
}

impl From<String> for Reported {
    fn from(message: String) -> Reported {
        Reported {
            message,
            level: None,
        }
    }
}

type RowCheck = fn(&RowContext<'_>) -> Option<Reported>;

/// A check whose findings are at the rule's level.
macro_rules! at_rule_level {
    ($check:path) => {
        |ctx: &RowContext<'_>| $check(ctx).map(Reported::from)
    };
}

/// The row checks in catalog order.
const CHECKS: &[(RuleId, RowCheck)] = &[
    (RuleId::C001, at_rule_level!(c001::no_consent)),
    (RuleId::C002, at_rule_level!(c002::no_purpose)),
    (RuleId::C003, at_rule_level!(c003::purpose_mismatch)),
    (RuleId::C004, at_rule_level!(c004::stale_consent)),
    (RuleId::C005, at_rule_level!(c005::no_double_opt_in)),
    (RuleId::C006, at_rule_level!(c006::incomplete_evidence)),
    (RuleId::C007, c007::invalid_source),
    (RuleId::C008, at_rule_level!(c008::timeline_anomaly)),
    (RuleId::C009, at_rule_level!(c009::not_affirmative)),
    (RuleId::C010, at_rule_level!(c010::soft_opt_in)),
    (RuleId::R001, at_rule_level!(r001::withdrawn)),
    (RuleId::R002, at_rule_level!(r002::erasure_requested)),
    (RuleId::R003, at_rule_level!(r003::suppressed)),
    (RuleId::H001, h001::invalid_address),
    (RuleId::H003, at_rule_level!(h003::role_mailbox)),
    (RuleId::H004, at_rule_level!(h004::disposable_domain)),
    (RuleId::H005, at_rule_level!(h005::domain_typo)),
    (RuleId::H007, at_rule_level!(h007::special_use_domain)),
    (RuleId::H008, h008::undeliverable),
    (RuleId::H009, at_rule_level!(h009::privacy_relay)),
];

/// One row finding: the rule, its level, the message.
pub type RowFinding = (RuleId, Level, String);

/// Runs every enabled row check. When a rights rule (R) fires, the consent
/// rules (C) are not reported: the address must not be mailed whatever its
/// consent looked like, and more findings would only hide that.
pub fn check_row(ctx: &RowContext<'_>) -> SmallVec<[RowFinding; 2]> {
    let run = |family: Family| {
        CHECKS
            .iter()
            .filter(move |(rule, _)| rule.meta().family == family && ctx.policy.enabled(*rule))
            .filter_map(|(rule, check)| {
                let reported = check(ctx)?;
                let level = reported.level.unwrap_or_else(|| ctx.policy.level(*rule));
                (level != Level::Off).then_some((*rule, level, reported.message))
            })
    };
    let rights: SmallVec<[RowFinding; 2]> = run(Family::Rights).collect();
    let mut findings: SmallVec<[RowFinding; 2]> = SmallVec::new();
    if rights.is_empty() {
        findings.extend(run(Family::Consent));
    }
    findings.extend(rights);
    findings.extend(run(Family::Hygiene));
    findings
}

fn has_other_purpose(a: &Assessment<'_>) -> bool {
    a.consent(PurposeFit::Other).is_some() || a.confirmation(PurposeFit::Other).is_some()
}

fn future_note(ctx: &RowContext<'_>, event: &EventRef) -> &'static str {
    if event.time.is_some_and(|t| t > ctx.as_of) {
        " (dated after --as-of; honoured)"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn a_clean_history_has_no_findings() {
        assert_eq!(good().findings(), vec![]);
    }

    #[test]
    fn disabled_rules_neither_fire_nor_silence_others() {
        let withdrawn = || {
            Log::new()
                .add(OptIn, Some(10), "newsletter", "web_form", true)
                .add(Withdraw, Some(5), "", "unsubscribe_link", false)
        };
        let eu = || Policy::preset("eu-gdpr").unwrap();
        assert_eq!(codes(&withdrawn().findings_with(eu(), None)), ["R001"]);
        let without_r001 = eu().with_level(RuleId::R001, crate::policy::Level::Off);
        // With R001 off, nothing stands in for the consent rules any more.
        assert_eq!(
            codes(&withdrawn().findings_with(without_r001, None)),
            ["C001"]
        );
        let without_c005 = eu().with_level(RuleId::C005, crate::policy::Level::Off);
        let single = Log::new().add(OptIn, Some(10), "newsletter", "web_form", true);
        assert_eq!(
            codes(&single.findings_with(without_c005, None)),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn row_stage_rules_are_exactly_the_checked_ones() {
        let checked: Vec<RuleId> = CHECKS.iter().map(|(rule, _)| *rule).collect();
        let row_stage: Vec<RuleId> = super::super::RULES
            .iter()
            .filter(|r| r.stage == super::super::Stage::Row)
            .map(|r| r.id)
            .collect();
        assert_eq!(checked, row_stage);
    }

    #[test]
    fn rights_silence_consent_findings() {
        let f = Log::new()
            .add(OptIn, Some(900), "", "", false)
            .add(Withdraw, Some(5), "", "unsubscribe_link", false)
            .findings();
        assert_eq!(codes(&f), ["R001"]);
        assert!(
            f[0].1.contains("is later than the latest consent"),
            "{}",
            f[0].1
        );
        let f = good().add(Erasure, Some(1), "", "", false).findings();
        assert_eq!(codes(&f), ["R002"]);
        let suppressed = Some(Location { input: 2, row: 4 });
        let f = Log::new().findings_with(Policy::preset("eu-gdpr").unwrap(), suppressed);
        assert_eq!(codes(&f), ["R003"]);
        assert_eq!(f[0].1, "on suppression list suppress.txt row 4");
    }
}
