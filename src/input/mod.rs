//! Reading inputs: subscriber exports, consent logs and suppression lists,
//! in whatever delimiter and header language they come.

mod archive;
mod bounded;
mod consent_log;
mod delimited;
mod dialect;
mod encoding;
mod evidence;
mod format;
mod record;
mod source;
mod spreadsheet;
mod suppression;
mod unrecognised;

pub use archive::{
    expand as expand_archive, is_zip_file, mailchimp_status_prefix, starts_like_zip,
};
pub use bounded::{LineError, PieceLimited, read_line, size_in_words};
pub use consent_log::{
    BATCH_ROWS, ConsentLog, LogShape, ParseContext, ParsedEvent, ParsedRow, first_line_is_json,
};
pub use delimited::{
    ColumnOverrides, DelimitedFile, EmailFoundBy, MAX_RECORD_BYTES, MappedFile, Opened,
    map_columns, open, open_reader, read_header, shape_problem,
};
pub use dialect::{Dialect, SniffError, sniff};
pub use encoding::{Encoding, Undecodable};
pub use evidence::{EvidenceReader, ExportEvent, RowEvidence, strip_safety_prefix};
pub use format::{
    ColumnMap, FORMATS, Field, FileKind, FormatDef, detect, find_column, format_named, format_names,
};
pub use record::{QuotingProblem, RawRecord, ReadError, RecordReader, TextRecord};
pub use source::{FileIdentity, InputSource, Peeked, Spool, hash_from_start, refuse_non_file};
pub use spreadsheet::{SheetOrigin, open_spreadsheet};
pub use suppression::{
    BadEntry, ListShape, SuppressionFile, Suppressions, looks_like_digest_list, parse_digest,
    read_entries, sha256,
};
pub use unrecognised::{Unrecognised, ValueKind};
