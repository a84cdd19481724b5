//! Checks that need the whole loaded pack, or data from outside it, rather than one file.
//!
//! The loader ([`RulePack::from_files`]) runs the checks that need nothing but the pack: a
//! `supersedes` cycle, and a country set a rule in force needs that has no member on some date.
//! Two more are called by whoever holds the other data, because the core reads no files: named
//! catalog ids the catalog lacks ([`RulePack::check_references`]), and license requirements
//! left without a review policy ([`RulePack::check_review_policies`]), which decides a sweep of
//! shipments and so needs classified items. Each exists because the gap it finds would
//! otherwise read as an answer: a rule naming a misspelt item never applies, an empty
//! destination set turns a requirement into "no license required", and a requirement whose
//! review policy another rule ended silently reports no policy at all.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::{
    Condition, Effect, EndUse, Exporter, ExporterRole, FactName, Instrument, Layer, ListStatus,
    Problem, Rebuttal, Rule, RulePack, RulesError, SetExpr, SetRef, Transaction,
};
use crate::country::Country;
use crate::determine::{Determiner, EccnFact, ItemFacts, Outcome, Reading, Request};
use crate::Date;

fn at_rule(instruments: &[Instrument], rule: &Rule, message: String) -> Problem {
    Problem {
        file: instruments
            .get(rule.instrument)
            .map_or_else(|| "instruments/".to_owned(), |i| i.file.clone()),
        line: Some(rule.line),
        message,
    }
}

/// Rules that end each other in a ring: while all are in force each one is out of play only
/// because another is, so which of them applies would depend on evaluation order.
pub(super) fn supersedes_cycles(rules: &[Rule], instruments: &[Instrument]) -> Vec<Problem> {
    const WHITE: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![WHITE; rules.len()];
    let mut cycles: BTreeSet<Vec<usize>> = BTreeSet::new();
    for start in 0..rules.len() {
        if state.get(start) != Some(&WHITE) {
            continue;
        }
        // Iterative depth-first search: a chain of thousands of rules must not overflow the stack.
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        if let Some(s) = state.get_mut(start) {
            *s = ON_PATH;
        }
        while let Some(top) = path.last_mut() {
            let (node, next) = *top;
            top.1 += 1;
            let child = rules
                .get(node)
                .and_then(|r| r.supersedes.get(next))
                .copied();
            match child {
                Some(child) => match state.get(child).copied() {
                    Some(WHITE) => {
                        if let Some(s) = state.get_mut(child) {
                            *s = ON_PATH;
                        }
                        path.push((child, 0));
                    }
                    Some(ON_PATH) => {
                        let from = path.iter().position(|(n, _)| *n == child).unwrap_or(0);
                        let mut cycle: Vec<usize> = path[from..].iter().map(|(n, _)| *n).collect();
                        // One report per ring, whichever rule the search entered it by.
                        if let Some(min_at) = cycle
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, n)| **n)
                            .map(|(i, _)| i)
                        {
                            cycle.rotate_left(min_at);
                        }
                        cycles.insert(cycle);
                    }
                    _ => {}
                },
                None => {
                    if let Some(s) = state.get_mut(node) {
                        *s = DONE;
                    }
                    path.pop();
                }
            }
        }
    }
    cycles
        .into_iter()
        .filter_map(|cycle| {
            let first = rules.get(*cycle.first()?)?;
            let names: Vec<String> = cycle
                .iter()
                .chain(cycle.first())
                .filter_map(|&i| rules.get(i).map(|r| format!("`{}`", r.id)))
                .collect();
            Some(at_rule(
                instruments,
                first,
                format!(
                    "`supersedes` cycle: {}; rules cannot end each other in a ring",
                    names.join(" supersedes ")
                ),
            ))
        })
        .collect()
}

/// Every country-set expression of a condition, with the clause it belongs to.
fn set_refs<'a>(cond: &'a Condition, out: &mut Vec<(Role, &'a SetRef)>) {
    for (role, set) in [
        (Role::Destination, &cond.destination),
        (Role::Headquarters, &cond.headquarters),
        (Role::From, &cond.from),
    ] {
        if let Some(set) = set {
            out.push((role, set));
        }
    }
    for c in &cond.any {
        set_refs(c, out);
    }
    if let Some(n) = &cond.not {
        set_refs(n, out);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Destination,
    Headquarters,
    From,
}

/// A Country Group or named set an expression reads, directly or through named sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Operand {
    Group(usize),
    Named(usize),
}

