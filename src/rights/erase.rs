//! `listaudit erase`: remove people from every file (GDPR Art. 17, the
//! right to erasure), keeping every other row byte for byte.
//!
//! Every input is read and its new version written to a temporary file
//! before anything is put in place: a file that cannot be read stops the
//! run with no output for any file. With `--in-place` each input is then
//! replaced by a rename, so that an interrupted run leaves either the old
//! file or the new one, never a mix.

use std::collections::BTreeMap;
use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use smallvec::SmallVec;

use super::history::{ErasureRequests, add_erasure_requests};
use super::scan::{InputDigest, Piece, Shape, scan};
use super::targets::{Accept, SkippedEntry, Targets};
use crate::consent::Timestamp;
use crate::error::{Error, Result, describe_io};
use crate::input::{FileIdentity, InputSource, hash_from_start};
use crate::output::{AtomicFile, Precondition, ReadyFile};
use crate::policy::Policy;
use crate::settings::ReadingSettings;

pub const RECEIPT_JSON: &str = "erasure-receipt.json";
pub const RECEIPT_CSV: &str = "erasure-receipt.csv";
pub const SUPPRESSION_FILE: &str = "suppression.sha256";

/// Where each erased file goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// `--dry-run`: nowhere.
    Nowhere,
    /// A new file in the output directory.
    Copy(PathBuf),
    /// `--in-place`: the input itself, replaced.
    InPlace(PathBuf),
}

pub struct EraseSettings {
    pub address_lists: Vec<InputSource>,
    pub consent_logs: Vec<InputSource>,
    /// The files to erase from, each with where its new version goes.
    pub files: Vec<(PathBuf, Destination)>,
    /// Where the receipts and the suppression list go; `None` with
    /// `--dry-run`.
    pub out_dir: Option<PathBuf>,
    pub as_of: Timestamp,
    pub reading: ReadingSettings,
    pub policy: Policy,
}

/// What was (or would be) removed from one file.
#[derive(Clone, Debug)]
pub struct ErasedFile {
    pub path: String,
    pub destination: Destination,
    pub shape: Shape,
    pub rows: u64,
    pub removed: u64,
    pub input_sha256: String,
    pub output_sha256: String,
    /// Per person (target index), the rows removed, in order.
    pub rows_by_target: BTreeMap<usize, Vec<u64>>,
}

impl ErasedFile {
    pub fn rows_of(&self, target: usize) -> &[u64] {
        self.rows_by_target.get(&target).map_or(&[], Vec::as_slice)
    }
}

pub struct EraseOutcome {
    pub targets: Targets,
    pub skipped: Vec<SkippedEntry>,
    pub requests: ErasureRequests,
    pub files: Vec<ErasedFile>,
    /// When the files were written.
    pub erased_at: Timestamp,
    pub as_of: Timestamp,
}

impl EraseOutcome {
    pub fn removed(&self) -> u64 {
        self.files.iter().map(|f| f.removed).sum()
    }

    pub fn rows_of(&self, target: usize) -> u64 {
        self.files
            .iter()
            .map(|f| f.rows_of(target).len() as u64)
            .sum()
    }
}

/// Finds the people, erases them from every file, and returns the new
/// files ready to be put in place (none with `--dry-run`).
pub fn erase(settings: &EraseSettings) -> Result<(EraseOutcome, Vec<ReadyFile>)> {
    let mut targets = Targets::default();
    let mut skipped = Vec::new();
    for list in &settings.address_lists {
        skipped.extend(targets.read_list(list, Accept::AddressesAndDigests)?);
    }
    let requests = add_erasure_requests(
        &settings.consent_logs,
        &settings.reading,
        &settings.policy,
        settings.as_of,
        &mut targets,
    )?;
    let held = hold_in_place_inputs(&settings.files)?;
    let results: Vec<Result<(ErasedFile, Option<ReadyFile>)>> = settings
        .files
        .par_iter()
        .zip(held)
        .map(|((path, destination), held)| erase_file(path, destination, held, &targets))
        .collect();
    let mut files = Vec::with_capacity(results.len());
    let mut ready = Vec::new();
    for result in results {
        let (file, written) = result?;
        files.push(file);
        ready.extend(written);
    }
    let outcome = EraseOutcome {
        targets,
        skipped,
        requests,
        files,
        erased_at: Timestamp::now(),
        as_of: settings.as_of,
    };
    Ok((outcome, ready))
}

/// An input being erased in place. It is locked (an advisory lock, which
/// every `erase` takes) from before it is read until after it is
/// replaced, so that two runs on one file take turns, the second reading
/// what the first wrote. Right before the rename it must still be the
/// file that was read, with the same bytes: anything else that wrote to
/// it meanwhile would otherwise be lost.
struct HeldInput {
    name: String,
    /// The file itself, symlinks resolved: the new version replaces it,
    /// and a link to it stays a link.
    target: PathBuf,
    file: File,
    identity: FileIdentity,
    metadata: std::fs::Metadata,
    /// SHA-256 of the bytes the erase read.
    read_sha256: String,
}

