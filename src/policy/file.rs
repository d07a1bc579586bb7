//! Policy files: TOML that `extends` a preset or another file and changes
//! levels and parameters. The presets are such files, shipped in the
//! binary. Every key is checked: an unknown key, a wrong type or a bad
//! value stops the run with `file:line:column`, the valid keys and the
//! closest one.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::{Level, Policy, SelectionOp};
use crate::consent::{DateOrder, EventKind, SourceCategory, Status};
use crate::error::{Error, Result, describe_io};
use crate::rules;
use crate::vocabulary;

/// The shipped presets: name and file text.
pub const PRESETS: &[(&str, &str)] = &[
    ("eu-gdpr", include_str!("presets/eu-gdpr.toml")),
    ("de-strict", include_str!("presets/de-strict.toml")),
    ("fr-cnil", include_str!("presets/fr-cnil.toml")),
    ("uk-pecr", include_str!("presets/uk-pecr.toml")),
    ("ca-casl", include_str!("presets/ca-casl.toml")),
    ("us-can-spam", include_str!("presets/us-can-spam.toml")),
];

pub fn preset_names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(name, _)| *name)
}

/// How deep `extends` may nest before it is taken for a loop.
const MAX_DEPTH: usize = 8;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    extends: Option<Spanned<String>>,
    name: Option<String>,
    summary: Option<String>,
    list_purpose: Option<Spanned<String>>,
    purpose_synonyms: Option<Vec<String>>,
    date_order: Option<Spanned<String>>,
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    consent: Option<ConsentSection>,
    evidence: Option<EvidenceSection>,
    withdrawal: Option<WithdrawalSection>,
    sources: Option<SourcesSection>,
    hygiene: Option<HygieneSection>,
    vocabulary: Option<VocabularySection>,
    #[serde(default)]
    basis: BTreeMap<Spanned<String>, String>,
    audit: Option<AuditSection>,
    report: Option<ReportSection>,
}

/// `[report]`: the names on the report's cover.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportSection {
    client: Option<Spanned<String>>,
    prepared_by: Option<Spanned<String>>,
}

