//! The row checks: one function per rule, each deciding from a
//! [`RowContext`] whether its rule fires and with which message.
//!
//! Messages start with the tool's own words, never with input text, so
//! that no CSV cell they are written to begins with a formula character.

use smallvec::SmallVec;

use super::{Family, RuleId};
use crate::address::{
    DomainKind, SyntaxVerdict, check_syntax, domain_kind, role_account, special_use,
    typo_suggestion,
};
use crate::consent::{
    Assessment, Basis, ConsentIndex, EventKind, EventRef, Location, PurposeFit, Slot,
    SourceCategory, Timestamp, latest,
};
use crate::input::{EvidenceReader, RawRecord};
use crate::policy::{Level, Policy};

/// Everything the row checks may look at for one subscriber row.
pub struct RowContext<'a> {
    /// The normalized address.
    pub key: &'a str,
    /// The address as the file writes it, wrappers removed (H001 looks for
    /// invisible characters that normalization would drop).
    pub written: &'a str,
    pub syntax: std::cell::OnceCell<SyntaxVerdict>,
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
    pub export: Option<(&'a EvidenceReader, &'a RawRecord)>,
    /// Whether the row's file has consent columns of its own.
    pub export_evidence: bool,
    pub export_note: std::cell::OnceCell<Option<String>>,
}

impl RowContext<'_> {
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

    /// The local part and domain of a syntactically valid address.
    fn valid_parts(&self) -> Option<(&str, &str)> {
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

    /// `opt_in at 2024-03-02T09:15:00Z, consent.csv row 12`.
    fn describe(&self, event: &EventRef) -> String {
        match event.time {
            Some(time) => format!("{} at {time}, {}", event.kind, self.at(event.at)),
            None => format!("{} without timestamp, {}", event.kind, self.at(event.at)),
        }
    }
}

/// What a check reports about a row.
struct Reported {
    message: String,
    /// The level, when the finding decides it rather than the rule: C007
    /// takes its source category's level, an H001 note is at most a
    /// warning, an H004 privacy relay at most info.
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
    ($check:ident) => {
        |ctx: &RowContext<'_>| $check(ctx).map(Reported::from)
    };
}

