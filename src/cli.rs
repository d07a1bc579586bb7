//! Command-line arguments as typed (clap). [`crate::settings`] turns them
//! into validated settings; nothing past that boundary sees clap types.

use std::path::PathBuf;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::policy::SelectionOp;

const AUDIT_EXAMPLES: &str = "\
EXAMPLES:
  # Audit an export against its consent log; write the standard outputs
  listaudit audit subscribers.csv --consent consent.csv --out-dir audit-out

  # Reproducible audit at a fixed date, German preset, with a suppression list
  listaudit audit export.csv -c optins.jsonl -s suppression.txt \\
      --policy de-strict --as-of 2025-06-30 -o audit-out

  # CI gate: annotations in a GitHub Actions log, fail when over 5% would go
  listaudit audit list.csv -c consent.csv --format github --max-removed 5%

  # Only the rights rules, and double opt-in as an error
  listaudit audit list.csv -c consent.csv --select R --level C005=error

OUTPUTS (--out-dir DIR):
  cleaned.csv    rows without an error finding, byte for byte as in the input
                 (cleaned-<name>.csv per file when several are audited)
  removed.csv    the other rows, plus listaudit_rules and listaudit_reasons
  repermission.csv  removed rows a re-permission campaign may lawfully ask
                 again (stale, unconfirmed, incomplete evidence), with reasons
  erasure.csv    every address with an erasure request and each row where it
                 still appears
  findings.csv   one row per finding: file,row,email,rule,severity,message,...
  report.json    inputs (with SHA-256), policy, --as-of, summary; names findings.csv
  report.html    the consultant's report: summary, charts, rule sections,
                 inputs; self-contained and printable
  report.md      the same summary in Markdown, for tickets

EXIT STATUS:
  0  no finding at or above --fail-on
  1  at least one finding at or above --fail-on
  2  usage, policy or input error (no output file is left behind)";

const TOP_EXAMPLES: &str = "\
EXAMPLES:
  listaudit audit subscribers.csv --consent consent.csv --out-dir audit-out
  listaudit inspect export.csv
  listaudit rules
  listaudit explain C004
  listaudit policy show --policy de-strict
  listaudit policy init policy.toml
  listaudit lookup anna@example.org newsletter.csv crm.csv consent.jsonl
  listaudit erase --addresses requests.txt newsletter.csv crm.csv -o erased

EXIT STATUS:
  0 clean, 1 findings at or above --fail-on, 2 usage or input error";

/// Audit newsletter mailing lists for provable consent and list hygiene.
#[derive(Debug, Parser)]
#[command(
    name = "listaudit",
    version,
    about,
    long_about = "Audit newsletter mailing lists for provable consent and list hygiene.\n\n\
        listaudit reads subscriber exports (CSV or TSV, any delimiter, with the email \
        column found by its header) and consent logs (CSV, JSON Lines, JSON), matches \
        every address to its consent history, and flags every address that cannot be \
        mailed lawfully or safely. It writes a cleaned list that re-imports like the \
        original, the removed rows with reasons, and a report.",
    after_long_help = TOP_EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to use colour on the terminal
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit subscriber exports against consent logs and suppression lists
    #[command(after_long_help = AUDIT_EXAMPLES)]
    Audit(Box<AuditArgs>),
    /// List the rule catalog with each rule's level under a policy
    Rules(RulesArgs),
    /// Explain one rule: what it checks, why it matters (legal basis), how to fix it
    Explain(ExplainArgs),
    /// Show what was detected in files: format, encoding, delimiter, columns, rows
    Inspect(InspectArgs),
    /// Show the effective policy, or write a policy file to start from
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Find every record about a person in any column of any file, with
    /// their consent history (GDPR Art. 15)
    #[command(
        override_usage = "listaudit lookup [OPTIONS] <EMAIL> <FILE>...\n       listaudit lookup [OPTIONS] --addresses <LIST> <FILE>...",
        after_long_help = LOOKUP_EXAMPLES
    )]
    Lookup(LookupArgs),
    /// Remove people from every file, keeping every other row byte for
    /// byte; write a receipt and a hashed suppression list (GDPR Art. 17)
    #[command(after_long_help = ERASE_EXAMPLES)]
    Erase(EraseArgs),
    /// Print the shell completion script for SHELL
    #[command(
        after_long_help = "EXAMPLES:\n  listaudit completions bash > ~/.local/share/bash-completion/completions/listaudit\n  listaudit completions zsh > \"${fpath[1]}/_listaudit\"\n  listaudit completions fish > ~/.config/fish/completions/listaudit.fish"
    )]
    Completions(CompletionsArgs),
    /// Write the manual pages (listaudit.1 and one per command) into DIR
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write the pages into (created if missing)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

