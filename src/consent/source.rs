//! What a consent record's source says about how consent was collected:
//! a source that cannot carry consent (C007), an import that shows nothing
//! about how the person opted in (C006), a known collection point, or a
//! word nobody taught the tool. The words are in [`crate::vocabulary`].

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

/// What a source value says about how the consent was collected.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SourceClass {
    /// A source that cannot carry consent (C007).
    Invalid(SourceCategory),
    /// How the address was loaded (a CSV import, the API, a migration), not
    /// how the person opted in: no evidence of how or where (C006).
    Import,
    /// A collection point the vocabulary knows (a web form, a checkout).
    Known,
    /// A value no vocabulary word matches; the report lists these.
    Unrecognised,
    /// No source at all.
    Empty,
}

impl SourceClass {
    pub fn category(self) -> Option<SourceCategory> {
        match self {
            SourceClass::Invalid(category) => Some(category),
            _ => None,
        }
    }
}

/// Classifies source values; the policy's vocabulary does it.
pub trait ClassifySource: Sync {
    fn classify_source(&self, source: &str) -> SourceClass;
}
