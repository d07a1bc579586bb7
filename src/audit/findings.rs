//! Findings as they are produced, and read back in report order.
//!
//! A large list has millions of findings, more than should be held in
//! memory. The sink keeps them in memory up to its budget; past it, it
//! sorts what it holds and writes it to a scratch file as a sorted run.
//! Reading merges the runs (a stable external sort), so the order is the
//! same whether or not anything was spilled: by input, row and rule, and
//! in the order they were produced where those are equal.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;

use super::{Finding, Summary};
use crate::policy::Level;
use crate::rules::{RULES, RuleId};
use crate::spill::{Encode, READ_AHEAD, RangeReader, Scratch, ScratchFile};

/// Memory a finding takes besides its text.
const FINDING_OVERHEAD: usize = std::mem::size_of::<Finding>() + 32;

type SortKey = (u32, u64, RuleId);

fn sort_key(finding: &Finding) -> SortKey {
    (finding.input, finding.row, finding.rule)
}

/// Collects findings and their counts.
pub struct FindingSink {
    held: Vec<Finding>,
    held_bytes: usize,
    budget: usize,
    spilled: Option<Scratch>,
    runs: Vec<(u64, u64)>,
    by_rule: Vec<u64>,
    by_level: [u64; 4],
}

impl FindingSink {
    /// A sink that holds at most about `budget` bytes of findings in memory.
    pub fn new(budget: usize) -> FindingSink {
        FindingSink {
            held: Vec::new(),
            held_bytes: 0,
            budget,
            spilled: None,
            runs: Vec::new(),
            by_rule: vec![0; RULES.len()],
            by_level: [0; 4],
        }
    }

    pub fn push(&mut self, finding: Finding) -> io::Result<()> {
        self.by_rule[finding.rule.index()] += 1;
        self.by_level[finding.level as usize] += 1;
        self.held_bytes += FINDING_OVERHEAD + finding.email.len() + finding.message.len();
        self.held.push(finding);
        if self.held_bytes > self.budget {
            self.spill()?;
        }
        Ok(())
    }

    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) -> io::Result<()> {
        findings.into_iter().try_for_each(|f| self.push(f))
    }

    fn spill(&mut self) -> io::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        self.held.sort_by_key(sort_key);
        let scratch = match &mut self.spilled {
            Some(scratch) => scratch,
            None => self.spilled.insert(Scratch::new()?),
        };
        let start = scratch.len();
        let mut bytes = Vec::with_capacity(self.held_bytes);
        for finding in self.held.drain(..) {
            encode(&finding, &mut bytes);
        }
        scratch.write(&bytes)?;
        self.runs.push((start, scratch.len()));
        self.held_bytes = 0;
        Ok(())
    }

    /// The findings in report order, and their counts.
    pub fn finish(mut self, rows: u64, removed: u64) -> io::Result<(Findings, Summary)> {
        let summary = Summary {
            rows,
            kept: rows - removed,
            removed,
            by_rule: std::mem::take(&mut self.by_rule),
            errors: self.by_level[Level::Error as usize],
            warnings: self.by_level[Level::Warning as usize],
            infos: self.by_level[Level::Info as usize],
            baselined: None,
        };
        let count = summary.by_rule.iter().sum();
        let findings = if self.spilled.is_some() {
            self.spill()?;
            let file = self.spilled.take().map(Scratch::into_reader).transpose()?;
            Findings::Spilled {
                file: file.ok_or_else(|| io::Error::other("no scratch file"))?,
                runs: self.runs,
                count,
                budget: self.budget,
                baselined: None,
            }
        } else {
            self.held.sort_by_key(sort_key);
            Findings::Held(self.held)
        };
        Ok((findings, summary))
    }
}

/// All findings of an audit, in report order.
pub enum Findings {
    Held(Vec<Finding>),
    Spilled {
        file: ScratchFile,
        runs: Vec<(u64, u64)>,
        count: u64,
        /// The memory the merge's read buffers may take together.
        budget: usize,
        /// Which findings, by position in report order, a baseline
        /// accepted: a bit each, as the merge decodes them anew.
        baselined: Option<Vec<u64>>,
    },
}

