//! The compiled name index and the scorer.
//!
//! Build: every name and alias is normalised ([`crate::normalize`]) into tokens; tokens are
//! interned to ids and weighted by rarity (inverse document frequency over names, so "trading"
//! or "al" weigh little and "huawei" a lot; legal forms weigh a fixed small amount); an
//! inverted index maps each token to the names holding it. Two side tables give typo and
//! transliteration tolerance without scanning the vocabulary: a deletion index (every word
//! with one letter removed, as in SymSpell) finds words one edit away, and a consonant
//! skeleton index finds spelling variants (Qaddafi/Gaddafi).
//!
//! Query: the query is read as written and, where two neighbouring words make a listed word,
//! with them joined ("Hua Wei" = "Huawei"); a word that is in no list is split where both
//! halves are ("AlKhodair"). Each word is paired with vocabulary words (exact, skeleton, one
//! edit); candidate names are gathered from the postings with an approximate score; the best
//! few are scored exactly by aligning tokens one to one (a weighted Dice coefficient: paired
//! weight over the weight of both names); names are folded into their entries; country and
//! address add or subtract a little. Results are ordered by score, then source id, so that
//! the same input always gives the same output. Explanations are computed only for the
//! results returned, by the same scoring code, so they cannot disagree with the score.
//!
//! The index is flat (interned ids, compressed postings, hashed side tables) rather than a
//! map of strings because a batch screens many names against the same lists: the work per
//! query must not grow with the size of the vocabulary, and one [`Searcher`] per thread
//! reuses its scratch space instead of allocating per query.
//!
//! One file per job, all sharing the private tables of [`Index`] declared here:
//! - `build`: [`Index::build`], the vocabulary and weights, postings, the deletion and
//!   skeleton tables (and the keys they are built on), the address index.
//! - `query`: [`Searcher`], splitting and reading the query, pairing its words into the
//!   vocabulary, candidate generation, ordering and banding the results.
//! - `score`: word similarity (typo, variant), the exact score of one name by one-to-one
//!   token alignment, and the country and address evidence.
//! - `explain`: [`Index::explain`], which reruns the scoring of one result to show its parts.

mod build;
mod explain;
mod query;
mod score;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::model::{Entry, ListInfo};

use build::{Csr, MultiMap};
pub use query::Searcher;
// The reference scorer shares the query tokens and word pairing with the index, so that the
// two differ only in how they find candidates.
#[cfg(any(test, feature = "reference"))]
pub(crate) use query::{query_skeleton, query_weight, QueryToken};
#[cfg(any(test, feature = "reference"))]
pub(crate) use score::pair_sim;

// The tuning constants of every stage are kept here, together, so that they are read and
// changed as one set rather than hunted for across the build, query and score files.

/// Weight of a legal-form token: they tell little about who a party is.
const LEGAL_WEIGHT: f32 = 0.35;
/// Similarity of two different legal forms ("LLC" against "Co., Ltd.").
const OTHER_LEGAL_SIM: f32 = 0.5;
/// Similarity of two words with the same consonant skeleton, at most; less the further apart
/// they are spelled (Qaddafi/Gaddafi is closer than Broken/Bourkhan).
const SKELETON_SIM: f32 = 0.88;
/// Shortest word (in bytes) given typo and skeleton tolerance; shorter words must be exact.
const FUZZY_MIN_LEN: usize = 4;
/// Longest word (in bytes) given typo and skeleton tolerance or split in two: no real name
/// has a longer word, and the work per word grows with its length.
const FUZZY_MAX_LEN: usize = 40;
/// Query words beyond this many are ignored (a name field holding a whole document).
const MAX_QUERY_WORDS: usize = 48;
/// Score added when the query's country is one of the entry's, subtracted (doubled) when the
/// entry has countries and the query's is not among them.
const COUNTRY_WEIGHT: f32 = 0.02;
/// Weight of address similarity as evidence for a name match.
const ADDRESS_WEIGHT: f32 = 0.08;
/// Name particles often written joined to the next word (AlKhodair, AbuBakr).
const SPLIT_PARTICLES: &[&str] = &[
    "al", "abu", "abd", "bin", "ibn", "bint", "ul", "ud", "abdul",
];
/// Most words joined into one when they make a word of the vocabulary together: a Chinese
/// brand of five characters written as five pinyin syllables.
const MAX_JOINED_SYLLABLES: usize = 6;
/// Longest word (in bytes) joined to more than one neighbour: a pinyin syllable has at most
/// six letters (zhuang).
const MAX_SYLLABLE_LEN: usize = 6;
/// Score factor of a native name that is only a translation of the listed name: a
/// translation is a weaker tie to the entity than a name it registered or uses, so an exact
/// match through one lands in review (0.8), not match.
const TRANSLATION_FACTOR: f32 = 0.8;
/// Names scored exactly per query, taken from the candidates in order of approximate score.
const CANDIDATES: usize = 48;

