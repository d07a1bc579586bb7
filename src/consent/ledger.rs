//! What the consent logs say about one address, folded to the few events
//! the rules need: the latest event of each kind (per purpose fit), the
//! earliest opt-in and confirmation, and any event dated after `--as-of`.
//!
//! Folding is commutative and associative: the winner of every slot is
//! decided by a total order on (time, location), so the ledger does not
//! depend on the order events arrive in, and the index can be built in
//! parallel with identical results.

use std::cmp::Ordering;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use std::io;

use smallvec::SmallVec;

use crate::spill::{Encode, RangeReader};

use super::event::EventKind;
use super::purpose::PurposeFit;
use super::symbols::Symbol;
use super::terms::{Basis, Method, Terms};
use super::time::Timestamp;

/// Where a row came from: the index of its input file and its 1-based data
/// row (header not counted).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub input: u32,
    pub row: u64,
}

/// One consent-log event, as much of it as the rules and messages need.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct EventRef {
    pub kind: EventKind,
    pub time: Option<Timestamp>,
    pub at: Location,
    pub purpose_fit: PurposeFit,
    pub purpose: Symbol,
    pub source: Symbol,
    pub has_ip: bool,
    pub has_collection_point: bool,
    pub terms: Terms,
}

/// An event as the ledger stores it: 32 bytes instead of 48, with the
/// time and location packed. Ledgers are what the index is made of, so
/// their size is most of the memory an audit takes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct StoredEvent {
    /// Seconds since the epoch; `i64::MIN` when undated.
    time: i64,
    /// Input in the top 16 bits, row in the lower 48.
    at: u64,
    purpose: Symbol,
    source: Symbol,
    kind: EventKind,
    purpose_fit: PurposeFit,
    /// Bit 0: has an IP address; bit 1: has a collection point.
    flags: u8,
    terms: Terms,
}

const UNDATED: i64 = i64::MIN;
const ROW_BITS: u32 = 48;
const ROW_MASK: u64 = (1 << ROW_BITS) - 1;

impl Location {
    /// The location in 64 bits. Rows past 2^48 and inputs past 2^16 are
    /// beyond any file this tool can be given.
    pub fn pack(self) -> u64 {
        (u64::from(self.input.min(0xFFFF)) << ROW_BITS) | self.row.min(ROW_MASK)
    }

    pub fn unpack(packed: u64) -> Location {
        Location {
            input: (packed >> ROW_BITS) as u32,
            row: packed & ROW_MASK,
        }
    }
}

impl StoredEvent {
    fn store(event: &EventRef) -> StoredEvent {
        StoredEvent {
            time: event.time.map_or(UNDATED, Timestamp::unix),
            at: event.at.pack(),
            purpose: event.purpose,
            source: event.source,
            kind: event.kind,
            purpose_fit: event.purpose_fit,
            flags: u8::from(event.has_ip) | (u8::from(event.has_collection_point) << 1),
            terms: event.terms,
        }
    }

    fn load(&self) -> EventRef {
        EventRef {
            kind: self.kind,
            time: (self.time != UNDATED).then(|| Timestamp::from_unix(self.time)),
            at: Location::unpack(self.at),
            purpose_fit: self.purpose_fit,
            purpose: self.purpose,
            source: self.source,
            has_ip: self.flags & 1 != 0,
            has_collection_point: self.flags & 2 != 0,
            terms: self.terms,
        }
    }
}

impl StoredEvent {
    fn encode(&self, out: &mut Vec<u8>) {
        out.put_u64(self.time as u64);
        out.put_u64(self.at);
        out.put_u32(self.purpose.index() as u32);
        out.put_u32(self.source.index() as u32);
        out.extend_from_slice(&[
            self.kind as u8,
            self.purpose_fit as u8,
            self.flags,
            self.terms.method as u8,
            self.terms.basis as u8,
            u8::from(self.terms.has_notice),
        ]);
    }

