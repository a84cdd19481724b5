//! Compiling the index: the vocabulary and its weights, the postings, the deletion and
//! skeleton tables for fuzzy lookups, and the address index.

use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;

use super::{
    Index, NameRec, TokenInfo, FUZZY_MAX_LEN, FUZZY_MIN_LEN, LEGAL_WEIGHT, MAX_QUERY_WORDS,
    TRANSLATION_FACTOR,
};
use crate::country;
use crate::model::{Entry, EntryKind, ListInfo};
use crate::normalize::{self, Token};

/// Compressed lists: item i is `data[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Clone, Default)]
pub(super) struct Csr {
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
    pub(super) fn get(&self, i: u32) -> &[u32] {
        let i = i as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.data.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// A map from u64 keys to lists of u32, stored flat.
#[derive(Debug, Clone, Default)]
pub(super) struct MultiMap {
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
    pub(super) fn get(&self, key: u64) -> &[u32] {
        match self.slots.get(&key) {
            Some(&(s, n)) => self.data.get(s as usize..(s + n) as usize).unwrap_or(&[]),
            None => &[],
        }
    }
}

pub(super) fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

/// The address tokens: folded words, no legal forms, nothing dropped.
pub(super) fn address_words(text: &str) -> Vec<String> {
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
            for (ai, name) in entry.all_names().enumerate() {
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
                let factor = match entry.native_name(ai as u32) {
                    Some(n) if n.translation => TRANSLATION_FACTOR,
                    _ => 1.0,
                };
                names.push(NameRec {
                    entry: ei as u32,
                    alias: ai as u32,
                    start,
                    len: ids.len() as u32,
                    weight: 0.0,
                    factor,
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
}

/// A spelling the fuzzy tables index: four characters or more, not all digits, not absurdly
/// long (the deletion table grows with the square of a word's length).
pub(super) fn is_fuzzy_spelling(text: &str) -> bool {
    (FUZZY_MIN_LEN..=FUZZY_MAX_LEN).contains(&text.len())
        && !text.bytes().all(|b| b.is_ascii_digit())
}

/// Long enough for a consonant skeleton to mean something.
pub(super) fn has_skeleton(text: &str) -> bool {
    text.len() >= 5
}

/// Calls `f` with the word less one character, for each character.
pub(super) fn for_each_deletion(text: &str, mut f: impl FnMut(&str)) {
    let mut buf = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        buf.clear();
        buf.push_str(&text[..i]);
        buf.push_str(&text[i + c.len_utf8()..]);
        f(&buf);
    }
}