/// A score as JSON prints it: scores are `f32`, and widened to `f64` for serialisation they
/// carry the noise of the binary fraction (0.86 prints as 0.8600000143051147). Four decimals
/// are finer than any band or threshold distinguishes.
pub fn rounded_score(score: f32) -> f64 {
    (f64::from(score) * 10_000.0).round() / 10_000.0
}

/// `serialize_with` helper printing an `f32` score through [`rounded_score`].
pub fn serialize_score<S: serde::Serializer>(
    score: &f32,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(rounded_score(*score))
}

/// Where a score falls.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Strong enough to stop the transaction pending review.
    Match,
    /// Possible match: a person must look.
    Review,
    /// No list entry scored high enough. Not a clearance: only that these lists, as loaded,
    /// have no entry close to the name given.
    NoMatch,
}

impl Band {
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Match => "match",
            Band::Review => "review",
            Band::NoMatch => "no_match",
        }
    }
}

/// Score thresholds of the bands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// A score at or above this is a `match`.
    #[serde(serialize_with = "serialize_score")]
    pub match_at: f32,
    /// A score at or above this (and below `match_at`) is `review`.
    #[serde(serialize_with = "serialize_score")]
    pub review_at: f32,
}

impl Thresholds {
    /// The defaults, chosen on the development split of the evaluation set (bench/screen,
    /// OFAC SDN names with realistic perturbations and real names on no list) and rounded to
    /// two decimals: `review_at` is the threshold of best F1 there (0.716), `match_at` the
    /// lowest threshold at which `match` alone had a precision of at least 0.995 (0.859).
    /// They are reported on the held-out test split, never tuned on it.
    pub const DEFAULT: Thresholds = Thresholds {
        match_at: 0.86,
        review_at: 0.72,
    };

    pub fn band(&self, score: f32) -> Band {
        if score >= self.match_at {
            Band::Match
        } else if score >= self.review_at {
            Band::Review
        } else {
            Band::NoMatch
        }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds::DEFAULT
    }
}

/// What is screened: a name, and optionally the party's country and address as evidence.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<'a> {
    pub name: &'a str,
    /// ISO alpha-2 code or a country name.
    pub country: Option<&'a str>,
    pub address: Option<&'a str>,
}

impl<'a> Query<'a> {
    pub fn name(name: &'a str) -> Query<'a> {
        Query {
            name,
            country: None,
            address: None,
        }
    }
}

/// One result: an entry, its score and band, and the name of it that matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub band: Band,
    /// In [0, 1].
    #[serde(serialize_with = "serialize_score")]
    pub score: f32,
    /// Short code of the list (SDN, EL, DPL, ...).
    pub list: String,
    /// The entry's own id in its source.
    pub source_id: String,
    /// The name or alias that matched (for an address-only entry, the address).
    pub matched_name: String,
    /// True if `matched_name` is an alias rather than the primary name.
    pub is_alias: bool,
    /// Index of the entry in [`Index::entries`].
    #[serde(skip)]
    pub entry: usize,
    /// Which of the entry's names matched: 0 the primary name, i + 1 alias i; `None` for an
    /// address match.
    #[serde(skip)]
    pub name_index: Option<u32>,
}

/// Why a result scored what it did. Computed on demand ([`Index::explain`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    #[serde(serialize_with = "serialize_score")]
    pub score: f32,
    /// The score from the name alone, before country and address evidence.
    #[serde(serialize_with = "serialize_score")]
    pub name_score: f32,
    pub matched_name: String,
    pub is_alias: bool,
    /// Token pairs, in order of contribution.
    pub pairs: Vec<TokenPair>,
    /// Query tokens nothing on the list side matched, with their weights.
    pub unmatched_query: Vec<WeightedToken>,
    /// Listed tokens nothing in the query matched, with their weights.
    pub unmatched_listed: Vec<WeightedToken>,
    pub country: Option<CountryEvidence>,
    pub address: Option<AddressEvidence>,
    /// Set when the name that matched is from the native-name dataset, not from the list:
    /// the dataset, its version and hash, and the public source of the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native_name: Option<crate::model::NativeName>,
}

