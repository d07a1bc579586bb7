//! Phrases matched on whole words, whatever the case, the accents and the
//! separators: `All purposes`, `all_purposes`, `allPurposes` and
//! `ALL-PURPOSES` are one phrase, and so are `fichier acheté` and `Fichier
//! achete`. A phrase never matches inside a word: `all` is in `all emails`
//! but not in `call` or `small`.
//!
//! A text is folded ([`super::fold`]) into its words; a phrase matches when
//! its letters are the letters of a run of whole words (so separators,
//! which fold away, never matter). A pattern may give alternatives for a
//! word (`linkedin|xing sync|import`) and may end or start with `*` to
//! match the start or end of a compound (`gewinnspiel*` is in
//! `Gewinnspielteilnahme`, `*miete` in `Listenmiete`). A word may carry a
//! number (`contest2024` is `contest`). A pattern of symbols only (`*`)
//! matches a text that is exactly those symbols.

use super::fold_char;

/// A text folded into its words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Words {
    /// The words' letters, one after another.
    joined: String,
    /// Where each word starts in `joined`, and its end.
    bounds: Vec<usize>,
    /// The text trimmed, when it has no letters or digits at all (`*`).
    symbols: Option<Box<str>>,
}

impl Words {
    pub fn new(text: &str) -> Words {
        let mut words = Words::default();
        let mut in_word = false;
        for c in text.chars() {
            let before = words.joined.len();
            fold_char(c, |f| words.joined.push(f));
            let letters = words.joined.len() > before;
            if letters && !in_word {
                words.bounds.push(before);
            }
            // A combining mark folds to nothing but does not end a word.
            in_word = letters || (in_word && is_mark(c));
        }
        words.bounds.push(words.joined.len());
        if words.joined.is_empty() && !text.trim().is_empty() {
            words.symbols = Some(text.trim().into());
        }
        words
    }

    /// The folded letters of every word, joined.
    pub fn joined(&self) -> &str {
        &self.joined
    }

    pub fn is_empty(&self) -> bool {
        self.joined.is_empty() && self.symbols.is_none()
    }

    fn is_bound(&self, at: usize) -> bool {
        self.bounds.binary_search(&at).is_ok()
    }

    /// The first word boundary after `at`.
    fn next_bound(&self, at: usize) -> usize {
        let i = self.bounds.partition_point(|&b| b <= at);
        self.bounds.get(i).copied().unwrap_or(self.joined.len())
    }

    fn starts(&self) -> &[usize] {
        &self.bounds[..self.bounds.len() - 1]
    }

    fn ends(&self) -> &[usize] {
        &self.bounds[1..]
    }
}

fn is_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

/// One pattern without alternatives, ready to match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phrase {
    /// The folded letters; for a symbols-only pattern, the symbols.
    literal: String,
    /// Matches the end of a word (`*miete`).
    open_start: bool,
    /// Matches the start of a word (`gewinnspiel*`).
    open_end: bool,
    symbols: bool,
}

impl Phrase {
    /// Every phrase a pattern stands for (one per combination of its
    /// alternatives). A pattern with no letters, digits or symbols stands
    /// for none.
    pub fn expand(pattern: &str) -> Vec<Phrase> {
        let pattern = pattern.trim();
        if pattern.is_empty() {
            return Vec::new();
        }
        if !pattern.chars().any(char::is_alphanumeric) {
            return vec![Phrase {
                literal: pattern.to_string(),
                open_start: false,
                open_end: false,
                symbols: true,
            }];
        }
        let mut spellings = vec![String::new()];
        for slot in pattern.split_whitespace() {
            let choices: Vec<&str> = slot.split('|').filter(|c| !c.is_empty()).collect();
            spellings = spellings
                .iter()
                .flat_map(|so_far| {
                    choices.iter().map(move |choice| {
                        let mut next = so_far.clone();
                        if !next.is_empty() {
                            next.push(' ');
                        }
                        next.push_str(choice);
                        next
                    })
                })
                .collect();
        }
        spellings
            .iter()
            .filter_map(|spelling| {
                let open_start = spelling.starts_with('*');
                let open_end = spelling.ends_with('*');
                let literal = super::fold(spelling);
                (!literal.is_empty()).then_some(Phrase {
                    literal,
                    open_start,
                    open_end,
                    symbols: false,
                })
            })
            .collect()
    }

