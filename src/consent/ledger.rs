//! What the consent logs say about one address, folded to the few events
//! the rules need: the latest event of each kind (per purpose fit), the
//! earliest opt-in and confirmation, and any event dated after `--as-of`.
//!
//! Folding is commutative and associative: the winner of every slot is
//! decided by a total order on (time, location), so the ledger does not
//! depend on the order events arrive in, and the index can be built in
//! parallel with identical results.

use std::cmp::Ordering;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

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
    /// Where a consent act was collected (consent acts only).
    pub source: Symbol,
    /// What the input called any other event (`spam_complaint`, `column
    /// 'Status' is 'cleaned'`), for messages.
    pub detail: Symbol,
    pub has_ip: bool,
    pub has_collection_point: bool,
    pub terms: Terms,
}

/// An event as the ledger stores it, with the slots it fills: 28 bytes
/// where an `EventRef` takes 48. Ledgers are what the index is made of,
/// and the index is most of the memory an audit takes.
#[derive(Copy, Clone, Debug)]
#[repr(C, packed(4))]
struct StoredEvent {
    /// Seconds since the epoch; `i64::MIN` when undated.
    time: i64,
    /// [`Location::pack`].
    at: u64,
    purpose: Symbol,
    /// The source of a consent act, the detail of any other event: no
    /// event needs both.
    source_or_detail: Symbol,
    /// The slots this event fills, one bit each ([`Slot::bit`]).
    slots: u16,
    /// Kind (bits 0–3), purpose fit (bits 4–5), has an IP address (bit
    /// 6), has a collection point (bit 7).
    what: u8,
    /// Method (bits 0–2), basis (bits 3–5), names its notice (bit 6).
    terms: u8,
}

const UNDATED: i64 = i64::MIN;
const ROW_BITS: u32 = 48;
const ROW_MASK: u64 = (1 << ROW_BITS) - 1;
/// Inputs fit in 15 bits: the top bit of a ledger's first-seen location
/// says whether a subscriber row matched it.
const MAX_INPUT: u32 = 0x7FFF;
const MATCHED: u64 = 1 << 63;
const NOT_SEEN: u64 = MATCHED - 1;

impl Location {
    /// The location in 63 bits. Rows past 2^48 and inputs past 2^15 are
    /// beyond any file this tool can be given.
    pub fn pack(self) -> u64 {
        (u64::from(self.input.min(MAX_INPUT)) << ROW_BITS) | self.row.min(ROW_MASK)
    }

    pub fn unpack(packed: u64) -> Location {
        Location {
            input: ((packed & !MATCHED) >> ROW_BITS) as u32,
            row: packed & ROW_MASK,
        }
    }
}

fn index_of<T: PartialEq>(all: &[T], value: &T) -> u8 {
    all.iter().position(|v| v == value).unwrap_or(0) as u8
}

fn pick<T: Copy>(all: &[T], index: u8) -> io::Result<T> {
    all.get(index as usize)
        .copied()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "corrupt index scratch file"))
}

impl StoredEvent {
    fn store(event: &EventRef, slots: u16) -> StoredEvent {
        let terms = event.terms;
        StoredEvent {
            time: event.time.map_or(UNDATED, Timestamp::unix),
            at: event.at.pack(),
            purpose: event.purpose,
            source_or_detail: if event.kind.is_consent_act() {
                event.source
            } else {
                event.detail
            },
            slots,
            what: event.kind as u8
                | (event.purpose_fit as u8) << 4
                | u8::from(event.has_ip) << 6
                | u8::from(event.has_collection_point) << 7,
            terms: index_of(&Method::ALL, &terms.method)
                | index_of(&Basis::ALL, &terms.basis) << 3
                | u8::from(terms.has_notice) << 6,
        }
    }

    fn load(&self) -> EventRef {
        let (time, what, terms) = (self.time, self.what, self.terms);
        let kind = EventKind::ALL[usize::from(what & 0xF).min(EventKind::ALL.len() - 1)];
        let (source, detail) = if kind.is_consent_act() {
            (self.source_or_detail, Symbol::EMPTY)
        } else {
            (Symbol::EMPTY, self.source_or_detail)
        };
        EventRef {
            kind,
            time: (time != UNDATED).then(|| Timestamp::from_unix(time)),
            at: Location::unpack(self.at),
            purpose_fit: PurposeFit::STORED[usize::from(what >> 4 & 3)],
            purpose: self.purpose,
            source,
            detail,
            has_ip: what & 1 << 6 != 0,
            has_collection_point: what & 1 << 7 != 0,
            terms: Terms {
                method: Method::ALL[usize::from(terms & 7).min(Method::ALL.len() - 1)],
                basis: Basis::ALL[usize::from(terms >> 3 & 7).min(Basis::ALL.len() - 1)],
                has_notice: terms & 1 << 6 != 0,
            },
        }
    }

