//! Resolved, validated settings. Raw arguments are turned into these once,
//! before any input is read; the engine only ever sees these types.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::audit::{Baseline, RemovedCheck};
use crate::cli::{
    AuditArgs, DateOrderArg, EraseArgs, FailOn, LogTimeArgs, LookupArgs, PolicyArgs, ReadingArgs,
};
use crate::consent::{DateOrder, TimeRules, Timestamp, parse_as_of, parse_zone};
use crate::error::{Error, Result, describe_io};
use crate::input::{
    ColumnOverrides, Field, InputSource, Spool, expand_archive, is_zip_file, open_spreadsheet,
};
use crate::output::{Addresses, Redactor};
use crate::policy::{Level, Policy, PolicyChoice, choose_policy};
use crate::rights::{
    Destination, EraseSettings, LookupSettings, RECEIPT_CSV, RECEIPT_JSON, SUPPRESSION_FILE,
};

/// Everything an audit needs, validated.
pub struct AuditSettings {
    pub subscribers: Vec<InputSource>,
    pub consent_logs: Vec<InputSource>,
    pub suppression_lists: Vec<InputSource>,
    pub policy: Policy,
    pub as_of: Timestamp,
    pub reading: ReadingSettings,
    pub outputs: OutputPlan,
    pub jobs: usize,
    /// Bytes the consent index and held findings may use before spilling.
    pub memory_limit: u64,
    pub show_progress: bool,
    /// Whether progress may use styling: `--color`, `NO_COLOR`, `TERM=dumb`.
    pub styled_progress: bool,
    /// `--timings` (or `LISTAUDIT_TIMINGS`): print each stage's cost.
    pub timings: bool,
    /// When resolving began: spreadsheets are read as CSV while settings
    /// are resolved, and `--timings` counts that too.
    pub started: std::time::Instant,
    /// When the run exits with status 1.
    pub gate: Gate,
    /// `--redact`: pseudonymise addresses in the report outputs.
    pub redaction: Option<Redaction>,
    /// Where `--format github` appends its Markdown summary: the file
    /// GitHub Actions names in `GITHUB_STEP_SUMMARY`.
    pub step_summary: Option<PathBuf>,
    /// `--baseline`: the findings a team accepted.
    pub baseline: Option<Baseline>,
}

/// The pseudonym key of a `--redact` run.
#[derive(Clone, Debug)]
pub struct Redaction {
    pub redactor: Redactor,
    /// The key, in hex, when it was generated for this run: the user must
    /// be told it once to get the same pseudonyms again.
    pub generated_key: Option<String>,
}

/// The environment variable that turns `--timings` on, for runs started
/// by scripts that cannot change the command line.
pub const TIMINGS_VAR: &str = "LISTAUDIT_TIMINGS";

/// The file GitHub Actions collects a step's Markdown summary from.
pub const STEP_SUMMARY_VAR: &str = "GITHUB_STEP_SUMMARY";

/// Whether `LISTAUDIT_TIMINGS` asks for timings: set, and neither empty
/// nor `0` (as `NO_COLOR` is read, a variable set to nothing is unset).
fn timings_asked(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "0")
}

/// The environment variable a redaction key may come from (safer than the
/// command line, which other users of the machine can see).
pub const REDACT_KEY_VAR: &str = "LISTAUDIT_REDACT_KEY";

fn resolve_redaction(args: &AuditArgs) -> Result<Option<Redaction>> {
    if !args.redact {
        return Ok(None);
    }
    let given = match &args.redact_key {
        Some(key) => Some(("--redact-key", key.clone())),
        None => std::env::var(REDACT_KEY_VAR)
            .ok()
            .map(|key| (REDACT_KEY_VAR, key)),
    };
    let hint = "use a random key of 32 bytes or more, e.g. `openssl rand -hex 32`, or leave it out to have one generated";
    match given {
        Some((origin, key)) => {
            let redactor = Redactor::with_key(&key)
                .map_err(|message| Error::usage(format!("{origin}: {message}")).with_hint(hint))?;
            Ok(Some(Redaction {
                redactor,
                generated_key: None,
            }))
        }
        None => {
            let (redactor, key) = Redactor::generate().map_err(Error::usage)?;
            Ok(Some(Redaction {
                redactor,
                generated_key: Some(key),
            }))
        }
    }
}

/// The CI threshold: findings at a level, or too many removed rows.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Gate {
    /// Findings at or above this level fail the run; `None`: never.
    pub fail_on: Option<Level>,
    pub max_removed: Option<MaxRemoved>,
}

