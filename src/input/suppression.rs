//! Suppression lists: addresses that must not be mailed, one per line, in a
//! CSV file with an email column, or as SHA-256 hex digests of normalized
//! addresses (so that erased people stay blocked without keeping their
//! address).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use super::delimited::{ColumnOverrides, map_columns, open, read_header};
use super::format::{Field, FileKind, detect};
use super::record::RawRecord;
use super::source::InputSource;
use crate::address::normalize;
use crate::consent::{EventKind, Location};
use crate::error::{Error, Result, describe_io};
use crate::vocabulary::Vocabulary;

/// What one suppression file contributed, for the report.
#[derive(Clone, Debug)]
pub struct SuppressionFile {
    pub name: String,
    /// `None` for a plain list (one entry per line).
    pub delimiter: Option<u8>,
    pub encoding: &'static str,
    pub rows: u64,
}

/// A suppression entry that is neither an address nor a digest.
#[derive(Clone, Debug)]
pub struct BadEntry {
    pub at: Location,
    pub line: u64,
    pub message: String,
}

/// Every suppressed address and digest, with where it was listed first.
#[derive(Default)]
pub struct Suppressions {
    addresses: HashMap<String, Location, foldhash::fast::RandomState>,
    digests: HashMap<[u8; 32], Location, foldhash::fast::RandomState>,
}

impl Suppressions {
    /// Where `key` (a normalized address) is suppressed, if it is.
    pub fn lookup(&self, key: &str) -> Option<Location> {
        if let Some(at) = self.addresses.get(key) {
            return Some(*at);
        }
        if self.digests.is_empty() {
            return None;
        }
        self.digests.get(&sha256(key)).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty() && self.digests.is_empty()
    }

    fn add(&mut self, cell: &str, at: Location) -> std::result::Result<(), String> {
        let text = cell.trim();
        if let Some(digest) = parse_digest(text) {
            self.digests.entry(digest).or_insert(at);
            return Ok(());
        }
        match normalize(text) {
            Some(key) if key.contains('@') => {
                self.addresses.entry(key).or_insert(at);
                Ok(())
            }
            _ => Err(format!(
                "suppression entry '{text}' is neither an email address nor a SHA-256 hex digest"
            )),
        }
    }

    /// Reads one suppression file into the set. `input` is the file's index
    /// among all inputs (for locations). Returns the file's summary and any
    /// unusable entries.
    pub fn read(
        &mut self,
        source: &InputSource,
        input: u32,
        progress: &ProgressBar,
    ) -> Result<(SuppressionFile, Vec<BadEntry>)> {
        let mut entries = Entries::new(input);
        let list = read_entries(source, progress, |cell, line| {
            entries.take(self, cell, line);
        })?;
        Ok(entries.finish(source, list))
    }
}

/// Why a delimited file is a consent log rather than a list of addresses:
/// it has an event column, and its first rows hold opt-ins, confirmations
/// or renewals. Suppressing (or erasing) everyone who ever opted in would
/// be the opposite of what the file says.
fn reads_as_consent_log(file: &super::delimited::DelimitedFile) -> Option<String> {
    let columns = detect(
        FileKind::Consent,
        &file.header_names,
        file.dialect.delimiter,
    );
    let event = columns.get(Field::Event)?;
    columns.get(Field::Email)?;
    let vocabulary = Vocabulary::builtin();
    let encoding = file.dialect.encoding;
    let sample = file.sample(200);
    let consents = sample
        .iter()
        .filter_map(|record| record.get(event))
        .map(|cell| encoding.decode_lossy(cell))
        .find(|cell| {
            vocabulary
                .event(cell)
                .is_some_and(EventKind::is_consent_act)
        })?;
    Some(format!(
        "its column '{}' holds consent events ('{}')",
        file.header_names[event],
        cell_for_message(&consents)
    ))
}

fn cell_for_message(cell: &str) -> String {
    crate::text::sanitize_for_terminal(cell.trim()).into_owned()
}

fn consent_log_given(source: &InputSource, why: &str) -> Error {
    Error::input(
        &source.display(),
        format!("this is a consent log, not a list of addresses: {why}"),
    )
    .with_hint("pass consent logs with --consent (-c), or to lookup as a FILE to search; a suppression or address list holds only the addresses (or SHA-256 digests) to block or find")
}

/// How a list of entries is written, for the report.
#[derive(Copy, Clone, Debug)]
pub struct ListShape {
    /// `None` for a plain list (one entry per line).
    pub delimiter: Option<u8>,
    pub encoding: &'static str,
}

/// Calls `each` with every entry of a list of addresses or digests and the
/// physical line it is on: one entry per line (`#` starts a comment line),
/// or the email column of a CSV file. Blank entries and comments are
/// passed too (trimmed, they are empty or start with `#`).
pub fn read_entries(
    source: &InputSource,
    progress: &ProgressBar,
    mut each: impl FnMut(&str, u64),
) -> Result<ListShape> {
    let opened = open(source, progress)?;
    if matches!(opened.first_byte(), Some(b'{' | b'[')) {
        return Err(consent_log_given(
            source,
            "it is JSON, as consent logs are; a list of addresses is one per line or a CSV file",
        ));
    }
    if is_plain_list(&opened.prefix) {
        return read_plain(opened, each);
    }
    let file = read_header(opened)?;
    if let Some(why) = reads_as_consent_log(&file) {
        return Err(consent_log_given(source, &why));
    }
    let mut mapped = map_columns(file, FileKind::Suppression, &ColumnOverrides::default())?;
    let encoding = mapped.file.dialect.encoding;
    let column = mapped.column(Field::Email).unwrap_or(0);
    let mut batch = vec![RawRecord::default(); 1024];
    loop {
        let n = mapped.file.read_batch(&mut batch)?;
        for record in &batch[..n] {
            let cell = encoding.decode_lossy(record.get(column).unwrap_or_default());
            each(&cell, record.line());
        }
        if n < batch.len() {
            break;
        }
    }
    let dialect = mapped.file.dialect;
    Ok(ListShape {
        delimiter: Some(dialect.delimiter),
        encoding: dialect.encoding.as_str(),
    })
}

