//! The subscriber pass: rows are read in batches, judged in parallel (or
//! read back from the group passes of a spilled index), checked for
//! duplicates in parallel, and then, in input order, written to the
//! cleaned or removed list. Output order is input order whatever the
//! thread count.

use std::collections::HashMap;
use std::sync::Mutex;

use foldhash::fast::RandomState;
use rayon::prelude::*;
use smallvec::SmallVec;
use xxhash_rust::xxh3::xxh3_128;

use super::Finding;
use super::findings::FindingSink;
use super::profile::{Confirmation, ConsentProfile, ConsentTally, ErasureEntry, ErasureRequest};
use crate::address::normalize;
use crate::consent::{
    Assessment, ConsentIndex, Location, SHARDS, Symbol, Timestamp, fingerprint, shard_of,
};
use crate::error::{Error, Result};
use crate::input::{
    BATCH_ROWS, Encoding, EvidenceReader, Field, MappedFile, RawRecord, Suppressions, shape_problem,
};
use crate::output::{RemovedRow, RowFormat, RowWriters};
use crate::policy::{Level, Policy};
use crate::rules::RuleId;
use crate::rules::checks::{RowContext, RowFinding, check_row};
use crate::spill::{Encode, RangeReader, Scratch, ScratchFile};

/// What the parallel stage decided about one row.
struct RowVerdict {
    key: Option<String>,
    /// The key's 128-bit fingerprint (H002), hashed in the parallel stage.
    fingerprint: u128,
    findings: SmallVec<[RowFinding; 2]>,
    /// Whether the row takes part in duplicate detection.
    dedup: bool,
    /// The fingerprint of the mailbox the provider delivers to, and the
    /// provider, where it ignores dots or `+tags` (H006).
    mailbox: Option<(u128, &'static crate::address::Provider)>,
    /// The consent standing the report counts (rows with an address).
    profile: Option<ConsentProfile>,
}

/// A row as the ordered writer takes it (see `SubscriberPass::settle`).
struct SettledRow {
    key: Option<String>,
    profile: Option<ConsentProfile>,
    findings: SmallVec<[Finding; 2]>,
    /// Set when an error finding removes the row.
    removed: Option<Removed>,
}

struct Removed {
    /// The row as removed.csv takes it, if that or repermission.csv does.
    line: Option<RemovedRow>,
    /// Whether a re-permission campaign may ask the person again.
    ask_again: bool,
}

/// The shape of the file being read.
pub struct FileShape<'e> {
    email_column: usize,
    email_name: String,
    header_len: usize,
    delimiter: u8,
    encoding: Encoding,
    evidence: &'e EvidenceReader<'e>,
}

impl FileShape<'_> {
    pub fn of<'e>(mapped: &MappedFile, evidence: &'e EvidenceReader<'e>) -> FileShape<'e> {
        let email_column = mapped.column(Field::Email).unwrap_or(0);
        FileShape {
            email_column,
            email_name: mapped
                .file
                .header_names
                .get(email_column)
                .cloned()
                .unwrap_or_default(),
            header_len: mapped.file.header_names.len(),
            delimiter: mapped.file.dialect.delimiter,
            encoding: mapped.file.dialect.encoding,
            evidence,
        }
    }

    /// The row's address as every pass reads it: the export-evidence
    /// pass, the group passes and the audit itself must agree on it, or a
    /// row's own consent columns would be filed under another key. With
    /// `check` (D003 on, or `--strict`), a row with a broken shape or an
    /// undecodable address is [`RowKey::Broken`]; without it, the address
    /// is read with replacement characters.
    pub fn row_key<'r>(&self, record: &'r RawRecord, check: bool) -> RowKey<'r> {
        let cell = record.get(self.email_column).unwrap_or_default();
        let decoded = self.encoding.decode(cell);
        if check {
            let problem = shape_problem(record, self.header_len, self.delimiter).or_else(|| {
                decoded.as_ref().err().map(|bad| {
                    // The offset in the file: the record's start plus the
                    // first bad byte in its raw text.
                    let within = std::str::from_utf8(record.content())
                        .err()
                        .map_or(0, |e| e.valid_up_to());
                    format!(
                        "column '{}' has a byte (0x{:02X}) that is not valid {} at byte offset {} of the file",
                        self.email_name,
                        bad.byte,
                        self.encoding.as_str().trim_end_matches("-bom").to_uppercase(),
                        record.offset() + within as u64
                    )
                })
            });
            if let Some(problem) = problem {
                let key = decoded.ok().and_then(|text| normalize(&text));
                return RowKey::Broken { problem, key };
            }
        }
        // Decoded once; an undecodable cell only gets here unchecked, and
        // is then read with replacement characters.
        let text = decoded.unwrap_or_else(|_| String::from_utf8_lossy(cell));
        match normalize(written(&text)) {
            Some(key) => RowKey::Address {
                fingerprint: fingerprint(&key),
                key,
                text,
            },
            None => RowKey::Empty,
        }
    }
}

