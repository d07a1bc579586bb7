//! The numbers behind the report's charts, computed once: report.json's
//! summary serialises them and report.html draws them, so a chart can
//! never disagree with the JSON a script reads, and every chart's parts
//! add up to a total the summary states.

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::Addresses;
use crate::audit::{AuditOutcome, Confirmation};
use crate::consent::Month;

/// Sources or purposes drawn before the rest are summed as "others".
pub const TOP_ORIGINS: usize = 8;
/// Months of opt-ins and withdrawals drawn, ending with the audit month.
pub const ACTIVITY_MONTHS: i64 = 36;

/// Every subscriber row, by the consent it rests on. The parts add up:
/// `double + single + none + unprofiled == rows`, and
/// `dated + undated == double + single`.
pub struct ListFigures<'a> {
    pub rows: u64,
    pub double: u64,
    pub single: u64,
    pub none: u64,
    /// Rows without an address, or malformed: no consent can be looked up.
    pub unprofiled: u64,
    /// Rows with consent, by whole months of age (index = months).
    pub age_months: &'a [u64],
    pub dated: u64,
    pub undated: u64,
    pub stale_after_months: Option<u32>,
    /// Dated rows at or past `stale_after_months`.
    pub stale: u64,
    pub sources: Origins<'a>,
    pub purposes: Origins<'a>,
    pub activity: ActivityWindow,
}

/// The most common sources (or purposes) of consent and the rest summed;
/// the rows add up to the rows with consent.
pub struct Origins<'a> {
    /// Value (empty: none recorded) and rows, most first.
    pub top: Vec<(Cow<'a, str>, u64)>,
    pub other_values: usize,
    pub other_rows: u64,
}

/// Opt-ins and withdrawals in the months up to the audit, and how many
/// events fall before or after them.
pub struct ActivityWindow {
    /// Month, opt-ins, withdrawals, oldest first.
    pub months: Vec<(Month, u64, u64)>,
    pub opt_ins: u64,
    pub withdrawals: u64,
    pub earlier: u64,
    pub later: u64,
}

impl<'a> ListFigures<'a> {
    pub fn of(outcome: &'a AuditOutcome, addresses: Addresses<'_>) -> ListFigures<'a> {
        let tally = &outcome.consent.tally;
        let [double, single, none] = Confirmation::ALL.map(|c| tally.confirmation[c.index()]);
        let dated: u64 = tally.age_months.iter().sum();
        let stale_after_months = outcome.policy.consent.stale_after_months;
        let stale =
            stale_after_months.map_or(0, |t| tally.age_months.iter().skip(t as usize).sum::<u64>());
        ListFigures {
            rows: outcome.summary.rows,
            double,
            single,
            none,
            unprofiled: outcome.summary.rows.saturating_sub(tally.rows()),
            age_months: &tally.age_months,
            dated,
            undated: tally.undated,
            stale_after_months,
            stale,
            sources: Origins::of(&outcome.consent.sources, addresses),
            purposes: Origins::of(&outcome.consent.purposes, addresses),
            activity: ActivityWindow::of(outcome),
        }
    }

    pub fn with_consent(&self) -> u64 {
        self.double + self.single
    }
}

impl<'a> Origins<'a> {
    fn of(counts: &'a [(String, u64)], addresses: Addresses<'_>) -> Origins<'a> {
        let rest = counts.get(TOP_ORIGINS..).unwrap_or_default();
        Origins {
            top: counts
                .iter()
                .take(TOP_ORIGINS)
                // A source is free text from the inputs; an address in it
                // is shown as the findings' addresses are.
                .map(|(value, rows)| (addresses.in_text(value), *rows))
                .collect(),
            other_values: rest.len(),
            other_rows: rest.iter().map(|(_, rows)| rows).sum(),
        }
    }

    pub fn rows(&self) -> u64 {
        self.top.iter().map(|(_, rows)| rows).sum::<u64>() + self.other_rows
    }
}

