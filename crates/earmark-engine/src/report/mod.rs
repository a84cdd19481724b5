//! The order-book report: one self-contained HTML page, for a compliance officer and for a
//! manager, rendered from the run's results alone.
//!
//! Pure like the rest of the engine: values in, a `String` out; the CLI writes the file. The
//! page needs nothing beside it and fetches nothing: its Content-Security-Policy allows no
//! script, no connection and no image but inline data, and admits only the report's own
//! stylesheet (by hash), so an order book cannot smuggle markup or a beacon into it even were
//! escaping to fail somewhere. Charts are inline SVG drawn by [`svg`].
//!
//! [`ReportBuilder`] is fed one line at a time ([`ReportBuilder::add`]) so that a book of a
//! million lines is summed without keeping it: totals by severity, country, month, customer
//! and item are kept, flagged lines are kept up to [`ReportOptions::max_listed`] with the
//! evidence of their decision, and clear lines are counted, never listed.
//!
//! Every string that comes from the book, the lists or the rule pack goes through
//! [`html::esc`]; `tests/report.rs` holds the page to that with a hostile book.

pub mod html;
mod scenario;
pub mod svg;

pub use scenario::render_scenario;

use crate::book::{BookLine, LineCheck, LineOutcome};
use crate::contract::DataUsed;
use crate::contract::{PartyRole, ScreenedMatch, ScreeningBasis, Severity, ShipmentDecision};
use earmark_core::country::Country;
use earmark_core::determine::EccnFact;
use earmark_core::determine::Outcome;
use earmark_core::rules::RulePack;
use earmark_core::rules::{ListStatus, ReviewPolicy};
use earmark_core::Date;
use html::{esc, figure, figure_1, id_part, int, money, push_esc};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use svg::{Bar, Series};

/// The stylesheet, inlined into every report; the CSP admits it by its hash.
const CSS: &str = include_str!("report.css");

/// Severities in the order the report lists them: the most severe first.
const SHOWN: [Severity; 4] = [
    Severity::Blocked,
    Severity::Review,
    Severity::LicenseRequired,
    Severity::Clear,
];

/// Severities that flag a line (everything but clear), most severe first.
const FLAGGED: [Severity; 3] = [
    Severity::Blocked,
    Severity::Review,
    Severity::LicenseRequired,
];

fn idx(s: Severity) -> usize {
    match s {
        Severity::Clear => 0,
        Severity::LicenseRequired => 1,
        Severity::Review => 2,
        Severity::Blocked => 3,
    }
}

/// The words a reader sees for a severity.
pub fn severity_words(s: Severity) -> &'static str {
    match s {
        Severity::Clear => "No license required",
        Severity::LicenseRequired => "License required",
        Severity::Review => "Needs review",
        Severity::Blocked => "Blocked",
    }
}

/// The key a severity has in the page's `data-metric` attributes (and in the JSON contract).
pub fn severity_key(s: Severity) -> &'static str {
    match s {
        Severity::Clear => "clear",
        Severity::LicenseRequired => "license_required",
        Severity::Review => "review",
        Severity::Blocked => "blocked",
    }
}

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Clear => "#4a7c3a",
        Severity::LicenseRequired => "#1f5fa8",
        Severity::Review => "#b26a00",
        Severity::Blocked => "#b3261e",
    }
}

fn flagged_series() -> Vec<Series> {
    FLAGGED
        .iter()
        .map(|s| Series {
            name: severity_words(*s),
            color: severity_color(*s),
        })
        .collect()
}

/// What the report is about and how much of it to list.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// The page's title, e.g. "Order book check".
    pub title: String,
    /// Where the lines came from (the book's file name), printed as given.
    pub source: String,
    /// The date the check was made.
    pub checked_on: Date,
    /// The TPP of one H100 SXM (15,832 in the catalog): compute is also shown in
    /// H100-equivalents, the unit a manager knows.
    pub h100_tpp: f64,
    /// Flagged lines listed with their decision, at most; the rest are counted and the page
    /// says how many were left out. Keeps a report of a large book readable and small.
    pub max_listed: usize,
    /// Rows in the by-country, by-customer and by-item tables and bars; the rest are summed
    /// into one "other" row.
    pub top: usize,
}

impl ReportOptions {
    /// Defaults: 500 flagged lines listed, 15 rows per breakdown.
    pub fn new(
        title: impl Into<String>,
        source: impl Into<String>,
        checked_on: Date,
        h100_tpp: f64,
    ) -> Self {
        Self {
            title: title.into(),
            source: source.into(),
            checked_on,
            h100_tpp,
            max_listed: 500,
            top: 15,
        }
    }
}

/// An amount in the smallest unit of its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub cents: i128,
    /// ISO 4217 code as the book gives it, e.g. `USD`.
    pub currency: String,
}

/// One line of the book as the report needs it: its identity, what it ships where and for
/// how much, and the answer's severity and headline.
#[derive(Debug, Clone)]
pub struct LineFacts {
    pub order_id: String,
    pub line: String,
    /// The ship date (or the date the line is checked as of); `None` when the book gave none.
    pub date: Option<Date>,
    /// A catalog id or a spec path, as the book gives it.
    pub item: String,
    pub destination: Option<Country>,
    /// The customer the breakdown by customer uses: the end user, else the consignee.
    pub customer: Option<String>,
    pub quantity: u64,
    /// Quantity × unit price; `None` when the book gave no price.
    pub value: Option<Money>,
    /// TPP of one unit; `None` when it is unknown (the compute of the line is then unknown).
    pub tpp_per_unit: Option<f64>,
    pub severity: Severity,
    /// The answer in one line.
    pub headline: String,
}

impl LineFacts {
    /// TPP × quantity, when the TPP is known.
    pub fn compute(&self) -> Option<f64> {
        self.tpp_per_unit
            .filter(|t| t.is_finite() && *t >= 0.0)
            .map(|t| t * self.quantity as f64)
    }
}

