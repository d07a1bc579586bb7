//! Policies: the level of every rule and the parameters the rules read.
//!
//! A preset is a policy file shipped inside the binary (`presets/*.toml`),
//! read by the same loader as the user's files, with a `[basis]` table that
//! gives the legal source of each parameter. Rules never ask which preset
//! is active; they read the resolved [`Policy`].

mod discover;
mod file;
mod select;
mod show;

pub use discover::{CONFIG_FILE, PolicyChoice, choose_policy, discover_config};
pub use file::{PRESETS, credit, load_policy, parse_policy, preset_names};
pub use select::{Selection, SelectionOp, apply_selection};
pub use show::{INIT_TEMPLATE, render_policy};

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::address::HygieneLists;
use crate::consent::{DateOrder, PurposeMatcher, SourceCategory};
pub use crate::rules::Level;
use crate::rules::{RULES, RuleId};
use crate::vocabulary::Vocabulary;

pub const DEFAULT_PRESET: &str = "eu-gdpr";

/// Names that count as a list purpose: local words, W3C DPV concepts (a
/// broader concept such as `dpv:Marketing` covers the narrower one) and the
/// Kantara consent-receipt category.
const PURPOSE_SYNONYMS: &[(&str, &[&str])] = &[(
    "newsletter",
    &[
        "newsletters",
        "email newsletter",
        "e-mail newsletter",
        "email marketing",
        "e-mail marketing",
        "email_marketing",
        "direct marketing",
        "direct_marketing",
        "marketing",
        "dpv:DirectMarketing",
        "dpv:Marketing",
        "https://w3id.org/dpv#DirectMarketing",
        "https://w3id.org/dpv#Marketing",
        "6 - Marketing",
    ],
)];

/// Consent parameters (C004, C008, C009).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentParams {
    /// C004: consent older than this many calendar months is stale; `None`:
    /// consent does not expire with time.
    pub stale_after_months: Option<u32>,
    /// C004: engagement from the person (click, reply, purchase, login)
    /// keeps consent fresh. Opens never do.
    pub engagement_refreshes: bool,
    /// C008: a confirmation more than this many days after the opt-in is
    /// out of the double opt-in window (a tool policy, not law).
    pub confirm_window_days: u32,
    /// C004: consent given to a third party for the sender ages out after
    /// this many months (ICO: six); `None`: no separate window.
    pub indirect_max_age_months: Option<u32>,
    /// Implied consent is a basis (CASL s. 10(9)–(13)); where it is not,
    /// implied consent is C009.
    pub implied_consent: bool,
    /// C004: implied consent from a purchase, contract, donation or
    /// membership lasts this many months (CASL: 24).
    pub implied_relationship_months: u32,
    /// C004: implied consent from an inquiry lasts this many months (CASL: 6).
    pub implied_inquiry_months: u32,
    /// The law under which a purchase is a basis without consent (ePrivacy
    /// Art. 13(2), PECR reg. 22(3), UWG § 7(3); CASL's implied consent from
    /// a purchase), named in C010's message; `None`: a purchase is none,
    /// and an existing customer without consent is C001.
    pub soft_opt_in: Option<String>,
}

/// What a consent record must show to be demonstrable (C006).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceParams {
    pub timestamp: bool,
    pub how_or_where: bool,
    pub notice_version: bool,
}

/// How long honouring a withdrawal may take (R001).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithdrawalParams {
    pub grace_days: u32,
    /// Count Monday to Friday only, minus `holidays` (CASL, CAN-SPAM).
    pub business_days: bool,
    pub holidays: Vec<NaiveDate>,
}

impl WithdrawalParams {
    /// The last instant a withdrawal made at `at` may still go unhonoured.
    pub fn deadline(&self, at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        if !self.business_days {
            return at + chrono::Duration::days(i64::from(self.grace_days));
        }
        let mut day = at;
        let mut left = self.grace_days;
        while left > 0 {
            day += chrono::Duration::days(1);
            let date = day.date_naive();
            let weekend = matches!(
                chrono::Datelike::weekday(&date),
                chrono::Weekday::Sat | chrono::Weekday::Sun
            );
            if !weekend && !self.holidays.contains(&date) {
                left -= 1;
            }
        }
        day
    }

