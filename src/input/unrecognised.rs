//! Values a reader met that the vocabulary does not know: every one is
//! reported (a D002 finding on its row where the row depends on it) and
//! counted for the report, so that nothing in an input is dropped
//! without a word.

/// One value the vocabulary does not know.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unrecognised {
    /// What the value was meant to be: `event`, `status`, `bounce type`,
    /// `suppression reason`, `yes/no flag`, `order count`.
    pub what: &'static str,
    /// The value, trimmed.
    pub value: String,
}

impl Unrecognised {
    pub fn new(what: &'static str, value: &str) -> Unrecognised {
        Unrecognised {
            what,
            value: value.trim().to_string(),
        }
    }
}
