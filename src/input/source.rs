//! Where input bytes come from: a file, or standard input (`-`).

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result, describe_io};

/// An input as the user named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputSource {
    Path(PathBuf),
    Stdin,
    /// Bytes copied to an anonymous owner-only temporary file so that they
    /// can be read more than once: standard input, or a ZIP member.
    Spooled(Spool),
}

/// An anonymous temporary file holding an input's bytes.
#[derive(Clone, Debug)]
pub struct Spool {
    name: String,
    stem: String,
    file: Arc<File>,
    len: u64,
}

impl PartialEq for Spool {
    fn eq(&self, other: &Spool) -> bool {
        Arc::ptr_eq(&self.file, &other.file)
    }
}

impl Eq for Spool {}

impl Spool {
    /// Copies `reader` into a new unnamed, owner-only temporary file
    /// ([`crate::spill::unnamed_file`]), gone when the last handle closes.
    pub fn copy(name: String, stem: String, reader: &mut dyn Read) -> io::Result<Spool> {
        let mut file = crate::spill::unnamed_file()?;
        let len = io::copy(reader, &mut file)?;
        Ok(Spool {
            name,
            stem,
            file: Arc::new(file),
            len,
        })
    }

    /// Bytes spooled.
    pub fn unpacked(&self) -> u64 {
        self.len
    }

    /// A reader from the first byte. Readers of one spool must not be used
    /// at the same time (they share the file position).
    fn reader(&self) -> io::Result<(File, u64)> {
        let mut file = self.file.try_clone()?;
        file.seek(SeekFrom::Start(0))?;
        let len = file.metadata()?.len();
        Ok((file, len))
    }
}

impl InputSource {
    /// `-` means standard input.
    pub fn from_arg(arg: &Path) -> InputSource {
        if arg.as_os_str() == "-" {
            InputSource::Stdin
        } else {
            InputSource::Path(arg.to_path_buf())
        }
    }

    /// The name used in messages and reports.
    pub fn display(&self) -> String {
        match self {
            InputSource::Path(path) => path.display().to_string(),
            InputSource::Stdin => "<stdin>".to_string(),
            InputSource::Spooled(spool) => spool.name.clone(),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            InputSource::Path(path) => Some(path),
            InputSource::Stdin | InputSource::Spooled(_) => None,
        }
    }

    /// The file stem used to name per-input outputs (`cleaned-<stem>.csv`).
    pub fn stem(&self) -> String {
        match self {
            InputSource::Path(path) => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "input".to_string()),
            InputSource::Stdin => "stdin".to_string(),
            InputSource::Spooled(spool) => spool.stem.clone(),
        }
    }

    fn open_file(&self, path: &Path) -> Result<(File, u64)> {
        let fail = |err: io::Error| Error::input(&self.display(), describe_io(&err));
        let metadata = std::fs::metadata(path).map_err(fail)?;
        if metadata.is_dir() {
            return Err(Error::input(&self.display(), "is a directory, not a file")
                .with_hint("name the export files themselves"));
        }
        let file = File::open(path).map_err(fail)?;
        Ok((file, metadata.len()))
    }

    /// The spooled file itself, from its first byte (for ZIP reading).
    pub fn open_file_handle(&self) -> Result<(File, u64)> {
        match self {
            InputSource::Spooled(spool) => spool
                .reader()
                .map_err(|e| Error::input(&self.display(), describe_io(&e))),
            InputSource::Path(path) => self.open_file(path),
            InputSource::Stdin => Err(Error::input("<stdin>", "cannot be read twice")),
        }
    }

    /// Opens the input. Returns the reader and, for files, its size.
    pub fn open(&self) -> Result<(Box<dyn Read + Send>, Option<u64>)> {
        match self {
            InputSource::Path(path) => {
                let (file, len) = self.open_file(path)?;
                Ok((Box::new(file), Some(len)))
            }
            InputSource::Stdin => Ok((Box::new(io::stdin()), None)),
            InputSource::Spooled(spool) => {
                let (file, len) = spool
                    .reader()
                    .map_err(|e| Error::input(&self.display(), describe_io(&e)))?;
                Ok((Box::new(file), Some(len)))
            }
        }
    }
}

