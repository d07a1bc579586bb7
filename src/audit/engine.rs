//! The audit pipeline, start to end:
//!
//! 1. open every input (header, dialect and column mapping) and read the
//!    suppression lists, so that a bad input stops the run before any work
//!    is done or any output created;
//! 2. create the outputs as owner-only temporary files;
//! 3. fold every consent log into the index, parsing batches in parallel;
//! 4. stream each subscriber file through the rules (see `subscribers`);
//! 5. report consent-log addresses no subscriber row referred to (D004);
//! 6. write findings and report, then rename every output into place.

use indicatif::ProgressBar;
use rayon::prelude::*;

use std::collections::BTreeMap;

use crate::consent::{
    Assessment, BuiltIndex, ConsentIndex, EventRef, IndexBuilder, Location, SpilledIndex,
};
use crate::error::{Error, Result};
use crate::input::{
    ConsentLog, EvidenceReader, FileKind, InputSource, MappedFile, ParseContext, ParsedEvent,
    Suppressions, Unrecognised, ValueKind, map_columns, open, read_header,
};
use crate::output::{
    AtomicFile, CreatedDir, ReadyFile, ReportTarget, RowWriters, commit, commit_set,
    write_erasure_csv, write_findings_csv, write_html_report, write_markdown_report,
    write_report_json, write_report_workbook,
};
use crate::rules::RuleId;
use crate::settings::AuditSettings;
use crate::term::Progress;

use super::findings::FindingSink;
use super::profile::{Activity, ErasureEntry};
use super::subscribers::{
    DuplicateSpool, Evaluator, FileShape, KnownDuplicates, RowKey, StoredVerdicts, SubscriberPass,
    VerdictSpool, Verdicts, evaluate_group,
};
use super::{AuditOutcome, ConsentOverview, Finding, InputInfo, UnrecognisedValue};

/// How `report.json` names `findings.csv`: by its file name when the two
/// sit in one directory (the reader finds it beside the report), else by
/// its absolute path. `None` when no `findings.csv` is written.
fn findings_file_name(plan: &crate::settings::OutputPlan) -> Option<String> {
    let findings = plan.findings.as_deref()?;
    let beside = plan
        .report
        .as_deref()
        .is_some_and(|report| report.parent() == findings.parent());
    let named = match findings.file_name() {
        Some(name) if beside => std::path::PathBuf::from(name),
        _ => std::path::absolute(findings).unwrap_or_else(|_| findings.to_path_buf()),
    };
    Some(named.to_string_lossy().into_owned())
}

/// Runs an audit on a thread pool of `settings.jobs` threads.
pub fn run(settings: &AuditSettings) -> Result<AuditOutcome> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .build()
        .map_err(|e| {
            Error::usage(format!(
                "cannot start {} worker threads: {e}",
                settings.jobs
            ))
        })?;
    pool.install(|| Audit::new(settings).run())
}

struct Audit<'s> {
    settings: &'s AuditSettings,
    progress: Progress,
    /// Display names of all inputs: subscribers, consent logs, suppression
    /// lists, in that order. A finding's `input` indexes this.
    names: Vec<String>,
    findings: FindingSink,
    notices: Vec<String>,
    /// Whether any consent record named the notice it was given under.
    saw_notice: bool,
    /// Opt-ins and withdrawals per month, as events are read.
    activity: Activity,
    /// Standing erasure requests of addresses in no subscriber file.
    unlisted_erasures: Vec<ErasureEntry>,
    /// Values no vocabulary word matched: rows and first location.
    unrecognised: BTreeMap<Unrecognised, (u64, Location)>,
    /// The physical line of each consent-log row, by input, for D004,
    /// whose finding points at a log row long after the log was read.
    consent_lines: BTreeMap<u32, LineIndex>,
}

/// The physical line of each row of a file, kept as the rows where
/// `line − row` changes: a header, a record spanning lines or a blank
/// line each add one point, so a regular file of millions of rows costs
/// a few bytes.
#[derive(Default)]
struct LineIndex {
    /// (first row, line − row from that row on), rows ascending.
    points: Vec<(u64, u64)>,
}

impl LineIndex {
    /// Notes where `row` starts; rows come in ascending order. A row
    /// without a line (0) is left out.
    fn note(&mut self, row: u64, line: u64) {
        let Some(offset) = line.checked_sub(row).filter(|_| line > 0) else {
            return;
        };
        if self.points.last().map(|&(_, o)| o) != Some(offset) {
            self.points.push((row, offset));
        }
    }

