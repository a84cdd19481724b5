//! Properties of classification that must hold for every input, not just the golden rows:
//! it never panics (even on figures that validation would reject), and it is monotone: within
//! one vintage, raising a throughput figure never moves an item from controlled to not
//! controlled.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

use std::collections::BTreeMap;
use std::sync::OnceLock;

#[path = "support/bundled.rs"]
mod bundled;

use earmark_core::catalog::NoLookup;
use earmark_core::classify::{classify_with, ClassifyOptions, Vintages};
use earmark_core::spec::{ItemKind, Spec, Tf32Reading};
use earmark_core::Date;
use proptest::prelude::*;

const FORMATS: &[&str] = &[
    "fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp6", "fp4", "int4",
];

/// The bundled pack's vintages: the properties hold for the texts earmark ships.
fn vintages() -> &'static Vintages {
    static VINTAGES: OnceLock<Vintages> = OnceLock::new();
    VINTAGES.get_or_init(|| Vintages::from_pack(&bundled::pack()).unwrap())
}

fn any_date() -> impl Strategy<Value = Date> {
    // 2021-01-01 ..= 2027-12-31: both sides of every vintage boundary.
    (0i64..2556).prop_map(|d| Date::from_ymd_opt(2021, 1, 1).unwrap() + chrono::Days::new(d as u64))
}

fn figure() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![Just(None), (0.0f64..20_000.0).prop_map(Some)]
}

fn ic_spec() -> impl Strategy<Value = Spec> {
    (
        proptest::collection::btree_map(proptest::sample::select(FORMATS), 0.0f64..12_000.0, 0..5),
        proptest::option::of(any::<bool>()),
        figure(),
        figure(),
        figure(),
    )
        .prop_map(|(tops, datacenter, area, icx, mbw)| Spec {
            name: "generated".into(),
            kind: ItemKind::Ic,
            datacenter,
            dense_tops: tops.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            bit_lengths: BTreeMap::new(),
            units: vec![],
            die_area_mm2: area,
            dies: vec![],
            memory_gb: None,
            memory_bandwidth_gbs: mbw,
            interconnect_bidir_gbs: icx,
            package_area_mm2: None,
            contains: vec![],
            origin: None,
            sram_bandwidth_gbs: None,
        })
}

fn wild_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-0.0),
        Just(0.0)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_any_figures(
        tops in proptest::collection::btree_map("[a-z0-9]{1,6}", wild_f64(), 0..6),
        area in proptest::option::of(wild_f64()),
        pkg in proptest::option::of(wild_f64()),
        mbw in proptest::option::of(wild_f64()),
        kind in proptest::sample::select(vec![ItemKind::Ic, ItemKind::Hbm, ItemKind::System]),
        date in any_date(),
        tf32 in proptest::sample::select(vec![Tf32Reading::Container32, Tf32Reading::Significant19]),
    ) {
        let spec = Spec {
            name: "wild".into(), kind, datacenter: None, dense_tops: tops,
            bit_lengths: BTreeMap::new(), units: vec![], die_area_mm2: area, dies: vec![],
            memory_gb: None, memory_bandwidth_gbs: mbw, interconnect_bidir_gbs: area,
            package_area_mm2: pkg, contains: vec![], origin: None, sram_bandwidth_gbs: None,
        };
        let _ = classify_with(&spec, date, &ClassifyOptions { tf32 }, &NoLookup, vintages());
    }

    #[test]
    fn raising_throughput_never_decontrols(
        spec in ic_spec(),
        date in any_date(),
        format in proptest::sample::select(FORMATS),
        factor in 1.0f64..4.0,
        extra in 0.0f64..3000.0,
    ) {
        let before = classify_with(&spec, date, &ClassifyOptions::default(), &NoLookup, vintages());
        let mut raised = spec.clone();
        let entry = raised.dense_tops.entry(format.to_owned()).or_insert(0.0);
        *entry = *entry * factor + extra;
        let after = classify_with(&raised, date, &ClassifyOptions::default(), &NoLookup, vintages());
        if before.is_controlled() == Some(true) {
            prop_assert_ne!(
                after.is_controlled(), Some(false),
                "raising {} moved {:?} (TPP {:?}) to not controlled (TPP {:?})",
                format, before.eccn, before.tpp, after.tpp
            );
        }
        // Raising compute never lowers the level either: .a stays .a.
        if before.eccn.is_some_and(|e| e.is_a_level()) {
            prop_assert!(after.eccn.is_some_and(|e| e.is_a_level()), "{:?} -> {:?}", before.eccn, after.eccn);
        }
    }

    #[test]
    fn determined_answers_name_no_missing_fact_and_indeterminate_ones_do(
        spec in ic_spec(),
        date in any_date(),
    ) {
        let c = classify_with(&spec, date, &ClassifyOptions::default(), &NoLookup, vintages());
        match c.is_controlled() {
            Some(_) => prop_assert!(c.missing.is_empty(), "{:?}", c.missing),
            None => prop_assert!(!c.missing.is_empty(), "indeterminate without a missing fact"),
        }
    }
}
