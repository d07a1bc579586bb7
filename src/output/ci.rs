//! Stdout formats for CI and tickets: Markdown (pull-request comments),
//! GitHub Actions workflow annotations, and JUnit XML. CI logs are widely
//! visible, so these mask addresses unless asked not to.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::fmt::Write as _;
use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::redact::Redactor;
use crate::address::normalize;
use crate::audit::{AuditOutcome, Finding, RemovedCheck};
use crate::policy::Level;
use crate::rules::RULES;
use crate::text::{needs_escape, sanitize_for_terminal};

/// How addresses appear in an output.
#[derive(Copy, Clone, Debug)]
pub enum Addresses<'r> {
    /// `j***@example.com` (CI formats by default).
    Masked,
    Shown,
    /// Keyed pseudonyms (`--redact`).
    Pseudonymized(&'r Redactor),
}

impl Addresses<'_> {
    pub fn show(self, email: &str) -> String {
        self.shown(email).into_owned()
    }

    /// The address as this output shows it, borrowed when shown as is.
    pub fn shown<'e>(self, email: &'e str) -> Cow<'e, str> {
        match self {
            Addresses::Shown => Cow::Borrowed(email),
            Addresses::Masked => Cow::Owned(mask(email)),
            Addresses::Pseudonymized(redactor) => Cow::Owned(redactor.pseudonym(email)),
        }
    }

    /// The finding's message with every address it quotes hidden as the
    /// finding's own address is: its own, and any other a quoted cell
    /// holds (an address in the event column, a typo's suggestion).
    pub fn message<'f>(self, finding: &'f Finding) -> Cow<'f, str> {
        self.in_text(&finding.message)
    }

    /// Text from the inputs or about them (a message, a value where a
    /// word was expected) with every address in it hidden as this output
    /// hides addresses. A pseudonym is of the normalized address, so that
    /// it is the one the address has everywhere else.
    pub fn in_text<'t>(self, text: &'t str) -> Cow<'t, str> {
        match self {
            Addresses::Shown => Cow::Borrowed(text),
            Addresses::Masked => replace_addresses(text, mask),
            Addresses::Pseudonymized(redactor) => replace_addresses(text, |address| {
                redactor.pseudonym(&normalize(address).unwrap_or_else(|| address.to_string()))
            }),
        }
    }
}

