//! File formats as data: a header fingerprint plus a column mapping.
//!
//! A format says which header names identify it and which column holds
//! each semantic field. Adding an ESP's export is adding an entry to
//! [`FORMATS`], not a code path. Header names are compared folded
//! (`E-Mail-Adresse` = `emailadresse`, see [`crate::text::fold`]).

use crate::consent::DateOrder;
use crate::text::fold;

/// What a file is for in an audit.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    Subscribers,
    Consent,
    Suppression,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Subscribers => "subscribers",
            FileKind::Consent => "consent",
            FileKind::Suppression => "suppression",
        }
    }
}

/// A semantic field that a column can hold.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Email,
    Event,
    Timestamp,
    Purpose,
    Source,
    CollectionPoint,
    Ip,
    /// The subscription status (`subscribed`, `unsubscribed`, `cleaned`...).
    Status,
    /// When the current status was set (Klaviyo's consent timestamp).
    StatusTime,
    OptinTime,
    OptinIp,
    ConfirmTime,
    ConfirmIp,
    UnsubTime,
    /// When the address was cleaned (hard bounce) or suppressed.
    CleanTime,
    /// When the record was created: never an opt-in, only reported as such.
    CreatedAt,
    /// A flag saying the double opt-in was confirmed (no time).
    DoubleOptIn,
    /// A flag saying the person unsubscribed or is blocklisted.
    Unsubscribed,
    /// The lawful basis recorded for the contact (HubSpot).
    LegalBasis,
    /// Suppression reasons (Klaviyo's `Email Suppressions`).
    Suppressions,
    /// How consent was expressed: ticked box, pre-ticked box, implied,
    /// accepted with the terms (C009).
    Method,
    /// The version, hash or address of the notice or consent text the
    /// person saw (C006).
    NoticeVersion,
    /// Whether a bounce was permanent or temporary (`bounce_type`,
    /// `severity`), for a log event that only says `bounce`.
    BounceType,
    /// Why the address hard-bounced (HubSpot's `Email hard bounce reason`):
    /// any value makes it undeliverable (H008).
    BounceReason,
    /// A flag saying the address is invalid or undeliverable.
    Undeliverable,
    /// A flag saying the sending tool quarantined the address (R003).
    Quarantined,
    /// Since when the person is a customer: a purchase (soft opt-in).
    CustomerSince,
    /// The person's latest purchase or order: a purchase (soft opt-in).
    LastPurchase,
    /// How many orders the person placed; more than none is a purchase
    /// without a date.
    OrderCount,
    /// A yes/no consent flag (Shopify's `Accepts Email Marketing`, Brevo's
    /// `OPT_IN`): yes is an undated opt-in, no a refusal.
    MarketingConsent,
}

impl Field {
    pub const ALL: [Field; 30] = [
        Field::Email,
        Field::Event,
        Field::Timestamp,
        Field::Purpose,
        Field::Source,
        Field::CollectionPoint,
        Field::Ip,
        Field::Status,
        Field::StatusTime,
        Field::OptinTime,
        Field::OptinIp,
        Field::ConfirmTime,
        Field::ConfirmIp,
        Field::UnsubTime,
        Field::CleanTime,
        Field::CreatedAt,
        Field::DoubleOptIn,
        Field::Unsubscribed,
        Field::LegalBasis,
        Field::Suppressions,
        Field::Method,
        Field::NoticeVersion,
        Field::BounceType,
        Field::BounceReason,
        Field::Undeliverable,
        Field::Quarantined,
        Field::CustomerSince,
        Field::LastPurchase,
        Field::OrderCount,
        Field::MarketingConsent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Event => "event",
            Field::Timestamp => "timestamp",
            Field::Purpose => "purpose",
            Field::Source => "source",
            Field::CollectionPoint => "collection_point",
            Field::Ip => "ip",
            Field::Status => "status",
            Field::StatusTime => "status_time",
            Field::OptinTime => "optin_time",
            Field::OptinIp => "optin_ip",
            Field::ConfirmTime => "confirm_time",
            Field::ConfirmIp => "confirm_ip",
            Field::UnsubTime => "unsub_time",
            Field::CleanTime => "clean_time",
            Field::CreatedAt => "created_at",
            Field::DoubleOptIn => "double_opt_in",
            Field::Unsubscribed => "unsubscribed",
            Field::LegalBasis => "legal_basis",
            Field::Suppressions => "suppressions",
            Field::Method => "method",
            Field::NoticeVersion => "notice_version",
            Field::BounceType => "bounce_type",
            Field::BounceReason => "bounce_reason",
            Field::Undeliverable => "undeliverable",
            Field::Quarantined => "quarantined",
            Field::CustomerSince => "customer_since",
            Field::LastPurchase => "last_purchase",
            Field::OrderCount => "order_count",
            Field::MarketingConsent => "marketing_consent",
        }
    }

    /// Parses a field name as `--map` takes it (`optin_time`, `Optin-Time`).
    pub fn parse(name: &str) -> Option<Field> {
        let folded = fold(name);
        Field::ALL.into_iter().find(|f| fold(f.as_str()) == folded)
    }

    /// Whether a subscriber export's column of this field is consent
    /// evidence (so the file is read for evidence before it is audited).
    pub fn is_evidence(self) -> bool {
        !matches!(self, Field::Email | Field::CreatedAt)
    }
}

