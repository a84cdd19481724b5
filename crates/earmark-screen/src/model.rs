//! The list model: what a loaded list file is ([`ListInfo`]) and what one of its entries says
//! ([`Entry`]). Loaders produce these; the index compiles them; results point back at them.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The published format a list file is in. Each has its own loader in [`crate::load`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// OFAC's legacy SDN CSV files (sdn.csv with alt.csv, add.csv and sdn_comments.csv).
    Ofac,
    /// OFAC's consolidated (non-SDN) list in the same legacy layout (cons_prim.csv and friends).
    OfacCons,
    /// The trade.gov Consolidated Screening List: CSV (old or current layout), JSON, or the
    /// compact JSON projection.
    Csl,
    /// BIS's Denied Persons List, tab-separated.
    BisDpl,
    /// The BIS Entity List as a CSV (the whole list with addresses and footnotes).
    EntityList,
}

impl Format {
    /// The name used on the command line (`--lists FORMAT:PATH`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Ofac => "ofac",
            Format::OfacCons => "ofac-cons",
            Format::Csl => "csl",
            Format::BisDpl => "bis-dpl",
            Format::EntityList => "entity-list",
        }
    }

    /// Parses a command-line format name.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "ofac" => Format::Ofac,
            "ofac-cons" => Format::OfacCons,
            "csl" => Format::Csl,
            "bis-dpl" => Format::BisDpl,
            "entity-list" => Format::EntityList,
            _ => return None,
        })
    }

    /// Every format, in the order the command line documents them.
    pub const ALL: [Format; 5] = [
        Format::Ofac,
        Format::OfacCons,
        Format::Csl,
        Format::BisDpl,
        Format::EntityList,
    ];
}

/// One loaded list file (or set of files loaded together, as OFAC's sdn/alt/add).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListInfo {
    /// Where it came from, as the caller named it (a path or "bundled:...").
    pub source: String,
    pub format: Format,
    /// The date of the list content (`YYYY-MM-DD`), when the file says or the caller knows it.
    pub date: Option<String>,
    /// `sha256:` and the hex digest of the bytes loaded, in the order they were given.
    pub content_hash: String,
    /// Entries kept.
    pub records: usize,
    /// Rows skipped because they could not be read.
    pub skipped: usize,
    /// Doubts about the file as a whole that did not stop the load (no end-of-file marker,
    /// more entries than the file announces). Each is one sentence naming the file; the CLI
    /// prints them and the JSON outputs carry them, so that they cannot go unseen.
    pub warnings: Vec<String>,
}

/// What kind of party an entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    Person,
    Entity,
    Vessel,
    Aircraft,
    /// An entry that is only an address (the Entity List lists bare addresses in Hong Kong).
    AddressOnly,
    /// The source does not say.
    Unknown,
}

impl EntryKind {
    /// Reads the type words the lists use ("individual", "Entity", "vessel", ...).
    pub fn from_source(text: &str) -> EntryKind {
        match text.trim().to_ascii_lowercase().as_str() {
            "individual" | "person" => EntryKind::Person,
            "entity" | "organization" | "company" => EntryKind::Entity,
            "vessel" => EntryKind::Vessel,
            "aircraft" => EntryKind::Aircraft,
            _ => EntryKind::Unknown,
        }
    }
}

