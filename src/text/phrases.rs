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

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

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

    /// Whether the phrase's letters, found at byte `start` of the words'
    /// letters, stand where the phrase may stand: on word boundaries, or
    /// where it is open, inside a compound.
    fn fits_at(&self, words: &Words, start: usize) -> bool {
        let end = start + self.literal.len();
        match (self.open_start, self.open_end) {
            (true, true) => true,
            (true, false) => words.is_bound(end),
            (false, true) => words.is_bound(start),
            (false, false) => {
                words.is_bound(start)
                    // A whole run of words, or a word followed by a number
                    // (`contest2024`).
                    && (words.is_bound(end)
                        || words.joined[end..words.next_bound(end)]
                            .bytes()
                            .all(|b| b.is_ascii_digit()))
            }
        }
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

/// Patterns with a value each; the first added that occurs wins.
#[derive(Clone, Debug)]
pub struct Phrases<T> {
    entries: Vec<(Phrase, T)>,
    /// Every entry's letters in one automaton, so that a text is scanned
    /// once whatever the number of phrases (hundreds, for sources): built
    /// on the first search after a change.
    finder: OnceLock<Finder>,
}

/// The letters of the phrases, each with the entries that have them.
#[derive(Clone, Debug)]
struct Finder {
    automaton: Option<AhoCorasick>,
    /// Per pattern of the automaton, its entries in the order added.
    entries_of: Vec<Vec<usize>>,
    /// The symbols-only entries, in the order added.
    symbols: Vec<usize>,
}

impl Finder {
    fn build<T>(entries: &[(Phrase, T)]) -> Finder {
        let mut literals: Vec<&str> = Vec::new();
        let mut entries_of: Vec<Vec<usize>> = Vec::new();
        let mut symbols = Vec::new();
        for (i, (phrase, _)) in entries.iter().enumerate() {
            if phrase.symbols {
                symbols.push(i);
                continue;
            }
            match literals.iter().position(|l| *l == phrase.literal) {
                Some(at) => entries_of[at].push(i),
                None => {
                    literals.push(&phrase.literal);
                    entries_of.push(vec![i]);
                }
            }
        }
        // Folded phrases are short and few; a build cannot fail on them.
        let automaton = (!literals.is_empty())
            .then(|| AhoCorasick::new(&literals).expect("phrases build an automaton"));
        Finder {
            automaton,
            entries_of,
            symbols,
        }
    }
}

impl<T> Default for Phrases<T> {
    fn default() -> Self {
        Phrases {
            entries: Vec::new(),
            finder: OnceLock::new(),
        }
    }
}

impl<T: PartialEq> PartialEq for Phrases<T> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl<T: Eq> Eq for Phrases<T> {}

impl<T: Copy> Phrases<T> {
    pub fn add(&mut self, pattern: &str, value: T) {
        self.entries
            .extend(Phrase::expand(pattern).into_iter().map(|p| (p, value)));
        self.finder = OnceLock::new();
    }

    /// The value of the first pattern (in the order added) that occurs in
    /// the text.
    pub fn find(&self, words: &Words) -> Option<T> {
        if words.is_empty() {
            return None;
        }
        let finder = self.finder.get_or_init(|| Finder::build(&self.entries));
        let mut first = finder
            .symbols
            .iter()
            .copied()
            .find(|&i| self.entries[i].0.matches(words));
        if let Some(automaton) = &finder.automaton {
            for found in automaton.find_overlapping_iter(words.joined()) {
                let fits = finder.entries_of[found.pattern().as_usize()]
                    .iter()
                    .copied()
                    .take_while(|&i| first.is_none_or(|f| i < f))
                    .find(|&i| self.entries[i].0.fits_at(words, found.start()));
                if fits.is_some() {
                    first = fits;
                }
            }
        }
        first.map(|i| self.entries[i].1)
    }

    /// [`find`](Self::find) one phrase at a time: what the automaton must
    /// answer (for the tests and the fuzz target).
    #[doc(hidden)]
    pub fn find_one_by_one(&self, words: &Words) -> Option<T> {
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
    fn the_automaton_finds_what_phrases_one_by_one_find() {
        let mut phrases = Phrases::default();
        let patterns = [
            "all",
            "all emails",
            "*",
            "gewinnspiel*",
            "*miete",
            "*spiel*",
            "contest",
            "linkedin|xing sync|import",
            "e mail",
            "mail",
            "partner",
            "partnership",
        ];
        for (i, pattern) in patterns.iter().enumerate() {
            phrases.add(pattern, i);
        }
        for text in [
            "All E-Mails",
            "call center",
            " * ",
            "Gewinnspielteilnahme",
            "Listenmiete 2024",
            "Beispiel",
            "contest2024",
            "contested",
            "xing-import",
            "E-Mail",
            "partnership program",
            "our partner",
            "",
            "newsletter*",
        ] {
            let words = Words::new(text);
            assert_eq!(
                phrases.find(&words),
                phrases.find_one_by_one(&words),
                "{text:?}"
            );
        }
        // Adding a phrase rebuilds what finds them.
        assert_eq!(phrases.find(&Words::new("Ehrenamt")), None);
        phrases.add("ehrenamt", 99);
        assert_eq!(phrases.find(&Words::new("Ehrenamt")), Some(99));
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
