//! The compact stored form of a decision, and its replay.
//!
//! The full decision carries its trace (every rule of the pack with what it read) and runs to
//! tens of kilobytes; a ledger keeps one per order line for five years. The stored form keeps
//! what an auditor asks first (outcome, the rules that determined it, exceptions, conditions,
//! missing facts, each party's list status and the entry behind it) and the content hashes of
//! the data it was made with; [`Engine::replay`] rebuilds the full explanation from it with the
//! same engine data, and says when today's data answers differently.
//!
//! Measured (`tests/contract.rs`, compact JSON, ten varied shipments on the bundled pack,
//! catalog and list snapshot): 827 to 1,408 bytes per stored decision, median 957, against
//! 25 to 48 KB for the full decision. Most of it is the request itself and the four content
//! hashes (rule pack, catalog, two lists: 64 hex digits each); a named party adds about 120
//! bytes (its name in the request, its status in the record). The test fails above 2 KB, or
//! above a tenth of the full decision.

use earmark_core::determine::Outcome;
use earmark_core::rules::{ListStatus, ReviewPolicy};
use earmark_core::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::contract::{
    PartyRole, ScreeningBasis, Severity, Shipment, ShipmentDecision, SCHEMA_VERSION,
};
use crate::Engine;

/// A decision as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoredDecision {
    pub schema_version: u32,
    pub engine_version: String,
    pub checked_on: Date,
    pub shipment: Shipment,
    pub outcome: Outcome,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_policy: Option<ReviewPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub license_exceptions: Vec<String>,
    /// Ids of the license conditions that attach.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    pub determining_rules: Vec<String>,
    /// Fields whose absence made the decision indeterminate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<StoredParty>,
    pub rule_pack_hash: String,
    pub catalog_hash: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub list_hashes: Vec<String>,
}

/// One party's screening as stored: the status and the entry that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoredParty {
    pub role: PartyRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ListStatus>,
    pub basis: ScreeningBasis,
    /// `LIST:source_id` of the Entity List entry that decided the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// `LIST:source_id` of the matches on lists the rule pack does not model (SDN, DPL, ...):
    /// they raise the severity (an SDN match blocks), so the record must say which.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_lists: Vec<String>,
}

impl From<&ShipmentDecision> for StoredDecision {
    fn from(d: &ShipmentDecision) -> Self {
        let mut conditions: Vec<String> = d
            .decision
            .conditions
            .iter()
            .map(|c| c.condition.id.clone())
            .collect();
        conditions.dedup();
        Self {
            schema_version: d.schema_version,
            engine_version: d.engine_version.clone(),
            checked_on: d.checked_on,
            shipment: d.shipment.clone(),
            outcome: d.decision.outcome,
            severity: d.severity,
            review_policy: d.decision.review_policy,
            license_exceptions: d
                .decision
                .license_exceptions
                .iter()
                .map(|e| e.id.clone())
                .collect(),
            conditions,
            determining_rules: d.decision.determining_rules.clone(),
            missing: d.decision.missing.iter().map(|m| m.field.clone()).collect(),
            parties: d
                .parties
                .iter()
                .map(|p| StoredParty {
                    role: p.role,
                    status: p.status,
                    basis: p.basis,
                    entry: p
                        .entity_list
                        .as_ref()
                        .map(|m| format!("{}:{}", m.list, m.source_id)),
                    score: p.entity_list.as_ref().map(|m| m.score),
                    other_lists: p
                        .other_lists
                        .iter()
                        .map(|m| format!("{}:{}", m.list, m.source_id))
                        .collect(),
                })
                .collect(),
            rule_pack_hash: d.data.rule_pack_hash.clone(),
            catalog_hash: d.data.catalog_hash.clone(),
            list_hashes: d
                .data
                .lists
                .iter()
                .map(|l| l.content_hash.clone())
                .collect(),
        }
    }
}

/// Why a stored decision cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error(
        "stored decision has schema version {found}; this engine reads version {SCHEMA_VERSION}"
    )]
    SchemaVersion { found: u32 },
    #[error("the stored shipment cannot be checked again: {0}")]
    Check(#[from] crate::CheckError),
}

/// A stored decision rebuilt.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// The full decision, rebuilt.
    pub decision: ShipmentDecision,
    /// Whether the engine's rule pack is the one the decision was made with.
    pub same_rule_pack: bool,
    pub same_catalog: bool,
    /// Whether the engine's lists are the ones the decision was made with. When not, the
    /// parties' recorded statuses are used, so the replay still explains the recorded answer.
    pub same_lists: bool,
    /// Whether the rebuilt decision agrees with the record (outcome, severity, review policy,
    /// exceptions, conditions, determining rules, missing facts).
    pub agrees: bool,
}

impl Engine {
    /// Rebuilds a stored decision's full explanation. With the data it was made with, the
    /// rebuilt decision is the one that was made; with other data, `agrees` says whether
    /// today's rules answer the same.
    pub fn replay(&self, stored: &StoredDecision) -> Result<Replay, ReplayError> {
        if stored.schema_version != SCHEMA_VERSION {
            return Err(ReplayError::SchemaVersion {
                found: stored.schema_version,
            });
        }
        let data = self.data_used(stored.checked_on);
        let list_hashes: Vec<&str> = data.lists.iter().map(|l| l.content_hash.as_str()).collect();
        let same_lists = list_hashes == stored.list_hashes;
        let mut shipment = stored.shipment.clone();
        if !same_lists {
            // Other lists could screen the parties differently; the record's statuses are
            // what the decision rested on.
            for (party, recorded) in shipment.parties.iter_mut().zip(&stored.parties) {
                if party.list_status.is_none()
                    && matches!(
                        recorded.basis,
                        ScreeningBasis::Screened | ScreeningBasis::Disposition
                    )
                {
                    party.list_status = recorded.status;
                }
            }
        }
        let decision = self.check(&shipment, stored.checked_on)?;
        let rebuilt = StoredDecision::from(&decision);
        // Severity too: a party blocked by a list match is not cleared by a replay that
        // agrees on the license answer alone.
        let agrees = rebuilt.outcome == stored.outcome
            && rebuilt.severity == stored.severity
            && rebuilt.review_policy == stored.review_policy
            && rebuilt.license_exceptions == stored.license_exceptions
            && rebuilt.conditions == stored.conditions
            && rebuilt.determining_rules == stored.determining_rules
            && rebuilt.missing == stored.missing;
        Ok(Replay {
            same_rule_pack: data.rule_pack_hash == stored.rule_pack_hash,
            same_catalog: data.catalog_hash == stored.catalog_hash,
            same_lists,
            agrees,
            decision,
        })
    }
}