impl Findings {
    pub fn len(&self) -> u64 {
        match self {
            Findings::Held(findings) => findings.len() as u64,
            Findings::Spilled { count, .. } => *count,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many sorted runs were written to scratch (0 when held).
    pub fn spilled_runs(&self) -> usize {
        match self {
            Findings::Held(_) => 0,
            Findings::Spilled { runs, .. } => runs.len(),
        }
    }

    /// Calls `visit` on every finding in report order, up to `size` at a
    /// time, so that a writer can format each chunk in parallel.
    pub fn for_each_chunk<E: From<io::Error>>(
        &self,
        size: usize,
        mut visit: impl FnMut(&[Finding]) -> Result<(), E>,
    ) -> Result<(), E> {
        let size = size.max(1);
        match self {
            Findings::Held(findings) => findings.chunks(size).try_for_each(visit),
            Findings::Spilled { .. } => {
                // The merge decodes each finding anew: the chunk takes it.
                let mut chunk = Vec::with_capacity(size);
                self.merge(|finding| {
                    chunk.push(finding);
                    if chunk.len() == size {
                        visit(&chunk)?;
                        chunk.clear();
                    }
                    Ok::<(), E>(())
                })?;
                if chunk.is_empty() {
                    Ok(())
                } else {
                    visit(&chunk)
                }
            }
        }
    }

    /// Calls `visit` on every finding, in report order.
    pub fn for_each<E: From<io::Error>>(
        &self,
        mut visit: impl FnMut(&Finding) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Findings::Held(findings) => findings.iter().try_for_each(visit),
            Findings::Spilled { .. } => self.merge(|finding| visit(&finding)),
        }
    }

    /// Calls `visit` on every finding no baseline accepted, in report
    /// order: what the CI formats report.
    pub fn for_each_new<E: From<io::Error>>(
        &self,
        mut visit: impl FnMut(&Finding) -> Result<(), E>,
    ) -> Result<(), E> {
        self.for_each(|finding| {
            if finding.baselined {
                Ok(())
            } else {
                visit(finding)
            }
        })
    }

    /// Marks the findings `accept` accepts as baselined. `accept` sees the
    /// findings in report order, once each.
    pub fn mark_baselined(&mut self, mut accept: impl FnMut(&Finding) -> bool) -> io::Result<()> {
        match self {
            Findings::Held(findings) => {
                for finding in findings {
                    finding.baselined = accept(finding);
                }
            }
            Findings::Spilled { count, .. } => {
                let mut bits = vec![0u64; usize::try_from(count.div_ceil(64)).unwrap_or(0)];
                let mut position = 0usize;
                self.merge(|finding| {
                    if accept(&finding) {
                        bits[position / 64] |= 1 << (position % 64);
                    }
                    position += 1;
                    Ok::<_, io::Error>(())
                })?;
                if let Findings::Spilled { baselined, .. } = self {
                    *baselined = Some(bits);
                }
            }
        }
        Ok(())
    }

    /// Merges the spilled runs, handing each finding over in report order.
    /// Held findings have no runs to merge.
    fn merge<E: From<io::Error>>(
        &self,
        mut visit: impl FnMut(Finding) -> Result<(), E>,
    ) -> Result<(), E> {
        let Findings::Spilled {
            file,
            runs,
            budget,
            baselined,
            ..
        } = self
        else {
            return Ok(());
        };
        let mut position = 0usize;
        let mut visit = |mut finding: Finding| {
            if let Some(bits) = baselined {
                finding.baselined = bits[position / 64] & (1 << (position % 64)) != 0;
            }
            position += 1;
            visit(finding)
        };
        // A small budget means many runs: their read buffers share it.
        let read_ahead = (budget / runs.len().max(1)).clamp(4096, READ_AHEAD);
        let mut readers: Vec<RangeReader<'_>> = runs
            .iter()
            .map(|&(start, end)| file.range_buffered(start, end, read_ahead))
            .collect();
        let mut heads: Vec<Option<Finding>> = Vec::with_capacity(readers.len());
        let mut queue = BinaryHeap::with_capacity(readers.len());
        for (run, reader) in readers.iter_mut().enumerate() {
            let head = decode(reader)?;
            if let Some(finding) = &head {
                queue.push(Reverse((sort_key(finding), run)));
            }
            heads.push(head);
        }
        // Ties go to the earlier run: runs were spilled in the order the
        // findings were produced, so the merge is stable.
        while let Some(Reverse((_, run))) = queue.pop() {
            if let Some(finding) = heads[run].take() {
                visit(finding)?;
            }
            heads[run] = decode(&mut readers[run])?;
            if let Some(next) = &heads[run] {
                queue.push(Reverse((sort_key(next), run)));
            }
        }
        Ok(())
    }
}

fn encode(finding: &Finding, out: &mut Vec<u8>) {
    out.put_u8(finding.rule.index() as u8);
    out.put_u8(finding.level as usize as u8);
    out.put_u32(finding.input);
    out.put_u64(finding.row);
    out.put_u64(finding.line);
    out.put_str(&finding.email);
    out.put_str(&finding.message);
}

fn decode(reader: &mut RangeReader<'_>) -> io::Result<Option<Finding>> {
    if reader.is_done() {
        return Ok(None);
    }
    let invalid = || io::Error::new(io::ErrorKind::InvalidData, "corrupt findings scratch file");
    let rule = RULES.get(reader.u8()? as usize).ok_or_else(invalid)?.id;
    let level = *Level::ALL.get(reader.u8()? as usize).ok_or_else(invalid)?;
    Ok(Some(Finding {
        rule,
        level,
        input: reader.u32()?,
        row: reader.u64()?,
        line: reader.u64()?,
        email: reader.string()?,
        message: reader.string()?,
        baselined: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(input: u32, row: u64, rule: RuleId, message: &str) -> Finding {
        Finding {
            rule,
            level: if rule == RuleId::C004 {
                Level::Error
            } else {
                Level::Warning
            },
            input,
            row,
            line: row + 1,
            email: format!("user{row}@example.com"),
            message: message.to_string(),
            baselined: false,
        }
    }

    /// Findings in the order an audit produces them: runs of rows, with
    /// later inputs interleaved and ties that must keep their order.
    fn produced() -> Vec<Finding> {
        let mut out = Vec::new();
        for row in (1..2_000).rev().step_by(3) {
            out.push(finding(1, row, RuleId::D004, "orphan"));
        }
        for row in 1..3_000 {
            out.push(finding(0, row, RuleId::C004, "stale"));
            if row % 7 == 0 {
                out.push(finding(0, row, RuleId::C004, "second, same key"));
                out.push(finding(0, row, RuleId::C001, "earlier rule"));
            }
        }
        out
    }

    fn read(findings: &Findings) -> Vec<Finding> {
        let mut out = Vec::new();
        findings
            .for_each(|f| {
                out.push(f.clone());
                Ok::<_, io::Error>(())
            })
            .unwrap();
        out
    }

    #[test]
    fn spilled_findings_come_back_in_the_order_held_ones_do() {
        let mut expected = produced();
        expected.sort_by_key(sort_key);
        for budget in [usize::MAX, 10_000, 1] {
            let mut sink = FindingSink::new(budget);
            sink.extend(produced()).unwrap();
            let (findings, summary) = sink.finish(3_000, 10).unwrap();
            assert_eq!(
                matches!(findings, Findings::Spilled { .. }),
                budget != usize::MAX
            );
            assert_eq!(findings.len(), expected.len() as u64);
            assert_eq!(read(&findings), expected, "budget {budget}");
            assert_eq!(summary.by_rule[RuleId::C004.index()], 2_999 + 428);
            assert_eq!(summary.errors, 2_999 + 428);
            assert_eq!(summary.kept, 2_990);
        }
    }

    /// Chunks, held or spilled, are the findings in report order, cut at
    /// `size`: only the last may be shorter.
    #[test]
    fn chunks_are_the_findings_in_order() {
        let mut expected = produced();
        expected.sort_by_key(sort_key);
        for budget in [usize::MAX, 10_000] {
            for size in [1, 999, 4_000, 100_000] {
                let mut sink = FindingSink::new(budget);
                sink.extend(produced()).unwrap();
                let (findings, _) = sink.finish(3_000, 10).unwrap();
                let mut lengths = Vec::new();
                let mut seen = Vec::new();
                findings
                    .for_each_chunk(size, |chunk| {
                        lengths.push(chunk.len());
                        seen.extend_from_slice(chunk);
                        Ok::<_, io::Error>(())
                    })
                    .unwrap();
                assert_eq!(seen, expected, "budget {budget}, size {size}");
                let (last, full) = lengths.split_last().unwrap();
                assert!(full.iter().all(|&n| n == size) && *last <= size);
            }
        }
    }
}
