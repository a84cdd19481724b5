//! Classification of items under ECCN 3A090 and 4A090, as the rule in force on a date reads.
//!
//! The input is a [`Spec`] (datasheet facts); the output is a [`Classification`]: the ECCN and
//! paragraph (or, outside 3A090/4A090, what the item may be instead: [`Outside`] and the .z
//! paragraphs), the computed total processing performance (TPP) and performance density (PD),
//! the facts that are missing when the answer cannot be decided, and a trace of every paragraph
//! that was considered.
//!
//! The texts of the rule, their thresholds and dates come from the rule pack's
//! `classification` rules ([`Vintages::from_pack`]), so that a pack can shift them and its hash
//! covers them. The code knows the shapes of the texts (see [`IcText`] and [`Vintage`]):
//! - before the first text, no 3A090 exists;
//! - the text of 2022: one IC test, compute (bit length × TOPS) *and* interconnect;
//! - the text of 2023: 3A090.a/.b on TPP and PD and the non-datacenter note, with 4A090.b and
//!   3A090.c (HBM) from their own rules' starts.
//!
//! Every test is evaluated in three-valued logic ([`Tri`]): an unknown fact makes a test
//! unknown, and an unknown that decides the answer makes it indeterminate, naming the fact.
//! An unknown that cannot change the answer (the die area of a part with TPP ≥ 4800) does not.

use serde::{Deserialize, Serialize};

use crate::catalog::ItemLookup;
use crate::rules::{Confidence, Effect, Problem, RulePack};
use crate::spec::{ItemKind, ItemRef, Spec, Tf32Reading};
use crate::trace::{FactRead, MissingFact, RuleStatus, TraceEntry, Window};
use crate::Date;

/// Settings that change how datasheet figures are read.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct ClassifyOptions {
    pub tf32: Tf32Reading,
}

/// The export control classifications this module decides; rule packs name them the same way.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Eccn {
    #[serde(rename = "3A090.a")]
    A3090A,
    #[serde(rename = "3A090.b")]
    A3090B,
    #[serde(rename = "3A090.c")]
    A3090C,
    #[serde(rename = "4A090.a")]
    A4090A,
    #[serde(rename = "4A090.b")]
    A4090B,
}

impl Eccn {
    pub const ALL: [Self; 5] = [
        Self::A3090A,
        Self::A3090B,
        Self::A3090C,
        Self::A4090A,
        Self::A4090B,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::A3090A => "3A090.a",
            Self::A3090B => "3A090.b",
            Self::A3090C => "3A090.c",
            Self::A4090A => "4A090.a",
            Self::A4090B => "4A090.b",
        }
    }

    /// Whether the item meets the ".a" level (3A090.a or a computer containing one).
    pub const fn is_a_level(self) -> bool {
        matches!(self, Self::A3090A | Self::A4090A)
    }

    /// Whether the item meets the ".b" level.
    pub const fn is_b_level(self) -> bool {
        matches!(self, Self::A3090B | Self::A4090B)
    }
}

impl std::fmt::Display for Eccn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the facts given were enough to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Determined,
    Indeterminate,
}

/// Which text of 3A090 governs a date; the rule pack dates them ([`Vintages::on`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Vintage {
    /// Before the pack's first text (2022-10-07 in the bundled pack): no 3A090 or 4A090.
    BeforeControls,
    /// A text shaped as 87 FR 62186: compute and interconnect ([`IcText::ComputeAndInterconnect`]).
    October2022,
    /// A text shaped as 88 FR 73458: TPP and performance density ([`IcText::TppAndDensity`]).
    November2023,
}

/// The TPP figure and the operand format that set it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TppBasis {
    pub format: String,
    pub bit_length: u32,
    /// Dense tera-operations per second at that format, summed over processing units.
    pub dense_tops: f64,
}

/// The answer for one item on one date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Classification {
    pub item: String,
    pub kind: ItemKind,
    pub as_of: Date,
    pub vintage: Vintage,
    pub status: Status,
    /// The answer in one plain sentence, with the figures that decided it.
    pub summary: String,
    /// `None` when the item is in none of the paragraphs (then `outside` says what to do) or
    /// when indeterminate.
    pub eccn: Option<Eccn>,
    /// Set when the item is decided to be outside 3A090/4A090: it still has a classification,
    /// which earmark does not determine.
    pub outside: Option<Outside>,
    /// For systems holding an IC at the 3A090.a or .b level: the `.z` paragraph of each legacy
    /// entry that would describe the item, were the item otherwise described there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub z_paragraphs: Vec<ZParagraph>,
    /// The first paragraph that holds, in the order a.1, a.2, b.1, b.2.
    pub paragraph: Option<String>,
    pub tpp: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpp_basis: Option<TppBasis>,
    pub performance_density: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicable_die_area_mm2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_bandwidth_density: Option<f64>,
    pub datacenter: Option<bool>,
    /// Whether License Exception NAC (ACA from 2024-04-04) is open to this item by the note to
    /// 3A090: non-datacenter 3A090.a items at TPP ≥ 4800, and datacenter 3A090.b items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nac_aca_eligible: Option<bool>,
    pub tf32_reading: Tf32Reading,
    pub missing: Vec<MissingFact>,
    /// Findings a reader should know: an alternative reading that changes the class, unused
    /// figures, interpretation choices.
    pub notes: Vec<String>,
    pub trace: Vec<TraceEntry>,
    /// For systems: the classification of each distinct component.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentClassification>,
}

/// What an item outside 3A090/4A090 is: not unclassified, but under entries earmark does not
/// decide between.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Outside {
    /// Entries the exporter should consider, as examples; earmark does not determine which
    /// applies.
    pub candidates: Vec<String>,
    /// The answer in one sentence, as the ECCN field of a report shows it.
    pub note: String,
}

impl Outside {
    fn new(kind: ItemKind, has_z: bool) -> Self {
        let candidates: &[&str] = match kind {
            ItemKind::Ic | ItemKind::Hbm => &["3A991", "EAR99"],
            ItemKind::System => &["4A994", "5A992", "EAR99"],
        };
        let examples = candidates.join(", ");
        let note = if has_z {
            format!(
                "not 3A090/4A090: if a legacy entry describes the item, it is that entry's .z \
                 paragraph (see `z_paragraphs`); otherwise classify it under other entries \
                 (e.g. {examples}); earmark does not determine which"
            )
        } else {
            format!(
                "not 3A090/4A090: classify under other entries (e.g. {examples}); earmark does \
                 not determine which"
            )
        };
        Self {
            candidates: candidates.iter().map(|c| (*c).to_owned()).collect(),
            note,
        }
    }
}

/// A `.z` paragraph: an item otherwise described in a legacy entry that meets or exceeds the
/// 3A090 or 4A090 parameters (15 CFR 774 Supp. 1; regulations.md §2.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ZParagraph {
    /// e.g. `5A992.z.1`.
    pub paragraph: String,
    /// The legacy entry that must describe the item for the paragraph to apply.
    pub if_described_in: String,
    /// The level the contained IC meets.
    pub level: String,
    pub citation: String,
    pub confidence: Confidence,
}

struct ZRow {
    paragraph: &'static str,
    host: &'static str,
    a_level: bool,
    confidence: Confidence,
}

const fn z(
    paragraph: &'static str,
    host: &'static str,
    a_level: bool,
    confidence: Confidence,
) -> ZRow {
    ZRow {
        paragraph,
        host,
        a_level,
        confidence,
    }
}

