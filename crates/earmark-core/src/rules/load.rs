//! Loading a rule pack from its TOML files, with validation.
//!
//! Parsing is strict (`deny_unknown_fields` everywhere) and every semantic check reports the
//! file and line: unknown country codes and group or set names, missing citations, dates out
//! of order, unknown `supersedes` targets, duplicate ids, and contradictory overlapping
//! review policies (same priority, different policy, overlapping windows). All problems are
//! collected, not just the first, so `earmark rules validate` can list them in one run.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::expr::{self, Names};
use crate::catalog::is_valid_id;

use super::{
    Citation, Compare, Condition, Confidence, Eccn, Effect, EndUse, Exporter, ExporterRole,
    FactName, FactTest, Group, GroupAction, GroupChange, Instrument, InstrumentKind, Layer,
    LicenseCondition, ListStatus, NamedSet, Obligation, Rebuttal, ReviewPolicy, Rule, RulePack,
    SetRef, ThresholdKey, Transaction, Treatment, MAX_RULES,
};
use crate::country::{Country, CountrySet};
use crate::spec::{line_column, ItemKind};
use crate::trace::Window;
use crate::Date;

/// One problem found while loading a pack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: String,
    /// One-based line, when the problem has a position.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A pack that did not load: every problem found, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RulesError {
    pub problems: Vec<Problem>,
}

impl std::fmt::Display for RulesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.problems.as_slice() {
            [] => f.write_str("invalid rule pack"),
            [one] => write!(f, "{one}"),
            [first, rest @ ..] => write!(f, "{first} (and {} more problems)", rest.len()),
        }
    }
}

// ---- file formats -------------------------------------------------------------------------

type SDate = Spanned<toml::value::Datetime>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    id: String,
    title: String,
    version: String,
    starts: SDate,
    #[serde(default)]
    verified_through: Option<SDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountriesFile {
    #[serde(default)]
    treatment: Vec<TreatmentDef>,
    #[serde(default)]
    set: Vec<SetDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TreatmentDef {
    country: Spanned<String>,
    treated_as: Spanned<String>,
    since: SDate,
    citation: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetDef {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    members: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupsFile {
    group: Vec<GroupDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupDef {
    id: Spanned<String>,
    name: String,
    members: Vec<Spanned<String>>,
    #[serde(default)]
    change: Vec<ChangeDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeDef {
    country: Spanned<String>,
    action: GroupAction,
    date: SDate,
    instrument: Spanned<String>,
}

impl<'de> Deserialize<'de> for GroupAction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "add" => Ok(Self::Add),
            "remove" => Ok(Self::Remove),
            other => Err(serde::de::Error::custom(format!(
                "unknown action `{other}`, expected `add` or `remove`"
            ))),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstrumentFile {
    id: Spanned<String>,
    title: String,
    kind: InstrumentKind,
    layer: Layer,
    confidence: Confidence,
    announced: Option<SDate>,
    published: SDate,
    effective: SDate,
    compliance: Option<SDate>,
    end: Option<SDate>,
    citations: Option<Spanned<Vec<Citation>>>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    rules: Vec<RuleDef>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RuleKind {
    LicenseRequirement,
    Prohibition,
    ReviewPolicy,
    LicenseException,
    LicenseCondition,
    Advisory,
    Presumption,
    Classification,
    Suspension,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: Spanned<String>,
    kind: RuleKind,
    #[serde(default)]
    title: String,
    cite: Option<String>,
    from: Option<SDate>,
    to: Option<SDate>,
    confidence: Option<Confidence>,
    #[serde(default)]
    supersedes: Vec<Spanned<String>>,
    with_policy: Option<Spanned<String>>,
    #[serde(default)]
    note: String,
    when: Option<WhenDef>,
    policy: Option<ReviewPolicy>,
    priority: Option<i32>,
    exception: Option<String>,
    #[serde(default)]
    obligations: Vec<Obligation>,
    #[serde(default)]
    conditions: Vec<LicenseCondition>,
    bars_exceptions: Option<bool>,
    review_policy_gap: Option<String>,
    text: Option<String>,
    presume_eccn: Option<Eccn>,
    presume_datacenter: Option<bool>,
    #[serde(default)]
    paragraphs: Vec<String>,
    thresholds: Option<Spanned<BTreeMap<String, Spanned<f64>>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WhenDef {
    #[serde(default)]
    eccn: Vec<Eccn>,
    datacenter: Option<bool>,
    #[serde(default)]
    item_kind: Vec<ItemKind>,
    #[serde(default)]
    named: Vec<Spanned<String>>,
    #[serde(default)]
    facts: Vec<FactTestDef>,
    #[serde(default)]
    facts_any: Vec<FactTestDef>,
    destination: Option<Spanned<String>>,
    headquarters: Option<Spanned<String>>,
    from: Option<Spanned<String>>,
    origin: Option<Spanned<String>>,
    #[serde(default)]
    transaction: Vec<Transaction>,
    #[serde(default)]
    end_use: Vec<EndUse>,
    #[serde(default)]
    exporter_role: Vec<ExporterRole>,
    #[serde(default)]
    exporter: Vec<Spanned<String>>,
    #[serde(default)]
    incorporates: Vec<Spanned<String>>,
    #[serde(default)]
    rebuttal: Vec<Rebuttal>,
    #[serde(default)]
    end_user_list: Vec<ListStatus>,
    #[serde(default)]
    any: Vec<WhenDef>,
    not: Option<Box<WhenDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FactTestDef {
    fact: FactName,
    at_least: Option<f64>,
    above: Option<f64>,
    below: Option<f64>,
    at_most: Option<f64>,
}

// ---- loading ------------------------------------------------------------------------------

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    problems: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn at(&mut self, offset: Option<usize>, message: impl Into<String>) {
        let line = offset.map(|o| line_column(self.text, o).0);
        self.problems.push(Problem {
            file: self.file.to_owned(),
            line,
            message: message.into(),
        });
    }

    fn date(&mut self, value: &SDate, field: &str) -> Option<Date> {
        let dt = value.get_ref();
        let parsed = match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                Date::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
            }
            _ => None,
        };
        if parsed.is_none() {
            self.at(
                Some(value.span().start),
                format!("field `{field}`: expected a date like 2023-11-17, found `{dt}`"),
            );
        }
        parsed
    }
}

struct PackNames<'a> {
    groups: &'a HashMap<String, usize>,
    sets: &'a HashMap<String, usize>,
    slots: std::cell::Cell<usize>,
}

impl PackNames<'_> {
    fn next_slot(&self) -> usize {
        let slot = self.slots.get();
        self.slots.set(slot + 1);
        slot
    }
}

impl Names for PackNames<'_> {
    fn group(&self, name: &str) -> Option<usize> {
        self.groups.get(name).copied()
    }
    fn named_set(&self, name: &str) -> Option<usize> {
        self.sets.get(name).copied()
    }
}

fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(Problem {
                file: file.to_owned(),
                line: e.span().map(|s| line_column(text, s.start).0),
                message: e.message().trim().to_owned(),
            });
            None
        }
    }
}