/// `[audit]`: defaults for `listaudit audit` options, so that a team's
/// command lines need not repeat them. The command line wins.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditSection {
    consent: Option<Vec<Spanned<String>>>,
    suppress: Option<Vec<Spanned<String>>>,
    list_purpose: Option<Spanned<String>>,
    fail_on: Option<Spanned<String>>,
    select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentSection {
    stale_after_months: Option<Spanned<toml::Value>>,
    engagement_refreshes: Option<bool>,
    confirm_window_days: Option<Spanned<i64>>,
    indirect_max_age_months: Option<Spanned<toml::Value>>,
    implied_consent: Option<bool>,
    soft_opt_in: Option<Spanned<toml::Value>>,
    implied_relationship_months: Option<Spanned<i64>>,
    implied_inquiry_months: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceSection {
    timestamp: Option<bool>,
    how_or_where: Option<bool>,
    notice_version: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawalSection {
    grace_days: Option<Spanned<i64>>,
    business_days: Option<bool>,
    holidays: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HygieneSection {
    role_accounts: Option<Vec<Spanned<String>>>,
    personal_accounts: Option<Vec<Spanned<String>>>,
    disposable_domains: Option<Vec<Spanned<String>>>,
    allowed_domains: Option<Vec<Spanned<String>>>,
}

/// Words the built-in vocabulary lacks: scope words of a withdrawal, and
/// event and status words by the kind or status they mean.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularySection {
    all_purposes: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    events: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    #[serde(default)]
    statuses: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SourcesSection {
    contest: Option<Spanned<String>>,
    purchased_list: Option<Spanned<String>>,
    rented_list: Option<Spanned<String>>,
    address_book: Option<Spanned<String>>,
    scraped: Option<Spanned<String>>,
    business_card: Option<Spanned<String>>,
    third_party: Option<Spanned<String>>,
    #[serde(default)]
    phrases: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

impl SourcesSection {
    fn levels(&self) -> [(SourceCategory, &Option<Spanned<String>>); 7] {
        [
            (SourceCategory::Contest, &self.contest),
            (SourceCategory::PurchasedList, &self.purchased_list),
            (SourceCategory::RentedList, &self.rented_list),
            (SourceCategory::AddressBook, &self.address_book),
            (SourceCategory::Scraped, &self.scraped),
            (SourceCategory::BusinessCard, &self.business_card),
            (SourceCategory::ThirdParty, &self.third_party),
        ]
    }
}

/// Every key a policy file may set, as `[basis]` names them.
pub const PARAMETER_KEYS: &[&str] = &[
    "list_purpose",
    "purpose_synonyms",
    "date_order",
    "fail_on",
    "consent.stale_after_months",
    "consent.engagement_refreshes",
    "consent.confirm_window_days",
    "consent.indirect_max_age_months",
    "consent.implied_consent",
    "consent.soft_opt_in",
    "consent.implied_relationship_months",
    "consent.implied_inquiry_months",
    "evidence.timestamp",
    "evidence.how_or_where",
    "evidence.notice_version",
    "withdrawal.grace_days",
    "withdrawal.business_days",
    "withdrawal.holidays",
    "hygiene.role_accounts",
    "hygiene.personal_accounts",
    "hygiene.disposable_domains",
    "hygiene.allowed_domains",
];

/// Where a policy comes from: a shipped preset or a file.
struct Origin<'a> {
    /// The preset's name, or the file's path as given.
    name: String,
    preset: bool,
    text: &'a str,
    /// The directory relative `extends` paths are resolved against.
    dir: Option<PathBuf>,
}

impl<'a> Origin<'a> {
    fn preset(name: &str, text: &'a str) -> Origin<'a> {
        Origin {
            name: name.to_string(),
            preset: true,
            text,
            dir: None,
        }
    }

    fn file(path: &Path, text: &'a str) -> Origin<'a> {
        Origin {
            name: path.display().to_string(),
            preset: false,
            text,
            dir: path.parent().map(Path::to_path_buf),
        }
    }

    /// `preset eu-gdpr` or the path, as messages name it.
    fn label(&self) -> String {
        if self.preset {
            format!("preset {}", self.name)
        } else {
            self.name.clone()
        }
    }

    /// `file:line:column: message`, with a hint.
    fn error(&self, span: Range<usize>, message: impl Into<String>) -> Error {
        let (line, column) = line_column(self.text, span.start);
        Error::policy(format!(
            "{}:{line}:{column}: {}",
            self.label(),
            message.into()
        ))
    }
}

/// An unknown key of a table whose keys are a closed set, with the closest.
fn unknown_key(
    origin: &Origin<'_>,
    key: &Spanned<String>,
    what: &str,
    table: &str,
    keys: &[&str],
) -> Error {
    let mut message = format!("unknown {what} '{}' in {table}", key.get_ref());
    if let Some(best) = closest(key.get_ref(), keys) {
        message.push_str(&format!("; did you mean '{best}'?"));
    }
    origin
        .error(key.span(), message)
        .with_hint(format!("known: {}", keys.join(", ")))
}

/// A word a policy teaches, refused when it could never match a cell: a
/// whole-cell word (an event, a status) needs letters or digits, a phrase
/// (a scope or source word) letters, digits or symbols.
fn taught<'w>(
    origin: &Origin<'_>,
    word: &'w Spanned<String>,
    table: &str,
    whole_cell: bool,
) -> Result<&'w str> {
    let text = word.get_ref();
    let matches = if whole_cell {
        !crate::text::fold(text).is_empty()
    } else {
        !crate::text::Phrase::expand(text).is_empty()
    };
    if matches {
        return Ok(text);
    }
    Err(origin
        .error(
            word.span(),
            format!("the word '{text}' in {table} has no letters or digits, so it can never match"),
        )
        .with_hint("words compare without case, accents and separators: give the letters"))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The preset named `name` (any case).
pub fn load_preset(name: &str) -> Option<Policy> {
    let (name, text) = PRESETS
        .iter()
        .find(|(preset, _)| preset.eq_ignore_ascii_case(name.trim()))?;
    let origin = Origin::preset(name, text);
    // The shipped presets are tested to load; a broken one is a bug.
    let mut policy = load(&origin, 0).unwrap_or_else(|e| panic!("{e}"));
    policy.name = name.to_string();
    Some(policy)
}

/// What `--policy` names: a preset, or a policy file (a path that exists,
/// or that ends in `.toml`).
pub fn load_policy(spec: &str) -> Result<Policy> {
    let path = Path::new(spec);
    let looks_like_file = path.extension().is_some_and(|e| e == "toml")
        || spec.contains(std::path::MAIN_SEPARATOR)
        || spec.contains('/');
    if let Some(policy) = load_preset(spec) {
        return Ok(policy);
    }
    if !looks_like_file && !path.is_file() {
        return Err(unknown_preset(spec));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::policy(format!(
            "{spec}: cannot read the policy file: {}",
            describe_io(&e)
        ))
    })?;
    parse_policy(spec, &text)
}

/// A policy file's `text`, read from the path `spec` (which an `extends`
/// of another file is relative to).
pub fn parse_policy(spec: &str, text: &str) -> Result<Policy> {
    let origin = Origin::file(Path::new(spec), text);
    let mut policy = load(&origin, 0)?;
    policy.name = spec.to_string();
    policy.file = Some(PathBuf::from(spec));
    Ok(policy)
}

fn unknown_preset(name: &str) -> Error {
    let mut error = Error::policy(format!(
        "unknown policy '{}': not a preset, and no such file",
        crate::text::sanitize_for_terminal(name)
    ));
    let names: Vec<&str> = preset_names().collect();
    error = match closest(name, &names) {
        Some(best) => error.with_hint(format!(
            "did you mean '{best}'? presets: {}; or give a path to a .toml policy file",
            names.join(", ")
        )),
        None => error.with_hint(format!(
            "presets: {}; or give a path to a .toml policy file",
            names.join(", ")
        )),
    };
    error
}

/// The candidate closest to `query`, if any is close.
fn closest<'a>(query: &str, candidates: &[&'a str]) -> Option<&'a str> {
    crate::text::similar(query, candidates.iter().copied())
        .first()
        .copied()
}

