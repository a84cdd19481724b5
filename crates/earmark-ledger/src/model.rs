//! What the ledger keeps: licenses, shipments, dispositions, caps, and the records of the chain.

use chrono::Datelike;
use earmark_core::country::Country;
use earmark_core::determine::Outcome;
use earmark_core::rules::Confidence;
use earmark_core::Date;
use earmark_engine::{
    CapCounts, CapPeriod, DeclaredCap, ItemRef, PartyRole, Severity, ShipmentDecision,
    StoredDecision,
};
use serde::{Deserialize, Serialize};

use crate::error::{LedgerError, Result};

/// The convention for H100-equivalents: TPP divided by the H100 SXM's TPP in the bundled
/// catalog (15,832: 989.4 dense FP16/BF16 TFLOPS x 16 bits). Caps are kept in TPP, the unit
/// the rules use; the equivalents are for people.
pub const H100_SXM_TPP: f64 = 15_832.0;

/// TPP in H100-equivalents (see [`H100_SXM_TPP`]).
pub fn h100_equivalents(tpp: f64) -> f64 {
    tpp / H100_SXM_TPP
}

/// Who appends a record, and when. The ledger has no clock: the caller says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// RFC 3339 UTC, e.g. `2026-12-03T15:40:13Z`.
    pub at: String,
    pub actor: String,
}

impl Meta {
    pub fn new(at: chrono::DateTime<chrono::Utc>, actor: impl Into<String>) -> Self {
        Self {
            at: at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            actor: actor.into(),
        }
    }
}

/// An export license as issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct License {
    pub number: String,
    pub valid_from: Date,
    /// The last day it authorises shipments.
    pub valid_to: Date,
    /// Catalog ids (`nvidia-h20`) or ECCNs (`3A090.a`) it covers.
    pub items: Vec<String>,
    pub destinations: Vec<Country>,
    /// Parties (consignees, end users) named on it. Empty: the license names none, and any
    /// party the decision cleared may receive.
    #[serde(default)]
    pub parties: Vec<String>,
    #[serde(default)]
    pub limit_units: Option<u64>,
    #[serde(default)]
    pub limit_value_cents: Option<i64>,
    #[serde(default)]
    pub limit_tpp: Option<f64>,
    #[serde(default)]
    pub provisos: Vec<String>,
}

impl License {
    /// Refuses a license that could authorise without bound or nothing at all.
    pub fn validate(&self) -> Result<()> {
        let n = &self.number;
        if n.trim().is_empty() {
            return Err(LedgerError::refused("a license needs a number"));
        }
        if self.valid_to < self.valid_from {
            return Err(LedgerError::refused(format!(
                "license `{n}`: valid to {} is before valid from {}",
                self.valid_to, self.valid_from
            )));
        }
        if self.items.is_empty() {
            return Err(LedgerError::refused(format!(
                "license `{n}`: give the items or ECCNs it covers"
            )));
        }
        if self.destinations.is_empty() {
            return Err(LedgerError::refused(format!(
                "license `{n}`: give the destinations it covers"
            )));
        }
        if self.limit_units.is_none()
            && self.limit_value_cents.is_none()
            && self.limit_tpp.is_none()
        {
            // An unlimited license is almost always a data-entry slip, and depletion is the
            // point of keeping it.
            return Err(LedgerError::refused(format!(
                "license `{n}`: give at least one limit (units, value or TPP)"
            )));
        }
        if self.limit_tpp.is_some_and(|t| !t.is_finite() || t < 0.0)
            || self.limit_value_cents.is_some_and(|v| v < 0)
        {
            return Err(LedgerError::refused(format!(
                "license `{n}`: limits must be zero or more"
            )));
        }
        Ok(())
    }
}

/// What a license has shipped so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Used {
    pub units: u64,
    pub value_cents: i64,
    pub tpp: f64,
}

/// A license with its depletion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LicenseStatus {
    pub license: License,
    pub used: Used,
    /// The record that added it.
    pub record_seq: u64,
}