    /// The same event, whatever slots each copy fills.
    fn is(&self, other: &StoredEvent) -> bool {
        let (a, b) = (*self, *other);
        let (a_time, a_at, a_purpose, a_source) = (a.time, a.at, a.purpose, a.source_or_detail);
        let (b_time, b_at, b_purpose, b_source) = (b.time, b.at, b.purpose, b.source_or_detail);
        (a_time, a_at, a_purpose, a_source, a.what, a.terms)
            == (b_time, b_at, b_purpose, b_source, b.what, b.terms)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let (time, at, purpose, source, slots) = (
            self.time,
            self.at,
            self.purpose,
            self.source_or_detail,
            self.slots,
        );
        out.put_u64(time as u64);
        out.put_u64(at);
        out.put_u32(purpose.index() as u32);
        out.put_u32(source.index() as u32);
        out.extend_from_slice(&slots.to_le_bytes());
        out.extend_from_slice(&[self.what, self.terms]);
    }

    fn decode(input: &mut RangeReader<'_>) -> io::Result<StoredEvent> {
        let time = input.u64()? as i64;
        let at = input.u64()?;
        let purpose = Symbol::from_index(input.u32()?);
        let source = Symbol::from_index(input.u32()?);
        let bytes: [u8; 4] = input.take(4)?.try_into().unwrap_or_default();
        let (what, terms) = (bytes[2], bytes[3]);
        // Check the packed enums now, so that `load` never meets a bad one.
        pick(&EventKind::ALL, what & 0xF)?;
        pick(&PurposeFit::STORED, what >> 4 & 3)?;
        pick(&Method::ALL, terms & 7)?;
        pick(&Basis::ALL, terms >> 3 & 7)?;
        Ok(StoredEvent {
            time,
            at,
            purpose,
            source_or_detail: source,
            slots: u16::from_le_bytes([bytes[0], bytes[1]]),
            what,
            terms,
        })
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
    /// Latest dated engagement that came from the person (a purchase too).
    Activity,
    /// Latest purchase: what a soft opt-in rests on.
    Purchase,
    /// Latest permanent delivery failure (or bounce of unstated kind).
    Undeliverable,
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
            // A bounce known to be permanent outranks one of unstated kind.
            Slot::Undeliverable => (candidate.kind == EventKind::HardBounce)
                .cmp(&(current.kind == EventKind::HardBounce))
                .then(revocation_order(candidate, current)),
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
    const ALL: [Slot; 15] = [
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
        Slot::Purchase,
        Slot::Undeliverable,
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
            Slot::Purchase => 12,
            Slot::Undeliverable => 13,
            Slot::Future => 14,
        };
        1 << index
    }
}

/// How many slots a ledger keeps ([`Slot::bit`] numbers them).
const SLOT_COUNT: usize = Slot::ALL.len();

/// Every slot of a ledger, loaded ([`Ledger::load_all`]).
pub struct SlotEvents([Option<EventRef>; SLOT_COUNT]);

