//! H005 `domain-typo`: a likely typo of a common provider's domain.
//!
//! The rule's documentation is `docs/rules/H005.md`.

use super::RowContext;
use crate::address::typo_suggestion;

pub(super) fn domain_typo(ctx: &RowContext<'_>) -> Option<String> {
    let (_, domain) = ctx.key.rsplit_once('@')?;
    let meant = match typo_suggestion(domain, &ctx.policy.hygiene)? {
        [one] => one.to_string(),
        [first @ .., last] => format!("{} or {last}", first.join(", ")),
        [] => return None,
    };
    Some(format!(
        "domain {domain} looks like a typo: did you mean {meant}?"
    ))
}