/// `text` with each address-like word (`local@domain`, delimited by white
/// space, quotes, brackets, `,` or `;`, without a sentence's closing
/// punctuation) replaced by `hide(word)`; borrowed when there is none.
fn replace_addresses(text: &str, hide: impl Fn(&str) -> String) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let ends_word = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '\'' | '"' | '`' | '<' | '>' | '(' | ')' | '[' | ']' | '{' | '}' | ',' | ';'
            )
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let start = rest[..at]
            .char_indices()
            .rev()
            .find(|(_, c)| ends_word(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = rest[at..].find(ends_word).map_or(rest.len(), |i| at + i);
        let word = rest[start..end].trim_end_matches(['.', ':', '!', '?']);
        let is_address = word
            .rsplit_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
        out.push_str(&rest[..start]);
        if is_address {
            out.push_str(&hide(word));
            rest = &rest[start + word.len()..];
        } else {
            out.push_str(&rest[start..end]);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `jane.doe@example.com` → `j***@example.com`. The domain stays: it says
/// which provider or typo is involved, and is rarely personal.
pub fn mask(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => match local.chars().next() {
            Some(first) => format!("{first}***@{domain}"),
            None => format!("***@{domain}"),
        },
        None if email.is_empty() => String::new(),
        None => "***".to_string(),
    }
}

/// `row 12 <j***@example.com>: message`: a finding as the CI formats
/// state it, its address and every address its message quotes hidden as
/// `addresses` hides them, and control and direction-changing characters
/// from the input shown as `\u{..}`: a web page shows the text too.
pub(super) fn row_message(finding: &Finding, addresses: Addresses) -> String {
    let message = addresses.message(finding);
    let message = sanitize_for_terminal(&message);
    if finding.email.is_empty() {
        format!("row {}: {message}", finding.row)
    } else {
        format!(
            "row {} <{}>: {message}",
            finding.row,
            addresses.shown(&finding.email)
        )
    }
}

/// The findings a report shows, found in one pass over all of them: the
/// first `top` by severity, and the first `per_rule` of each rule.
pub(super) struct Picked {
    pub top: Vec<Finding>,
    /// By rule index, in input order.
    pub samples: Vec<Vec<Finding>>,
}

pub(super) fn pick_findings(
    outcome: &AuditOutcome,
    top: usize,
    per_rule: usize,
) -> io::Result<Picked> {
    let mut by_level: [Vec<Finding>; 4] = Default::default();
    let mut samples: Vec<Vec<Finding>> = vec![Vec::new(); RULES.len()];
    outcome.findings.for_each(|finding| {
        let kept = &mut by_level[finding.level as usize];
        if kept.len() < top {
            kept.push(finding.clone());
        }
        let sample = &mut samples[finding.rule.index()];
        if sample.len() < per_rule {
            sample.push(finding.clone());
        }
        Ok::<_, io::Error>(())
    })?;
    Ok(Picked {
        top: by_level.into_iter().rev().flatten().take(top).collect(),
        samples,
    })
}

/// The first `n` findings in the order a reader wants them: most severe
/// first, then in input order.
pub(super) fn top_by_severity(outcome: &AuditOutcome, n: usize) -> io::Result<Vec<Finding>> {
    Ok(pick_findings(outcome, n, 0)?.top)
}

/// How many findings the Markdown output lists.
const MARKDOWN_TOP: usize = 20;

/// Escapes a cell for a Markdown table: pipes, line breaks, and the
/// characters that would start formatting or HTML.
pub(super) fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            // Shown, not dropped: what the input holds is evidence.
            c if needs_escape(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

pub fn render_markdown(outcome: &AuditOutcome, addresses: Addresses) -> io::Result<String> {
    let s = &outcome.summary;
    let mut out = String::new();
    let verdict = if s.removed == 0 {
        "no row to remove".to_string()
    } else {
        format!("{} of {} rows to remove", s.removed, s.rows)
    };
    let _ = writeln!(out, "## listaudit: {verdict}\n");
    let _ = writeln!(
        out,
        "Policy `{}` · list purpose `{}` · as of {} · {} errors, {} warnings, {} info\n",
        md_cell(&outcome.policy.name),
        md_cell(&outcome.policy.list_purpose),
        outcome.as_of,
        s.errors,
        s.warnings,
        s.infos
    );
    out.push_str("| subscriber file | rows | kept | removed |\n|---|--:|--:|--:|\n");
    for input in outcome.inputs.iter().filter(|i| i.kind == "subscribers") {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            md_cell(&input.path),
            input.rows,
            input.kept.unwrap_or(0),
            input.removed.unwrap_or(0)
        );
    }
    let fired: Vec<_> = RULES
        .iter()
        .filter(|r| s.by_rule[r.id.index()] > 0)
        .collect();
    if !fired.is_empty() {
        out.push_str("\n| rule | name | severity | findings |\n|---|---|---|--:|\n");
        for rule in fired {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                rule.code,
                rule.name,
                outcome.policy.level(rule.id),
                s.by_rule[rule.id.index()]
            );
        }
        let findings = top_by_severity(outcome, MARKDOWN_TOP)?;
        let _ = writeln!(
            out,
            "\n### Top findings\n\n| file | row | address | rule | severity | message |\n|---|--:|---|---|---|---|"
        );
        for finding in &findings {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md_cell(outcome.input_name(finding)),
                finding.row,
                md_cell(&addresses.show(&finding.email)),
                finding.rule.code(),
                finding.level,
                md_cell(&addresses.message(finding))
            );
        }
        let total = outcome.findings.len();
        if total > MARKDOWN_TOP as u64 {
            let _ = writeln!(
                out,
                "\n…and {} more findings; see `findings.csv` or `--format json`.",
                total - MARKDOWN_TOP as u64
            );
        }
    }
    let show = |value: &str| md_cell(&addresses.in_text(value));
    if let Some(line) = super::table::unrecognised_line(outcome, &show) {
        let _ = writeln!(out, "\n{line}");
    }
    if let Some(line) = super::table::baseline_line(outcome, &show) {
        let _ = writeln!(out, "\n{line}");
    }
    Ok(out)
}

/// Escapes workflow-command data (`%`, CR, LF).
/// Escapes workflow-command data: `%`, CR and LF as the runner decodes
/// them, then every other control or direction-changing character as the
/// terminal sees it ([`sanitize_for_terminal`]), so that no input byte
/// reaches the CI log raw.
fn gh_data(text: &str) -> String {
    let encoded = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    sanitize_for_terminal(&encoded).into_owned()
}

/// Escapes a workflow-command property, which also ends at `,` and `:`.
fn gh_property(text: &str) -> String {
    gh_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// How many annotations of one level GitHub shows for a step; the rest
/// are dropped without a word.
const GITHUB_PER_LEVEL: usize = 10;

fn github_command(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info | Level::Off => "notice",
    }
}

