//! Runs one command and decides its exit status.

use std::io::{self, Write};
use std::path::Path;

use serde_json::json;

use crate::audit;
use crate::cli::{
    AuditArgs, AuditFormat, Cli, ColorWhen, Command, EraseArgs, ExplainArgs, ExplainFormat,
    InspectArgs, ListFormat, LookupArgs, PolicyCommand, PolicyInitArgs, RulesArgs, RulesFormat,
};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::input::InputSource;
use crate::inspect::{Inspection, inspect};
use crate::output::{
    self, Addresses, AtomicFile, CreatedDir, ReportTarget, commit, erase_documents,
    lookup_documents, new_table, receipt_json, receipt_names, render_erase, render_lookup,
    render_markdown, render_step_summary, render_summary, write_github, write_gitlab, write_junit,
    write_report_json, write_sarif,
};
use crate::policy::{INIT_TEMPLATE, Policy, render_policy};
use crate::rights::{self, Destination, SUPPRESSION_FILE, SkippedEntry};
use crate::rules::{self, RULES, RuleId};
use crate::settings::{
    AuditSettings, ReadingSettings, expand_subscriber_inputs, refuse_earlier_copy, resolve_erase,
    resolve_lookup, resolve_policy,
};
use crate::term::{stderr_is_terminal, stdout_is_terminal, use_color};
use crate::text::sanitize_for_terminal;

/// Every file and directory this process creates is owner-only from its
/// first moment (0600, 0700): outputs, their temporary files and scratch
/// files hold personal data. Explicit modes stay as a second line.
fn owner_only_files() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file-creation mask; it cannot
    // fail and touches no memory.
    unsafe {
        libc::umask(0o077);
    }
}

pub fn run(cli: Cli) -> Result<ExitStatus> {
    owner_only_files();
    output::remove_on_interrupt();
    match &cli.command {
        Command::Audit(args) => run_audit(args, cli.color),
        Command::Rules(args) => run_rules(args),
        Command::Explain(args) => run_explain(args),
        Command::Inspect(args) => run_inspect(args),
        Command::Policy(PolicyCommand::Show(args)) => {
            let policy = resolve_policy(&args.policy)?;
            let text = render_policy(&policy);
            stdout_result(write_stdout(|out| out.write_all(text.as_bytes())))?;
            Ok(ExitStatus::Clean)
        }
        Command::Policy(PolicyCommand::Init(args)) => run_policy_init(args),
        Command::Lookup(args) => run_lookup(args),
        Command::Erase(args) => run_erase(args),
        Command::Completions(args) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command, "listaudit", &mut script);
            stdout_result(write_stdout(|out| out.write_all(&script)))?;
            Ok(ExitStatus::Clean)
        }
        Command::Man(args) => run_man(&args.dir),
    }
}

/// Writes `listaudit.1` and a page per command (`listaudit-audit.1`,
/// `listaudit-policy-show.1`, ...) into `dir`, each atomically.
fn run_man(dir: &Path) -> Result<ExitStatus> {
    fn pages(
        command: &clap::Command,
        name: String,
        out: &mut Vec<(String, Vec<u8>)>,
    ) -> io::Result<()> {
        let command = command.clone().name(name.clone());
        let mut page = Vec::new();
        clap_mangen::Man::new(command.clone()).render(&mut page)?;
        out.push((format!("{name}.1"), page));
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            pages(sub, format!("{name}-{}", sub.get_name()), out)?;
        }
        Ok(())
    }
    let mut command = <Cli as clap::CommandFactory>::command();
    command.build();
    let mut rendered = Vec::new();
    pages(&command, "listaudit".to_string(), &mut rendered)
        .map_err(|e| Error::output(&dir.display().to_string(), e))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::output(&dir.display().to_string(), e))?;
    let mut ready = Vec::new();
    for (name, page) in &rendered {
        let path = dir.join(name);
        let mut file = AtomicFile::create(&path)?;
        file.write_all(page)
            .map_err(|e| Error::output(&path.display().to_string(), e))?;
        ready.push(file.finish()?);
    }
    commit(ready)?;
    eprintln!(
        "listaudit: wrote {} manual pages to {}",
        rendered.len(),
        sanitize_for_terminal(&dir.display().to_string())
    );
    Ok(ExitStatus::Clean)
}

fn warn_skipped(skipped: &[SkippedEntry]) {
    for entry in skipped {
        eprintln!(
            "listaudit: warning: {} line {}: {}; skipped",
            sanitize_for_terminal(&entry.file),
            entry.line,
            sanitize_for_terminal(&entry.message)
        );
    }
}

