//! One table per language: phrasings as real exports, logs and consultants
//! write them, and what each must mean. Then the checks that keep the data
//! itself sound: every word folds to something, and no word means two
//! things.

use std::collections::HashMap;

use super::*;
use crate::consent::PurposeMatcher;
use crate::consent::{EventKind as E, PurposeFit, SourceCategory as Cat, SourceClass as S};

fn v() -> &'static Vocabulary {
    Vocabulary::builtin()
}

fn events(table: &[(&str, Option<E>)]) {
    for (cell, kind) in table {
        assert_eq!(v().event(cell), *kind, "event {cell:?}");
    }
}

fn sources(table: &[(&str, S)]) {
    for (cell, class) in table {
        assert_eq!(v().source(cell), *class, "source {cell:?}");
    }
}

fn statuses(table: &[(&str, Option<Status>)]) {
    for (cell, status) in table {
        assert_eq!(v().status(cell, "generic"), *status, "status {cell:?}");
    }
}

/// Withdrawal purposes that must reach every purpose of a `newsletter`
/// list, and ones that must not.
fn scopes(everything: &[&str], not: &[&str]) {
    let matcher = PurposeMatcher::new("newsletter", [], v().all_purposes());
    for cell in everything {
        assert_eq!(
            matcher.classify_withdrawal(cell),
            PurposeFit::Everything,
            "scope {cell:?}"
        );
    }
    for cell in not {
        assert_ne!(
            matcher.classify_withdrawal(cell),
            PurposeFit::Everything,
            "scope {cell:?}"
        );
    }
}