/// `--max-removed N` or `P%`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum MaxRemoved {
    Rows(u64),
    Percent(f64),
}

impl MaxRemoved {
    pub fn parse(text: &str) -> Result<MaxRemoved> {
        let trimmed = text.trim();
        let bad = || {
            Error::usage(format!("invalid --max-removed '{trimmed}'")).with_hint(
                "give a number of rows (--max-removed 50) or a percentage (--max-removed 2.5%)",
            )
        };
        if let Some(percent) = trimmed.strip_suffix('%') {
            let value: f64 = percent.trim().parse().map_err(|_| bad())?;
            if !(0.0..=100.0).contains(&value) {
                return Err(bad());
            }
            return Ok(MaxRemoved::Percent(value));
        }
        trimmed.parse().map(MaxRemoved::Rows).map_err(|_| bad())
    }

    /// Whether `removed` of `rows` is over the threshold.
    pub fn exceeded(self, removed: u64, rows: u64) -> bool {
        match self {
            MaxRemoved::Rows(n) => removed > n,
            MaxRemoved::Percent(p) => rows > 0 && removed as f64 * 100.0 / rows as f64 > p,
        }
    }
}

impl std::fmt::Display for MaxRemoved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MaxRemoved::Rows(n) => write!(f, "{n} rows"),
            MaxRemoved::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl Gate {
    /// Whether an outcome fails the run.
    pub fn fails(&self, summary: &crate::audit::Summary) -> bool {
        self.fail_on
            .is_some_and(|level| summary.new_at_or_above(level) > 0)
            || matches!(self.removed_check(summary), RemovedCheck::Breached(_))
    }

    /// `--max-removed` against the removed rows, in a sentence.
    pub fn removed_check(&self, summary: &crate::audit::Summary) -> RemovedCheck {
        let Some(max) = self.max_removed else {
            return RemovedCheck::NotAsked;
        };
        let share = if summary.rows == 0 {
            0.0
        } else {
            summary.removed as f64 * 100.0 / summary.rows as f64
        };
        let counted = format!(
            "{} of {} rows ({share:.1}%) removed",
            summary.removed, summary.rows
        );
        if max.exceeded(summary.removed, summary.rows) {
            RemovedCheck::Breached(format!(
                "{counted}: more than --max-removed {max} allows, so the run fails"
            ))
        } else {
            RemovedCheck::Within(format!("{counted}: within --max-removed {max}"))
        }
    }
}

/// How inputs are read: column overrides, time rules, strictness.
#[derive(Clone, Debug, Default)]
pub struct ReadingSettings {
    /// `--input-format`, `--map`, `--email-column` for subscriber files.
    pub subscriber_columns: ColumnOverrides,
    /// `--map` for consent logs.
    pub consent_columns: ColumnOverrides,
    pub time: TimeRules,
    /// Stop at the first malformed row (`--strict`).
    pub strict: bool,
}

impl ReadingSettings {
    pub fn resolve(
        args: &ReadingArgs,
        email_column: Option<&String>,
        policy_order: Option<DateOrder>,
    ) -> Result<ReadingSettings> {
        if let Some(column) = email_column
            && column.trim().is_empty()
        {
            return Err(Error::usage("--email-column must not be empty"));
        }
        let mut map = Vec::new();
        for entry in &args.map {
            let (field, column) = entry.split_once('=').ok_or_else(|| {
                Error::usage(format!("invalid --map '{entry}'"))
                    .with_hint("write FIELD=COLUMN, e.g. --map optin_time=\"Signup Date\"")
            })?;
            let field = Field::parse(field).ok_or_else(|| {
                Error::usage(format!("unknown field '{}' in --map", field.trim())).with_hint(
                    format!("fields: {}", Field::ALL.map(Field::as_str).join(", ")),
                )
            })?;
            if column.trim().is_empty() {
                return Err(Error::usage(format!("--map {entry} names no column")));
            }
            map.push((field, column.trim().to_string()));
        }
        let zone = match &args.timezone {
            None => None,
            Some(name) => Some(parse_zone(name).ok_or_else(|| {
                Error::usage(format!("unknown time zone '{name}'")).with_hint(
                    "use an IANA zone name such as Europe/Berlin, America/New_York or UTC",
                )
            })?),
        };
        let order = match args.date_order {
            Some(DateOrderArg::DayFirst) => Some(DateOrder::DayFirst),
            Some(DateOrderArg::MonthFirst) => Some(DateOrder::MonthFirst),
            None => policy_order,
        };
        Ok(ReadingSettings {
            subscriber_columns: ColumnOverrides {
                format: args.input_format.clone(),
                map: map.clone(),
                email_column: email_column.cloned(),
            },
            consent_columns: ColumnOverrides {
                format: None,
                map,
                email_column: None,
            },
            time: TimeRules { order, zone },
            strict: args.strict,
        })
    }
}

