//! Restricted-party screening: the list model, loaders for the published list formats, a name
//! index and explained scoring. Pure and synchronous: loaders take bytes, nothing here opens
//! files, reads the clock or the environment.
//!
//! - [`model`]: lists and entries as their sources publish them.
//! - [`load`]: one loader per format (OFAC legacy CSV, CSL CSV/JSON, BIS DPL, Entity List),
//!   each keeping what it can read and reporting the rest with line and reason.
//! - [`meaning`]: what a match on each list means, and results grouped by list.
//! - [`normalize`]: names to tokens (scripts, diacritics, legal forms, variants).
//! - [`index`]: the compiled index, the scorer, bands and explanations.
//! - `reference` (feature `reference`): a naive linear scan used as the oracle for the index.

pub mod country;
pub mod index;
pub mod load;
pub mod meaning;
pub mod model;
pub mod normalize;
#[cfg(any(test, feature = "reference"))]
pub mod reference;

pub use index::{
    Band, Explanation, Index, Match, PairKind, Query, QueryError, Searcher, Thresholds,
};
pub use load::LoadError;
pub use meaning::{group_by_list, Consequence, ListGroup};
pub use model::{Entry, EntryKind, Format, ListInfo, Loaded, RowIssue};

/// Builds one index over several loaded lists, keeping each entry's link to its list.
pub fn build_index(loaded: Vec<Loaded>) -> Index {
    let mut lists = Vec::with_capacity(loaded.len());
    let mut entries = Vec::new();
    for (file, l) in loaded.into_iter().enumerate() {
        lists.push(l.info);
        entries.extend(l.entries.into_iter().map(|mut e| {
            e.file = file;
            e
        }));
    }
    Index::build(lists, entries)
}
