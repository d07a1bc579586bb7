//! Consent evidence: timestamps, event kinds, purposes, sources, the folded
//! per-address ledger, and the parallel index over all consent logs.

mod assessment;
mod builder;
mod event;
mod index;
mod ledger;
mod purpose;
mod shard;
mod source;
mod spill;
mod status;
mod symbols;
mod terms;
mod time;

pub use assessment::{Assessment, latest};
pub use builder::{BuiltIndex, IndexBuilder};
pub use event::EventKind;
pub use index::ConsentIndex;
pub use ledger::{EventRef, Ledger, Location, Slot};
pub use purpose::{PurposeFit, PurposeMatcher, Scope, split_purposes};
pub use shard::{SHARDS, fingerprint, shard_of};
pub use source::{ClassifySource, SourceCategory, SourceClass};
pub use spill::{IndexSpill, SpilledIndex};
pub use status::Status;
pub use symbols::{Symbol, Symbols};
pub use terms::{Basis, BasisReading, Method, Terms, parse_basis, parse_method};
pub use time::{
    Civil, DateOrder, Month, TimeRules, Timestamp, TimestampError, parse_as_of, parse_timestamp,
    parse_timestamp_with, parse_zone,
};
