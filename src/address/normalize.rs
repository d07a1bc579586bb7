//! The matching key of an address (SPEC §5): trimmed, `mailto:` and
//! `Name <addr>` wrappers removed, lower-cased, domain in ASCII (IDNA/UTS 46),
//! and a non-ASCII local part in Unicode normalization form C, so that
//! `jörg` typed with a combining diaeresis matches the precomposed one.
//!
//! Outputs always keep the original bytes; the key only decides which rows
//! and consent events belong together. Provider aliasing (Gmail dots,
//! `+tags`) is deliberately not applied here: it would merge mailboxes that
//! consented separately.

use unicode_normalization::UnicodeNormalization;

/// What [`unwrap_noting`] removed around an address. A mail system takes
/// only the bare address, so each of these is a cell an ESP's import may
/// reject or mangle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wrapping {
    /// Spaces, tabs or other white space before or after the address.
    pub whitespace: bool,
    /// The first line break or other control character among that white
    /// space: not a wrapper but part of the cell, and no address may hold
    /// one (a mail header would carry it as it is).
    pub control: Option<char>,
    pub mailto: bool,
    /// `<…>` around the address, and whether a display name came before it.
    pub angle_brackets: bool,
    pub display_name: bool,
    /// `anna@example.com.`: the root dot of a fully qualified name, which
    /// SMTP does not take (RFC 5321 §4.1.2 has no trailing dot).
    pub trailing_dot: bool,
}

impl Wrapping {
    pub fn is_empty(&self) -> bool {
        *self == Wrapping::default()
    }

    /// The wrappers in plain words, outermost first.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.whitespace {
            parts.push("white space around the address");
        }
        if self.mailto {
            parts.push("'mailto:' before the address");
        }
        match (self.display_name, self.angle_brackets) {
            (true, _) => parts.push("a display name and angle brackets ('Name <…>')"),
            (false, true) => parts.push("angle brackets ('<…>')"),
            _ => {}
        }
        if self.trailing_dot {
            parts.push("a dot after the domain");
        }
        match parts.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => parts.join(""),
        }
    }

    fn trim<'a>(&mut self, text: &'a str) -> &'a str {
        let trimmed = text.trim();
        if trimmed.len() != text.len() {
            self.whitespace = true;
            if self.control.is_none() {
                self.control = text
                    .chars()
                    .filter(|c| c.is_whitespace())
                    .find(|&c| c.is_control() && c != '\t');
            }
        }
        trimmed
    }
}

/// Removes the wrappers people and tools put around an address:
/// surrounding whitespace, `mailto:` (with any `?query`), a display name
/// (`"Doe, Jane" <jane@example.com>` or `<jane@example.com>`) and the root
/// dot after the domain.
pub fn unwrap(cell: &str) -> &str {
    unwrap_noting(cell).0
}

/// [`unwrap`], and what it removed.
pub fn unwrap_noting(cell: &str) -> (&str, Wrapping) {
    let (text, mut wrapping) = strip_wrappers(cell);
    match without_root_dot(text) {
        Some(bare) => {
            wrapping.trailing_dot = true;
            (bare, wrapping)
        }
        None => (text, wrapping),
    }
}

/// White space, `mailto:` and angle brackets, outermost first; the root
/// dot is left to [`without_root_dot`].
fn strip_wrappers(cell: &str) -> (&str, Wrapping) {
    let mut wrapping = Wrapping::default();
    let mut text = wrapping.trim(cell);
    if text.len() >= 7 && text.as_bytes()[..7].eq_ignore_ascii_case(b"mailto:") {
        wrapping.mailto = true;
        text = wrapping.trim(&text[7..]);
        if let Some(query) = text.find('?') {
            text = &text[..query];
        }
    }
    if let Some(inner) = text.strip_suffix('>')
        && let Some(open) = inner.rfind('<')
    {
        wrapping.angle_brackets = true;
        wrapping.display_name = !inner[..open].trim().is_empty();
        text = wrapping.trim(&inner[open + 1..]);
    }
    (text, wrapping)
}

