//! Consent evidence inside subscriber exports: opt-in and confirmation
//! times and IPs, statuses, unsubscribe and clean times, double opt-in
//! flags, lawful bases. Each row becomes the consent events it proves, so
//! an export without a separate consent log can still show consent, and
//! an unsubscribed export withdraws its addresses everywhere.
//!
//! What only looks like evidence is never taken as such: a record's
//! creation time (`created_at`, `ADDED_TIME`, `Create Date`) is not an
//! opt-in, and Mailchimp's `CONFIRM_TIME` without an `OPTIN_TIME` is the
//! time of an import or API add. Such rows get a note that the consent
//! findings quote.

use std::borrow::Cow;

use smallvec::SmallVec;

use super::archive::mailchimp_status_prefix;
use super::consent_log::ParsedEvent;
use super::delimited::MappedFile;
use super::encoding::Encoding;
use super::format::Field;
use super::record::RawRecord;
use crate::consent::{
    EventKind, Method, PurposeFit, PurposeMatcher, Terms, TimeRules, Timestamp, parse_basis,
    parse_method, parse_timestamp_with,
};
use crate::rules::RuleId;
use crate::text::fold;

/// A subscription status as exports spell it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Subscribed,
    /// Signed up, double opt-in not completed.
    Pending,
    Unsubscribed,
    /// Removed after hard bounces.
    Cleaned,
    /// Marked a mailing as spam.
    Complained,
    /// On the tool's blocklist (listmonk, phpList).
    Blocklisted,
    /// Deleted from the list.
    Deleted,
    /// Klaviyo's `NEVER_SUBSCRIBED`.
    NeverSubscribed,
    /// A status that says nothing about consent (`enabled`, `disabled`).
    Neutral,
}

/// Status words, folded: Mailchimp, Sendy, listmonk, Klaviyo, Campaign
/// Monitor, MailerLite, ActiveCampaign, Kit, and German spellings.
const STATUS_WORDS: &[(&str, Status)] = &[
    ("subscribed", Status::Subscribed),
    ("active", Status::Subscribed),
    ("confirmed", Status::Subscribed),
    ("optedin", Status::Subscribed),
    ("aktiv", Status::Subscribed),
    ("angemeldet", Status::Subscribed),
    ("pending", Status::Pending),
    ("unconfirmed", Status::Pending),
    ("inactive", Status::Pending),
    ("new", Status::Pending),
    ("unbestätigt", Status::Pending),
    ("unbestaetigt", Status::Pending),
    ("unsubscribed", Status::Unsubscribed),
    ("optedout", Status::Unsubscribed),
    ("optout", Status::Unsubscribed),
    ("cancelled", Status::Unsubscribed),
    ("canceled", Status::Unsubscribed),
    ("abgemeldet", Status::Unsubscribed),
    ("nonsubscribed", Status::NeverSubscribed),
    ("neversubscribed", Status::NeverSubscribed),
    ("cleaned", Status::Cleaned),
    ("bounced", Status::Cleaned),
    ("hardbounce", Status::Cleaned),
    ("junk", Status::Cleaned),
    ("suppressed", Status::Cleaned),
    ("complained", Status::Complained),
    ("markedasspam", Status::Complained),
    ("spam", Status::Complained),
    ("abused", Status::Complained),
    ("blocklisted", Status::Blocklisted),
    ("blacklisted", Status::Blocklisted),
    ("deleted", Status::Deleted),
    ("archived", Status::Deleted),
    ("enabled", Status::Neutral),
    ("disabled", Status::Neutral),
    ("transactional", Status::Neutral),
];

pub fn parse_status(cell: &str) -> Option<Status> {
    let folded = fold(cell);
    STATUS_WORDS
        .iter()
        .find(|(word, _)| *word == folded)
        .map(|(_, status)| *status)
}

/// A yes/no cell: `true/false`, `yes/no`, `1/0`, `y/n`, `x`, `ja/nein`,
/// `oui/non`, Brevo's category `1` = yes and `2` = no, and the words tools
/// use for a confirmed double opt-in (`Double opt-in`, `Confirmed`).
pub fn parse_flag(cell: &str) -> Option<bool> {
    match fold(cell).as_str() {
        "true" | "yes" | "1" | "y" | "x" | "ja" | "oui" | "si" | "sí" | "confirmed"
        | "doubleoptin" | "doi" => Some(true),
        "false" | "no" | "0" | "2" | "n" | "nein" | "non" | "notconfirmed" | "unconfirmed"
        | "singleoptin" | "pending" => Some(false),
        _ => None,
    }
}