fn load(origin: &Origin<'_>, depth: usize) -> Result<Policy> {
    let file: PolicyFile = toml::from_str(origin.text).map_err(|e| toml_error(origin, &e))?;
    let mut policy = match &file.extends {
        None => Policy::catalog(),
        Some(base) => {
            if depth >= MAX_DEPTH {
                return Err(origin.error(
                    base.span(),
                    format!("`extends` nests deeper than {MAX_DEPTH} files; is there a loop?"),
                ));
            }
            resolve_base(origin, base, depth)?
        }
    };
    apply(origin, &file, &mut policy)?;
    policy.chain.push(match &file.name {
        Some(name) => name.clone(),
        None => origin.name.clone(),
    });
    if let Some(summary) = &file.summary {
        policy.summary = summary.clone();
    }
    Ok(policy)
}

fn resolve_base(origin: &Origin<'_>, base: &Spanned<String>, depth: usize) -> Result<Policy> {
    let name = base.get_ref();
    if let Some((preset, text)) = PRESETS
        .iter()
        .find(|(preset, _)| preset.eq_ignore_ascii_case(name.trim()))
    {
        return load(&Origin::preset(preset, text), depth + 1);
    }
    let path = match &origin.dir {
        Some(dir) if Path::new(name).is_relative() => dir.join(name),
        _ => PathBuf::from(name),
    };
    if path.extension().is_none_or(|e| e != "toml") && !path.is_file() {
        let names: Vec<&str> = preset_names().collect();
        let mut message = format!("`extends`: unknown preset '{name}'");
        if let Some(best) = closest(name, &names) {
            message.push_str(&format!("; did you mean '{best}'?"));
        }
        return Err(origin.error(base.span(), message).with_hint(format!(
            "presets: {}; or a path to a .toml file",
            names.join(", ")
        )));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| {
        origin.error(
            base.span(),
            format!(
                "`extends`: cannot read '{}': {}",
                path.display(),
                describe_io(&e)
            ),
        )
    })?;
    load(&Origin::file(&path, &text), depth + 1)
}

/// A TOML syntax or type error, with its position and, for an unknown key,
/// the closest valid one.
fn toml_error(origin: &Origin<'_>, error: &toml::de::Error) -> Error {
    let message = error.message().trim().to_string();
    let span = error.span().unwrap_or(0..0);
    let mut hint = None;
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((unknown, expected)) = rest.split_once('`')
    {
        let valid: Vec<&str> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|k| !k.is_empty())
            .collect();
        let mut text = format!("unknown key '{unknown}'");
        if let Some(best) = closest(unknown, &valid) {
            text.push_str(&format!("; did you mean '{best}'?"));
        }
        hint = Some(format!("valid keys here: {}", valid.join(", ")));
        let mut err = origin.error(span, text);
        if let Some(hint) = hint {
            err = err.with_hint(hint);
        }
        return err;
    }
    if message.contains("expected") || message.contains("invalid") {
        hint = Some("run `listaudit policy init` for a commented file with every key".to_string());
    }
    let err = origin.error(span, message);
    match hint {
        Some(hint) => err.with_hint(hint),
        None => err,
    }
}

fn parse_level(origin: &Origin<'_>, value: &Spanned<String>) -> Result<Level> {
    Level::parse(value.get_ref()).ok_or_else(|| {
        let names: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
        let mut message = format!("unknown level '{}'", value.get_ref());
        if let Some(best) = closest(value.get_ref(), &names) {
            message.push_str(&format!("; did you mean '{best}'?"));
        }
        origin
            .error(value.span(), message)
            .with_hint("levels: error, warning, info, off")
    })
}

fn whole(origin: &Origin<'_>, value: &Spanned<i64>, what: &str) -> Result<u32> {
    let n = *value.get_ref();
    if n < 0 {
        return Err(origin.error(
            value.span(),
            format!("{what} must not be negative (got {n})"),
        ));
    }
    u32::try_from(n)
        .ok()
        .filter(|n| *n <= 1200)
        .ok_or_else(|| origin.error(value.span(), format!("{what} is too large (got {n})")))
}

/// The soft opt-in: the law it rests on (a string, quoted in C010's
/// message), `true` for one the file does not name, or `false`.
fn soft_opt_in(origin: &Origin<'_>, value: &Spanned<toml::Value>) -> Result<Option<String>> {
    match value.get_ref() {
        toml::Value::Boolean(false) => Ok(None),
        toml::Value::Boolean(true) => Ok(Some("the existing-customer exemption".to_string())),
        toml::Value::String(law) if !law.trim().is_empty() => Ok(Some(law.trim().to_string())),
        other => Err(origin
            .error(
                value.span(),
                format!("soft_opt_in must name the law it rests on, or be false, not {other}"),
            )
            .with_hint("e.g. \"PECR reg. 22(3)\", true, or false")),
    }
}

/// A window in months: a whole number, or `"never"`.
fn months(origin: &Origin<'_>, value: &Spanned<toml::Value>, what: &str) -> Result<Option<u32>> {
    match value.get_ref() {
        toml::Value::String(s) if s.eq_ignore_ascii_case("never") => Ok(None),
        toml::Value::Integer(n) => {
            let spanned = Spanned::new(value.span(), *n);
            let months = whole(origin, &spanned, what)?;
            if months == 0 {
                return Err(origin
                    .error(value.span(), format!("{what} must be at least 1"))
                    .with_hint("write \"never\" for no time limit"));
            }
            Ok(Some(months))
        }
        other => Err(origin
            .error(
                value.span(),
                format!("{what} must be a number of months or \"never\", not {other}"),
            )
            .with_hint("e.g. 24, or \"never\"")),
    }
}

