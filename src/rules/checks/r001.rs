//! R001 `withdrawn`: a withdrawal, unsubscribe or objection that still stands.
//!
//! The rule's documentation is `docs/rules/R001.md`.

use super::{RowContext, future_note};
use crate::consent::{EventRef, PurposeFit, Slot, Timestamp, latest};

pub(super) fn withdrawn(ctx: &RowContext<'_>) -> Option<String> {
    let withdrawal = ctx.assessment.withdrawal?;
    let note = future_note(ctx, &withdrawal);
    let mut message = match (withdrawal.time, latest_consent_ever(ctx)) {
        (None, _) => format!(
            "{} without timestamp ({}); no later consent can be shown",
            withdrawal.kind,
            ctx.at(withdrawal.at)
        ),
        (Some(_), Some(consent)) => format!(
            "the withdrawal ({}){note} is later than the latest consent ({})",
            ctx.describe(&withdrawal),
            ctx.describe(&consent)
        ),
        (Some(_), None) => format!(
            "the withdrawal ({}){note} has no consent for the list after it",
            ctx.describe(&withdrawal)
        ),
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
}
