//! `report.html`, the consultant's report, and `report.md`, the same
//! summary for tickets. Both are rendered from one view of the outcome, by
//! askama templates (`templates/`), which escape everything they are given
//! unless it is marked as markup we produced ourselves (charts, rule docs).

use std::io::{self, Write};

use askama::Template;

use super::Addresses;
use super::charts::{
    AgeHistogram, BarInput, HorizontalBars, MonthlyActivity, ShareBar, percent, shorten, thousands,
};
use super::ci::{md_cell, pick_findings};
use super::figures::{ACTIVITY_MONTHS, ListFigures, Origins};
use crate::audit::{AuditOutcome, Confirmation, Finding};
use crate::input::FileKind;
use crate::policy::{Level, render_policy};
use crate::rules::{Family, RULES, RuleMeta};

/// Findings listed in the HTML report's full table (on screen); the rest
/// are in findings.csv.
pub const HTML_FINDINGS: usize = 500;
/// Findings listed in report.md.
pub const MARKDOWN_FINDINGS: usize = 25;
/// Findings of each rule the printed report shows as a sample.
pub const SAMPLES_PER_RULE: usize = 3;
/// Unrecognised values listed in either report; the rest are in report.json.
const UNRECOGNISED_ROWS: usize = 50;
/// Characters of an address, a message, a value or a file name the HTML
/// tables show; the findings file has them whole, the cell's title too.
const ADDRESS_CHARS: usize = 26;
const MESSAGE_CHARS: usize = 100;
const UNRECOGNISED_VALUE_CHARS: usize = 40;
const FILE_NAME_CHARS: usize = 24;

struct Problem {
    count: String,
    share: String,
    headline: &'static str,
    code: &'static str,
    name: &'static str,
    level: &'static str,
}

struct Figure {
    id: &'static str,
    title: String,
    caption: String,
    svg: Option<String>,
    empty: String,
}

struct RuleSection {
    code: &'static str,
    name: &'static str,
    level: &'static str,
    count: String,
    /// The count alone, for the rule table's number column.
    found: String,
    /// The count as a share of the largest rule's, in percent, for the
    /// table's bar.
    bar: u32,
    meaning: &'static str,
    action: &'static str,
    checks: String,
    why: String,
    fix: String,
    basis: Option<String>,
}

struct FindingRow {
    file: String,
    row: u64,
    email: String,
    /// Shortened to fit the HTML table's column; `email` is whole.
    email_short: String,
    /// The file's name without its directories, shortened likewise.
    file_short: String,
    rule: &'static str,
    severity: &'static str,
    message: String,
}

/// The first findings of one rule, for the printed report.
struct SampleGroup {
    code: &'static str,
    /// `3 of 52`: how many of the rule's findings are shown.
    shown: String,
    rows: Vec<SampleRow>,
}

struct SampleRow {
    /// The file's name and the row, shown; the full path in `path`.
    place: String,
    path: String,
    email: String,
    email_full: String,
    message: String,
    message_full: String,
}

struct UnrecognisedRow {
    what: &'static str,
    value: String,
    rows: String,
    first: String,
    /// `value` and `first` shortened for the HTML table's columns.
    value_short: String,
    first_short: String,
}

struct InputRow {
    path: String,
    /// The file's name, for the table's narrow column.
    name: String,
    kind: &'static str,
    format: &'static str,
    encoding: &'static str,
    rows: String,
    kept: String,
    removed: String,
    sha256: String,
}

/// What both documents show.
struct View<'a> {
    tool: &'static str,
    version: &'static str,
    subject: String,
    client: Option<&'a str>,
    prepared_by: Option<&'a str>,
    as_of: String,
    as_of_date: String,
    policy_name: &'a str,
    policy_summary: &'a str,
    list_purpose: &'a str,
    rows: String,
    kept: String,
    kept_share: String,
    removed: String,
    removed_share: String,
    verdict: String,
    problems: Vec<Problem>,
    erasure_note: Option<String>,
    repermission_note: Option<String>,
    notices: Vec<String>,
    /// Values no vocabulary word matched (the first [`UNRECOGNISED_ROWS`]).
    unrecognised: Vec<UnrecognisedRow>,
    unrecognised_note: Option<String>,
    soft_bounce_note: Option<String>,
    redaction: Option<String>,
    rules: Vec<RuleSection>,
    findings: Vec<FindingRow>,
    findings_note: String,
    inputs: Vec<InputRow>,
    parameters: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "report.html", escape = "html")]
