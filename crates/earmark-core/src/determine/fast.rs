//! The fast path: the pack compiled per interval of dates, and verdicts without allocation.

use super::eval::*;
use super::play::*;
use super::*;

// ---- the fast path ------------------------------------------------------------------------

/// A fixed bitset over the rules of a pack (at most [`crate::rules::MAX_RULES`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RuleBits([u64; 4]);

impl RuleBits {
    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i >> 6) {
            *w |= 1u64 << (i & 63);
        }
    }

    pub fn contains(&self, i: usize) -> bool {
        self.0
            .get(i >> 6)
            .is_some_and(|w| w & (1u64 << (i & 63)) != 0)
    }

    /// Indices in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..256).filter(|i| self.contains(*i))
    }
}

/// The pack compiled for one interval of dates: the rules in play by effect, and every set
/// expression resolved to a bitset.
#[derive(Debug)]
pub struct Snapshot {
    /// The last date items may be classified as of (see [`classification_date`]).
    classification_cutoff: Option<Date>,
    /// Resolved sets, indexed by [`SetRef::slot`].
    resolved: Vec<CountrySet>,
    presumptions: Vec<usize>,
    prohibitions: Vec<usize>,
    requirements: Vec<usize>,
    /// By priority, highest first.
    policies: Vec<usize>,
    exceptions: Vec<usize>,
    conditions: Vec<usize>,
    advisories: Vec<usize>,
    treatments: Vec<(Country, Country)>,
}

impl Sets for Snapshot {
    fn resolve(&self, set: &SetRef) -> CountrySet {
        self.resolved.get(set.slot).copied().unwrap_or_default()
    }
}

pub(super) fn collect_sets<'a>(cond: &'a Condition, out: &mut Vec<&'a SetRef>) {
    for s in [
        &cond.destination,
        &cond.headquarters,
        &cond.from,
        &cond.origin,
    ]
    .into_iter()
    .flatten()
    {
        out.push(s);
    }
    for c in &cond.any {
        collect_sets(c, out);
    }
    if let Some(n) = &cond.not {
        collect_sets(n, out);
    }
}

impl Snapshot {
    fn compile(pack: &RulePack, as_of: Date, known_on: Date, reading: Reading) -> Self {
        let groups = pack.groups_on(as_of, known_on, reading == Reading::Enforced);
        let named = pack.sets_on(&groups);
        let in_play = play(pack, as_of, known_on, reading);
        let mut snapshot = Self {
            classification_cutoff: classification_cutoff(pack, as_of, known_on, reading),
            resolved: vec![CountrySet::EMPTY; pack.set_slots],
            presumptions: Vec::new(),
            prohibitions: Vec::new(),
            requirements: Vec::new(),
            policies: Vec::new(),
            exceptions: Vec::new(),
            conditions: Vec::new(),
            advisories: Vec::new(),
            treatments: pack
                .treatments
                .iter()
                .filter(|t| as_of >= t.since)
                .map(|t| (t.country, t.treated_as))
                .collect(),
        };
        for (i, rule) in pack.rules.iter().enumerate() {
            if in_play.get(i).copied().flatten().is_some() {
                continue;
            }
            let mut refs = Vec::new();
            collect_sets(&rule.when, &mut refs);
            for r in refs {
                if let Some(slot) = snapshot.resolved.get_mut(r.slot) {
                    *slot = r.expr.resolve(&groups, &named);
                }
            }
            let list = match rule.effect {
                Effect::Presumption { .. } => &mut snapshot.presumptions,
                Effect::Prohibition => &mut snapshot.prohibitions,
                Effect::Requirement { .. } => &mut snapshot.requirements,
                Effect::ReviewPolicy { .. } => &mut snapshot.policies,
                Effect::Exception { .. } => &mut snapshot.exceptions,
                Effect::Conditions(_) => &mut snapshot.conditions,
                Effect::Advisory { .. } => &mut snapshot.advisories,
                Effect::Classification { .. } | Effect::Suspension => continue,
            };
            list.push(i);
        }
        snapshot
            .policies
            .sort_by_key(|&i| std::cmp::Reverse(priority(&pack.rules[i])));
        snapshot
    }