/// The .z paragraphs as regulations.md §2.6 lists them (eCFR of 2026-07-23). Where the
/// reference names the host paragraph only for the .a row (4A003, 5A992), the .b row's host
/// follows the stated pattern and is marked uncertain; entries with several numbered .z
/// paragraphs are named as a range because the reference does not map them to hosts.
const Z_PARAGRAPHS: [ZRow; 16] = [
    z(
        "3A001.z (z.1.a to z.4.a)",
        "3A001",
        true,
        Confidence::Primary,
    ),
    z(
        "4A003.z.1.a",
        "4A003.b or 4A003.c",
        true,
        Confidence::Primary,
    ),
    z("4A003.z.2.a", "4A003.g", true, Confidence::Primary),
    z("4A004.z.1", "4A004", true, Confidence::Primary),
    z("4A005.z.1", "4A005", true, Confidence::Primary),
    z(
        "5A002.z (z.1.a to z.5.a)",
        "5A002",
        true,
        Confidence::Primary,
    ),
    z("5A004.z (z.1.a, z.2.a)", "5A004", true, Confidence::Primary),
    z("5A992.z.1", "5A992.c", true, Confidence::Primary),
    z(
        "3A001.z (z.1.b to z.4.b)",
        "3A001",
        false,
        Confidence::Primary,
    ),
    z(
        "4A003.z.1.b",
        "4A003.b or 4A003.c",
        false,
        Confidence::Uncertain,
    ),
    z("4A003.z.2.b", "4A003.g", false, Confidence::Uncertain),
    z("4A004.z.2", "4A004", false, Confidence::Primary),
    z("4A005.z.2", "4A005", false, Confidence::Primary),
    z(
        "5A002.z (z.1.b to z.5.b)",
        "5A002",
        false,
        Confidence::Primary,
    ),
    z(
        "5A004.z (z.1.b, z.2.b)",
        "5A004",
        false,
        Confidence::Primary,
    ),
    z("5A992.z.2", "5A992.c", false, Confidence::Uncertain),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ComponentClassification {
    pub item: String,
    pub count: u32,
    pub classification: Classification,
}

impl Classification {
    /// Whether the item is in 3A090 or 4A090 (`None` when that is not decided).
    pub fn is_controlled(&self) -> Option<bool> {
        match self.status {
            Status::Determined => Some(self.eccn.is_some()),
            Status::Indeterminate => None,
        }
    }
}

/// Kleene three-valued truth: `None` is "unknown".
type Tri = Option<bool>;

fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn not(a: Tri) -> Tri {
    a.map(|v| !v)
}

fn at_least(value: Option<f64>, threshold: f64) -> Tri {
    value.map(|v| v >= threshold)
}

fn below(value: Option<f64>, threshold: f64) -> Tri {
    value.map(|v| v < threshold)
}

/// The numeric parameters a `classification` rule of a rule pack carries, by the name the
/// pack gives them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdKey {
    TppA,
    TppB1,
    TppFloor,
    PdA2,
    PdB1,
    PdB2,
    InterconnectBidirGbs,
    HbmDensity,
}

impl ThresholdKey {
    pub const ALL: [Self; 8] = [
        Self::TppA,
        Self::TppB1,
        Self::TppFloor,
        Self::PdA2,
        Self::PdB1,
        Self::PdB2,
        Self::InterconnectBidirGbs,
        Self::HbmDensity,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TppA => "tpp_a",
            Self::TppB1 => "tpp_b1",
            Self::TppFloor => "tpp_floor",
            Self::PdA2 => "pd_a2",
            Self::PdB1 => "pd_b1",
            Self::PdB2 => "pd_b2",
            Self::InterconnectBidirGbs => "interconnect_bidir_gbs",
            Self::HbmDensity => "hbm_density",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The keys a rule defining `eccns` must carry, and the only ones it may. Naming 3A090.b
    /// selects the text of 2023 (TPP and performance density); naming 3A090.a alone, the text
    /// of 2022 (compute and interconnect). 4A090 has no numbers of its own.
    pub fn required_for(eccns: &[Eccn]) -> Vec<Self> {
        let mut keys = Vec::new();
        if eccns.contains(&Eccn::A3090B) {
            keys.extend([
                Self::TppA,
                Self::TppB1,
                Self::TppFloor,
                Self::PdA2,
                Self::PdB1,
                Self::PdB2,
            ]);
        } else if eccns.contains(&Eccn::A3090A) {
            keys.extend([Self::TppA, Self::InterconnectBidirGbs]);
        }
        if eccns.contains(&Eccn::A3090C) {
            keys.push(Self::HbmDensity);
        }
        keys
    }
}

/// The numeric thresholds of the 3A090.a/.b text of 2023.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Thresholds {
    /// 3A090.a.1: TPP at or above (and the non-datacenter note's TPP line).
    pub tpp_a: f64,
    /// 3A090.b.1: TPP at or above.
    pub tpp_b1: f64,
    /// 3A090.a.2 and .b.2: TPP at or above.
    pub tpp_floor: f64,
    /// 3A090.a.2: PD at or above.
    pub pd_a2: f64,
    /// 3A090.b.1: PD at or above.
    pub pd_b1: f64,
    /// 3A090.b.2: PD at or above.
    pub pd_b2: f64,
}

/// Which test an IC vintage applies, with its numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IcText {
    /// The text of 2022: bit length × TOPS at or above `tpp` *and* an aggregate
    /// bidirectional interconnect at or above `interconnect_bidir_gbs` GB/s.
    ComputeAndInterconnect {
        tpp: f64,
        interconnect_bidir_gbs: f64,
    },
    /// The text of 2023: 3A090.a/.b on TPP and performance density, with the
    /// non-datacenter note.
    TppAndDensity(Thresholds),
}

impl IcText {
    /// The TPP line of 3A090.a (a.1, or the compute test of 2022).
    pub fn tpp_a(&self) -> f64 {
        match self {
            Self::ComputeAndInterconnect { tpp, .. } => *tpp,
            Self::TppAndDensity(t) => t.tpp_a,
        }
    }
}

/// The pack rule a vintage comes from, and when it is in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VintageRule {
    pub rule_id: String,
    /// The instrument's citation and the rule's `cite`.
    pub citation: String,
    pub window: Window,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IcVintage {
    pub rule: VintageRule,
    pub text: IcText,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HbmVintage {
    pub rule: VintageRule,
    /// 3A090.c: memory bandwidth density strictly above, GB/s per mm².
    pub hbm_density: f64,
}

/// Why a pack's classification rules do not make a classifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VintagesError {
    #[error(
        "the rule pack defines no classification for `{0}`: items could not be classified under it"
    )]
    Undefined(&'static str),
    #[error(
        "classification rules `{first}` and `{second}` both start on {date} for `{paragraph}`"
    )]
    SameStart {
        paragraph: &'static str,
        first: String,
        second: String,
        date: Date,
    },
    #[error(
        "classification rule `{rule}` ends on {end} but the next text of `{paragraph}` starts only on {next}: no rule would classify the days between"
    )]
    Gap {
        paragraph: &'static str,
        rule: String,
        end: Date,
        next: Date,
    },
    #[error(
        "classification rule `{rule}`, the latest text of `{paragraph}`, ends on {end}: no rule would classify later dates"
    )]
    Ends {
        paragraph: &'static str,
        rule: String,
        end: Date,
    },
    #[error("classification rule `{rule}` lacks threshold `{key}`")]
    MissingThreshold { rule: String, key: &'static str },
}

impl VintagesError {
    /// The problem as `earmark rules validate` reports pack problems: the file and line of
    /// the rule it is in, when there is one.
    pub fn problem(&self, pack: &RulePack) -> Problem {
        let rule = self.rule_id().and_then(|id| pack.rule(id));
        Problem {
            file: rule
                .and_then(|r| pack.instruments.get(r.instrument))
                .map_or_else(|| "instruments/".to_owned(), |i| i.file.clone()),
            line: rule.map(|r| r.line),
            message: self.to_string(),
        }
    }

    /// The pack rule the problem is in, when there is one.
    pub fn rule_id(&self) -> Option<&str> {
        match self {
            Self::Undefined(_) => None,
            Self::SameStart { second: rule, .. }
            | Self::Gap { rule, .. }
            | Self::Ends { rule, .. }
            | Self::MissingThreshold { rule, .. } => Some(rule),
        }
    }
}

/// The texts of 3A090/4A090 a rule pack defines, each with its thresholds and window: what
/// [`classify_with`] reads. Built from a pack's `classification` rules, so a pack with a
/// shifted date or threshold shifts the classifier, and the pack's hash covers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Vintages {
    ic: Vec<IcVintage>,
    system_b: Vec<VintageRule>,
    hbm: Vec<HbmVintage>,
}

