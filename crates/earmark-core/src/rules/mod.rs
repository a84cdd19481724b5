//! Rule packs: the regulations as versioned, cited data.
//!
//! A rule pack is a directory of TOML files (`rules/us-ear/` in the repository, embedded in the
//! binary by the CLI): `pack.toml` (id and version), `countries.toml` (how the EAR treats some
//! ISO codes, e.g. Hong Kong as China, and named country sets), `country-groups.toml` (Country
//! Groups with dated changes) and one file per instrument under `instruments/` (a rule, letter,
//! notice, guidance or proclamation with its citations, dates, layer and confidence, and the
//! rules it contributes). [`RulePack::from_files`] parses and validates them all; every problem
//! is reported with file and line. Determination ([`crate::determine`]) reads a loaded pack and
//! never the files.
//!
//! Rules are data, not code: each [`Rule`] pairs a [`Condition`] (a small vocabulary over the
//! item, the parties, the transaction and dates) with an [`Effect`] (a license requirement, a
//! review policy, a license exception with its obligations, license conditions, a prohibition,
//! an advisory, a classification presumption). Later instruments end earlier rules with
//! `supersedes`, so that an older rule's end is only known once the newer instrument is
//! published, which is what the "known on" view of a decision needs.

mod expr;
pub mod listing;
mod load;
mod validate;

use serde::{Deserialize, Serialize};

pub use expr::SetExpr;
pub use load::{content_hash, is_pack_file, Problem, RulesError};

use crate::country::{Country, CountrySet};
use crate::spec::ItemKind;
use crate::trace::Window;
use crate::Date;

/// Which reading of the regulations an instrument belongs to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// The legal text in force (Federal Register rules, the CFR).
    Legal,
    /// Enforcement posture: non-enforcement announcements, is-informed letters, guidance and
    /// policy overlays that change what BIS does without changing the text.
    Enforcement,
}

/// How sure the project is of an instrument or rule (the reference's [P] [S] [U] tags).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Read in a primary source (FR, eCFR, BIS, GAO, SEC), or quoted verbatim from one.
    Primary,
    /// From a secondary source (law firm, think tank, press).
    Secondary,
    /// Single weak source, conflicting sources, or the project's own interpretation.
    Uncertain,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Secondary => "secondary",
            Self::Uncertain => "uncertain",
        }
    }
}

/// What kind of public act an instrument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentKind {
    Rule,
    Correction,
    Notice,
    Letter,
    Guidance,
    Proclamation,
    Announcement,
}

/// A license review policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewPolicy {
    PresumptionOfDenial,
    CaseByCase,
    PresumptionOfApproval,
}

impl ReviewPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PresumptionOfDenial => "presumption_of_denial",
            Self::CaseByCase => "case_by_case",
            Self::PresumptionOfApproval => "presumption_of_approval",
        }
    }
}

/// Rules name classifications with the classifier's own type.
pub use crate::classify::Eccn;
pub use crate::classify::ThresholdKey;

impl Eccn {
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == text)
    }

    /// This classification's bit in a rule condition's ECCN mask.
    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Export, reexport or transfer (in-country).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Transaction {
    #[default]
    Export,
    Reexport,
    InCountry,
}

impl Transaction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Export => "export",
            Self::Reexport => "reexport",
            Self::InCountry => "in_country",
        }
    }
}

/// End uses rules can name. End-use controls apply on knowledge, so an end use that is not
/// given is read as "none known".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndUse {
    /// Development, production, operation, ... of a "supercomputer" (§ 744.23(a)(1)).
    Supercomputer,
    /// Development or production of ICs at an advanced-node fab (§ 744.23(a)(2)).
    AdvancedNodeIc,
    /// Training AI models.
    AiTraining,
    /// Acquisition for technical analysis or evaluation.
    TechnicalEvaluation,
    /// Development or production (ACM's scope).
    Development,
    Production,
    /// Storage before delivery to ultimate customers (ACM's scope).
    Storage,
    /// Commercial datacenter operation.
    Datacenter,
    Other,
}

impl EndUse {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Supercomputer => "supercomputer",
            Self::AdvancedNodeIc => "advanced_node_ic",
            Self::AiTraining => "ai_training",
            Self::TechnicalEvaluation => "technical_evaluation",
            Self::Development => "development",
            Self::Production => "production",
            Self::Storage => "storage",
            Self::Datacenter => "datacenter",
            Self::Other => "other",
        }
    }
}