    fn ear(&self, c: Country) -> Country {
        self.treatments
            .iter()
            .find(|(from, _)| *from == c)
            .map_or(c, |(_, to)| *to)
    }
}

pub(super) fn priority(rule: &Rule) -> i32 {
    match rule.effect {
        Effect::ReviewPolicy { priority, .. } => priority,
        _ => i32::MIN,
    }
}

/// The outcome of the fast path: enough to answer, not enough to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Verdict {
    pub outcome: Outcome,
    pub eccn: EccnFact,
    pub review_policy: Option<ReviewPolicy>,
    /// The rule that set the review policy.
    pub policy_rule: Option<usize>,
    /// Rules that applied (requirements, prohibitions, exceptions, conditions, advisories,
    /// presumptions).
    pub applied: RuleBits,
    /// Rules that could apply but for missing facts.
    pub unknown: RuleBits,
}

pub(super) fn verdict(pack: &RulePack, s: &Snapshot, req: &Request, item: &ItemFacts) -> Verdict {
    if CoverageGap::of(pack, req.as_of, req.known_on).is_some() {
        return Verdict {
            outcome: Outcome::Indeterminate,
            eccn: item.eccn,
            review_policy: None,
            policy_rule: None,
            applied: RuleBits::default(),
            unknown: RuleBits::default(),
        };
    }
    let mut f = Facts {
        to: s.ear(req.to),
        from: s.ear(req.from),
        end_user_hq: req.end_user_hq.map(|c| s.ear(c)),
        parent_hq: req.parent_hq.map(|c| s.ear(c)),
        req,
        item,
        eccn: item.eccn,
        datacenter: item.datacenter,
    };
    let mut applied = RuleBits::default();
    let mut unknown = RuleBits::default();
    let rules = &pack.rules;
    for &i in &s.presumptions {
        if let (Tri::True, Effect::Presumption { eccn, datacenter }) =
            (eval(&rules[i].when, &f, s), &rules[i].effect)
        {
            f.eccn = EccnFact::Listed(*eccn);
            f.datacenter = Some(*datacenter);
            applied.set(i);
        }
    }
    let tally = |list: &[usize], applied: &mut RuleBits, unknown: &mut RuleBits| {
        let mut any = Tri::False;
        for &i in list {
            let t = eval(&rules[i].when, &f, s);
            match t {
                Tri::True => applied.set(i),
                Tri::Unknown(_) => unknown.set(i),
                Tri::False => {}
            }
            any = any.or(t);
        }
        any
    };
    let prohibited = tally(&s.prohibitions, &mut applied, &mut unknown);
    let required = tally(&s.requirements, &mut applied, &mut unknown);
    // An unknown prohibition is indeterminate even when a license is surely required: the
    // answer might be "do not proceed".
    let outcome = match (prohibited, required) {
        (Tri::True, _) => Outcome::Prohibited,
        (Tri::Unknown(_), _) | (Tri::False, Tri::Unknown(_)) => Outcome::Indeterminate,
        (Tri::False, Tri::True) => Outcome::LicenseRequired,
        (Tri::False, Tri::False) => Outcome::NoLicenseRequired,
    };
    let mut review_policy = None;
    let mut policy_rule = None;
    if outcome == Outcome::LicenseRequired {
        for &i in &s.policies {
            match eval(&rules[i].when, &f, s) {
                Tri::True => {
                    if let Effect::ReviewPolicy { policy, .. } = rules[i].effect {
                        review_policy = Some(policy);
                        policy_rule = Some(i);
                    }
                    applied.set(i);
                    break;
                }
                Tri::Unknown(_) => {
                    // A higher-priority policy might apply: the policy is undecided.
                    unknown.set(i);
                    break;
                }
                Tri::False => {}
            }
        }
        let barred = s.requirements.iter().any(|&i| {
            applied.contains(i)
                && matches!(
                    rules[i].effect,
                    Effect::Requirement {
                        bars_exceptions: true
                    }
                )
        });
        if !barred {
            tally(&s.exceptions, &mut applied, &mut unknown);
        }
        for &i in &s.conditions {
            // A condition of one review path attaches only when that path is the one used.
            if rules[i].with_policy.is_some_and(|p| policy_rule != Some(p)) {
                continue;
            }
            match eval(&rules[i].when, &f, s) {
                Tri::True => applied.set(i),
                Tri::Unknown(_) => unknown.set(i),
                Tri::False => {}
            }
        }
    }
    tally(&s.advisories, &mut applied, &mut unknown);
    Verdict {
        outcome,
        eccn: f.eccn,
        review_policy,
        policy_rule,
        applied,
        unknown,
    }
}