fn operands(pack: &RulePack, expr: &SetExpr, seen: &mut HashSet<usize>, out: &mut Vec<Operand>) {
    match expr {
        SetExpr::Group(g) => out.push(Operand::Group(*g)),
        SetExpr::Named(n) => {
            out.push(Operand::Named(*n));
            // Named sets are acyclic once loaded; `seen` also keeps a shared set from being
            // walked twice.
            if seen.insert(*n) {
                if let Some(named) = pack.sets.get(*n) {
                    operands(pack, &named.set.expr, seen, out);
                }
            }
        }
        SetExpr::Union(a, b) | SetExpr::Difference(a, b) | SetExpr::Intersection(a, b) => {
            operands(pack, a, seen, out);
            operands(pack, b, seen, out);
        }
        SetExpr::All | SetExpr::Country(_) => {}
    }
}

impl RulePack {
    pub(super) fn with_country_sets_checked(self) -> Result<Self, RulesError> {
        let problems = self.check_country_sets();
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(RulesError { problems })
        }
    }

    /// Country sets and Country Groups that are empty on a date where a rule in force reads
    /// them, in either reading and whether or not later instruments are known: a destination
    /// set with no member would turn a requirement into "no license required". Each is
    /// reported once, on the first such date, at the rule's line.
    pub fn check_country_sets(&self) -> Vec<Problem> {
        let last_known = self
            .publication_dates()
            .last()
            .copied()
            .unwrap_or(self.starts);
        let mut found: BTreeMap<(usize, String), Problem> = BTreeMap::new();
        let dates: Vec<Date> = self
            .boundaries()
            .into_iter()
            .filter(|d| *d >= self.starts)
            .collect();
        for &date in &dates {
            for enforced in [false, true] {
                for known_on in [date, date.max(last_known)] {
                    let groups = self.groups_on(date, known_on, enforced);
                    let named = self.sets_on(&groups);
                    for (i, rule) in self.rules.iter().enumerate() {
                        let Some(instrument) = self.instruments.get(rule.instrument) else {
                            continue;
                        };
                        let in_reading = enforced || instrument.layer == Layer::Legal;
                        if !in_reading
                            || !instrument.is_known_on(known_on)
                            || !rule.window.contains(date)
                        {
                            continue;
                        }
                        let mut refs = Vec::new();
                        set_refs(&rule.when, &mut refs);
                        for (_, set) in refs {
                            let mut empty = Vec::new();
                            let mut ops = Vec::new();
                            if set.expr.resolve(&groups, &named).is_empty() {
                                empty.push(format!("country set `{}`", set.text));
                            } else {
                                // A set that still has members can hide an empty part: a
                                // difference with an emptied group subtracts nothing.
                                operands(self, &set.expr, &mut HashSet::new(), &mut ops);
                            }
                            ops.sort_unstable();
                            ops.dedup();
                            for op in ops {
                                let (members, name) = match op {
                                    Operand::Group(g) => (
                                        groups.get(g).copied().unwrap_or_default(),
                                        self.groups
                                            .get(g)
                                            .map(|g| format!("Country Group `{}`", g.id)),
                                    ),
                                    Operand::Named(n) => (
                                        named.get(n).copied().unwrap_or_default(),
                                        self.sets.get(n).map(|s| format!("set `{}`", s.name)),
                                    ),
                                };
                                if let (true, Some(name)) = (members.is_empty(), name) {
                                    empty.push(format!("{name} (in `{}`)", set.text));
                                }
                            }
                            for what in empty {
                                found.entry((i, what.clone())).or_insert_with(|| {
                                    at_rule(
                                        &self.instruments,
                                        rule,
                                        format!(
                                            "rule `{}` is in force on {date} but {what} has no member then, so the rule could never apply",
                                            rule.id
                                        ),
                                    )
                                });
                            }
                        }
                    }
                }
            }
        }
        found.into_values().collect()
    }

    /// `when.named` ids for which `is_known_item` is false (the catalog lacks them), at the
    /// line each is written: such a rule would silently never match its item.
    pub fn check_references(&self, is_known_item: &dyn Fn(&str) -> bool) -> Vec<Problem> {
        fn walk(
            cond: &Condition,
            rule: &Rule,
            pack: &RulePack,
            is_known_item: &dyn Fn(&str) -> bool,
            out: &mut Vec<Problem>,
        ) {
            for (k, id) in cond.named.iter().enumerate() {
                if !is_known_item(id) {
                    let mut p = at_rule(
                        &pack.instruments,
                        rule,
                        format!(
                            "rule `{}`: `when.named` names `{id}`, which is not in the catalog",
                            rule.id
                        ),
                    );
                    p.line = cond.named_lines.get(k).copied().or(p.line);
                    out.push(p);
                }
            }
            for (k, id) in cond.incorporates.iter().enumerate() {
                if !is_known_item(id) {
                    let mut p = at_rule(
                        &pack.instruments,
                        rule,
                        format!(
                            "rule `{}`: `when.incorporates` names `{id}`, which is not in the catalog",
                            rule.id
                        ),
                    );
                    p.line = cond.incorporates_lines.get(k).copied().or(p.line);
                    out.push(p);
                }
            }
            for c in &cond.any {
                walk(c, rule, pack, is_known_item, out);
            }
            if let Some(n) = &cond.not {
                walk(n, rule, pack, is_known_item, out);
            }
        }
        let mut out = Vec::new();
        for rule in &self.rules {
            walk(&rule.when, rule, self, is_known_item, &mut out);
        }
        out.sort();
        out.dedup();
        out
    }

    /// License requirements left without a review policy: for every date on which something
    /// in the pack changes, both readings (with every instrument known), one destination per
    /// class of countries the pack's sets tell apart, export / reexport / in-country transfer,
    /// end users headquartered at home or in each class of headquarters, every end use, list
    /// status and exporter role the rules name, and every item `items_on(classification date)`
    /// returns, decide with the [`Determiner`]. A decision that requires a license with no
    /// review policy, where no policy was merely undecided for want of a fact and not every
    /// requiring rule declares a `review_policy_gap`, is reported once per reading and set of
    /// requiring rules, at the first requiring rule, with its first case and the number of
    /// cases.
    pub fn check_review_policies(
        &self,
        items_on: &mut dyn FnMut(Date) -> Vec<ItemFacts>,
    ) -> Vec<Problem> {
        let last_known = self
            .publication_dates()
            .last()
            .copied()
            .unwrap_or(self.starts);
        let dates: Vec<Date> = self
            .boundaries()
            .into_iter()
            .filter(|d| *d >= self.starts)
            .collect();
        let readings = [Reading::Enforced, Reading::Legal];
        let classes = CountryClasses::of(self, &dates, last_known);
        let variants = Variant::named_by(self);
        let fact_tests = fact_tests(self);
        let is_policy: Vec<bool> = self
            .rules
            .iter()
            .map(|r| matches!(r.effect, Effect::ReviewPolicy { .. }))
            .collect();
        let is_requirement: Vec<bool> = self
            .rules
            .iter()
            .map(|r| matches!(r.effect, Effect::Requirement { .. }))
            .collect();
        let mut determiner = Determiner::new(self);
        let mut classified: HashMap<Date, Vec<ItemFacts>> = HashMap::new();
        let mut gaps: BTreeMap<(&'static str, Vec<usize>), (String, usize)> = BTreeMap::new();
        for &date in &dates {
            let known_on = date.max(last_known);
            for reading in readings {
                let on = determiner.classification_date(date, known_on, reading);
                let items = classified
                    .entry(on)
                    .or_insert_with(|| distinct_items(items_on(on), &fact_tests, self));
                for (req, variant) in classes.requests(date, known_on, reading, &variants) {
                    for item in items.iter() {
                        let v = determiner.decide(&req, item);
                        let policy_undecided = v
                            .unknown
                            .iter()
                            .any(|i| is_policy.get(i).copied().unwrap_or(false));
                        if v.outcome != Outcome::LicenseRequired
                            || v.review_policy.is_some()
                            || policy_undecided
                        {
                            continue;
                        }
                        let requiring: Vec<usize> = v
                            .applied
                            .iter()
                            .filter(|i| is_requirement.get(*i).copied().unwrap_or(false))
                            .collect();
                        let declared = |i: &usize| {
                            self.rules
                                .get(*i)
                                .is_some_and(|r| r.review_policy_gap.is_some())
                        };
                        if !requiring.is_empty() && requiring.iter().all(declared) {
                            continue;
                        }
                        let entry = gaps
                            .entry((reading.as_str(), requiring))
                            .or_insert_with(|| (case_text(&req, item, &variant), 0));
                        entry.1 += 1;
                    }
                }
            }
        }
        gaps.into_iter()
            .map(|((reading, requiring), (case, count))| {
                let ids: Vec<String> = requiring
                    .iter()
                    .filter_map(|&i| self.rules.get(i).map(|r| format!("`{}`", r.id)))
                    .collect();
                let message = format!(
                    "license required with no review policy ({reading} reading): {} {} a license {case}, and no review policy applies ({count} such cases in the sweep)",
                    ids.join(" and "),
                    if ids.len() == 1 { "requires" } else { "require" },
                );
                match requiring.first().and_then(|&i| self.rules.get(i)) {
                    Some(rule) => at_rule(&self.instruments, rule, message),
                    None => Problem {
                        file: "instruments/".to_owned(),
                        line: None,
                        message,
                    },
                }
            })
            .collect()
    }
}

