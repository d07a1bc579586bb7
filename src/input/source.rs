//! Where input bytes come from: a file, or standard input (`-`).

use std::fs::{File, Metadata};
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use crate::error::{Error, Result, describe_io};

/// An input as the user named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputSource {
    Path(FilePath),
    Stdin,
    /// Bytes copied to an anonymous owner-only temporary file so that they
    /// can be read more than once: standard input, or a ZIP member.
    Spooled(Spool),
}

/// A file input, and what it was when the run first opened it. Every input
/// is read more than once (sniffing, consent evidence, the audit, its
/// hash), so a file that an export is still writing, or that is replaced
/// or truncated meanwhile, would be audited as a mix of two files: every
/// later open and every read to the end checks that it is still the same
/// file, with the same size and modification time.
#[derive(Clone, Debug)]
pub struct FilePath {
    path: PathBuf,
    first_opened: Arc<OnceLock<FileIdentity>>,
}

impl FilePath {
    pub fn new(path: PathBuf) -> FilePath {
        FilePath {
            path,
            first_opened: Arc::default(),
        }
    }
}

impl Deref for FilePath {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for FilePath {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl PartialEq for FilePath {
    fn eq(&self, other: &FilePath) -> bool {
        self.path == other.path
    }
}

impl Eq for FilePath {}

/// Which file, how long, last changed when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    device: u64,
    inode: u64,
    len: u64,
    modified: Option<SystemTime>,
}

impl FileIdentity {
    pub fn of(metadata: &Metadata) -> FileIdentity {
        #[cfg(unix)]
        let (device, inode) = {
            use std::os::unix::fs::MetadataExt;
            (metadata.dev(), metadata.ino())
        };
        #[cfg(not(unix))]
        let (device, inode) = (0, 0);
        FileIdentity {
            device,
            inode,
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }

    /// Whether both name the same file (whatever its content).
    pub fn same_file(&self, other: &FileIdentity) -> bool {
        (self.device, self.inode) == (other.device, other.inode)
    }

    /// How `now` differs from this, in words; `None` when it does not.
    pub fn change(&self, now: &FileIdentity) -> Option<String> {
        if !self.same_file(now) {
            Some("it was replaced by another file".to_string())
        } else if self.len != now.len {
            Some(format!(
                "its size went from {} to {} bytes",
                self.len, now.len
            ))
        } else if self.modified != now.modified {
            Some("it was modified".to_string())
        } else {
            None
        }
    }
}

/// The error for an input that changed under the reader.
fn changed(what: String) -> io::Error {
    // Not `InvalidData`: readers take that for bad bytes and hint at the
    // encoding.
    io::Error::other(format!(
        "changed while it was being read ({what}); nothing was written. \
             Run again once whatever writes it has finished"
    ))
}

/// A file input being read: at its end, the bytes read must be the bytes
/// the file had when first opened, and the file must be unchanged.
struct Watched {
    file: File,
    identity: FileIdentity,
    read: u64,
}

impl Watched {
    fn check_end(&self) -> io::Result<()> {
        if self.read != self.identity.len {
            return Err(changed(format!(
                "it had {} bytes when first opened, and {} were read",
                self.identity.len, self.read
            )));
        }
        let now = FileIdentity::of(&self.file.metadata()?);
        match self.identity.change(&now) {
            Some(what) => Err(changed(what)),
            None => Ok(()),
        }
    }
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() {
            self.check_end()?;
        }
        Ok(n)
    }
}

/// An anonymous temporary file holding an input's bytes.
#[derive(Clone, Debug)]
pub struct Spool {
    name: String,
    stem: String,
    file: Arc<File>,
    len: u64,
    /// The sheet, when the spool holds a spreadsheet's sheet as CSV.
    sheet: Option<Arc<super::spreadsheet::SheetOrigin>>,
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
            sheet: None,
        })
    }

    /// A spool of `file`, already written with `len` bytes.
    pub fn written(name: String, stem: String, file: File, len: u64) -> Spool {
        Spool {
            name,
            stem,
            file: Arc::new(file),
            len,
            sheet: None,
        }
    }

    /// Marks the spool as the CSV of a spreadsheet's sheet.
    pub fn of_sheet(mut self, origin: super::spreadsheet::SheetOrigin) -> Spool {
        self.sheet = Some(Arc::new(origin));
        self
    }

    /// Copies standard input (or another stream) into a spool, with clear
    /// errors where the copy cannot go on: the scratch directory full, or,
    /// when it is held in memory (tmpfs), `memory_limit` reached.
    pub fn copy_stream(
        name: &str,
        stem: &str,
        reader: &mut dyn Read,
        memory_limit: Option<u64>,
    ) -> Result<Spool> {
        let fail = |e: io::Error| Error::input(name, describe_io(&e));
        let mut file = crate::spill::unnamed_file().map_err(fail)?;
        let limit = memory_limit.filter(|_| held_in_memory(&file));
        let scratch = std::env::temp_dir().display().to_string();
        let copied = match limit {
            // One byte past the limit tells a stream that is too large.
            Some(limit) => io::copy(&mut reader.take(limit + 1), &mut file),
            None => io::copy(reader, &mut file),
        };
        let len = match copied {
            Ok(len) => len,
            Err(e) if e.kind() == io::ErrorKind::StorageFull => {
                let written = file.metadata().map_or(0, |m| m.len());
                return Err(Error::input(
                    name,
                    format!(
                        "no space left in the scratch directory {scratch} after {written} bytes \
                         (it is copied there to be read twice)"
                    ),
                )
                .with_hint(
                    "set TMPDIR to a directory with more free space, or pass the list as a file",
                ));
            }
            Err(e) => return Err(fail(e)),
        };
        if let Some(limit) = limit.filter(|&limit| len > limit) {
            return Err(Error::input(
                name,
                format!(
                    "is larger than --memory-limit ({limit} bytes), and the scratch \
                     directory {scratch}, where it is copied to be read twice, is held in memory"
                ),
            )
            .with_hint(
                "set TMPDIR to a directory on disk, raise --memory-limit, or pass the list as a file",
            ));
        }
        Ok(Spool {
            name: name.to_string(),
            stem: stem.to_string(),
            file: Arc::new(file),
            len,
            sheet: None,
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
            InputSource::Path(FilePath::new(arg.to_path_buf()))
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

    /// Whether this is a sheet of a spreadsheet input, read as CSV.
    pub fn is_sheet(&self) -> bool {
        matches!(self, InputSource::Spooled(spool) if spool.sheet.is_some())
    }

    /// The sheet a spreadsheet input was read from.
    pub fn sheet(&self) -> Option<&str> {
        self.sheet_origin().map(|origin| origin.sheet.as_str())
    }

    /// Where a spreadsheet input's rows came from.
    pub fn sheet_origin(&self) -> Option<&Arc<super::spreadsheet::SheetOrigin>> {
        match self {
            InputSource::Spooled(spool) => spool.sheet.as_ref(),
            _ => None,
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

    /// Opens a file input, refusing what is no regular file (before
    /// opening it: opening a FIFO waits for a writer) and a file that is
    /// not the one the run first opened.
    fn open_file(&self, path: &FilePath) -> Result<(File, FileIdentity)> {
        let fail = |err: io::Error| Error::input(&self.display(), describe_io(&err));
        let metadata = std::fs::metadata(path).map_err(fail)?;
        refuse_non_file(&self.display(), &metadata)?;
        let file = File::open(path).map_err(fail)?;
        let identity = FileIdentity::of(&file.metadata().map_err(fail)?);
        let first = *path.first_opened.get_or_init(|| identity);
        if let Some(what) = first.change(&identity) {
            return Err(fail(changed(what)));
        }
        Ok((file, identity))
    }

    /// The spooled file itself, from its first byte (for ZIP reading).
    pub fn open_file_handle(&self) -> Result<(File, u64)> {
        match self {
            InputSource::Spooled(spool) => spool
                .reader()
                .map_err(|e| Error::input(&self.display(), describe_io(&e))),
            InputSource::Path(path) => {
                let (file, identity) = self.open_file(path)?;
                Ok((file, identity.len))
            }
            InputSource::Stdin => Err(Error::input("<stdin>", "cannot be read twice")),
        }
    }

    /// Opens the input. Returns the reader and, for files, its size.
    pub fn open(&self) -> Result<(Box<dyn Read + Send>, Option<u64>)> {
        match self {
            InputSource::Path(path) => {
                let (file, identity) = self.open_file(path)?;
                let watched = Watched {
                    file,
                    identity,
                    read: 0,
                };
                Ok((Box::new(watched), Some(identity.len)))
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
    /// spool. A file is checked as every read of it is: the bytes hashed
    /// are those of the file the audit read, or the run fails. `None` for
    /// standard input that was not spooled.
    pub fn sha256(&self) -> Result<Option<String>> {
        let fail = |err: io::Error| Error::input(&self.display(), describe_io(&err));
        match self {
            InputSource::Path(path) => {
                let (file, identity) = self.open_file(path)?;
                let (digest, read) = hash_from_start(&file).map_err(fail)?;
                let hashed = Watched {
                    file,
                    identity,
                    read,
                };
                hashed.check_end().map_err(fail)?;
                Ok(Some(digest))
            }
            InputSource::Spooled(spool) => Ok(Some(hash_from_start(&spool.file).map_err(fail)?.0)),
            InputSource::Stdin => Ok(None),
        }
    }
}

/// Refuses what is no regular file, from its metadata (opening a named
/// pipe would wait for a writer; a device never ends or is empty).
pub fn refuse_non_file(name: &str, metadata: &Metadata) -> Result<()> {
    let Some(kind) = not_a_file(metadata) else {
        return Ok(());
    };
    let hint = if metadata.is_dir() {
        "name the files themselves"
    } else {
        "every input is read more than once, so it must be a regular file; \
         pass a stream on standard input instead (`-`, e.g. `listaudit audit - < PIPE`)"
    };
    Err(Error::input(name, format!("is {kind}, not a file")).with_hint(hint))
}

/// Whether `file` is on a filesystem held in memory (tmpfs, ramfs), where
/// its bytes cost memory rather than disk.
#[cfg(target_os = "linux")]
fn held_in_memory(file: &File) -> bool {
    use std::os::fd::AsRawFd;
    const TMPFS_MAGIC: i64 = 0x0102_1994;
    const RAMFS_MAGIC: i64 = 0x8584_58f6;
    // SAFETY: fstatfs fills the zeroed struct it is given from an open
    // descriptor, and reads nothing else.
    let kind = unsafe {
        let mut stats: libc::statfs = std::mem::zeroed();
        if libc::fstatfs(file.as_raw_fd(), &mut stats) != 0 {
            return false;
        }
        stats.f_type as i64
    };
    kind == TMPFS_MAGIC || kind == RAMFS_MAGIC
}

#[cfg(not(target_os = "linux"))]
fn held_in_memory(_file: &File) -> bool {
    false
}

/// What kind of thing a path that is no regular file names.
fn not_a_file(metadata: &Metadata) -> Option<&'static str> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    Some("no regular file")
}

/// SHA-256 in hex of a file's bytes from its first, and how many there
/// were, by positioned reads.
pub fn hash_from_start(file: &File) -> io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut offset = 0u64;
    loop {
        let n = match read_at(file, &mut buffer, offset) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buffer[..n]);
        offset += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), offset))
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
        let file = InputSource::Path(FilePath::new(path))
            .sha256()
            .unwrap()
            .unwrap();
        let spool = Spool::copy("a.zip:list.csv".into(), "list".into(), &mut &bytes[..]).unwrap();
        // A reader of the spool part-way through does not disturb the hash.
        let (mut reader, _) = spool.reader().unwrap();
        reader.read_exact(&mut [0u8; 3]).unwrap();
        let spooled = InputSource::Spooled(spool).sha256().unwrap().unwrap();
        assert_eq!(file, expected);
        assert_eq!(spooled, expected);
        assert_eq!(InputSource::Stdin.sha256().unwrap(), None);
    }

    fn read_all(source: &InputSource) -> io::Result<Vec<u8>> {
        let (mut reader, _) = source.open().map_err(io::Error::other)?;
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    #[test]
    fn a_file_that_changes_between_or_during_reads_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.csv");
        std::fs::write(&path, "email\nanna@example.org\n").unwrap();
        let source = InputSource::from_arg(&path);
        assert_eq!(read_all(&source).unwrap(), b"email\nanna@example.org\n");
        // Truncated while a reader is part-way through.
        let (mut reader, _) = source.open().unwrap();
        reader.read_exact(&mut [0u8; 6]).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(10)
            .unwrap();
        let error = reader.read_to_end(&mut Vec::new()).unwrap_err().to_string();
        assert!(
            error.starts_with("changed while it was being read (it had 23 bytes when first opened, and 10 were read)"),
            "{error}"
        );
        // Opened again after the change: refused before a byte is read,
        // and so is its hash.
        let error = source.open().err().unwrap().to_string();
        assert!(
            error.contains("its size went from 23 to 10 bytes"),
            "{error}"
        );
        assert!(source.sha256().is_err());
        // Replaced by another file of the same size.
        let other = InputSource::from_arg(&path);
        assert!(read_all(&other).is_ok());
        let replacement = dir.path().join("new.csv");
        std::fs::write(&replacement, "email\nbob@\n").unwrap();
        std::fs::rename(&replacement, &path).unwrap();
        let error = other.open().err().unwrap().to_string();
        assert!(error.contains("it was replaced by another file"), "{error}");
        // A fresh input of the same path reads the new file.
        let fresh = InputSource::from_arg(&path);
        assert_eq!(read_all(&fresh).unwrap(), b"email\nbob@\n");
        assert_eq!(
            fresh.sha256().unwrap().unwrap().len(),
            64,
            "hashed when unchanged"
        );
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
        let dir = InputSource::Path(FilePath::new(std::env::temp_dir()));
        let message = dir.open().err().unwrap().to_string();
        assert!(message.ends_with("is a directory, not a file"), "{message}");
        let missing = InputSource::Path(FilePath::new(PathBuf::from("/nonexistent/list.csv")));
        let message = missing.open().err().unwrap().to_string();
        assert_eq!(message, "/nonexistent/list.csv: no such file or directory");
    }
}