/// One known file format.
#[derive(Debug)]
pub struct FormatDef {
    pub name: &'static str,
    pub kind: FileKind,
    pub detect: Detection,
    /// Per field, the folded header names that hold it, best first.
    pub columns: &'static [(Field, &'static [&'static str])],
    /// Fields without which the file cannot be used.
    pub required: &'static [Field],
    /// How the format writes dates like `05-06-2024`.
    pub date_order: Option<DateOrder>,
    /// Mailchimp: a confirmation time without an opt-in time is the time
    /// of an import or API add, not a confirmation; a confirmation at the
    /// opt-in time is a single opt-in.
    pub confirm_needs_optin: bool,
}

/// What identifies a format by its header. Names are folded; an entry
/// `a|b` is satisfied by either name.
#[derive(Debug)]
pub struct Fingerprint {
    /// Every entry must be present. Empty for the generic formats.
    pub all: &'static [&'static str],
    /// When not empty, at least one must be present.
    pub any: &'static [&'static str],
    /// None may be present: names that only another tool writes (a HubSpot
    /// export has a `Contact ID` as Brevo's does, and a `Lifecycle Stage`).
    pub none: &'static [&'static str],
    /// The delimiter the tool writes (raises the confidence).
    pub delimiter: Option<u8>,
}

/// How a format is told apart from others.
#[derive(Debug)]
pub enum Detection {
    /// By the names in its header.
    Header(Fingerprint),
    /// By the file's shape (Mailman's one column without a header).
    Shape,
    /// The generic format of a kind: whatever no other format claims.
    Fallback,
}

/// What most subscriber formats share; entries say how they differ.
const SUBSCRIBERS: FormatDef = FormatDef {
    name: "generic",
    kind: FileKind::Subscribers,
    detect: Detection::Fallback,
    columns: &[],
    required: &[Field::Email],
    date_order: None,
    confirm_needs_optin: false,
};

impl FormatDef {
    pub fn is_generic(&self) -> bool {
        matches!(self.detect, Detection::Fallback)
    }

    /// Whether the format can be told from a header, and how well it fits
    /// (0 to 1).
    fn confidence(&self, folded: &[String], delimiter: u8) -> Option<f64> {
        let Detection::Header(fingerprint) = &self.detect else {
            return None;
        };
        let has = |entry: &str| entry.split('|').any(|n| folded.iter().any(|h| h == n));
        if !fingerprint.all.iter().all(|e| has(e))
            || !(fingerprint.any.is_empty() || fingerprint.any.iter().any(|e| has(e)))
            || fingerprint.none.iter().any(|e| has(e))
        {
            return None;
        }
        // Each `all` entry and the `any` set are one name each, present by
        // now; the format's column names say how much more of it is there.
        let mut known: Vec<&str> = self
            .columns
            .iter()
            .filter_map(|(_, names)| names.first().copied())
            .collect();
        known.sort_unstable();
        known.dedup();
        let given = fingerprint.all.len() + usize::from(!fingerprint.any.is_empty());
        let seen = given + known.iter().filter(|n| has(n)).count();
        let total = given + known.len();
        let mut confidence = 0.7 + 0.25 * seen as f64 / total.max(1) as f64;
        if fingerprint.delimiter == Some(delimiter) {
            confidence += 0.05;
        }
        Some((confidence.min(1.0) * 100.0).round() / 100.0)
    }
}

/// Header names of an email column, folded, best first: English, German,
/// Dutch, French, Spanish, Italian, Scandinavian, Polish and common tool
/// spellings.
pub const EMAIL_COLUMN_NAMES: &[&str] = &[
    "emailaddress",
    "email",
    "emailadresse",
    "emailadres",
    "mailadresse",
    "mail",
    "emails",
    "emailaddr",
    "adresseemail",
    "adressemail",
    "adresseelectronique",
    "courriel",
    "correoelectronico",
    "correo",
    "indirizzoemail",
    "epost",
    "epostadress",
    "epostadresse",
    "sahkoposti",
    "adresemail",
    "subscriberemail",
    "contactemail",
    "useremail",
    "recipient",
];

const CONSENT_EMAIL_NAMES: &[&str] = &[
    "emailaddress",
    "email",
    "emailadresse",
    "mail",
    "address",
    "subscriber",
    "subscriberemail",
    "recipient",
    "contact",
    "piiprincipalid",
    "identifier",
    "user",
    "useremail",
];