#[test]
fn english() {
    events(&[
        ("opt_in", Some(E::OptIn)),
        ("Opt-In", Some(E::OptIn)),
        ("SUBSCRIBE", Some(E::OptIn)),
        ("Subscribed to List", Some(E::OptIn)),
        ("dpv:ConsentGiven", Some(E::OptIn)),
        ("Double Opt-In", Some(E::Confirm)),
        ("doi_confirmed", Some(E::Confirm)),
        ("re-opt-in", Some(E::Renew)),
        ("dpv:RenewedConsentGiven", Some(E::Renew)),
        ("unsubscribe", Some(E::Withdraw)),
        ("group_unsubscribe", Some(E::Withdraw)),
        ("opt-out", Some(E::Withdraw)),
        ("objection", Some(E::Withdraw)),
        ("spamreport", Some(E::Withdraw)),
        ("SpamComplaint", Some(E::Withdraw)),
        ("Marked Email as Spam", Some(E::Withdraw)),
        ("abuse_report", Some(E::Withdraw)),
        ("complained", Some(E::Withdraw)),
        ("dpv:ConsentWithdrawn", Some(E::Withdraw)),
        ("erasure_request", Some(E::Erasure)),
        ("Right to be forgotten", Some(E::Erasure)),
        ("click", Some(E::Activity)),
        ("Placed Order", Some(E::Purchase)),
        ("purchase", Some(E::Purchase)),
        ("open", Some(E::Open)),
        ("delivered", Some(E::Delivery)),
        ("processed", Some(E::Delivery)),
        ("deferred", Some(E::SoftBounce)),
        ("soft_bounce", Some(E::SoftBounce)),
        ("SoftBounce", Some(E::SoftBounce)),
        ("hard_bounce", Some(E::HardBounce)),
        ("HardBounce", Some(E::HardBounce)),
        ("invalid_email", Some(E::HardBounce)),
        ("cleaned", Some(E::HardBounce)),
        ("bounce", Some(E::Bounce)),
        ("failed", Some(E::Bounce)),
        ("dropped", Some(E::Suppress)),
        ("blocked", Some(E::Suppress)),
        ("teleported", None),
        ("opt-in pending", None),
        ("", None),
        (" - ", None),
    ]);
    scopes(
        &[
            "all",
            "*",
            "global",
            "All purposes",
            "all_emails",
            "email",
            "E-mail",
            "Unsubscribed from all email",
            "all marketing",
            "everything",
        ],
        &[
            "newsletter_weekly",
            "partners",
            "small business tips",
            "call me",
        ],
    );
    sources(&[
        ("Summer Sweepstakes 2024", S::Invalid(Cat::Contest)),
        ("contest2024", S::Invalid(Cat::Contest)),
        ("Instagram giveaway", S::Invalid(Cat::Contest)),
        ("Prize draw at the stand", S::Invalid(Cat::Contest)),
        ("purchased_list", S::Invalid(Cat::PurchasedList)),
        ("Bought leads (vendor X)", S::Invalid(Cat::PurchasedList)),
        ("Data-Broker", S::Invalid(Cat::PurchasedList)),
        ("rented list", S::Invalid(Cat::RentedList)),
        ("co-registration", S::Invalid(Cat::RentedList)),
        ("LinkedIn sync", S::Invalid(Cat::AddressBook)),
        ("social network import", S::Invalid(Cat::AddressBook)),
        ("address_book_import", S::Invalid(Cat::AddressBook)),
        ("Gmail contacts", S::Invalid(Cat::AddressBook)),
        ("tell-a-friend", S::Invalid(Cat::AddressBook)),
        ("linkedin scraping", S::Invalid(Cat::Scraped)),
        ("Enriched via Kaspr", S::Invalid(Cat::Scraped)),
        ("business card", S::Invalid(Cat::BusinessCard)),
        (
            "Business cards from Web Summit",
            S::Invalid(Cat::BusinessCard),
        ),
        ("trade show badge", S::Invalid(Cat::BusinessCard)),
        ("Lead scanner CES", S::Invalid(Cat::BusinessCard)),
        ("partner data", S::Invalid(Cat::ThirdParty)),
        ("CSV import", S::Import),
        ("Imported from old CRM", S::Import),
        ("API", S::Import),
        ("List upload 2023-05", S::Import),
        ("App interface", S::Import),
        ("Offline Sources", S::Import),
        ("Manually Initiated", S::Import),
        ("web_form", S::Known),
        ("Website footer form", S::Known),
        ("checkout", S::Known),
        ("Standard subscribe form", S::Known),
        ("Direct Traffic", S::Known),
        ("double_opt_in_link", S::Known),
        ("repermission_campaign_2024", S::Known),
        ("ICO permission pass", S::Known),
        ("LinkedIn Ads", S::Unrecognised),
        ("Hochzeitsmesse", S::Invalid(Cat::BusinessCard)),
        ("Facebook Messenger bot", S::Unrecognised),
        ("", S::Empty),
    ]);
    statuses(&[
        ("subscribed", Some(Status::Subscribed)),
        ("Active", Some(Status::Subscribed)),
        ("cleaned", Some(Status::Undeliverable)),
        ("Bounced", Some(Status::Undeliverable)),
        ("junk", Some(Status::Undeliverable)),
        ("Soft bounced", Some(Status::SoftBounced)),
        ("Marked as spam", Some(Status::Complained)),
        ("cancelled", Some(Status::Unsubscribed)),
        ("inactive", Some(Status::Unsubscribed)),
        ("NEVER_SUBSCRIBED", Some(Status::NeverSubscribed)),
        ("blocklisted", Some(Status::Blocklisted)),
        ("Suppressed", Some(Status::Suppressed)),
        ("enabled", Some(Status::Neutral)),
        ("teleported", None),
    ]);
    // Kit's `inactive` subscriber never confirmed.
    assert_eq!(v().status("inactive", "kit"), Some(Status::Pending));
}