/// One address or digest per line.
fn read_plain(
    opened: super::delimited::Opened,
    mut each: impl FnMut(&str, u64),
) -> Result<ListShape> {
    let encoding = if opened.prefix.starts_with(b"\xef\xbb\xbf") {
        "utf-8-bom"
    } else {
        "utf-8"
    };
    let mut reader = BufReader::new(opened.reader);
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::input(&opened.source.display(), describe_io(&e)))?;
        if n == 0 {
            break;
        }
        number += 1;
        let text = String::from_utf8_lossy(&line);
        let text = if number == 1 {
            text.trim_start_matches('\u{feff}')
        } else {
            &text
        };
        each(text, number);
    }
    Ok(ListShape {
        delimiter: None,
        encoding,
    })
}

/// The first line of a file that is not blank or a comment, trimmed.
fn first_entry(prefix: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(prefix);
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
}

/// Whether a file is a list of SHA-256 digests (as `erase` writes them).
pub fn looks_like_digest_list(prefix: &[u8]) -> bool {
    first_entry(prefix).is_some_and(|line| parse_digest(&line).is_some())
}

/// Whether a file is a plain list rather than a CSV file with a header:
/// its first line that is not blank or a comment is an entry itself (an
/// address or a digest, with no delimiter in it).
fn is_plain_list(prefix: &[u8]) -> bool {
    match first_entry(prefix).as_deref() {
        None => true,
        Some(line) => {
            parse_digest(line).is_some()
                || (line.contains('@') && !line.contains([',', ';', '\t']))
                || (line.contains('<') && line.ends_with('>'))
        }
    }
}

/// Entries of one file as they are read.
struct Entries {
    input: u32,
    rows: u64,
    bad: Vec<BadEntry>,
}

impl Entries {
    fn new(input: u32) -> Entries {
        Entries {
            input,
            rows: 0,
            bad: Vec::new(),
        }
    }

    fn take(&mut self, suppressions: &mut Suppressions, cell: &str, line: u64) {
        let cell = cell.trim();
        if cell.is_empty() || cell.starts_with('#') {
            return;
        }
        self.rows += 1;
        let at = Location {
            input: self.input,
            row: self.rows,
        };
        if let Err(message) = suppressions.add(cell, at) {
            self.bad.push(BadEntry { at, line, message });
        }
    }

    fn finish(self, source: &InputSource, list: ListShape) -> (SuppressionFile, Vec<BadEntry>) {
        let summary = SuppressionFile {
            name: source.display(),
            delimiter: list.delimiter,
            encoding: list.encoding,
            rows: self.rows,
        };
        (summary, self.bad)
    }
}

/// A SHA-256 digest written as 64 hex digits.
pub fn parse_digest(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut digest = [0u8; 32];
    hex::decode_to_slice(text, &mut digest).ok()?;
    Some(digest)
}

/// SHA-256 of a normalized address, as in `suppression.sha256` files.
pub fn sha256(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_addresses_and_digests() {
        let mut s = Suppressions::default();
        let at = |row| Location { input: 2, row };
        s.add("Max.Braun@Example.com", at(1)).unwrap();
        let digest = hex::encode(sha256("lea@example.org"));
        s.add(&digest.to_uppercase(), at(2)).unwrap();
        assert_eq!(s.lookup("max.braun@example.com"), Some(at(1)));
        assert_eq!(s.lookup("lea@example.org"), Some(at(2)));
        assert_eq!(s.lookup("other@example.org"), None);
    }

    #[test]
    fn rejects_entries_that_would_never_match() {
        let mut s = Suppressions::default();
        let at = Location { input: 0, row: 1 };
        assert!(s.add("example.com", at).is_err());
        assert!(s.add("abc123", at).is_err());
        assert!(s.is_empty());
    }

    #[test]
    fn tells_plain_lists_from_csv_files() {
        assert!(is_plain_list(b"# comment, with a comma\nmax@example.com\n"));
        assert!(is_plain_list(b"\xef\xbb\xbfMax <max@example.com>\n"));
        assert!(is_plain_list(hex::encode(sha256("a@b.example")).as_bytes()));
        assert!(!is_plain_list(b"email,reason\nmax@example.com,complaint\n"));
        assert!(!is_plain_list(b"Email\nmax@example.com\n"));
    }

    #[test]
    fn digest_of_a_known_address() {
        // Reference value from `printf 'anna@example.com' | sha256sum`.
        assert_eq!(
            hex::encode(sha256("anna@example.com")),
            "f7d54c22dda5b1780276601cd005909b70543fc4a6ba72d735b4cb9bbb611f01"
        );
    }
}
