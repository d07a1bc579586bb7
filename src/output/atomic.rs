//! Output files that appear whole or not at all.
//!
//! Every output is written to an owner-only temporary file next to its
//! destination and renamed into place only after the whole audit has
//! succeeded. A failed run (or one that panics) drops the temporary files,
//! which deletes them; a directory the run created is removed again.
//!
//! Ctrl-C, SIGTERM and SIGHUP run no destructors, so every temporary file
//! and created directory is also listed in [`PENDING`], which
//! [`remove_on_interrupt`]'s thread empties before the process ends. The
//! renames into place hold the same lock, so an interrupt lands before
//! them (nothing is left) or after them (every output is whole), never
//! between.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};

/// Paths to remove if the run is interrupted: temporary files not yet
/// renamed into place (one dropped on an error path is simply gone) and
/// created directories (removed only when empty).
struct Pending {
    temp_files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl Pending {
    /// Renames `file` over its destination and stops listing it: its
    /// temporary name is free again, and may be another file's later.
    fn persist(&mut self, file: ReadyFile) -> std::result::Result<(), tempfile::PersistError> {
        // A stream is written already.
        let Some(temp) = file.temp else {
            return Ok(());
        };
        let path = temp.path().to_path_buf();
        temp.persist(&file.dest)?;
        self.temp_files.retain(|listed| *listed != path);
        Ok(())
    }
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    temp_files: Vec::new(),
    dirs: Vec::new(),
});

fn pending() -> MutexGuard<'static, Pending> {
    // A panic while holding the lock leaves plain paths behind: still usable.
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts the thread that, on SIGINT, SIGTERM or SIGHUP, removes every
/// pending temporary file and created directory, then ends the process as
/// the signal would have (exit status 128 + its number). Called once by
/// the commands that write files.
pub fn remove_on_interrupt() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
            else {
                return;
            };
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    if remove_pending() > 0 {
                        // Files already renamed into place (an in-place
                        // erase's inputs) are whole and stay.
                        eprintln!("\nlistaudit: interrupted; unfinished output files were removed");
                    }
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                    std::process::exit(128 + signal);
                }
            });
        }
    });
}

/// Removes what [`PENDING`] lists and keeps the lock, so that no rename
/// can follow. Returns how many temporary files were still there.
fn remove_pending() -> usize {
    let mut pending = pending();
    let removed = pending
        .temp_files
        .drain(..)
        .filter(|path| fs::remove_file(path).is_ok())
        .count();
    for dir in pending.dirs.drain(..).rev() {
        let _ = fs::remove_dir(dir);
    }
    std::mem::forget(pending);
    removed
}

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// Where an output's bytes go while it is written.
enum Sink {
    /// A temporary file beside the destination, renamed over it at the end.
    Temp(NamedTempFile),
    /// Standard output (`-`), or an existing destination that is no
    /// regular file (a device, a named pipe, or a link to one): a stream,
    /// written to as it is, never replaced.
    Stream(Box<dyn Write + Send + Sync>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Temp(temp) => temp.write(buf),
            Sink::Stream(stream) => stream.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Temp(temp) => temp.write_all(buf),
            Sink::Stream(stream) => stream.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Temp(temp) => temp.flush(),
            Sink::Stream(stream) => stream.flush(),
        }
    }
}

/// An output being written.
pub struct AtomicFile {
    dest: PathBuf,
    writer: BufWriter<Sink>,
}

/// Whether `dest` names standard output.
pub fn is_stdout(dest: &Path) -> bool {
    dest.as_os_str() == "-"
}