impl Vintages {
    /// Reads `pack`'s `classification` rules. Every paragraph must be defined, and the texts
    /// of a paragraph must follow each other without a gap: a date no rule covers would
    /// otherwise read as "outside", a clearance the pack never gave. (The loader checks each
    /// rule's thresholds; these checks across rules are here, so that a pack used only for
    /// determination still loads, and anything that classifies with it fails.)
    pub fn from_pack(pack: &RulePack) -> Result<Self, VintagesError> {
        let mut ic = Vec::new();
        let mut system_b = Vec::new();
        let mut hbm = Vec::new();
        for rule in &pack.rules {
            let Effect::Classification { thresholds, .. } = &rule.effect else {
                continue;
            };
            let citation = pack
                .instruments
                .get(rule.instrument)
                .and_then(|i| i.citations.first())
                .map_or_else(
                    || rule.cite.clone(),
                    |c| format!("{}: {}", c.short(), rule.cite),
                );
            let vintage_rule = VintageRule {
                rule_id: rule.id.clone(),
                citation,
                window: rule.window,
            };
            let get = |key: ThresholdKey| {
                thresholds
                    .get(&key)
                    .copied()
                    .ok_or_else(|| VintagesError::MissingThreshold {
                        rule: rule.id.clone(),
                        key: key.as_str(),
                    })
            };
            let eccns = rule.when.eccn_codes();
            if eccns.contains(&Eccn::A3090B) {
                let text = IcText::TppAndDensity(Thresholds {
                    tpp_a: get(ThresholdKey::TppA)?,
                    tpp_b1: get(ThresholdKey::TppB1)?,
                    tpp_floor: get(ThresholdKey::TppFloor)?,
                    pd_a2: get(ThresholdKey::PdA2)?,
                    pd_b1: get(ThresholdKey::PdB1)?,
                    pd_b2: get(ThresholdKey::PdB2)?,
                });
                ic.push(IcVintage {
                    rule: vintage_rule.clone(),
                    text,
                });
            } else if eccns.contains(&Eccn::A3090A) {
                let text = IcText::ComputeAndInterconnect {
                    tpp: get(ThresholdKey::TppA)?,
                    interconnect_bidir_gbs: get(ThresholdKey::InterconnectBidirGbs)?,
                };
                ic.push(IcVintage {
                    rule: vintage_rule.clone(),
                    text,
                });
            }
            if eccns.contains(&Eccn::A3090C) {
                hbm.push(HbmVintage {
                    rule: vintage_rule.clone(),
                    hbm_density: get(ThresholdKey::HbmDensity)?,
                });
            }
            if eccns.contains(&Eccn::A4090B) {
                system_b.push(vintage_rule);
            }
        }
        chain(&mut ic, "3A090.a")?;
        chain(&mut system_b, "4A090.b")?;
        chain(&mut hbm, "3A090.c")?;
        Ok(Self { ic, system_b, hbm })
    }

    /// Which text of 3A090 governs `as_of`.
    pub fn on(&self, as_of: Date) -> Vintage {
        match self.ic_on(as_of).map(|v| &v.text) {
            None => Vintage::BeforeControls,
            Some(IcText::ComputeAndInterconnect { .. }) => Vintage::October2022,
            Some(IcText::TppAndDensity(_)) => Vintage::November2023,
        }
    }

    /// The IC text in force on `as_of` (`None` before the first).
    pub fn ic_on(&self, as_of: Date) -> Option<&IcVintage> {
        self.ic.iter().find(|v| v.rule.window.contains(as_of))
    }

    /// Every IC text, oldest first.
    pub fn ic(&self) -> &[IcVintage] {
        &self.ic
    }

    /// 4A090.b's rules, oldest first.
    pub fn system_b(&self) -> &[VintageRule] {
        &self.system_b
    }

    /// 3A090.c's texts, oldest first.
    pub fn hbm(&self) -> &[HbmVintage] {
        &self.hbm
    }

    fn first_ic(&self) -> Option<&IcVintage> {
        self.ic.first()
    }

    fn ic_before(&self, as_of: Date) -> Option<&IcVintage> {
        self.ic
            .iter()
            .rev()
            .find(|v| v.rule.window.from <= as_of && !v.rule.window.contains(as_of))
    }

    fn ic_after(&self, as_of: Date) -> Option<&IcVintage> {
        self.ic.iter().find(|v| v.rule.window.from > as_of)
    }

    fn system_b_on(&self, as_of: Date) -> Option<&VintageRule> {
        self.system_b.iter().find(|v| v.window.contains(as_of))
    }

    /// The 4A090.b rule to cite on `as_of`: the one in force, else the first.
    fn system_b_cited(&self, as_of: Date) -> Option<&VintageRule> {
        self.system_b_on(as_of).or(self.system_b.first())
    }

    fn hbm_on(&self, as_of: Date) -> Option<&HbmVintage> {
        self.hbm.iter().find(|v| v.rule.window.contains(as_of))
    }

    fn hbm_cited(&self, as_of: Date) -> Option<&HbmVintage> {
        self.hbm_on(as_of).or(self.hbm.first())
    }
}

/// A vintage with the pack rule it comes from.
trait FromRule {
    fn rule(&self) -> &VintageRule;
    fn rule_mut(&mut self) -> &mut VintageRule;
}

impl FromRule for VintageRule {
    fn rule(&self) -> &VintageRule {
        self
    }
    fn rule_mut(&mut self) -> &mut VintageRule {
        self
    }
}

impl FromRule for IcVintage {
    fn rule(&self) -> &VintageRule {
        &self.rule
    }
    fn rule_mut(&mut self) -> &mut VintageRule {
        &mut self.rule
    }
}

impl FromRule for HbmVintage {
    fn rule(&self) -> &VintageRule {
        &self.rule
    }
    fn rule_mut(&mut self) -> &mut VintageRule {
        &mut self.rule
    }
}

/// Orders the texts of one paragraph by start and ends each the day before the next starts,
/// as a later text replaces an earlier one.
fn chain<T: FromRule>(items: &mut [T], paragraph: &'static str) -> Result<(), VintagesError> {
    if items.is_empty() {
        return Err(VintagesError::Undefined(paragraph));
    }
    items.sort_by_key(|item| item.rule().window.from);
    let starts: Vec<(String, Date)> = items
        .iter()
        .map(|item| (item.rule().rule_id.clone(), item.rule().window.from))
        .collect();
    for (i, item) in items.iter_mut().enumerate() {
        let rule = item.rule_mut();
        match starts.get(i + 1) {
            Some((second, from)) if *from == rule.window.from => {
                return Err(VintagesError::SameStart {
                    paragraph,
                    first: rule.rule_id.clone(),
                    second: second.clone(),
                    date: *from,
                });
            }
            Some((_, from)) => {
                let day_before = from.pred_opt().unwrap_or(*from);
                if let Some(end) = rule.window.to.filter(|end| *end < day_before) {
                    return Err(VintagesError::Gap {
                        paragraph,
                        rule: rule.rule_id.clone(),
                        end,
                        next: *from,
                    });
                }
                rule.window.to = Some(day_before);
            }
            None => {
                if let Some(end) = rule.window.to {
                    return Err(VintagesError::Ends {
                        paragraph,
                        rule: rule.rule_id.clone(),
                        end,
                    });
                }
            }
        }
    }
    Ok(())
}

/// Systems nest; a bill of materials deeper than this is treated as a cycle.
const MAX_NESTING: usize = 8;

/// Classifies `spec` as of `as_of` under the texts `vintages` defines (built from a rule pack
/// with [`Vintages::from_pack`]). Catalog ids inside systems are resolved with `lookup`.
pub fn classify_with(
    spec: &Spec,
    as_of: Date,
    options: &ClassifyOptions,
    lookup: &dyn ItemLookup,
    vintages: &Vintages,
) -> Classification {
    let mut result = classify_at_depth(spec, as_of, options, lookup, vintages, 0);
    if spec.kind == ItemKind::Ic && mentions_tf32(spec) {
        note_tf32_alternative(&mut result, spec, as_of, options, lookup, vintages);
    }
    result
}

fn mentions_tf32(spec: &Spec) -> bool {
    spec.dense_tops.contains_key("tf32")
        || spec.units.iter().any(|u| u.dense_tops.contains_key("tf32"))
}

