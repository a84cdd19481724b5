//! Systems: where a rule's figure could be read for the whole system or per IC, the decision
//! shows the answer under the other reading and lists the reading as uncertain.

#![allow(clippy::unwrap_used, reason = "tests")]

#[path = "../../earmark-core/tests/support/bundled.rs"]
mod bundled;

use earmark_core::country::Country;
use earmark_core::determine::Outcome;
use earmark_core::rules::ReviewPolicy;
use earmark_core::spec::Spec;
use earmark_core::Date;
use earmark_engine::{Engine, ItemRef, ParentHeadquarters, Party, PartyRole, Shipment};

fn engine() -> Engine {
    Engine::new(bundled::pack(), bundled::catalog(), "test".to_owned(), None).unwrap()
}

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

fn to_china(spec: &str, as_of: &str) -> Shipment {
    let mut end_user = Party::new(PartyRole::EndUser);
    end_user.headquarters = Country::from_code("CN");
    end_user.parent_headquarters = Some(ParentHeadquarters::Same);
    Shipment {
        item: ItemRef::Spec(Box::new(Spec::from_toml(spec).unwrap())),
        to: Country::from_code("CN").unwrap(),
        from: Country::us(),
        transaction: Default::default(),
        end_use: None,
        quantity: None,
        as_of: date(as_of),
        known_on: None,
        layer: Default::default(),
        exporter_role: Default::default(),
        exporter: None,
        rebuttal: Default::default(),
        tf32: Default::default(),
        parties: vec![end_user],
    }
}

/// The January 2026 gate (TPP < 21,000, DRAM bandwidth < 6,500 GB/s) admits one H200 (TPP
/// 15,832 from its datasheet figures; 4,800 GB/s) but not an 8-GPU board read as a whole
/// (126,656 TPP; 38,400 GB/s). Which reading the rule means is not settled by the
/// reference, so both answers are shown.
#[test]
fn an_eight_gpu_h200_board_shows_the_per_ic_reading_of_the_h200_gate() {
    let board = r#"
        name = "HGX H200 8-GPU board"
        kind = "system"
        datacenter = true
        memory_bandwidth_gbs = 38400
        contains = [{ item = "nvidia-h200-sxm", count = 8 }]
    "#;
    let d = engine()
        .check(&to_china(board, "2026-02-01"), date("2026-12-03"))
        .unwrap();
    assert_eq!(d.decision.outcome, Outcome::LicenseRequired);
    assert_eq!(
        d.decision.review_policy,
        Some(ReviewPolicy::PresumptionOfDenial)
    );
    let alt = d.per_ic_alternative.as_ref().unwrap();
    assert_eq!(alt.ic, "NVIDIA H200 SXM");
    assert!(alt.differs);
    assert_eq!(alt.answer.review_policy, Some(ReviewPolicy::CaseByCase));
    assert!(d
        .decision
        .uncertain
        .iter()
        .any(|u| u.id == "system-figures-per-ic"));
}

#[test]
fn a_system_whose_readings_agree_is_not_marked_uncertain() {
    // Before the January 2026 rule no rule reads TPP below 21,000: both readings agree.
    let board = r#"
        name = "HGX H200 8-GPU board"
        kind = "system"
        datacenter = true
        memory_bandwidth_gbs = 38400
        contains = [{ item = "nvidia-h200-sxm", count = 8 }]
    "#;
    let d = engine()
        .check(&to_china(board, "2025-06-01"), date("2026-12-03"))
        .unwrap();
    let alt = d.per_ic_alternative.as_ref().unwrap();
    assert!(!alt.differs, "{alt:?}");
    assert!(!d
        .decision
        .uncertain
        .iter()
        .any(|u| u.id == "system-figures-per-ic"));
}

#[test]
fn an_ic_has_no_per_ic_alternative() {
    let chip = r#"
        name = "an IC"
        kind = "ic"
        datacenter = true
        dense_tops = { fp16 = 990 }
        die_area_mm2 = 814
        memory_bandwidth_gbs = 4800
    "#;
    let d = engine()
        .check(&to_china(chip, "2026-02-01"), date("2026-12-03"))
        .unwrap();
    assert!(d.per_ic_alternative.is_none());
}