/// Whether a rule can change a decision's outcome or review policy: only these rules tell
/// shipments apart for the sweep (exceptions, conditions and advisories cannot make a policy
/// go missing).
fn decides_outcome(rule: &Rule) -> bool {
    matches!(
        rule.effect,
        Effect::Requirement { .. }
            | Effect::Prohibition
            | Effect::ReviewPolicy { .. }
            | Effect::Presumption { .. }
    )
}

/// One destination, export-from country and headquarters country per class of countries that
/// every set expression of the pack treats alike on every date, in both readings (as the EAR
/// reads them: Hong Kong as China): deciding for one member decides for the class.
struct CountryClasses {
    destinations: Vec<Country>,
    headquarters: Vec<Country>,
    from: Vec<Country>,
}

impl CountryClasses {
    /// The shipments swept on one date: every destination class, exported from the US,
    /// reexported from each other export-from class, or transferred in-country; the end user
    /// and its parent headquartered at the destination or in each headquarters class; and
    /// each variant. Headquarters abroad are swept for the baseline variant only, which keeps
    /// the sweep within seconds.
    fn requests(
        &self,
        date: Date,
        known_on: Date,
        reading: Reading,
        variants: &[Variant],
    ) -> Vec<(Request, Variant)> {
        let mut out = Vec::new();
        for &to in &self.destinations {
            let mut shipments = vec![(Transaction::Export, Country::us())];
            shipments.extend(
                self.from
                    .iter()
                    .filter(|f| **f != Country::us())
                    .map(|f| (Transaction::Reexport, *f)),
            );
            shipments.push((Transaction::InCountry, to));
            let mut headquarters = vec![to];
            headquarters.extend(self.headquarters.iter().filter(|h| **h != to));
            for (transaction, from) in shipments {
                for &variant in variants {
                    let hqs = if variant == Variant::BASELINE {
                        &headquarters[..]
                    } else {
                        &headquarters[..1]
                    };
                    for &hq in hqs {
                        let mut req = Request::export(to, date);
                        req.known_on = known_on;
                        req.reading = reading;
                        req.transaction = transaction;
                        req.from = from;
                        req.end_user_hq = Some(hq);
                        req.parent_hq = Some(hq);
                        req.end_use = variant.end_use;
                        req.end_user_list = variant.list;
                        req.exporter_role = variant.role;
                        req.rebuttal = variant.rebuttal;
                        req.exporter = variant.exporter;
                        out.push((req, variant));
                    }
                }
            }
        }
        out
    }