/// Determines decisions against one pack, caching a compiled [`Snapshot`] per interval of
/// dates in which nothing in the pack changes.
#[derive(Debug)]
pub struct Determiner<'p> {
    pack: &'p RulePack,
    /// Dates on which a rule window, group or treatment changes.
    boundaries: Vec<Date>,
    /// Dates on which an instrument became public.
    publications: Vec<Date>,
    /// Dense cache: (as-of interval, known-on interval, reading) → snapshot.
    cache: Vec<Option<Box<Snapshot>>>,
}

impl<'p> Determiner<'p> {
    pub fn new(pack: &'p RulePack) -> Self {
        let boundaries = pack.boundaries();
        let publications = pack.publication_dates();
        let slots = (boundaries.len() + 1) * (publications.len() + 1) * 2;
        Self {
            pack,
            boundaries,
            publications,
            cache: (0..slots).map(|_| None).collect(),
        }
    }

    pub fn pack(&self) -> &'p RulePack {
        self.pack
    }

    fn slot(&self, as_of: Date, known_on: Date, reading: Reading) -> usize {
        let a = self.boundaries.partition_point(|d| *d <= as_of);
        let k = self.publications.partition_point(|d| *d <= known_on);
        let r = usize::from(reading == Reading::Legal);
        (a * (self.publications.len() + 1) + k) * 2 + r
    }

    fn snapshot(&mut self, as_of: Date, known_on: Date, reading: Reading) -> &Snapshot {
        let slot = self.slot(as_of, known_on, reading);
        let pack = self.pack;
        let entry = &mut self.cache[slot];
        entry.get_or_insert_with(|| Box::new(Snapshot::compile(pack, as_of, known_on, reading)))
    }

    /// The date items should be classified as of for this request: the as-of date, or earlier
    /// when the known-on date predates a classification vintage.
    pub fn classification_date(&mut self, as_of: Date, known_on: Date, reading: Reading) -> Date {
        // A vintage boundary is an interval boundary, so the cutoff is the same for every date
        // the cached snapshot stands for.
        self.snapshot(as_of, known_on, reading)
            .classification_cutoff
            .map_or(as_of, |d| d.min(as_of))
    }

    /// The fast path: the outcome, review policy and the rules that applied.
    pub fn decide(&mut self, req: &Request, item: &ItemFacts) -> Verdict {
        let pack = self.pack;
        let snapshot = self.snapshot(req.as_of, req.known_on, req.reading);
        verdict(pack, snapshot, req, item)
    }

    /// The full decision, with trace, citations and what is missing.
    pub fn explain(&mut self, req: &Request, item: &ItemFacts) -> Decision {
        explain::explain(self.pack, req, item)
    }
}

/// Determines one decision (compiles the pack for the request's dates; use a [`Determiner`]
/// for many).
pub fn determine(pack: &RulePack, req: &Request, item: &ItemFacts) -> Decision {
    Determiner::new(pack).explain(req, item)
}

impl Verdict {
    /// Ids of the license exceptions the fast path found available.
    pub fn exceptions<'p>(&self, pack: &'p RulePack) -> Vec<&'p str> {
        self.applied
            .iter()
            .filter_map(|i| match &pack.rules.get(i)?.effect {
                Effect::Exception { code, .. } => Some(code.as_str()),
                _ => None,
            })
            .collect()
    }
}
