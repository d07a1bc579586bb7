//! Reading inputs: subscriber exports, consent logs and suppression lists,
//! in whatever delimiter and header language they come.

mod consent_log;
mod delimited;
mod dialect;
mod format;
mod record;
mod source;
mod suppression;

pub use consent_log::{BATCH_ROWS, ConsentLog, LogShape, ParseContext, ParsedEvent, ParsedRow};
pub use delimited::{DelimitedFile, MappedFile, map_columns, open, read_header, shape_problem};
pub use dialect::{Dialect, Encoding, SniffError, sniff};
pub use format::{ColumnMap, FORMATS, Field, FileKind, FormatDef, detect, find_column};
pub use record::{QuotingProblem, RawRecord, ReadError, RecordReader};
pub use source::InputSource;
pub use suppression::{BadEntry, SuppressionFile, Suppressions, sha256};
