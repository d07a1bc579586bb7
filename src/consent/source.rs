//! Collection sources that cannot carry valid consent (C007).
//!
//! The categories and their spellings are data owned by the policy, so a
//! policy can add local words without a code change.

use std::fmt;

/// Why a source cannot carry consent.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceCategory {
    /// Consent coupled to a contest, sweepstake or giveaway (Art. 7(4)).
    Contest,
    /// A bought list: the seller's consent is not the sender's.
    PurchasedList,
    /// A rented list, co-registration or list swap.
    RentedList,
    /// Someone else's address book or social network (tell-a-friend, sync).
    AddressBook,
    /// Harvested from the web or enriched from other data.
    Scraped,
    /// A business card or badge scan: handing over a card is not consent.
    BusinessCard,
    /// Consent given to a named partner or third party for the sender
    /// (indirect consent). Valid where it names the sender, but it ages
    /// fast (ICO: six months).
    ThirdParty,
}

impl SourceCategory {
    pub const ALL: [SourceCategory; 7] = [
        SourceCategory::Contest,
        SourceCategory::PurchasedList,
        SourceCategory::RentedList,
        SourceCategory::AddressBook,
        SourceCategory::Scraped,
        SourceCategory::BusinessCard,
        SourceCategory::ThirdParty,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The key in a policy file's `[sources]` table.
    pub fn key(self) -> &'static str {
        match self {
            SourceCategory::Contest => "contest",
            SourceCategory::PurchasedList => "purchased-list",
            SourceCategory::RentedList => "rented-list",
            SourceCategory::AddressBook => "address-book",
            SourceCategory::Scraped => "scraped",
            SourceCategory::BusinessCard => "business-card",
            SourceCategory::ThirdParty => "third-party",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            SourceCategory::Contest => "a contest or sweepstake",
            SourceCategory::PurchasedList => "a purchased list",
            SourceCategory::RentedList => "a rented list or co-registration",
            SourceCategory::AddressBook => "an address-book or social-network import",
            SourceCategory::Scraped => "scraping or data enrichment",
            SourceCategory::BusinessCard => "a business card or badge scan",
            SourceCategory::ThirdParty => "a third party (indirect consent)",
        }
    }
}

impl fmt::Display for SourceCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Words and phrases that put a source into a category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcePatterns {
    patterns: Vec<(SourceCategory, Vec<Vec<String>>)>,
}

/// The built-in spellings, in English, German and French.
pub const DEFAULT_SOURCE_PATTERNS: &[(SourceCategory, &[&str])] = &[
    (
        SourceCategory::Contest,
        &[
            "contest",
            "contests",
            "sweepstake",
            "sweepstakes",
            "giveaway",
            "giveaways",
            "competition",
            "raffle",
            "lottery",
            "prize draw",
            "gewinnspiel",
            "preisausschreiben",
            "verlosung",
            "concours",
            "tombola",
        ],
    ),
    (
        SourceCategory::PurchasedList,
        &[
            "purchased",
            "purchased list",
            "bought list",
            "list purchase",
            "list buy",
            "data broker",
            "databroker",
            "lead vendor",
            "adresskauf",
            "gekaufte liste",
            "fichier achete",
        ],
    ),
    (
        SourceCategory::RentedList,
        &[
            "rented",
            "rented list",
            "list rental",
            "rental list",
            "co registration",
            "coregistration",
            "coreg",
            "list swap",
            "list exchange",
            "adressmiete",
            "location de fichier",
        ],
    ),
    (
        SourceCategory::AddressBook,
        &[
            "social sync",
            "social import",
            "address book",
            "addressbook",
            "contact import",
            "contacts import",
            "contact sync",
            "contacts sync",
            "friend finder",
            "tell a friend",
            "refer a friend",
            "freunde finden",
            "adressbuch",
        ],
    ),
    (
        SourceCategory::Scraped,
        &[
            "scraped",
            "scraping",
            "scrape",
            "harvested",
            "harvesting",
            "crawled",
            "crawler",
            "enrichment",
            "enriched",
        ],
    ),
    (
        SourceCategory::BusinessCard,
        &[
            "business card",
            "business cards",
            "businesscard",
            "visitenkarte",
            "badge scan",
            "badge scanning",
            "lead scan",
            "carte de visite",
        ],
    ),
    (
        SourceCategory::ThirdParty,
        &[
            "third party",
            "thirdparty",
            "partner",
            "partners",
            "affiliate",
            "indirect",
            "lead generation",
            "leadgen",
            "partenaire",
            "partenaires",
        ],
    ),
];

