//! Properties of determination over random requests against the bundled pack and catalog:
//! the fast path agrees with the explaining (naive) path, an indeterminate answer names what is
//! missing, a "no license" answer never rests on a missing fact, and nothing panics.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "support/bundled.rs"]
mod bundled;

use std::sync::OnceLock;

use earmark_core::catalog::Catalog;
use earmark_core::classify::{classify_with, ClassifyOptions, Vintages};
use earmark_core::country::Country;
use earmark_core::determine::{Determiner, ItemFacts, Outcome, Reading, Request};
use earmark_core::rules::{EndUse, ExporterRole, ListStatus, Rebuttal, RulePack, Transaction};
use earmark_core::trace::RuleStatus;
use earmark_core::Date;
use proptest::prelude::*;

fn pack() -> &'static RulePack {
    static PACK: OnceLock<RulePack> = OnceLock::new();
    PACK.get_or_init(bundled::pack)
}

fn vintages() -> &'static Vintages {
    static VINTAGES: OnceLock<Vintages> = OnceLock::new();
    VINTAGES.get_or_init(|| Vintages::from_pack(pack()).unwrap())
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(bundled::catalog)
}

fn country() -> impl Strategy<Value = Country> {
    let all: Vec<Country> = Country::all().collect();
    let hot: Vec<Country> = [
        "CN", "HK", "MO", "RU", "KH", "AE", "IL", "VN", "SA", "MY", "DE", "US",
    ]
    .iter()
    .map(|c| Country::from_code(c).unwrap())
    .collect();
    prop_oneof![proptest::sample::select(hot), proptest::sample::select(all)]
}

fn date() -> impl Strategy<Value = Date> {
    (0i64..(365 * 5))
        .prop_map(|d| Date::from_ymd_opt(2022, 6, 1).unwrap() + chrono::Days::new(d as u64))
}

prop_compose! {
    fn request()(
        to in country(),
        from in country(),
        hq in proptest::option::of(country()),
        parent in proptest::option::of(country()),
        transaction in proptest::sample::select(vec![Transaction::Export, Transaction::Reexport, Transaction::InCountry]),
        end_use in proptest::option::of(proptest::sample::select(vec![
            EndUse::Supercomputer, EndUse::AdvancedNodeIc, EndUse::AiTraining,
            EndUse::TechnicalEvaluation, EndUse::Storage, EndUse::Other,
        ])),
        quantity in proptest::option::of(0u64..5000),
        as_of in date(),
        known_shift in -400i64..400,
        legal in any::<bool>(),
        role in proptest::sample::select(vec![ExporterRole::Other, ExporterRole::FrontEndFabricator, ExporterRole::Osat]),
        rebuttal in proptest::sample::select(vec![Rebuttal::None, Rebuttal::ApprovedDesigner, Rebuttal::AuthorizedDesigner, Rebuttal::TransistorCount]),
        list in proptest::option::of(proptest::sample::select(vec![ListStatus::NotListed, ListStatus::Listed, ListStatus::Affiliate, ListStatus::PossibleMatch])),
        exporter in proptest::option::of(proptest::sample::select(vec!["nvidia", "amd", "intel", "acme-trading"])),
    ) -> Request {
        let known_on = if known_shift >= 0 {
            as_of + chrono::Days::new(known_shift as u64)
        } else {
            as_of - chrono::Days::new(known_shift.unsigned_abs())
        };
        Request {
            to, from, end_user_hq: hq, parent_hq: parent, transaction, end_use, quantity,
            as_of, known_on,
            reading: if legal { Reading::Legal } else { Reading::Enforced },
            exporter_role: role, exporter: exporter.map(|e| earmark_core::rules::Exporter::parse(e).unwrap()), rebuttal, end_user_list: list,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn fast_path_agrees_with_the_explaining_path(req in request(), item in 0usize..70) {
        let pack = pack();
        let catalog = catalog();
        let entry = catalog.items().nth(item % catalog.len()).unwrap();
        let mut det = Determiner::new(pack);
        let when = det.classification_date(req.as_of, req.known_on, req.reading);
        let c = classify_with(&entry.spec, when, &ClassifyOptions::default(), catalog, vintages());
        let facts = ItemFacts::from_classification(Some(&entry.id), &entry.spec, &c);
        // Warm the cache with other dates first so a stale snapshot would show.
        let mut other = req.clone();
        other.as_of = Date::from_ymd_opt(2026, 11, 29).unwrap();
        let _ = det.decide(&other, &facts);
        let verdict = det.decide(&req, &facts);
        let decision = det.explain(&req, &facts);
        prop_assert!(decision.agrees_with(&verdict, pack), "{:?} vs {:?}", verdict, decision.outcome);
        // A fresh determiner compiles a snapshot for exactly this date.
        let fresh = Determiner::new(pack).decide(&req, &facts);
        prop_assert_eq!(fresh.outcome, verdict.outcome);
        prop_assert_eq!(fresh.review_policy, verdict.review_policy);
        match decision.outcome {
            Outcome::Indeterminate => prop_assert!(!decision.missing.is_empty()),
            Outcome::NoLicenseRequired => {
                // No requirement or prohibition was left undecided.
                for t in &decision.trace {
                    let rule = pack.rule(&t.rule_id).unwrap();
                    let decisive = matches!(rule.effect,
                        earmark_core::rules::Effect::Requirement { .. } | earmark_core::rules::Effect::Prohibition);
                    prop_assert!(!(decisive && t.status == RuleStatus::MissingFacts), "{} undecided", t.rule_id);
                }
                prop_assert_eq!(decision.license_required, Some(false));
            }
            Outcome::LicenseRequired => prop_assert_eq!(decision.license_required, Some(true)),
            Outcome::Prohibited => prop_assert_eq!(decision.license_required, None),
        }
        prop_assert_eq!(decision.trace.len(), pack.rules.len());
    }
}