/// Whether a path (relative to the pack) is pack data: `.toml` files outside `golden/`, which
/// holds test cases and their item specs.
pub fn is_pack_file(path: &str) -> bool {
    path.ends_with(".toml") && !path.starts_with("golden/")
}

/// The content hash of a pack: sha256 over each `.toml` file in path order, each as its path,
/// a NUL, its length in decimal, a NUL, and its bytes.
pub fn content_hash(files: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = files.iter().filter(|(p, _)| is_pack_file(p)).collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut hasher = Sha256::new();
    for (path, text) in sorted {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(text.len().to_string().as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
    }
    hex::encode(hasher.finalize())
}

impl RulePack {
    /// Loads a pack from `(path relative to the pack directory, text)` pairs. Files other than
    /// `.toml` (README, golden tables) are ignored; `.toml` files must be `pack.toml`,
    /// `countries.toml`, `country-groups.toml`, `entity-list-rules.toml` or `instruments/*.toml`.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Self, RulesError> {
        let mut problems = Vec::new();
        let mut sorted: Vec<(&str, &str)> = files
            .iter()
            .copied()
            .filter(|(p, _)| is_pack_file(p))
            .collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut seen_paths = HashSet::new();
        let mut pack_file = None;
        let mut countries_file = None;
        let mut groups_file = None;
        let mut listing_file = None;
        let mut instrument_files = Vec::new();
        for &(path, text) in &sorted {
            if !seen_paths.insert(path) {
                problems.push(problem(path, "the file is given twice"));
                continue;
            }
            match path {
                "pack.toml" => pack_file = Some(text),
                "countries.toml" => countries_file = Some(text),
                "country-groups.toml" => groups_file = Some(text),
                "entity-list-rules.toml" => listing_file = Some(text),
                p if p.starts_with("instruments/") => instrument_files.push((path, text)),
                _ => problems.push(problem(
                    path,
                    "unexpected file: a pack holds pack.toml, countries.toml, country-groups.toml, entity-list-rules.toml (optional) and instruments/*.toml",
                )),
            }
        }
        let hash = content_hash(&sorted);

        // pack.toml
        let mut header = None;
        match pack_file {
            None => problems.push(problem("pack.toml", "missing: every pack needs one")),
            Some(text) => {
                if let Some(p) = parse_toml::<PackFile>("pack.toml", text, &mut problems) {
                    let mut ctx = Ctx {
                        file: "pack.toml",
                        text,
                        problems: &mut problems,
                    };
                    let verified_through = p
                        .verified_through
                        .as_ref()
                        .and_then(|d| ctx.date(d, "verified_through"));
                    if let Some(starts) = ctx.date(&p.starts, "starts") {
                        header = Some((p.id, p.title, p.version, starts, verified_through));
                    }
                }
            }
        }

        // instruments first (ids are needed by group changes), rules resolved afterwards
        let mut instruments: Vec<Instrument> = Vec::new();
        let mut instrument_ids: HashMap<String, usize> = HashMap::new();
        let mut parsed_instruments = Vec::new();
        for &(path, text) in &instrument_files {
            let Some(def) = parse_toml::<InstrumentFile>(path, text, &mut problems) else {
                continue;
            };
            let mut ctx = Ctx {
                file: path,
                text,
                problems: &mut problems,
            };
            if let Some(instrument) = instrument_header(&mut ctx, &def) {
                if instrument_ids.contains_key(&instrument.id) {
                    ctx.at(
                        Some(def.id.span().start),
                        format!("duplicate instrument id `{}`", instrument.id),
                    );
                    continue;
                }
                instrument_ids.insert(instrument.id.clone(), instruments.len());
                instruments.push(instrument);
                parsed_instruments.push((path, text, def));
            }
        }

        // groups
        let mut groups: Vec<Group> = Vec::new();
        let mut group_ids: HashMap<String, usize> = HashMap::new();
        match groups_file {
            None => problems.push(problem(
                "country-groups.toml",
                "missing: every pack needs one",
            )),
            Some(text) => {
                if let Some(def) =
                    parse_toml::<GroupsFile>("country-groups.toml", text, &mut problems)
                {
                    let mut ctx = Ctx {
                        file: "country-groups.toml",
                        text,
                        problems: &mut problems,
                    };
                    for g in def.group {
                        if let Some(group) = load_group(&mut ctx, &g, &instrument_ids) {
                            if group_ids.contains_key(&group.id) {
                                ctx.at(
                                    Some(g.id.span().start),
                                    format!("duplicate group `{}`", group.id),
                                );
                                continue;
                            }
                            group_ids.insert(group.id.clone(), groups.len());
                            groups.push(group);
                        }
                    }
                }
            }
        }

        // countries.toml: treatments and named sets
        let mut treatments = Vec::new();
        let mut sets: Vec<NamedSet> = Vec::new();
        let mut set_ids: HashMap<String, usize> = HashMap::new();
        let mut set_order = Vec::new();
        match countries_file {
            None => problems.push(problem("countries.toml", "missing: every pack needs one")),
            Some(text) => {
                if let Some(def) =
                    parse_toml::<CountriesFile>("countries.toml", text, &mut problems)
                {
                    let mut ctx = Ctx {
                        file: "countries.toml",
                        text,
                        problems: &mut problems,
                    };
                    for t in &def.treatment {
                        let country = country_code(&mut ctx, &t.country);
                        let treated_as = country_code(&mut ctx, &t.treated_as);
                        let since = ctx.date(&t.since, "since");
                        if let (Some(country), Some(treated_as), Some(since)) =
                            (country, treated_as, since)
                        {
                            treatments.push(Treatment {
                                country,
                                treated_as,
                                since,
                                citation: t.citation.clone(),
                            });
                        }
                    }
                    for (i, s) in def.set.iter().enumerate() {
                        if set_ids.insert(s.name.get_ref().clone(), i).is_some() {
                            ctx.at(
                                Some(s.name.span().start),
                                format!("duplicate set `{}`", s.name.get_ref()),
                            );
                        }
                    }
                    let names = PackNames {
                        groups: &group_ids,
                        sets: &set_ids,
                        slots: std::cell::Cell::new(0),
                    };
                    for s in &def.set {
                        match expr::parse(s.members.get_ref(), &names) {
                            Ok(e) => sets.push(NamedSet {
                                name: s.name.get_ref().clone(),
                                description: s.description.clone(),
                                set: SetRef {
                                    text: s.members.get_ref().clone(),
                                    expr: e,
                                    slot: usize::MAX,
                                },
                            }),
                            Err(message) => {
                                ctx.at(
                                    Some(s.members.span().start),
                                    format!("set `{}`: {message}", s.name.get_ref()),
                                );
                                sets.push(NamedSet {
                                    name: s.name.get_ref().clone(),
                                    description: s.description.clone(),
                                    set: SetRef {
                                        text: String::new(),
                                        expr: super::SetExpr::Country(Country::us()),
                                        slot: usize::MAX,
                                    },
                                });
                            }
                        }
                    }
                    match order_sets(&sets) {
                        Ok(order) => set_order = order,
                        Err(name) => ctx.at(
                            None,
                            format!("set `{name}` refers to itself through other sets"),
                        ),
                    }
                }
            }
        }

        // rules
        let names = PackNames {
            groups: &group_ids,
            sets: &set_ids,
            slots: std::cell::Cell::new(0),
        };
        let mut rules: Vec<Rule> = Vec::new();
        let mut rule_ids: HashMap<String, usize> = HashMap::new();
        let mut pending_supersedes: Vec<(usize, &str, &str, Vec<Spanned<String>>)> = Vec::new();
        let mut pending_with_policy: Vec<(usize, &str, &str, Spanned<String>)> = Vec::new();
        for (path, text, def) in &mut parsed_instruments {
            let path: &str = path;
            let text: &str = text;
            let Some(&index) = instrument_ids.get(def.id.get_ref()) else {
                continue;
            };
            let mut ctx = Ctx {
                file: path,
                text,
                problems: &mut problems,
            };
            for rule_def in std::mem::take(&mut def.rules) {
                let id = rule_def.id.get_ref().clone();
                let offset = rule_def.id.span().start;
                if rule_ids.contains_key(&id) || instrument_ids.contains_key(&id) {
                    ctx.at(Some(offset), format!("duplicate id `{id}`"));
                    continue;
                }
                let Some(instrument) = instruments.get(index) else {
                    continue;
                };
                let supersedes = rule_def.supersedes.clone();
                let with_policy = rule_def.with_policy.clone();
                if let Some(rule) = load_rule(&mut ctx, rule_def, index, instrument, &names) {
                    if let Some(target) = with_policy {
                        pending_with_policy.push((rules.len(), path, text, target));
                    }
                    rule_ids.insert(id, rules.len());
                    pending_supersedes.push((rules.len(), path, text, supersedes));
                    rules.push(rule);
                }
            }
        }
        for (rule_index, path, text, targets) in pending_supersedes {
            let mut ctx = Ctx {
                file: path,
                text,
                problems: &mut problems,
            };
            let mut resolved = Vec::new();
            for target in targets {
                match rule_ids.get(target.get_ref()) {
                    Some(&t) if t == rule_index => ctx.at(
                        Some(target.span().start),
                        format!("rule `{}` supersedes itself", target.get_ref()),
                    ),
                    Some(&t) => resolved.push(t),
                    None => ctx.at(
                        Some(target.span().start),
                        format!("`supersedes` names unknown rule `{}`", target.get_ref()),
                    ),
                }
            }
            if let Some(rule) = rules.get_mut(rule_index) {
                rule.supersedes = resolved;
            }
        }
        // A condition tied to a review policy attaches only where that policy is the one used.
        for (rule_index, path, text, target) in pending_with_policy {
            let mut ctx = Ctx {
                file: path,
                text,
                problems: &mut problems,
            };
            let found = rule_ids.get(target.get_ref()).copied();
            match found.and_then(|t| rules.get(t).map(|r| (t, r))) {
                Some((t, r)) if matches!(r.effect, Effect::ReviewPolicy { .. }) => {
                    if let Some(rule) = rules.get_mut(rule_index) {
                        rule.with_policy = Some(t);
                    }
                }
                Some(_) => ctx.at(
                    Some(target.span().start),
                    format!(
                        "`with_policy` names `{}`, which is not a review_policy rule",
                        target.get_ref()
                    ),
                ),
                None => ctx.at(
                    Some(target.span().start),
                    format!("`with_policy` names unknown rule `{}`", target.get_ref()),
                ),
            }
        }
        for (i, rule) in rules.iter().enumerate() {
            if let Some(instrument) = instruments.get_mut(rule.instrument) {
                instrument.rules.push(i);
            }
        }
        if rules.len() > MAX_RULES {
            problems.push(problem(
                "instruments/",
                &format!("{} rules: a pack holds at most {MAX_RULES}", rules.len()),
            ));
        }
        check_contradictions(&rules, &instruments, &parsed_instruments, &mut problems);
        let listing_rules = listing_file.map_or_else(Vec::new, |text| {
            super::listing::load("entity-list-rules.toml", text, &mut problems)
        });
        problems.extend(super::validate::supersedes_cycles(&rules, &instruments));

        problems.sort();
        problems.dedup();
        match (problems.is_empty(), header) {
            (true, Some((id, title, version, starts, verified_through))) => Self {
                id,
                title,
                version,
                starts,
                verified_through,
                hash,
                instruments,
                rules,
                groups,
                sets,
                treatments,
                listing_rules,
                set_order,
                set_slots: names.slots.get(),
            }
            .with_country_sets_checked(),
            _ => Err(RulesError { problems }),
        }
    }
}

