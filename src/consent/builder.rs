//! Folding consent events into the index.
//!
//! The index is split into shards by a fixed hash of the address. Each batch
//! of parsed events is routed to its shards in input order, then the shards
//! fold their events in parallel. Because a ledger's fold does not depend on
//! order (see `ledger`), the result is the same for any thread count. Past
//! its budget the builder spills folded shards to scratch; it alone knows
//! both the index and the spill, which know only the shard layout.

use std::sync::Arc;

use rayon::prelude::*;

use super::index::ConsentIndex;
use super::ledger::EventRef;
use super::shard::{SHARDS, Shard, fingerprint, shard_of};
use super::source::ClassifySource;
use super::spill::{IndexSpill, SpilledIndex};
use super::symbols::{Symbol, Symbols};
use super::time::Timestamp;

/// Events queued for one shard: fingerprint, the key's place in `keys`,
/// and the event.
#[derive(Default)]
struct Routed {
    events: Vec<(u128, u32, u16, EventRef)>,
    keys: Vec<u8>,
}

/// Collects consent events batch by batch. Past its memory budget it
/// writes the folded shards to a scratch file and starts afresh.
pub struct IndexBuilder {
    shards: Vec<Shard>,
    routed: Vec<Routed>,
    symbols: Symbols,
    as_of: Timestamp,
    budget: u64,
    spill: Option<IndexSpill>,
}

/// The finished index: in memory, or spilled to be loaded in groups.
pub enum BuiltIndex {
    Held(ConsentIndex),
    Spilled(SpilledIndex),
}

impl IndexBuilder {
    /// A builder that holds at most about `budget` bytes of ledgers.
    pub fn new(as_of: Timestamp, budget: u64) -> IndexBuilder {
        IndexBuilder {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            routed: (0..SHARDS).map(|_| Routed::default()).collect(),
            symbols: Symbols::default(),
            as_of,
            budget,
            spill: None,
        }
    }

    pub fn intern(&mut self, text: &str) -> Symbol {
        self.symbols.intern(text)
    }

    /// Interns an event's source, which the index classifies when built.
    pub fn intern_source(&mut self, text: &str) -> Symbol {
        self.symbols.intern_source(text)
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
        routed
            .events
            .push((fingerprint, at, key.len() as u16, event));
    }

