//! The naive reference scorer: every vocabulary word compared with every query word by direct
//! string tests, every name scored. Slow and obvious, kept as the oracle the index is tested
//! against (same best entity, same score).

use crate::index::{is_fuzzy_word, query_weight, within_one_edit, Index, PairKind, QueryToken};
use crate::normalize;

impl Index {
    /// The best entity and its name score by linear scan, or `None` when no name scores
    /// above zero. Ties go to the lower source id, as in the index.
    pub fn naive_best(&self, name: &str) -> Option<(usize, f32)> {
        let q = self.naive_query_tokens(name);
        let q_weight: f32 = q.iter().map(|t| t.weight).sum();
        let mut best: Option<(usize, f32)> = None;
        for ni in 0..self.name_count() {
            let s = self.score_name(&q, q_weight, ni, None);
            if s <= 0.0 {
                continue;
            }
            let e = self.name_entry(ni);
            let better = match best {
                None => true,
                Some((be, bs)) => {
                    s > bs
                        || (s == bs
                            && self.entries()[e].source_id < self.entries()[be].source_id)
                }
            };
            if better {
                best = Some((e, s));
            }
        }
        best
    }

    fn naive_query_tokens(&self, name: &str) -> Vec<QueryToken> {
        normalize::tokens(name)
            .into_iter()
            .map(|t| {
                if t.legal_form {
                    return QueryToken {
                        legal_id: self.vocab_id(&t.text),
                        text: t.text,
                        legal: true,
                        weight: self.legal_weight(),
                        pairs: Vec::new(),
                    };
                }
                let mut pairs = Vec::new();
                for (id, text, legal) in self.vocabulary() {
                    if legal {
                        continue;
                    }
                    if text == t.text {
                        pairs.push((id, 1.0, PairKind::Exact));
                    } else if is_fuzzy_word(&t.text, false) && is_fuzzy_word(text, false) {
                        let skeleton_same =
                            normalize::skeleton(text) == normalize::skeleton(&t.text);
                        let typo = within_one_edit(t.text.as_bytes(), text.as_bytes());
                        let typo_sim = self.typo_similarity(t.text.len().max(text.len()));
                        if typo && (!skeleton_same || typo_sim > self.skeleton_similarity()) {
                            pairs.push((id, typo_sim, PairKind::Typo));
                        } else if skeleton_same {
                            pairs.push((id, self.skeleton_similarity(), PairKind::Variant));
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