    pub fn describe(&self) -> String {
        match (self.grace_days, self.business_days) {
            (0, _) => "no grace period".to_string(),
            (1, false) => "1 day".to_string(),
            (1, true) => "1 business day".to_string(),
            (n, false) => format!("{n} days"),
            (n, true) => format!("{n} business days"),
        }
    }
}

/// The fully resolved policy an audit runs with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The preset's name, or the policy file's path as given.
    pub name: String,
    pub summary: String,
    /// What it was built from, base first (`eu-gdpr`, `de-strict`,
    /// `team.toml`).
    pub chain: Vec<String>,
    /// By rule index; C007's slot is unused, its level is derived from
    /// `source_levels`.
    levels: Vec<Level>,
    source_levels: [Level; SourceCategory::ALL.len()],
    pub list_purpose: String,
    /// Synonyms a policy file added to the built-in ones.
    pub extra_synonyms: Vec<String>,
    /// How to read `01/02/2025`; `None` makes it a D001 finding.
    pub date_order: Option<DateOrder>,
    /// The lowest level that fails the run; `None`: never.
    pub fail_on: Option<Level>,
    pub consent: ConsentParams,
    pub evidence: EvidenceParams,
    pub withdrawal: WithdrawalParams,
    /// The words the readers and rules understand: the built-in ones and
    /// those the policy file added.
    pub vocabulary: Vocabulary,
    /// Additions to and exceptions from the shipped hygiene lists.
    pub hygiene: HygieneLists,
    /// Why each parameter has its value, by its key in a policy file
    /// (`consent.stale_after_months`, `rules.C005`).
    pub basis: BTreeMap<String, String>,
    /// The policy file in use (given with `--policy` or discovered), as
    /// the path it was read from; `None` for a preset.
    pub file: Option<PathBuf>,
    /// Whether `file` was found by discovery rather than named.
    pub discovered: bool,
    /// The `[audit]` table's inputs, relative to the working directory.
    pub audit_inputs: AuditInputs,
    /// `[report]`: who the report is for and by; `--client` and
    /// `--prepared-by` replace them.
    pub credits: ReportCredits,
}

/// The names on the report's cover and in its running header.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReportCredits {
    pub client: Option<String>,
    pub prepared_by: Option<String>,
}

impl ReportCredits {
    /// Whether neither name is given.
    pub fn is_empty(&self) -> bool {
        self.client.is_none() && self.prepared_by.is_none()
    }
}

/// Inputs a policy file's `[audit]` table names, used when the command
/// line names none of that kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditInputs {
    pub consent: Vec<PathBuf>,
    pub suppress: Vec<PathBuf>,
}

impl Policy {
    /// The catalog defaults every preset starts from.
    fn catalog() -> Policy {
        Policy {
            name: String::new(),
            summary: String::new(),
            chain: Vec::new(),
            levels: RULES.iter().map(|r| r.default_level).collect(),
            source_levels: [Level::Error; SourceCategory::ALL.len()],
            list_purpose: "newsletter".to_string(),
            extra_synonyms: Vec::new(),
            date_order: None,
            fail_on: Some(Level::Error),
            consent: ConsentParams {
                stale_after_months: Some(24),
                engagement_refreshes: true,
                confirm_window_days: 30,
                indirect_max_age_months: None,
                implied_consent: false,
                implied_relationship_months: 24,
                implied_inquiry_months: 6,
                soft_opt_in: None,
            },
            evidence: EvidenceParams {
                timestamp: true,
                how_or_where: true,
                notice_version: false,
            },
            withdrawal: WithdrawalParams {
                grace_days: 0,
                business_days: false,
                holidays: Vec::new(),
            },
            vocabulary: Vocabulary::default(),
            hygiene: HygieneLists::default(),
            basis: BTreeMap::new(),
            file: None,
            discovered: false,
            audit_inputs: AuditInputs::default(),
            credits: ReportCredits::default(),
        }
    }

    /// The preset named `name` (any case), or `None` if there is none.
    pub fn preset(name: &str) -> Option<Policy> {
        file::load_preset(name)
    }

    /// A rule's level. C007's is derived: the highest of its source
    /// categories, so that `rules` and the report show what can fire.
    pub fn level(&self, rule: RuleId) -> Level {
        if rule == RuleId::C007 {
            return self
                .source_levels
                .iter()
                .copied()
                .max()
                .unwrap_or(Level::Off);
        }
        self.levels[rule.index()]
    }

