//! The layout the consent index keeps its addresses in, shared by the
//! index in memory and by its spilled shards: a fixed number of shards,
//! chosen by the top bits of an address's 128-bit fingerprint, each a map
//! from fingerprint to ledger beside an arena of the addresses' texts.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_128;

use super::ledger::Ledger;

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

    /// Folds a ledger for `key` into this shard (loading a spilled one).
    pub(crate) fn merge(&mut self, fingerprint: u128, key: &[u8], ledger: Ledger) {
        self.entry(fingerprint, key).ledger.merge(ledger);
    }

    /// Memory the shard holds: its map's buckets (a map of capacity `c`
    /// has `c * 8 / 7` of them) and its key arena.
    pub(crate) fn bytes(&self) -> u64 {
        self.entries.capacity() as u64 * 8 / 7 * BUCKET_BYTES + self.keys.capacity() as u64
    }

    /// Every address with its text, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u128, &str, &Ledger)> {
        self.entries
            .iter()
            .map(|(fingerprint, entry)| (*fingerprint, self.key(entry), &entry.ledger))
    }
}
