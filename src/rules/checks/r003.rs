//! R003 `suppressed`: the address is on a suppression list or suppressed by the sending tool.
//!
//! The rule's documentation is `docs/rules/R003.md`.

use super::RowContext;
use crate::consent::Slot;

pub(super) fn suppressed(ctx: &RowContext<'_>) -> Option<String> {
    if let Some(at) = ctx.suppressed_at {
        return Some(format!("on suppression list {}", ctx.at(at)));
    }
    let by_tool = ctx.assessment.ledger()?.get(Slot::Suppress)?;
    Some(format!(
        "the sending tool suppressed the address ({})",
        ctx.describe(&by_tool)
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn suppression_lists_and_the_sending_tools_suppressions() {
        let suppressed = Some(Location { input: 2, row: 4 });
        let f = good().findings_with(Policy::preset("eu-gdpr").unwrap(), suppressed);
        assert_eq!(codes(&f), ["R003"]);
        assert_eq!(f[0].1, "on suppression list suppress.txt row 4");
        let f = good()
            .detail("dropped")
            .add(Suppress, Some(2), "", "", false)
            .findings();
        assert_eq!(codes(&f), ["R003"]);
        assert!(
            f[0].1
                .starts_with("the sending tool suppressed the address (suppress ('dropped') at "),
            "{}",
            f[0].1
        );
    }
}
