//! Licence determination: does this shipment need a licence, under which rules, with which
//! exceptions and conditions, and what would change the answer.
//!
//! A decision is a pure function of a [`Request`] (destination, parties, transaction, dates,
//! layer), the classified item ([`ItemFacts`]) and a [`RulePack`]. Rules are evaluated in
//! three-valued logic: a fact that is unknown and could decide the answer makes the outcome
//! `indeterminate` and is named in `missing`; it is never read as "no licence required".
//!
//! Two evaluators share the rule semantics:
//! - the fast path ([`Determiner::decide`]) precompiles the pack for each interval of dates in
//!   which nothing changes (a [`Snapshot`]: rules in force, country sets as bitsets) and caches
//!   it, so a decision is a few dozen bitset tests and no allocation;
//! - the explaining path ([`Determiner::explain`]) resolves everything from the pack again for
//!   each rule and records what it read, for the trace. It is slower and simpler, and the tests
//!   hold the fast path to it.
//!
//! Precedence, in order: a presumption (foundry due diligence) may replace the item's
//! classification; any applicable prohibition makes the outcome `prohibited`; any applicable
//! licence requirement makes it `license_required`; an unknown in either makes it
//! `indeterminate`. The review policy is that of the applicable rule with the highest
//! priority (the loader rejects two disagreeing rules at one priority in overlapping windows).
//! Licence exceptions are listed only when a licence is required and no applied requirement
//! bars them. A rule is out of play when its window does not contain the as-of date, its
//! instrument was not public on the known-on date, its layer is not asked for, or a rule in
//! play `supersedes` it.

use serde::Serialize;

use crate::classify::{Classification, Status};
use crate::country::{Country, CountrySet};
use crate::rules::{
    Citation, Condition, Confidence, Eccn, Effect, EndUse, ExporterRole, FactName, FactTest, Layer,
    LicenceCondition, ListStatus, Obligation, Rebuttal, ReviewPolicy, Rule, RulePack, SetRef,
    Transaction,
};
use crate::spec::{ItemKind, Spec};
use crate::trace::{FactRead, MissingFact, RuleStatus, TraceEntry, Window};
use crate::Date;

/// Which reading of the regulations a decision follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    /// The legal text plus the enforcement posture (non-enforcement, is-informed letters,
    /// guidance): what BIS does.
    #[default]
    Enforced,
    /// The legal text in force only.
    Legal,
}

impl Reading {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enforced => "enforced",
            Self::Legal => "legal",
        }
    }

    fn includes(self, layer: Layer) -> bool {
        match self {
            Self::Enforced => true,
            Self::Legal => layer == Layer::Legal,
        }
    }
}

/// What is being decided: one shipment of one item. Decisions carry it back as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Request {
    /// Country of ultimate destination (or, for an in-country transfer, the country).
    pub to: Country,
    /// Country exported or reexported from.
    pub from: Country,
    pub end_user_hq: Option<Country>,
    /// Where the end user's ultimate parent is headquartered.
    pub parent_hq: Option<Country>,
    pub transaction: Transaction,
    /// Known end use; `None` means none is known (end-use controls apply on knowledge).
    pub end_use: Option<EndUse>,
    pub quantity: Option<u64>,
    pub as_of: Date,
    /// Only instruments public on this date are considered.
    pub known_on: Date,
    #[serde(rename = "layer")]
    pub reading: Reading,
    pub exporter_role: ExporterRole,
    pub rebuttal: Rebuttal,
    /// The end user's restricted-list status, when screened.
    pub end_user_list: Option<ListStatus>,
}

impl Request {
    /// An export from the US to `to` on `as_of`, known on `as_of`, enforced reading.
    pub fn export(to: Country, as_of: Date) -> Self {
        Self {
            to,
            from: Country::us(),
            end_user_hq: None,
            parent_hq: None,
            transaction: Transaction::Export,
            end_use: None,
            quantity: None,
            as_of,
            known_on: as_of,
            reading: Reading::Enforced,
            exporter_role: ExporterRole::Other,
            rebuttal: Rebuttal::None,
            end_user_list: None,
        }
    }
}

/// The item's classification as determination reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EccnFact {
    /// Classification could not decide.
    Unknown,
    /// Decided: in none of the 3A090/4A090 paragraphs.
    NotListed,
    Listed(Eccn),
}

