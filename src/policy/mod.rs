//! Policies: the level of every rule and the parameters the rules read.
//!
//! A preset is data: a name, a summary, level overrides on top of the
//! catalog defaults (the `eu-gdpr` levels of SPEC §4), and parameters. Rules
//! never ask which preset is active; they read the resolved [`Policy`].

use std::fmt;

use serde::Serialize;

use crate::consent::{DateOrder, PurposeMatcher, SourcePatterns};
use crate::rules::{RULES, RuleId};

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
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A named starting point for a policy.
pub struct Preset {
    pub name: &'static str,
    pub summary: &'static str,
    /// Levels that differ from the catalog defaults.
    pub level_overrides: &'static [(RuleId, Level)],
}

/// The presets this version ships. The remaining jurisdictions of SPEC §6
/// (`fr-cnil`, `uk-pecr`, `ca-casl`, `us-can-spam`) come with policy files.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "eu-gdpr",
        summary: "GDPR and ePrivacy Directive Art. 13: prior consent that can be demonstrated (Art. 7(1)); double opt-in recommended, not required",
        level_overrides: &[],
    },
    Preset {
        name: "de-strict",
        summary: "Germany (UWG § 7, German courts): as eu-gdpr, and double opt-in is the expected proof of consent (BGH I ZR 164/09)",
        level_overrides: &[(RuleId::C005, Level::Error)],
    },
];

pub const DEFAULT_PRESET: &str = "eu-gdpr";
pub const DEFAULT_LIST_PURPOSE: &str = "newsletter";

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

/// The fully resolved policy an audit runs with.
#[derive(Clone, Debug)]
pub struct Policy {
    pub name: String,
    levels: Vec<Level>,
    pub list_purpose: String,
    pub purpose_synonyms: Vec<String>,
    /// C004: consent older than this many calendar months is stale.
    pub stale_after_months: u32,
    /// C004: engagement from the person (click, reply, purchase, login)
    /// keeps consent fresh. Opens never do.
    pub engagement_refreshes_consent: bool,
    /// C008: a confirmation more than this many days after the opt-in is
    /// out of the double opt-in window (a tool policy, not law).
    pub confirm_window_days: u32,
    /// How to read `01/02/2025`; `None` makes it a D001 finding.
    pub date_order: Option<DateOrder>,
    pub sources: SourcePatterns,
}

impl Policy {
    /// The preset named `name`, or `None` if there is none.
    pub fn preset(name: &str) -> Option<Policy> {
        let preset = PRESETS.iter().find(|p| p.name.eq_ignore_ascii_case(name))?;
        let mut levels: Vec<Level> = RULES.iter().map(|r| r.default_level).collect();
        for (rule, level) in preset.level_overrides {
            levels[rule.index()] = *level;
        }
        let mut policy = Policy {
            name: preset.name.to_string(),
            levels,
            list_purpose: String::new(),
            purpose_synonyms: Vec::new(),
            stale_after_months: 24,
            engagement_refreshes_consent: true,
            confirm_window_days: 30,
            date_order: None,
            sources: SourcePatterns::default(),
        };
        policy.set_list_purpose(DEFAULT_LIST_PURPOSE);
        Some(policy)
    }

    pub fn preset_names() -> impl Iterator<Item = &'static str> {
        PRESETS.iter().map(|p| p.name)
    }

    pub fn level(&self, rule: RuleId) -> Level {
        self.levels[rule.index()]
    }

    pub fn enabled(&self, rule: RuleId) -> bool {
        self.level(rule) != Level::Off
    }

    #[cfg(test)]
    pub(crate) fn with_level(mut self, rule: RuleId, level: Level) -> Policy {
        self.levels[rule.index()] = level;
        self
    }

    /// Sets the purpose the list is mailed for, with its known synonyms.
    pub fn set_list_purpose(&mut self, purpose: &str) {
        let purpose = purpose.trim();
        self.list_purpose = purpose.to_string();
        self.purpose_synonyms = PURPOSE_SYNONYMS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(purpose))
            .map(|(_, synonyms)| synonyms.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
    }

    pub fn purpose_matcher(&self) -> PurposeMatcher {
        PurposeMatcher::new(
            &self.list_purpose,
            self.purpose_synonyms.iter().map(String::as_str),
        )
    }

    /// The policy as recorded in `report.json`.
    pub fn to_report(&self) -> serde_json::Value {
        let levels: serde_json::Map<String, serde_json::Value> = RULES
            .iter()
            .map(|r| (r.code.to_string(), self.level(r.id).as_str().into()))
            .collect();
        serde_json::json!({
            "name": self.name,
            "list_purpose": self.list_purpose,
            "purpose_synonyms": self.purpose_synonyms,
            "stale_after_months": self.stale_after_months,
            "engagement_refreshes_consent": self.engagement_refreshes_consent,
            "confirm_window_days": self.confirm_window_days,
            "date_order": match self.date_order {
                None => serde_json::Value::Null,
                Some(DateOrder::DayFirst) => "day-first".into(),
                Some(DateOrder::MonthFirst) => "month-first".into(),
            },
            "levels": levels,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_differ_only_by_data() {
        let eu = Policy::preset("eu-gdpr").unwrap();
        let de = Policy::preset("de-strict").unwrap();
        assert_eq!(eu.level(RuleId::C005), Level::Warning);
        assert_eq!(de.level(RuleId::C005), Level::Error);
        for rule in RULES.iter().filter(|r| r.id != RuleId::C005) {
            assert_eq!(eu.level(rule.id), de.level(rule.id), "{}", rule.code);
        }
    }

    #[test]
    fn unknown_presets_are_none() {
        assert!(Policy::preset("mars-law").is_none());
        assert!(Policy::preset("EU-GDPR").is_some());
    }

    #[test]
    fn list_purpose_brings_its_synonyms() {
        let mut policy = Policy::preset("eu-gdpr").unwrap();
        assert!(
            policy
                .purpose_synonyms
                .iter()
                .any(|s| s == "dpv:DirectMarketing")
        );
        policy.set_list_purpose("product_updates");
        assert_eq!(policy.list_purpose, "product_updates");
        assert!(policy.purpose_synonyms.is_empty());
    }

    #[test]
    fn levels_are_ordered_by_severity() {
        assert!(Level::Error > Level::Warning && Level::Warning > Level::Info);
        assert!(Level::Info > Level::Off);
    }
}
