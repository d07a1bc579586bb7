//! The people a `lookup` or `erase` is about, and how a row is found to
//! name one of them.

use std::collections::HashMap;

use indicatif::ProgressBar;
use smallvec::SmallVec;

use super::scan::Row;
use crate::address::normalize;
use crate::consent::Timestamp;
use crate::error::{Error, Result};
use crate::input::{InputSource, parse_digest, read_entries, sha256};

/// One person: a normalized address, or only its SHA-256 digest (an entry
/// of a `suppression.sha256` file).
#[derive(Clone, Debug)]
pub struct Target {
    /// `None` when only the digest is known.
    pub key: Option<String>,
    pub digest: [u8; 32],
    /// Why the person is a target: where they were first named.
    pub origin: Origin,
}

impl Target {
    pub fn digest_hex(&self) -> String {
        hex::encode(self.digest)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The EMAIL argument of `lookup`.
    Argument,
    /// A line of an `--addresses` file.
    List { file: String, line: u64 },
    /// A standing erasure request in a consent log.
    ErasureRequest {
        file: String,
        row: u64,
        requested_at: Option<Timestamp>,
    },
}

/// An entry of an `--addresses` file that names nobody.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedEntry {
    pub file: String,
    pub line: u64,
    pub message: String,
}

/// Which kinds of entries an address list may hold.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Accept {
    Addresses,
    /// Addresses and SHA-256 digests of normalized addresses.
    AddressesAndDigests,
}

#[derive(Default)]
pub struct Targets {
    entries: Vec<Target>,
    by_key: HashMap<String, usize, foldhash::fast::RandomState>,
    by_digest: HashMap<[u8; 32], usize, foldhash::fast::RandomState>,
}

/// Characters that separate several addresses in one cell
/// (`a@x.org; b@y.org`).
const LIST_SEPARATORS: [char; 5] = [';', ',', '|', '\n', '\r'];

impl Targets {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, i: usize) -> &Target {
        &self.entries[i]
    }

    pub fn iter(&self) -> impl Iterator<Item = &Target> {
        self.entries.iter()
    }

    /// Adds a person by address (any spelling); returns their index and
    /// whether they were new. `None` when the text is not an address.
    pub fn add_address(&mut self, text: &str, origin: Origin) -> Option<(usize, bool)> {
        let key = normalize(text).filter(|key| is_address_key(key))?;
        if let Some(&i) = self.by_key.get(&key) {
            return Some((i, false));
        }
        let digest = sha256(&key);
        if let Some(&i) = self.by_digest.get(&digest) {
            // Known by digest until now: the address fills it in.
            self.entries[i].key = Some(key.clone());
            self.by_key.insert(key, i);
            return Some((i, false));
        }
        let i = self.entries.len();
        self.entries.push(Target {
            key: Some(key.clone()),
            digest,
            origin,
        });
        self.by_key.insert(key, i);
        self.by_digest.insert(digest, i);
        Some((i, true))
    }

    fn add_digest(&mut self, digest: [u8; 32], origin: Origin) -> usize {
        if let Some(&i) = self.by_digest.get(&digest) {
            return i;
        }
        let i = self.entries.len();
        self.entries.push(Target {
            key: None,
            digest,
            origin,
        });
        self.by_digest.insert(digest, i);
        i
    }

    /// Reads an address list (one per line, or a CSV file with an email
    /// column). Entries that name nobody are returned with their line;
    /// the rest are added.
    pub fn read_list(&mut self, source: &InputSource, accept: Accept) -> Result<Vec<SkippedEntry>> {
        let file = source.display();
        let mut skipped = Vec::new();
        read_entries(source, &ProgressBar::hidden(), |cell, line| {
            let text = cell.trim();
            if text.is_empty() || text.starts_with('#') {
                return;
            }
            let origin = Origin::List {
                file: file.clone(),
                line,
            };
            if let Some(digest) = parse_digest(text) {
                if accept == Accept::AddressesAndDigests {
                    self.add_digest(digest, origin);
                } else {
                    skipped.push(SkippedEntry {
                        file: file.clone(),
                        line,
                        message: "a SHA-256 digest; lookup needs the address itself".to_string(),
                    });
                }
                return;
            }
            if self.add_address(text, origin).is_none() {
                skipped.push(SkippedEntry {
                    file: file.clone(),
                    line,
                    message: format!("'{text}' is not an email address"),
                });
            }
        })
        .map_err(|e| {
            let hint = e.hint().map(str::to_string);
            let error = Error::input(&file, format!("cannot read the address list: {e}"));
            match hint {
                Some(hint) => error.with_hint(hint),
                None => error,
            }
        })?;
        Ok(skipped)
    }

    /// The person `text` names, if it names one: the whole text (in any
    /// spelling: case, padding, `mailto:`, `Name <addr>`), or one of
    /// several addresses listed in it. Provider aliasing (Gmail dots,
    /// `+tags`) is not applied: `anna+news@` is another mailbox name.
    pub fn find(&self, text: &str) -> Option<usize> {
        if !text.contains('@') {
            return None;
        }
        if let Some(i) = self.find_one(text) {
            return Some(i);
        }
        if text.contains(LIST_SEPARATORS) {
            return text
                .split(LIST_SEPARATORS)
                .find_map(|part| self.find_one(part));
        }
        None
    }

    fn find_one(&self, text: &str) -> Option<usize> {
        let key = normalize(text)?;
        if let Some(&i) = self.by_key.get(&key) {
            return Some(i);
        }
        if self.by_digest.len() > self.by_key.len() {
            // Some people are known only by digest.
            return self.by_digest.get(&sha256(&key)).copied();
        }
        None
    }

    /// Every person the row names, each once, with the first column
    /// naming them.
    pub fn in_row(&self, row: &Row<'_>) -> SmallVec<[(usize, String); 1]> {
        let mut found: SmallVec<[(usize, String); 1]> = SmallVec::new();
        row.cells.each_candidate(&mut |column, text| {
            if let Some(i) = self.find(text)
                && !found.iter().any(|(seen, _)| *seen == i)
            {
                found.push((i, column.to_string()));
            }
        });
        found
    }
}

