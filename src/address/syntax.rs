//! The H001 syntax check: an address a mail server will accept in an SMTP
//! envelope, written from the standards rather than as one regex:
//!
//! - RFC 5322 §3.4.1 and §3.2.3: the local part is a dot-atom (or a quoted
//!   string, accepted but reported);
//! - RFC 5321 §4.5.3.1: local part ≤ 64 octets, address ≤ 254 octets
//!   (the 256-octet path minus the angle brackets);
//! - RFC 1035 §2.3.4 and RFC 1123 §2.1: domain ≤ 253 octets, labels
//!   ≤ 63, letters, digits and hyphens, no hyphen at either end;
//! - RFC 5891 §4.2.3.1: `--` in positions 3–4 only in an A-label (`xn--`),
//!   and A-labels must decode (UTS 46 via `idna`);
//! - the top-level domain must exist (Public Suffix List, `psl`), except
//!   special-use names, which H007 reports;
//! - RFC 6531/6532: a non-ASCII local part is valid but needs SMTPUTF8
//!   (reported);
//! - UTS 39: invisible and bidirectional-control characters are rejected,
//!   mixed-script labels and look-alikes of big providers are reported.
//!
//! The check reads the address as written (to see characters that IDNA
//! would silently drop) and its matching key (see `normalize`), whose
//! domain is in ASCII when IDNA could convert it.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use unicode_normalization::char::is_combining_mark;
use unicode_script::{Script, UnicodeScript};
use unicode_security::{MixedScript, skeleton};

use super::lists;
use super::normalize::{Wrapping, unwrap_noting};

/// The first rule an address breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxError {
    NoAt,
    EmptyLocalPart,
    EmptyDomain,
    Invisible(char),
    /// A private-use, noncharacter or unassigned code point, or U+FFFD.
    Unusable(char),
    /// A line break or other control character, anywhere in the cell:
    /// quoted, escaped, or in the white space around the address.
    Control(char),
    /// A character whose canonical decomposition holds an ASCII character
    /// no address may hold unquoted (`≮` is `<` with a combining mark).
    DecomposesTo(char, char),
    EmptyQuotedLocalPart,
    LocalPartTooLong(usize),
    AddressTooLong(usize),
    LocalPartCharacter(char),
    LeadingCombiningMark(char),
    LocalPartDots,
    UnterminatedQuote,
    DomainLiteral,
    DomainCharacter(char),
    InvalidIdn(String),
    DomainDots,
    DomainTooLong(usize),
    LabelTooLong(String),
    LabelHyphen(String),
    ReservedHyphens(String),
    InvalidALabel(String),
    NoDotInDomain,
    NumericTopLevelDomain(String),
    UnknownTopLevelDomain(String),
}