    pub fn enabled(&self, rule: RuleId) -> bool {
        self.level(rule) != Level::Off
    }

    /// Sets a rule's level. C007's level is the level of every source
    /// category; set one category with [`Policy::set_source_level`].
    pub fn set_level(&mut self, rule: RuleId, level: Level) {
        if rule == RuleId::C007 {
            self.source_levels = [level; SourceCategory::ALL.len()];
        } else {
            self.levels[rule.index()] = level;
        }
    }

    /// The level of a C007 finding for a source of this category.
    pub fn source_level(&self, category: SourceCategory) -> Level {
        self.source_levels[category.index()]
    }

    pub fn set_source_level(&mut self, category: SourceCategory, level: Level) {
        self.source_levels[category.index()] = level;
    }

    #[cfg(test)]
    pub(crate) fn with_level(mut self, rule: RuleId, level: Level) -> Policy {
        self.set_level(rule, level);
        self
    }

    /// Sets the purpose the list is mailed for.
    pub fn set_list_purpose(&mut self, purpose: &str) {
        self.list_purpose = purpose.trim().to_string();
    }

    /// The list purpose's synonyms: the built-in ones and the policy's own.
    pub fn purpose_synonyms(&self) -> Vec<String> {
        let builtin = PURPOSE_SYNONYMS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&self.list_purpose))
            .map(|(_, synonyms)| *synonyms)
            .unwrap_or_default();
        builtin
            .iter()
            .map(|s| s.to_string())
            .chain(self.extra_synonyms.iter().cloned())
            .collect()
    }

    pub fn purpose_matcher(&self) -> PurposeMatcher {
        let synonyms = self.purpose_synonyms();
        PurposeMatcher::new(
            &self.list_purpose,
            synonyms.iter().map(String::as_str),
            self.vocabulary.all_purposes(),
        )
    }

    /// The basis recorded for a parameter key, if any.
    pub fn basis_of(&self, key: &str) -> Option<&str> {
        self.basis.get(key).map(String::as_str)
    }

    /// The policy as recorded in `report.json`: every parameter, every
    /// level, and the basis of each.
    pub fn to_report(&self) -> serde_json::Value {
        let levels: serde_json::Map<String, serde_json::Value> = RULES
            .iter()
            .map(|r| (r.code.to_string(), self.level(r.id).as_str().into()))
            .collect();
        let sources: serde_json::Map<String, serde_json::Value> = SourceCategory::ALL
            .iter()
            .map(|c| (c.key().to_string(), self.source_level(*c).as_str().into()))
            .collect();
        let months = |m: Option<u32>| m.map_or(serde_json::Value::from("never"), Into::into);
        serde_json::json!({
            "name": self.name,
            "file": self.file.as_ref().map(|f| f.display().to_string()),
            "discovered": self.discovered,
            "chain": self.chain,
            "summary": self.summary,
            "list_purpose": self.list_purpose,
            "purpose_synonyms": self.purpose_synonyms(),
            "date_order": date_order_name(self.date_order),
            "fail_on": self.fail_on.map_or("never", Level::as_str),
            "consent": {
                "stale_after_months": months(self.consent.stale_after_months),
                "engagement_refreshes": self.consent.engagement_refreshes,
                "confirm_window_days": self.consent.confirm_window_days,
                "indirect_max_age_months": months(self.consent.indirect_max_age_months),
                "implied_consent": self.consent.implied_consent,
                "implied_relationship_months": self.consent.implied_relationship_months,
                "implied_inquiry_months": self.consent.implied_inquiry_months,
                "soft_opt_in": self.consent.soft_opt_in.as_deref().map_or(serde_json::Value::from(false), Into::into),
            },
            "evidence": {
                "timestamp": self.evidence.timestamp,
                "how_or_where": self.evidence.how_or_where,
                "notice_version": self.evidence.notice_version,
            },
            "withdrawal": {
                "grace_days": self.withdrawal.grace_days,
                "business_days": self.withdrawal.business_days,
                "holidays": self.withdrawal.holidays.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            },
            "sources": sources,
            "levels": levels,
            "basis": self.basis,
        })
    }
}