/// A normalized text with a local part and a domain.
fn is_address_key(key: &str) -> bool {
    key.rsplit_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_people_in_any_spelling_and_in_lists() {
        let mut targets = Targets::default();
        targets.add_address("Anna.Schmidt@Example.ORG", Origin::Argument);
        assert_eq!(targets.find("  anna.schmidt@example.org "), Some(0));
        assert_eq!(targets.find("mailto:ANNA.SCHMIDT@example.org"), Some(0));
        assert_eq!(
            targets.find("Schmidt, Anna <anna.schmidt@example.org>"),
            Some(0)
        );
        assert_eq!(
            targets.find("bob@example.org; anna.schmidt@example.org"),
            Some(0)
        );
        assert_eq!(targets.find("anna.schmidt+news@example.org"), None);
        assert_eq!(targets.find("annaschmidt@example.org"), None);
        assert_eq!(targets.find("anna.schmidt@example.org.uk"), None);
        assert_eq!(targets.find("see anna.schmidt@example.org"), None);
    }

    #[test]
    fn digests_find_addresses_and_meet_them() {
        let mut targets = Targets::default();
        let i = targets.add_digest(sha256("ole@example.net"), Origin::Argument);
        assert_eq!(targets.find("Ole@Example.NET"), Some(i));
        assert_eq!(targets.get(i).key, None);
        // Named later by address: one person, now with the address.
        assert_eq!(
            targets.add_address("ole@example.net", Origin::Argument),
            Some((i, false))
        );
        assert_eq!(targets.get(i).key.as_deref(), Some("ole@example.net"));
        assert_eq!(targets.len(), 1);
    }

    #[test]
    fn non_addresses_are_refused() {
        let mut targets = Targets::default();
        assert_eq!(
            targets.add_address("not an address", Origin::Argument),
            None
        );
        assert_eq!(
            targets.add_address("anna@localhost", Origin::Argument),
            None
        );
        assert_eq!(targets.add_address("@example.org", Origin::Argument), None);
        assert!(targets.is_empty());
    }
}