/// Who is exporting, where a rule binds only some exporters (the foundry presumption).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ExporterRole {
    #[default]
    Other,
    FrontEndFabricator,
    Osat,
}

/// Who exports, by name: an is-informed letter binds the company it was sent to (NVIDIA, AMD),
/// and is only knowledge of a risk for anyone else. A short lowercase slug (`nvidia`,
/// `amd`, `acme-trading`), fixed-size so that a request stays cheap to copy and hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Exporter {
    bytes: [u8; Exporter::MAX],
    len: u8,
}

/// Why a text is not an exporter name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an exporter name: use 1 to 23 lowercase letters, digits or hyphens, starting with a letter or digit (e.g. `nvidia`)")]
pub struct ExporterError(pub String);

impl Exporter {
    /// The longest name.
    pub const MAX: usize = 23;

    /// Parses a name; letters are lowercased (`NVIDIA` = `nvidia`), surrounding spaces dropped.
    pub fn parse(text: &str) -> Result<Self, ExporterError> {
        let trimmed = text.trim();
        let bad = || ExporterError(text.to_owned());
        let len = trimmed.len();
        if len == 0 || len > Self::MAX {
            return Err(bad());
        }
        let mut bytes = [0u8; Self::MAX];
        for (i, b) in trimmed.bytes().enumerate() {
            let b = b.to_ascii_lowercase();
            let ok = b.is_ascii_lowercase() || b.is_ascii_digit() || (b == b'-' && i > 0);
            if !ok {
                return Err(bad());
            }
            if let Some(slot) = bytes.get_mut(i) {
                *slot = b;
            }
        }
        Ok(Self {
            bytes,
            len: u8::try_from(len).map_err(|_| bad())?,
        })
    }

    pub fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        // INVARIANT: `parse` only stores ASCII, so the bytes are always UTF-8.
        std::str::from_utf8(bytes).unwrap_or_default()
    }
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Exporter({})", self.as_str())
    }
}

impl std::fmt::Display for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Exporter {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Exporter {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Exporter {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Exporter".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]{0,22}$",
            "description": "the exporting company, as a lowercase name (`nvidia`, `amd`): is-informed letters bind the company informed"
        })
    }
}

/// How a front-end fabricator or OSAT rebuts the foundry presumption (Note 1 to 3A090.a).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Rebuttal {
    #[default]
    None,
    ApprovedDesigner,
    AuthorizedDesigner,
    TransistorCount,
}

/// The end user's restricted-list status, as screening found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListStatus {
    NotListed,
    /// On the Entity List.
    Listed,
    /// Owned 50 % or more by listed parties (the Affiliates rule).
    Affiliate,
    /// Screening found a possible match that no reviewer has confirmed or cleared yet: every
    /// rule that reads the list status is undecided until then.
    PossibleMatch,
    /// The party was to be screened but could not be: the list that answers the question (the
    /// Entity List) was not loaded. Undecided, like a possible match, never "not listed".
    Unknown,
}

/// A numeric fact a rule can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FactName {
    Tpp,
    PerformanceDensity,
    MemoryBandwidthGbs,
    InterconnectBidirGbs,
    MemoryBandwidthDensity,
    /// TPP × quantity: what a shipment draws from a TPP allowance.
    ShipmentTpp,
}

impl FactName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tpp => "tpp",
            Self::PerformanceDensity => "performance_density",
            Self::MemoryBandwidthGbs => "memory_bandwidth_gbs",
            Self::InterconnectBidirGbs => "interconnect_bidir_gbs",
            Self::MemoryBandwidthDensity => "memory_bandwidth_density",
            Self::ShipmentTpp => "shipment_tpp",
        }
    }
}

/// A comparison of a fact with a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FactTest {
    pub fact: FactName,
    pub compare: Compare,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    AtLeast,
    Above,
    Below,
    AtMost,
}

impl Compare {
    pub fn holds(self, fact: f64, value: f64) -> bool {
        match self {
            Self::AtLeast => fact >= value,
            Self::Above => fact > value,
            Self::Below => fact < value,
            Self::AtMost => fact <= value,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Self::AtLeast => ">=",
            Self::Above => ">",
            Self::Below => "<",
            Self::AtMost => "<=",
        }
    }
}

