//! Scope words: a withdrawal whose purpose is one of these withdraws every
//! purpose (R001), as an Art. 21(2) objection or an "unsubscribe from all"
//! does. Matched on whole words anywhere in a withdrawal's purpose
//! (`unsubscribed from all emails`); a consent's purpose must be one of
//! them entirely (`all`), and then names no specific purpose (C002).
//!
/// English first, then German, French, Spanish, Italian and Dutch.
pub const ALL_PURPOSES: &[&str] = &[
    "all",
    "*",
    "any",
    "everything",
    "global",
    "globally",
    "all purposes",
    "any purpose",
    "all emails",
    "all email",
    "all mail",
    "all marketing",
    "all communications",
    "all lists",
    "all newsletters",
    "all subscriptions",
    "all topics",
    "all channels",
    "unsubscribe all",
    "opt out of all",
    // de
    "alle",
    "alles",
    "sämtliche",
    "alle Zwecke",
    "alle E-Mails",
    "alle Listen",
    "alle Newsletter",
    "komplett",
    "vollständig",
    "gesamt",
    "generell",
    "jegliche Werbung",
    "Werbung insgesamt",
    // fr
    "tout",
    "tous",
    "toutes",
    "toutes les finalités",
    "tous les emails",
    "toutes les communications",
    "toutes les listes",
    "globale",
    "l'ensemble",
    "tout le marketing",
    // es
    "todo",
    "todos",
    "todas",
    "todas las finalidades",
    "todos los correos",
    "todos los emails",
    "todas las comunicaciones",
    "todas las listas",
    "cualquier",
    // it
    "tutto",
    "tutti",
    "tutte",
    "tutte le finalità",
    "tutte le email",
    "tutte le comunicazioni",
    "tutte le liste",
    "qualsiasi",
    // nl
    "alle doeleinden",
    "alle communicatie",
    "alle lijsten",
    "globaal",
    "volledig",
];

/// Channels: an unsubscribe whose whole purpose is a channel (`email`)
/// means the person wants no email at all. Inside a longer purpose
/// (`Mailing list A`), or as the purpose of a consent, a channel says
/// nothing about scope.
pub const CHANNELS: &[&str] = &[
    "email",
    "emails",
    "mail",
    "mails",
    "mailing",
    "mailings",
    // de, fr, es, it, nl
    "E-Mail-Werbung",
    "courriel",
    "courriels",
    "correo electrónico",
    "correos",
    "posta elettronica",
];
