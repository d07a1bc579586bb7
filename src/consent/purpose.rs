//! Does a consent's stated purpose cover the purpose the list is mailed for,
//! and does a withdrawal reach it?
//!
//! A purpose cell may hold several purposes (`newsletter, offers`,
//! `Angebote | Newsletter`): each is matched on its own. A withdrawal whose
//! purpose is a scope word (`all`, `*`, `alle E-Mails`, `tous les emails`)
//! withdraws every purpose; the scope words are in [`crate::vocabulary`].

use std::collections::HashMap;
use std::sync::RwLock;

use crate::text::{Phrases, Words};

/// How the purposes stated in one event relate to the list purpose.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PurposeFit {
    /// At least one stated purpose is the list purpose or a synonym of it.
    Covers,
    /// No purpose is stated.
    Unstated,
    /// Purposes are stated, none of them covers the list purpose.
    Other,
    /// The purpose is "all purposes" (or all emails, all marketing): a
    /// withdrawal so scoped reaches the list; a consent so scoped names no
    /// specific purpose (GDPR Art. 6(1)(a)), and is kept as unstated.
    Everything,
}

impl PurposeFit {
    /// The fits the ledger keeps consent for, in slot order.
    pub const ALL: [PurposeFit; 3] = [PurposeFit::Covers, PurposeFit::Unstated, PurposeFit::Other];
    /// Every fit, in the order stored events number them.
    pub const STORED: [PurposeFit; 4] = [
        PurposeFit::Covers,
        PurposeFit::Unstated,
        PurposeFit::Other,
        PurposeFit::Everything,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The fit a consent act is kept under: consent for "everything"
    /// names no specific purpose.
    pub fn of_consent(self) -> PurposeFit {
        match self {
            PurposeFit::Everything => PurposeFit::Unstated,
            fit => fit,
        }
    }

    /// Whether a withdrawal with this fit reaches the list.
    pub fn reaches_list(self) -> bool {
        self != PurposeFit::Other
    }
}

/// What a scope word reaches.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every purpose (`all`, `alle E-Mails`): anywhere in a withdrawal's
    /// purpose, and as the whole of a consent's, which then names none.
    All,
    /// A channel (`email`): as the whole purpose of a withdrawal, the
    /// person wants no email at all; inside a purpose (`Mailing list A`)
    /// or as a consent's purpose it says nothing about scope.
    Channel,
}

/// Distinct purpose cells remembered, at most: purposes are few, but a
/// free-text column must not grow the cache without bound.
const CACHE_LIMIT: usize = 4096;

/// The list purpose and every name that counts as it (compared
/// case-insensitively, e.g. `newsletter`, `dpv:DirectMarketing`), and the
/// scope words that mean every purpose.
#[derive(Debug)]
pub struct PurposeMatcher {
    accepted: Vec<String>,
    /// Scope words, and what each reaches.
    everything: Phrases<Scope>,
    /// Cells already classified that do not simply name the list purpose,
    /// for consents and for withdrawals: a log repeats a few cells
    /// millions of times.
    cache: [RwLock<Cache>; 2],
}

type Cache = HashMap<Box<str>, PurposeFit, foldhash::fast::RandomState>;

impl PurposeMatcher {
    pub fn new<'a>(
        list_purpose: &'a str,
        synonyms: impl IntoIterator<Item = &'a str>,
        everything: Phrases<Scope>,
    ) -> Self {
        let mut accepted: Vec<String> = std::iter::once(list_purpose)
            .chain(synonyms)
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
            .collect();
        accepted.sort();
        accepted.dedup();
        PurposeMatcher {
            accepted,
            everything,
            cache: Default::default(),
        }
    }

    /// Classifies the purpose cell of a consent (or any event but a
    /// withdrawal): a scope word counts only as the whole of a purpose
    /// (`all`, not `Newsletter (all editions)`).
    pub fn classify(&self, cell: &str) -> PurposeFit {
        self.classify_as(cell, false)
    }

    /// Classifies the purpose cell of a withdrawal: a scope word anywhere
    /// in a purpose reaches every purpose (`unsubscribed from all emails`).
    /// Reading too much into a withdrawal costs a mailing; reading too
    /// little mails someone who said no.
    pub fn classify_withdrawal(&self, cell: &str) -> PurposeFit {
        self.classify_as(cell, true)
    }

    fn classify_as(&self, cell: &str, withdrawal: bool) -> PurposeFit {
        let cell = cell.trim();
        if cell.is_empty() {
            return PurposeFit::Unstated;
        }
        if self.covers(cell) {
            return PurposeFit::Covers;
        }
        let cache = &self.cache[usize::from(withdrawal)];
        if let Some(fit) = cache.read().unwrap_or_else(|p| p.into_inner()).get(cell) {
            return *fit;
        }
        let fit = self.classify_members(cell, withdrawal);
        let mut cache = cache.write().unwrap_or_else(|p| p.into_inner());
        if cache.len() < CACHE_LIMIT {
            cache.insert(cell.into(), fit);
        }
        fit
    }

    fn classify_members(&self, cell: &str, withdrawal: bool) -> PurposeFit {
        let mut stated = false;
        let mut everything = false;
        for purpose in split_purposes(cell) {
            stated = true;
            if self.covers(purpose) {
                return PurposeFit::Covers;
            }
            if !everything {
                let words = Words::new(purpose);
                let whole = self.everything.find_whole(&words);
                everything = if withdrawal {
                    // The `All` words come first, so a purpose that holds
                    // one finds it before any channel.
                    self.everything.find(&words) == Some(Scope::All)
                        || whole == Some(Scope::Channel)
                } else {
                    whole == Some(Scope::All)
                };
            }
        }
        match (everything, stated) {
            (true, _) => PurposeFit::Everything,
            (false, true) => PurposeFit::Other,
            (false, false) => PurposeFit::Unstated,
        }
    }

    fn covers(&self, purpose: &str) -> bool {
        if purpose.is_ascii() {
            self.accepted
                .iter()
                .any(|a| a.eq_ignore_ascii_case(purpose))
        } else {
            let lowered = purpose.to_lowercase();
            self.accepted.contains(&lowered)
        }
    }
}

