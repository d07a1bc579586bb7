//! H007 `special-use-domain`: a reserved or special-use domain.
//!
//! The rule's documentation is `docs/rules/H007.md`.

use super::RowContext;
use crate::address::special_use;

pub(super) fn special_use_domain(ctx: &RowContext<'_>) -> Option<String> {
    let (_, domain) = ctx.valid_parts()?;
    let (name, reserved_by) = special_use(domain)?;
    Some(format!(
        "special-use domain: .{name} is reserved by {reserved_by}; mail to {domain} is never delivered on the internet"
    ))
}
