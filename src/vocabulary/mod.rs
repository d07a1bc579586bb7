//! The vocabulary: every word listaudit understands in an input, as data.
//! Event types, statuses, suppression reasons, bounce types, yes/no flags,
//! the scope words of a withdrawal, and the words that classify a source,
//! in English, German, French, Spanish, Italian and Dutch, with the
//! spellings of the tools that write them.
//!
//! Words compare folded ([`crate::text::fold`]): case, accents and
//! separators never matter. Events, statuses and flags must be the whole
//! cell; scope words and source words are found on whole words within it
//! ([`crate::text::Phrases`]). A value that matches nothing is never
//! guessed: the readers report it (D002), the report lists it, and a
//! policy file can teach it (`[vocabulary]`, `[sources.phrases]`).

mod events;
mod scope;
mod sources;
mod statuses;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::consent::{ClassifySource, EventKind, Scope, SourceCategory, SourceClass, Status};
use crate::text::{Phrases, fold, with_folded};

pub use events::{BOUNCE_TYPES, EVENT_WORDS};
pub use scope::{ALL_PURPOSES, CHANNELS};
pub use sources::{IMPORT_SOURCES, INVALID_SOURCES, KNOWN_SOURCES};
pub use statuses::{FLAG_WORDS, FORMAT_STATUSES, STATUS_WORDS, SUPPRESSION_REASONS};

/// Where a policy file added a word.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// `[vocabulary.events]`, keyed by event kind.
    Events,
    /// `[vocabulary.statuses]`, keyed by status.
    Statuses,
    /// `[vocabulary] all_purposes`.
    AllPurposes,
    /// `[sources.phrases]`, keyed by source class.
    Sources,
}

/// One word a policy file added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addition {
    pub section: Section,
    /// The event kind, status or source class the word was added to.
    pub key: String,
    pub word: String,
}

/// The words of one run: the built-in ones and what the policy added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vocabulary {
    events: Words<EventKind>,
    statuses: Words<Status>,
    format_statuses: Vec<(&'static str, String, Status)>,
    suppression_reasons: Words<Status>,
    bounce_types: Words<bool>,
    flags: Words<bool>,
    /// Scope words: every purpose, or a channel.
    everything: Phrases<Scope>,
    /// Source classes in the order they are tried: the invalid categories,
    /// then imports, then known collection points.
    sources: Vec<(SourceClass, Phrases<()>)>,
    /// Sources a policy declared valid: tried before everything else, so
    /// that a team can clear a collection point a built-in word misreads
    /// (a wedding fair's own signup form is no trade-fair badge scan).
    allowed: Phrases<()>,
    added: Vec<Addition>,
}

/// The key a source class has in a policy's `[sources.phrases]`.
pub fn source_class_key(class: SourceClass) -> &'static str {
    match class {
        SourceClass::Invalid(category) => category.key(),
        SourceClass::Import => "import",
        SourceClass::Known => "valid",
        SourceClass::Unrecognised | SourceClass::Empty => "",
    }
}

/// The source classes a policy can add words to, by key.
pub fn source_classes() -> impl Iterator<Item = SourceClass> {
    SourceCategory::ALL
        .into_iter()
        .map(SourceClass::Invalid)
        .chain([SourceClass::Import, SourceClass::Known])
}

/// Folded words and what they mean. Looked up once per event or status
/// cell, so hashed with foldhash rather than SipHash.
type Words<T> = HashMap<String, T, foldhash::fast::FixedState>;

fn folded_map<T: Copy>(table: &[(T, &[&str])]) -> Words<T> {
    table
        .iter()
        .flat_map(|(value, words)| words.iter().map(move |w| (fold(w), *value)))
        .collect()
}

