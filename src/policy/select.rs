//! `--select`, `--ignore` and `--level`, applied in the order they were
//! given on the command line: the later flag wins.

use super::{Level, Policy};
use crate::error::{Error, Result};
use crate::rules::{self, RULES, RuleId};
use crate::text::sanitize_for_terminal;

/// One selection flag as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectionOp {
    /// `--select CODES`: only these rules (the first `--select`), then also
    /// these.
    Select(String),
    /// `--ignore CODES`: not these rules.
    Ignore(String),
    /// `--level CODE=LEVEL`.
    SetLevel(String),
}

/// The selection flags of one run, in command-line order.
pub type Selection = Vec<SelectionOp>;

/// The rules a selector names: a code (`C004`), a name (`stale-consent`),
/// a code prefix (`H`, `C00`) or `ALL`. Lists are comma-separated.
fn resolve(selector: &str, flag: &str) -> Result<Vec<RuleId>> {
    let mut rules = Vec::new();
    for part in selector.split(',').map(str::trim) {
        if part.is_empty() {
            continue;
        }
        if part.eq_ignore_ascii_case("all") {
            rules.extend(RULES.iter().map(|r| r.id));
            continue;
        }
        if let Some(rule) = rules::find(part) {
            rules.push(rule.id);
            continue;
        }
        let prefix: Vec<RuleId> = RULES
            .iter()
            .filter(|r| {
                part.len() < r.code.len()
                    && r.code
                        .get(..part.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(part))
            })
            .map(|r| r.id)
            .collect();
        if prefix.is_empty() {
            let suggestions = rules::suggest(part);
            let mut error = Error::usage(format!(
                "{flag}: unknown rule '{}'",
                sanitize_for_terminal(part)
            ));
            error = match suggestions.first() {
                Some(best) => error.with_hint(format!(
                    "did you mean '{best}'? rules are named by code (C004), name (stale-consent) or prefix (H); run `listaudit rules`"
                )),
                None => error.with_hint(
                    "rules are named by code (C004), name (stale-consent) or prefix (H); run `listaudit rules`",
                ),
            };
            return Err(error);
        }
        rules.extend(prefix);
    }
    if rules.is_empty() {
        return Err(Error::usage(format!("{flag} names no rule")));
    }
    Ok(rules)
}

/// Applies the flags to `policy`, in order, and records in its basis which
/// levels the command line changed, so that a report shows them.
pub fn apply_selection(policy: &mut Policy, selection: &[SelectionOp]) -> Result<()> {
    let flags: Vec<String> = selection.iter().map(SelectionOp::as_flag).collect();
    let changed = apply_recorded(
        policy,
        selection,
        &format!("set on the command line: {}", flags.join(" ")),
    )?;
    if changed {
        policy.chain.push("command line".to_string());
    }
    Ok(())
}

/// Applies `selection` and records `basis` for every level it changed;
/// says whether any changed.
pub(crate) fn apply_recorded(
    policy: &mut Policy,
    selection: &[SelectionOp],
    basis: &str,
) -> Result<bool> {
    let before: Vec<Level> = RULES.iter().map(|r| policy.level(r.id)).collect();
    apply_in_order(policy, selection)?;
    let mut changed = false;
    for (rule, old) in RULES.iter().zip(before) {
        if policy.level(rule.id) != old {
            changed = true;
            policy
                .basis
                .insert(format!("rules.{}", rule.code), basis.to_string());
        }
    }
    Ok(changed)
}

/// Checks that `selector` names at least one rule; `what` names where it
/// was written, for the message.
pub(crate) fn check_selector(selector: &str, what: &str) -> Result<()> {
    resolve(selector, what).map(drop)
}

impl SelectionOp {
    fn as_flag(&self) -> String {
        match self {
            SelectionOp::Select(v) => format!("--select {v}"),
            SelectionOp::Ignore(v) => format!("--ignore {v}"),
            SelectionOp::SetLevel(v) => format!("--level {v}"),
        }
    }
}

