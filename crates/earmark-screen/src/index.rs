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

use std::cmp::Ordering;

use rustc_hash::{FxHashMap, FxHasher};
use serde::Serialize;
use std::hash::Hasher;

use crate::country;
use crate::model::{Entry, EntryKind, ListInfo};
use crate::normalize::{self, Token};

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
/// Names scored exactly per query, taken from the candidates in order of approximate score.
const CANDIDATES: usize = 48;

/// Similarity of two words one edit apart, by length: longer words tolerate a typo better.
fn typo_sim(len: usize) -> f32 {
    let len = len.max(1) as f32;
    (1.0 - 1.1 / len).clamp(0.0, 0.92)
}

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
}

#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    text: Box<str>,
    weight: f32,
    legal: bool,
}

/// Compressed lists: item i is `data[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Clone, Default)]
struct Csr {
    offsets: Vec<u32>,
    data: Vec<u32>,
}

impl Csr {
    fn from_lists(lists: &[Vec<u32>]) -> Csr {
        let mut offsets = Vec::with_capacity(lists.len() + 1);
        let mut data = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        offsets.push(0);
        for l in lists {
            data.extend_from_slice(l);
            offsets.push(data.len() as u32);
        }
        Csr { offsets, data }
    }
    fn get(&self, i: u32) -> &[u32] {
        let i = i as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.data.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// A map from u64 keys to lists of u32, stored flat.
#[derive(Debug, Clone, Default)]
struct MultiMap {
    slots: FxHashMap<u64, (u32, u32)>,
    data: Vec<u32>,
}

impl MultiMap {
    fn from_pairs(mut pairs: Vec<(u64, u32)>) -> MultiMap {
        pairs.sort_unstable();
        pairs.dedup();
        let mut slots = FxHashMap::default();
        let mut data = Vec::with_capacity(pairs.len());
        let mut i = 0;
        while i < pairs.len() {
            let key = pairs[i].0;
            let start = data.len() as u32;
            while i < pairs.len() && pairs[i].0 == key {
                data.push(pairs[i].1);
                i += 1;
            }
            slots.insert(key, (start, data.len() as u32 - start));
        }
        MultiMap { slots, data }
    }
    fn get(&self, key: u64) -> &[u32] {
        match self.slots.get(&key) {
            Some(&(s, n)) => self.data.get(s as usize..(s + n) as usize).unwrap_or(&[]),
            None => &[],
        }
    }
}

fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

/// Levenshtein distance of two short words.
pub(crate) fn levenshtein(a: &[u8], b: &[u8]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Similarity of two words with the same skeleton.
pub(crate) fn skeleton_sim(a: &str, b: &str) -> f32 {
    let d = levenshtein(a.as_bytes(), b.as_bytes()) as f32;
    (0.92 - 0.06 * d).clamp(0.6, SKELETON_SIM)
}

/// Optimal string alignment distance, stopping early above 1 (only 0 or 1 are needed).
pub(crate) fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    match la.cmp(&lb) {
        Ordering::Equal => {
            // One substitution, or one transposition of neighbours.
            a[1..] == b[1..] || (a.len() >= 2 && a[0] == b[1] && a[1] == b[0] && a[2..] == b[2..])
        }
        Ordering::Less => a == &b[1..],
        Ordering::Greater => &a[1..] == b,
    }
}

/// A query token with the vocabulary tokens it pairs with.
#[derive(Debug, Clone)]
pub(crate) struct QueryToken {
    pub(crate) text: String,
    pub(crate) legal: bool,
    /// Id of the same legal form in the vocabulary, if any.
    pub(crate) legal_id: Option<u32>,
    pub(crate) weight: f32,
    /// (vocabulary token id, similarity, kind), at most one per id.
    pub(crate) pairs: Vec<(u32, f32, PairKind)>,
}

/// Reusable scratch space for searching: allocate one per thread and search many times.
#[derive(Debug)]
pub struct Searcher<'a> {
    index: &'a Index,
    acc: Vec<f32>,
    touched: Vec<u32>,
    addr_acc: Vec<f32>,
    addr_touched: Vec<u32>,
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

/// The address tokens: folded words, no legal forms, nothing dropped.
fn address_words(text: &str) -> Vec<String> {
    let folded = normalize::fold(text);
    let mut out: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| normalize::canonical_word(w).to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn idf(n: usize, df: usize) -> f32 {
    ((1.0 + n as f64 / df.max(1) as f64).ln()) as f32
}

impl Index {
    /// Compiles the index. `lists[e.file]` is the list each entry came from.
    pub fn build(lists: Vec<ListInfo>, entries: Vec<Entry>) -> Index {
        let mut vocab: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut tokens: Vec<TokenInfo> = Vec::new();
        let mut names: Vec<NameRec> = Vec::new();
        let mut name_tokens: Vec<u32> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let mut entry_countries = Vec::with_capacity(entries.len());
        let mut entry_names_start = Vec::with_capacity(entries.len() + 1);

        for (ei, entry) in entries.iter().enumerate() {
            entry_names_start.push(names.len() as u32);
            entry_countries.push(
                entry
                    .countries
                    .iter()
                    .map(|c| country::to_code(c).unwrap_or_else(|| c.to_ascii_uppercase()))
                    .collect(),
            );
            if entry.kind == EntryKind::AddressOnly {
                continue;
            }
            let mut entry_names: Vec<Vec<u32>> = Vec::new();
            for (ai, name) in entry.names().enumerate() {
                // The same cap as on queries, so that a name always matches itself.
                let toks: Vec<Token> = normalize::tokens(name)
                    .into_iter()
                    .take(MAX_QUERY_WORDS)
                    .collect();
                if toks.is_empty() {
                    continue;
                }
                let ids: Vec<u32> = toks
                    .iter()
                    .map(|t| {
                        let next = tokens.len() as u32;
                        let id = *vocab.entry(t.text.as_str().into()).or_insert(next);
                        if id == next {
                            tokens.push(TokenInfo {
                                text: t.text.as_str().into(),
                                weight: 0.0,
                                legal: t.legal_form,
                            });
                            df.push(0);
                        }
                        id
                    })
                    .collect();
                // The same name twice on one entry (after normalisation) is indexed once.
                let mut sorted = ids.clone();
                sorted.sort_unstable();
                if entry_names.contains(&sorted) {
                    continue;
                }
                entry_names.push(sorted.clone());
                sorted.dedup();
                for &t in &sorted {
                    df[t as usize] += 1;
                }
                let start = name_tokens.len() as u32;
                name_tokens.extend_from_slice(&ids);
                names.push(NameRec {
                    entry: ei as u32,
                    alias: ai as u32,
                    start,
                    len: ids.len() as u32,
                    weight: 0.0,
                });
            }
        }

        entry_names_start.push(names.len() as u32);
        let n = names.len().max(1);
        for (t, info) in tokens.iter_mut().enumerate() {
            info.weight = if info.legal {
                LEGAL_WEIGHT
            } else {
                idf(n, df[t] as usize)
            };
        }
        let mut posting_lists: Vec<Vec<u32>> = vec![Vec::new(); tokens.len()];
        for (ni, rec) in names.iter_mut().enumerate() {
            let ids = &name_tokens[rec.start as usize..(rec.start + rec.len) as usize];
            rec.weight = ids.iter().map(|&t| tokens[t as usize].weight).sum();
            for &t in ids {
                let list = &mut posting_lists[t as usize];
                if list.last() != Some(&(ni as u32)) {
                    list.push(ni as u32);
                }
            }
        }
        let postings = Csr::from_lists(&posting_lists);
        drop(posting_lists);

        // Spellings the fuzzy lookups can land on: every word of the vocabulary, plus the
        // spellings the normaliser maps onto a word (technologies -> technology, limited ->
        // the legal form ltd), so that a typo in "Technolgoies" still finds "technology".
        let mut spellings: Vec<(Box<str>, u32)> = Vec::new();
        for (t, info) in tokens.iter().enumerate() {
            if !info.legal {
                spellings.push((info.text.clone(), t as u32));
            }
        }
        for (from, to) in normalize::spelling_sources() {
            if let Some(&id) = vocab.get(to) {
                spellings.push((from.into(), id));
            }
        }
        spellings.retain(|(text, _)| is_fuzzy_spelling(text));
        spellings.sort();
        spellings.dedup();
        let mut skeleton_pairs = Vec::new();
        let mut delete_pairs = Vec::new();
        let mut spelling_skeletons: Vec<Box<str>> = Vec::with_capacity(spellings.len());
        for (si, (text, _)) in spellings.iter().enumerate() {
            if has_skeleton(text) {
                let sk = normalize::skeleton(text);
                skeleton_pairs.push((hash_str(&sk), si as u32));
                spelling_skeletons.push(sk.into());
            } else {
                spelling_skeletons.push("".into());
            }
            delete_pairs.push((hash_str(text), si as u32));
            for_each_deletion(text, |d| delete_pairs.push((hash_str(d), si as u32)));
        }

        // Addresses.
        let mut addr_vocab: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut addr_df: Vec<u32> = Vec::new();
        let mut addr_recs = Vec::new();
        let mut addr_tokens = Vec::new();
        let mut addr_token_start = Vec::new();
        let mut entry_addr = Vec::with_capacity(entries.len() + 1);
        for (ei, entry) in entries.iter().enumerate() {
            entry_addr.push(addr_recs.len() as u32);
            for (ai, address) in entry.addresses.iter().enumerate() {
                let words = address_words(address);
                if words.is_empty() {
                    continue;
                }
                addr_token_start.push(addr_tokens.len() as u32);
                for w in words {
                    let next = addr_df.len() as u32;
                    let id = *addr_vocab.entry(w.into_boxed_str()).or_insert(next);
                    if id == next {
                        addr_df.push(0);
                    }
                    addr_df[id as usize] += 1;
                    addr_tokens.push(id);
                }
                addr_recs.push((ei as u32, ai as u32, 0.0));
            }
        }
        entry_addr.push(addr_recs.len() as u32);
        addr_token_start.push(addr_tokens.len() as u32);
        let na = addr_recs.len().max(1);
        let addr_weights: Vec<f32> = addr_df.iter().map(|&d| idf(na, d as usize)).collect();
        let mut addr_lists: Vec<Vec<u32>> = vec![Vec::new(); addr_weights.len()];
        for (ri, rec) in addr_recs.iter_mut().enumerate() {
            let ids =
                &addr_tokens[addr_token_start[ri] as usize..addr_token_start[ri + 1] as usize];
            rec.2 = ids.iter().map(|&t| addr_weights[t as usize]).sum();
            for &t in ids {
                addr_lists[t as usize].push(ri as u32);
            }
        }

        Index {
            lists,
            entries,
            entry_countries,
            names,
            entry_names: entry_names_start,
            name_tokens,
            vocab,
            tokens,
            postings,
            spellings,
            spelling_skeletons,
            skeletons: MultiMap::from_pairs(skeleton_pairs),
            deletes: MultiMap::from_pairs(delete_pairs),
            unknown_weight: idf(n, 1),
            addr_recs,
            entry_addr,
            addr_tokens,
            addr_token_start,
            addr_vocab,
            addr_weights,
            addr_postings: Csr::from_lists(&addr_lists),
            addr_unknown_weight: idf(na, 1),
        }
    }

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

    /// Scratch space for repeated searches.
    pub fn searcher(&self) -> Searcher<'_> {
        Searcher {
            index: self,
            acc: vec![0.0; self.names.len()],
            touched: Vec::new(),
            addr_acc: vec![0.0; self.addr_recs.len()],
            addr_touched: Vec::new(),
        }
    }

    /// Searches once (allocates scratch space; use [`Index::searcher`] for many queries).
    pub fn search(
        &self,
        query: &Query<'_>,
        thresholds: &Thresholds,
        limit: usize,
    ) -> Result<Vec<Match>, QueryError> {
        self.searcher().search(query, thresholds, limit)
    }

    /// The query's words, with a word not in the vocabulary split in two where both halves
    /// are ("AlKhodair" = "al khodair", "Aerocaribbean" = "aero caribbean").
    pub(crate) fn split_query(&self, name: &str) -> Vec<Token> {
        let mut out = Vec::new();
        for t in normalize::tokens(name).into_iter().take(MAX_QUERY_WORDS) {
            if t.legal_form
                || t.text.len() < 5
                || t.text.len() > FUZZY_MAX_LEN
                || self.vocab.contains_key(t.text.as_str())
                || !t.text.is_ascii()
            {
                out.push(t);
                continue;
            }
            // The split with the longest shorter half wins; ties go to the earlier cut.
            let best = (2..t.text.len() - 1)
                .filter(|&k| {
                    self.vocab.contains_key(&t.text[..k]) && self.vocab.contains_key(&t.text[k..])
                })
                .max_by_key(|&k| (k.min(t.text.len() - k), std::cmp::Reverse(k)));
            // A word that is near a known word is more likely that word misspelt than two
            // words run together, unless it starts with a particle (al, abu, bin, ...).
            let split = best.filter(|&k| {
                SPLIT_PARTICLES.contains(&&t.text[..k]) || !self.has_fuzzy_pair(&t.text)
            });
            match split {
                Some(k) => {
                    for part in [&t.text[..k], &t.text[k..]] {
                        out.push(Token {
                            text: part.to_string(),
                            legal_form: false,
                        });
                    }
                }
                _ => out.push(t),
            }
        }
        out
    }

    /// True if some spelling is a variant or one edit away from the word.
    fn has_fuzzy_pair(&self, text: &str) -> bool {
        let mut found = false;
        let skeleton = query_skeleton(text);
        self.fuzzy_candidates(text, &skeleton, |si| {
            let s = si as usize;
            if pair_sim(
                text,
                &skeleton,
                &self.spellings[s].0,
                &self.spelling_skeletons[s],
            )
            .is_some()
            {
                found = true;
            }
        });
        found
    }

    /// Calls `f` with every spelling index the hash tables offer for a word (a superset of
    /// the spellings [`pair_sim`] accepts).
    fn fuzzy_candidates(&self, text: &str, skeleton: &str, mut f: impl FnMut(u32)) {
        if !is_fuzzy_query_word(text) {
            return;
        }
        if !skeleton.is_empty() {
            for &si in self.skeletons.get(hash_str(skeleton)) {
                f(si);
            }
        }
        for &si in self.deletes.get(hash_str(text)) {
            f(si);
        }
        if text.len() >= FUZZY_MIN_LEN {
            for_each_deletion(text, |d| {
                for &si in self.deletes.get(hash_str(d)) {
                    f(si);
                }
            });
        }
    }

    /// The ways the query's words are read: as written (after splitting), and, when two
    /// neighbouring words make a word of the vocabulary, with them joined ("Hua Wei" =
    /// "Huawei", "Aero Caribbean" = "Aerocaribbean"). Each name scores its best reading.
    pub(crate) fn query_readings(&self, name: &str) -> Vec<Vec<Token>> {
        let base = self.split_query(name);
        let mut joined: Vec<Token> = Vec::with_capacity(base.len());
        let mut changed = false;
        let mut i = 0;
        while i < base.len() {
            if let Some(next) = base.get(i + 1) {
                let cur = &base[i];
                if !cur.legal_form && !next.legal_form {
                    let both = format!("{}{}", cur.text, next.text);
                    if self
                        .vocab
                        .get(both.as_str())
                        .is_some_and(|&t| !self.tokens[t as usize].legal)
                    {
                        joined.push(Token {
                            text: both,
                            legal_form: false,
                        });
                        changed = true;
                        i += 2;
                        continue;
                    }
                }
            }
            joined.push(base[i].clone());
            i += 1;
        }
        if changed {
            vec![base, joined]
        } else {
            vec![base]
        }
    }

    /// The query's readings with their pairings into the vocabulary (the index way: hash
    /// lookups only).
    pub(crate) fn query_variants(&self, name: &str) -> Vec<Vec<QueryToken>> {
        self.query_readings(name)
            .into_iter()
            .map(|r| self.pair_tokens(r))
            .collect()
    }

    fn pair_tokens(&self, words: Vec<Token>) -> Vec<QueryToken> {
        let mut out = Vec::new();
        for Token { text, legal_form } in words {
            let mut pairs: Vec<(u32, f32, PairKind)> = Vec::new();
            let exact = self.vocab.get(text.as_str()).copied();
            if legal_form {
                out.push(QueryToken {
                    weight: LEGAL_WEIGHT,
                    legal_id: exact,
                    text,
                    legal: true,
                    pairs,
                });
                continue;
            }
            if let Some(id) = exact {
                pairs.push((id, 1.0, PairKind::Exact));
            }
            let skeleton = query_skeleton(&text);
            self.fuzzy_candidates(&text, &skeleton, |si| {
                let (spelling, id) = &self.spellings[si as usize];
                if Some(*id) == exact {
                    return;
                }
                let sk = &self.spelling_skeletons[si as usize];
                if let Some((sim, kind)) = pair_sim(&text, &skeleton, spelling, sk) {
                    upsert(&mut pairs, *id, sim, kind);
                }
            });
            let weight = query_weight(&pairs, &self.tokens, self.unknown_weight);
            out.push(QueryToken {
                text,
                legal: false,
                legal_id: None,
                weight,
                pairs,
            });
        }
        out
    }

    fn name_ids(&self, rec: &NameRec) -> &[u32] {
        self.name_tokens
            .get(rec.start as usize..(rec.start + rec.len) as usize)
            .unwrap_or(&[])
    }

    /// The exact name score of one name against the query tokens, with the alignment when
    /// asked for.
    pub(crate) fn score_name(
        &self,
        q: &[QueryToken],
        q_weight: f32,
        ni: usize,
        mut alignment: Option<&mut Vec<(usize, usize, f32, PairKind)>>,
    ) -> f32 {
        let Some(rec) = self.names.get(ni) else {
            return 0.0;
        };
        let ids = self.name_ids(rec);
        // All pairs with a similarity, best first, then assigned one to one.
        let mut cands: Vec<(f32, usize, usize, PairKind)> = Vec::with_capacity(16);
        for (qi, qt) in q.iter().enumerate() {
            for (nj, &tid) in ids.iter().enumerate() {
                let info = &self.tokens[tid as usize];
                let (sim, kind) = if qt.legal {
                    if !info.legal {
                        continue;
                    }
                    if qt.legal_id == Some(tid) {
                        (1.0, PairKind::LegalForm)
                    } else {
                        (OTHER_LEGAL_SIM, PairKind::OtherLegalForm)
                    }
                } else {
                    match qt.pairs.iter().find(|p| p.0 == tid) {
                        Some(&(_, s, k)) => (s, k),
                        None => continue,
                    }
                };
                let gain = sim * (qt.weight + info.weight);
                cands.push((gain, qi, nj, kind));
            }
        }
        cands.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut q_used: u64 = 0;
        let mut n_used: u64 = 0;
        let mut matched = 0.0f32;
        let mut pairs = 0;
        let mut all_exact = true;
        for (gain, qi, nj, kind) in cands {
            if qi >= 64 || nj >= 64 || q_used & (1 << qi) != 0 || n_used & (1 << nj) != 0 {
                continue;
            }
            q_used |= 1 << qi;
            n_used |= 1 << nj;
            matched += gain;
            pairs += 1;
            all_exact &= matches!(kind, PairKind::Exact | PairKind::LegalForm);
            if let Some(a) = alignment.as_deref_mut() {
                let info = &self.tokens[ids[nj] as usize];
                a.push((qi, nj, gain / (q[qi].weight + info.weight), kind));
            }
        }
        // Every token on both sides paired exactly: the same name, whatever the rounding.
        if all_exact && pairs == q.len() && pairs == ids.len() {
            return 1.0;
        }
        let total = q_weight + rec.weight;
        if total <= 0.0 {
            0.0
        } else {
            (matched / total).clamp(0.0, 1.0)
        }
    }

    fn country_adjustment(&self, entry: usize, query_country: Option<&str>) -> f32 {
        let (Some(qc), Some(listed)) = (query_country, self.entry_countries.get(entry)) else {
            return 0.0;
        };
        if listed.is_empty() {
            0.0
        } else if listed.iter().any(|c| c == qc) {
            COUNTRY_WEIGHT
        } else {
            -2.0 * COUNTRY_WEIGHT
        }
    }

    /// Address similarity of one address record to the query's address words.
    fn address_sim(&self, rec: usize, q_ids: &[(Option<u32>, f32)], q_weight: f32) -> f32 {
        let (Some(&start), Some(&end)) = (
            self.addr_token_start.get(rec),
            self.addr_token_start.get(rec + 1),
        ) else {
            return 0.0;
        };
        let ids = &self.addr_tokens[start as usize..end as usize];
        let mut matched = 0.0;
        for &(id, w) in q_ids {
            if let Some(id) = id {
                if ids.contains(&id) {
                    matched += 2.0 * w;
                }
            }
        }
        let total = q_weight + self.addr_recs[rec].2;
        if total <= 0.0 {
            0.0
        } else {
            (matched / total).clamp(0.0, 1.0)
        }
    }

    /// The address records of one entry.
    fn entry_addresses(&self, entry: usize) -> std::ops::Range<usize> {
        match (self.entry_addr.get(entry), self.entry_addr.get(entry + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    fn address_query(&self, address: &str) -> (Vec<(Option<u32>, f32)>, f32) {
        let ids: Vec<(Option<u32>, f32)> = address_words(address)
            .iter()
            .map(|w| match self.addr_vocab.get(w.as_str()) {
                Some(&id) => (Some(id), self.addr_weights[id as usize]),
                None => (None, self.addr_unknown_weight),
            })
            .collect();
        let total = ids.iter().map(|x| x.1).sum();
        (ids, total)
    }

    /// Explains one result of [`Searcher::search`] for the same query.
    pub fn explain(&self, query: &Query<'_>, result: &Match) -> Explanation {
        let variants = self.query_variants(query.name);
        let entry = result.entry;
        let mut best: Option<(f32, usize, usize)> = None;
        let range = match (self.entry_names.get(entry), self.entry_names.get(entry + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        };
        for (vi, q) in variants.iter().enumerate() {
            let q_weight: f32 = q.iter().map(|t| t.weight).sum();
            for ni in range.clone() {
                if let Some(a) = result.name_index {
                    if self.names[ni].alias != a {
                        continue;
                    }
                }
                let s = self.score_name(q, q_weight, ni, None);
                if best.is_none_or(|(b, _, _)| s > b) {
                    best = Some((s, ni, vi));
                }
            }
        }
        let empty = Vec::new();
        let q = best.map_or(&empty, |(_, _, vi)| &variants[vi]);
        let q_weight: f32 = q.iter().map(|t| t.weight).sum();
        let best = best.map(|(s, ni, _)| (s, ni));
        let mut pairs = Vec::new();
        let mut unmatched_query = Vec::new();
        let mut unmatched_listed = Vec::new();
        let mut name_score = 0.0;
        let (mut matched_name, mut is_alias) = (String::new(), false);
        if let Some((s, ni)) = best {
            name_score = s;
            let rec = self.names[ni];
            let mut alignment = Vec::new();
            self.score_name(q, q_weight, ni, Some(&mut alignment));
            let ids = self.name_ids(&rec);
            let total = q_weight + rec.weight;
            for &(qi, nj, sim, kind) in &alignment {
                let info = &self.tokens[ids[nj] as usize];
                pairs.push(TokenPair {
                    query: q[qi].text.clone(),
                    listed: info.text.to_string(),
                    kind,
                    similarity: sim,
                    query_weight: q[qi].weight,
                    listed_weight: info.weight,
                    contribution: if total > 0.0 {
                        sim * (q[qi].weight + info.weight) / total
                    } else {
                        0.0
                    },
                });
            }
            pairs.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
            for (qi, t) in q.iter().enumerate() {
                if !alignment.iter().any(|a| a.0 == qi) {
                    unmatched_query.push(WeightedToken {
                        token: t.text.clone(),
                        weight: t.weight,
                    });
                }
            }
            for (nj, &tid) in ids.iter().enumerate() {
                if !alignment.iter().any(|a| a.1 == nj) {
                    let info = &self.tokens[tid as usize];
                    unmatched_listed.push(WeightedToken {
                        token: info.text.to_string(),
                        weight: info.weight,
                    });
                }
            }
            let e = &self.entries[entry];
            is_alias = rec.alias > 0;
            matched_name = e
                .names()
                .nth(rec.alias as usize)
                .unwrap_or(&e.name)
                .to_string();
        }
        let qc = query.country.and_then(country::to_code);
        let country = qc.as_deref().map(|c| {
            let adjustment = self.country_adjustment(entry, Some(c));
            CountryEvidence {
                query: c.to_string(),
                listed: self.entry_countries.get(entry).cloned().unwrap_or_default(),
                agrees: adjustment > 0.0,
                adjustment,
            }
        });
        let address = query.address.and_then(|a| {
            let (ids, w) = self.address_query(a);
            let best = self
                .entry_addresses(entry)
                .map(|ri| (self.address_sim(ri, &ids, w), self.addr_recs[ri].1))
                .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))?;
            let listed = self.entries[entry].addresses.get(best.1 as usize)?.clone();
            let only = self.entries[entry].kind == EntryKind::AddressOnly;
            Some(AddressEvidence {
                listed,
                similarity: best.0,
                adjustment: if only {
                    best.0
                } else {
                    ADDRESS_WEIGHT * best.0
                },
            })
        });
        if self.entries[entry].kind == EntryKind::AddressOnly {
            if let Some(a) = &address {
                matched_name = a.listed.clone();
            }
        }
        Explanation {
            score: result.score,
            name_score,
            matched_name,
            is_alias,
            pairs,
            unmatched_query,
            unmatched_listed,
            country,
            address,
        }
    }

    fn make_match(
        &self,
        entry: usize,
        name_alias: Option<u32>,
        score: f32,
        t: &Thresholds,
    ) -> Match {
        let e = &self.entries[entry];
        let (matched_name, is_alias) = match name_alias {
            Some(a) => (
                e.names().nth(a as usize).unwrap_or(&e.name).to_string(),
                a > 0,
            ),
            None => (e.addresses.first().cloned().unwrap_or_default(), false),
        };
        Match {
            band: t.band(score),
            score,
            list: e.list.clone(),
            source_id: e.source_id.clone(),
            matched_name,
            is_alias,
            entry,
            name_index: name_alias,
        }
    }

    /// Orders results: score descending, then list and source id, so equal scores always
    /// come out in the same order.
    fn order(&self, a: &(usize, Option<u32>, f32), b: &(usize, Option<u32>, f32)) -> Ordering {
        b.2.total_cmp(&a.2).then_with(|| {
            let (ea, eb) = (&self.entries[a.0], &self.entries[b.0]);
            ea.source_id
                .cmp(&eb.source_id)
                .then(ea.list.cmp(&eb.list))
                .then(a.0.cmp(&b.0))
        })
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

fn upsert(pairs: &mut Vec<(u32, f32, PairKind)>, id: u32, sim: f32, kind: PairKind) {
    match pairs.iter_mut().find(|p| p.0 == id) {
        Some(p) => {
            if sim > p.1 {
                *p = (id, sim, kind);
            }
        }
        None => pairs.push((id, sim, kind)),
    }
}

/// A query token weighs what its best-paired vocabulary token weighs; a token nothing pairs
/// with weighs as much as the rarest word, since it is evidence against every name.
pub(crate) fn query_weight(
    pairs: &[(u32, f32, PairKind)],
    tokens: &[TokenInfo],
    unknown: f32,
) -> f32 {
    pairs
        .iter()
        .max_by(|a, b| {
            a.1.total_cmp(&b.1).then(
                tokens[a.0 as usize]
                    .weight
                    .total_cmp(&tokens[b.0 as usize].weight),
            )
        })
        .map_or(unknown, |p| tokens[p.0 as usize].weight)
}

/// A spelling the fuzzy tables index: four characters or more, not all digits, not absurdly
/// long (the deletion table grows with the square of a word's length).
pub(crate) fn is_fuzzy_spelling(text: &str) -> bool {
    (FUZZY_MIN_LEN..=FUZZY_MAX_LEN).contains(&text.len())
        && !text.bytes().all(|b| b.is_ascii_digit())
}

/// A query word given fuzzy pairing: three characters or more (a three-letter word can only
/// pair with a four-letter spelling it is one deletion of), not all digits, not absurdly long.
pub(crate) fn is_fuzzy_query_word(text: &str) -> bool {
    (FUZZY_MIN_LEN - 1..=FUZZY_MAX_LEN).contains(&text.len())
        && !text.bytes().all(|b| b.is_ascii_digit())
}

/// The skeleton of a query word, or "" when it is too short to have one.
pub(crate) fn query_skeleton(text: &str) -> String {
    if has_skeleton(text) {
        normalize::skeleton(text)
    } else {
        String::new()
    }
}

/// Long enough for a consonant skeleton to mean something.
fn has_skeleton(text: &str) -> bool {
    text.len() >= 5
}

/// Calls `f` with the word less one character, for each character.
fn for_each_deletion(text: &str, mut f: impl FnMut(&str)) {
    let mut buf = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        buf.clear();
        buf.push_str(&text[..i]);
        buf.push_str(&text[i + c.len_utf8()..]);
        f(&buf);
    }
}

/// How a query word pairs with a spelling, if it does: one edit away (a typo) or the same
/// consonant skeleton (a spelling variant), whichever is closer. Exact equality is handled
/// by the vocabulary lookup, not here. Shared by the index and the reference scorer, so that
/// the two differ only in how they find candidates.
pub(crate) fn pair_sim(
    q: &str,
    q_skeleton: &str,
    spelling: &str,
    spelling_skeleton: &str,
) -> Option<(f32, PairKind)> {
    if q == spelling || !is_fuzzy_query_word(q) || !is_fuzzy_spelling(spelling) {
        return None;
    }
    let typo = (q.len() >= FUZZY_MIN_LEN || spelling.len() == q.len() + 1)
        && within_one_edit(q.as_bytes(), spelling.as_bytes());
    let typo = typo.then(|| typo_sim(q.len().max(spelling.len())));
    let variant = (has_skeleton(q)
        && has_skeleton(spelling)
        && q_skeleton.len() >= 3
        && q_skeleton == spelling_skeleton)
        .then(|| skeleton_sim(q, spelling));
    match (typo, variant) {
        (Some(t), Some(v)) if v > t => Some((v, PairKind::Variant)),
        (Some(t), _) => Some((t, PairKind::Typo)),
        (None, Some(v)) => Some((v, PairKind::Variant)),
        (None, None) => None,
    }
}

impl Searcher<'_> {
    /// Candidates for one reading of the query, scored exactly and folded per entry into
    /// `per_entry` (keeping each entry's best name).
    fn score_reading(&mut self, q: &[QueryToken], per_entry: &mut Vec<(usize, Option<u32>, f32)>) {
        let index = self.index;
        if q.is_empty() {
            return;
        }
        let q_weight: f32 = q.iter().map(|t| t.weight).sum();

        // Candidate names from the postings, with an approximate score.
        for &ni in &self.touched {
            self.acc[ni as usize] = 0.0;
        }
        self.touched.clear();
        // A name of legal forms only ("LLC LLC") finds candidates through them; otherwise
        // legal forms are too common to be worth the postings walk.
        let only_legal = q.iter().all(|t| t.legal);
        for qt in q {
            if qt.legal {
                if let (true, Some(tid)) = (only_legal, qt.legal_id) {
                    let gain = qt.weight + index.tokens[tid as usize].weight;
                    for &ni in index.postings.get(tid) {
                        let slot = &mut self.acc[ni as usize];
                        if *slot == 0.0 {
                            self.touched.push(ni);
                        }
                        *slot += gain;
                    }
                }
                continue;
            }
            for &(tid, sim, _) in &qt.pairs {
                let gain = sim * (qt.weight + index.tokens[tid as usize].weight);
                for &ni in index.postings.get(tid) {
                    let slot = &mut self.acc[ni as usize];
                    if *slot == 0.0 {
                        self.touched.push(ni);
                    }
                    *slot += gain;
                }
            }
        }
        let mut cands: Vec<(f32, u32)> = self
            .touched
            .iter()
            .map(|&ni| {
                let rec = &index.names[ni as usize];
                (self.acc[ni as usize] / (q_weight + rec.weight), ni)
            })
            .collect();
        let keep = CANDIDATES.min(cands.len());
        if cands.len() > keep {
            cands.select_nth_unstable_by(keep, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            cands.truncate(keep);
        }

        // Exact scores, folded per entry.
        for &(_, ni) in &cands {
            let s = index.score_name(q, q_weight, ni as usize, None);
            let rec = &index.names[ni as usize];
            let e = rec.entry as usize;
            match per_entry.iter_mut().find(|x| x.0 == e) {
                Some(x) => {
                    if s > x.2 || (s == x.2 && Some(rec.alias) < x.1) {
                        *x = (e, Some(rec.alias), s);
                    }
                }
                None => per_entry.push((e, Some(rec.alias), s)),
            }
        }
    }

    /// Screens one query: results with a score at or above `thresholds.review_at`, best
    /// first, at most `limit`. If nothing reaches review, the best candidate is still
    /// returned (as `no_match`) so that the caller can show how close it came.
    pub fn search(
        &mut self,
        query: &Query<'_>,
        thresholds: &Thresholds,
        limit: usize,
    ) -> Result<Vec<Match>, QueryError> {
        let index = self.index;
        let variants = index.query_variants(query.name);
        let has_address = query.address.is_some_and(|a| !address_words(a).is_empty());
        if variants.iter().all(Vec::is_empty) && !has_address {
            return Err(QueryError::NoTokens(query.name.to_string()));
        }
        let mut per_entry: Vec<(usize, Option<u32>, f32)> = Vec::with_capacity(CANDIDATES);
        for q in &variants {
            self.score_reading(q, &mut per_entry);
        }

        // Evidence: country and address.
        let qc = query.country.and_then(country::to_code);
        if let Some(address) = query.address.filter(|_| has_address) {
            let (ids, w) = index.address_query(address);
            for &ri in &self.addr_touched {
                self.addr_acc[ri as usize] = 0.0;
            }
            self.addr_touched.clear();
            for &(id, _) in &ids {
                let Some(id) = id else { continue };
                for &ri in index.addr_postings.get(id) {
                    if self.addr_acc[ri as usize] == 0.0 {
                        self.addr_touched.push(ri);
                        self.addr_acc[ri as usize] = index.address_sim(ri as usize, &ids, w);
                    }
                }
            }
            for &ri in &self.addr_touched {
                let sim = self.addr_acc[ri as usize];
                let e = index.addr_recs[ri as usize].0 as usize;
                if index.entries[e].kind == EntryKind::AddressOnly {
                    match per_entry.iter_mut().find(|x| x.0 == e) {
                        Some(x) => x.2 = x.2.max(sim),
                        None => per_entry.push((e, None, sim)),
                    }
                }
            }
            for x in per_entry.iter_mut().filter(|x| x.1.is_some()) {
                let best = index
                    .entry_addresses(x.0)
                    .map(|ri| self.addr_acc.get(ri).copied().unwrap_or(0.0))
                    .fold(0.0f32, f32::max);
                x.2 = (x.2 + ADDRESS_WEIGHT * best).min(1.0);
            }
        }
        if qc.is_some() {
            for x in per_entry.iter_mut().filter(|x| x.1.is_some()) {
                x.2 = (x.2 + index.country_adjustment(x.0, qc.as_deref())).clamp(0.0, 1.0);
            }
        }

        per_entry.sort_by(|a, b| index.order(a, b));
        let mut out: Vec<Match> = Vec::new();
        for (i, &(e, alias, s)) in per_entry.iter().enumerate() {
            if out.len() >= limit {
                break;
            }
            if i > 0 && s < thresholds.review_at {
                break;
            }
            out.push(index.make_match(e, alias, s, thresholds));
        }
        Ok(out)
    }
}
