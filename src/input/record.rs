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

/// Where a parser's bytes come from: a buffered stream, or a slice held
/// whole (a piece of a block split in parallel).
trait Feed {
    /// The unread bytes, refilled from the source when none are left;
    /// empty only at the end of the input.
    fn bytes(&mut self) -> io::Result<&[u8]>;
    fn consume(&mut self, n: usize);
}

/// A buffered stream.
struct StreamFeed<R> {
    inner: R,
    /// At least `INPUT_BUFFER` long; may hold more when a block handed its
    /// unparsed tail back.
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
}

impl<R: Read> StreamFeed<R> {
    /// Reads until at least `n` bytes are buffered or the input ends.
    fn fill_at_least(&mut self, n: usize) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
        }
        while self.len < n && !self.eof {
            let read = read_retrying(&mut self.inner, &mut self.buf[self.len..])?;
            self.len += read;
            self.eof = read == 0;
        }
        Ok(())
    }
}

impl<R: Read> Feed for StreamFeed<R> {
    fn bytes(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.len && !self.eof {
            self.pos = 0;
            self.len = read_retrying(&mut self.inner, &mut self.buf)?;
            self.eof = self.len == 0;
        }
        Ok(&self.buf[self.pos..self.len])
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

impl Feed for &[u8] {
    fn bytes(&mut self) -> io::Result<&[u8]> {
        Ok(self)
    }

    fn consume(&mut self, n: usize) {
        *self = &self[n..];
    }
}

/// The record parser's state: the csv_core machine and the counts that
/// number records and lines.
struct Parser {
    core: CoreReader,
    next_line: u64,
    records: u64,
    max_record_bytes: usize,
    /// Bytes handed out in records so far.
    consumed: u64,
    /// The last record was ended by the end of the input, not by a line
    /// break: in a piece of a block, the sign that the piece was cut
    /// inside a record (a quoted field spanning lines).
    ended_by_eof: bool,
    /// The parser starts in the middle of a stream (a piece of a block):
    /// csv_core must not strip a byte-order mark there, as it does from
    /// the first bytes it is given.
    mid_stream: bool,
}

impl Parser {
    fn new(delimiter: u8, max_record_bytes: usize) -> Parser {
        Parser {
            core: ReaderBuilder::new().delimiter(delimiter).build(),
            next_line: 1,
            records: 0,
            max_record_bytes,
            consumed: 0,
            ended_by_eof: false,
            mid_stream: false,
        }
    }

    /// Reads the record at the feed's position (after any byte-order mark
    /// the caller took) into `record`. Returns `false` at the end.
    fn read(&mut self, feed: &mut impl Feed, record: &mut RawRecord) -> Result<bool, ReadError> {
        take_line_breaks(feed, record)?;
        record.leading = record.raw.len();
        record.line = self.next_line + count_line_breaks(&record.raw);
        let mut field_count = 0;
        loop {
            if record.fields.len() == record.fields_len {
                let grown = (record.fields.len() * 2).max(256);
                record.fields.resize(grown, 0);
            }
            if record.ends.len() == field_count {
                let grown = (record.ends.len() * 2).max(16);
                record.ends.resize(grown, 0);
            }
            let mut input = feed.bytes()?;
            if self.mid_stream {
                // Fewer than three bytes are never taken for a mark, and
                // after them csv_core looks for none.
                if input.starts_with(BOM) {
                    input = &input[..2];
                }
                self.mid_stream = false;
            }
            let (result, nin, nout, nend) = self.core.read_record(
                input,
                &mut record.fields[record.fields_len..],
                &mut record.ends[field_count..],
            );
            self.ended_by_eof = input.is_empty();
            record.raw.extend_from_slice(&input[..nin]);
            feed.consume(nin);
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
        take_line_breaks(feed, record)?;
        self.next_line += count_line_breaks(&record.raw);
        record.row = self.records;
        self.records += 1;
        self.consumed += record.raw.len() as u64;
        Ok(true)
    }
}

/// Moves line-break bytes at the read position into the record: the rest
/// of its own `\r\n`, and blank lines (which are not records).
fn take_line_breaks(feed: &mut impl Feed, record: &mut RawRecord) -> io::Result<()> {
    loop {
        let input = feed.bytes()?;
        let breaks = input
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .unwrap_or(input.len());
        let all = breaks == input.len();
        let at_end = input.is_empty();
        record.raw.extend_from_slice(&input[..breaks]);
        feed.consume(breaks);
        if !all || at_end {
            return Ok(());
        }
    }
}

/// Streams records out of a reader.
pub struct RecordReader<R> {
    feed: StreamFeed<R>,
    parser: Parser,
    delimiter: u8,
    /// The bytes of the block being split (see [`read_block`](Self::read_block)).
    block: Vec<u8>,
    /// The size a block aims at, and the smallest piece.
    block_bytes: usize,
    piece_bytes: usize,
}

const BOM: &[u8] = b"\xef\xbb\xbf";

impl<R: Read> RecordReader<R> {
    pub fn new(inner: R, delimiter: u8, max_record_bytes: usize) -> RecordReader<R> {
        RecordReader {
            feed: StreamFeed {
                inner,
                buf: vec![0; INPUT_BUFFER],
                pos: 0,
                len: 0,
                eof: false,
            },
            parser: Parser::new(delimiter, max_record_bytes),
            delimiter,
            block: Vec::new(),
            block_bytes: BLOCK_BYTES,
            piece_bytes: PIECE_BYTES,
        }
    }

    /// Reads blocks of about `bytes` (within 16 KiB and 2 MiB), in four
    /// pieces or more.
    pub fn set_block_bytes(&mut self, bytes: usize) {
        self.block_bytes = bytes.clamp(MIN_BLOCK_BYTES, BLOCK_BYTES);
        self.piece_bytes = self.block_bytes / 4;
    }

    /// Tiny blocks and pieces, so that tests cross their edges.
    #[cfg(test)]
    fn with_blocks(mut self, block_bytes: usize, piece_bytes: usize) -> RecordReader<R> {
        (self.block_bytes, self.piece_bytes) = (block_bytes, piece_bytes);
        self
    }

    /// Reads a line that comes before the header and is not a record
    /// (Excel's `sep=;`): it is not counted, so the header stays record 0.
    pub fn read_preamble(&mut self, record: &mut RawRecord) -> Result<bool, ReadError> {
        let found = self.read(record)?;
        if found {
            self.parser.records -= 1;
        }
        Ok(found)
    }

    /// The 1-based line the next record starts on.
    pub fn next_line(&self) -> u64 {
        self.parser.next_line
    }

    /// Reads the next record into `record`, reusing its buffers. Returns
    /// `false` at the end of the input.
    pub fn read(&mut self, record: &mut RawRecord) -> Result<bool, ReadError> {
        record.clear();
        record.start = self.parser.consumed;
        if self.parser.records == 0 && self.parser.next_line == 1 {
            // Take the byte-order mark here: csv_core only strips one that
            // arrives whole with more data, and reads a read of just the
            // mark as the end of the input.
            self.feed.fill_at_least(BOM.len())?;
            let feed = &mut self.feed;
            if feed.buf[feed.pos..feed.len].starts_with(BOM) {
                record.raw.extend_from_slice(BOM);
                record.has_bom = true;
                feed.pos += BOM.len();
            }
        }
        self.parser.read(&mut self.feed, record)
    }

    /// Reads the next block of records (about `BLOCK_BYTES` of the stream)
    /// into `pieces`, reusing the records already there, and returns how
    /// many pieces it filled: the records of `pieces[..n]`, piece by piece,
    /// are the block's records in order; 0 means the end.
    ///
    /// The block is split at guessed record starts (line starts), and the
    /// pieces are parsed in parallel, each by a fresh parser. A guess is
    /// wrong only when a quoted field spans the line break before it; the
    /// piece before it then ends inside a record, which its parser sees
    /// (the record ended with the input, not with a line break). Pieces
    /// are verified in order: from the first wrong guess on, the bytes are
    /// handed back and read again in the next block, which starts at the
    /// true record start. The records, their numbers and their errors are
    /// those [`read`](Self::read) gives, for any number of threads.
    ///
    /// Only for after the header: a block never holds the file's start.
    pub fn read_block(&mut self, pieces: &mut Vec<Piece>) -> Result<usize, ReadError> {
        let mut block = std::mem::take(&mut self.block);
        let feed = &mut self.feed;
        let carry = feed.len - feed.pos;
        // The block keeps its size between blocks: zeroed once, not per
        // read.
        let block_bytes = self.block_bytes;
        if block.len() < carry + block_bytes {
            block.resize(carry + block_bytes, 0);
        }
        block[..carry].copy_from_slice(&feed.buf[feed.pos..feed.len]);
        feed.pos = feed.len;
        let mut filled = carry;
        while filled < block_bytes && !feed.eof {
            match read_retrying(&mut feed.inner, &mut block[filled..]) {
                Ok(read) => {
                    filled += read;
                    feed.eof = read == 0;
                }
                Err(e) => {
                    self.hand_back(block, 0, filled);
                    return Err(e.into());
                }
            }
        }
        let eof = feed.eof;
        let bytes = &block[..filled];
        let end = if eof { filled } else { last_line_start(bytes) };
        let starts = piece_starts(&bytes[..end], self.piece_bytes);
        if pieces.len() < starts.len() {
            pieces.resize_with(starts.len(), Piece::default);
        }
        let (delimiter, limit) = (self.delimiter, self.parser.max_record_bytes);
        {
            use rayon::prelude::*;
            pieces[..starts.len()]
                .par_iter_mut()
                .enumerate()
                .for_each(|(k, piece)| {
                    let piece_end = starts.get(k + 1).copied().unwrap_or(end);
                    piece.parse(bytes, starts[k], piece_end, delimiter, limit);
                });
        }
        // Verify the guesses in order, and number the records.
        let block_offset = self.parser.consumed;
        let mut at = 0;
        let mut filled_pieces = 0;
        for (k, piece) in pieces[..starts.len()].iter_mut().enumerate() {
            debug_assert_eq!(piece.start, at, "a piece starts where the last one ended");
            // A verified piece starts at a record start, so an error in it
            // is the file's: its record is at least that long.
            if let Some(error) = piece.error.take() {
                let line = self.parser.next_line;
                self.hand_back(block, at, filled);
                return Err(match error {
                    ReadError::RecordTooLong {
                        line: within,
                        limit,
                    } => ReadError::RecordTooLong {
                        line: line + within - 1,
                        limit,
                    },
                    other => other,
                });
            }
            let cut_inside = piece.ended_by_eof && !(eof && k + 1 == starts.len());
            let (used, lines) = if cut_inside {
                piece.count -= 1;
                let used = piece.records[piece.count].start as usize;
                let lines = count_line_breaks(&block[piece.start..piece.start + used]);
                (used, lines)
            } else {
                (piece.end - piece.start, piece.lines)
            };
            for record in &mut piece.records[..piece.count] {
                record.line += self.parser.next_line - 1;
                record.row += self.parser.records;
                record.start += block_offset + at as u64;
            }
            at += used;
            self.parser.next_line += lines;
            self.parser.records += piece.count as u64;
            if piece.count > 0 {
                filled_pieces = k + 1;
            }
            if cut_inside {
                break;
            }
        }
        self.parser.consumed = block_offset + at as u64;
        self.hand_back(block, at, filled);
        if filled_pieces == 0 && !(eof && at == end) {
            // No record ends in the block: one record as long as a block,
            // read alone. Its length is checked as it grows.
            let piece = &mut pieces[0];
            if piece.records.is_empty() {
                piece.records.push(RawRecord::default());
            }
            let found = self.read(&mut piece.records[0])?;
            piece.count = usize::from(found);
            return Ok(piece.count);
        }
        Ok(filled_pieces)
    }

    /// Makes `block[at..filled]` the next bytes the reader gives.
    fn hand_back(&mut self, block: Vec<u8>, at: usize, filled: usize) {
        let feed = &mut self.feed;
        self.block = std::mem::replace(&mut feed.buf, block);
        feed.pos = at;
        feed.len = filled;
    }
}

/// The bytes a block aims at: enough records per block that verifying the
/// pieces and handing them on cost little, few enough that two blocks in
/// flight stay small.
const BLOCK_BYTES: usize = 2 << 20;
/// The smallest piece worth a task of its own.
const PIECE_BYTES: usize = BLOCK_BYTES / 4;
/// The smallest block a memory limit asks for.
const MIN_BLOCK_BYTES: usize = 16 << 10;

/// A piece of a block and the records parsed from it; its records are
/// reused from block to block.
#[derive(Default)]
pub struct Piece {
    start: usize,
    end: usize,
    records: Vec<RawRecord>,
    count: usize,
    /// Line breaks in the piece.
    lines: u64,
    /// Its last record ended with the piece, not with a line break.
    ended_by_eof: bool,
    error: Option<ReadError>,
}

impl Piece {
    /// The piece's records, in order.
    pub fn records(&self) -> &[RawRecord] {
        &self.records[..self.count]
    }

    /// Adds `by` to the row numbers (for files without a header).
    pub fn renumber(&mut self, by: u64) {
        for record in &mut self.records[..self.count] {
            record.set_row(record.row() + by);
        }
    }

    /// A piece holding one record (a file's first row when it has no
    /// header).
    pub fn of(record: RawRecord) -> Piece {
        Piece {
            records: vec![record],
            count: 1,
            ..Piece::default()
        }
    }

    /// Parses `block[start..end]` as if it were a whole input: records
    /// numbered from 0, lines from 1, offsets from 0.
    fn parse(&mut self, block: &[u8], start: usize, end: usize, delimiter: u8, limit: usize) {
        let mut parser = Parser::new(delimiter, limit);
        parser.mid_stream = true;
        let mut bytes = &block[start..end];
        (self.start, self.end, self.count) = (start, end, 0);
        (self.ended_by_eof, self.error) = (false, None);
        loop {
            if self.records.len() == self.count {
                self.records.push(RawRecord::default());
            }
            let record = &mut self.records[self.count];
            record.clear();
            record.start = parser.consumed;
            match parser.read(&mut bytes, record) {
                Ok(true) => {
                    self.count += 1;
                    self.ended_by_eof = parser.ended_by_eof;
                }
                Ok(false) => break,
                Err(e) => {
                    self.error = Some(e);
                    break;
                }
            }
        }
        self.lines = parser.next_line - 1;
    }
}

/// Whether a record can be guessed to start at `at`: the byte before is a
/// line feed, and the byte there no line break (blank lines belong to the
/// record before).
fn is_line_start(bytes: &[u8], at: usize) -> bool {
    at > 0 && at < bytes.len() && bytes[at - 1] == b'\n' && !matches!(bytes[at], b'\r' | b'\n')
}

/// The last guessable record start in `bytes`, or 0.
fn last_line_start(bytes: &[u8]) -> usize {
    memchr::memrchr_iter(b'\n', bytes)
        .map(|i| i + 1)
        .find(|&at| is_line_start(bytes, at))
        .unwrap_or(0)
}

/// Where the pieces of `bytes` start: 0, then guessed record starts about
/// evenly apart.
fn piece_starts(bytes: &[u8], piece_bytes: usize) -> Vec<usize> {
    let pieces = (bytes.len() / piece_bytes.max(1)).clamp(1, 64);
    let mut starts = vec![0];
    for k in 1..pieces {
        let guess = k * bytes.len() / pieces;
        let Some(at) = memchr::memchr_iter(b'\n', &bytes[guess..])
            .map(|i| guess + i + 1)
            .find(|&at| is_line_start(bytes, at))
        else {
            break;
        };
        if at > *starts.last().unwrap_or(&0) {
            starts.push(at);
        }
    }
    starts
}

/// `reader.read(buf)`, read again when a signal interrupted it.
pub(super) fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
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

    /// Everything a record says of itself, to compare two readings.
    fn described(record: &RawRecord) -> (Vec<u8>, Vec<String>, u64, u64, u64, usize) {
        (
            record.raw().to_vec(),
            fields(record),
            record.line(),
            record.row(),
            record.offset(),
            record.leading,
        )
    }

    /// Reads the header alone, then the rest in blocks, as the audit does.
    fn read_in_blocks(
        input: &[u8],
        block: usize,
        piece: usize,
        limit: usize,
    ) -> Result<(Vec<RawRecord>, usize, usize), ReadError> {
        let mut reader = RecordReader::new(
            ChunkedReader {
                data: input,
                chunk: 7,
            },
            b',',
            limit,
        )
        .with_blocks(block, piece);
        let mut header = RawRecord::default();
        let mut out = Vec::new();
        if !reader.read(&mut header)? {
            return Ok((out, 0, 0));
        }
        out.push(header);
        let mut pieces = Vec::new();
        let (mut blocks, mut most_pieces) = (0, 0);
        loop {
            let n = reader.read_block(&mut pieces)?;
            if n == 0 {
                return Ok((out, blocks, most_pieces));
            }
            blocks += 1;
            most_pieces = most_pieces.max(n);
            for piece in &pieces[..n] {
                out.extend(piece.records().iter().cloned());
            }
        }
    }

    /// Rows shaped to trip the guesses: quoted fields spanning lines (a
    /// line start inside a quote), `\r\n` and blank lines, a byte-order
    /// mark's first byte at a line start, and a last line without a break.
    fn tricky_rows(rows: usize) -> Vec<u8> {
        let mut input = b"email,note\r\n".to_vec();
        for i in 0..rows {
            let row = match i % 6 {
                0 => format!("a{i}@x.com,plain\n"),
                1 => format!("b{i}@x.com,\"two\nlines, \"\"quoted\"\"\"\r\n"),
                2 => format!("c{i}@x.com,\"x\ny{i}@x.com,looks like a row\nz\"\n\n\n"),
                3 => format!("\u{feff}d{i}@x.com,mark\n"),
                4 => format!("e{i}@x.com,\"\"\r\n\r\n"),
                _ => format!("f{i}@x.com,5\" screen\n"),
            };
            input.extend_from_slice(row.as_bytes());
        }
        input.extend_from_slice(b"last@x.com,no break");
        input
    }

    #[test]
    fn blocks_give_the_records_one_at_a_time_reading_gives() {
        let input = tricky_rows(300);
        let serial: Vec<_> = read_all(&input, b',').iter().map(described).collect();
        assert_eq!(serial.len(), 302);
        for (block, piece) in [
            (64, 16),
            (200, 30),
            (1000, 100),
            (5000, 700),
            (1 << 20, 1 << 18),
        ] {
            let (records, blocks, most_pieces) =
                read_in_blocks(&input, block, piece, 1 << 20).unwrap();
            let in_blocks: Vec<_> = records.iter().map(described).collect();
            assert_eq!(in_blocks, serial, "blocks of {block}, pieces of {piece}");
            assert!(
                blocks >= input.len() / (block + 200),
                "{blocks} blocks of {block}"
            );
            // The pieces were parsed apart, not the block as one (a wrong
            // guess ends a block early, so not every block has them all).
            if block < input.len() {
                assert!(
                    most_pieces >= 2,
                    "{most_pieces} pieces in blocks of {block}"
                );
            }
        }
    }

    #[test]
    fn a_record_longer_than_a_block_is_read_whole_or_refused_at_its_line() {
        let long = "w".repeat(3000);
        let input = format!("h,i\n1,a\n2,\"{long}\n{long}\"\n3,c\n");
        let serial: Vec<_> = read_all(input.as_bytes(), b',')
            .iter()
            .map(described)
            .collect();
        let (records, _, _) = read_in_blocks(input.as_bytes(), 256, 64, 1 << 20).unwrap();
        assert_eq!(records.iter().map(described).collect::<Vec<_>>(), serial);
        for (block, piece) in [(256, 64), (1 << 16, 1 << 12)] {
            let err = read_in_blocks(input.as_bytes(), block, piece, 1000).unwrap_err();
            assert!(
                matches!(
                    err,
                    ReadError::RecordTooLong {
                        line: 3,
                        limit: 1000
                    }
                ),
                "{err}"
            );
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
