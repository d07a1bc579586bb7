//! All consent logs, folded per normalized address.
//!
//! The index is split into shards by a fixed hash of the address. Each batch
//! of parsed events is routed to its shards in input order, then the shards
//! fold their events in parallel. Because a ledger's fold does not depend on
//! order (see `ledger`), the result is the same for any thread count.

use std::collections::HashMap;
use std::hash::BuildHasher;

use foldhash::fast::{FixedState, RandomState};
use rayon::prelude::*;

use super::ledger::{EventRef, Ledger};
use super::source::{SourceCategory, SourcePatterns};
use super::symbols::{Symbol, Symbols};
use super::time::Timestamp;

const SHARDS: usize = 64;

type Shard = HashMap<Box<str>, Ledger, RandomState>;

fn router() -> FixedState {
    FixedState::with_seed(0x6c69_7374_6175_6469)
}

fn shard_of(router: &FixedState, key: &str) -> usize {
    (router.hash_one(key) >> 58) as usize % SHARDS
}

/// Collects consent events batch by batch.
pub struct IndexBuilder {
    shards: Vec<Shard>,
    routed: Vec<Vec<(String, EventRef)>>,
    router: FixedState,
    symbols: Symbols,
    as_of: Timestamp,
}

impl IndexBuilder {
    pub fn new(as_of: Timestamp) -> IndexBuilder {
        IndexBuilder {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            routed: (0..SHARDS).map(|_| Vec::new()).collect(),
            router: router(),
            symbols: Symbols::default(),
            as_of,
        }
    }

    pub fn intern(&mut self, text: &str) -> Symbol {
        self.symbols.intern(text)
    }

    /// Queues one event for the address `key`.
    pub fn push(&mut self, key: String, event: EventRef) {
        let shard = shard_of(&self.router, &key);
        self.routed[shard].push((key, event));
    }

    /// Folds every queued event into its shard, shards in parallel.
    pub fn flush(&mut self) {
        let as_of = self.as_of;
        self.shards
            .par_iter_mut()
            .zip(self.routed.par_iter_mut())
            .for_each(|(shard, events)| {
                for (key, event) in events.drain(..) {
                    match shard.get_mut(key.as_str()) {
                        Some(ledger) => ledger.observe(event, as_of),
                        None => {
                            let mut ledger = Ledger::default();
                            ledger.observe(event, as_of);
                            shard.insert(key.into_boxed_str(), ledger);
                        }
                    }
                }
            });
    }

    pub fn finish(mut self, sources: &SourcePatterns) -> ConsentIndex {
        self.flush();
        let source_categories = self
            .symbols
            .iter()
            .map(|(_, text)| sources.classify(text))
            .collect();
        ConsentIndex {
            shards: self.shards,
            router: self.router,
            symbols: self.symbols,
            source_categories,
        }
    }
}

/// The folded consent history of every address in the consent logs.
pub struct ConsentIndex {
    shards: Vec<Shard>,
    router: FixedState,
    symbols: Symbols,
    source_categories: Vec<Option<SourceCategory>>,
}

impl ConsentIndex {
    pub fn get(&self, key: &str) -> Option<&Ledger> {
        self.shards[shard_of(&self.router, key)].get(key)
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
        self.shards.iter().map(HashMap::len).sum()
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
                    .filter(|(_, ledger)| !ledger.is_matched())
                    .map(|(key, ledger)| (&**key, ledger))
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
                    format!("user{}@example.com", row % 700),
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
        builder.push("a@example.com".into(), event(1, 5, contest));
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
