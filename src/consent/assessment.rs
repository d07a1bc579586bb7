//! What the folded history of one address means for the list being audited
//! (SPEC §5): which withdrawal or erasure still stands, and which consent
//! acts came after the last one.

use super::ledger::{EventRef, Ledger, Slot, revocation_order};
use super::purpose::PurposeFit;

/// The consent standing of one address.
#[derive(Debug, Default)]
pub struct Assessment<'a> {
    /// A withdrawal that applies to the list and was not followed by
    /// consent for it.
    pub withdrawal: Option<EventRef>,
    /// An erasure request not followed by consent for the list.
    pub erasure: Option<EventRef>,
    /// Latest opt-in or renewal per purpose fit, since the last withdrawal
    /// or erasure.
    consent: [Option<EventRef>; 3],
    /// Latest confirmation per purpose fit, since the last withdrawal or
    /// erasure.
    confirm: [Option<EventRef>; 3],
    /// Latest engagement from the person since the last withdrawal or
    /// erasure.
    engagement: Option<EventRef>,
    /// A permanent delivery failure (or a bounce of unstated kind) that no
    /// later act of the person shows to be over.
    pub undeliverable: Option<EventRef>,
    /// The latest purchase since the last withdrawal or erasure: what a
    /// soft opt-in rests on.
    purchase: Option<EventRef>,
    /// What [`governing`](Self::governing), [`doi_confirmation`]
    /// (Self::doi_confirmation) and [`latest_consent_act`]
    /// (Self::latest_consent_act) answer: worked out once, as every rule
    /// asks them.
    derived: Derived,
    ledger: Option<&'a Ledger>,
}

#[derive(Debug, Default)]
struct Derived {
    governing: Option<EventRef>,
    doi_confirmation: Option<EventRef>,
    latest_consent_act: Option<EventRef>,
}

/// `event` is strictly after the revocation `revoked` (whose time is `None`
/// when undated: nothing is after it).
fn is_after(event: &EventRef, revoked: Option<&EventRef>) -> bool {
    match revoked {
        None => true,
        Some(revocation) => match (event.time, revocation.time) {
            (Some(t), Some(r)) => t >= r,
            _ => false,
        },
    }
}

impl<'a> Assessment<'a> {
    pub fn new(ledger: Option<&'a Ledger>) -> Assessment<'a> {
        let Some(stored) = ledger else {
            return Assessment::default();
        };
        let ledger = &stored.load_all();
        let consent_acts = |fit| {
            [
                ledger.get(Slot::Consent(fit)),
                ledger.get(Slot::Confirm(fit)),
            ]
        };
        // Any act that may cover the list lifts a revocation before it.
        let lifts = |revocation: &EventRef| {
            [PurposeFit::Covers, PurposeFit::Unstated]
                .into_iter()
                .flat_map(consent_acts)
                .flatten()
                .any(|act| is_after(&act, Some(revocation)))
        };
        let withdrawal = ledger.get(Slot::Withdraw).filter(|w| !lifts(w));
        // A mailbox that bounced is shown to work again by any later act of
        // the person's: a consent of any purpose, a click, a purchase.
        let undeliverable = ledger.get(Slot::Undeliverable).filter(|bounce| {
            !PurposeFit::ALL
                .into_iter()
                .flat_map(consent_acts)
                .chain([ledger.get(Slot::Activity)])
                .flatten()
                .any(|act| is_after(&act, Some(bounce)) && act.time != bounce.time)
        });
        let erasure = ledger.get(Slot::Erasure).filter(|e| !lifts(e));
        let latest_revocation = [ledger.get(Slot::Withdraw), ledger.get(Slot::Erasure)]
            .into_iter()
            .flatten()
            .max_by(revocation_order);
        let since = |slot| {
            ledger
                .get(slot)
                .filter(|e| is_after(e, latest_revocation.as_ref()))
        };
        let mut assessment = Assessment {
            withdrawal,
            erasure,
            consent: PurposeFit::ALL.map(|fit| since(Slot::Consent(fit))),
            confirm: PurposeFit::ALL.map(|fit| since(Slot::Confirm(fit))),
            engagement: since(Slot::Activity),
            undeliverable,
            purchase: since(Slot::Purchase),
            derived: Derived::default(),
            ledger: Some(stored),
        };
        assessment.derived = assessment.derive();
        assessment
    }

    pub fn ledger(&self) -> Option<&'a Ledger> {
        self.ledger
    }

