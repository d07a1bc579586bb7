//! How a consent was expressed and on which legal basis it rests, as far
//! as a consent log records it: the fields behind C009 (not affirmative),
//! the notice-version part of C006, and CASL's implied consent clocks.

use std::fmt;

use crate::text::{fold_into, with_folded};

/// How the person expressed consent (ISO/IEC TS 27560 "event type", DPV
/// `hasIndicationMethod`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Method {
    /// Not recorded, or a spelling this version does not know.
    #[default]
    Unknown,
    /// A clear affirmative act: an unticked box ticked, a button, a DOI
    /// link, a signature, an oral yes.
    Affirmative,
    /// A box ticked in advance by the sender (CJEU C-673/17 Planet49).
    PreTicked,
    /// Inferred from conduct or silence, not expressed.
    Implied,
    /// Accepted as part of terms and conditions or a privacy notice, with
    /// no separate marketing opt-in (GDPR Art. 7(2)).
    BundledInTerms,
}

impl Method {
    /// Every method, in declaration order.
    pub const ALL: [Method; 5] = [
        Method::Unknown,
        Method::Affirmative,
        Method::PreTicked,
        Method::Implied,
        Method::BundledInTerms,
    ];

    /// Whether this method can never carry GDPR consent.
    pub fn is_not_affirmative(self) -> bool {
        matches!(
            self,
            Method::PreTicked | Method::Implied | Method::BundledInTerms
        )
    }

    pub fn describe(self) -> &'static str {
        match self {
            Method::Unknown => "an unrecorded method",
            Method::Affirmative => "an affirmative act",
            Method::PreTicked => "a pre-ticked box",
            Method::Implied => "implied consent",
            Method::BundledInTerms => "acceptance of terms and conditions",
        }
    }
}

/// Spellings of expression methods in folded form ([`fold`]).
const METHOD_SPELLINGS: &[(Method, &[&str])] = &[
    (
        Method::PreTicked,
        &[
            "preticked",
            "prechecked",
            "checkboxpreticked",
            "checkboxprechecked",
            "pretickedcheckbox",
            "precheckedcheckbox",
            "pretickedbox",
            "defaulton",
            "optedinbydefault",
            "vorangekreuzt",
            "caseprecochee",
        ],
    ),
    (
        Method::Implied,
        &[
            "implied",
            "implicit",
            "impliedconsent",
            "dpvimpliedconsent",
            "inactivity",
            "silence",
            "optout",
            "conduct",
            "konkludent",
            "implicite",
        ],
    ),
    (
        Method::BundledInTerms,
        &[
            "terms",
            "termsacceptance",
            "acceptedterms",
            "termsandconditions",
            "tandc",
            "tc",
            "tos",
            "bundled",
            "bundledinterms",
            "privacypolicyacceptance",
            "agb",
            "cgu",
            "cgv",
        ],
    ),
    (
        Method::Affirmative,
        &[
            "checkbox",
            "checkboxunticked",
            "untickedcheckbox",
            "tickbox",
            "button",
            "doilink",
            "doubleoptin",
            "doubleoptinlink",
            "confirmationlink",
            "oral",
            "verbal",
            "signature",
            "signed",
            "written",
            "express",
            "expressed",
            "explicit",
            "expressedconsent",
            "explicitlyexpressedconsent",
            "dpvexpressedconsent",
            "dpvexplicitlyexpressedconsent",
            "optin",
            "affirmative",
        ],
    ),
];

/// Reads an expression-method cell; unknown spellings are `Unknown`, never
/// guessed.
pub fn parse_method(cell: &str) -> Method {
    let mut buf = [0u8; 64];
    let Some(folded) = fold_into(cell, &mut buf) else {
        return Method::Unknown;
    };
    let folded = folded.strip_prefix("httpsw3idorgdpv").unwrap_or(folded);
    METHOD_SPELLINGS
        .iter()
        .find(|(_, names)| names.contains(&folded))
        .map_or(Method::Unknown, |(method, _)| *method)
}

/// The legal basis a consent record claims.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Basis {
    /// Not recorded: treated as consent.
    #[default]
    Unstated,
    /// Express (GDPR Art. 6(1)(a), CASL s. 10(1)) consent.
    Express,
    /// CASL implied consent from an existing business relationship: a
    /// purchase, contract or business opportunity (s. 10(10)(a)–(c)).
    ImpliedPurchase,
    /// CASL implied consent from an inquiry or application (s. 10(10)(d)).
    ImpliedInquiry,
    /// CASL implied consent from a non-business relationship: donation,
    /// volunteering, membership (s. 10(13)).
    ImpliedNonBusiness,
    /// CASL implied consent from a conspicuously published or disclosed
    /// address (s. 10(9)(b)–(c)): no clock, but only for the person's role.
    ImpliedPublished,
    /// Implied consent of an unstated kind.
    Implied,
}

