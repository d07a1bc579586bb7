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
        "the sending tool suppressed the address (cleaned or hard bounce: {})",
        ctx.describe(&by_tool)
    ))
}
