//! Subscription statuses as subscriber exports state them, by what they
//! mean for the row. The words are in [`crate::vocabulary`].

/// What an export's status (or suppression reason) says about a row.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Subscribed,
    /// Signed up, double opt-in not completed.
    Pending,
    /// Unsubscribed, opted out, or not an active subscriber (cancelled,
    /// inactive): R001.
    Unsubscribed,
    /// Marked a mailing as spam: an objection (R001).
    Complained,
    /// On the tool's blocklist (listmonk, phpList, Brevo): R001.
    Blocklisted,
    /// Deleted from the list: R001.
    Deleted,
    /// Hard-bounced or invalid (Mailchimp's `cleaned`): H008.
    Undeliverable,
    /// Soft-bounced: kept, counted.
    SoftBounced,
    /// On the tool's suppression list, for a reason the status does not
    /// give: R003.
    Suppressed,
    /// Klaviyo's `NEVER_SUBSCRIBED`.
    NeverSubscribed,
    /// A status that says nothing about consent (`enabled`, `disabled`).
    Neutral,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Subscribed,
        Status::Pending,
        Status::Unsubscribed,
        Status::Complained,
        Status::Blocklisted,
        Status::Deleted,
        Status::Undeliverable,
        Status::SoftBounced,
        Status::Suppressed,
        Status::NeverSubscribed,
        Status::Neutral,
    ];

    /// The name in reports and in a policy's `[vocabulary.statuses]`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Subscribed => "subscribed",
            Status::Pending => "pending",
            Status::Unsubscribed => "unsubscribed",
            Status::Complained => "complained",
            Status::Blocklisted => "blocklisted",
            Status::Deleted => "deleted",
            Status::Undeliverable => "undeliverable",
            Status::SoftBounced => "soft_bounced",
            Status::Suppressed => "suppressed",
            Status::NeverSubscribed => "never_subscribed",
            Status::Neutral => "neutral",
        }
    }

    pub fn named(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The event the status stands for, if it stands for one.
    pub fn event(self) -> Option<super::EventKind> {
        use super::EventKind;
        Some(match self {
            Status::Unsubscribed | Status::Complained | Status::Blocklisted | Status::Deleted => {
                EventKind::Withdraw
            }
            Status::Undeliverable => EventKind::HardBounce,
            Status::SoftBounced => EventKind::SoftBounce,
            Status::Suppressed => EventKind::Suppress,
            Status::Subscribed | Status::Pending | Status::NeverSubscribed | Status::Neutral => {
                return None;
            }
        })
    }
}
