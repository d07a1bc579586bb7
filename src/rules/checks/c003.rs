//! C003 `purpose-mismatch`: the consent on record is for other purposes.
//!
//! The rule's documentation is `docs/rules/C003.md`.

use super::{RowContext, has_other_purpose};
use crate::consent::PurposeFit;

pub(super) fn purpose_mismatch(ctx: &RowContext<'_>) -> Option<String> {
    let a = &ctx.assessment;
    if a.governing_fit() == Some(PurposeFit::Covers) || !has_other_purpose(a) {
        return None;
    }
    let other = a
        .consent(PurposeFit::Other)
        .or(a.confirmation(PurposeFit::Other))?;
    let mut message = format!(
        "consent is for '{}' ({}); the list is mailed for '{}'",
        ctx.index.text(other.purpose),
        ctx.describe(&other),
        ctx.policy.list_purpose
    );
    if a.governing_fit() == Some(PurposeFit::Unstated) {
        message.push_str("; other consent records state no purpose");
    }
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn consent_for_other_purposes_is_c003() {
        let f = Log::new()
            .add(OptIn, Some(10), "partners", "web_form", true)
            .add(Confirm, Some(10), "partners", "link", true)
            .findings();
        assert_eq!(codes(&f), ["C003"]);
        assert!(
            f[0].1.contains("'partners'") && f[0].1.contains("'newsletter'"),
            "{}",
            f[0].1
        );
        // A purpose cell is a set: one member naming the list is enough.
        let f = Log::new()
            .add(OptIn, Some(10), "offers, newsletter", "web_form", true)
            .add(Confirm, Some(10), "offers/newsletter", "link", true)
            .findings();
        assert_eq!(codes(&f), Vec::<&str>::new());
        let f = Log::new()
            .add(OptIn, Some(10), "offers, partners", "web_form", true)
            .add(Confirm, Some(10), "offers, partners", "link", true)
            .findings();
        assert_eq!(codes(&f), ["C003"]);
    }
}
