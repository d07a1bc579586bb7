//! Consent evidence inside subscriber exports: opt-in and confirmation
//! times and IPs, statuses, unsubscribe and clean times, double opt-in
//! flags, lawful bases, suppression reasons, bounce columns, per-topic
//! opt-outs and a shop's customer columns. Each row becomes the events it
//! proves, each with the column and value that proves it, so an export
//! without a separate consent log can still show consent, and an
//! unsubscribed or bounced export row is removed with its reason.
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
use super::unrecognised::{Unrecognised, ValueKind};
use crate::consent::{
    BasisReading, EventKind, Method, PurposeFit, PurposeMatcher, Status, Terms, TimeRules,
    Timestamp, parse_basis, parse_method, parse_timestamp_with,
};
use crate::rules::RuleId;
use crate::text::fold;
use crate::vocabulary::Vocabulary;

impl ExportEvent {
    /// The event as consent logs produce it. An export is the list it was
    /// exported from, so an event without a stated purpose is for that
    /// list.
    pub fn to_parsed(&self, purposes: &PurposeMatcher) -> ParsedEvent<'_> {
        ParsedEvent {
            kind: self.kind,
            time: self.time,
            purpose_fit: if self.purpose.is_empty() {
                PurposeFit::Covers
            } else if self.kind == EventKind::Withdraw {
                purposes.classify_withdrawal(&self.purpose)
            } else {
                purposes.classify(&self.purpose)
            },
            purpose: Cow::Borrowed(&self.purpose),
            source: Cow::Borrowed(&self.source),
            detail: Cow::Borrowed(&self.detail),
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
    /// Which column said so, and what it said (`column 'Status' is
    /// 'cleaned'`), for the findings' messages.
    pub detail: String,
    pub terms: Terms,
}

/// What one export row proves.
#[derive(Debug, Default)]
pub struct RowEvidence {
    pub events: SmallVec<[ExportEvent; 2]>,
    /// D001/D002 findings for cells that could not be read.
    pub problems: SmallVec<[(RuleId, String); 1]>,
    /// Values the vocabulary does not know, for the report.
    pub unrecognised: SmallVec<[Unrecognised; 1]>,
    /// Why the row shows no (or weaker) evidence than it seems to.
    pub note: Option<String>,
}

impl RowEvidence {
    fn unknown(&mut self, kind: ValueKind, cell: &str, column: &str, consequence: &str) {
        self.problems.push((
            RuleId::D002,
            format!(
                "unknown {} '{cell}' in column '{column}'; {consequence}",
                kind.label()
            ),
        ));
        self.unrecognised.push(Unrecognised::new(kind, cell));
    }
}

/// Reads the evidence columns of one subscriber file.
pub struct EvidenceReader<'v> {
    columns: Vec<(Field, usize, String)>,
    /// HubSpot's `Opted out of email: <subscription type>` columns: the
    /// column, its header and the subscription it opts out of.
    topic_opt_outs: Vec<(usize, String, String)>,
    encoding: Encoding,
    time: TimeRules,
    /// The status the file's name gives every row (Mailchimp's
    /// `unsubscribed_members_export_…`).
    pub file_status: Option<Status>,
    /// How the file's name says it (for messages).
    file_status_detail: String,
    /// The status word in the file's name (`cleaned`).
    file_status_word: Option<&'static str>,
    confirm_needs_optin: bool,
    format: &'static str,
    vocabulary: &'v Vocabulary,
}