impl AtomicFile {
    /// Creates the temporary file (mode 0600) in the destination's
    /// directory; a symlink's target is what is replaced, and the link
    /// stays. `-` and an existing destination that is no regular file are
    /// written to directly (see [`Sink::Stream`]).
    pub fn create(dest: &Path) -> Result<AtomicFile> {
        let display = dest.display().to_string();
        if is_stdout(dest) {
            return Ok(AtomicFile::stream(dest, Box::new(io::stdout())));
        }
        // `metadata` follows links: /dev/stdout is a link to a pipe, a
        // terminal or a file.
        if let Ok(metadata) = fs::metadata(dest)
            && !metadata.is_file()
            && !metadata.is_dir()
        {
            let stream = fs::OpenOptions::new()
                .write(true)
                .open(dest)
                .map_err(|e| Error::output(&display, e))?;
            return Ok(AtomicFile::stream(dest, Box::new(stream)));
        }
        let dest = match fs::symlink_metadata(dest) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                fs::canonicalize(dest).map_err(|e| Error::output(&display, e))?
            }
            _ => dest.to_path_buf(),
        };
        let dir = match dest.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Created under the lock, so that no interrupt falls between the
        // file appearing and its being listed.
        let mut pending = pending();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::output(&dest.display().to_string(), e))?;
        pending.temp_files.push(temp.path().to_path_buf());
        drop(pending);
        Ok(AtomicFile {
            dest,
            writer: BufWriter::with_capacity(1 << 20, Sink::Temp(temp)),
        })
    }

    fn stream(dest: &Path, stream: Box<dyn Write + Send + Sync>) -> AtomicFile {
        AtomicFile {
            dest: dest.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 16, Sink::Stream(stream)),
        }
    }

    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Flushes and syncs the data; the file is then ready to be renamed.
    pub fn finish(self) -> Result<ReadyFile> {
        let display = self.dest.display().to_string();
        let sink = self
            .writer
            .into_inner()
            .map_err(|e| Error::output(&display, e.into_error()))?;
        let temp = match sink {
            Sink::Temp(temp) => {
                temp.as_file()
                    .sync_data()
                    .map_err(|e| Error::output(&display, e))?;
                Some(temp)
            }
            Sink::Stream(mut stream) => {
                stream.flush().map_err(|e| Error::output(&display, e))?;
                None
            }
        };
        Ok(ReadyFile {
            dest: self.dest,
            temp,
            precondition: None,
        })
    }

    pub fn io_error(&self, err: io::Error) -> Error {
        Error::output(&self.dest.display().to_string(), err)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// What must still hold, right before a file is renamed into place, for
/// the rename to be right (an input replaced in place must still be the
/// file that was read). It may hold a lock, kept until after the rename.
pub trait Precondition: Send {
    fn check(&self) -> Result<()>;
}

/// A complete output waiting to be renamed into place.
pub struct ReadyFile {
    dest: PathBuf,
    /// `None` for a stream, which has nothing to rename.
    temp: Option<NamedTempFile>,
    precondition: Option<Box<dyn Precondition>>,
}

impl ReadyFile {
    /// Makes [`replace`] check `precondition` before renaming anything.
    pub fn on_condition(mut self, precondition: Box<dyn Precondition>) -> ReadyFile {
        self.precondition = Some(precondition);
        self
    }

    /// Gives the new file the owner and group of the one it replaces
    /// (`--in-place`). Fails when the process may not (it is not root and
    /// the file is someone else's): the file would change hands.
    #[cfg(unix)]
    pub fn set_owner(&self, original: &fs::Metadata) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        let Some(temp) = &self.temp else {
            return Ok(());
        };
        let file = temp.as_file();
        let fail = |e| Error::output(&self.dest.display().to_string(), e);
        let ours = file.metadata().map_err(fail)?;
        if (ours.uid(), ours.gid()) == (original.uid(), original.gid()) {
            return Ok(());
        }
        std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid())).map_err(|e| {
            fail(e).with_hint(format!(
                "the file belongs to user {} and group {}; a replaced file would change \
                     owner, so run erase as its owner (or root), or without --in-place",
                original.uid(),
                original.gid()
            ))
        })
    }

    /// Gives the new file the permissions of the one it replaces
    /// (`--in-place`); new outputs stay owner-only.
    pub fn set_permissions(&self, permissions: fs::Permissions) -> Result<()> {
        let Some(temp) = &self.temp else {
            return Ok(());
        };
        temp.as_file()
            .set_permissions(permissions)
            .map_err(|e| Error::output(&self.dest.display().to_string(), e))
    }
}

