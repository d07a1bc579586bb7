//! Consent-log event kinds and the spellings tools use for them.

use std::fmt;

use crate::text::fold_into;

/// What happened, as far as consent is concerned.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The person opted in (signed up, ticked the box, gave consent).
    OptIn,
    /// The person confirmed an opt-in through the double opt-in link.
    Confirm,
    /// The person renewed existing consent (re-permission).
    Renew,
    /// Unsubscribe, opt-out, objection (Art. 21) or withdrawal (Art. 7(3)).
    Withdraw,
    /// A request to erase the person's data (Art. 17).
    Erasure,
    /// Engagement that came from the person: click, reply, purchase, login.
    Activity,
    /// An email was opened. Recognised so it is not reported as unknown, but
    /// never evidence of anything: opens are measured by pixels, not people.
    Open,
    /// A delivery failure. Recognised, not consent evidence.
    Bounce,
    /// The sending tool suppressed the address (Mailchimp "cleaned" after
    /// hard bounces, a provider's suppression list): it must not be mailed.
    Suppress,
}

impl EventKind {
    /// Every kind, in declaration order (the order scratch files number them).
    pub const ALL: [EventKind; 9] = [
        EventKind::OptIn,
        EventKind::Confirm,
        EventKind::Renew,
        EventKind::Withdraw,
        EventKind::Erasure,
        EventKind::Activity,
        EventKind::Open,
        EventKind::Bounce,
        EventKind::Suppress,
    ];