struct HtmlReport<'a> {
    view: View<'a>,
    figures: Vec<Figure>,
    samples: Vec<SampleGroup>,
    samples_note: String,
    /// The printed pages' running header and footer, as CSS strings.
    page_header: String,
    page_date: String,
    page_footer: String,
    policy_toml: String,
}

#[derive(Template)]
#[template(path = "report.md", escape = "none")]
struct MarkdownReport<'a> {
    view: View<'a>,
    /// `Client: **…** · prepared by **…**`, escaped for Markdown.
    credits: Option<String>,
}

/// Writes `report.html`.
pub fn write_html_report<W: Write>(
    outcome: &AuditOutcome,
    addresses: Addresses<'_>,
    mut out: W,
) -> io::Result<()> {
    let picked = pick_findings(outcome, HTML_FINDINGS, SAMPLES_PER_RULE)?;
    let samples = sample_groups(outcome, addresses, &picked.samples);
    let view = View::of(outcome, addresses, picked.top, render_doc_html);
    let shown: usize = samples.iter().map(|g| g.rows.len()).sum();
    let samples_note = if outcome.findings.is_empty() {
        "No findings.".to_string()
    } else {
        format!(
            "The first {SAMPLES_PER_RULE} findings of each rule, in input order: {} of {}. findings.csv (and the workbook, when written with --workbook) lists every finding with its file, row and full message.",
            thousands(shown as u64),
            thousands(outcome.findings.len()),
        )
    };
    let title = view.client.unwrap_or(&view.subject);
    let page = HtmlReport {
        page_header: css_string(&format!("Mailing-list consent audit · {title}")),
        page_date: css_string(&format!("as of {}", view.as_of_date)),
        page_footer: css_string(&format!(
            "{} {} · {}",
            view.tool,
            view.version,
            match addresses {
                Addresses::Shown => "contains personal data",
                Addresses::Masked | Addresses::Pseudonymized(_) => "addresses pseudonymised",
            }
        )),
        view,
        figures: figures(&ListFigures::of(outcome, addresses), outcome),
        samples,
        samples_note,
        policy_toml: render_policy(&outcome.policy),
    };
    out.write_all(page.render().map_err(io::Error::other)?.as_bytes())
}

/// Writes `report.md`.
pub fn write_markdown_report<W: Write>(
    outcome: &AuditOutcome,
    addresses: Addresses<'_>,
    mut out: W,
) -> io::Result<()> {
    let top = pick_findings(outcome, MARKDOWN_FINDINGS, 0)?.top;
    let mut view = View::of(outcome, addresses, top, |_| String::new());
    for finding in &mut view.findings {
        finding.file = md_cell(&finding.file);
        finding.email = md_cell(&finding.email);
        finding.message = md_cell(&finding.message);
    }
    for input in &mut view.inputs {
        input.path = md_cell(&input.path);
    }
    view.notices = view.notices.iter().map(|n| md_cell(n)).collect();
    for row in &mut view.unrecognised {
        row.value = md_cell(&row.value);
        row.first = md_cell(&row.first);
    }
    let credits = match (view.client, view.prepared_by) {
        (None, None) => None,
        (client, author) => Some(
            [("Client", client), ("Prepared by", author)]
                .into_iter()
                .filter_map(|(label, name)| Some(format!("{label}: **{}**", md_cell(name?))))
                .collect::<Vec<_>>()
                .join(" · "),
        ),
    };
    let document = MarkdownReport { view, credits };
    out.write_all(document.render().map_err(io::Error::other)?.as_bytes())
}