/// The row checks in catalog order.
const CHECKS: &[(RuleId, RowCheck)] = &[
    (RuleId::C001, at_rule_level!(no_consent)),
    (RuleId::C002, at_rule_level!(no_purpose)),
    (RuleId::C003, at_rule_level!(purpose_mismatch)),
    (RuleId::C004, at_rule_level!(stale_consent)),
    (RuleId::C005, at_rule_level!(no_double_opt_in)),
    (RuleId::C006, at_rule_level!(incomplete_evidence)),
    (RuleId::C007, invalid_source),
    (RuleId::C008, at_rule_level!(timeline_anomaly)),
    (RuleId::C009, at_rule_level!(not_affirmative)),
    (RuleId::R001, at_rule_level!(withdrawn)),
    (RuleId::R002, at_rule_level!(erasure_requested)),
    (RuleId::R003, at_rule_level!(suppressed)),
    (RuleId::H001, invalid_address),
    (RuleId::H003, at_rule_level!(role_mailbox)),
    (RuleId::H004, disposable_domain),
    (RuleId::H005, at_rule_level!(domain_typo)),
    (RuleId::H007, at_rule_level!(special_use_domain)),
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

fn no_consent(ctx: &RowContext<'_>) -> Option<String> {
    if !ctx.assessment.has_no_consent() {
        return None;
    }
    if let Some(note) = ctx.export_note() {
        return Some(format!("no opt-in evidence: {note}"));
    }
    if ctx.consent_logs == 0 {
        return Some(if ctx.export_evidence {
            "no opt-in evidence in the export's consent columns, and no consent log was given (--consent)".to_string()
        } else {
            "no opt-in evidence: no consent log was given (--consent) and the export has no consent columns".to_string()
        });
    }
    Some(match ctx.assessment.ledger().and_then(|l| l.first_seen()) {
        Some(first) => format!(
            "the consent logs have events for this address (first: {}) but no opt-in, confirmation or renewal",
            ctx.at(first)
        ),
        None => "no opt-in, confirmation or renewal recorded for this address in any consent log"
            .to_string(),
    })
}

/// Consent acts for the list whose purpose is unstated, when nothing names
/// the list purpose.
fn no_purpose(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    if a.governing_fit() != Some(PurposeFit::Unstated) || has_other_purpose(a) {
        return None;
    }
    let governing = a.governing()?;
    Some(format!(
        "consent recorded ({}) states no purpose",
        ctx.describe(&governing)
    ))
}

fn has_other_purpose(a: &Assessment<'_>) -> bool {
    a.consent(PurposeFit::Other).is_some() || a.confirmation(PurposeFit::Other).is_some()
}

fn purpose_mismatch(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    if a.governing_fit() == Some(PurposeFit::Covers) || !has_other_purpose(a) {
        return None;
    }
    let other = a
        .consent(PurposeFit::Other)
        .or(a.confirmation(PurposeFit::Other))?;
    let mut message = format!(
        "consent is for '{}' ({}); the list is mailed for '{}'",
        ctx.index.text(other.purpose),
        ctx.describe(&other),
        ctx.policy.list_purpose
    );
    if a.governing_fit() == Some(PurposeFit::Unstated) {
        message.push_str("; other consent records state no purpose");
    }
    Some(message)
}

fn stale_consent(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    let params = &ctx.policy.consent;
    let governing = a.governing()?;
    let basis = governing.terms.effective_basis();
    if basis.is_implied() && params.implied_consent {
        return implied_consent_expired(ctx, &governing);
    }
    let consent = a.latest_consent_act()?;
    let engagement = a.engagement().filter(|_| params.engagement_refreshes);
    let freshest = latest([Some(consent), engagement])?;
    let time = freshest.time?;
    let indirect = params.indirect_max_age_months.filter(|_| {
        ctx.index.source_category(governing.source) == Some(SourceCategory::ThirdParty)
    });
    // The tighter window decides.
    let (months, why) = match (indirect, params.stale_after_months) {
        (Some(i), Some(s)) if s <= i => (s, "consent older than {} months as stale"),
        (Some(i), _) => (
            i,
            "consent given to a third party as lapsed after {} months",
        ),
        (None, Some(s)) => (s, "consent older than {} months as stale"),
        (None, None) => return None,
    };
    if time >= ctx.as_of.months_earlier(months) {
        return None;
    }
    let age = time.whole_months_until(ctx.as_of);
    let mut message = format!(
        "latest consent ({}) is {age} months old",
        ctx.describe(&consent)
    );
    if let Some(engagement) = engagement {
        message.push_str(&format!(
            ", and so is the latest engagement ({})",
            ctx.describe(&engagement)
        ));
    }
    message.push_str("; the policy treats ");
    message.push_str(&why.replace("{}", &months.to_string()));
    Some(message)
}

/// CASL's implied consent: a fixed clock from the purchase or inquiry the
/// record stands for. Engagement does not extend it; a new purchase is a
/// new record.
fn implied_consent_expired(ctx: &RowContext<'_>, governing: &EventRef) -> Option<String> {
    let params = &ctx.policy.consent;
    let basis = governing.terms.effective_basis();
    let months = match basis {
        Basis::ImpliedInquiry => params.implied_inquiry_months,
        Basis::ImpliedPublished => return None,
        _ => params.implied_relationship_months,
    };
    let Some(time) = governing.time else {
        return Some(format!(
            "{basis} ({}) has no date, so when it expires cannot be shown",
            ctx.at(governing.at)
        ));
    };
    if time >= ctx.as_of.months_earlier(months) {
        return None;
    }
    Some(format!(
        "{basis} ({}) is {} months old; it expires after {months} months unless the person gives express consent",
        ctx.describe(governing),
        time.whole_months_until(ctx.as_of)
    ))
}

fn no_double_opt_in(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    let governing = a.governing()?;
    if a.doi_confirmation().is_some() || governing.kind == EventKind::Confirm {
        return None;
    }
    let earlier_withdrawal = a
        .ledger()
        .and_then(|l| l.get(Slot::Withdraw))
        .filter(|w| a.withdrawal.is_none() && w.time.is_some());
    Some(match earlier_withdrawal {
        Some(withdrawal) => format!(
            "re-subscribed ({}) after a withdrawal ({}) without a new double opt-in confirmation",
            ctx.describe(&governing),
            ctx.describe(&withdrawal)
        ),
        None => format!(
            "the opt-in ({}) was never confirmed by double opt-in",
            ctx.describe(&governing)
        ),
    })
}

fn incomplete_evidence(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    let required = &ctx.policy.evidence;
    let governing = a.governing()?;
    let confirmation = a.doi_confirmation();
    let dated = governing.time.is_some() || confirmation.is_some_and(|c| c.time.is_some());
    let traceable =
        governing.shows_how_or_where() || confirmation.is_some_and(|c| c.shows_how_or_where());
    let noticed = governing.terms.has_notice || confirmation.is_some_and(|c| c.terms.has_notice);
    let mut missing: SmallVec<[&str; 3]> = SmallVec::new();
    if required.timestamp && !dated {
        missing.push("no timestamp");
    }
    if required.how_or_where && !traceable {
        missing.push("no source, collection point or IP address");
    }
    if required.notice_version && !noticed {
        missing.push("no notice or consent-text version");
    }
    if missing.is_empty() {
        return None;
    }
    let missing = missing.join(" and ");
    let note = (required.timestamp && !dated)
        .then(|| ctx.export_note())
        .flatten()
        .map_or(String::new(), |note| format!("; {note}"));
    Some(format!(
        "{} ({}) has {missing}{note}",
        governing.kind,
        ctx.at(governing.at)
    ))
}

/// The source category of the record the consent rests on.
/// C007, at the level of the source's category (`off` drops it).
fn invalid_source(ctx: &RowContext<'_>) -> Option<Reported> {
    let governing = ctx.assessment.governing()?;
    let category = ctx.index.source_category(governing.source)?;
    Some(Reported {
        message: format!(
            "consent came from {category} (source '{}', {})",
            ctx.index.text(governing.source),
            ctx.at(governing.at)
        ),
        level: Some(ctx.policy.source_level(category)),
    })
}

/// C009: the consent was not given by a clear affirmative act. Only what
/// the record says counts; an unrecorded method is never guessed.
fn not_affirmative(ctx: &RowContext<'_>) -> Option<String> {
    let governing = ctx.assessment.governing()?;
    let terms = governing.terms;
    let implied_allowed = ctx.policy.consent.implied_consent;
    let how = if terms.method.is_not_affirmative()
        && !(implied_allowed && terms.method == crate::consent::Method::Implied)
    {
        terms.method.describe()
    } else if terms.basis.is_implied() && !implied_allowed {
        "implied consent, which the policy does not accept as a basis"
    } else {
        return None;
    };
    Some(format!(
        "consent was expressed by {how} ({})",
        ctx.describe(&governing)
    ))
}

fn timeline_anomaly(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    let ledger = a.ledger()?;
    let mut anomalies: Vec<String> = Vec::new();
    if let (Some(confirm), Some(opt_in)) =
        (ledger.get(Slot::FirstConfirm), ledger.get(Slot::FirstOptIn))
        && confirm.time < opt_in.time
    {
        anomalies.push(format!(
            "confirmation ({}) precedes the first opt-in ({})",
            ctx.describe(&confirm),
            ctx.describe(&opt_in)
        ));
    }
    if let Some(fit) = a.governing_fit()
        && let (Some(opt_in), Some(confirm)) = (a.consent(fit), a.doi_confirmation())
        && let (Some(opted), Some(confirmed)) = (opt_in.time, confirm.time)
    {
        let days = opted.days_until(confirmed);
        let window = i64::from(ctx.policy.consent.confirm_window_days);
        if days > window {
            anomalies.push(format!(
                "confirmed {days} days after the opt-in ({}); the double opt-in window is {window} days",
                ctx.describe(&opt_in)
            ));
        }
    }
    if let Some(future) = ledger.get(Slot::Future) {
        let treatment = match future.kind {
            EventKind::Withdraw | EventKind::Erasure => "it is honoured",
            EventKind::OptIn | EventKind::Renew | EventKind::Confirm => {
                "it does not count as consent yet"
            }
            _ => "it is ignored",
        };
        anomalies.push(format!(
            "an event ({}) is dated after --as-of {}; {treatment}",
            ctx.describe(&future),
            ctx.as_of
        ));
    }
    (!anomalies.is_empty()).then(|| anomalies.join("; "))
}

/// The latest consent act that may cover the list, however old, for
/// explaining withdrawals.
fn latest_consent_ever(ctx: &RowContext<'_>) -> Option<EventRef> {
    let ledger = ctx.assessment.ledger()?;
    latest(
        [PurposeFit::Covers, PurposeFit::Unstated]
            .into_iter()
            .flat_map(|fit| {
                [
                    ledger.get(Slot::Consent(fit)),
                    ledger.get(Slot::Confirm(fit)),
                ]
            }),
    )
}

fn future_note(ctx: &RowContext<'_>, event: &EventRef) -> &'static str {
    if event.time.is_some_and(|t| t > ctx.as_of) {
        " (dated after --as-of; honoured)"
    } else {
        ""
    }
}

fn withdrawn(ctx: &RowContext<'_>) -> Option<String> {
    let withdrawal = ctx.assessment.withdrawal?;
    let note = future_note(ctx, &withdrawal);
    let mut message = match (withdrawal.time, latest_consent_ever(ctx)) {
        (None, _) => format!(
            "{} without timestamp ({}); no later consent can be shown",
            withdrawal.kind,
            ctx.at(withdrawal.at)
        ),
        (Some(_), Some(consent)) => format!(
            "the withdrawal ({}){note} is later than the latest consent ({})",
            ctx.describe(&withdrawal),
            ctx.describe(&consent)
        ),
        (Some(_), None) => format!(
            "the withdrawal ({}){note} has no consent for the list after it",
            ctx.describe(&withdrawal)
        ),
    };
    if let Some(time) = withdrawal.time.filter(|t| *t <= ctx.as_of) {
        message.push_str(&grace_note(ctx, time));
    }
    Some(message)
}

/// Whether the policy's time to honour a withdrawal has run out at
/// `--as-of`. The row is removed either way: the cleaned list is what is
/// mailed next.
fn grace_note(ctx: &RowContext<'_>, time: Timestamp) -> String {
    let grace = &ctx.policy.withdrawal;
    if grace.grace_days == 0 {
        return "; it had to take effect at once".to_string();
    }
    let Some(at) = chrono::DateTime::from_timestamp(time.unix(), 0) else {
        return String::new();
    };
    let deadline = grace.deadline(at);
    let deadline_ts = Timestamp::from_unix(deadline.timestamp());
    if deadline_ts > ctx.as_of {
        format!(
            "; still within the {} allowed to honour it (until {deadline_ts})",
            grace.describe()
        )
    } else {
        format!(
            "; the {} allowed to honour it ended {deadline_ts}",
            grace.describe()
        )
    }
}

/// Substack replaces the address of a deleted account with a placeholder.
const SUBSTACK_DELETED: &str = "@deletion-request.substack.com";

fn erasure_requested(ctx: &RowContext<'_>) -> Option<String> {
    if ctx.key.ends_with(SUBSTACK_DELETED) {
        return Some(
            "the address is Substack's placeholder for an account deleted on request; remove the row (`listaudit erase` removes the person's rows from every file)"
                .to_string(),
        );
    }
    let erasure = ctx.assessment.erasure?;
    let note = future_note(ctx, &erasure);
    Some(match erasure.time {
        Some(time) => format!(
            "erasure requested at {time}{note} ({}); the address is still on the list: remove it from every file with `listaudit erase`",
            ctx.at(erasure.at)
        ),
        None => format!(
            "erasure requested, without timestamp ({}); the address is still on the list: remove it from every file with `listaudit erase`",
            ctx.at(erasure.at)
        ),
    })
}

fn suppressed(ctx: &RowContext<'_>) -> Option<String> {
    if let Some(at) = ctx.suppressed_at {
        return Some(format!("on suppression list {}", ctx.at(at)));
    }
    let by_tool = ctx.assessment.ledger()?.get(Slot::Suppress)?;
    Some(format!(
        "the sending tool suppressed the address (cleaned or hard bounce: {})",
        ctx.describe(&by_tool)
    ))
}

/// H001: a broken address at the rule's level; a valid address worth a
/// note (quoted, SMTPUTF8, mixed scripts, look-alike) at most a warning.
fn invalid_address(ctx: &RowContext<'_>) -> Option<Reported> {
    match ctx.syntax() {
        Err(error) => Some(error.to_string().into()),
        Ok(Some(note)) => Some(Reported {
            message: note.to_string(),
            level: Some(ctx.policy.level(RuleId::H001).min(Level::Warning)),
        }),
        Ok(None) => None,
    }
}

fn role_mailbox(ctx: &RowContext<'_>) -> Option<String> {
    let (local, _) = ctx.valid_parts()?;
    let mut buffer = [0; 64];
    let role = role_account(local, &ctx.policy.hygiene, &mut buffer)?;
    Some(format!(
        "role mailbox: '{role}' names a function, not a person, so nobody in particular consented"
    ))
}

/// H004: a disposable domain at the rule's level; a privacy relay at most
/// info (it forwards to a real inbox, so it is never removed).
fn disposable_domain(ctx: &RowContext<'_>) -> Option<Reported> {
    let (_, domain) = ctx.valid_parts()?;
    Some(match domain_kind(domain, &ctx.policy.hygiene)? {
        DomainKind::Disposable(entry) => format!(
            "disposable domain: {entry} hands out throw-away inboxes (disposable-email-domains list)"
        )
        .into(),
        DomainKind::DisposableByPolicy(entry) => format!(
            "disposable domain: {entry} is listed in the policy's hygiene.disposable_domains"
        )
        .into(),
        DomainKind::Relay(entry) => Reported {
            message: format!(
                "privacy relay: {entry} forwards to the person's real inbox; not disposable"
            ),
            level: Some(ctx.policy.level(RuleId::H004).min(Level::Info)),
        },
    })
}

fn domain_typo(ctx: &RowContext<'_>) -> Option<String> {
    let (_, domain) = ctx.key.rsplit_once('@')?;
    let meant = typo_suggestion(domain, &ctx.policy.hygiene)?;
    Some(format!(
        "domain {domain} looks like a typo: did you mean {meant}?"
    ))
}

fn special_use_domain(ctx: &RowContext<'_>) -> Option<String> {
    let (_, domain) = ctx.valid_parts()?;
    let (name, reserved_by) = special_use(domain)?;
    Some(format!(
        "special-use domain: .{name} is reserved by {reserved_by}; mail to {domain} is never delivered on the internet"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::IndexBuilder;

    const AS_OF: Timestamp = Timestamp::from_unix(1_751_241_600); // 2025-06-30
    const DAY: i64 = 86_400;

    struct Log {
        builder: IndexBuilder,
        row: u64,
        next_terms: crate::consent::Terms,
    }

    impl Log {
        fn new() -> Log {
            Log {
                builder: IndexBuilder::new(AS_OF, u64::MAX),
                row: 0,
                next_terms: Default::default(),
            }
        }

        /// Adds an event for `anna@kaffee-hanse.de`, `days_ago` days before as-of.
        fn add(
            mut self,
            kind: EventKind,
            days_ago: Option<i64>,
            purpose: &str,
            source: &str,
            ip: bool,
        ) -> Log {
            self.row += 1;
            let purpose_sym = self.builder.intern(purpose);
            let source_sym = self.builder.intern(source);
            let fit = crate::consent::PurposeMatcher::new("newsletter", []).classify(purpose);
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
                    has_ip: ip,
                    has_collection_point: false,
                    terms: std::mem::take(&mut self.next_terms),
                },
            );
            self
        }

        /// Sets the terms of the event added next.
        fn terms(mut self, terms: crate::consent::Terms) -> Log {
            self.next_terms = terms;
            self
        }

        fn findings(self) -> Vec<(RuleId, String)> {
            self.findings_with(Policy::preset("eu-gdpr").unwrap(), None)
        }

        fn findings_with(
            self,
            policy: Policy,
            suppressed_at: Option<Location>,
        ) -> Vec<(RuleId, String)> {
            let crate::consent::BuiltIndex::Held(index) =
                self.builder.finish(&policy.sources).unwrap()
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

    fn codes(findings: &[(RuleId, String)]) -> Vec<&'static str> {
        findings.iter().map(|(r, _)| r.code()).collect()
    }

    use EventKind::*;

    fn good() -> Log {
        Log::new()
            .add(OptIn, Some(100), "newsletter", "web_form", true)
            .add(Confirm, Some(100), "newsletter", "double_opt_in_link", true)
    }

    #[test]
    fn a_clean_history_has_no_findings() {
        assert_eq!(good().findings(), vec![]);
    }

    #[test]
    fn missing_consent_is_c001() {
        let f = Log::new().add(Open, Some(3), "", "", false).findings();
        assert_eq!(codes(&f), ["C001"]);
        assert!(f[0].1.contains("first: consent.csv row 1"), "{}", f[0].1);
    }

    #[test]
    fn purpose_rules() {
        let f = Log::new()
            .add(OptIn, Some(10), "", "web_form", true)
            .add(Confirm, Some(10), "", "link", true)
            .findings();
        assert_eq!(codes(&f), ["C002"]);
        let f = Log::new()
            .add(OptIn, Some(10), "partners", "web_form", true)
            .add(Confirm, Some(10), "partners", "link", true)
            .findings();
        assert_eq!(codes(&f), ["C003"]);
        assert!(
            f[0].1.contains("'partners'") && f[0].1.contains("'newsletter'"),
            "{}",
            f[0].1
        );
    }

    #[test]
    fn staleness_counts_engagement_but_not_opens() {
        let old = || {
            Log::new()
                .add(OptIn, Some(900), "newsletter", "web_form", true)
                .add(Confirm, Some(900), "newsletter", "link", true)
        };
        let f = old().findings();
        assert_eq!(codes(&f), ["C004"]);
        assert!(f[0].1.contains("29 months old"), "{}", f[0].1);
        assert_eq!(
            old().add(Activity, Some(30), "", "click", false).findings(),
            vec![]
        );
        assert_eq!(
            codes(&old().add(Open, Some(30), "", "", false).findings()),
            ["C004"]
        );
        let mut policy = Policy::preset("eu-gdpr").unwrap();
        policy.consent.engagement_refreshes = false;
        let f = old()
            .add(Activity, Some(30), "", "click", false)
            .findings_with(policy, None);
        assert_eq!(codes(&f), ["C004"]);
    }

    #[test]
    fn single_opt_in_is_c005() {
        let f = Log::new()
            .add(OptIn, Some(10), "newsletter", "web_form", true)
            .findings();
        assert_eq!(codes(&f), ["C005"]);
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
    fn evidence_needs_time_and_trace() {
        let f = Log::new()
            .add(OptIn, None, "newsletter", "", false)
            .add(Confirm, None, "newsletter", "", false)
            .findings();
        assert_eq!(codes(&f), ["C006"]);
        assert!(f[0].1.contains("no timestamp and no source"), "{}", f[0].1);
        let f = Log::new()
            .add(OptIn, Some(5), "newsletter", "", false)
            .add(Confirm, Some(5), "newsletter", "", true)
            .findings();
        assert_eq!(
            codes(&f),
            Vec::<&str>::new(),
            "the confirmation's IP traces the consent"
        );
    }

    #[test]
    fn invalid_sources() {
        let f = Log::new()
            .add(OptIn, Some(10), "newsletter", "Summer Sweepstake", true)
            .add(Confirm, Some(10), "newsletter", "link", true)
            .findings();
        assert_eq!(codes(&f), ["C007"]);
        assert!(f[0].1.contains("'Summer Sweepstake'"), "{}", f[0].1);
    }

    #[test]
    fn timeline_anomalies() {
        let f = Log::new()
            .add(Confirm, Some(20), "newsletter", "link", true)
            .add(OptIn, Some(10), "newsletter", "web_form", true)
            .findings();
        assert_eq!(codes(&f), ["C008"]);
        assert!(f[0].1.contains("precedes the first opt-in"), "{}", f[0].1);
        let f = Log::new()
            .add(OptIn, Some(100), "newsletter", "web_form", true)
            .add(Confirm, Some(40), "newsletter", "link", true)
            .findings();
        assert!(f[0].1.contains("confirmed 60 days after"), "{}", f[0].1);
        let f = good()
            .add(OptIn, Some(-3), "newsletter", "web_form", true)
            .findings();
        assert_eq!(codes(&f), ["C008"]);
        assert!(
            f[0].1.contains("does not count as consent yet"),
            "{}",
            f[0].1
        );
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

    #[test]
    fn re_consent_after_withdrawal_needs_its_own_confirmation() {
        let f = good()
            .add(Withdraw, Some(50), "", "unsubscribe_link", false)
            .add(OptIn, Some(20), "newsletter", "web_form", true)
            .findings();
        assert_eq!(codes(&f), ["C005"]);
        assert!(f[0].1.starts_with("re-subscribed"), "{}", f[0].1);
    }

    #[test]
    fn implied_consent_is_c009_unless_the_policy_makes_it_a_basis_with_a_clock() {
        use crate::consent::{Method, Terms};
        let implied = Terms {
            method: Method::Implied,
            ..Terms::default()
        };
        let purchase = |days| {
            Log::new()
                .terms(implied)
                .add(OptIn, Some(days), "newsletter", "checkout", true)
        };
        let eu = || Policy::preset("eu-gdpr").unwrap();
        let ca = || Policy::preset("ca-casl").unwrap();
        let f = purchase(100).findings_with(eu(), None);
        assert_eq!(codes(&f), ["C005", "C009"]);
        assert_eq!(
            codes(&purchase(100).findings_with(ca(), None)),
            Vec::<&str>::new()
        );
        let f = purchase(800).findings_with(ca(), None);
        assert_eq!(codes(&f), ["C004"]);
        assert!(
            f[0].1.starts_with("implied consent (opt_in at")
                && f[0].1.ends_with(
                    "it expires after 24 months unless the person gives express consent"
                ),
            "{}",
            f[0].1
        );
        let inquiry = Terms {
            basis: crate::consent::Basis::ImpliedInquiry,
            ..Terms::default()
        };
        let f = Log::new()
            .terms(inquiry)
            .add(OptIn, Some(200), "newsletter", "contact_form", true)
            .findings_with(ca(), None);
        assert_eq!(
            codes(&f),
            ["C004"],
            "an inquiry implies consent for 6 months"
        );
    }

    #[test]
    fn future_withdrawals_are_honoured() {
        let f = good().add(Withdraw, Some(-2), "", "", false).findings();
        assert_eq!(codes(&f), ["R001"]);
        assert!(
            f[0].1.contains("dated after --as-of; honoured"),
            "{}",
            f[0].1
        );
    }
}