/// What determination knows about the item: its classification and the datasheet figures
/// rules test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemFacts {
    /// Catalog id, when the item came from the catalog.
    pub id: Option<String>,
    pub name: String,
    pub kind: ItemKind,
    pub eccn: EccnFact,
    pub paragraph: Option<String>,
    pub datacenter: Option<bool>,
    pub tpp: Option<f64>,
    pub performance_density: Option<f64>,
    pub memory_bandwidth_density: Option<f64>,
    pub memory_bandwidth_gbs: Option<f64>,
    pub interconnect_bidir_gbs: Option<f64>,
    /// The date the classification was made as of.
    pub classified_as_of: Option<Date>,
    /// What classification could not decide for want of facts.
    pub classification_missing: Vec<MissingFact>,
}

impl ItemFacts {
    /// Facts from a spec and its classification.
    pub fn from_classification(id: Option<&str>, spec: &Spec, c: &Classification) -> Self {
        let eccn = match c.status {
            Status::Indeterminate => EccnFact::Unknown,
            Status::Determined => c.eccn.map_or(EccnFact::NotListed, EccnFact::Listed),
        };
        Self {
            id: id.map(str::to_owned),
            name: spec.name.clone(),
            kind: spec.kind,
            eccn,
            paragraph: c.paragraph.clone(),
            datacenter: c.datacenter.or(spec.datacenter),
            tpp: c.tpp,
            performance_density: c.performance_density,
            memory_bandwidth_density: c.memory_bandwidth_density,
            memory_bandwidth_gbs: spec.memory_bandwidth_gbs,
            interconnect_bidir_gbs: spec.interconnect_bidir_gbs,
            classified_as_of: Some(c.as_of),
            classification_missing: c.missing.clone(),
        }
    }
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    LicenseRequired,
    NoLicenseRequired,
    /// Do not proceed: guidance says any dealing with the item risks a violation (GP10).
    Prohibited,
    Indeterminate,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LicenseRequired => "license_required",
            Self::NoLicenseRequired => "no_license_required",
            Self::Prohibited => "prohibited",
            Self::Indeterminate => "indeterminate",
        }
    }
}

// ---- three-valued evaluation --------------------------------------------------------------

/// Facts that can be missing, as bits.
mod fact {
    pub const ECCN: u32 = 1;
    pub const DATACENTER: u32 = 1 << 1;
    pub const TPP: u32 = 1 << 2;
    pub const PERFORMANCE_DENSITY: u32 = 1 << 3;
    pub const MEMORY_BANDWIDTH: u32 = 1 << 4;
    pub const INTERCONNECT: u32 = 1 << 5;
    pub const MEMORY_BANDWIDTH_DENSITY: u32 = 1 << 6;
    pub const END_USER_HQ: u32 = 1 << 7;
    pub const PARENT_HQ: u32 = 1 << 8;
    pub const QUANTITY: u32 = 1 << 9;
    pub const END_USER_LIST: u32 = 1 << 10;

    pub const FIELDS: [(u32, &str); 11] = [
        (ECCN, "classification"),
        (DATACENTER, "datacenter"),
        (TPP, "tpp"),
        (PERFORMANCE_DENSITY, "performance_density"),
        (MEMORY_BANDWIDTH, "memory_bandwidth_gbs"),
        (INTERCONNECT, "interconnect_bidir_gbs"),
        (MEMORY_BANDWIDTH_DENSITY, "memory_bandwidth_density"),
        (END_USER_HQ, "end_user_hq"),
        (PARENT_HQ, "parent_hq"),
        (QUANTITY, "quantity"),
        (END_USER_LIST, "end_user_list"),
    ];
}

/// Kleene logic with the missing facts of an unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    False,
    True,
    Unknown(u32),
}

impl Tri {
    fn from_bool(b: bool) -> Self {
        if b {
            Self::True
        } else {
            Self::False
        }
    }

    fn and(self, other: impl FnOnce() -> Self) -> Self {
        match self {
            Self::False => Self::False,
            Self::True => other(),
            Self::Unknown(m) => match other() {
                Self::False => Self::False,
                Self::True => Self::Unknown(m),
                Self::Unknown(n) => Self::Unknown(m | n),
            },
        }
    }

    fn or(self, other: Self) -> Self {
        match (self, other) {
            (Self::True, _) | (_, Self::True) => Self::True,
            (Self::False, x) | (x, Self::False) => x,
            (Self::Unknown(m), Self::Unknown(n)) => Self::Unknown(m | n),
        }
    }

    fn not(self) -> Self {
        match self {
            Self::False => Self::True,
            Self::True => Self::False,
            u @ Self::Unknown(_) => u,
        }
    }
}

/// A request with countries read as the EAR reads them, and the item after presumptions.
struct Facts<'a> {
    to: Country,
    from: Country,
    end_user_hq: Option<Country>,
    parent_hq: Option<Country>,
    req: &'a Request,
    item: &'a ItemFacts,
    eccn: EccnFact,
    datacenter: Option<bool>,
}