impl ActivityWindow {
    fn of(outcome: &AuditOutcome) -> ActivityWindow {
        let activity = &outcome.consent.activity;
        let last = outcome.as_of.month();
        let first = Month(last.0 - ACTIVITY_MONTHS + 1);
        let months: Vec<(Month, u64, u64)> = (first.0..=last.0)
            .map(|m| {
                let counts = activity.get(Month(m));
                (Month(m), counts.opt_ins, counts.withdrawals)
            })
            .collect();
        let (mut earlier, mut later) = (0, 0);
        for (month, counts) in activity.iter() {
            let events = counts.opt_ins + counts.withdrawals;
            if month < first {
                earlier += events;
            } else if month > last {
                later += events;
            }
        }
        ActivityWindow {
            opt_ins: months.iter().map(|m| m.1).sum(),
            withdrawals: months.iter().map(|m| m.2).sum(),
            months,
            earlier,
            later,
        }
    }

    pub fn first(&self) -> Option<Month> {
        self.months.first().map(|m| m.0)
    }

    pub fn last(&self) -> Option<Month> {
        self.months.last().map(|m| m.0)
    }
}

/// report.json's `summary.consent`.
pub struct ConsentSummary<'f, 'a>(pub &'f ListFigures<'a>);

impl Serialize for ConsentSummary<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("double_opt_in", &f.double)?;
        map.serialize_entry("single_opt_in", &f.single)?;
        map.serialize_entry("no_consent", &f.none)?;
        map.serialize_entry("no_address", &f.unprofiled)?;
        map.serialize_entry("dated", &f.dated)?;
        map.serialize_entry("undated", &f.undated)?;
        map.serialize_entry("stale_after_months", &f.stale_after_months)?;
        map.serialize_entry("stale", &f.stale)?;
        map.serialize_entry("sources", &OriginList(&f.sources))?;
        map.serialize_entry("purposes", &OriginList(&f.purposes))?;
        map.end()
    }
}

struct OriginList<'o, 'a>(&'o Origins<'a>);

impl Serialize for OriginList<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let origins = self.0;
        let mut map = serializer.serialize_map(Some(2))?;
        let top: Vec<serde_json::Value> = origins
            .top
            .iter()
            .map(|(value, rows)| {
                serde_json::json!({
                    "value": (!value.is_empty()).then_some(value.as_ref()),
                    "rows": rows,
                })
            })
            .collect();
        map.serialize_entry("top", &top)?;
        map.serialize_entry(
            "others",
            &serde_json::json!({"values": origins.other_values, "rows": origins.other_rows}),
        )?;
        map.end()
    }
}

/// report.json's `summary.activity`.
pub struct ActivitySummary<'f>(pub &'f ActivityWindow);

impl Serialize for ActivitySummary<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let window = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("from", &window.first().map(|m| m.to_string()))?;
        map.serialize_entry("to", &window.last().map(|m| m.to_string()))?;
        map.serialize_entry("opt_ins", &window.opt_ins)?;
        map.serialize_entry("withdrawals", &window.withdrawals)?;
        map.serialize_entry("earlier", &window.earlier)?;
        map.serialize_entry("later", &window.later)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_beyond_the_top_are_summed_and_all_rows_counted() {
        let counts: Vec<(String, u64)> = (0..11)
            .map(|i| (format!("form-{i}"), 20 - i as u64))
            .chain([(String::new(), 1)])
            .collect();
        let origins = Origins::of(&counts, Addresses::Shown);
        assert_eq!(origins.top.len(), TOP_ORIGINS);
        assert_eq!(origins.top[0], (Cow::Borrowed("form-0"), 20));
        assert_eq!(origins.other_values, 4);
        assert_eq!(origins.other_rows, 12 + 11 + 10 + 1);
        assert_eq!(origins.rows(), counts.iter().map(|c| c.1).sum::<u64>());
    }

    #[test]
    fn an_address_in_a_source_is_masked_like_the_findings() {
        let counts = vec![("imported by jane.doe@example.com".to_string(), 3)];
        let origins = Origins::of(&counts, Addresses::Masked);
        assert!(!origins.top[0].0.contains("jane.doe@example.com"));
        assert_eq!(origins.top[0].1, 3);
    }
}
