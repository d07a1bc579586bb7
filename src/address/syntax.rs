//! The H001 syntax check: an address a mail server will accept in an SMTP
//! envelope (RFC 5321 §4.1.2 and §4.5.3.1, RFC 5322 §3.4.1 dot-atoms, RFC 6531
//! for non-ASCII local parts, RFC 1035 host names after IDNA).
//!
//! It checks the matching key (see `normalize`), so the domain is already in
//! ASCII when IDNA could convert it. Each failure names the rule it breaks.

use std::fmt;

/// The first rule an address breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxError {
    NoAt,
    EmptyLocalPart,
    EmptyDomain,
    LocalPartTooLong(usize),
    AddressTooLong(usize),
    LocalPartCharacter(char),
    LocalPartDots,
    UnterminatedQuote,
    DomainLiteral,
    DomainCharacter(char),
    DomainDots,
    DomainTooLong(usize),
    LabelTooLong(String),
    LabelHyphen(String),
    NoDotInDomain,
    NumericTopLevelDomain(String),
    ShortTopLevelDomain(String),
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SyntaxError::*;
        match self {
            NoAt => write!(f, "no @ separating local part and domain"),
            EmptyLocalPart => write!(f, "nothing before the @"),
            EmptyDomain => write!(f, "nothing after the @"),
            LocalPartTooLong(n) => {
                write!(f, "local part is {n} octets long; RFC 5321 allows 64")
            }
            AddressTooLong(n) => write!(f, "address is {n} octets long; RFC 5321 allows 254"),
            LocalPartCharacter(c) => write!(
                f,
                "local part contains {} which is not allowed unquoted (RFC 5322 atext)",
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
                "domain contains {} (host names allow letters, digits and hyphens; IDNA could not convert it)",
                describe_char(*c)
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
            NoDotInDomain => write!(f, "domain has no dot (no top-level domain)"),
            NumericTopLevelDomain(tld) => {
                write!(f, "top-level domain '{tld}' is numeric")
            }
            ShortTopLevelDomain(tld) => {
                write!(f, "top-level domain '{tld}' is a single character")
            }
        }
    }
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}

const MAX_LOCAL_OCTETS: usize = 64;
const MAX_DOMAIN_OCTETS: usize = 253;
const MAX_ADDRESS_OCTETS: usize = 254;
const MAX_LABEL_OCTETS: usize = 63;

/// Checks a normalized address (see [`super::normalize`]).
pub fn check(key: &str) -> Result<(), SyntaxError> {
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
    check_local_part(local)?;
    check_domain(domain)?;
    if key.len() > MAX_ADDRESS_OCTETS {
        return Err(SyntaxError::AddressTooLong(key.len()));
    }
    Ok(())
}

fn check_local_part(local: &str) -> Result<(), SyntaxError> {
    if local.len() > MAX_LOCAL_OCTETS {
        return Err(SyntaxError::LocalPartTooLong(local.len()));
    }
    if local.starts_with('"') {
        return check_quoted_local_part(local);
    }
    for c in local.chars() {
        if !is_atext(c) && c != '.' {
            return Err(SyntaxError::LocalPartCharacter(c));
        }
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(SyntaxError::LocalPartDots);
    }
    Ok(())
}

/// RFC 5322 `atext`, extended by RFC 6531 to every non-ASCII character that
/// is not a control or whitespace character.
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
    let mut chars = local[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.next().is_none() => return Err(SyntaxError::UnterminatedQuote),
            '\\' => {}
            '"' => {
                return if chars.as_str().is_empty() && local.len() > 2 {
                    Ok(())
                } else {
                    Err(SyntaxError::UnterminatedQuote)
                };
            }
            c if c.is_control() => return Err(SyntaxError::LocalPartCharacter(c)),
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
        return Err(SyntaxError::DomainCharacter(c));
    }
    if domain.len() > MAX_DOMAIN_OCTETS {
        return Err(SyntaxError::DomainTooLong(domain.len()));
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err(SyntaxError::DomainDots);
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for label in &labels {
        if label.len() > MAX_LABEL_OCTETS {
            return Err(SyntaxError::LabelTooLong(label.to_string()));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(SyntaxError::LabelHyphen(label.to_string()));
        }
    }
    let tld = labels[labels.len() - 1];
    if labels.len() < 2 {
        return Err(SyntaxError::NoDotInDomain);
    }
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SyntaxError::NumericTopLevelDomain(tld.to_string()));
    }
    if tld.len() < 2 {
        return Err(SyntaxError::ShortTopLevelDomain(tld.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::normalize;

    fn verdict(cell: &str) -> Result<(), SyntaxError> {
        check(&normalize(cell).expect("non-empty"))
    }

    #[test]
    fn accepts_ordinary_and_international_addresses() {
        for ok in [
            "anna@example.com",
            "anna.schmidt+news@mail.example.org",
            "o'brien@example.ie",
            "x@a-b.example",
            "jörg@bücher.example.com",
            "用户@例子.广告",
            "\"john doe\"@example.com",
            "\"a\\\"b\"@example.com",
            "1234@123.example.com",
            "a@xn--bcher-kva.example",
        ] {
            assert_eq!(verdict(ok), Ok(()), "{ok:?}");
        }
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
            ("anna@example.com.", SyntaxError::DomainDots),
            (
                "anna@-example.com",
                SyntaxError::LabelHyphen("-example".into()),
            ),
            ("anna@localhost", SyntaxError::NoDotInDomain),
            (
                "anna@10.0.0.1",
                SyntaxError::NumericTopLevelDomain("1".into()),
            ),
            (
                "anna@example.c",
                SyntaxError::ShortTopLevelDomain("c".into()),
            ),
        ];
        for (cell, expected) in cases {
            assert_eq!(verdict(cell).as_ref(), Err(expected), "{cell:?}");
        }
    }

    #[test]
    fn enforces_length_limits() {
        let local = "a".repeat(65);
        assert_eq!(
            verdict(&format!("{local}@example.com")),
            Err(SyntaxError::LocalPartTooLong(65))
        );
        assert_eq!(verdict(&format!("{}@example.com", "a".repeat(64))), Ok(()));
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
    }

    #[test]
    fn messages_say_which_rule() {
        let message = verdict("an..na@example.com").unwrap_err().to_string();
        assert!(message.contains("two dots in a row"), "{message}");
        let message = verdict("anna@localhost").unwrap_err().to_string();
        assert!(message.contains("no dot"), "{message}");
    }
}