/// Where the other reading of TF32 would change the class, say so: the reader must know the
/// answer rests on an interpretation.
fn note_tf32_alternative(
    result: &mut Classification,
    spec: &Spec,
    as_of: Date,
    options: &ClassifyOptions,
    lookup: &dyn ItemLookup,
    vintages: &Vintages,
) {
    let other = ClassifyOptions {
        tf32: options.tf32.other(),
    };
    // The class depends on the reading only through TPP: when both readings give the same
    // TPP (TF32 is not the highest format either way) there is nothing to report.
    let tpp_of = |reading| {
        total_processing_performance(spec, reading).map(|b| b.dense_tops * f64::from(b.bit_length))
    };
    if tpp_of(options.tf32) == tpp_of(other.tf32) {
        return;
    }
    let alternative = classify_at_depth(spec, as_of, &other, lookup, vintages, 0);
    if alternative.eccn != result.eccn || alternative.status != result.status {
        let show = |c: &Classification| match (c.status, c.eccn) {
            (Status::Indeterminate, _) => "indeterminate".to_owned(),
            (Status::Determined, Some(e)) => {
                format!("{e} ({})", c.paragraph.as_deref().unwrap_or("-"))
            }
            (Status::Determined, None) => "outside 3A090".to_owned(),
        };
        result.notes.push(format!(
            "the TF32 reading decides this item: counting TF32 as {} bits gives TPP {} and {}; \
             counting it as {} bits gives TPP {} and {}",
            options.tf32.bits(),
            fmt_num(result.tpp),
            show(result),
            other.tf32.bits(),
            fmt_num(alternative.tpp),
            show(&alternative),
        ));
    }
}

fn fmt_num(value: Option<f64>) -> String {
    value.map_or_else(|| "unknown".to_owned(), |v| format!("{}", round(v)))
}

/// Rounds for display and output so that float noise (4991.999…) never shows.
fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

fn classify_at_depth(
    spec: &Spec,
    as_of: Date,
    options: &ClassifyOptions,
    lookup: &dyn ItemLookup,
    vintages: &Vintages,
    depth: usize,
) -> Classification {
    let mut c = Classification {
        item: spec.name.clone(),
        kind: spec.kind,
        as_of,
        vintage: vintages.on(as_of),
        status: Status::Determined,
        summary: String::new(),
        eccn: None,
        outside: None,
        z_paragraphs: Vec::new(),
        paragraph: None,
        tpp: None,
        tpp_basis: None,
        performance_density: None,
        applicable_die_area_mm2: None,
        memory_bandwidth_density: None,
        datacenter: spec.datacenter,
        nac_aca_eligible: None,
        tf32_reading: options.tf32,
        missing: Vec::new(),
        notes: Vec::new(),
        trace: Vec::new(),
        components: Vec::new(),
    };
    match spec.kind {
        ItemKind::Ic => classify_ic(spec, options, vintages, &mut c),
        ItemKind::Hbm => classify_hbm(spec, vintages, &mut c),
        ItemKind::System => classify_system(spec, options, lookup, vintages, depth, &mut c),
    }
    c.missing.sort();
    c.missing.dedup();
    if c.status == Status::Determined && c.eccn.is_none() {
        c.outside = Some(Outside::new(c.kind, !c.z_paragraphs.is_empty()));
    }
    c.summary = summarize(&c, spec, vintages);
    c
}

/// The plain-language answer: what the item is, and the comparisons that made it so.
fn summarize(c: &Classification, spec: &Spec, vintages: &Vintages) -> String {
    let text = vintages.ic_on(c.as_of).map(|v| &v.text);
    // Before the first text, and for the 2022 text, the 2023 numbers are never printed: the
    // defaults only keep the formatting code in one place.
    let t = match text {
        Some(IcText::TppAndDensity(t)) => t.clone(),
        _ => Thresholds {
            tpp_a: text.map_or(f64::INFINITY, IcText::tpp_a),
            tpp_b1: f64::INFINITY,
            tpp_floor: f64::INFINITY,
            pd_a2: f64::INFINITY,
            pd_b1: f64::INFINITY,
            pd_b2: f64::INFINITY,
        },
    };
    let interconnect_2022 = match text {
        Some(IcText::ComputeAndInterconnect {
            interconnect_bidir_gbs,
            ..
        }) => *interconnect_bidir_gbs,
        _ => f64::INFINITY,
    };
    let hbm = vintages.hbm_cited(c.as_of);
    let hbm_density = hbm.map_or(f64::INFINITY, |h| h.hbm_density);
    let hbm_from = hbm.map_or_else(
        || "a date the rule pack does not give".to_owned(),
        |h| h.rule.window.from.to_string(),
    );
    let system_b_from = vintages.system_b.first().map_or_else(
        || "a date the rule pack does not give".to_owned(),
        |v| v.window.from.to_string(),
    );
    // Decide and print from the exact figures: the rounded output values can sit on a
    // threshold the exact value misses (TPP 1599.9998 is not 1600).
    let raw_tpp = total_processing_performance(spec, c.tf32_reading)
        .map(|b| b.dense_tops * f64::from(b.bit_length));
    let raw_pd = raw_tpp
        .zip(spec.applicable_die_area_mm2().filter(|a| *a > 0.0))
        .map(|(tpp, area)| tpp / area);
    let tpp = raw_tpp.map_or_else(
        || "unknown".to_owned(),
        |v| shown(v, 3, &[t.tpp_floor, t.tpp_b1, t.tpp_a]),
    );
    let pd = raw_pd.map_or_else(
        || "unknown".to_owned(),
        |v| shown(v, 2, &[t.pd_b1, t.pd_b2, t.pd_a2]),
    );
    if c.status == Status::Indeterminate {
        let fields: Vec<String> = c.missing.iter().map(|m| format!("`{}`", m.field)).collect();
        return format!(
            "Indeterminate: the answer depends on facts not given ({}).",
            fields.join(", ")
        );
    }
    match (c.vintage, c.kind, c.eccn) {
        (Vintage::BeforeControls, _, _) => match vintages.first_ic() {
            Some(first) => format!(
                "Outside 3A090 and 4A090: neither existed before {}.",
                first.rule.window.from
            ),
            None => "Outside 3A090 and 4A090: the rule pack defines no text of them.".to_owned(),
        },
        (_, ItemKind::System, Some(e)) => {
            format!("{e}: the system contains an IC that meets 3A090.{}.", if e.is_a_level() { "a" } else { "b" })
        }
        (_, ItemKind::System, None) => {
            format!("Outside 4A090: the system contains no IC that meets 3A090.a (or 3A090.b from {system_b_from}).")
        }
        (_, ItemKind::Hbm, Some(_)) => format!(
            "3A090.c: memory bandwidth density {} GB/s per mm² is above {}.",
            fmt_num(c.memory_bandwidth_density),
            hbm_density
        ),
        (_, ItemKind::Hbm, None) => match c.memory_bandwidth_density {
            Some(d) if vintages.hbm_on(c.as_of).is_some() => format!(
                "Outside 3A090.c: memory bandwidth density {d} GB/s per mm² is not above {hbm_density}.",
            ),
            _ => format!("Outside 3A090: 3A090.c (HBM) takes effect on {hbm_from}."),
        },
        (Vintage::October2022, _, Some(_)) => format!(
            "3A090.a (2022 text): bit length × TOPS {tpp} ≥ {} and interconnect {} GB/s ≥ {} GB/s.",
            t.tpp_a,
            fmt_num(spec.interconnect_bidir_gbs),
            interconnect_2022
        ),
        (Vintage::October2022, _, None) => {
            if raw_tpp.is_some_and(|v| v < t.tpp_a) {
                format!("Outside 3A090 (2022 text): bit length × TOPS {tpp} is below {}.", t.tpp_a)
            } else {
                format!(
                    "Outside 3A090 (2022 text): interconnect {} GB/s is below {} GB/s, although \
                     bit length × TOPS {tpp} reaches {}.",
                    fmt_num(spec.interconnect_bidir_gbs),
                    interconnect_2022,
                    t.tpp_a
                )
            }
        }
        (_, _, Some(e)) => {
            let p = c.paragraph.as_deref().unwrap_or(e.as_str());
            let why = match p {
                "3A090.a.1" => format!("TPP {tpp} ≥ {}", t.tpp_a),
                "3A090.a.2" => format!("TPP {tpp} ≥ {} and performance density {pd} ≥ {}", t.tpp_floor, t.pd_a2),
                "3A090.b.1" => format!(
                    "{} ≤ TPP {tpp} < {} and {} ≤ performance density {pd} < {}",
                    t.tpp_b1, t.tpp_a, t.pd_b1, t.pd_a2
                ),
                _ => format!(
                    "TPP {tpp} ≥ {} and {} ≤ performance density {pd} < {}",
                    t.tpp_floor, t.pd_b2, t.pd_a2
                ),
            };
            let nac = match c.nac_aca_eligible {
                Some(true) => " License Exception NAC/ACA is open to it under the note to 3A090.",
                _ => "",
            };
            format!("{p}: {why}.{nac}")
        }
        (_, _, None) => {
            let tpp_v = raw_tpp.unwrap_or_default();
            if spec.datacenter == Some(false) && tpp_v < t.tpp_a {
                return format!(
                    "Outside 3A090: not designed or marketed for datacenters, and TPP {tpp} is \
                     below {} (note to 3A090.a/.b).",
                    t.tpp_a
                );
            }
            if tpp_v < t.tpp_floor {
                return format!(
                    "Outside 3A090: TPP {tpp} is below {}, the floor of every paragraph.",
                    t.tpp_floor
                );
            }
            let pd_v = raw_pd.unwrap_or_default();
            let mut reasons = vec![format!("TPP {tpp} is below {} (a.1)", t.tpp_a)];
            reasons.push(format!("performance density {pd} is below {} (a.2)", t.pd_a2));
            if tpp_v < t.tpp_b1 {
                reasons.push(format!("TPP {tpp} is below {} (b.1)", t.tpp_b1));
            } else if pd_v < t.pd_b1 {
                reasons.push(format!("performance density {pd} is below {} (b.1)", t.pd_b1));
            }
            reasons.push(format!("performance density {pd} is below {} (b.2)", t.pd_b2));
            format!("Outside 3A090: {}.", reasons.join("; "))
        }
    }
}