/// A country-set expression with its source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetRef {
    pub text: String,
    pub expr: SetExpr,
    /// A pack-wide number for this occurrence, so a compiled snapshot can keep its resolved
    /// bitset in a flat table.
    pub slot: usize,
}

/// When a rule applies: every clause given must hold (an empty condition always holds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Condition {
    /// The item's classification is one of these (bitmask of [`Eccn`]).
    pub eccn: Option<u8>,
    pub datacenter: Option<bool>,
    pub item_kind: Vec<ItemKind>,
    /// Named catalog items (by catalog id).
    pub named: Vec<String>,
    /// The line of each `named` id in its file (parallel to `named`), so that an id the
    /// catalog lacks can be reported where it is written.
    pub named_lines: Vec<usize>,
    /// All of these fact tests hold.
    pub facts: Vec<FactTest>,
    /// At least one of these fact tests holds (a parameter envelope).
    pub facts_any: Vec<FactTest>,
    /// The country of ultimate destination (Hong Kong read as China).
    pub destination: Option<SetRef>,
    /// The end user or its ultimate parent is headquartered in the set.
    pub headquarters: Option<SetRef>,
    /// The country exported from.
    pub from: Option<SetRef>,
    /// The item was developed or produced by a company headquartered in the set (unknown when
    /// the spec does not say).
    pub origin: Option<SetRef>,
    pub transaction: Vec<Transaction>,
    pub end_use: Vec<EndUse>,
    pub exporter_role: Vec<ExporterRole>,
    /// The exporter is one of these (an is-informed letter's addressee). Unknown when the
    /// request names no exporter.
    pub exporter: Vec<Exporter>,
    /// The item is one of these catalog ids or a system that contains one (a letter's chips
    /// on a board or in a server).
    pub incorporates: Vec<String>,
    /// The line of each `incorporates` id in its file (parallel to `incorporates`).
    pub incorporates_lines: Vec<usize>,
    pub rebuttal: Vec<Rebuttal>,
    pub end_user_list: Vec<ListStatus>,
    /// At least one of these holds.
    pub any: Vec<Condition>,
    /// This does not hold.
    pub not: Option<Box<Condition>>,
}

impl Condition {
    pub fn eccn_codes(&self) -> Vec<Eccn> {
        self.eccn.map_or_else(Vec::new, |mask| {
            Eccn::ALL
                .into_iter()
                .filter(|e| mask & e.bit() != 0)
                .collect()
        })
    }

    pub(crate) fn eccn_matches(mask: u8, code: Eccn) -> bool {
        mask & code.bit() != 0
    }
}

/// What an obligation of a license exception asks of the exporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObligationKind {
    Notification,
    Allowance,
    Eligibility,
    Reporting,
    Recordkeeping,
}

/// One obligation that comes with using a license exception.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Obligation {
    pub kind: ObligationKind,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_consignees: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_end_users: Option<u32>,
    /// A TPP allowance (e.g. LPP's per consignee per calendar year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowance_tpp: Option<f64>,
    /// What the allowance or cap is counted per ("consignee", "country").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
}

/// What kind of license condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKind {
    PaymentShare,
    ThirdPartyTesting,
    VolumeCap,
    Certification,
    Security,
    Cap,
}

/// A condition attached to a license (payment share, testing, volume cap, certification, cap).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenseCondition {
    pub id: String,
    pub kind: ConditionKind,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_tpp: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// Set when this condition is less certain than its rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
}

/// What a rule does when its condition holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A license is required. `bars_exceptions`: no license exception may be used (is-informed
    /// letters).
    Requirement { bars_exceptions: bool },
    /// Do not proceed (General Prohibition 10 guidance).
    Prohibition,
    /// The license review policy; the applicable rule with the highest priority wins.
    ReviewPolicy { policy: ReviewPolicy, priority: i32 },
    /// A license exception is available, with obligations.
    Exception {
        code: String,
        obligations: Vec<Obligation>,
    },
    /// Conditions attached to a license.
    Conditions(Vec<LicenseCondition>),
    /// A warning that does not change the outcome (red flags, policy statements).
    Advisory { text: String },
    /// The item is presumed to have this classification (foundry due diligence).
    Presumption { eccn: Eccn, datacenter: bool },
    /// A text of 3A090/4A090: its start dates it, `when.eccn` names the paragraphs it defines,
    /// and `thresholds` carries their numbers ([`crate::classify::Vintages`] reads them).
    Classification {
        paragraphs: Vec<String>,
        thresholds: std::collections::BTreeMap<ThresholdKey, f64>,
    },
    /// Only ends other rules (`supersedes`): a stay, a non-enforcement announcement.
    Suspension,
}