fn problem(file: &str, message: &str) -> Problem {
    Problem {
        file: file.to_owned(),
        line: None,
        message: message.to_owned(),
    }
}

fn country_code(ctx: &mut Ctx<'_>, code: &Spanned<String>) -> Option<Country> {
    let found = Country::from_code(code.get_ref())
        .filter(|_| code.get_ref().bytes().all(|b| b.is_ascii_uppercase()));
    if found.is_none() {
        ctx.at(
            Some(code.span().start),
            format!(
                "unknown country code `{}` (use ISO 3166-1 alpha-2, upper case)",
                code.get_ref()
            ),
        );
    }
    found
}

fn load_group(
    ctx: &mut Ctx<'_>,
    def: &GroupDef,
    instrument_ids: &HashMap<String, usize>,
) -> Option<Group> {
    let mut base = CountrySet::EMPTY;
    for code in &def.members {
        if let Some(c) = country_code(ctx, code) {
            if base.contains(c) {
                ctx.at(
                    Some(code.span().start),
                    format!(
                        "`{}` is listed twice in group `{}`",
                        code.get_ref(),
                        def.id.get_ref()
                    ),
                );
            }
            base.insert(c);
        }
    }
    let mut changes = Vec::new();
    for ch in &def.change {
        let country = country_code(ctx, &ch.country);
        let date = ctx.date(&ch.date, "date");
        let instrument = instrument_ids.get(ch.instrument.get_ref()).copied();
        if instrument.is_none() {
            ctx.at(
                Some(ch.instrument.span().start),
                format!(
                    "change names unknown instrument `{}`",
                    ch.instrument.get_ref()
                ),
            );
        }
        if let (Some(country), Some(date), Some(instrument)) = (country, date, instrument) {
            changes.push(GroupChange {
                country,
                action: ch.action,
                date,
                instrument,
            });
        }
    }
    changes.sort_by_key(|c| c.date);
    Some(Group {
        id: def.id.get_ref().clone(),
        name: def.name.clone(),
        base,
        changes,
    })
}