    fn of(pack: &RulePack, dates: &[Date], last_known: Date) -> Self {
        let mut refs = Vec::new();
        for rule in pack.rules.iter().filter(|r| decides_outcome(r)) {
            set_refs(&rule.when, &mut refs);
        }
        let countries: Vec<Country> = Country::all().collect();
        let mut signatures: [Vec<Vec<bool>>; 3] =
            std::array::from_fn(|_| countries.iter().map(|_| Vec::new()).collect::<Vec<_>>());
        for &date in dates {
            for enforced in [true, false] {
                let groups = pack.groups_on(date, date.max(last_known), enforced);
                let named = pack.sets_on(&groups);
                for (role, set) in &refs {
                    let members = set.expr.resolve(&groups, &named);
                    let Some(sigs) = signatures.get_mut(*role as usize) else {
                        continue;
                    };
                    for (k, &c) in countries.iter().enumerate() {
                        if let Some(sig) = sigs.get_mut(k) {
                            sig.push(members.contains(pack.ear_country(c, date)));
                        }
                    }
                }
            }
        }
        let pick = |sigs: &Vec<Vec<bool>>| {
            let mut seen = HashSet::new();
            countries
                .iter()
                .zip(sigs)
                .filter(|(_, sig)| seen.insert((*sig).clone()))
                .map(|(c, _)| *c)
                .collect::<Vec<Country>>()
        };
        let [destinations, headquarters, from] = &signatures;
        let mut from_reps = pick(from);
        // The default export-from country stands for its own class.
        let us_sig = from.get(Country::us().index());
        from_reps.retain(|c| from.get(c.index()) != us_sig);
        from_reps.insert(0, Country::us());
        Self {
            destinations: pick(destinations),
            headquarters: pick(headquarters),
            from: from_reps,
        }
    }
}

