//! R002 `erasure-requested`: an erasure request was recorded for the address.
//!
//! The rule's documentation is `docs/rules/R002.md`.

use super::{RowContext, future_note};

/// Substack replaces the address of a deleted account with a placeholder.
const SUBSTACK_DELETED: &str = "@deletion-request.substack.com";

pub(super) fn erasure_requested(ctx: &RowContext<'_>) -> Option<String> {
    if ctx.key.ends_with(SUBSTACK_DELETED) {
        return Some(
            "the address is Substack's placeholder for an account deleted on request; remove the row (`listaudit erase` removes the person's rows from every file)"
                .to_string(),
        );
    }
    let erasure = ctx.assessment.erasure?;
    let note = future_note(ctx, &erasure);
    Some(match erasure.time {
        Some(time) => format!(
            "erasure requested at {time}{note} ({}); the address is still on the list: remove it from every file with `listaudit erase`",
            ctx.at(erasure.at)
        ),
        None => format!(
            "erasure requested, without timestamp ({}); the address is still on the list: remove it from every file with `listaudit erase`",
            ctx.at(erasure.at)
        ),
    })
}