/// Adds a file's `[hygiene]` lists to the ones it extends: a policy can
/// only add names and domains, so a team file never silently drops what a
/// preset listed.
fn apply_hygiene(origin: &Origin<'_>, section: &HygieneSection, policy: &mut Policy) -> Result<()> {
    let lists = &mut policy.hygiene;
    for (entries, set) in [
        (&section.role_accounts, &mut lists.role_accounts),
        (&section.personal_accounts, &mut lists.personal_accounts),
    ] {
        for entry in entries.iter().flatten() {
            let mut buffer = [0; 64];
            // Lower-cased like the local part of a matching key.
            let lowered = entry.get_ref().trim().to_lowercase();
            let name = crate::address::role_name(&lowered, &mut buffer)
                .filter(|n| !n.is_empty() && !n.contains('@'))
                .ok_or_else(|| {
                    origin
                        .error(
                            entry.span(),
                            format!("'{}' is not a local part", entry.get_ref()),
                        )
                        .with_hint("list the part before the @, e.g. \"presse\" for presse@…")
                })?;
            set.insert(name.to_string());
        }
    }
    for (entries, set) in [
        (&section.disposable_domains, &mut lists.disposable_domains),
        (&section.allowed_domains, &mut lists.allowed_domains),
    ] {
        for entry in entries.iter().flatten() {
            let domain = policy_domain(entry.get_ref()).ok_or_else(|| {
                origin
                    .error(
                        entry.span(),
                        format!("'{}' is not a domain", entry.get_ref()),
                    )
                    .with_hint("list bare domains such as \"example.com\"; subdomains are included")
            })?;
            set.insert(domain);
        }
    }
    Ok(())
}

/// A domain as a policy lists it (`@Example.com`, `*.example.com`,
/// `bücher.de`), in the form addresses are matched in.
fn policy_domain(text: &str) -> Option<String> {
    let text = text.trim().trim_start_matches('@').trim_start_matches("*.");
    if text.is_empty() || text.contains(['@', ' ', '/']) || !text.contains('.') {
        return None;
    }
    let ascii = idna::domain_to_ascii(text).ok()?;
    (!ascii.is_empty() && !ascii.starts_with('.') && !ascii.ends_with('.')).then_some(ascii)
}