impl LicenseStatus {
    /// Fractions used of each limit the license has, with the limit's name.
    pub fn fractions(&self, used: &Used) -> Vec<(&'static str, f64)> {
        let l = &self.license;
        let mut out = Vec::new();
        if let Some(limit) = l.limit_units {
            out.push(("units", fraction(used.units as f64, limit as f64)));
        }
        if let Some(limit) = l.limit_value_cents {
            out.push(("value", fraction(used.value_cents as f64, limit as f64)));
        }
        if let Some(limit) = l.limit_tpp {
            out.push(("TPP", fraction(used.tpp, limit)));
        }
        out
    }
}

fn fraction(used: f64, limit: f64) -> f64 {
    if limit <= 0.0 {
        if used > 0.0 {
            f64::INFINITY
        } else {
            1.0
        }
    } else {
        used / limit
    }
}

/// What authorised a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Authorisation {
    NoLicenseRequired,
    License {
        number: String,
    },
    /// A license exception the decision offered; NAC needs the notification's reference.
    Exception {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notification: Option<String>,
    },
}

impl Authorisation {
    pub fn describe(&self) -> String {
        match self {
            Self::NoLicenseRequired => "no license required".to_owned(),
            Self::License { number } => format!("license {number}"),
            Self::Exception { id, .. } => format!("license exception {id}"),
        }
    }
}

/// One order line to record, with the decision that allowed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewShipment {
    pub order_id: String,
    pub line: u32,
    pub ship_date: Date,
    pub value_cents: i64,
    /// The ECCN the decision classified the item under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eccn: Option<String>,
    /// TPP of one unit, as classified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpp_per_unit: Option<f64>,
    pub authorisation: Authorisation,
    pub decision: StoredDecision,
    /// Disposition records that answered a party's screening.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dispositions: Vec<u64>,
}

impl NewShipment {
    /// A line from the engine's full decision (which knows the ECCN and TPP).
    pub fn new(
        order_id: impl Into<String>,
        line: u32,
        value_cents: i64,
        authorisation: Authorisation,
        decision: &ShipmentDecision,
    ) -> Self {
        Self {
            order_id: order_id.into(),
            line,
            ship_date: decision.shipment.as_of,
            value_cents,
            eccn: decision.classification.eccn.map(|e| e.as_str().to_owned()),
            tpp_per_unit: decision.classification.tpp,
            authorisation,
            decision: StoredDecision::from(decision),
            dispositions: Vec::new(),
        }
    }

    pub fn item(&self) -> String {
        match &self.decision.shipment.item {
            ItemRef::CatalogId(id) => id.clone(),
            ItemRef::Spec(spec) => format!("spec:{}", spec.name),
        }
    }

    pub fn destination(&self) -> Country {
        self.decision.shipment.to
    }

    /// The ultimate consignee's name (else the end user's), as caps count it.
    pub fn consignee(&self) -> Option<String> {
        consignee_of(&self.decision.shipment.parties)
    }

    pub fn year(&self) -> i32 {
        self.ship_date.year()
    }

    /// The TPP the line ships (units x TPP of one unit).
    pub fn tpp(&self) -> Option<f64> {
        Some(self.tpp_per_unit? * self.decision.shipment.quantity? as f64)
    }

