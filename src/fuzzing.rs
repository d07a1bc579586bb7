//! What the fuzz targets in `fuzz/` run, one function per reader. They live
//! in the library so that `cargo test` compiles them and replays every
//! input a fuzzer once crashed on (`fuzz/regressions/<target>/`), on the
//! stable toolchain; `cargo fuzz` only adds the coverage-guided search.
//!
//! Each function must return for any bytes: an error is a fine answer, a
//! panic, a hang or a broken invariant is a bug.

use indicatif::ProgressBar;

use crate::address::{check_syntax, normalize};
use crate::consent::{DateOrder, PurposeMatcher, TimeRules, parse_timestamp_with};
use crate::input::{
    ColumnOverrides, ConsentLog, FileKind, InputSource, ParseContext, RawRecord, Spool,
    map_columns, open, read_header, shape_problem,
};

/// A fuzz target: takes any bytes, returns or panics.
pub type Target = fn(&[u8]);

/// The fuzz targets by name, as `cargo fuzz run NAME` knows them.
pub const TARGETS: [(&str, Target); 6] = [
    ("delimited", delimited),
    ("consent_log", consent_log),
    ("timestamp", timestamp),
    ("address", address),
    ("policy", policy),
    ("vocabulary", vocabulary),
];

fn spooled(data: &[u8]) -> Option<InputSource> {
    let spool = Spool::copy("fuzz".to_string(), "fuzz".to_string(), &mut &data[..]).ok()?;
    Some(InputSource::Spooled(spool))
}

/// Sniffing, the header, column mapping (as an export and as a consent
/// log), and every record with its shape check. Invariant: the header's
/// and the records' raw bytes add up to the whole input, so that
/// `cleaned.csv` and `removed.csv` can never drop a byte.
pub fn delimited(data: &[u8]) {
    let Some(source) = spooled(data) else { return };
    for kind in [FileKind::Subscribers, FileKind::Consent] {
        let Ok(opened) = open(&source, &ProgressBar::hidden()) else {
            return;
        };
        let Ok(file) = read_header(opened) else {
            return;
        };
        let transcoded = file.dialect.encoding.is_utf16();
        let delimiter = file.dialect.delimiter;
        let header_len = file.header.len();
        let mut seen = file.header.raw().len();
        let Ok(mut mapped) = map_columns(file, kind, &ColumnOverrides::default()) else {
            continue;
        };
        let mut record = RawRecord::default();
        loop {
            match mapped.file.records.read(&mut record) {
                Ok(true) => {
                    assert!(!record.raw().is_empty(), "an empty record");
                    seen += record.raw().len();
                    let _ = shape_problem(&record, header_len, delimiter);
                }
                Ok(false) => {
                    if !transcoded && !mapped.file.is_headerless() {
                        assert_eq!(seen, data.len(), "bytes lost between records");
                    }
                    break;
                }
                Err(_) => break,
            }
        }
    }
}

/// A consent log in any shape: CSV, JSON Lines, a JSON array, JSON
/// documents, Kantara receipts.
pub fn consent_log(data: &[u8]) {
    let Some(source) = spooled(data) else { return };
    let Ok(mut log) =
        ConsentLog::open(&source, &ColumnOverrides::default(), &ProgressBar::hidden())
    else {
        return;
    };
    let vocabulary = crate::vocabulary::Vocabulary::builtin();
    let purposes = PurposeMatcher::new("newsletter", [], vocabulary.all_purposes());
    let ctx = ParseContext {
        purposes: &purposes,
        vocabulary,
        time: TimeRules::default(),
        json_keys: &[],
    };
    let mut parsed = 0usize;
    let _ = log.parse(&ctx, |rows| parsed += rows.len());
}

/// Timestamps in every date order. Invariant: what is read and written
/// back as RFC 3339 reads back as the same instant.
pub fn timestamp(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for order in [None, Some(DateOrder::DayFirst), Some(DateOrder::MonthFirst)] {
        let rules = TimeRules { order, zone: None };
        if let Ok(Some(instant)) = parse_timestamp_with(text, rules) {
            let written = instant.to_string();
            if !written.starts_with('@') && !written.starts_with('+') {
                assert_eq!(
                    parse_timestamp_with(&written, rules).ok().flatten(),
                    Some(instant),
                    "{text:?} read as {written}, which reads back differently"
                );
            }
        }
    }
}