/// Something about a valid address that a sender should know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxNote {
    /// `"john doe"@example.com`: valid, but few forms and tools take it.
    QuotedLocalPart,
    /// A non-ASCII local part: deliverable only where every hop speaks
    /// SMTPUTF8.
    NeedsSmtpUtf8,
    /// A local part or domain label that mixes scripts (Latin `p` with
    /// Cyrillic `а`), the classic look-alike trick.
    MixedScript { text: String, scripts: String },
    /// A non-ASCII domain that looks like a big provider's.
    LooksLike {
        domain: String,
        target: &'static str,
    },
    /// A domain written in fullwidth or other compatibility forms
    /// (`ｇｍａｉｌ.com`) that IDNA maps to a plain ASCII one: nobody types
    /// it so, and it reads as the domain it imitates.
    CompatibilityForms {
        written: String,
        reads_as: String,
        fullwidth: bool,
    },
    /// The cell holds more than the address: listaudit reads the address
    /// inside, but cleaned.csv keeps the cell as written.
    Wrapped {
        wrapping: Wrapping,
        also: Option<Box<SyntaxNote>>,
    },
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SyntaxError::*;
        match self {
            NoAt => write!(f, "no @ separating local part and domain"),
            EmptyLocalPart => write!(f, "nothing before the @"),
            EmptyDomain => write!(f, "nothing after the @"),
            Invisible(c) => write!(
                f,
                "contains the invisible character {}, which makes the address look like another one (UTS 39)",
                describe_char(*c)
            ),
            Unusable(c) => write!(
                f,
                "contains U+{:04X}, {}",
                *c as u32,
                unusable_kind(*c).unwrap_or("a code point no address may hold")
            ),
            Control(c) => write!(
                f,
                "contains the control character {}: no address may hold one, quoted or escaped or not, \
                 since a mail header carries it as it is (a line break there ends the header line)",
                describe_control(*c)
            ),
            DecomposesTo(c, ascii) => write!(
                f,
                "local part contains '{c}' (U+{:04X}), which Unicode decomposes to '{ascii}' and a combining mark; \
                 a system that decomposes it sees a '{ascii}', which no address may hold unquoted",
                *c as u32
            ),
            EmptyQuotedLocalPart => write!(
                f,
                "the quoted local part is empty (\"\"): RFC 5321 allows it, but no mailbox has an empty name"
            ),
            LocalPartTooLong(n) => {
                write!(f, "local part is {n} octets long; RFC 5321 allows 64")
            }
            AddressTooLong(n) => write!(f, "address is {n} octets long; RFC 5321 allows 254"),
            LocalPartCharacter(c) => write!(
                f,
                "local part contains {} which is not allowed unquoted (RFC 5322 atext)",
                describe_char(*c)
            ),
            LeadingCombiningMark(c) => write!(
                f,
                "a part of the address starts with the combining mark {}, which has no letter to sit on",
                describe_char(*c)
            ),
            LocalPartDots => write!(
                f,
                "local part starts or ends with a dot or has two dots in a row (RFC 5322 dot-atom)"
            ),
            UnterminatedQuote => write!(
                f,
                "quoted local part is not closed or has text after the closing quote"
            ),
            DomainLiteral => write!(
                f,
                "domain is an IP address literal; list addresses need a domain name"
            ),
            DomainCharacter(c) => write!(
                f,
                "domain contains {} (host names allow letters, digits and hyphens, RFC 1035)",
                describe_char(*c)
            ),
            InvalidIdn(domain) => write!(
                f,
                "domain '{domain}' is not a valid internationalized domain name (UTS 46 rejects it)"
            ),
            DomainDots => write!(
                f,
                "domain starts or ends with a dot or has two dots in a row"
            ),
            DomainTooLong(n) => write!(f, "domain is {n} octets long; DNS allows 253"),
            LabelTooLong(label) => write!(f, "domain label '{label}' is longer than 63 octets"),
            LabelHyphen(label) => {
                write!(f, "domain label '{label}' starts or ends with a hyphen")
            }
            ReservedHyphens(label) => write!(
                f,
                "domain label '{label}' has '--' in positions 3 and 4, which only A-labels (xn--) may have (RFC 5891)"
            ),
            InvalidALabel(label) => write!(
                f,
                "domain label '{label}' is not a valid A-label (its punycode does not decode to a valid name)"
            ),
            NoDotInDomain => write!(f, "domain has no dot (no top-level domain)"),
            NumericTopLevelDomain(tld) => {
                write!(f, "top-level domain '{tld}' is numeric")
            }
            UnknownTopLevelDomain(tld) => write!(
                f,
                "top-level domain '{tld}' does not exist (not in the Public Suffix List)"
            ),
        }
    }
}

impl fmt::Display for SyntaxNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxNote::QuotedLocalPart => write!(
                f,
                "local part is a quoted string: valid (RFC 5322), but most forms and sending tools reject it"
            ),
            SyntaxNote::NeedsSmtpUtf8 => write!(
                f,
                "local part has non-ASCII characters: valid, but delivery needs SMTPUTF8 (RFC 6531) at every hop"
            ),
            SyntaxNote::MixedScript { text, scripts } => write!(
                f,
                "'{text}' mixes {scripts} letters, the usual way to build a look-alike address (UTS 39)"
            ),
            SyntaxNote::LooksLike { domain, target } => write!(
                f,
                "domain '{domain}' looks like {target} but is a different domain (UTS 39 confusable)"
            ),
            SyntaxNote::CompatibilityForms {
                written,
                reads_as,
                fullwidth,
            } => write!(
                f,
                "domain '{written}' is written in {} that mail systems map to {reads_as} (UTS 46): \
                 it imitates {reads_as}, and nobody types it so; check how the address was collected",
                if *fullwidth {
                    "fullwidth forms"
                } else {
                    "compatibility forms"
                }
            ),
            SyntaxNote::Wrapped { wrapping, also } => {
                write!(
                    f,
                    "the cell holds more than the address ({}): listaudit reads the address inside, \
                     but cleaned.csv keeps the cell as written and an ESP's import may reject it; \
                     fix the cell in the source",
                    wrapping.describe()
                )?;
                match also {
                    Some(note) => write!(f, "; also: {note}"),
                    None => Ok(()),
                }
            }
        }
    }
}