    /// The line `row` starts on, 0 when unknown.
    fn line(&self, row: u64) -> u64 {
        match self.points.partition_point(|&(first, _)| first <= row) {
            0 => 0,
            i => row + self.points[i - 1].1,
        }
    }
}

impl<'s> Audit<'s> {
    fn new(settings: &'s AuditSettings) -> Audit<'s> {
        let names = settings
            .subscribers
            .iter()
            .chain(&settings.consent_logs)
            .chain(&settings.suppression_lists)
            .map(InputSource::display)
            .collect();
        Audit {
            settings,
            progress: Progress::new(settings.show_progress, settings.styled_progress),
            names,
            findings: FindingSink::new(settings.memory_budget().findings),
            notices: Vec::new(),
            saw_notice: false,
            activity: Activity::default(),
            unlisted_erasures: Vec::new(),
            unrecognised: BTreeMap::new(),
            consent_lines: BTreeMap::new(),
        }
    }

    fn consent_input(&self, i: usize) -> u32 {
        (self.settings.subscribers.len() + i) as u32
    }

    fn suppression_input(&self, i: usize) -> u32 {
        (self.settings.subscribers.len() + self.settings.consent_logs.len() + i) as u32
    }

    fn run(mut self) -> Result<AuditOutcome> {
        let settings = self.settings;
        let mut timings = Timings::new(settings.timings, settings.started);
        timings.lap("arguments and policy resolved, spreadsheets read");
        // Reports name each input by its SHA-256. Hashing reads every file
        // once more, on a thread of its own beside the audit.
        let hashing = settings.outputs.describes_inputs().then(|| {
            let sources: Vec<InputSource> = settings
                .subscribers
                .iter()
                .chain(&settings.consent_logs)
                .chain(&settings.suppression_lists)
                .cloned()
                .collect();
            std::thread::spawn(move || sources.iter().map(InputSource::sha256).collect::<Vec<_>>())
        });
        let mut subscriber_files = settings
            .subscribers
            .iter()
            .map(|source| {
                let bar = self.progress.reading(&source.display());
                self.open_subscribers(source, &bar).map(|mapped| {
                    let evidence = EvidenceReader::new(
                        &mapped,
                        settings.reading.time,
                        &source.display(),
                        &settings.policy.vocabulary,
                    );
                    (mapped, bar, evidence)
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut consent_logs = settings
            .consent_logs
            .iter()
            .map(|source| {
                let bar = self.progress.reading(&source.display());
                ConsentLog::open(source, &settings.reading.consent_columns, &bar).map(|mut log| {
                    log.set_block_bytes(settings.memory_budget().read_block);
                    (log, bar)
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.check_maps_applied(&subscriber_files, &consent_logs)?;
        for (mapped, _, _) in &subscriber_files {
            self.notices.extend(mapped.notices.iter().cloned());
        }
        // Suppression lists are small and read whole, so they are read
        // before any output exists, like the headers above.
        let (suppressions, suppression_inputs) = self.read_suppressions()?;

        let plan = &settings.outputs;
        let created_dir = plan
            .out_dir
            .as_deref()
            .map(CreatedDir::ensure)
            .transpose()?;
        let create =
            |path: &Option<std::path::PathBuf>| path.as_deref().map(AtomicFile::create).transpose();
        let mut row_outputs = Vec::new();
        for ((cleaned, removed), repermission) in plan
            .cleaned
            .iter()
            .zip(&plan.removed)
            .zip(&plan.repermission)
        {
            row_outputs.push((create(cleaned)?, create(removed)?, create(repermission)?));
        }
        let findings_file = create(&plan.findings)?;
        let report_file = create(&plan.report)?;
        let erasure_file = create(&plan.erasure)?;
        let html_file = create(&plan.html)?;
        let markdown_file = create(&plan.markdown)?;
        let baseline_file = create(&plan.baseline)?;
        let workbook_file = create(&plan.workbook)?;

        timings.lap("inputs opened, outputs created");

        let mut inputs = Vec::new();
        let built = self.build_index(
            &mut consent_logs,
            &mut subscriber_files,
            &mut inputs,
            &mut timings,
        )?;
        timings.lap(match &built {
            BuiltIndex::Held(_) => "consent logs (index in memory)",
            BuiltIndex::Spilled(_) => "consent logs (index spilled to scratch)",
        });
        let symbols = match &built {
            BuiltIndex::Held(index) => index.symbols().clone(),
            BuiltIndex::Spilled(spilled) => spilled.symbols().clone(),
        };
        inputs.extend(suppression_inputs);

        // Names are shared by the evaluators and by findings made while
        // they are alive.
        let names = self.names.clone();
        // Rows are judged in the pass itself against an index in memory, or
        // beforehand, a group of the spilled index at a time.
        let mut judged = match &built {
            BuiltIndex::Held(index) => {
                Judged::Now(evaluator(settings, index, &suppressions, &names))
            }
            BuiltIndex::Spilled(spilled) => {
                let (stored, duplicates, groups) =
                    self.evaluate_in_groups(spilled, &mut subscriber_files, &suppressions, &names)?;
                timings.lap(format!("{groups} group passes over the spilled index"));
                Judged::Before(stored, duplicates)
            }
        };
        let mut subscriber_inputs = Vec::new();
        let mut ready: Vec<ReadyFile> = Vec::new();
        let mut removed_ready: Vec<ReadyFile> = Vec::new();
        let mut totals = (0u64, 0u64);
        let (tally, mut erasures, re_askable) = {
            let mut pass = SubscriberPass::new(&settings.policy, &names, settings.reading.strict);
            if let Judged::Before(_, duplicates) = &mut judged {
                pass.use_known_duplicates(std::mem::take(duplicates));
            }
            for (i, ((mapped, bar, evidence), (cleaned, removed, repermission))) in
                subscriber_files.iter_mut().zip(row_outputs).enumerate()
            {
                // The bar was drawn since the file was opened; its rate
                // should only count the pass itself.
                bar.reset_elapsed();
                bar.reset_eta();
                let mut writers = RowWriters::new(
                    cleaned,
                    removed,
                    repermission,
                    &mapped.file.header,
                    mapped.file.dialect.delimiter,
                    mapped.file.dialect.encoding,
                    mapped.file.header_names.len(),
                    mapped.file.source.sheet_origin().cloned(),
                )?;
                let verdicts = match &judged {
                    Judged::Now(evaluator) => Verdicts::Evaluate(evaluator),
                    Judged::Before(stored, _) => Verdicts::Stored(stored[i].reader()),
                };
                let counts = pass.process(
                    i as u32,
                    mapped,
                    evidence,
                    &mut writers,
                    &mut self.findings,
                    verdicts,
                )?;
                bar.finish_and_clear();
                let [cleaned, removed, repermission] = writers.finish()?;
                ready.extend(cleaned);
                removed_ready.extend(removed);
                removed_ready.extend(repermission);
                totals.0 += counts.rows;
                totals.1 += counts.removed;
                subscriber_inputs.push(InputInfo {
                    path: mapped.file.name(),
                    kind: FileKind::Subscribers.as_str(),
                    format: mapped.columns.format.name,
                    encoding: mapped.file.dialect.encoding.as_str(),
                    delimiter: mapped.file.dialect.delimiter_str(),
                    rows: counts.rows,
                    kept: Some(counts.rows - counts.removed),
                    removed: Some(counts.removed),
                    sha256: None,
                });
            }
            (pass.tally, pass.erasures, pass.re_askable)
        };
        ready.append(&mut removed_ready);
        drop(judged);
        if let BuiltIndex::Held(index) = &built {
            self.report_orphans(index)?;
        }
        drop(built);
        timings.lap("subscriber pass");

        subscriber_inputs.append(&mut inputs);
        if let Some(hashing) = hashing {
            let hashes = hashing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (info, hash) in subscriber_inputs.iter_mut().zip(hashes) {
                info.sha256 = hash?;
            }
        }
        erasures.append(&mut self.unlisted_erasures);
        erasures.sort_unstable();
        let unrecognised = self.unrecognised_values(tally.unrecognised_sources(&symbols));
        let sources = tally.sources(&symbols);
        let consent = ConsentOverview {
            sources,
            purposes: tally.purposes(&symbols),
            unrecognised,
            tally,
            activity: std::mem::take(&mut self.activity),
            erasures,
            re_askable,
        };
        let (findings, summary) = self
            .findings
            .finish(totals.0, totals.1)
            .map_err(Error::scratch)?;
        let mut outcome = AuditOutcome {
            as_of: settings.as_of,
            policy: settings.policy.clone(),
            inputs: subscriber_inputs,
            findings,
            summary,
            notices: std::mem::take(&mut self.notices),
            written: Vec::new(),
            consent,
            baseline: None,
        };
        // The baseline this run writes accepts every finding, so the run
        // exits as later runs with it will.
        let written_baseline = match (&plan.baseline, &settings.baseline) {
            (Some(path), _) => Some(
                super::baseline::accept_all(&mut outcome, &path.display().to_string())
                    .map_err(Error::scratch)?,
            ),
            (None, Some(baseline)) => {
                super::baseline::apply(&mut outcome, baseline).map_err(Error::scratch)?;
                None
            }
            (None, None) => None,
        };
        let addresses = settings.addresses();
        let findings_name = findings_file_name(plan);
        let report = &outcome;
        let csv_error = |file: &AtomicFile, e: csv::Error| match e.into_kind() {
            csv::ErrorKind::Io(e) => file.io_error(e),
            other => file.io_error(std::io::Error::other(format!("{other:?}"))),
        };
        // Each document is a pass over every finding (the HTML and Markdown
        // reports over the most severe); they are written side by side, and
        // renamed into place in this order.
        let documents: Vec<(Option<AtomicFile>, DocumentWriter<'_>)> = vec![
            (
                findings_file,
                Box::new(move |file| {
                    write_findings_csv(report, addresses, &mut *file)
                        .map_err(|e| csv_error(file, e))
                }),
            ),
            (
                report_file,
                Box::new(move |file| {
                    let target = ReportTarget::File {
                        findings_file: findings_name.as_deref(),
                    };
                    write_report_json(report, addresses, target, &mut *file)
                        .map_err(|e| file.io_error(e))
                }),
            ),
            (
                html_file,
                Box::new(move |file| {
                    write_html_report(report, addresses, &mut *file).map_err(|e| file.io_error(e))
                }),
            ),
            (
                markdown_file,
                Box::new(move |file| {
                    write_markdown_report(report, addresses, &mut *file)
                        .map_err(|e| file.io_error(e))
                }),
            ),
            (
                erasure_file,
                Box::new(move |file| {
                    write_erasure_csv(report, &mut *file).map_err(|e| csv_error(file, e))
                }),
            ),
            (
                workbook_file,
                Box::new(move |file| {
                    write_report_workbook(report, addresses, &mut *file)
                        .map_err(|e| file.io_error(e))
                }),
            ),
            (
                baseline_file,
                Box::new(move |file| {
                    let bytes = written_baseline.as_deref().unwrap_or_default();
                    std::io::Write::write_all(file, bytes).map_err(|e| file.io_error(e))
                }),
            ),
        ];
        let written: Vec<Result<Option<ReadyFile>>> = documents
            .into_par_iter()
            .map(|(file, write)| {
                file.map(|mut file| {
                    write(&mut file)?;
                    file.finish()
                })
                .transpose()
            })
            .collect();
        for document in written {
            ready.extend(document?);
        }
        timings.lap(match outcome.findings.spilled_runs() {
            0 => "findings and report".to_string(),
            runs => format!("findings and report (findings merged from {runs} spilled runs)"),
        });
        outcome.written = match &plan.out_dir {
            Some(dir) => commit_set(dir, "audit", ready)?,
            None => commit(ready)?,
        };
        timings.lap("outputs renamed into place");
        timings.print();
        if let Some(dir) = created_dir {
            dir.keep();
        }
        Ok(outcome)
    }

    fn open_subscribers(&self, source: &InputSource, bar: &ProgressBar) -> Result<MappedFile> {
        let opened = open(source, bar)?;
        let mut mapped = map_columns(
            read_header(opened)?,
            FileKind::Subscribers,
            &self.settings.reading.subscriber_columns,
        )?;
        mapped
            .file
            .set_block_bytes(self.settings.memory_budget().read_block);
        Ok(mapped)
    }

    /// A `--map` entry that named a column of no input is a mistake the
    /// user should hear about, not a silent no-op.
    fn check_maps_applied(
        &self,
        subscribers: &[(MappedFile, ProgressBar, EvidenceReader)],
        logs: &[(ConsentLog, ProgressBar)],
    ) -> Result<()> {
        let maps = &self.settings.reading.subscriber_columns.map;
        for (i, (field, column)) in maps.iter().enumerate() {
            let applied = subscribers
                .iter()
                .any(|(m, _, _)| m.applied_maps.contains(&i))
                || logs.iter().any(|(log, _)| log.applied_map(i));
            if !applied {
                return Err(Error::usage(format!(
                    "--map {}={} names a column that no input has",
                    field.as_str(),
                    column
                ))
                .with_hint("name the column as its header spells it, or by its 1-based position; `listaudit inspect FILE` shows the headers"));
            }
        }
        Ok(())
    }

    /// Reads the consent evidence in subscriber exports (opt-in times,
    /// statuses, ...) into the index, then reopens each such file for the
    /// audit pass. Rows with broken shapes are left to that pass (D003).
    fn read_export_evidence(
        &mut self,
        files: &mut [(MappedFile, ProgressBar, EvidenceReader)],
        builder: &mut IndexBuilder,
        purposes: &crate::consent::PurposeMatcher,
    ) -> Result<()> {
        let policy = &self.settings.policy;
        for (i, (mapped, bar, evidence)) in files.iter_mut().enumerate() {
            if !evidence.has_evidence() {
                continue;
            }
            let input = i as u32;
            let shape = FileShape::of(mapped, evidence);
            // Rows are read as the audit pass reads them: a row it reports
            // as malformed (D003) has no evidence to give.
            let check = policy.enabled(RuleId::D003) || self.settings.reading.strict;
            let findings = &mut self.findings;
            let saw_notice = &mut self.saw_notice;
            let activity = &mut self.activity;
            let unrecognised = &mut self.unrecognised;
            // Rows are read while the block before is folded.
            let evidence = &*evidence;
            let read = |batch: &[crate::input::RawRecord]| -> Vec<Option<EvidenceRow>> {
                batch
                    .par_iter()
                    .with_min_len(256)
                    .map(|record| match shape.row_key(record, check) {
                        RowKey::Address {
                            key, fingerprint, ..
                        } => {
                            let found = evidence.read(record);
                            Some((record.row(), record.line(), key, fingerprint, found))
                        }
                        RowKey::Broken { .. } | RowKey::Empty => None,
                    })
                    .collect()
            };
            mapped.file.for_each_prepared(read, |_, rows| {
                for (row, line, key, fingerprint, found) in rows.into_iter().flatten() {
                    let at = Location { input, row };
                    for value in &found.unrecognised {
                        count_unrecognised(unrecognised, value, at);
                    }
                    findings
                        .extend(found.problems.into_iter().filter_map(|(rule, message)| {
                            Finding::reported(policy, rule, at, line, &key, message)
                        }))
                        .map_err(Error::scratch)?;
                    for event in &found.events {
                        *saw_notice |= event.terms.has_notice;
                        let event = event.to_parsed(purposes);
                        push_event(builder, activity, fingerprint, &key, at, &event);
                    }
                }
                builder.flush().map_err(Error::scratch)
            })?;
            *mapped = self.open_subscribers(&mapped.file.source.clone(), bar)?;
        }
        Ok(())
    }

    fn build_index(
        &mut self,
        logs: &mut [(ConsentLog, ProgressBar)],
        subscribers: &mut [(MappedFile, ProgressBar, EvidenceReader)],
        inputs: &mut Vec<InputInfo>,
        timings: &mut Timings,
    ) -> Result<BuiltIndex> {
        let settings = self.settings;
        let policy = &settings.policy;
        let purposes = policy.purpose_matcher();
        let ctx = ParseContext {
            purposes: &purposes,
            vocabulary: &policy.vocabulary,
            time: settings.reading.time,
            json_keys: &settings.reading.consent_columns.map,
        };
        let mut builder = IndexBuilder::new(settings.as_of, settings.memory_budget().index);
        self.read_export_evidence(subscribers, &mut builder, &purposes)?;
        timings.lap("evidence read from the exports");
        let exports_have_evidence = subscribers.iter().any(|(_, _, e)| e.has_evidence());
        if logs.is_empty() && !exports_have_evidence {
            self.notices.push(
                "no consent log was given (--consent) and the exports carry no consent columns: no address can show consent".to_string(),
            );
        }
        for (i, (log, bar)) in logs.iter_mut().enumerate() {
            let input = self.consent_input(i);
            let name = log.source.display();
            if log.lacks_timestamp_column() {
                self.notices.push(format!(
                    "{name}: no timestamp column; every event in it is undated"
                ));
            }
            let findings = &mut self.findings;
            let saw_notice = &mut self.saw_notice;
            let activity = &mut self.activity;
            let unrecognised = &mut self.unrecognised;
            let lines = self.consent_lines.entry(input).or_default();
            let strict = settings.reading.strict;
            let mut first_malformed: Option<(u64, u64, String)> = None;
            let mut scratch_error = None;
            let rows = log.parse(&ctx, |rows| {
                for row in rows {
                    if strict
                        && first_malformed.is_none()
                        && let Some((_, message)) =
                            row.problems.iter().find(|(rule, _)| *rule == RuleId::D003)
                    {
                        first_malformed = Some((row.row, row.line, message.clone()));
                    }
                    let at = Location {
                        input,
                        row: row.row,
                    };
                    lines.note(row.row, row.line);
                    for value in &row.unrecognised {
                        count_unrecognised(unrecognised, value, at);
                    }
                    let email = row.key.as_deref().unwrap_or_default();
                    if let Err(e) =
                        findings.extend(row.problems.into_iter().filter_map(|(rule, message)| {
                            Finding::reported(policy, rule, at, row.line, email, message)
                        }))
                    {
                        scratch_error.get_or_insert(e);
                    }
                    if let (Some(key), Some(event)) = (&row.key, &row.event) {
                        *saw_notice |= event.terms.has_notice;
                        push_event(&mut builder, activity, row.fingerprint, key, at, event);
                    }
                }
                if let Err(e) = builder.flush() {
                    scratch_error.get_or_insert(e);
                }
            })?;
            if let Some(e) = scratch_error {
                return Err(Error::scratch(e));
            }
            if let Some((row, line, message)) = first_malformed {
                let at = if line > 0 {
                    format!("row {row} (line {line})")
                } else {
                    format!("record {row}")
                };
                return Err(Error::input(&name, format!("{at}: {message}")).with_hint(
                    "fix the row, or run without --strict to report malformed rows as D003 and go on",
                ));
            }
            bar.finish_and_clear();
            let dialect = log.dialect;
            inputs.push(InputInfo {
                path: name,
                kind: FileKind::Consent.as_str(),
                format: log.shape.format_name(),
                encoding: dialect.map_or("utf-8", |d| d.encoding.as_str()),
                delimiter: match log.shape {
                    crate::input::LogShape::Csv => {
                        dialect.map_or(String::new(), |d| d.delimiter_str())
                    }
                    _ => String::new(),
                },
                rows,
                kept: None,
                removed: None,
                sha256: None,
            });
        }
        if policy.evidence.notice_version && policy.enabled(RuleId::C006) && !self.saw_notice {
            self.notices.push(format!(
                "policy {} requires the notice or consent-text version of each consent (evidence.notice_version), and no consent record has one: every consent is C006; map a column with --map notice_version=COLUMN",
                policy.name
            ));
        }
        builder.finish(&policy.vocabulary).map_err(Error::scratch)
    }

    /// With the index spilled: loads it a group of shards at a time and
    /// evaluates the rows whose addresses fall in the group, storing the
    /// verdicts for the final, in-order pass. Reports each group's D004
    /// findings while it is loaded.
    fn evaluate_in_groups(
        &mut self,
        spilled: &SpilledIndex,
        files: &mut [(MappedFile, ProgressBar, EvidenceReader)],
        suppressions: &Suppressions,
        names: &[String],
    ) -> Result<(Vec<StoredVerdicts>, KnownDuplicates, usize)> {
        let settings = self.settings;
        let mut spools = files
            .iter()
            .map(|_| VerdictSpool::new())
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(Error::scratch)?;
        let mut duplicates = DuplicateSpool::new().map_err(Error::scratch)?;
        let (mut next, mut groups) = (0, 0);
        while next < crate::consent::SHARDS {
            let (index, group) = spilled
                .load_group(next, settings.memory_budget().index)
                .map_err(Error::scratch)?;
            next = group.end;
            groups += 1;
            for (i, ((mapped, bar, evidence), spool)) in
                files.iter_mut().zip(&mut spools).enumerate()
            {
                let evaluator = evaluator(settings, &index, suppressions, names);
                evaluate_group(
                    &evaluator,
                    i as u32,
                    mapped,
                    evidence,
                    &group,
                    spool,
                    &mut duplicates,
                )?;
                // Every pass reads the file from its start.
                *mapped = self.open_subscribers(&mapped.file.source.clone(), bar)?;
            }
            self.report_orphans(&index)?;
        }
        let stored = spools
            .into_iter()
            .map(VerdictSpool::finish)
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(Error::scratch)?;
        let duplicates = duplicates.finish().map_err(Error::scratch)?;
        Ok((stored, duplicates, groups))
    }

    fn read_suppressions(&mut self) -> Result<(Suppressions, Vec<InputInfo>)> {
        let mut suppressions = Suppressions::default();
        let mut inputs = Vec::new();
        let policy = &self.settings.policy;
        for (i, source) in self.settings.suppression_lists.iter().enumerate() {
            let input = self.suppression_input(i);
            let bar = self.progress.reading(&source.display());
            let (file, bad) = suppressions.read(source, input, &bar)?;
            bar.finish_and_clear();
            self.findings
                .extend(bad.into_iter().filter_map(|entry| {
                    Finding::reported(
                        policy,
                        RuleId::D003,
                        entry.at,
                        entry.line,
                        "",
                        entry.message,
                    )
                }))
                .map_err(Error::scratch)?;
            inputs.push(InputInfo {
                path: file.name,
                kind: FileKind::Suppression.as_str(),
                format: if file.delimiter.is_some() {
                    "generic"
                } else {
                    "plain"
                },
                encoding: file.encoding,
                delimiter: file
                    .delimiter
                    .map_or(String::new(), |d| (d as char).to_string()),
                rows: file.rows,
                kept: None,
                removed: None,
                sha256: None,
            });
        }
        Ok((suppressions, inputs))
    }

    /// Every value no vocabulary word matched: those the readers met, and
    /// the sources that consent of audited rows rests on, most rows first.
    fn unrecognised_values(&mut self, sources: Vec<(String, u64)>) -> Vec<UnrecognisedValue> {
        let mut values: Vec<UnrecognisedValue> = std::mem::take(&mut self.unrecognised)
            .into_iter()
            .map(|(value, (rows, first))| UnrecognisedValue {
                kind: value.kind,
                value: value.value,
                rows,
                first: Some(first),
            })
            .chain(sources.into_iter().map(|(source, rows)| UnrecognisedValue {
                kind: ValueKind::Source,
                value: source,
                rows,
                first: None,
            }))
            .collect();
        values.sort_by(|a, b| {
            (a.kind, std::cmp::Reverse(a.rows), &a.value).cmp(&(
                b.kind,
                std::cmp::Reverse(b.rows),
                &b.value,
            ))
        });
        values
    }

    /// D004: one finding per consent-log address that no subscriber row
    /// referred to, at the first row it appears in. Standing erasure
    /// requests of such addresses go to `erasure.csv` as not listed.
    fn report_orphans(&mut self, index: &ConsentIndex) -> Result<()> {
        let policy = &self.settings.policy;
        let orphans_reported = policy.enabled(RuleId::D004);
        if !orphans_reported && !self.settings.outputs.lists_erasures() {
            return Ok(());
        }
        let unmatched = index.unmatched();
        for (key, ledger) in &unmatched {
            if let Some(request) = Assessment::new(Some(ledger)).erasure {
                self.unlisted_erasures.push(ErasureEntry {
                    email: key.to_string(),
                    still_at: None,
                    request: request.at,
                    requested: request.time,
                });
            }
        }
        if !orphans_reported {
            return Ok(());
        }
        let mut orphans: Vec<(Location, &str)> = unmatched
            .into_iter()
            .filter_map(|(key, ledger)| ledger.first_seen().map(|at| (at, key)))
            .collect();
        orphans.sort_unstable();
        let lines = &self.consent_lines;
        self.findings
            .extend(orphans.into_iter().map(|(at, key)| Finding {
                rule: RuleId::D004,
                level: policy.level(RuleId::D004),
                input: at.input,
                row: at.row,
                line: lines.get(&at.input).map_or(0, |l| l.line(at.row)),
                email: key.to_string(),
                message: "consent events for an address that is in no subscriber file".to_string(),
                baselined: false,
            }))
            .map_err(Error::scratch)
    }
}

/// Counts a value no vocabulary word matched, keeping its first row.
fn count_unrecognised(
    counts: &mut BTreeMap<Unrecognised, (u64, Location)>,
    value: &Unrecognised,
    at: Location,
) {
    // A log can repeat one unknown word on millions of rows: the key is
    // cloned only the first time.
    match counts.get_mut(value) {
        Some((rows, first)) => {
            *rows += 1;
            *first = (*first).min(at);
        }
        None => {
            counts.insert(value.clone(), (1, at));
        }
    }
}

/// An export row's evidence: its row, line, address and fingerprint.
type EvidenceRow = (u64, u64, String, u128, crate::input::RowEvidence);

/// Writes one report document into its file.
type DocumentWriter<'a> = Box<dyn Fn(&mut AtomicFile) -> Result<()> + Send + Sync + 'a>;

/// How the subscriber pass gets its rows judged.
enum Judged<'e> {
    /// In the pass, against the index in memory.
    Now(Evaluator<'e>),
    /// Beforehand, by the group passes over a spilled index: one file of
    /// verdicts per subscriber file.
    Before(Vec<StoredVerdicts>, KnownDuplicates),
}

/// What each stage cost, printed to standard error with `--timings` (for
/// profiling; not part of the output): wall time, the process's CPU time
/// (user + system, all threads), how many cores that kept busy, and the
/// peak resident memory so far.
struct Timings {
    start: Option<std::time::Instant>,
    laps: Vec<Lap>,
}

struct Lap {
    stage: String,
    wall: std::time::Duration,
    usage: Option<Usage>,
}

impl Timings {
    /// Timings from `started`, and the process's CPU time from its start.
    fn new(enabled: bool, started: std::time::Instant) -> Timings {
        Timings {
            start: enabled.then_some(started),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: impl Into<String>) {
        if let Some(start) = self.start {
            self.laps.push(Lap {
                stage: stage.into(),
                wall: start.elapsed(),
                usage: Usage::now(),
            });
        }
    }

    fn print(&self) {
        if self.start.is_none() {
            return;
        }
        eprintln!(
            "{:>9}  {:>9}  {:>5}  {:>10}  stage (timings)",
            "wall", "CPU", "cores", "peak RSS"
        );
        // CPU time counts from the process's start, as `started` does.
        let (mut wall, mut cpu) = (0.0, 0.0);
        for lap in &self.laps {
            let lap_wall = lap.wall.as_secs_f64() - wall;
            wall = lap.wall.as_secs_f64();
            let (lap_cpu, cores, rss) = match lap.usage {
                Some(usage) => {
                    let lap_cpu = usage.cpu_seconds - cpu;
                    cpu = usage.cpu_seconds;
                    (
                        format!("{lap_cpu:.3} s"),
                        format!("{:.2}", lap_cpu / lap_wall.max(1e-9)),
                        format!("{} MiB", usage.peak_rss_bytes >> 20),
                    )
                }
                None => ("-".into(), "-".into(), "-".into()),
            };
            eprintln!(
                "{:>9}  {lap_cpu:>9}  {cores:>5}  {rss:>10}  {}",
                format!("{lap_wall:.3} s"),
                lap.stage
            );
        }
        eprintln!(
            "{:>9}  {:>9}  {:>5}  {:>10}  total",
            format!("{wall:.3} s"),
            format!("{cpu:.3} s"),
            format!("{:.2}", cpu / wall.max(1e-9)),
            ""
        );
    }
}

/// The process's CPU time and peak resident memory so far.
#[derive(Clone, Copy)]
struct Usage {
    cpu_seconds: f64,
    peak_rss_bytes: u64,
}

impl Usage {
    #[cfg(unix)]
    fn now() -> Option<Usage> {
        // SAFETY: getrusage fills the zeroed struct it is given and reads
        // nothing else.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
                return None;
            }
            usage
        };
        let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        // Linux counts ru_maxrss in KiB, macOS in bytes.
        let unit = if cfg!(target_os = "macos") { 1 } else { 1024 };
        Some(Usage {
            cpu_seconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            peak_rss_bytes: (usage.ru_maxrss as u64).saturating_mul(unit),
        })
    }

    #[cfg(not(unix))]
    fn now() -> Option<Usage> {
        None
    }
}

/// The parallel stage of the subscriber pass, against `index`.
fn evaluator<'e>(
    settings: &'e AuditSettings,
    index: &'e ConsentIndex,
    suppressions: &'e Suppressions,
    names: &'e [String],
) -> Evaluator<'e> {
    Evaluator {
        index,
        suppressions,
        policy: &settings.policy,
        as_of: settings.as_of,
        input_names: names,
        consent_logs: settings.consent_logs.len(),
        strict: settings.reading.strict,
    }
}

/// Folds one parsed event (from a consent log or an export row) into the
/// index under its address.
fn push_event(
    builder: &mut IndexBuilder,
    activity: &mut Activity,
    fingerprint: u128,
    key: &str,
    at: Location,
    event: &ParsedEvent<'_>,
) {
    activity.record(event.kind, event.time);
    let event_ref = EventRef {
        kind: event.kind,
        time: event.time,
        at,
        purpose_fit: event.purpose_fit,
        purpose: builder.intern(&event.purpose),
        source: builder.intern_source(&event.source),
        detail: builder.intern(&event.detail),
        has_ip: event.has_ip,
        has_collection_point: event.has_collection_point,
        terms: event.terms,
    };
    builder.push_fingerprinted(fingerprint, key, event_ref);
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn line_index_keeps_only_where_lines_and_rows_drift_apart() {
        let mut index = LineIndex::default();
        // A header on line 1, row 3 spanning lines 4 and 5, a blank line
        // before row 6, and a record with no line (a JSON array's) noted
        // as 0.
        for (row, line) in [
            (1, 2),
            (2, 3),
            (3, 4),
            (4, 6),
            (5, 7),
            (6, 9),
            (7, 0),
            (8, 11),
        ] {
            index.note(row, line);
        }
        assert_eq!(index.points, [(1, 1), (4, 2), (6, 3)]);
        let lines: Vec<u64> = (1..=8).map(|row| index.line(row)).collect();
        assert_eq!(lines, [2, 3, 4, 6, 7, 9, 10, 11]);
        assert_eq!(LineIndex::default().line(5), 0);
    }
}
