//! Scenarios: the same order book under two configurations, and what changes.
//!
//! A configuration ([`Configuration`]) is a rule pack (the real one, or one changed by an
//! overlay: [`earmark_core::rules::Overlay`]), optionally a date on which every line is
//! evaluated, and optionally a layer (`legal` or `enforced`). [`compare`] checks every line
//! under the baseline and under the variant with the engine's fast path
//! ([`Worker::verdict`]: outcome, review policy, license exceptions, severity with screening),
//! and reports each line whose answer differs, in which direction, and the value and compute at
//! stake by country, customer and item. Two packs mean two [`Engine`]s; the caller builds them.
//!
//! A line indeterminate in either run is never compared as if it were clear: it is counted and
//! listed apart ([`ScenarioReport::indeterminate`]), with what each run answered. A line the
//! engine refuses (an unknown catalog item, a reexport from the United States) is listed in
//! [`ScenarioReport::errors`] and counted, and the rest is compared.
//!
//! `earmark rules diff` is this comparison over a synthetic book (every catalog item to each
//! destination) with two dates, so the two commands cannot disagree on what "changes" means.
//!
//! Pure: no I/O, no clock (`checked_on` is an argument).

use std::borrow::Cow;
use std::collections::BTreeMap;

use earmark_core::classify::{classify_with, ClassifyOptions};
use earmark_core::country::Country;
use earmark_core::determine::{Outcome, Reading};
use earmark_core::rules::{OverlayInfo, ReviewPolicy};
use earmark_core::spec::Tf32Reading;
use earmark_core::Date;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::book::BookLine;
use crate::contract::{Answer, ItemRef, PartyRole, Severity, Shipment};
use crate::engine::{Engine, Verdicts, Worker};

/// The catalog item whose TPP is one H100-equivalent.
pub const H100_CATALOG_ID: &str = "nvidia-h100-sxm";

/// How one side of a scenario evaluates the book (besides its engine's rule pack).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configuration {
    /// As the user wrote it (`2025-06-01,legal`, `examples/scenarios/h20-letter-never`).
    pub label: String,
    /// Every line evaluated on this date; `None`: each line's own date.
    pub date: Option<Date>,
    /// The layer every line is read in; `None`: as each line asks (the book's default).
    pub layer: Option<Reading>,
}

/// One side of a scenario: its engine (rule pack, catalog, lists) and configuration.
#[derive(Debug, Clone, Copy)]
pub struct Side<'e> {
    pub engine: &'e Engine,
    pub config: &'e Configuration,
}

/// What one side ran with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideInfo {
    pub label: String,
    pub date: Option<Date>,
    pub layer: Option<Reading>,
    pub rule_pack: String,
    pub rule_pack_hash: String,
    pub rule_pack_verified_through: Option<Date>,
    /// Set when the pack is hypothetical (an overlay of a real pack).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<OverlayInfo>,
}

/// Which way a line's answer moved from the baseline to the variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A license where none was needed, a prohibition, a harsher review policy, fewer license
    /// exceptions.
    MoreRestrictive,
    LessRestrictive,
    /// Changed, but not one way: a review policy gained or lost, exceptions swapped, or one
    /// aspect harsher and another milder.
    Mixed,
    /// Indeterminate in at least one run: the comparison cannot say.
    Indeterminate,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MoreRestrictive => "more_restrictive",
            Self::LessRestrictive => "less_restrictive",
            Self::Mixed => "mixed",
            Self::Indeterminate => "indeterminate",
        }
    }
}

/// What part of an answer changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    Outcome,
    /// The severity with screening (a list match raises it) changed.
    Severity,
    ReviewPolicy,
    LicenseExceptions,
}

/// A line's answer in one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineAnswer {
    /// The date the line was evaluated on.
    pub as_of: Date,
    pub layer: Reading,
    pub severity: Severity,
    #[serde(flatten)]
    pub answer: Answer,
}

/// A line whose answer differs between the runs, or is indeterminate in one of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineDelta {
    /// Where the line is in the book file.
    pub source_line: u64,
    pub order_id: String,
    pub line: u32,
    pub item: String,
    pub destination: Country,
    /// The end user's name, else the ultimate consignee's, else the purchaser's.
    pub customer: String,
    pub quantity: u64,
    pub value_cents: Option<u64>,
    pub currency: Option<String>,
    /// The item's TPP × quantity (`None` when the item's TPP is unknown).
    pub tpp: Option<f64>,
    pub h100_equivalents: Option<f64>,
    pub direction: Direction,
    /// What differs (empty for a line indeterminate in both runs alike).
    pub changed: Vec<Aspect>,
    pub baseline: LineAnswer,
    pub variant: LineAnswer,
}

/// A line the engine refused in either run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineError {
    pub source_line: u64,
    pub order_id: String,
    pub line: u32,
    pub message: String,
}