/// GitHub Actions annotations, errors first, then warnings, then notices,
/// each in report order (file, row). GitHub shows 10 annotations of a
/// level per step, so at most 10 of each are written: when a level has
/// more findings than fit, the last of its 10 says how many more there
/// are and where `full_list` (findings.csv) has them all. The summary
/// notice and a `--max-removed` error are among the 10 of their level.
pub fn write_github(
    outcome: &AuditOutcome,
    addresses: Addresses,
    removed: &RemovedCheck,
    full_list: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let breached = matches!(removed, RemovedCheck::Breached(_));
    // Room per level (error, warning, notice) for findings and the "more"
    // annotation, after what is always written.
    let room = |level: Level| match level {
        Level::Error => GITHUB_PER_LEVEL - usize::from(breached),
        Level::Warning => GITHUB_PER_LEVEL,
        Level::Info | Level::Off => GITHUB_PER_LEVEL - 1,
    };
    // A baseline's findings are accepted: not annotated, not counted.
    let total = |level: Level| -> u64 {
        outcome.summary.new_of(match level {
            Level::Off => Level::Info,
            level => level,
        })
    };
    // Fits whole, or all but one slot for findings and one for "more".
    let shown = |level: Level| -> usize {
        let room = room(level);
        if total(level) <= room as u64 {
            room
        } else {
            room - 1
        }
    };
    let mut first: [Vec<Finding>; 4] = Default::default();
    outcome.findings.for_each_new(|finding| {
        let kept = &mut first[finding.level as usize];
        if kept.len() < shown(finding.level) {
            kept.push(finding.clone());
        }
        Ok::<_, io::Error>(())
    })?;
    for level in [Level::Error, Level::Warning, Level::Info] {
        let command = github_command(level);
        for finding in &first[level as usize] {
            let mut properties = format!("file={}", gh_property(outcome.input_name(finding)));
            if finding.line > 0 {
                let _ = write!(properties, ",line={}", finding.line);
            }
            let title = format!("{} {}", finding.rule.code(), finding.rule.meta().name);
            let _ = write!(properties, ",title={}", gh_property(&title));
            writeln!(
                out,
                "::{command} {properties}::{}",
                gh_data(&row_message(finding, addresses))
            )?;
        }
        let more = total(level).saturating_sub(first[level as usize].len() as u64);
        if more > 0 {
            let plural = if more == 1 { "" } else { "s" };
            let kind = match level {
                Level::Error => "error",
                Level::Warning => "warning",
                _ => "info finding",
            };
            let full = match full_list {
                Some(path) => format!("every finding is in {path}"),
                None => "run with --format json for every finding".to_string(),
            };
            writeln!(
                out,
                "::{command} title={}::{}",
                gh_property("listaudit: more findings"),
                gh_data(&format!(
                    "{more} more {kind}{plural} not annotated here (GitHub shows {GITHUB_PER_LEVEL} annotations of a level per step); {full}"
                ))
            )?;
        }
        if level == Level::Error
            && let RemovedCheck::Breached(sentence) = removed
        {
            writeln!(
                out,
                "::error title={}::{}",
                gh_property("listaudit --max-removed"),
                gh_data(sentence)
            )?;
        }
    }
    writeln!(
        out,
        "::notice title=listaudit::{}",
        gh_data(&format!(
            "policy {}, as of {}: {}",
            outcome.policy.name,
            outcome.as_of,
            counts_sentence(outcome)
        ))
    )
}

/// `60 rows, 34 kept, 26 removed; 27 errors, 15 warnings, 55 info`, and
/// with a baseline, how many of them are new.
fn counts_sentence(outcome: &AuditOutcome) -> String {
    let s = &outcome.summary;
    let mut sentence = format!(
        "{} rows, {} kept, {} removed; {} errors, {} warnings, {} info",
        s.rows, s.kept, s.removed, s.errors, s.warnings, s.infos
    );
    if let (Some(baselined), Some(baseline)) = (&s.baselined, &outcome.baseline) {
        let _ = write!(
            sentence,
            "; {} accepted by the baseline {}, new: {} errors, {} warnings, {} info",
            baselined.total(),
            baseline.path,
            s.new_of(Level::Error),
            s.new_of(Level::Warning),
            s.new_of(Level::Info)
        );
    }
    sentence
}