impl Basis {
    /// Every basis, in declaration order.
    pub const ALL: [Basis; 7] = [
        Basis::Unstated,
        Basis::Express,
        Basis::ImpliedPurchase,
        Basis::ImpliedInquiry,
        Basis::ImpliedNonBusiness,
        Basis::ImpliedPublished,
        Basis::Implied,
    ];

    pub fn is_implied(self) -> bool {
        matches!(
            self,
            Basis::ImpliedPurchase
                | Basis::ImpliedInquiry
                | Basis::ImpliedNonBusiness
                | Basis::ImpliedPublished
                | Basis::Implied
        )
    }

    pub fn describe(self) -> &'static str {
        match self {
            Basis::Unstated => "consent",
            Basis::Express => "express consent",
            Basis::ImpliedPurchase => "implied consent from a purchase or contract",
            Basis::ImpliedInquiry => "implied consent from an inquiry",
            Basis::ImpliedNonBusiness => "implied consent from a donation or membership",
            Basis::ImpliedPublished => "implied consent from a published address",
            Basis::Implied => "implied consent",
        }
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

const BASIS_SPELLINGS: &[(Basis, &[&str])] = &[
    (
        Basis::ImpliedPurchase,
        &[
            "impliedpurchase",
            "impliedebr",
            "caslimpliedebr",
            "ebr",
            "existingbusinessrelationship",
            "impliedexistingbusinessrelationship",
            "impliedcontract",
            "purchase",
        ],
    ),
    (
        Basis::ImpliedInquiry,
        &[
            "impliedinquiry",
            "impliedenquiry",
            "caslimpliedinquiry",
            "inquiry",
            "enquiry",
            "application",
        ],
    ),
    (
        Basis::ImpliedNonBusiness,
        &[
            "impliedenbr",
            "caslimpliedenbr",
            "enbr",
            "existingnonbusinessrelationship",
            "donation",
            "membership",
            "volunteer",
        ],
    ),
    (
        Basis::ImpliedPublished,
        &[
            "impliedpublished",
            "caslimpliedpublished",
            "conspicuouspublication",
            "published",
            "disclosed",
            "impliedbusinesscard",
        ],
    ),
    (
        Basis::Implied,
        &["implied", "impliedconsent", "implicit", "dpvimpliedconsent"],
    ),
    (
        Basis::Express,
        &[
            "express",
            "expressconsent",
            "explicit",
            "explicitconsent",
            "consent",
            "optin",
            "a61a",
            "gdpra61a",
            "eugdpra61a",
            "freelygivenconsentfromcontact",
        ],
    ),
];

/// Words in a legal-basis cell that mean consent, whatever else the cell
/// says (`Consent given by ticking the box`, `Einwilligung (Art. 6 Abs. 1
/// lit. a)`), folded.
const CONSENT_WORDS: &[&str] = &[
    "consent",
    "einwilligung",
    "zustimmung",
    "consenso",
    "toestemming",
    "art61a",
    "6abs1lita",
];

/// Words in a legal-basis cell that name a basis other than consent
/// (GDPR Art. 6(1)(b)–(f)), folded: HubSpot's `Legitimate interest –
/// prospect/lead`, `Performance of a contract`, `Not applicable`, and the
/// same in German, French, Spanish, Italian and Dutch.
const OTHER_BASIS_WORDS: &[&str] = &[
    "legitimate",
    "berechtigtesinteresse",
    "interetlegitime",
    "intereslegitimo",
    "interesselegittimo",
    "gerechtvaardigdbelang",
    "contract",
    "vertrag",
    "contrat",
    "contrato",
    "contratto",
    "overeenkomst",
    "legalobligation",
    "rechtlicheverpflichtung",
    "obligationlegale",
    "obligacionlegal",
    "obbligolegale",
    "wettelijkeverplichting",
    "vitalinterest",
    "publictask",
    "publicinterest",
    "notapplicable",
    "a61b",
    "a61c",
    "a61d",
    "a61e",
    "a61f",
    "art61b",
    "art61c",
    "art61d",
    "art61e",
    "art61f",
    "6abs1litb",
    "6abs1litc",
    "6abs1litd",
    "6abs1lite",
    "6abs1litf",
];

/// What a legal-basis cell says.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BasisReading {
    /// Consent, of the kind given ([`Basis::Unstated`] for an empty cell).
    Consent(Basis),
    /// A basis other than consent (legitimate interest, contract): no
    /// consent evidence.
    Other,
    /// Words no spelling matches: neither taken as consent nor as its
    /// absence without saying so.
    Unknown,
}