fn apply(origin: &Origin<'_>, file: &PolicyFile, policy: &mut Policy) -> Result<()> {
    let note = |key: &str, policy: &mut Policy| {
        // A value set here without a basis of its own must not keep the
        // basis of the value it replaced.
        if origin.preset {
            policy.basis.remove(key);
        } else {
            policy
                .basis
                .insert(key.to_string(), format!("set in {}", origin.name));
        }
    };
    let audit = file.audit.as_ref();
    let list_purpose = once(
        origin,
        "list_purpose",
        file.list_purpose.as_ref(),
        audit.and_then(|a| a.list_purpose.as_ref()),
    )?;
    let fail_on = once(
        origin,
        "fail_on",
        file.fail_on.as_ref(),
        audit.and_then(|a| a.fail_on.as_ref()),
    )?;
    if let Some(purpose) = list_purpose {
        if purpose.get_ref().trim().is_empty() {
            return Err(origin.error(purpose.span(), "list_purpose must not be empty"));
        }
        policy.set_list_purpose(purpose.get_ref());
        note("list_purpose", policy);
    }
    if let Some(synonyms) = &file.purpose_synonyms {
        policy.extra_synonyms = synonyms
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        note("purpose_synonyms", policy);
    }
    if let Some(order) = &file.date_order {
        policy.date_order = match order.get_ref().trim().to_ascii_lowercase().as_str() {
            "day-first" => Some(DateOrder::DayFirst),
            "month-first" => Some(DateOrder::MonthFirst),
            "none" => None,
            other => {
                return Err(origin
                    .error(order.span(), format!("unknown date_order '{other}'"))
                    .with_hint("date_order: \"day-first\", \"month-first\" or \"none\""));
            }
        };
        note("date_order", policy);
    }
    if let Some(fail_on) = fail_on {
        policy.fail_on = match fail_on.get_ref().trim().to_ascii_lowercase().as_str() {
            "never" => None,
            _ => match parse_level(origin, fail_on)? {
                Level::Off => None,
                level => Some(level),
            },
        };
        note("fail_on", policy);
    }
    if let Some(consent) = &file.consent {
        if let Some(v) = &consent.stale_after_months {
            policy.consent.stale_after_months = months(origin, v, "stale_after_months")?;
            note("consent.stale_after_months", policy);
        }
        if let Some(v) = consent.engagement_refreshes {
            policy.consent.engagement_refreshes = v;
            note("consent.engagement_refreshes", policy);
        }
        if let Some(v) = &consent.confirm_window_days {
            policy.consent.confirm_window_days = whole(origin, v, "confirm_window_days")?;
            note("consent.confirm_window_days", policy);
        }
        if let Some(v) = &consent.indirect_max_age_months {
            policy.consent.indirect_max_age_months = months(origin, v, "indirect_max_age_months")?;
            note("consent.indirect_max_age_months", policy);
        }
        if let Some(v) = consent.implied_consent {
            policy.consent.implied_consent = v;
            note("consent.implied_consent", policy);
        }
        if let Some(v) = &consent.soft_opt_in {
            policy.consent.soft_opt_in = soft_opt_in(origin, v)?;
            note("consent.soft_opt_in", policy);
        }
        if let Some(v) = &consent.implied_relationship_months {
            policy.consent.implied_relationship_months =
                whole(origin, v, "implied_relationship_months")?;
            note("consent.implied_relationship_months", policy);
        }
        if let Some(v) = &consent.implied_inquiry_months {
            policy.consent.implied_inquiry_months = whole(origin, v, "implied_inquiry_months")?;
            note("consent.implied_inquiry_months", policy);
        }
    }
    if let Some(evidence) = &file.evidence {
        let mut changed = Vec::new();
        for (value, slot, key) in [
            (
                evidence.timestamp,
                &mut policy.evidence.timestamp,
                "evidence.timestamp",
            ),
            (
                evidence.how_or_where,
                &mut policy.evidence.how_or_where,
                "evidence.how_or_where",
            ),
            (
                evidence.notice_version,
                &mut policy.evidence.notice_version,
                "evidence.notice_version",
            ),
        ] {
            if let Some(value) = value {
                *slot = value;
                changed.push(key);
            }
        }
        for key in changed {
            note(key, policy);
        }
    }
    if let Some(withdrawal) = &file.withdrawal {
        if let Some(v) = &withdrawal.grace_days {
            policy.withdrawal.grace_days = whole(origin, v, "grace_days")?;
            note("withdrawal.grace_days", policy);
        }
        if let Some(v) = withdrawal.business_days {
            policy.withdrawal.business_days = v;
            note("withdrawal.business_days", policy);
        }
        if let Some(days) = &withdrawal.holidays {
            let mut holidays = Vec::new();
            for day in days {
                let date =
                    NaiveDate::parse_from_str(day.get_ref().trim(), "%Y-%m-%d").map_err(|_| {
                        origin
                            .error(
                                day.span(),
                                format!("holiday '{}' is not a date", day.get_ref()),
                            )
                            .with_hint("write dates as YYYY-MM-DD")
                    })?;
                holidays.push(date);
            }
            holidays.sort();
            holidays.dedup();
            policy.withdrawal.holidays = holidays;
            note("withdrawal.holidays", policy);
        }
    }
    if let Some(hygiene) = &file.hygiene {
        apply_hygiene(origin, hygiene, policy)?;
        for (key, set) in [
            ("hygiene.role_accounts", hygiene.role_accounts.is_some()),
            (
                "hygiene.personal_accounts",
                hygiene.personal_accounts.is_some(),
            ),
            (
                "hygiene.disposable_domains",
                hygiene.disposable_domains.is_some(),
            ),
            ("hygiene.allowed_domains", hygiene.allowed_domains.is_some()),
        ] {
            if set {
                note(key, policy);
            }
        }
    }
    // Rule levels first, so that `[sources]` can refine C007 per category.
    for (rule, level) in &file.rules {
        let meta = rules::find(rule.get_ref()).ok_or_else(|| {
            let suggestions = rules::suggest(rule.get_ref());
            let mut message = format!("unknown rule '{}' in [rules]", rule.get_ref());
            if let Some(best) = suggestions.first() {
                message.push_str(&format!("; did you mean '{best}'?"));
            }
            origin
                .error(rule.span(), message)
                .with_hint("run `listaudit rules` for the codes and names")
        })?;
        policy.set_level(meta.id, parse_level(origin, level)?);
        note(&format!("rules.{}", meta.code), policy);
    }
    if let Some(sources) = &file.sources {
        for (category, level) in sources.levels() {
            if let Some(level) = level {
                policy.set_source_level(category, parse_level(origin, level)?);
                note(&format!("sources.{}", category.key()), policy);
            }
        }
        for (key, phrases) in &sources.phrases {
            let class = vocabulary::source_classes()
                .find(|c| vocabulary::source_class_key(*c) == key.get_ref().trim())
                .ok_or_else(|| {
                    let keys: Vec<&str> = vocabulary::source_classes()
                        .map(vocabulary::source_class_key)
                        .collect();
                    unknown_key(origin, key, "source class", "[sources.phrases]", &keys)
                })?;
            for phrase in phrases {
                let phrase = taught(origin, phrase, "[sources.phrases]", false)?;
                policy.vocabulary.add_source(class, phrase);
            }
        }
    }
    if let Some(words) = &file.vocabulary {
        for word in words.all_purposes.iter().flatten() {
            let word = taught(origin, word, "[vocabulary] all_purposes", false)?;
            policy.vocabulary.add_all_purposes(word);
        }
        for (key, words) in &words.events {
            let kind = EventKind::named(key.get_ref().trim()).ok_or_else(|| {
                let keys: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                unknown_key(origin, key, "event kind", "[vocabulary.events]", &keys)
            })?;
            for word in words {
                let word = taught(origin, word, "[vocabulary.events]", true)?;
                policy.vocabulary.add_event(kind, word);
            }
        }
        for (key, words) in &words.statuses {
            let status = Status::named(key.get_ref().trim()).ok_or_else(|| {
                let keys: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
                unknown_key(origin, key, "status", "[vocabulary.statuses]", &keys)
            })?;
            for word in words {
                let word = taught(origin, word, "[vocabulary.statuses]", true)?;
                policy.vocabulary.add_status(status, word);
            }
        }
    }
    if let Some(audit) = audit {
        apply_audit(origin, audit, policy)?;
    }
    if let Some(report) = &file.report {
        for (key, value, slot) in [
            ("client", &report.client, &mut policy.credits.client),
            (
                "prepared_by",
                &report.prepared_by,
                &mut policy.credits.prepared_by,
            ),
        ] {
            if let Some(value) = value {
                *slot =
                    Some(credit(value.get_ref()).map_err(|why| {
                        origin.error(value.span(), format!("[report] {key}: {why}"))
                    })?);
            }
        }
    }
    for (key, text) in &file.basis {
        let known = PARAMETER_KEYS.contains(&key.get_ref().as_str())
            || key
                .get_ref()
                .strip_prefix("rules.")
                .is_some_and(|code| rules::find(code).is_some_and(|r| r.code == code))
            || key.get_ref().strip_prefix("sources.").is_some_and(|c| {
                SourceCategory::ALL
                    .iter()
                    .any(|category| category.key() == c)
            });
        if !known {
            let mut message = format!("unknown parameter '{}' in [basis]", key.get_ref());
            if let Some(best) = closest(key.get_ref(), PARAMETER_KEYS) {
                message.push_str(&format!("; did you mean '{best}'?"));
            }
            return Err(origin.error(key.span(), message).with_hint(
                "basis keys name a parameter (consent.stale_after_months), a rule (rules.C005) or a source (sources.contest)",
            ));
        }
        policy
            .basis
            .insert(key.get_ref().clone(), text.trim().to_string());
    }
    Ok(())
}

