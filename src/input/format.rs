//! File formats as data: a header fingerprint plus a column mapping.
//!
//! A format says which header names identify it and which column holds
//! each semantic field. Adding an ESP's export is adding an entry to
//! [`FORMATS`], not a code path. Header names are compared folded
//! (`E-Mail-Adresse` = `emailadresse`, see [`crate::text::fold`]).

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
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Event => "event",
            Field::Timestamp => "timestamp",
            Field::Purpose => "purpose",
            Field::Source => "source",
            Field::CollectionPoint => "collection_point",
            Field::Ip => "ip",
        }
    }
}

/// One known file format.
#[derive(Debug)]
pub struct FormatDef {
    pub name: &'static str,
    pub kind: FileKind,
    /// Folded header names that must all be present for the format to
    /// apply. Empty for the generic formats, which apply to anything.
    pub fingerprint: &'static [&'static str],
    /// Per field, the folded header names that hold it, best first.
    pub columns: &'static [(Field, &'static [&'static str])],
    /// Fields without which the file cannot be used.
    pub required: &'static [Field],
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
    "adresseélectronique",
    "courriel",
    "correoelectrónico",
    "correoelectronico",
    "correo",
    "indirizzoemail",
    "epost",
    "epostadress",
    "epostadresse",
    "sähköposti",
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

pub static FORMATS: &[FormatDef] = &[
    FormatDef {
        name: "generic",
        kind: FileKind::Subscribers,
        fingerprint: &[],
        columns: &[(Field::Email, EMAIL_COLUMN_NAMES)],
        required: &[Field::Email],
    },
    FormatDef {
        name: "generic",
        kind: FileKind::Consent,
        fingerprint: &[],
        columns: &[
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
                ],
            ),
        ],
        required: &[Field::Email, Field::Event],
    },
    FormatDef {
        name: "generic",
        kind: FileKind::Suppression,
        fingerprint: &[],
        columns: &[(Field::Email, EMAIL_COLUMN_NAMES)],
        required: &[Field::Email],
    },
];

/// Where each semantic field of a file is.
#[derive(Clone, Debug)]
pub struct ColumnMap {
    pub format: &'static FormatDef,
    columns: Vec<(Field, usize)>,
}

impl ColumnMap {
    /// The generic format of `kind` with no column mapped yet.
    pub fn generic(kind: FileKind) -> ColumnMap {
        let format = FORMATS
            .iter()
            .find(|f| f.kind == kind && f.fingerprint.is_empty())
            .expect("every kind has a generic format");
        ColumnMap {
            format,
            columns: Vec::new(),
        }
    }

    pub fn get(&self, field: Field) -> Option<usize> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, i)| *i)
    }

    pub fn fields(&self) -> impl Iterator<Item = (Field, usize)> + '_ {
        self.columns.iter().copied()
    }

    /// Points `field` at column `index`, replacing any detected column.
    pub fn set(&mut self, field: Field, index: usize) {
        self.columns.retain(|(f, _)| *f != field);
        self.columns.push((field, index));
    }
}

/// A required field has no column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingField {
    pub field: Field,
    /// The header names that would have been recognised for it.
    pub expected: &'static [&'static str],
}

/// Finds the best format of `kind` for a header and maps its columns.
/// The most specific matching fingerprint wins; the generic format matches
/// any header.
pub fn detect(kind: FileKind, header: &[String]) -> Result<ColumnMap, MissingField> {
    let folded: Vec<String> = header.iter().map(|h| fold(h)).collect();
    let format = FORMATS
        .iter()
        .filter(|f| f.kind == kind)
        .filter(|f| {
            f.fingerprint
                .iter()
                .all(|name| folded.iter().any(|h| h == name))
        })
        .max_by_key(|f| f.fingerprint.len())
        .expect("every kind has a generic format");
    let mut columns = Vec::new();
    for (field, names) in format.columns {
        // Priority by synonym, then by header position; duplicate header
        // names resolve to their first column.
        if let Some(index) = names
            .iter()
            .find_map(|name| folded.iter().position(|h| h == name))
        {
            columns.push((*field, index));
        }
    }
    let map = ColumnMap { format, columns };
    for field in format.required {
        if map.get(*field).is_none() {
            let expected = format
                .columns
                .iter()
                .find(|(f, _)| f == field)
                .map_or(&[][..], |(_, names)| *names);
            return Err(MissingField {
                field: *field,
                expected,
            });
        }
    }
    Ok(map)
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
            )
            .unwrap_or_else(|_| panic!("{name:?}"));
            assert_eq!(map.get(Field::Email), Some(1), "{name:?}");
        }
    }

    #[test]
    fn prefers_the_best_synonym_over_position() {
        let map = detect(FileKind::Subscribers, &header(&["mail", "Email Address"])).unwrap();
        assert_eq!(map.get(Field::Email), Some(1));
        let map = detect(FileKind::Subscribers, &header(&["Email", "Email Domain"])).unwrap();
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
        )
        .unwrap();
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
        let err = detect(FileKind::Subscribers, &header(&["First Name", "Phone"])).unwrap_err();
        assert_eq!(err.field, Field::Email);
        let err = detect(FileKind::Consent, &header(&["email", "timestamp"])).unwrap_err();
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
}