/// Lines, units, value and compute of a set of lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub lines: usize,
    pub quantity: u64,
    /// Value in cents per currency (a book may price lines in several).
    pub value_cents: BTreeMap<String, u64>,
    /// Lines without a price: their value is not in `value_cents`.
    pub unpriced_lines: usize,
    pub tpp: f64,
    pub h100_equivalents: f64,
    /// Lines whose item's TPP is unknown: their compute is not in `tpp`.
    pub unknown_tpp_lines: usize,
}

impl Totals {
    fn add(&mut self, d: &LineDelta) {
        self.lines += 1;
        self.quantity = self.quantity.saturating_add(d.quantity);
        match (d.value_cents, &d.currency) {
            (Some(v), Some(c)) => {
                let sum = self.value_cents.entry(c.clone()).or_insert(0);
                *sum = sum.saturating_add(v);
            }
            _ => self.unpriced_lines += 1,
        }
        match d.tpp {
            Some(t) => {
                self.tpp += t;
                self.h100_equivalents += d.h100_equivalents.unwrap_or(0.0);
            }
            None => self.unknown_tpp_lines += 1,
        }
    }
}

/// The changed lines' totals by direction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DirectionTotals {
    pub more_restrictive: Totals,
    pub less_restrictive: Totals,
    pub mixed: Totals,
    /// Lines indeterminate in either run (changed or not).
    pub indeterminate: Totals,
}

impl DirectionTotals {
    fn add(&mut self, d: &LineDelta) {
        match d.direction {
            Direction::MoreRestrictive => self.more_restrictive.add(d),
            Direction::LessRestrictive => self.less_restrictive.add(d),
            Direction::Mixed => self.mixed.add(d),
            Direction::Indeterminate => self.indeterminate.add(d),
        }
    }
}

/// Totals for one country, customer or item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub key: String,
    #[serde(flatten)]
    pub totals: DirectionTotals,
}

/// The result of a scenario: plain data, for the CLI's renderings and the HTML report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioReport {
    pub baseline: SideInfo,
    pub variant: SideInfo,
    pub checked_on: Date,
    /// Lines given, and compared (given minus refused).
    pub lines: usize,
    pub compared: usize,
    /// Lines with the same answer in both runs, determinate in both.
    pub unchanged: usize,
    pub totals: DirectionTotals,
    /// Lines whose answer changed, both runs determinate, in book order.
    pub changes: Vec<LineDelta>,
    /// Lines indeterminate in either run, in book order: never counted as clear.
    pub indeterminate: Vec<LineDelta>,
    pub errors: Vec<LineError>,
    /// Sorted by key.
    pub by_country: Vec<Breakdown>,
    pub by_customer: Vec<Breakdown>,
    pub by_item: Vec<Breakdown>,
}

impl ScenarioReport {
    /// Lines whose answer changed (determinate in both runs).
    pub fn changed(&self) -> usize {
        self.changes.len()
    }
}

/// What one side answered for one line.
struct Run {
    as_of: Date,
    layer: Reading,
    verdicts: Verdicts,
    answer: Answer,
}

fn side_info(side: &Side<'_>) -> SideInfo {
    let pack = side.engine.pack();
    SideInfo {
        label: side.config.label.clone(),
        date: side.config.date,
        layer: side.config.layer,
        rule_pack: pack.id.clone(),
        rule_pack_hash: pack.hash.clone(),
        rule_pack_verified_through: pack.verified_through,
        overlay: pack.overlay.clone(),
    }
}

fn run_line(
    worker: &mut Worker<'_>,
    config: &Configuration,
    shipment: &Shipment,
    checked_on: Date,
) -> Result<Run, String> {
    let shipment: Cow<'_, Shipment> = if config.date.is_some() || config.layer.is_some() {
        let mut s = shipment.clone();
        if let Some(date) = config.date {
            s.as_of = date;
        }
        if let Some(layer) = config.layer {
            s.layer = layer;
        }
        Cow::Owned(s)
    } else {
        Cow::Borrowed(shipment)
    };
    let verdicts = worker
        .verdict(&shipment, checked_on)
        .map_err(|e| e.to_string())?;
    let pack = worker.engine().pack();
    let mut license_exceptions: Vec<String> = verdicts
        .verdict
        .exceptions(pack)
        .into_iter()
        .map(str::to_owned)
        .collect();
    license_exceptions.sort_unstable();
    Ok(Run {
        as_of: shipment.as_of,
        layer: shipment.layer,
        answer: Answer {
            outcome: verdicts.verdict.outcome,
            review_policy: verdicts.verdict.review_policy,
            license_exceptions,
        },
        verdicts,
    })
}

