//! C008 `timeline-anomaly`: events out of order, outside the double opt-in window, or after
//! `--as-of`.
//!
//! The rule's documentation is `docs/rules/C008.md`.

use super::RowContext;
use crate::consent::{EventKind, Slot};

pub(super) fn timeline_anomaly(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    let ledger = a.ledger()?;
    let mut anomalies: Vec<String> = Vec::new();
    if let (Some(confirm), Some(opt_in)) =
        (ledger.get(Slot::FirstConfirm), ledger.get(Slot::FirstOptIn))
        && confirm.time < opt_in.time
    {
        anomalies.push(format!(
            "confirmation ({}) precedes the first opt-in ({})",
            ctx.describe(&confirm),
            ctx.describe(&opt_in)
        ));
    }
    if let Some(fit) = a.governing_fit()
        && let (Some(opt_in), Some(confirm)) = (a.consent(fit), a.doi_confirmation())
        && let (Some(opted), Some(confirmed)) = (opt_in.time, confirm.time)
    {
        let days = opted.days_until(confirmed);
        let window = i64::from(ctx.policy.consent.confirm_window_days);
        if days > window {
            anomalies.push(format!(
                "confirmed {days} days after the opt-in ({}); the double opt-in window is {window} days",
                ctx.describe(&opt_in)
            ));
        }
    }
    if let Some(future) = ledger.get(Slot::Future) {
        let treatment = match future.kind {
            EventKind::Withdraw | EventKind::Erasure => "it is honoured",
            EventKind::OptIn | EventKind::Renew | EventKind::Confirm => {
                "it does not count as consent yet"
            }
            _ => "it is ignored",
        };
        anomalies.push(format!(
            "an event ({}) is dated after --as-of {}; {treatment}",
            ctx.describe(&future),
            ctx.as_of
        ));
    }
    (!anomalies.is_empty()).then(|| anomalies.join("; "))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn timeline_anomalies() {
        let f = Log::new()
            .add(Confirm, Some(20), "newsletter", "link", true)
            .add(OptIn, Some(10), "newsletter", "web_form", true)
            .findings();
        assert_eq!(codes(&f), ["C008"]);
        assert!(f[0].1.contains("precedes the first opt-in"), "{}", f[0].1);
        let f = Log::new()
            .add(OptIn, Some(100), "newsletter", "web_form", true)
            .add(Confirm, Some(40), "newsletter", "link", true)
            .findings();
        assert!(f[0].1.contains("confirmed 60 days after"), "{}", f[0].1);
        let f = good()
            .add(OptIn, Some(-3), "newsletter", "web_form", true)
            .findings();
        assert_eq!(codes(&f), ["C008"]);
        assert!(
            f[0].1.contains("does not count as consent yet"),
            "{}",
            f[0].1
        );
    }
}