/// The columns of a generic consent log.
const CONSENT_LOG_COLUMNS: &[(Field, &[&str])] = &[
    (Field::Email, CONSENT_EMAIL_NAMES),
    (
        Field::Event,
        &[
            "event",
            "eventtype",
            "type",
            "action",
            "kind",
            "consentevent",
            "consentaction",
            "activity",
            "eventstate",
            "consentstate",
            "consentstatus",
            "state",
            "ereignis",
            "aktion",
            "vorgang",
            "evenement",
            "evento",
            "accion",
            "azione",
            "gebeurtenis",
            "actie",
        ],
    ),
    (
        Field::Timestamp,
        &[
            "timestamp",
            "time",
            "datetime",
            "date",
            "eventtime",
            "eventtimestamp",
            "eventdate",
            "occurredat",
            "createdat",
            "consenttimestamp",
            "ts",
            "at",
            "when",
            "zeitpunkt",
            "zeitstempel",
            "datum",
            "horodatage",
            "fecha",
            "tijdstip",
        ],
    ),
    (
        Field::Purpose,
        &[
            "purpose",
            "purposes",
            "consentpurpose",
            "scope",
            "topic",
            "list",
            "zweck",
            "zwecke",
            "finalite",
            "finalidad",
            "finalita",
            "doel",
        ],
    ),
    (
        Field::Source,
        &[
            "source",
            "collectionmethod",
            "channel",
            "origin",
            "signupsource",
            "leadsource",
            "quelle",
            "herkunft",
            "fuente",
            "fonte",
            "bron",
        ],
    ),
    (
        Field::CollectionPoint,
        &[
            "collectionpoint",
            "form",
            "formid",
            "signupform",
            "url",
            "page",
            "referrer",
            "signedupfrom",
        ],
    ),
    (
        Field::Ip,
        &[
            "ip",
            "ipaddress",
            "ipaddr",
            "optinip",
            "clientip",
            "remoteaddr",
            "remoteip",
            "ipadresse",
            "adresseip",
            "direccionip",
            "indirizzoip",
            "ipadres",
        ],
    ),
    (
        Field::Method,
        &[
            "method",
            "expressionmethod",
            "consentmethod",
            "consenttype",
            "indicationmethod",
            "optinmethod",
            "howgiven",
        ],
    ),
    (
        Field::NoticeVersion,
        &[
            "noticeversion",
            "notice",
            "policyversion",
            "privacypolicyversion",
            "privacynoticeversion",
            "consenttextversion",
            "consenttext",
            "consenttexthash",
            "textversion",
            "formversion",
            "wording",
        ],
    ),
    (
        Field::LegalBasis,
        &[
            "legalbasis",
            "lawfulbasis",
            "basis",
            "consentbasis",
            "caslbasis",
        ],
    ),
    (
        Field::BounceType,
        &[
            "bouncetype",
            "bounceclassification",
            "bouncecategory",
            "bouncesubtype",
            "severity",
            "status",
            "smtpstatus",
        ],
    ),
];

/// Columns only HubSpot writes, by their English labels.
const HUBSPOT_ONLY: &[&str] = &[
    "marketingcontactstatus",
    "legalbasisforprocessingcontactsdata",
    "unsubscribedfromallemail",
    "marketingemailconfirmationstatus",
    "lifecyclestage",
    "leadstatus",
    "contactowner",
    "hubspotscore",
    "originalsource",
    "emailhardbouncereason",
];

/// Columns any subscriber export may carry whatever its tool: a shop's
/// customer dates and order counts (the basis of a soft opt-in).
const UNIVERSAL_COLUMNS: &[(Field, &[&str])] = &[
    (
        Field::CustomerSince,
        &[
            "customersince",
            "customersincedate",
            "clientsince",
            "firstorderdate",
            "firstorder",
            "firstpurchasedate",
            "firstpurchase",
            "dateoffirstorder",
            "kundeseit",
            "erstebestellung",
            "erstkauf",
            "clientdepuis",
            "premierecommande",
            "premierachat",
            "clientedesde",
            "primerpedido",
            "primeracompra",
            "clientedal",
            "primoordine",
            "primoacquisto",
            "klantsinds",
            "eerstebestelling",
            "eersteaankoop",
        ],
    ),
    (
        Field::LastPurchase,
        &[
            "lastpurchaseat",
            "lastpurchase",
            "lastpurchasedate",
            "lastorderdate",
            "lastorder",
            "lastorderat",
            "dateoflastorder",
            "lastordered",
            "letztebestellung",
            "letzterkauf",
            "datumletztebestellung",
            "dernierecommande",
            "dernierachat",
            "datedernierecommande",
            "ultimopedido",
            "ultimacompra",
            "fechaultimopedido",
            "ultimoordine",
            "ultimoacquisto",
            "dataultimoordine",
            "laatstebestelling",
            "laatsteaankoop",
            "datumlaatstebestelling",
        ],
    ),
    (
        Field::MarketingConsent,
        &[
            "acceptsemailmarketing",
            "acceptsmarketing",
            "emailmarketingoptin",
            "marketingoptin",
            "newsletteroptin",
            "optin",
            "werbeeinwilligung",
            "newslettereinwilligung",
        ],
    ),
    (
        Field::OrderCount,
        &[
            "totalorders",
            "orderscount",
            "ordercount",
            "numberoforders",
            "historicnumberoforders",
            "anzahlbestellungen",
            "bestellungen",
            "nombredecommandes",
            "numerodepedidos",
            "numeroordini",
            "aantalbestellingen",
        ],
    ),
];

