//! Reading text whose pieces have no length limit of their own (a line of
//! JSON Lines, an element of a JSON array) without letting one hostile
//! piece take all memory: past [`MAX_RECORD_BYTES`] the read stops with an
//! error instead.

use std::cell::Cell;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

use super::MAX_RECORD_BYTES;

pub enum LineError {
    Io(io::Error),
    TooLong,
}

/// Reads one line with its `\n` into `line`; `false` at the end. A line
/// longer than [`MAX_RECORD_BYTES`] is [`LineError::TooLong`], found
/// before more than one buffer past the limit is held.
pub fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> Result<bool, LineError> {
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(LineError::Io(e)),
        };
        if available.is_empty() {
            return Ok(!line.is_empty());
        }
        let (used, found) = match memchr::memchr(b'\n', available) {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        line.extend_from_slice(&available[..used]);
        reader.consume(used);
        if line.len() > MAX_RECORD_BYTES {
            return Err(LineError::TooLong);
        }
        if found {
            return Ok(true);
        }
    }
}

/// A reader for a streaming JSON parser that fails once more than
/// [`MAX_RECORD_BYTES`] have been read since the last
/// [`PieceMark::start_next`]: one element of an array, or one document,
/// can then not grow without bound.
pub struct PieceLimited<R> {
    inner: R,
    mark: PieceMark,
    limit: u64,
}

/// Where the current piece started, shared with the code that sees the
/// parser finish each piece.
#[derive(Clone, Default)]
pub struct PieceMark(Rc<Counts>);

#[derive(Default)]
struct Counts {
    read: Cell<u64>,
    piece_start: Cell<u64>,
    exceeded: Cell<bool>,
}

impl PieceMark {
    /// The previous piece is complete; the next one starts here.
    pub fn start_next(&self) {
        self.0.piece_start.set(self.0.read.get());
    }

    /// Whether the reader stopped because a piece was too long (and not
    /// because the parser found bad syntax).
    pub fn exceeded(&self) -> bool {
        self.0.exceeded.get()
    }
}

/// A byte limit in words, for messages: `64 MiB`, or bytes when it is not
/// a whole number of MiB.
pub fn size_in_words(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

const PIECE_TOO_LONG: &str = "a JSON record longer than the limit";

impl<R> PieceLimited<R> {
    pub fn new(inner: R) -> (PieceLimited<R>, PieceMark) {
        PieceLimited::with_limit(inner, MAX_RECORD_BYTES as u64)
    }

    fn with_limit(inner: R, limit: u64) -> (PieceLimited<R>, PieceMark) {
        let mark = PieceMark::default();
        (
            PieceLimited {
                inner,
                mark: mark.clone(),
                limit,
            },
            mark,
        )
    }
}

impl<R: Read> Read for PieceLimited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let counts = &self.mark.0;
        let read = counts.read.get();
        if read - counts.piece_start.get() > self.limit {
            counts.exceeded.set(true);
            return Err(io::Error::new(io::ErrorKind::InvalidData, PIECE_TOO_LONG));
        }
        let n = self.inner.read(buf)?;
        counts.read.set(read + n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_words() {
        assert_eq!(size_in_words(MAX_RECORD_BYTES), "64 MiB");
        assert_eq!(size_in_words(1_000), "1000 bytes");
        assert_eq!(size_in_words((1 << 20) + 1), "1048577 bytes");
    }

    #[test]
    fn a_line_past_the_limit_stops_the_read() {
        let mut long = vec![b'a'; MAX_RECORD_BYTES + 10];
        long.push(b'\n');
        let mut reader = io::BufReader::new(&long[..]);
        let mut line = Vec::new();
        assert!(matches!(
            read_line(&mut reader, &mut line),
            Err(LineError::TooLong)
        ));
        let mut reader = io::BufReader::new(&b"{}\n{\"a\":1}"[..]);
        let mut lines = Vec::new();
        loop {
            let mut line = Vec::new();
            match read_line(&mut reader, &mut line) {
                Ok(true) => lines.push(line),
                Ok(false) => break,
                Err(_) => panic!("short lines are read"),
            }
        }
        assert_eq!(lines, vec![b"{}\n".to_vec(), b"{\"a\":1}".to_vec()]);
    }

    #[test]
    fn a_piece_past_the_limit_stops_the_reader_until_the_next_mark() {
        let data = vec![b' '; 10_000];
        let (mut reader, mark) = PieceLimited::with_limit(&data[..], 1_000);
        let mut buf = [0u8; 100];
        let mut total = 0;
        let error = loop {
            match reader.read(&mut buf) {
                Ok(0) => panic!("the limit was never reached"),
                Ok(n) => total += n,
                Err(e) => break e,
            }
            if total == 900 {
                mark.start_next();
            }
        };
        assert_eq!(error.to_string(), PIECE_TOO_LONG);
        assert!(mark.exceeded());
        assert_eq!(total, 900 + 1_100, "the mark restarted the count");
    }
}
