//! The published JSON Schemas of the contract: the request, the full decision and the stored
//! decision. `schemas/*.schema.json` at the workspace root are these, written out; a test
//! fails when they drift from the code.

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
