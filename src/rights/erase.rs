//! `listaudit erase`: remove people from every file (GDPR Art. 17, the
//! right to erasure), keeping every other row byte for byte.
//!
//! Every input is read and its new version written to a temporary file
//! before anything is put in place: a file that cannot be read stops the
//! run with no output for any file. With `--in-place` each input is then
//! replaced by a rename, so that an interrupted run leaves either the old
//! file or the new one, never a mix.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use smallvec::SmallVec;

use super::history::{ErasureRequests, add_erasure_requests};
use super::scan::{InputDigest, Piece, Shape, scan};
use super::targets::{Accept, SkippedEntry, Targets};
use crate::consent::Timestamp;
use crate::error::{Error, Result};
use crate::input::InputSource;
use crate::output::{AtomicFile, ReadyFile};
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
    let results: Vec<Result<(ErasedFile, Option<ReadyFile>)>> = settings
        .files
        .par_iter()
        .map(|(path, destination)| erase_file(path, destination, &targets))
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

/// Writes `path` without the rows that name one of `targets`.
fn erase_file(
    path: &Path,
    destination: &Destination,
    targets: &Targets,
) -> Result<(ErasedFile, Option<ReadyFile>)> {
    let source = InputSource::Path(path.to_path_buf());
    let name = source.display();
    let mut out = match destination {
        Destination::Nowhere => None,
        Destination::Copy(dest) | Destination::InPlace(dest) => Some(AtomicFile::create(dest)?),
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
    let ready = match (out, destination) {
        // A file that loses no row is left as it is.
        (Some(_), Destination::InPlace(_)) if removed == 0 => None,
        (Some(file), Destination::InPlace(original)) => {
            let ready = file.finish()?;
            let permissions = std::fs::metadata(original)
                .map_err(|e| Error::input(&name, crate::error::describe_io(&e)))?
                .permissions();
            ready.set_permissions(permissions)?;
            Some(ready)
        }
        (Some(file), _) => Some(file.finish()?),
        (None, _) => None,
    };
    let erased = ErasedFile {
        path: name,
        destination: destination.clone(),
        shape: scanned.shape,
        rows: scanned.rows,
        removed,
        input_sha256: scanned.sha256.unwrap_or_default(),
        output_sha256,
        rows_by_target,
    };
    Ok((erased, ready))
}