impl ExportEvent {
    /// The event as consent logs produce it. An export is the list it was
    /// exported from, so an event without a stated purpose is consent for
    /// that list.
    pub fn to_parsed(&self, purposes: &PurposeMatcher) -> ParsedEvent<'_> {
        ParsedEvent {
            kind: self.kind,
            time: self.time,
            purpose_fit: if self.purpose.is_empty() {
                PurposeFit::Covers
            } else {
                purposes.classify(&self.purpose)
            },
            purpose: Cow::Borrowed(&self.purpose),
            source: Cow::Borrowed(&self.source),
            has_ip: self.has_ip,
            has_collection_point: self.has_collection_point,
            terms: self.terms,
        }
    }
}

/// One consent event read from an export row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportEvent {
    pub kind: EventKind,
    pub time: Option<Timestamp>,
    pub has_ip: bool,
    pub has_collection_point: bool,
    pub source: String,
    pub purpose: String,
    pub terms: Terms,
}

/// What one export row proves.
#[derive(Debug, Default)]
pub struct RowEvidence {
    pub events: SmallVec<[ExportEvent; 2]>,
    /// D001/D002 findings for cells that could not be read.
    pub problems: SmallVec<[(RuleId, String); 1]>,
    /// Why the row shows no (or weaker) evidence than it seems to.
    pub note: Option<String>,
}

/// Reads the evidence columns of one subscriber file.
pub struct EvidenceReader {
    columns: Vec<(Field, usize, String)>,
    encoding: Encoding,
    time: TimeRules,
    /// The status the file's name gives every row (Mailchimp's
    /// `unsubscribed_members_export_…`).
    pub file_status: Option<Status>,
    confirm_needs_optin: bool,
}

impl EvidenceReader {
    pub fn new(mapped: &MappedFile, time: TimeRules, file_name: &str) -> EvidenceReader {
        let format = mapped.columns.format;
        let columns = mapped
            .columns
            .fields()
            .filter(|(field, _)| *field != Field::Email)
            .map(|(field, i)| {
                let name = mapped.file.header_names.get(i).cloned().unwrap_or_default();
                (field, i, name)
            })
            .collect();
        let base = file_name.rsplit(['/', ':']).next().unwrap_or(file_name);
        let file_status = match format.name {
            "mailchimp" => mailchimp_status_prefix(base).and_then(parse_status),
            "sendy" => sendy_status_suffix(base),
            _ => None,
        };
        EvidenceReader {
            columns,
            encoding: mapped.file.dialect.encoding,
            time: time.or_order(format.date_order),
            file_status,
            confirm_needs_optin: format.confirm_needs_optin,
        }
    }

    /// Whether rows of this file can carry evidence at all.
    pub fn has_evidence(&self) -> bool {
        self.file_status.is_some() || self.columns.iter().any(|(f, _, _)| f.is_evidence())
    }

    fn column(&self, field: Field) -> Option<(usize, &str)> {
        self.columns
            .iter()
            .find(|(f, _, _)| *f == field)
            .map(|(_, i, name)| (*i, name.as_str()))
    }