impl<'a> View<'a> {
    fn of(
        outcome: &'a AuditOutcome,
        addresses: Addresses<'_>,
        shown: Vec<Finding>,
        render_doc: fn(&str) -> String,
    ) -> View<'a> {
        let summary = &outcome.summary;
        let policy = &outcome.policy;
        let subscriber_files: Vec<&str> = outcome
            .inputs
            .iter()
            .filter(|i| i.kind == FileKind::Subscribers.as_str())
            .map(|i| i.path.as_str())
            .collect();
        let subject = match subscriber_files.as_slice() {
            [] => "no subscriber file".to_string(),
            [one] => one.to_string(),
            [first, rest @ ..] => format!("{first} and {} more files", rest.len()),
        };
        let problems = biggest_problems(outcome);
        let verdict = if summary.rows == 0 {
            "The subscriber files hold no rows.".to_string()
        } else if summary.removed == 0 {
            format!(
                "{} can be mailed under the {} policy{}.",
                if summary.rows == 1 {
                    "The one row".to_string()
                } else {
                    format!("Every one of the {} rows", thousands(summary.rows))
                },
                policy.name,
                if summary.warnings > 0 {
                    "; the warnings below are worth a look"
                } else {
                    ""
                }
            )
        } else {
            format!(
                "{} of {} rows ({}) cannot be shown to have a lawful basis for mailing, or must not be mailed, under the {} policy. They are removed from the cleaned list; {} rows remain.",
                thousands(summary.removed),
                thousands(summary.rows),
                percent(summary.removed, summary.rows),
                policy.name,
                thousands(summary.kept)
            )
        };
        let (erasures, still_listed) = outcome.consent.erasure_counts();
        let erasure_note = (erasures > 0).then(|| {
            format!(
                "{} {} asked for erasure; {} still in a subscriber file. erasure.csv lists every file and row to delete them from.",
                thousands(erasures),
                if erasures == 1 { "person has" } else { "people have" },
                if still_listed == 1 {
                    "1 is".to_string()
                } else {
                    format!("{} are", thousands(still_listed))
                }
            )
        });
        let re_askable = outcome.consent.re_askable;
        let repermission_note = (re_askable > 0).then(|| {
            format!(
                "{} of the removed rows did consent once, but the consent has aged, was not confirmed or is incompletely recorded: a re-permission campaign may ask them to renew it (repermission.csv). Everyone else removed must not be contacted to ask.",
                thousands(re_askable)
            )
        });
        let most = summary.by_rule.iter().copied().max().unwrap_or(0);
        let rules = RULES
            .iter()
            .filter(|rule| summary.by_rule[rule.id.index()] > 0)
            .map(|rule| RuleSection {
                code: rule.code,
                name: rule.name,
                level: policy.level(rule.id).as_str(),
                count: plural(summary.by_rule[rule.id.index()], "finding"),
                found: thousands(summary.by_rule[rule.id.index()]),
                bar: bar_percent(summary.by_rule[rule.id.index()], most),
                meaning: rule.summary,
                action: rule.action,
                checks: render_doc(rule.doc_section("What it checks")),
                why: render_doc(rule.doc_section("Why it matters")),
                fix: render_doc(rule.doc_section("How to fix")),
                basis: policy
                    .basis_of(&format!("rules.{}", rule.code))
                    .map(str::to_string),
            })
            .collect();
        let total = outcome.findings.len();
        let findings_note = if total == 0 {
            "No findings.".to_string()
        } else if (shown.len() as u64) < total {
            format!(
                "The {} most severe of {} findings, in input order within each level; findings.csv and report.json hold all of them.",
                thousands(shown.len() as u64),
                thousands(total)
            )
        } else {
            format!(
                "All {} findings, most severe first; findings.csv and report.json hold the same.",
                thousands(total)
            )
        };
        let findings = shown
            .iter()
            .map(|f| {
                let email = addresses.show(&f.email);
                let file = outcome.input_name(f);
                FindingRow {
                    file_short: file_name(file),
                    file: file.to_string(),
                    row: f.row,
                    email_short: shorten(&email, ADDRESS_CHARS),
                    email,
                    rule: f.rule.code(),
                    severity: f.level.as_str(),
                    message: addresses.message(f).into_owned(),
                }
            })
            .collect();
        let count = |n: Option<u64>| n.map_or("–".to_string(), thousands);
        let inputs = outcome
            .inputs
            .iter()
            .map(|input| InputRow {
                name: file_name(&input.path),
                path: input.path.clone(),
                kind: input.kind,
                format: input.format,
                encoding: input.encoding,
                rows: thousands(input.rows),
                kept: count(input.kept),
                removed: count(input.removed),
                sha256: input.sha256.clone().unwrap_or_else(|| "–".to_string()),
            })
            .collect();
        let months = |m: Option<u32>| m.map_or("never".to_string(), |m| format!("{m} months"));
        let mut parameters = vec![
            ("Policy".to_string(), policy.name.clone()),
            ("Built from".to_string(), policy.chain.join(" → ")),
            ("List purpose".to_string(), policy.list_purpose.clone()),
            (
                "Consent is stale after".to_string(),
                months(policy.consent.stale_after_months),
            ),
            (
                "Engagement renews consent".to_string(),
                yes_no(policy.consent.engagement_refreshes),
            ),
            (
                "Double opt-in missing is".to_string(),
                policy
                    .level(crate::rules::RuleId::C005)
                    .as_str()
                    .to_string(),
            ),
            (
                "Fails the run at".to_string(),
                policy
                    .fail_on
                    .map_or("never".to_string(), |l| l.as_str().to_string()),
            ),
        ];
        if let Some(basis) = policy.basis_of("consent.stale_after_months") {
            parameters.push((
                "Basis of the stale threshold".to_string(),
                basis.to_string(),
            ));
        }
        let redaction = match addresses {
            Addresses::Pseudonymized(_) => Some(
                "Addresses in this report are keyed pseudonyms (HMAC-SHA256): the same address has the same pseudonym in every report of this audit. The cleaned and removed lists hold the addresses themselves."
                    .to_string(),
            ),
            _ => None,
        };
        let listed = &outcome.consent.unrecognised;
        let unrecognised = listed
            .iter()
            .take(UNRECOGNISED_ROWS)
            .map(|v| {
                let value = addresses.in_text(&v.value).into_owned();
                let (first, first_short) = v.first.map_or_else(Default::default, |at| {
                    let path = &outcome.inputs[at.input as usize].path;
                    (
                        format!("{path} row {}", at.row),
                        format!("{} row {}", file_name(path), at.row),
                    )
                });
                UnrecognisedRow {
                    what: v.kind.label(),
                    value_short: shorten(&value, UNRECOGNISED_VALUE_CHARS),
                    value,
                    rows: thousands(v.rows),
                    first,
                    first_short,
                }
            })
            .collect();
        let unrecognised_note = (!listed.is_empty()).then(|| {
            let mut note = "listaudit does not know these values, so it did not guess what they mean: unknown events and statuses are not used (D002), unknown sources are treated as valid collection points. Review them, and teach them in a policy file ([vocabulary], [sources.phrases]).".to_string();
            if listed.len() > UNRECOGNISED_ROWS {
                note.push_str(&format!(
                    " {} more are listed in report.json.",
                    listed.len() - UNRECOGNISED_ROWS
                ));
            }
            note
        });
        let soft_bounces = outcome.consent.activity.soft_bounces;
        let soft_bounce_note = (soft_bounces > 0).then(|| {
            format!(
                "{} recorded in the logs; a soft bounce (a full mailbox, a deferral) removes nobody. Hard bounces are H008.",
                plural(soft_bounces, "soft bounce")
            )
        });
        View {
            tool: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            subject,
            client: policy.credits.client.as_deref(),
            prepared_by: policy.credits.prepared_by.as_deref(),
            as_of: outcome.as_of.to_string(),
            as_of_date: outcome.as_of.to_string().chars().take(10).collect(),
            policy_name: &policy.name,
            policy_summary: &policy.summary,
            list_purpose: &policy.list_purpose,
            rows: thousands(summary.rows),
            kept: thousands(summary.kept),
            kept_share: percent(summary.kept, summary.rows),
            removed: thousands(summary.removed),
            removed_share: percent(summary.removed, summary.rows),
            verdict,
            problems,
            erasure_note,
            repermission_note,
            notices: outcome.notices.clone(),
            unrecognised,
            unrecognised_note,
            soft_bounce_note,
            redaction,
            rules,
            findings,
            findings_note,
            inputs,
            parameters,
        }
    }
}