#[test]
fn german() {
    events(&[
        ("Anmeldung", Some(E::OptIn)),
        ("Einwilligung erteilt", Some(E::OptIn)),
        ("Anmeldebestätigung", Some(E::Confirm)),
        ("DOI bestätigt", Some(E::Confirm)),
        ("bestaetigt", Some(E::Confirm)),
        ("Abmeldung", Some(E::Withdraw)),
        ("ausgetragen", Some(E::Withdraw)),
        ("Widerspruch", Some(E::Withdraw)),
        ("als Spam markiert", Some(E::Withdraw)),
        ("Löschung", Some(E::Erasure)),
        ("Loeschung", Some(E::Erasure)),
        ("Löschantrag", Some(E::Erasure)),
        ("Bestellung", Some(E::Purchase)),
        ("geöffnet", Some(E::Open)),
        ("unzustellbar", Some(E::HardBounce)),
        ("Rückläufer", Some(E::Bounce)),
        ("gesperrt", Some(E::Suppress)),
    ]);
    scopes(
        &[
            "alle",
            "Alle E-Mails",
            "sämtliche Zwecke",
            "komplett",
            "alle Newsletter",
        ],
        &["Angebote", "Produktneuheiten"],
    );
    sources(&[
        ("Gewinnspiel", S::Invalid(Cat::Contest)),
        ("Gewinnspielteilnahme Mai", S::Invalid(Cat::Contest)),
        ("Verlosung Sommerfest", S::Invalid(Cat::Contest)),
        ("Adresskauf 2022", S::Invalid(Cat::PurchasedList)),
        ("gekaufte Adressen", S::Invalid(Cat::PurchasedList)),
        ("Listenmiete", S::Invalid(Cat::RentedList)),
        ("Adressmiete Verlag", S::Invalid(Cat::RentedList)),
        ("XING-Kontakte", S::Invalid(Cat::AddressBook)),
        ("Adressbuch-Import", S::Invalid(Cat::AddressBook)),
        ("Freunde werben", S::Invalid(Cat::AddressBook)),
        ("Datenanreicherung", S::Invalid(Cat::Scraped)),
        ("Visitenkarte Messe Köln", S::Invalid(Cat::BusinessCard)),
        ("Fachmesse 2024", S::Invalid(Cat::BusinessCard)),
        ("Drittanbieter", S::Invalid(Cat::ThirdParty)),
        ("Import aus Altsystem", S::Import),
        ("manuell angelegt", S::Import),
        ("Webformular", S::Known),
        ("Newsletter-Anmeldung Website", S::Known),
        ("Kundenkonto", S::Known),
    ]);
    statuses(&[
        ("aktiv", Some(Status::Subscribed)),
        ("abgemeldet", Some(Status::Unsubscribed)),
        ("unbestätigt", Some(Status::Pending)),
        ("unzustellbar", Some(Status::Undeliverable)),
        ("gesperrt", Some(Status::Blocklisted)),
    ]);
}

#[test]
fn french() {
    events(&[
        ("inscription", Some(E::OptIn)),
        ("Consentement donné", Some(E::OptIn)),
        ("inscription confirmée", Some(E::Confirm)),
        ("Désinscription", Some(E::Withdraw)),
        ("desinscription", Some(E::Withdraw)),
        ("désabonnement", Some(E::Withdraw)),
        ("retrait du consentement", Some(E::Withdraw)),
        ("signalé comme spam", Some(E::Withdraw)),
        ("droit à l'oubli", Some(E::Erasure)),
        ("demande d'effacement", Some(E::Erasure)),
        ("commande", Some(E::Purchase)),
        ("rebond permanent", Some(E::HardBounce)),
        ("rebond temporaire", Some(E::SoftBounce)),
    ]);
    scopes(
        &[
            "tout",
            "tous les emails",
            "Toutes les finalités",
            "courriel",
        ],
        &["offres partenaires"],
    );
    sources(&[
        ("jeu concours", S::Invalid(Cat::Contest)),
        ("tirage au sort", S::Invalid(Cat::Contest)),
        ("fichier acheté", S::Invalid(Cat::PurchasedList)),
        ("Fichier achete 2021", S::Invalid(Cat::PurchasedList)),
        ("location de fichier", S::Invalid(Cat::RentedList)),
        ("parrainage", S::Invalid(Cat::AddressBook)),
        ("carte de visite", S::Invalid(Cat::BusinessCard)),
        ("salon professionnel", S::Invalid(Cat::BusinessCard)),
        ("fichier partenaire", S::Invalid(Cat::ThirdParty)),
        ("importé", S::Import),
        ("saisie manuelle", S::Import),
        ("formulaire d'inscription", S::Known),
        ("boutique en ligne", S::Known),
    ]);
    statuses(&[
        ("désinscrit", Some(Status::Unsubscribed)),
        ("en attente", Some(Status::Pending)),
        ("bloqué", Some(Status::Blocklisted)),
    ]);
}

