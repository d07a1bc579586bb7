//! How a delimited file is written: encoding, delimiter, line endings.
//! Sniffed from the first bytes so that users never have to say.

use super::encoding::{self, Encoding};
use super::record::{RawRecord, RecordReader};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Dialect {
    pub encoding: Encoding,
    pub delimiter: u8,
}

impl Dialect {
    pub fn delimiter_str(&self) -> String {
        (self.delimiter as char).to_string()
    }
}

/// Why a file cannot be read as delimited text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SniffError {
    #[error("file is empty")]
    Empty,
    #[error("file is encoded as {0}, which cannot be read")]
    UnsupportedEncoding(&'static str),
    #[error("file is not delimited text: {0}")]
    Binary(String),
}

impl SniffError {
    pub fn hint(&self) -> &'static str {
        match self {
            SniffError::Empty => "export the list again; the file has no bytes",
            SniffError::UnsupportedEncoding(_) => {
                "save the file as UTF-8 (or UTF-16 with a byte-order mark) and run again"
            }
            SniffError::Binary(_) => {
                "pass CSV or TSV text; spreadsheets (.xlsx) must be saved as CSV first"
            }
        }
    }
}

const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
const SAMPLE_RECORDS: usize = 50;

/// Sniffs the dialect from the first bytes of a file (64 KiB or so).
/// `complete` says the bytes are the whole file.
pub fn sniff(prefix: &[u8], complete: bool) -> Result<Dialect, SniffError> {
    if prefix.is_empty() {
        return Err(SniffError::Empty);
    }
    if let Some(kind) = encoding::binary_kind(prefix) {
        return Err(SniffError::Binary(kind));
    }
    let encoding = encoding::detect(prefix, complete).map_err(SniffError::UnsupportedEncoding)?;
    let text = if encoding.is_utf16() {
        std::borrow::Cow::Owned(encoding::utf16_prefix_to_utf8(prefix, encoding))
    } else {
        std::borrow::Cow::Borrowed(prefix)
    };
    let delimiter = declared_delimiter(&text).unwrap_or_else(|| sniff_delimiter(&text));
    Ok(Dialect {
        encoding,
        delimiter,
    })
}

/// The delimiter an Excel `sep=;` first line declares (Excel writes it,
/// and reads it back, so that a file opens in columns whatever the
/// locale's list separator). The line may be quoted: `"sep=;"`.
pub fn declared_delimiter(text: &[u8]) -> Option<u8> {
    let text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text);
    let (quoted, text) = match text.strip_prefix(b"\"") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if text.len() < 5 || !text[..4].eq_ignore_ascii_case(b"sep=") {
        return None;
    }
    let delimiter = text[4];
    let mut rest = &text[5..];
    if quoted {
        rest = rest.strip_prefix(b"\"")?;
    }
    let ends_line = matches!(rest.first(), None | Some(b'\r' | b'\n'));
    (ends_line && !matches!(delimiter, b'\r' | b'\n' | b'"')).then_some(delimiter)
}

/// Picks the candidate delimiter that splits the sample into the most
/// columns with the same count on every complete record. Counting outside
/// quotes matters: `"Müller, Hans";hans@example.de` is a semicolon file.
fn sniff_delimiter(prefix: &[u8]) -> u8 {
    // The last record of the sample may be cut off; only judge complete ones.
    let complete = match memchr::memrchr2(b'\n', b'\r', prefix) {
        Some(end) if end + 1 < prefix.len() => &prefix[..=end],
        _ => prefix,
    };
    let mut best: Option<(bool, usize, u8)> = None;
    for delimiter in CANDIDATES {
        let counts = field_counts(complete, delimiter);
        let Some(&header) = counts.first() else {
            continue;
        };
        let consistent = counts.iter().all(|&c| c == header);
        let score = (consistent, header, delimiter);
        let better = match best {
            None => header > 1,
            Some((best_consistent, best_header, _)) => {
                (consistent, header) > (best_consistent, best_header)
            }
        };
        if better && header > 1 {
            best = Some(score);
        }
    }
    best.map_or(b',', |(_, _, delimiter)| delimiter)
}

fn field_counts(sample: &[u8], delimiter: u8) -> Vec<usize> {
    let mut reader = RecordReader::new(sample, delimiter, usize::MAX);
    let mut record = RawRecord::default();
    let mut counts = Vec::new();
    while counts.len() < SAMPLE_RECORDS && reader.read(&mut record).unwrap_or(false) {
        counts.push(record.len());
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delimiter(text: &str) -> char {
        sniff(text.as_bytes(), true).unwrap().delimiter as char
    }

    #[test]
    fn sniffs_common_delimiters() {
        assert_eq!(delimiter("Email Address,First Name\na@x.com,Anna\n"), ',');
        assert_eq!(
            delimiter("EMAIL;FIRSTNAME;LASTNAME\na@x.com;Anna;Berg\n"),
            ';'
        );
        assert_eq!(
            delimiter("id\tEmail\tEntered\t\n1\ta@x.com\t2024-01-01\t\n"),
            '\t'
        );
        assert_eq!(delimiter("email|name\na@x.com|Anna\n"), '|');
    }

    #[test]
    fn quoted_delimiters_do_not_count() {
        let text =
            "Name;E-Mail\n\"Müller, Hans\";hans@example.de\n\"Berg, Anna\";anna@example.de\n";
        assert_eq!(delimiter(text), ';');
    }

    #[test]
    fn inconsistent_splits_lose() {
        // Commas inside unquoted names break the comma split's consistency.
        let text = "Name;Email\nBerg, Anna;a@x.com\nKim;k@x.com\n";
        assert_eq!(delimiter(text), ';');
    }

    #[test]
    fn an_excel_sep_line_names_the_delimiter() {
        let text = "sep=;\r\nE-Mail;Vorname\r\nanna@example.com;Anna\r\n";
        assert_eq!(delimiter(text), ';');
        assert_eq!(delimiter("\u{feff}SEP=|\nemail|name\na@x.com|A\n"), '|');
        assert_eq!(delimiter("\"sep=\t\"\nemail\tname\n"), '\t');
        assert_eq!(declared_delimiter(b"sep=;"), Some(b';'));
        assert_eq!(declared_delimiter(b"separator,email\n"), None);
        assert_eq!(declared_delimiter(b"sep=;x\n"), None);
        assert_eq!(declared_delimiter(b"email;sep=;\n"), None);
    }

    #[test]
    fn single_column_files_default_to_comma() {
        assert_eq!(delimiter("anna@example.com\nben@example.com\n"), ',');
    }

    #[test]
    fn reports_encoding_and_refuses_what_it_cannot_read() {
        assert_eq!(
            sniff(b"\xef\xbb\xbfemail\n", true).unwrap().encoding,
            Encoding::Utf8Bom
        );
        assert_eq!(sniff(b"email\n", true).unwrap().encoding, Encoding::Utf8);
        assert_eq!(sniff(b"", true), Err(SniffError::Empty));
        let utf16: Vec<u8> = b"\xff\xfe"
            .iter()
            .copied()
            .chain("a;b\nc;d\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let dialect = sniff(&utf16, true).unwrap();
        assert_eq!(
            (dialect.encoding, dialect.delimiter),
            (Encoding::Utf16Le, b';')
        );
        assert!(matches!(
            sniff(b"PK\x03\x04\x00\x00", true),
            Err(SniffError::Binary(kind)) if kind.contains("ZIP")
        ));
    }
}
