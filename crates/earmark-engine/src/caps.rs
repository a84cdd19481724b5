//! The compute caps a rule pack declares, read from its rules so that the ledger can enforce
//! them without anyone typing the figures again.
//!
//! A pack declares a cap in two places (see `rules/us-ear/README.md`, "Declared caps"): an
//! obligation of a license exception with `allowance_tpp` (LPP's 26,900,000 TPP per ultimate
//! consignee per calendar year: counted over the shipments made under that exception) and a
//! license condition of kind `cap` with `cap_tpp` (AI Diffusion's Tier 2 country allocation:
//! counted over the shipments made under a license whose decision carries the condition).
//! Which shipments count is therefore what the decision recorded, not a second reading of the
//! rules. The figures keep their rule's citation and confidence: the allocation comes from
//! secondary sources and says so.

use earmark_core::rules::{ConditionKind, Confidence, Effect, RulePack};
use serde::{Deserialize, Serialize};

/// What a cap is counted per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapPer {
    /// Each ultimate consignee (the end user when none is named).
    Consignee,
    /// Each destination country.
    Country,
}

/// Over which ship dates a cap counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CapPeriod {
    /// Each calendar year of ship date on its own.
    #[default]
    CalendarYear,
    /// The years `first..=last` together (a cumulative allocation).
    Years { first: i32, last: i32 },
    /// Every shipment ever: a cap declared without a period, read the strictest way.
    Always,
}

impl CapPeriod {
    /// The years counted together with `year`; `None` when `year` is outside the period (a
    /// shipment then does not count against the cap).
    pub fn span(self, year: i32) -> Option<(i32, i32)> {
        match self {
            Self::CalendarYear => Some((year, year)),
            Self::Years { first, last } => (first..=last).contains(&year).then_some((first, last)),
            Self::Always => Some((i32::MIN, i32::MAX)),
        }
    }

    pub fn describe(self) -> String {
        match self {
            Self::CalendarYear => "per calendar year".to_owned(),
            Self::Years { first, last } => format!("{first} to {last} together"),
            Self::Always => "all years together".to_owned(),
        }
    }
}

/// Which shipments count against a cap.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CapCounts {
    /// Every shipment (to the cap's destinations).
    #[default]
    All,
    /// Shipments made under this license exception.
    Exception { id: String },
    /// Shipments made under a license whose decision carries this license condition.
    Condition { id: String },
}

impl CapCounts {
    pub fn describe(&self) -> String {
        match self {
            Self::All => "every shipment".to_owned(),
            Self::Exception { id } => format!("shipments under license exception {id}"),
            Self::Condition { id } => format!("licensed shipments with condition `{id}`"),
        }
    }
}

/// A cap a rule pack declares, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeclaredCap {
    /// The cap's id: the condition's id, or `<rule id>` for an exception's allowance.
    pub id: String,
    pub limit_tpp: f64,
    pub per: CapPer,
    pub period: CapPeriod,
    pub counts: CapCounts,
    /// The rule that declares it, its instrument and citation.
    pub rule: String,
    pub instrument: String,
    pub cite: String,
    pub confidence: Confidence,
    /// The pack's words for it.
    pub text: String,
}

/// A cap the pack declares in a form the ledger cannot count.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeclaredCapError {
    #[error("rule `{rule}` declares a cap per `{per}`: give `ultimate consignee` or `country`")]
    Per { rule: String, per: String },
    #[error("rule `{rule}` declares a cap with no `per`: give `ultimate consignee` or `country`")]
    NoPer { rule: String },
    #[error(
        "rule `{rule}` declares a cap over `{period}`: give `calendar year` or years such as `2025-2027`"
    )]
    Period { rule: String, period: String },
    #[error("rule `{rule}` declares a cap of {tpp} TPP: give a finite figure of zero or more")]
    Limit { rule: String, tpp: f64 },
}

fn per(rule: &str, per: Option<&str>) -> Result<CapPer, DeclaredCapError> {
    match per.map(|p| p.trim().to_ascii_lowercase()) {
        None => Err(DeclaredCapError::NoPer {
            rule: rule.to_owned(),
        }),
        Some(p) if p == "ultimate consignee" || p == "consignee" => Ok(CapPer::Consignee),
        Some(p) if p == "country" => Ok(CapPer::Country),
        Some(p) => Err(DeclaredCapError::Per {
            rule: rule.to_owned(),
            per: p,
        }),
    }
}

fn period(rule: &str, period: Option<&str>) -> Result<CapPeriod, DeclaredCapError> {
    let Some(text) = period.map(str::trim) else {
        return Ok(CapPeriod::Always);
    };
    if text.eq_ignore_ascii_case("calendar year") {
        return Ok(CapPeriod::CalendarYear);
    }
    let bad = || DeclaredCapError::Period {
        rule: rule.to_owned(),
        period: text.to_owned(),
    };
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let (first, last): (i32, i32) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if first > last || first < 1900 {
        return Err(bad());
    }
    Ok(CapPeriod::Years { first, last })
}

fn limit(rule: &str, tpp: f64) -> Result<f64, DeclaredCapError> {
    if tpp.is_finite() && tpp >= 0.0 {
        Ok(tpp)
    } else {
        Err(DeclaredCapError::Limit {
            rule: rule.to_owned(),
            tpp,
        })
    }
}

/// Every TPP cap the pack declares, in rule order.
pub fn declared_caps(pack: &RulePack) -> Result<Vec<DeclaredCap>, DeclaredCapError> {
    let mut out = Vec::new();
    for rule in &pack.rules {
        let instrument = pack
            .instruments
            .get(rule.instrument)
            .map(|i| i.id.clone())
            .unwrap_or_default();
        match &rule.effect {
            Effect::Exception { code, obligations } => {
                for o in obligations {
                    let Some(tpp) = o.allowance_tpp else { continue };
                    out.push(DeclaredCap {
                        id: rule.id.clone(),
                        limit_tpp: limit(&rule.id, tpp)?,
                        per: per(&rule.id, o.per.as_deref())?,
                        period: period(&rule.id, o.period.as_deref())?,
                        counts: CapCounts::Exception { id: code.clone() },
                        rule: rule.id.clone(),
                        instrument: instrument.clone(),
                        cite: rule.cite.clone(),
                        confidence: rule.confidence,
                        text: o.text.clone(),
                    });
                }
            }
            Effect::Conditions(conditions) => {
                for c in conditions {
                    let (ConditionKind::Cap, Some(tpp)) = (c.kind, c.cap_tpp) else {
                        continue;
                    };
                    out.push(DeclaredCap {
                        id: c.id.clone(),
                        limit_tpp: limit(&rule.id, tpp)?,
                        per: per(&rule.id, c.per.as_deref())?,
                        period: period(&rule.id, c.period.as_deref())?,
                        counts: CapCounts::Condition { id: c.id.clone() },
                        rule: rule.id.clone(),
                        instrument: instrument.clone(),
                        cite: rule.cite.clone(),
                        confidence: c.confidence.unwrap_or(rule.confidence),
                        text: c.text.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(out)
}
