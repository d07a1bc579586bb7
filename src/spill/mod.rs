//! Scratch files for data that does not fit the memory budget
//! (`--memory-limit`): findings and the consent index.
//!
//! Scratch files are unnamed (`O_TMPFILE` on Linux, unlinked at once
//! elsewhere) and owner-only: the kernel removes them when the process
//! ends, however it ends (error, panic, Ctrl-C, kill).

use std::fs::File;
use std::io::{self, BufWriter, Write};

/// An unnamed, owner-only file in `TMPDIR`, gone when the process ends.
pub fn unnamed_file() -> io::Result<File> {
    let file = tempfile::tempfile()?;
    // Unnamed files are created with the default mode (0644 under the
    // usual umask). Nobody can open them by name, but they hold personal
    // data: owner-only like every output.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// An append-only scratch file that is read back by position.
pub struct Scratch {
    writer: BufWriter<File>,
    len: u64,
}

impl Scratch {
    pub fn new() -> io::Result<Scratch> {
        let file = unnamed_file()?;
        Ok(Scratch {
            writer: BufWriter::with_capacity(1 << 20, file),
            len: 0,
        })
    }

    /// Bytes written so far: the offset the next write starts at.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.len += bytes.len() as u64;
        self.writer.write_all(bytes)
    }

    /// Flushes what was written and hands the file over for reading.
    pub fn into_reader(self) -> io::Result<ScratchFile> {
        let file = self.writer.into_inner().map_err(|e| e.into_error())?;
        Ok(ScratchFile {
            file,
            len: self.len,
        })
    }
}

/// A finished scratch file, readable in ranges by any number of readers.
pub struct ScratchFile {
    file: File,
    len: u64,
}

impl ScratchFile {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A buffered reader over `start..end`.
    pub fn range(&self, start: u64, end: u64) -> RangeReader<'_> {
        self.range_buffered(start, end, READ_AHEAD)
    }

    /// A reader over `start..end` that reads `read_ahead` bytes at a time
    /// (less where many readers share a memory budget).
    pub fn range_buffered(&self, start: u64, end: u64, read_ahead: usize) -> RangeReader<'_> {
        RangeReader {
            file: &self.file,
            next: start,
            end,
            buffer: Vec::new(),
            at: 0,
            read_ahead: read_ahead.max(1),
        }
    }
}

/// Reads a range of a scratch file by position, so that several readers
/// can share one file (a k-way merge of sorted runs).
pub struct RangeReader<'f> {
    file: &'f File,
    next: u64,
    end: u64,
    buffer: Vec<u8>,
    at: usize,
    read_ahead: usize,
}

/// Bytes a range reader reads at a time.
pub const READ_AHEAD: usize = 64 * 1024;

impl RangeReader<'_> {
    pub fn is_done(&self) -> bool {
        self.at == self.buffer.len() && self.next == self.end
    }

    /// The next `n` bytes; an error if the range ends first.
    pub fn take(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.buffer.len() - self.at < n {
            self.buffer.drain(..self.at);
            self.at = 0;
            let want = (n - self.buffer.len()).max(self.read_ahead);
            let want = want.min((self.end - self.next) as usize);
            let old = self.buffer.len();
            self.buffer.resize(old + want, 0);
            read_at(self.file, &mut self.buffer[old..], self.next)?;
            self.next += want as u64;
            if self.buffer.len() < n {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "scratch file ended early",
                ));
            }
        }
        let bytes = &self.buffer[self.at..self.at + n];
        self.at += n;
        Ok(bytes)
    }

    pub fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }

    pub fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }

    pub fn string(&mut self) -> io::Result<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

#[cfg(unix)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buffer: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buffer.is_empty() {
        match file.seek_read(buffer, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buffer = &mut buffer[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Little-endian encoding helpers for records written to scratch files.
pub trait Encode {
    fn put_u8(&mut self, value: u8);
    fn put_u32(&mut self, value: u32);
    fn put_u64(&mut self, value: u64);
    fn put_str(&mut self, value: &str);
}

impl Encode for Vec<u8> {
    fn put_u8(&mut self, value: u8) {
        self.push(value);
    }

    fn put_u32(&mut self, value: u32) {
        self.extend_from_slice(&value.to_le_bytes());
    }

    fn put_u64(&mut self, value: u64) {
        self.extend_from_slice(&value.to_le_bytes());
    }

    fn put_str(&mut self, value: &str) {
        self.put_u32(value.len() as u32);
        self.extend_from_slice(value.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_back_what_was_written() {
        let mut scratch = Scratch::new().unwrap();
        let mut bytes = Vec::new();
        for i in 0..50_000u64 {
            bytes.put_u64(i);
            bytes.put_str(&format!("value {i}"));
        }
        scratch.write(&bytes).unwrap();
        let middle = scratch.len();
        scratch.write(b"tail").unwrap();
        let file = scratch.into_reader().unwrap();
        let mut first = file.range(0, middle);
        let mut second = file.range(middle, file.len());
        assert_eq!(second.take(4).unwrap(), b"tail");
        assert!(second.is_done());
        for i in 0..50_000u64 {
            assert_eq!(first.u64().unwrap(), i);
            assert_eq!(first.string().unwrap(), format!("value {i}"));
        }
        assert!(first.is_done());
        assert_eq!(first.u8().unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }
}