    /// Folds every queued event into its shard, then spills the shards if
    /// they have outgrown the budget.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.fold();
        if self.bytes() > self.budget {
            let shards = std::mem::replace(
                &mut self.shards,
                (0..SHARDS).map(|_| Shard::default()).collect(),
            );
            let spill = match &mut self.spill {
                Some(spill) => spill,
                None => self.spill.insert(IndexSpill::new()?),
            };
            spill.write(shards)?;
        }
        Ok(())
    }

    /// Folds every queued event into its shard, shards in parallel.
    fn fold(&mut self) {
        let as_of = self.as_of;
        self.shards
            .par_iter_mut()
            .zip(self.routed.par_iter_mut())
            .for_each(|(shard, routed)| {
                for (fingerprint, at, len, event) in routed.events.drain(..) {
                    let key = &routed.keys[at as usize..at as usize + len as usize];
                    shard.observe(fingerprint, key, event, as_of);
                }
                routed.keys.clear();
            });
    }

    /// Memory the folded ledgers take, about.
    pub fn bytes(&self) -> u64 {
        self.shards.iter().map(Shard::bytes).sum()
    }

    /// Folds what is queued and classifies the sources, once for every
    /// group a spilled index is loaded in.
    pub fn finish(mut self, sources: &dyn ClassifySource) -> std::io::Result<BuiltIndex> {
        self.fold();
        self.symbols.classify_sources(sources);
        let symbols = Arc::new(std::mem::take(&mut self.symbols));
        Ok(match self.spill.take() {
            None => BuiltIndex::Held(ConsentIndex::new(self.shards, symbols)),
            Some(mut spill) => {
                spill.write(std::mem::take(&mut self.shards))?;
                BuiltIndex::Spilled(spill.finish(symbols)?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::event::EventKind;
    use crate::consent::ledger::{Ledger, Location, Slot};
    use crate::consent::purpose::PurposeFit;
    use crate::consent::source::{SourceCategory, SourceClass};

    /// Classifies sources as the vocabulary would, for what these tests need.
    struct Sweepstakes;

    impl ClassifySource for Sweepstakes {
        fn classify_source(&self, source: &str) -> SourceClass {
            if source.to_lowercase().contains("sweepstake") {
                SourceClass::Invalid(SourceCategory::Contest)
            } else {
                SourceClass::Known
            }
        }
    }

    fn event(row: u64, time: i64, source: Symbol) -> EventRef {
        EventRef {
            kind: EventKind::OptIn,
            time: Some(Timestamp::from_unix(time)),
            at: Location { input: 0, row },
            purpose_fit: PurposeFit::Covers,
            purpose: Symbol::EMPTY,
            source,
            detail: Symbol::EMPTY,
            has_ip: false,
            has_collection_point: false,
            terms: Default::default(),
        }
    }

    /// Every address's latest consent row, first row and whether it is
    /// unmatched, from an index built on `threads` threads within `budget`.
    fn build(threads: usize, budget: u64) -> (Vec<(String, u64, u64, bool)>, usize) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut builder = IndexBuilder::new(Timestamp::from_unix(i64::MAX / 2), budget);
            let web = builder.intern_source("web_form");
            for row in 0..5_000u64 {
                builder.push(
                    &format!("user{}@example.com", row % 700),
                    event(row + 1, (row * 7919 % 1000) as i64, web),
                );
                if row % 1000 == 999 {
                    builder.flush().unwrap();
                }
            }
            let indexes = match builder.finish(&Sweepstakes).unwrap() {
                BuiltIndex::Held(index) => vec![index],
                BuiltIndex::Spilled(spilled) => {
                    let mut groups = Vec::new();
                    let mut next = 0;
                    while next < SHARDS {
                        let (index, shards) = spilled.load_group(next, budget).unwrap();
                        assert!(shards.start == next && shards.end > next);
                        next = shards.end;
                        groups.push(index);
                    }
                    groups
                }
            };
            let mut out = Vec::new();
            for index in &indexes {
                index.get("user3@example.com").map(Ledger::mark_matched);
                let unmatched: Vec<&str> = index.unmatched().into_iter().map(|(k, _)| k).collect();
                for i in 0..700 {
                    let key = format!("user{i}@example.com");
                    if let Some(ledger) = index.get(&key) {
                        let latest = ledger.get(Slot::Consent(PurposeFit::Covers)).unwrap();
                        // Every group knows the sources, classified once.
                        assert_eq!(index.source_class(latest.source), SourceClass::Known);
                        let orphan = unmatched.contains(&key.as_str());
                        out.push((key, latest.at.row, ledger.first_seen().unwrap().row, orphan));
                    }
                }
            }
            out.sort();
            (out, indexes.len())
        })
    }

    #[test]
    fn same_index_for_any_thread_count() {
        assert_eq!(build(1, u64::MAX), build(4, u64::MAX));
    }

    #[test]
    fn a_spilled_index_loads_back_the_same_ledgers() {
        let (held, groups) = build(2, u64::MAX);
        assert_eq!(groups, 1);
        assert_eq!(held.len(), 700);
        // 20 KB holds a fraction of the 700 addresses: every flush spills,
        // and the shards load back in several groups.
        let (spilled, groups) = build(2, 20_000);
        assert!(groups > 2, "{groups} groups");
        assert_eq!(spilled, held);
        assert_eq!(spilled.iter().filter(|row| !row.3).count(), 1);
    }

    #[test]
    fn classifies_sources_once_per_symbol() {
        let mut builder = IndexBuilder::new(Timestamp::from_unix(10_000), u64::MAX);
        let contest = builder.intern_source("Summer sweepstake");
        let web = builder.intern_source("web_form");
        builder.push("a@example.com", event(1, 5, contest));
        let BuiltIndex::Held(index) = builder.finish(&Sweepstakes).unwrap() else {
            panic!("an unlimited index is held in memory");
        };
        assert_eq!(
            index.source_category(contest),
            Some(SourceCategory::Contest)
        );
        assert_eq!(index.source_category(web), None);
        assert_eq!(index.source_class(web), SourceClass::Known);
        // A purpose that reads like a source is no source.
        let mut builder = IndexBuilder::new(Timestamp::from_unix(10_000), u64::MAX);
        let purpose = builder.intern("sweepstake winners' newsletter");
        let BuiltIndex::Held(purposes) = builder.finish(&Sweepstakes).unwrap() else {
            panic!("an unlimited index is held in memory");
        };
        assert_eq!(purposes.source_class(purpose), SourceClass::Empty);
        assert_eq!(index.text(contest), "Summer sweepstake");
        assert_eq!(index.len(), 1);
        assert_eq!(index.unmatched().len(), 1);
        index.get("a@example.com").unwrap().mark_matched();
        assert!(index.unmatched().is_empty());
    }
}
