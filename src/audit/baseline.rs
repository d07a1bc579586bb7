//! Baselines: the findings a team has looked at and accepted, so that CI
//! fails only on new ones. A finding is keyed by its rule, the name of its
//! file (without directories, so that a baseline survives running from
//! another directory) and the SHA-256 of its normalized address; never the
//! address itself. Each key has a count: a second finding with the same
//! key (another duplicate row) is new.
//!
//! A baseline changes what a run reports as new, never what it keeps or
//! removes: the law does not care what a team accepted.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{AuditOutcome, Baselined, Finding};
use crate::error::{Error, Result, describe_io};
use crate::policy::Level;
use crate::rules::{self, RULES, RuleId};

/// The `format` of a baseline file.
pub const BASELINE_FORMAT: &str = "listaudit.baseline/1";

/// One key of a finding: rule, file name, address hash.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    rule: RuleId,
    /// Index into [`Baseline::files`].
    file: u32,
    /// `None` for a finding on a row without an address.
    address: Option<[u8; 32]>,
}

/// A baseline file, read and checked.
#[derive(Clone, Debug)]
pub struct Baseline {
    /// The file as the user named it.
    pub path: String,
    files: Vec<String>,
    /// Each key's slot in `counts`: a run takes a copy of the counts to
    /// use up (four bytes a key), not of the map.
    slots: HashMap<Key, u32>,
    counts: Vec<u32>,
}

/// How a baseline was used in a run, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaselineUse {
    /// The file as the user named it.
    pub path: String,
    /// Whether this run wrote it (`--write-baseline`) rather than read it.
    pub written: bool,
    /// Findings the file accepts.
    pub entries: u64,
    /// Findings of this run it accepted.
    pub accepted: u64,
    /// Accepted findings this run no longer has: fixed, or their row is
    /// gone.
    pub unmatched: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDocument<'a> {
    #[serde(borrow)]
    format: Cow<'a, str>,
    #[serde(borrow)]
    findings: Vec<FileEntry<'a>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry<'a> {
    #[serde(borrow)]
    rule: Cow<'a, str>,
    #[serde(borrow)]
    file: Cow<'a, str>,
    #[serde(borrow)]
    address_sha256: Option<Cow<'a, str>>,
    count: u32,
}

/// The name a baseline knows an input by: its last path component.
fn file_key(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn address_hash(finding: &Finding) -> Option<[u8; 32]> {
    (!finding.email.is_empty()).then(|| Sha256::digest(finding.email.as_bytes()).into())
}

impl Baseline {
    /// Reads the baseline at `path`; every problem is an input error that
    /// names the file and the entry.
    pub fn load(path: &Path) -> Result<Baseline> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            Error::input(
                &name,
                format!("cannot read the baseline: {}", describe_io(&e)),
            )
            .with_hint("write one with --write-baseline FILE")
        })?;
        Baseline::parse(&name, &bytes)
    }

    pub fn parse(name: &str, bytes: &[u8]) -> Result<Baseline> {
        let hint = "write it anew with --write-baseline FILE";
        let document: FileDocument<'_> = serde_json::from_slice(bytes).map_err(|e| {
            Error::input(name, format!("not a listaudit baseline: {e}")).with_hint(hint)
        })?;
        if document.format != BASELINE_FORMAT {
            return Err(Error::input(
                name,
                format!(
                    "baseline format '{}' is not {BASELINE_FORMAT}",
                    document.format
                ),
            )
            .with_hint(hint));
        }
        let mut baseline = Baseline {
            path: name.to_string(),
            files: Vec::new(),
            slots: HashMap::with_capacity(document.findings.len()),
            counts: Vec::with_capacity(document.findings.len()),
        };
        let mut file_ids: HashMap<&str, u32> = HashMap::new();
        for (index, entry) in document.findings.iter().enumerate() {
            let at = |message: String| {
                Error::input(name, format!("finding {}: {message}", index + 1)).with_hint(hint)
            };
            let rule = rules::find(&entry.rule)
                .filter(|r| r.code == entry.rule)
                .ok_or_else(|| at(format!("unknown rule code '{}'", entry.rule)))?
                .id;
            let address = match &entry.address_sha256 {
                None => None,
                Some(text) => {
                    let mut digest = [0u8; 32];
                    hex::decode_to_slice(text.as_bytes(), &mut digest).map_err(|_| {
                        at(format!(
                            "address_sha256 '{text}' is not 64 hexadecimal digits"
                        ))
                    })?;
                    Some(digest)
                }
            };
            if entry.count == 0 {
                return Err(at(
                    "count is 0; an entry accepts at least one finding".into()
                ));
            }
            if entry.file.is_empty() || file_key(&entry.file) != entry.file {
                return Err(at(format!(
                    "file '{}' is not a file name (without directories)",
                    entry.file
                )));
            }
            let next = baseline.files.len() as u32;
            let file = *file_ids.entry(&entry.file).or_insert_with(|| {
                baseline.files.push(entry.file.to_string());
                next
            });
            let key = Key {
                rule,
                file,
                address,
            };
            let slot = baseline.counts.len() as u32;
            if baseline.slots.insert(key, slot).is_some() {
                return Err(at(
                    "the same rule, file and address as an earlier entry".into()
                ));
            }
            baseline.counts.push(entry.count);
        }
        Ok(baseline)
    }

    /// Findings the file accepts, counting each key's count.
    pub fn entries(&self) -> u64 {
        self.counts.iter().map(|&n| u64::from(n)).sum()
    }
}