/// Resolves subscriber inputs: ZIP archives become their list members, and
/// standard input is spooled so that it can be read twice (once for the
/// consent evidence in it, once for the audit).
///
/// A spool in a scratch directory held in memory stops at `memory_limit`.
pub fn expand_subscriber_inputs(
    sources: Vec<InputSource>,
    memory_limit: Option<u64>,
    sheet: Option<&str>,
) -> Result<Vec<InputSource>> {
    let mut expanded = Vec::new();
    for source in sources {
        if let Some(converted) = open_spreadsheet(&source, sheet)? {
            expanded.push(converted);
            continue;
        }
        match &source {
            InputSource::Stdin => {
                let spool = Spool::copy_stream(
                    "<stdin>",
                    "stdin",
                    &mut std::io::stdin().lock(),
                    memory_limit,
                )?;
                let spooled = InputSource::Spooled(spool);
                if let Some(converted) = open_spreadsheet(&spooled, sheet)? {
                    expanded.push(converted);
                    continue;
                }
                let (mut reader, _) = spooled.open()?;
                let mut magic = [0u8; 4];
                let is_zip = std::io::Read::read_exact(&mut reader, &mut magic).is_ok()
                    && crate::input::starts_like_zip(&magic);
                if is_zip {
                    let (file, _) = spooled.open_file_handle()?;
                    expanded.extend(expand_archive("<stdin>", file)?);
                } else {
                    expanded.push(spooled);
                }
            }
            InputSource::Path(path) if is_zip_file(path) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| Error::input(&source.display(), describe_io(&e)))?;
                expanded.extend(expand_archive(&source.display(), file)?);
            }
            _ => expanded.push(source),
        }
    }
    Ok(expanded)
}

/// Consent logs and suppression lists that are spreadsheets, read as
/// their sheet `sheet` (else their first).
pub fn expand_spreadsheets(
    sources: Vec<InputSource>,
    sheet: Option<&str>,
) -> Result<Vec<InputSource>> {
    sources
        .into_iter()
        .map(|source| Ok(open_spreadsheet(&source, sheet)?.unwrap_or(source)))
        .collect()
}

/// `--sheet` names a sheet of spreadsheet inputs: with none among them it
/// would do nothing, which is an error rather than a silent default.
pub fn check_sheet_used<'a>(
    sheet: Option<&str>,
    inputs: impl IntoIterator<Item = &'a InputSource>,
) -> Result<()> {
    if let Some(sheet) = sheet
        && !inputs.into_iter().any(InputSource::is_sheet)
    {
        return Err(Error::usage(format!(
            "--sheet {}: no input is a spreadsheet (.xlsx, .xls, .ods)",
            crate::text::sanitize_for_terminal(sheet)
        ))
        .with_hint("--sheet chooses the sheet of spreadsheet inputs; leave it out for CSV files"));
    }
    Ok(())
}

/// Where each output goes; `None` means not written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputPlan {
    /// A directory to create for the outputs, if one was asked for.
    pub out_dir: Option<PathBuf>,
    /// Per subscriber file, in input order.
    pub cleaned: Vec<Option<PathBuf>>,
    pub removed: Vec<Option<PathBuf>>,
    pub repermission: Vec<Option<PathBuf>>,
    pub erasure: Option<PathBuf>,
    pub findings: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    /// `--write-baseline`.
    pub baseline: Option<PathBuf>,
    /// `--workbook`.
    pub workbook: Option<PathBuf>,
}

impl OutputPlan {
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.cleaned
            .iter()
            .chain(&self.removed)
            .chain(&self.repermission)
            .chain([
                &self.erasure,
                &self.findings,
                &self.report,
                &self.html,
                &self.markdown,
                &self.baseline,
                &self.workbook,
            ])
            .flatten()
            .map(PathBuf::as_path)
    }

    /// Whether an output goes to standard output (`-`).
    pub fn to_stdout(&self) -> bool {
        self.paths().any(crate::output::is_stdout)
    }

    /// Whether an output counts erasure requests of addresses in no
    /// subscriber file.
    pub fn lists_erasures(&self) -> bool {
        self.erasure.is_some() || self.html.is_some() || self.markdown.is_some()
    }

    /// Whether a document that names its inputs by SHA-256 is written.
    pub fn describes_inputs(&self) -> bool {
        self.report.is_some() || self.html.is_some() || self.markdown.is_some()
    }
}

