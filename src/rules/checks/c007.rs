//! C007 `invalid-source`: consent collected from a source that cannot carry it.
//!
//! The rule's documentation is `docs/rules/C007.md`.

use super::{Reported, RowContext};

/// The source category of the record the consent rests on.
/// C007, at the level of the source's category (`off` drops it).
pub(super) fn invalid_source(ctx: &RowContext<'_>) -> Option<Reported> {
    let governing = ctx.assessment.governing()?;
    let category = ctx.index.source_category(governing.source)?;
    Some(Reported {
        message: format!(
            "consent came from {category} (source '{}', {})",
            ctx.index.text(governing.source),
            ctx.at(governing.at)
        ),
        level: Some(ctx.policy.source_level(category)),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn invalid_sources() {
        let f = Log::new()
            .add(OptIn, Some(10), "newsletter", "Summer Sweepstake", true)
            .add(Confirm, Some(10), "newsletter", "link", true)
            .findings();
        assert_eq!(codes(&f), ["C007"]);
        assert!(f[0].1.contains("'Summer Sweepstake'"), "{}", f[0].1);
    }
}