impl Default for SourcePatterns {
    fn default() -> Self {
        SourcePatterns::new(
            DEFAULT_SOURCE_PATTERNS
                .iter()
                .map(|(category, phrases)| (*category, phrases.iter().copied())),
        )
    }
}

impl SourcePatterns {
    pub fn new<'a, P>(entries: impl IntoIterator<Item = (SourceCategory, P)>) -> Self
    where
        P: IntoIterator<Item = &'a str>,
    {
        let patterns = entries
            .into_iter()
            .map(|(category, phrases)| {
                let phrases = phrases
                    .into_iter()
                    .map(|phrase| words(phrase).map(str::to_string).collect::<Vec<_>>())
                    .filter(|w| !w.is_empty())
                    .collect();
                (category, phrases)
            })
            .collect();
        SourcePatterns { patterns }
    }

    /// Adds phrases to a category (a policy file's `[sources.phrases]`).
    pub fn add(&mut self, category: SourceCategory, phrases: &[String]) {
        let words: Vec<Vec<String>> = phrases
            .iter()
            .map(|p| {
                words(&p.to_lowercase())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .filter(|w| !w.is_empty())
            .collect();
        match self.patterns.iter_mut().find(|(c, _)| *c == category) {
            Some((_, existing)) => existing.extend(words),
            None => self.patterns.push((category, words)),
        }
    }

    /// The category of a source cell, if any phrase occurs in it as whole
    /// words (`Summer sweepstake 2024`, `co-registration`, `contest2024`).
    pub fn classify(&self, source: &str) -> Option<SourceCategory> {
        if source.trim().is_empty() {
            return None;
        }
        let lowered = source.to_lowercase();
        let tokens: Vec<&str> = words(&lowered).collect();
        self.patterns
            .iter()
            .find(|(_, phrases)| phrases.iter().any(|p| contains_phrase(&tokens, p)))
            .map(|(category, _)| *category)
    }
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

fn contains_phrase(tokens: &[&str], phrase: &[String]) -> bool {
    tokens.windows(phrase.len()).any(|window| {
        window
            .iter()
            .zip(phrase)
            .all(|(token, word)| word_matches(token, word))
    })
}

/// A token matches a word exactly or with a trailing number (`contest2024`).
fn word_matches(token: &str, word: &str) -> bool {
    token
        .strip_prefix(word)
        .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_invalid_sources() {
        let p = SourcePatterns::default();
        let cases = [
            ("sweepstake", SourceCategory::Contest),
            ("Summer Sweepstakes 2024", SourceCategory::Contest),
            ("contest2024", SourceCategory::Contest),
            ("Gewinnspiel", SourceCategory::Contest),
            ("purchased_list", SourceCategory::PurchasedList),
            ("Data-Broker", SourceCategory::PurchasedList),
            ("co-registration", SourceCategory::RentedList),
            ("rented list", SourceCategory::RentedList),
            ("address_book_import", SourceCategory::AddressBook),
            ("tell-a-friend", SourceCategory::AddressBook),
            ("linkedin scraping", SourceCategory::Scraped),
            ("business card", SourceCategory::BusinessCard),
            ("Visitenkarte Messe", SourceCategory::BusinessCard),
        ];
        for (cell, category) in cases {
            assert_eq!(p.classify(cell), Some(category), "{cell:?}");
        }
    }

    #[test]
    fn leaves_valid_sources_alone() {
        let p = SourcePatterns::default();
        for cell in [
            "web_form",
            "checkout",
            "purchase",
            "import",
            "double_opt_in_link",
            "contact_form",
            "address",
            "cardiff store",
            "",
        ] {
            assert_eq!(p.classify(cell), None, "{cell:?}");
        }
    }

    #[test]
    fn policies_can_add_words() {
        let p = SourcePatterns::new([(SourceCategory::Contest, ["preisrätsel"])]);
        assert_eq!(p.classify("Preisrätsel Mai"), Some(SourceCategory::Contest));
        assert_eq!(p.classify("sweepstake"), None);
    }
}