/// The address cell as the file writes it, without the `'` some tools put
/// before values a spreadsheet would run as a formula (that one is not
/// the person's: the tool wrote it). Other wrappers stay for H001 to name.
fn written(cell: &str) -> &str {
    let trimmed = cell.trim();
    match crate::input::strip_safety_prefix(trimmed) {
        bare if bare.len() == trimmed.len() => cell,
        bare => bare,
    }
}

/// A row's address, read once per pass.
pub enum RowKey<'r> {
    /// The row cannot be read (D003), and the address if one could be
    /// made out.
    Broken {
        problem: String,
        key: Option<String>,
    },
    /// The address cell is empty.
    Empty,
    Address {
        /// The decoded cell.
        text: std::borrow::Cow<'r, str>,
        key: String,
        fingerprint: u128,
    },
}

impl RowKey<'_> {
    /// The index shard the row is judged with: its address's, and shard
    /// 0 for a row without one (it needs no index).
    fn shard(&self) -> usize {
        match self {
            RowKey::Address { fingerprint, .. } => shard_of(*fingerprint),
            RowKey::Broken { .. } | RowKey::Empty => 0,
        }
    }
}

/// The parallel stage: everything decided about a row on its own.
pub struct Evaluator<'a> {
    pub index: &'a ConsentIndex,
    pub suppressions: &'a Suppressions,
    pub policy: &'a Policy,
    pub as_of: Timestamp,
    pub input_names: &'a [String],
    pub consent_logs: usize,
    pub strict: bool,
}

/// Where the pass gets its verdicts: evaluated now, against an index in
/// memory, or read back from the group passes of a spilled index.
pub enum Verdicts<'v> {
    Evaluate(&'v Evaluator<'v>),
    Stored(VerdictReader<'v>),
}

/// The sequential stage: duplicates, and writing rows out in input order.
pub struct SubscriberPass<'a> {
    pub policy: &'a Policy,
    pub input_names: &'a [String],
    /// Stop at the first malformed row (`--strict`).
    pub strict: bool,
    /// First occurrence of every address and provider mailbox so far.
    first: FirstSeen,
    /// The consent profiles of the rows so far, for the report.
    pub tally: ConsentTally,
    /// Rows whose address has a standing erasure request.
    pub erasures: Vec<ErasureEntry>,
    /// Removed rows a re-permission campaign may ask again.
    pub re_askable: u64,
}

/// First occurrences for H002 and H006: recorded as the pass goes, or
/// worked out before it (the index spilled, see [`DuplicateSpool`]).
enum FirstSeen {
    /// Sharded by fingerprint so that a batch's rows are looked up in
    /// parallel. The earliest location wins whatever order rows are
    /// recorded in, so a batch can be recorded all at once and then
    /// checked: a row is a duplicate if an earlier row holds its entry.
    Live {
        /// First row of every address, by fingerprint.
        addresses: Sharded<Location>,
        /// First row of every provider mailbox, by fingerprint, with the
        /// fingerprint of that row's address.
        mailboxes: Sharded<(Location, u128)>,
    },
    Known(KnownDuplicates),
}

/// The first rows that later rows duplicate, worked out from every row's
/// fingerprints before the in-order pass. Only addresses held by more
/// than one row, and mailboxes reached by more than one address, are
/// kept: a few entries where the live maps hold one per address.
#[derive(Default)]
pub struct KnownDuplicates {
    addresses: HashMap<u128, Location, RandomState>,
    mailboxes: HashMap<u128, (Location, u128), RandomState>,
}