    /// Latest engagement from the person (click, reply, purchase, login)
    /// since the last revocation.
    pub fn engagement(&self) -> Option<EventRef> {
        self.engagement
    }

    /// The latest purchase since the last revocation (dated or not).
    pub fn purchase(&self) -> Option<EventRef> {
        self.purchase
    }

    /// Latest opt-in or renewal with this fit since the last revocation.
    pub fn consent(&self, fit: PurposeFit) -> Option<EventRef> {
        self.consent[fit.index()]
    }

    /// Latest confirmation with this fit since the last revocation.
    pub fn confirmation(&self, fit: PurposeFit) -> Option<EventRef> {
        self.confirm[fit.index()]
    }

    fn has_act(&self, fit: PurposeFit) -> bool {
        self.consent(fit).is_some() || self.confirmation(fit).is_some()
    }

    /// No consent act of any purpose since the last revocation.
    pub fn has_no_consent(&self) -> bool {
        PurposeFit::ALL.iter().all(|fit| !self.has_act(*fit))
    }

    /// The purpose fit the consent for the list rests on: consent that
    /// names the list purpose, else consent that names no purpose. `None`
    /// when the only consent is for other purposes.
    pub fn governing_fit(&self) -> Option<PurposeFit> {
        [PurposeFit::Covers, PurposeFit::Unstated]
            .into_iter()
            .find(|fit| self.has_act(*fit))
    }

    /// The record the consent rests on: the latest opt-in or renewal of the
    /// governing fit, or its confirmation when no opt-in was logged.
    pub fn governing(&self) -> Option<EventRef> {
        self.derived.governing
    }

    /// The latest confirmation that may belong to the governing consent
    /// (its purpose covers the list or is unstated).
    pub fn doi_confirmation(&self) -> Option<EventRef> {
        self.derived.doi_confirmation
    }

    /// The latest dated consent act for the list.
    pub fn latest_consent_act(&self) -> Option<EventRef> {
        self.derived.latest_consent_act
    }

    fn derive(&self) -> Derived {
        let candidates = [
            self.confirmation(PurposeFit::Covers),
            self.confirmation(PurposeFit::Unstated),
        ];
        let doi_confirmation =
            latest(candidates).or_else(|| candidates.into_iter().flatten().next());
        let fit = self.governing_fit();
        Derived {
            governing: fit.and_then(|fit| self.consent(fit).or(self.confirmation(fit))),
            latest_consent_act: fit.and_then(|fit| latest([self.consent(fit), doi_confirmation])),
            doi_confirmation,
        }
    }
}