/// Address normalization and the syntax check. Invariant: a key
/// normalizes to itself.
pub fn address(data: &[u8]) {
    let cell = String::from_utf8_lossy(data);
    if let Some(key) = normalize(&cell) {
        assert_eq!(normalize(&key).as_deref(), Some(key.as_str()), "{cell:?}");
        let _ = check_syntax(&cell, &key);
    }
}

/// A policy file.
pub fn policy(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::policy::parse_policy("fuzz.toml", text);
    }
}

/// The vocabulary on any text: the first line is a pattern a policy could
/// add, the rest a cell. Invariants: folding into the stack buffer agrees
/// with folding into a string; case and separators never change what an
/// ASCII cell means; a purpose cell that names the list reaches it as a
/// withdrawal too.
pub fn vocabulary(data: &[u8]) {
    use crate::text::{Phrases, Words, fold, fold_into};
    use crate::vocabulary::Vocabulary;

    let text = String::from_utf8_lossy(data);
    let (pattern, cell) = text.split_once('\n').unwrap_or(("", &text));
    let folded = fold(cell);
    let mut buf = [0u8; 64];
    match fold_into(cell, &mut buf) {
        Some(into) => assert_eq!(into, folded),
        None => assert!(folded.len() > 64, "{folded:?} fits"),
    }
    let mut phrases = Phrases::default();
    phrases.add(pattern, ());
    let words = Words::new(cell);
    let found = phrases.find(&words).is_some();
    // Several patterns (`;` between them): the automaton answers as the
    // phrases tried one by one do, first added first.
    let mut several = Phrases::default();
    for (i, each) in pattern.split(';').enumerate() {
        several.add(each, i);
    }
    assert_eq!(several.find(&words), several.find_one_by_one(&words));
    if phrases.find_whole(&words).is_some() {
        assert!(found, "a whole match is a match");
    }
    let mut vocabulary = Vocabulary::builtin().clone();
    vocabulary.add_event(crate::consent::EventKind::Withdraw, pattern);
    vocabulary.add_source(crate::consent::SourceClass::Known, pattern);
    let _ = (vocabulary.source(cell), vocabulary.status(cell, "kit"));
    let _ = (vocabulary.flag(cell), vocabulary.bounce_type(cell));
    let builtin = Vocabulary::builtin();
    if cell.is_ascii() {
        let shouting = cell.to_ascii_uppercase().replace('_', "-");
        assert_eq!(builtin.event(cell), builtin.event(&shouting), "{cell:?}");
        assert_eq!(builtin.source(cell), builtin.source(&shouting), "{cell:?}");
    }
    let matcher = PurposeMatcher::new("newsletter", [pattern], builtin.all_purposes());
    if matcher.classify(cell) == crate::consent::PurposeFit::Covers {
        assert_eq!(
            matcher.classify_withdrawal(cell),
            crate::consent::PurposeFit::Covers
        );
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use super::*;

    /// Bytes that look like text files more often than random bytes do:
    /// delimiters, quotes, braces, line breaks, `@`, digits, a BOM's and
    /// UTF-16's bytes.
    fn text_like() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                prop::sample::select(b"a@.,;\t|\"\r\n{}[]:0123456789 -TZ+eE".to_vec()),
                any::<u8>(),
            ],
            0..600,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn readers_never_panic_on_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..600)) {
            for (_, target) in TARGETS {
                target(&data);
            }
        }

        #[test]
        fn readers_never_panic_on_text_like_bytes(data in text_like()) {
            for (_, target) in TARGETS {
                target(&data);
            }
        }
    }

    /// Every saved input, for every target: the seeds and each input a
    /// fuzzer once found a bug with.
    #[test]
    fn the_fuzz_corpus_replays_cleanly() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut replayed = 0;
        for (name, target) in TARGETS {
            for folder in ["seeds", "regressions"] {
                let Ok(entries) = std::fs::read_dir(root.join(folder).join(name)) else {
                    continue;
                };
                for entry in entries {
                    let path = entry.unwrap().path();
                    let data = std::fs::read(&path).unwrap();
                    let outcome = std::panic::catch_unwind(|| target(&data));
                    assert!(outcome.is_ok(), "{name} panics on {}", path.display());
                    replayed += 1;
                }
            }
        }
        assert!(replayed >= 20, "only {replayed} saved fuzz inputs found");
    }
}
