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
    Some(format!(
        "consent recorded ({}) states no purpose",
        ctx.describe(&governing)
    ))
}