/// The dated event with the latest time.
pub fn latest(events: impl IntoIterator<Item = Option<EventRef>>) -> Option<EventRef> {
    events
        .into_iter()
        .flatten()
        .filter(|e| e.time.is_some())
        .max_by_key(|e| (e.time, e.at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::event::EventKind;
    use crate::consent::ledger::Location;
    use crate::consent::symbols::Symbol;
    use crate::consent::time::Timestamp;

    const AS_OF: Timestamp = Timestamp::from_unix(2_000_000_000);

    fn ledger(events: &[(EventKind, Option<i64>, PurposeFit)]) -> Ledger {
        let mut ledger = Ledger::default();
        for (row, (kind, time, fit)) in events.iter().enumerate() {
            ledger.observe(
                EventRef {
                    kind: *kind,
                    time: time.map(Timestamp::from_unix),
                    at: Location {
                        input: 0,
                        row: row as u64 + 1,
                    },
                    purpose_fit: *fit,
                    purpose: Symbol::EMPTY,
                    source: Symbol::EMPTY,
                    detail: Symbol::EMPTY,
                    has_ip: false,
                    has_collection_point: false,
                    terms: Default::default(),
                },
                AS_OF,
            );
        }
        ledger
    }

    use EventKind::*;
    use PurposeFit::*;

    #[test]
    fn withdrawal_after_consent_stands() {
        let l = ledger(&[(OptIn, Some(100), Covers), (Withdraw, Some(200), Unstated)]);
        let a = Assessment::new(Some(&l));
        assert_eq!(a.withdrawal.unwrap().at.row, 2);
        assert!(a.has_no_consent());
    }

    #[test]
    fn fresh_opt_in_after_withdrawal_is_re_consent() {
        let l = ledger(&[
            (OptIn, Some(100), Covers),
            (Confirm, Some(101), Covers),
            (Withdraw, Some(200), Covers),
            (OptIn, Some(300), Covers),
        ]);
        let a = Assessment::new(Some(&l));
        assert!(a.withdrawal.is_none());
        assert_eq!(a.governing().unwrap().at.row, 4);
        // The old confirmation does not confirm the new opt-in.
        assert!(a.doi_confirmation().is_none());
    }

    #[test]
    fn consent_for_another_purpose_does_not_lift_a_withdrawal() {
        let l = ledger(&[
            (OptIn, Some(100), Covers),
            (Withdraw, Some(200), Unstated),
            (OptIn, Some(300), Other),
        ]);
        let a = Assessment::new(Some(&l));
        assert_eq!(a.withdrawal.unwrap().at.row, 2);
        assert_eq!(a.consent(Other).unwrap().at.row, 3);
    }

    #[test]
    fn undated_withdrawal_cannot_be_lifted() {
        let l = ledger(&[(Withdraw, None, Unstated), (OptIn, Some(300), Covers)]);
        let a = Assessment::new(Some(&l));
        assert!(a.withdrawal.is_some());
        assert!(a.has_no_consent());
    }

    #[test]
    fn an_undated_erasure_is_the_latest_revocation() {
        let l = ledger(&[
            (OptIn, Some(100), Covers),
            (Withdraw, Some(200), Unstated),
            (Erasure, None, Unstated),
            (OptIn, Some(300), Covers),
        ]);
        let a = Assessment::new(Some(&l));
        assert!(a.withdrawal.is_none(), "the dated withdrawal is lifted");
        assert_eq!(a.erasure.unwrap().at.row, 3);
        assert!(a.has_no_consent(), "nothing can be shown to follow it");
    }

    #[test]
    fn consent_at_the_same_instant_as_the_withdrawal_wins() {
        let l = ledger(&[(OptIn, Some(200), Covers), (Withdraw, Some(200), Covers)]);
        assert!(Assessment::new(Some(&l)).withdrawal.is_none());
    }

    #[test]
    fn erasure_followed_by_a_new_signup_is_lifted() {
        let l = ledger(&[
            (OptIn, Some(100), Covers),
            (Erasure, Some(200), Unstated),
            (OptIn, Some(300), Unstated),
        ]);
        let a = Assessment::new(Some(&l));
        assert!(a.erasure.is_none());
        assert_eq!(a.governing_fit(), Some(Unstated));
    }

    #[test]
    fn governing_prefers_the_list_purpose_over_unstated() {
        let l = ledger(&[
            (OptIn, Some(100), Covers),
            (OptIn, Some(200), Unstated),
            (Confirm, Some(150), Unstated),
        ]);
        let a = Assessment::new(Some(&l));
        assert_eq!(a.governing().unwrap().at.row, 1);
        assert_eq!(a.latest_consent_act().unwrap().at.row, 3);
    }

    #[test]
    fn confirmation_alone_governs_when_no_opt_in_was_logged() {
        let l = ledger(&[(Confirm, Some(100), Covers)]);
        let a = Assessment::new(Some(&l));
        assert_eq!(a.governing().unwrap().kind, Confirm);
    }

    #[test]
    fn no_ledger_means_no_consent() {
        let a = Assessment::new(None);
        assert!(a.has_no_consent());
        assert!(a.withdrawal.is_none() && a.governing().is_none());
    }
}