impl Effect {
    pub fn kind_str(&self) -> &'static str {
        match self {
            Self::Requirement { .. } => "license_requirement",
            Self::Prohibition => "prohibition",
            Self::ReviewPolicy { .. } => "review_policy",
            Self::Exception { .. } => "license_exception",
            Self::Conditions(_) => "license_condition",
            Self::Advisory { .. } => "advisory",
            Self::Presumption { .. } => "presumption",
            Self::Classification { .. } => "classification",
            Self::Suspension => "suspension",
        }
    }
}

/// One rule: a condition, an effect, a window and a citation.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    /// Index of the instrument in [`RulePack::instruments`].
    pub instrument: usize,
    pub title: String,
    /// The paragraph the rule encodes (e.g. `15 CFR 744.23(a)(3)`).
    pub cite: String,
    pub window: Window,
    pub confidence: Confidence,
    /// Rules this one ends while it is in force (indices into [`RulePack::rules`]).
    pub supersedes: Vec<usize>,
    /// For license conditions: the review-policy rule whose path they belong to. They attach
    /// only when that rule sets the review policy (the H200 gate's conditions do not attach
    /// beside a denial, or where another policy wins).
    pub with_policy: Option<usize>,
    pub when: Condition,
    pub effect: Effect,
    /// Interpretation notes (why the rule reads the text this way).
    pub note: String,
    /// For a license requirement: why the sources give no review policy for some shipments it
    /// covers. Only such a declared gap lets the review-policy check accept a license required
    /// with no policy ([`RulePack::check_review_policies`]).
    pub review_policy_gap: Option<String>,
    /// Line of the rule in its file.
    pub line: usize,
}

/// Where an instrument is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    /// Federal Register citation, e.g. `88 FR 73458`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fr: Option<String>,
    /// FR document number, e.g. `2023-23055`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// Other identifiers (CFR section, docket, RIN, SEC accession, GAO number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Citation {
    /// One line: `88 FR 73458 (FR Doc 2023-23055)`.
    pub fn short(&self) -> String {
        let mut parts = Vec::new();
        if let Some(fr) = &self.fr {
            parts.push(fr.clone());
        }
        if let Some(doc) = &self.document {
            parts.push(format!("FR Doc {doc}"));
        }
        if let Some(other) = &self.other {
            parts.push(other.clone());
        }
        if parts.is_empty() {
            if let Some(url) = &self.url {
                parts.push(url.clone());
            }
        }
        parts.join(", ")
    }
}

/// A rule, letter, notice, guidance or proclamation.
#[derive(Debug, Clone, PartialEq)]
pub struct Instrument {
    pub id: String,
    pub title: String,
    pub kind: InstrumentKind,
    pub layer: Layer,
    pub confidence: Confidence,
    /// First made public (release, public inspection, SEC filing); defaults to `published`.
    pub announced: Date,
    pub published: Date,
    pub effective: Date,
    pub compliance: Option<Date>,
    /// Last day in force, when the instrument itself says so.
    pub end: Option<Date>,
    pub citations: Vec<Citation>,
    pub summary: String,
    pub notes: Vec<String>,
    /// The file it was loaded from, relative to the pack.
    pub file: String,
    /// Indices of its rules in [`RulePack::rules`].
    pub rules: Vec<usize>,
}

impl Instrument {
    /// Whether the instrument was public on `known_on`.
    pub fn is_known_on(&self, known_on: Date) -> bool {
        self.announced <= known_on
    }
}

/// Add or remove a country from a Country Group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupAction {
    Add,
    Remove,
}

/// A dated change of a Country Group, made by an instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupChange {
    pub country: Country,
    pub action: GroupAction,
    pub date: Date,
    pub instrument: usize,
}

/// A Country Group of Supplement No. 1 to Part 740.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: String,
    pub name: String,
    /// Members on the pack's first day.
    pub base: CountrySet,
    /// Changes in date order.
    pub changes: Vec<GroupChange>,
}