fn describe_control(c: char) -> String {
    let name = match c {
        '\0' => "NULL",
        '\t' => "CHARACTER TABULATION",
        '\n' => "LINE FEED",
        '\r' => "CARRIAGE RETURN",
        '\u{0B}' => "LINE TABULATION",
        '\u{0C}' => "FORM FEED",
        '\u{1B}' => "ESCAPE",
        '\u{7F}' => "DELETE",
        '\u{85}' => "NEXT LINE",
        _ => return format!("U+{:04X}", c as u32),
    };
    format!("U+{:04X} {name}", c as u32)
}

fn describe_char(c: char) -> String {
    let code = format!("U+{:04X}", c as u32);
    match c {
        ' ' => "a space".to_string(),
        c if is_invisible(c) || c.is_whitespace() => match invisible_name(c) {
            Some(name) => format!("{code} {name}"),
            None => code,
        },
        c if c.is_control() => format!("the control character {code}"),
        c if is_combining_mark(c) => code,
        c => format!("'{c}'"),
    }
}

/// Default-ignorable code points (Unicode DerivedCoreProperties) and the
/// interlinear annotation controls: characters that render as nothing, so
/// two addresses that differ only in them look the same. Includes the
/// bidirectional controls (U+202A–202E, U+2066–2069) that can make text
/// display in a different order than it is stored.
fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

fn invisible_name(c: char) -> Option<&'static str> {
    Some(match c as u32 {
        0x00A0 => "NO-BREAK SPACE",
        0x00AD => "SOFT HYPHEN",
        0x061C => "ARABIC LETTER MARK",
        0x200B => "ZERO WIDTH SPACE",
        0x200C => "ZERO WIDTH NON-JOINER",
        0x200D => "ZERO WIDTH JOINER",
        0x200E => "LEFT-TO-RIGHT MARK",
        0x200F => "RIGHT-TO-LEFT MARK",
        0x202A => "LEFT-TO-RIGHT EMBEDDING",
        0x202B => "RIGHT-TO-LEFT EMBEDDING",
        0x202C => "POP DIRECTIONAL FORMATTING",
        0x202D => "LEFT-TO-RIGHT OVERRIDE",
        0x202E => "RIGHT-TO-LEFT OVERRIDE",
        0x2060 => "WORD JOINER",
        0x2066 => "LEFT-TO-RIGHT ISOLATE",
        0x2067 => "RIGHT-TO-LEFT ISOLATE",
        0x2068 => "FIRST STRONG ISOLATE",
        0x2069 => "POP DIRECTIONAL ISOLATE",
        0xFEFF => "ZERO WIDTH NO-BREAK SPACE",
        0x3000 => "IDEOGRAPHIC SPACE",
        _ => return None,
    })
}

const MAX_LOCAL_OCTETS: usize = 64;
const MAX_DOMAIN_OCTETS: usize = 253;
const MAX_ADDRESS_OCTETS: usize = 254;
const MAX_LABEL_OCTETS: usize = 63;

/// What H001 found: `Err` for an address no server will take, `Ok(Some)`
/// for a valid address worth a note.
pub type SyntaxVerdict = Result<Option<SyntaxNote>, SyntaxError>;

/// Checks an address: `cell` is the address as the file has it (wrappers
/// and all), `key` its matching key (see [`super::normalize`]).
pub fn check(cell: &str, key: &str) -> SyntaxVerdict {
    let (written, wrapping) = unwrap_noting(cell);
    if let Some(c) = wrapping
        .control
        .or_else(|| written.chars().find(|c| c.is_control()))
    {
        return Err(SyntaxError::Control(c));
    }
    let note = check_unwrapped(written, key)?;
    Ok(if wrapping.is_empty() {
        note
    } else {
        Some(SyntaxNote::Wrapped {
            wrapping,
            also: note.map(Box::new),
        })
    })
}

