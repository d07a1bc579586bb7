//! C010 `soft-opt-in`: no consent, but a purchase the policy accepts as a
//! basis: the existing-customer exemption (ePrivacy Art. 13(2), PECR reg.
//! 22(3), UWG § 7(3), CPCE L.34-5; CASL's implied consent from a purchase).
//!
//! The rule's documentation is `docs/rules/C010.md`.

use super::RowContext;

pub(super) fn soft_opt_in(ctx: &RowContext<'_>) -> Option<String> {
    let purchase = ctx.soft_opt_in()?;
    let basis = ctx.soft_opt_in_basis();
    let when = ctx.describe(&purchase);
    Some(if ctx.policy.consent.implied_consent {
        format!(
            "no express consent on record; kept on implied consent from a purchase ({basis}): {when}; it lasts {} months from the latest purchase",
            ctx.policy.consent.implied_relationship_months
        )
    } else {
        format!(
            "no consent on record; kept as an existing customer under the soft opt-in ({basis}): {when}; it covers the sender's own similar products only, needs an opt-out offered at collection and in every message, and ends with an objection"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn a_customer_without_consent_is_kept_under_the_soft_opt_in() {
        for preset in ["eu-gdpr", "de-strict", "fr-cnil", "uk-pecr"] {
            let policy = Policy::preset(preset).unwrap();
            let f = Log::new()
                .detail("column 'Last Order Date'")
                .add(Purchase, Some(40), "", "", false)
                .findings_with(policy, None);
            assert_eq!(codes(&f), ["C010"], "{preset}");
            assert!(
                f[0].1
                    .contains("kept as an existing customer under the soft opt-in (")
                    && f[0].1.contains(": purchase (column 'Last Order Date') at "),
                "{preset}: {}",
                f[0].1
            );
        }
        let f = Log::new()
            .add(Purchase, Some(40), "", "", false)
            .findings_with(Policy::preset("uk-pecr").unwrap(), None);
        assert!(f[0].1.contains("(PECR reg. 22(3))"), "{}", f[0].1);
    }

    #[test]
    fn an_objection_ends_the_soft_opt_in_and_a_later_purchase_does_not_revive_it() {
        let f = Log::new()
            .add(Purchase, Some(100), "", "", false)
            .add(Withdraw, Some(50), "", "", false)
            .add(Purchase, Some(10), "", "", false)
            .findings();
        assert_eq!(codes(&f), ["R001"]);
    }

    #[test]
    fn the_soft_opt_in_ages_like_consent_and_casl_gives_it_a_clock() {
        let f = Log::new()
            .add(Purchase, Some(800), "", "", false)
            .findings();
        assert_eq!(codes(&f), ["C004", "C010"]);
        assert!(
            f[0].1
                .starts_with("the soft opt-in rests on a purchase 26 months old"),
            "{}",
            f[0].1
        );
        // A later click keeps the relationship alive.
        let f = Log::new()
            .add(Purchase, Some(800), "", "", false)
            .add(Activity, Some(20), "", "", false)
            .findings();
        assert_eq!(codes(&f), ["C010"]);
        let ca = Policy::preset("ca-casl").unwrap();
        let f = Log::new()
            .add(Purchase, Some(800), "", "", false)
            .add(Activity, Some(20), "", "", false)
            .findings_with(ca.clone(), None);
        assert_eq!(
            codes(&f),
            ["C004", "C010"],
            "a click does not extend CASL's clock"
        );
        assert!(
            f[1].1
                .contains("implied consent from a purchase (CASL s. 10(10)(a))"),
            "{}",
            f[1].1
        );
        let f = Log::new()
            .add(Purchase, Some(300), "", "", false)
            .findings_with(ca, None);
        assert_eq!(codes(&f), ["C010"]);
    }

    #[test]
    fn consent_on_record_governs_instead_of_a_purchase() {
        let f = good().add(Purchase, Some(10), "", "", false).findings();
        assert_eq!(codes(&f), Vec::<&str>::new());
    }

    #[test]
    fn us_can_spam_needs_no_exemption() {
        let f = Log::new()
            .add(Purchase, Some(10), "", "", false)
            .findings_with(Policy::preset("us-can-spam").unwrap(), None);
        assert_eq!(codes(&f), ["C001"]);
    }
}