/// `address` without its root dot, when it ends in one: a single dot
/// right after a domain name. Not after another dot or white space
/// (`a@b.de<LF>.` has none), so that what is left is never something
/// unwrapping would change again.
fn without_root_dot(address: &str) -> Option<&str> {
    let bare = address.strip_suffix('.')?;
    let (_, domain) = bare.rsplit_once('@')?;
    let is_name = !domain.is_empty()
        && !domain.starts_with('[')
        && !domain.ends_with('.')
        && !domain.ends_with(char::is_whitespace);
    is_name.then_some(bare)
}

/// The matching key of an address cell, or `None` for an empty cell.
///
/// Idempotent: `normalize(normalize(x)) == normalize(x)`. The root dot is
/// taken from the key, after IDNA, not from the cell: IDNA can turn a
/// character into a dot (`．`) or into nothing (a zero-width space), so only
/// the key shows whether it ends in one.
pub fn normalize(cell: &str) -> Option<String> {
    let (address, _) = strip_wrappers(cell);
    if address.is_empty() {
        return None;
    }
    let Some(at) = address.rfind('@') else {
        return Some(address.to_lowercase());
    };
    let (local, domain) = (&address[..at], &address[at + 1..]);
    let mut key = String::with_capacity(address.len() + 8);
    push_lowercase(&mut key, local);
    key.push('@');
    push_domain_key(&mut key, domain);
    if let Some(bare) = without_root_dot(&key) {
        key.truncate(bare.len());
    }
    Some(key)
}

fn push_lowercase(out: &mut String, text: &str) {
    if text.is_ascii() {
        // Copied whole, then lower-cased in place: pushing it a char at a
        // time was 3% of an audit's CPU.
        let start = out.len();
        out.push_str(text);
        out[start..].make_ascii_lowercase();
    } else {
        out.extend(text.to_lowercase().nfc());
    }
}

