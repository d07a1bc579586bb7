//! Reading CSV records together with the exact bytes they came from.
//!
//! `cleaned.csv` must be byte-faithful to the input (quoting, line endings,
//! non-ASCII untouched), so every record keeps its raw bytes next to its
//! unescaped fields. Parsing is done by `csv_core` (RFC 4180, `\r`, `\n` and
//! `\r\n` line endings); this reader feeds it, copies the consumed bytes, and
//! attaches each record's line break (and any blank lines after it) to the
//! record, so that writing the raw bytes of the kept records reproduces
//! their lines exactly.

use std::io::{self, Read};

use csv_core::{ReadRecordResult, Reader as CoreReader, ReaderBuilder};

const INPUT_BUFFER: usize = 256 * 1024;

/// One record: its fields, its raw bytes, and where it is in the file.
#[derive(Clone, Debug, Default)]
pub struct RawRecord {
    raw: Vec<u8>,
    leading: usize,
    content_end: usize,
    fields: Vec<u8>,
    fields_len: usize,
    ends: Vec<usize>,
    field_count: usize,
    line: u64,
    row: u64,
    has_bom: bool,
    /// Byte offset of `raw` in the stream the record was read from.
    start: u64,
}

impl RawRecord {
    /// Whether the record starts with a UTF-8 byte-order mark (only the
    /// first record of a file can). The mark is in [`raw`](Self::raw), not
    /// in [`content`](Self::content) or the fields.
    pub fn has_bom(&self) -> bool {
        self.has_bom
    }

    /// The bytes exactly as read: the record and the line break(s) after it.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// What precedes the record in [`raw`](Self::raw): a byte-order mark
    /// and blank lines, which only the first record of a file can have.
    pub fn lead(&self) -> &[u8] {
        &self.raw[..self.leading]
    }

    /// [`raw`](Self::raw) without [`lead`](Self::lead): the record and the
    /// line break(s) after it.
    pub fn own_bytes(&self) -> &[u8] {
        &self.raw[self.leading..]
    }

    /// The record without line breaks before or after it.
    pub fn content(&self) -> &[u8] {
        &self.raw[self.leading..self.content_end]
    }

    /// The line break that ended the record (`\r\n`, `\n`, `\r`), or empty
    /// for a last line without one.
    pub fn terminator(&self) -> &[u8] {
        let rest = &self.raw[self.content_end..];
        match rest {
            [b'\r', b'\n', ..] => &rest[..2],
            [b'\r' | b'\n', ..] => &rest[..1],
            _ => &[],
        }
    }

    pub fn len(&self) -> usize {
        self.field_count
    }

    pub fn is_empty(&self) -> bool {
        self.field_count == 0
    }

    /// The unescaped bytes of field `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        if i >= self.field_count {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.fields[start..self.ends[i]])
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.field_count).filter_map(|i| self.get(i))
    }

    /// The fields as text, when every one of them is valid UTF-8: checked
    /// once for the whole record, which is cheaper than field by field.
    /// `None` means some field is not, and the caller names it.
    pub fn text(&self) -> Option<TextRecord<'_>> {
        let text = std::str::from_utf8(&self.fields[..self.fields_len]).ok()?;
        Some(TextRecord {
            text,
            ends: &self.ends[..self.field_count],
        })
    }

    /// 1-based physical line the record starts on.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Byte offset of the record's first byte (after any line breaks
    /// before it) in the stream it was read from.
    pub fn offset(&self) -> u64 {
        self.start + self.leading as u64
    }

    /// 1-based record number; the header is record 0.
    pub fn row(&self) -> u64 {
        self.row
    }

    /// Puts a preamble read before the record (Excel's `sep=;` line) in
    /// front of it, as part of its [`lead`](Self::lead): written back with
    /// it, never read as a field.
    pub fn prepend_lead(&mut self, preamble: &RawRecord) {
        let lead = preamble.raw();
        self.raw.splice(0..0, lead.iter().copied());
        self.leading += lead.len();
        self.content_end += lead.len();
        self.has_bom |= preamble.has_bom;
        self.start = preamble.start;
    }

    /// Renumbers the record (for files without a header row).
    pub fn set_row(&mut self, row: u64) {
        self.row = row;
    }

    fn clear(&mut self) {
        self.raw.clear();
        self.has_bom = false;
        self.leading = 0;
        self.content_end = 0;
        self.fields_len = 0;
        self.field_count = 0;
    }

    /// Whether the record's quoting is broken in a way that hides its real
    /// structure (an unterminated quote, or a quote that swallowed line
    /// breaks and was followed by more text). A stray quote inside an
    /// unquoted field is taken literally, as RFC 4180 parsers do.
    pub fn quoting_problem(&self, delimiter: u8) -> Option<QuotingProblem> {
        let content = self.content();
        memchr::memchr(b'"', content)?;
        quoting_problem(content, delimiter)
    }
}

