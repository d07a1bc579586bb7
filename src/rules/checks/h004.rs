//! H004 `disposable-domain`: a throw-away mail domain (privacy relays only as info).
//!
//! The rule's documentation is `docs/rules/H004.md`.

use super::{Reported, RowContext};
use crate::address::{DomainKind, domain_kind};
use crate::policy::Level;
use crate::rules::RuleId;

/// H004: a disposable domain at the rule's level; a privacy relay at most
/// info (it forwards to a real inbox, so it is never removed).
pub(super) fn disposable_domain(ctx: &RowContext<'_>) -> Option<Reported> {
    let (_, domain) = ctx.valid_parts()?;
    Some(match domain_kind(domain, &ctx.policy.hygiene)? {
        DomainKind::Disposable(entry) => format!(
            "disposable domain: {entry} hands out throw-away inboxes (disposable-email-domains list)"
        )
        .into(),
        DomainKind::DisposableByPolicy(entry) => format!(
            "disposable domain: {entry} is listed in the policy's hygiene.disposable_domains"
        )
        .into(),
        DomainKind::Relay(entry) => Reported {
            message: format!(
                "privacy relay: {entry} forwards to the person's real inbox; not disposable"
            ),
            level: Some(ctx.policy.level(RuleId::H004).min(Level::Info)),
        },
    })
}