fn check_unwrapped(written: &str, key: &str) -> SyntaxVerdict {
    if let Some(c) = written.chars().find(|&c| is_invisible(c)) {
        return Err(SyntaxError::Invisible(c));
    }
    if let Some(c) = written.chars().find(|&c| unusable_kind(c).is_some()) {
        return Err(SyntaxError::Unusable(c));
    }
    let Some(at) = key.rfind('@') else {
        return Err(SyntaxError::NoAt);
    };
    let (local, domain) = (&key[..at], &key[at + 1..]);
    if local.is_empty() {
        return Err(SyntaxError::EmptyLocalPart);
    }
    if domain.is_empty() {
        return Err(SyntaxError::EmptyDomain);
    }
    // Octets on the wire are the written ones; lower-casing can change the
    // length of some non-ASCII letters.
    let written_local = written.rfind('@').map_or(local, |i| &written[..i]);
    let quoted = check_local_part(local, written_local.len())?;
    check_domain(domain)?;
    let length = written_local.len() + 1 + domain.len();
    if length > MAX_ADDRESS_OCTETS {
        return Err(SyntaxError::AddressTooLong(length));
    }
    let written_domain = written.rfind('@').map_or("", |i| &written[i + 1..]);
    if !written_domain.is_ascii() && !domain.contains("xn--") {
        return Ok(Some(SyntaxNote::CompatibilityForms {
            written: written_domain.to_string(),
            reads_as: domain.to_string(),
            fullwidth: written_domain
                .chars()
                .any(|c| matches!(c as u32, 0xFF01..=0xFF5E | 0x3002)),
        }));
    }
    if quoted {
        return Ok(Some(SyntaxNote::QuotedLocalPart));
    }
    if local.is_ascii() && domain.is_ascii() && !domain.contains("xn--") {
        return Ok(None);
    }
    Ok(unicode_note(local, domain))
}

/// Returns whether the local part is quoted.
fn check_local_part(local: &str, octets: usize) -> Result<bool, SyntaxError> {
    if octets > MAX_LOCAL_OCTETS {
        return Err(SyntaxError::LocalPartTooLong(octets));
    }
    if local.starts_with('"') {
        return check_quoted_local_part(local).map(|()| true);
    }
    for c in local.chars() {
        if !is_atext(c) && c != '.' {
            return Err(SyntaxError::LocalPartCharacter(c));
        }
        if let Some(ascii) = decomposes_to_special(c) {
            return Err(SyntaxError::DecomposesTo(c, ascii));
        }
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(SyntaxError::LocalPartDots);
    }
    if let Some(first) = local.chars().next().filter(|&c| is_combining_mark(c)) {
        return Err(SyntaxError::LeadingCombiningMark(first));
    }
    Ok(false)
}

/// Why `c` has no place in an address, if it has none: code points that
/// name no character (unassigned, noncharacters), that mean something
/// only by private agreement, or U+FFFD, which stands for bytes lost to a
/// wrong encoding.
fn unusable_kind(c: char) -> Option<&'static str> {
    let code = c as u32;
    if c == '\u{FFFD}' {
        return Some(
            "the replacement character: bytes were lost to a wrong encoding where the address was stored",
        );
    }
    if (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE {
        return Some("a noncharacter (Unicode reserves it for internal use, never for text)");
    }
    if matches!(code, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD) {
        return Some("a private-use code point (it means something only by private agreement)");
    }
    if !c.is_ascii() && c.script() == Script::Unknown {
        return Some("an unassigned code point (no character has it yet)");
    }
    None
}

/// The ASCII character outside `atext` that `c` decomposes to, if any.
fn decomposes_to_special(c: char) -> Option<char> {
    if c.is_ascii() {
        return None;
    }
    let mut found = None;
    unicode_normalization::char::decompose_canonical(c, |part| {
        if part.is_ascii() && !is_atext(part) && part != '.' {
            found = Some(part);
        }
    });
    found
}

/// RFC 5322 `atext`, extended by RFC 6532 to every non-ASCII character
/// that is not a control or whitespace character.
fn is_atext(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
    } else {
        !c.is_control() && !c.is_whitespace()
    }
}