    /// The hash of what identifies the line's content, but not the decision: re-importing the
    /// same book on a later day (a new decision) is the same line, a changed quantity is not.
    pub(crate) fn facts_hash(&self) -> String {
        #[derive(Serialize)]
        struct Facts<'a> {
            order_id: &'a str,
            line: u32,
            ship_date: Date,
            value_cents: i64,
            item: &'a ItemRef,
            quantity: Option<u64>,
            to: Country,
            from: Country,
            parties: Vec<(PartyRole, Option<&'a str>)>,
            authorisation: &'a Authorisation,
        }
        let s = &self.decision.shipment;
        let facts = Facts {
            order_id: &self.order_id,
            line: self.line,
            ship_date: self.ship_date,
            value_cents: self.value_cents,
            item: &s.item,
            quantity: s.quantity,
            to: s.to,
            from: s.from,
            parties: s
                .parties
                .iter()
                .map(|p| (p.role, p.name.as_deref()))
                .collect(),
            authorisation: &self.authorisation,
        };
        // Serializing these plain values cannot fail; an empty text would still hash, and a
        // changed line would then be refused as changed rather than passed.
        crate::chain::sha256_hex(&serde_json::to_vec(&facts).unwrap_or_default())
    }
}

/// The ultimate consignee's name (else the end user's), normalised: whom caps count per.
pub(crate) fn consignee_of(parties: &[earmark_engine::Party]) -> Option<String> {
    [PartyRole::UltimateConsignee, PartyRole::EndUser]
        .iter()
        .find_map(|role| parties.iter().find(|p| p.role == *role && p.name.is_some()))
        .and_then(|p| p.name.as_deref())
        .map(normalize_party)
}

/// Party names compare case- and space-insensitively.
pub fn normalize_party(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// What recording one line did.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// Appended as record `seq`; warnings name license thresholds crossed.
    New { seq: u64, warnings: Vec<String> },
    /// The same line was recorded before (a re-import): nothing was written.
    AlreadyRecorded { seq: u64 },
}

/// How much of a license one line takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Depletion {
    pub license: String,
    pub units: u64,
    pub value_cents: i64,
    pub tpp: f64,
}