/// Prints `value` with at least `decimals` decimals, and more where rounding would put it on
/// the other side of (or onto) one of `thresholds`, so that a comparison printed beside it
/// reads true.
fn shown(value: f64, decimals: i32, thresholds: &[f64]) -> String {
    for d in decimals..=9 {
        let scale = 10f64.powi(d);
        let r = (value * scale).round() / scale;
        let faithful = thresholds
            .iter()
            .all(|&th| (r < th) == (value < th) && (r == th) == (value == th));
        if faithful {
            return format!("{r}");
        }
    }
    format!("{value}")
}

/// Computes TPP: for each operand format, the dense TOPS summed over processing units times
/// the format's bit length; the highest over formats counts (the "highest TPP" of the
/// definition). Per-unit figures, when given, take precedence over the IC total.
///
/// Summing tensor and vector units at one precision is our reading of "aggregated over all
/// processing units"; the text does not settle it (regulations.md §2.3, [U]).
pub fn total_processing_performance(spec: &Spec, tf32: Tf32Reading) -> Option<TppBasis> {
    let mut per_format: std::collections::BTreeMap<&str, (f64, f64, u32)> = Default::default();
    if spec.units.is_empty() {
        for (format, tops) in &spec.dense_tops {
            let bits = spec.bit_length(format, tf32)?;
            per_format.insert(format, (*tops, tops * f64::from(bits), bits));
        }
    } else {
        for unit in &spec.units {
            let count = f64::from(unit.count);
            for (format, tops) in &unit.dense_tops {
                // Analog and multi-level units count at 8 bits (3A090 of 2022, a.3).
                let bits = if unit.analog {
                    8
                } else {
                    spec.bit_length(format, tf32)?
                };
                let entry = per_format.entry(format).or_insert((0.0, 0.0, bits));
                entry.0 += tops * count;
                entry.1 += tops * count * f64::from(bits);
                entry.2 = entry.2.max(bits);
            }
        }
    }
    per_format
        .into_iter()
        // Ties (A100: INT8, FP16 and TF32 all give 4992) go to the shorter bit length, which
        // is how datasheets and BIS's own example state TPP, then to the format name, so the
        // basis shown is deterministic and does not rest on the TF32 reading.
        .max_by(|a, b| {
            (a.1 .1)
                .total_cmp(&b.1 .1)
                .then(b.1 .2.cmp(&a.1 .2))
                .then(b.0.cmp(a.0))
        })
        .map(|(format, (tops, _, bits))| TppBasis {
            format: format.to_owned(),
            bit_length: bits,
            dense_tops: tops,
        })
}

fn fact(name: &str, value: impl Serialize) -> FactRead {
    FactRead {
        fact: name.to_owned(),
        value: serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
    }
}

fn status_of(outcome: Tri) -> RuleStatus {
    match outcome {
        Some(true) => RuleStatus::Applied,
        Some(false) => RuleStatus::NotApplicable,
        None => RuleStatus::MissingFacts,
    }
}

fn missing(field: &str, why: &str) -> MissingFact {
    MissingFact {
        field: field.to_owned(),
        why: why.to_owned(),
    }
}

fn classify_ic(
    spec: &Spec,
    options: &ClassifyOptions,
    vintages: &Vintages,
    c: &mut Classification,
) {
    let basis = total_processing_performance(spec, options.tf32);
    let tpp = basis
        .as_ref()
        .map(|b| b.dense_tops * f64::from(b.bit_length));
    c.tpp = tpp.map(round);
    c.tpp_basis = basis;
    let area = spec.applicable_die_area_mm2().filter(|a| *a > 0.0);
    c.applicable_die_area_mm2 = area;
    let pd = tpp.zip(area).map(|(t, a)| t / a);
    c.performance_density = pd.map(round);

    let Some(vintage) = vintages.ic_on(c.as_of) else {
        if let Some(first) = vintages.first_ic() {
            c.trace.push(TraceEntry {
                rule_id: "3A090".into(),
                citation: first.rule.citation.clone(),
                window: first.rule.window,
                status: RuleStatus::NotInForce,
                reason: format!(
                    "ECCN 3A090 was created by the rule of {}; before it no IC was classified \
                     there",
                    first.rule.window.from
                ),
                facts: vec![],
            });
        }
        return;
    };
    match &vintage.text {
        IcText::ComputeAndInterconnect {
            tpp: tpp_line,
            interconnect_bidir_gbs,
        } => {
            classify_ic_2022(
                spec,
                tpp,
                *tpp_line,
                *interconnect_bidir_gbs,
                &vintage.rule,
                c,
            );
            if let Some(next) = vintages.ic_after(c.as_of) {
                push_later_vintage_not_in_force(c, next);
            }
        }
        IcText::TppAndDensity(t) => {
            if let Some(previous) = vintages.ic_before(c.as_of) {
                c.trace.push(TraceEntry {
                    rule_id: "3A090 (2022)".into(),
                    citation: previous.rule.citation.clone(),
                    window: previous.rule.window,
                    status: RuleStatus::NotInForce,
                    reason: format!(
                        "superseded on {}: the interconnect test no longer applies",
                        vintage.rule.window.from
                    ),
                    facts: vec![],
                });
            }
            classify_ic_2023(spec, tpp, pd, t, &vintage.rule, c);
        }
    }
    // Only a missing figure that leaves the answer open is reported: an IC with no throughput
    // but a 400 GB/s interconnect is outside the 2022 text whatever its compute.
    if tpp.is_none() && c.status == Status::Indeterminate {
        c.missing.push(missing(
            "dense_tops",
            "no throughput figure: TPP cannot be computed",
        ));
    }
}