impl Vocabulary {
    /// The built-in words, compiled once.
    pub fn builtin() -> &'static Vocabulary {
        static BUILTIN: OnceLock<Vocabulary> = OnceLock::new();
        BUILTIN.get_or_init(Vocabulary::compile)
    }

    fn compile() -> Vocabulary {
        let mut everything = Phrases::default();
        for word in ALL_PURPOSES {
            everything.add(word, Scope::All);
        }
        for word in CHANNELS {
            everything.add(word, Scope::Channel);
        }
        let mut sources: Vec<(SourceClass, Phrases<()>)> =
            source_classes().map(|c| (c, Phrases::default())).collect();
        let lists = INVALID_SOURCES
            .iter()
            .map(|(category, words)| (SourceClass::Invalid(*category), *words))
            .chain([
                (SourceClass::Import, IMPORT_SOURCES),
                (SourceClass::Known, KNOWN_SOURCES),
            ]);
        for (class, words) in lists {
            let phrases = &mut sources
                .iter_mut()
                .find(|(c, _)| *c == class)
                .expect("every class has phrases")
                .1;
            for word in words {
                phrases.add(word, ());
            }
        }
        Vocabulary {
            events: folded_map(EVENT_WORDS),
            statuses: folded_map(STATUS_WORDS),
            format_statuses: FORMAT_STATUSES
                .iter()
                .map(|(format, word, status)| (*format, fold(word), *status))
                .collect(),
            suppression_reasons: folded_map(SUPPRESSION_REASONS),
            bounce_types: folded_map(BOUNCE_TYPES),
            flags: folded_map(FLAG_WORDS),
            everything,
            sources,
            allowed: Phrases::default(),
            added: Vec::new(),
        }
    }

    /// The event kind a cell names, if the vocabulary knows the word.
    pub fn event(&self, cell: &str) -> Option<EventKind> {
        lookup(&self.events, cell)
    }

    /// Whether a bounce-type cell says permanent (`true`) or temporary.
    pub fn bounce_type(&self, cell: &str) -> Option<bool> {
        let cell = cell.trim();
        // SMTP status codes: 5.x.x is permanent, 4.x.x temporary.
        match cell.as_bytes() {
            [b'5', rest @ ..] if rest.iter().all(|b| b.is_ascii_digit() || *b == b'.') => {
                return Some(true);
            }
            [b'4', rest @ ..] if rest.iter().all(|b| b.is_ascii_digit() || *b == b'.') => {
                return Some(false);
            }
            _ => {}
        }
        lookup(&self.bounce_types, cell)
    }

    /// The status a cell of an export's status column states, as the export
    /// format (`kit`, `mailchimp`, `generic`) means it.
    pub fn status(&self, cell: &str, format: &str) -> Option<Status> {
        with_folded(cell, |folded| {
            self.format_statuses
                .iter()
                .find(|(f, word, _)| *f == format && word == folded)
                .map(|(_, _, status)| *status)
                .or_else(|| self.statuses.get(folded).copied())
        })
    }

    /// What a suppression reason (Klaviyo's `HARD_BOUNCE`) means.
    pub fn suppression_reason(&self, reason: &str) -> Option<Status> {
        lookup(&self.suppression_reasons, reason)
    }

    /// A yes/no cell.
    pub fn flag(&self, cell: &str) -> Option<bool> {
        lookup(&self.flags, cell)
    }

    /// The scope words, each with what it reaches, for
    /// [`crate::consent::PurposeMatcher`].
    pub fn all_purposes(&self) -> Phrases<Scope> {
        self.everything.clone()
    }

    /// What a source value says about how consent was collected.
    pub fn source(&self, source: &str) -> SourceClass {
        let words = crate::text::Words::new(source);
        if words.is_empty() {
            return SourceClass::Empty;
        }
        if self.allowed.find(&words).is_some() {
            return SourceClass::Known;
        }
        self.sources
            .iter()
            .find(|(_, phrases)| phrases.find(&words).is_some())
            .map_or(SourceClass::Unrecognised, |(class, _)| *class)
    }

    /// Teaches an event word (a policy's `[vocabulary.events]`); it wins
    /// over a built-in meaning of the same word.
    pub fn add_event(&mut self, kind: EventKind, word: &str) {
        self.events.insert(fold(word), kind);
        self.note(Section::Events, kind.as_str(), word);
    }

    pub fn add_status(&mut self, status: Status, word: &str) {
        let folded = fold(word);
        self.format_statuses.retain(|(_, w, _)| *w != folded);
        self.statuses.insert(folded, status);
        self.note(Section::Statuses, status.as_str(), word);
    }

    /// Adds a scope word: a withdrawal for it withdraws every purpose.
    pub fn add_all_purposes(&mut self, word: &str) {
        self.everything.add(word, Scope::All);
        self.note(Section::AllPurposes, "all_purposes", word);
    }

    /// Adds a source word to a class; a word for a known (valid) source
    /// wins over every built-in word.
    pub fn add_source(&mut self, class: SourceClass, word: &str) {
        let phrases = match class {
            SourceClass::Known => Some(&mut self.allowed),
            _ => self
                .sources
                .iter_mut()
                .find(|(c, _)| *c == class)
                .map(|(_, phrases)| phrases),
        };
        if let Some(phrases) = phrases {
            phrases.add(word, ());
            self.note(Section::Sources, source_class_key(class), word);
        }
    }

    fn note(&mut self, section: Section, key: &str, word: &str) {
        self.added.push(Addition {
            section,
            key: key.to_string(),
            word: word.to_string(),
        });
    }

    /// The words a policy added, in the order it added them.
    pub fn added(&self) -> &[Addition] {
        &self.added
    }
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary::builtin().clone()
    }
}

impl ClassifySource for Vocabulary {
    fn classify_source(&self, source: &str) -> SourceClass {
        self.source(source)
    }
}

/// A whole-cell lookup without allocating for cells of usual length.
fn lookup<T: Copy>(map: &Words<T>, cell: &str) -> Option<T> {
    with_folded(cell, |folded| {
        // A cell of separators only names nothing, whatever a map holds.
        (!folded.is_empty()).then(|| map.get(folded).copied())?
    })
}
