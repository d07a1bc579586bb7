//! Output files that appear whole or not at all.
//!
//! Every output is written to an owner-only temporary file next to its
//! destination and renamed into place only after the whole audit has
//! succeeded. A failed run (or one that panics) drops the temporary files,
//! which deletes them; a directory the run created is removed again.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// An output being written.
pub struct AtomicFile {
    dest: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Creates the temporary file (mode 0600) in the destination's directory.
    pub fn create(dest: &Path) -> Result<AtomicFile> {
        let dir = match dest.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::output(&dest.display().to_string(), e))?;
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 20, temp),
        })
    }

    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Flushes and syncs the data; the file is then ready to be renamed.
    pub fn finish(self) -> Result<ReadyFile> {
        let display = self.dest.display().to_string();
        let temp = self
            .writer
            .into_inner()
            .map_err(|e| Error::output(&display, e.into_error()))?;
        temp.as_file()
            .sync_data()
            .map_err(|e| Error::output(&display, e))?;
        Ok(ReadyFile {
            dest: self.dest,
            temp,
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

/// A complete output waiting to be renamed into place.
pub struct ReadyFile {
    dest: PathBuf,
    temp: NamedTempFile,
}

impl ReadyFile {
    /// Gives the new file the permissions of the one it replaces
    /// (`--in-place`); new outputs stay owner-only.
    pub fn set_permissions(&self, permissions: fs::Permissions) -> Result<()> {
        self.temp
            .as_file()
            .set_permissions(permissions)
            .map_err(|e| Error::output(&self.dest.display().to_string(), e))
    }
}

/// Renames each ready file over its destination, one after the other,
/// with no undo: for inputs replaced in place, where removing a file
/// already renamed would lose the only copy. Each destination holds its
/// old content or its new content, never part of either. The directory is
/// synced after each rename so that the new name survives a crash.
pub fn replace(files: Vec<ReadyFile>) -> Result<Vec<PathBuf>> {
    let mut placed = Vec::with_capacity(files.len());
    for file in files {
        let dest = file.dest.clone();
        let display = dest.display().to_string();
        file.temp.persist(&dest).map_err(|e| {
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
        #[cfg(unix)]
        if let Some(dir) = dest.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(handle) = fs::File::open(dir) {
                let _ = handle.sync_all();
            }
        }
        placed.push(dest);
    }
    Ok(placed)
}

/// Renames every ready file into place. If one rename fails, the files
/// already renamed by this call are removed again, so that a failed run
/// leaves no new output behind.
pub fn commit(files: Vec<ReadyFile>) -> Result<Vec<PathBuf>> {
    let mut placed: Vec<PathBuf> = Vec::with_capacity(files.len());
    for file in files {
        let dest = file.dest.clone();
        if let Err(err) = file.temp.persist(&dest) {
            for done in &placed {
                let _ = fs::remove_file(done);
            }
            return Err(Error::output(&dest.display().to_string(), err.error));
        }
        placed.push(dest);
    }
    Ok(placed)
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
        builder
            .create(dir)
            .map_err(|e| Error::output(&display, e))?;
        Ok(CreatedDir { created })
    }

    /// The run succeeded: keep the directories.
    pub fn keep(mut self) {
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
        file.write_all(b"a,b\n").unwrap();
        assert!(!dest.exists());
        let ready = file.finish().unwrap();
        assert!(!dest.exists());
        commit(vec![ready]).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"a,b\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
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