/// The sample findings, one group per rule that fired, in catalog order.
fn sample_groups(
    outcome: &AuditOutcome,
    addresses: Addresses<'_>,
    samples: &[Vec<Finding>],
) -> Vec<SampleGroup> {
    RULES
        .iter()
        .filter(|rule| !samples[rule.id.index()].is_empty())
        .map(|rule| SampleGroup {
            code: rule.code,
            shown: {
                let total = outcome.summary.by_rule[rule.id.index()];
                let shown = samples[rule.id.index()].len() as u64;
                format!("{shown} of {}", thousands(total))
            },
            rows: samples[rule.id.index()]
                .iter()
                .map(|finding| {
                    let path = outcome.input_name(finding);
                    let email = addresses.show(&finding.email);
                    let message = addresses.message(finding).into_owned();
                    SampleRow {
                        place: format!("{} row {}", file_name(path), finding.row),
                        path: format!("{path} row {}", finding.row),
                        email: shorten(&email, ADDRESS_CHARS),
                        email_full: email,
                        message: shorten(&message, MESSAGE_CHARS),
                        message_full: message,
                    }
                })
                .collect(),
        })
        .collect()
}

/// A path's last component, shortened to fit a table column; the full
/// path goes in the cell's title.
fn file_name(path: &str) -> String {
    shorten(
        path.rsplit(['/', '\\']).next().unwrap_or(path),
        FILE_NAME_CHARS,
    )
}

