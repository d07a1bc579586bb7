//! The layout the consent index keeps its addresses in, shared by the
//! index in memory and by its spilled shards: a fixed number of shards,
//! chosen by the top bits of an address's 128-bit fingerprint, each a map
//! from fingerprint to ledger beside an arena of the addresses' texts.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_128;

use super::ledger::{EventRef, Ledger};
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

/// Bytes of one map bucket: the fingerprint and entry, and hashbrown's
/// control byte.
const BUCKET_BYTES: u64 = (std::mem::size_of::<(u128, Entry)>() + 1) as u64;

#[derive(Default)]
pub(crate) struct Shard {
    pub(crate) entries: HashMap<u128, Entry, ByFingerprint>,
    /// Every key's text, each behind its 2-byte length.
    keys: Vec<u8>,
    /// Bytes the ledgers hold outside the map (see [`Ledger::heap_bytes`]):
    /// at 1M subscribers most ledgers hold 3 to 5 events, past the 2 that
    /// fit inline, and these bytes are as many as the map's.
    heap: u64,
}

impl Shard {
    pub(crate) fn key(&self, entry: &Entry) -> &str {
        let at = entry.key as usize;
        let len = u16::from_le_bytes([self.keys[at], self.keys[at + 1]]) as usize;
        std::str::from_utf8(&self.keys[at + 2..at + 2 + len]).unwrap_or_default()
    }

    pub(crate) fn entry(&mut self, fingerprint: u128, key: &[u8]) -> &mut Entry {
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

    /// Folds one event into `key`'s ledger.
    pub(crate) fn observe(
        &mut self,
        fingerprint: u128,
        key: &[u8],
        event: EventRef,
        as_of: Timestamp,
    ) {
        let ledger = &mut self.entry(fingerprint, key).ledger;
        let before = ledger.heap_bytes();
        ledger.observe(event, as_of);
        let after = ledger.heap_bytes();
        self.heap = self.heap + after - before;
    }

    /// Folds a ledger for `key` into this shard (loading a spilled one).
    pub(crate) fn merge(&mut self, fingerprint: u128, key: &[u8], ledger: Ledger) {
        let into = &mut self.entry(fingerprint, key).ledger;
        let before = into.heap_bytes();
        into.merge(ledger);
        let after = into.heap_bytes();
        self.heap = self.heap + after - before;
    }

    /// Memory the shard holds: its map's buckets (a map of capacity `c`
    /// has `c * 8 / 7` of them), its key arena and its ledgers' events.
    pub(crate) fn bytes(&self) -> u64 {
        self.entries.capacity() as u64 * 8 / 7 * BUCKET_BYTES
            + self.keys.capacity() as u64
            + self.heap
    }

    /// Every address with its text, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u128, &str, &Ledger)> {
        self.entries
            .iter()
            .map(|(fingerprint, entry)| (*fingerprint, self.key(entry), &entry.ledger))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::event::EventKind;
    use crate::consent::ledger::bare_event;
    use crate::consent::purpose::PurposeFit;

    fn event(kind: EventKind, time: i64, row: u64) -> EventRef {
        bare_event(kind, Some(time), row, PurposeFit::Covers)
    }

    /// The budget that decides when the index spills counts the events a
    /// ledger keeps outside the map, which at 1M subscribers are as many
    /// bytes as the map itself: uncounted, a 64M limit peaked at 174 MiB.
    #[test]
    fn bytes_count_the_events_ledgers_keep_outside_the_map() {
        let as_of = Timestamp::from_unix(1_000_000);
        let mut shard = Shard::default();
        let key = b"anna@example.org";
        let fingerprint = super::fingerprint("anna@example.org");
        shard.observe(fingerprint, key, event(EventKind::OptIn, 10, 1), as_of);
        let map_only = shard.bytes();
        assert_eq!(shard.heap, 0, "two events fit inline");
        let history = [
            (EventKind::Confirm, 20),
            (EventKind::OptIn, 30),
            (EventKind::Activity, 40),
            (EventKind::Withdraw, 50),
        ];
        for (row, (kind, time)) in history.into_iter().enumerate() {
            shard.observe(fingerprint, key, event(kind, time, row as u64 + 2), as_of);
        }
        let ledger = &shard.entries[&fingerprint].ledger;
        assert!(ledger.heap_bytes() > 0);
        assert_eq!(shard.heap, ledger.heap_bytes());
        assert_eq!(shard.bytes(), map_only + ledger.heap_bytes());
        // Merging a spilled copy keeps the count right.
        let mut other = Shard::default();
        let copy = std::mem::take(&mut shard.entries.get_mut(&fingerprint).unwrap().ledger);
        other.merge(fingerprint, key, copy);
        assert_eq!(other.heap, other.entries[&fingerprint].ledger.heap_bytes());
    }
}
