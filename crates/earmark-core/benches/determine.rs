//! Determinations per second on one core, over a realistic mix.
//!
//! Corpus: every item of the bundled catalog (`catalog/accelerators.toml`, 70 real parts) ×
//! 16 destinations (China, Hong Kong, Macau, Russia, Iran, Cambodia, Vietnam, the UAE, Saudi
//! Arabia, Israel, Singapore, Malaysia, India, Germany, Japan, Taiwan) × 14 dates from
//! 2022-09-01 to 2026-11-29 × both layers, with the end user headquartered at the destination
//! for most requests, in China for some (the headquarters rule) and unknown for some, and a
//! few reexports and in-country transfers: 31,360 requests, decided in a loop.
//!
//! What is cached, as a long-running service would: the rule pack compiled per interval of
//! dates (`Determiner`'s snapshots) and classification per (item, classification date), done
//! once before measuring. What is measured: `Determiner::decide`, the outcome, review policy
//! and applicable rules, without building the explanation (the trace is built on demand by
//! `explain`, measured separately on a small sample).
//!
//! Run: `cargo bench -p earmark-core --bench determine` (short measurement times, to spare
//! shared machines; add `-- --measurement-time 10` for steadier figures).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "../tests/support/bundled.rs"]
mod bundled;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use earmark_core::catalog::Catalog;
use earmark_core::classify::{classify_with, ClassifyOptions, Vintages};
use earmark_core::country::Country;
use earmark_core::determine::{Determiner, ItemFacts, Reading, Request};
use earmark_core::rules::{RulePack, Transaction};
use earmark_core::Date;

struct Case {
    request: Request,
    item: usize,
}

fn corpus(pack: &RulePack, catalog: &Catalog) -> (Vec<Case>, Vec<ItemFacts>, Vec<(usize, Date)>) {
    let destinations = [
        "CN", "HK", "MO", "RU", "IR", "KH", "VN", "AE", "SA", "IL", "SG", "MY", "IN", "DE", "JP",
        "TW",
    ];
    let dates = [
        "2022-09-01",
        "2022-11-01",
        "2023-02-01",
        "2023-11-20",
        "2024-05-01",
        "2024-12-15",
        "2025-02-01",
        "2025-04-20",
        "2025-06-01",
        "2025-09-01",
        "2025-12-01",
        "2026-02-01",
        "2026-07-20",
        "2026-11-29",
    ];
    let items: Vec<_> = catalog.items().collect();
    let mut determiner = Determiner::new(pack);
    let vintages = Vintages::from_pack(pack).expect("the bundled pack's vintages");
    let mut facts: Vec<ItemFacts> = Vec::new();
    let mut memo: HashMap<(usize, Date), usize> = HashMap::new();
    let mut keys = Vec::new();
    let mut cases = Vec::new();
    let cn = Country::from_code("CN").expect("CN");
    let mut n = 0usize;
    for (i, entry) in items.iter().enumerate() {
        for d in dates {
            let as_of: Date = d.parse().expect("date");
            for reading in [Reading::Enforced, Reading::Legal] {
                let when = determiner.classification_date(as_of, as_of, reading);
                let index = *memo.entry((i, when)).or_insert_with(|| {
                    let c = classify_with(
                        &entry.spec,
                        when,
                        &ClassifyOptions::default(),
                        catalog,
                        &vintages,
                    );
                    facts.push(ItemFacts::from_classification(
                        Some(&entry.id),
                        &entry.spec,
                        &c,
                    ));
                    keys.push((i, when));
                    facts.len() - 1
                });
                for code in destinations {
                    n += 1;
                    let to = Country::from_code(code).expect("country");
                    let mut request = Request::export(to, as_of);
                    request.reading = reading;
                    match n % 10 {
                        0 => {}
                        1 => {
                            request.end_user_hq = Some(cn);
                            request.parent_hq = Some(cn);
                        }
                        2 if to != Country::from_code("TW").expect("TW") => {
                            request.transaction = Transaction::Reexport;
                            request.from = Country::from_code("TW").expect("TW");
                            request.end_user_hq = Some(to);
                            request.parent_hq = Some(to);
                        }
                        3 => {
                            request.transaction = Transaction::InCountry;
                            request.from = to;
                            request.end_user_hq = Some(to);
                            request.parent_hq = Some(to);
                        }
                        _ => {
                            request.end_user_hq = Some(to);
                            request.parent_hq = Some(to);
                        }
                    }
                    cases.push(Case {
                        request,
                        item: index,
                    });
                }
            }
        }
    }
    (cases, facts, keys)
}

fn bench(c: &mut Criterion) {
    let pack = bundled::pack();
    let catalog = bundled::catalog();
    let (cases, facts, _) = corpus(&pack, &catalog);
    let mut determiner = Determiner::new(&pack);
    // Warm-up: compile every snapshot the mix touches.
    for case in &cases {
        black_box(determiner.decide(&case.request, &facts[case.item]));
    }
    let mut group = c.benchmark_group("determine");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("decide_mix", |b| {
        b.iter(|| {
            let mut licenses = 0usize;
            for case in &cases {
                let v = determiner.decide(black_box(&case.request), &facts[case.item]);
                licenses +=
                    usize::from(v.outcome == earmark_core::determine::Outcome::LicenseRequired);
            }
            licenses
        });
    });
    let sample: Vec<&Case> = cases.iter().step_by(97).collect();
    group.throughput(Throughput::Elements(sample.len() as u64));
    group.bench_function("explain_sample", |b| {
        b.iter(|| {
            for case in &sample {
                black_box(determiner.explain(&case.request, &facts[case.item]));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