/// Marks the findings of `outcome` that `baseline` accepts, in report
/// order (the first `count` findings of a key), and counts them.
pub fn apply(outcome: &mut AuditOutcome, baseline: &Baseline) -> io::Result<()> {
    let file_ids: Vec<Option<u32>> = outcome
        .inputs
        .iter()
        .map(|input| {
            let name = file_key(&input.path);
            baseline
                .files
                .iter()
                .position(|f| f == name)
                .map(|i| i as u32)
        })
        .collect();
    let mut remaining = baseline.counts.clone();
    let mut counted = Counter::default();
    outcome.findings.mark_baselined(|finding| {
        let Some(file) = file_ids[finding.input as usize] else {
            return false;
        };
        let key = Key {
            rule: finding.rule,
            file,
            address: address_hash(finding),
        };
        let slot = baseline.slots.get(&key).map(|&slot| slot as usize);
        match slot.map(|slot| &mut remaining[slot]) {
            Some(left) if *left > 0 => {
                *left -= 1;
                counted.add(finding);
                true
            }
            _ => false,
        }
    })?;
    let entries = baseline.entries();
    outcome.summary.baselined = Some(counted.baselined);
    outcome.baseline = Some(BaselineUse {
        path: baseline.path.clone(),
        written: false,
        entries,
        accepted: counted.total,
        unmatched: entries - counted.total,
    });
    Ok(())
}

