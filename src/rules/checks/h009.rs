//! H009 `privacy-relay`: an alias that forwards to the person's inbox.
//!
//! The rule's documentation is `docs/rules/H009.md`.

use super::RowContext;
use crate::address::{DomainKind, relay_service};

pub(super) fn privacy_relay(ctx: &RowContext<'_>) -> Option<String> {
    let DomainKind::Relay(entry) = ctx.domain_kind()? else {
        return None;
    };
    let service = relay_service(entry).map_or(String::new(), |name| format!(" ({name})"));
    Some(format!(
        "privacy relay: {entry}{service} forwards to the person's real inbox; \
         the person chose the alias, it delivers, and consent given through it is consent"
    ))
}