/// Every judged row's address and mailbox fingerprints, written by the
/// group passes of a spilled index in runs by shard, so that duplicates
/// are found a shard at a time: memory follows a shard's rows, not the
/// list's.
pub struct DuplicateSpool {
    scratch: Scratch,
    /// Per shard of the address fingerprint: runs of (location, address).
    address_runs: Vec<Vec<(u64, u64)>>,
    /// Per shard of the mailbox fingerprint: runs of (location, mailbox,
    /// address).
    mailbox_runs: Vec<Vec<(u64, u64)>>,
    address_buffers: Vec<Vec<u8>>,
    mailbox_buffers: Vec<Vec<u8>>,
}

/// Bytes buffered per shard before they are written as a run.
const DUPLICATE_BUFFER: usize = 64 << 10;

impl DuplicateSpool {
    pub fn new() -> std::io::Result<DuplicateSpool> {
        Ok(DuplicateSpool {
            scratch: Scratch::new()?,
            address_runs: vec![Vec::new(); SHARDS],
            mailbox_runs: vec![Vec::new(); SHARDS],
            address_buffers: vec![Vec::new(); SHARDS],
            mailbox_buffers: vec![Vec::new(); SHARDS],
        })
    }

    /// Notes a judged row, as [`FirstSeen::record`] would record it.
    fn add(&mut self, verdict: &RowVerdict, at: Location, addresses: bool) -> std::io::Result<()> {
        if !verdict.dedup {
            return Ok(());
        }
        if addresses {
            let shard = shard_of(verdict.fingerprint);
            let buffer = &mut self.address_buffers[shard];
            buffer.put_u64(at.pack());
            buffer.extend_from_slice(&verdict.fingerprint.to_le_bytes());
            if buffer.len() >= DUPLICATE_BUFFER {
                Self::write_run(&mut self.scratch, buffer, &mut self.address_runs[shard])?;
            }
        }
        if let Some((mailbox, _)) = verdict.mailbox {
            let shard = shard_of(mailbox);
            let buffer = &mut self.mailbox_buffers[shard];
            buffer.put_u64(at.pack());
            buffer.extend_from_slice(&mailbox.to_le_bytes());
            buffer.extend_from_slice(&verdict.fingerprint.to_le_bytes());
            if buffer.len() >= DUPLICATE_BUFFER {
                Self::write_run(&mut self.scratch, buffer, &mut self.mailbox_runs[shard])?;
            }
        }
        Ok(())
    }

    fn write_run(
        scratch: &mut Scratch,
        buffer: &mut Vec<u8>,
        runs: &mut Vec<(u64, u64)>,
    ) -> std::io::Result<()> {
        if buffer.is_empty() {
            return Ok(());
        }
        let start = scratch.len();
        scratch.write(buffer)?;
        runs.push((start, scratch.len()));
        buffer.clear();
        Ok(())
    }

    /// Reads the rows back a shard at a time and keeps the duplicated
    /// addresses and shared mailboxes, with their first rows.
    pub fn finish(mut self) -> std::io::Result<KnownDuplicates> {
        for shard in 0..SHARDS {
            Self::write_run(
                &mut self.scratch,
                &mut self.address_buffers[shard],
                &mut self.address_runs[shard],
            )?;
            Self::write_run(
                &mut self.scratch,
                &mut self.mailbox_buffers[shard],
                &mut self.mailbox_runs[shard],
            )?;
        }
        let file = self.scratch.into_reader()?;
        let mut known = KnownDuplicates::default();
        let fingerprint = |reader: &mut RangeReader<'_>| -> std::io::Result<u128> {
            Ok(u128::from_le_bytes(
                reader.take(16)?.try_into().unwrap_or_default(),
            ))
        };
        for shard in 0..SHARDS {
            // First row and whether another row shares it.
            let mut first: HashMap<u128, (u64, bool), RandomState> = HashMap::default();
            for &(start, end) in &self.address_runs[shard] {
                let mut reader = file.range(start, end);
                while !reader.is_done() {
                    let at = reader.u64()?;
                    let address = fingerprint(&mut reader)?;
                    first
                        .entry(address)
                        .and_modify(|(earliest, shared)| {
                            *earliest = (*earliest).min(at);
                            *shared = true;
                        })
                        .or_insert((at, false));
                }
            }
            known.addresses.extend(
                first
                    .into_iter()
                    .filter(|(_, (_, shared))| *shared)
                    .map(|(address, (at, _))| (address, Location::unpack(at))),
            );
            // First row with its address, one address seen, and whether
            // another address reaches the same mailbox.
            let mut first: HashMap<u128, (u64, u128, u128, bool), RandomState> = HashMap::default();
            for &(start, end) in &self.mailbox_runs[shard] {
                let mut reader = file.range(start, end);
                while !reader.is_done() {
                    let at = reader.u64()?;
                    let mailbox = fingerprint(&mut reader)?;
                    let address = fingerprint(&mut reader)?;
                    first
                        .entry(mailbox)
                        .and_modify(|(earliest, its_address, seen, shared)| {
                            if at < *earliest {
                                (*earliest, *its_address) = (at, address);
                            }
                            *shared |= address != *seen;
                        })
                        .or_insert((at, address, address, false));
                }
            }
            known.mailboxes.extend(
                first
                    .into_iter()
                    .filter(|(_, (.., shared))| *shared)
                    .map(|(mailbox, (at, address, ..))| (mailbox, (Location::unpack(at), address))),
            );
        }
        Ok(known)
    }
}

