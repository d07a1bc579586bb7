//! Text encodings of delimited files: UTF-8 (with or without a byte-order
//! mark), UTF-16 with a byte-order mark, and Windows-1252 (what German and
//! French Excel write).
//!
//! UTF-8 and Windows-1252 files are parsed as they are: every delimiter,
//! quote and line break is ASCII in both, so records keep their original
//! bytes and only the cells the audit reads are decoded. UTF-16 files are
//! transcoded to UTF-8 while they are read and encoded back on output.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read};

use encoding_rs::{DecoderResult, UTF_16BE, UTF_16LE, WINDOWS_1252};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// UTF-8 with a byte-order mark, kept in the outputs.
    Utf8Bom,
    /// UTF-16, little-endian, with a byte-order mark.
    Utf16Le,
    /// UTF-16, big-endian, with a byte-order mark.
    Utf16Be,
    Windows1252,
}

/// A cell's bytes are not valid in the file's encoding.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Undecodable {
    /// Offset of the first bad byte in the cell.
    pub at: usize,
    pub byte: u8,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    pub fn is_utf16(self) -> bool {
        matches!(self, Encoding::Utf16Le | Encoding::Utf16Be)
    }

    /// The byte-order mark of the file as stored.
    pub fn bom(self) -> &'static [u8] {
        match self {
            Encoding::Utf8 | Encoding::Windows1252 => b"",
            Encoding::Utf8Bom => b"\xef\xbb\xbf",
            Encoding::Utf16Le => b"\xff\xfe",
            Encoding::Utf16Be => b"\xfe\xff",
        }
    }

    /// Checks that bytes as the parser sees them decode, without decoding
    /// them: every byte is a Windows-1252 character.
    pub fn validate(self, bytes: &[u8]) -> Result<(), Undecodable> {
        match self {
            Encoding::Windows1252 => Ok(()),
            _ => self.decode(bytes).map(drop),
        }
    }

    /// Decodes a cell as the parser sees it (UTF-16 files are parsed after
    /// transcoding, so their cells are UTF-8).
    pub fn decode(self, bytes: &[u8]) -> Result<Cow<'_, str>, Undecodable> {
        match self {
            Encoding::Windows1252 => Ok(WINDOWS_1252.decode_without_bom_handling(bytes).0),
            _ => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
                let at = e.valid_up_to();
                Undecodable {
                    at,
                    byte: bytes[at],
                }
            }),
        }
    }

    /// Decodes a cell, replacing what cannot be decoded (for display).
    pub fn decode_lossy(self, bytes: &[u8]) -> Cow<'_, str> {
        match self.decode(bytes) {
            Ok(text) => text,
            Err(_) => String::from_utf8_lossy(bytes),
        }
    }

    /// Encodes text that the tool adds to a file (header names, reasons)
    /// into the bytes the parser works on: UTF-8, or Windows-1252 with `?`
    /// for characters it cannot represent.
    pub fn encode_added<'a>(self, text: &'a str) -> Cow<'a, [u8]> {
        if self != Encoding::Windows1252 || text.is_ascii() {
            return Cow::Borrowed(text.as_bytes());
        }
        let mut out = Vec::with_capacity(text.len());
        let mut utf8 = [0u8; 4];
        for c in text.chars() {
            let (bytes, _, unmappable) = WINDOWS_1252.encode(c.encode_utf8(&mut utf8));
            if unmappable {
                out.push(b'?');
            } else {
                out.extend_from_slice(&bytes);
            }
        }
        Cow::Owned(out)
    }

    /// Encodes bytes as the parser saw them into the file's own encoding:
    /// UTF-16 files get their UTF-8 transcoding encoded back.
    pub fn encode_stored<'a>(self, parsed: &'a [u8]) -> Cow<'a, [u8]> {
        let to_units = |big_endian: bool| {
            let text = String::from_utf8_lossy(parsed);
            let mut out = Vec::with_capacity(parsed.len() * 2);
            for unit in text.encode_utf16() {
                let bytes = if big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                };
                out.extend_from_slice(&bytes);
            }
            Cow::Owned(out)
        };
        match self {
            Encoding::Utf16Le => to_units(false),
            Encoding::Utf16Be => to_units(true),
            _ => Cow::Borrowed(parsed),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a file's first bytes are not text at all, if they are not: the
/// signature of a known binary format, or so many NUL bytes that no
/// delimited text has them. A NUL here and there is a damaged row, which
/// the reader reports on its row (D003) while reading the rest.
pub fn binary_kind(prefix: &[u8]) -> Option<String> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (
            b"PK\x03\x04",
            "a ZIP archive (.xlsx and .ods spreadsheets are ZIP archives)",
        ),
        (b"PK\x05\x06", "an empty ZIP archive"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "an Excel 97-2003 workbook (.xls) or another OLE2 document",
        ),
        (b"%PDF-", "a PDF document"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"BZh", "a bzip2 archive"),
        (b"\xfd7zXZ\x00", "an xz archive"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (b"\x28\xb5\x2f\xfd", "a Zstandard archive"),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"PAR1", "a Parquet file"),
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\x7fELF", "an executable"),
    ];
    if let Some((_, what)) = SIGNATURES
        .iter()
        .find(|(magic, _)| prefix.starts_with(magic))
    {
        return Some(format!("it is {what}"));
    }
    let nuls = memchr::memchr_iter(0, prefix).count();
    // UTF-16 without a mark has NULs in every other byte; `detect` names it.
    let text_encoding = detect(prefix, false).is_ok_and(|e| !e.is_utf16());
    (nuls > 0 && nuls * 10 > prefix.len() && text_encoding).then(|| {
        format!(
            "{nuls} of its first {} bytes are NUL, which delimited text does not have",
            prefix.len()
        )
    })
}

