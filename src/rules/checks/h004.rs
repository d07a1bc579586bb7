//! H004 `disposable-domain`: a throw-away mail domain.
//!
//! The rule's documentation is `docs/rules/H004.md`.

use super::RowContext;
use crate::address::DomainKind;

/// H004: a domain on the shipped disposable list or the policy's own. A
/// privacy relay is H009 and a slip of a big provider's domain H005, never
/// this.
pub(super) fn disposable_domain(ctx: &RowContext<'_>) -> Option<String> {
    match ctx.domain_kind()? {
        DomainKind::Disposable(entry) => Some(format!(
            "disposable domain: {entry} hands out throw-away inboxes (disposable-email-domains list)"
        )),
        DomainKind::DisposableByPolicy(entry) => Some(format!(
            "disposable domain: {entry} is listed in the policy's hygiene.disposable_domains"
        )),
        DomainKind::Relay(_) => None,
    }
}
