//! Classification throughput, with the full trace and summary built for every answer.
//!
//! Corpus: every item of the bundled catalog (70 real accelerators, catalog/accelerators.toml),
//! each classified on three dates, one per vintage (2022-12-01, 2024-01-01, 2025-06-01).
//!
//! Thresholds and dates are the bundled rule pack's (rules/us-ear/), as the CLI classifies.
//!
//! Run: `cargo bench -p earmark-core --bench classify`. Reported as items classified per second
//! (criterion's "thrpt" line).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "bench setup: the bundled data must load, and a panic says why it did not"
)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use earmark_core::classify::{classify_with, ClassifyOptions, Vintages};
use earmark_core::Date;

#[path = "../tests/support/bundled.rs"]
mod bundled;

fn bench(c: &mut Criterion) {
    let catalog = bundled::catalog();
    let vintages = Vintages::from_pack(&bundled::pack()).expect("the bundled pack's vintages");
    let dates: Vec<Date> = ["2022-12-01", "2024-01-01", "2025-06-01"]
        .iter()
        .filter_map(|d| d.parse().ok())
        .collect();
    let work: Vec<_> = catalog
        .items()
        .flat_map(|item| dates.iter().map(move |d| (&item.spec, *d)))
        .collect();
    let options = ClassifyOptions::default();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(work.len() as u64));
    group.bench_function("catalog x 3 dates, with trace", |b| {
        b.iter(|| {
            for (spec, date) in &work {
                black_box(classify_with(spec, *date, &options, &catalog, &vintages));
            }
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