impl HeldInput {
    /// Locks `target`, the input's real path (symlinks resolved).
    fn hold(target: PathBuf, name: &str) -> Result<HeldInput> {
        let fail = |e: std::io::Error| Error::input(name, describe_io(&e));
        let mut waited = false;
        loop {
            let file = File::open(&target).map_err(fail)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    if !waited {
                        eprintln!(
                            "listaudit: waiting for another run that is erasing from {}",
                            crate::text::sanitize_for_terminal(name)
                        );
                        waited = true;
                    }
                    file.lock().map_err(fail)?;
                }
                Err(TryLockError::Error(e)) => return Err(fail(e)),
            }
            let metadata = file.metadata().map_err(fail)?;
            let identity = FileIdentity::of(&metadata);
            let at_path = FileIdentity::of(&std::fs::metadata(&target).map_err(fail)?);
            // The run waited for replaced it: lock the new file instead.
            if !identity.same_file(&at_path) {
                continue;
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                if metadata.nlink() > 1 {
                    return Err(Error::input(
                        name,
                        format!(
                            "has {} hard links; replacing it would leave the rows to erase \
                             in the file under its other names",
                            metadata.nlink()
                        ),
                    )
                    .with_hint(
                        "erase without --in-place and put the new file in place yourself, \
                         or remove the other links first (`find / -samefile FILE`)",
                    ));
                }
            }
            return Ok(HeldInput {
                name: name.to_string(),
                target,
                file,
                identity,
                metadata,
                read_sha256: String::new(),
            });
        }
    }
}

impl Precondition for HeldInput {
    fn check(&self) -> Result<()> {
        let changed = |what: String| {
            Error::input(
                &self.name,
                format!(
                    "changed while it was being erased ({what}); nothing was replaced, \
                     and no receipt written"
                ),
            )
            .with_hint("run erase again: it will read the file as it is now")
        };
        let fail = |e: std::io::Error| Error::input(&self.name, describe_io(&e));
        let now = FileIdentity::of(&self.file.metadata().map_err(fail)?);
        if let Some(what) = self.identity.change(&now) {
            return Err(changed(what));
        }
        let at_path = FileIdentity::of(&std::fs::metadata(&self.target).map_err(fail)?);
        if !self.identity.same_file(&at_path) {
            return Err(changed("it was replaced by another file".to_string()));
        }
        let (now_sha256, _) = hash_from_start(&self.file).map_err(fail)?;
        if now_sha256 != self.read_sha256 {
            return Err(changed("its bytes are not the ones read".to_string()));
        }
        Ok(())
    }
}

/// Locks every input to be replaced in place, in the order of their real
/// paths, so that runs naming the same files in different orders cannot
/// wait for each other forever. Returns one entry per file.
fn hold_in_place_inputs(files: &[(PathBuf, Destination)]) -> Result<Vec<Option<HeldInput>>> {
    let mut order: Vec<(PathBuf, usize)> = Vec::new();
    for (i, (path, destination)) in files.iter().enumerate() {
        if let Destination::InPlace(_) = destination {
            let target = std::fs::canonicalize(path)
                .map_err(|e| Error::input(&path.display().to_string(), describe_io(&e)))?;
            order.push((target, i));
        }
    }
    // No file is named twice (the settings refuse it), so no run waits
    // for a lock of its own.
    order.sort();
    let mut held: Vec<Option<HeldInput>> = files.iter().map(|_| None).collect();
    for (target, i) in order {
        let name = files[i].0.display().to_string();
        held[i] = Some(HeldInput::hold(target, &name)?);
    }
    Ok(held)
}

/// Writes `path` without the rows that name one of `targets`.
fn erase_file(
    path: &Path,
    destination: &Destination,
    mut held: Option<HeldInput>,
    targets: &Targets,
) -> Result<(ErasedFile, Option<ReadyFile>)> {
    let source = InputSource::from_arg(path);
    let name = source.display();
    let mut out = match (destination, &held) {
        (Destination::Nowhere, _) => None,
        (Destination::InPlace(_), Some(held)) => Some(AtomicFile::create(&held.target)?),
        (Destination::Copy(dest) | Destination::InPlace(dest), _) => {
            Some(AtomicFile::create(dest)?)
        }
    };
    let mut hasher = Sha256::new();
    let mut write = |bytes: &[u8]| -> Result<()> {
        hasher.update(bytes);
        match &mut out {
            Some(file) => file.write_all(bytes).map_err(|e| file.io_error(e)),
            None => Ok(()),
        }
    };
    let mut rows_by_target: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
    let mut removed = 0u64;
    let mut kept_a_row = false;
    let mut separator: Vec<u8> = Vec::new();
    let scanned = scan(
        &source,
        InputDigest::Sha256,
        |row| {
            targets
                .in_row(row)
                .into_iter()
                .map(|(target, _)| target)
                .collect::<SmallVec<[usize; 1]>>()
        },
        |piece| match piece {
            Piece::Frame(bytes) => write(bytes),
            Piece::Separator(bytes) => {
                separator.clear();
                separator.extend_from_slice(bytes);
                Ok(())
            }
            Piece::Row {
                row,
                bytes,
                decided,
                ..
            } => {
                if decided.is_empty() {
                    if kept_a_row {
                        write(&separator)?;
                    }
                    kept_a_row = true;
                    return write(bytes);
                }
                removed += 1;
                for target in decided {
                    rows_by_target.entry(target).or_default().push(row);
                }
                Ok(())
            }
        },
    )?;
    let output_sha256 = hex::encode(hasher.finalize());
    let input_sha256 = scanned.sha256.unwrap_or_default();
    let ready = match (out, held.take()) {
        // A file that loses no row is left as it is.
        (Some(_), Some(_)) if removed == 0 => None,
        (Some(file), Some(mut held)) => {
            let ready = file.finish()?;
            ready.set_permissions(held.metadata.permissions())?;
            #[cfg(unix)]
            ready.set_owner(&held.metadata)?;
            held.read_sha256.clone_from(&input_sha256);
            Some(ready.on_condition(Box::new(held)))
        }
        (Some(file), None) => Some(file.finish()?),
        (None, _) => None,
    };
    let erased = ErasedFile {
        path: name,
        destination: destination.clone(),
        shape: scanned.shape,
        rows: scanned.rows,
        removed,
        input_sha256,
        output_sha256,
        rows_by_target,
    };
    Ok((erased, ready))
}
