//! Explanations: one result recomputed with the same scoring code as the search, so that the
//! explanation and the score cannot disagree, and kept off the hot path.

use super::{
    AddressEvidence, CountryEvidence, Explanation, Index, Match, Query, TokenPair, WeightedToken,
    ADDRESS_WEIGHT,
};
use crate::country;
use crate::model::EntryKind;

impl Index {
    /// Explains one result of [`Searcher::search`](super::Searcher::search) for the same query.
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
        let mut native_name = None;
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
            native_name = e.native_name(rec.alias).cloned();
            matched_name = e
                .all_names()
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
            native_name,
        }
    }
}