fn log_reading(time: &LogTimeArgs) -> Result<ReadingSettings> {
    let args = ReadingArgs {
        timezone: time.timezone.clone(),
        date_order: time.date_order,
        ..ReadingArgs::default()
    };
    ReadingSettings::resolve(&args, None, None)
}

fn parse_as_of_arg(as_of: Option<&String>) -> Result<Timestamp> {
    match as_of {
        None => Ok(Timestamp::now()),
        Some(text) => parse_as_of(text).ok_or_else(|| {
            Error::usage(format!("invalid --as-of '{text}'"))
                .with_hint("use RFC 3339 (2025-06-30T00:00:00Z) or a date (2025-06-30)")
        }),
    }
}

/// Inputs as named on the command line (`-` is standard input).
fn sources(paths: &[PathBuf]) -> Vec<InputSource> {
    paths.iter().map(|p| InputSource::from_arg(p)).collect()
}

/// Standard input may be named once among all inputs of a command.
fn stdin_at_most_once<'a>(sources: impl Iterator<Item = &'a InputSource>) -> Result<()> {
    if sources.filter(|s| **s == InputSource::Stdin).count() > 1 {
        return Err(Error::usage(
            "standard input ('-') is named more than once; it can be read only once",
        ));
    }
    Ok(())
}

/// `lookup EMAIL FILE...` or `lookup --addresses LIST FILE...`.
pub fn resolve_lookup(args: &LookupArgs) -> Result<LookupSettings> {
    let mut operands = args.operands.iter();
    let email = if args.addresses.is_empty() {
        let first = operands.next().expect("clap requires one operand");
        Some(first.to_string_lossy().into_owned())
    } else {
        None
    };
    let files: Vec<InputSource> = operands.map(|p| InputSource::from_arg(p)).collect();
    if files.is_empty() {
        return Err(Error::usage("no file to search").with_hint(
            "name the files after the address: listaudit lookup anna@example.org export.csv crm.csv",
        ));
    }
    if let Some(email) = &email
        && !email.contains('@')
        && Path::new(email).exists()
    {
        return Err(Error::usage(format!(
            "'{email}' is a file, not an email address"
        ))
        .with_hint("the address comes first: listaudit lookup anna@example.org FILE..., or use --addresses LIST"));
    }
    let address_lists: Vec<InputSource> = sources(&args.addresses);
    stdin_at_most_once(files.iter().chain(&address_lists))?;
    let files = expand_subscriber_inputs(files, None, None)?;
    Ok(LookupSettings {
        email,
        address_lists,
        files,
        reading: log_reading(&args.time)?,
        policy: crate::policy::load_policy(crate::policy::DEFAULT_PRESET)?,
    })
}