/// A record's fields as text (see [`RawRecord::text`]).
#[derive(Clone, Copy)]
pub struct TextRecord<'a> {
    text: &'a str,
    ends: &'a [usize],
}

impl<'a> TextRecord<'a> {
    /// Field `i`, unescaped.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        // Fields end at delimiters and quotes, which are ASCII, so every
        // end is a character boundary.
        self.text.get(start..end)
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum QuotingProblem {
    /// A quoted field is never closed: it runs to the end of the file.
    Unterminated,
    /// A quoted field spans line breaks and text follows its closing quote,
    /// the signature of an unbalanced quote that swallowed lines.
    SwallowedLines,
}

fn quoting_problem(content: &[u8], delimiter: u8) -> Option<QuotingProblem> {
    let mut i = 0;
    let mut at_field_start = true;
    while i < content.len() {
        let byte = content[i];
        if at_field_start && byte == b'"' {
            let mut spans_lines = false;
            i += 1;
            loop {
                match content.get(i) {
                    None => return Some(QuotingProblem::Unterminated),
                    Some(b'"') if content.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\r' | b'\n') => {
                        spans_lines = true;
                        i += 1;
                    }
                    Some(_) => i += 1,
                }
            }
            match content.get(i) {
                None => return None,
                Some(&b) if b == delimiter => {
                    i += 1;
                    at_field_start = true;
                }
                Some(_) if spans_lines => return Some(QuotingProblem::SwallowedLines),
                Some(_) => at_field_start = false,
            }
        } else {
            at_field_start = byte == delimiter;
            i += 1;
        }
    }
    None
}

/// Why reading stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error(
        "line {line}: a record is longer than {} (is a quote unbalanced?)",
        super::bounded::size_in_words(*limit)
    )]
    RecordTooLong { line: u64, limit: usize },
}

/// Streams records out of a reader.
pub struct RecordReader<R> {
    inner: R,
    core: CoreReader,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    eof: bool,
    next_line: u64,
    records: u64,
    max_record_bytes: usize,
    /// Bytes handed out in records so far.
    consumed: u64,
}

const BOM: &[u8] = b"\xef\xbb\xbf";

impl<R: Read> RecordReader<R> {
    pub fn new(inner: R, delimiter: u8, max_record_bytes: usize) -> RecordReader<R> {
        RecordReader {
            inner,
            core: ReaderBuilder::new().delimiter(delimiter).build(),
            buf: vec![0; INPUT_BUFFER].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
            next_line: 1,
            records: 0,
            max_record_bytes,
            consumed: 0,
        }
    }

    /// Reads a line that comes before the header and is not a record
    /// (Excel's `sep=;`): it is not counted, so the header stays record 0.
    pub fn read_preamble(&mut self, record: &mut RawRecord) -> Result<bool, ReadError> {
        let found = self.read(record)?;
        if found {
            self.records -= 1;
        }
        Ok(found)
    }

    /// The 1-based line the next record starts on.
    pub fn next_line(&self) -> u64 {
        self.next_line
    }