/// Checks that the decision allows the line under its authorisation and, for a license, that
/// the license covers it and has room. Returns the license's new depletion and the warnings of
/// thresholds crossed. Nothing is written when this refuses.
pub(crate) fn authorise(
    s: &NewShipment,
    license: Option<&LicenseStatus>,
) -> Result<Option<(Depletion, Used, Vec<String>)>> {
    let d = &s.decision;
    let line = format!("order `{}` line {}", s.order_id, s.line);
    let Some(quantity) = d.shipment.quantity else {
        return Err(LedgerError::refused(format!("{line}: no quantity")));
    };
    if s.value_cents < 0 {
        return Err(LedgerError::refused(format!("{line}: negative value")));
    }
    if matches!(d.severity, Severity::Review | Severity::Blocked) {
        return Err(LedgerError::refused(format!(
            "{line}: the decision is `{}`: a shipment needs a clear or license-required answer",
            severity_name(d.severity)
        )));
    }
    match &s.authorisation {
        Authorisation::NoLicenseRequired => {
            if d.outcome != Outcome::NoLicenseRequired {
                return Err(LedgerError::refused(format!(
                    "{line}: the decision requires a license; give the license or exception used"
                )));
            }
            Ok(None)
        }
        Authorisation::Exception { id, notification } => {
            if !d
                .license_exceptions
                .iter()
                .any(|e| e.eq_ignore_ascii_case(id))
            {
                return Err(LedgerError::refused(format!(
                    "{line}: license exception `{id}` is not available for this shipment (the decision offers {})",
                    if d.license_exceptions.is_empty() {
                        "none".to_owned()
                    } else {
                        d.license_exceptions.join(", ")
                    }
                )));
            }
            if id.eq_ignore_ascii_case("NAC") && notification.as_deref().is_none_or(str::is_empty) {
                return Err(LedgerError::refused(format!(
                    "{line}: license exception NAC needs the notification's reference"
                )));
            }
            Ok(None)
        }
        Authorisation::License { number } => {
            let Some(status) = license else {
                return Err(LedgerError::refused(format!(
                    "{line}: license `{number}` is not in the ledger"
                )));
            };
            let l = &status.license;
            if s.ship_date > l.valid_to {
                return Err(LedgerError::refused(format!(
                    "{line}: license `{number}` expired on {}; it authorises nothing shipped on {}",
                    l.valid_to, s.ship_date
                )));
            }
            if s.ship_date < l.valid_from {
                return Err(LedgerError::refused(format!(
                    "{line}: license `{number}` is valid from {}, not on {}",
                    l.valid_from, s.ship_date
                )));
            }
            let item = s.item();
            let covered = l.items.iter().any(|i| {
                i.eq_ignore_ascii_case(&item)
                    || s.eccn.as_deref().is_some_and(|e| eccn_covers(i, e))
            });
            if !covered {
                return Err(LedgerError::refused(format!(
                    "{line}: license `{number}` does not cover `{item}`{}",
                    s.eccn
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                )));
            }
            if !l.destinations.contains(&s.destination()) {
                return Err(LedgerError::refused(format!(
                    "{line}: license `{number}` does not cover destination {}",
                    s.destination()
                )));
            }
            if !l.parties.is_empty() {
                let named: Vec<String> = l.parties.iter().map(|p| normalize_party(p)).collect();
                for p in &d.shipment.parties {
                    if let Some(name) = &p.name {
                        if !named.contains(&normalize_party(name)) {
                            return Err(LedgerError::refused(format!(
                                "{line}: license `{number}` does not name the {} `{name}`",
                                p.role.as_str()
                            )));
                        }
                    }
                }
            }
            let tpp = match (l.limit_tpp, s.tpp()) {
                (Some(_), None) => {
                    return Err(LedgerError::refused(format!(
                        "{line}: license `{number}` limits TPP but the line's TPP is unknown"
                    )))
                }
                (_, t) => t.unwrap_or(0.0),
            };
            let before = status.used;
            let after = Used {
                units: before.units.saturating_add(quantity),
                value_cents: before.value_cents.saturating_add(s.value_cents),
                tpp: before.tpp + tpp,
            };
            let over = |used: f64, limit: f64| used > limit * (1.0 + 1e-12);
            let overdraws = [
                l.limit_units
                    .filter(|&m| after.units > m)
                    .map(|m| format!("{} units of {m}", after.units)),
                l.limit_value_cents
                    .filter(|&m| after.value_cents > m)
                    .map(|m| format!("value {} of {}", dollars(after.value_cents), dollars(m))),
                l.limit_tpp
                    .filter(|&m| over(after.tpp, m))
                    .map(|m| format!("TPP {:.0} of {m:.0}", after.tpp)),
            ];
            if let Some(what) = overdraws.into_iter().flatten().next() {
                return Err(LedgerError::refused(format!(
                    "{line}: overdraws license `{number}`: it would ship {what}"
                )));
            }
            let mut warnings = Vec::new();
            for ((name, was), (_, now)) in status
                .fractions(&before)
                .into_iter()
                .zip(status.fractions(&after))
            {
                for threshold in [1.0, 0.9, 0.8] {
                    if was < threshold && now >= threshold {
                        warnings.push(format!(
                            "license `{number}`: {name} {:.0} % used",
                            threshold * 100.0
                        ));
                        break;
                    }
                }
            }
            Ok(Some((
                Depletion {
                    license: number.clone(),
                    units: quantity,
                    value_cents: s.value_cents,
                    tpp,
                },
                after,
                warnings,
            )))
        }
    }
}

/// `3A090` covers `3A090.a`; `3A090.a` covers only itself.
fn eccn_covers(licensed: &str, eccn: &str) -> bool {
    let (l, e) = (licensed.to_ascii_uppercase(), eccn.to_ascii_uppercase());
    e == l || e.strip_prefix(&l).is_some_and(|rest| rest.starts_with('.'))
}

pub fn dollars(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, (cents % 100).abs())
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Clear => "clear",
        Severity::LicenseRequired => "license_required",
        Severity::Review => "review",
        Severity::Blocked => "blocked",
    }
}