fn classify_ic_2022(
    spec: &Spec,
    tpp: Option<f64>,
    tpp_line: f64,
    interconnect_line: f64,
    rule: &VintageRule,
    c: &mut Classification,
) {
    let compute = at_least(tpp, tpp_line);
    let interconnect = at_least(spec.interconnect_bidir_gbs, interconnect_line);
    let outcome = and(compute, interconnect);
    let reason = match (compute, interconnect) {
        (Some(false), _) => format!(
            "bit length × TOPS is {} < {}: below the compute test",
            fmt_num(tpp),
            tpp_line
        ),
        (_, Some(false)) => format!(
            "aggregate bidirectional interconnect {} GB/s < {} GB/s: the interconnect test \
             fails, so the IC is outside 3A090 whatever its compute",
            fmt_num(spec.interconnect_bidir_gbs),
            interconnect_line
        ),
        (Some(true), Some(true)) => format!(
            "bit length × TOPS {} ≥ {} and interconnect {} GB/s ≥ {} GB/s: both tests hold",
            fmt_num(tpp),
            tpp_line,
            fmt_num(spec.interconnect_bidir_gbs),
            interconnect_line
        ),
        _ => "a fact both tests need is unknown".to_owned(),
    };
    if outcome.is_none() {
        // An unknown compute figure is already recorded as `dense_tops`.
        if interconnect.is_none() {
            c.missing.push(missing(
                "interconnect_bidir_gbs",
                &format!(
                    "the 2022 rule also requires an aggregate bidirectional transfer rate of \
                     {interconnect_line} GB/s or more"
                ),
            ));
        }
    }
    c.trace.push(TraceEntry {
        rule_id: "3A090.a (2022)".into(),
        citation: rule.citation.clone(),
        window: rule.window,
        status: status_of(outcome),
        reason,
        facts: vec![
            fact("tpp", tpp.map(round)),
            fact("interconnect_bidir_gbs", spec.interconnect_bidir_gbs),
        ],
    });
    match outcome {
        Some(true) => {
            c.eccn = Some(Eccn::A3090A);
            c.paragraph = Some("3A090.a".into());
        }
        Some(false) => {}
        None => c.status = Status::Indeterminate,
    }
}

fn push_later_vintage_not_in_force(c: &mut Classification, next: &IcVintage) {
    c.trace.push(TraceEntry {
        rule_id: "3A090.a/.b (2023)".into(),
        citation: next.rule.citation.clone(),
        window: next.rule.window,
        status: RuleStatus::NotInForce,
        reason: format!(
            "the TPP and performance-density tests take effect on {}",
            next.rule.window.from
        ),
        facts: vec![],
    });
}

fn classify_ic_2023(
    spec: &Spec,
    tpp: Option<f64>,
    pd: Option<f64>,
    t: &Thresholds,
    rule: &VintageRule,
    c: &mut Classification,
) {
    let a1 = at_least(tpp, t.tpp_a);
    let a2 = and(at_least(tpp, t.tpp_floor), at_least(pd, t.pd_a2));
    let b1 = and(
        and(at_least(tpp, t.tpp_b1), below(tpp, t.tpp_a)),
        and(at_least(pd, t.pd_b1), below(pd, t.pd_a2)),
    );
    let b2 = and(
        at_least(tpp, t.tpp_floor),
        and(at_least(pd, t.pd_b2), below(pd, t.pd_a2)),
    );
    let datacenter = spec.datacenter;
    // Note to 3A090.a/.b: items not designed or marketed for datacenters with TPP < 4800 are
    // outside both paragraphs.
    let excluded = and(not(datacenter), below(tpp, t.tpp_a));
    let a_level = and(or(a1, a2), not(excluded));
    let b_level = and(and(or(b1, b2), not(or(a1, a2))), not(excluded));

    let tpp_s = fmt_num(tpp);
    let pd_s = fmt_num(pd.map(round));
    let tpp_fact = fact("tpp", tpp.map(round));
    let pd_fact = fact("performance_density", pd.map(round));
    let mut push = |id: &str, outcome: Tri, reason: String, facts: Vec<FactRead>| {
        c.trace.push(TraceEntry {
            rule_id: id.into(),
            citation: rule.citation.clone(),
            window: rule.window,
            status: status_of(outcome),
            reason,
            facts,
        });
    };
    push(
        "3A090.a.1",
        a1,
        compare("TPP", &tpp_s, "≥", t.tpp_a, a1),
        vec![tpp_fact.clone()],
    );
    push(
        "3A090.a.2",
        a2,
        format!(
            "{}; {}",
            compare("TPP", &tpp_s, "≥", t.tpp_floor, at_least(tpp, t.tpp_floor)),
            compare("PD", &pd_s, "≥", t.pd_a2, at_least(pd, t.pd_a2))
        ),
        vec![tpp_fact.clone(), pd_fact.clone()],
    );
    push(
        "3A090.b.1",
        b1,
        format!(
            "{}; {}",
            range("TPP", &tpp_s, t.tpp_b1, t.tpp_a, tpp),
            range("PD", &pd_s, t.pd_b1, t.pd_a2, pd)
        ),
        vec![tpp_fact.clone(), pd_fact.clone()],
    );
    push(
        "3A090.b.2",
        b2,
        format!(
            "{}; {}",
            compare("TPP", &tpp_s, "≥", t.tpp_floor, at_least(tpp, t.tpp_floor)),
            range("PD", &pd_s, t.pd_b2, t.pd_a2, pd)
        ),
        vec![tpp_fact.clone(), pd_fact],
    );
    let note_reason = match (datacenter, excluded) {
        (_, Some(true)) => format!(
            "not designed or marketed for datacenters and TPP {tpp_s} < {}: outside 3A090.a \
             and .b",
            t.tpp_a
        ),
        (Some(false), Some(false)) => format!(
            "not designed or marketed for datacenters, but TPP {tpp_s} ≥ {}: the note does not \
             exclude it (License Exception NAC/ACA may apply)",
            t.tpp_a
        ),
        (Some(true), _) => "designed or marketed for datacenters: the note does not apply".into(),
        _ => "whether the item is designed or marketed for datacenters is unknown".into(),
    };
    push(
        "3A090 note (non-datacenter)",
        excluded,
        note_reason,
        vec![fact("datacenter", datacenter), tpp_fact],
    );

    // Which unknowns decide the answer: only those whose rule came out unknown while the final
    // answer is unknown.
    let controlled = or(a_level, b_level);
    match (a_level, b_level) {
        (Some(true), _) => {
            c.eccn = Some(Eccn::A3090A);
            c.paragraph = Some(first_paragraph(&[("3A090.a.1", a1), ("3A090.a.2", a2)]));
        }
        (Some(false), Some(true)) => {
            c.eccn = Some(Eccn::A3090B);
            c.paragraph = Some(first_paragraph(&[("3A090.b.1", b1), ("3A090.b.2", b2)]));
        }
        _ => {}
    }
    // An item known to meet .b but unknown for .a (e.g. TPP unknown but bounded) cannot happen:
    // both read the same facts. An unknown level makes the answer indeterminate.
    if controlled.is_none() || (a_level.is_none() && b_level == Some(true)) {
        c.status = Status::Indeterminate;
        c.eccn = None;
        c.paragraph = None;
        // The die area matters when PD could decide: a datacenter (or unknown) part whose
        // TPP is unknown or between the floor and the a.1 line.
        let pd_could_decide =
            datacenter != Some(false) && tpp.is_none_or(|v| v >= t.tpp_floor && v < t.tpp_a);
        if pd.is_none()
            && spec.applicable_die_area_mm2().is_none_or(|a| a <= 0.0)
            && pd_could_decide
        {
            c.missing.push(missing(
                "die_area_mm2",
                "performance density (TPP ÷ applicable die area) decides between 3A090.a.2, \
                 .b and outside",
            ));
        }
        if datacenter.is_none() && excluded.is_none() {
            c.missing.push(missing(
                "datacenter",
                &format!(
                    "items not designed or marketed for datacenters with TPP below {} are \
                     outside 3A090",
                    t.tpp_a
                ),
            ));
        }
    }
    if c.status == Status::Determined {
        c.nac_aca_eligible = match (c.eccn, datacenter) {
            (Some(Eccn::A3090A), Some(false)) => Some(true),
            (Some(Eccn::A3090A), Some(true)) => Some(false),
            (Some(Eccn::A3090B), Some(true)) => Some(true),
            (Some(Eccn::A3090B), _) => Some(true),
            _ => None,
        };
        if c.eccn == Some(Eccn::A3090A) && datacenter.is_none() {
            c.notes.push(
                "whether the item is designed or marketed for datacenters is unknown: it \
                 decides eligibility for License Exception NAC/ACA, not the ECCN"
                    .into(),
            );
        }
    }
}

fn first_paragraph(candidates: &[(&str, Tri)]) -> String {
    candidates
        .iter()
        .find(|(_, holds)| *holds == Some(true))
        .map_or_else(String::new, |(p, _)| (*p).to_owned())
}

