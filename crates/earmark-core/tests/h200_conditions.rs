//! The January 2026 rule's certifications and conditions belong to its case-by-case path: they
//! attach where that path is the review policy used, and not beside a denial that outranks it
//! (91 FR 1684: the conditions are what an application must meet for case-by-case review; an
//! Entity List party keeps its own presumption of denial).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "support/bundled.rs"]
mod bundled;

use earmark_core::classify::{classify_with, ClassifyOptions, Vintages};
use earmark_core::country::Country;
use earmark_core::determine::{Determiner, ItemFacts, Outcome, Request};
use earmark_core::rules::{ListStatus, ReviewPolicy};

fn decide(list: Option<ListStatus>) -> earmark_core::determine::Decision {
    let pack = bundled::pack();
    let catalog = bundled::catalog();
    let vintages = Vintages::from_pack(&pack).unwrap();
    let item = catalog.get("nvidia-h200-sxm").unwrap();
    let cn = Country::from_code("CN").unwrap();
    let mut req = Request::export(cn, "2026-02-01".parse().unwrap());
    req.end_user_hq = Some(cn);
    req.parent_hq = Some(cn);
    req.end_user_list = list;
    let c = classify_with(
        &item.spec,
        req.as_of,
        &ClassifyOptions::default(),
        &catalog,
        &vintages,
    );
    let facts = ItemFacts::from_classification(Some(&item.id), &item.spec, &c);
    let mut determiner = Determiner::new(&pack);
    let decision = determiner.explain(&req, &facts);
    let verdict = determiner.decide(&req, &facts);
    assert!(decision.agrees_with(&verdict, &pack));
    // The fast path agrees on which conditions applied.
    for c in &decision.conditions {
        let i = pack.rules.iter().position(|r| r.id == c.rule).unwrap();
        assert!(verdict.applied.contains(i), "{}", c.rule);
    }
    for id in ["h200-26-conditions", "h200-26-dram-reading"] {
        let i = pack.rules.iter().position(|r| r.id == id).unwrap();
        assert_eq!(
            verdict.applied.contains(i),
            decision.conditions.iter().any(|c| c.rule == id),
            "{id}"
        );
    }
    decision
}

#[test]
fn h200_conditions_attach_on_the_case_by_case_path() {
    let d = decide(Some(ListStatus::NotListed));
    assert_eq!(d.outcome, Outcome::LicenseRequired);
    assert_eq!(d.review_policy, Some(ReviewPolicy::CaseByCase));
    assert!(d.conditions.iter().any(|c| c.rule == "h200-26-conditions"));
    assert!(d
        .conditions
        .iter()
        .any(|c| c.rule == "h200-26-dram-reading"));
}

#[test]
fn h200_conditions_do_not_attach_beside_an_entity_list_denial() {
    let d = decide(Some(ListStatus::Listed));
    assert_eq!(d.outcome, Outcome::LicenseRequired);
    assert_eq!(d.review_policy, Some(ReviewPolicy::PresumptionOfDenial));
    assert!(
        !d.conditions.iter().any(|c| c.rule.starts_with("h200-26")),
        "{:?}",
        d.conditions
    );
    let trace = d
        .trace
        .iter()
        .find(|t| t.rule_id == "h200-26-conditions")
        .unwrap();
    assert!(
        trace.reason.contains("not the one used"),
        "{}",
        trace.reason
    );
}