fn outcome_rank(o: Outcome) -> Option<u8> {
    match o {
        Outcome::NoLicenseRequired => Some(0),
        Outcome::LicenseRequired => Some(1),
        Outcome::Prohibited => Some(2),
        Outcome::Indeterminate => None,
    }
}

fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Clear => 0,
        Severity::LicenseRequired => 1,
        Severity::Review => 2,
        Severity::Blocked => 3,
    }
}

fn policy_rank(p: ReviewPolicy) -> u8 {
    match p {
        ReviewPolicy::PresumptionOfApproval => 0,
        ReviewPolicy::CaseByCase => 1,
        ReviewPolicy::PresumptionOfDenial => 2,
    }
}

fn by_rank(before: u8, after: u8) -> Option<Direction> {
    match after.cmp(&before) {
        std::cmp::Ordering::Greater => Some(Direction::MoreRestrictive),
        std::cmp::Ordering::Less => Some(Direction::LessRestrictive),
        std::cmp::Ordering::Equal => None,
    }
}

/// What changed from `a` (baseline) to `b` (variant), and which way. `None`: nothing changed.
/// Both must be determinate.
pub fn direction_of(
    a: &Answer,
    a_severity: Severity,
    b: &Answer,
    b_severity: Severity,
) -> Option<(Direction, Vec<Aspect>)> {
    let mut changed = Vec::new();
    let mut ways = Vec::new();
    if a.outcome != b.outcome {
        changed.push(Aspect::Outcome);
    }
    if a_severity != b_severity {
        changed.push(Aspect::Severity);
    }
    if a.review_policy != b.review_policy {
        changed.push(Aspect::ReviewPolicy);
    }
    if a.license_exceptions != b.license_exceptions {
        changed.push(Aspect::LicenseExceptions);
    }
    if changed.is_empty() {
        return None;
    }
    // The outcome (and the severity screening raises it to) dominates: a policy or exception
    // appearing with a new license requirement is part of that change, not a second one.
    let outcome_way = match (outcome_rank(a.outcome), outcome_rank(b.outcome)) {
        (Some(x), Some(y)) => by_rank(x, y),
        _ => Some(Direction::Indeterminate),
    };
    let severity_way = by_rank(severity_rank(a_severity), severity_rank(b_severity));
    match (outcome_way, severity_way) {
        (Some(Direction::Indeterminate), _) => return Some((Direction::Indeterminate, changed)),
        (Some(o), Some(s)) if o != s => return Some((Direction::Mixed, changed)),
        (Some(o), _) | (None, Some(o)) => return Some((o, changed)),
        (None, None) => {}
    }
    match (a.review_policy, b.review_policy) {
        (Some(x), Some(y)) => ways.extend(by_rank(policy_rank(x), policy_rank(y))),
        (None, None) => {}
        // A policy gained or lost: the sources say nothing, or say something new.
        _ => ways.push(Direction::Mixed),
    }
    if a.license_exceptions != b.license_exceptions {
        let lost = a
            .license_exceptions
            .iter()
            .any(|e| !b.license_exceptions.contains(e));
        let gained = b
            .license_exceptions
            .iter()
            .any(|e| !a.license_exceptions.contains(e));
        ways.push(match (lost, gained) {
            (true, false) => Direction::MoreRestrictive,
            (false, true) => Direction::LessRestrictive,
            _ => Direction::Mixed,
        });
    }
    let first = ways.first().copied().unwrap_or(Direction::Mixed);
    let way = if ways.iter().all(|w| *w == first) {
        first
    } else {
        Direction::Mixed
    };
    Some((way, changed))
}

/// Who the line is sold to, for the breakdown by customer.
fn customer_of(shipment: &Shipment) -> String {
    [
        PartyRole::EndUser,
        PartyRole::UltimateConsignee,
        PartyRole::Purchaser,
    ]
    .iter()
    .find_map(|role| {
        shipment
            .parties
            .iter()
            .find(|p| p.role == *role)
            .and_then(|p| p.name.clone())
    })
    .unwrap_or_else(|| "(unnamed)".to_owned())
}

/// TPP of items, classified once per (item, TF32 reading). TPP is a datasheet figure: the
/// date and the pack do not change it, so the baseline's engine answers for both sides.
struct TppCache<'e> {
    engine: &'e Engine,
    by_item: FxHashMap<(String, Tf32Reading), Option<f64>>,
    h100: Option<f64>,
}

impl<'e> TppCache<'e> {
    fn new(engine: &'e Engine, on: Date) -> Self {
        let mut cache = Self {
            engine,
            by_item: FxHashMap::default(),
            h100: None,
        };
        cache.h100 = cache
            .tpp(
                &ItemRef::CatalogId(H100_CATALOG_ID.to_owned()),
                Tf32Reading::default(),
                on,
            )
            .filter(|t| *t > 0.0);
        cache
    }

