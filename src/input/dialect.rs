//! How a delimited file is written: encoding, delimiter, line endings.
//! Sniffed from the first bytes so that users never have to say.

use std::fmt;

use super::record::{RawRecord, RecordReader};

/// The text encoding of a file, as reported by `inspect` and `report.json`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// UTF-8 with a byte-order mark, kept in the outputs.
    Utf8Bom,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    #[error("file is encoded as {0}, which this version cannot read")]
    UnsupportedEncoding(&'static str),
    #[error("file looks binary (it contains NUL bytes), not like delimited text")]
    Binary,
}

const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];
const SAMPLE_RECORDS: usize = 50;

/// Sniffs the dialect from the first bytes of a file (64 KiB or so).
pub fn sniff(prefix: &[u8]) -> Result<Dialect, SniffError> {
    if prefix.is_empty() {
        return Err(SniffError::Empty);
    }
    if prefix.starts_with(b"\xff\xfe") {
        return Err(SniffError::UnsupportedEncoding("UTF-16LE"));
    }
    if prefix.starts_with(b"\xfe\xff") {
        return Err(SniffError::UnsupportedEncoding("UTF-16BE"));
    }
    if memchr::memchr(0, prefix).is_some() {
        return Err(SniffError::Binary);
    }
    let encoding = if prefix.starts_with(b"\xef\xbb\xbf") {
        Encoding::Utf8Bom
    } else {
        Encoding::Utf8
    };
    Ok(Dialect {
        encoding,
        delimiter: sniff_delimiter(prefix),
    })
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
        sniff(text.as_bytes()).unwrap().delimiter as char
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
    fn single_column_files_default_to_comma() {
        assert_eq!(delimiter("anna@example.com\nben@example.com\n"), ',');
    }

    #[test]
    fn reports_encoding_and_refuses_what_it_cannot_read() {
        assert_eq!(
            sniff(b"\xef\xbb\xbfemail\n").unwrap().encoding,
            Encoding::Utf8Bom
        );
        assert_eq!(sniff(b"email\n").unwrap().encoding, Encoding::Utf8);
        assert_eq!(sniff(b""), Err(SniffError::Empty));
        assert_eq!(
            sniff(b"\xff\xfee\x00m\x00"),
            Err(SniffError::UnsupportedEncoding("UTF-16LE"))
        );
        assert_eq!(sniff(b"PK\x03\x04\x00\x00"), Err(SniffError::Binary));
    }
}
