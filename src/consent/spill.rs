//! The consent index past `--memory-limit`: folded shards are written to a
//! scratch file as runs, and read back a group of shards at a time, each
//! group small enough for the budget. A ledger's fold does not depend on
//! how its events were grouped (see `ledger`), so merging the runs of a
//! shard gives exactly the shard that would have been built in memory.

use std::io;
use std::ops::Range;
use std::sync::Arc;

use super::index::ConsentIndex;
use super::ledger::Ledger;
use super::shard::{SHARDS, Shard};
use super::symbols::Symbols;
use crate::spill::{Encode, Scratch, ScratchFile};

/// One shard's addresses as written at one spill.
#[derive(Clone, Copy, Debug)]
struct Run {
    start: u64,
    end: u64,
    /// Memory the run takes once loaded, about.
    bytes: u64,
}

/// Shards being written out.
pub struct IndexSpill {
    scratch: Scratch,
    runs: Vec<Vec<Run>>,
}

impl IndexSpill {
    pub fn new() -> io::Result<IndexSpill> {
        Ok(IndexSpill {
            scratch: Scratch::new()?,
            runs: vec![Vec::new(); SHARDS],
        })
    }

    /// Writes every shard as one run.
    pub(crate) fn write(&mut self, shards: Vec<Shard>) -> io::Result<()> {
        let mut bytes = Vec::new();
        for (i, shard) in shards.into_iter().enumerate() {
            if shard.entries.is_empty() {
                continue;
            }
            bytes.clear();
            for (fingerprint, key, ledger) in shard.iter() {
                bytes.extend_from_slice(&fingerprint.to_le_bytes());
                bytes.put_str(key);
                ledger.encode(&mut bytes);
            }
            let start = self.scratch.len();
            self.scratch.write(&bytes)?;
            self.runs[i].push(Run {
                start,
                end: self.scratch.len(),
                bytes: shard.bytes(),
            });
        }
        Ok(())
    }

    pub fn finish(self, symbols: Arc<Symbols>) -> io::Result<SpilledIndex> {
        Ok(SpilledIndex {
            file: self.scratch.into_reader()?,
            runs: self.runs,
            symbols,
        })
    }
}

/// A spilled index, loaded a group of shards at a time.
pub struct SpilledIndex {
    file: ScratchFile,
    runs: Vec<Vec<Run>>,
    symbols: Arc<Symbols>,
}

impl SpilledIndex {
    /// The interned sources and purposes of every group.
    pub fn symbols(&self) -> &Arc<Symbols> {
        &self.symbols
    }

    /// Loads the next group of shards, from `first` on: as many as fit in
    /// `budget` bytes once merged (at least one). Merged sizes are
    /// predicted from the runs' sizes, scaled by how much the shards loaded
    /// so far shrank in merging (an address is in several runs). Returns
    /// the index and the shards it holds.
    pub fn load_group(
        &self,
        first: usize,
        budget: u64,
    ) -> io::Result<(ConsentIndex, Range<usize>)> {
        use rayon::prelude::*;
        // Shards are merged a few at a time, in parallel.
        const STEP: usize = 4;
        let written = |shards: Range<usize>| -> u64 {
            self.runs[shards]
                .iter()
                .flatten()
                .map(|run| run.bytes)
                .sum()
        };
        let mut shards: Vec<Shard> = (0..SHARDS).map(|_| Shard::default()).collect();
        let (mut end, mut used) = (first, 0u64);
        while end < SHARDS {
            let next = end..(end + STEP).min(SHARDS);
            if end > first {
                let shrink = used as f64 / written(first..end).max(1) as f64;
                let predicted = (written(next.clone()) as f64 * shrink) as u64;
                if used + predicted > budget {
                    break;
                }
            }
            let loaded = next
                .clone()
                .into_par_iter()
                .map(|i| self.load_shard(i))
                .collect::<io::Result<Vec<Shard>>>()?;
            for (i, shard) in next.clone().zip(loaded) {
                used += shard.bytes();
                shards[i] = shard;
            }
            end = next.end;
        }
        Ok((
            ConsentIndex::new(shards, Arc::clone(&self.symbols)),
            first..end,
        ))
    }

    fn load_shard(&self, i: usize) -> io::Result<Shard> {
        let mut shard = Shard::default();
        for run in &self.runs[i] {
            let mut reader = self.file.range(run.start, run.end);
            while !reader.is_done() {
                let fingerprint =
                    u128::from_le_bytes(reader.take(16)?.try_into().unwrap_or_default());
                let key = reader.string()?;
                let ledger = Ledger::decode(&mut reader)?;
                shard.merge(fingerprint, key.as_bytes(), ledger);
            }
        }
        Ok(shard)
    }
}