/// `count` as a whole percentage of `most`, at least 1 for any count, so
/// that a rule with one finding still shows a bar.
fn bar_percent(count: u64, most: u64) -> u32 {
    if count == 0 || most == 0 {
        return 0;
    }
    ((count as f64 / most as f64 * 100.0).round() as u32).clamp(1, 100)
}

/// `text` as a CSS string literal, safe inside a `<style>` element: quotes,
/// backslashes, line breaks and `<` are escaped, so nothing in a client's
/// name can end the string or the element.
fn css_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' | '<' | '>' | '&' => out.push_str(&format!("\\{:X} ", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\{:X} ", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `1 finding`, `1,200 findings`.
fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(n))
    }
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_string()
}

/// The three rules that hit the most subscriber rows, errors before
/// warnings: what a manager should hear first.
fn biggest_problems(outcome: &AuditOutcome) -> Vec<Problem> {
    let summary = &outcome.summary;
    let mut candidates: Vec<(&RuleMeta, Level, u64)> = RULES
        .iter()
        .filter(|rule| rule.family != Family::Data)
        .map(|rule| {
            (
                rule,
                outcome.policy.level(rule.id),
                summary.by_rule[rule.id.index()],
            )
        })
        .filter(|(_, level, count)| *count > 0 && matches!(level, Level::Error | Level::Warning))
        .collect();
    candidates.sort_by(|a, b| {
        (b.1 == Level::Error)
            .cmp(&(a.1 == Level::Error))
            .then(b.2.cmp(&a.2))
            .then(a.0.id.cmp(&b.0.id))
    });
    candidates
        .into_iter()
        .take(3)
        .map(|(rule, level, count)| Problem {
            count: thousands(count),
            share: percent(count, summary.rows),
            headline: rule.headline,
            code: rule.code,
            name: rule.name,
            level: level.as_str(),
        })
        .collect()
}

