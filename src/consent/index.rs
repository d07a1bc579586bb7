//! All consent logs, folded per normalized address.
//!
//! The index is split into shards by a fixed hash of the address. Each batch
//! of parsed events is routed to its shards in input order, then the shards
//! fold their events in parallel. Because a ledger's fold does not depend on
//! order (see `ledger`), the result is the same for any thread count.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

use super::ledger::{EventRef, Ledger};
use super::source::{SourceCategory, SourcePatterns};
use super::symbols::{Symbol, Symbols};
use super::time::Timestamp;

/// Number of shards; the top bits of a fingerprint choose one.
pub const SHARDS: usize = 64;

/// The 128-bit fingerprint an address is indexed by. At 10^9 distinct
/// addresses the chance of any two sharing one is about 10^-21.
pub fn fingerprint(key: &str) -> u128 {
    xxh3_128(key.as_bytes())
}

pub fn shard_of(fingerprint: u128) -> usize {
    (fingerprint >> 122) as usize
}

/// Fingerprints are already uniform hashes: the map uses their low bits
/// as they are.
#[derive(Default)]
pub(crate) struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

pub(crate) type ByFingerprint = BuildHasherDefault<FingerprintHasher>;

/// One address in the index: its ledger and where its text starts in the
/// shard's key arena (the text is only needed to report D004).
#[derive(Debug, Default)]
pub(crate) struct Entry {
    pub(crate) ledger: Ledger,
    key: u32,
}

/// Memory one address takes in a shard: the map slot (fingerprint and
/// entry, at hashbrown's typical load) and the key's text beside it.
pub const BYTES_PER_ADDRESS: u64 =
    ((std::mem::size_of::<(u128, Entry)>() + 1) * 8 / 6 + 2) as u64;

#[derive(Default)]
pub(crate) struct Shard {
    pub(crate) entries: HashMap<u128, Entry, ByFingerprint>,
    /// Every key's text, each behind its 2-byte length.
    keys: Vec<u8>,
}

impl Shard {
    fn key(&self, entry: &Entry) -> &str {
        let at = entry.key as usize;
        let len = u16::from_le_bytes([self.keys[at], self.keys[at + 1]]) as usize;
        std::str::from_utf8(&self.keys[at + 2..at + 2 + len]).unwrap_or_default()
    }

    fn entry(&mut self, fingerprint: u128, key: &[u8]) -> &mut Entry {
        let keys = &mut self.keys;
        self.entries.entry(fingerprint).or_insert_with(|| {
            let at = keys.len() as u32;
            let key = &key[..key.len().min(u16::MAX as usize)];
            keys.extend_from_slice(&(key.len() as u16).to_le_bytes());
            keys.extend_from_slice(key);
            Entry {
                ledger: Ledger::default(),
                key: at,
            }
        })
    }

    /// Folds a ledger for `key` into this shard.
    pub(crate) fn merge(&mut self, fingerprint: u128, key: &[u8], ledger: Ledger) {
        self.entry(fingerprint, key).ledger.merge(ledger);
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.entries.len() as u64 * BYTES_PER_ADDRESS + self.keys.len() as u64
    }

    /// Every address with its text, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u128, &str, &Ledger)> {
        self.entries
            .iter()
            .map(|(fingerprint, entry)| (*fingerprint, self.key(entry), &entry.ledger))
    }
}

/// Events queued for one shard: fingerprint, the key's place in `keys`,
/// and the event.
#[derive(Default)]
struct Routed {
    events: Vec<(u128, u32, u16, EventRef)>,
    keys: Vec<u8>,
}

/// Collects consent events batch by batch.
pub struct IndexBuilder {
    shards: Vec<Shard>,
    routed: Vec<Routed>,
    symbols: Symbols,
    as_of: Timestamp,
}

impl IndexBuilder {
    pub fn new(as_of: Timestamp) -> IndexBuilder {
        IndexBuilder {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            routed: (0..SHARDS).map(|_| Routed::default()).collect(),
            symbols: Symbols::default(),
            as_of,
        }
    }

    pub fn intern(&mut self, text: &str) -> Symbol {
        self.symbols.intern(text)
    }

    /// Queues one event for the address `key`.
    pub fn push(&mut self, key: &str, event: EventRef) {
        self.push_fingerprinted(fingerprint(key), key, event);
    }

    /// Queues one event for the address `key`, whose fingerprint the
    /// caller has computed (in parallel).
    pub fn push_fingerprinted(&mut self, fingerprint: u128, key: &str, event: EventRef) {
        let routed = &mut self.routed[shard_of(fingerprint)];
        let at = routed.keys.len() as u32;
        let key = &key.as_bytes()[..key.len().min(u16::MAX as usize)];
        routed.keys.extend_from_slice(key);
        routed.events.push((fingerprint, at, key.len() as u16, event));
    }

