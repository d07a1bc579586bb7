//! C009 `not-affirmative`: consent by a pre-ticked box, implied, or bundled in terms.
//!
//! The rule's documentation is `docs/rules/C009.md`.

use super::RowContext;

/// C009: the consent was not given by a clear affirmative act. Only what
/// the record says counts; an unrecorded method is never guessed.
pub(super) fn not_affirmative(ctx: &RowContext<'_>) -> Option<String> {
    let governing = ctx.assessment.governing()?;
    let terms = governing.terms;
    let implied_allowed = ctx.policy.consent.implied_consent;
    let how = if terms.method.is_not_affirmative()
        && !(implied_allowed && terms.method == crate::consent::Method::Implied)
    {
        terms.method.describe()
    } else if terms.basis.is_implied() && !implied_allowed {
        "implied consent, which the policy does not accept as a basis"
    } else {
        return None;
    };
    Some(format!(
        "consent was expressed by {how} ({})",
        ctx.describe(&governing)
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn implied_consent_is_c009_unless_the_policy_makes_it_a_basis_with_a_clock() {
        use crate::consent::{Method, Terms};
        let implied = Terms {
            method: Method::Implied,
            ..Terms::default()
        };
        let purchase = |days| {
            Log::new()
                .terms(implied)
                .add(OptIn, Some(days), "newsletter", "checkout", true)
        };
        let eu = || Policy::preset("eu-gdpr").unwrap();
        let ca = || Policy::preset("ca-casl").unwrap();
        let f = purchase(100).findings_with(eu(), None);
        assert_eq!(codes(&f), ["C005", "C009"]);
        assert_eq!(
            codes(&purchase(100).findings_with(ca(), None)),
            Vec::<&str>::new()
        );
        let f = purchase(800).findings_with(ca(), None);
        assert_eq!(codes(&f), ["C004"]);
        assert!(
            f[0].1.starts_with("implied consent (opt_in at")
                && f[0].1.ends_with(
                    "it expires after 24 months unless the person gives express consent"
                ),
            "{}",
            f[0].1
        );
        let inquiry = Terms {
            basis: crate::consent::Basis::ImpliedInquiry,
            ..Terms::default()
        };
        let f = Log::new()
            .terms(inquiry)
            .add(OptIn, Some(200), "newsletter", "contact_form", true)
            .findings_with(ca(), None);
        assert_eq!(
            codes(&f),
            ["C004"],
            "an inquiry implies consent for 6 months"
        );
    }
}
