//! The query path: reading and splitting the query, pairing its words into the vocabulary
//! through the hash tables, gathering candidate names from the postings, and ordering and
//! banding the results.

use std::cmp::Ordering;

use super::build::{address_words, for_each_deletion, has_skeleton, hash_str};
use super::score::pair_sim;
use super::{
    Index, Match, PairKind, Query, QueryError, Thresholds, TokenInfo, ADDRESS_WEIGHT, CANDIDATES,
    FUZZY_MAX_LEN, FUZZY_MIN_LEN, LEGAL_WEIGHT, MAX_JOINED_SYLLABLES, MAX_QUERY_WORDS,
    MAX_SYLLABLE_LEN, SPLIT_PARTICLES,
};
use crate::country;
use crate::meaning::Consequence;
use crate::model::EntryKind;
use crate::normalize::{self, Token};

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

impl Index {
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
    fn split_query(&self, tokens: Vec<Token>) -> Vec<Token> {
        let mut out = Vec::new();
        for t in tokens.into_iter().take(MAX_QUERY_WORDS) {
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
                    self.vocab
                        .contains_key(normalize::canonical_word(&t.text[..k]))
                        && self
                            .vocab
                            .contains_key(normalize::canonical_word(&t.text[k..]))
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
                            text: normalize::canonical_word(part).to_string(),
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
        let mut readings = Vec::with_capacity(2);
        let base = self.split_query(normalize::tokens(name));
        if let Some(joined) = self.join_words(&base) {
            readings.push(joined);
        }
        readings.insert(0, base);
        for other in normalize::other_readings(name) {
            let other = self.split_query(other);
            if let Some(joined) = self.join_words(&other) {
                readings.push(joined);
            }
            readings.push(other);
        }
        readings
    }

    /// The reading with neighbouring words joined where together they make a word of the
    /// vocabulary: two words of any length ("Hua Wei" = "Huawei"), or up to
    /// [`MAX_JOINED_SYLLABLES`] short ones (pinyin syllables: "Zhong Ke Han Wu Ji" =
    /// "zhongkehanwuji", the pinyin of 中科寒武纪); `None` if no words join.
    fn join_words(&self, base: &[Token]) -> Option<Vec<Token>> {
        let mut joined: Vec<Token> = Vec::with_capacity(base.len());
        let mut changed = false;
        let mut i = 0;
        let mut both = String::new();
        while i < base.len() {
            let mut best = None;
            if !base[i].legal_form {
                both.clear();
                both.push_str(&base[i].text);
                for (j, next) in base
                    .iter()
                    .enumerate()
                    .skip(i + 1)
                    .take(MAX_JOINED_SYLLABLES - 1)
                {
                    if next.legal_form || (j > i + 1 && next.text.len() > MAX_SYLLABLE_LEN) {
                        break;
                    }
                    both.push_str(&next.text);
                    if self
                        .vocab
                        .get(both.as_str())
                        .is_some_and(|&t| !self.tokens[t as usize].legal)
                    {
                        best = Some((j + 1, both.clone()));
                    }
                    if j == i + 1 && base[i].text.len() > MAX_SYLLABLE_LEN {
                        break;
                    }
                }
            }
            match best {
                Some((end, text)) => {
                    joined.push(Token {
                        text,
                        legal_form: false,
                    });
                    changed = true;
                    i = end;
                }
                None => {
                    joined.push(base[i].clone());
                    i += 1;
                }
            }
        }
        changed.then_some(joined)
    }

    /// The query's readings with their pairings into the vocabulary (the index way: hash
    /// lookups only).
    pub(super) fn query_variants(&self, name: &str) -> Vec<Vec<QueryToken>> {
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
                e.all_names().nth(a as usize).unwrap_or(&e.name).to_string(),
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

    /// Orders results: score descending, then the list's consequence (an Entity List entry
    /// before a CMIC one of the same score), then list and source id, so equal scores always
    /// come out in the same order.
    fn order(&self, a: &(usize, Option<u32>, f32), b: &(usize, Option<u32>, f32)) -> Ordering {
        b.2.total_cmp(&a.2).then_with(|| {
            let (ea, eb) = (&self.entries[a.0], &self.entries[b.0]);
            Consequence::of(&ea.list)
                .cmp(&Consequence::of(&eb.list))
                .then(ea.source_id.cmp(&eb.source_id))
                .then(ea.list.cmp(&eb.list))
                .then(a.0.cmp(&b.0))
        })
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

/// A query word given fuzzy pairing: three characters or more (a three-letter word can only
/// pair with a four-letter spelling it is one deletion of), not all digits, not absurdly long.
pub(super) fn is_fuzzy_query_word(text: &str) -> bool {
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