    fn decode(input: &mut RangeReader<'_>) -> io::Result<StoredEvent> {
        fn pick<T: Copy>(all: &[T], index: u8) -> io::Result<T> {
            all.get(index as usize).copied().ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, "corrupt index scratch file")
            })
        }
        let time = input.u64()? as i64;
        let at = input.u64()?;
        let purpose = Symbol::from_index(input.u32()?);
        let source = Symbol::from_index(input.u32()?);
        let bytes: [u8; 6] = input.take(6)?.try_into().unwrap_or_default();
        Ok(StoredEvent {
            time,
            at,
            purpose,
            source,
            kind: pick(&EventKind::ALL, bytes[0])?,
            purpose_fit: pick(&PurposeFit::ALL, bytes[1])?,
            flags: bytes[2],
            terms: Terms {
                method: pick(&Method::ALL, bytes[3])?,
                basis: pick(&Basis::ALL, bytes[4])?,
                has_notice: bytes[5] != 0,
            },
        })
    }
}

impl EventRef {
    /// The consent can be traced to how or where it was given.
    pub fn shows_how_or_where(&self) -> bool {
        !self.source.is_empty() || self.has_ip || self.has_collection_point
    }
}

/// The questions the ledger keeps an answer to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Latest opt-in or renewal with this purpose fit.
    Consent(PurposeFit),
    /// Latest double opt-in confirmation with this purpose fit.
    Confirm(PurposeFit),
    /// Earliest dated opt-in or renewal that may cover the list.
    FirstOptIn,
    /// Earliest dated confirmation that may cover the list.
    FirstConfirm,
    /// Latest withdrawal that applies to the list (its purpose or all).
    Withdraw,
    /// Latest erasure request.
    Erasure,
    /// Latest suppression by the sending tool (cleaned, hard bounce).
    Suppress,
    /// Latest dated engagement that came from the person.
    Activity,
    /// Latest event dated after `--as-of`.
    Future,
}

impl Slot {
    /// Whether `candidate` replaces `current` in this slot.
    fn prefers(self, candidate: &EventRef, current: &EventRef) -> bool {
        let by_time = match self {
            Slot::FirstOptIn | Slot::FirstConfirm => {
                return (candidate.time, candidate.at) < (current.time, current.at);
            }
            Slot::Withdraw | Slot::Erasure | Slot::Suppress => revocation_order(candidate, current),
            // An undated opt-in is the weakest evidence: any dated one wins.
            _ => candidate.time.cmp(&current.time),
        };
        by_time.then(candidate.at.cmp(&current.at)) == Ordering::Greater
    }
}

/// Orders withdrawals and erasure requests by time. An undated one still
/// counts, and nothing can be shown to come after it: it sorts last.
pub fn revocation_order(a: &EventRef, b: &EventRef) -> Ordering {
    match (a.time, b.time) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(&y),
    }
}

impl Slot {
    /// Every slot, in bit order.
    const ALL: [Slot; 13] = [
        Slot::Consent(PurposeFit::Covers),
        Slot::Consent(PurposeFit::Unstated),
        Slot::Consent(PurposeFit::Other),
        Slot::Confirm(PurposeFit::Covers),
        Slot::Confirm(PurposeFit::Unstated),
        Slot::Confirm(PurposeFit::Other),
        Slot::FirstOptIn,
        Slot::FirstConfirm,
        Slot::Withdraw,
        Slot::Erasure,
        Slot::Suppress,
        Slot::Activity,
        Slot::Future,
    ];

    fn bit(self) -> u16 {
        let index = match self {
            Slot::Consent(fit) => fit.index(),
            Slot::Confirm(fit) => 3 + fit.index(),
            Slot::FirstOptIn => 6,
            Slot::FirstConfirm => 7,
            Slot::Withdraw => 8,
            Slot::Erasure => 9,
            Slot::Suppress => 10,
            Slot::Activity => 11,
            Slot::Future => 12,
        };
        1 << index
    }
}

/// The folded consent history of one normalized address.
///
/// One event usually fills several slots (an opt-in is both the latest and
/// the first one), so each distinct event is stored once with the set of
/// slots it fills: the common history of an opt-in and its confirmation
/// fits in the ledger itself, with no allocation.
#[derive(Debug)]
pub struct Ledger {
    entries: SmallVec<[(u16, StoredEvent); 2]>,
    /// Packed location; `u64::MAX` before the first event.
    first_seen: u64,
    matched: AtomicBool,
}

impl Default for Ledger {
    fn default() -> Ledger {
        Ledger {
            entries: SmallVec::new(),
            first_seen: u64::MAX,
            matched: AtomicBool::new(false),
        }
    }
}