fn apply_in_order(policy: &mut Policy, selection: &[SelectionOp]) -> Result<()> {
    let catalog = |rule: RuleId| rule.meta().default_level;
    let mut selected_once = false;
    for op in selection {
        match op {
            SelectionOp::Select(selector) => {
                let chosen = resolve(selector, "--select")?;
                if !selected_once {
                    // The first --select narrows the run to what it names.
                    for rule in &RULES {
                        if !chosen.contains(&rule.id) {
                            policy.set_level(rule.id, Level::Off);
                        }
                    }
                    selected_once = true;
                }
                for rule in chosen {
                    // A rule the policy switched off runs at its catalog level.
                    if !policy.enabled(rule) {
                        policy.set_level(rule, catalog(rule));
                    }
                }
            }
            SelectionOp::Ignore(selector) => {
                for rule in resolve(selector, "--ignore")? {
                    policy.set_level(rule, Level::Off);
                }
            }
            SelectionOp::SetLevel(assignment) => {
                let (selector, level) = assignment.split_once('=').ok_or_else(|| {
                    Error::usage(format!(
                        "invalid --level '{}'",
                        sanitize_for_terminal(assignment)
                    ))
                    .with_hint("write CODE=LEVEL, e.g. --level C005=error")
                })?;
                let level = Level::parse(level).ok_or_else(|| {
                    Error::usage(format!(
                        "--level {}: unknown level '{}'",
                        sanitize_for_terminal(assignment),
                        sanitize_for_terminal(level.trim())
                    ))
                    .with_hint("levels: error, warning, info, off")
                })?;
                for rule in resolve(selector, "--level")? {
                    policy.set_level(rule, level);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eu() -> Policy {
        Policy::preset("eu-gdpr").unwrap()
    }

    fn run(ops: &[SelectionOp]) -> Result<Policy> {
        let mut policy = eu();
        apply_selection(&mut policy, ops)?;
        Ok(policy)
    }

    use SelectionOp::*;

    #[test]
    fn select_narrows_then_adds() {
        let p = run(&[Select("C001,H".into()), Select("R001".into())]).unwrap();
        let enabled: Vec<&str> = RULES
            .iter()
            .filter(|r| p.enabled(r.id))
            .map(|r| r.code)
            .collect();
        assert_eq!(
            enabled,
            [
                "C001", "R001", "H001", "H002", "H003", "H004", "H005", "H006", "H007", "H008",
                "H009"
            ]
        );
    }

    #[test]
    fn the_command_line_is_recorded_as_the_basis_of_what_it_changed() {
        let p = run(&[SetLevel("C005=error".into()), SetLevel("C004=error".into())]).unwrap();
        assert_eq!(
            p.basis_of("rules.C005"),
            Some("set on the command line: --level C005=error --level C004=error")
        );
        assert_ne!(
            p.basis_of("rules.C004").map(|b| b.starts_with("set on")),
            Some(true),
            "C004 was error already"
        );
        assert_eq!(p.chain, ["eu-gdpr", "command line"]);
        assert_eq!(run(&[]).unwrap().chain, ["eu-gdpr"]);
    }

    #[test]
    fn later_flags_win() {
        let p = run(&[
            Ignore("C005".into()),
            SetLevel("no-double-opt-in=error".into()),
        ])
        .unwrap();
        assert_eq!(p.level(RuleId::C005), Level::Error);
        let p = run(&[SetLevel("C005=error".into()), Ignore("c005".into())]).unwrap();
        assert_eq!(p.level(RuleId::C005), Level::Off);
    }

    #[test]
    fn selecting_a_rule_the_policy_disabled_runs_it_at_its_catalog_level() {
        let mut policy = Policy::preset("us-can-spam").unwrap();
        apply_selection(&mut policy, &[Select("C004".into())]).unwrap();
        assert_eq!(policy.level(RuleId::C004), Level::Error);
    }

    #[test]
    fn unknown_selectors_are_usage_errors_with_the_closest_name() {
        let err = run(&[Ignore("C0004".into())]).unwrap_err();
        assert_eq!(err.to_string(), "--ignore: unknown rule 'C0004'");
        assert!(err.hint().unwrap().contains("did you mean 'C004'"));
        let err = run(&[SetLevel("C004=loud".into())]).unwrap_err();
        assert!(err.to_string().contains("unknown level 'loud'"));
        assert!(run(&[SetLevel("C004".into())]).is_err());
        assert!(run(&[Select(" , ".into())]).is_err());
    }
}