/// A name for the report's cover: one line of text, trimmed.
pub fn credit(value: &str) -> std::result::Result<String, &'static str> {
    let value = value.trim();
    if value.is_empty() {
        return Err("must not be empty");
    }
    if value.chars().any(char::is_control) {
        return Err("must be one line of text, without control characters");
    }
    if value.chars().count() > 200 {
        return Err("is longer than 200 characters");
    }
    Ok(value.to_string())
}

/// A key a file may set at the top level or in `[audit]`, but not both.
fn once<'v>(
    origin: &Origin<'_>,
    key: &str,
    top: Option<&'v Spanned<String>>,
    in_audit: Option<&'v Spanned<String>>,
) -> Result<Option<&'v Spanned<String>>> {
    match (top, in_audit) {
        (Some(_), Some(second)) => Err(origin
            .error(
                second.span(),
                format!("{key} is set twice: at the top and in [audit]"),
            )
            .with_hint(format!("keep one {key}; both mean the same"))),
        (top, in_audit) => Ok(top.or(in_audit)),
    }
}

/// `[audit]`'s inputs (relative to the file) and rule selection.
fn apply_audit(origin: &Origin<'_>, audit: &AuditSection, policy: &mut Policy) -> Result<()> {
    let paths = |entries: &[Spanned<String>], key: &str| -> Result<Vec<PathBuf>> {
        entries
            .iter()
            .map(|entry| {
                let text = entry.get_ref().trim();
                if text.is_empty() || text == "-" {
                    return Err(origin
                        .error(
                            entry.span(),
                            format!("[audit] {key}: '{text}' is not a file path"),
                        )
                        .with_hint(
                            "name files relative to this file; standard input only on the command line",
                        ));
                }
                Ok(match &origin.dir {
                    Some(dir) if Path::new(text).is_relative() => dir.join(text),
                    _ => PathBuf::from(text),
                })
            })
            .collect()
    };
    let basis = format!("set in {} [audit]", origin.name);
    if let Some(entries) = &audit.consent {
        policy.audit_inputs.consent = paths(entries, "consent")?;
        policy.basis.insert("audit.consent".into(), basis.clone());
    }
    if let Some(entries) = &audit.suppress {
        policy.audit_inputs.suppress = paths(entries, "suppress")?;
        policy.basis.insert("audit.suppress".into(), basis.clone());
    }
    let mut ops = Vec::new();
    for (entries, key, op) in [
        (
            &audit.select,
            "select",
            SelectionOp::Select as fn(String) -> SelectionOp,
        ),
        (&audit.ignore, "ignore", SelectionOp::Ignore),
    ] {
        for entry in entries.iter().flatten() {
            super::select::check_selector(entry.get_ref(), &format!("[audit] {key}")).map_err(
                |e| {
                    let error = origin.error(entry.span(), e.message());
                    match e.hint() {
                        Some(hint) => error.with_hint(hint.to_string()),
                        None => error,
                    }
                },
            )?;
            ops.push(op(entry.get_ref().clone()));
        }
    }
    // Like the command line's flags: select narrows first, then ignore.
    let described: Vec<String> = [("select", &audit.select), ("ignore", &audit.ignore)]
        .into_iter()
        .filter_map(|(key, entries)| {
            let entries = entries.as_ref()?;
            let words: Vec<&str> = entries.iter().map(|e| e.get_ref().as_str()).collect();
            Some(format!("{key} = {}", words.join(",")))
        })
        .collect();
    super::select::apply_recorded(policy, &ops, &format!("{basis}: {}", described.join("; ")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policy> {
        load(&Origin::file(Path::new("team.toml"), text), 0)
    }

    fn error(text: &str) -> (String, Option<String>) {
        let err = parse(text).expect_err("must be rejected");
        (err.to_string(), err.hint().map(str::to_string))
    }

    /// The keys a policy file sets, as `[basis]` names them.
    fn keys_set(text: &str) -> Vec<String> {
        let table: toml::Table = toml::from_str(text).unwrap();
        let mut keys = Vec::new();
        for (key, value) in &table {
            match (key.as_str(), value) {
                ("extends" | "name" | "summary" | "basis", _) => {}
                ("rules", toml::Value::Table(rules)) => keys.extend(
                    rules
                        .keys()
                        .map(|r| format!("rules.{}", rules::find(r).unwrap().code)),
                ),
                (section, toml::Value::Table(entries)) => keys.extend(
                    entries
                        .keys()
                        .filter(|k| *k != "phrases")
                        .map(|k| format!("{section}.{k}")),
                ),
                (key, _) => keys.push(key.to_string()),
            }
        }
        keys
    }

    #[test]
    fn every_parameter_a_preset_sets_has_its_basis_there() {
        for (name, text) in PRESETS {
            let own: toml::Table = toml::from_str::<toml::Table>(text).unwrap()["basis"]
                .as_table()
                .cloned()
                .unwrap_or_default();
            let set = keys_set(text);
            assert!(!set.is_empty(), "{name} sets nothing");
            for key in set {
                let basis = own.get(&key).and_then(toml::Value::as_str);
                assert!(
                    basis.is_some_and(|b| b.trim().len() > 10),
                    "preset {name} sets {key} without a basis"
                );
            }
        }
        // The default states the basis of every parameter, not only of
        // those it changes from the catalog.
        let eu = load_preset("eu-gdpr").unwrap();
        for key in PARAMETER_KEYS {
            assert!(
                eu.basis_of(key).is_some(),
                "eu-gdpr lacks a basis for {key}"
            );
        }
    }

    #[test]
    fn every_preset_loads() {
        for name in preset_names() {
            let policy = load_preset(name).unwrap();
            assert_eq!(policy.name, name);
            assert!(!policy.summary.is_empty(), "{name} has no summary");
        }
    }

    #[test]
    fn a_word_that_can_never_match_is_refused_where_it_stands() {
        let (message, hint) = error("[vocabulary.events]\nwithdraw = [\"Abmeldung\", \"--\"]\n");
        assert!(
            message.contains(
                "team.toml:2:26: the word '--' in [vocabulary.events] has no letters or digits"
            ),
            "{message}"
        );
        assert!(hint.unwrap().contains("give the letters"));
        let (message, _) = error("[sources.phrases]\ncontest = [\" \"]\n");
        assert!(
            message.contains("the word ' ' in [sources.phrases]"),
            "{message}"
        );
        // A scope word of symbols only matches a cell of those symbols.
        let policy = parse("[vocabulary]\nall_purposes = [\"**\"]\n").unwrap();
        assert_eq!(policy.vocabulary.added()[0].word, "**");
    }

    #[test]
    fn soft_opt_in_names_its_law_or_is_false() {
        let law = |text: &str| parse(text).map(|p| p.consent.soft_opt_in);
        assert_eq!(
            law("[consent]\nsoft_opt_in = \"PECR reg. 22(3)\"\n")
                .unwrap()
                .as_deref(),
            Some("PECR reg. 22(3)")
        );
        assert_eq!(law("[consent]\nsoft_opt_in = false\n").unwrap(), None);
        assert_eq!(
            law("[consent]\nsoft_opt_in = true\n").unwrap().as_deref(),
            Some("the existing-customer exemption")
        );
        let (message, hint) = error("[consent]\nsoft_opt_in = \" \"\n");
        assert!(
            message.contains("team.toml:2:15: soft_opt_in must name the law"),
            "{message}"
        );
        assert!(hint.unwrap().contains("\"PECR reg. 22(3)\""));
    }

    #[test]
    fn a_file_extends_a_preset_and_overrides_it() {
        let policy = parse(
            "extends = \"de-strict\"\n\
             list_purpose = \"weekly digest\"\n\
             [rules]\nstale-consent = \"warning\"\n\
             [consent]\nstale_after_months = \"never\"\n\
             [sources]\nbusiness-card = \"info\"\n\
             [sources.phrases]\ncontest = [\"Preisrätsel\"]\n\
             [basis]\n\"consent.stale_after_months\" = \"BGH III ZR 196/17\"\n",
        )
        .unwrap();
        assert_eq!(policy.chain, ["eu-gdpr", "de-strict", "team.toml"]);
        assert_eq!(policy.level(crate::rules::RuleId::C005), Level::Error);
        assert_eq!(policy.level(crate::rules::RuleId::C004), Level::Warning);
        assert_eq!(policy.consent.stale_after_months, None);
        assert_eq!(policy.list_purpose, "weekly digest");
        assert_eq!(
            policy.source_level(SourceCategory::BusinessCard),
            Level::Info
        );
        assert_eq!(
            policy.vocabulary.source("Preisrätsel Juni"),
            crate::consent::SourceClass::Invalid(SourceCategory::Contest)
        );
        assert_eq!(
            policy.basis_of("consent.stale_after_months"),
            Some("BGH III ZR 196/17")
        );
        assert_eq!(policy.basis_of("rules.C004"), Some("set in team.toml"));
    }

    #[test]
    fn unknown_keys_name_position_and_closest_key() {
        let (message, hint) = error("extends = \"eu-gdpr\"\n[consent]\nstale_after_month = 12\n");
        assert!(
            message.starts_with("team.toml:3:1: unknown key 'stale_after_month'"),
            "{message}"
        );
        assert!(
            message.contains("did you mean 'stale_after_months'"),
            "{message}"
        );
        assert!(hint.unwrap().contains("engagement_refreshes"));
        let (message, _) = error("extnds = \"eu-gdpr\"\n");
        assert!(message.contains("did you mean 'extends'"), "{message}");
    }

    #[test]
    fn bad_values_name_their_position() {
        let (message, _) = error("[consent]\nstale_after_months = -3\n");
        assert!(
            message.starts_with("team.toml:2:22: stale_after_months must not be negative"),
            "{message}"
        );
        let (message, _) = error("[withdrawal]\ngrace_days = -1\n");
        assert!(
            message.contains("2:14: grace_days must not be negative"),
            "{message}"
        );
        let (message, _) = error("[rules]\nC099 = \"error\"\n");
        assert!(
            message.starts_with("team.toml:2:1: unknown rule 'C099'"),
            "{message}"
        );
        let (message, _) = error("[rules]\nC004 = \"critical\"\n");
        assert!(
            message.contains("2:8: unknown level 'critical'"),
            "{message}"
        );
        let (message, _) = error("extends = \"de-stritc\"\n");
        assert!(
            message
                .contains("1:11: `extends`: unknown preset 'de-stritc'; did you mean 'de-strict'?"),
            "{message}"
        );
        let (message, _) = error("[consent]\nstale_after_months = \"soon\"\n");
        assert!(message.contains("2:22"), "{message}");
        let (message, _) = error("[basis]\n\"consent.stale\" = \"x\"\n");
        assert!(
            message.contains("unknown parameter 'consent.stale'"),
            "{message}"
        );
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let (message, _) = error("[consent\nstale_after_months = 3\n");
        assert!(message.starts_with("team.toml:1:"), "{message}");
        let (message, _) = error("[consent]\nengagement_refreshes = \"yes\"\n");
        assert!(message.starts_with("team.toml:2:24:"), "{message}");
    }

    #[test]
    fn unknown_presets_suggest_the_closest() {
        let err = load_policy("uk-pcer").unwrap_err();
        assert!(
            err.hint().unwrap().contains("did you mean 'uk-pecr'"),
            "{:?}",
            err.hint()
        );
        assert!(load_policy("US-CAN-SPAM").is_ok());
    }

    #[test]
    fn hygiene_lists_add_to_what_they_extend_in_matching_form() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("company.toml"),
            "[hygiene]\nrole_accounts = [\"Presse-Stelle\"]\nallowed_domains = [\"@Partner.example\"]\n",
        )
        .unwrap();
        let team = dir.path().join("team.toml");
        std::fs::write(
            &team,
            "extends = \"company.toml\"\n[hygiene]\nrole_accounts = [\"BÜRO\"]\n\
             allowed_domains = [\"*.bücher.de\"]\ndisposable_domains = [\"Wegwerf.example\"]\n",
        )
        .unwrap();
        let h = load_policy(team.to_str().unwrap()).unwrap().hygiene;
        let sorted = |set: &std::collections::HashSet<String>| {
            let mut v: Vec<String> = set.iter().cloned().collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&h.role_accounts), ["büro", "pressestelle"]);
        assert_eq!(
            sorted(&h.allowed_domains),
            ["partner.example", "xn--bcher-kva.de"]
        );
        assert_eq!(sorted(&h.disposable_domains), ["wegwerf.example"]);
        assert!(h.personal_accounts.is_empty());
    }

    #[test]
    fn files_extend_files_relative_to_themselves_and_loops_stop() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("base")).unwrap();
        std::fs::write(
            dir.path().join("base/company.toml"),
            "extends = \"uk-pecr\"\n[consent]\nstale_after_months = 12\n",
        )
        .unwrap();
        let team = dir.path().join("team.toml");
        std::fs::write(
            &team,
            "extends = \"base/company.toml\"\n[rules]\nC005 = \"off\"\n",
        )
        .unwrap();
        let policy = load_policy(team.to_str().unwrap()).unwrap();
        assert_eq!(policy.consent.stale_after_months, Some(12));
        assert_eq!(policy.consent.indirect_max_age_months, Some(6));
        assert_eq!(policy.level(crate::rules::RuleId::C005), Level::Off);
        assert_eq!(policy.chain.len(), 4, "{:?}", policy.chain);

        let looping = dir.path().join("loop.toml");
        std::fs::write(&looping, "extends = \"loop.toml\"\n").unwrap();
        let err = load_policy(looping.to_str().unwrap()).unwrap_err();
        assert!(err.to_string().contains("is there a loop?"), "{err}");
        let missing = dir.path().join("missing.toml");
        std::fs::write(&missing, "extends = \"nowhere.toml\"\n").unwrap();
        let err = load_policy(missing.to_str().unwrap()).unwrap_err();
        assert!(
            err.to_string().contains(":1:11: `extends`: cannot read"),
            "{err}"
        );
    }

    #[test]
    fn line_columns_count_characters() {
        assert_eq!(line_column("ab\ncä = 1", 6), (2, 3));
        assert_eq!(line_column("", 0), (1, 1));
    }
}