fn run_lookup(args: &LookupArgs) -> Result<ExitStatus> {
    let settings = resolve_lookup(args)?;
    let outcome = rights::lookup(&settings)?;
    warn_skipped(&outcome.skipped);
    match args.format {
        ListFormat::Json => {
            let mut documents = lookup_documents(&outcome);
            let document = if settings.email.is_some() && documents.len() == 1 {
                documents.remove(0)
            } else {
                serde_json::Value::Array(documents)
            };
            print_json(&document)?;
        }
        ListFormat::Table => {
            let text = render_lookup(&outcome);
            stdout_result(write_stdout(|out| out.write_all(text.as_bytes())))?;
        }
    }
    Ok(if outcome.not_found() > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

fn run_erase(args: &EraseArgs) -> Result<ExitStatus> {
    let settings = resolve_erase(args)?;
    let created = match &settings.out_dir {
        Some(dir) => Some(CreatedDir::ensure(dir)?),
        None => None,
    };
    let (outcome, erased) = rights::erase(&settings)?;
    warn_skipped(&outcome.skipped);
    let receipt = receipt_json(&outcome);
    let mut receipts = None;
    if let Some(dir) = &settings.out_dir {
        // Held until every file is in place: the suppression list read
        // here is the one replaced, and the receipt names chosen here stay
        // free, whatever other erase writes to the directory meanwhile.
        let _writing = output::lock_dir(dir)?;
        let copies: Vec<&Path> = settings
            .files
            .iter()
            .filter_map(|(_, destination)| match destination {
                Destination::Copy(dest) => Some(dest.as_path()),
                _ => None,
            })
            .collect();
        for copy in &copies {
            refuse_earlier_copy(copy)?;
        }
        let names = receipt_names(dir, &copies);
        let documents = erase_documents(dir, &names, &outcome, &receipt)?;
        receipts = Some(names);
        if args.in_place {
            // The erasure itself first: a receipt must not claim more
            // than was done.
            output::replace(erased)?;
            output::commit_set(dir, "erase", documents)?;
        } else {
            let mut all = erased;
            all.extend(documents);
            output::commit_set(dir, "erase", all)?;
        }
    }
    if let Some(created) = created {
        created.keep();
    }
    if !args.quiet {
        match args.format {
            ListFormat::Json => print_json(&receipt)?,
            ListFormat::Table => {
                let mut text = render_erase(&outcome, args.dry_run);
                if let (Some(dir), Some((json, csv))) = (&settings.out_dir, &receipts) {
                    let name = |path: &Path| {
                        path.file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    };
                    text.push_str(&format!(
                        "Wrote {}, {} and {} in {}\n",
                        sanitize_for_terminal(&name(json)),
                        sanitize_for_terminal(&name(csv)),
                        SUPPRESSION_FILE,
                        sanitize_for_terminal(&dir.display().to_string())
                    ));
                }
                stdout_result(write_stdout(|out| out.write_all(text.as_bytes())))?;
            }
        }
    }
    Ok(ExitStatus::Clean)
}

fn run_policy_init(args: &PolicyInitArgs) -> Result<ExitStatus> {
    if args.path.as_os_str() == "-" {
        stdout_result(write_stdout(|out| out.write_all(INIT_TEMPLATE.as_bytes())))?;
        return Ok(ExitStatus::Clean);
    }
    let shown = args.path.display().to_string();
    if args.path.exists() && !args.force {
        return Err(Error::usage(format!("{shown} exists; not overwriting it"))
            .with_hint("pass --force to replace it, or name another path"));
    }
    let mut file = AtomicFile::create(&args.path)?;
    file.write_all(INIT_TEMPLATE.as_bytes())
        .map_err(|e| Error::output(&shown, e))?;
    let ready = file.finish()?;
    commit(vec![ready])?;
    eprintln!(
        "listaudit: wrote {}; edit it, then run `listaudit policy show --policy {}`",
        sanitize_for_terminal(&shown),
        sanitize_for_terminal(&shown)
    );
    Ok(ExitStatus::Clean)
}

fn run_inspect(args: &InspectArgs) -> Result<ExitStatus> {
    let policy = resolve_policy(&args.policy)?;
    let reading =
        ReadingSettings::resolve(&args.reading, args.email_column.as_ref(), policy.date_order)?;
    let sources: Vec<InputSource> = args
        .files
        .iter()
        .map(|p| InputSource::from_arg(p))
        .collect();
    if sources.iter().filter(|s| **s == InputSource::Stdin).count() > 1 {
        return Err(Error::usage(
            "standard input ('-') is named more than once; it can be read only once",
        ));
    }
    let sheet = args.reading.sheet.as_deref();
    let sources = expand_subscriber_inputs(sources, None, sheet)?;
    crate::settings::check_sheet_used(sheet, &sources)?;
    let found = inspect(&sources, &reading, &policy)?;
    match args.format {
        ListFormat::Json => {
            let documents: Vec<_> = found.iter().map(|i| i.to_json()).collect();
            print_json(&documents)?;
        }
        ListFormat::Table => {
            let text = render_inspections(&found);
            stdout_result(write_stdout(|out| out.write_all(text.as_bytes())))?;
        }
    }
    Ok(ExitStatus::Clean)
}

fn render_inspections(found: &[Inspection]) -> String {
    let mut text = String::new();
    for inspection in found {
        let mut table = new_table(false);
        let clean = |s: &str| sanitize_for_terminal(s).into_owned();
        let delimiter = match inspection.delimiter.as_str() {
            "\t" => "tab".to_string(),
            "" => "-".to_string(),
            other => other.to_string(),
        };
        let mut rows: Vec<(&str, String)> = vec![
            ("kind", inspection.kind.to_string()),
            (
                "format",
                format!(
                    "{} (confidence {:.2})",
                    inspection.format, inspection.confidence
                ),
            ),
            ("encoding", inspection.encoding.clone()),
            ("delimiter", delimiter),
            ("rows", inspection.rows.to_string()),
        ];
        if let Some(status) = inspection.status {
            rows.push(("status", format!("{status} (from the file name)")));
        }
        if !inspection.header.is_empty() {
            rows.push(("header", clean(&inspection.header.join(" | "))));
        }
        for (field, column) in &inspection.columns {
            rows.push((field, format!("← {}", clean(column))));
        }
        if let Some(problem) = &inspection.problem {
            rows.push(("problem", clean(problem)));
        }
        for notice in &inspection.notices {
            rows.push(("note", clean(notice)));
        }
        for value in &inspection.values {
            let meaning = match value.understood_as {
                Some(kind) => format!("→ {kind}"),
                None => "→ not understood (D002)".to_string(),
            };
            let unit = if value.rows == 1 { "row" } else { "rows" };
            rows.push((
                value.kind.label(),
                format!("{} ({} {unit}) {meaning}", clean(&value.value), value.rows),
            ));
        }
        if inspection.more_values > 0 {
            rows.push((
                "values",
                format!("{} more distinct values not listed", inspection.more_values),
            ));
        }
        table.set_header(vec!["".to_string(), clean(&inspection.path)]);
        for (key, value) in rows {
            table.add_row(vec![key.to_string(), value]);
        }
        text.push_str(&format!("{table}\n"));
    }
    text
}

fn run_audit(args: &AuditArgs, color: ColorWhen) -> Result<ExitStatus> {
    let settings = AuditSettings::resolve(args, stderr_is_terminal(), color)?;
    if let Some(key) = settings
        .redaction
        .as_ref()
        .and_then(|r| r.generated_key.as_deref())
    {
        // Printed even with --quiet: without it, later runs cannot give
        // the same pseudonyms.
        eprintln!(
            "listaudit: redaction key (generated for this run; pass it as {} to get the same pseudonyms again): {key}",
            crate::settings::REDACT_KEY_VAR
        );
    }
    let outcome = audit::run(&settings)?;
    let removed = settings.gate.removed_check(&outcome.summary);
    let addresses = match settings.addresses() {
        Addresses::Pseudonymized(redactor) => Addresses::Pseudonymized(redactor),
        _ if args.show_addresses => Addresses::Shown,
        _ => Addresses::Masked,
    };
    if !args.quiet {
        for notice in &outcome.notices {
            eprintln!("listaudit: note: {}", sanitize_for_terminal(notice));
        }
        // Standard output holds an output file (`-`): no summary after it.
        let printed = match args.format {
            AuditFormat::Table if settings.outputs.to_stdout() => Ok(()),
            AuditFormat::Table => {
                let colored = use_color(color, stdout_is_terminal());
                write_stdout(|out| {
                    out.write_all(render_summary(&outcome, addresses, colored).as_bytes())
                })
            }
            AuditFormat::Json => write_stdout(|out| {
                write_report_json(&outcome, settings.addresses(), ReportTarget::Stdout, out)
            }),
            AuditFormat::Markdown => {
                write_stdout(|out| out.write_all(render_markdown(&outcome, addresses)?.as_bytes()))
            }
            AuditFormat::Github => {
                let full_list = settings
                    .outputs
                    .findings
                    .as_ref()
                    .map(|p| p.display().to_string());
                write_stdout(|out| {
                    write_github(&outcome, addresses, &removed, full_list.as_deref(), out)
                })
            }
            AuditFormat::Junit => write_stdout(|out| {
                write_junit(&outcome, addresses, settings.gate.fail_on, &removed, out)
            }),
            AuditFormat::Sarif => write_stdout(|out| write_sarif(&outcome, addresses, out)),
            AuditFormat::Gitlab => write_stdout(|out| write_gitlab(&outcome, addresses, out)),
        };
        // A closed pipe (`| head`) is not an error; the exit status still
        // reports the findings.
        if let Err(err) = printed
            && err.kind() != io::ErrorKind::BrokenPipe
        {
            return Err(Error::output("<stdout>", err));
        }
        if args.format == AuditFormat::Github
            && let Some(path) = &settings.step_summary
        {
            append_step_summary(path, &outcome)
                .map_err(|err| Error::output(&path.display().to_string(), err))?;
        }
    }
    // The reason for a failing status, even with --quiet: an exit 1 with
    // no word is a riddle in a CI log.
    if let audit::RemovedCheck::Breached(sentence) = &removed {
        eprintln!("listaudit: {sentence}");
    }
    Ok(if settings.gate.fails(&outcome.summary) {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// Prints a JSON document, pretty, with a final line break.
fn print_json(document: &impl serde::Serialize) -> Result<()> {
    stdout_result(write_stdout(|out| {
        serde_json::to_writer_pretty(&mut *out, document)?;
        out.write_all(b"\n")
    }))
}

fn write_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    write(&mut out)?;
    out.flush()
}

fn stdout_result(result: io::Result<()>) -> Result<()> {
    result.map_err(|e| Error::output("<stdout>", e))
}

/// The rule catalog as Markdown, from the registry: every rule with its
/// summary and its level under each preset, linked to its page.
pub fn rules_catalog_markdown() -> String {
    use std::fmt::Write as _;
    let presets: Vec<Policy> = crate::policy::preset_names()
        .filter_map(Policy::preset)
        .collect();
    let mut out = String::from(
        "# Rules\n\n\
         <!-- Generated by `listaudit rules --format markdown` from the rule registry; \
         a test keeps it so. -->\n\n\
         Each rule has a permanent code. `error` removes the row from the cleaned list; \
         `warning` and `info` keep it and report it. `listaudit explain CODE` prints a \
         rule's page: what it checks, why (the law and rulings), how to fix it.\n\n",
    );
    let names: Vec<&str> = presets.iter().map(|p| p.name.as_str()).collect();
    let _ = writeln!(
        out,
        "| code | name | what it finds | what to do | {} |",
        names.join(" | ")
    );
    let _ = writeln!(out, "|---|---|---|---|{}", "---|".repeat(names.len()));
    for rule in &RULES {
        let levels: Vec<&str> = presets.iter().map(|p| p.level(rule.id).as_str()).collect();
        let _ = writeln!(
            out,
            "| [{code}](rules/{code}.md) | {} | {} | {} | {} |",
            rule.name,
            rule.summary.replace('|', "\\|"),
            rule.action.replace('|', "\\|"),
            levels.join(" | "),
            code = rule.code,
        );
    }
    out
}

fn run_rules(args: &RulesArgs) -> Result<ExitStatus> {
    if args.format == RulesFormat::Markdown {
        // The catalog is the same whatever policy is in use: it shows all.
        let text = rules_catalog_markdown();
        stdout_result(write_stdout(|out| out.write_all(text.as_bytes())))?;
        return Ok(ExitStatus::Clean);
    }
    let policy = resolve_policy(&args.policy)?;
    match args.format {
        RulesFormat::Markdown => unreachable!("written above"),
        RulesFormat::Json => {
            let rules: Vec<_> = RULES
                .iter()
                .map(|r| {
                    json!({
                        "code": r.code,
                        "name": r.name,
                        "level": policy.level(r.id).as_str(),
                        "summary": r.summary,
                        "action": r.action,
                    })
                })
                .collect();
            print_json(&rules)?;
        }
        RulesFormat::Table => {
            let mut table = new_table(false);
            table.set_header(vec!["code", "name", policy.name.as_str(), "summary"]);
            for rule in &RULES {
                table.add_row(vec![
                    rule.code,
                    rule.name,
                    policy.level(rule.id).as_str(),
                    rule.summary,
                ]);
            }
            stdout_result(write_stdout(|out| {
                writeln!(out, "{table}")?;
                writeln!(
                    out,
                    "Run `listaudit explain <CODE>` for what a rule checks, why, and how to fix it."
                )
            }))?;
        }
    }
    Ok(ExitStatus::Clean)
}

fn run_explain(args: &ExplainArgs) -> Result<ExitStatus> {
    let Some(rule) = rules::find(&args.rule) else {
        let suggestions = rules::suggest(&args.rule);
        let mut error = Error::usage(format!(
            "unknown rule '{}'",
            sanitize_for_terminal(&args.rule)
        ));
        error = if suggestions.is_empty() {
            error.with_hint("run `listaudit rules` for the catalog")
        } else {
            error.with_hint(format!(
                "did you mean {}? run `listaudit rules` for the catalog",
                suggestions.join(", ")
            ))
        };
        return Err(error);
    };
    match args.format {
        ExplainFormat::Text => {
            // The levels come from the presets themselves, so the page can
            // never disagree with what an audit does.
            let mut text = rule.doc.trim_end().to_string();
            if rule.id == RuleId::H004 {
                // Which list this binary carries, so a report can be
                // reproduced and a false positive traced upstream.
                text.push_str(&format!(
                    "\n\n## Shipped list\n\n{} domains from disposable-email-domains (CC0), {}.",
                    crate::address::disposable_count(),
                    crate::address::disposable_source()
                ));
            }
            text.push_str("\n\n## Level by preset\n\n");
            for policy in crate::policy::preset_names().filter_map(Policy::preset) {
                let basis = policy
                    .basis_of(&format!("rules.{}", rule.code))
                    .map_or(String::new(), |b| format!(" ({b})"));
                text.push_str(&format!(
                    "- `{}`: {}{basis}\n",
                    policy.name,
                    policy.level(rule.id)
                ));
            }
            if rule.id == RuleId::C010 {
                // Whether the exemption applies at all is a parameter, and
                // each preset says why it sets it as it does.
                text.push_str("\n## Soft opt-in by preset\n\n");
                for policy in crate::policy::preset_names().filter_map(Policy::preset) {
                    let basis = policy
                        .basis_of("consent.soft_opt_in")
                        .map_or(String::new(), |b| format!(" ({b})"));
                    text.push_str(&format!(
                        "- `{}`: {}{basis}\n",
                        policy.name,
                        if policy.consent.soft_opt_in.is_some() {
                            "a basis"
                        } else {
                            "not a basis"
                        }
                    ));
                }
            }
            stdout_result(write_stdout(|out| out.write_all(text.as_bytes())))?
        }
        ExplainFormat::Json => {
            let levels: serde_json::Map<String, serde_json::Value> = crate::policy::preset_names()
                .filter_map(Policy::preset)
                .map(|p| (p.name.clone(), p.level(rule.id).as_str().into()))
                .collect();
            let mut document = json!({
                "code": rule.code,
                "name": rule.name,
                "summary": rule.summary,
                "action": rule.action,
                "levels": levels,
                "doc": rule.doc,
            });
            if rule.id == RuleId::C010 {
                let allowed: serde_json::Map<String, serde_json::Value> =
                    crate::policy::preset_names()
                        .filter_map(Policy::preset)
                        .map(|p| (p.name.clone(), p.consent.soft_opt_in.is_some().into()))
                        .collect();
                document["soft_opt_in"] = allowed.into();
            }
            print_json(&document)?;
        }
    }
    Ok(ExitStatus::Clean)
}

/// Prints a run-stopping error to standard error: one line naming what is
/// wrong, and a hint line where one helps.
pub fn print_error(error: &Error, color: ColorWhen) {
    let colored = use_color(color, stderr_is_terminal());
    let label = if colored {
        "\u{1b}[1;31merror\u{1b}[0m"
    } else {
        "error"
    };
    let mut err = io::stderr().lock();
    let _ = writeln!(
        err,
        "listaudit: {label}: {}",
        sanitize_for_terminal(&error.to_string())
    );
    if let Some(hint) = error.hint() {
        let _ = writeln!(err, "  hint: {}", sanitize_for_terminal(hint));
    }
}

/// Appends the run's Markdown summary to the file GitHub Actions shows on
/// the run's page (`GITHUB_STEP_SUMMARY`). Appended, not replaced: earlier
/// steps write to the same file.
fn append_step_summary(path: &Path, outcome: &audit::AuditOutcome) -> io::Result<()> {
    let text = render_step_summary(outcome)?;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}
