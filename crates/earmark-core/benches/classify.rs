//! Classification throughput, with the full trace and summary built for every answer.
//!
//! Corpus: every item of the bundled catalog (70 real accelerators, catalog/accelerators.toml),
//! each classified on three dates, one per vintage (2022-12-01, 2024-01-01, 2025-06-01).
//!
//! Run: `cargo bench -p earmark-core --bench classify`. Reported as items classified per second
//! (criterion's "thrpt" line).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use earmark_core::catalog::Catalog;
use earmark_core::classify::{classify, ClassifyOptions};
use earmark_core::Date;

const CATALOG: &str = include_str!("../../../catalog/accelerators.toml");

fn bench(c: &mut Criterion) {
    let Ok(catalog) = Catalog::from_toml_files([("accelerators.toml", CATALOG)]) else {
        return;
    };
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
                black_box(classify(spec, *date, &options, &catalog));
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