impl<'v> EvidenceReader<'v> {
    pub fn new(
        mapped: &MappedFile,
        time: TimeRules,
        file_name: &str,
        vocabulary: &'v Vocabulary,
    ) -> EvidenceReader<'v> {
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
        let topic_opt_outs = mapped
            .file
            .header_names
            .iter()
            .enumerate()
            .filter(|_| !mapped.file.is_headerless())
            .filter_map(|(i, name)| {
                let (label, topic) = name.split_once(':')?;
                (fold(label) == "optedoutofemail" && !topic.trim().is_empty())
                    .then(|| (i, name.clone(), topic.trim().to_string()))
            })
            .collect();
        let base = file_name.rsplit(['/', ':']).next().unwrap_or(file_name);
        let file_status = match format.name {
            "mailchimp" => mailchimp_status_prefix(base).map(|prefix| (prefix, "Mailchimp")),
            "sendy" => sendy_status_suffix(base).map(|suffix| (suffix, "Sendy")),
            _ => None,
        }
        .and_then(|(word, tool)| {
            let status = vocabulary.status(word, format.name)?;
            Some((
                status,
                word,
                format!("the file is {tool}'s '{word}' export, by its name"),
            ))
        });
        EvidenceReader {
            columns,
            topic_opt_outs,
            encoding: mapped.file.dialect.encoding,
            time: time.or_order(format.date_order),
            file_status: file_status.as_ref().map(|(status, _, _)| *status),
            file_status_word: file_status.as_ref().map(|(_, word, _)| *word),
            file_status_detail: file_status.map(|(_, _, detail)| detail).unwrap_or_default(),
            confirm_needs_optin: format.confirm_needs_optin,
            format: format.name,
            vocabulary,
        }
    }

    /// The status word the file's name states (`cleaned` for Mailchimp's
    /// `cleaned_members_export_…`).
    pub fn file_status_word(&self) -> Option<&'static str> {
        self.file_status_word
    }

    /// Whether rows of this file can carry evidence at all.
    pub fn has_evidence(&self) -> bool {
        self.file_status.is_some()
            || !self.topic_opt_outs.is_empty()
            || self.columns.iter().any(|(f, _, _)| f.is_evidence())
    }

    fn column(&self, field: Field) -> Option<(usize, &str)> {
        self.columns
            .iter()
            .find(|(f, _, _)| *f == field)
            .map(|(_, i, name)| (*i, name.as_str()))
    }

    fn column_name(&self, field: Field) -> &str {
        self.column(field).map_or("", |(_, name)| name)
    }

    /// A cell's text, trimmed, without a spreadsheet-safety `'` prefix;
    /// `None` when empty or unreadable.
    fn cell<'r>(&self, record: &'r RawRecord, field: Field) -> Option<Cow<'r, str>> {
        let (i, _) = self.column(field)?;
        self.cell_at(record, i)
    }

    fn cell_at<'r>(&self, record: &'r RawRecord, i: usize) -> Option<Cow<'r, str>> {
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
                evidence.problems.push((
                    RuleId::D001,
                    format!(
                        "timestamp '{cell}' in column '{}': {err}; the value is not used",
                        self.column_name(field)
                    ),
                ));
                None
            }
        }
    }

    /// A yes/no cell: `None` when empty, and when the value is neither (a
    /// D002 finding then).
    fn flag(&self, record: &RawRecord, field: Field, evidence: &mut RowEvidence) -> Option<bool> {
        let (i, name) = self.column(field)?;
        self.flag_at(record, i, name, evidence)
    }

    fn flag_at(
        &self,
        record: &RawRecord,
        i: usize,
        name: &str,
        evidence: &mut RowEvidence,
    ) -> Option<bool> {
        let cell = self.cell_at(record, i)?;
        let flag = self.vocabulary.flag(&cell);
        if flag.is_none() {
            evidence.unknown(
                ValueKind::Flag,
                &cell,
                name,
                "it is neither yes nor no and is not used",
            );
        }
        flag
    }

    /// D003 for a column this reader uses whose bytes are not text in the
    /// file's encoding: its value is not used, and the row says why rather
    /// than showing as a row without that evidence.
    fn check_decoding(&self, record: &RawRecord, evidence: &mut RowEvidence) {
        // Every byte is a Windows-1252 character; decoding to find none
        // undecodable would only allocate.
        if self.encoding == Encoding::Windows1252 {
            return;
        }
        let read = self.columns.iter().map(|(_, i, name)| (*i, name));
        let topics = self.topic_opt_outs.iter().map(|(i, name, _)| (*i, name));
        for (i, name) in read.chain(topics) {
            if let Some(Err(bad)) = record.get(i).map(|bytes| self.encoding.decode(bytes)) {
                evidence.problems.push((
                    RuleId::D003,
                    format!(
                        "column '{name}' has a byte (0x{:02X}) that is not valid {}; its value is not used",
                        bad.byte,
                        self.encoding.as_str().trim_end_matches("-bom").to_uppercase()
                    ),
                ));
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
        self.check_decoding(record, &mut evidence);
        let source = self
            .cell(record, Field::Source)
            .map(|s| s.into_owned())
            .unwrap_or_default();
        let purpose = self
            .cell(record, Field::Purpose)
            .map(|s| s.into_owned())
            .unwrap_or_default();
        let has_collection_point = self.cell(record, Field::CollectionPoint).is_some();
        let basis = self
            .cell(record, Field::LegalBasis)
            .map(|cell| (parse_basis(&cell), cell));
        if let Some((BasisReading::Unknown, cell)) = &basis {
            evidence.unknown(
                ValueKind::LegalBasis,
                cell,
                self.column_name(Field::LegalBasis),
                "it is not taken as consent",
            );
        }
        let method = match self.cell(record, Field::Method) {
            None => Method::Unknown,
            Some(cell) => {
                let method = parse_method(&cell);
                if method == Method::Unknown {
                    // Counted as unrecorded, never as affirmative; listed.
                    evidence
                        .unrecognised
                        .push(Unrecognised::new(ValueKind::Method, &cell));
                }
                method
            }
        };
        let terms = Terms {
            method,
            basis: basis
                .as_ref()
                .and_then(|(reading, _)| reading.consent())
                .unwrap_or_default(),
            has_notice: self.cell(record, Field::NoticeVersion).is_some(),
        };
        let event = |kind, time, has_ip, detail: String| ExportEvent {
            kind,
            time,
            has_ip,
            has_collection_point,
            source: source.clone(),
            purpose: purpose.clone(),
            detail,
            terms,
        };

        let status_cell = self.cell(record, Field::Status);
        let stated = status_cell.as_deref().and_then(|cell| {
            let status = self.vocabulary.status(cell, self.format);
            if status.is_none() {
                evidence.unknown(
                    ValueKind::Status,
                    cell,
                    self.column_name(Field::Status),
                    "the status is not used; teach it in the policy's [vocabulary.statuses]",
                );
            }
            status
        });
        let status = stated.or(self.file_status);
        // What said so, for the few messages that quote it: built only
        // then, not for every row.
        let status_detail = || match (&status_cell, stated) {
            (Some(cell), Some(_)) => {
                format!("column '{}' is '{cell}'", self.column_name(Field::Status))
            }
            _ => self.file_status_detail.clone(),
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
            evidence
                .events
                .push(event(EventKind::OptIn, optin, has_ip, String::new()));
        }
        if confirm.is_some() {
            let has_ip = self.has_ip(record, Field::ConfirmIp);
            evidence
                .events
                .push(event(EventKind::Confirm, confirm, has_ip, String::new()));
        }

        let status_time = self.time(record, Field::StatusTime, &mut evidence);
        let unsub_time = self.time(record, Field::UnsubTime, &mut evidence);
        let clean_time = self.time(record, Field::CleanTime, &mut evidence);
        let mut withdrawn = false;
        let mut undeliverable = false;
        let mut optin_flagged = false;
        match status {
            Some(Status::Subscribed) if optin.is_none() && status_time.is_some() => {
                // The time the subscribed status was set is the consent
                // (Klaviyo's consent timestamp, Campaign Monitor's date).
                optin = status_time;
                evidence
                    .events
                    .push(event(EventKind::OptIn, status_time, false, String::new()));
            }
            Some(Status::NeverSubscribed) => {
                evidence.note = Some(format!(
                    "the export's status says the person never subscribed{}",
                    self.column(Field::Status)
                        .map_or(String::new(), |(_, n)| format!(" (column '{n}')"))
                ));
            }
            Some(status) => {
                if let Some(kind) = status.event() {
                    let time = match kind {
                        EventKind::Withdraw => unsub_time.or(status_time),
                        EventKind::HardBounce => clean_time.or(status_time),
                        _ => status_time,
                    };
                    withdrawn |= kind == EventKind::Withdraw;
                    undeliverable |= kind == EventKind::HardBounce;
                    evidence
                        .events
                        .push(event(kind, time, false, status_detail()));
                }
            }
            None => {}
        }
        if !withdrawn {
            let flagged = self.flag(record, Field::Unsubscribed, &mut evidence) == Some(true);
            if flagged || unsub_time.is_some() {
                let detail = if flagged {
                    format!(
                        "column '{}' is '{}'",
                        self.column_name(Field::Unsubscribed),
                        self.cell(record, Field::Unsubscribed).unwrap_or_default()
                    )
                } else {
                    format!("column '{}' is set", self.column_name(Field::UnsubTime))
                };
                evidence
                    .events
                    .push(event(EventKind::Withdraw, unsub_time, false, detail));
                withdrawn = true;
            }
        }
        for (i, name, topic) in &self.topic_opt_outs {
            if self.flag_at(record, *i, name, &mut evidence) == Some(true) {
                let mut opt_out = event(
                    EventKind::Withdraw,
                    None,
                    false,
                    format!(
                        "column '{name}' is '{}'",
                        self.cell_at(record, *i).unwrap_or_default()
                    ),
                );
                opt_out.purpose = topic.clone();
                evidence.events.push(opt_out);
            }
        }
        if !undeliverable && clean_time.is_some() {
            let detail = format!("column '{}' is set", self.column_name(Field::CleanTime));
            evidence
                .events
                .push(event(EventKind::HardBounce, clean_time, false, detail));
            undeliverable = true;
        }
        if !undeliverable && let Some(reason) = self.cell(record, Field::BounceReason) {
            let detail = format!(
                "column '{}' is '{reason}'",
                self.column_name(Field::BounceReason)
            );
            evidence
                .events
                .push(event(EventKind::HardBounce, None, false, detail));
            undeliverable = true;
        }
        if !undeliverable && self.flag(record, Field::Undeliverable, &mut evidence) == Some(true) {
            let detail = format!(
                "column '{}' is true",
                self.column_name(Field::Undeliverable)
            );
            evidence
                .events
                .push(event(EventKind::HardBounce, None, false, detail));
        }
        if self.flag(record, Field::Quarantined, &mut evidence) == Some(true) {
            let detail = format!("column '{}' is true", self.column_name(Field::Quarantined));
            evidence
                .events
                .push(event(EventKind::Suppress, None, false, detail));
        }
        if let Some(reasons) = self.cell(record, Field::Suppressions) {
            self.read_suppressions(&reasons, withdrawn, &event, &mut evidence);
        }
        self.read_purchases(record, &event, &mut evidence);

        match self.flag(record, Field::MarketingConsent, &mut evidence) {
            Some(true) if optin.is_none() => {
                evidence
                    .events
                    .push(event(EventKind::OptIn, None, false, String::new()));
                optin_flagged = true;
            }
            Some(false) if !withdrawn => {
                // A box left unticked at collection: the person said no.
                let detail = format!(
                    "column '{}' is '{}'",
                    self.column_name(Field::MarketingConsent),
                    self.cell(record, Field::MarketingConsent)
                        .unwrap_or_default()
                );
                evidence
                    .events
                    .push(event(EventKind::Withdraw, None, false, detail));
            }
            _ => {}
        }
        let confirmed_flag = self.flag(record, Field::DoubleOptIn, &mut evidence) == Some(true);
        if confirmed_flag && confirm.is_none() && status != Some(Status::Pending) {
            evidence
                .events
                .push(event(EventKind::Confirm, None, false, String::new()));
        }
        match &basis {
            Some((BasisReading::Consent(_), _)) if optin.is_none() && !optin_flagged => {
                evidence
                    .events
                    .push(event(EventKind::OptIn, None, false, String::new()));
            }
            Some((BasisReading::Other, cell)) => {
                evidence.note = Some(format!(
                    "the lawful basis recorded is '{cell}', not consent"
                ));
            }
            Some((BasisReading::Unknown, cell)) => {
                evidence.note = Some(format!(
                    "the lawful basis recorded, '{cell}', is not one listaudit knows, so it is not taken as consent"
                ));
            }
            _ => {}
        }

        let consents = evidence.events.iter().any(|e| e.kind.is_consent_act());
        if status == Some(Status::Pending) && !consents && evidence.note.is_none() {
            evidence.note = Some(format!(
                "the export's status says the double opt-in was never completed ({})",
                status_detail()
            ));
        }
        if evidence.note.is_none()
            && let Some((_, name)) = self.column(Field::CreatedAt)
            && (!consents
                || evidence
                    .events
                    .iter()
                    .filter(|e| e.kind.is_consent_act())
                    .all(|e| e.time.is_none()))
            && self.cell(record, Field::CreatedAt).is_some()
        {
            evidence.note = Some(format!(
                "the export's '{name}' is when the record was created, not an opt-in time"
            ));
        }
        evidence
    }

    /// Klaviyo's suppression reasons: `UNSUBSCRIBE`, `HARD_BOUNCE`, a list
    /// of them, or a list of `{'reason': …, 'timestamp': …}` records (whose
    /// timestamps date the events). A reason the vocabulary does not know
    /// still suppresses the row.
    fn read_suppressions(
        &self,
        cell: &str,
        withdrawn: bool,
        event: &dyn Fn(EventKind, Option<Timestamp>, bool, String) -> ExportEvent,
        evidence: &mut RowEvidence,
    ) {
        let name = self.column_name(Field::Suppressions);
        let mut kinds: SmallVec<[EventKind; 2]> = SmallVec::new();
        for (reason, time) in suppression_reasons(cell) {
            let time = time.and_then(|t| parse_timestamp_with(t, self.time).ok().flatten());
            let kind = match self.vocabulary.suppression_reason(reason) {
                Some(status) => status.event().unwrap_or(EventKind::Suppress),
                None => {
                    evidence.unknown(
                        ValueKind::SuppressionReason,
                        reason,
                        name,
                        "the address is treated as suppressed (R003)",
                    );
                    EventKind::Suppress
                }
            };
            if kinds.contains(&kind) || (withdrawn && kind == EventKind::Withdraw) {
                continue;
            }
            kinds.push(kind);
            evidence.events.push(event(
                kind,
                time,
                false,
                format!("column '{name}' lists '{reason}'"),
            ));
        }
    }

    /// A shop's customer columns: each date is a purchase; an order count
    /// above zero is one without a date when no date is given.
    fn read_purchases(
        &self,
        record: &RawRecord,
        event: &dyn Fn(EventKind, Option<Timestamp>, bool, String) -> ExportEvent,
        evidence: &mut RowEvidence,
    ) {
        let mut dated = false;
        for field in [Field::CustomerSince, Field::LastPurchase] {
            if let Some(time) = self.time(record, field, evidence) {
                let detail = format!("column '{}'", self.column_name(field));
                evidence
                    .events
                    .push(event(EventKind::Purchase, Some(time), false, detail));
                dated = true;
            }
        }
        let Some(count) = self.cell(record, Field::OrderCount) else {
            return;
        };
        let name = self.column_name(Field::OrderCount);
        match count.replace([',', '.', ' '], "").parse::<u64>() {
            Ok(0) => {}
            Ok(_) if dated => {}
            Ok(_) => evidence.events.push(event(
                EventKind::Purchase,
                None,
                false,
                format!("column '{name}' is {count}"),
            )),
            Err(_) => evidence.unknown(
                ValueKind::OrderCount,
                &count,
                name,
                "it is not a number and is not used",
            ),
        }
    }
}

/// The reasons in a suppression cell, each with its timestamp where the
/// cell gives one: `[HARD_BOUNCE]`, `UNSUBSCRIBE, SPAM_COMPLAINT`, or
/// `[{'reason': 'SPAM_COMPLAINT', 'timestamp': '2025-04-02T08:00:00+00:00'}]`.
fn suppression_reasons(cell: &str) -> Vec<(&str, Option<&str>)> {
    /// The value after `key` in a record: past quotes, colons and spaces,
    /// up to the next quote, comma or brace.
    fn value_after<'c>(record: &'c str, key: &str) -> Option<&'c str> {
        let at = record.to_ascii_lowercase().find(key)? + key.len();
        let rest = record[at..].trim_start_matches(|c: char| {
            c == '\'' || c == '"' || c == ':' || c == '=' || c.is_whitespace()
        });
        let end = rest.find(['\'', '"', ',', '}']).unwrap_or(rest.len());
        let value = rest[..end].trim();
        (!value.is_empty()).then_some(value)
    }
    if cell.to_ascii_lowercase().contains("reason") {
        return cell
            .split('}')
            .filter_map(|record| {
                let reason = value_after(record, "reason")?;
                Some((reason, value_after(record, "timestamp")))
            })
            .collect();
    }
    cell.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| word.len() > 2 && !word.bytes().any(|b| b.is_ascii_digit()))
        .filter(|word| !matches!(fold(word).as_str(), "none" | "null"))
        .map(|word| (word, None))
        .collect()
}