/// The charts, in the order the report shows them. Each caption states
/// how its parts add up to a total of report.json's summary.
fn figures(f: &ListFigures<'_>, outcome: &AuditOutcome) -> Vec<Figure> {
    let summary = &outcome.summary;
    let policy = &outcome.policy;
    let render = |template: &dyn DynRender| template.render_svg();
    let mut figures = Vec::new();

    let rule_bars: Vec<BarInput> = RULES
        .iter()
        .filter(|rule| summary.by_rule[rule.id.index()] > 0)
        .map(|rule| BarInput {
            label: format!("{} {}", rule.code, rule.name),
            value: summary.by_rule[rule.id.index()],
            class: policy.level(rule.id).as_str(),
        })
        .collect();
    figures.push(Figure {
        id: "rules",
        title: "Findings per rule".to_string(),
        caption: format!(
            "{} in all: {} errors (the row is removed), {} warnings and {} notes (the row is kept). A row may have several findings.",
            plural(summary.errors + summary.warnings + summary.infos, "finding"),
            thousands(summary.errors),
            thousands(summary.warnings),
            thousands(summary.infos)
        ),
        svg: (!rule_bars.is_empty())
            .then(|| render(&HorizontalBars::new("rules", "Findings per rule", rule_bars, None))),
        empty: "No rule fired.".to_string(),
    });

    let stale = f.stale_after_months;
    figures.push(Figure {
        id: "consent-age",
        title: "Age of consent".to_string(),
        caption: format!(
            "The {} rows with dated consent, by the age of the latest consent act{} at the audit date{}. Not drawn, of the {} rows in all: {} with consent but no date, {} without consent, {} without an address or malformed.",
            thousands(f.dated),
            if policy.consent.engagement_refreshes {
                " or engagement from the person"
            } else {
                ""
            },
            match stale {
                Some(t) => format!(
                    "; {} ({}) are older than the policy's {t} months",
                    thousands(f.stale),
                    percent(f.stale, f.dated)
                ),
                None => "; the policy lets consent last indefinitely".to_string(),
            },
            thousands(f.rows),
            thousands(f.undated),
            thousands(f.none),
            thousands(f.unprofiled)
        ),
        svg: (f.dated > 0).then(|| {
            render(&AgeHistogram::new(
                "consent-age",
                "Age of consent",
                f.age_months,
                stale,
            ))
        }),
        empty: "No row has dated consent.".to_string(),
    });

    for (id, title, origins, unnamed) in [
        (
            "sources",
            "Sources of consent",
            &f.sources,
            "(no source recorded)",
        ),
        (
            "purposes",
            "Purposes of consent",
            &f.purposes,
            "(no purpose stated)",
        ),
    ] {
        let with_consent = f.with_consent();
        figures.push(Figure {
            id,
            title: title.to_string(),
            caption: format!(
                "The {} of the consent each of the {} rows with consent rests on ({} dated, {} undated).",
                if id == "sources" { "source" } else { "purpose" },
                thousands(with_consent),
                thousands(f.dated),
                thousands(f.undated)
            ),
            svg: (origins.rows() > 0).then(|| {
                render(&HorizontalBars::new(
                    id,
                    title,
                    origin_bars(origins, unnamed),
                    Some(with_consent),
                ))
            }),
            empty: "No row has consent.".to_string(),
        });
    }

    let mut parts = vec![
        (label(Confirmation::Double), f.double, "double"),
        (label(Confirmation::Single), f.single, "single"),
        (label(Confirmation::None), f.none, "none"),
    ];
    if f.unprofiled > 0 {
        parts.push(("no address or malformed", f.unprofiled, "missing"));
    }
    figures.push(Figure {
        id: "double-opt-in",
        title: "Double opt-in".to_string(),
        caption: format!(
            "All {} rows: {} of the {} rows with consent ({}) were confirmed by double opt-in.",
            thousands(f.rows),
            thousands(f.double),
            thousands(f.with_consent()),
            percent(f.double, f.with_consent())
        ),
        svg: (f.rows > 0).then(|| render(&ShareBar::new("double-opt-in", "Double opt-in", &parts))),
        empty: "The subscriber files hold no rows.".to_string(),
    });

    let window = &f.activity;
    let months: Vec<(String, u64, u64)> = window
        .months
        .iter()
        .map(|(month, opt_ins, withdrawals)| (month.to_string(), *opt_ins, *withdrawals))
        .collect();
    figures.push(Figure {
        id: "activity",
        title: "Opt-ins and withdrawals per month".to_string(),
        caption: format!(
            "Events, not rows: the {ACTIVITY_MONTHS} months up to the audit date, from every consent log and export, hold {} opt-ins and {} withdrawals. {} earlier events{} are not drawn.",
            thousands(window.opt_ins),
            thousands(window.withdrawals),
            thousands(window.earlier),
            if window.later > 0 {
                format!(" and {} dated after the audit date", thousands(window.later))
            } else {
                String::new()
            }
        ),
        svg: (window.opt_ins + window.withdrawals > 0).then(|| {
            render(&MonthlyActivity::new(
                "activity",
                "Opt-ins and withdrawals per month",
                &months,
            ))
        }),
        empty: "No dated opt-in or withdrawal in these months.".to_string(),
    });
    figures
}

