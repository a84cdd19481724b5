//! The request contract never panics the engine: any JSON a front end may receive either
//! fails to parse with an error, is refused by `check` with an error, or gets an answer whose
//! fast path agrees with its explanation.

#![allow(clippy::unwrap_used, reason = "tests")]

#[path = "../../earmark-core/tests/support/bundled.rs"]
mod bundled;

use std::sync::OnceLock;

use earmark_core::Date;
use earmark_engine::{Engine, Shipment};
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::new(bundled::pack(), bundled::catalog(), "test".to_owned(), None).unwrap()
    })
}

fn checked_on() -> Date {
    "2026-12-03".parse().unwrap()
}

/// Shipments built from the contract's vocabulary, some of it wrong on purpose.
fn shipment_json() -> impl Strategy<Value = String> {
    let item = prop_oneof![
        Just(r#"{"catalog_id":"nvidia-h20"}"#.to_owned()),
        Just(r#"{"catalog_id":"nvidia-h200-sxm"}"#.to_owned()),
        Just(r#"{"catalog_id":"aws-trainium2"}"#.to_owned()),
        Just(r#"{"catalog_id":"no-such-item"}"#.to_owned()),
        Just(r#"{"spec":{"name":"x","kind":"ic","dense_tops":{"fp8":1e308}}}"#.to_owned()),
        Just(r#"{"spec":{"name":"x","kind":"system","contains":[{"item":"nvidia-h100-sxm","count":4294967295}]}}"#.to_owned()),
        Just(r#"{"spec":{"name":"x","kind":"hbm"}}"#.to_owned()),
    ];
    let country = prop_oneof![
        Just("CN"),
        Just("US"),
        Just("AE"),
        Just("MO"),
        Just("HK"),
        Just("KP"),
        Just("DE"),
        Just("XX"),
        Just(""),
    ];
    let date = prop_oneof![
        Just("2022-10-06"),
        Just("2023-11-17"),
        Just("2025-04-10"),
        Just("2026-01-15"),
        Just("2026-12-31"),
        Just("0001-01-01"),
        Just("9999-12-31"),
        Just("2025-02-30"),
    ];
    let transaction = prop_oneof![
        Just("export"),
        Just("reexport"),
        Just("in_country"),
        Just("smuggle")
    ];
    let role = prop_oneof![
        Just("end_user"),
        Just("ultimate_consignee"),
        Just("purchaser"),
        Just("landlord")
    ];
    let status = prop_oneof![
        Just("null"),
        Just(r#""listed""#),
        Just(r#""possible_match""#),
        Just(r#""unknown""#),
        Just(r#""maybe""#)
    ];
    (
        item,
        country.clone(),
        country.clone(),
        date.clone(),
        proptest::option::of(date),
        transaction,
        proptest::collection::vec((role, country.clone(), country, status), 0..4),
        proptest::option::of(0u64..u64::MAX),
    )
        .prop_map(|(item, to, from, as_of, known_on, tx, parties, quantity)| {
            let parties: Vec<String> = parties
                .into_iter()
                .map(|(role, country, hq, status)| {
                    format!(
                        r#"{{"role":"{role}","country":"{country}","headquarters":"{hq}","parent_headquarters":"same","list_status":{status}}}"#
                    )
                })
                .collect();
            format!(
                r#"{{"item":{item},"to":"{to}","from":"{from}","as_of":"{as_of}"{}{},"transaction":"{tx}","parties":[{}]}}"#,
                known_on.map(|k| format!(r#","known_on":"{k}""#)).unwrap_or_default(),
                quantity.map(|q| format!(r#","quantity":{q}"#)).unwrap_or_default(),
                parties.join(",")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_shipment_json_is_an_error_or_an_answer_never_a_panic(text in shipment_json()) {
        let Ok(shipment) = serde_json::from_str::<Shipment>(&text) else {
            return Ok(());
        };
        let mut worker = engine().worker();
        let fast = worker.verdict(&shipment, checked_on());
        let full = worker.check(&shipment, checked_on());
        match (fast, full) {
            (Ok(fast), Ok(full)) => {
                prop_assert_eq!(fast.verdict.outcome, full.decision.outcome, "{}", text);
                prop_assert_eq!(fast.severity, full.severity, "{}", text);
                // The decision reads back as it was written.
                let json = serde_json::to_string(&full).unwrap();
                let back: earmark_engine::ShipmentDecision = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(back, full);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (fast, full) => prop_assert!(false, "fast {:?} and full {:?} disagree on {}", fast.is_ok(), full.is_ok(), text),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_request_parser(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = serde_json::from_str::<Shipment>(&text);
    }
}

#[test]
fn an_inline_spec_in_a_request_goes_through_the_spec_checks() {
    // Found by the property above: serde read the spec without the spec reader's checks, so a
    // throughput of 1e308 classified with an infinite TPP and the decision no longer read back
    // from its own JSON (infinity prints as null).
    let text = r#"{"item":{"spec":{"name":"x","kind":"ic","dense_tops":{"fp8":1e308}}},
        "to":"CN","as_of":"2024-06-01"}"#;
    let shipment: Shipment = serde_json::from_str(text).unwrap();
    let err = engine().check(&shipment, checked_on()).unwrap_err();
    assert!(err.to_string().contains("inline spec"), "{err}");
}