const OPTIN_TIME_NAMES: &[&str] = &[
    "optintime",
    "optindate",
    "optedinat",
    "optinat",
    "subscribedat",
    "subscriptiondate",
    "signupdate",
    "signuptime",
    "signedupat",
    "consentdate",
    "consenttime",
    "consenttimestamp",
    "consentgivenat",
    "anmeldedatum",
    "datedinscription",
];
const CONFIRM_TIME_NAMES: &[&str] = &[
    "confirmtime",
    "confirmedat",
    "confirmationdate",
    "confirmationtime",
    "doiconfirmedat",
    "doidate",
    "doitime",
    "bestaetigtam",
    "bestatigtam",
];
const UNSUB_TIME_NAMES: &[&str] = &[
    "unsubtime",
    "unsubscribedat",
    "unsubscribedate",
    "unsubscribetime",
    "optoutdate",
    "optedoutat",
    "withdrawnat",
    "abgemeldetam",
];
const CREATED_NAMES: &[&str] = &[
    "createdat",
    "created",
    "createdate",
    "createdon",
    "dateadded",
    "addedtime",
    "addedat",
    "datecreated",
    "entered",
    "profilecreatedon",
    "erstelltam",
];

pub static FORMATS: &[FormatDef] = &[
    FormatDef {
        name: "mailchimp",
        detect: Detection::Header(Fingerprint {
            all: &["leid", "euid", "memberrating"],
            any: &[],
            none: &[],
            delimiter: Some(b','),
        }),
        columns: &[
            (Field::Email, EMAIL_COLUMN_NAMES),
            (Field::OptinTime, &["optintime"]),
            (Field::OptinIp, &["optinip"]),
            (Field::ConfirmTime, &["confirmtime"]),
            (Field::ConfirmIp, &["confirmip"]),
            (Field::UnsubTime, &["unsubtime"]),
            (Field::CleanTime, &["cleantime"]),
            (Field::Source, &["source"]),
        ],
        confirm_needs_optin: true,
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "brevo",
        detect: Detection::Header(Fingerprint {
            all: &["email"],
            any: &[
                "addedtime",
                "modifiedtime",
                "doubleoptin",
                "contactid",
                "extid",
            ],
            none: HUBSPOT_ONLY,
            delimiter: Some(b';'),
        }),
        columns: &[
            (Field::Email, &["email"]),
            (Field::DoubleOptIn, &["doubleoptin"]),
            (
                Field::Unsubscribed,
                &["emailblacklisted", "emailblocklisted", "blacklisted"],
            ),
            (Field::CreatedAt, &["addedtime"]),
        ],
        date_order: Some(DateOrder::DayFirst),
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "listmonk",
        detect: Detection::Header(Fingerprint {
            all: &[
                "uuid",
                "email",
                "attributes",
                "status",
                "createdat",
                "updatedat",
            ],
            any: &[],
            none: &[],
            delimiter: Some(b','),
        }),
        columns: &[
            (Field::Email, &["email"]),
            (Field::Status, &["status"]),
            (Field::CreatedAt, &["createdat"]),
        ],
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "hubspot",
        detect: Detection::Header(Fingerprint {
            all: &["recordid|recordidcontact|contactid"],
            any: HUBSPOT_ONLY,
            none: &[],
            delimiter: Some(b','),
        }),
        columns: &[
            (Field::Email, &["email", "emailaddress"]),
            (Field::LegalBasis, &["legalbasisforprocessingcontactsdata"]),
            (Field::Unsubscribed, &["unsubscribedfromallemail"]),
            (Field::DoubleOptIn, &["marketingemailconfirmationstatus"]),
            (Field::Source, &["originalsource"]),
            (Field::CreatedAt, &["createdate"]),
            (Field::BounceReason, &["emailhardbouncereason"]),
            (Field::Undeliverable, &["invalidemailaddress"]),
            (Field::Quarantined, &["emailaddressquarantined"]),
        ],
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "kit",
        // Kit (ConvertKit): the API's field names, which its CSV export
        // follows (`first_name,email_address,state,created_at,tags`).
        detect: Detection::Header(Fingerprint {
            all: &["emailaddress", "state"],
            any: &[
                "firstname",
                "createdat",
                "tags",
                "canceledat",
                "cancelledat",
            ],
            none: &[],
            delimiter: Some(b','),
        }),
        columns: &[
            (Field::Email, &["emailaddress", "email"]),
            (Field::Status, &["state"]),
            (Field::UnsubTime, &["canceledat", "cancelledat"]),
            (Field::CreatedAt, &["createdat"]),
        ],
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "klaviyo",
        detect: Detection::Header(Fingerprint {
            all: &["email"],
            any: &["klaviyoid", "emailmarketingconsent"],
            none: &[],
            delimiter: Some(b','),
        }),
        columns: &[
            (Field::Email, &["email"]),
            (Field::Status, &["emailmarketingconsent"]),
            (Field::StatusTime, &["emailmarketingconsenttimestamp"]),
            (Field::Suppressions, &["emailsuppressions"]),
            (Field::Source, &["source"]),
            (Field::CreatedAt, &["profilecreatedon", "dateadded"]),
        ],
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "sendy",
        detect: Detection::Header(Fingerprint {
            all: &["email", "optinmethod"],
            any: &["signedupfrom", "addedvia", "gdpr"],
            none: &[],
            delimiter: Some(b','),
        }),
        columns: &[
            (Field::Email, &["email"]),
            (Field::OptinTime, &["joined"]),
            (Field::OptinIp, &["ipaddress"]),
            (Field::Source, &["addedvia"]),
            (Field::CollectionPoint, &["signedupfrom"]),
            (Field::Status, &["status"]),
            (Field::DoubleOptIn, &["optinmethod"]),
        ],
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "phplist",
        detect: Detection::Header(Fingerprint {
            all: &["email"],
            any: &[
                "isthissubscriberconfirmed",
                "isthissubscriberblacklisted",
                "listmembership",
            ],
            none: &[],
            delimiter: Some(b'\t'),
        }),
        columns: &[
            (Field::Email, &["email"]),
            (Field::DoubleOptIn, &["isthissubscriberconfirmed"]),
            (Field::Unsubscribed, &["isthissubscriberblacklisted"]),
            (Field::OptinIp, &["ip"]),
            (Field::CreatedAt, &["entered"]),
        ],
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "substack",
        detect: Detection::Header(Fingerprint {
            all: &["email", "emaildisabled"],
            any: &["activesubscription", "expiry", "createdat"],
            none: &[],
            delimiter: Some(b','),
        }),
        columns: &[
            (Field::Email, &["email"]),
            (Field::Unsubscribed, &["emaildisabled"]),
            (Field::CreatedAt, &["createdat"]),
        ],
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "campaign-monitor",
        detect: Detection::Header(Fingerprint {
            all: &["listjoineddate"],
            any: &["emailaddress", "email"],
            none: &[],
            delimiter: Some(b','),
        }),
        columns: &[
            (Field::Email, &["emailaddress", "email"]),
            (Field::OptinTime, &["listjoineddate"]),
            (Field::Status, &["state"]),
            (Field::StatusTime, &["date"]),
        ],
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "mailerlite",
        detect: Detection::Header(Fingerprint {
            all: &["email|subscriber"],
            any: &["optedinat", "optinip"],
            none: &[],
            delimiter: Some(b','),
        }),
        columns: &[
            (Field::Email, &["email", "subscriber"]),
            (Field::OptinTime, &["subscribedat", "subscribed"]),
            (Field::OptinIp, &["ipaddress", "signupip"]),
            (Field::ConfirmTime, &["optedinat", "optedin"]),
            (Field::ConfirmIp, &["optinip"]),
            (Field::UnsubTime, &["unsubscribedat", "unsubscribed"]),
            (Field::Status, &["status"]),
            (Field::CreatedAt, &["createdat"]),
        ],
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "mailman",
        // Told by its shape (one column, no header), not by a header.
        detect: Detection::Shape,
        columns: &[(Field::Email, &[])],
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "generic",
        detect: Detection::Fallback,
        columns: &[
            (Field::Email, EMAIL_COLUMN_NAMES),
            (Field::OptinTime, OPTIN_TIME_NAMES),
            (Field::OptinIp, &["optinip", "signupip", "subscriptionip"]),
            (Field::ConfirmTime, CONFIRM_TIME_NAMES),
            (Field::ConfirmIp, &["confirmip", "confirmationip", "doiip"]),
            (Field::UnsubTime, UNSUB_TIME_NAMES),
            (
                Field::Status,
                &[
                    "status",
                    "subscriptionstatus",
                    "subscriberstatus",
                    "emailstatus",
                ],
            ),
            (
                Field::Source,
                &[
                    "source",
                    "signupsource",
                    "leadsource",
                    "addedvia",
                    "quelle",
                    "herkunft",
                ],
            ),
            (Field::Purpose, &["purpose", "consentpurpose"]),
            (Field::CreatedAt, CREATED_NAMES),
        ],
        ..SUBSCRIBERS
    },
    FormatDef {
        name: "generic",
        kind: FileKind::Consent,
        detect: Detection::Fallback,
        columns: CONSENT_LOG_COLUMNS,
        required: &[Field::Email, Field::Event],
        date_order: None,
        confirm_needs_optin: false,
    },
    FormatDef {
        name: "generic",
        kind: FileKind::Suppression,
        detect: Detection::Fallback,
        columns: &[(Field::Email, EMAIL_COLUMN_NAMES)],
        required: &[Field::Email],
        date_order: None,
        confirm_needs_optin: false,
    },
];