    pub fn matches(&self, words: &Words) -> bool {
        if self.symbols {
            return words.symbols.as_deref() == Some(self.literal.as_str());
        }
        let (text, literal) = (words.joined.as_str(), self.literal.as_str());
        match (self.open_start, self.open_end) {
            (true, true) => text.contains(literal),
            (true, false) => words
                .ends()
                .iter()
                .any(|&end| text[..end].ends_with(literal)),
            (false, true) => words
                .starts()
                .iter()
                .any(|&start| text[start..].starts_with(literal)),
            (false, false) => words.starts().iter().any(|&start| {
                if !text[start..].starts_with(literal) {
                    return false;
                }
                let end = start + literal.len();
                // A whole run of words, or a word followed by a number
                // (`contest2024`).
                words.is_bound(end)
                    || text[end..words.next_bound(end)]
                        .bytes()
                        .all(|b| b.is_ascii_digit())
            }),
        }
    }

    /// Whether the phrase is exactly the text's words, all of them.
    pub fn is_whole(&self, words: &Words) -> bool {
        if self.symbols {
            return self.matches(words);
        }
        !self.open_start && !self.open_end && self.literal == words.joined
    }
}

/// Patterns with a value each, tried in the order they were added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phrases<T> {
    entries: Vec<(Phrase, T)>,
}

impl<T> Default for Phrases<T> {
    fn default() -> Self {
        Phrases {
            entries: Vec::new(),
        }
    }
}

impl<T: Copy> Phrases<T> {
    pub fn add(&mut self, pattern: &str, value: T) {
        self.entries
            .extend(Phrase::expand(pattern).into_iter().map(|p| (p, value)));
    }

    /// The value of the first pattern that occurs in the text.
    pub fn find(&self, words: &Words) -> Option<T> {
        if words.is_empty() {
            return None;
        }
        self.entries
            .iter()
            .find(|(phrase, _)| phrase.matches(words))
            .map(|(_, value)| *value)
    }

    /// The value of the first pattern that is the whole text.
    pub fn find_whole(&self, words: &Words) -> Option<T> {
        self.entries
            .iter()
            .find(|(phrase, _)| phrase.is_whole(words))
            .map(|(_, value)| *value)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(pattern: &str, text: &str) -> bool {
        let mut phrases = Phrases::default();
        phrases.add(pattern, ());
        phrases.find(&Words::new(text)).is_some()
    }

    #[test]
    fn case_accents_and_separators_do_not_matter() {
        for text in [
            "All purposes",
            "all_purposes",
            "allPurposes",
            "ALL-PURPOSES",
            "unsubscribed from all purposes",
        ] {
            assert!(finds("all purposes", text), "{text}");
        }
        assert!(finds("fichier acheté", "Fichier achete 2023"));
        assert!(finds("fichier achete", "FICHIER ACHETÉ"));
        assert!(finds("straße", "Strasse"));
    }

    #[test]
    fn phrases_never_match_inside_a_word() {
        assert!(finds("all", "all emails"));
        assert!(!finds("all", "call center"));
        assert!(!finds("all", "small print"));
        assert!(!finds("partner", "partnership"));
        assert!(finds("contest", "contest2024"));
        assert!(!finds("contest", "contested"));
    }

    #[test]
    fn alternatives_and_compounds() {
        for text in ["LinkedIn sync", "xing-import", "Linked-In Import"] {
            assert!(finds("linkedin|xing sync|import", text), "{text}");
        }
        assert!(!finds("linkedin|xing sync|import", "LinkedIn lead form"));
        assert!(finds("gewinnspiel*", "Gewinnspielteilnahme Mai"));
        assert!(finds("*miete", "Listenmiete"));
        assert!(!finds("*miete", "Mietvertrag"));
    }

    #[test]
    fn symbols_match_only_themselves() {
        assert!(finds("*", " * "));
        assert!(!finds("*", "newsletter*"));
        assert!(!finds("*", ""));
        assert!(Phrase::expand("  ").is_empty());
    }

    #[test]
    fn whole_text_matching() {
        let mut phrases = Phrases::default();
        phrases.add("all", 1);
        phrases.add("all emails", 2);
        assert_eq!(phrases.find_whole(&Words::new("All E-Mails")), Some(2));
        assert_eq!(phrases.find_whole(&Words::new("all editions")), None);
        assert_eq!(phrases.find(&Words::new("all editions")), Some(1));
    }
}