impl SlotEvents {
    pub fn get(&self, slot: Slot) -> Option<EventRef> {
        self.0[slot.bit().trailing_zeros() as usize]
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
    entries: SmallVec<[StoredEvent; 2]>,
    /// Where the address was first seen ([`Location::pack`]; `NOT_SEEN`
    /// before any event), and in the top bit whether a subscriber row
    /// matched it (set from the parallel subscriber pass, hence atomic).
    first_seen: AtomicU64,
}

impl Default for Ledger {
    fn default() -> Ledger {
        Ledger {
            entries: SmallVec::new(),
            first_seen: AtomicU64::new(NOT_SEEN),
        }
    }
}

impl Ledger {
    /// Folds one event in. `as_of` decides which events lie in the future:
    /// a future opt-in cannot count as consent yet, but a future withdrawal
    /// or erasure is honoured (it may be a clock or time-zone slip, and
    /// mailing someone who unsubscribed is the worse mistake).
    pub fn observe(&mut self, event: EventRef, as_of: Timestamp) {
        self.see(event.at.pack());
        let in_future = event.time.is_some_and(|t| t > as_of);
        if in_future {
            self.offer(Slot::Future, event);
        }
        let fit = event.purpose_fit.of_consent();
        let may_cover = fit != PurposeFit::Other;
        match event.kind {
            EventKind::OptIn | EventKind::Renew if !in_future => {
                self.offer(Slot::Consent(fit), event);
                if may_cover && event.time.is_some() {
                    self.offer(Slot::FirstOptIn, event);
                }
            }
            EventKind::Confirm if !in_future => {
                self.offer(Slot::Confirm(fit), event);
                if may_cover && event.time.is_some() {
                    self.offer(Slot::FirstConfirm, event);
                }
            }
            EventKind::Withdraw if event.purpose_fit.reaches_list() => {
                self.offer(Slot::Withdraw, event)
            }
            EventKind::Erasure => self.offer(Slot::Erasure, event),
            EventKind::Suppress => self.offer(Slot::Suppress, event),
            EventKind::HardBounce | EventKind::Bounce => self.offer(Slot::Undeliverable, event),
            EventKind::Activity if !in_future && event.time.is_some() => {
                self.offer(Slot::Activity, event)
            }
            EventKind::Purchase if !in_future => {
                if event.time.is_some() {
                    self.offer(Slot::Activity, event);
                }
                self.offer(Slot::Purchase, event);
            }
            _ => {}
        }
    }

    /// Folds a first-seen location in, keeping the matched bit.
    fn see(&mut self, at: u64) {
        let packed = self.first_seen.get_mut();
        *packed = (*packed & MATCHED) | (*packed & !MATCHED).min(at & !MATCHED);
    }

    fn offer(&mut self, slot: Slot, event: EventRef) {
        let bit = slot.bit();
        if let Some(i) = self
            .entries
            .iter()
            .position(|stored| stored.slots & bit != 0)
        {
            if !slot.prefers(&event, &self.entries[i].load()) {
                return;
            }
            self.entries[i].slots &= !bit;
            if self.entries[i].slots == 0 {
                self.entries.swap_remove(i);
            }
        }
        let event = StoredEvent::store(&event, bit);
        match self.entries.iter_mut().find(|stored| stored.is(&event)) {
            Some(stored) => stored.slots |= bit,
            None => self.entries.push(event),
        }
    }

    /// Folds another ledger for the same address into this one.
    pub fn merge(&mut self, mut other: Ledger) {
        let theirs = *other.first_seen.get_mut();
        self.see(theirs);
        *self.first_seen.get_mut() |= theirs & MATCHED;
        for stored in other.entries {
            let (slots, event) = (stored.slots, stored.load());
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
            .find(|stored| stored.slots & bit != 0)
            .map(StoredEvent::load)
    }

    /// Every slot's event, each stored event unpacked once: what a reader
    /// that asks many slots uses (the assessment asked about 25 times per
    /// row, each a scan and an unpacking).
    pub fn load_all(&self) -> SlotEvents {
        let mut events = [None; SLOT_COUNT];
        for stored in &self.entries {
            let event = stored.load();
            let mut bits = stored.slots;
            while bits != 0 {
                let slot = &mut events[bits.trailing_zeros() as usize];
                // As `get`: the first stored event holding a slot answers.
                slot.get_or_insert(event);
                bits &= bits - 1;
            }
        }
        SlotEvents(events)
    }

    /// Bytes the ledger holds outside itself: its events, once more of
    /// them than fit inline, with the allocator's header.
    pub(crate) fn heap_bytes(&self) -> u64 {
        if self.entries.spilled() {
            (self.entries.capacity() * std::mem::size_of::<StoredEvent>() + 16) as u64
        } else {
            0
        }
    }

    /// Where the address first appears in the consent logs.
    pub fn first_seen(&self) -> Option<Location> {
        let packed = self.first_seen.load(AtomicOrdering::Relaxed) & !MATCHED;
        (packed != NOT_SEEN).then(|| Location::unpack(packed))
    }

    /// Writes the ledger to a scratch file (the index spilling).
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.put_u64(self.first_seen.load(AtomicOrdering::Relaxed));
        out.put_u8(self.entries.len() as u8);
        for event in &self.entries {
            event.encode(out);
        }
    }