fn order_sets(sets: &[NamedSet]) -> Result<Vec<usize>, String> {
    // Depth-first topological order; a set on the current path again is a cycle.
    fn visit(
        i: usize,
        sets: &[NamedSet],
        state: &mut [u8],
        order: &mut Vec<usize>,
    ) -> Result<(), String> {
        match state.get(i).copied() {
            Some(2) | None => return Ok(()),
            Some(1) => return Err(sets.get(i).map(|s| s.name.clone()).unwrap_or_default()),
            _ => {}
        }
        state[i] = 1;
        let mut refs = Vec::new();
        if let Some(s) = sets.get(i) {
            s.set.expr.named_refs(&mut refs);
        }
        for r in refs {
            visit(r, sets, state, order)?;
        }
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    let mut state = vec![0u8; sets.len()];
    let mut order = Vec::new();
    for i in 0..sets.len() {
        visit(i, sets, &mut state, &mut order)?;
    }
    Ok(order)
}

fn instrument_header(ctx: &mut Ctx<'_>, def: &InstrumentFile) -> Option<Instrument> {
    let id = def.id.get_ref().clone();
    if !is_valid_id(&id) {
        ctx.at(
            Some(def.id.span().start),
            format!("id `{id}` must be lowercase letters, digits and hyphens"),
        );
    }
    let published = ctx.date(&def.published, "published");
    let effective = ctx.date(&def.effective, "effective");
    let announced = match &def.announced {
        Some(a) => ctx.date(a, "announced"),
        None => published,
    };
    let compliance = def
        .compliance
        .as_ref()
        .and_then(|d| ctx.date(d, "compliance"));
    let end = def.end.as_ref().and_then(|d| ctx.date(d, "end"));
    let citations_at = def
        .citations
        .as_ref()
        .map_or(def.id.span().start, |c| c.span().start);
    let citations: Vec<Citation> = def
        .citations
        .as_ref()
        .map(|c| c.get_ref().clone())
        .unwrap_or_default();
    if citations.is_empty() {
        ctx.at(
            Some(citations_at),
            format!("instrument `{id}` has no citations: give at least one `[[citations]]`"),
        );
    }
    for c in &citations {
        if c.fr.is_none() && c.document.is_none() && c.other.is_none() && c.url.is_none() {
            ctx.at(
                Some(citations_at),
                format!("instrument `{id}`: a citation needs `fr`, `document`, `other` or `url`"),
            );
        }
    }
    if def.title.trim().is_empty() {
        ctx.at(
            Some(def.id.span().start),
            format!("instrument `{id}` has no title"),
        );
    }
    let (published, effective, announced) = (published?, effective?, announced?);
    if let (Some(c), Some(span)) = (compliance, &def.compliance) {
        if c < effective {
            ctx.at(
                Some(span.span().start),
                format!("compliance date {c} is before the effective date {effective}"),
            );
        }
    }
    if let (Some(e), Some(span)) = (end, &def.end) {
        if e < effective {
            ctx.at(
                Some(span.span().start),
                format!("end {e} is before the effective date {effective}"),
            );
        }
    }
    if let Some(a) = &def.announced {
        if announced > published {
            ctx.at(
                Some(a.span().start),
                format!("announced {announced} is after the publication date {published}"),
            );
        }
    }
    Some(Instrument {
        id,
        title: def.title.clone(),
        kind: def.kind,
        layer: def.layer,
        confidence: def.confidence,
        announced,
        published,
        effective,
        compliance,
        end,
        citations,
        summary: def.summary.trim().to_owned(),
        notes: def.notes.clone(),
        file: ctx.file.to_owned(),
        rules: Vec::new(),
    })
}

fn load_rule(
    ctx: &mut Ctx<'_>,
    def: RuleDef,
    instrument_index: usize,
    instrument: &Instrument,
    names: &PackNames<'_>,
) -> Option<Rule> {
    let id = def.id.get_ref().clone();
    let at = def.id.span().start;
    let line = line_column(ctx.text, at).0;
    let before = ctx.problems.len();
    if !is_valid_id(&id) {
        ctx.at(
            Some(at),
            format!("rule id `{id}` must be lowercase letters, digits and hyphens"),
        );
    }
    let cite = def.cite.clone().unwrap_or_default();
    if cite.trim().is_empty() && def.kind != RuleKind::Suspension {
        ctx.at(Some(at), format!("rule `{id}` has no `cite`"));
    }
    let from = match &def.from {
        Some(d) => ctx.date(d, "from"),
        None => Some(instrument.compliance.unwrap_or(instrument.effective)),
    };
    let to = match &def.to {
        Some(d) => ctx.date(d, "to"),
        None => instrument.end,
    };
    if let (Some(f), Some(span)) = (from, &def.from) {
        if f < instrument.effective {
            ctx.at(
                Some(span.span().start),
                format!(
                    "rule `{id}` starts {f}, before its instrument takes effect ({})",
                    instrument.effective
                ),
            );
        }
    }
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            let offset = def.to.as_ref().map_or(at, |s| s.span().start);
            ctx.at(
                Some(offset),
                format!("rule `{id}` ends {t}, before it starts ({f})"),
            );
        }
    }
    let when = match &def.when {
        Some(w) => load_condition(ctx, w, names, at),
        None => Condition::default(),
    };
    let missing = |ctx: &mut Ctx<'_>, field: &str| {
        ctx.at(
            Some(at),
            format!(
                "rule `{id}` of kind `{}` needs `{field}`",
                kind_name(def.kind)
            ),
        );
    };
    let effect = match def.kind {
        RuleKind::LicenseRequirement => Effect::Requirement {
            bars_exceptions: def.bars_exceptions.unwrap_or(false),
        },
        RuleKind::Prohibition => Effect::Prohibition,
        RuleKind::ReviewPolicy => {
            if def.policy.is_none() {
                missing(ctx, "policy");
            }
            if def.priority.is_none() {
                missing(ctx, "priority");
            }
            Effect::ReviewPolicy {
                policy: def.policy.unwrap_or(ReviewPolicy::PresumptionOfDenial),
                priority: def.priority.unwrap_or(0),
            }
        }
        RuleKind::LicenseException => {
            if def.exception.is_none() {
                missing(ctx, "exception");
            }
            Effect::Exception {
                code: def.exception.clone().unwrap_or_default(),
                obligations: def.obligations.clone(),
            }
        }
        RuleKind::LicenseCondition => {
            if def.conditions.is_empty() {
                missing(ctx, "conditions");
            }
            Effect::Conditions(def.conditions.clone())
        }
        RuleKind::Advisory => {
            if def.text.is_none() {
                missing(ctx, "text");
            }
            Effect::Advisory {
                text: def.text.clone().unwrap_or_default(),
            }
        }
        RuleKind::Presumption => {
            if def.presume_eccn.is_none() {
                missing(ctx, "presume_eccn");
            }
            Effect::Presumption {
                eccn: def.presume_eccn.unwrap_or(Eccn::A3090A),
                datacenter: def.presume_datacenter.unwrap_or(true),
            }
        }
        RuleKind::Classification => Effect::Classification {
            paragraphs: def.paragraphs.clone(),
            thresholds: classification_thresholds(ctx, &id, at, &def, &when),
        },
        RuleKind::Suspension => {
            if def.supersedes.is_empty() {
                missing(ctx, "supersedes");
            }
            Effect::Suspension
        }
    };
    let misplaced = [
        ("policy", def.policy.is_some(), RuleKind::ReviewPolicy),
        ("priority", def.priority.is_some(), RuleKind::ReviewPolicy),
        (
            "exception",
            def.exception.is_some(),
            RuleKind::LicenseException,
        ),
        (
            "obligations",
            !def.obligations.is_empty(),
            RuleKind::LicenseException,
        ),
        (
            "conditions",
            !def.conditions.is_empty(),
            RuleKind::LicenseCondition,
        ),
        (
            "bars_exceptions",
            def.bars_exceptions.is_some(),
            RuleKind::LicenseRequirement,
        ),
        (
            "review_policy_gap",
            def.review_policy_gap.is_some(),
            RuleKind::LicenseRequirement,
        ),
        (
            "with_policy",
            def.with_policy.is_some(),
            RuleKind::LicenseCondition,
        ),
        ("text", def.text.is_some(), RuleKind::Advisory),
        (
            "presume_eccn",
            def.presume_eccn.is_some(),
            RuleKind::Presumption,
        ),
        (
            "presume_datacenter",
            def.presume_datacenter.is_some(),
            RuleKind::Presumption,
        ),
        (
            "paragraphs",
            !def.paragraphs.is_empty(),
            RuleKind::Classification,
        ),
        (
            "thresholds",
            def.thresholds.is_some(),
            RuleKind::Classification,
        ),
    ];
    for (field, present, kind) in misplaced {
        if present && def.kind != kind {
            ctx.at(
                Some(at),
                format!(
                    "rule `{id}`: field `{field}` does not belong to a rule of kind `{}`",
                    kind_name(def.kind)
                ),
            );
        }
    }
    if ctx.problems.len() > before {
        return None;
    }
    let title = if def.title.trim().is_empty() {
        instrument.title.clone()
    } else {
        def.title.clone()
    };
    Some(Rule {
        id,
        instrument: instrument_index,
        title,
        cite,
        window: Window { from: from?, to },
        confidence: def.confidence.unwrap_or(instrument.confidence),
        supersedes: Vec::new(),
        with_policy: None,
        when,
        effect,
        note: def.note.trim().to_owned(),
        review_policy_gap: def
            .review_policy_gap
            .as_deref()
            .map(str::trim)
            .filter(|why| !why.is_empty())
            .map(str::to_owned),
        line,
    })
}

