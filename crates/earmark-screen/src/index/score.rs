//! Exact scoring: how similar two words are, the score of one name against the query by
//! one-to-one token alignment, and the country and address evidence.

use std::cmp::Ordering;

use super::build::{address_words, has_skeleton, is_fuzzy_spelling};
use super::query::{is_fuzzy_query_word, QueryToken};
use super::{
    Index, NameRec, PairKind, COUNTRY_WEIGHT, FUZZY_MIN_LEN, OTHER_LEGAL_SIM, SKELETON_SIM,
};

/// Similarity of two words one edit apart, by length: longer words tolerate a typo better.
fn typo_sim(len: usize) -> f32 {
    let len = len.max(1) as f32;
    (1.0 - 1.1 / len).clamp(0.0, 0.92)
}

/// Levenshtein distance of two short words.
fn levenshtein(a: &[u8], b: &[u8]) -> usize {
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
fn skeleton_sim(a: &str, b: &str) -> f32 {
    let d = levenshtein(a.as_bytes(), b.as_bytes()) as f32;
    (0.92 - 0.06 * d).clamp(0.6, SKELETON_SIM)
}

/// Optimal string alignment distance, stopping early above 1 (only 0 or 1 are needed).
fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
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

impl Index {
    pub(super) fn name_ids(&self, rec: &NameRec) -> &[u32] {
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
            return rec.factor;
        }
        let total = q_weight + rec.weight;
        if total <= 0.0 {
            0.0
        } else {
            (rec.factor * matched / total).clamp(0.0, 1.0)
        }
    }

    pub(super) fn country_adjustment(&self, entry: usize, query_country: Option<&str>) -> f32 {
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
    pub(super) fn address_sim(
        &self,
        rec: usize,
        q_ids: &[(Option<u32>, f32)],
        q_weight: f32,
    ) -> f32 {
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
    pub(super) fn entry_addresses(&self, entry: usize) -> std::ops::Range<usize> {
        match (self.entry_addr.get(entry), self.entry_addr.get(entry + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    pub(super) fn address_query(&self, address: &str) -> (Vec<(Option<u32>, f32)>, f32) {
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
}