    /// Reads the next record into `record`, reusing its buffers. Returns
    /// `false` at the end of the input.
    pub fn read(&mut self, record: &mut RawRecord) -> Result<bool, ReadError> {
        record.clear();
        record.start = self.consumed;
        if self.records == 0 && self.next_line == 1 {
            // Take the byte-order mark here: csv_core only strips one that
            // arrives whole with more data, and reads a read of just the
            // mark as the end of the input.
            self.fill_at_least(BOM.len())?;
            if self.buf[self.pos..self.len].starts_with(BOM) {
                record.raw.extend_from_slice(BOM);
                record.has_bom = true;
                self.pos += BOM.len();
            }
        }
        self.take_line_breaks(record)?;
        record.leading = record.raw.len();
        record.line = self.next_line + count_line_breaks(&record.raw);
        let mut field_count = 0;
        loop {
            self.fill()?;
            if record.fields.len() == record.fields_len {
                let grown = (record.fields.len() * 2).max(256);
                record.fields.resize(grown, 0);
            }
            if record.ends.len() == field_count {
                let grown = (record.ends.len() * 2).max(16);
                record.ends.resize(grown, 0);
            }
            let input = &self.buf[self.pos..self.len];
            let (result, nin, nout, nend) = self.core.read_record(
                input,
                &mut record.fields[record.fields_len..],
                &mut record.ends[field_count..],
            );
            record.raw.extend_from_slice(&input[..nin]);
            self.pos += nin;
            record.fields_len += nout;
            field_count += nend;
            match result {
                ReadRecordResult::Record => break,
                ReadRecordResult::End => {
                    self.next_line += count_line_breaks(&record.raw);
                    self.consumed += record.raw.len() as u64;
                    record.clear();
                    return Ok(false);
                }
                ReadRecordResult::InputEmpty
                | ReadRecordResult::OutputFull
                | ReadRecordResult::OutputEndsFull => {}
            }
            if record.raw.len() > self.max_record_bytes {
                return Err(ReadError::RecordTooLong {
                    line: record.line,
                    limit: self.max_record_bytes,
                });
            }
        }
        record.field_count = field_count;
        let mut content_end = record.raw.len();
        while content_end > record.leading && matches!(record.raw[content_end - 1], b'\r' | b'\n') {
            content_end -= 1;
        }
        record.content_end = content_end;
        self.take_line_breaks(record)?;
        self.next_line += count_line_breaks(&record.raw);
        record.row = self.records;
        self.records += 1;
        self.consumed += record.raw.len() as u64;
        Ok(true)
    }

    /// Moves line-break bytes at the read position into the record: the
    /// rest of its own `\r\n`, and blank lines (which are not records).
    fn take_line_breaks(&mut self, record: &mut RawRecord) -> io::Result<()> {
        loop {
            self.fill()?;
            let start = self.pos;
            while self.pos < self.len && matches!(self.buf[self.pos], b'\r' | b'\n') {
                self.pos += 1;
            }
            record.raw.extend_from_slice(&self.buf[start..self.pos]);
            if self.pos < self.len || self.eof {
                return Ok(());
            }
        }
    }