/// `"john doe"@example.com`: printable characters and quoted pairs between
/// two double quotes, and nothing after the closing one.
fn check_quoted_local_part(local: &str) -> Result<(), SyntaxError> {
    if local == "\"\"" {
        return Err(SyntaxError::EmptyQuotedLocalPart);
    }
    let mut chars = local[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            // A quoted pair may escape any printable character, but a
            // control character stays one: `"\<LF>"` would put a line break
            // in a mail header.
            '\\' => match chars.next() {
                None => return Err(SyntaxError::UnterminatedQuote),
                Some(escaped) if escaped.is_control() => {
                    return Err(SyntaxError::Control(escaped));
                }
                Some(_) => {}
            },
            '"' => {
                return if chars.as_str().is_empty() {
                    Ok(())
                } else {
                    Err(SyntaxError::UnterminatedQuote)
                };
            }
            c if c.is_control() => return Err(SyntaxError::Control(c)),
            _ => {}
        }
    }
    Err(SyntaxError::UnterminatedQuote)
}

fn check_domain(domain: &str) -> Result<(), SyntaxError> {
    if domain.starts_with('[') {
        return Err(SyntaxError::DomainLiteral);
    }
    if let Some(c) = domain
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        // The key holds a non-ASCII domain only when IDNA refused it.
        if !c.is_ascii() && !c.is_whitespace() && !c.is_control() {
            return Err(SyntaxError::InvalidIdn(domain.to_string()));
        }
        return Err(SyntaxError::DomainCharacter(c));
    }
    if domain.len() > MAX_DOMAIN_OCTETS {
        return Err(SyntaxError::DomainTooLong(domain.len()));
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err(SyntaxError::DomainDots);
    }
    let mut labels = 0;
    let mut tld = "";
    for label in domain.split('.') {
        labels += 1;
        tld = label;
        if label.len() > MAX_LABEL_OCTETS {
            return Err(SyntaxError::LabelTooLong(label.to_string()));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(SyntaxError::LabelHyphen(label.to_string()));
        }
        if label.get(2..4) == Some("--") {
            if !label.starts_with("xn--") {
                return Err(SyntaxError::ReservedHyphens(label.to_string()));
            }
            if idna::domain_to_unicode(label).1.is_err() {
                return Err(SyntaxError::InvalidALabel(label.to_string()));
            }
        }
    }
    if labels < 2 {
        return Err(SyntaxError::NoDotInDomain);
    }
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SyntaxError::NumericTopLevelDomain(tld.to_string()));
    }
    if lists::special_use(domain).is_none()
        && !psl::suffix(domain.as_bytes()).is_some_and(|s| s.is_known())
    {
        return Err(SyntaxError::UnknownTopLevelDomain(tld.to_string()));
    }
    Ok(())
}

/// Notes on an address with non-ASCII parts (rare, so the slower Unicode
/// work happens only here).
fn unicode_note(local: &str, domain: &str) -> Option<SyntaxNote> {
    let (unicode_domain, _) = idna::domain_to_unicode(domain);
    if let Some(target) = look_alike(&unicode_domain) {
        return Some(SyntaxNote::LooksLike {
            domain: unicode_domain,
            target,
        });
    }
    for text in std::iter::once(local).chain(unicode_domain.split('.')) {
        if !text.is_ascii() && !text.is_single_script() {
            return Some(SyntaxNote::MixedScript {
                text: text.to_string(),
                scripts: scripts_of(text),
            });
        }
    }
    (!local.is_ascii()).then_some(SyntaxNote::NeedsSmtpUtf8)
}

/// "Latin and Cyrillic": the scripts of the letters in `text`, in order of
/// first appearance.
fn scripts_of(text: &str) -> String {
    let mut scripts: Vec<Script> = Vec::new();
    for c in text.chars() {
        let script = c.script();
        if !matches!(script, Script::Common | Script::Inherited | Script::Unknown)
            && !scripts.contains(&script)
        {
            scripts.push(script);
        }
    }
    let names: Vec<&str> = scripts.iter().map(|s| s.full_name()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// UTS 39 skeletons of the providers' domains, to spot a non-ASCII domain
/// that renders like one of them (`gmаil.com` with a Cyrillic `а`).
static SKELETONS: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for provider in &lists::providers().list {
        for domain in &provider.domains {
            map.entry(skeleton(domain).collect())
                .or_insert(domain.as_str());
        }
    }
    map
});

