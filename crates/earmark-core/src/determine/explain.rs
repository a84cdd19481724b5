//! The explaining path: every rule re-resolved and recorded in the trace.

use super::eval::*;
use super::fast::priority;
use super::play::*;
use super::prose::*;
use super::*;

// ---- the explaining path ------------------------------------------------------------------

/// Resolves sets from the groups of the request's dates, every time (the oracle).
pub(super) struct Naive {
    groups: Vec<CountrySet>,
    named: Vec<CountrySet>,
}

impl Sets for Naive {
    fn resolve(&self, set: &SetRef) -> CountrySet {
        set.expr.resolve(&self.groups, &self.named)
    }
}

pub(super) fn explain(pack: &RulePack, req: &Request, item: &ItemFacts) -> Decision {
    let reading = req.reading;
    let groups = pack.groups_on(req.as_of, req.known_on, reading == Reading::Enforced);
    let named = pack.sets_on(&groups);
    let sets = Naive { groups, named };
    let in_play = play(pack, req.as_of, req.known_on, reading);
    let ear = |c: Country| pack.ear_country(c, req.as_of);
    let mut f = Facts {
        to: ear(req.to),
        from: ear(req.from),
        end_user_hq: req.end_user_hq.map(ear),
        parent_hq: req.parent_hq.map(ear),
        req,
        item,
        eccn: item.eccn,
        datacenter: item.datacenter,
    };
    // Presumptions first: they change what the other rules read.
    let mut presumed_by = None;
    for (i, rule) in pack.rules.iter().enumerate() {
        if in_play[i].is_some() {
            continue;
        }
        if let Effect::Presumption { eccn, datacenter } = rule.effect {
            if eval(&rule.when, &f, &sets) == Tri::True {
                f.eccn = EccnFact::Listed(eccn);
                f.datacenter = Some(datacenter);
                presumed_by = Some(i);
            }
        }
    }
    let results: Vec<Option<Tri>> = pack
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            if in_play[i].is_some()
                || matches!(
                    rule.effect,
                    Effect::Classification { .. } | Effect::Suspension
                )
            {
                None
            } else {
                Some(eval(&rule.when, &f, &sets))
            }
        })
        .collect();
    let result = |i: usize| results.get(i).copied().flatten();
    let of_kind = |pred: &dyn Fn(&Effect) -> bool| -> Vec<usize> {
        (0..pack.rules.len())
            .filter(|&i| pred(&pack.rules[i].effect) && result(i).is_some())
            .collect()
    };
    let fold = |list: &[usize]| {
        list.iter().fold(Tri::False, |acc, &i| {
            acc.or(result(i).unwrap_or(Tri::False))
        })
    };
    let prohibitions = of_kind(&|e| matches!(e, Effect::Prohibition));
    let requirements = of_kind(&|e| matches!(e, Effect::Requirement { .. }));
    let prohibited = fold(&prohibitions);
    let required = fold(&requirements);
    let outcome = match (prohibited, required) {
        (Tri::True, _) => Outcome::Prohibited,
        (Tri::Unknown(_), _) => Outcome::Indeterminate,
        (Tri::False, Tri::True) => Outcome::LicenseRequired,
        (Tri::False, Tri::Unknown(_)) => Outcome::Indeterminate,
        (Tri::False, Tri::False) => Outcome::NoLicenseRequired,
    };

    let mut missing_mask = 0u32;
    let mut missing_why: Vec<(u32, String)> = Vec::new();
    let mut note_missing = |mask: u32, rule: &Rule| {
        missing_mask |= mask;
        missing_why.push((mask, format!("`{}` ({}) could apply", rule.id, rule.cite)));
    };
    if outcome == Outcome::Indeterminate {
        for &i in prohibitions.iter().chain(&requirements) {
            if let Some(Tri::Unknown(m)) = result(i) {
                note_missing(m, &pack.rules[i]);
            }
        }
    }

    // Review policy: highest priority that holds; an unknown above it leaves it undecided.
    let mut policies = of_kind(&|e| matches!(e, Effect::ReviewPolicy { .. }));
    policies.sort_by_key(|&i| std::cmp::Reverse(priority(&pack.rules[i])));
    let mut review_policy = None;
    let mut policy_rule = None;
    let mut policy_blocked_by = None;
    if outcome == Outcome::LicenseRequired {
        for &i in &policies {
            match result(i) {
                Some(Tri::True) => {
                    if let Effect::ReviewPolicy { policy, .. } = pack.rules[i].effect {
                        review_policy = Some(policy);
                        policy_rule = Some(i);
                    }
                    break;
                }
                Some(Tri::Unknown(m)) => {
                    note_missing(m, &pack.rules[i]);
                    policy_blocked_by = Some(i);
                    break;
                }
                _ => {}
            }
        }
    }
    let barring: Vec<usize> = requirements
        .iter()
        .copied()
        .filter(|&i| {
            result(i) == Some(Tri::True)
                && matches!(
                    pack.rules[i].effect,
                    Effect::Requirement {
                        bars_exceptions: true
                    }
                )
        })
        .collect();
    let license = outcome == Outcome::LicenseRequired;

    let mut license_exceptions = Vec::new();
    let mut conditions = Vec::new();
    let mut advisories = Vec::new();
    let mut determining: Vec<usize> = Vec::new();
    if let Some(p) = presumed_by {
        determining.push(p);
    }
    let mut trace = Vec::new();
    for (i, rule) in pack.rules.iter().enumerate() {
        let window = rule.window;
        let citation = rule_citation(pack, rule);
        let instrument = pack.instruments.get(rule.instrument);
        let (reason, facts) = match in_play[i] {
            Some(Out::Layer) => (Reason::LayerNotAsked, Vec::new()),
            Some(Out::NotPublished) => (
                Reason::NotYetPublic {
                    public_on: instrument.map_or(req.known_on, |i| i.announced),
                },
                Vec::new(),
            ),
            Some(Out::Window) => (Reason::OutsideWindow, Vec::new()),
            Some(Out::Superseded(by)) => (
                Reason::Superseded {
                    by: pack.rules[by].id.clone(),
                },
                Vec::new(),
            ),
            None => {
                let mut facts = Vec::new();
                facts_read(&rule.when, &f, &mut facts);
                let reason = match (&rule.effect, result(i)) {
                    (Effect::Classification { .. }, _) => Reason::ClassificationInForce,
                    (Effect::Suspension, _) => Reason::Suspends,
                    (_, Some(Tri::False)) | (_, None) => {
                        let failure = failing_clause(&rule.when, &f, &sets);
                        Reason::NotApplicable {
                            clause: failure.clause,
                            detail: failure.text,
                        }
                    }
                    (_, Some(Tri::Unknown(m))) => Reason::MissingFacts {
                        facts: missing_text(m).iter().map(|f| (*f).to_owned()).collect(),
                    },
                    (effect, Some(Tri::True)) => match effect {
                        Effect::Requirement { .. } if outcome == Outcome::Prohibited => {
                            determining.push(i);
                            Reason::OverriddenByProhibition
                        }
                        Effect::Requirement { .. } | Effect::Prohibition => {
                            determining.push(i);
                            Reason::Applied
                        }
                        Effect::ReviewPolicy { .. } => {
                            if policy_rule == Some(i) {
                                determining.push(i);
                                Reason::Applied
                            } else {
                                match (license, policy_rule, policy_blocked_by) {
                                    (false, _, _) => Reason::HoldsButNoLicenseRequired,
                                    (true, Some(w), _) => Reason::HoldsButOutranked {
                                        by: pack.rules[w].id.clone(),
                                    },
                                    (true, None, Some(b)) => Reason::HoldsButUndecidedAbove {
                                        by: pack.rules[b].id.clone(),
                                    },
                                    (true, None, None) => Reason::Applied,
                                }
                            }
                        }
                        Effect::Exception { code, obligations } => {
                            if !license {
                                Reason::HoldsButNoLicenseRequired
                            } else if let Some(&b) = barring.first() {
                                Reason::HoldsButExceptionsBarred {
                                    by: pack.rules[b].id.clone(),
                                }
                            } else {
                                license_exceptions.push(ExceptionView {
                                    id: code.clone(),
                                    rule: rule.id.clone(),
                                    citation: citation.clone(),
                                    obligations: obligations.clone(),
                                });
                                determining.push(i);
                                Reason::Applied
                            }
                        }
                        Effect::Conditions(_)
                            if license
                                && rule.with_policy.is_some_and(|p| policy_rule != Some(p)) =>
                        {
                            Reason::HoldsButPolicyNotUsed {
                                policy: rule
                                    .with_policy
                                    .and_then(|p| pack.rules.get(p))
                                    .map_or_else(String::new, |r| r.id.clone()),
                            }
                        }
                        Effect::Conditions(list) => {
                            if license {
                                for c in list {
                                    conditions.push(ConditionView {
                                        rule: rule.id.clone(),
                                        citation: citation.clone(),
                                        confidence: c.confidence.unwrap_or(rule.confidence),
                                        // The view carries the effective confidence; the
                                        // condition's own override would repeat the key.
                                        condition: LicenseCondition {
                                            confidence: None,
                                            ..c.clone()
                                        },
                                    });
                                }
                                determining.push(i);
                                Reason::Applied
                            } else {
                                Reason::HoldsButNoLicenseRequired
                            }
                        }
                        Effect::Advisory { text } => {
                            advisories.push(AdvisoryView {
                                rule: rule.id.clone(),
                                citation: citation.clone(),
                                text: text.clone(),
                            });
                            Reason::Applied
                        }
                        Effect::Presumption { .. }
                        | Effect::Classification { .. }
                        | Effect::Suspension => Reason::Applied,
                    },
                };
                (reason, facts)
            }
        };
        trace.push(RuleTrace {
            rule_id: rule.id.clone(),
            effect: rule.effect.kind_str().to_owned(),
            citation,
            window,
            status: reason.status(),
            reason: reason_text(&reason, pack, rule, req, item),
            code: reason,
            facts,
        });
    }

    // The classification vintage relied on: the latest one that defines the item's
    // classification. A vintage's condition names the classifications it defines, so an
    // HBM vintage is not cited as the basis of a 3A090.a item.
    let classified = item.classified_as_of.unwrap_or(req.as_of);
    let vintage = pack
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.effect, Effect::Classification { .. }))
        .filter(|(_, r)| r.window.from <= classified)
        .filter(|(_, r)| eval(&r.when, &f, &sets) != Tri::False)
        .filter(|(_, r)| {
            pack.instruments
                .get(r.instrument)
                .is_some_and(|i| reading.includes(i.layer) && i.is_known_on(req.known_on))
        })
        .max_by_key(|(i, r)| (r.window.from, *i))
        .map(|(i, _)| i);
    if let (Some(v), true) = (vintage, matches!(f.eccn, EccnFact::Listed(_))) {
        determining.insert(0, v);
    }
    determining.dedup();

    let primary_requirement = determining.iter().any(|&i| {
        matches!(pack.rules[i].effect, Effect::Requirement { .. })
            && pack.rules[i].confidence == Confidence::Primary
    });
    let exceptions_barred = trace
        .iter()
        .any(|t| matches!(t.code, Reason::HoldsButExceptionsBarred { .. }));
    let mut citations = Vec::new();
    let mut uncertain = Vec::new();
    for &i in &determining {
        let rule = &pack.rules[i];
        let instrument = pack.instruments.get(rule.instrument);
        citations.push(CitationView {
            rule: rule.id.clone(),
            instrument: instrument.map_or_else(String::new, |i| i.id.clone()),
            cite: rule.cite.clone(),
            sources: instrument.map_or_else(Vec::new, |i| i.citations.clone()),
        });
        // A non-primary requirement is not relied on when a primary one also requires the
        // license, unless it is what bars the license exceptions.
        let redundant = matches!(rule.effect, Effect::Requirement { bars_exceptions } if !bars_exceptions || !exceptions_barred)
            && primary_requirement;
        if rule.confidence != Confidence::Primary && !redundant {
            let why = if rule.note.is_empty() {
                instrument.map_or_else(String::new, |i| i.title.clone())
            } else {
                rule.note.clone()
            };
            uncertain.push(UncertainView {
                id: rule.id.clone(),
                confidence: rule.confidence,
                why,
            });
        }
    }
    // Country Group changes from non-primary sources that touch the countries involved.
    let involved = [Some(f.to), f.end_user_hq, f.parent_hq];
    for group in &pack.groups {
        for change in &group.changes {
            let Some(instrument) = pack.instruments.get(change.instrument) else {
                continue;
            };
            if change.date <= req.as_of
                && instrument.is_known_on(req.known_on)
                && reading.includes(instrument.layer)
                && involved.contains(&Some(change.country))
                && instrument.confidence != Confidence::Primary
                && !uncertain.iter().any(|u| u.id == instrument.id)
            {
                uncertain.push(UncertainView {
                    id: instrument.id.clone(),
                    confidence: instrument.confidence,
                    why: format!(
                        "{} {} {} on {} ({})",
                        match change.action {
                            crate::rules::GroupAction::Add => "adds",
                            crate::rules::GroupAction::Remove => "removes",
                        },
                        change.country,
                        match change.action {
                            crate::rules::GroupAction::Add => "to",
                            crate::rules::GroupAction::Remove => "from",
                        },
                        change.date,
                        group.id
                    ),
                });
            }
        }
    }

    let mut missing: Vec<MissingFact> = Vec::new();
    for (bit, field) in fact::FIELDS {
        if missing_mask & bit == 0 {
            continue;
        }
        if bit == fact::ECCN && !item.classification_missing.is_empty() {
            for m in &item.classification_missing {
                missing.push(MissingFact {
                    field: m.field.clone(),
                    why: format!("classification: {}", m.why),
                });
            }
            continue;
        }
        let why = missing_why
            .iter()
            .filter(|(m, _)| m & bit != 0)
            .map(|(_, w)| w.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        missing.push(MissingFact {
            field: field.to_owned(),
            why,
        });
    }
    missing.dedup();

    let mut notes = Vec::new();
    if f.to != req.to {
        notes.push(format!(
            "{} is read as {} ({})",
            req.to,
            f.to,
            pack.treatments
                .iter()
                .find(|t| t.country == req.to)
                .map_or("", |t| t.citation.as_str())
        ));
    }
    if let Some(p) = presumed_by {
        notes.push(format!(
            "classification replaced by presumption `{}`: {}",
            pack.rules[p].id,
            describe_effect(&pack.rules[p])
        ));
    }
    if license && review_policy.is_none() {
        notes.push(match policy_blocked_by {
            Some(_) => "the review policy is undecided: see `missing`".to_owned(),
            None => "no encoded rule states a review policy for this case".to_owned(),
        });
    }
    if req.end_user_list.is_none() {
        notes.push(
            "no party's restricted-list status was given or screened: this decision covers the \
             item, destination, headquarters and end use, not the parties themselves"
                .to_owned(),
        );
    }
    if req.end_use.is_none() {
        notes.push(
            "no end use given: end-use controls (744.23 supercomputer and advanced-node fab) apply \
             when the exporter knows of such an end use"
                .to_owned(),
        );
    }

    // Outside the pack's coverage nothing above may stand as an answer: the trace stays, to
    // show what the encoded rules would say, but the outcome is indeterminate.
    let mut outcome = outcome;
    if let Some(gap) = CoverageGap::of(pack, req.as_of, req.known_on) {
        outcome = Outcome::Indeterminate;
        review_policy = None;
        license_exceptions.clear();
        conditions.clear();
        missing.insert(
            0,
            MissingFact {
                field: gap.field().to_owned(),
                why: gap.to_string(),
            },
        );
    }

    Decision {
        outcome,
        license_required: match outcome {
            Outcome::LicenseRequired => Some(true),
            Outcome::NoLicenseRequired => Some(false),
            Outcome::Prohibited | Outcome::Indeterminate => None,
        },
        eccn: match f.eccn {
            EccnFact::Listed(c) => Some(c),
            EccnFact::NotListed | EccnFact::Unknown => None,
        },
        paragraph: if presumed_by.is_some() {
            None
        } else {
            item.paragraph.clone()
        },
        review_policy,
        license_exceptions,
        conditions,
        advisories,
        determining_rules: determining
            .iter()
            .map(|&i| pack.rules[i].id.clone())
            .collect(),
        citations,
        uncertain,
        missing,
        notes,
        item: item.clone(),
        request: req.clone(),
        rule_pack: pack.id.clone(),
        version: pack.version.clone(),
        hash: pack.hash.clone(),
        trace,
    }
}

impl Decision {
    /// Whether the fast path gave the same answer: outcome, review policy and exceptions (the
    /// tests hold the fast path to the explaining one with this).
    pub fn agrees_with(&self, v: &Verdict, pack: &RulePack) -> bool {
        let mut fast = v.exceptions(pack);
        let mut slow: Vec<&str> = self
            .license_exceptions
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        fast.sort_unstable();
        slow.sort_unstable();
        self.outcome == v.outcome && self.review_policy == v.review_policy && fast == slow
    }
}
