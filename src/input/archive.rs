//! ZIP archives of exports (Mailchimp's audience export, Substack's
//! export): each member that holds a list becomes an input of its own,
//! named `archive.zip:member.csv`.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use zip::ZipArchive;

use super::source::{InputSource, Spool};
use crate::error::{Error, Result, describe_io};
use crate::text::sanitize_for_terminal;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Members an archive may hold lists in. Real exports have a handful; each
/// member becomes an open scratch file.
const MAX_LIST_MEMBERS: usize = 256;

/// How much bigger than its compressed size a member may unpack to, once
/// past [`BOMB_FLOOR`]. CSV deflates 3–20 times; a ZIP bomb, up to 1,000.
pub(super) const MAX_RATIO: u64 = 100;

/// Members below this size are never suspected, whatever their ratio.
const BOMB_FLOOR: u64 = 64 << 20;

/// The most a member with `compressed` bytes may unpack to.
pub(super) fn unpack_limit(compressed: u64) -> u64 {
    compressed.saturating_mul(MAX_RATIO).max(BOMB_FLOOR)
}

/// Whether a file is a ZIP archive, by its first bytes. Unreadable files
/// are not: opening them later gives the clear error.
pub fn is_zip_file(path: &Path) -> bool {
    // Opening a named pipe would wait for a writer: only files are looked
    // into, and the reader refuses the rest.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic == ZIP_MAGIC)
}

pub fn starts_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(ZIP_MAGIC)
}

/// The members of an archive that hold subscriber lists, each spooled to
/// an anonymous temporary file.
pub fn expand(name: &str, reader: impl Read + Seek) -> Result<Vec<InputSource>> {
    let workbook = [".xlsx", ".xlsm", ".xlsb", ".ods"]
        .iter()
        .any(|ext| name.to_ascii_lowercase().ends_with(ext));
    let fail = |message: String| {
        Error::input(name, message).with_hint(if workbook {
            "the workbook is damaged or incomplete: save it again from the spreadsheet program, or save the sheet as CSV"
        } else {
            "pass the audience export ZIP as the tool wrote it, or unpack it and name the CSV files"
        })
    };
    let mut archive =
        ZipArchive::new(reader).map_err(|e| fail(format!("not a readable ZIP archive: {e}")))?;
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| fail(format!("not a readable ZIP archive: {e}")))?;
    let wanted = list_members(&names);
    if wanted.is_empty() {
        let shown: Vec<String> = names
            .iter()
            .take(20)
            .map(|n| sanitize_for_terminal(n).into_owned())
            .collect();
        return Err(fail(format!(
            "the archive has no CSV member (members: {})",
            if shown.is_empty() {
                "none".to_string()
            } else {
                shown.join(", ")
            }
        )));
    }
    if wanted.len() > MAX_LIST_MEMBERS {
        return Err(fail(format!(
            "the archive has {} CSV members; the most listaudit unpacks is {MAX_LIST_MEMBERS}",
            wanted.len()
        )));
    }
    let mut inputs = Vec::new();
    for member in wanted {
        let display = format!("{name}:{member}");
        let file = archive
            .by_name(&member)
            .map_err(|e| Error::input(&display, format!("cannot read this ZIP member: {e}")))?;
        let compressed = file.compressed_size();
        let limit = unpack_limit(compressed);
        let bomb = || {
            Error::input(
                &display,
                format!(
                    "unpacks to more than {} MiB from {} bytes, more than {MAX_RATIO} times its size: refused as a ZIP bomb",
                    limit >> 20,
                    compressed
                ),
            )
            .with_hint("unpack the archive yourself and name the CSV files, if it is a real export")
        };
        // The declared size can lie, so the bytes are counted as they come.
        if file.size() > limit {
            return Err(bomb());
        }
        let stem = Path::new(&member)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "member".to_string());
        let mut counted = file.take(limit + 1);
        let spool = Spool::copy(display.clone(), stem, &mut counted).map_err(|e| {
            Error::input(
                &display,
                format!("cannot unpack this ZIP member: {}", describe_io(&e)),
            )
        })?;
        if spool.unpacked() > limit {
            return Err(bomb());
        }
        inputs.push(InputSource::Spooled(spool));
    }
    Ok(inputs)
}