/// A rule that decided a line, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitedRule {
    pub rule: String,
    pub instrument: String,
    pub cite: String,
}

/// A party's screening as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyEvidence {
    pub role: PartyRole,
    pub name: Option<String>,
    pub status: Option<ListStatus>,
    pub basis: ScreeningBasis,
    /// Entity List match, then other lists, then entries listed after the as-of date.
    pub matches: Vec<(ScreenedMatch, &'static str)>,
}

/// What a flagged line's decision rested on, taken from its [`ShipmentDecision`] (kept
/// instead of the whole decision, which is 25 to 48 KB, so that many lines can be listed).
#[derive(Debug, Clone, PartialEq)]
pub struct LineDetail {
    pub outcome: Outcome,
    pub classification: Option<String>,
    pub review_policy: Option<ReviewPolicy>,
    pub determining_rules: Vec<String>,
    pub citations: Vec<CitedRule>,
    pub exceptions: Vec<CitedRule>,
    pub missing: Vec<(String, String)>,
    pub parties: Vec<PartyEvidence>,
    /// The other layer's answer, when it differs.
    pub other_layer: Option<String>,
    /// The next dated change of the answer.
    pub next_change: Option<String>,
    pub warnings: Vec<String>,
    /// Why the engine could not check the line, when it could not.
    pub error: Option<String>,
}

impl LineDetail {
    /// The evidence of one decision.
    pub fn from_decision(d: &ShipmentDecision) -> Self {
        let dec = &d.decision;
        // The classifier's own sentence: the class with the figures that decided it, or why
        // the item is outside 3A090/4A090, or the fact that is missing.
        let classification = Some(d.classification.summary.clone());
        let parties = d
            .parties
            .iter()
            .map(|p| {
                let mut matches = Vec::new();
                if let Some(m) = &p.entity_list {
                    matches.push((m.clone(), "decided the status"));
                }
                for m in &p.other_lists {
                    matches.push((m.clone(), "other list"));
                }
                for m in &p.listed_after_as_of {
                    matches.push((m.clone(), "listed after the as-of date"));
                }
                PartyEvidence {
                    role: p.role,
                    name: p.name.clone(),
                    status: p.status,
                    basis: p.basis,
                    matches,
                }
            })
            .collect();
        let other_layer = d.other_layer.differs.then(|| {
            format!(
                "under the {} layer: {}{}",
                d.other_layer.layer.as_str(),
                outcome_words(d.other_layer.answer.outcome),
                d.other_layer
                    .answer
                    .review_policy
                    .map(|p| format!(", {}", policy_words(p)))
                    .unwrap_or_default()
            )
        });
        let next_change = d.next_change.as_ref().map(|n| {
            format!(
                "from {}: {} ({})",
                n.date,
                outcome_words(n.answer.outcome),
                n.instruments.join(", ")
            )
        });
        Self {
            outcome: dec.outcome,
            classification,
            review_policy: dec.review_policy,
            determining_rules: dec.determining_rules.clone(),
            citations: dec
                .citations
                .iter()
                .map(|c| CitedRule {
                    rule: c.rule.clone(),
                    instrument: c.instrument.clone(),
                    cite: c.cite.clone(),
                })
                .collect(),
            exceptions: dec
                .license_exceptions
                .iter()
                .map(|e| CitedRule {
                    rule: e.id.clone(),
                    instrument: e.rule.clone(),
                    cite: e.citation.clone(),
                })
                .collect(),
            missing: dec
                .missing
                .iter()
                .map(|m| (m.field.clone(), m.why.clone()))
                .collect(),
            parties,
            other_layer,
            next_change,
            warnings: d.warnings.clone(),
            error: None,
        }
    }

    /// The evidence of a book line's fast answer (no trace): its deciding rules with their
    /// citations, exceptions and the parties' list hits. The full decision, where the run made
    /// one, says more and is preferred ([`ReportBuilder::add_check`]).
    pub fn from_outcome(o: &LineOutcome<'_>, pack: &RulePack) -> Self {
        let citations = o
            .rules
            .iter()
            .map(|r| CitedRule {
                rule: r.id.clone(),
                instrument: pack
                    .instruments
                    .get(r.instrument)
                    .map(|i| i.id.clone())
                    .unwrap_or_default(),
                cite: r.cite.clone(),
            })
            .collect();
        let mut parties: Vec<PartyEvidence> = Vec::new();
        for h in &o.hits {
            let m = ScreenedMatch {
                band: h.band,
                score: h.score,
                list: h.list.clone(),
                source_id: h.source_id.clone(),
                matched_name: h.matched_name.clone(),
                listed_on: h.listed_on.clone(),
                effective_on: h.effective_on,
                listing_rule: h.listing_rule.clone(),
            };
            match parties
                .iter_mut()
                .find(|p| p.role == h.role && p.name.as_deref() == Some(&h.name))
            {
                Some(p) => p.matches.push((m, "list hit")),
                None => parties.push(PartyEvidence {
                    role: h.role,
                    name: Some(h.name.clone()),
                    status: None,
                    basis: ScreeningBasis::Screened,
                    matches: vec![(m, "list hit")],
                }),
            }
        }
        Self {
            outcome: o.outcome,
            classification: match o.eccn {
                EccnFact::Listed(e) => Some(e.to_string()),
                EccnFact::NotListed => Some("outside 3A090/4A090".to_owned()),
                EccnFact::Unknown => None,
            },
            review_policy: o.review_policy,
            determining_rules: Vec::new(),
            citations,
            exceptions: o
                .license_exceptions
                .iter()
                .map(|e| CitedRule {
                    rule: (*e).to_owned(),
                    instrument: String::new(),
                    cite: String::new(),
                })
                .collect(),
            missing: Vec::new(),
            parties,
            other_layer: None,
            next_change: None,
            warnings: Vec::new(),
            error: None,
        }
    }
}

