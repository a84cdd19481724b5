//! The trace: every rule an answer considered, with what it read and what it concluded.
//!
//! Classification and determination both return a trace so that the CLI, the JSON output and
//! (later) the HTML report are renderings of the same value, and a recorded answer can be
//! replayed and compared years later.

use serde::{Deserialize, Serialize};

use crate::Date;

/// What happened to one candidate rule during an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// The evaluation date lies outside the rule's effective window.
    NotInForce,
    /// In force, but its conditions do not hold for these facts.
    NotApplicable,
    /// In force and its conditions hold: it contributed to the answer.
    Applied,
    /// In force, but a fact it needs is unknown, so it could be either.
    MissingFacts,
    /// In force, but it could not be evaluated (bad data, unsupported construct).
    Errored,
}

/// A rule's effective window; `to` is the last day in force (inclusive), `None` while open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Window {
    pub from: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Date>,
}

impl Window {
    pub const fn open(from: Date) -> Self {
        Self { from, to: None }
    }

    pub const fn closed(from: Date, to: Date) -> Self {
        Self { from, to: Some(to) }
    }

    /// Whether `date` falls inside the window, both ends inclusive.
    pub fn contains(&self, date: Date) -> bool {
        date >= self.from && self.to.is_none_or(|to| date <= to)
    }
}

/// One fact a rule read, with the value it saw (`null` when unknown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FactRead {
    pub fact: String,
    pub value: serde_json::Value,
}

/// One line of a trace: a candidate rule and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TraceEntry {
    pub rule_id: String,
    pub citation: String,
    pub window: Window,
    pub status: RuleStatus,
    /// Plain-language reason, written for the compliance officer reading the answer.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<FactRead>,
}

/// A fact that would decide an indeterminate answer.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct MissingFact {
    /// The input field that is missing, as spelled in the input format (e.g. `die_area_mm2`).
    pub field: String,
    /// Why it matters here.
    pub why: String,
}
