//! The rights of the people on the lists: `lookup` answers an access
//! request (GDPR Art. 15) from every file, `erase` carries out erasure
//! (Art. 17) in every file. Both find a person in any column of any file,
//! not only in the column an audit reads.

mod erase;
mod history;
mod lookup;
mod scan;
mod targets;

pub use erase::{
    Destination, EraseOutcome, EraseSettings, ErasedFile, RECEIPT_CSV, RECEIPT_JSON,
    SUPPRESSION_FILE, erase,
};
pub use history::{ErasureRequests, HistoryEvent, LiftedRequest};
pub use lookup::{LookupOutcome, LookupSettings, Match, lookup};
pub use scan::{Cells, Piece, Row, Scanned, Shape, scan};
pub use targets::{Accept, Origin, SkippedEntry, Target, Targets};
