//! The published JSON Schemas of the contract: the request, the full decision and the stored
//! decision. `schemas/*.schema.json` at the workspace root are these, written out by
//! `earmark schema --write schemas`; a test fails when they drift from the code.

use schemars::{schema_for, Schema};

use crate::contract::{Shipment, ShipmentDecision};
use crate::stored::StoredDecision;

/// `(file name, schema)` for every published schema.
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        ("shipment.schema.json", schema_for!(Shipment)),
        ("decision.schema.json", schema_for!(ShipmentDecision)),
        ("stored-decision.schema.json", schema_for!(StoredDecision)),
    ]
}

/// `(file name, text)` for every published schema, exactly as the files under `schemas/`
/// hold them: pretty-printed with a trailing newline. The CLI writes these and the drift test
/// compares against these, so the two cannot format differently.
pub fn files() -> Result<Vec<(&'static str, String)>, serde_json::Error> {
    all()
        .into_iter()
        .map(|(name, schema)| {
            let mut text = serde_json::to_string_pretty(&schema)?;
            text.push('\n');
            Ok((name, text))
        })
        .collect()
}