/// Renames each ready file over its destination, one after the other,
/// with no undo: for inputs replaced in place, where removing a file
/// already renamed would lose the only copy. Each destination holds its
/// old content or its new content, never part of either. The directory is
/// synced after each rename so that the new name survives a crash.
///
/// Every file's precondition is checked first, under the lock: if one
/// fails, nothing is renamed.
pub fn replace(files: Vec<ReadyFile>) -> Result<Vec<PathBuf>> {
    let mut renaming = pending();
    for file in &files {
        if let Some(precondition) = &file.precondition {
            precondition.check()?;
        }
    }
    let mut placed = Vec::with_capacity(files.len());
    for file in files {
        let dest = file.dest.clone();
        let display = dest.display().to_string();
        renaming.persist(file).map_err(|e| {
            let error = Error::output(&display, e.error);
            if placed.is_empty() {
                error
            } else {
                error.with_hint(format!(
                    "these files were already replaced: {}",
                    placed
                        .iter()
                        .map(|p: &PathBuf| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        })?;
        if let Some(dir) = dest.parent() {
            sync_dir(dir);
        }
        placed.push(dest);
    }
    Ok(placed)
}

/// Renames every ready file into place. If one rename fails, the files
/// already renamed by this call are removed again, so that a failed run
/// leaves no new output behind.
pub fn commit(files: Vec<ReadyFile>) -> Result<Vec<PathBuf>> {
    commit_with(files, None)
}

/// The file in an output directory that names the complete set of outputs
/// a run put there. It is removed before the first output is renamed and
/// written after the last: a directory without it holds no complete set
/// (a run was killed while renaming), and the files it names, with the
/// sizes it gives, are one run's complete set.
pub const MANIFEST: &str = "listaudit-manifest.json";

/// [`commit`] for the outputs of a run with an output directory: `dir`'s
/// [`MANIFEST`] goes before the renames and comes back, naming the new
/// set, after them. Outputs outside `dir` are named by their full path.
pub fn commit_set(dir: &Path, command: &str, files: Vec<ReadyFile>) -> Result<Vec<PathBuf>> {
    let mut entries = Vec::with_capacity(files.len());
    // Streams (standard output, a pipe, a device) are not the directory's.
    for (file, temp) in files.iter().filter_map(|f| Some((f, f.temp.as_ref()?))) {
        let display = file.dest.display().to_string();
        let bytes = temp
            .as_file()
            .metadata()
            .map_err(|e| Error::output(&display, e))?
            .len();
        let name = match file.dest.strip_prefix(dir) {
            Ok(inside) => inside.display().to_string(),
            Err(_) => std::path::absolute(&file.dest)
                .unwrap_or_else(|_| file.dest.clone())
                .display()
                .to_string(),
        };
        entries.push(serde_json::json!({ "name": name, "bytes": bytes }));
    }
    let manifest = serde_json::json!({
        "schema": "listaudit.manifest/1",
        "tool": { "name": "listaudit", "version": env!("CARGO_PKG_VERSION") },
        "command": command,
        "files": entries,
    });
    let mut file = AtomicFile::create(&dir.join(MANIFEST))?;
    serde_json::to_writer_pretty(&mut file, &manifest)
        .map_err(io::Error::from)
        .and_then(|()| file.write_all(b"\n"))
        .map_err(|e| file.io_error(e))?;
    commit_with(files, Some(file.finish()?))
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(handle) = fs::File::open(dir) {
            let _ = handle.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn commit_with(files: Vec<ReadyFile>, manifest: Option<ReadyFile>) -> Result<Vec<PathBuf>> {
    let mut renaming = pending();
    for file in &files {
        if let Some(precondition) = &file.precondition {
            precondition.check()?;
        }
    }
    if let Some(manifest) = &manifest {
        let display = manifest.dest.display().to_string();
        match fs::remove_file(&manifest.dest) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::output(&display, e)),
        }
        if let Some(dir) = manifest.dest.parent() {
            sync_dir(dir);
        }
    }
    let mut placed: Vec<PathBuf> = Vec::with_capacity(files.len());
    for file in files {
        let dest = file.dest.clone();
        if let Err(err) = renaming.persist(file) {
            for done in &placed {
                let _ = fs::remove_file(done);
            }
            return Err(Error::output(&dest.display().to_string(), err.error));
        }
        placed.push(dest);
    }
    // The new names are on disk before the manifest says they are there.
    let mut dirs: Vec<&Path> = placed.iter().filter_map(|p| p.parent()).collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        sync_dir(dir);
    }
    if let Some(manifest) = manifest {
        let dest = manifest.dest.clone();
        renaming
            .persist(manifest)
            .map_err(|e| Error::output(&dest.display().to_string(), e.error))?;
        if let Some(dir) = dest.parent() {
            sync_dir(dir);
        }
    }
    Ok(placed)
}

/// Locks `dir` (an advisory lock on the directory itself) against other
/// runs that lock it, until the returned handle is dropped: what a run
/// reads there and what it puts there then cannot interleave with
/// another's. Waits, saying so, while another run holds it.
pub fn lock_dir(dir: &Path) -> Result<fs::File> {
    let shown = dir.display().to_string();
    let handle = fs::File::open(dir).map_err(|e| Error::output(&shown, e))?;
    match handle.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            eprintln!(
                "listaudit: waiting for another run that is writing to {}",
                crate::text::sanitize_for_terminal(&shown)
            );
            handle.lock().map_err(|e| Error::output(&shown, e))?;
        }
        Err(fs::TryLockError::Error(e)) => return Err(Error::output(&shown, e)),
    }
    Ok(handle)
}

/// Directories created for the outputs, removed again unless kept.
pub struct CreatedDir {
    /// Newly created directories, deepest first.
    created: Vec<PathBuf>,
}

impl CreatedDir {
    /// Creates `dir` (and its parents) owner-only if it does not exist.
    pub fn ensure(dir: &Path) -> Result<CreatedDir> {
        let display = dir.display().to_string();
        match fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => {
                return Ok(CreatedDir {
                    created: Vec::new(),
                });
            }
            Ok(_) => {
                return Err(Error::usage(format!(
                    "--out-dir {display}: exists and is not a directory"
                )));
            }
            Err(_) => {}
        }
        let created: Vec<PathBuf> = dir
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .take_while(|a| !a.exists())
            .map(Path::to_path_buf)
            .collect();
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        // Listed before it exists, so an interrupt cannot fall between.
        pending().dirs.extend(created.iter().rev().cloned());
        builder
            .create(dir)
            .map_err(|e| Error::output(&display, e))?;
        Ok(CreatedDir { created })
    }

    /// The run succeeded: keep the directories.
    pub fn keep(mut self) {
        pending().dirs.retain(|dir| !self.created.contains(dir));
        self.created.clear();
    }
}