impl Ledger {
    /// Folds one event in. `as_of` decides which events lie in the future:
    /// a future opt-in cannot count as consent yet, but a future withdrawal
    /// or erasure is honoured (it may be a clock or time-zone slip, and
    /// mailing someone who unsubscribed is the worse mistake).
    pub fn observe(&mut self, event: EventRef, as_of: Timestamp) {
        self.first_seen = self.first_seen.min(event.at.pack());
        let in_future = event.time.is_some_and(|t| t > as_of);
        if in_future {
            self.offer(Slot::Future, event);
        }
        let may_cover = event.purpose_fit != PurposeFit::Other;
        match event.kind {
            EventKind::OptIn | EventKind::Renew if !in_future => {
                self.offer(Slot::Consent(event.purpose_fit), event);
                if may_cover && event.time.is_some() {
                    self.offer(Slot::FirstOptIn, event);
                }
            }
            EventKind::Confirm if !in_future => {
                self.offer(Slot::Confirm(event.purpose_fit), event);
                if may_cover && event.time.is_some() {
                    self.offer(Slot::FirstConfirm, event);
                }
            }
            EventKind::Withdraw if may_cover => self.offer(Slot::Withdraw, event),
            EventKind::Erasure => self.offer(Slot::Erasure, event),
            EventKind::Suppress => self.offer(Slot::Suppress, event),
            EventKind::Activity if !in_future && event.time.is_some() => {
                self.offer(Slot::Activity, event)
            }
            _ => {}
        }
    }

    fn offer(&mut self, slot: Slot, event: EventRef) {
        let bit = slot.bit();
        if let Some(i) = self.entries.iter().position(|(slots, _)| slots & bit != 0) {
            if !slot.prefers(&event, &self.entries[i].1.load()) {
                return;
            }
            self.entries[i].0 &= !bit;
            if self.entries[i].0 == 0 {
                self.entries.swap_remove(i);
            }
        }
        let event = StoredEvent::store(&event);
        match self.entries.iter_mut().find(|(_, stored)| *stored == event) {
            Some((slots, _)) => *slots |= bit,
            None => self.entries.push((bit, event)),
        }
    }

    /// Folds another ledger for the same address into this one.
    pub fn merge(&mut self, other: Ledger) {
        self.first_seen = self.first_seen.min(other.first_seen);
        if other.is_matched() {
            self.mark_matched();
        }
        for (slots, event) in other.entries {
            let event = event.load();
            for slot in Slot::ALL {
                if slots & slot.bit() != 0 {
                    self.offer(slot, event);
                }
            }
        }
    }

    pub fn get(&self, slot: Slot) -> Option<EventRef> {
        let bit = slot.bit();
        self.entries
            .iter()
            .find(|(slots, _)| slots & bit != 0)
            .map(|(_, event)| event.load())
    }

    /// Where the address first appears in the consent logs.
    pub fn first_seen(&self) -> Option<Location> {
        (self.first_seen != u64::MAX).then(|| Location::unpack(self.first_seen))
    }