impl Facts<'_> {
    fn number(&self, name: FactName) -> (Option<f64>, u32) {
        let item = self.item;
        match name {
            FactName::Tpp => (item.tpp, fact::TPP),
            FactName::PerformanceDensity => (item.performance_density, fact::PERFORMANCE_DENSITY),
            FactName::MemoryBandwidthGbs => (item.memory_bandwidth_gbs, fact::MEMORY_BANDWIDTH),
            FactName::InterconnectBidirGbs => (item.interconnect_bidir_gbs, fact::INTERCONNECT),
            FactName::MemoryBandwidthDensity => (
                item.memory_bandwidth_density,
                fact::MEMORY_BANDWIDTH_DENSITY,
            ),
            FactName::ShipmentTpp => {
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "quantities far below 2^53 units are exact in f64"
                )]
                let value = match (item.tpp, self.req.quantity) {
                    (Some(t), Some(q)) => Some(t * q as f64),
                    _ => None,
                };
                let mut mask = 0;
                if item.tpp.is_none() {
                    mask |= fact::TPP;
                }
                if self.req.quantity.is_none() {
                    mask |= fact::QUANTITY;
                }
                (value, mask)
            }
        }
    }

    fn test(&self, t: &FactTest) -> Tri {
        match self.number(t.fact) {
            (Some(v), _) => Tri::from_bool(t.compare.holds(v, t.value)),
            (None, mask) => Tri::Unknown(mask),
        }
    }

    fn headquarters_in(&self, set: &CountrySet) -> Tri {
        match (self.end_user_hq, self.parent_hq) {
            (Some(e), _) if set.contains(e) => Tri::True,
            (_, Some(p)) if set.contains(p) => Tri::True,
            (Some(_), Some(_)) => Tri::False,
            (None, None) => Tri::Unknown(fact::END_USER_HQ | fact::PARENT_HQ),
            (None, Some(_)) => Tri::Unknown(fact::END_USER_HQ),
            (Some(_), None) => Tri::Unknown(fact::PARENT_HQ),
        }
    }
}

/// Resolves a set expression of a condition; the fast path looks bitsets up, the explaining
/// path resolves from the groups each time.
trait Sets {
    fn resolve(&self, set: &SetRef) -> CountrySet;
}

/// Evaluates a condition. Clauses are tested cheapest and most selective first (destination
/// before facts), which only matters for speed: three-valued AND is commutative.
fn eval(cond: &Condition, f: &Facts<'_>, sets: &dyn Sets) -> Tri {
    let mut t = Tri::True;
    if let Some(d) = &cond.destination {
        t = t.and(|| Tri::from_bool(sets.resolve(d).contains(f.to)));
    }
    if t == Tri::False {
        return t;
    }
    if let Some(mask) = cond.eccn {
        t = t.and(|| match f.eccn {
            EccnFact::Unknown => Tri::Unknown(fact::ECCN),
            EccnFact::NotListed => Tri::False,
            EccnFact::Listed(code) => Tri::from_bool(Condition::eccn_matches(mask, code)),
        });
    }
    if !cond.item_kind.is_empty() {
        t = t.and(|| Tri::from_bool(cond.item_kind.contains(&f.item.kind)));
    }
    if !cond.named.is_empty() {
        t = t.and(|| {
            Tri::from_bool(
                f.item
                    .id
                    .as_deref()
                    .is_some_and(|id| cond.named.iter().any(|n| n == id)),
            )
        });
    }
    if let Some(from) = &cond.from {
        t = t.and(|| Tri::from_bool(sets.resolve(from).contains(f.from)));
    }
    if !cond.transaction.is_empty() {
        t = t.and(|| Tri::from_bool(cond.transaction.contains(&f.req.transaction)));
    }
    if !cond.end_use.is_empty() {
        t = t.and(|| Tri::from_bool(f.req.end_use.is_some_and(|u| cond.end_use.contains(&u))));
    }
    if !cond.exporter_role.is_empty() {
        t = t.and(|| Tri::from_bool(cond.exporter_role.contains(&f.req.exporter_role)));
    }
    if !cond.rebuttal.is_empty() {
        t = t.and(|| Tri::from_bool(cond.rebuttal.contains(&f.req.rebuttal)));
    }
    if !cond.end_user_list.is_empty() {
        t = t.and(|| match f.req.end_user_list {
            Some(ListStatus::PossibleMatch) => Tri::Unknown(fact::END_USER_LIST),
            status => Tri::from_bool(status.is_some_and(|s| cond.end_user_list.contains(&s))),
        });
    }
    if let Some(dc) = cond.datacenter {
        t = t.and(|| match f.datacenter {
            Some(v) => Tri::from_bool(v == dc),
            None => Tri::Unknown(fact::DATACENTER),
        });
    }
    for test in &cond.facts {
        t = t.and(|| f.test(test));
    }
    if !cond.facts_any.is_empty() {
        t = t.and(|| {
            cond.facts_any
                .iter()
                .fold(Tri::False, |acc, test| acc.or(f.test(test)))
        });
    }
    if let Some(hq) = &cond.headquarters {
        t = t.and(|| f.headquarters_in(&sets.resolve(hq)));
    }
    if !cond.any.is_empty() {
        t = t.and(|| {
            cond.any
                .iter()
                .fold(Tri::False, |acc, c| acc.or(eval(c, f, sets)))
        });
    }
    if let Some(not) = &cond.not {
        t = t.and(|| eval(not, f, sets).not());
    }
    t
}