/// Decides a file's encoding from its first bytes. `complete` says the
/// prefix is the whole file (so a cut-off character at its end is an error,
/// not an artefact of the cut).
pub fn detect(prefix: &[u8], complete: bool) -> Result<Encoding, &'static str> {
    if prefix.starts_with(b"\xff\xfe") {
        return Ok(Encoding::Utf16Le);
    }
    if prefix.starts_with(b"\xfe\xff") {
        return Ok(Encoding::Utf16Be);
    }
    if memchr::memchr(0, prefix).is_some() {
        let even_nuls = prefix.iter().step_by(2).filter(|&&b| b == 0).count();
        let odd_nuls = prefix
            .iter()
            .skip(1)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count();
        // ASCII in UTF-16 has a NUL in every other byte and none between.
        let (half, few) = (prefix.len() / 4, prefix.len() / 16);
        if (even_nuls > half && odd_nuls <= few) || (odd_nuls > half && even_nuls <= few) {
            return Err("UTF-16 without a byte-order mark");
        }
        // A few NUL bytes in text are damaged rows (D003), not a reason to
        // refuse the file; `binary_kind` decides what is not text at all.
    }
    if let Some(rest) = prefix.strip_prefix(b"\xef\xbb\xbf") {
        // A UTF-8 mark is a statement; bad bytes later are row problems.
        let _ = rest;
        return Ok(Encoding::Utf8Bom);
    }
    match std::str::from_utf8(prefix) {
        Ok(_) => Ok(Encoding::Utf8),
        // A character cut off by the end of the sample is not an error.
        Err(e) if e.error_len().is_none() && !complete => Ok(Encoding::Utf8),
        // Real multi-byte UTF-8 next to bad bytes is a UTF-8 file with a
        // few broken rows (D003), not Windows-1252, whose text almost never
        // forms valid UTF-8 sequences by accident.
        Err(_) if has_multibyte_utf8(prefix) => Ok(Encoding::Utf8),
        Err(_) => Ok(Encoding::Windows1252),
    }
}

fn has_multibyte_utf8(bytes: &[u8]) -> bool {
    bytes.utf8_chunks().any(|chunk| !chunk.valid().is_ascii())
}

/// Decodes the first bytes of a UTF-16 file to UTF-8 for sniffing.
pub fn utf16_prefix_to_utf8(prefix: &[u8], encoding: Encoding) -> Vec<u8> {
    let body = &prefix[2.min(prefix.len())..];
    let codec = if encoding == Encoding::Utf16Be {
        UTF_16BE
    } else {
        UTF_16LE
    };
    codec
        .decode_without_bom_handling(body)
        .0
        .into_owned()
        .into_bytes()
}

/// Reads a UTF-16 stream (after its byte-order mark) as UTF-8. Bytes that
/// are not valid UTF-16 (an unpaired surrogate, an odd trailing byte) stop
/// the read with their byte offset.
pub struct Utf16Reader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Box<[u8]>,
    in_pos: usize,
    in_len: usize,
    /// File offset of `input[0]`.
    in_offset: u64,
    eof: bool,
    output: Box<[u8]>,
    out_pos: usize,
    out_len: usize,
    finished: bool,
    /// Bad bytes found after the decoded text still being handed out.
    pending: Option<io::Error>,
}

