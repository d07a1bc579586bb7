//! C004 `stale-consent`: the consent (or the engagement that keeps it alive) is too old,
//! or implied consent has run out.
//!
//! The rule's documentation is `docs/rules/C004.md`.

use super::RowContext;
use crate::consent::{Basis, EventRef, SourceCategory, latest};

pub(super) fn stale_consent(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    let params = &ctx.policy.consent;
    if let Some(purchase) = ctx.soft_opt_in() {
        return soft_opt_in_expired(ctx, &purchase);
    }
    let governing = a.governing()?;
    let basis = governing.terms.effective_basis();
    if basis.is_implied() && params.implied_consent {
        return implied_consent_expired(ctx, &governing);
    }
    let consent = a.latest_consent_act()?;
    let engagement = a.engagement().filter(|_| params.engagement_refreshes);
    let freshest = latest([Some(consent), engagement])?;
    let time = freshest.time?;
    let indirect = params.indirect_max_age_months.filter(|_| {
        ctx.index.source_category(governing.source) == Some(SourceCategory::ThirdParty)
    });
    // The tighter window decides.
    let (months, why) = match (indirect, params.stale_after_months) {
        (Some(i), Some(s)) if s <= i => (s, "consent older than {} months as stale"),
        (Some(i), _) => (
            i,
            "consent given to a third party as lapsed after {} months",
        ),
        (None, Some(s)) => (s, "consent older than {} months as stale"),
        (None, None) => return None,
    };
    if time >= ctx.as_of.months_earlier(months) {
        return None;
    }
    let age = time.whole_months_until(ctx.as_of);
    let mut message = format!(
        "latest consent ({}) is {age} months old",
        ctx.describe(&consent)
    );
    if let Some(engagement) = engagement {
        message.push_str(&format!(
            ", and so is the latest engagement ({})",
            ctx.describe(&engagement)
        ));
    }
    message.push_str("; the policy treats ");
    message.push_str(&why.replace("{}", &months.to_string()));
    Some(message)
}

/// A soft opt-in ages as consent does: the latest purchase (or engagement,
/// where the policy counts it) against the staleness window. Where implied
/// consent is a basis (CASL), a purchase is implied consent with its fixed
/// clock, which only a new purchase restarts.
fn soft_opt_in_expired(ctx: &RowContext<'_>, purchase: &EventRef) -> Option<String> {
    let params = &ctx.policy.consent;
    if params.implied_consent {
        let months = params.implied_relationship_months;
        let Some(time) = purchase.time else {
            return Some(format!(
                "implied consent from a purchase ({}) has no date, so when it expires cannot be shown",
                ctx.describe(purchase)
            ));
        };
        if time >= ctx.as_of.months_earlier(months) {
            return None;
        }
        return Some(format!(
            "implied consent from the latest purchase ({}) is {} months old; it expires after {months} months unless the person buys again or gives express consent",
            ctx.describe(purchase),
            time.whole_months_until(ctx.as_of)
        ));
    }
    let months = params.stale_after_months?;
    let engagement = ctx
        .assessment
        .engagement()
        .filter(|_| params.engagement_refreshes);
    let freshest = latest([Some(*purchase), engagement])?;
    let time = freshest.time?;
    if time >= ctx.as_of.months_earlier(months) {
        return None;
    }
    Some(format!(
        "the soft opt-in rests on a purchase {} months old ({}) and no engagement since; the policy treats a relationship older than {months} months as stale",
        time.whole_months_until(ctx.as_of),
        ctx.describe(&freshest)
    ))
}

/// CASL's implied consent: a fixed clock from the purchase or inquiry the
/// record stands for. Engagement does not extend it; a new purchase is a
/// new record.
fn implied_consent_expired(ctx: &RowContext<'_>, governing: &EventRef) -> Option<String> {
    let params = &ctx.policy.consent;
    let basis = governing.terms.effective_basis();
    let months = match basis {
        Basis::ImpliedInquiry => params.implied_inquiry_months,
        Basis::ImpliedPublished => return None,
        _ => params.implied_relationship_months,
    };
    let Some(time) = governing.time else {
        return Some(format!(
            "{basis} ({}) has no date, so when it expires cannot be shown",
            ctx.at(governing.at)
        ));
    };
    if time >= ctx.as_of.months_earlier(months) {
        return None;
    }
    Some(format!(
        "{basis} ({}) is {} months old; it expires after {months} months unless the person gives express consent",
        ctx.describe(governing),
        time.whole_months_until(ctx.as_of)
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn staleness_counts_engagement_but_not_opens() {
        let old = || {
            Log::new()
                .add(OptIn, Some(900), "newsletter", "web_form", true)
                .add(Confirm, Some(900), "newsletter", "link", true)
        };
        let f = old().findings();
        assert_eq!(codes(&f), ["C004"]);
        assert!(f[0].1.contains("29 months old"), "{}", f[0].1);
        assert_eq!(
            old().add(Activity, Some(30), "", "click", false).findings(),
            vec![]
        );
        assert_eq!(
            codes(&old().add(Open, Some(30), "", "", false).findings()),
            ["C004"]
        );
        let mut policy = Policy::preset("eu-gdpr").unwrap();
        policy.consent.engagement_refreshes = false;
        let f = old()
            .add(Activity, Some(30), "", "click", false)
            .findings_with(policy, None);
        assert_eq!(codes(&f), ["C004"]);
    }
}