// ---- which rules are in play --------------------------------------------------------------

/// Why a rule is not in play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    Layer,
    NotPublished,
    Window,
    Superseded(usize),
}

/// Whether each rule is in play for a date, known-on date and reading.
fn play(pack: &RulePack, as_of: Date, known_on: Date, reading: Reading) -> Vec<Option<Out>> {
    let base: Vec<Option<Out>> = pack
        .rules
        .iter()
        .map(|r| {
            let Some(instrument) = pack.instruments.get(r.instrument) else {
                return Some(Out::Layer);
            };
            if !reading.includes(instrument.layer) {
                Some(Out::Layer)
            } else if !instrument.is_known_on(known_on) {
                Some(Out::NotPublished)
            } else if !r.window.contains(as_of) || as_of < pack.starts {
                Some(Out::Window)
            } else {
                None
            }
        })
        .collect();
    let mut out = base.clone();
    for (i, r) in pack.rules.iter().enumerate() {
        if base.get(i).copied().flatten().is_some() {
            continue;
        }
        for &target in &r.supersedes {
            if let Some(slot) = out.get_mut(target) {
                if slot.is_none() {
                    *slot = Some(Out::Superseded(i));
                }
            }
        }
    }
    out
}

/// The last date a classification may be made as of: the day before the earliest
/// classification vintage in force on `as_of` that was not yet public on `known_on` (`None`
/// when every vintage in force was known).
fn classification_cutoff(
    pack: &RulePack,
    as_of: Date,
    known_on: Date,
    reading: Reading,
) -> Option<Date> {
    let unknown_start = pack
        .rules
        .iter()
        .filter(|r| matches!(r.effect, Effect::Classification { .. }))
        .filter(|r| r.window.from <= as_of)
        .filter(|r| {
            pack.instruments
                .get(r.instrument)
                .is_none_or(|i| !i.is_known_on(known_on) || !reading.includes(i.layer))
        })
        .map(|r| r.window.from)
        .min();
    unknown_start.and_then(|d| d.pred_opt())
}

/// The date to classify items as of for a request.
pub fn classification_date(pack: &RulePack, as_of: Date, known_on: Date, reading: Reading) -> Date {
    classification_cutoff(pack, as_of, known_on, reading).map_or(as_of, |d| d.min(as_of))
}

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

fn collect_sets<'a>(cond: &'a Condition, out: &mut Vec<&'a SetRef>) {
    for s in [&cond.destination, &cond.headquarters, &cond.from]
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

fn priority(rule: &Rule) -> i32 {
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

fn verdict(pack: &RulePack, s: &Snapshot, req: &Request, item: &ItemFacts) -> Verdict {
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
    // An unknown prohibition is indeterminate even when a licence is surely required: the
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
        tally(&s.conditions, &mut applied, &mut unknown);
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
        explain(self.pack, req, item)
    }
}

/// Determines one decision (compiles the pack for the request's dates; use a [`Determiner`]
/// for many).
pub fn determine(pack: &RulePack, req: &Request, item: &ItemFacts) -> Decision {
    Determiner::new(pack).explain(req, item)
}

// ---- the explaining path ------------------------------------------------------------------

/// Resolves sets from the groups of the request's dates, every time (the oracle).
struct Naive {
    groups: Vec<CountrySet>,
    named: Vec<CountrySet>,
}

impl Sets for Naive {
    fn resolve(&self, set: &SetRef) -> CountrySet {
        set.expr.resolve(&self.groups, &self.named)
    }
}

/// A licence exception available for the transaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExceptionView {
    pub id: String,
    pub rule: String,
    pub citation: String,
    pub obligations: Vec<Obligation>,
}