#[test]
fn spanish() {
    events(&[
        ("suscripción", Some(E::OptIn)),
        ("alta", Some(E::OptIn)),
        ("suscripción confirmada", Some(E::Confirm)),
        ("baja", Some(E::Withdraw)),
        ("darse de baja", Some(E::Withdraw)),
        ("marcado como spam", Some(E::Withdraw)),
        ("derecho de supresión", Some(E::Erasure)),
        ("derecho al olvido", Some(E::Erasure)),
        ("compra", Some(E::Purchase)),
        ("clic", Some(E::Activity)),
        ("rebote duro", Some(E::HardBounce)),
        ("rebote", Some(E::Bounce)),
    ]);
    scopes(
        &[
            "todo",
            "todos los correos",
            "todas las finalidades",
            "correo electrónico",
        ],
        &["ofertas"],
    );
    sources(&[
        ("sorteo de verano", S::Invalid(Cat::Contest)),
        ("concurso", S::Invalid(Cat::Contest)),
        ("lista comprada", S::Invalid(Cat::PurchasedList)),
        ("alquiler de base de datos", S::Invalid(Cat::RentedList)),
        ("importación de contactos", S::Invalid(Cat::AddressBook)),
        ("tarjeta de visita", S::Invalid(Cat::BusinessCard)),
        ("feria comercial", S::Invalid(Cat::BusinessCard)),
        ("datos de terceros", S::Invalid(Cat::ThirdParty)),
        ("importado", S::Import),
        ("formulario web", S::Known),
    ]);
    statuses(&[
        ("dado de baja", Some(Status::Unsubscribed)),
        ("pendiente", Some(Status::Pending)),
        ("rebotado", Some(Status::Undeliverable)),
    ]);
}

#[test]
fn italian() {
    events(&[
        ("iscrizione", Some(E::OptIn)),
        ("consenso prestato", Some(E::OptIn)),
        ("iscrizione confermata", Some(E::Confirm)),
        ("disiscrizione", Some(E::Withdraw)),
        ("revoca del consenso", Some(E::Withdraw)),
        ("segnalato come spam", Some(E::Withdraw)),
        ("cancellazione", Some(E::Erasure)),
        ("diritto all'oblio", Some(E::Erasure)),
        ("acquisto", Some(E::Purchase)),
        ("rimbalzo permanente", Some(E::HardBounce)),
    ]);
    scopes(
        &["tutto", "tutte le email", "tutte le finalità"],
        &["offerte"],
    );
    sources(&[
        ("concorso a premi", S::Invalid(Cat::Contest)),
        ("lista acquistata", S::Invalid(Cat::PurchasedList)),
        ("noleggio liste", S::Invalid(Cat::RentedList)),
        ("rubrica", S::Invalid(Cat::AddressBook)),
        ("biglietto da visita", S::Invalid(Cat::BusinessCard)),
        ("fiera", S::Invalid(Cat::BusinessCard)),
        ("terze parti", S::Invalid(Cat::ThirdParty)),
        ("importazione", S::Import),
        ("modulo di iscrizione", S::Known),
    ]);
    statuses(&[
        ("disiscritto", Some(Status::Unsubscribed)),
        ("in attesa", Some(Status::Pending)),
    ]);
}

#[test]
fn dutch() {
    events(&[
        ("aanmelding", Some(E::OptIn)),
        ("toestemming gegeven", Some(E::OptIn)),
        ("aanmelding bevestigd", Some(E::Confirm)),
        ("afmelding", Some(E::Withdraw)),
        ("uitgeschreven", Some(E::Withdraw)),
        ("toestemming ingetrokken", Some(E::Withdraw)),
        ("recht op vergetelheid", Some(E::Erasure)),
        ("bestelling", Some(E::Purchase)),
        ("onbestelbaar", Some(E::HardBounce)),
    ]);
    scopes(
        &["alle", "alle e-mails", "alle doeleinden"],
        &["aanbiedingen"],
    );
    sources(&[
        ("winactie", S::Invalid(Cat::Contest)),
        ("gekochte lijst", S::Invalid(Cat::PurchasedList)),
        ("gehuurde lijst", S::Invalid(Cat::RentedList)),
        ("adresboek", S::Invalid(Cat::AddressBook)),
        ("visitekaartje", S::Invalid(Cat::BusinessCard)),
        ("vakbeurs", S::Invalid(Cat::BusinessCard)),
        ("derde partij", S::Invalid(Cat::ThirdParty)),
        ("geïmporteerd", S::Import),
        ("aanmeldformulier", S::Known),
    ]);
    statuses(&[
        ("afgemeld", Some(Status::Unsubscribed)),
        ("onbevestigd", Some(Status::Pending)),
    ]);
}

