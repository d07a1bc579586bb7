//! What the consultant's report shows beside the findings: how old the
//! consent behind each row is, where it came from and for what, whether it
//! was confirmed, the list's opt-ins and withdrawals month by month, and
//! the erasure requests still to carry out.
//!
//! Every row's profile is decided in the parallel stage with its findings
//! (and stored with them when the index is spilled); the totals are counted
//! in input order, so they are the same for any thread count.

use crate::consent::{
    Assessment, EventKind, Location, Month, SourceClass, Symbol, Symbols, Timestamp, latest,
};
use crate::policy::Policy;

/// How the consent a row rests on was given.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Confirmation {
    /// No consent act for the list since the last revocation.
    #[default]
    None,
    /// Opt-in without a double opt-in confirmation.
    Single,
    /// Confirmed by double opt-in.
    Double,
}

impl Confirmation {
    /// Every kind, in [`Confirmation::index`] order.
    pub const ALL: [Confirmation; 3] = [
        Confirmation::Double,
        Confirmation::Single,
        Confirmation::None,
    ];

    pub fn index(self) -> usize {
        match self {
            Confirmation::Double => 0,
            Confirmation::Single => 1,
            Confirmation::None => 2,
        }
    }
}

/// A standing erasure request: where it was recorded and when.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ErasureRequest {
    pub at: Location,
    pub time: Option<Timestamp>,
}

/// The consent standing of one subscriber row, as the report counts it.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsentProfile {
    pub confirmation: Confirmation,
    /// Whole months from the freshest dated consent act (or engagement from
    /// the person, where the policy counts it: the clock C004 reads) to
    /// `--as-of`. `None`: no dated consent.
    pub age_months: Option<u32>,
    /// Source and purpose of the consent the list relies on.
    pub source: Symbol,
    pub purpose: Symbol,
    pub erasure: Option<ErasureRequest>,
}

impl ConsentProfile {
    pub fn of(assessment: &Assessment<'_>, policy: &Policy, as_of: Timestamp) -> ConsentProfile {
        let erasure = assessment.erasure.map(|e| ErasureRequest {
            at: e.at,
            time: e.time,
        });
        let Some(governing) = assessment.governing() else {
            return ConsentProfile {
                erasure,
                ..ConsentProfile::default()
            };
        };
        let confirmed =
            assessment.doi_confirmation().is_some() || governing.kind == EventKind::Confirm;
        let engagement = assessment
            .engagement()
            .filter(|_| policy.consent.engagement_refreshes);
        let freshest = latest([assessment.latest_consent_act(), engagement]);
        ConsentProfile {
            confirmation: if confirmed {
                Confirmation::Double
            } else {
                Confirmation::Single
            },
            age_months: freshest
                .and_then(|e| e.time)
                .map(|time| time.whole_months_until(as_of)),
            source: governing.source,
            purpose: governing.purpose,
            erasure,
        }
    }
}

/// Opt-ins and withdrawals recorded in one month.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct MonthActivity {
    pub opt_ins: u64,
    pub withdrawals: u64,
}

/// Consent events per month, from every consent log and export: a dense
/// run of months from the earliest seen, because recording sits in the
/// sequential fold of every event (3 ns an event here, 26 ns in a
/// `BTreeMap`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    /// The month of `counts[0]`.
    first: Month,
    counts: Vec<MonthActivity>,
    /// Soft bounces recorded, dated or not: they remove nobody, and are
    /// counted so the report can say so.
    pub soft_bounces: u64,
}

/// Months outside years 1 to 9999 are counted in the first or last of
/// them: they only ever show as "earlier" or "later" than the chart, and
/// a typo in a year must not size the table.
const EARLIEST: Month = Month(12);
const LATEST: Month = Month(10_000 * 12 - 1);

impl Activity {
    pub fn record(&mut self, kind: EventKind, time: Option<Timestamp>) {
        if kind == EventKind::SoftBounce {
            self.soft_bounces += 1;
        }
        let Some(time) = time else { return };
        match kind {
            EventKind::OptIn => self.month_mut(time.month()).opt_ins += 1,
            EventKind::Withdraw => self.month_mut(time.month()).withdrawals += 1,
            _ => {}
        }
    }

    fn month_mut(&mut self, month: Month) -> &mut MonthActivity {
        let month = month.clamp(EARLIEST, LATEST);
        if self.counts.is_empty() {
            self.first = month;
        } else if month < self.first {
            let missing = (self.first.0 - month.0) as usize;
            self.counts
                .splice(0..0, std::iter::repeat_n(MonthActivity::default(), missing));
            self.first = month;
        }
        let index = (month.0 - self.first.0) as usize;
        if index >= self.counts.len() {
            self.counts.resize(index + 1, MonthActivity::default());
        }
        &mut self.counts[index]
    }

    /// The events of one month.
    pub fn get(&self, month: Month) -> MonthActivity {
        usize::try_from(month.0 - self.first.0)
            .ok()
            .and_then(|i| self.counts.get(i))
            .copied()
            .unwrap_or_default()
    }

    /// Every month with an event, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Month, MonthActivity)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, a)| **a != MonthActivity::default())
            .map(|(i, a)| (Month(self.first.0 + i as i64), *a))
    }
}

/// Totals of the consent profiles of every subscriber row with an address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsentTally {
    /// Rows per [`Confirmation`], indexed as [`Confirmation::ALL`].
    pub confirmation: [u64; 3],
    /// Rows per whole month of consent age.
    pub age_months: Vec<u64>,
    /// Rows with consent that carries no date.
    pub undated: u64,
    /// Rows per interned source and purpose (by symbol index).
    sources: Vec<u64>,
    purposes: Vec<u64>,
}