/// Where each semantic field of a file is.
#[derive(Clone, Debug)]
pub struct ColumnMap {
    pub format: &'static FormatDef,
    /// How sure the detection is, 0 to 1.
    pub confidence: f64,
    columns: Vec<(Field, usize)>,
}

impl ColumnMap {
    /// The generic format of `kind` with no column mapped yet.
    pub fn generic(kind: FileKind) -> ColumnMap {
        ColumnMap::empty(generic_format(kind))
    }

    pub fn empty(format: &'static FormatDef) -> ColumnMap {
        ColumnMap {
            format,
            confidence: if format.is_generic() { 0.5 } else { 1.0 },
            columns: Vec::new(),
        }
    }

    pub fn get(&self, field: Field) -> Option<usize> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, i)| *i)
    }

    /// The mapped fields in the order of [`Field::ALL`].
    pub fn fields(&self) -> impl Iterator<Item = (Field, usize)> + '_ {
        Field::ALL
            .into_iter()
            .filter_map(|field| self.get(field).map(|i| (field, i)))
    }

    /// Points `field` at column `index`, replacing any detected column.
    pub fn set(&mut self, field: Field, index: usize) {
        self.columns.retain(|(f, _)| *f != field);
        self.columns.push((field, index));
    }

    /// Whether the file carries consent evidence besides its addresses.
    pub fn has_evidence(&self) -> bool {
        self.columns.iter().any(|(f, _)| f.is_evidence())
    }

    /// Maps every field of the format whose header is present.
    fn map_header(format: &'static FormatDef, folded: &[String]) -> ColumnMap {
        let mut map = ColumnMap::empty(format);
        for (field, names) in format.columns {
            // Priority by synonym, then by header position; duplicate
            // header names resolve to their first column.
            if let Some(index) = names
                .iter()
                .find_map(|name| folded.iter().position(|h| h == name))
            {
                map.columns.push((*field, index));
            }
        }
        if format.kind == FileKind::Subscribers {
            for (field, names) in UNIVERSAL_COLUMNS {
                if map.get(*field).is_none()
                    && let Some(index) = names
                        .iter()
                        .find_map(|name| folded.iter().position(|h| h == name))
                {
                    map.columns.push((*field, index));
                }
            }
        }
        map
    }

    /// The first required field without a column.
    pub fn missing(&self) -> Option<MissingField> {
        let field = *self
            .format
            .required
            .iter()
            .find(|field| self.get(**field).is_none())?;
        let expected = self
            .format
            .columns
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(&[][..], |(_, names)| *names);
        Some(MissingField { field, expected })
    }
}