    /// A cell's text, trimmed, without a spreadsheet-safety `'` prefix;
    /// `None` when empty or unreadable.
    fn cell<'r>(&self, record: &'r RawRecord, field: Field) -> Option<Cow<'r, str>> {
        let (i, _) = self.column(field)?;
        let text = match self.encoding.decode(record.get(i)?).ok()? {
            Cow::Borrowed(t) => Cow::Borrowed(strip_safety_prefix(t.trim())),
            Cow::Owned(t) => Cow::Owned(strip_safety_prefix(t.trim()).to_string()),
        };
        (!text.is_empty()).then_some(text)
    }

    fn time(
        &self,
        record: &RawRecord,
        field: Field,
        evidence: &mut RowEvidence,
    ) -> Option<Timestamp> {
        let cell = self.cell(record, field)?;
        // Zero means "not set" in several tools (CleverReach, ActiveCampaign).
        if cell.bytes().all(|b| b == b'0') {
            return None;
        }
        match parse_timestamp_with(&cell, self.time) {
            Ok(time) => time,
            Err(err) => {
                let name = self.column(field).map_or("", |(_, n)| n);
                evidence.problems.push((
                    RuleId::D001,
                    format!("timestamp '{cell}' in column '{name}': {err}; the value is not used"),
                ));
                None
            }
        }
    }

    fn has_ip(&self, record: &RawRecord, field: Field) -> bool {
        // Placeholders tools write for "no IP" (Sendy's `No data`).
        const NONE: [&str; 6] = ["no data", "0", "0.0.0.0", "none", "unknown", "n/a"];
        self.cell(record, field)
            .is_some_and(|ip| !NONE.iter().any(|n| ip.eq_ignore_ascii_case(n)))
    }

    /// The evidence of one row.
    pub fn read(&self, record: &RawRecord) -> RowEvidence {
        let mut evidence = RowEvidence::default();
        let source = self
            .cell(record, Field::Source)
            .map(|s| s.into_owned())
            .unwrap_or_default();
        let purpose = self
            .cell(record, Field::Purpose)
            .map(|s| s.into_owned())
            .unwrap_or_default();
        let has_collection_point = self.cell(record, Field::CollectionPoint).is_some();
        // `None` inside: a basis that is not consent (legitimate interest).
        let basis = self
            .cell(record, Field::LegalBasis)
            .map(|cell| (parse_basis(&cell), cell));
        let terms = Terms {
            method: self
                .cell(record, Field::Method)
                .map_or(Method::Unknown, |c| parse_method(&c)),
            basis: basis
                .as_ref()
                .and_then(|(basis, _)| *basis)
                .unwrap_or_default(),
            has_notice: self.cell(record, Field::NoticeVersion).is_some(),
        };
        let event = |kind, time, has_ip| ExportEvent {
            kind,
            time,
            has_ip,
            has_collection_point,
            source: source.clone(),
            purpose: purpose.clone(),
            terms,
        };

        let status = match self.cell(record, Field::Status) {
            Some(cell) => match parse_status(&cell) {
                Some(status) => Some(status),
                None => {
                    let name = self.column(Field::Status).map_or("", |(_, n)| n);
                    evidence.problems.push((
                        RuleId::D002,
                        format!(
                            "unknown status '{cell}' in column '{name}'; the status is not used"
                        ),
                    ));
                    self.file_status
                }
            },
            None => self.file_status,
        };

        let mut optin = self.time(record, Field::OptinTime, &mut evidence);
        let mut confirm = self.time(record, Field::ConfirmTime, &mut evidence);
        if self.confirm_needs_optin && confirm.is_some() {
            let optin_name = self
                .column(Field::OptinTime)
                .map_or("OPTIN_TIME", |(_, n)| n);
            let confirm_name = self
                .column(Field::ConfirmTime)
                .map_or("CONFIRM_TIME", |(_, n)| n);
            if optin.is_none() {
                evidence.note = Some(format!(
                    "{optin_name} is empty and {confirm_name} is set: the contact was imported or added through the API, which is no opt-in evidence"
                ));
                confirm = None;
            } else if optin == confirm {
                // The same instant twice is Mailchimp's single opt-in.
                confirm = None;
            }
        }
        if optin.is_some() {
            let has_ip = self.has_ip(record, Field::OptinIp);
            evidence.events.push(event(EventKind::OptIn, optin, has_ip));
        }
        if confirm.is_some() {
            let has_ip = self.has_ip(record, Field::ConfirmIp);
            evidence
                .events
                .push(event(EventKind::Confirm, confirm, has_ip));
        }

        let status_time = self.time(record, Field::StatusTime, &mut evidence);
        let unsub_time = self.time(record, Field::UnsubTime, &mut evidence);
        let clean_time = self.time(record, Field::CleanTime, &mut evidence);
        let mut withdrawn = false;
        let mut suppressed = false;
        match status {
            Some(Status::Subscribed) if optin.is_none() && status_time.is_some() => {
                // The time the subscribed status was set is the consent
                // (Klaviyo's consent timestamp, Campaign Monitor's date).
                optin = status_time;
                evidence
                    .events
                    .push(event(EventKind::OptIn, status_time, false));
            }
            Some(
                Status::Unsubscribed | Status::Complained | Status::Blocklisted | Status::Deleted,
            ) => {
                evidence.events.push(event(
                    EventKind::Withdraw,
                    unsub_time.or(status_time),
                    false,
                ));
                withdrawn = true;
            }
            Some(Status::Cleaned) => {
                evidence.events.push(event(
                    EventKind::Suppress,
                    clean_time.or(status_time),
                    false,
                ));
                suppressed = true;
            }
            Some(Status::NeverSubscribed) => {
                evidence.note = Some(format!(
                    "the export's status says the person never subscribed{}",
                    self.column(Field::Status)
                        .map_or(String::new(), |(_, n)| format!(" (column '{n}')"))
                ));
            }
            _ => {}
        }
        if !withdrawn
            && (unsub_time.is_some()
                || self
                    .cell(record, Field::Unsubscribed)
                    .is_some_and(|c| parse_flag(&c) == Some(true)))
        {
            evidence
                .events
                .push(event(EventKind::Withdraw, unsub_time, false));
            withdrawn = true;
        }
        if !suppressed && clean_time.is_some() {
            evidence
                .events
                .push(event(EventKind::Suppress, clean_time, false));
        }
        if let Some(reasons) = self.cell(record, Field::Suppressions) {
            let folded = fold(&reasons);
            if !withdrawn
                && ["unsubscribe", "usersuppressed", "spamcomplaint"]
                    .iter()
                    .any(|r| folded.contains(r))
            {
                evidence
                    .events
                    .push(event(EventKind::Withdraw, None, false));
            }
            if ["hardbounce", "invalidemail"]
                .iter()
                .any(|r| folded.contains(r))
            {
                evidence
                    .events
                    .push(event(EventKind::Suppress, None, false));
            }
        }

        let confirmed_flag = self
            .cell(record, Field::DoubleOptIn)
            .is_some_and(|c| parse_flag(&c) == Some(true));
        if confirmed_flag && confirm.is_none() && status != Some(Status::Pending) {
            evidence.events.push(event(EventKind::Confirm, None, false));
        }
        match &basis {
            Some((Some(_), _)) if optin.is_none() => {
                evidence.events.push(event(EventKind::OptIn, None, false));
            }
            Some((None, cell)) => {
                evidence.note = Some(format!(
                    "the lawful basis recorded is '{cell}', not consent"
                ));
            }
            _ => {}
        }

        let consents = evidence
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::OptIn | EventKind::Confirm));
        if status == Some(Status::Pending) && !consents && evidence.note.is_none() {
            evidence.note = Some(
                "the export's status says the double opt-in was never completed (unconfirmed)"
                    .to_string(),
            );
        }
        if evidence.note.is_none()
            && let Some((_, name)) = self.column(Field::CreatedAt)
            && (!consents || evidence.events.iter().all(|e| e.time.is_none()))
            && self.cell(record, Field::CreatedAt).is_some()
        {
            evidence.note = Some(format!(
                "the export's '{name}' is when the record was created, not an opt-in time"
            ));
        }
        evidence
    }
}