impl<R: Read> Utf16Reader<R> {
    /// `inner` starts after the two-byte mark.
    pub fn new(inner: R, encoding: Encoding) -> Utf16Reader<R> {
        let codec = if encoding == Encoding::Utf16Be {
            UTF_16BE
        } else {
            UTF_16LE
        };
        Utf16Reader {
            inner,
            decoder: codec.new_decoder_without_bom_handling(),
            input: vec![0; 64 * 1024].into_boxed_slice(),
            in_pos: 0,
            in_len: 0,
            in_offset: 2,
            eof: false,
            output: vec![0; 64 * 1024 * 3 / 2 + 16].into_boxed_slice(),
            out_pos: 0,
            out_len: 0,
            finished: false,
            pending: None,
        }
    }

    fn refill_output(&mut self) -> io::Result<()> {
        while self.out_pos == self.out_len && !self.finished {
            if self.in_pos == self.in_len && !self.eof {
                self.in_offset += self.in_len as u64;
                self.in_pos = 0;
                self.in_len = super::record::read_retrying(&mut self.inner, &mut self.input)?;
                self.eof = self.in_len == 0;
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.in_pos..self.in_len],
                &mut self.output,
                self.eof,
            );
            self.in_pos += read;
            self.out_pos = 0;
            self.out_len = written;
            match result {
                DecoderResult::InputEmpty => self.finished = self.eof,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, extra) => {
                    let at =
                        self.in_offset + self.in_pos as u64 - u64::from(bad) - u64::from(extra);
                    self.finished = true;
                    self.pending = Some(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("bytes that are not valid UTF-16 at byte offset {at}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Hand out what was decoded before reporting an error after it, so
        // that the rows before the bad bytes are read.
        if self.out_pos == self.out_len {
            self.refill_output()?;
            if self.out_pos == self.out_len
                && let Some(error) = self.pending.take()
            {
                return Err(error);
            }
        }
        let n = buf.len().min(self.out_len - self.out_pos);
        buf[..n].copy_from_slice(&self.output[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut out = b"\xff\xfe".to_vec();
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn detects_encodings() {
        assert_eq!(detect(b"email\n", true), Ok(Encoding::Utf8));
        assert_eq!(detect(b"\xef\xbb\xbfemail\n", true), Ok(Encoding::Utf8Bom));
        assert_eq!(detect(&utf16le("email\n"), true), Ok(Encoding::Utf16Le));
        assert_eq!(detect(b"\xfe\xff\x00e", true), Ok(Encoding::Utf16Be));
        assert_eq!(detect(b"Name;Stra\xdfe\n", true), Ok(Encoding::Windows1252));
        // UTF-8 text with one broken byte stays UTF-8.
        assert_eq!(
            detect(b"J\xc3\xbcrgen\nbad\xff\n", true),
            Ok(Encoding::Utf8)
        );
        // A multi-byte character cut by the end of the sample.
        assert_eq!(detect(b"email\nM\xc3", false), Ok(Encoding::Utf8));
        assert_eq!(detect(b"email\nM\xc3", true), Ok(Encoding::Windows1252));
        assert_eq!(
            detect(b"e\x00m\x00a\x00i\x00l\x00", true),
            Err("UTF-16 without a byte-order mark")
        );
        // A NUL or two is a damaged row, read on as one.
        assert_eq!(
            detect(b"email\na\x00@example.com\n", true),
            Ok(Encoding::Utf8)
        );
    }

    #[test]
    fn knows_binary_files_from_text_with_a_damaged_row() {
        assert_eq!(
            binary_kind(b"PK\x03\x04\x14\x00\x06\x00").as_deref(),
            Some("it is a ZIP archive (.xlsx and .ods spreadsheets are ZIP archives)")
        );
        assert!(
            binary_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00")
                .is_some_and(|k| k.contains(".xls"))
        );
        let mut padded = b"email\nanna@example.com\n".to_vec();
        padded.extend([0; 512]);
        assert_eq!(
            binary_kind(&padded).as_deref(),
            Some("512 of its first 535 bytes are NUL, which delimited text does not have")
        );
        let mut text = b"email\n".to_vec();
        for i in 0..200 {
            text.extend(format!("person{i}@example.com\n").bytes());
        }
        text.extend(b"dam\x00aged@example.com\n");
        assert_eq!(binary_kind(&text), None);
        assert_eq!(binary_kind(b"e\x00m\x00a\x00i\x00l\x00"), None);
        assert_eq!(binary_kind(b"email\nanna@example.com\n"), None);
    }

    #[test]
    fn decodes_cells_and_encodes_additions() {
        assert_eq!(
            Encoding::Windows1252.decode(b"M\xfcller").unwrap(),
            "Müller"
        );
        assert_eq!(
            Encoding::Utf8.decode("Müller".as_bytes()).unwrap(),
            "Müller"
        );
        assert_eq!(
            Encoding::Utf8.decode(b"M\xfcller"),
            Err(Undecodable { at: 1, byte: 0xfc })
        );
        assert_eq!(
            &*Encoding::Windows1252.encode_added("Müller → ok"),
            b"M\xfcller ? ok"
        );
        assert_eq!(&*Encoding::Utf8.encode_added("→"), "→".as_bytes());
    }

    #[test]
    fn utf16_round_trips_through_the_reader() {
        let text = "Email;Name\r\nanna@example.de;Anna Müller 😀\r\n";
        let bytes = utf16le(text);
        let mut reader = Utf16Reader::new(&bytes[2..], Encoding::Utf16Le);
        let mut decoded = String::new();
        reader.read_to_string(&mut decoded).unwrap();
        assert_eq!(decoded, text);
        let mut stored = Encoding::Utf16Le.bom().to_vec();
        stored.extend_from_slice(&Encoding::Utf16Le.encode_stored(decoded.as_bytes()));
        assert_eq!(stored, bytes);
    }

    #[test]
    fn bad_utf16_names_its_offset() {
        let mut bytes = utf16le("ab");
        bytes.extend_from_slice(&[0x00, 0xdc]); // a lone low surrogate at offset 6
        bytes.extend_from_slice(&utf16le("c")[2..]);
        let mut reader = Utf16Reader::new(&bytes[2..], Encoding::Utf16Le);
        let mut out = Vec::new();
        let err = reader.read_to_end(&mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("byte offset 6"), "{err}");
    }
}

/// Any CSV the `csv` crate can write, in any supported encoding and
/// delimiter, reads back to the same records.
#[cfg(test)]
mod round_trip {
    use super::*;
    use crate::input::record::{RawRecord, RecordReader};
    use proptest::prelude::*;

    fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
        let mut out = encoding.bom().to_vec();
        match encoding {
            Encoding::Windows1252 => out.extend_from_slice(&WINDOWS_1252.encode(text).0),
            _ => out.extend_from_slice(&encoding.encode_stored(text.as_bytes())),
        }
        out
    }

    fn read_back(bytes: &[u8], encoding: Encoding, delimiter: u8) -> Vec<Vec<String>> {
        let body: Box<dyn Read> = if encoding.is_utf16() {
            Box::new(Utf16Reader::new(&bytes[2..], encoding))
        } else {
            Box::new(bytes)
        };
        let mut reader = RecordReader::new(body, delimiter, usize::MAX);
        let mut record = RawRecord::default();
        let mut records = Vec::new();
        while reader.read(&mut record).unwrap() {
            records.push(
                record
                    .iter()
                    .map(|cell| encoding.decode(cell).unwrap().into_owned())
                    .collect(),
            );
        }
        records
    }

    fn cell() -> impl Strategy<Value = String> {
        // Letters (ASCII and Latin-1, which Windows-1252 can hold), digits,
        // quotes, every delimiter, spaces and line breaks.
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just('Z'),
                Just('7'),
                Just('@'),
                Just('.'),
                Just('ü'),
                Just('ß'),
                Just('é'),
                Just('"'),
                Just(','),
                Just(';'),
                Just('\t'),
                Just('|'),
                Just(' '),
                Just('\n'),
                Just('\r'),
            ],
            1..8,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn csv_crate_output_reads_back(
            rows in proptest::collection::vec(proptest::collection::vec(cell(), 3), 1..12),
            delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t'), Just(b'|')],
            crlf in any::<bool>(),
            encoding in prop_oneof![
                Just(Encoding::Utf8),
                Just(Encoding::Utf8Bom),
                Just(Encoding::Utf16Le),
                Just(Encoding::Utf16Be),
                Just(Encoding::Windows1252),
            ],
        ) {
            let mut writer = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .from_writer(Vec::new());
            for row in &rows {
                writer.write_record(row).unwrap();
            }
            let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
            let bytes = encode(&text, encoding);
            // A UTF-8 mark is kept in the first record's raw bytes, never
            // in a cell.
            prop_assert_eq!(read_back(&bytes, encoding, delimiter), rows);
            // And the sniffer names the encoding it was written in (ASCII
            // text in Windows-1252 is indistinguishable from UTF-8).
            let expected = match encoding {
                Encoding::Windows1252 if text.is_ascii() => Encoding::Utf8,
                other => other,
            };
            prop_assert_eq!(detect(&bytes, true).unwrap(), expected);
        }
    }
}