    /// The canonical spelling, used in messages and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::OptIn => "opt_in",
            EventKind::Confirm => "confirm",
            EventKind::Renew => "renew",
            EventKind::Withdraw => "withdraw",
            EventKind::Erasure => "erasure",
            EventKind::Activity => "activity",
            EventKind::Open => "open",
            EventKind::Bounce => "bounce",
            EventKind::Suppress => "suppress",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Spellings seen in ESP exports, CRMs, consent platforms and W3C DPV, in
/// the folded form produced by [`crate::text::fold`] (`Opt-In` → `optin`).
const SPELLINGS: &[(EventKind, &[&str])] = &[
    (
        EventKind::OptIn,
        &[
            "optin",
            "optedin",
            "subscribe",
            "subscribed",
            "subscription",
            "signup",
            "signedup",
            "register",
            "registered",
            "consent",
            "consented",
            "consentgiven",
            "given",
            "granted",
            "consentgranted",
            "dpvconsentgiven",
            "join",
            "joined",
            "anmeldung",
            "einwilligung",
            "inscription",
        ],
    ),
    (
        EventKind::Confirm,
        &[
            "confirm",
            "confirmed",
            "confirmation",
            "doi",
            "doiconfirm",
            "doiconfirmed",
            "doubleoptin",
            "doubleoptinconfirmed",
            "optinconfirmed",
            "subscriptionconfirmed",
            "bestaetigung",
            "bestätigung",
            "bestaetigt",
            "bestätigt",
        ],
    ),
    (
        EventKind::Renew,
        &[
            "renew",
            "renewed",
            "renewal",
            "reconfirm",
            "reconfirmed",
            "reoptin",
            "resubscribe",
            "resubscribed",
            "repermission",
            "consentrenewed",
            "renewedconsentgiven",
            "dpvrenewedconsentgiven",
            "refresh",
            "refreshed",
        ],
    ),
    (
        EventKind::Withdraw,
        &[
            "withdraw",
            "withdrawn",
            "withdrawal",
            "unsubscribe",
            "unsubscribed",
            "unsub",
            "optout",
            "optedout",
            "object",
            "objected",
            "objection",
            "revoke",
            "revoked",
            "refused",
            "consentrefused",
            "consentwithdrawn",
            "consentrevoked",
            "dpvconsentwithdrawn",
            "dpvconsentrefused",
            "dpvconsentrevoked",
            "expired",
            "consentexpired",
            "dpvconsentexpired",
            "invalidated",
            "dpvconsentinvalidated",
            "complaint",
            "spamcomplaint",
            "markedasspam",
            "abmeldung",
            "abgemeldet",
            "widerruf",
            "widerspruch",
            "desinscription",
            "désinscription",
        ],
    ),
    (
        EventKind::Erasure,
        &[
            "erasure",
            "erasurerequest",
            "erasurerequested",
            "erase",
            "delete",
            "deleted",
            "deletion",
            "deletionrequest",
            "deleterequest",
            "forget",
            "forgetme",
            "righttobeforgotten",
            "rtbf",
            "gdprdelete",
            "gdprerasure",
            "loeschung",
            "löschung",
            "loeschantrag",
            "löschantrag",
        ],
    ),
    (
        EventKind::Activity,
        &[
            "activity",
            "engagement",
            "click",
            "clicked",
            "linkclick",
            "reply",
            "replied",
            "purchase",
            "purchased",
            "order",
            "ordered",
            "login",
            "loggedin",
            "signin",
        ],
    ),
    (
        EventKind::Open,
        &["open", "opened", "emailopen", "emailopened"],
    ),
    (
        EventKind::Bounce,
        &["bounce", "bounced", "hardbounce", "softbounce", "cleaned"],
    ),
    (
        EventKind::Suppress,
        &[
            "suppress",
            "suppressed",
            "suppression",
            "addedtosuppressionlist",
        ],
    ),
];

/// Recognises an event cell. `None` means unknown (a D002 finding).
pub fn parse_event_kind(cell: &str) -> Option<EventKind> {
    let mut buf = [0u8; 64];
    let folded = fold_into(cell, &mut buf)?;
    if folded.is_empty() {
        return None;
    }
    SPELLINGS
        .iter()
        .find(|(_, spellings)| spellings.contains(&folded))
        .map(|(kind, _)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_common_spellings() {
        let cases = [
            ("opt_in", EventKind::OptIn),
            ("Opt-In", EventKind::OptIn),
            ("SUBSCRIBE", EventKind::OptIn),
            ("dpv:ConsentGiven", EventKind::OptIn),
            ("confirm", EventKind::Confirm),
            ("Double Opt-In", EventKind::Confirm),
            ("doi_confirmed", EventKind::Confirm),
            ("renew", EventKind::Renew),
            ("re-opt-in", EventKind::Renew),
            ("withdraw", EventKind::Withdraw),
            ("unsubscribe", EventKind::Withdraw),
            ("opt-out", EventKind::Withdraw),
            ("objection", EventKind::Withdraw),
            ("spam_complaint", EventKind::Withdraw),
            ("dpv:ConsentWithdrawn", EventKind::Withdraw),
            ("erasure_request", EventKind::Erasure),
            ("Right to be forgotten", EventKind::Erasure),
            ("Löschung", EventKind::Erasure),
            ("click", EventKind::Activity),
            ("purchase", EventKind::Activity),
            ("login", EventKind::Activity),
            ("open", EventKind::Open),
            ("hard_bounce", EventKind::Bounce),
            ("dpv:ConsentExpired", EventKind::Withdraw),
            ("suppressed", EventKind::Suppress),
        ];
        for (cell, kind) in cases {
            assert_eq!(parse_event_kind(cell), Some(kind), "{cell:?}");
        }
    }

    #[test]
    fn unknown_and_empty_events_are_none() {
        assert_eq!(parse_event_kind("teleported"), None);
        assert_eq!(parse_event_kind(""), None);
        assert_eq!(parse_event_kind(" - "), None);
    }

    #[test]
    fn every_spelling_is_folded_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for (_, spellings) in SPELLINGS {
            for spelling in *spellings {
                assert_eq!(
                    crate::text::fold(spelling),
                    *spelling,
                    "{spelling} is not folded"
                );
                assert!(seen.insert(*spelling), "{spelling} listed twice");
            }
        }
    }
}