    pub(crate) fn decode(input: &mut RangeReader<'_>) -> io::Result<Ledger> {
        let first_seen = input.u64()?;
        let count = input.u8()?;
        let mut entries = SmallVec::new();
        for _ in 0..count {
            entries.push(StoredEvent::decode(input)?);
        }
        Ok(Ledger {
            entries,
            first_seen: AtomicU64::new(first_seen),
        })
    }

    /// Records that a subscriber row refers to this address (for D004).
    pub fn mark_matched(&self) {
        self.first_seen.fetch_or(MATCHED, AtomicOrdering::Relaxed);
    }

    pub fn is_matched(&self) -> bool {
        self.first_seen.load(AtomicOrdering::Relaxed) & MATCHED != 0
    }
}

/// An event of input 0 with only its kind, time, row and purpose fit, for
/// tests of what is folded from it.
#[cfg(test)]
pub(crate) fn bare_event(
    kind: EventKind,
    time: Option<i64>,
    row: u64,
    fit: PurposeFit,
) -> EventRef {
    EventRef {
        kind,
        time: time.map(Timestamp::from_unix),
        at: Location { input: 0, row },
        purpose_fit: fit,
        purpose: Symbol::EMPTY,
        source: Symbol::EMPTY,
        detail: Symbol::EMPTY,
        has_ip: false,
        has_collection_point: false,
        terms: Terms::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AS_OF: Timestamp = Timestamp::from_unix(1_735_689_600); // 2025-01-01

    use super::bare_event as event;

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

    /// Loading every slot at once answers as asking each slot does, for
    /// every prefix of a history with all kinds of events and ties.
    #[test]
    fn loading_all_slots_answers_as_each_slot_does() {
        let mut events = history();
        for (row, kind) in EventKind::ALL.iter().enumerate() {
            for fit in PurposeFit::ALL {
                events.push(event(*kind, Some(1_700_000_000), 20 + row as u64, fit));
                events.push(event(*kind, None, 60 + row as u64, fit));
            }
        }
        for end in 0..=events.len() {
            let ledger = fold(events[..end].iter().copied());
            let loaded = ledger.load_all();
            for slot in Slot::ALL {
                assert_eq!(loaded.get(slot), ledger.get(slot), "{slot:?} after {end}");
            }
        }
    }

    /// The index holds one ledger per address: these sizes are what a
    /// 10M-subscriber audit's memory is made of.
    #[test]
    fn ledgers_stay_small() {
        assert_eq!(std::mem::size_of::<StoredEvent>(), 28);
        assert_eq!(std::mem::size_of::<Ledger>(), 72);
    }

    #[test]
    fn stored_events_load_back_what_was_stored() {
        for (i, kind) in EventKind::ALL.into_iter().enumerate() {
            for fit in PurposeFit::STORED {
                let event = EventRef {
                    kind,
                    time: (i % 2 == 0).then(|| Timestamp::from_unix(1_600_000_000 - i as i64)),
                    at: Location {
                        input: 0x7FFF,
                        row: (1 << 48) - 1 - i as u64,
                    },
                    purpose_fit: fit,
                    purpose: Symbol::from_index(i as u32 * 1000),
                    source: if kind.is_consent_act() {
                        Symbol::from_index(u32::MAX - i as u32)
                    } else {
                        Symbol::EMPTY
                    },
                    detail: if kind.is_consent_act() {
                        Symbol::EMPTY
                    } else {
                        Symbol::from_index(7 + i as u32)
                    },
                    has_ip: i % 3 == 0,
                    has_collection_point: i % 2 == 1,
                    terms: Terms {
                        method: Method::ALL[i % Method::ALL.len()],
                        basis: Basis::ALL[i % Basis::ALL.len()],
                        has_notice: i % 4 == 0,
                    },
                };
                assert_eq!(StoredEvent::store(&event, 1).load(), event);
            }
        }
    }

    #[test]
    fn matching_does_not_move_the_first_location() {
        let mut ledger = fold(history());
        ledger.mark_matched();
        assert!(ledger.is_matched());
        assert_eq!(ledger.first_seen(), Some(Location { input: 0, row: 1 }));
        ledger.observe(
            event(EventKind::OptIn, Some(1), 0, PurposeFit::Covers),
            AS_OF,
        );
        assert_eq!(ledger.first_seen(), Some(Location { input: 0, row: 0 }));
        assert!(ledger.is_matched());
        let mut other = fold(history());
        other.merge(ledger);
        assert!(other.is_matched());
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
