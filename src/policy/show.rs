//! `policy show`: the effective policy as a TOML file that loads back to
//! the same policy, each parameter preceded by its basis. `policy init`:
//! a commented file to start from.

use std::fmt::Write as _;

use super::{Level, Policy, date_order_name};
use crate::consent::SourceCategory;
use crate::rules::RULES;
use crate::vocabulary::{Section, Vocabulary};

/// The file `policy init` writes.
pub const INIT_TEMPLATE: &str = include_str!("init.toml");

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    toml::Value::Array(items.iter().cloned().map(toml::Value::String).collect()).to_string()
}

fn months(value: Option<u32>) -> String {
    value.map_or_else(|| quoted("never"), |m| m.to_string())
}

/// Writes `key = value` after a comment line with the key's basis.
fn entry(out: &mut String, policy: &Policy, basis_key: &str, key: &str, value: String) {
    if let Some(basis) = policy.basis_of(basis_key) {
        for line in wrap(basis, 76) {
            let _ = writeln!(out, "# {line}");
        }
    }
    let _ = writeln!(out, "{key} = {value}");
}

/// Splits text into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The effective policy as TOML.
pub fn render_policy(policy: &Policy) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# The effective listaudit policy '{}' ({}).",
        policy.name,
        policy.chain.join(" > ")
    );
    if let Some(file) = &policy.file {
        let how = if policy.discovered {
            "found by looking from the working directory up to the repository root"
        } else {
            "named with --policy"
        };
        let _ = writeln!(out, "# Read from {} ({how}).", file.display());
    }
    let _ = writeln!(
        out,
        "# Save it and pass it to --policy to audit with exactly these values.\n"
    );
    let _ = writeln!(out, "name = {}", quoted(&policy.name));
    let _ = writeln!(out, "summary = {}\n", quoted(&policy.summary));

    entry(
        &mut out,
        policy,
        "list_purpose",
        "list_purpose",
        quoted(&policy.list_purpose),
    );
    if let Some(basis) = policy.basis_of("purpose_synonyms") {
        for line in wrap(basis, 76) {
            let _ = writeln!(out, "# {line}");
        }
    }
    let builtin: Vec<String> = policy
        .purpose_synonyms()
        .into_iter()
        .filter(|s| !policy.extra_synonyms.contains(s))
        .collect();
    if !builtin.is_empty() {
        let text = format!(
            "Built in for '{}', besides those listed here: {}.",
            policy.list_purpose,
            builtin.join(", ")
        );
        for line in wrap(&text, 76) {
            let _ = writeln!(out, "# {line}");
        }
    }
    let _ = writeln!(out, "purpose_synonyms = {}", list(&policy.extra_synonyms));
    entry(
        &mut out,
        policy,
        "date_order",
        "date_order",
        quoted(date_order_name(policy.date_order)),
    );
    entry(
        &mut out,
        policy,
        "fail_on",
        "fail_on",
        quoted(policy.fail_on.map_or("never", Level::as_str)),
    );

    out.push_str("\n[rules]\n");
    for rule in &RULES {
        let key = format!("rules.{}", rule.code);
        if let Some(basis) = policy.basis_of(&key) {
            for line in wrap(basis, 76) {
                let _ = writeln!(out, "# {line}");
            }
        }
        let _ = writeln!(
            out,
            "{} = {} # {}",
            rule.code,
            quoted(policy.level(rule.id).as_str()),
            rule.name
        );
    }

    let c = &policy.consent;
    out.push_str("\n[consent]\n");
    let consent_entries = [
        ("stale_after_months", months(c.stale_after_months)),
        ("engagement_refreshes", c.engagement_refreshes.to_string()),
        ("confirm_window_days", c.confirm_window_days.to_string()),
        ("indirect_max_age_months", months(c.indirect_max_age_months)),
        ("implied_consent", c.implied_consent.to_string()),
        (
            "soft_opt_in",
            c.soft_opt_in.as_deref().map_or("false".to_string(), quoted),
        ),
        (
            "implied_relationship_months",
            c.implied_relationship_months.to_string(),
        ),
        (
            "implied_inquiry_months",
            c.implied_inquiry_months.to_string(),
        ),
    ];
    for (key, value) in consent_entries {
        entry(&mut out, policy, &format!("consent.{key}"), key, value);
    }

    let e = &policy.evidence;
    out.push_str("\n[evidence]\n");
    for (key, value) in [
        ("timestamp", e.timestamp),
        ("how_or_where", e.how_or_where),
        ("notice_version", e.notice_version),
    ] {
        entry(
            &mut out,
            policy,
            &format!("evidence.{key}"),
            key,
            value.to_string(),
        );
    }

    let w = &policy.withdrawal;
    out.push_str("\n[withdrawal]\n");
    let holidays: Vec<String> = w.holidays.iter().map(|d| d.to_string()).collect();
    for (key, value) in [
        ("grace_days", w.grace_days.to_string()),
        ("business_days", w.business_days.to_string()),
        ("holidays", list(&holidays)),
    ] {
        entry(&mut out, policy, &format!("withdrawal.{key}"), key, value);
    }

    out.push_str("\n[sources]\n");
    for category in SourceCategory::ALL {
        entry(
            &mut out,
            policy,
            &format!("sources.{}", category.key()),
            category.key(),
            quoted(policy.source_level(category).as_str()),
        );
    }
    let added = |section: Section| added_words(&policy.vocabulary, section);
    let phrases = added(Section::Sources);
    if !phrases.is_empty() {
        out.push_str("\n[sources.phrases]\n");
        for (class, words) in &phrases {
            let _ = writeln!(out, "{class} = {}", list(words));
        }
    }

    let scope = added(Section::AllPurposes);
    let events = added(Section::Events);
    let statuses = added(Section::Statuses);
    if !(scope.is_empty() && events.is_empty() && statuses.is_empty()) {
        out.push_str("\n[vocabulary]\n");
        for (_, words) in &scope {
            let _ = writeln!(out, "all_purposes = {}", list(words));
        }
        for (table, entries) in [("events", &events), ("statuses", &statuses)] {
            if !entries.is_empty() {
                let _ = writeln!(out, "\n[vocabulary.{table}]");
                for (key, words) in entries {
                    let _ = writeln!(out, "{key} = {}", list(words));
                }
            }
        }
    }

    let h = &policy.hygiene;
    out.push_str("\n[hygiene]\n");
    for (key, set) in [
        ("role_accounts", &h.role_accounts),
        ("personal_accounts", &h.personal_accounts),
        ("disposable_domains", &h.disposable_domains),
        ("allowed_domains", &h.allowed_domains),
    ] {
        let mut values: Vec<String> = set.iter().cloned().collect();
        values.sort();
        entry(
            &mut out,
            policy,
            &format!("hygiene.{key}"),
            key,
            list(&values),
        );
    }
    let inputs = &policy.audit_inputs;
    if !inputs.consent.is_empty() || !inputs.suppress.is_empty() {
        out.push_str("\n[audit]\n");
        out.push_str("# Paths relative to the directory this policy was shown in.\n");
        for (key, paths) in [("consent", &inputs.consent), ("suppress", &inputs.suppress)] {
            if !paths.is_empty() {
                let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                entry(&mut out, policy, &format!("audit.{key}"), key, list(&paths));
            }
        }
    }
    let credits = &policy.credits;
    if !credits.is_empty() {
        out.push_str("\n[report]\n");
        for (key, value) in [
            ("client", &credits.client),
            ("prepared_by", &credits.prepared_by),
        ] {
            if let Some(value) = value {
                out.push_str(&format!("{key} = {}\n", quoted(value)));
            }
        }
    }
    out
}