/// A map by fingerprint, in shards each behind its own lock.
type Sharded<V> = Vec<Mutex<HashMap<u128, V, RandomState>>>;

fn locked<T>(shard: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned shard only means another thread panicked mid-update of
    // plain maps; the run is failing anyway.
    shard
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FirstSeen {
    fn new() -> FirstSeen {
        FirstSeen::Live {
            addresses: (0..SHARDS).map(|_| Mutex::default()).collect(),
            mailboxes: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    fn record(&self, verdict: &RowVerdict, at: Location, record_address: bool) {
        let FirstSeen::Live {
            addresses,
            mailboxes,
        } = self
        else {
            return;
        };
        if record_address {
            locked(&addresses[shard_of(verdict.fingerprint)])
                .entry(verdict.fingerprint)
                .and_modify(|first| *first = (*first).min(at))
                .or_insert(at);
        }
        if let Some((mailbox, _)) = verdict.mailbox {
            locked(&mailboxes[shard_of(mailbox)])
                .entry(mailbox)
                .and_modify(|first| {
                    if at < first.0 {
                        *first = (at, verdict.fingerprint);
                    }
                })
                .or_insert((at, verdict.fingerprint));
        }
    }

    fn first_address(&self, fingerprint: u128) -> Option<Location> {
        match self {
            FirstSeen::Live { addresses, .. } => locked(&addresses[shard_of(fingerprint)])
                .get(&fingerprint)
                .copied(),
            FirstSeen::Known(known) => known.addresses.get(&fingerprint).copied(),
        }
    }

    fn first_mailbox(&self, mailbox: u128) -> Option<(Location, u128)> {
        match self {
            FirstSeen::Live { mailboxes, .. } => {
                locked(&mailboxes[shard_of(mailbox)]).get(&mailbox).copied()
            }
            FirstSeen::Known(known) => known.mailboxes.get(&mailbox).copied(),
        }
    }
}

/// Counts for one subscriber file.
pub struct FileCounts {
    pub rows: u64,
    pub removed: u64,
}

impl<'a> SubscriberPass<'a> {
    pub fn new(policy: &'a Policy, input_names: &'a [String], strict: bool) -> SubscriberPass<'a> {
        SubscriberPass {
            policy,
            input_names,
            strict,
            first: FirstSeen::new(),
            tally: ConsentTally::default(),
            erasures: Vec::new(),
            re_askable: 0,
        }
    }

    /// Duplicates worked out before the pass, from the group passes of a
    /// spilled index: the pass then keeps no map of every address.
    pub fn use_known_duplicates(&mut self, known: KnownDuplicates) {
        self.first = FirstSeen::Known(known);
    }

    /// Audits one subscriber file.
    pub fn process(
        &mut self,
        input: u32,
        mapped: &mut MappedFile,
        evidence: &EvidenceReader,
        writers: &mut RowWriters,
        findings: &mut FindingSink,
        source: Verdicts<'_>,
    ) -> Result<FileCounts> {
        let shape = FileShape::of(mapped, evidence);
        let name = mapped.file.name();
        let mut duplicates: Vec<Option<(RuleId, String)>> = Vec::with_capacity(BATCH_ROWS);
        let mut settled: Vec<SettledRow> = Vec::with_capacity(BATCH_ROWS);
        let mut counts = FileCounts {
            rows: 0,
            removed: 0,
        };
        let mut commit = |batch: &[RawRecord], mut verdicts: Vec<RowVerdict>| -> Result<()> {
            // H002 and H006 in two parallel steps: record every row of the
            // batch, then ask each row whether an earlier one holds its
            // entry.
            let addresses = self.policy.enabled(RuleId::H002);
            let located = |record: &RawRecord| Location {
                input,
                row: record.row(),
            };
            batch
                .par_iter()
                .zip(verdicts.par_iter())
                .with_min_len(256)
                .filter(|(_, verdict)| verdict.dedup)
                .for_each(|(record, verdict)| {
                    self.first.record(verdict, located(record), addresses)
                });
            batch
                .par_iter()
                .zip(verdicts.par_iter())
                .with_min_len(256)
                .map(|(record, verdict)| {
                    if !verdict.dedup {
                        return None;
                    }
                    self.duplicate(verdict, located(record), addresses)
                })
                .collect_into_vec(&mut duplicates);
            // Each row's findings, and its line in removed.csv, are made by
            // the workers; only the writing below is in input order.
            let format = writers.format();
            let writes = |ask_again| writers.writes_removed(ask_again);
            batch
                .par_iter()
                .zip(verdicts.par_drain(..))
                .zip(duplicates.par_drain(..))
                .with_min_len(256)
                .map(|((record, verdict), duplicate)| {
                    self.settle(record, located(record), verdict, duplicate, format, &writes)
                })
                .collect_into_vec(&mut settled);
            for (record, row) in batch.iter().zip(settled.drain(..)) {
                if self.strict
                    && let Some(finding) = row.findings.iter().find(|f| f.rule == RuleId::D003)
                {
                    return Err(Error::input(
                        &name,
                        format!(
                            "row {} (line {}): {}",
                            finding.row,
                            record.line(),
                            finding.message
                        ),
                    )
                    .with_hint("fix the row, or run without --strict to report malformed rows as D003 and go on"));
                }
                if let Some(profile) = &row.profile {
                    self.tally.add(profile);
                    if let Some(request) = profile.erasure {
                        self.erasures.push(ErasureEntry {
                            email: row.key.clone().unwrap_or_default(),
                            still_at: Some(located(record)),
                            request: request.at,
                            requested: request.time,
                        });
                    }
                }
                counts.rows += 1;
                match row.removed {
                    Some(Removed { line, ask_again }) => {
                        counts.removed += 1;
                        self.re_askable += u64::from(ask_again);
                        if let Some(line) = line {
                            writers.write_removed(&line, ask_again)?;
                        }
                    }
                    None => writers.keep(record)?,
                }
                findings.extend(row.findings).map_err(Error::scratch)?;
            }
            Ok(())
        };
        match source {
            Verdicts::Evaluate(evaluator) => {
                // Rows are judged while the block before is written.
                let judge = |batch: &[RawRecord]| -> Vec<RowVerdict> {
                    batch
                        .par_iter()
                        .with_min_len(256)
                        .map(|record| evaluator.evaluate(record, &shape))
                        .collect()
                };
                mapped.file.for_each_prepared(judge, &mut commit)?;
            }
            Verdicts::Stored(mut stored) => mapped.file.for_each_batch(|batch| {
                let verdicts = batch
                    .iter()
                    .map(|record| stored.next(record.row()))
                    .collect::<std::io::Result<Vec<_>>>()
                    .map_err(Error::scratch)?;
                commit(batch, verdicts)
            })?,
        }
        Ok(counts)
    }

    /// A row's findings (its own and H002/H006), whether it is removed,
    /// and if so its line in removed.csv: what the ordered writer needs.
    fn settle(
        &self,
        record: &RawRecord,
        at: Location,
        verdict: RowVerdict,
        duplicate: Option<(RuleId, String)>,
        format: &RowFormat,
        writes: &(dyn Fn(bool) -> bool + Sync),
    ) -> SettledRow {
        let mut findings: SmallVec<[Finding; 2]> = verdict
            .findings
            .into_iter()
            .map(|(rule, level, message)| {
                self.finding(rule, level, at, record, &verdict.key, message)
            })
            .collect();
        if let Some((rule, message)) = duplicate {
            findings.push(self.finding(
                rule,
                self.policy.level(rule),
                at,
                record,
                &verdict.key,
                message,
            ));
            findings.sort_by_key(|f| f.rule);
        }
        let removed = findings.iter().any(|f| f.level == Level::Error).then(|| {
            let ask_again = crate::rules::may_ask_again(findings.iter().map(|f| (f.rule, f.level)));
            Removed {
                line: writes(ask_again).then(|| format.removed_row(record, &findings)),
                ask_again,
            }
        });
        SettledRow {
            key: verdict.key,
            profile: verdict.profile,
            findings,
            removed,
        }
    }

    fn finding(
        &self,
        rule: RuleId,
        level: Level,
        at: Location,
        record: &RawRecord,
        key: &Option<String>,
        message: String,
    ) -> Finding {
        Finding {
            rule,
            level,
            input: at.input,
            row: at.row,
            line: record.line(),
            email: key.clone().unwrap_or_default(),
            message,
            baselined: false,
        }
    }

    /// H002 when an earlier row had the address; else H006 when an
    /// earlier row had another address the provider delivers to the same
    /// mailbox. H006 is only reported, never used to match consent: each
    /// spelling consented on its own.
    fn duplicate(
        &self,
        verdict: &RowVerdict,
        at: Location,
        addresses: bool,
    ) -> Option<(RuleId, String)> {
        if addresses
            && let Some(first) = self.first.first_address(verdict.fingerprint)
            && first != at
        {
            let name = &self.input_names[first.input as usize];
            return Some((
                RuleId::H002,
                format!("same address as {name} row {}", first.row),
            ));
        }
        let (mailbox, provider) = verdict.mailbox?;
        let (first, first_address) = self.first.first_mailbox(mailbox)?;
        (first_address != verdict.fingerprint).then(|| {
            let name = &self.input_names[first.input as usize];
            // The shared mailbox is not named: messages reach CI logs,
            // where addresses are masked.
            let message = format!(
                "same {} mailbox as {name} row {} ({} {})",
                provider.name,
                first.row,
                provider.name,
                provider.aliasing()
            );
            (RuleId::H006, message)
        })
    }
}

impl Evaluator<'_> {
    fn evaluate(&self, record: &RawRecord, shape: &FileShape<'_>) -> RowVerdict {
        self.judge(record, shape, shape.row_key(record, self.checks_rows()))
    }

    /// Whether rows are checked for D003 (reported, or fatal with
    /// `--strict`).
    pub fn checks_rows(&self) -> bool {
        self.policy.enabled(RuleId::D003) || self.strict
    }

    fn judge(&self, record: &RawRecord, shape: &FileShape<'_>, row: RowKey<'_>) -> RowVerdict {
        let (text, key, fingerprint) = match row {
            RowKey::Broken { problem, key } => {
                return RowVerdict {
                    key,
                    findings: SmallVec::from_elem(
                        (RuleId::D003, self.policy.level(RuleId::D003), problem),
                        1,
                    ),
                    dedup: false,
                    mailbox: None,
                    fingerprint: 0,
                    profile: None,
                };
            }
            RowKey::Empty => {
                let mut findings = SmallVec::new();
                if self.policy.enabled(RuleId::H001) {
                    findings.push((
                        RuleId::H001,
                        self.policy.level(RuleId::H001),
                        "the address is empty".to_string(),
                    ));
                }
                return RowVerdict {
                    key: None,
                    findings,
                    dedup: false,
                    mailbox: None,
                    fingerprint: 0,
                    profile: None,
                };
            }
            RowKey::Address {
                text,
                key,
                fingerprint,
            } => (text, key, fingerprint),
        };
        let ledger = self.index.get_fingerprinted(fingerprint);
        if let Some(ledger) = ledger {
            ledger.mark_matched();
        }
        let ctx = RowContext {
            key: &key,
            written: written(&text),
            syntax: Default::default(),
            domain_kind: Default::default(),
            export: Some((shape.evidence, record)),
            export_evidence: shape.evidence.has_evidence(),
            export_note: Default::default(),
            assessment: Assessment::new(ledger),
            suppressed_at: self.suppressions.lookup(&key),
            policy: self.policy,
            as_of: self.as_of,
            index: self.index,
            input_names: self.input_names,
            consent_logs: self.consent_logs,
        };
        let findings = check_row(&ctx);
        let profile = ConsentProfile::of(&ctx.assessment, self.policy, self.as_of);
        let mailbox = if self.policy.enabled(RuleId::H006) {
            crate::address::mailbox(&key, &mut [0; 256])
                .map(|(mailbox, provider)| (xxh3_128(mailbox.as_bytes()), provider))
        } else {
            None
        };
        RowVerdict {
            fingerprint,
            key: Some(key),
            findings,
            dedup: true,
            mailbox,
            profile: Some(profile),
        }
    }
}

impl RowVerdict {
    fn encode(&self, row: u64, out: &mut Vec<u8>) {
        out.put_u64(row);
        out.extend_from_slice(&self.fingerprint.to_le_bytes());
        match &self.key {
            Some(key) => {
                out.put_u8(1);
                out.put_str(key);
            }
            None => out.put_u8(0),
        }
        out.put_u8(u8::from(self.dedup));
        match self.mailbox {
            Some((mailbox, provider)) => {
                out.put_u8(1);
                out.extend_from_slice(&mailbox.to_le_bytes());
                let index = crate::address::providers()
                    .list
                    .iter()
                    .position(|p| std::ptr::eq(p, provider))
                    .unwrap_or(0);
                out.put_u32(index as u32);
            }
            None => out.put_u8(0),
        }
        match &self.profile {
            Some(profile) => {
                out.put_u8(1);
                encode_profile(profile, out);
            }
            None => out.put_u8(0),
        }
        out.put_u8(self.findings.len() as u8);
        for (rule, level, message) in &self.findings {
            out.put_u8(rule.index() as u8);
            out.put_u8(*level as u8);
            out.put_str(message);
        }
    }

    fn decode(input: &mut RangeReader<'_>) -> std::io::Result<RowVerdict> {
        let invalid = || {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "corrupt verdict scratch file",
            )
        };
        let fingerprint = u128::from_le_bytes(input.take(16)?.try_into().unwrap_or_default());
        let key = match input.u8()? {
            0 => None,
            _ => Some(input.string()?),
        };
        let dedup = input.u8()? != 0;
        let mailbox = match input.u8()? {
            0 => None,
            _ => {
                let mailbox = u128::from_le_bytes(input.take(16)?.try_into().unwrap_or_default());
                let provider = crate::address::providers()
                    .list
                    .get(input.u32()? as usize)
                    .ok_or_else(invalid)?;
                Some((mailbox, provider))
            }
        };
        let profile = match input.u8()? {
            0 => None,
            _ => Some(decode_profile(input)?),
        };
        let mut findings = SmallVec::new();
        for _ in 0..input.u8()? {
            let rule = crate::rules::RULES
                .get(input.u8()? as usize)
                .ok_or_else(invalid)?
                .id;
            let level = *Level::ALL.get(input.u8()? as usize).ok_or_else(invalid)?;
            findings.push((rule, level, input.string()?));
        }
        Ok(RowVerdict {
            key,
            fingerprint,
            findings,
            dedup,
            mailbox,
            profile,
        })
    }
}