/// An officer's clearance of a possible list match: "not the listed party".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disposition {
    pub party: String,
    /// `LIST:source_id` of the entry cleared, e.g. `EL:1234`.
    pub entry: String,
    /// Content hash of the list the entry was read from.
    pub list_hash: String,
    pub why: String,
    pub by: String,
}

/// A disposition as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDisposition {
    pub seq: u64,
    pub cleared_at: String,
    pub disposition: Disposition,
}

/// A TPP cap: added to the ledger (`ledger cap add`) or declared by the rule pack
/// ([`Cap::declared`]). Either way it is enforced when a line is recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    pub id: String,
    pub description: String,
    pub per: CapScope,
    /// Destinations it counts; empty: all.
    #[serde(default)]
    pub destinations: Vec<Country>,
    pub limit_tpp: f64,
    /// Which shipments count (default: every shipment to its destinations).
    #[serde(default, skip_serializing_if = "is_default")]
    pub counts: CapCounts,
    /// Over which ship dates it counts (default: each calendar year).
    #[serde(default, skip_serializing_if = "is_default")]
    pub period: CapPeriod,
    /// The rule that declares it, for a cap read from the rule pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<CapSource>,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Where a declared cap comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapSource {
    pub rule: String,
    pub instrument: String,
    pub cite: String,
    pub confidence: Confidence,
}

/// What a cap is counted per: each ultimate consignee (LPP's allowance) or each destination
/// country (the AI Diffusion allocations).
pub type CapScope = earmark_engine::CapPer;

impl Cap {
    /// A cap the rule pack declares, as the ledger enforces it.
    pub fn declared(d: &DeclaredCap) -> Self {
        Self {
            id: d.id.clone(),
            description: d.text.clone(),
            per: d.per,
            destinations: Vec::new(),
            limit_tpp: d.limit_tpp,
            counts: d.counts.clone(),
            period: d.period,
            source: Some(CapSource {
                rule: d.rule.clone(),
                instrument: d.instrument.clone(),
                cite: d.cite.clone(),
                confidence: d.confidence,
            }),
        }
    }

    /// Whether `line` counts against the cap, and under which key (consignee or country) and
    /// span of years.
    pub fn counts_line(&self, line: &NewShipment) -> Option<(String, i32, i32)> {
        let dest = line.destination();
        if !self.destinations.is_empty() && !self.destinations.contains(&dest) {
            return None;
        }
        let counted = match &self.counts {
            CapCounts::All => true,
            CapCounts::Exception { id } => matches!(
                &line.authorisation,
                Authorisation::Exception { id: used, .. } if used.eq_ignore_ascii_case(id)
            ),
            CapCounts::Condition { id } => {
                matches!(line.authorisation, Authorisation::License { .. })
                    && line.decision.conditions.iter().any(|c| c == id)
            }
        };
        if !counted {
            return None;
        }
        let (first, last) = self.period.span(line.year())?;
        let key = match self.per {
            CapScope::Consignee => line.consignee().unwrap_or_else(|| NO_CONSIGNEE.to_owned()),
            CapScope::Country => dest.to_string(),
        };
        Some((key, first, last))
    }

    /// The span of years reported for `year` (what `ledger status` shows).
    pub fn span(&self, year: i32) -> Option<(i32, i32)> {
        self.period.span(year)
    }
}

/// The key of lines that name no consignee and no end user.
pub const NO_CONSIGNEE: &str = "(no consignee named)";

/// What one line takes from one cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapCharge {
    pub cap: String,
    /// The consignee or country counted.
    pub key: String,
    pub first_year: i32,
    pub last_year: i32,
    pub tpp: f64,
}

