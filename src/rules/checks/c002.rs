//! C002 `no-purpose`: the consent on record names no purpose.
//!
//! The rule's documentation is `docs/rules/C002.md`.

use super::{RowContext, has_other_purpose};
use crate::consent::PurposeFit;

/// Consent acts for the list whose purpose is unstated, when nothing names
/// the list purpose.
pub(super) fn no_purpose(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    if a.governing_fit() != Some(PurposeFit::Unstated) || has_other_purpose(a) {
        return None;
    }
    let governing = a.governing()?;
    // A consent "for all purposes" is kept as one that states none.
    Some(match ctx.index.text(governing.purpose) {
        "" => format!(
            "consent recorded ({}) states no purpose",
            ctx.describe(&governing)
        ),
        all => format!(
            "consent recorded ({}) is for '{all}', which names no specific purpose (GDPR Art. 6(1)(a))",
            ctx.describe(&governing)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn consent_without_a_purpose_or_for_everything_is_c002() {
        let f = Log::new()
            .add(OptIn, Some(10), "", "web_form", true)
            .add(Confirm, Some(10), "", "link", true)
            .findings();
        assert_eq!(codes(&f), ["C002"]);
        assert!(f[0].1.ends_with("states no purpose"), "{}", f[0].1);
        for all in ["all", "All purposes", "*", "alle"] {
            let f = Log::new()
                .add(OptIn, Some(10), all, "web_form", true)
                .add(Confirm, Some(10), all, "link", true)
                .findings();
            assert_eq!(codes(&f), ["C002"], "{all}");
            assert!(f[0].1.contains("names no specific purpose"), "{}", f[0].1);
        }
    }
}