/// `erase`: every input must be a file that can be written again under
/// its own name, and no output may land on an input.
pub fn resolve_erase(args: &EraseArgs) -> Result<EraseSettings> {
    if args.addresses.is_empty() && args.consent.is_empty() {
        return Err(
            Error::usage("nobody to erase: give --addresses or --consent")
                .with_hint("listaudit erase --addresses requests.txt FILE... --out-dir DIR"),
        );
    }
    let address_lists: Vec<InputSource> = sources(&args.addresses);
    let consent_logs: Vec<InputSource> = sources(&args.consent);
    stdin_at_most_once(address_lists.iter().chain(&consent_logs))?;
    if consent_logs.contains(&InputSource::Stdin) {
        return Err(
            Error::usage("a consent log for erase cannot be standard input")
                .with_hint("erase reads each consent log twice; save it to a file"),
        );
    }
    let mut seen_inputs: HashSet<PathBuf> = HashSet::new();
    let mut seen_names: HashSet<std::ffi::OsString> = HashSet::new();
    let out_dir = if args.dry_run {
        None
    } else {
        args.out_dir.clone()
    };
    let mut files = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let shown = path.display().to_string();
        if path.as_os_str() == "-" {
            return Err(
                Error::usage("erase cannot read a FILE from standard input").with_hint(
                    "its new version is written under the input's name; save it to a file",
                ),
            );
        }
        let metadata =
            std::fs::metadata(path).map_err(|e| Error::input(&shown, describe_io(&e)))?;
        crate::input::refuse_non_file(&shown, &metadata)?;
        if is_zip_file(path) {
            return Err(Error::input(&shown, "erase cannot rewrite a ZIP archive")
                .with_hint("extract its files and erase from them"));
        }
        let resolved =
            std::fs::canonicalize(path).map_err(|e| Error::input(&shown, describe_io(&e)))?;
        if !seen_inputs.insert(resolved) {
            return Err(Error::usage(format!("{shown} is named twice")));
        }
        let Some(name) = path.file_name() else {
            return Err(Error::input(&shown, "has no file name"));
        };
        let destination = if args.dry_run {
            Destination::Nowhere
        } else if args.in_place {
            Destination::InPlace(path.clone())
        } else {
            if !seen_names.insert(name.to_os_string()) {
                return Err(Error::usage(format!(
                    "two inputs are named {}; their erased versions would have the same name in --out-dir",
                    name.to_string_lossy()
                ))
                .with_hint("erase them in separate runs, with separate --out-dir"));
            }
            Destination::Copy(out_dir.clone().unwrap_or_default().join(name))
        };
        files.push((path.clone(), destination));
    }
    if let Some(dir) = &out_dir {
        let mut outputs: Vec<PathBuf> = [RECEIPT_JSON, RECEIPT_CSV, SUPPRESSION_FILE]
            .iter()
            .map(|name| dir.join(name))
            .collect();
        for (_, destination) in &files {
            if let Destination::Copy(dest) = destination {
                if [RECEIPT_JSON, RECEIPT_CSV, SUPPRESSION_FILE]
                    .iter()
                    .any(|name| dest.file_name() == Some(std::ffi::OsStr::new(name)))
                {
                    return Err(Error::usage(format!(
                        "an input is named {}, like a receipt erase writes",
                        dest.display()
                    ))
                    .with_hint("rename the input"));
                }
                outputs.push(dest.clone());
            }
        }
        let inputs: Vec<PathBuf> = args
            .files
            .iter()
            .chain(&args.addresses)
            .chain(&args.consent)
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        for output in outputs {
            if let Ok(resolved) = std::fs::canonicalize(&output)
                && inputs.contains(&resolved)
            {
                return Err(Error::usage(format!(
                    "--out-dir {} holds the input {}; inputs are never overwritten",
                    dir.display(),
                    output.display()
                ))
                .with_hint("choose another --out-dir, or replace the inputs with --in-place"));
            }
        }
        for (_, destination) in &files {
            if let Destination::Copy(dest) = destination {
                refuse_earlier_copy(dest)?;
            }
        }
    }
    Ok(EraseSettings {
        address_lists,
        consent_logs,
        files,
        out_dir,
        as_of: parse_as_of_arg(args.as_of.as_ref())?,
        reading: log_reading(&args.time)?,
        policy: crate::policy::load_policy(crate::policy::DEFAULT_PRESET)?,
    })
}

/// An erased copy is never written over an existing file: an earlier
/// erase's copy, rewritten from the original, would bring back the people
/// that erase removed.
pub fn refuse_earlier_copy(dest: &Path) -> Result<()> {
    if std::fs::symlink_metadata(dest).is_err() {
        return Ok(());
    }
    Err(Error::usage(format!(
        "{} exists; erase never writes over a file in --out-dir",
        dest.display()
    ))
    .with_hint(
        "if it is an earlier erase's copy, erase from it with --in-place (erasing from the \
         original again would bring back the people that run removed); else choose another --out-dir",
    ))
}

/// The policy a command runs with: `--policy`, else the nearest
/// `listaudit.toml` (unless `--isolated`), else the default preset.
pub fn resolve_policy(args: &PolicyArgs) -> Result<Policy> {
    let choice = match (&args.policy, args.isolated) {
        (Some(spec), _) => PolicyChoice::Named(spec.clone()),
        (None, true) => PolicyChoice::Isolated,
        (None, false) => PolicyChoice::Discover,
    };
    let cwd = std::env::current_dir().ok();
    choose_policy(&choice, cwd.as_deref())
}

/// The minimum level that makes the exit status 1, or `None` for never.
fn fail_level(fail_on: FailOn) -> Option<Level> {
    match fail_on {
        FailOn::Error => Some(Level::Error),
        FailOn::Warning => Some(Level::Warning),
        FailOn::Never => None,
    }
}