/// Lower-cases an ASCII domain directly (the common case, and what UTS 46
/// does to ASCII letters); runs the full UTS 46 mapping otherwise. A domain
/// IDNA rejects is kept lower-cased so that matching still works; the syntax
/// check reports it.
fn push_domain_key(out: &mut String, domain: &str) {
    if domain.is_ascii() {
        push_lowercase(out, domain);
        return;
    }
    match idna::domain_to_ascii(domain) {
        Ok(ascii) if !ascii.is_empty() => out.push_str(&ascii),
        _ => push_lowercase(out, domain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(cell: &str) -> String {
        normalize(cell).expect("non-empty")
    }

    #[test]
    fn trims_and_lowercases() {
        assert_eq!(
            key("  Anna.Schmidt@Example.COM "),
            "anna.schmidt@example.com"
        );
        assert_eq!(key("\tBEN@example.org\u{a0}"), "ben@example.org");
    }

    #[test]
    fn removes_wrappers() {
        assert_eq!(key("mailto:clara@example.com"), "clara@example.com");
        assert_eq!(
            key("MAILTO: clara@example.com?subject=hi"),
            "clara@example.com"
        );
        assert_eq!(key("Clara Weber <Clara@Example.com>"), "clara@example.com");
        assert_eq!(
            key("\"Weber, Clara\" <clara@example.com>"),
            "clara@example.com"
        );
        assert_eq!(key("<clara@example.com>"), "clara@example.com");
    }

    #[test]
    fn converts_domains_with_idna() {
        assert_eq!(
            key("jörg@Bücher.example.com"),
            "jörg@xn--bcher-kva.example.com"
        );
        assert_eq!(
            key("JÖRG@BÜCHER.EXAMPLE.COM"),
            "jörg@xn--bcher-kva.example.com"
        );
        assert_eq!(
            key("jörg@xn--bcher-kva.example.com"),
            "jörg@xn--bcher-kva.example.com"
        );
    }

    #[test]
    fn composes_local_parts() {
        assert_eq!(key("jo\u{0308}rg@example.com"), "jörg@example.com");
        assert_eq!(key("JÖRG@example.com"), "jörg@example.com");
    }

    #[test]
    fn keeps_provider_aliases_apart() {
        assert_ne!(key("a.b+news@gmail.com"), key("ab@gmail.com"));
    }

    #[test]
    fn empty_cells_have_no_key() {
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("   "), None);
        assert_eq!(normalize("mailto:"), None);
        assert_eq!(normalize("Jane <>"), None);
    }

    #[test]
    fn is_idempotent() {
        for cell in [
            "a@b.de\t\n.",
            "a@b.de .",
            "x@y.\u{200b}.",
            "x@y．．",
            "Anna <ANNA@EXAMPLE.COM>",
            "mailto:x@Bücher.example",
            "not an address",
            "a@b@C.com",
            "ÄÖÜ@ÄÖÜ.example",
            "x@exa mple.com",
        ] {
            let once = key(cell);
            assert_eq!(key(&once), once, "{cell:?}");
        }
    }

    mod properties {
        use super::super::*;
        use crate::address::check_syntax;
        use proptest::prelude::*;

        fn local_part() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,12}(\\.[a-zA-Z0-9_+-]{1,8}){0,2}",
                "[a-zäöüéßøñА-я]{1,10}",
                "\"[a-z ,@.]{1,10}\"",
            ]
        }

        fn domain() -> impl Strategy<Value = String> {
            (
                "[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?(\\.[a-zA-Z0-9]{1,8}){0,2}",
                prop_oneof![
                    Just("com"),
                    Just("DE"),
                    Just("co.uk"),
                    Just("xn--p1ai"),
                    Just("中国"),
                    Just("bücher.de"),
                    Just("example"),
                ],
            )
                .prop_map(|(name, tld)| format!("{name}.{tld}"))
        }

        fn wrapped(address: String) -> impl Strategy<Value = String> {
            prop_oneof![
                Just(address.clone()),
                Just(format!("  {address}\t")),
                Just(format!("mailto:{address}")),
                Just(format!("Anna Berg <{address}>")),
                Just(address.to_uppercase()),
            ]
        }

        proptest! {
            #[test]
            fn normalization_is_idempotent(cell in any::<String>()) {
                if let Some(key) = normalize(&cell) {
                    prop_assert_eq!(normalize(&key), Some(key.clone()));
                }
            }

            #[test]
            fn normalization_is_idempotent_on_addresses(
                cell in (local_part(), domain()).prop_flat_map(|(l, d)| wrapped(format!("{l}@{d}")))
            ) {
                // `mailto:?…` is a mailto URI with only a query: no address.
                if let Some(key) = normalize(&cell) {
                    prop_assert_eq!(normalize(&key), Some(key.clone()));
                }
            }

            /// A valid address keeps its meaning through normalization: the
            /// key is itself valid, names the same local part (up to case and
            /// Unicode composition) at the same domain (up to IDNA), and every
            /// wrapping of it comes back to the same key.
            #[test]
            fn valid_addresses_round_trip(local in local_part(), domain in domain()) {
                let address = format!("{local}@{domain}");
                let key = normalize(&address).expect("non-empty");
                prop_assume!(check_syntax(&address, &key).is_ok());
                prop_assert!(check_syntax(&key, &key).is_ok(), "{} -> {}", address, key);
                let (key_local, key_domain) = key.rsplit_once('@').unwrap();
                let expected_local: String = local.to_lowercase().nfc().collect();
                prop_assert_eq!(key_local, expected_local.as_str());
                let expected_domain = idna::domain_to_ascii(&domain).unwrap();
                prop_assert_eq!(key_domain, expected_domain.as_str());
                let mut wrappings = vec![
                    format!("<{address}>"),
                    format!("\"Berg, Anna\" <{address}>"),
                    format!(" {key} "),
                ];
                // In a mailto URI `?` starts the query (RFC 6068 §2).
                if !address.contains('?') {
                    wrappings.push(format!("mailto:{address}"));
                }
                for cell in wrappings {
                    prop_assert_eq!(normalize(&cell), Some(key.clone()));
                }
            }
        }
    }
}