fn encode_profile(profile: &ConsentProfile, out: &mut Vec<u8>) {
    out.put_u8(profile.confirmation.index() as u8);
    out.put_u32(profile.age_months.unwrap_or(u32::MAX));
    out.put_u32(profile.source.index() as u32);
    out.put_u32(profile.purpose.index() as u32);
    match profile.erasure {
        Some(request) => {
            out.put_u8(1);
            out.put_u32(request.at.input);
            out.put_u64(request.at.row);
            out.put_u64(request.time.map_or(u64::MAX, |t| t.unix() as u64));
        }
        None => out.put_u8(0),
    }
}

fn decode_profile(input: &mut RangeReader<'_>) -> std::io::Result<ConsentProfile> {
    let confirmation = *Confirmation::ALL.get(input.u8()? as usize).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "corrupt verdict scratch file",
        )
    })?;
    let age_months = Some(input.u32()?).filter(|&m| m != u32::MAX);
    let source = Symbol::from_index(input.u32()?);
    let purpose = Symbol::from_index(input.u32()?);
    let erasure = match input.u8()? {
        0 => None,
        _ => {
            let at = Location {
                input: input.u32()?,
                row: input.u64()?,
            };
            let time = Some(input.u64()?)
                .filter(|&t| t != u64::MAX)
                .map(|t| Timestamp::from_unix(t as i64));
            Some(ErasureRequest { at, time })
        }
    };
    Ok(ConsentProfile {
        confirmation,
        age_months,
        source,
        purpose,
        erasure,
    })
}