/// What a shipment may add to the baseline (no end use known, not screened, an ordinary
/// exporter): one at a time, each value the pack's rules name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Variant {
    end_use: Option<EndUse>,
    list: Option<ListStatus>,
    role: ExporterRole,
    rebuttal: Rebuttal,
    exporter: Option<Exporter>,
}

impl Variant {
    const BASELINE: Self = Self {
        end_use: None,
        list: None,
        role: ExporterRole::Other,
        rebuttal: Rebuttal::None,
        exporter: None,
    };

    fn named_by(pack: &RulePack) -> Vec<Self> {
        fn walk(c: &Condition, out: &mut Vec<Variant>) {
            for &u in &c.end_use {
                out.push(Variant {
                    end_use: Some(u),
                    ..Variant::BASELINE
                });
            }
            for &l in &c.end_user_list {
                out.push(Variant {
                    list: Some(l),
                    ..Variant::BASELINE
                });
            }
            for &role in &c.exporter_role {
                out.push(Variant {
                    role,
                    ..Variant::BASELINE
                });
            }
            // Each exporter a rule names, and one it does not name (another company).
            for &e in &c.exporter {
                out.push(Variant {
                    exporter: Some(e),
                    ..Variant::BASELINE
                });
                if let Ok(other) = Exporter::parse("another-exporter") {
                    out.push(Variant {
                        exporter: Some(other),
                        ..Variant::BASELINE
                    });
                }
            }
            for a in &c.any {
                walk(a, out);
            }
            if let Some(n) = &c.not {
                walk(n, out);
            }
        }
        let mut out = vec![Self::BASELINE];
        for rule in pack.rules.iter().filter(|r| decides_outcome(r)) {
            walk(&rule.when, &mut out);
        }
        // A rebuttal is only read with a role; pair every role named with every rebuttal named.
        let roles: Vec<ExporterRole> = out
            .iter()
            .map(|v| v.role)
            .filter(|r| *r != ExporterRole::Other)
            .collect();
        let mut rebuttals = Vec::new();
        for rule in pack.rules.iter().filter(|r| decides_outcome(r)) {
            collect_rebuttals(&rule.when, &mut rebuttals);
        }
        for &role in &roles {
            for &rebuttal in &rebuttals {
                out.push(Self {
                    role,
                    rebuttal,
                    ..Self::BASELINE
                });
            }
        }
        let mut distinct = Vec::new();
        for v in out {
            if !distinct.contains(&v) {
                distinct.push(v);
            }
        }
        distinct
    }
}

fn collect_rebuttals(c: &Condition, out: &mut Vec<Rebuttal>) {
    out.extend(c.rebuttal.iter().copied());
    for a in &c.any {
        collect_rebuttals(a, out);
    }
    if let Some(n) = &c.not {
        collect_rebuttals(n, out);
    }
}