/// Which members are lists: Mailchimp's per-status files, else Substack's
/// `email_list.*.csv`, else every CSV or TSV file. Folders, macOS resource
/// forks and hidden files are skipped; the order is the archive's.
fn list_members(names: &[String]) -> Vec<String> {
    let base = |n: &str| n.rsplit('/').next().unwrap_or(n).to_ascii_lowercase();
    let candidates: Vec<&String> = names
        .iter()
        .filter(|n| !n.ends_with('/') && !n.starts_with("__MACOSX/"))
        .filter(|n| {
            let b = base(n);
            !b.starts_with('.') && (b.ends_with(".csv") || b.ends_with(".tsv"))
        })
        .collect();
    let mailchimp: Vec<String> = candidates
        .iter()
        .filter(|n| mailchimp_status_prefix(&base(n)).is_some())
        .map(|n| n.to_string())
        .collect();
    if !mailchimp.is_empty() {
        return mailchimp;
    }
    let substack: Vec<String> = candidates
        .iter()
        .filter(|n| base(n).starts_with("email_list."))
        .map(|n| n.to_string())
        .collect();
    if !substack.is_empty() {
        return substack;
    }
    candidates.into_iter().cloned().collect()
}

/// The status a Mailchimp export file name states:
/// `unsubscribed_members_export_…`, `cleaned_email_audience_export_…`.
pub fn mailchimp_status_prefix(file_name: &str) -> Option<&'static str> {
    let lower = file_name.to_ascii_lowercase();
    ["subscribed", "unsubscribed", "cleaned", "nonsubscribed"]
        .into_iter()
        .find(|status| {
            lower.strip_prefix(status).is_some_and(|rest| {
                rest.starts_with("_members_")
                    || rest.starts_with("_email_")
                    || rest.starts_with("_segment_")
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        for (name, bytes) in members {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn picks_the_list_members() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            list_members(&names(&[
                "subscribed_members_export_ab12.csv",
                "__MACOSX/._subscribed_members_export_ab12.csv",
                "unsubscribed_members_export_ab12.csv",
                "cleaned_members_export_ab12.csv",
                "readme.txt",
            ])),
            names(&[
                "subscribed_members_export_ab12.csv",
                "unsubscribed_members_export_ab12.csv",
                "cleaned_members_export_ab12.csv",
            ])
        );
        assert_eq!(
            list_members(&names(&[
                "posts.csv",
                "posts/1.html",
                "email_list.news.csv"
            ])),
            names(&["email_list.news.csv"])
        );
        assert_eq!(
            list_members(&names(&["dir/", "a.csv", "b.TSV", "c.json"])),
            names(&["a.csv", "b.TSV"])
        );
        assert_eq!(
            mailchimp_status_prefix("unsubscribed_email_audience_export_1f.csv"),
            Some("unsubscribed")
        );
        assert_eq!(mailchimp_status_prefix("subscribers.csv"), None);
    }

    #[test]
    fn expands_members_and_refuses_archives_without_lists() {
        let bytes = zip_of(&[
            (
                "subscribed_members_export_x.csv",
                b"Email Address\na@example.com\n",
            ),
            ("notes.md", b"hello"),
        ]);
        let inputs = expand("audience.zip", Cursor::new(bytes)).unwrap();
        assert_eq!(inputs.len(), 1);
        assert_eq!(
            inputs[0].display(),
            "audience.zip:subscribed_members_export_x.csv"
        );
        assert_eq!(inputs[0].stem(), "subscribed_members_export_x");
        let (mut reader, _) = inputs[0].open().unwrap();
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "Email Address\na@example.com\n");

        let none = zip_of(&[("notes.md", b"hello")]);
        let err = expand("x.zip", Cursor::new(none)).unwrap_err();
        assert!(
            err.to_string()
                .contains("the archive has no CSV member (members: notes.md)"),
            "{err}"
        );
        assert!(expand("y.zip", Cursor::new(b"PK\x03\x04garbage".to_vec())).is_err());
    }
}