pub fn date_order_name(order: Option<DateOrder>) -> &'static str {
    match order {
        None => "none",
        Some(DateOrder::DayFirst) => "day-first",
        Some(DateOrder::MonthFirst) => "month-first",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset(name: &str) -> Policy {
        Policy::preset(name).unwrap()
    }

    #[test]
    fn eu_gdpr_levels_are_the_catalog_defaults() {
        let eu = preset("eu-gdpr");
        for rule in &RULES {
            assert_eq!(eu.level(rule.id), rule.default_level, "{}", rule.code);
        }
    }

    #[test]
    fn presets_decide_what_the_law_decides() {
        assert_eq!(preset("de-strict").level(RuleId::C005), Level::Error);
        assert_eq!(preset("de-strict").withdrawal.grace_days, 0);
        assert!(preset("de-strict").evidence.notice_version);
        assert_eq!(preset("eu-gdpr").level(RuleId::C005), Level::Warning);
        assert_eq!(
            preset("fr-cnil").consent.stale_after_months,
            Some(36),
            "CNIL: three years since the last contact from the prospect"
        );
        assert_eq!(preset("uk-pecr").consent.indirect_max_age_months, Some(6));
        for name in ["eu-gdpr", "de-strict", "fr-cnil", "uk-pecr", "ca-casl"] {
            assert!(
                preset(name).consent.soft_opt_in.is_some(),
                "{name} allows soft opt-in"
            );
        }
        assert_eq!(
            preset("uk-pecr").consent.soft_opt_in.as_deref(),
            Some("PECR reg. 22(3)")
        );
        assert_eq!(preset("us-can-spam").consent.soft_opt_in, None);
        let ca = preset("ca-casl");
        assert_eq!(ca.consent.stale_after_months, None, "express never expires");
        assert!(ca.consent.implied_consent);
        assert_eq!(
            (ca.withdrawal.grace_days, ca.withdrawal.business_days),
            (10, true)
        );
        let us = preset("us-can-spam");
        assert_eq!(us.level(RuleId::C001), Level::Info);
        for rule in [RuleId::C004, RuleId::C005, RuleId::C006, RuleId::C009] {
            assert_eq!(us.level(rule), Level::Off, "{rule:?}");
        }
        assert_eq!(us.level(RuleId::R001), Level::Error);
    }

    #[test]
    fn every_preset_extends_the_default() {
        for name in preset_names().filter(|n| *n != DEFAULT_PRESET) {
            let chain = preset(name).chain;
            assert_eq!(chain, [DEFAULT_PRESET, name]);
        }
    }

    #[test]
    fn source_levels_raise_c007_to_their_maximum() {
        let mut policy = preset("eu-gdpr");
        policy.set_level(RuleId::C007, Level::Info);
        assert_eq!(policy.source_level(SourceCategory::Contest), Level::Info);
        policy.set_source_level(SourceCategory::Scraped, Level::Error);
        assert_eq!(policy.level(RuleId::C007), Level::Error);
        policy.set_level(RuleId::C007, Level::Off);
        assert_eq!(policy.source_level(SourceCategory::Scraped), Level::Off);
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        use chrono::TimeZone;
        let friday = chrono::Utc.with_ymd_and_hms(2025, 6, 6, 12, 0, 0).unwrap();
        let mut grace = WithdrawalParams {
            grace_days: 10,
            business_days: true,
            holidays: Vec::new(),
        };
        assert_eq!(
            grace.deadline(friday).date_naive().to_string(),
            "2025-06-20"
        );
        grace
            .holidays
            .push(NaiveDate::from_ymd_opt(2025, 6, 9).unwrap());
        assert_eq!(
            grace.deadline(friday).date_naive().to_string(),
            "2025-06-23"
        );
        grace.business_days = false;
        assert_eq!(
            grace.deadline(friday).date_naive().to_string(),
            "2025-06-16"
        );
    }

    #[test]
    fn list_purpose_brings_its_synonyms() {
        let mut policy = preset("eu-gdpr");
        assert!(
            policy
                .purpose_synonyms()
                .iter()
                .any(|s| s == "dpv:DirectMarketing")
        );
        policy.set_list_purpose("product_updates");
        assert_eq!(policy.list_purpose, "product_updates");
        assert!(policy.purpose_synonyms().is_empty());
    }
}
