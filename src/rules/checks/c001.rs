//! C001 `no-consent`: no opt-in evidence for the address anywhere.
//!
//! The rule's documentation is `docs/rules/C001.md`.

use super::RowContext;

pub(super) fn no_consent(ctx: &RowContext<'_>) -> Option<String> {
    if !ctx.assessment.has_no_consent() || ctx.soft_opt_in().is_some() {
        return None;
    }
    let message = no_opt_in(ctx);
    // A purchase the policy does not take as a basis is worth saying.
    Some(match ctx.assessment.purchase() {
        Some(purchase) => format!(
            "{message}; a purchase is on record ({}), but the policy does not accept the soft opt-in (consent.soft_opt_in)",
            ctx.describe(&purchase)
        ),
        None => message,
    })
}

fn no_opt_in(ctx: &RowContext<'_>) -> String {
    if let Some(note) = ctx.export_note() {
        return format!("no opt-in evidence: {note}");
    }
    if ctx.consent_logs == 0 {
        return if ctx.export_evidence {
            "no opt-in evidence in the export's consent columns, and no consent log was given (--consent)".to_string()
        } else {
            "no opt-in evidence: no consent log was given (--consent) and the export has no consent columns".to_string()
        };
    }
    match ctx.assessment.ledger().and_then(|l| l.first_seen()) {
        Some(first) => format!(
            "the consent logs have events for this address (first: {}) but no opt-in, confirmation or renewal",
            ctx.at(first)
        ),
        None => "no opt-in, confirmation or renewal recorded for this address in any consent log"
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn missing_consent_is_c001() {
        let f = Log::new().add(Open, Some(3), "", "", false).findings();
        assert_eq!(codes(&f), ["C001"]);
        assert!(f[0].1.contains("first: consent.csv row 1"), "{}", f[0].1);
    }

    #[test]
    fn a_purchase_is_no_consent_where_the_policy_has_no_soft_opt_in() {
        let mut policy = Policy::preset("eu-gdpr").unwrap();
        policy.consent.soft_opt_in = None;
        let f = Log::new()
            .add(Purchase, Some(30), "", "shop", false)
            .findings_with(policy, None);
        assert_eq!(codes(&f), ["C001"]);
        assert!(
            f[0].1
                .ends_with("but the policy does not accept the soft opt-in (consent.soft_opt_in)"),
            "{}",
            f[0].1
        );
    }
}