fn outcome_words(o: Outcome) -> &'static str {
    match o {
        Outcome::LicenseRequired => "license required",
        Outcome::NoLicenseRequired => "no license required",
        Outcome::Prohibited => "prohibited",
        Outcome::Indeterminate => "indeterminate",
    }
}

fn policy_words(p: ReviewPolicy) -> &'static str {
    match p {
        ReviewPolicy::PresumptionOfDenial => "presumption of denial",
        ReviewPolicy::CaseByCase => "case by case",
        ReviewPolicy::PresumptionOfApproval => "presumption of approval",
    }
}

fn status_words(s: Option<ListStatus>, basis: ScreeningBasis) -> &'static str {
    match (basis, s) {
        (ScreeningBasis::NotScreened, _) => "not screened (no name given)",
        (ScreeningBasis::NoEntityList, _) => "unknown (no Entity List loaded)",
        (_, Some(ListStatus::Listed)) => "on the Entity List",
        (_, Some(ListStatus::Affiliate)) => "affiliate of a listed party",
        (_, Some(ListStatus::PossibleMatch)) => "possible match: a person must review",
        (_, Some(ListStatus::NotListed)) => "not on the Entity List",
        (_, Some(ListStatus::Unknown)) | (_, None) => "unknown",
    }
}

/// One cap and its use, in TPP (from the ledger's cap usage).
#[derive(Debug, Clone)]
pub struct CapFigure {
    /// What the cap counts, e.g. "CN 2026, per country".
    pub label: String,
    pub used_tpp: f64,
    pub limit_tpp: f64,
}

/// Sums by severity for one slice of the book (all of it, a country, a month, ...).
#[derive(Debug, Clone, Default)]
struct Tally {
    lines: [u64; 4],
    value: BTreeMap<String, [i128; 4]>,
    value_unknown: [u64; 4],
    tpp: [f64; 4],
    tpp_unknown: [u64; 4],
}

impl Tally {
    fn add(&mut self, f: &LineFacts) {
        let i = idx(f.severity);
        self.lines[i] += 1;
        match &f.value {
            Some(m) => self.value.entry(m.currency.clone()).or_default()[i] += m.cents,
            None => self.value_unknown[i] += 1,
        }
        match f.compute() {
            Some(t) => self.tpp[i] += t,
            None => self.tpp_unknown[i] += 1,
        }
    }

    fn flagged_lines(&self) -> u64 {
        self.lines[1] + self.lines[2] + self.lines[3]
    }

    fn flagged_value(&self, currency: &str) -> i128 {
        self.value.get(currency).map_or(0, |v| v[1] + v[2] + v[3])
    }

    fn flagged_tpp(&self) -> f64 {
        self.tpp[1] + self.tpp[2] + self.tpp[3]
    }