/// The Markdown a GitHub step summary gets: the verdict, then the
/// findings counted per file, rule and severity.
pub fn render_step_summary(outcome: &AuditOutcome) -> io::Result<String> {
    let mut counts: std::collections::BTreeMap<(u32, crate::rules::RuleId, Reverse<Level>), u64> =
        std::collections::BTreeMap::new();
    outcome.findings.for_each_new(|finding| {
        *counts
            .entry((finding.input, finding.rule, Reverse(finding.level)))
            .or_default() += 1;
        Ok::<_, io::Error>(())
    })?;
    let mut out = format!(
        "## listaudit\n\nPolicy `{}`, as of {}: {}.\n\n",
        md_cell(&outcome.policy.name),
        outcome.as_of,
        counts_sentence(outcome)
    );
    if counts.is_empty() {
        out.push_str(if outcome.baseline.is_some() {
            "No new findings.\n"
        } else {
            "No findings.\n"
        });
        return Ok(out);
    }
    out.push_str("| file | rule | name | severity | findings |\n|---|---|---|---|---:|\n");
    for ((input, rule, Reverse(level)), n) in counts {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {n} |",
            md_cell(&outcome.inputs[input as usize].path),
            rule.code(),
            rule.meta().name,
            level
        );
    }
    Ok(out)
}