    /// Reads until at least `n` bytes are buffered or the input ends.
    fn fill_at_least(&mut self, n: usize) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
        }
        while self.len < n && !self.eof {
            let read = match self.inner.read(&mut self.buf[self.len..]) {
                Ok(read) => read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.len += read;
            self.eof = read == 0;
        }
        Ok(())
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.pos < self.len || self.eof {
            return Ok(());
        }
        self.pos = 0;
        self.len = loop {
            match self.inner.read(&mut self.buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.eof = self.len == 0;
        Ok(())
    }
}

/// Counts `\n`, `\r\n` and lone `\r` line breaks.
fn count_line_breaks(bytes: &[u8]) -> u64 {
    let mut count = 0;
    for i in memchr::memchr2_iter(b'\r', b'\n', bytes) {
        if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], delimiter: u8) -> Vec<RawRecord> {
        // A tiny reader buffer exercises records split across reads.
        let mut reader = RecordReader::new(
            ChunkedReader {
                data: input,
                chunk: 3,
            },
            delimiter,
            1 << 20,
        );
        let mut out = Vec::new();
        let mut record = RawRecord::default();
        while reader.read(&mut record).unwrap() {
            out.push(record.clone());
        }
        out
    }

    struct ChunkedReader<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for ChunkedReader<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn fields(record: &RawRecord) -> Vec<String> {
        record
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    }

    #[test]
    fn raw_bytes_concatenate_to_the_input() {
        let inputs: [&[u8]; 6] = [
            b"a,b\r\n1,2\r\n3,4\r\n",
            b"a,b\n1,2\n3,4",
            b"a,b\r1,2\r3,4\r",
            b"a,b\n\n1,2\n\n\n3,4\n\n",
            b"\xef\xbb\xbfa,b\n\"x,\"\"y\"\"\nz\",2\n",
            b"\n\na,b\n1,2\n",
        ];
        for input in inputs {
            let records = read_all(input, b',');
            let joined: Vec<u8> = records.iter().flat_map(|r| r.raw().to_vec()).collect();
            assert_eq!(joined, input, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn fields_are_unescaped_and_records_numbered() {
        let records = read_all(
            b"email,note\r\na@x.com,\"Hi, \"\"you\"\"\r\nline 2\"\r\nb@x.com,\r\n",
            b',',
        );
        assert_eq!(records.len(), 3);
        assert_eq!(fields(&records[1]), ["a@x.com", "Hi, \"you\"\r\nline 2"]);
        assert_eq!(fields(&records[2]), ["b@x.com", ""]);
        assert_eq!(
            records
                .iter()
                .map(|r| (r.row(), r.line()))
                .collect::<Vec<_>>(),
            [(0, 1), (1, 2), (2, 4)]
        );
        assert_eq!(records[1].terminator(), b"\r\n");
        assert_eq!(
            records[1].content(),
            b"a@x.com,\"Hi, \"\"you\"\"\r\nline 2\""
        );
    }

    #[test]
    fn blank_lines_and_cr_only_files_keep_line_numbers() {
        let records = read_all(b"h\n\n\nv1\nv2", b',');
        assert_eq!(
            records.iter().map(RawRecord::line).collect::<Vec<_>>(),
            [1, 4, 5]
        );
        assert_eq!(records[2].terminator(), b"");
        let records = read_all(b"h\rv1\rv2\r", b',');
        assert_eq!(
            records.iter().map(RawRecord::line).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(records[1].terminator(), b"\r");
    }

    #[test]
    fn other_delimiters() {
        let records = read_all(b"id\tEmail\t\n1\ta@x.com\t\n", b'\t');
        assert_eq!(fields(&records[1]), ["1", "a@x.com", ""]);
        let records = read_all("E-Mail;Name\nä@x.de;Jörg\n".as_bytes(), b';');
        assert_eq!(fields(&records[1]), ["ä@x.de", "Jörg"]);
    }

    #[test]
    fn large_fields_grow_the_buffers() {
        let long = "x".repeat(100_000);
        let input = format!("a,b\n{long},{}\n", "y,".repeat(100));
        let records = read_all(input.as_bytes(), b',');
        assert_eq!(records[1].get(0).unwrap().len(), 100_000);
        assert_eq!(records[1].len(), 102);
    }

    #[test]
    fn records_over_the_limit_are_an_error() {
        let input = format!("a\n\"{}", "z".repeat(5000));
        let mut reader = RecordReader::new(input.as_bytes(), b',', 1000);
        let mut record = RawRecord::default();
        assert!(reader.read(&mut record).unwrap());
        let err = reader.read(&mut record).unwrap_err();
        assert!(
            matches!(
                err,
                ReadError::RecordTooLong {
                    line: 2,
                    limit: 1000
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn detects_broken_quoting() {
        let check = |text: &str| quoting_problem(text.as_bytes(), b',');
        assert_eq!(check("a,\"b\"\"c\",d"), None);
        assert_eq!(check("a,5\" screen,d"), None);
        assert_eq!(check("a,\"multi\nline\",d"), None);
        assert_eq!(check("a,\"Jo \"JJ\" Smith\",d"), None);
        assert_eq!(check("a,\"open"), Some(QuotingProblem::Unterminated));
        assert_eq!(
            check("a,\"open\nb,c\nd,\"e,f"),
            Some(QuotingProblem::SwallowedLines)
        );
    }

    /// The record-level check skips the scan for records without a quote,
    /// and must answer as the full scan does on every record: a quote left
    /// open on the last line is found though a line break ends it.
    #[test]
    fn record_quoting_agrees_with_the_full_scan() {
        let inputs: [&[u8]; 7] = [
            b"h,i\na,\"open\n",
            b"h,i
a,\"b\"\"c\",d\n\"x\",y\n",
            b"h,i\na,\"open",
            b"h,i\r\na,\"multi\r\nline\",d\r\nz,\"q\"\r\n",
            b"h,i\na,\"open\nb,c\nd,\"e,f\n",
            b"h,i\na,5\" screen\nb,\"Jo \"JJ\" Smith\"",
            b"h,i\ra,\"x\"\rb,\"y",
        ];
        let mut problems = 0;
        for input in inputs {
            for record in read_all(input, b',') {
                let full = quoting_problem(record.content(), b',');
                problems += usize::from(full.is_some());
                assert_eq!(record.quoting_problem(b','), full, "{:?}", record.raw());
            }
        }
        assert_eq!(problems, 4);
    }

    #[test]
    fn text_fields_are_the_unescaped_fields_or_nothing() {
        let records = read_all("e,n\nä@x.de,\"Jörg \"\"JJ\"\", Köln\",\n".as_bytes(), b',');
        let text = records[1].text().expect("valid UTF-8");
        assert_eq!(text.get(0), Some("ä@x.de"));
        assert_eq!(text.get(1), Some("Jörg \"JJ\", Köln"));
        assert_eq!(text.get(2), Some(""));
        assert_eq!(text.get(3), None);
        let records = read_all(b"e,n\na@x.de,K\xf6ln\n", b',');
        assert!(records[1].text().is_none());
        assert_eq!(records[1].get(0), Some(&b"a@x.de"[..]));
    }
}