/// The numbers of the paragraphs a `classification` rule defines: exactly the keys those
/// paragraphs need (see [`ThresholdKey::required_for`]), each a positive number.
fn classification_thresholds(
    ctx: &mut Ctx<'_>,
    id: &str,
    at: usize,
    def: &RuleDef,
    when: &Condition,
) -> BTreeMap<ThresholdKey, f64> {
    let eccns = when.eccn_codes();
    if eccns.is_empty() {
        ctx.at(
            Some(at),
            format!(
                "rule `{id}` of kind `classification` needs `when.eccn`: the paragraphs it \
                 defines"
            ),
        );
    }
    let required = ThresholdKey::required_for(&eccns);
    let defined: Vec<&str> = eccns.iter().map(|e| e.as_str()).collect();
    let mut out = BTreeMap::new();
    let given = def.thresholds.as_ref();
    for (name, value) in given.map(|t| t.get_ref().iter()).into_iter().flatten() {
        let offset = Some(value.span().start);
        let Some(key) = ThresholdKey::parse(name) else {
            let known: Vec<&str> = ThresholdKey::ALL.iter().map(|k| k.as_str()).collect();
            ctx.at(
                offset,
                format!(
                    "rule `{id}`: unknown threshold `{name}` (known: {})",
                    known.join(", ")
                ),
            );
            continue;
        };
        if !required.contains(&key) {
            ctx.at(
                offset,
                format!(
                    "rule `{id}`: threshold `{name}` does not belong to the paragraphs it \
                     defines ({})",
                    defined.join(", ")
                ),
            );
            continue;
        }
        let number = *value.get_ref();
        if !number.is_finite() || number <= 0.0 {
            ctx.at(
                offset,
                format!(
                    "rule `{id}`: threshold `{name}` must be a positive number, found `{number}`"
                ),
            );
            continue;
        }
        out.insert(key, number);
    }
    let missing_at = given.map_or(at, |t| t.span().start);
    for key in required {
        if !out.contains_key(&key) && !given.is_some_and(|t| t.get_ref().contains_key(key.as_str()))
        {
            ctx.at(
                Some(missing_at),
                format!(
                    "rule `{id}` defines {} but has no threshold `{}`",
                    defined.join(", "),
                    key.as_str()
                ),
            );
        }
    }
    out
}

