//! One `Engine` shared by many threads answers exactly as one thread does, and the fast path
//! (`Worker::verdict`) answers as the full check does, on the generated mix of
//! `support/mix.rs` (the bundled pack, catalog and lists; real party names).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "support/mix.rs"]
mod mix;

use std::sync::Arc;

use earmark_engine::{Engine, ItemRef, Shipment};

/// A server shares one engine across threads; this fails to compile if it cannot.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Engine>();
};

const THREADS: usize = 8;
/// Enough for every catalog item, every destination, many dates and repeated parties, small
/// enough for a debug build.
const SHIPMENTS: usize = 2_000;
/// Fewer parties than shipments, so that most screenings come from a worker's cache.
const PARTIES: usize = 300;

fn corpus() -> (Arc<Engine>, Arc<Vec<Shipment>>) {
    let engine = mix::engine();
    let pool = mix::party_pool(engine.lists().unwrap(), PARTIES, 7);
    let shipments = mix::shipments(engine.catalog(), &pool, SHIPMENTS, 11);
    (Arc::new(engine), Arc::new(shipments))
}

/// Every answer as JSON (errors as their message), starting at `start` and wrapping round, so
/// that each worker fills its caches in a different order; returned in mix order.
fn answers(engine: &Engine, shipments: &[Shipment], start: usize) -> Vec<String> {
    let mut worker = engine.worker();
    let mut out = vec![String::new(); shipments.len()];
    for k in 0..shipments.len() {
        let i = (start + k) % shipments.len();
        out[i] = match worker.check(&shipments[i], mix::checked_on()) {
            Ok(decision) => serde_json::to_string(&decision).unwrap(),
            Err(e) => format!("error: {e}"),
        };
    }
    out
}

#[test]
fn eight_threads_sharing_one_engine_answer_exactly_as_one_thread() {
    let (engine, shipments) = corpus();
    let alone = answers(&engine, &shipments, 0);
    // The mix is meant to exercise answers, not request errors, and to screen real parties.
    assert!(
        alone.iter().all(|a| !a.starts_with("error")),
        "the mix has invalid shipments"
    );
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let engine = Arc::clone(&engine);
            let shipments = Arc::clone(&shipments);
            std::thread::spawn(move || answers(&engine, &shipments, t * SHIPMENTS / THREADS))
        })
        .collect();
    for (t, handle) in handles.into_iter().enumerate() {
        let shared = handle.join().unwrap();
        for (i, (a, b)) in alone.iter().zip(&shared).enumerate() {
            assert_eq!(
                a, b,
                "thread {t} answers shipment {i} otherwise than one thread alone"
            );
        }
    }
}

#[test]
fn the_fast_path_agrees_with_the_full_check_on_every_shipment_of_the_mix() {
    let (engine, shipments) = corpus();
    // Every tenth shipment again with its item given inline, which no worker caches.
    let inline = shipments.iter().step_by(10).map(|s| {
        let ItemRef::CatalogId(id) = &s.item else {
            panic!("the mix names catalog items")
        };
        let spec = engine.catalog().get(id).unwrap().spec.clone();
        Shipment {
            item: ItemRef::Spec(Box::new(spec)),
            ..s.clone()
        }
    });
    let shipments: Vec<Shipment> = shipments.iter().cloned().chain(inline).collect();
    let mut fast = engine.worker();
    let mut full = engine.worker();
    let mut screened_parties = 0;
    let mut outcomes = std::collections::BTreeSet::new();
    for (i, shipment) in shipments.iter().enumerate() {
        let v = fast.verdict(shipment, mix::checked_on()).unwrap();
        let d = full.check(shipment, mix::checked_on()).unwrap();
        let mut exceptions: Vec<&str> = v.verdict.exceptions(engine.pack());
        exceptions.sort_unstable();
        let mut expected: Vec<&str> = d
            .decision
            .license_exceptions
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        expected.sort_unstable();
        let at = format!("shipment {i}: {shipment:?}");
        assert_eq!(v.verdict.outcome, d.decision.outcome, "outcome, {at}");
        assert_eq!(
            v.verdict.review_policy, d.decision.review_policy,
            "review policy, {at}"
        );
        assert_eq!(exceptions, expected, "license exceptions, {at}");
        assert_eq!(v.severity, d.severity, "severity, {at}");
        assert_eq!(
            v.list_status, d.decision.request.end_user_list,
            "list status, {at}"
        );
        screened_parties += d
            .parties
            .iter()
            .filter(|p| p.basis == earmark_engine::ScreeningBasis::Screened)
            .count();
        outcomes.insert(format!("{:?}", d.decision.outcome));
    }
    // A mix that screened nobody or decided everything alike would prove nothing.
    assert!(
        screened_parties > SHIPMENTS / 2,
        "{screened_parties} parties screened"
    );
    assert_eq!(outcomes.len(), 4, "outcomes seen: {outcomes:?}");
}

/// The fast path keeps one classification per item between two dates on which a
/// classification text starts or ends (`Worker::facts_in_interval`), on the ground that
/// classification reads its date only through those texts. Were it ever to read the date
/// otherwise (a dated note, a threshold phased in), the fast path would answer with stale
/// facts: this walks every catalog item through every day and fails on a change anywhere else.
#[test]
fn an_items_facts_change_only_where_a_classification_text_starts_or_ends() {
    use earmark_core::classify::{classify_with, ClassifyOptions};
    use earmark_core::determine::ItemFacts;
    use earmark_core::Date;

    let engine = mix::engine();
    let vintages = engine.vintages();
    let windows = vintages
        .ic()
        .iter()
        .map(|v| &v.rule.window)
        .chain(vintages.system_b().iter().map(|v| &v.window))
        .chain(vintages.hbm().iter().map(|v| &v.rule.window));
    let boundaries: std::collections::BTreeSet<Date> = windows
        .flat_map(|w| [Some(w.from), w.to.and_then(|to| to.succ_opt())])
        .flatten()
        .collect();
    let first = Date::from_ymd_opt(2022, 9, 1).unwrap();
    let last = Date::from_ymd_opt(2026, 12, 31).unwrap();
    let options = ClassifyOptions::default();
    let facts_on = |item: &earmark_core::catalog::CatalogItem, day: Date| {
        let c = classify_with(&item.spec, day, &options, engine.catalog(), vintages);
        ItemFacts {
            classified_as_of: None,
            ..ItemFacts::from_classification(Some(&item.id), &item.spec, &c)
        }
    };
    for item in engine.catalog().items() {
        let mut before = facts_on(item, first);
        for day in first.iter_days().skip(1).take_while(|d| *d <= last) {
            let now = facts_on(item, day);
            if now != before {
                assert!(
                    boundaries.contains(&day),
                    "`{}`: facts change on {day}, which starts or ends no classification text",
                    item.id
                );
            }
            before = now;
        }
    }
}