/// Sendy names exports `<list>-<filter>.csv`.
fn sendy_status_suffix(file_name: &str) -> Option<Status> {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(s, _)| s)
        .to_ascii_lowercase();
    [
        ("-unsubscribed", Status::Unsubscribed),
        ("-bounced", Status::Cleaned),
        ("-marked-as-spam", Status::Complained),
        ("-unconfirmed", Status::Pending),
    ]
    .into_iter()
    .find(|(suffix, _)| stem.ends_with(suffix))
    .map(|(_, status)| status)
}

/// phpList and others prefix values that start with `= + - @` with `'` so
/// that spreadsheets do not run them as formulas.
pub fn strip_safety_prefix(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.trim_start().starts_with(['=', '+', '-', '@']) => rest.trim_start(),
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_flags() {
        assert_eq!(parse_status("Marked as spam"), Some(Status::Complained));
        assert_eq!(
            parse_status("NEVER_SUBSCRIBED"),
            Some(Status::NeverSubscribed)
        );
        assert_eq!(parse_status("blocklisted"), Some(Status::Blocklisted));
        assert_eq!(parse_status("enabled"), Some(Status::Neutral));
        assert_eq!(parse_status("teleported"), None);
        assert_eq!(parse_flag("Double opt-in"), Some(true));
        assert_eq!(parse_flag("Single opt-in"), Some(false));
        assert_eq!(parse_flag("2"), Some(false));
        assert_eq!(parse_flag("TRUE"), Some(true));
        assert_eq!(parse_flag("maybe"), None);
    }

    #[test]
    fn file_names_state_statuses() {
        assert_eq!(
            sendy_status_suffix("weekly-news-unsubscribed.csv"),
            Some(Status::Unsubscribed)
        );
        assert_eq!(sendy_status_suffix("weekly-news-all.csv"), None);
    }

    #[test]
    fn safety_prefixes() {
        assert_eq!(strip_safety_prefix("' =SUM(A1)"), "=SUM(A1)");
        assert_eq!(strip_safety_prefix("'+49 30 1234"), "+49 30 1234");
        assert_eq!(strip_safety_prefix("'0049"), "0049");
        assert_eq!(strip_safety_prefix("O'Brien"), "O'Brien");
        assert_eq!(strip_safety_prefix("'quoted'"), "'quoted'");
    }
}