/// Marks every finding of `outcome` as accepted by the baseline this run
/// writes to `path`, and returns that baseline's content.
pub fn accept_all(outcome: &mut AuditOutcome, path: &str) -> io::Result<Vec<u8>> {
    let names: Vec<&str> = outcome.inputs.iter().map(|i| file_key(&i.path)).collect();
    let mut keys: BTreeMap<(&str, &'static str, Option<[u8; 32]>), u32> = BTreeMap::new();
    let mut counted = Counter::default();
    outcome.findings.mark_baselined(|finding| {
        *keys
            .entry((
                names[finding.input as usize],
                finding.rule.code(),
                address_hash(finding),
            ))
            .or_default() += 1;
        counted.add(finding);
        true
    })?;
    let mut out = Vec::with_capacity(keys.len() * 140 + 64);
    // One entry a line, so that a baseline under version control changes
    // by the lines of the findings that changed.
    writeln!(out, "{{\"format\":\"{BASELINE_FORMAT}\",\"findings\":[")?;
    let total = keys.len();
    for (i, ((file, rule, address), count)) in keys.into_iter().enumerate() {
        let address = address.map(hex::encode);
        let entry = FileEntry {
            rule: Cow::Borrowed(rule),
            file: Cow::Borrowed(file),
            address_sha256: address.as_deref().map(Cow::Borrowed),
            count,
        };
        serde_json::to_writer(&mut out, &entry)?;
        out.extend_from_slice(if i + 1 < total { b",\n" } else { b"\n" });
    }
    out.extend_from_slice(b"]}\n");
    outcome.summary.baselined = Some(counted.baselined);
    outcome.baseline = Some(BaselineUse {
        path: path.to_string(),
        written: true,
        entries: counted.total,
        accepted: counted.total,
        unmatched: 0,
    });
    Ok(out)
}

#[derive(Default)]
struct Counter {
    baselined: Baselined,
    total: u64,
}

impl Counter {
    fn add(&mut self, finding: &Finding) {
        if self.baselined.by_rule.is_empty() {
            self.baselined.by_rule = vec![0; RULES.len()];
        }
        self.baselined.by_rule[finding.rule.index()] += 1;
        match finding.level {
            Level::Error => self.baselined.errors += 1,
            Level::Warning => self.baselined.warnings += 1,
            Level::Info | Level::Off => self.baselined.infos += 1,
        }
        self.total += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        Baseline::parse("b.json", text.as_bytes())
            .unwrap_err()
            .to_string()
    }

    const HASH: &str = "0000000000000000000000000000000000000000000000000000000000000001";

    #[test]
    fn entries_are_checked_and_named_by_position() {
        let entry = |rule: &str, file: &str, hash: &str, count: u32| {
            format!(
                "{{\"format\":\"{BASELINE_FORMAT}\",\"findings\":[\
                 {{\"rule\":\"C001\",\"file\":\"a.csv\",\"address_sha256\":null,\"count\":1}},\
                 {{\"rule\":\"{rule}\",\"file\":\"{file}\",\"address_sha256\":\"{hash}\",\"count\":{count}}}]}}"
            )
        };
        let ok = Baseline::parse("b.json", entry("H002", "a.csv", HASH, 2).as_bytes()).unwrap();
        assert_eq!(ok.entries(), 3);
        assert_eq!(ok.files, ["a.csv"]);
        for (text, expected) in [
            (
                entry("C099", "a.csv", HASH, 1),
                "finding 2: unknown rule code 'C099'",
            ),
            (
                entry("stale-consent", "a.csv", HASH, 1),
                "finding 2: unknown rule code 'stale-consent'",
            ),
            (
                entry("C001", "a.csv", "abc", 1),
                "finding 2: address_sha256 'abc' is not 64 hexadecimal digits",
            ),
            (entry("C001", "a.csv", HASH, 0), "finding 2: count is 0"),
            (
                entry("C001", "lists/a.csv", HASH, 1),
                "finding 2: file 'lists/a.csv' is not a file name",
            ),
            (
                entry("C001", "a.csv", "", 1).replace(&format!("\"{}\"", ""), "null"),
                "finding 2: the same rule, file and address as an earlier entry",
            ),
            (
                "{\"format\":\"listaudit.baseline/9\",\"findings\":[]}".to_string(),
                "baseline format 'listaudit.baseline/9' is not listaudit.baseline/1",
            ),
            (
                "[1, 2]".to_string(),
                "not a listaudit baseline: invalid type: integer `1`, expected a string at line 1 column 2",
            ),
        ] {
            let message = error(&text);
            assert!(message.starts_with("b.json: "), "{message}");
            assert!(message.contains(expected), "{text}\n{message}");
        }
    }

    #[test]
    fn files_are_known_by_their_name_alone() {
        assert_eq!(file_key("lists/2026/export.csv"), "export.csv");
        assert_eq!(file_key("C:\\lists\\export.csv"), "export.csv");
        assert_eq!(file_key("export.csv"), "export.csv");
        assert_eq!(file_key("<stdin>"), "<stdin>");
    }
}
