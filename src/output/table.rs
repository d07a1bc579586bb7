//! The summary printed to the terminal after an audit.

use std::fmt::Write as _;

use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table, presets};

use super::Addresses;
use super::charts::percent;
use crate::audit::AuditOutcome;
use crate::policy::Level;
use crate::rules::RULES;
use crate::text::sanitize_for_terminal;

/// A table in the house style, coloured or not.
pub fn new_table(color: bool) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
        .set_content_arrangement(ContentArrangement::Disabled);
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
}

fn header(names: &[&str], color: bool) -> Vec<Cell> {
    names
        .iter()
        .map(|name| {
            let cell = Cell::new(name);
            if color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        })
        .collect()
}

fn number(n: u64) -> Cell {
    Cell::new(n).set_alignment(CellAlignment::Right)
}

fn severity_cell(level: Level, color: bool) -> Cell {
    let cell = Cell::new(level.as_str());
    if !color {
        return cell;
    }
    match level {
        Level::Error => cell.fg(Color::Red),
        Level::Warning => cell.fg(Color::Yellow),
        Level::Info => cell.fg(Color::Cyan),
        Level::Off => cell,
    }
}

/// Renders the summary: what was audited, rows kept and removed per file,
/// findings per rule, and where the outputs are.
pub fn render_summary(outcome: &AuditOutcome, addresses: Addresses<'_>, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "listaudit {} · policy {} · list purpose '{}' · as of {}",
        env!("CARGO_PKG_VERSION"),
        outcome.policy.name,
        sanitize_for_terminal(&outcome.policy.list_purpose),
        outcome.as_of
    );
    out.push('\n');

    let mut files = new_table(color);
    files.set_header(header(
        &["subscriber file", "rows", "kept", "removed"],
        color,
    ));
    for input in outcome.inputs.iter().filter(|i| i.kind == "subscribers") {
        files.add_row(vec![
            Cell::new(sanitize_for_terminal(&input.path)),
            number(input.rows),
            number(input.kept.unwrap_or(0)),
            number(input.removed.unwrap_or(0)),
        ]);
    }
    let _ = writeln!(out, "{files}");

    let summary = &outcome.summary;
    let fired: Vec<_> = RULES
        .iter()
        .filter(|r| summary.by_rule[r.id.index()] > 0)
        .collect();
    if fired.is_empty() {
        out.push_str("No findings.\n");
    } else {
        let mut rules = new_table(color);
        rules.set_header(header(&["rule", "name", "severity", "findings"], color));
        for rule in fired {
            rules.add_row(vec![
                Cell::new(rule.code),
                Cell::new(rule.name),
                severity_cell(outcome.policy.level(rule.id), color),
                number(summary.by_rule[rule.id.index()]),
            ]);
        }
        let _ = writeln!(out, "{rules}");
    }

    let _ = writeln!(
        out,
        "{} rows: {} kept, {} removed ({}). {} errors, {} warnings, {} info.",
        summary.rows,
        summary.kept,
        summary.removed,
        percent(summary.removed, summary.rows),
        summary.errors,
        summary.warnings,
        summary.infos
    );
    // The summary is the default output of CI jobs too: an address in a
    // value is hidden as the CI formats hide addresses.
    let show = |v: &str| sanitize_for_terminal(&addresses.in_text(v)).into_owned();
    if let Some(line) = unrecognised_line(outcome, &show) {
        let _ = writeln!(out, "{line}");
    }
    if let Some(line) = baseline_line(outcome, &show) {
        let _ = writeln!(out, "{line}");
    }
    let soft_bounces = outcome.consent.activity.soft_bounces;
    if soft_bounces > 0 {
        let _ = writeln!(
            out,
            "{soft_bounces} soft {} recorded; a soft bounce removes nobody.",
            plural(soft_bounces, "bounce", "bounces")
        );
    }
    if summary.errors + summary.warnings + summary.infos > 0 {
        out.push_str(
            "Run `listaudit explain <CODE>` for what a rule checks, why, and how to fix it.\n",
        );
    }
    if !outcome.written.is_empty() {
        let written: Vec<String> = outcome
            .written
            .iter()
            .map(|p| sanitize_for_terminal(&p.display().to_string()).into_owned())
            .collect();
        let _ = writeln!(out, "Wrote {}", written.join(", "));
    }
    out
}

/// What the baseline accepted and what is new, in one sentence; the
/// baseline's path written by `show`.
pub fn baseline_line(outcome: &AuditOutcome, show: &dyn Fn(&str) -> String) -> Option<String> {
    let baseline = outcome.baseline.as_ref()?;
    let summary = &outcome.summary;
    let path = show(&baseline.path);
    if baseline.written {
        return Some(format!(
            "Baseline {path} written: it accepts all {} {}; runs with --baseline {path} fail only on new ones.",
            baseline.accepted,
            plural(baseline.accepted, "finding", "findings")
        ));
    }
    let mut line = format!(
        "Baseline {path}: {} {} accepted; new: {} errors, {} warnings, {} info.",
        baseline.accepted,
        plural(baseline.accepted, "finding", "findings"),
        summary.new_of(Level::Error),
        summary.new_of(Level::Warning),
        summary.new_of(Level::Info)
    );
    if baseline.unmatched > 0 {
        let _ = write!(
            line,
            " {} accepted {} no longer found; --write-baseline rewrites it.",
            baseline.unmatched,
            plural(baseline.unmatched, "finding is", "findings are")
        );
    }
    Some(line)
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The values no vocabulary word matched, in one sentence: how many of
/// each kind, the most frequent named, each written by `show` (escaped for
/// the medium, an address in the wrong column masked where it must be).
pub fn unrecognised_line(outcome: &AuditOutcome, show: &dyn Fn(&str) -> String) -> Option<String> {
    const NAMED: usize = 3;
    let values = &outcome.consent.unrecognised;
    if values.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    for kind in crate::input::ValueKind::ALL {
        let of_kind: Vec<_> = values.iter().filter(|v| v.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let mut named: Vec<String> = of_kind
            .iter()
            .take(NAMED)
            .map(|v| {
                format!(
                    "'{}' ({} {})",
                    show(&v.value),
                    v.rows,
                    plural(v.rows, "row", "rows")
                )
            })
            .collect();
        if of_kind.len() > NAMED {
            named.push(format!("{} more", of_kind.len() - NAMED));
        }
        parts.push(format!(
            "{} {} {}: {}",
            of_kind.len(),
            kind.label(),
            plural(of_kind.len() as u64, "value", "values"),
            named.join(", ")
        ));
    }
    Some(format!(
        "Not recognised, so reported and not guessed: {}. Teach them in a policy file ([vocabulary], [sources.phrases]); `listaudit inspect FILE` lists a file's values.",
        parts.join("; ")
    ))
}
