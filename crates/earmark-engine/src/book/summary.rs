//! What a book puts at stake: lines that need a license, are blocked or need review, by
//! country, customer and item, with their count, value and compute.
//!
//! Compute is TPP (per unit, as classification read it, times the quantity) and
//! H100-equivalents: TPP ÷ [`H100_TPP`], the H100 SXM's TPP in the bundled catalog (the
//! ledger counts caps in the same convention). Value is kept per currency in integer cents:
//! a book in several currencies is never summed across them.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::run::LineCheck;
use super::BookLine;
use crate::contract::{PartyRole, Severity};

/// The H100 SXM's TPP (FP8 dense 1,979 TOPS × 8 bits, as the bundled catalog computes it):
/// one H100-equivalent.
pub const H100_TPP: f64 = 15_832.0;

/// How compute is counted, for every output that shows H100-equivalents.
pub const H100_CONVENTION: &str =
    "H100-equivalents = TPP / 15,832 (the H100 SXM's TPP in the bundled catalog)";

/// TPP in H100-equivalents (see [`H100_TPP`]).
pub fn h100_equivalents(tpp: f64) -> f64 {
    tpp / H100_TPP
}

/// Lines, units, value and compute of a set of lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    pub lines: u64,
    pub units: u64,
    /// Value in cents per currency (ISO 4217).
    pub value_cents: BTreeMap<String, u128>,
    /// Lines with no price: their value is not in `value_cents`.
    pub lines_without_value: u64,
    /// TPP shipped (per unit × quantity), over the lines whose TPP is known.
    pub tpp: f64,
    /// Lines whose item's TPP is unknown: their compute is not in `tpp`.
    pub lines_without_tpp: u64,
}

impl Tally {
    fn add(&mut self, line: &BookLine, tpp: Option<f64>) {
        self.lines += 1;
        self.units = self.units.saturating_add(line.quantity);
        match (line.value_cents, &line.currency) {
            (Some(v), Some(c)) => {
                let cell = self.value_cents.entry(c.clone()).or_default();
                *cell = cell.saturating_add(u128::from(v));
            }
            _ => self.lines_without_value += 1,
        }
        match tpp {
            Some(t) => self.tpp += t,
            None => self.lines_without_tpp += 1,
        }
    }

    pub fn h100_equivalents(&self) -> f64 {
        h100_equivalents(self.tpp)
    }

    /// Value in one currency's cents, `0` when none.
    pub fn value_in(&self, currency: &str) -> u128 {
        self.value_cents.get(currency).copied().unwrap_or(0)
    }
}

/// Tallies by a key (a hash map: a million-line book looks its keys up a million times, and
/// ordered maps spent that time comparing long customer names; [`ranked`] orders them).
pub type ByKey = FxHashMap<String, Tally>;

/// The lines of one severity, in total and by country, customer and item.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Group {
    pub total: Tally,
    /// By country of destination (ISO code).
    pub by_country: ByKey,
    /// By customer: the end user's name, else the ultimate consignee's, else `(unnamed)`.
    pub by_customer: ByKey,
    /// By item as the book writes it.
    pub by_item: ByKey,
}

impl Group {
    fn add(&mut self, line: &BookLine, tpp: Option<f64>) {
        self.total.add(line, tpp);
        for (map, key) in [
            (&mut self.by_country, line.shipment.to.code()),
            (&mut self.by_customer, customer(line)),
            (&mut self.by_item, line.item.as_str()),
        ] {
            // The key is copied only the first time it is met.
            match map.get_mut(key) {
                Some(t) => t.add(line, tpp),
                None => map.entry(key.to_owned()).or_default().add(line, tpp),
            }
        }
    }
}

/// Largest first: by compute, then value in `currency`, then lines, then key.
pub fn ranked<'a>(map: &'a ByKey, currency: &str) -> Vec<(&'a str, &'a Tally)> {
    let mut v: Vec<(&str, &Tally)> = map.iter().map(|(k, t)| (k.as_str(), t)).collect();
    v.sort_by(|a, b| {
        b.1.tpp
            .total_cmp(&a.1.tpp)
            .then(b.1.value_in(currency).cmp(&a.1.value_in(currency)))
            .then(b.1.lines.cmp(&a.1.lines))
            .then(a.0.cmp(b.0))
    });
    v
}

/// The customer a line is counted under.
pub fn customer(line: &BookLine) -> &str {
    let named = |role: PartyRole| {
        line.shipment
            .parties
            .iter()
            .find(|p| p.role == role)
            .and_then(|p| p.name.as_deref())
    };
    named(PartyRole::EndUser)
        .or_else(|| named(PartyRole::UltimateConsignee))
        .unwrap_or("(unnamed)")
}

/// A book's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Lines checked (with an answer or a check error).
    pub lines: u64,
    /// Rows that could not be read.
    pub bad_rows: u64,
    /// Lines the engine could not check (counted under `review` too: a person must look).
    pub check_errors: u64,
    pub clear: Group,
    pub license_required: Group,
    /// Indeterminate answers, possible list matches, lines that could not be checked.
    pub review: Group,
    /// Prohibited, or a party matches a denial or sanctions list.
    pub blocked: Group,
    /// How compute is counted.
    pub convention: &'static str,
}

impl Default for Summary {
    fn default() -> Self {
        Self {
            lines: 0,
            bad_rows: 0,
            check_errors: 0,
            clear: Group::default(),
            license_required: Group::default(),
            review: Group::default(),
            blocked: Group::default(),
            convention: H100_CONVENTION,
        }
    }
}

impl Summary {
    /// Counts one checked line.
    pub fn add(&mut self, line: &BookLine, check: &LineCheck<'_>) {
        self.lines += 1;
        let tpp = match &check.result {
            Ok(o) => o.tpp_total(line.quantity),
            Err(_) => {
                self.check_errors += 1;
                None
            }
        };
        self.group_mut(check.severity()).add(line, tpp);
    }

    /// Counts a row that could not be read.
    pub fn add_bad_row(&mut self) {
        self.bad_rows += 1;
    }

    pub fn group(&self, severity: Severity) -> &Group {
        match severity {
            Severity::Clear => &self.clear,
            Severity::LicenseRequired => &self.license_required,
            Severity::Review => &self.review,
            Severity::Blocked => &self.blocked,
        }
    }

    fn group_mut(&mut self, severity: Severity) -> &mut Group {
        match severity {
            Severity::Clear => &mut self.clear,
            Severity::LicenseRequired => &mut self.license_required,
            Severity::Review => &mut self.review,
            Severity::Blocked => &mut self.blocked,
        }
    }

    /// The most severe line's severity (`None` for a book with no line checked).
    pub fn worst(&self) -> Option<Severity> {
        [
            Severity::Blocked,
            Severity::Review,
            Severity::LicenseRequired,
            Severity::Clear,
        ]
        .into_iter()
        .find(|s| self.group(*s).total.lines > 0)
    }
}

/// The summary of a book checked in memory.
pub fn summarize(book: &super::Book, checks: &[LineCheck<'_>]) -> Summary {
    let mut s = Summary::default();
    for (line, check) in book.lines.iter().zip(checks) {
        s.add(line, check);
    }
    s.bad_rows = book.errors.len() as u64;
    s
}