/// How `--memory-limit` is shared out.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MemoryBudget {
    /// Bytes of folded consent history held at once.
    pub index: u64,
    /// Bytes of findings held before they spill.
    pub findings: usize,
    /// Bytes a reader's block of records aims at (two are in flight, each
    /// holding about three times its bytes once parsed): a small limit
    /// reads in small blocks. Readers cap it.
    pub read_block: usize,
}

impl AuditSettings {
    /// How report outputs show addresses: as pseudonyms with `--redact`.
    pub fn addresses(&self) -> Addresses<'_> {
        match &self.redaction {
            Some(redaction) => Addresses::Pseudonymized(&redaction.redactor),
            None => Addresses::Shown,
        }
    }

    /// The index gets half the limit: it is what a list's size drives, and
    /// a shard growing while it loads briefly holds its old and new table.
    /// Findings get an eighth. Batches, buffers and the duplicate maps
    /// (H002, H006: about 50 bytes per distinct address) are outside both.
    pub fn memory_budget(&self) -> MemoryBudget {
        MemoryBudget {
            index: self.memory_limit / 2,
            findings: usize::try_from(self.memory_limit / 8).unwrap_or(usize::MAX),
            read_block: usize::try_from(self.memory_limit / 256).unwrap_or(usize::MAX),
        }
    }

    /// `show_progress`: standard error is a terminal; `color`: `--color`.
    pub fn resolve(
        args: &AuditArgs,
        show_progress: bool,
        color: crate::cli::ColorWhen,
    ) -> Result<AuditSettings> {
        let started = std::time::Instant::now();
        let mut policy = resolve_policy(&args.policy)?;
        // A kind of input named on the command line replaces the
        // configuration's inputs of that kind.
        let or_configured = |given: &[PathBuf], configured: &[PathBuf]| {
            sources(if given.is_empty() { configured } else { given })
        };
        let subscribers: Vec<InputSource> = sources(&args.subscribers);
        let consent_logs = or_configured(&args.consent, &policy.audit_inputs.consent);
        let suppression_lists = or_configured(&args.suppress, &policy.audit_inputs.suppress);
        let stdin_uses = subscribers
            .iter()
            .chain(&consent_logs)
            .chain(&suppression_lists)
            .filter(|s| **s == InputSource::Stdin)
            .count();
        if stdin_uses > 1 {
            return Err(Error::usage(format!(
                "standard input ('-') is named {stdin_uses} times; it can be read only once"
            )));
        }

        if let Some(purpose) = &args.list_purpose {
            if purpose.trim().is_empty() {
                return Err(Error::usage("--list-purpose must not be empty"));
            }
            policy.set_list_purpose(purpose);
        }
        for (flag, value, slot) in [
            ("--client", &args.client, &mut policy.credits.client),
            (
                "--prepared-by",
                &args.prepared_by,
                &mut policy.credits.prepared_by,
            ),
        ] {
            if let Some(value) = value {
                *slot = Some(crate::policy::credit(value).map_err(|why| {
                    Error::usage(format!("{flag} {why}"))
                        .with_hint("name the client or the author in one line, such as --client \"Beispiel GmbH\"")
                })?);
            }
        }
        crate::policy::apply_selection(&mut policy, &args.selection)?;
        let max_removed = args
            .max_removed
            .as_deref()
            .map(MaxRemoved::parse)
            .transpose()?;
        let gate = Gate {
            // --max-removed alone replaces the level threshold.
            fail_on: match (args.fail_on, max_removed) {
                (Some(flag), _) => fail_level(flag),
                (None, Some(_)) => None,
                (None, None) => policy.fail_on,
            },
            max_removed,
        };

        let as_of = parse_as_of_arg(args.as_of.as_ref())?;

        let reading =
            ReadingSettings::resolve(&args.reading, args.email_column.as_ref(), policy.date_order)?;
        let memory_limit = parse_size(&args.memory_limit).map_err(|message| {
            Error::usage(format!("--memory-limit {}: {message}", args.memory_limit))
                .with_hint("give a size such as 512M, 2G or 1.5GiB (at least 1M)")
        })?;
        let sheet = args.reading.sheet.as_deref();
        let subscribers = expand_subscriber_inputs(subscribers, Some(memory_limit), sheet)?;
        let consent_logs = expand_spreadsheets(consent_logs, sheet)?;
        let suppression_lists = expand_spreadsheets(suppression_lists, sheet)?;
        check_sheet_used(
            sheet,
            subscribers
                .iter()
                .chain(&consent_logs)
                .chain(&suppression_lists),
        )?;

        let outputs = plan_outputs(args, &subscribers)?;
        // An output on standard output takes the place of the summary.
        if outputs.to_stdout() && args.format != crate::cli::AuditFormat::Table {
            return Err(Error::usage(format!(
                "an output is `-` (standard output), and so is --format {}",
                args.format
                    .to_possible_value()
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default()
            ))
            .with_hint("write one of them to a file"));
        }
        check_outputs_are_not_inputs(
            &outputs,
            subscribers
                .iter()
                .chain(&consent_logs)
                .chain(&suppression_lists),
        )?;

        let jobs = match args.jobs {
            Some(n) => usize::from(n),
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let redaction = resolve_redaction(args)?;
        let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
        Ok(AuditSettings {
            subscribers,
            consent_logs,
            suppression_lists,
            policy,
            as_of,
            reading,
            outputs,
            jobs,
            memory_limit,
            show_progress: show_progress && !args.quiet && !args.no_progress,
            styled_progress: crate::term::use_color(color, show_progress),
            timings: args.timings || timings_asked(std::env::var_os(TIMINGS_VAR).as_deref()),
            started,
            gate,
            redaction,
            step_summary: std::env::var_os(STEP_SUMMARY_VAR)
                .filter(|path| !path.is_empty())
                .map(PathBuf::from),
            baseline,
        })
    }
}

