//! Email addresses: the matching key and the syntax check.

mod normalize;
mod syntax;

pub use normalize::{normalize, unwrap};
pub use syntax::{SyntaxError, check as check_syntax};