/// The words a policy added to one section, grouped by key in the order
/// the keys were first added.
fn added_words(vocabulary: &Vocabulary, section: Section) -> Vec<(String, Vec<String>)> {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for addition in vocabulary.added().iter().filter(|a| a.section == section) {
        match grouped.iter_mut().find(|(key, _)| *key == addition.key) {
            Some((_, words)) => words.push(addition.word.clone()),
            None => grouped.push((addition.key.clone(), vec![addition.word.clone()])),
        }
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::super::file::{load_policy, preset_names};
    use super::*;

    #[test]
    fn shown_policies_load_back_to_the_same_levels_and_parameters() {
        let dir = tempfile::tempdir().unwrap();
        for name in preset_names() {
            let policy = Policy::preset(name).unwrap();
            let path = dir.path().join(format!("{name}.toml"));
            std::fs::write(&path, render_policy(&policy)).unwrap();
            let loaded = load_policy(path.to_str().unwrap()).unwrap();
            for rule in &RULES {
                assert_eq!(
                    loaded.level(rule.id),
                    policy.level(rule.id),
                    "{name} {}",
                    rule.code
                );
            }
            for category in SourceCategory::ALL {
                assert_eq!(loaded.source_level(category), policy.source_level(category));
            }
            assert_eq!(loaded.consent, policy.consent, "{name}");
            assert_eq!(loaded.evidence, policy.evidence, "{name}");
            assert_eq!(loaded.withdrawal, policy.withdrawal, "{name}");
            assert_eq!(loaded.list_purpose, policy.list_purpose);
            assert_eq!(loaded.date_order, policy.date_order);
            assert_eq!(loaded.fail_on, policy.fail_on);
            assert_eq!(loaded.hygiene, policy.hygiene, "{name}");
        }
    }

    /// The presets list nothing under `[hygiene]`, so the loop above
    /// cannot show that lists survive `policy show`; this policy does.
    #[test]
    fn shown_hygiene_lists_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut policy = Policy::preset("eu-gdpr").unwrap();
        policy.hygiene.role_accounts.insert("pressestelle".into());
        policy.hygiene.personal_accounts.insert("team".into());
        policy
            .hygiene
            .disposable_domains
            .insert("wegwerf.example".into());
        policy
            .hygiene
            .allowed_domains
            .insert("xn--bcher-kva.de".into());
        let path = dir.path().join("shown.toml");
        std::fs::write(&path, render_policy(&policy)).unwrap();
        let loaded = load_policy(path.to_str().unwrap()).unwrap();
        assert_eq!(loaded.hygiene, policy.hygiene);
    }

    #[test]
    fn the_init_template_loads_as_eu_gdpr() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, INIT_TEMPLATE).unwrap();
        let loaded = load_policy(path.to_str().unwrap()).unwrap();
        let eu = Policy::preset("eu-gdpr").unwrap();
        for rule in &RULES {
            assert_eq!(loaded.level(rule.id), eu.level(rule.id));
        }
        assert_eq!(loaded.consent, eu.consent);
    }

    #[test]
    fn basis_comments_precede_their_keys() {
        let text = render_policy(&Policy::preset("de-strict").unwrap());
        let at = text.find("grace_days = 0").unwrap();
        let comment: Vec<&str> = text[..at]
            .lines()
            .rev()
            .take_while(|l| l.starts_with('#'))
            .collect();
        assert!(
            comment
                .iter()
                .any(|l| l.contains("LG Paderborn 2 O 325/23")),
            "{comment:?}"
        );
    }

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
    }
}