/// A licence condition that would attach.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionView {
    pub rule: String,
    pub citation: String,
    pub confidence: Confidence,
    #[serde(flatten)]
    pub condition: LicenceCondition,
}

/// An advisory (red flag, policy statement) that bears on the transaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvisoryView {
    pub rule: String,
    pub citation: String,
    pub text: String,
}

/// A citation of a determining rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CitationView {
    pub rule: String,
    pub instrument: String,
    pub cite: String,
    pub sources: Vec<Citation>,
}

/// A rule relied on that is not from a primary source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncertainView {
    pub id: String,
    pub confidence: Confidence,
    pub why: String,
}

/// The decision: the answer, why, and what could change it. CLI text and JSON are renderings
/// of this value; its JSON is byte-identical for the same inputs and pack.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub license_required: Option<bool>,
    pub eccn: Option<Eccn>,
    pub paragraph: Option<String>,
    pub review_policy: Option<ReviewPolicy>,
    pub license_exceptions: Vec<ExceptionView>,
    pub conditions: Vec<ConditionView>,
    pub advisories: Vec<AdvisoryView>,
    pub determining_rules: Vec<String>,
    pub citations: Vec<CitationView>,
    pub uncertain: Vec<UncertainView>,
    pub missing: Vec<MissingFact>,
    pub notes: Vec<String>,
    pub item: ItemFacts,
    pub request: Request,
    pub rule_pack: String,
    pub version: String,
    pub hash: String,
    pub trace: Vec<TraceEntry>,
}

fn window_text(w: &Window) -> String {
    match w.to {
        Some(to) => format!("{} to {to}", w.from),
        None => format!("from {}", w.from),
    }
}

fn set_text(expr: &str) -> String {
    format!("`{expr}`")
}