/// Sendy names exports `<list>-<filter>.csv`; the filter is a status
/// word.
fn sendy_status_suffix(file_name: &str) -> Option<&'static str> {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(s, _)| s)
        .to_ascii_lowercase();
    [
        ("-unsubscribed", "unsubscribed"),
        ("-bounced", "bounced"),
        ("-marked-as-spam", "marked as spam"),
        ("-unconfirmed", "unconfirmed"),
    ]
    .into_iter()
    .find(|(suffix, _)| stem.ends_with(suffix))
    .map(|(_, word)| word)
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
    fn file_names_state_statuses() {
        assert_eq!(
            sendy_status_suffix("weekly-news-unsubscribed.csv"),
            Some("unsubscribed")
        );
        assert_eq!(sendy_status_suffix("weekly-news-all.csv"), None);
    }

    #[test]
    fn suppression_cells_in_every_shape() {
        assert_eq!(
            suppression_reasons("[HARD_BOUNCE]"),
            [("HARD_BOUNCE", None)]
        );
        assert_eq!(
            suppression_reasons("UNSUBSCRIBE, SPAM_COMPLAINT"),
            [("UNSUBSCRIBE", None), ("SPAM_COMPLAINT", None)]
        );
        assert_eq!(
            suppression_reasons(
                "[{'reason': 'SPAM_COMPLAINT', 'timestamp': '2025-04-02T08:00:00+00:00'}, {\"reason\": \"HARD_BOUNCE\"}]"
            ),
            [
                ("SPAM_COMPLAINT", Some("2025-04-02T08:00:00+00:00")),
                ("HARD_BOUNCE", None)
            ]
        );
        assert!(suppression_reasons("[]").is_empty());
        assert!(suppression_reasons("None").is_empty());
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