    fn tpp(&mut self, item: &ItemRef, tf32: Tf32Reading, on: Date) -> Option<f64> {
        let engine = self.engine;
        let classify = |spec| {
            classify_with(
                spec,
                on,
                &ClassifyOptions { tf32 },
                engine.catalog(),
                engine.vintages(),
            )
            .tpp
        };
        match item {
            ItemRef::Spec(spec) => classify(spec),
            ItemRef::CatalogId(id) => {
                if let Some(hit) = self.by_item.get(&(id.clone(), tf32)) {
                    return *hit;
                }
                let tpp = engine.catalog().get(id).and_then(|e| classify(&e.spec));
                self.by_item.insert((id.clone(), tf32), tpp);
                tpp
            }
        }
    }
}

fn breakdowns(map: BTreeMap<String, DirectionTotals>) -> Vec<Breakdown> {
    map.into_iter()
        .map(|(key, totals)| Breakdown { key, totals })
        .collect()
}

/// Runs every line under the baseline and the variant and reports what changes.
pub fn compare(
    lines: &[BookLine],
    baseline: Side<'_>,
    variant: Side<'_>,
    checked_on: Date,
) -> ScenarioReport {
    let mut base_worker = baseline.engine.worker();
    // One worker when both sides share an engine: its caches serve both.
    let same_engine = std::ptr::eq(baseline.engine, variant.engine);
    let mut variant_worker = (!same_engine).then(|| variant.engine.worker());
    let mut tpp = TppCache::new(baseline.engine, checked_on);

    let mut changes = Vec::new();
    let mut indeterminate = Vec::new();
    let mut errors = Vec::new();
    let mut unchanged = 0;
    let mut totals = DirectionTotals::default();
    let mut by_country: BTreeMap<String, DirectionTotals> = BTreeMap::new();
    let mut by_customer: BTreeMap<String, DirectionTotals> = BTreeMap::new();
    let mut by_item: BTreeMap<String, DirectionTotals> = BTreeMap::new();

    for line in lines {
        let a = run_line(
            &mut base_worker,
            baseline.config,
            &line.shipment,
            checked_on,
        );
        let b = match variant_worker.as_mut() {
            Some(w) => run_line(w, variant.config, &line.shipment, checked_on),
            None => run_line(&mut base_worker, variant.config, &line.shipment, checked_on),
        };
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                errors.push(LineError {
                    source_line: line.source_line,
                    order_id: line.order_id.clone(),
                    line: line.line,
                    message: e,
                });
                continue;
            }
        };
        let either_indeterminate = a.answer.outcome == Outcome::Indeterminate
            || b.answer.outcome == Outcome::Indeterminate;
        let found = direction_of(
            &a.answer,
            a.verdicts.severity,
            &b.answer,
            b.verdicts.severity,
        );
        let (direction, changed) = match (either_indeterminate, found) {
            (true, found) => (
                Direction::Indeterminate,
                found.map(|(_, c)| c).unwrap_or_default(),
            ),
            (false, Some(found)) => found,
            (false, None) => {
                unchanged += 1;
                continue;
            }
        };
        let unit_tpp = tpp.tpp(&line.shipment.item, line.shipment.tf32, a.as_of);
        let line_tpp = unit_tpp.map(|t| t * line.quantity as f64);
        let delta = LineDelta {
            source_line: line.source_line,
            order_id: line.order_id.clone(),
            line: line.line,
            item: line.item.clone(),
            destination: line.shipment.to,
            customer: customer_of(&line.shipment),
            quantity: line.quantity,
            value_cents: line.value_cents,
            currency: line.currency.clone(),
            tpp: line_tpp,
            h100_equivalents: line_tpp.and_then(|t| tpp.h100.map(|h| t / h)),
            direction,
            changed,
            baseline: LineAnswer {
                as_of: a.as_of,
                layer: a.layer,
                severity: a.verdicts.severity,
                answer: a.answer,
            },
            variant: LineAnswer {
                as_of: b.as_of,
                layer: b.layer,
                severity: b.verdicts.severity,
                answer: b.answer,
            },
        };
        totals.add(&delta);
        by_country
            .entry(delta.destination.code().to_owned())
            .or_default()
            .add(&delta);
        by_customer
            .entry(delta.customer.clone())
            .or_default()
            .add(&delta);
        by_item.entry(delta.item.clone()).or_default().add(&delta);
        if direction == Direction::Indeterminate {
            indeterminate.push(delta);
        } else {
            changes.push(delta);
        }
    }
    ScenarioReport {
        baseline: side_info(&baseline),
        variant: side_info(&variant),
        checked_on,
        lines: lines.len(),
        compared: lines.len() - errors.len(),
        unchanged,
        totals,
        changes,
        indeterminate,
        errors,
        by_country: breakdowns(by_country),
        by_customer: breakdowns(by_customer),
        by_item: breakdowns(by_item),
    }
}