fn compare(what: &str, value: &str, op: &str, threshold: f64, holds: Tri) -> String {
    match holds {
        Some(true) => format!("{what} {value} {op} {threshold}"),
        Some(false) => format!("{what} {value} is not {op} {threshold}"),
        None => format!("{what} unknown (needs {op} {threshold})"),
    }
}

fn range(what: &str, value: &str, low: f64, high: f64, actual: Option<f64>) -> String {
    match actual {
        Some(v) if v >= low && v < high => format!("{low} ≤ {what} {value} < {high}"),
        Some(_) => format!("{what} {value} outside [{low}, {high})"),
        None => format!("{what} unknown (needs {low} ≤ {what} < {high})"),
    }
}

fn classify_hbm(spec: &Spec, vintages: &Vintages, c: &mut Classification) {
    let Some(cited) = vintages.hbm_cited(c.as_of) else {
        // `Vintages::from_pack` requires a 3A090.c text; without one nothing can be said.
        c.status = Status::Indeterminate;
        c.missing.push(missing(
            "rule_pack",
            "the rule pack defines no 3A090.c text to classify memory under",
        ));
        return;
    };
    let hbm_density = cited.hbm_density;
    let density = spec
        .memory_bandwidth_gbs
        .zip(spec.package_area_mm2.filter(|a| *a > 0.0))
        .map(|(bw, area)| bw / area);
    c.memory_bandwidth_density = density.map(round);
    let in_force = cited.rule.window.contains(c.as_of);
    let outcome = if in_force {
        density.map(|d| d > hbm_density)
    } else {
        Some(false)
    };
    let reason = if !in_force {
        format!(
            "3A090.c (high-bandwidth memory) takes effect on {}",
            cited.rule.window.from
        )
    } else {
        match density {
            Some(d) if d > hbm_density => format!(
                "memory bandwidth density {} GB/s/mm² > {}",
                round(d),
                hbm_density
            ),
            Some(d) => format!(
                "memory bandwidth density {} GB/s/mm² is not above {}",
                round(d),
                hbm_density
            ),
            None => "memory bandwidth density unknown (needs memory bandwidth and package area)"
                .to_owned(),
        }
    };
    c.trace.push(TraceEntry {
        rule_id: "3A090.c".into(),
        citation: cited.rule.citation.clone(),
        window: cited.rule.window,
        status: if in_force {
            status_of(outcome)
        } else {
            RuleStatus::NotInForce
        },
        reason,
        facts: vec![
            fact("memory_bandwidth_gbs", spec.memory_bandwidth_gbs),
            fact("package_area_mm2", spec.package_area_mm2),
        ],
    });
    match outcome {
        Some(true) => {
            c.eccn = Some(Eccn::A3090C);
            c.paragraph = Some("3A090.c".into());
        }
        Some(false) => {}
        None => {
            c.status = Status::Indeterminate;
            if spec.memory_bandwidth_gbs.is_none() {
                c.missing.push(missing(
                    "memory_bandwidth_gbs",
                    "memory bandwidth density decides 3A090.c",
                ));
            }
            if spec.package_area_mm2.is_none() {
                c.missing.push(missing(
                    "package_area_mm2",
                    "memory bandwidth density is bandwidth ÷ package area",
                ));
            }
        }
    }
}