/// The bars of a sources or purposes chart: the most common, then the
/// others summed.
fn origin_bars(origins: &Origins<'_>, unnamed: &str) -> Vec<BarInput> {
    let mut bars: Vec<BarInput> = origins
        .top
        .iter()
        .map(|(name, n)| BarInput {
            label: if name.is_empty() {
                unnamed.to_string()
            } else {
                name.to_string()
            },
            value: *n,
            class: if name.is_empty() { "info" } else { "neutral" },
        })
        .collect();
    if origins.other_values > 0 {
        bars.push(BarInput {
            label: plural(origins.other_values as u64, "other"),
            value: origins.other_rows,
            class: "info",
        });
    }
    bars
}

fn label(confirmation: Confirmation) -> &'static str {
    match confirmation {
        Confirmation::Double => "double opt-in",
        Confirmation::Single => "single opt-in",
        Confirmation::None => "no consent",
    }
}

/// A chart that renders to SVG markup.
trait DynRender {
    fn render_svg(&self) -> String;
}

impl<T: Template> DynRender for T {
    fn render_svg(&self) -> String {
        // The chart templates only format numbers and escaped strings;
        // rendering into a String cannot fail.
        self.render().unwrap_or_default()
    }
}

/// The body of one `## heading` section of a rule's page.
/// A rule page's Markdown as HTML for the report. Links become their text
/// and raw HTML is escaped: the report must load nothing when opened.
fn render_doc_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd, html};
    let events = Parser::new(markdown).filter_map(|event| match event {
        Event::Start(Tag::Link { .. } | Tag::Image { .. })
        | Event::End(TagEnd::Link | TagEnd::Image) => None,
        Event::Html(text) | Event::InlineHtml(text) => Some(Event::Text(text)),
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_docs_lose_links_and_raw_html() {
        let html = render_doc_html("See [the list](https://example.org/x) and <script>x</script>.");
        assert!(html.contains("the list"));
        assert!(!html.contains("https://"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
    }

    #[test]
    fn css_strings_cannot_end_the_string_or_the_style_element() {
        assert_eq!(css_string("Beispiel GmbH"), "\"Beispiel GmbH\"");
        let hostile = css_string("a\"; } body { x: \"</style><script>\\\n");
        assert_eq!(
            hostile,
            "\"a\\22 ; } body { x: \\22 \\3C /style\\3E \\3C script\\3E \\5C \\A \""
        );
        // Only the outer quotes are bare.
        assert_eq!(hostile.matches('"').count(), 2);
        assert!(!hostile.contains('<'));
    }

    #[test]
    fn rule_bars_are_shares_of_the_largest_and_never_vanish() {
        assert_eq!(bar_percent(52, 52), 100);
        assert_eq!(bar_percent(26, 52), 50);
        assert_eq!(bar_percent(1, 100_000), 1);
        assert_eq!(bar_percent(0, 52), 0);
        assert_eq!(bar_percent(0, 0), 0);
    }

    #[test]
    fn file_names_lose_their_directories_and_fit_the_column() {
        assert_eq!(
            file_name("fixtures/demo/subscribers.csv"),
            "subscribers.csv"
        );
        assert_eq!(file_name(r"C:\exports\list.csv"), "list.csv");
        assert_eq!(
            file_name("a/mailchimp-members-export-2025-06-30.csv"),
            "mailchimp-members-expor…"
        );
    }

    #[test]
    fn doc_sections_are_found_by_heading() {
        let c004 = crate::rules::RuleId::C004.meta();
        let why = c004.doc_section("Why it matters");
        assert!(why.contains("BGH"), "{why}");
        assert!(!why.contains("## How to fix"));
        assert!(
            c004.doc_section("How to fix")
                .starts_with("Run a re-permission")
        );
    }
}