/// One subscriber file's verdicts from the group passes of a spilled
/// index: a sorted run per group, each row in exactly one of them.
pub struct StoredVerdicts {
    file: ScratchFile,
    runs: Vec<(u64, u64)>,
}

/// Verdicts being written by the group passes.
pub struct VerdictSpool {
    scratch: Scratch,
    runs: Vec<(u64, u64)>,
}

impl VerdictSpool {
    pub fn new() -> std::io::Result<VerdictSpool> {
        Ok(VerdictSpool {
            scratch: Scratch::new()?,
            runs: Vec::new(),
        })
    }

    pub fn finish(self) -> std::io::Result<StoredVerdicts> {
        Ok(StoredVerdicts {
            file: self.scratch.into_reader()?,
            runs: self.runs,
        })
    }
}

impl StoredVerdicts {
    /// A reader that hands out the verdict of each row in turn.
    pub fn reader(&self) -> VerdictReader<'_> {
        VerdictReader {
            runs: self
                .runs
                .iter()
                .map(|&(start, end)| (self.file.range(start, end), None))
                .collect(),
        }
    }
}

pub struct VerdictReader<'f> {
    /// Each run's reader and the row number of its next verdict.
    runs: Vec<(RangeReader<'f>, Option<u64>)>,
}

impl VerdictReader<'_> {
    /// The verdict of `row`; rows come in order, each in one run.
    fn next(&mut self, row: u64) -> std::io::Result<RowVerdict> {
        for (reader, head) in &mut self.runs {
            if head.is_none() && !reader.is_done() {
                *head = Some(reader.u64()?);
            }
            if *head == Some(row) {
                *head = None;
                return RowVerdict::decode(reader);
            }
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("no verdict for row {row} in the scratch files"),
        ))
    }
}