/// How a query token was paired with a listed token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairKind {
    /// Same word after normalisation (case, diacritics, script, abbreviations, variants).
    Exact,
    /// Same consonant skeleton: a transliteration or spelling variant.
    Variant,
    /// One edit apart.
    Typo,
    /// Same legal form.
    LegalForm,
    /// Different legal forms.
    OtherLegalForm,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenPair {
    pub query: String,
    pub listed: String,
    pub kind: PairKind,
    #[serde(serialize_with = "serialize_score")]
    pub similarity: f32,
    #[serde(serialize_with = "serialize_score")]
    pub query_weight: f32,
    #[serde(serialize_with = "serialize_score")]
    pub listed_weight: f32,
    /// This pair's share of the name score.
    #[serde(serialize_with = "serialize_score")]
    pub contribution: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightedToken {
    pub token: String,
    #[serde(serialize_with = "serialize_score")]
    pub weight: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryEvidence {
    pub query: String,
    pub listed: Vec<String>,
    pub agrees: bool,
    #[serde(serialize_with = "serialize_score")]
    pub adjustment: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddressEvidence {
    pub listed: String,
    #[serde(serialize_with = "serialize_score")]
    pub similarity: f32,
    #[serde(serialize_with = "serialize_score")]
    pub adjustment: f32,
}

/// Problems with a query itself.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum QueryError {
    #[error("name `{0}` has no letters or digits to match on")]
    NoTokens(String),
}

#[derive(Debug, Clone, Copy)]
struct NameRec {
    entry: u32,
    /// 0 for the primary name, i + 1 for alias i.
    alias: u32,
    start: u32,
    len: u32,
    /// Sum of the token weights.
    weight: f32,
    /// What the name's score is multiplied by: [`TRANSLATION_FACTOR`] for a native name that
    /// is only a translation, 1 otherwise.
    factor: f32,
}

#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    text: Box<str>,
    weight: f32,
    legal: bool,
}

/// The compiled index over a set of loaded lists.
#[derive(Debug, Clone)]
pub struct Index {
    lists: Vec<ListInfo>,
    entries: Vec<Entry>,
    /// Country codes of each entry, folded once.
    entry_countries: Vec<Vec<String>>,
    names: Vec<NameRec>,
    /// An entry's names are contiguous: from `entry_names[e]` to `entry_names[e + 1]`.
    entry_names: Vec<u32>,
    name_tokens: Vec<u32>,
    vocab: FxHashMap<Box<str>, u32>,
    tokens: Vec<TokenInfo>,
    postings: Csr,
    /// Spellings for fuzzy pairing: (text, vocabulary token it stands for).
    spellings: Vec<(Box<str>, u32)>,
    /// The consonant skeleton of each spelling (empty when too short to have one).
    spelling_skeletons: Vec<Box<str>>,
    /// Skeleton hash -> spelling indexes.
    skeletons: MultiMap,
    /// Hash of a spelling or of the spelling with one character deleted -> spelling indexes.
    deletes: MultiMap,
    unknown_weight: f32,
    // Addresses, for address evidence and address-only entries.
    /// (entry, index of the address in the entry, total weight); an entry's records are
    /// contiguous, from `entry_addr[e]` to `entry_addr[e + 1]`.
    addr_recs: Vec<(u32, u32, f32)>,
    entry_addr: Vec<u32>,
    addr_tokens: Vec<u32>,
    addr_token_start: Vec<u32>,
    addr_vocab: FxHashMap<Box<str>, u32>,
    addr_weights: Vec<f32>,
    addr_postings: Csr,
    addr_unknown_weight: f32,
}

impl Index {
    pub fn lists(&self) -> &[ListInfo] {
        &self.lists
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Number of names and aliases indexed.
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// Number of distinct tokens.
    pub fn vocabulary_size(&self) -> usize {
        self.tokens.len()
    }
}

/// Accessors for the reference scorer.
#[cfg(any(test, feature = "reference"))]
impl Index {
    pub(crate) fn name_entry(&self, ni: usize) -> usize {
        self.names.get(ni).map_or(0, |r| r.entry as usize)
    }
    pub(crate) fn vocab_id(&self, text: &str) -> Option<u32> {
        self.vocab.get(text).copied()
    }
    pub(crate) fn spelling_list(&self) -> &[(Box<str>, u32)] {
        &self.spellings
    }
    pub(crate) fn token_infos(&self) -> &[TokenInfo] {
        &self.tokens
    }
    pub(crate) fn legal_weight(&self) -> f32 {
        LEGAL_WEIGHT
    }
    pub(crate) fn unknown_token_weight(&self) -> f32 {
        self.unknown_weight
    }
}