/// Reads a legal-basis cell.
pub fn parse_basis(cell: &str) -> BasisReading {
    with_folded(cell, read_basis)
}

fn read_basis(folded: &str) -> BasisReading {
    if folded.is_empty() {
        return BasisReading::Consent(Basis::Unstated);
    }
    if let Some((basis, _)) = BASIS_SPELLINGS
        .iter()
        .find(|(_, names)| names.contains(&folded))
    {
        return BasisReading::Consent(*basis);
    }
    if CONSENT_WORDS.iter().any(|word| folded.contains(word)) {
        BasisReading::Consent(Basis::Express)
    } else if OTHER_BASIS_WORDS.iter().any(|word| folded.contains(word)) {
        BasisReading::Other
    } else {
        BasisReading::Unknown
    }
}

impl BasisReading {
    /// The consent basis, if the cell states one.
    pub fn consent(self) -> Option<Basis> {
        match self {
            BasisReading::Consent(basis) => Some(basis),
            BasisReading::Other | BasisReading::Unknown => None,
        }
    }
}

/// What one consent record says about its terms.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Terms {
    pub method: Method,
    pub basis: Basis,
    /// The record names the notice or consent text the person saw.
    pub has_notice: bool,
}

impl Terms {
    /// The basis, where an implied expression method stands in for an
    /// unstated one: consent inferred from conduct is implied consent.
    pub fn effective_basis(self) -> Basis {
        match (self.basis, self.method) {
            (Basis::Unstated, Method::Implied) => Basis::Implied,
            (basis, _) => basis,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    #[test]
    fn spellings_are_folded_and_fit_the_match_buffer() {
        let all = METHOD_SPELLINGS
            .iter()
            .flat_map(|(_, names)| names.iter())
            .chain(BASIS_SPELLINGS.iter().flat_map(|(_, names)| names.iter()));
        for spelling in all {
            assert_eq!(fold(spelling), *spelling, "{spelling} is not folded");
            assert!(spelling.len() <= 64, "{spelling} cannot be matched");
        }
    }

    #[test]
    fn methods() {
        for (cell, method) in [
            ("checkbox_preticked", Method::PreTicked),
            ("Pre-ticked", Method::PreTicked),
            ("implied", Method::Implied),
            ("dpv:ImpliedConsent", Method::Implied),
            ("https://w3id.org/dpv#ImpliedConsent", Method::Implied),
            ("terms_acceptance", Method::BundledInTerms),
            ("T&C", Method::BundledInTerms),
            ("checkbox_unticked", Method::Affirmative),
            ("doi_link", Method::Affirmative),
            ("EXPLICIT", Method::Affirmative),
            ("carrier pigeon", Method::Unknown),
            ("", Method::Unknown),
        ] {
            assert_eq!(parse_method(cell), method, "{cell:?}");
        }
        assert!(Method::PreTicked.is_not_affirmative());
        assert!(!Method::Unknown.is_not_affirmative());
    }

    #[test]
    fn bases() {
        use BasisReading::{Consent, Other, Unknown};
        for (cell, reading) in [
            ("express", Consent(Basis::Express)),
            ("Freely given consent from contact", Consent(Basis::Express)),
            ("casl_implied_ebr", Consent(Basis::ImpliedPurchase)),
            ("implied (inquiry)", Consent(Basis::ImpliedInquiry)),
            ("ENBR", Consent(Basis::ImpliedNonBusiness)),
            ("implied", Consent(Basis::Implied)),
            ("", Consent(Basis::Unstated)),
            (
                "Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)",
                Consent(Basis::Express),
            ),
            ("consentement", Consent(Basis::Express)),
            ("consenso esplicito", Consent(Basis::Express)),
            ("Toestemming", Consent(Basis::Express)),
            ("Legitimate interest – prospect/lead", Other),
            ("Performance of a contract", Other),
            ("Not applicable", Other),
            ("Berechtigtes Interesse", Other),
            ("intérêt légitime", Other),
            ("Art. 6(1)(f)", Other),
            ("Art. 6 Abs. 1 lit. f DSGVO", Other),
            ("GDPR Art. 6(1)(a)", Consent(Basis::Express)),
            ("Vertragserfüllung", Other),
            (
                "Consent given by ticking the newsletter box on the order confirmation page",
                Consent(Basis::Express),
            ),
            ("Kundenwunsch", Unknown),
            ("per CEO", Unknown),
        ] {
            assert_eq!(parse_basis(cell), reading, "{cell:?}");
        }
    }
}