/// Evaluates the rows of one subscriber file whose addresses fall in
/// `shards` (the group of the index in memory), and stores their verdicts
/// in `spool` as one run.
pub fn evaluate_group(
    evaluator: &Evaluator<'_>,
    input: u32,
    mapped: &mut MappedFile,
    evidence: &EvidenceReader,
    shards: &std::ops::Range<usize>,
    spool: &mut VerdictSpool,
    duplicates: &mut DuplicateSpool,
) -> Result<()> {
    let addresses = evaluator.policy.enabled(RuleId::H002);
    let shape = FileShape::of(mapped, evidence);
    let check = evaluator.checks_rows();
    let mut verdicts: Vec<Option<RowVerdict>> = Vec::with_capacity(BATCH_ROWS);
    let start = spool.scratch.len();
    let mut bytes = Vec::new();
    mapped.file.for_each_batch(|batch| {
        batch
            .par_iter()
            .with_min_len(256)
            .map(|record| {
                let row = shape.row_key(record, check);
                shards
                    .contains(&row.shard())
                    .then(|| evaluator.judge(record, &shape, row))
            })
            .collect_into_vec(&mut verdicts);
        bytes.clear();
        for (record, verdict) in batch.iter().zip(&verdicts) {
            if let Some(verdict) = verdict {
                verdict.encode(record.row(), &mut bytes);
                let at = Location {
                    input,
                    row: record.row(),
                };
                duplicates
                    .add(verdict, at, addresses)
                    .map_err(Error::scratch)?;
            }
        }
        spool.scratch.write(&bytes).map_err(Error::scratch)
    })?;
    spool.runs.push((start, spool.scratch.len()));
    Ok(())
}