/// Every fact test of the pack, so that items the rules cannot tell apart are decided once.
fn fact_tests(pack: &RulePack) -> Vec<(FactName, super::Compare, f64)> {
    fn walk(c: &Condition, out: &mut Vec<(FactName, super::Compare, f64)>) {
        for t in c.facts.iter().chain(&c.facts_any) {
            out.push((t.fact, t.compare, t.value));
        }
        for a in &c.any {
            walk(a, out);
        }
        if let Some(n) = &c.not {
            walk(n, out);
        }
    }
    let mut out = Vec::new();
    for rule in pack.rules.iter().filter(|r| decides_outcome(r)) {
        walk(&rule.when, &mut out);
    }
    out
}

fn distinct_items(
    items: Vec<ItemFacts>,
    tests: &[(FactName, super::Compare, f64)],
    pack: &RulePack,
) -> Vec<ItemFacts> {
    let mut named = HashSet::new();
    for rule in pack.rules.iter().filter(|r| decides_outcome(r)) {
        collect_named(&rule.when, &mut named);
    }
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|item| {
            let value = |fact: FactName| match fact {
                FactName::Tpp | FactName::ShipmentTpp => item.tpp,
                FactName::PerformanceDensity => item.performance_density,
                FactName::MemoryBandwidthGbs => item.memory_bandwidth_gbs,
                FactName::InterconnectBidirGbs => item.interconnect_bidir_gbs,
                FactName::MemoryBandwidthDensity => item.memory_bandwidth_density,
            };
            let outcomes: Vec<Option<bool>> = tests
                .iter()
                .map(|(fact, compare, v)| value(*fact).map(|x| compare.holds(x, *v)))
                .collect();
            let id = item
                .id
                .as_deref()
                .filter(|id| named.contains(*id))
                .map(str::to_owned);
            seen.insert(format!(
                "{id:?} {:?} {:?} {:?} {outcomes:?}",
                item.kind, item.eccn, item.datacenter
            ))
        })
        .collect()
}

fn collect_named(c: &Condition, out: &mut HashSet<String>) {
    out.extend(c.named.iter().cloned());
    for a in &c.any {
        collect_named(a, out);
    }
    if let Some(n) = &c.not {
        collect_named(n, out);
    }
}

fn case_text(req: &Request, item: &ItemFacts, variant: &Variant) -> String {
    let what = item.id.clone().unwrap_or_else(|| {
        let eccn = match item.eccn {
            EccnFact::Listed(e) => e.as_str(),
            EccnFact::NotListed => "unlisted",
            EccnFact::Unknown => "unclassified",
        };
        format!("{} ({eccn})", item.name)
    });
    let mut text = format!(
        "for `{what}`: {} from {} to {} on {}, end user headquartered in {}",
        req.transaction.as_str(),
        req.from.code(),
        req.to.code(),
        req.as_of,
        req.end_user_hq.map_or("?", |c| c.code()),
    );
    if let Some(u) = variant.end_use {
        text.push_str(&format!(", end use {}", u.as_str()));
    }
    if let Some(l) = variant.list {
        let status = match l {
            ListStatus::NotListed => "not_listed",
            ListStatus::Listed => "listed",
            ListStatus::Affiliate => "affiliate",
            ListStatus::PossibleMatch => "possible_match",
            ListStatus::Unknown => "unknown",
        };
        text.push_str(&format!(", end user list status {status}"));
    }
    if let Some(e) = variant.exporter {
        text.push_str(&format!(", exporter {e}"));
    }
    if variant.role != ExporterRole::Other {
        let role = match variant.role {
            ExporterRole::Other => "other",
            ExporterRole::FrontEndFabricator => "front_end_fabricator",
            ExporterRole::Osat => "osat",
        };
        let rebuttal = match variant.rebuttal {
            Rebuttal::None => "none",
            Rebuttal::ApprovedDesigner => "approved_designer",
            Rebuttal::AuthorizedDesigner => "authorized_designer",
            Rebuttal::TransistorCount => "transistor_count",
        };
        text.push_str(&format!(", exporter role {role}, rebuttal {rebuttal}"));
    }
    text
}
