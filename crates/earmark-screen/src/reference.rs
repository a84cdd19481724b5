//! The naive reference scorer: every spelling of the vocabulary compared with every query
//! word by direct string tests (no hash tables), every name scored. Slow and obvious, kept as
//! the oracle the index is tested against (same best entity, same score). It shares with the
//! index only the normaliser, the word-splitting step and the scoring of one aligned name.

use crate::index::{pair_sim, query_skeleton, query_weight, Index, PairKind, QueryToken};
use crate::meaning::Consequence;

impl Index {
    /// The best entity and its name score by linear scan, or `None` when no name scores
    /// above zero. Ties go to the more consequential list, then the lower source
    /// id, as in the index.
    pub fn naive_best(&self, name: &str) -> Option<(usize, f32)> {
        let mut best: Option<(usize, f32)> = None;
        for reading in self.query_readings(name) {
            let q = self.naive_query_tokens(reading);
            let q_weight: f32 = q.iter().map(|t| t.weight).sum();
            self.naive_scan(&q, q_weight, &mut best);
        }
        best
    }

    fn naive_scan(&self, q: &[QueryToken], q_weight: f32, best: &mut Option<(usize, f32)>) {
        for ni in 0..self.name_count() {
            let s = self.score_name(q, q_weight, ni, None);
            if s <= 0.0 {
                continue;
            }
            let e = self.name_entry(ni);
            let better = match *best {
                None => true,
                Some((be, bs)) => {
                    let key = |e: usize| {
                        let entry = &self.entries()[e];
                        (Consequence::of(&entry.list), &entry.source_id)
                    };
                    s > bs || (s == bs && key(e) < key(be))
                }
            };
            if better {
                *best = Some((e, s));
            }
        }
    }

    fn naive_query_tokens(&self, reading: Vec<crate::normalize::Token>) -> Vec<QueryToken> {
        reading
            .into_iter()
            .map(|t| {
                let exact = self.vocab_id(&t.text);
                if t.legal_form {
                    return QueryToken {
                        legal_id: exact,
                        text: t.text,
                        legal: true,
                        weight: self.legal_weight(),
                        pairs: Vec::new(),
                    };
                }
                let mut pairs: Vec<(u32, f32, PairKind)> = Vec::new();
                if let Some(id) = exact {
                    pairs.push((id, 1.0, PairKind::Exact));
                }
                let q_skeleton = query_skeleton(&t.text);
                for (spelling, id) in self.spelling_list() {
                    if Some(*id) == exact {
                        continue;
                    }
                    let s_skeleton = query_skeleton(spelling);
                    if let Some((sim, kind)) = pair_sim(&t.text, &q_skeleton, spelling, &s_skeleton)
                    {
                        match pairs.iter_mut().find(|p| p.0 == *id) {
                            Some(p) if sim > p.1 => *p = (*id, sim, kind),
                            Some(_) => {}
                            None => pairs.push((*id, sim, kind)),
                        }
                    }
                }
                let weight = query_weight(&pairs, self.token_infos(), self.unknown_token_weight());
                QueryToken {
                    text: t.text,
                    legal: false,
                    legal_id: None,
                    weight,
                    pairs,
                }
            })
            .collect()
    }
}