/// A required field has no column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingField {
    pub field: Field,
    /// The header names that would have been recognised for it.
    pub expected: &'static [&'static str],
}

fn generic_format(kind: FileKind) -> &'static FormatDef {
    FORMATS
        .iter()
        .find(|f| f.kind == kind && f.is_generic())
        .expect("every kind has a generic format")
}

/// The format called `name` for files of `kind`.
pub fn format_named(kind: FileKind, name: &str) -> Option<&'static FormatDef> {
    let folded = fold(name);
    FORMATS
        .iter()
        .find(|f| f.kind == kind && fold(f.name) == folded)
}

/// The names `--input-format` accepts.
pub fn format_names(kind: FileKind) -> Vec<&'static str> {
    FORMATS
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| f.name)
        .collect()
}

/// Finds the best format of `kind` for a header and maps its columns. The
/// most confident fingerprint wins; the generic format matches any header.
/// A missing required field is left for the caller to report (it may still
/// be found by content or named by the user).
pub fn detect(kind: FileKind, header: &[String], delimiter: u8) -> ColumnMap {
    let folded: Vec<String> = header.iter().map(|h| fold(h)).collect();
    let mut best: Option<(f64, &'static FormatDef)> = None;
    for format in FORMATS.iter().filter(|f| f.kind == kind && !f.is_generic()) {
        if let Some(confidence) = format.confidence(&folded, delimiter)
            && best.is_none_or(|(c, _)| confidence > c)
        {
            best = Some((confidence, format));
        }
    }
    match best {
        Some((confidence, format)) => {
            let mut map = ColumnMap::map_header(format, &folded);
            map.confidence = confidence;
            map
        }
        None => ColumnMap::map_header(generic_format(kind), &folded),
    }
}

/// Maps a header as a format the user named (`--input-format`).
pub fn map_as(format: &'static FormatDef, header: &[String]) -> ColumnMap {
    let folded: Vec<String> = header.iter().map(|h| fold(h)).collect();
    ColumnMap::map_header(format, &folded)
}

/// Finds a column by a user-given name (folded comparison) or, failing
/// that, by a 1-based position.
pub fn find_column(header: &[String], wanted: &str) -> Option<usize> {
    let folded = fold(wanted);
    header
        .iter()
        .position(|h| h.trim() == wanted.trim())
        .or_else(|| {
            header
                .iter()
                .position(|h| !folded.is_empty() && fold(h) == folded)
        })
        .or_else(|| {
            wanted
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=header.len()).contains(n))
                .map(|n| n - 1)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_email_columns_by_many_names() {
        for name in [
            "Email Address",
            "email",
            "E-Mail",
            "E-Mail-Adresse",
            "Emailadresse",
            "EMAIL",
            "mail",
            " e_mail ",
            "Adresse e-mail",
            "Correo electrónico",
        ] {
            let map = detect(
                FileKind::Subscribers,
                &header(&["First Name", name, "Tags"]),
                b',',
            );
            assert_eq!(map.get(Field::Email), Some(1), "{name:?}");
        }
    }

    #[test]
    fn prefers_the_best_synonym_over_position() {
        let map = detect(
            FileKind::Subscribers,
            &header(&["mail", "Email Address"]),
            b',',
        );
        assert_eq!(map.get(Field::Email), Some(1));
        let map = detect(
            FileKind::Subscribers,
            &header(&["Email", "Email Domain"]),
            b',',
        );
        assert_eq!(map.get(Field::Email), Some(0));
    }

    #[test]
    fn maps_consent_log_columns_and_aliases() {
        let map = detect(
            FileKind::Consent,
            &header(&[
                "E-Mail",
                "Event Type",
                "Occurred At",
                "Purposes",
                "Channel",
                "Form",
                "IP Address",
            ]),
            b',',
        );
        let fields: Vec<_> = [
            Field::Email,
            Field::Event,
            Field::Timestamp,
            Field::Purpose,
            Field::Source,
            Field::CollectionPoint,
            Field::Ip,
        ]
        .iter()
        .map(|f| map.get(*f))
        .collect();
        assert_eq!(fields, (0..7).map(Some).collect::<Vec<_>>());
    }

    #[test]
    fn reports_the_missing_required_field() {
        let map = detect(
            FileKind::Subscribers,
            &header(&["First Name", "Phone"]),
            b',',
        );
        assert_eq!(map.missing().unwrap().field, Field::Email);
        let map = detect(FileKind::Consent, &header(&["email", "timestamp"]), b',');
        let err = map.missing().unwrap();
        assert_eq!(err.field, Field::Event);
        assert!(err.expected.contains(&"eventtype"));
    }

    #[test]
    fn user_named_columns() {
        let h = header(&["Kontakt", "Name", "Weitere Adresse"]);
        assert_eq!(find_column(&h, "Kontakt"), Some(0));
        assert_eq!(find_column(&h, "weitere-adresse"), Some(2));
        assert_eq!(find_column(&h, "2"), Some(1));
        assert_eq!(find_column(&h, "4"), None);
        assert_eq!(find_column(&h, "Telefon"), None);
    }

    #[test]
    fn synonym_lists_are_folded() {
        for format in FORMATS {
            for (_, names) in format.columns {
                for name in *names {
                    assert_eq!(fold(name), *name);
                }
            }
        }
    }

    fn detect_line(line: &str, delimiter: u8) -> ColumnMap {
        let names: Vec<String> = line
            .split(delimiter as char)
            .map(|s| s.trim_matches('"').to_string())
            .collect();
        detect(FileKind::Subscribers, &names, delimiter)
    }

    /// Header rows as the research notes document them (esp-formats.md).
    #[test]
    fn documented_headers_are_recognised() {
        let cases: &[(&str, u8, &str)] = &[
            (
                "Email Address,First Name,Last Name,Company,Position,ZIP Code,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,NOTES,TAGS",
                b',',
                "mailchimp",
            ),
            // Pre-2018, no TAGS; EMAIL_TYPE variant; German labels.
            (
                "\"Email Address\",\"First Name\",\"Last Name\",EMAIL_TYPE,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,NOTES",
                b',',
                "mailchimp",
            ),
            (
                "Emailadresse,Vorname,Nachname,Erlaubnis zum Marketing,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,NOTES,TAGS",
                b',',
                "mailchimp",
            ),
            // The 2013 unsubscribed export with duplicate names.
            (
                "Email Address,MEMBER_RATING,OPTIN_TIME,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_REASON_OTHER,LEID,EUID,NOTES",
                b',',
                "mailchimp",
            ),
            (
                "CONTACT ID;EMAIL;LASTNAME;FIRSTNAME;WHATSAPP;SMS;DOUBLE_OPT-IN;OPT_IN;LANDLINE_NUMBER;EXT_ID;CONTACT_TIMEZONE;JOB_TITLE;LINKEDIN;ADDED_TIME;MODIFIED_TIME",
                b';',
                "brevo",
            ),
            ("EMAIL;ADDED_TIME;MODIFIED_TIME", b';', "brevo"),
            ("CONTACT ID;EMAIL;NUME", b';', "brevo"),
            (
                "uuid,email,name,attributes,status,created_at,updated_at",
                b',',
                "listmonk",
            ),
            (
                "\"Record ID\",\"First Name\",\"Last Name\",\"Email\",\"Phone Number\",\"Contact owner\",\"Primary Associated Company ID\",\"Last Activity Date\",\"Lead Status\",\"Marketing contact status\",\"Create Date\",\"Associated Company\"",
                b',',
                "hubspot",
            ),
            (
                "Email,Klaviyo ID,First Name,Last Name,Organization,Title,Phone Number,Address,Address 2,City,State / Region,Country,Zip Code,Latitude,Longitude,Source,IP Address,Email Marketing Consent,Email Marketing Consent Timestamp,First Active,Last Active,Profile Created On,Date Added,Last Open,Last Click,Email Suppressions",
                b',',
                "klaviyo",
            ),
            (
                "\"Name\",\"Email\",\"Joined\",\"Last activity\",\"Added via\",\"Opt-in method\",\"IP address\",\"Country\",\"Country code\",\"Signed up from\",\"Status\",\"GDPR\"",
                b',',
                "sendy",
            ),
            (
                "id\tEmail\tIs this subscriber confirmed\tIs this subscriber blacklisted\tDid this subscriber manually confirm\tNumber of bounces\tEntered\tLast Modified\tUnique ID\tSend this subscriber HTML emails\tRSS Frequency\tIs this account disabled?\tAdditional data\tForeign Key\tList Membership\t",
                b'\t',
                "phplist",
            ),
            (
                "email,active_subscription,expiry,email_disabled,prefer_digests,created_at",
                b',',
                "substack",
            ),
            (
                "email,active_subscription,expiry,plan,email_disabled,created_at,first_payment_at",
                b',',
                "substack",
            ),
            (
                "EmailAddress,Name,Date,ListJoinedDate,State,ReadsEmailWith,ConsentToTrack",
                b',',
                "campaign-monitor",
            ),
            (
                "email,status,subscribed_at,ip_address,opted_in_at,optin_ip,unsubscribed_at,created_at,updated_at",
                b',',
                "mailerlite",
            ),
            // Not an ESP export: generic.
            ("Email,First Name,Last Name", b',', "generic"),
            (
                "email,First Name,Last Name,status,tier,created_at,unsubscribed_at",
                b',',
                "generic",
            ),
        ];
        for (line, delimiter, format) in cases {
            let map = detect_line(line, *delimiter);
            assert_eq!(map.format.name, *format, "{line}");
            assert!(map.missing().is_none(), "{line}");
        }
        // Mailchimp's unsubscribed export maps its withdrawal time; the
        // first of two duplicate columns is read.
        let map = detect_line(cases[3].0, b',');
        assert_eq!(map.get(Field::UnsubTime), Some(5));
        // The generic format still finds evidence columns by their names.
        let map = detect_line(cases[17].0, b',');
        assert_eq!(map.get(Field::UnsubTime), Some(6));
        assert_eq!(map.get(Field::CreatedAt), Some(5));
        assert_eq!(map.get(Field::Status), Some(3));
    }

    #[test]
    fn fingerprints_are_folded_and_formats_named_uniquely() {
        let mut names = std::collections::HashSet::new();
        for format in FORMATS {
            assert!(
                names.insert((format.name, format.kind.as_str())),
                "{}",
                format.name
            );
            if let Detection::Header(fingerprint) = &format.detect {
                for entry in fingerprint.all.iter().chain(fingerprint.any) {
                    for name in entry.split('|') {
                        assert_eq!(fold(name), name, "{}: {name}", format.name);
                    }
                }
            }
        }
        assert_eq!(
            format_named(FileKind::Subscribers, "Campaign Monitor").map(|f| f.name),
            Some("campaign-monitor")
        );
        assert!(format_named(FileKind::Subscribers, "myspace").is_none());
        assert_eq!(Field::parse("Optin-Time"), Some(Field::OptinTime));
        assert_eq!(Field::parse("teleport"), None);
    }
}