fn look_alike(unicode_domain: &str) -> Option<&'static str> {
    if unicode_domain.is_ascii() {
        return None;
    }
    let shape: String = skeleton(unicode_domain).collect();
    SKELETONS
        .get(&shape)
        .copied()
        .filter(|target| *target != unicode_domain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::normalize;

    fn verdict(cell: &str) -> SyntaxVerdict {
        check(cell, &normalize(cell).expect("non-empty"))
    }

    #[test]
    fn accepts_ordinary_and_international_addresses() {
        for ok in [
            "anna@example.com",
            "anna.schmidt+news@mail.example.org",
            "o'brien@example.ie",
            "x@a-b.example",
            "x@bücher.de",
            "1234@123.example.com",
            "a@xn--bcher-kva.de",
            "a@xn--fsqu00a.xn--fiqs8s",
        ] {
            assert_eq!(verdict(ok), Ok(None), "{ok:?}");
        }
    }

    #[test]
    fn reports_valid_but_risky_addresses() {
        assert_eq!(
            verdict("\"john doe\"@example.com"),
            Ok(Some(SyntaxNote::QuotedLocalPart))
        );
        assert_eq!(
            verdict("jörg@bücher.de"),
            Ok(Some(SyntaxNote::NeedsSmtpUtf8))
        );
        assert_eq!(
            verdict("用户@例子.中国"),
            Ok(Some(SyntaxNote::NeedsSmtpUtf8))
        );
        let mixed = verdict("anna@p\u{0430}ypal.com").unwrap().unwrap();
        assert_eq!(
            mixed.to_string(),
            "'p\u{0430}ypal' mixes Latin and Cyrillic letters, the usual way to build a look-alike address (UTS 39)"
        );
        assert_eq!(
            verdict("anna@gm\u{0430}il.com"),
            Ok(Some(SyntaxNote::LooksLike {
                domain: "gm\u{0430}il.com".into(),
                target: "gmail.com"
            }))
        );
    }

    #[test]
    fn names_every_wrapper_it_reads_through() {
        let wrapped = |cell: &str| match verdict(cell) {
            Ok(Some(SyntaxNote::Wrapped { wrapping, also })) => (wrapping, also),
            other => panic!("{cell:?}: {other:?}"),
        };
        let (wrapping, also) = wrapped(" mailto:Anna Berg <anna@example.com.>\t");
        assert!(wrapping.whitespace && wrapping.mailto && wrapping.display_name);
        assert!(wrapping.angle_brackets && wrapping.trailing_dot);
        assert_eq!(wrapping.control, None);
        assert_eq!(also, None);
        assert_eq!(
            wrapping.describe(),
            "white space around the address, 'mailto:' before the address, \
             a display name and angle brackets ('Name <…>') and a dot after the domain"
        );
        // What else there is to say about the address inside is said too.
        let (wrapping, also) = wrapped("<\"john doe\"@example.com>");
        assert!(wrapping.angle_brackets && !wrapping.display_name);
        assert_eq!(also, Some(Box::new(SyntaxNote::QuotedLocalPart)));
        assert!(
            verdict("<\"john doe\"@example.com>")
                .unwrap()
                .unwrap()
                .to_string()
                .ends_with("; also: local part is a quoted string: valid (RFC 5322), but most forms and sending tools reject it")
        );
        // A bare address, and a root dot that is not one, are not wrapped.
        assert_eq!(verdict("anna@example.com"), Ok(None));
        assert_eq!(verdict("anna@example.com.."), Err(SyntaxError::DomainDots));
        assert_eq!(verdict("anna@."), Err(SyntaxError::DomainDots));
    }

    #[test]
    fn names_domains_written_in_compatibility_forms() {
        assert_eq!(
            verdict("anna@ｇｍａｉｌ.com"),
            Ok(Some(SyntaxNote::CompatibilityForms {
                written: "ｇｍａｉｌ.com".into(),
                reads_as: "gmail.com".into(),
                fullwidth: true,
            }))
        );
        assert_eq!(
            verdict("anna@gmail。com"),
            Ok(Some(SyntaxNote::CompatibilityForms {
                written: "gmail。com".into(),
                reads_as: "gmail.com".into(),
                fullwidth: true,
            }))
        );
        assert!(matches!(
            verdict("anna@ⓔxample.de"),
            Ok(Some(SyntaxNote::CompatibilityForms {
                fullwidth: false,
                ..
            }))
        ));
        // A real IDN is no look-alike of its A-label.
        assert_eq!(verdict("anna@bücher.de"), Ok(None));
    }

    /// From the isemail and python-email-validator suites: control
    /// characters escaped in a quoted local part, code points that name no
    /// character, and look-alikes of characters no address may hold.
    #[test]
    fn no_control_or_unusable_code_point_is_kept() {
        let cases: &[(&str, SyntaxError)] = &[
            ("\"\\\n\"@example.com", SyntaxError::Control('\n')),
            ("\"test\\\rblah\"@example.com", SyntaxError::Control('\r')),
            ("\"a\\\u{7}b\"@example.com", SyntaxError::Control('\u{7}')),
            ("\"a\u{85}b\"@example.com", SyntaxError::Control('\u{85}')),
            ("\"\"@example.com", SyntaxError::EmptyQuotedLocalPart),
            ("a\u{E000}@example.com", SyntaxError::Unusable('\u{E000}')),
            ("a\u{FDD0}@example.com", SyntaxError::Unusable('\u{FDD0}')),
            ("a\u{FFFE}@example.com", SyntaxError::Unusable('\u{FFFE}')),
            ("a\u{1FFFF}@example.com", SyntaxError::Unusable('\u{1FFFF}')),
            ("a\u{F0000}@example.com", SyntaxError::Unusable('\u{F0000}')),
            (
                "a\u{10FFFD}@example.com",
                SyntaxError::Unusable('\u{10FFFD}'),
            ),
            ("j\u{FFFD}rg@example.de", SyntaxError::Unusable('\u{FFFD}')),
            ("a\u{0378}@example.com", SyntaxError::Unusable('\u{0378}')),
            (
                "a\u{226E}b@example.com",
                SyntaxError::DecomposesTo('\u{226E}', '<'),
            ),
        ];
        for (cell, expected) in cases {
            assert_eq!(verdict(cell).as_ref(), Err(expected), "{cell:?}");
        }
        // A line break in the white space around the address is in the
        // cell too: trimming it would keep a header-injection risk.
        for cell in [
            "anna@example.com\n",
            "\r\nanna@example.com",
            "anna@example.com \r\n ",
            "Anna <anna@example.com>\n",
        ] {
            assert!(
                matches!(verdict(cell), Err(SyntaxError::Control('\n' | '\r'))),
                "{cell:?}: {:?}",
                verdict(cell)
            );
        }
        assert!(
            SyntaxError::Control('\t')
                .to_string()
                .starts_with("contains the control character U+0009 CHARACTER TABULATION")
        );
        assert_eq!(
            SyntaxError::Unusable('\u{E000}').to_string(),
            "contains U+E000, a private-use code point (it means something only by private agreement)"
        );
        assert!(
            SyntaxError::Unusable('\u{FFFD}')
                .to_string()
                .contains("bytes were lost to a wrong encoding")
        );
        assert!(
            SyntaxError::DecomposesTo('\u{226E}', '<')
                .to_string()
                .contains("decomposes to '<'")
        );
        // Escaped printable characters and assigned letters stay valid.
        assert_eq!(
            verdict("\"a\\\"b\"@example.com"),
            Ok(Some(SyntaxNote::QuotedLocalPart))
        );
        assert_eq!(
            verdict("\u{00E9}@example.com"),
            Ok(Some(SyntaxNote::NeedsSmtpUtf8))
        );
    }

    #[test]
    fn names_the_broken_rule() {
        let cases: &[(&str, SyntaxError)] = &[
            ("anna.example.com", SyntaxError::NoAt),
            ("@example.com", SyntaxError::EmptyLocalPart),
            ("anna@", SyntaxError::EmptyDomain),
            ("anna@@example.com", SyntaxError::LocalPartCharacter('@')),
            ("an na@example.com", SyntaxError::LocalPartCharacter(' ')),
            ("anna,b@example.com", SyntaxError::LocalPartCharacter(',')),
            (".anna@example.com", SyntaxError::LocalPartDots),
            ("anna.@example.com", SyntaxError::LocalPartDots),
            ("an..na@example.com", SyntaxError::LocalPartDots),
            ("\"anna@example.com", SyntaxError::UnterminatedQuote),
            ("\"an\"na@example.com", SyntaxError::UnterminatedQuote),
            ("anna@[192.168.0.1]", SyntaxError::DomainLiteral),
            ("anna@exa_mple.com", SyntaxError::DomainCharacter('_')),
            ("anna@example..com", SyntaxError::DomainDots),
            ("anna@example.com..", SyntaxError::DomainDots),
            (
                "anna@-example.com",
                SyntaxError::LabelHyphen("-example".into()),
            ),
            (
                "anna@ab--cd.com",
                SyntaxError::ReservedHyphens("ab--cd".into()),
            ),
            (
                "anna@xn--zz.com",
                SyntaxError::InvalidALabel("xn--zz".into()),
            ),
            ("anna@localhost", SyntaxError::NoDotInDomain),
            (
                "anna@10.0.0.1",
                SyntaxError::NumericTopLevelDomain("1".into()),
            ),
            (
                "anna@example.c",
                SyntaxError::UnknownTopLevelDomain("c".into()),
            ),
            (
                "anna@shop.notatld",
                SyntaxError::UnknownTopLevelDomain("notatld".into()),
            ),
            (
                "an\u{200B}na@example.com",
                SyntaxError::Invisible('\u{200B}'),
            ),
            (
                "anna@exa\u{00AD}mple.com",
                SyntaxError::Invisible('\u{00AD}'),
            ),
            (
                "\u{202E}moc.elpmaxe@anna",
                SyntaxError::Invisible('\u{202E}'),
            ),
            (
                "\u{0301}anna@example.com",
                SyntaxError::LeadingCombiningMark('\u{0301}'),
            ),
        ];
        for (cell, expected) in cases {
            assert_eq!(verdict(cell).as_ref(), Err(expected), "{cell:?}");
        }
    }

    #[test]
    fn special_use_domains_are_left_to_h007() {
        for ok in [
            "a@shop.test",
            "a@printer.local",
            "a@x.invalid",
            "a@x.example",
        ] {
            assert_eq!(verdict(ok), Ok(None), "{ok}");
        }
    }

    #[test]
    fn enforces_length_limits() {
        let local = "a".repeat(65);
        assert_eq!(
            verdict(&format!("{local}@example.com")),
            Err(SyntaxError::LocalPartTooLong(65))
        );
        assert_eq!(
            verdict(&format!("{}@example.com", "a".repeat(64))),
            Ok(None)
        );
        // 32 two-octet letters are 64 octets; 33 are too many.
        assert_eq!(
            verdict(&format!("{}@example.com", "ä".repeat(33))),
            Err(SyntaxError::LocalPartTooLong(66))
        );
        let label = "b".repeat(64);
        assert!(matches!(
            verdict(&format!("a@{label}.com")),
            Err(SyntaxError::LabelTooLong(_))
        ));
        let long_domain = format!("{}.com", vec!["c".repeat(60); 5].join("."));
        assert!(matches!(
            verdict(&format!("a@{long_domain}")),
            Err(SyntaxError::DomainTooLong(_))
        ));
        let domain = format!("{}.com", vec!["d".repeat(61); 4].join("."));
        assert_eq!(
            verdict(&format!("{}@{domain}", "e".repeat(64))),
            Err(SyntaxError::AddressTooLong(64 + 1 + domain.len()))
        );
    }

    #[test]
    fn messages_say_which_rule() {
        let message = verdict("an..na@example.com").unwrap_err().to_string();
        assert!(message.contains("two dots in a row"), "{message}");
        let message = verdict("anna@localhost").unwrap_err().to_string();
        assert!(message.contains("no dot"), "{message}");
        let message = verdict("an\u{200B}na@example.com").unwrap_err().to_string();
        assert!(message.contains("U+200B ZERO WIDTH SPACE"), "{message}");
    }
}
