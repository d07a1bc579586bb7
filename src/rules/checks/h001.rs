//! H001 `invalid-address`: the address fails the syntax check (or is valid but risky).
//!
//! The rule's documentation is `docs/rules/H001.md`.

use super::{Reported, RowContext};
use crate::policy::Level;
use crate::rules::RuleId;

/// H001: a broken address at the rule's level; a valid address worth a
/// note (quoted, SMTPUTF8, mixed scripts, look-alike) at most a warning.
pub(super) fn invalid_address(ctx: &RowContext<'_>) -> Option<Reported> {
    match ctx.syntax() {
        Err(error) => Some(error.to_string().into()),
        Ok(Some(note)) => Some(Reported {
            message: note.to_string(),
            level: Some(ctx.policy.level(RuleId::H001).min(Level::Warning)),
        }),
        Ok(None) => None,
    }
}