impl Drop for CreatedDir {
    fn drop(&mut self) {
        for dir in &self.created {
            // Only succeeds if the directory is empty, which is the point.
            if fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.csv");
        let mut file = AtomicFile::create(&dest).unwrap();
        let Sink::Temp(temp) = file.writer.get_ref() else {
            panic!("a new path is written through a temporary file");
        };
        let temp = temp.path().to_path_buf();
        assert!(
            pending().temp_files.contains(&temp),
            "an interrupt would leave it"
        );
        file.write_all(b"a,b\n").unwrap();
        assert!(!dest.exists());
        let ready = file.finish().unwrap();
        assert!(!dest.exists());
        commit(vec![ready]).unwrap();
        assert!(
            !pending().temp_files.contains(&temp),
            "still listed once renamed"
        );
        assert_eq!(fs::read(&dest).unwrap(), b"a,b\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    fn ready(dest: &Path, bytes: &[u8]) -> ReadyFile {
        let mut file = AtomicFile::create(dest).unwrap();
        file.write_all(bytes).unwrap();
        file.finish().unwrap()
    }

    #[test]
    fn a_set_names_its_files_last_and_a_broken_set_has_no_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let placed = commit_set(
            out,
            "audit",
            vec![
                ready(&out.join("a.csv"), b"a\n"),
                ready(&out.join("b.csv"), b"bb\n"),
            ],
        )
        .unwrap();
        assert_eq!(placed, [out.join("a.csv"), out.join("b.csv")]);
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(manifest["command"], "audit");
        assert_eq!(
            manifest["files"],
            serde_json::json!([{"name": "a.csv", "bytes": 2}, {"name": "b.csv", "bytes": 3}])
        );
        // A second set whose second rename fails (its destination is a
        // directory) after the first one replaced a.csv: the old manifest
        // is gone, so the directory no longer claims a complete set.
        fs::create_dir(out.join("c.csv")).unwrap();
        fs::write(out.join("c.csv/keep"), b"x").unwrap();
        let failed = commit_set(
            out,
            "audit",
            vec![
                ready(&out.join("a.csv"), b"new a\n"),
                ready(&out.join("c.csv"), b"c\n"),
            ],
        );
        assert!(failed.is_err());
        assert!(!out.join(MANIFEST).exists());
    }

    #[test]
    fn dropped_files_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("new/out");
        {
            let created = CreatedDir::ensure(&out).unwrap();
            let mut file = AtomicFile::create(&out.join("x.csv")).unwrap();
            file.write_all(b"partial").unwrap();
            drop(file);
            drop(created);
        }
        assert!(!dir.path().join("new").exists());
        assert!(dir.path().exists());
    }
}