    /// Folds every queued event into its shard, shards in parallel.
    pub fn flush(&mut self) {
        let as_of = self.as_of;
        self.shards
            .par_iter_mut()
            .zip(self.routed.par_iter_mut())
            .for_each(|(shard, routed)| {
                for (fingerprint, at, len, event) in routed.events.drain(..) {
                    let key = &routed.keys[at as usize..at as usize + len as usize];
                    shard.entry(fingerprint, key).ledger.observe(event, as_of);
                }
                routed.keys.clear();
            });
    }

    /// Memory the folded ledgers take, about.
    pub fn bytes(&self) -> u64 {
        self.shards.iter().map(Shard::bytes).sum()
    }

    /// Hands the folded shards over, leaving the builder empty (used when
    /// they are spilled to scratch files).
    pub(crate) fn take_shards(&mut self) -> Vec<Shard> {
        self.flush();
        std::mem::replace(
            &mut self.shards,
            (0..SHARDS).map(|_| Shard::default()).collect(),
        )
    }

    pub(crate) fn symbols(&self) -> &Symbols {
        &self.symbols
    }

    pub fn finish(mut self, sources: &SourcePatterns) -> ConsentIndex {
        self.flush();
        ConsentIndex::new(self.shards, self.symbols, sources)
    }
}

/// The folded consent history of every address in the consent logs (or,
/// when the index is spilled, of the addresses in some of its shards).
pub struct ConsentIndex {
    shards: Vec<Shard>,
    symbols: Symbols,
    source_categories: Vec<Option<SourceCategory>>,
}

impl ConsentIndex {
    pub(crate) fn new(shards: Vec<Shard>, symbols: Symbols, sources: &SourcePatterns) -> ConsentIndex {
        let source_categories = symbols
            .iter()
            .map(|(_, text)| sources.classify(text))
            .collect();
        ConsentIndex {
            shards,
            symbols,
            source_categories,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Ledger> {
        self.get_fingerprinted(fingerprint(key))
    }

    pub fn get_fingerprinted(&self, fingerprint: u128) -> Option<&Ledger> {
        self.shards[shard_of(fingerprint)]
            .entries
            .get(&fingerprint)
            .map(|entry| &entry.ledger)
    }

    pub fn text(&self, symbol: Symbol) -> &str {
        self.symbols.resolve(symbol)
    }

    /// The invalid-source category of an interned source, if any.
    pub fn source_category(&self, symbol: Symbol) -> Option<SourceCategory> {
        self.source_categories
            .get(symbol.index())
            .copied()
            .flatten()
    }

    /// Number of distinct addresses.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.entries.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Addresses no subscriber row referred to, in no particular order.
    pub fn unmatched(&self) -> Vec<(&str, &Ledger)> {
        self.shards
            .par_iter()
            .flat_map_iter(|shard| {
                shard
                    .iter()
                    .filter(|(_, _, ledger)| !ledger.is_matched())
                    .map(|(_, key, ledger)| (key, ledger))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::event::EventKind;
    use crate::consent::ledger::{Location, Slot};
    use crate::consent::purpose::PurposeFit;

    fn event(row: u64, time: i64, source: Symbol) -> EventRef {
        EventRef {
            kind: EventKind::OptIn,
            time: Some(Timestamp::from_unix(time)),
            at: Location { input: 0, row },
            purpose_fit: PurposeFit::Covers,
            purpose: Symbol::EMPTY,
            source,
            has_ip: false,
            has_collection_point: false,
            terms: Default::default(),
        }
    }

    fn build(threads: usize) -> Vec<(String, u64, u64)> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut builder = IndexBuilder::new(Timestamp::from_unix(i64::MAX / 2));
            let web = builder.intern("web_form");
            for row in 0..5_000u64 {
                builder.push(
                    &format!("user{}@example.com", row % 700),
                    event(row + 1, (row * 7919 % 1000) as i64, web),
                );
                if row % 1000 == 999 {
                    builder.flush();
                }
            }
            let index = builder.finish(&SourcePatterns::default());
            let mut out: Vec<_> = (0..700)
                .map(|i| {
                    let key = format!("user{i}@example.com");
                    let ledger = index.get(&key).unwrap();
                    let latest = ledger.get(Slot::Consent(PurposeFit::Covers)).unwrap();
                    (key, latest.at.row, ledger.first_seen().unwrap().row)
                })
                .collect();
            out.sort();
            out
        })
    }

    #[test]
    fn same_index_for_any_thread_count() {
        assert_eq!(build(1), build(4));
    }

    #[test]
    fn classifies_sources_once_per_symbol() {
        let mut builder = IndexBuilder::new(Timestamp::from_unix(10_000));
        let contest = builder.intern("Summer sweepstake");
        let web = builder.intern("web_form");
        builder.push("a@example.com", event(1, 5, contest));
        let index = builder.finish(&SourcePatterns::default());
        assert_eq!(
            index.source_category(contest),
            Some(SourceCategory::Contest)
        );
        assert_eq!(index.source_category(web), None);
        assert_eq!(index.text(contest), "Summer sweepstake");
        assert_eq!(index.len(), 1);
        assert_eq!(index.unmatched().len(), 1);
        index.get("a@example.com").unwrap().mark_matched();
        assert!(index.unmatched().is_empty());
    }
}