fn kind_name(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::LicenseRequirement => "license_requirement",
        RuleKind::Prohibition => "prohibition",
        RuleKind::ReviewPolicy => "review_policy",
        RuleKind::LicenseException => "license_exception",
        RuleKind::LicenseCondition => "license_condition",
        RuleKind::Advisory => "advisory",
        RuleKind::Presumption => "presumption",
        RuleKind::Classification => "classification",
        RuleKind::Suspension => "suspension",
    }
}

fn load_condition(ctx: &mut Ctx<'_>, def: &WhenDef, names: &PackNames<'_>, at: usize) -> Condition {
    let set = |ctx: &mut Ctx<'_>, value: &Option<Spanned<String>>, field: &str| {
        value
            .as_ref()
            .and_then(|s| match expr::parse(s.get_ref(), names) {
                Ok(e) => Some(SetRef {
                    text: s.get_ref().clone(),
                    expr: e,
                    slot: names.next_slot(),
                }),
                Err(message) => {
                    ctx.at(Some(s.span().start), format!("`when.{field}`: {message}"));
                    None
                }
            })
    };
    let destination = set(ctx, &def.destination, "destination");
    let headquarters = set(ctx, &def.headquarters, "headquarters");
    let from = set(ctx, &def.from, "from");
    let origin = set(ctx, &def.origin, "origin");
    let tests = |ctx: &mut Ctx<'_>, defs: &[FactTestDef], field: &str| {
        let mut out = Vec::new();
        for t in defs {
            let given: Vec<(Compare, f64)> = [
                (Compare::AtLeast, t.at_least),
                (Compare::Above, t.above),
                (Compare::Below, t.below),
                (Compare::AtMost, t.at_most),
            ]
            .into_iter()
            .filter_map(|(c, v)| v.map(|v| (c, v)))
            .collect();
            match given.as_slice() {
                [(compare, value)] if value.is_finite() => out.push(FactTest {
                    fact: t.fact,
                    compare: *compare,
                    value: *value,
                }),
                _ => ctx.at(
                    Some(at),
                    format!(
                        "`when.{field}` test on `{}` needs exactly one finite `at_least`, `above`, `below` or `at_most`",
                        t.fact.as_str()
                    ),
                ),
            }
        }
        out
    };
    let facts = tests(ctx, &def.facts, "facts");
    let facts_any = tests(ctx, &def.facts_any, "facts_any");
    let mut named = Vec::new();
    let mut named_lines = Vec::new();
    for n in &def.named {
        if !is_valid_id(n.get_ref()) {
            ctx.at(
                Some(n.span().start),
                format!("`when.named`: `{}` is not a catalog id", n.get_ref()),
            );
        }
        named.push(n.get_ref().clone());
        named_lines.push(line_column(ctx.text, n.span().start).0);
    }
    let mut incorporates = Vec::new();
    let mut incorporates_lines = Vec::new();
    for n in &def.incorporates {
        if !is_valid_id(n.get_ref()) {
            ctx.at(
                Some(n.span().start),
                format!("`when.incorporates`: `{}` is not a catalog id", n.get_ref()),
            );
        }
        incorporates.push(n.get_ref().clone());
        incorporates_lines.push(line_column(ctx.text, n.span().start).0);
    }
    let mut exporter = Vec::new();
    for e in &def.exporter {
        match Exporter::parse(e.get_ref()) {
            // The pack names exporters as written: `NVIDIA` would read as `nvidia` but says
            // the author did not check the spelling rules match on.
            Ok(name) if name.as_str() == e.get_ref() => exporter.push(name),
            Ok(_) | Err(_) => ctx.at(
                Some(e.span().start),
                format!(
                    "`when.exporter`: `{}` is not an exporter name (lowercase letters, digits and hyphens)",
                    e.get_ref()
                ),
            ),
        }
    }
    let any = def
        .any
        .iter()
        .map(|d| load_condition(ctx, d, names, at))
        .collect();
    let not = def
        .not
        .as_ref()
        .map(|d| Box::new(load_condition(ctx, d, names, at)));
    Condition {
        eccn: (!def.eccn.is_empty()).then(|| def.eccn.iter().fold(0u8, |m, e| m | e.bit())),
        datacenter: def.datacenter,
        item_kind: def.item_kind.clone(),
        named,
        named_lines,
        facts,
        facts_any,
        destination,
        headquarters,
        from,
        origin,
        transaction: def.transaction.clone(),
        end_use: def.end_use.clone(),
        exporter_role: def.exporter_role.clone(),
        exporter,
        incorporates,
        incorporates_lines,
        rebuttal: def.rebuttal.clone(),
        end_user_list: def.end_user_list.clone(),
        any,
        not,
    }
}

