//! License determination: does this shipment need a license, under which rules, with which
//! exceptions and conditions, and what would change the answer.
//!
//! A decision is a pure function of a [`Request`] (destination, parties, transaction, dates,
//! layer), the classified item ([`ItemFacts`]) and a [`RulePack`]. Rules are evaluated in
//! three-valued logic: a fact that is unknown and could decide the answer makes the outcome
//! `indeterminate` and is named in `missing`; it is never read as "no license required".
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
//! license requirement makes it `license_required`; an unknown in either makes it
//! `indeterminate`. The review policy is that of the applicable rule with the highest
//! priority (the loader rejects two disagreeing rules at one priority in overlapping windows).
//! License exceptions are listed only when a license is required and no applied requirement
//! bars them. A rule is out of play when its window does not contain the as-of date, its
//! instrument was not public on the known-on date, its layer is not asked for, or a rule in
//! play `supersedes` it.

use serde::{Deserialize, Serialize};

mod eval;
mod explain;
mod fast;
mod play;
mod prose;

pub use fast::{determine, Determiner, RuleBits, Snapshot, Verdict};
pub use play::{classification_date, CoverageGap};

use crate::classify::{Classification, Status};
use crate::country::{Country, CountrySet};
use crate::rules::{
    Citation, Condition, Confidence, Eccn, Effect, EndUse, Exporter, ExporterRole, FactName,
    FactTest, Layer, LicenseCondition, ListStatus, Obligation, Rebuttal, ReviewPolicy, Rule,
    RulePack, SetRef, Transaction,
};
use crate::spec::{ItemKind, Spec};
use crate::trace::{FactRead, MissingFact, RuleStatus, Window};
use crate::Date;
/// Which reading of the regulations a decision follows.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// The exporting company, when known. An is-informed letter binds its addressee only, so
    /// rules that name an exporter are undecided (and the decision names `exporter`) when
    /// this is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter: Option<Exporter>,
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
            exporter: None,
            rebuttal: Rebuttal::None,
            end_user_list: None,
        }
    }
}

/// The item's classification as determination reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ItemFacts {
    /// Catalog id, when the item came from the catalog.
    pub id: Option<String>,
    /// Catalog ids of the items a system contains, at any depth (`incorporates` reads them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// Where the company that developed or produced the item is headquartered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Country>,
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
            components: spec.component_ids(),
            origin: spec.origin,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
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

/// A license exception available for the transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExceptionView {
    pub id: String,
    pub rule: String,
    pub citation: String,
    pub obligations: Vec<Obligation>,
}

/// A license condition that would attach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConditionView {
    pub rule: String,
    pub citation: String,
    pub confidence: Confidence,
    #[serde(flatten)]
    pub condition: LicenseCondition,
}

/// An advisory (red flag, policy statement) that bears on the transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AdvisoryView {
    pub rule: String,
    pub citation: String,
    pub text: String,
}

/// A citation of a determining rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CitationView {
    pub rule: String,
    pub instrument: String,
    pub cite: String,
    pub sources: Vec<Citation>,
}

/// A rule relied on that is not from a primary source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UncertainView {
    pub id: String,
    pub confidence: Confidence,
    pub why: String,
}

/// The decision: the answer, why, and what could change it. CLI text and JSON are renderings
/// of this value; its JSON is byte-identical for the same inputs and pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    pub trace: Vec<RuleTrace>,
}

/// One rule of the pack as a decision considered it. `code` is what programs read; `reason`
/// is the same thing in words, rendered from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RuleTrace {
    pub rule_id: String,
    /// The kind of effect the rule has (`license_requirement`, `review_policy`, ...).
    pub effect: String,
    pub citation: String,
    pub window: Window,
    pub status: RuleStatus,
    pub code: Reason,
    /// Plain-language reason, written for the compliance officer reading the answer.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<FactRead>,
}

/// Why a rule did or did not contribute, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Not in force: an enforcement-posture instrument, and the legal layer was asked for.
    LayerNotAsked,
    /// Not in force: its instrument was not yet public on the known-on date.
    NotYetPublic { public_on: Date },
    /// Not in force: the as-of date is outside its window.
    OutsideWindow,
    /// Not in force: a rule in play supersedes it.
    Superseded { by: String },
    /// In force; its condition does not hold, first failing at `clause`.
    NotApplicable { clause: Clause, detail: String },
    /// In force; a fact it needs is unknown.
    MissingFacts { facts: Vec<String> },
    /// In force and its condition holds: it contributed.
    Applied,
    /// A requirement that holds, overridden because the transaction is prohibited.
    OverriddenByProhibition,
    /// Holds, but no license is required, so it has nothing to act on.
    HoldsButNoLicenseRequired,
    /// A review policy that holds, below a higher-priority one that also holds.
    HoldsButOutranked { by: String },
    /// License conditions that hold, but belong to a review policy that is not the one used.
    HoldsButPolicyNotUsed { policy: String },
    /// A review policy that holds, below a higher-priority one that is undecided.
    HoldsButUndecidedAbove { by: String },
    /// A license exception that holds, barred by an applied requirement.
    HoldsButExceptionsBarred { by: String },
    /// A classification vintage in force (it dates the thresholds the item was read with).
    ClassificationInForce,
    /// A suspension in force: it ends the rules it supersedes.
    Suspends,
}

impl Reason {
    /// The status this reason amounts to.
    pub fn status(&self) -> RuleStatus {
        match self {
            Self::LayerNotAsked
            | Self::NotYetPublic { .. }
            | Self::OutsideWindow
            | Self::Superseded { .. } => RuleStatus::NotInForce,
            Self::NotApplicable { .. }
            | Self::HoldsButNoLicenseRequired
            | Self::HoldsButOutranked { .. }
            | Self::HoldsButPolicyNotUsed { .. }
            | Self::HoldsButUndecidedAbove { .. }
            | Self::HoldsButExceptionsBarred { .. } => RuleStatus::NotApplicable,
            Self::MissingFacts { .. } => RuleStatus::MissingFacts,
            Self::Applied
            | Self::OverriddenByProhibition
            | Self::ClassificationInForce
            | Self::Suspends => RuleStatus::Applied,
        }
    }
}

/// The kind of clause of a rule's condition that failed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Clause {
    Destination,
    Eccn,
    ItemKind,
    NamedItem,
    From,
    Transaction,
    EndUse,
    ExporterRole,
    Exporter,
    Incorporates,
    Origin,
    Rebuttal,
    ListStatus,
    Datacenter,
    Fact,
    FactsAny,
    Headquarters,
    Any,
    Exclusion,
    Other,
}
