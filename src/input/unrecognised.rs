//! Values a reader met that the vocabulary does not know: every one is
//! reported (a D002 finding on its row where the row depends on it) and
//! counted for the report, so that nothing in an input is dropped
//! without a word.

/// What a value in an input was meant to be, for the values the
/// vocabulary reads. The declaration order is the order reports list them.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueKind {
    Event,
    Status,
    Source,
    SuppressionReason,
    BounceType,
    Flag,
    OrderCount,
    Method,
    LegalBasis,
}

impl ValueKind {
    pub const ALL: [ValueKind; 9] = [
        ValueKind::Event,
        ValueKind::Status,
        ValueKind::Source,
        ValueKind::SuppressionReason,
        ValueKind::BounceType,
        ValueKind::Flag,
        ValueKind::OrderCount,
        ValueKind::Method,
        ValueKind::LegalBasis,
    ];

    /// How messages and the terminal name one such value.
    pub fn label(self) -> &'static str {
        match self {
            ValueKind::Event => "event",
            ValueKind::Status => "status",
            ValueKind::Source => "source",
            ValueKind::SuppressionReason => "suppression reason",
            ValueKind::BounceType => "bounce type",
            ValueKind::Flag => "yes/no flag",
            ValueKind::OrderCount => "order count",
            ValueKind::Method => "consent method",
            ValueKind::LegalBasis => "legal basis",
        }
    }

    /// The key of the kind's list in `report.json` and `inspect --format
    /// json`.
    pub fn report_key(self) -> &'static str {
        match self {
            ValueKind::Event => "events",
            ValueKind::Status => "statuses",
            ValueKind::Source => "sources",
            ValueKind::SuppressionReason => "suppression_reasons",
            ValueKind::BounceType => "bounce_types",
            ValueKind::Flag => "flags",
            ValueKind::OrderCount => "order_counts",
            ValueKind::Method => "methods",
            ValueKind::LegalBasis => "legal_bases",
        }
    }
}

/// One value the vocabulary does not know.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unrecognised {
    pub kind: ValueKind,
    /// The value, trimmed.
    pub value: String,
}

impl Unrecognised {
    pub fn new(kind: ValueKind, value: &str) -> Unrecognised {
        Unrecognised {
            kind,
            value: value.trim().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_label_and_key() {
        let mut labels: Vec<_> = ValueKind::ALL.iter().map(|k| k.label()).collect();
        let mut keys: Vec<_> = ValueKind::ALL.iter().map(|k| k.report_key()).collect();
        labels.sort_unstable();
        labels.dedup();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!((labels.len(), keys.len()), (9, 9));
        assert!(ValueKind::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
