//! All consent logs, folded per normalized address (see `builder` for how
//! they are folded, `shard` for how addresses are kept).

use std::sync::Arc;

use rayon::prelude::*;

use super::ledger::Ledger;
use super::shard::{Shard, fingerprint, shard_of};
use super::source::{SourceCategory, SourceClass};
use super::symbols::{Symbol, Symbols};

/// The folded consent history of every address in the consent logs (or,
/// when the index is spilled, of the addresses in some of its shards).
pub struct ConsentIndex {
    shards: Vec<Shard>,
    /// Interned texts with their source classes, shared by every group.
    symbols: Arc<Symbols>,
}

impl ConsentIndex {
    pub(crate) fn new(shards: Vec<Shard>, symbols: Arc<Symbols>) -> ConsentIndex {
        ConsentIndex { shards, symbols }
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

    /// The interned sources and purposes (the same table in every group of
    /// a spilled index).
    pub fn symbols(&self) -> &Arc<Symbols> {
        &self.symbols
    }

    /// What an interned source says about how consent was collected.
    pub fn source_class(&self, symbol: Symbol) -> SourceClass {
        self.symbols.source_class(symbol)
    }

    /// The invalid-source category of an interned source, if any.
    pub fn source_category(&self, symbol: Symbol) -> Option<SourceCategory> {
        self.source_class(symbol).category()
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
