//! Consent-log event kinds: what an event means for consent, whatever the
//! tool that wrote it called it. The words are in [`crate::vocabulary`].

use std::fmt;

/// What happened, as far as consent is concerned.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The person opted in (signed up, ticked the box, gave consent).
    OptIn,
    /// The person confirmed an opt-in through the double opt-in link.
    Confirm,
    /// The person renewed existing consent (re-permission).
    Renew,
    /// Unsubscribe, opt-out, objection (Art. 21), withdrawal (Art. 7(3)),
    /// or a spam complaint or abuse report (an objection by other means).
    Withdraw,
    /// A request to erase the person's data (Art. 17).
    Erasure,
    /// Engagement that came from the person: click, reply, login.
    Activity,
    /// A purchase: engagement from the person, and the sale a soft opt-in
    /// (ePrivacy Art. 13(2)) rests on.
    Purchase,
    /// An email was opened. Never evidence of anything: opens are
    /// measured by pixels, not people.
    Open,
    /// An email was sent or delivered. Says nothing about consent.
    Delivery,
    /// A temporary delivery failure (mailbox full, deferred). Removes
    /// nobody; the report counts them.
    SoftBounce,
    /// A permanent delivery failure: the mailbox does not exist (H008).
    HardBounce,
    /// A bounce whose kind the log does not say (H008, as a warning).
    Bounce,
    /// The sending tool suppressed the address or refused to send to it
    /// (a provider's suppression list, a dropped message): R003.
    Suppress,
}

impl EventKind {
    /// Every kind, in declaration order (the order scratch files number them).
    pub const ALL: [EventKind; 13] = [
        EventKind::OptIn,
        EventKind::Confirm,
        EventKind::Renew,
        EventKind::Withdraw,
        EventKind::Erasure,
        EventKind::Activity,
        EventKind::Purchase,
        EventKind::Open,
        EventKind::Delivery,
        EventKind::SoftBounce,
        EventKind::HardBounce,
        EventKind::Bounce,
        EventKind::Suppress,
    ];

    /// The canonical spelling, used in messages, reports and policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::OptIn => "opt_in",
            EventKind::Confirm => "confirm",
            EventKind::Renew => "renew",
            EventKind::Withdraw => "withdraw",
            EventKind::Erasure => "erasure",
            EventKind::Activity => "activity",
            EventKind::Purchase => "purchase",
            EventKind::Open => "open",
            EventKind::Delivery => "delivery",
            EventKind::SoftBounce => "soft_bounce",
            EventKind::HardBounce => "hard_bounce",
            EventKind::Bounce => "bounce",
            EventKind::Suppress => "suppress",
        }
    }

    /// The kind a canonical spelling names (`opt_in`, `hard_bounce`).
    pub fn named(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// An opt-in, renewal or confirmation: an act that gives consent.
    pub fn is_consent_act(self) -> bool {
        matches!(
            self,
            EventKind::OptIn | EventKind::Renew | EventKind::Confirm
        )
    }

    /// A delivery failure of any kind.
    pub fn is_bounce(self) -> bool {
        matches!(
            self,
            EventKind::SoftBounce | EventKind::HardBounce | EventKind::Bounce
        )
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::named(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::named("teleport"), None);
        assert!(EventKind::Renew.is_consent_act() && !EventKind::Purchase.is_consent_act());
        assert!(EventKind::Bounce.is_bounce() && !EventKind::Suppress.is_bounce());
    }
}