const LOOKUP_EXAMPLES: &str = "\
EXAMPLES:
  # Everything held about one person, for an access request
  listaudit lookup anna@example.org newsletter.csv crm.csv consent.jsonl

  # The same as JSON, to hand over
  listaudit lookup anna@example.org exports/*.csv consent.jsonl --format json

  # Several people at once (one address per line)
  listaudit lookup --addresses requests.txt exports/*.csv

EXIT STATUS:
  0  every address was found in at least one file
  1  an address was found in no file
  2  usage or input error";

const ERASE_EXAMPLES: &str = "\
EXAMPLES:
  # Erase the people in requests.txt and everyone with an erasure request
  listaudit erase --addresses requests.txt -c consent.jsonl \\
      newsletter.csv crm.csv --out-dir erased

  # What would go, without writing anything
  listaudit erase --addresses requests.txt newsletter.csv crm.csv --dry-run

  # Replace the files themselves (each atomically); receipts go to DIR
  listaudit erase --addresses requests.txt newsletter.csv --in-place -o receipts

  # Block re-imports without keeping the addresses
  listaudit audit new-import.csv --suppress erased/suppression.sha256

OUTPUTS (--out-dir DIR):
  <input file name>     each input without the erased rows: same format,
                        encoding, delimiter and line endings; every other
                        row byte for byte (not with --in-place)
  erasure-receipt.json  per person (as SHA-256) and file: rows removed;
                        input and output SHA-256; when
  erasure-receipt.csv   the same, one line per person and file
  suppression.sha256    SHA-256 of each erased address, for audit --suppress;
                        digests already in DIR's list are kept

EXIT STATUS:
  0  done (also when nobody was found)
  2  usage or input error: no file is written or replaced";

/// Options for the time stamps of consent logs read by `lookup` and
/// `erase`.
#[derive(Debug, Args, Default)]
pub struct LogTimeArgs {
    /// Time zone of timestamps written without one (IANA name such as
    /// Europe/Berlin) [default: UTC]
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,

    /// How to read dates like 01/02/2025 in consent logs
    #[arg(long, value_enum, value_name = "ORDER")]
    pub date_order: Option<DateOrderArg>,
}

#[derive(Debug, Args)]
pub struct LookupArgs {
    /// The address, then the files to search (CSV, TSV, JSON Lines, JSON,
    /// ZIP; `-` reads standard input). With --addresses, files only
    #[arg(required = true, value_name = "EMAIL|FILE")]
    pub operands: Vec<PathBuf>,

    /// Look up every address in LIST (one per line, or a CSV file with an
    /// email column) instead of one EMAIL; `-` reads them from standard
    /// input, so that the address never shows in the process list
    #[arg(long, value_name = "LIST")]
    pub addresses: Vec<PathBuf>,

    /// table: each row with its fields; json: one document per person
    /// ({"email", "matches", "consent_history"}; an array with --addresses)
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    #[command(flatten)]
    pub time: LogTimeArgs,
}

#[derive(Debug, Args)]
pub struct EraseArgs {
    /// The files to erase people from (CSV, TSV, JSON Lines, JSON)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// The people to erase: one address per line, a CSV file with an email
    /// column, or SHA-256 digests (a suppression.sha256 file); repeatable
    #[arg(long, value_name = "LIST")]
    pub addresses: Vec<PathBuf>,

    /// Consent log whose standing erasure requests are carried out too;
    /// repeatable. The log itself is not changed unless it is also a FILE
    #[arg(short = 'c', long = "consent", value_name = "LOG")]
    pub consent: Vec<PathBuf>,

    /// Write the erased files, the receipts and suppression.sha256 into DIR
    #[arg(
        short = 'o',
        long,
        value_name = "DIR",
        required_unless_present = "dry_run"
    )]
    pub out_dir: Option<PathBuf>,

    /// Replace each FILE itself, atomically, once its new version is
    /// written and synced; the receipts still go to --out-dir
    #[arg(long)]
    pub in_place: bool,

    /// Report what would be removed; write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// The instant at which erasure requests are read (a request followed
    /// by a new sign-up before it no longer stands) [default: now]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    #[command(flatten)]
    pub time: LogTimeArgs,

    /// table: a summary; json: the receipt
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Print nothing on standard output
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the effective policy as TOML, with the basis of each parameter
    Show(PolicyShowArgs),
    /// Write a commented policy file to start from
    Init(PolicyInitArgs),
}

#[derive(Debug, Args)]
pub struct PolicyShowArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Which policy a command runs with; shared by `audit`, `inspect`,
/// `rules` and `policy show`.
#[derive(Debug, Args, Default, Clone)]
pub struct PolicyArgs {
    /// A preset (eu-gdpr, de-strict, fr-cnil, uk-pecr, ca-casl,
    /// us-can-spam) or a TOML policy file [default: the nearest
    /// listaudit.toml, else eu-gdpr]
    #[arg(short = 'p', long, value_name = "PRESET|FILE")]
    pub policy: Option<String>,

    /// Ignore every listaudit.toml: run with --policy, or eu-gdpr
    #[arg(long)]
    pub isolated: bool,
}

#[derive(Debug, Args)]
pub struct PolicyInitArgs {
    /// Where to write the file; `-` prints it
    #[arg(value_name = "PATH", default_value = "policy.toml")]
    pub path: PathBuf,

    /// Replace the file if it exists
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Subscriber exports (CSV/TSV); `-` reads standard input
    #[arg(required = true, value_name = "SUBSCRIBERS")]
    pub subscribers: Vec<PathBuf>,

    /// Consent log (CSV, JSON Lines or a JSON array); repeatable
    #[arg(short = 'c', long = "consent", value_name = "FILE")]
    pub consent: Vec<PathBuf>,

    /// Suppression list: addresses, a CSV with an email column, or SHA-256
    /// digests of normalized addresses; repeatable
    #[arg(short = 's', long = "suppress", value_name = "FILE")]
    pub suppress: Vec<PathBuf>,

    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Run only these rules: codes, names or prefixes, comma-separated
    /// (`C001,R`, `stale-consent`); repeatable
    #[arg(long, value_name = "CODES")]
    pub select: Vec<String>,

    /// Do not run these rules (codes, names or prefixes); repeatable
    #[arg(long, value_name = "CODES")]
    pub ignore: Vec<String>,

    /// Set a rule's level: error, warning, info or off (`C005=error`);
    /// repeatable. Of --select, --ignore and --level the later flag wins
    #[arg(long, value_name = "CODE=LEVEL")]
    pub level: Vec<String>,

    /// --select, --ignore and --level in command-line order.
    #[arg(skip)]
    pub selection: Vec<SelectionOp>,

    /// Reference instant for every time rule: RFC 3339 or YYYY-MM-DD (UTC
    /// midnight) [default: now]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// The purpose the list is mailed for [default: newsletter]
    #[arg(long, value_name = "PURPOSE")]
    pub list_purpose: Option<String>,

    /// The subscriber files' email column: a header name or a 1-based position
    #[arg(long, value_name = "NAME")]
    pub email_column: Option<String>,

    #[command(flatten)]
    pub reading: ReadingArgs,

    /// Write the standard outputs into DIR: cleaned.csv, removed.csv,
    /// repermission.csv, erasure.csv, findings.csv, report.json, report.html
    /// and report.md
    #[arg(short = 'o', long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,

    /// Write the cleaned list to FILE (one subscriber file only)
    #[arg(long, value_name = "FILE")]
    pub cleaned: Option<PathBuf>,

    /// Write the removed rows with their reasons to FILE (one subscriber file only)
    #[arg(long, value_name = "FILE")]
    pub removed: Option<PathBuf>,

    /// Write one row per finding to FILE
    #[arg(long, value_name = "FILE")]
    pub findings: Option<PathBuf>,

    /// Write the JSON report to FILE
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Write the consultant's report (self-contained HTML, printable) to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// The client's name, on the report's cover and in its running header
    /// (also `[report] client` in the policy file)
    #[arg(long, value_name = "NAME")]
    pub client: Option<String>,

    /// Who prepared the report, on its cover (also `[report] prepared_by`)
    #[arg(long, value_name = "NAME")]
    pub prepared_by: Option<String>,

    /// Write the summary in Markdown (for tickets) to FILE
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Write a workbook for the client to FILE (.xlsx): sheets Summary,
    /// Findings, Removed and Re-permission
    #[arg(long, value_name = "FILE")]
    pub workbook: Option<PathBuf>,

    /// Write the removed rows a re-permission campaign may ask again to FILE
    /// (one subscriber file only)
    #[arg(long, value_name = "FILE")]
    pub repermission: Option<PathBuf>,

    /// Write every address with an erasure request, and where it still
    /// appears, to FILE
    #[arg(long, value_name = "FILE")]
    pub erasure: Option<PathBuf>,

    /// Replace addresses in findings.csv, report.json, report.html,
    /// report.md and standard output by keyed pseudonyms (HMAC-SHA256);
    /// cleaned, removed, repermission and erasure lists keep them
    #[arg(long, conflicts_with = "show_addresses")]
    pub redact: bool,

    /// The pseudonym key (at least 16 bytes), else LISTAUDIT_REDACT_KEY,
    /// else a new random key printed once; the same key gives the same
    /// pseudonyms in every run
    #[arg(long, value_name = "KEY", requires = "redact")]
    pub redact_key: Option<String>,

    /// What to print on standard output
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,

    /// Findings this file accepts (written by --write-baseline) do not
    /// count for the exit status and are left out of the CI formats;
    /// findings.csv marks them. Cleaned and removed rows do not change
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write every finding of this run to FILE as accepted, for
    /// --baseline; keyed by rule, file name and the SHA-256 of the
    /// address. The run then exits as if FILE were its baseline
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Exit with status 1 when a finding at or above this level exists
    /// [default: the policy's, error]
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,

    /// Exit with status 1 when more than N rows, or P% of the rows, would
    /// be removed; without --fail-on it is the only threshold
    #[arg(long, value_name = "N|P%")]
    pub max_removed: Option<String>,

    /// Show full addresses in markdown, github and junit output (masked by
    /// default: CI logs are widely visible)
    #[arg(long)]
    pub show_addresses: bool,

    /// Worker threads [default: number of CPUs]
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Memory to use for the consent index and held findings (`512M`,
    /// `2G`, `1.5GiB`); past it they spill to owner-only scratch files,
    /// with identical output
    #[arg(long, value_name = "SIZE", default_value = "2GiB")]
    pub memory_limit: String,

    /// Print nothing on standard output; the exit status and files only
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// Never show progress bars
    #[arg(long)]
    pub no_progress: bool,

    /// Print each stage's wall time, CPU time and peak memory to standard
    /// error (also on with the environment variable LISTAUDIT_TIMINGS)
    #[arg(long)]
    pub timings: bool,
}

/// How input files are read; shared by `audit` and `inspect`.
#[derive(Debug, Args, Default)]
pub struct ReadingArgs {
    /// Read the subscriber files as this format instead of detecting it
    /// (mailchimp, brevo, listmonk, hubspot, klaviyo, sendy, phplist,
    /// substack, campaign-monitor, mailerlite, mailman, generic)
    #[arg(long, value_name = "NAME")]
    pub input_format: Option<String>,

    /// Read FIELD from COLUMN (a header name or 1-based position), e.g.
    /// `--map optin_time=Signup`; repeatable, applies to every file that
    /// has the column
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    pub map: Vec<String>,

    /// Time zone of timestamps written without one (IANA name such as
    /// Europe/Berlin) [default: UTC]
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,

    /// How to read dates like 01/02/2025; without it they are D001 findings
    #[arg(long, value_enum, value_name = "ORDER")]
    pub date_order: Option<DateOrderArg>,

    /// Stop with exit status 2 at the first malformed row instead of
    /// reporting it as D003
    #[arg(long)]
    pub strict: bool,

    /// The sheet to read from spreadsheet inputs (.xlsx, .xlsb, .xls,
    /// .ods) [default: the first]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DateOrderArg {
    /// 01/02/2025 is 1 February
    DayFirst,
    /// 01/02/2025 is 2 January
    MonthFirst,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Files to inspect (subscriber exports, consent logs, suppression
    /// lists, ZIP archives); `-` reads standard input
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// The subscriber files' email column: a header name or a 1-based position
    #[arg(long, value_name = "NAME")]
    pub email_column: Option<String>,

    // Event and status words are read with the policy's vocabulary.
    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten)]
    pub reading: ReadingArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// table; json; markdown: the catalog with the level under every
    /// preset (docs/rules.md is this output)
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,

    // Levels are shown under the policy.
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (C004) or name (stale-consent)
    #[arg(value_name = "CODE|NAME")]
    pub rule: String,

    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// A summary table
    Table,
    /// The report document (as report.json)
    Json,
    /// A summary and the top findings, for pull requests and tickets
    Markdown,
    /// GitHub Actions workflow annotations
    Github,
    /// JUnit XML: one test suite per rule, one test case per finding
    Junit,
    /// SARIF 2.1.0, for GitHub code scanning and security dashboards
    Sarif,
    /// A GitLab Code Quality report (artifacts:reports:codequality)
    Gitlab,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

impl Cli {
    /// Parses the process arguments, exiting on a usage error as clap does.
    pub fn parse_ordered() -> Cli {
        let matches = Cli::command().get_matches();
        Cli::from_matches(&matches).unwrap_or_else(|e| e.exit())
    }

    /// Parses arguments (tests, embedding).
    pub fn try_parse_ordered<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = Cli::command().try_get_matches_from(args)?;
        Cli::from_matches(&matches)
    }

    fn from_matches(matches: &ArgMatches) -> Result<Cli, clap::Error> {
        let mut cli = Cli::from_arg_matches(matches)?;
        if let Command::Audit(args) = &mut cli.command
            && let Some(("audit", sub)) = matches.subcommand()
        {
            args.selection = selection_in_order(sub);
        }
        Ok(cli)
    }
}

/// --select, --ignore and --level with their positions, so that the later
/// flag wins whatever its kind.
fn selection_in_order(matches: &ArgMatches) -> Vec<SelectionOp> {
    let mut ops: Vec<(usize, SelectionOp)> = Vec::new();
    for (id, make) in [
        ("select", SelectionOp::Select as fn(String) -> SelectionOp),
        ("ignore", SelectionOp::Ignore),
        ("level", SelectionOp::SetLevel),
    ] {
        if let (Some(values), Some(indices)) =
            (matches.get_many::<String>(id), matches.indices_of(id))
        {
            ops.extend(indices.zip(values.map(|v| make(v.clone()))));
        }
    }
    ops.sort_by_key(|(index, _)| *index);
    ops.into_iter().map(|(_, op)| op).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn repeatable_inputs_and_defaults() {
        let cli = Cli::try_parse_from([
            "listaudit",
            "audit",
            "a.csv",
            "b.csv",
            "-c",
            "c1.csv",
            "--consent",
            "c2.jsonl",
            "-s",
            "s.txt",
        ])
        .unwrap();
        let Command::Audit(args) = cli.command else {
            panic!("not audit")
        };
        assert_eq!(args.subscribers.len(), 2);
        assert_eq!(args.consent.len(), 2);
        assert_eq!(args.policy.policy, None);
        assert!(!args.policy.isolated);
        assert_eq!(args.fail_on, None);
        assert_eq!(args.format, AuditFormat::Table);
    }

    #[test]
    fn selection_flags_keep_their_order() {
        let cli = Cli::try_parse_ordered([
            "listaudit",
            "audit",
            "a.csv",
            "--level",
            "C005=error",
            "--ignore",
            "H",
            "--select",
            "C,R",
            "--level",
            "H002=warning",
        ])
        .unwrap();
        let Command::Audit(args) = cli.command else {
            panic!("not audit")
        };
        assert_eq!(
            args.selection,
            [
                SelectionOp::SetLevel("C005=error".into()),
                SelectionOp::Ignore("H".into()),
                SelectionOp::Select("C,R".into()),
                SelectionOp::SetLevel("H002=warning".into()),
            ]
        );
    }

    #[test]
    fn zero_jobs_is_rejected() {
        assert!(Cli::try_parse_from(["listaudit", "audit", "a.csv", "-j", "0"]).is_err());
    }
}