fn classify_system(
    spec: &Spec,
    options: &ClassifyOptions,
    lookup: &dyn ItemLookup,
    vintages: &Vintages,
    depth: usize,
    c: &mut Classification,
) {
    let as_of = c.as_of;
    let Some(vintage) = vintages.ic_on(as_of) else {
        if let Some(first) = vintages.first_ic() {
            c.trace.push(TraceEntry {
                rule_id: "4A090".into(),
                citation: first.rule.citation.clone(),
                window: first.rule.window,
                status: RuleStatus::NotInForce,
                reason: format!(
                    "ECCN 4A090 was created by the rule of {}",
                    first.rule.window.from
                ),
                facts: vec![],
            });
        }
        return;
    };
    let first_from = vintages
        .first_ic()
        .map_or(vintage.rule.window.from, |v| v.rule.window.from);
    if spec.contains.is_empty() {
        c.status = Status::Indeterminate;
        c.missing.push(missing(
            "contains",
            "a system is classified by the ICs it contains; none are listed",
        ));
    }
    let mut any_a = Some(false);
    let mut any_b = Some(false);
    for (i, component) in spec.contains.iter().enumerate() {
        let (name, sub) = match &component.item {
            ItemRef::CatalogId(id) => match lookup.lookup(id) {
                Some(s) => (id.clone(), s),
                None => {
                    c.status = Status::Indeterminate;
                    c.missing.push(missing(
                        &format!("contains[{i}].item"),
                        &format!("`{id}` is not in the catalog: give the component inline"),
                    ));
                    any_a = or(any_a, None);
                    any_b = or(any_b, None);
                    continue;
                }
            },
            ItemRef::Inline(s) => (s.name.clone(), s.as_ref()),
        };
        let sub_class = if depth >= MAX_NESTING {
            None
        } else {
            Some(classify_at_depth(
                sub,
                as_of,
                options,
                lookup,
                vintages,
                depth + 1,
            ))
        };
        let Some(sub_class) = sub_class else {
            c.status = Status::Indeterminate;
            c.missing.push(missing(
                &format!("contains[{i}].item"),
                "systems nest deeper than 8 levels: a cycle in the bill of materials?",
            ));
            continue;
        };
        let (is_a, is_b) = match sub_class.status {
            Status::Indeterminate => (None, None),
            Status::Determined => (
                Some(sub_class.eccn.is_some_and(Eccn::is_a_level)),
                Some(sub_class.eccn.is_some_and(Eccn::is_b_level)),
            ),
        };
        any_a = or(any_a, is_a);
        any_b = or(any_b, is_b);
        for m in &sub_class.missing {
            c.missing.push(MissingFact {
                field: format!("contains[{i}] ({name}).{}", m.field),
                why: m.why.clone(),
            });
        }
        c.components.push(ComponentClassification {
            item: name,
            count: component.count,
            classification: sub_class,
        });
    }
    let b_rule = vintages.system_b_cited(as_of);
    let b_from = b_rule.map_or_else(
        || "a date the rule pack does not give".to_owned(),
        |r| r.window.from.to_string(),
    );
    let b_in_force = c.vintage == Vintage::November2023 && vintages.system_b_on(as_of).is_some();
    let facts = |level: &str, v: Tri| vec![fact(&format!("contains_{level}_level_ic"), v)];
    c.trace.push(TraceEntry {
        rule_id: "4A090.a".into(),
        citation: vintage.rule.citation.clone(),
        window: Window::open(first_from),
        status: status_of(any_a),
        reason: match any_a {
            Some(true) => "contains an IC that meets 3A090.a".into(),
            Some(false) => "contains no IC that meets 3A090.a".into(),
            None => "whether a component meets 3A090.a is undecided".into(),
        },
        facts: facts("a", any_a),
    });
    c.trace.push(TraceEntry {
        rule_id: "4A090.b".into(),
        citation: b_rule.map_or_else(String::new, |r| r.citation.clone()),
        window: b_rule.map_or(Window::open(Date::MAX), |r| r.window),
        status: if b_in_force {
            status_of(and(any_b, not(any_a)))
        } else {
            RuleStatus::NotInForce
        },
        reason: if b_in_force {
            match any_b {
                Some(true) => "contains an IC that meets 3A090.b".into(),
                Some(false) => "contains no IC that meets 3A090.b".into(),
                None => "whether a component meets 3A090.b is undecided".into(),
            }
        } else {
            format!(
                "4A090.b takes effect on {b_from}; before that a system with only 3A090.b ICs \
                 is outside 4A090"
            )
        },
        facts: facts("b", any_b),
    });
    if c.vintage == Vintage::November2023 && !b_in_force && any_b == Some(true) {
        c.notes.push(format!(
            "the system holds a 3A090.b IC before 4A090.b existed ({b_from}): it is outside \
             4A090, but if a legacy entry (4A003, 4A004, 5A992 and others) describes it, it is \
             that entry's .z paragraph (see `z_paragraphs`)"
        ));
    }
    // The .z paragraphs came with the 2023 text; the host entry is not in the spec, so every
    // paragraph the reference names for the level is listed, each with its condition.
    if c.vintage == Vintage::November2023 {
        for z in Z_PARAGRAPHS {
            let level_met = if z.a_level { any_a } else { any_b };
            if level_met == Some(true) {
                c.z_paragraphs.push(ZParagraph {
                    paragraph: z.paragraph.to_owned(),
                    if_described_in: z.host.to_owned(),
                    level: if z.a_level {
                        "3A090.a/4A090.a"
                    } else {
                        "3A090.b/4A090.b"
                    }
                    .to_owned(),
                    citation: format!(
                        "15 CFR 774 Supp. 1, ECCN {} (added by {})",
                        z.paragraph.split(".z").next().unwrap_or(z.paragraph),
                        vintage.rule.citation
                    ),
                    confidence: z.confidence,
                });
            }
        }
    }
    let level_b = if b_in_force { any_b } else { Some(false) };
    match (any_a, level_b) {
        (Some(true), _) => {
            c.status = Status::Determined;
            c.missing.clear();
            c.eccn = Some(Eccn::A4090A);
            c.paragraph = Some("4A090.a".into());
        }
        (Some(false), Some(true)) => {
            c.eccn = Some(Eccn::A4090B);
            c.paragraph = Some("4A090.b".into());
        }
        (Some(false), Some(false)) => {}
        _ => c.status = Status::Indeterminate,
    }
    if c.status == Status::Indeterminate {
        c.eccn = None;
        c.paragraph = None;
    }
    // TPP of a system is the sum over its ICs: compute analytics will read it. With a part
    // unresolved the sum is unknown, not the sum of the rest (which would understate it under a
    // TPP gate), and with no parts it is unknown too (an empty f64 sum is -0).
    let all_resolved = !spec.contains.is_empty() && c.components.len() == spec.contains.len();
    let total: Option<f64> = c
        .components
        .iter()
        .map(|k| k.classification.tpp.map(|t| t * f64::from(k.count)))
        .sum();
    c.tpp = total.filter(|_| all_resolved).map(round);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::NoLookup;

    /// The regulation's texts, written out here because unit tests cannot read the bundled
    /// pack; the integration tests classify with the pack itself.
    fn regulation() -> Vintages {
        let rule = |id: &str, from: &str, to: Option<&str>| VintageRule {
            rule_id: id.to_owned(),
            citation: id.to_owned(),
            window: Window {
                from: on(from),
                to: to.map(on),
            },
        };
        Vintages {
            ic: vec![
                IcVintage {
                    rule: rule("ac22-classification", "2022-10-07", Some("2023-11-16")),
                    text: IcText::ComputeAndInterconnect {
                        tpp: 4800.0,
                        interconnect_bidir_gbs: 600.0,
                    },
                },
                IcVintage {
                    rule: rule("acs23-classification", "2023-11-17", None),
                    text: IcText::TppAndDensity(Thresholds {
                        tpp_a: 4800.0,
                        tpp_b1: 2400.0,
                        tpp_floor: 1600.0,
                        pd_a2: 5.92,
                        pd_b1: 1.6,
                        pd_b2: 3.2,
                    }),
                },
            ],
            system_b: vec![rule("cc24-classification", "2024-04-04", None)],
            hbm: vec![HbmVintage {
                rule: rule("hbm24-classification", "2024-12-02", None),
                hbm_density: 2.0,
            }],
        }
    }

    fn classify(
        spec: &Spec,
        as_of: Date,
        options: &ClassifyOptions,
        lookup: &dyn ItemLookup,
    ) -> Classification {
        classify_with(spec, as_of, options, lookup, &regulation())
    }

    fn ic(toml_body: &str) -> Spec {
        Spec::from_toml(&format!("name = 'test part'\nkind = 'ic'\n{toml_body}")).unwrap()
    }

    fn on(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn figures_in_the_summary_never_round_onto_a_threshold() {
        // TPP 1599.99984: below the 1600 floor, and the summary must say so in numbers that
        // agree.
        let spec = ic("datacenter = true\ndie_area_mm2 = 100\n[dense_tops]\nfp16 = 99.99999\n");
        let c = classify(
            &spec,
            on("2024-06-01"),
            &ClassifyOptions::default(),
            &NoLookup,
        );
        assert_eq!(c.eccn, None);
        assert!(c.summary.contains("TPP 1599.9998"), "{}", c.summary);
        assert!(c.summary.contains("below 1600"), "{}", c.summary);
        // PD 5.9199: .b (b.1 comes first), and not printed as 5.92.
        let spec = ic("datacenter = true\ndie_area_mm2 = 500\n[dense_tops]\nfp8 = 369.995\n");
        let c = classify(
            &spec,
            on("2024-06-01"),
            &ClassifyOptions::default(),
            &NoLookup,
        );
        assert_eq!(c.paragraph.as_deref(), Some("3A090.b.1"), "{}", c.summary);
        assert!(!c.summary.contains("density 5.92 <"), "{}", c.summary);
        assert_eq!(shown(3.19999, 2, &[3.2]), "3.19999");
        assert_eq!(shown(2.909, 2, &[3.2]), "2.91");
    }

    #[test]
    fn tf32_reading_that_changes_the_class_is_reported() {
        let spec =
            ic("datacenter = true\ndie_area_mm2 = 1000\n[dense_tops]\ntf32 = 150\nfp16 = 150\n");
        let c = classify(
            &spec,
            on("2024-06-01"),
            &ClassifyOptions::default(),
            &NoLookup,
        );
        assert_eq!(c.eccn, Some(Eccn::A3090A));
        assert_eq!(c.tpp, Some(4800.0));
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("19 bits gives TPP 2850 and 3A090.b")),
            "{:?}",
            c.notes
        );
        let other = ClassifyOptions {
            tf32: Tf32Reading::Significant19,
        };
        let c19 = classify(&spec, on("2024-06-01"), &other, &NoLookup);
        assert_eq!(c19.eccn, Some(Eccn::A3090B));
        assert_eq!(c19.paragraph.as_deref(), Some("3A090.b.1"));
    }

    #[test]
    fn per_unit_throughput_is_summed_before_the_maximum_is_taken() {
        // Two kinds of unit: the fp16 sum (2 × 100 + 50) × 16 = 4000 beats fp8 (300 × 8 = 2400).
        let spec = ic(
            "[[units]]\nname = 'tensor'\ncount = 2\ndense_tops = { fp16 = 100, fp8 = 150 }\n\
             [[units]]\nname = 'vector'\ndense_tops = { fp16 = 50 }\n",
        );
        let basis = total_processing_performance(&spec, Tf32Reading::default()).unwrap();
        assert_eq!((basis.format.as_str(), basis.dense_tops), ("fp16", 250.0));
    }

    #[test]
    fn unknown_die_area_only_matters_below_4800() {
        let big = ic("datacenter = true\n[dense_tops]\nfp8 = 700\n");
        let c = classify(
            &big,
            on("2025-01-01"),
            &ClassifyOptions::default(),
            &NoLookup,
        );
        assert_eq!((c.status, c.eccn), (Status::Determined, Some(Eccn::A3090A)));
        let mid = ic("datacenter = true\n[dense_tops]\nfp8 = 300\n");
        let c = classify(
            &mid,
            on("2025-01-01"),
            &ClassifyOptions::default(),
            &NoLookup,
        );
        assert_eq!(c.status, Status::Indeterminate);
        assert_eq!(
            c.missing
                .iter()
                .map(|m| m.field.as_str())
                .collect::<Vec<_>>(),
            ["die_area_mm2"]
        );
        assert!(c.summary.contains("`die_area_mm2`"), "{}", c.summary);
    }

    #[test]
    fn a_system_cycle_is_indeterminate_not_a_stack_overflow() {
        struct Loop(Spec);
        impl ItemLookup for Loop {
            fn lookup(&self, _id: &str) -> Option<&Spec> {
                Some(&self.0)
            }
        }
        let system =
            Spec::from_toml("name='loop'\nkind='system'\n[[contains]]\nitem='self'\n").unwrap();
        let c = classify(
            &system,
            on("2025-01-01"),
            &ClassifyOptions::default(),
            &Loop(system.clone()),
        );
        assert_eq!(c.status, Status::Indeterminate);
    }
}
