//! `listaudit lookup`: every record about a person, in every file (GDPR
//! Art. 15, the right of access).

use rayon::prelude::*;
use serde_json::Value;

use super::history::{HistoryEvent, consent_history};
use super::scan::{InputDigest, Piece, Scanned, scan};
use super::targets::{Accept, Origin, SkippedEntry, Targets};
use crate::error::{Error, Result};
use crate::input::InputSource;
use crate::inspect::is_consent_log;
use crate::policy::Policy;
use crate::settings::ReadingSettings;

/// Who to look up, and where.
pub struct LookupSettings {
    /// The EMAIL argument, when no `--addresses` list is given.
    pub email: Option<String>,
    pub address_lists: Vec<InputSource>,
    pub files: Vec<InputSource>,
    pub reading: ReadingSettings,
    pub policy: Policy,
}

/// A row that names a person.
#[derive(Clone, Debug)]
pub struct Match {
    pub target: usize,
    pub file: String,
    pub row: u64,
    pub line: u64,
    /// The first column naming the person (a JSON path for JSON rows).
    pub column: String,
    /// The whole row: column name to value, or the JSON object.
    pub fields: Value,
}

pub struct LookupOutcome {
    pub targets: Targets,
    pub skipped: Vec<SkippedEntry>,
    /// In file order, then row order.
    pub matches: Vec<Match>,
    pub history: Vec<HistoryEvent>,
    pub files: Vec<(String, Scanned)>,
}

impl LookupOutcome {
    /// How many people were found in no file.
    pub fn not_found(&self) -> usize {
        (0..self.targets.len())
            .filter(|i| !self.matches.iter().any(|m| m.target == *i))
            .count()
    }
}

pub fn lookup(settings: &LookupSettings) -> Result<LookupOutcome> {
    let mut targets = Targets::default();
    let mut skipped = Vec::new();
    if let Some(email) = &settings.email
        && targets.add_address(email, Origin::Argument).is_none()
    {
        return Err(Error::usage(format!("'{email}' is not an email address"))
            .with_hint("give the address first, then the files: listaudit lookup anna@example.org export.csv"));
    }
    for list in &settings.address_lists {
        skipped.extend(targets.read_list(list, Accept::Addresses)?);
    }
    if targets.is_empty() {
        return Err(
            Error::usage("no address to look up: the address list holds none")
                .with_hint("write one address per line"),
        );
    }
    let scanned: Vec<Result<(Scanned, Vec<Match>, bool)>> = settings
        .files
        .par_iter()
        .map(|source| scan_one(source, &targets))
        .collect();
    let mut matches = Vec::new();
    let mut files = Vec::new();
    let mut logs = Vec::new();
    for (source, result) in settings.files.iter().zip(scanned) {
        let (shape, found, is_log) = result?;
        matches.extend(found);
        files.push((source.display(), shape));
        if is_log {
            logs.push(source.clone());
        }
    }
    let history = consent_history(&logs, &targets, &settings.reading, &settings.policy)?;
    Ok(LookupOutcome {
        targets,
        skipped,
        matches,
        history,
        files,
    })
}

fn scan_one(source: &InputSource, targets: &Targets) -> Result<(Scanned, Vec<Match>, bool)> {
    let file = source.display();
    let mut found = Vec::new();
    let scanned = scan(
        source,
        InputDigest::Skip,
        |row| {
            let named = targets.in_row(row);
            (!named.is_empty()).then(|| (named, row.cells.to_json()))
        },
        |piece| {
            if let Piece::Row {
                row,
                line,
                decided: Some((named, fields)),
                ..
            } = piece
            {
                for (target, column) in named {
                    found.push(Match {
                        target,
                        file: file.clone(),
                        row,
                        line,
                        column,
                        fields: fields.clone(),
                    });
                }
            }
            Ok(())
        },
    )?;
    // Only files that hold the person are read again for their timeline.
    let is_log = !found.is_empty() && is_consent_log(source)?;
    Ok((scanned, found, is_log))
}