    /// Writes the ledger to a scratch file (the index spilling).
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.put_u64(self.first_seen);
        out.put_u8(u8::from(self.is_matched()));
        out.put_u8(self.entries.len() as u8);
        for (slots, event) in &self.entries {
            out.extend_from_slice(&slots.to_le_bytes());
            event.encode(out);
        }
    }

    pub(crate) fn decode(input: &mut RangeReader<'_>) -> io::Result<Ledger> {
        let first_seen = input.u64()?;
        let matched = input.u8()? != 0;
        let count = input.u8()?;
        let mut entries = SmallVec::new();
        for _ in 0..count {
            let slots: [u8; 2] = input.take(2)?.try_into().unwrap_or_default();
            entries.push((u16::from_le_bytes(slots), StoredEvent::decode(input)?));
        }
        Ok(Ledger {
            entries,
            first_seen,
            matched: AtomicBool::new(matched),
        })
    }

    /// Records that a subscriber row refers to this address (for D004).
    pub fn mark_matched(&self) {
        self.matched.store(true, AtomicOrdering::Relaxed);
    }

    pub fn is_matched(&self) -> bool {
        self.matched.load(AtomicOrdering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AS_OF: Timestamp = Timestamp::from_unix(1_735_689_600); // 2025-01-01

    fn event(kind: EventKind, time: Option<i64>, row: u64, fit: PurposeFit) -> EventRef {
        EventRef {
            kind,
            time: time.map(Timestamp::from_unix),
            at: Location { input: 0, row },
            purpose_fit: fit,
            purpose: Symbol::EMPTY,
            source: Symbol::EMPTY,
            has_ip: false,
            has_collection_point: false,
            terms: Terms::default(),
        }
    }

    fn history() -> Vec<EventRef> {
        use EventKind::*;
        use PurposeFit::*;
        vec![
            event(OptIn, Some(1_600_000_000), 1, Covers),
            event(Confirm, Some(1_600_000_600), 2, Covers),
            event(OptIn, Some(1_650_000_000), 3, Covers),
            event(OptIn, None, 4, Covers),
            event(OptIn, Some(1_650_000_000), 5, Covers),
            event(Withdraw, Some(1_660_000_000), 6, Unstated),
            event(Withdraw, Some(1_670_000_000), 7, Other),
            event(OptIn, Some(1_680_000_000), 8, Other),
            event(Erasure, None, 9, Unstated),
            event(Activity, Some(1_690_000_000), 10, Unstated),
            event(OptIn, Some(1_800_000_000), 11, Covers),
            event(Withdraw, Some(1_800_000_000), 12, Covers),
        ]
    }

    fn fold(events: impl IntoIterator<Item = EventRef>) -> Ledger {
        let mut ledger = Ledger::default();
        for e in events {
            ledger.observe(e, AS_OF);
        }
        ledger
    }

    fn rows(ledger: &Ledger) -> Vec<(String, u64)> {
        let mut slots: Vec<_> = Slot::ALL
            .iter()
            .filter_map(|slot| Some((format!("{slot:?}"), ledger.get(*slot)?.at.row)))
            .collect();
        slots.sort();
        slots
    }

    #[test]
    fn keeps_latest_per_slot_with_deterministic_ties() {
        let ledger = fold(history());
        assert_eq!(
            ledger
                .get(Slot::Consent(PurposeFit::Covers))
                .unwrap()
                .at
                .row,
            5
        );
        assert_eq!(
            ledger
                .get(Slot::Confirm(PurposeFit::Covers))
                .unwrap()
                .at
                .row,
            2
        );
        assert_eq!(ledger.get(Slot::FirstOptIn).unwrap().at.row, 1);
        assert_eq!(
            ledger.get(Slot::Consent(PurposeFit::Other)).unwrap().at.row,
            8
        );
        assert_eq!(ledger.get(Slot::Activity).unwrap().at.row, 10);
        assert_eq!(ledger.first_seen(), Some(Location { input: 0, row: 1 }));
    }

    #[test]
    fn withdrawals_for_other_purposes_do_not_apply() {
        let ledger = fold(history());
        // Row 7 withdrew another purpose; row 12 is in the future but honoured.
        assert_eq!(ledger.get(Slot::Withdraw).unwrap().at.row, 12);
    }

    #[test]
    fn future_consent_is_ignored_but_remembered() {
        let ledger = fold(history());
        assert_ne!(
            ledger
                .get(Slot::Consent(PurposeFit::Covers))
                .unwrap()
                .at
                .row,
            11
        );
        assert_eq!(ledger.get(Slot::Future).unwrap().at.row, 12);
    }

    #[test]
    fn undated_erasure_outranks_dated_ones() {
        let mut events = history();
        events.push(event(
            EventKind::Erasure,
            Some(1_700_000_000),
            13,
            PurposeFit::Unstated,
        ));
        let ledger = fold(events);
        assert_eq!(ledger.get(Slot::Erasure).unwrap().at.row, 9);
    }

    #[test]
    fn order_and_grouping_do_not_matter() {
        let events = history();
        let expected = rows(&fold(events.clone()));
        let mut reversed = events.clone();
        reversed.reverse();
        assert_eq!(rows(&fold(reversed)), expected);
        for split in 0..events.len() {
            let mut left = fold(events[..split].iter().copied());
            left.merge(fold(events[split..].iter().copied()));
            assert_eq!(rows(&left), expected, "split at {split}");
            let mut right = fold(events[split..].iter().copied());
            right.merge(fold(events[..split].iter().copied()));
            assert_eq!(rows(&right), expected, "reverse split at {split}");
        }
    }
}