#[test]
fn bounce_types_and_flags() {
    for (cell, permanent) in [
        ("hard", Some(true)),
        ("Permanent", Some(true)),
        ("5.1.1", Some(true)),
        ("550", Some(true)),
        ("Transient", Some(false)),
        ("4.2.2", Some(false)),
        ("soft", Some(false)),
        ("mystery", None),
    ] {
        assert_eq!(v().bounce_type(cell), permanent, "{cell:?}");
    }
    for (cell, flag) in [
        ("TRUE", Some(true)),
        ("Double opt-in", Some(true)),
        ("Single opt-in", Some(false)),
        ("2", Some(false)),
        ("nee", Some(false)),
        ("maybe", None),
    ] {
        assert_eq!(v().flag(cell), flag, "{cell:?}");
    }
    assert_eq!(
        v().suppression_reason("HARD_BOUNCE"),
        Some(Status::Undeliverable)
    );
    assert_eq!(
        v().suppression_reason("SPAM_COMPLAINT"),
        Some(Status::Complained)
    );
    assert_eq!(
        v().suppression_reason("USER_SUPPRESSED"),
        Some(Status::Suppressed)
    );
    assert_eq!(v().suppression_reason("MOON_PHASE"), None);
}

#[test]
fn policies_teach_words_that_win_over_built_in_ones() {
    let mut vocabulary = v().clone();
    vocabulary.add_event(E::Withdraw, "Austragung per Brief");
    vocabulary.add_event(E::HardBounce, "bounce");
    vocabulary.add_status(Status::Unsubscribed, "ruhend");
    vocabulary.add_all_purposes("sämtliche Listen");
    vocabulary.add_source(S::Invalid(Cat::Contest), "Preisrätsel");
    vocabulary.add_source(S::Known, "Hochzeitsmesse Anmeldung");
    assert_eq!(
        v().source("Hochzeitsmesse Anmeldung"),
        S::Invalid(Cat::BusinessCard)
    );
    assert_eq!(vocabulary.source("Hochzeitsmesse Anmeldung 2025"), S::Known);
    assert_eq!(
        vocabulary.source("Hochzeitsmesse"),
        S::Invalid(Cat::BusinessCard)
    );
    assert_eq!(vocabulary.event("austragung_per_brief"), Some(E::Withdraw));
    assert_eq!(vocabulary.event("Bounce"), Some(E::HardBounce));
    assert_eq!(
        vocabulary.status("Ruhend", "generic"),
        Some(Status::Unsubscribed)
    );
    assert_eq!(
        vocabulary.source("Preisrätsel Juni"),
        S::Invalid(Cat::Contest)
    );
    let matcher = PurposeMatcher::new("newsletter", [], vocabulary.all_purposes());
    assert_eq!(
        matcher.classify_withdrawal("Sämtliche Listen"),
        PurposeFit::Everything
    );
    assert_eq!(vocabulary.added().len(), 6);
    assert_eq!(v().event("bounce"), Some(E::Bounce), "the built-in stays");
}

#[test]
fn every_word_folds_to_something_and_means_one_thing() {
    fn unique<T: Copy + PartialEq + std::fmt::Debug>(name: &str, table: &[(T, &[&str])]) {
        let mut seen: HashMap<String, (T, &str)> = HashMap::new();
        for (value, words) in table {
            for word in *words {
                // A symbols-only word (`*`) is matched as it is.
                let folded = match fold(word) {
                    folded if folded.is_empty() => word.trim().to_string(),
                    folded => folded,
                };
                assert!(!folded.is_empty(), "{name}: {word:?} is empty");
                if let Some((other, first)) = seen.insert(folded.clone(), (*value, word)) {
                    panic!(
                        "{name}: {word:?} and {first:?} both fold to {folded:?} ({other:?}, {value:?})"
                    );
                }
            }
        }
    }
    unique("events", EVENT_WORDS);
    unique("statuses", STATUS_WORDS);
    unique("bounce types", BOUNCE_TYPES);
    unique("flags", FLAG_WORDS);
    unique("suppression reasons", SUPPRESSION_REASONS);
    let scope: Vec<(crate::consent::Scope, &[&str])> = vec![
        (crate::consent::Scope::All, ALL_PURPOSES),
        (crate::consent::Scope::Channel, CHANNELS),
    ];
    unique("scope", &scope);
    for (_, words) in INVALID_SOURCES {
        for word in *words {
            assert!(!Phrase::expand(word).is_empty(), "{word:?}");
        }
    }
}

use crate::text::Phrase;
