//! Restricted-party screening: the list model, loaders for the published list formats, a name
//! index and explained scoring. Pure and synchronous: loaders take bytes, nothing here opens
//! files, reads the clock or the environment.
//!
//! - [`model`]: lists and entries as their sources publish them.
//! - [`load`]: one loader per format (OFAC legacy CSV, CSL CSV/JSON, BIS DPL, Entity List),
//!   each keeping what it can read and reporting the rest with line and reason.
//! - [`meaning`]: what a match on each list means, and results grouped by list.
//! - [`normalize`]: names to tokens (scripts, diacritics, legal forms, variants).
//! - [`diff`]: entries added, removed and changed between two loads of a list.
//! - [`index`]: the compiled index, the scorer, bands and explanations.
//! - `reference` (feature `reference`): a naive linear scan used as the oracle for the index.

pub mod country;
pub mod diff;
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
pub use model::{Entry, EntryKind, Format, ListInfo, Loaded, NativeName, RowIssue};

/// Builds one index over several loaded lists, keeping each entry's link to its list.
pub fn build_index(loaded: Vec<Loaded>) -> Index {
    build_index_with_names(loaded, None)
}

/// [`build_index`], with the native names of the dataset attached to the entries they name
/// (see [`load::names`]): a row's native name goes to every entry that has the row's listed
/// name as its name or an alias, compared after normalisation.
pub fn build_index_with_names(loaded: Vec<Loaded>, names: Option<&load::names::NameSet>) -> Index {
    let mut lists = Vec::with_capacity(loaded.len());
    let mut entries = Vec::new();
    for (file, l) in loaded.into_iter().enumerate() {
        lists.push(l.info);
        entries.extend(l.entries.into_iter().map(|mut e| {
            e.file = file;
            e
        }));
    }
    if let Some(set) = names {
        attach_native_names(&mut entries, set);
    }
    Index::build(lists, entries)
}

/// A name as a key that ignores case, punctuation, script and word order.
fn name_key(name: &str) -> Vec<String> {
    let mut words: Vec<String> = normalize::tokens(name)
        .into_iter()
        .map(|t| t.text)
        .collect();
    words.sort();
    words
}

fn attach_native_names(entries: &mut [Entry], set: &load::names::NameSet) {
    let mut by_key: rustc_hash::FxHashMap<Vec<String>, Vec<usize>> = Default::default();
    for (i, row) in set.rows.iter().enumerate() {
        by_key
            .entry(name_key(&row.listed_name))
            .or_default()
            .push(i);
    }
    for e in entries.iter_mut() {
        let mut rows: Vec<usize> = e
            .names()
            .filter_map(|n| by_key.get(&name_key(n)))
            .flatten()
            .copied()
            .collect();
        rows.sort_unstable();
        rows.dedup();
        for i in rows {
            let row = &set.rows[i];
            if e.native_names.iter().any(|n| n.name == row.native_name) {
                continue;
            }
            e.native_names.push(NativeName {
                name: row.native_name.clone(),
                kind: row.kind,
                translation: row.translation,
                source_url: row.source_url.clone(),
                dataset: set.source.clone(),
                dataset_version: set.version.clone(),
                dataset_hash: set.content_hash.clone(),
            });
        }
    }
}