fn plan_outputs(args: &AuditArgs, subscribers: &[InputSource]) -> Result<OutputPlan> {
    let several = subscribers.len() > 1;
    for (flag, value) in [
        ("--cleaned", &args.cleaned),
        ("--removed", &args.removed),
        ("--repermission", &args.repermission),
    ] {
        if several && value.is_some() {
            return Err(Error::usage(format!(
                "{flag} names one file, but {} subscriber files are audited",
                subscribers.len()
            ))
            .with_hint(
                "use --out-dir, which writes cleaned-<name>.csv, removed-<name>.csv and repermission-<name>.csv per file",
            ));
        }
    }
    for (flag, value) in [
        ("--cleaned", &args.cleaned),
        ("--removed", &args.removed),
        ("--repermission", &args.repermission),
    ] {
        if let Some(path) = value
            && crate::output::is_workbook_name(path)
            && !subscribers.iter().all(InputSource::is_sheet)
        {
            return Err(Error::usage(format!(
                "{flag} {}: only the lists of a spreadsheet input are written as workbooks",
                path.display()
            ))
            .with_hint("name the file .csv; it opens in every spreadsheet program"));
        }
    }
    if let Some(path) = &args.workbook
        && !crate::output::is_workbook_name(path)
        && !crate::output::is_stdout(path)
    {
        return Err(Error::usage(format!(
            "--workbook {}: a workbook is an .xlsx file",
            path.display()
        ))
        .with_hint("name it with .xlsx, e.g. --workbook audit.xlsx"));
    }
    let dir = args.out_dir.as_deref();
    let per_file = |explicit: &Option<PathBuf>, prefix: &str| -> Vec<Option<PathBuf>> {
        if let Some(path) = explicit {
            return vec![Some(path.clone())];
        }
        let Some(dir) = dir else {
            return vec![None; subscribers.len()];
        };
        // The lists of a spreadsheet are workbooks, as the input was.
        let extension = |source: &InputSource| if source.is_sheet() { "xlsx" } else { "csv" };
        if !several {
            let extension = subscribers.first().map_or("csv", extension);
            return vec![Some(dir.join(format!("{prefix}.{extension}")))];
        }
        let mut used = HashSet::new();
        subscribers
            .iter()
            .map(|source| {
                let stem = source.stem();
                let extension = extension(source);
                let mut name = format!("{prefix}-{stem}.{extension}");
                let mut n = 2;
                while !used.insert(name.clone()) {
                    name = format!("{prefix}-{stem}-{n}.{extension}");
                    n += 1;
                }
                Some(dir.join(name))
            })
            .collect()
    };
    let single = |explicit: &Option<PathBuf>, name: &str| {
        explicit.clone().or_else(|| dir.map(|d| d.join(name)))
    };
    let plan = OutputPlan {
        out_dir: args.out_dir.clone(),
        cleaned: per_file(&args.cleaned, "cleaned"),
        removed: per_file(&args.removed, "removed"),
        repermission: per_file(&args.repermission, "repermission"),
        erasure: single(&args.erasure, "erasure.csv"),
        findings: single(&args.findings, "findings.csv"),
        report: single(&args.report, "report.json"),
        html: single(&args.html, "report.html"),
        markdown: single(&args.markdown, "report.md"),
        baseline: args.write_baseline.clone(),
        workbook: args.workbook.clone(),
    };
    let mut seen = HashSet::new();
    for path in plan.paths() {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if !seen.insert(absolute) {
            return Err(Error::usage(format!(
                "{} is named as more than one output",
                path.display()
            )));
        }
    }
    Ok(plan)
}

