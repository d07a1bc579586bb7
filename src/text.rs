//! Small text helpers shared by the readers and the writers.

use std::borrow::Cow;

/// Lower-cases and keeps only letters and digits, so that header names and
/// event spellings compare as words: `E-Mail-Adresse` → `emailadresse`,
/// `Opt-In` → `optin`, `dpv:ConsentGiven` → `dpvconsentgiven`.
pub fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// [`fold`] into the caller's buffer, for matching a cell against a
/// vocabulary once per row without allocating. `None` when the folded text
/// does not fit, which no vocabulary word needs.
pub fn fold_into<'b>(text: &str, buf: &'b mut [u8; 64]) -> Option<&'b str> {
    let mut len = 0;
    for c in text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
    {
        let end = len + c.len_utf8();
        if end > buf.len() {
            return None;
        }
        c.encode_utf8(&mut buf[len..end]);
        len = end;
    }
    std::str::from_utf8(&buf[..len]).ok()
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

fn needs_escape(c: char) -> bool {
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
        assert_eq!(fold("Correo Electrónico"), "correoelectrónico");
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