/// The non-empty purposes in a cell, trimmed: separated by `,` `;` `|`,
/// or `/` outside an address (`https://w3id.org/dpv#Marketing` is one).
pub fn split_purposes(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([',', ';', '|'])
        .flat_map(|part| {
            let slashes = if part.contains("://") {
                None
            } else {
                Some('/')
            };
            part.split(move |c| Some(c) == slashes)
        })
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn everything() -> Phrases<Scope> {
        let mut phrases = Phrases::default();
        for word in ["all", "*", "all emails", "alle", "tous les emails"] {
            phrases.add(word, Scope::All);
        }
        phrases.add("email", Scope::Channel);
        phrases.add("mailing", Scope::Channel);
        phrases
    }

    fn newsletter() -> PurposeMatcher {
        PurposeMatcher::new(
            "newsletter",
            [
                "dpv:DirectMarketing",
                "Marketing",
                "https://w3id.org/dpv#Marketing",
            ],
            everything(),
        )
    }

    #[test]
    fn matches_purposes_and_synonyms_case_insensitively() {
        let m = newsletter();
        assert_eq!(m.classify("newsletter"), PurposeFit::Covers);
        assert_eq!(m.classify(" Newsletter "), PurposeFit::Covers);
        assert_eq!(m.classify("DPV:DIRECTMARKETING"), PurposeFit::Covers);
        assert_eq!(m.classify("partners;newsletter"), PurposeFit::Covers);
        assert_eq!(m.classify("partners | marketing"), PurposeFit::Covers);
        assert_eq!(
            m.classify("https://w3id.org/dpv#Marketing"),
            PurposeFit::Covers
        );
    }

    #[test]
    fn purpose_cells_are_sets() {
        let m = newsletter();
        for cell in [
            "newsletter,offers",
            "Angebote, Newsletter",
            "offers/newsletter",
            "offers; newsletter|partners",
        ] {
            assert_eq!(m.classify(cell), PurposeFit::Covers, "{cell}");
            assert_eq!(m.classify_withdrawal(cell), PurposeFit::Covers, "{cell}");
        }
        assert_eq!(m.classify("offers, partners"), PurposeFit::Other);
        assert_eq!(
            split_purposes("a, b;c|d/e , https://x.org/p").collect::<Vec<_>>(),
            ["a", "b", "c", "d", "e", "https://x.org/p"]
        );
    }

    #[test]
    fn tells_unstated_from_other_purposes() {
        let m = newsletter();
        assert_eq!(m.classify(""), PurposeFit::Unstated);
        assert_eq!(m.classify(" ; | "), PurposeFit::Unstated);
        assert_eq!(m.classify("partners"), PurposeFit::Other);
        assert_eq!(
            m.classify("contest_participation;order_processing"),
            PurposeFit::Other
        );
        assert_eq!(m.classify("newsletters-weekly"), PurposeFit::Other);
    }

    #[test]
    fn scope_words_reach_every_purpose_of_a_withdrawal() {
        let m = newsletter();
        for cell in [
            "all",
            "*",
            "ALL_EMAILS",
            "unsubscribed from all emails",
            "Alle",
            "partners, all",
        ] {
            assert_eq!(
                m.classify_withdrawal(cell),
                PurposeFit::Everything,
                "{cell}"
            );
        }
        // A consent "for all" names no specific purpose; a purpose that only
        // mentions a scope word is another purpose.
        assert_eq!(m.classify("all"), PurposeFit::Everything);
        assert_eq!(PurposeFit::Everything.of_consent(), PurposeFit::Unstated);
        assert_eq!(m.classify("Newsletter (all editions)"), PurposeFit::Other);
        assert_eq!(
            m.classify_withdrawal("Newsletter (all editions)"),
            PurposeFit::Everything
        );
        assert_eq!(m.classify_withdrawal("small print"), PurposeFit::Other);
        // A channel scopes an unsubscribe, not a consent, and only as the
        // whole purpose.
        assert_eq!(m.classify_withdrawal("E-Mail"), PurposeFit::Everything);
        assert_eq!(m.classify("E-Mail"), PurposeFit::Other);
        assert_eq!(m.classify_withdrawal("Mailing list A"), PurposeFit::Other);
        assert_eq!(m.classify_withdrawal("email tips"), PurposeFit::Other);
        assert!(PurposeFit::Everything.reaches_list() && !PurposeFit::Other.reaches_list());
    }

    #[test]
    fn repeated_cells_are_answered_from_the_cache() {
        let m = newsletter();
        for _ in 0..3 {
            assert_eq!(
                m.classify_withdrawal("tous les emails"),
                PurposeFit::Everything
            );
            assert_eq!(m.classify("tous les emails"), PurposeFit::Everything);
        }
        let cached = |i: usize| m.cache[i].read().unwrap().len();
        assert_eq!((cached(0), cached(1)), (1, 1));
    }

    #[test]
    fn non_ascii_purposes_compare_case_insensitively() {
        let m = PurposeMatcher::new(
            "Kundenbindung",
            ["Werbe-E-Mails für Bestandskunden"],
            Phrases::default(),
        );
        assert_eq!(
            m.classify("WERBE-E-MAILS FÜR BESTANDSKUNDEN"),
            PurposeFit::Covers
        );
    }
}