/// One entry of a restricted-party list, as its source publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Short code of the list the entry is on: SDN, EL, DPL, UVL, MEU, SSI, CMIC, ...
    pub list: String,
    /// The entry's own id in its source (OFAC's ent_num, the CSL `_id`, the Entity List row id).
    /// Where a source has none, the loader derives one from the entry's content so that it is
    /// stable across loads of the same data.
    pub source_id: String,
    pub kind: EntryKind,
    /// The primary name as printed.
    pub name: String,
    /// Aliases (a.k.a., f.k.a., n.k.a.) as printed.
    pub aliases: Vec<String>,
    /// ISO 3166-1 alpha-2 codes where the source gives them, else country names as printed.
    pub countries: Vec<String>,
    pub addresses: Vec<String>,
    pub programs: Vec<String>,
    /// Federal Register citations and similar.
    pub citations: Vec<String>,
    /// Entity List footnotes (FN1 to FN5): the footnote column, and the markers the license
    /// texts carried (taken out of those texts, kept here).
    pub footnotes: Vec<String>,
    pub license_requirement: Option<String>,
    pub license_policy: Option<String>,
    pub remarks: Option<String>,
    /// The date the party was put on the list (`YYYY-MM-DD`), where the source gives it (the
    /// Entity List's Federal Register date). A decision for an earlier date must not treat
    /// the party as listed.
    pub listed_on: Option<String>,
    /// Index of the [`ListInfo`] this entry was loaded from, in the set the index was built on.
    pub file: usize,
    /// Names from the native-name dataset (not from the list), attached when the index is
    /// built with it ([`crate::build_index_with_names`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub native_names: Vec<NativeName>,
}

/// A name of an entry from the native-name dataset, with where it came from: a match through
/// it says so in its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NativeName {
    pub name: String,
    pub kind: crate::load::names::NameKind,
    /// Only a translation of the listed name: weighed lower.
    pub translation: bool,
    /// The public source the name came from.
    pub source_url: String,
    /// The dataset, its version and content hash.
    pub dataset: String,
    pub dataset_version: String,
    pub dataset_hash: String,
}

impl Entry {
    /// A fresh entry with the given identity and everything else empty.
    pub fn new(list: &str, source_id: &str, kind: EntryKind, name: &str) -> Entry {
        Entry {
            list: list.to_string(),
            source_id: source_id.to_string(),
            kind,
            name: name.to_string(),
            aliases: Vec::new(),
            countries: Vec::new(),
            addresses: Vec::new(),
            programs: Vec::new(),
            citations: Vec::new(),
            footnotes: Vec::new(),
            license_requirement: None,
            license_policy: None,
            remarks: None,
            listed_on: None,
            file: 0,
            native_names: Vec::new(),
        }
    }

    /// The primary name followed by the aliases.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// [`Entry::names`] followed by the native names: the names the index holds, in the
    /// order its alias numbers count.
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        self.names()
            .chain(self.native_names.iter().map(|n| n.name.as_str()))
    }

    /// The native name behind alias number `alias` (0 the primary name), if it is one.
    pub fn native_name(&self, alias: u32) -> Option<&NativeName> {
        (alias as usize)
            .checked_sub(1 + self.aliases.len())
            .and_then(|i| self.native_names.get(i))
    }
}

/// A row that could not be read. The load goes on without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowIssue {
    /// The source label the caller gave (normally a path).
    pub source: String,
    /// 1-based line number where the row starts (0 when the problem is not tied to a line).
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for RowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.source, self.line, self.reason)
    }
}

/// The result of loading one list: its description, its entries and the rows skipped.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub info: ListInfo,
    pub entries: Vec<Entry>,
    pub issues: Vec<RowIssue>,
}

/// A running content hash over the files of one list.
#[derive(Debug, Default)]
pub(crate) struct ContentHash(Sha256);

impl ContentHash {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    pub(crate) fn finish(self) -> String {
        format!("sha256:{}", hex::encode(self.0.finalize()))
    }
}

/// The hash of one byte string in the form [`ListInfo::content_hash`] uses.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h = ContentHash::default();
    h.update(bytes);
    h.finish()
}

/// A source id derived from content, for sources whose entries carry none (DPL, old CSL CSV,
/// the compact CSL for BIS and State lists). Same content, same id.
pub(crate) fn derived_id(list: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(list.as_bytes());
    for p in parts {
        h.update([0u8]);
        h.update(p.as_bytes());
    }
    let digest = h.finalize();
    format!("{list}-{}", hex::encode(&digest[..6]))
}