/// Checks a line against every cap that counts it: `used` gives the TPP already counted for a
/// cap, key and span. Refuses a line that would take a cap past its limit, or whose TPP is
/// unknown where a cap counts it (the total would be a guess). Returns what the line takes
/// and the warnings of thresholds crossed (80, 90, 100 %).
pub(crate) fn charge_caps(
    s: &NewShipment,
    caps: &[Cap],
    mut used: impl FnMut(&Cap, &str, i32, i32) -> Result<f64>,
) -> Result<(Vec<CapCharge>, Vec<String>)> {
    let line = format!("order `{}` line {}", s.order_id, s.line);
    let mut charges = Vec::new();
    let mut warnings = Vec::new();
    for cap in caps {
        let Some((key, first, last)) = cap.counts_line(s) else {
            continue;
        };
        let Some(tpp) = s.tpp() else {
            return Err(LedgerError::refused(format!(
                "{line}: cap `{}` counts this line but its TPP is unknown",
                cap.id
            )));
        };
        let before = used(cap, &key, first, last)?;
        let after = before + tpp;
        let span = if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        };
        if after > cap.limit_tpp * (1.0 + 1e-12) {
            return Err(LedgerError::refused(format!(
                "{line}: exceeds cap `{}` for `{key}` in {span}: TPP {after:.0} of {:.0} ({:.1} of {:.1} H100-eq; {:.0} was used, this line is {tpp:.0})",
                cap.id,
                cap.limit_tpp,
                h100_equivalents(after),
                h100_equivalents(cap.limit_tpp),
                before,
            )));
        }
        let (was, now) = (
            fraction(before, cap.limit_tpp),
            fraction(after, cap.limit_tpp),
        );
        for threshold in [1.0, 0.9, 0.8] {
            if was < threshold && now >= threshold {
                warnings.push(format!(
                    "cap `{}` for `{key}` in {span}: {:.0} % used",
                    cap.id,
                    threshold * 100.0
                ));
                break;
            }
        }
        charges.push(CapCharge {
            cap: cap.id.clone(),
            key,
            first_year: first,
            last_year: last,
            tpp,
        });
    }
    Ok((charges, warnings))
}

/// One row of a usage report: shipments of one key in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageRow {
    pub key: String,
    pub lines: u64,
    pub units: u64,
    pub tpp: f64,
    /// Lines whose TPP is unknown: the TPP total is a floor.
    pub lines_without_tpp: u64,
}

/// The H200 rule's volume condition for one product: units to China and Macau against units
/// to US end users, in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumeRatio {
    pub item: String,
    pub china_macau_units: u64,
    pub us_units: u64,
    /// `None` when nothing went to US end users (any China shipment then breaks the condition).
    pub ratio: Option<f64>,
}

/// One record of the chain, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub seq: u64,
    pub kind: String,
    pub recorded_at: String,
    pub actor: String,
    /// JSON, exactly as hashed.
    pub body: String,
    pub content_hash: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The last record of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: String,
}

/// A party as last recorded (its shipment records keep every version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyRecord {
    /// Normalised (upper case, single spaces).
    pub name: String,
    /// `end user`, `ultimate consignee`, ...
    pub role: String,
    pub country: Option<String>,
    pub address: Option<String>,
    pub headquarters: Option<String>,
    /// A country code, or `same` for a party with no separate parent.
    pub parent_headquarters: Option<String>,
    pub first_record_seq: u64,
    pub last_record_seq: u64,
}

impl PartyRecord {
    /// The named parties of a recorded line.
    pub(crate) fn of(shipment: &NewShipment, seq: u64) -> Vec<Self> {
        shipment
            .decision
            .shipment
            .parties
            .iter()
            .filter_map(|p| {
                Some(Self {
                    name: normalize_party(p.name.as_deref()?),
                    role: p.role.as_str().to_owned(),
                    country: p.country.map(|c| c.to_string()),
                    address: p.address.clone(),
                    headquarters: p.headquarters.map(|c| c.to_string()),
                    parent_headquarters: p.parent_headquarters.map(|h| match h {
                        earmark_engine::ParentHeadquarters::Same => "same".to_owned(),
                        earmark_engine::ParentHeadquarters::Country(c) => c.to_string(),
                    }),
                    first_record_seq: seq,
                    last_record_seq: seq,
                })
            })
            .collect()
    }
}
