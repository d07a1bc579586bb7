//! Does a consent's stated purpose cover the purpose the list is mailed for?

/// How the purposes stated in one event relate to the list purpose.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PurposeFit {
    /// At least one stated purpose is the list purpose or a synonym of it.
    Covers,
    /// No purpose is stated.
    Unstated,
    /// Purposes are stated, none of them covers the list purpose.
    Other,
}

impl PurposeFit {
    pub const ALL: [PurposeFit; 3] = [PurposeFit::Covers, PurposeFit::Unstated, PurposeFit::Other];

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The list purpose and every name that counts as it (compared
/// case-insensitively, e.g. `newsletter`, `dpv:DirectMarketing`).
#[derive(Clone, Debug)]
pub struct PurposeMatcher {
    accepted: Vec<String>,
}

impl PurposeMatcher {
    pub fn new<'a>(list_purpose: &'a str, synonyms: impl IntoIterator<Item = &'a str>) -> Self {
        let mut accepted: Vec<String> = std::iter::once(list_purpose)
            .chain(synonyms)
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
            .collect();
        accepted.sort();
        accepted.dedup();
        PurposeMatcher { accepted }
    }

    /// Classifies a purpose cell; several purposes are separated by `;` or `|`.
    pub fn classify(&self, cell: &str) -> PurposeFit {
        let mut stated = false;
        for purpose in split_purposes(cell) {
            stated = true;
            if self.covers(purpose) {
                return PurposeFit::Covers;
            }
        }
        if stated {
            PurposeFit::Other
        } else {
            PurposeFit::Unstated
        }
    }

    fn covers(&self, purpose: &str) -> bool {
        if purpose.is_ascii() {
            self.accepted
                .iter()
                .any(|a| a.eq_ignore_ascii_case(purpose))
        } else {
            let lowered = purpose.to_lowercase();
            self.accepted.contains(&lowered)
        }
    }
}

/// The non-empty purposes in a cell, trimmed.
pub fn split_purposes(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([';', '|'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn newsletter() -> PurposeMatcher {
        PurposeMatcher::new("newsletter", ["dpv:DirectMarketing", "Marketing"])
    }

    #[test]
    fn matches_purposes_and_synonyms_case_insensitively() {
        let m = newsletter();
        assert_eq!(m.classify("newsletter"), PurposeFit::Covers);
        assert_eq!(m.classify(" Newsletter "), PurposeFit::Covers);
        assert_eq!(m.classify("DPV:DIRECTMARKETING"), PurposeFit::Covers);
        assert_eq!(m.classify("partners;newsletter"), PurposeFit::Covers);
        assert_eq!(m.classify("partners | marketing"), PurposeFit::Covers);
    }

    #[test]
    fn tells_unstated_from_other_purposes() {
        let m = newsletter();
        assert_eq!(m.classify(""), PurposeFit::Unstated);
        assert_eq!(m.classify(" ; | "), PurposeFit::Unstated);
        assert_eq!(m.classify("partners"), PurposeFit::Other);
        assert_eq!(
            m.classify("contest_participation;order_processing"),
            PurposeFit::Other
        );
        assert_eq!(m.classify("newsletters-weekly"), PurposeFit::Other);
    }

    #[test]
    fn non_ascii_purposes_compare_case_insensitively() {
        let m = PurposeMatcher::new("Kundenbindung", ["Werbe-E-Mails für Bestandskunden"]);
        assert_eq!(
            m.classify("WERBE-E-MAILS FÜR BESTANDSKUNDEN"),
            PurposeFit::Covers
        );
    }
}