fn describe_effect(rule: &Rule) -> String {
    match &rule.effect {
        Effect::Requirement { bars_exceptions } => {
            if *bars_exceptions {
                "a licence is required; no licence exception may be used".to_owned()
            } else {
                "a licence is required".to_owned()
            }
        }
        Effect::Prohibition => "do not proceed: the transaction risks a violation".to_owned(),
        Effect::ReviewPolicy { policy, priority } => {
            format!("review policy {} (priority {priority})", policy.as_str())
        }
        Effect::Exception { code, .. } => format!("licence exception {code} is available"),
        Effect::Conditions(c) => format!(
            "licence conditions attach: {}",
            c.iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Effect::Advisory { text } => text.clone(),
        Effect::Presumption { eccn, datacenter } => format!(
            "the item is presumed {}{}",
            eccn.as_str(),
            if *datacenter {
                " and designed or marketed for datacenters"
            } else {
                ""
            }
        ),
        Effect::Classification { .. } => "classification thresholds of this vintage".to_owned(),
        Effect::Suspension => "ends the rules it supersedes".to_owned(),
    }
}

fn eccn_value(e: EccnFact) -> serde_json::Value {
    match e {
        EccnFact::Unknown => serde_json::Value::Null,
        EccnFact::NotListed => serde_json::Value::String("not 3A090/4A090".to_owned()),
        EccnFact::Listed(c) => serde_json::Value::String(c.as_str().to_owned()),
    }
}

fn opt_country(c: Option<Country>) -> serde_json::Value {
    c.map_or(serde_json::Value::Null, |c| {
        serde_json::Value::String(c.code().to_owned())
    })
}

fn number_value(v: Option<f64>) -> serde_json::Value {
    v.and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The facts a condition reads, with their values.
fn facts_read(cond: &Condition, f: &Facts<'_>, out: &mut Vec<FactRead>) {
    let mut push = |fact: &str, value: serde_json::Value| {
        if !out.iter().any(|r| r.fact == fact) {
            out.push(FactRead {
                fact: fact.to_owned(),
                value,
            });
        }
    };
    if cond.destination.is_some() {
        push(
            "destination",
            serde_json::Value::String(f.to.code().to_owned()),
        );
    }
    if cond.eccn.is_some() {
        push("eccn", eccn_value(f.eccn));
    }
    if !cond.item_kind.is_empty() {
        push("item_kind", serde_json::json!(f.item.kind));
    }
    if !cond.named.is_empty() {
        push("item_id", serde_json::json!(f.item.id));
    }
    if cond.from.is_some() {
        push("from", serde_json::Value::String(f.from.code().to_owned()));
    }
    if !cond.transaction.is_empty() {
        push("transaction", serde_json::json!(f.req.transaction));
    }
    if !cond.end_use.is_empty() {
        push("end_use", serde_json::json!(f.req.end_use));
    }
    if !cond.exporter_role.is_empty() {
        push("exporter_role", serde_json::json!(f.req.exporter_role));
    }
    if !cond.rebuttal.is_empty() {
        push("rebuttal", serde_json::json!(f.req.rebuttal));
    }
    if !cond.end_user_list.is_empty() {
        push("end_user_list", serde_json::json!(f.req.end_user_list));
    }
    if cond.datacenter.is_some() {
        push("datacenter", serde_json::json!(f.datacenter));
    }
    for t in cond.facts.iter().chain(&cond.facts_any) {
        push(t.fact.as_str(), number_value(f.number(t.fact).0));
    }
    if cond.headquarters.is_some() {
        push("end_user_hq", opt_country(f.end_user_hq));
        push("parent_hq", opt_country(f.parent_hq));
    }
    for c in &cond.any {
        facts_read(c, f, out);
    }
    if let Some(n) = &cond.not {
        facts_read(n, f, out);
    }
}

/// The first clause that is false, in words (for "not applicable" reasons).
fn failing_clause(cond: &Condition, f: &Facts<'_>, sets: &dyn Sets) -> String {
    let single = |c: Condition| eval(&c, f, sets) == Tri::False;
    if let Some(d) = &cond.destination {
        if single(Condition {
            destination: Some(d.clone()),
            ..Condition::default()
        }) {
            return format!("destination {} is not in {}", f.to, set_text(&d.text));
        }
    }
    if let Some(mask) = cond.eccn {
        if single(Condition {
            eccn: Some(mask),
            ..Condition::default()
        }) {
            let codes: Vec<&str> = cond.eccn_codes().iter().map(|c| c.as_str()).collect();
            let have = match f.eccn {
                EccnFact::Listed(c) => c.as_str(),
                EccnFact::NotListed => "not 3A090/4A090",
                EccnFact::Unknown => "unknown",
            };
            return format!("the item is {have}, not {}", codes.join(" or "));
        }
    }
    if !cond.item_kind.is_empty() && !cond.item_kind.contains(&f.item.kind) {
        return "the item is not of the kind this rule covers".to_owned();
    }
    if !cond.named.is_empty()
        && single(Condition {
            named: cond.named.clone(),
            ..Condition::default()
        })
    {
        return format!("the item is not one of {}", cond.named.join(", "));
    }
    if let Some(from) = &cond.from {
        if single(Condition {
            from: Some(from.clone()),
            ..Condition::default()
        }) {
            return format!(
                "exported from {}, not from {}",
                f.from,
                set_text(&from.text)
            );
        }
    }
    if !cond.transaction.is_empty() && !cond.transaction.contains(&f.req.transaction) {
        return format!(
            "the transaction is {}, not {}",
            f.req.transaction.as_str(),
            cond.transaction
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        );
    }
    if !cond.end_use.is_empty() && !f.req.end_use.is_some_and(|u| cond.end_use.contains(&u)) {
        let uses: Vec<&str> = cond.end_use.iter().map(|u| u.as_str()).collect();
        return match f.req.end_use {
            None => format!(
                "no end use is known; applies on knowledge of: {}",
                uses.join(", ")
            ),
            Some(u) => format!("the end use is {}, not {}", u.as_str(), uses.join(" or ")),
        };
    }
    if !cond.exporter_role.is_empty() && !cond.exporter_role.contains(&f.req.exporter_role) {
        return "the exporter is not a front-end fabricator or OSAT".to_owned();
    }
    if !cond.rebuttal.is_empty() && !cond.rebuttal.contains(&f.req.rebuttal) {
        return "the presumption is rebutted".to_owned();
    }
    if !cond.end_user_list.is_empty()
        && !f
            .req
            .end_user_list
            .is_some_and(|s| cond.end_user_list.contains(&s))
    {
        return match f.req.end_user_list {
            None => {
                "no list status given for the end user (screen with `earmark screen`)".to_owned()
            }
            Some(_) => "the end user's list status does not match".to_owned(),
        };
    }
    if let Some(dc) = cond.datacenter {
        if f.datacenter == Some(!dc) {
            return if dc {
                "the item is not designed or marketed for datacenters".to_owned()
            } else {
                "the item is designed or marketed for datacenters".to_owned()
            };
        }
    }
    for t in &cond.facts {
        if f.test(t) == Tri::False {
            return format!(
                "{} is not {} {}",
                t.fact.as_str(),
                t.compare.symbol(),
                t.value
            );
        }
    }
    if !cond.facts_any.is_empty() && cond.facts_any.iter().all(|t| f.test(t) == Tri::False) {
        let tests: Vec<String> = cond
            .facts_any
            .iter()
            .map(|t| format!("{} {} {}", t.fact.as_str(), t.compare.symbol(), t.value))
            .collect();
        return format!("none of {} holds", tests.join(", "));
    }
    if let Some(hq) = &cond.headquarters {
        if f.headquarters_in(&sets.resolve(hq)) == Tri::False {
            return format!(
                "neither the end user nor its ultimate parent is headquartered in {}",
                set_text(&hq.text)
            );
        }
    }
    if !cond.any.is_empty() {
        let parts: Vec<String> = cond
            .any
            .iter()
            .map(|c| failing_clause(c, f, sets))
            .collect();
        return format!("none of its alternatives holds ({})", parts.join("; "));
    }
    if cond.not.is_some() {
        return "an exclusion applies".to_owned();
    }
    "its conditions do not hold".to_owned()
}

fn missing_text(mask: u32) -> Vec<&'static str> {
    fact::FIELDS
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

fn rule_citation(pack: &RulePack, rule: &Rule) -> String {
    let source = pack
        .instruments
        .get(rule.instrument)
        .and_then(|i| i.citations.first())
        .map(Citation::short)
        .unwrap_or_default();
    if source.is_empty() {
        rule.cite.clone()
    } else if rule.cite.is_empty() {
        source
    } else {
        format!("{}; {source}", rule.cite)
    }
}

fn explain(pack: &RulePack, req: &Request, item: &ItemFacts) -> Decision {
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
    let licence = outcome == Outcome::LicenseRequired;

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
        let (status, reason, facts) = match in_play[i] {
            Some(Out::Layer) => (
                RuleStatus::NotInForce,
                "an enforcement-posture instrument; the legal layer was asked for".to_owned(),
                Vec::new(),
            ),
            Some(Out::NotPublished) => (
                RuleStatus::NotInForce,
                format!(
                    "not yet public on the known-on date {} (public {})",
                    req.known_on,
                    instrument.map_or(req.known_on, |i| i.announced)
                ),
                Vec::new(),
            ),
            Some(Out::Window) => (
                RuleStatus::NotInForce,
                format!(
                    "not in force on {} (in force {})",
                    req.as_of,
                    window_text(&window)
                ),
                Vec::new(),
            ),
            Some(Out::Superseded(by)) => (
                RuleStatus::NotInForce,
                format!(
                    "superseded by `{}` ({})",
                    pack.rules[by].id,
                    pack.instruments
                        .get(pack.rules[by].instrument)
                        .map_or("", |i| i.title.as_str())
                ),
                Vec::new(),
            ),
            None => {
                let mut facts = Vec::new();
                facts_read(&rule.when, &f, &mut facts);
                match (&rule.effect, result(i)) {
                    (Effect::Classification { .. }, _) => (
                        RuleStatus::Applied,
                        format!(
                            "classification thresholds in force; the item was classified as of {}",
                            item.classified_as_of
                                .map_or_else(|| "an unknown date".to_owned(), |d| d.to_string())
                        ),
                        facts,
                    ),
                    (Effect::Suspension, _) => (
                        RuleStatus::Applied,
                        format!(
                            "in force: ends {}",
                            rule.supersedes
                                .iter()
                                .map(|&t| format!("`{}`", pack.rules[t].id))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        facts,
                    ),
                    (_, Some(Tri::False)) | (_, None) => (
                        RuleStatus::NotApplicable,
                        failing_clause(&rule.when, &f, &sets),
                        facts,
                    ),
                    (_, Some(Tri::Unknown(m))) => (
                        RuleStatus::MissingFacts,
                        format!("could apply; unknown: {}", missing_text(m).join(", ")),
                        facts,
                    ),
                    (effect, Some(Tri::True)) => {
                        let mut status = RuleStatus::Applied;
                        let mut reason = describe_effect(rule);
                        match effect {
                            Effect::Requirement { .. } | Effect::Prohibition => {
                                if matches!(effect, Effect::Requirement { .. })
                                    && outcome == Outcome::Prohibited
                                {
                                    reason.push_str(" (overridden: the transaction is prohibited)");
                                }
                                determining.push(i);
                            }
                            Effect::ReviewPolicy { .. } => {
                                if policy_rule == Some(i) {
                                    determining.push(i);
                                } else {
                                    status = RuleStatus::NotApplicable;
                                    reason = match (licence, policy_rule, policy_blocked_by) {
                                        (false, _, _) => {
                                            "holds, but no licence is required".to_owned()
                                        }
                                        (true, Some(w), _) => format!(
                                            "holds, but `{}` has a higher priority",
                                            pack.rules[w].id
                                        ),
                                        (true, None, Some(b)) => format!(
                                            "holds, but higher-priority `{}` is undecided",
                                            pack.rules[b].id
                                        ),
                                        (true, None, None) => "holds".to_owned(),
                                    };
                                }
                            }
                            Effect::Exception { code, obligations } => {
                                if !licence {
                                    status = RuleStatus::NotApplicable;
                                    reason = "holds, but no licence is required".to_owned();
                                } else if let Some(&b) = barring.first() {
                                    status = RuleStatus::NotApplicable;
                                    reason = format!(
                                        "holds, but `{}` bars licence exceptions",
                                        pack.rules[b].id
                                    );
                                } else {
                                    license_exceptions.push(ExceptionView {
                                        id: code.clone(),
                                        rule: rule.id.clone(),
                                        citation: citation.clone(),
                                        obligations: obligations.clone(),
                                    });
                                    determining.push(i);
                                }
                            }
                            Effect::Conditions(list) => {
                                if licence {
                                    for c in list {
                                        conditions.push(ConditionView {
                                            rule: rule.id.clone(),
                                            citation: citation.clone(),
                                            confidence: c.confidence.unwrap_or(rule.confidence),
                                            // The view carries the effective confidence; the
                                            // condition's own override would repeat the key.
                                            condition: LicenceCondition {
                                                confidence: None,
                                                ..c.clone()
                                            },
                                        });
                                    }
                                    determining.push(i);
                                } else {
                                    status = RuleStatus::NotApplicable;
                                    reason = "holds, but no licence is required".to_owned();
                                }
                            }
                            Effect::Advisory { text } => {
                                advisories.push(AdvisoryView {
                                    rule: rule.id.clone(),
                                    citation: citation.clone(),
                                    text: text.clone(),
                                });
                            }
                            Effect::Presumption { .. }
                            | Effect::Classification { .. }
                            | Effect::Suspension => {}
                        }
                        (status, reason, facts)
                    }
                }
            }
        };
        trace.push(TraceEntry {
            rule_id: rule.id.clone(),
            citation,
            window,
            status,
            reason,
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
    let exceptions_barred = trace.iter().any(|t| {
        t.status == RuleStatus::NotApplicable && t.reason.contains("bars licence exceptions")
    });
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
        // licence, unless it is what bars the licence exceptions.
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
    if let Some(verified) = pack.verified_through.filter(|v| req.as_of > *v) {
        notes.push(format!(
            "the rule pack's sources were checked through {verified}: instruments published \
             after that date are not encoded; check for newer rules before relying on this"
        ));
    }
    if req.known_on < pack.starts {
        notes.push(format!(
            "known on {}: no instrument of the pack was public yet, so nothing could be \
             applied; the pack starts on {}",
            req.known_on, pack.starts
        ));
    }
    if req.as_of < pack.starts {
        notes.push(format!(
            "the rule pack starts on {}; before it no advanced-computing rule applies",
            pack.starts
        ));
    }
    if licence && review_policy.is_none() {
        notes.push(match policy_blocked_by {
            Some(_) => "the review policy is undecided: see `missing`".to_owned(),
            None => "no encoded rule states a review policy for this case".to_owned(),
        });
    }
    if req.end_user_list.is_none() {
        notes.push(
            "restricted-party status was not given: this decision covers the item, destination, \
             parties' headquarters and end use; screen the parties with `earmark screen`"
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

impl Verdict {
    /// Ids of the licence exceptions the fast path found available.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Compare;

    #[test]
    fn kleene_logic() {
        let u = Tri::Unknown(fact::TPP);
        assert_eq!(Tri::False.and(|| u), Tri::False);
        assert_eq!(u.and(|| Tri::False), Tri::False);
        assert_eq!(u.and(|| Tri::True), u);
        assert_eq!(u.or(Tri::True), Tri::True);
        assert_eq!(u.or(Tri::False), u);
        assert_eq!(
            u.or(Tri::Unknown(fact::ECCN)),
            Tri::Unknown(fact::TPP | fact::ECCN)
        );
        assert_eq!(u.not(), u);
        assert_eq!(Tri::True.not(), Tri::False);
    }

    #[test]
    fn compare_is_inclusive_where_it_says() {
        assert!(Compare::AtLeast.holds(4000.0, 4000.0));
        assert!(!Compare::Above.holds(2.0, 2.0));
        assert!(Compare::Below.holds(20999.0, 21000.0));
        assert!(!Compare::Below.holds(21000.0, 21000.0));
    }
}