    fn merge(&mut self, o: &Tally) {
        for i in 0..4 {
            self.lines[i] += o.lines[i];
            self.value_unknown[i] += o.value_unknown[i];
            self.tpp[i] += o.tpp[i];
            self.tpp_unknown[i] += o.tpp_unknown[i];
        }
        for (c, v) in &o.value {
            let e = self.value.entry(c.clone()).or_default();
            for i in 0..4 {
                e[i] += v[i];
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Listed {
    anchor: String,
    facts: LineFacts,
    detail: Option<LineDetail>,
}

/// Sums a book's results line by line and renders the page.
#[derive(Debug, Clone)]
pub struct ReportBuilder {
    opts: ReportOptions,
    seq: u64,
    total: Tally,
    by_country: BTreeMap<String, Tally>,
    by_month: BTreeMap<(i32, u32), Tally>,
    undated: Tally,
    by_customer: BTreeMap<String, Tally>,
    by_item: BTreeMap<String, Tally>,
    listed: [Vec<Listed>; 4],
    data: Option<DataUsed>,
    rejected: u64,
    rejected_examples: Vec<String>,
    caps: Vec<CapFigure>,
    notes: Vec<String>,
}

/// Rejected rows quoted on the page, at most; the rest are counted.
const REJECTED_SHOWN: usize = 50;

impl ReportBuilder {
    pub fn new(opts: ReportOptions) -> Self {
        Self {
            opts,
            seq: 0,
            total: Tally::default(),
            by_country: BTreeMap::new(),
            by_month: BTreeMap::new(),
            undated: Tally::default(),
            by_customer: BTreeMap::new(),
            by_item: BTreeMap::new(),
            listed: Default::default(),
            data: None,
            rejected: 0,
            rejected_examples: Vec::new(),
            caps: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds one checked line. `decision` is its full decision where the run made one (it is
    /// kept, in brief, only for flagged lines the page lists).
    pub fn add(&mut self, facts: LineFacts, decision: Option<&ShipmentDecision>) {
        if self.data.is_none() {
            if let Some(d) = decision {
                self.data = Some(d.data.clone());
            }
        }
        let flagged = facts.severity != Severity::Clear;
        let detail = decision.filter(|_| flagged).map(LineDetail::from_decision);
        self.add_detailed(facts, detail);
    }

    /// Adds one line with the evidence of its decision already taken out.
    pub fn add_detailed(&mut self, facts: LineFacts, detail: Option<LineDetail>) {
        self.seq += 1;
        self.total.add(&facts);
        let country = facts
            .destination
            .map_or_else(|| "??".to_owned(), |c| c.code().to_owned());
        self.by_country.entry(country).or_default().add(&facts);
        match facts.date {
            Some(d) => {
                use chrono::Datelike as _;
                self.by_month
                    .entry((d.year(), d.month()))
                    .or_default()
                    .add(&facts)
            }
            None => self.undated.add(&facts),
        }
        let customer = facts
            .customer
            .clone()
            .unwrap_or_else(|| "(no customer named)".to_owned());
        self.by_customer.entry(customer).or_default().add(&facts);
        self.by_item
            .entry(facts.item.clone())
            .or_default()
            .add(&facts);
        if facts.severity == Severity::Clear {
            return;
        }
        let list = &mut self.listed[idx(facts.severity)];
        // Each severity keeps up to `max_listed`, so the most severe lines are listed even
        // when license-required lines come first in the book.
        if list.len() < self.opts.max_listed {
            let anchor = format!(
                "line-{}-{}-{}",
                id_part(&facts.order_id),
                id_part(&facts.line),
                self.seq
            );
            list.push(Listed {
                anchor,
                facts,
                detail,
            });
        }
    }

    /// Adds one checked line of a book, as [`crate::book::run_stream`] hands it over (or
    /// [`crate::book::run`] returns it). A line the engine could not check counts as review.
    ///
    /// `full` is the line's full decision when the caller made one apart (see
    /// [`ReportBuilder::wants_detail`]); otherwise the run's own full decision is used where it
    /// made one, else the fast answer's rules, citations and list hits.
    pub fn add_check(
        &mut self,
        line: &BookLine,
        check: &LineCheck<'_>,
        full: Option<&ShipmentDecision>,
        pack: &RulePack,
    ) {
        let customer = crate::book::summary::customer(line);
        let mut facts = LineFacts {
            order_id: line.order_id.clone(),
            line: line.line.to_string(),
            date: line.date,
            item: line.item.clone(),
            destination: Some(line.shipment.to),
            customer: (customer != "(unnamed)").then(|| customer.to_owned()),
            quantity: line.quantity,
            value: match (line.value_cents, &line.currency) {
                (Some(v), Some(c)) => Some(Money {
                    cents: i128::from(v),
                    currency: c.clone(),
                }),
                _ => None,
            },
            tpp_per_unit: None,
            severity: check.severity(),
            headline: String::new(),
        };
        match &check.result {
            Ok(o) => {
                facts.tpp_per_unit = o.tpp_per_unit;
                facts.headline = o.headline();
                match full.or(o.decision.as_deref()) {
                    Some(d) => self.add(facts, Some(d)),
                    None => {
                        let flagged = facts.severity != Severity::Clear;
                        let detail = flagged.then(|| LineDetail::from_outcome(o, pack));
                        self.add_detailed(facts, detail);
                    }
                }
            }
            Err(e) => {
                facts.headline = format!("NOT CHECKED: {e}");
                let detail = LineDetail {
                    outcome: Outcome::Indeterminate,
                    classification: None,
                    review_policy: None,
                    determining_rules: Vec::new(),
                    citations: Vec::new(),
                    exceptions: Vec::new(),
                    missing: Vec::new(),
                    parties: Vec::new(),
                    other_layer: None,
                    next_change: None,
                    warnings: Vec::new(),
                    error: Some(e.to_string()),
                };
                self.add_detailed(facts, Some(detail));
            }
        }
    }

    /// Whether a line of this severity would be listed with its decision (flagged, and the
    /// severity's list not yet full): the caller makes the full decision for such lines only,
    /// so a book of a million lines costs at most a few thousand explanations.
    pub fn wants_detail(&self, severity: Severity) -> bool {
        severity != Severity::Clear && self.listed[idx(severity)].len() < self.opts.max_listed
    }

    /// A row of the book that could not be read: counted, and the first ones quoted.
    pub fn reject(&mut self, message: impl Into<String>) {
        self.rejected += 1;
        if self.rejected_examples.len() < REJECTED_SHOWN {
            self.rejected_examples.push(message.into());
        }
    }

    /// The data the run used (rule pack, catalog and list hashes), when no decision carried it.
    pub fn data_used(&mut self, data: DataUsed) {
        self.data = Some(data);
    }

    /// Cap figures from the ledger, shown as usage bars.
    pub fn caps(&mut self, caps: Vec<CapFigure>) {
        self.caps = caps;
    }

    /// A sentence the reader should see at the top (e.g. how the lines were dated).
    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// The calendar years the dated lines fall in, in order (caps count per year).
    pub fn years(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self.by_month.keys().map(|(y, _)| *y).collect();
        years.dedup();
        years
    }

    /// Lines added so far.
    pub fn lines(&self) -> u64 {
        self.seq
    }

    /// The currency the charts use: the one with the most value at stake in flagged lines
    /// (then in all lines); other currencies are in the tables only, and the page says so.
    fn chart_currency(&self) -> String {
        let best = |flagged: bool| {
            self.total
                .value
                .iter()
                .map(|(c, v)| {
                    (
                        if flagged {
                            v[1] + v[2] + v[3]
                        } else {
                            v.iter().sum()
                        },
                        c,
                    )
                })
                .filter(|(s, _)| *s > 0)
                .max()
                .map(|(_, c)| c.clone())
        };
        best(true)
            .or_else(|| best(false))
            .unwrap_or_else(|| "USD".to_owned())
    }

    /// The page.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(64 * 1024);
        let currency = self.chart_currency();
        page_head(&mut out, &self.opts);
        self.header(&mut out);
        self.headline(&mut out);
        self.charts(&mut out, &currency);
        self.breakdowns(&mut out, &currency);
        self.flagged_table(&mut out);
        self.decisions(&mut out);
        self.rejected_section(&mut out);
        self.footer(&mut out);
        out.push_str("</body>\n</html>\n");
        out
    }

    fn h100(&self, tpp: f64) -> f64 {
        if self.opts.h100_tpp > 0.0 {
            tpp / self.opts.h100_tpp
        } else {
            0.0
        }
    }

    fn header(&self, out: &mut String) {
        let flagged = self.total.flagged_lines();
        let _ = write!(
            out,
            r##"<header>
<h1>{}</h1>
<p class="sub">Book <code>{}</code> · checked on {} · {}, {} flagged{}</p>
<nav><a href="#summary">Summary</a> <a href="#charts">Charts</a> <a href="#breakdown">By country, customer, item</a> <a href="#flagged">Flagged lines</a>{}</nav>
</header>
<main>
"##,
            esc(&self.opts.title),
            esc(&self.opts.source),
            self.opts.checked_on,
            count(self.seq, "line", "lines"),
            int(flagged.into()),
            if self.rejected > 0 {
                format!(", {} rejected", count(self.rejected, "row", "rows"))
            } else {
                String::new()
            },
            if self.rejected > 0 {
                r##" <a href="#rejected">Rejected rows</a>"##
            } else {
                ""
            },
        );
        if !self.notes.is_empty() {
            out.push_str(r#"<ul class="notes">"#);
            for n in &self.notes {
                out.push_str("<li>");
                push_esc(out, n);
                out.push_str("</li>");
            }
            out.push_str("</ul>\n");
        }
    }

    fn headline(&self, out: &mut String) {
        out.push_str(r#"<section id="summary"><h2>Summary</h2><div class="cards">"#);
        for s in SHOWN {
            let i = idx(s);
            let _ = write!(
                out,
                r#"<div class="card sev-{key}"><div class="big" data-metric="lines.{key}" data-value="{n}">{}</div><div>{}</div><div class="small">{} H100-equivalents</div></div>"#,
                int(self.total.lines[i].into()),
                severity_words(s),
                figure_1(self.h100(self.total.tpp[i])),
                key = severity_key(s),
                n = self.total.lines[i],
            );
        }
        out.push_str("</div>\n");
        out.push_str(
            r#"<table class="headline"><thead><tr><th>Answer</th><th class="num">Lines</th><th class="num">Value</th><th class="num">Compute (TPP)</th><th class="num">H100-equivalents</th></tr></thead><tbody>"#,
        );
        let row = |out: &mut String, label: &str, key: &str, t: &Tally, is: &[usize]| {
            let lines: u64 = is.iter().map(|i| t.lines[*i]).sum();
            let tpp: f64 = is.iter().map(|i| t.tpp[*i]).sum();
            let tpp_unknown: u64 = is.iter().map(|i| t.tpp_unknown[*i]).sum();
            let value_unknown: u64 = is.iter().map(|i| t.value_unknown[*i]).sum();
            let _ = write!(
                out,
                r#"<tr><th scope="row">{label}</th><td class="num" data-metric="lines.{key}" data-value="{lines}">{}</td><td class="num">"#,
                int(lines.into())
            );
            let mut any = false;
            for (cur, v) in &t.value {
                let cents: i128 = is.iter().map(|i| v[*i]).sum();
                if cents == 0 && lines > 0 && t.value.len() > 1 {
                    continue;
                }
                any = true;
                let _ = write!(
                    out,
                    r#"<div data-metric="value.{key}.{}" data-value="{cents}">{}</div>"#,
                    esc(cur),
                    money(cents, cur)
                );
            }
            if !any {
                out.push('–');
            }
            if value_unknown > 0 {
                let _ = write!(
                    out,
                    r#"<div class="small">{} without a price</div>"#,
                    int(value_unknown.into())
                );
            }
            let _ = write!(
                out,
                r#"</td><td class="num" data-metric="tpp.{key}" data-value="{tpp:.3}">{}"#,
                figure(tpp)
            );
            if tpp_unknown > 0 {
                let _ = write!(
                    out,
                    r#"<div class="small">{} of unknown TPP</div>"#,
                    int(tpp_unknown.into())
                );
            }
            let _ = write!(
                out,
                r#"</td><td class="num" data-metric="h100.{key}">{}</td></tr>"#,
                figure_1(self.h100(tpp))
            );
        };
        for s in SHOWN {
            row(
                out,
                severity_words(s),
                severity_key(s),
                &self.total,
                &[idx(s)],
            );
        }
        row(out, "All lines", "all", &self.total, &[0, 1, 2, 3]);
        let _ = write!(
            out,
            r#"</tbody></table>
<p class="explain"><b>License required</b>: the shipment needs a license (or a license exception the decision names) before it ships. <b>Blocked</b>: prohibited, or a party is on a list that forbids the transaction. <b>Needs review</b>: the rules could not decide (a fact is missing, a date is outside the rule pack's coverage) or a party may match a list; a person must look before it ships. <b>No license required</b> is never given when a fact is missing. Compute is TPP × quantity; an H100-equivalent is {} TPP (one H100 SXM).</p>
</section>
"#,
            figure(self.opts.h100_tpp)
        );
    }

    fn top_bars(
        &self,
        map: &BTreeMap<String, Tally>,
        label: &dyn Fn(&str) -> String,
        metric: &dyn Fn(&Tally, usize) -> f64,
    ) -> Vec<Bar> {
        let mut rows: Vec<(&String, &Tally)> =
            map.iter().filter(|(_, t)| t.flagged_lines() > 0).collect();
        let total = |t: &Tally| metric(t, 1) + metric(t, 2) + metric(t, 3);
        rows.sort_by(|a, b| total(b.1).total_cmp(&total(a.1)).then_with(|| a.0.cmp(b.0)));
        let mut bars: Vec<Bar> = rows
            .iter()
            .take(self.opts.top)
            .map(|(k, t)| Bar {
                label: label(k),
                values: FLAGGED.iter().map(|s| metric(t, idx(*s))).collect(),
            })
            .collect();
        if rows.len() > self.opts.top {
            let mut rest = Tally::default();
            for (_, t) in &rows[self.opts.top..] {
                rest.merge(t);
            }
            bars.push(Bar {
                label: format!("{} others", rows.len() - self.opts.top),
                values: FLAGGED.iter().map(|s| metric(&rest, idx(*s))).collect(),
            });
        }
        bars
    }

    fn charts(&self, out: &mut String, currency: &str) {
        out.push_str(r#"<section id="charts"><h2>Where the flagged value and compute are</h2>"#);
        let series = flagged_series();
        let cur = currency.to_owned();
        let value = |t: &Tally, i: usize| t.value.get(&cur).map_or(0.0, |v| v[i] as f64 / 100.0);
        let tpp = |t: &Tally, i: usize| t.tpp[i];
        let country_label = |code: &str| country_label(code);
        let cur2 = currency.to_owned();
        let money_fmt = move |v: f64| format!("{} {}", cur2, html::compact(v));
        let h = self.opts.h100_tpp;
        let h100_fmt = move |v: f64| if h > 0.0 { figure_1(v / h) } else { figure(v) };
        out.push_str(r#"<div class="chartbox"><h3>Value by destination country</h3>"#);
        out.push_str(&svg::stacked_bars(
            "by-country-value",
            &format!("Value of flagged lines by destination country, in {currency}"),
            &self.top_bars(&self.by_country, &country_label, &value),
            &series,
            &money_fmt,
        ));
        out.push_str(r#"</div><div class="chartbox"><h3>Compute by destination country (H100-equivalents)</h3>"#);
        out.push_str(&svg::stacked_bars(
            "by-country-compute",
            "Compute of flagged lines by destination country, in H100-equivalents",
            &self.top_bars(&self.by_country, &country_label, &tpp),
            &series,
            &h100_fmt,
        ));
        out.push_str("</div>");
        // Every month from the first to the last, empty ones too, so the axis is time.
        let months: Vec<Bar> = match (
            self.by_month.keys().next(),
            self.by_month.keys().next_back(),
        ) {
            (Some(&(y0, m0)), Some(&(y1, m1))) => {
                let mut v = Vec::new();
                let (mut y, mut m) = (y0, m0);
                while (y, m) <= (y1, m1) {
                    let t = self.by_month.get(&(y, m));
                    v.push(Bar {
                        label: format!("{y}-{m:02}"),
                        values: FLAGGED
                            .iter()
                            .map(|s| t.map_or(0.0, |t| value(t, idx(*s))))
                            .collect(),
                    });
                    (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                }
                v
            }
            _ => Vec::new(),
        };
        out.push_str(r#"<div class="chartbox wide"><h3>Flagged value by month of shipment</h3>"#);
        out.push_str(&svg::stacked_columns(
            "by-month-value",
            &format!("Value of flagged lines by month, in {currency}"),
            &months,
            &series,
            &money_fmt,
        ));
        if self.undated.flagged_lines() > 0 {
            let _ = write!(
                out,
                r#"<p class="small">{} flagged lines have no date and are not in this chart.</p>"#,
                int(self.undated.flagged_lines().into())
            );
        }
        out.push_str("</div>");
        let others: Vec<&String> = self
            .total
            .value
            .keys()
            .filter(|c| c.as_str() != currency)
            .collect();
        if !others.is_empty() {
            let _ = write!(
                out,
                r#"<p class="small">Charts show values in {}; values in {} are in the tables only.</p>"#,
                esc(currency),
                others.iter().map(|c| esc(c)).collect::<Vec<_>>().join(", ")
            );
        }
        if !self.caps.is_empty() {
            let gauges: Vec<svg::Gauge> = self
                .caps
                .iter()
                .map(|c| svg::Gauge {
                    label: c.label.clone(),
                    used: c.used_tpp,
                    limit: c.limit_tpp,
                })
                .collect();
            out.push_str(r#"<div class="chartbox wide" id="caps"><h3>Cap usage (TPP), the caps nearest their limit</h3>"#);
            out.push_str(&svg::gauges("caps", "Cap usage in TPP", &gauges, &|v| {
                html::compact(v)
            }));
            out.push_str("</div>");
        }
        out.push_str("</section>\n");
    }

    fn breakdowns(&self, out: &mut String, currency: &str) {
        out.push_str(r#"<section id="breakdown"><h2>By country, customer and item</h2><p class="small">Flagged lines only; the largest by value first.</p><div class="tables">"#);
        self.breakdown(
            out,
            "Destination country",
            &self.by_country,
            currency,
            &|k| country_label(k),
        );
        self.breakdown(out, "Customer", &self.by_customer, currency, &|k| {
            k.to_owned()
        });
        self.breakdown(out, "Item", &self.by_item, currency, &|k| k.to_owned());
        out.push_str("</div></section>\n");
    }

    fn breakdown(
        &self,
        out: &mut String,
        what: &str,
        map: &BTreeMap<String, Tally>,
        currency: &str,
        label: &dyn Fn(&str) -> String,
    ) {
        let mut rows: Vec<(&String, &Tally)> =
            map.iter().filter(|(_, t)| t.flagged_lines() > 0).collect();
        rows.sort_by(|a, b| {
            b.1.flagged_value(currency)
                .cmp(&a.1.flagged_value(currency))
                .then_with(|| b.1.flagged_tpp().total_cmp(&a.1.flagged_tpp()))
                .then_with(|| a.0.cmp(b.0))
        });
        let _ = write!(
            out,
            r#"<table class="breakdown"><caption>{}</caption><thead><tr><th>{}</th><th class="num">Blocked</th><th class="num">Review</th><th class="num">License</th><th class="num">Value ({})</th><th class="num">H100-eq.</th></tr></thead><tbody>"#,
            esc(what),
            esc(what),
            esc(currency)
        );
        let mut rest = Tally::default();
        for (i, (k, t)) in rows.iter().enumerate() {
            if i >= self.opts.top {
                rest.merge(t);
                continue;
            }
            self.breakdown_row(out, &label(k), t, currency);
        }
        if rows.len() > self.opts.top {
            self.breakdown_row(
                out,
                &format!("{} others", rows.len() - self.opts.top),
                &rest,
                currency,
            );
        }
        if rows.is_empty() {
            out.push_str(r#"<tr><td colspan="6">no flagged lines</td></tr>"#);
        }
        out.push_str("</tbody></table>");
    }

    fn breakdown_row(&self, out: &mut String, label: &str, t: &Tally, currency: &str) {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            esc(label),
            int(t.lines[3].into()),
            int(t.lines[2].into()),
            int(t.lines[1].into()),
            money(t.flagged_value(currency), currency),
            figure_1(self.h100(t.flagged_tpp()))
        );
    }

    /// The flagged lines the page lists, most severe first, in book order within a severity.
    fn listed(&self) -> impl Iterator<Item = &Listed> {
        FLAGGED
            .iter()
            .flat_map(|s| self.listed[idx(*s)].iter())
            .take(self.opts.max_listed)
    }

    fn flagged_table(&self, out: &mut String) {
        let flagged = self.total.flagged_lines();
        let shown = self.listed().count() as u64;
        let _ = write!(
            out,
            r#"<section id="flagged"><h2>Flagged lines</h2><p>Flagged: {}. Needing no license: {}, counted above and not listed. Each flagged line links to its decision.</p>"#,
            count(flagged, "line", "lines"),
            count(self.total.lines[0], "line", "lines")
        );
        if shown < flagged {
            let _ = write!(
                out,
                r#"<p class="cap-note"><b>{} flagged lines are not listed</b>: this page lists at most {} (the most severe first). Run <code>earmark check --book … --output jsonl</code> for every line.</p>"#,
                int((flagged - shown).into()),
                int((self.opts.max_listed as u64).into())
            );
        }
        out.push_str(r#"<table class="lines"><thead><tr><th>Answer</th><th>Order / line</th><th>Date</th><th>Item</th><th>To</th><th>Customer</th><th class="num">Qty</th><th class="num">Value</th><th class="num">H100-eq.</th><th>Why, in one line</th></tr></thead><tbody>"#);
        for l in self.listed() {
            let f = &l.facts;
            let _ = write!(
                out,
                r##"<tr class="sev-{}"><td>{}</td><td><a href="#{}">{} / {}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>"##,
                severity_key(f.severity),
                severity_words(f.severity),
                l.anchor,
                esc(&f.order_id),
                esc(&f.line),
                f.date.map_or_else(|| "–".to_owned(), |d| d.to_string()),
                esc(&f.item),
                f.destination.map_or("–", |c| c.code()),
                esc(f.customer.as_deref().unwrap_or("–")),
                int(f.quantity.into()),
                f.value
                    .as_ref()
                    .map_or_else(|| "–".to_owned(), |m| money(m.cents, &m.currency)),
                f.compute()
                    .map_or_else(|| "unknown".to_owned(), |t| figure_1(self.h100(t))),
                esc(&f.headline),
            );
        }
        if shown == 0 {
            out.push_str(r#"<tr><td colspan="10">no flagged lines</td></tr>"#);
        }
        out.push_str("</tbody></table></section>\n");
    }

    fn decisions(&self, out: &mut String) {
        if self.listed().next().is_none() {
            return;
        }
        out.push_str(r#"<section id="decisions"><h2>Decisions of the flagged lines</h2>"#);
        for l in self.listed() {
            let f = &l.facts;
            let _ = write!(
                out,
                r##"<article class="decision sev-{}" id="{}"><h3>{}: order {} line {}</h3><p class="headline">{}</p><dl><dt>Item</dt><dd>{} × {}</dd><dt>To</dt><dd>{}</dd><dt>Date</dt><dd>{}</dd><dt>Customer</dt><dd>{}</dd>"##,
                severity_key(f.severity),
                l.anchor,
                severity_words(f.severity),
                esc(&f.order_id),
                esc(&f.line),
                esc(&f.headline),
                int(f.quantity.into()),
                esc(&f.item),
                f.destination
                    .map_or_else(|| "unknown".to_owned(), |c| esc(&country_label(c.code()))),
                f.date
                    .map_or_else(|| "none given".to_owned(), |d| d.to_string()),
                esc(f.customer.as_deref().unwrap_or("none named")),
            );
            match &l.detail {
                Some(d) => self.detail(out, d),
                None => out.push_str(
                    "</dl><p class=\"small\">The run kept no detailed decision for this line; check it alone with <code>earmark check</code> for the full trace.</p>",
                ),
            }
            out.push_str(r##"<p class="back"><a href="#flagged">Back to the flagged lines</a></p></article>"##);
        }
        out.push_str("</section>\n");
    }

    fn detail(&self, out: &mut String, d: &LineDetail) {
        if let Some(e) = &d.error {
            let _ = write!(out, "<dt>Not checked</dt><dd>{}</dd></dl>", esc(e));
            return;
        }
        let _ = write!(
            out,
            "<dt>Outcome</dt><dd>{}</dd><dt>Classification</dt><dd>{}</dd>",
            outcome_words(d.outcome),
            esc(d.classification.as_deref().unwrap_or("not decided"))
        );
        if let Some(p) = d.review_policy {
            let _ = write!(out, "<dt>Review policy</dt><dd>{}</dd>", policy_words(p));
        }
        if let Some(o) = &d.other_layer {
            let _ = write!(out, "<dt>Other layer</dt><dd>{}</dd>", esc(o));
        }
        if let Some(n) = &d.next_change {
            let _ = write!(out, "<dt>Next change</dt><dd>{}</dd>", esc(n));
        }
        out.push_str("</dl>");
        if !d.missing.is_empty() {
            out.push_str("<h4>Missing facts (why it is not decided)</h4><ul>");
            for (field, why) in &d.missing {
                let _ = write!(out, "<li><code>{}</code>: {}</li>", esc(field), esc(why));
            }
            out.push_str("</ul>");
        }
        if !d.citations.is_empty() || !d.determining_rules.is_empty() {
            out.push_str(r#"<h4>Rules that decided it</h4><table class="rules"><thead><tr><th>Rule</th><th>Instrument</th><th>Citation</th></tr></thead><tbody>"#);
            for c in &d.citations {
                let _ = write!(
                    out,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    esc(&c.rule),
                    esc(&c.instrument),
                    esc(&c.cite)
                );
            }
            for r in d
                .determining_rules
                .iter()
                .filter(|r| !d.citations.iter().any(|c| &c.rule == *r))
            {
                let _ = write!(
                    out,
                    "<tr><td><code>{}</code></td><td></td><td></td></tr>",
                    esc(r)
                );
            }
            out.push_str("</tbody></table>");
        }
        if !d.exceptions.is_empty() {
            out.push_str("<h4>License exceptions that may apply</h4><ul>");
            for e in &d.exceptions {
                let _ = write!(
                    out,
                    "<li><b>{}</b> ({}), {}</li>",
                    esc(&e.rule),
                    esc(&e.instrument),
                    esc(&e.cite)
                );
            }
            out.push_str("</ul>");
        }
        if !d.parties.is_empty() {
            out.push_str(r#"<h4>Screening</h4><table class="screening"><thead><tr><th>Party</th><th>Name</th><th>Status</th><th>List</th><th>Entry</th><th>Matched name</th><th class="num">Score</th></tr></thead><tbody>"#);
            for p in &d.parties {
                let first = format!(
                    "<td>{}</td><td>{}</td><td>{}</td>",
                    p.role.as_str(),
                    esc(p.name.as_deref().unwrap_or("–")),
                    status_words(p.status, p.basis)
                );
                if p.matches.is_empty() {
                    let _ = write!(
                        out,
                        r#"<tr>{first}<td colspan="4">no list entry came close</td></tr>"#
                    );
                }
                for (m, why) in &p.matches {
                    let _ = write!(
                        out,
                        r#"<tr>{first}<td>{} <span class="small">({})</span></td><td><code>{}</code></td><td>{}</td><td class="num">{:.4} <span class="small">{}</span></td></tr>"#,
                        esc(&m.list),
                        why,
                        esc(&m.source_id),
                        esc(&m.matched_name),
                        m.score,
                        m.band.as_str()
                    );
                }
            }
            out.push_str("</tbody></table>");
        }
        if !d.warnings.is_empty() {
            out.push_str(r#"<ul class="warnings">"#);
            for w in &d.warnings {
                let _ = write!(out, "<li>{}</li>", esc(w));
            }
            out.push_str("</ul>");
        }
    }

    fn rejected_section(&self, out: &mut String) {
        if self.rejected == 0 {
            return;
        }
        let _ = write!(
            out,
            r#"<section id="rejected"><h2>Rejected rows</h2><p>{} rows of the book could not be read and were not checked: they are in no figure above.</p><ul class="rejected">"#,
            int(self.rejected.into())
        );
        for m in &self.rejected_examples {
            let _ = write!(out, "<li><code>{}</code></li>", esc(m));
        }
        out.push_str("</ul>");
        if self.rejected > self.rejected_examples.len() as u64 {
            let _ = write!(
                out,
                r#"<p class="small">and {} more.</p>"#,
                int((self.rejected - self.rejected_examples.len() as u64).into())
            );
        }
        out.push_str("</section>\n");
    }

    fn footer(&self, out: &mut String) {
        out.push_str("</main><footer><h2>Data used</h2>");
        match &self.data {
            Some(d) => {
                let _ = write!(
                    out,
                    "<p>Rule pack <b>{}</b> {} (sha256 <code>{}</code>), verified through {}; catalog sha256 <code>{}</code>.</p>",
                    esc(&d.rule_pack),
                    esc(&d.rule_pack_version),
                    esc(&d.rule_pack_hash),
                    d.rule_pack_verified_through.map_or_else(|| "an unknown date".to_owned(), |x| x.to_string()),
                    esc(&d.catalog_hash)
                );
                if d.lists.is_empty() {
                    out.push_str(
                        "<p>No restricted-party list was loaded: list status is unknown.</p>",
                    );
                } else {
                    out.push_str("<ul>");
                    for l in &d.lists {
                        let _ = write!(
                            out,
                            "<li>{}, dated {}{}, {} records, sha256 <code>{}</code></li>",
                            esc(&l.source),
                            esc(l.date.as_deref().unwrap_or("unknown")),
                            l.age_days
                                .map_or_else(String::new, |a| format!(" ({a} days old)")),
                            int(l.records as u128),
                            esc(&l.content_hash)
                        );
                    }
                    out.push_str("</ul>");
                }
            }
            None => out.push_str("<p>No decision carried the data it was made with.</p>"),
        }
        let _ = writeln!(
            out,
            "<p class=\"small\">Made by earmark {} on {}. Not legal advice: the rule pack encodes public sources with their confidence.</p></footer>",
            crate::ENGINE_VERSION,
            self.opts.checked_on
        );
    }
}

/// The page's head: its CSP (no script, no fetch, the stylesheet admitted by its hash), the
/// inline stylesheet and the title; then `<body>`.
fn page_head(out: &mut String, opts: &ReportOptions) {
    let digest = Sha256::digest(CSS.as_bytes());
    let style_hash = base64(&digest);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-{style_hash}'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="earmark {}">
<title>{} – {}</title>
<style>{CSS}</style>
</head>
<body>
"#,
        crate::ENGINE_VERSION,
        esc(&opts.title),
        esc(&opts.source)
    );
}

/// `1 line`, `2 lines`, with separators.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", int(n.into()), if n == 1 { one } else { many })
}

fn country_label(code: &str) -> String {
    match Country::from_code(code) {
        Some(c) => format!("{} {}", c.code(), c.name()),
        None if code == "??" => "no destination".to_owned(),
        None => code.to_owned(),
    }
}

/// Standard base64 with padding (RFC 4648), for the stylesheet's CSP hash.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
    }
}