impl InputSource {
    /// SHA-256 of the input's bytes (a spooled input's as received), in
    /// hex, so that a report names exactly what was audited. Read with
    /// positioned reads, so it may run beside the audit's own reading of a
    /// spool. `None` for standard input that was not spooled.
    pub fn sha256(&self) -> io::Result<Option<String>> {
        use sha2::{Digest, Sha256};
        let file = match self {
            InputSource::Path(path) => File::open(path)?,
            InputSource::Spooled(spool) => spool.file.try_clone()?,
            InputSource::Stdin => return Ok(None),
        };
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 1 << 20];
        let mut offset = 0u64;
        loop {
            let n = match read_at(&file, &mut buffer, offset) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            hasher.update(&buffer[..n]);
            offset += n as u64;
        }
        Ok(Some(hex::encode(hasher.finalize())))
    }
}

#[cfg(unix)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buffer, offset)
}

/// A reader whose first bytes were read ahead for sniffing and are served
/// again before the rest.
pub struct Peeked {
    inner: io::Chain<Cursor<Vec<u8>>, Box<dyn Read + Send>>,
}

impl Read for Peeked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

/// Reads up to `limit` bytes ahead. Returns them and a reader that yields
/// the whole input from the start.
pub fn peek(mut reader: Box<dyn Read + Send>, limit: usize) -> io::Result<(Vec<u8>, Peeked)> {
    let mut prefix = Vec::with_capacity(limit);
    (&mut reader).take(limit as u64).read_to_end(&mut prefix)?;
    let peeked = Peeked {
        inner: Cursor::new(prefix.clone()).chain(reader),
    };
    Ok((prefix, peeked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peeking_does_not_lose_bytes() {
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let (prefix, mut rest) = peek(Box::new(Cursor::new(data.clone())), 100).unwrap();
        assert_eq!(prefix, &data[..100]);
        let mut all = Vec::new();
        rest.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
    }

    #[test]
    fn sha256_of_files_and_spools_is_of_their_bytes() {
        // `printf 'email\nanna@example.org\n' | sha256sum`
        let expected = "15633a9790e2546b0857ba5874728a5690e16c4a0f9283fc543ace7e719d0be6";
        let bytes = b"email\nanna@example.org\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.csv");
        std::fs::write(&path, bytes).unwrap();
        let file = InputSource::Path(path).sha256().unwrap().unwrap();
        let spool = Spool::copy("a.zip:list.csv".into(), "list".into(), &mut &bytes[..]).unwrap();
        // A reader of the spool part-way through does not disturb the hash.
        let (mut reader, _) = spool.reader().unwrap();
        reader.read_exact(&mut [0u8; 3]).unwrap();
        let spooled = InputSource::Spooled(spool).sha256().unwrap().unwrap();
        assert_eq!(file, expected);
        assert_eq!(spooled, expected);
        assert_eq!(InputSource::Stdin.sha256().unwrap(), None);
    }

    #[test]
    fn names_and_stems() {
        let file = InputSource::from_arg(Path::new("exports/subscribers.csv"));
        assert_eq!(file.display(), "exports/subscribers.csv");
        assert_eq!(file.stem(), "subscribers");
        let stdin = InputSource::from_arg(Path::new("-"));
        assert_eq!(stdin, InputSource::Stdin);
        assert_eq!(stdin.display(), "<stdin>");
        assert_eq!(stdin.stem(), "stdin");
    }

    #[test]
    fn directories_and_missing_files_are_clear_errors() {
        let dir = InputSource::Path(std::env::temp_dir());
        let message = dir.open().err().unwrap().to_string();
        assert!(message.ends_with("is a directory, not a file"), "{message}");
        let missing = InputSource::Path(PathBuf::from("/nonexistent/list.csv"));
        let message = missing.open().err().unwrap().to_string();
        assert_eq!(message, "/nonexistent/list.csv: no such file or directory");
    }
}