/// Two review policies at the same priority that disagree and can both be in force at once
/// are a contradiction: determination would have no principled way to choose.
fn check_contradictions(
    rules: &[Rule],
    instruments: &[Instrument],
    parsed: &[(&str, &str, InstrumentFile)],
    problems: &mut Vec<Problem>,
) {
    let texts: BTreeMap<&str, &str> = parsed.iter().map(|(p, t, _)| (*p, *t)).collect();
    // A rule ended by a legal-layer successor is out of force in every reading from the day
    // the successor starts, so its window is cut there before comparing.
    let windows: Vec<Window> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let cut = rules
                .iter()
                .filter(|s| s.supersedes.contains(&i))
                .filter(|s| {
                    instruments
                        .get(s.instrument)
                        .is_some_and(|inst| inst.layer == Layer::Legal)
                })
                .filter_map(|s| s.window.from.pred_opt())
                .min();
            Window {
                from: r.window.from,
                to: match (r.window.to, cut) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                },
            }
        })
        .collect();
    for (i, a) in rules.iter().enumerate() {
        let Effect::ReviewPolicy {
            policy: pa,
            priority: qa,
        } = a.effect
        else {
            continue;
        };
        for (j, b) in rules.iter().enumerate().skip(i + 1) {
            let Effect::ReviewPolicy {
                policy: pb,
                priority: qb,
            } = b.effect
            else {
                continue;
            };
            if qa != qb || pa == pb || !overlaps(&windows[i], &windows[j]) {
                continue;
            }
            let Some(instrument) = instruments.get(b.instrument) else {
                continue;
            };
            let text = texts.get(instrument.file.as_str()).copied().unwrap_or("");
            let line = text
                .find(&format!("\"{}\"", b.id))
                .map(|o| line_column(text, o).0);
            problems.push(Problem {
                file: instrument.file.clone(),
                line,
                message: format!(
                    "contradictory overlapping rules: `{}` ({}) and `{}` ({}) set different review policies at priority {qa} in overlapping windows; give them different priorities",
                    a.id,
                    pa.as_str(),
                    b.id,
                    pb.as_str()
                ),
            });
        }
    }
}

fn overlaps(a: &Window, b: &Window) -> bool {
    let a_to = a.to.unwrap_or(Date::MAX);
    let b_to = b.to.unwrap_or(Date::MAX);
    a.from <= b_to && b.from <= a_to
}