/// Refuses to write an output over an input: the inputs are never
/// modified.
fn check_outputs_are_not_inputs<'a>(
    plan: &OutputPlan,
    inputs: impl Iterator<Item = &'a InputSource>,
) -> Result<()> {
    let inputs: Vec<PathBuf> = inputs
        .filter_map(InputSource::path)
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    for output in plan.paths() {
        if let Ok(resolved) = std::fs::canonicalize(output)
            && inputs.contains(&resolved)
        {
            return Err(Error::usage(format!(
                "output {} is also an input; inputs are never overwritten",
                output.display()
            ))
            .with_hint("choose another output path or --out-dir"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn the_timings_variable_is_off_when_empty_or_zero() {
        use std::ffi::OsStr;
        assert!(!timings_asked(None));
        assert!(!timings_asked(Some(OsStr::new(""))));
        assert!(!timings_asked(Some(OsStr::new("0"))));
        assert!(timings_asked(Some(OsStr::new("1"))));
        assert!(timings_asked(Some(OsStr::new("yes"))));
    }

    fn resolve(args: &[&str]) -> Result<AuditSettings> {
        let cli = Cli::try_parse_from(
            std::iter::once("listaudit")
                .chain(std::iter::once("audit"))
                .chain(args.iter().copied()),
        )
        .unwrap();
        let Command::Audit(audit) = cli.command else {
            unreachable!()
        };
        AuditSettings::resolve(&audit, false, crate::cli::ColorWhen::Never)
    }

    #[test]
    fn out_dir_names_outputs_per_file() {
        let settings = resolve(&["a/list.csv", "b/list.csv", "c/other.csv", "-o", "out"]).unwrap();
        let names: Vec<_> = settings
            .outputs
            .cleaned
            .iter()
            .map(|p| p.as_ref().unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "out/cleaned-list.csv",
                "out/cleaned-list-2.csv",
                "out/cleaned-other.csv"
            ]
        );
        assert_eq!(
            settings.outputs.report,
            Some(PathBuf::from("out/report.json"))
        );
    }

    #[test]
    fn explicit_paths_win_over_out_dir() {
        let settings = resolve(&["list.csv", "-o", "out", "--cleaned", "clean.csv"]).unwrap();
        assert_eq!(
            settings.outputs.cleaned,
            vec![Some(PathBuf::from("clean.csv"))]
        );
        assert_eq!(
            settings.outputs.removed,
            vec![Some(PathBuf::from("out/removed.csv"))]
        );
    }

    #[test]
    fn rejects_what_cannot_work() {
        let message = |args: &[&str]| resolve(args).err().expect("should fail").to_string();
        assert!(message(&["-", "-c", "-"]).contains("standard input"));
        assert!(
            message(&["a.csv", "b.csv", "--cleaned", "x.csv"]).contains("--cleaned names one file")
        );
        assert!(
            message(&["a.csv", "--as-of", "30.06.2025"]).contains("invalid --as-of '30.06.2025'")
        );
        assert!(message(&["a.csv", "--policy", "mars"]).contains("unknown policy 'mars'"));
        assert!(
            message(&["a.csv", "--cleaned", "x.csv", "--removed", "./x.csv"])
                .contains("more than one output")
        );
    }

    #[test]
    fn refuses_to_overwrite_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("list.csv");
        std::fs::write(&input, "email\n").unwrap();
        let input = input.to_str().unwrap();
        let error = resolve(&[input, "--cleaned", input]).err().unwrap();
        assert!(error.to_string().contains("is also an input"), "{error}");
    }
}

/// A byte size: a number with an optional unit, K/M/G/T with or without
/// `B` or `iB`, all powers of 1024 (as memory is counted).
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| "not a size".to_string())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        other => return Err(format!("unknown unit '{other}'")),
    };
    let bytes = number * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err("too large".to_string());
    }
    if bytes < (1u64 << 20) as f64 {
        return Err("too small to audit in".to_string());
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod size_tests {
    use super::parse_size;

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("1.5GB"), Ok(3 << 29));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert!(parse_size("1K").unwrap_err().contains("too small"));
        assert!(
            parse_size("2 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_size("lots").is_err());
        assert!(parse_size("1e30").is_err());
    }
}
