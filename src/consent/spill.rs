//! The consent index past `--memory-limit`: folded shards are written to a
//! scratch file as runs, and read back a group of shards at a time, each
//! group small enough for the budget. A ledger's fold does not depend on
//! how its events were grouped (see `ledger`), so merging the runs of a
//! shard gives exactly the shard that would have been built in memory.

use std::io;
use std::ops::Range;

use super::index::{ConsentIndex, SHARDS, Shard};
use super::ledger::Ledger;
use super::source::SourcePatterns;
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

    pub fn finish(self, symbols: Symbols) -> io::Result<SpilledIndex> {
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
    symbols: Symbols,
}

impl SpilledIndex {
    /// Consecutive ranges of shards, each expected to fit in `budget`
    /// bytes once loaded. A shard larger than the budget is a group alone.
    pub fn groups(&self, budget: u64) -> Vec<Range<usize>> {
        let mut groups = Vec::new();
        let mut start = 0;
        let mut used = 0;
        for (shard, runs) in self.runs.iter().enumerate() {
            let bytes: u64 = runs.iter().map(|run| run.bytes).sum();
            if shard > start && used + bytes > budget {
                groups.push(start..shard);
                start = shard;
                used = 0;
            }
            used += bytes;
        }
        groups.push(start..SHARDS);
        groups
    }

    /// The index holding the addresses of `shards` (the others empty).
    pub fn load(&self, shards: Range<usize>, sources: &SourcePatterns) -> io::Result<ConsentIndex> {
        use rayon::prelude::*;
        let loaded = (0..SHARDS)
            .into_par_iter()
            .map(|i| {
                let mut shard = Shard::default();
                if !shards.contains(&i) {
                    return Ok(shard);
                }
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
            })
            .collect::<io::Result<Vec<Shard>>>()?;
        Ok(ConsentIndex::new(loaded, self.symbols.clone(), sources))
    }
}
