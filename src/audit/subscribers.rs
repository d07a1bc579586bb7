//! The subscriber pass: rows are read in batches, evaluated in parallel,
//! and then, in input order, checked for duplicates and written to the
//! cleaned or removed list. Output order is input order whatever the
//! thread count.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use rayon::prelude::*;
use smallvec::SmallVec;

use super::Finding;
use crate::address::normalize;
use crate::consent::{Assessment, ConsentIndex, Location, Timestamp};
use crate::error::Result;
use crate::input::{BATCH_ROWS, Field, MappedFile, RawRecord, Suppressions, shape_problem};
use crate::output::RowWriters;
use crate::policy::{Level, Policy};
use crate::rules::{RowContext, RuleId, check_row};

/// What the parallel stage decided about one row.
struct RowVerdict {
    key: Option<String>,
    findings: SmallVec<[(RuleId, String); 2]>,
    /// Whether the row takes part in duplicate detection.
    dedup: bool,
}

/// The shape of the file being read.
struct FileShape {
    email_column: usize,
    header_len: usize,
    delimiter: u8,
}

pub struct SubscriberPass<'a> {
    pub index: &'a ConsentIndex,
    pub suppressions: &'a Suppressions,
    pub policy: &'a Policy,
    pub as_of: Timestamp,
    pub input_names: &'a [String],
    pub consent_logs: usize,
    /// First occurrence of every address so far, by 128-bit fingerprint.
    seen: HashMap<u128, Location, RandomState>,
}

/// Counts for one subscriber file.
pub struct FileCounts {
    pub rows: u64,
    pub removed: u64,
}

impl<'a> SubscriberPass<'a> {
    pub fn new(
        index: &'a ConsentIndex,
        suppressions: &'a Suppressions,
        policy: &'a Policy,
        as_of: Timestamp,
        input_names: &'a [String],
        consent_logs: usize,
    ) -> SubscriberPass<'a> {
        SubscriberPass {
            index,
            suppressions,
            policy,
            as_of,
            input_names,
            consent_logs,
            seen: HashMap::default(),
        }
    }

    /// Audits one subscriber file.
    pub fn process(
        &mut self,
        input: u32,
        mapped: &mut MappedFile,
        writers: &mut RowWriters,
        findings: &mut Vec<Finding>,
    ) -> Result<FileCounts> {
        let shape = FileShape {
            email_column: mapped.column(Field::Email).unwrap_or(0),
            header_len: mapped.file.header_names.len(),
            delimiter: mapped.file.dialect.delimiter,
        };
        let mut batch = vec![RawRecord::default(); BATCH_ROWS];
        let mut verdicts: Vec<RowVerdict> = Vec::with_capacity(BATCH_ROWS);
        let mut counts = FileCounts {
            rows: 0,
            removed: 0,
        };
        loop {
            let n = mapped.file.read_batch(&mut batch)?;
            batch[..n]
                .par_iter()
                .with_min_len(256)
                .map(|record| self.evaluate(record, &shape))
                .collect_into_vec(&mut verdicts);
            for (record, verdict) in batch[..n].iter().zip(verdicts.drain(..)) {
                let at = Location {
                    input,
                    row: record.row(),
                };
                let mut row_findings: SmallVec<[Finding; 2]> = verdict
                    .findings
                    .into_iter()
                    .map(|(rule, message)| self.finding(rule, at, record, &verdict.key, message))
                    .collect();
                if verdict.dedup
                    && let Some(key) = &verdict.key
                    && let Some(message) = self.duplicate(key, at)
                {
                    row_findings.push(self.finding(
                        RuleId::H002,
                        at,
                        record,
                        &verdict.key,
                        message,
                    ));
                    row_findings.sort_by_key(|f| f.rule);
                }
                counts.rows += 1;
                if row_findings.iter().any(|f| f.level == Level::Error) {
                    counts.removed += 1;
                    writers.remove(record, &row_findings)?;
                } else {
                    writers.keep(record)?;
                }
                findings.extend(row_findings);
            }
            if n < batch.len() {
                return Ok(counts);
            }
        }
    }

    fn finding(
        &self,
        rule: RuleId,
        at: Location,
        record: &RawRecord,
        key: &Option<String>,
        message: String,
    ) -> Finding {
        Finding {
            rule,
            level: self.policy.level(rule),
            input: at.input,
            row: at.row,
            line: record.line(),
            email: key.clone().unwrap_or_default(),
            message,
        }
    }

    /// H002: the message when `key` was seen in an earlier row.
    fn duplicate(&mut self, key: &str, at: Location) -> Option<String> {
        if !self.policy.enabled(RuleId::H002) {
            return None;
        }
        let fingerprint = xxhash_rust::xxh3::xxh3_128(key.as_bytes());
        let first = *self.seen.entry(fingerprint).or_insert(at);
        (first != at).then(|| {
            let name = &self.input_names[first.input as usize];
            format!("same address as {name} row {}", first.row)
        })
    }

    fn evaluate(&self, record: &RawRecord, shape: &FileShape) -> RowVerdict {
        let cell = record.get(shape.email_column).unwrap_or_default();
        let decoded = std::str::from_utf8(cell);
        if self.policy.enabled(RuleId::D003) {
            let problem = shape_problem(record, shape.header_len, shape.delimiter).or_else(|| {
                decoded
                    .is_err()
                    .then(|| "the email column is not valid UTF-8".to_string())
            });
            if let Some(problem) = problem {
                return RowVerdict {
                    key: decoded.ok().and_then(normalize),
                    findings: SmallVec::from_elem((RuleId::D003, problem), 1),
                    dedup: false,
                };
            }
        }
        let text = String::from_utf8_lossy(cell);
        let Some(key) = normalize(&text) else {
            let mut findings = SmallVec::new();
            if self.policy.enabled(RuleId::H001) {
                findings.push((RuleId::H001, "the address is empty".to_string()));
            }
            return RowVerdict {
                key: None,
                findings,
                dedup: false,
            };
        };
        let ledger = self.index.get(&key);
        if let Some(ledger) = ledger {
            ledger.mark_matched();
        }
        let ctx = RowContext {
            key: &key,
            assessment: Assessment::new(ledger),
            suppressed_at: self.suppressions.lookup(&key),
            policy: self.policy,
            as_of: self.as_of,
            index: self.index,
            input_names: self.input_names,
            consent_logs: self.consent_logs,
        };
        let findings = check_row(&ctx);
        RowVerdict {
            key: Some(key),
            findings,
            dedup: true,
        }
    }
}