impl ConsentTally {
    pub fn add(&mut self, profile: &ConsentProfile) {
        self.confirmation[profile.confirmation.index()] += 1;
        if profile.confirmation == Confirmation::None {
            return;
        }
        match profile.age_months {
            Some(months) => bump(&mut self.age_months, months as usize),
            None => self.undated += 1,
        }
        bump(&mut self.sources, profile.source.index());
        bump(&mut self.purposes, profile.purpose.index());
    }

    /// Rows with consent for the list.
    pub fn with_consent(&self) -> u64 {
        self.confirmation[Confirmation::Double.index()]
            + self.confirmation[Confirmation::Single.index()]
    }

    pub fn rows(&self) -> u64 {
        self.confirmation.iter().sum()
    }

    /// Rows per source of consent, most first (then by name); unnamed
    /// sources as `""`.
    pub fn sources(&self, symbols: &Symbols) -> Vec<(String, u64)> {
        named_counts(&self.sources, symbols)
    }

    pub fn purposes(&self, symbols: &Symbols) -> Vec<(String, u64)> {
        named_counts(&self.purposes, symbols)
    }

    /// The sources of consent no vocabulary word classifies, with their
    /// rows, as [`sources`](Self::sources) orders them.
    pub fn unrecognised_sources(&self, symbols: &Symbols) -> Vec<(String, u64)> {
        let counts: Vec<u64> = self
            .sources
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let class = symbols.source_class(Symbol::from_index(i as u32));
                if class == SourceClass::Unrecognised {
                    *n
                } else {
                    0
                }
            })
            .collect();
        named_counts(&counts, symbols)
    }
}

fn bump(counts: &mut Vec<u64>, index: usize) {
    if counts.len() <= index {
        counts.resize(index + 1, 0);
    }
    counts[index] += 1;
}

fn named_counts(counts: &[u64], symbols: &Symbols) -> Vec<(String, u64)> {
    let mut named: Vec<(String, u64)> = counts
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(i, n)| {
            (
                symbols.resolve(Symbol::from_index(i as u32)).to_string(),
                *n,
            )
        })
        .collect();
    named.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    named
}

/// One line of `erasure.csv`: an address with a standing erasure request
/// and a subscriber row where it still appears (`None`: in none).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ErasureEntry {
    pub email: String,
    pub still_at: Option<Location>,
    pub request: Location,
    pub requested: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmation_indexes_follow_all() {
        for (i, c) in Confirmation::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }

    #[test]
    fn activity_counts_opt_ins_and_withdrawals_by_month() {
        let mut activity = Activity::default();
        let march = Some(Timestamp::from_unix(1_709_294_400)); // 2024-03-01T12:00Z
        activity.record(EventKind::OptIn, march);
        activity.record(EventKind::OptIn, march);
        activity.record(EventKind::Withdraw, march);
        activity.record(EventKind::Confirm, march);
        activity.record(EventKind::OptIn, None);
        activity.record(EventKind::SoftBounce, march);
        activity.record(EventKind::SoftBounce, None);
        // Earlier and later months, and a year no calendar has.
        activity.record(
            EventKind::Withdraw,
            Some(Timestamp::from_unix(1_640_995_200)),
        ); // 2022-01
        activity.record(EventKind::OptIn, Some(Timestamp::from_unix(1_735_689_600))); // 2025-01
        activity.record(EventKind::OptIn, Some(Timestamp::from_unix(i64::MAX / 2)));
        let months: Vec<_> = activity
            .iter()
            .map(|(m, a)| (m.to_string(), a.opt_ins, a.withdrawals))
            .collect();
        assert_eq!(
            months,
            [
                ("2022-01".to_string(), 0, 1),
                ("2024-03".to_string(), 2, 1),
                ("2025-01".to_string(), 1, 0),
                ("9999-12".to_string(), 1, 0),
            ]
        );
        assert_eq!(activity.soft_bounces, 2);
        let march = Timestamp::from_unix(1_709_294_400).month();
        assert_eq!(activity.get(march).opt_ins, 2);
        assert_eq!(activity.get(Month(march.0 + 1)), MonthActivity::default());
        assert_eq!(activity.get(Month(0)), MonthActivity::default());
    }

    #[test]
    fn tally_counts_consent_rows_only_for_age_and_origin() {
        let mut symbols = Symbols::default();
        let web = symbols.intern("web_form");
        let shop = symbols.intern("checkout");
        let newsletter = symbols.intern("newsletter");
        let mut tally = ConsentTally::default();
        let consent = |source, age| ConsentProfile {
            confirmation: Confirmation::Double,
            age_months: age,
            source,
            purpose: newsletter,
            erasure: None,
        };
        tally.add(&consent(web, Some(3)));
        tally.add(&consent(web, Some(30)));
        tally.add(&ConsentProfile {
            confirmation: Confirmation::Single,
            ..consent(shop, None)
        });
        tally.add(&ConsentProfile::default());
        assert_eq!(tally.confirmation, [2, 1, 1]);
        assert_eq!(tally.with_consent(), 3);
        assert_eq!(tally.rows(), 4);
        assert_eq!(tally.undated, 1);
        assert_eq!(tally.age_months.iter().sum::<u64>(), 2);
        assert_eq!(tally.age_months[30], 1);
        assert_eq!(
            tally.sources(&symbols),
            [("web_form".to_string(), 2), ("checkout".to_string(), 1)]
        );
        assert_eq!(tally.purposes(&symbols), [("newsletter".to_string(), 3)]);
    }
}