/// JUnit XML: one test suite per enabled rule (a rule without findings is
/// one passing test case), one test case per finding. Findings at or above
/// `fail_on` are failures; the others pass with their message as output.
pub fn write_junit(
    outcome: &AuditOutcome,
    addresses: Addresses,
    fail_on: Option<Level>,
    removed: &RemovedCheck,
    out: &mut dyn Write,
) -> io::Result<()> {
    let fails = |level: Level| fail_on.is_some_and(|f| level >= f);
    // A baseline's findings are accepted: they are no test cases.
    let mut per_rule = vec![0u64; RULES.len()];
    let mut failures_per_rule = vec![0u64; RULES.len()];
    outcome.findings.for_each_new(|finding| {
        per_rule[finding.rule.index()] += 1;
        failures_per_rule[finding.rule.index()] += u64::from(fails(finding.level));
        Ok::<_, io::Error>(())
    })?;
    let enabled: Vec<_> = RULES
        .iter()
        .filter(|r| outcome.policy.enabled(r.id))
        .collect();
    let removed_case = match removed {
        RemovedCheck::NotAsked => None,
        RemovedCheck::Within(sentence) => Some((sentence, false)),
        RemovedCheck::Breached(sentence) => Some((sentence, true)),
    };
    let tests: u64 = enabled
        .iter()
        .map(|r| per_rule[r.id.index()].max(1))
        .sum::<u64>()
        + u64::from(removed_case.is_some());
    let failures: u64 = failures_per_rule.iter().sum::<u64>()
        + u64::from(removed_case.is_some_and(|(_, breached)| breached));

    let mut writer = Writer::new_with_indent(out, b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", "listaudit"));
    suites.push_attribute(("tests", tests.to_string().as_str()));
    suites.push_attribute(("failures", failures.to_string().as_str()));
    writer.write_event(Event::Start(suites))?;
    for rule in enabled {
        let findings = per_rule[rule.id.index()];
        let suite_name = format!("{} {}", rule.code, rule.name);
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", suite_name.as_str()));
        suite.push_attribute(("tests", findings.max(1).to_string().as_str()));
        let suite_failures = failures_per_rule[rule.id.index()];
        suite.push_attribute(("failures", suite_failures.to_string().as_str()));
        writer.write_event(Event::Start(suite))?;
        let classname = format!("listaudit.{}", rule.code);
        if findings == 0 {
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", "no findings"));
            case.push_attribute(("classname", classname.as_str()));
            writer.write_event(Event::Empty(case))?;
        }
        // One pass over the findings per rule: JUnit groups by rule, and
        // the findings may be in a scratch file rather than in memory.
        outcome.findings.for_each_new(|finding| {
            if finding.rule != rule.id {
                return Ok(());
            }
            let name = format!(
                "{} row {}: {}",
                outcome.input_name(finding),
                finding.row,
                addresses.show(&finding.email)
            );
            let message = addresses.message(finding);
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", clean_xml(&name).as_str()));
            case.push_attribute(("classname", classname.as_str()));
            case.push_attribute(("file", clean_xml(outcome.input_name(finding)).as_str()));
            if finding.line > 0 {
                case.push_attribute(("line", finding.line.to_string().as_str()));
            }
            writer.write_event(Event::Start(case))?;
            let (element, body) = if fails(finding.level) {
                ("failure", true)
            } else {
                ("system-out", false)
            };
            let mut child = BytesStart::new(element);
            if body {
                child.push_attribute(("message", clean_xml(&message).as_str()));
                child.push_attribute(("type", finding.level.as_str()));
            }
            writer.write_event(Event::Start(child))?;
            writer.write_event(Event::Text(BytesText::new(&clean_xml(&format!(
                "{} {} ({}): {message}",
                rule.code, rule.name, finding.level
            )))))?;
            writer.write_event(Event::End(BytesEnd::new(element)))?;
            writer.write_event(Event::End(BytesEnd::new("testcase")))?;
            Ok::<_, io::Error>(())
        })?;
        writer.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    if let Some((sentence, breached)) = removed_case {
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", "listaudit --max-removed"));
        suite.push_attribute(("tests", "1"));
        suite.push_attribute(("failures", if breached { "1" } else { "0" }));
        writer.write_event(Event::Start(suite))?;
        let mut case = BytesStart::new("testcase");
        case.push_attribute(("name", "removed rows within --max-removed"));
        case.push_attribute(("classname", "listaudit.max-removed"));
        writer.write_event(Event::Start(case))?;
        let element = if breached { "failure" } else { "system-out" };
        let mut child = BytesStart::new(element);
        if breached {
            child.push_attribute(("message", clean_xml(sentence).as_str()));
            child.push_attribute(("type", "max-removed"));
        }
        writer.write_event(Event::Start(child))?;
        writer.write_event(Event::Text(BytesText::new(&clean_xml(sentence))))?;
        writer.write_event(Event::End(BytesEnd::new(element)))?;
        writer.write_event(Event::End(BytesEnd::new("testcase")))?;
        writer.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    writer.write_event(Event::End(BytesEnd::new("testsuites")))?;
    writer.into_inner().write_all(b"\n")
}

/// Shows control and direction-changing characters as `\u{..}` (XML 1.0
/// cannot hold most control characters at all, and a viewer would obey
/// the rest); tab and line breaks stay. quick-xml escapes the markup.
fn clean_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(c),
            c if needs_escape(c) || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.extend(c.escape_unicode())
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_first_character_and_the_domain() {
        assert_eq!(mask("jane.doe@example.com"), "j***@example.com");
        assert_eq!(mask("ü@bücher.de"), "ü***@bücher.de");
        assert_eq!(mask("@example.com"), "***@example.com");
        assert_eq!(mask("not-an-address"), "***");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn every_address_in_a_text_is_hidden_and_nothing_else() {
        let text = "unknown status 'Anna.Berg@Example.com' in column 'Status'; did you mean ben@gmail.com? (<carla@x.org>), @SUM(A1), a@, 50 @ 3";
        assert_eq!(
            replace_addresses(text, mask),
            "unknown status 'A***@Example.com' in column 'Status'; did you mean b***@gmail.com? (<c***@x.org>), @SUM(A1), a@, 50 @ 3"
        );
        assert!(matches!(
            replace_addresses("no address here", mask),
            Cow::Borrowed(_)
        ));
        let redactor = crate::output::Redactor::with_key("0123456789abcdef").unwrap();
        let pseudonymized = Addresses::Pseudonymized(&redactor).in_text(text);
        // The pseudonym of the normalized address: the one it has as a
        // finding's address.
        assert!(
            pseudonymized.starts_with(&format!(
                "unknown status '{}' in",
                redactor.pseudonym("anna.berg@example.com")
            )),
            "{pseudonymized}"
        );
        assert!(!pseudonymized.contains("ben@") && !pseudonymized.contains("carla@"));
        assert_eq!(Addresses::Shown.in_text(text), text);
    }

    #[test]
    fn workflow_commands_cannot_be_broken_out_of() {
        assert_eq!(gh_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(gh_property("a,b:c"), "a%2Cb%3Ac");
        assert_eq!(
            gh_data("a\u{1b}[2J\u{7}\u{9b}\u{7f}\u{202e}b"),
            "a\\u{1b}[2J\\u{7}\\u{9b}\\u{7f}\\u{202e}b"
        );
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(md_cell("a|b\nc <x>"), "a\\|b c \\<x\\>");
        assert_eq!(md_cell("a\u{1b}b\u{202e}"), "a\\u{1b}b\\u{202e}");
    }

    #[test]
    fn xml_text_shows_what_xml_cannot_hold() {
        assert_eq!(
            clean_xml("a\u{0}b\u{1b}c\td\u{fffe}"),
            "a\\u{0}b\\u{1b}c\td\\u{fffe}"
        );
    }
}
