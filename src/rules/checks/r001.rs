//! R001 `withdrawn`: a withdrawal, unsubscribe or objection that still stands.
//!
//! The rule's documentation is `docs/rules/R001.md`.

use super::{RowContext, future_note};
use crate::consent::{EventRef, PurposeFit, Slot, Timestamp, latest};

pub(super) fn withdrawn(ctx: &RowContext<'_>) -> Option<String> {
    let withdrawal = ctx.assessment.withdrawal?;
    let note = future_note(ctx, &withdrawal);
    let mut what = ctx.describe(&withdrawal);
    if withdrawal.purpose_fit == PurposeFit::Everything {
        what.push_str(&format!(
            "; its purpose '{}' withdraws every purpose",
            ctx.index.text(withdrawal.purpose)
        ));
    }
    let mut message = match (withdrawal.time, latest_consent_ever(ctx)) {
        (None, _) => format!("the withdrawal ({what}){note}; no later consent can be shown"),
        (Some(_), Some(consent)) => format!(
            "the withdrawal ({what}){note} is later than the latest consent ({})",
            ctx.describe(&consent)
        ),
        (Some(_), None) => {
            format!("the withdrawal ({what}){note} has no consent for the list after it")
        }
    };
    if let Some(time) = withdrawal.time.filter(|t| *t <= ctx.as_of) {
        message.push_str(&grace_note(ctx, time));
    }
    Some(message)
}

/// The latest consent act that may cover the list, however old, for
/// explaining withdrawals.
fn latest_consent_ever(ctx: &RowContext<'_>) -> Option<EventRef> {
    let ledger = ctx.assessment.ledger()?;
    latest(
        [PurposeFit::Covers, PurposeFit::Unstated]
            .into_iter()
            .flat_map(|fit| {
                [
                    ledger.get(Slot::Consent(fit)),
                    ledger.get(Slot::Confirm(fit)),
                ]
            }),
    )
}

/// Whether the policy's time to honour a withdrawal has run out at
/// `--as-of`. The row is removed either way: the cleaned list is what is
/// mailed next.
fn grace_note(ctx: &RowContext<'_>, time: Timestamp) -> String {
    let grace = &ctx.policy.withdrawal;
    if grace.grace_days == 0 {
        return "; it had to take effect at once".to_string();
    }
    let Some(at) = chrono::DateTime::from_timestamp(time.unix(), 0) else {
        return String::new();
    };
    let deadline = grace.deadline(at);
    let deadline_ts = Timestamp::from_unix(deadline.timestamp());
    if deadline_ts > ctx.as_of {
        format!(
            "; still within the {} allowed to honour it (until {deadline_ts})",
            grace.describe()
        )
    } else {
        format!(
            "; the {} allowed to honour it ended {deadline_ts}",
            grace.describe()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn future_withdrawals_are_honoured() {
        let f = good().add(Withdraw, Some(-2), "", "", false).findings();
        assert_eq!(codes(&f), ["R001"]);
        assert!(
            f[0].1.contains("dated after --as-of; honoured"),
            "{}",
            f[0].1
        );
    }

    #[test]
    fn a_withdrawal_for_all_purposes_or_a_list_of_them_reaches_the_list() {
        for purpose in [
            "",
            "all",
            "*",
            "global",
            "All purposes",
            "all_emails",
            "email",
            "Alle E-Mails",
            "tous les emails",
            "Angebote, Newsletter",
            "offers/newsletter",
        ] {
            let f = good()
                .add(Withdraw, Some(5), purpose, "unsubscribe_link", false)
                .findings();
            assert_eq!(codes(&f), ["R001"], "{purpose:?}");
        }
        let f = good().add(Withdraw, Some(5), "all", "", false).findings();
        assert!(
            f[0].1
                .contains("; its purpose 'all' withdraws every purpose) is later than"),
            "{}",
            f[0].1
        );
        // A withdrawal from another purpose leaves the list's consent.
        let f = good()
            .add(Withdraw, Some(5), "partners, offers", "", false)
            .findings();
        assert_eq!(codes(&f), Vec::<&str>::new());
    }

    #[test]
    fn complaints_are_objections_and_say_what_the_log_called_them() {
        let f = good()
            .detail("spam_complaint")
            .add(Withdraw, Some(5), "", "", false)
            .findings();
        assert_eq!(codes(&f), ["R001"]);
        assert!(
            f[0].1.contains("(withdraw ('spam_complaint') at "),
            "{}",
            f[0].1
        );
        let f = good()
            .detail("column 'Status' is 'unsubscribed'")
            .add(Withdraw, None, "", "", false)
            .findings();
        assert!(
            f[0].1.starts_with("the withdrawal (withdraw (column 'Status' is 'unsubscribed') without timestamp, consent.csv row 3); no later consent"),
            "{}",
            f[0].1
        );
    }
}
