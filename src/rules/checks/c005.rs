//! C005 `no-double-opt-in`: the consent was never confirmed by double opt-in.
//!
//! The rule's documentation is `docs/rules/C005.md`.

use super::RowContext;
use crate::consent::{EventKind, Slot};

pub(super) fn no_double_opt_in(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    let governing = a.governing()?;
    if a.doi_confirmation().is_some() || governing.kind == EventKind::Confirm {
        return None;
    }
    let earlier_withdrawal = a
        .ledger()
        .and_then(|l| l.get(Slot::Withdraw))
        .filter(|w| a.withdrawal.is_none() && w.time.is_some());
    Some(match earlier_withdrawal {
        Some(withdrawal) => format!(
            "re-subscribed ({}) after a withdrawal ({}) without a new double opt-in confirmation",
            ctx.describe(&governing),
            ctx.describe(&withdrawal)
        ),
        None => format!(
            "the opt-in ({}) was never confirmed by double opt-in",
            ctx.describe(&governing)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn single_opt_in_is_c005() {
        let f = Log::new()
            .add(OptIn, Some(10), "newsletter", "web_form", true)
            .findings();
        assert_eq!(codes(&f), ["C005"]);
    }

    #[test]
    fn re_consent_after_withdrawal_needs_its_own_confirmation() {
        let f = good()
            .add(Withdraw, Some(50), "", "unsubscribe_link", false)
            .add(OptIn, Some(20), "newsletter", "web_form", true)
            .findings();
        assert_eq!(codes(&f), ["C005"]);
        assert!(f[0].1.starts_with("re-subscribed"), "{}", f[0].1);
    }
}