/// A named country set (`scope_x`, `macau_d5`, `tier1`).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedSet {
    pub name: String,
    pub description: String,
    pub set: SetRef,
}

/// An ISO code the EAR reads as another country (Hong Kong as China).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Treatment {
    pub country: Country,
    pub treated_as: Country,
    pub since: Date,
    pub citation: String,
}

/// A loaded and validated rule pack.
#[derive(Debug, Clone)]
pub struct RulePack {
    pub id: String,
    pub title: String,
    pub version: String,
    /// The first date the pack covers; before it no rule applies.
    pub starts: Date,
    /// The last date its authors checked the sources for new instruments: decisions after it
    /// may miss instruments published since, and say so.
    pub verified_through: Option<Date>,
    /// sha256 over the pack's files in path order (see [`RulePack::from_files`]).
    pub hash: String,
    pub instruments: Vec<Instrument>,
    pub rules: Vec<Rule>,
    pub groups: Vec<Group>,
    pub sets: Vec<NamedSet>,
    pub treatments: Vec<Treatment>,
    /// When each Entity List rule took effect (`entity-list-rules.toml`; empty without it).
    pub listing_rules: Vec<listing::ListingRule>,
    /// Named sets in an order where each comes after the sets it uses.
    pub(crate) set_order: Vec<usize>,
    /// How many [`SetRef`] slots the rules use.
    pub(crate) set_slots: usize,
}

/// The most rules a pack may hold: determination keeps per-rule results in a fixed bitset.
pub const MAX_RULES: usize = 256;

impl RulePack {
    pub fn instrument(&self, id: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.id == id)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn group(&self, id: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.id == id)
    }

    /// The country as the EAR reads it (Hong Kong → China), on a date.
    pub fn ear_country(&self, country: Country, date: Date) -> Country {
        self.treatments
            .iter()
            .find(|t| t.country == country && date >= t.since)
            .map_or(country, |t| t.treated_as)
    }

    /// Members of every group on `as_of`, counting only changes made by instruments public on
    /// `known_on` and belonging to the chosen layers.
    pub fn groups_on(&self, as_of: Date, known_on: Date, enforcement: bool) -> Vec<CountrySet> {
        self.groups
            .iter()
            .map(|g| {
                let mut set = g.base;
                for change in &g.changes {
                    let Some(instrument) = self.instruments.get(change.instrument) else {
                        continue;
                    };
                    let in_layer = enforcement || instrument.layer == Layer::Legal;
                    if change.date <= as_of && instrument.is_known_on(known_on) && in_layer {
                        match change.action {
                            GroupAction::Add => set.insert(change.country),
                            GroupAction::Remove => set.remove(change.country),
                        }
                    }
                }
                set
            })
            .collect()
    }

    /// Every named set resolved against the given group members.
    pub fn sets_on(&self, groups: &[CountrySet]) -> Vec<CountrySet> {
        let mut resolved = vec![CountrySet::EMPTY; self.sets.len()];
        for &i in &self.set_order {
            if let Some(named) = self.sets.get(i) {
                resolved[i] = named.set.expr.resolve(groups, &resolved);
            }
        }
        resolved
    }

    /// Dates on which something in the pack may change (rule windows, group changes), sorted.
    pub fn boundaries(&self) -> Vec<Date> {
        let mut dates = vec![self.starts];
        for rule in &self.rules {
            dates.push(rule.window.from);
            if let Some(to) = rule.window.to.and_then(|d| d.succ_opt()) {
                dates.push(to);
            }
        }
        for group in &self.groups {
            dates.extend(group.changes.iter().map(|c| c.date));
        }
        for t in &self.treatments {
            dates.push(t.since);
        }
        dates.sort_unstable();
        dates.dedup();
        dates
    }

    /// The Entity List rule that added an entry cited as `citation` and published on
    /// `published` (see [`listing::rule_for`]).
    pub fn listing_rule(&self, citation: &str, published: Date) -> Option<&listing::ListingRule> {
        listing::rule_for(&self.listing_rules, citation, published)
    }

    /// Dates on which a new instrument became public, sorted.
    pub fn publication_dates(&self) -> Vec<Date> {
        let mut dates: Vec<Date> = self.instruments.iter().map(|i| i.announced).collect();
        dates.sort_unstable();
        dates.dedup();
        dates
    }
}
