//! H003 `role-account`: a role mailbox rather than a person.
//!
//! The rule's documentation is `docs/rules/H003.md`.

use super::RowContext;
use crate::address::role_account;

pub(super) fn role_mailbox(ctx: &RowContext<'_>) -> Option<String> {
    let (local, _) = ctx.valid_parts()?;
    let mut buffer = [0; 64];
    let role = role_account(local, &ctx.policy.hygiene, &mut buffer)?;
    Some(format!(
        "role mailbox: '{role}' names a function, not a person, so nobody in particular consented"
    ))
}
