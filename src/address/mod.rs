//! Email addresses: the matching key, the syntax check and the offline
//! hygiene checks.

mod hygiene;
mod lists;
mod normalize;
mod syntax;

pub use hygiene::{
    DomainKind, HygieneLists, domain_kind, mailbox, role_account, role_name, typo_suggestion,
};
pub use lists::{
    Provider, SPECIAL_USE, disposable_count, disposable_source, providers, relay_service,
    special_use,
};
pub use normalize::{Wrapping, normalize, unwrap, unwrap_noting};
pub use syntax::{SyntaxError, SyntaxNote, SyntaxVerdict, check as check_syntax};
