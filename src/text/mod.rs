//! Small text helpers shared by the readers and the writers.

use std::borrow::Cow;

use unicode_normalization::char::is_combining_mark;

mod phrases;

pub use phrases::{Phrase, Phrases, Words};

/// Lower-cases, strips accents and keeps only letters and digits, so that
/// header names and vocabulary words compare as words: `E-Mail-Adresse` →
/// `emailadresse`, `Opt-In` → `optin`, `Désinscription` → `desinscription`,
/// `dpv:ConsentGiven` → `dpvconsentgiven`.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, |f| folded.push(f));
    }
    folded
}

/// [`fold`] into the caller's buffer, for matching a cell against a
/// vocabulary once per row without allocating. `None` when the folded text
/// does not fit, which no vocabulary word needs.
pub fn fold_into<'b>(text: &str, buf: &'b mut [u8; 64]) -> Option<&'b str> {
    let mut len = 0;
    if text.is_ascii() {
        // Nearly every cell: a byte at a time, no decoding.
        for &byte in text.as_bytes() {
            if byte.is_ascii_alphanumeric() {
                *buf.get_mut(len)? = byte.to_ascii_lowercase();
                len += 1;
            }
        }
        return std::str::from_utf8(&buf[..len]).ok();
    }
    let mut fits = true;
    for c in text.chars() {
        fold_char(c, |f| {
            let end = len + f.len_utf8();
            if end > buf.len() {
                fits = false;
                return;
            }
            f.encode_utf8(&mut buf[len..end]);
            len = end;
        });
        if !fits {
            return None;
        }
    }
    std::str::from_utf8(&buf[..len]).ok()
}

/// Calls `f` with the cell folded ([`fold`]), on the stack for cells of
/// usual length and allocating only for longer ones: for lookups that run
/// once per row.
pub fn with_folded<R>(cell: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 64];
    match fold_into(cell, &mut buf) {
        Some(folded) => f(folded),
        None => f(&fold(cell)),
    }
}

/// One character of [`fold`]: nothing for a separator or a combining mark,
/// the lower-case letters without their accents otherwise. Letters that
/// Unicode does not decompose are spelled as their languages write them
/// without the letter (`ß` → `ss`, `æ` → `ae`, `ø` → `o`).
pub(crate) fn fold_char(c: char, mut out: impl FnMut(char)) {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            out(c.to_ascii_lowercase());
        }
        return;
    }
    if !c.is_alphanumeric() {
        return;
    }
    for lower in c.to_lowercase() {
        let spelled: &[char] = match lower {
            'ß' => &['s', 's'],
            'æ' => &['a', 'e'],
            'œ' => &['o', 'e'],
            'ø' => &['o'],
            'ł' => &['l'],
            'đ' | 'ð' => &['d'],
            'þ' => &['t', 'h'],
            'ı' => &['i'],
            _ => {
                // A letter with accents decomposes into its base and
                // combining marks; anything else (Hangul syllables, say)
                // stays as it is.
                let mut base = None;
                let mut only_marks = true;
                unicode_normalization::char::decompose_canonical(lower, |d| match base {
                    None => base = Some(d),
                    Some(_) => only_marks &= is_combining_mark(d),
                });
                match base {
                    Some(b) if b != lower && only_marks => out(b),
                    _ => out(lower),
                }
                continue;
            }
        };
        spelled.iter().copied().for_each(&mut out);
    }
}

/// The candidates that look like a mistyped `query` (Jaro-Winkler
/// similarity, case-insensitive), most similar first, for "did you mean".
pub fn similar<'a>(query: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let query = query.trim().to_lowercase();
    let mut scored: Vec<(f64, &'a str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&query, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().map(|(_, c)| c).collect()
}

/// A cell for a CSV report that a spreadsheet will not run as a formula:
/// a value starting with `=`, `+`, `-`, `@`, a tab or a carriage return
/// gets a leading `'` (OWASP's advice for CSV injection), which the
/// readers strip again ([`crate::input::strip_safety_prefix`]). Only for
/// the tool's own report columns: the user's rows stay byte-faithful.
pub fn spreadsheet_safe(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Escapes control characters and invisible or direction-changing Unicode
/// (bidi overrides, zero-width characters) before input text is printed to
/// a terminal, where they could rewrite what the user sees.
pub fn sanitize_for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a character is escaped by [`sanitize_for_terminal`]: control
/// characters (C0, DEL, C1) and invisible or direction-changing Unicode.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
            | '\u{e0000}'..='\u{e007f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_cells_never_start_a_formula() {
        for risky in ["=1+1", "+cmd@example.com", "-2+3@example.com", "@SUM(A1)"] {
            let safe = spreadsheet_safe(risky);
            assert_eq!(safe, format!("'{risky}"));
            assert_eq!(crate::input::strip_safety_prefix(&safe), risky);
        }
        assert_eq!(spreadsheet_safe("\tx"), "'\tx");
        assert_eq!(spreadsheet_safe("\rx"), "'\rx");
        for plain in ["anna@example.com", "C001: no opt-in", "", "'=already"] {
            assert!(matches!(spreadsheet_safe(plain), Cow::Borrowed(p) if p == plain));
        }
    }

    #[test]
    fn fold_into_matches_fold_without_allocating() {
        let mut buf = [0u8; 64];
        for text in [
            "Opt-In",
            "Double Opt-In",
            "Désinscription",
            "ÄRGER ß",
            "Łódź Ærø",
            "",
            "--",
        ] {
            assert_eq!(
                fold_into(text, &mut buf),
                Some(fold(text).as_str()),
                "{text:?}"
            );
        }
        assert_eq!(fold_into(&"ab".repeat(40), &mut buf), None);
    }

    #[test]
    fn folds_to_lowercase_alphanumerics() {
        assert_eq!(fold("E-Mail-Adresse"), "emailadresse");
        assert_eq!(fold(" Email Address "), "emailaddress");
        assert_eq!(fold("email_address"), "emailaddress");
        assert_eq!(fold("Correo Electrónico"), "correoelectronico");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Ångström ØRE"), "angstromore");
        assert_eq!(fold("tirage au sort"), "tirageausort");
        assert_eq!(fold("fichier acheté"), "fichierachete");
        assert_eq!(fold("Anmeldebestätigung"), "anmeldebestatigung");
    }

    #[test]
    fn escapes_what_could_fool_a_terminal() {
        assert_eq!(sanitize_for_terminal("plain text"), "plain text");
        assert_eq!(sanitize_for_terminal("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(sanitize_for_terminal("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(sanitize_for_terminal("tab\there"), "tab\\u{9}here");
        assert_eq!(sanitize_for_terminal("Müller"), "Müller");
    }
}
