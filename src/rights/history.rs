//! What consent logs say about people: the timeline `lookup` hands to the
//! person, and the erasure requests `erase` must carry out.

use std::collections::{HashMap, HashSet};

use indicatif::ProgressBar;

use super::targets::{Origin, Targets};
use crate::consent::{Assessment, EventKind, EventRef, Ledger, Location, Symbol, Timestamp};
use crate::error::Result;
use crate::input::{ConsentLog, ParseContext, ParsedRow};
use crate::policy::Policy;
use crate::settings::ReadingSettings;

/// One consent-log event about a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEvent {
    /// Index of the person in the targets.
    pub target: usize,
    pub event: EventKind,
    pub timestamp: Option<Timestamp>,
    pub purpose: String,
    pub source: String,
    pub file: String,
    pub row: u64,
}

/// Calls `each` with every parsed row of every log, with the log's index
/// and name.
fn each_row(
    logs: &[crate::input::InputSource],
    reading: &ReadingSettings,
    policy: &Policy,
    mut each: impl FnMut(usize, &str, &ParsedRow<'_>) + Send,
) -> Result<()> {
    let purposes = policy.purpose_matcher();
    let ctx = ParseContext {
        purposes: &purposes,
        vocabulary: &policy.vocabulary,
        time: reading.time,
        json_keys: &reading.consent_columns.map,
    };
    for (i, source) in logs.iter().enumerate() {
        let mut log = ConsentLog::open(source, &reading.consent_columns, &ProgressBar::hidden())?;
        let name = source.display();
        log.parse(&ctx, |rows| {
            for row in &rows {
                each(i, &name, row);
            }
        })?;
    }
    Ok(())
}

/// Every event in `logs` about one of `targets`, oldest first (undated
/// events last), then in file order.
pub fn consent_history(
    logs: &[crate::input::InputSource],
    targets: &Targets,
    reading: &ReadingSettings,
    policy: &Policy,
) -> Result<Vec<HistoryEvent>> {
    let mut events = Vec::new();
    each_row(logs, reading, policy, |_, name, row| {
        let (Some(key), Some(event)) = (&row.key, &row.event) else {
            return;
        };
        if let Some(target) = targets.find(key) {
            events.push(HistoryEvent {
                target,
                event: event.kind,
                timestamp: event.time,
                purpose: event.purpose.to_string(),
                source: event.source.to_string(),
                file: name.to_string(),
                row: row.row,
            });
        }
    })?;
    // Stable: events at the same instant, and undated ones, keep file order.
    events.sort_by_key(|e| (e.timestamp.is_none(), e.timestamp));
    Ok(events)
}

/// The erasure requests found in consent logs.
#[derive(Debug, Default)]
pub struct ErasureRequests {
    /// People whose request stands; they are added to the targets (with
    /// the request as origin unless an address list named them first).
    pub standing: usize,
    /// Requests followed by a fresh sign-up of the person: the new
    /// subscription is their own consent, so they are not erased (the
    /// audit's R002 reads requests the same way).
    pub lifted: Vec<LiftedRequest>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiftedRequest {
    pub file: String,
    pub row: u64,
}

/// Adds everyone whose erasure request stands in `logs` to `targets`.
/// Two passes: the first finds who asked, the second folds those
/// people's whole history, so memory grows with the requests, not the
/// logs.
pub fn add_erasure_requests(
    logs: &[crate::input::InputSource],
    reading: &ReadingSettings,
    policy: &Policy,
    as_of: Timestamp,
    targets: &mut Targets,
) -> Result<ErasureRequests> {
    let mut asked: HashSet<u128> = HashSet::new();
    each_row(logs, reading, policy, |_, _, row| {
        if let (Some(_), Some(event)) = (&row.key, &row.event)
            && event.kind == EventKind::Erasure
        {
            asked.insert(row.fingerprint);
        }
    })?;
    let mut found = ErasureRequests::default();
    if asked.is_empty() {
        return Ok(found);
    }
    let mut ledgers: HashMap<String, Ledger> = HashMap::new();
    each_row(logs, reading, policy, |log, _, row| {
        let (Some(key), Some(event)) = (&row.key, &row.event) else {
            return;
        };
        if !asked.contains(&row.fingerprint) {
            return;
        }
        let event = EventRef {
            kind: event.kind,
            time: event.time,
            at: Location {
                input: log as u32,
                row: row.row,
            },
            purpose_fit: event.purpose_fit,
            purpose: Symbol::EMPTY,
            source: Symbol::EMPTY,
            detail: Symbol::EMPTY,
            has_ip: event.has_ip,
            has_collection_point: event.has_collection_point,
            terms: event.terms,
        };
        ledgers
            .entry(key.clone())
            .or_default()
            .observe(event, as_of);
    })?;
    let mut people: Vec<(String, Ledger)> = ledgers.into_iter().collect();
    // In the order of the requests, so that receipts are deterministic.
    let first_request = |ledger: &Ledger| ledger.get(crate::consent::Slot::Erasure).map(|e| e.at);
    people.sort_by_key(|(key, ledger)| (first_request(ledger), key.clone()));
    for (key, ledger) in people {
        let assessment = Assessment::new(Some(&ledger));
        let name = |at: Location| logs[at.input as usize].display();
        match assessment.erasure {
            Some(request) => {
                let origin = Origin::ErasureRequest {
                    file: name(request.at),
                    row: request.at.row,
                    requested_at: request.time,
                };
                if targets.add_address(&key, origin).is_some() {
                    found.standing += 1;
                }
            }
            None => {
                if let Some(request) = ledger.get(crate::consent::Slot::Erasure) {
                    found.lifted.push(LiftedRequest {
                        file: name(request.at),
                        row: request.at.row,
                    });
                }
            }
        }
    }
    Ok(found)
}
