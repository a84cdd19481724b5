//! The ledger's throughput: order lines recorded per second (500 per transaction, as
//! `earmark ledger record-batch` commits them), license and cap look-ups per second, and the
//! database size per million lines (extrapolated from 100,000 measured), on SQLite and
//! PostgreSQL (127.0.0.1:5432, user postgres, trust auth; the bench fails without it).
//!
//! Run: `cargo bench -p earmark-ledger --bench ledger`. Results: `benches/RESULTS.md`.
//! The lines are one decision (an H100 to Vietnam under a license) with varying order ids and
//! quantities (1 to 16 units: every line has its own request, the verdict is shared): the
//! engine's check is not measured here (see `earmark-engine`'s bench), only the ledger. Caps
//! are enforced as `record-batch` enforces them: the bundled pack's declared caps, and one
//! cap per consignee counting every line (so each batch reads and keeps a running total).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "bench code: a panic is a failed run, with its message"
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use earmark_ledger::{License, NewShipment, UsageKey};

const BATCH: usize = 500;

fn license() -> License {
    License {
        number: "D1".into(),
        valid_from: common::date("2024-01-01"),
        valid_to: common::date("2024-12-31"),
        items: vec!["3A090".into()],
        destinations: vec![earmark_core::country::Country::from_code("VN").unwrap()],
        parties: vec![],
        limit_units: Some(u64::MAX / 2),
        limit_value_cents: None,
        limit_tpp: None,
        provisos: vec![],
    }
}

fn lines(templates: &[NewShipment], start: usize, n: usize) -> Vec<NewShipment> {
    (start..start + n)
        .map(|i| {
            let mut s = templates[i % templates.len()].clone();
            s.order_id = format!("PO-{}", i / 100);
            s.line = (i % 100) as u32;
            s
        })
        .collect()
}

/// Sixteen lines of the same verdict, 1 to 16 units each.
fn templates() -> Vec<NewShipment> {
    (1..=16)
        .map(|q| common::licensed_line("T", 0, q, "D1"))
        .collect()
}

/// A ledger as the CLI's `record-batch` runs it: the license, the pack's caps declared, and a
/// cap per consignee that counts every line.
fn prepared(db: &common::TestDb) -> earmark_ledger::Ledger {
    let mut ledger = db.open();
    ledger.add_license(&license(), &common::meta()).unwrap();
    ledger.declare_caps(common::pack_caps());
    ledger.add_cap(&consignee_cap(), &common::meta()).unwrap();
    ledger
}

fn consignee_cap() -> earmark_ledger::Cap {
    earmark_ledger::Cap {
        id: "per-consignee".into(),
        description: "every line, per consignee".into(),
        per: earmark_ledger::CapScope::Consignee,
        destinations: vec![],
        limit_tpp: 1e18,
        counts: Default::default(),
        period: Default::default(),
        source: None,
    }
}

fn backends() -> Vec<(&'static str, common::TestDb)> {
    vec![
        ("sqlite", common::TestDb::sqlite()),
        ("postgresql", common::TestDb::postgres()),
    ]
}

fn record(c: &mut Criterion) {
    let template = templates();
    let mut group = c.benchmark_group("record_lines");
    group.throughput(Throughput::Elements(BATCH as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for (name, db) in backends() {
        let mut ledger = prepared(&db);
        let mut next = 0;
        // Building the lines (cloning the decision) is the caller's work, not timed.
        group.bench_function(BenchmarkId::new("batch_of_500", name), |b| {
            b.iter_batched(
                || {
                    next += BATCH;
                    lines(&template, next - BATCH, BATCH)
                },
                |batch| ledger.record_shipments(&batch, &common::meta()).unwrap(),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn lookups(c: &mut Criterion) {
    let template = templates();
    let mut group = c.benchmark_group("lookups");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    for (name, db) in backends() {
        let mut ledger = prepared(&db);
        for chunk in 0..20 {
            ledger
                .record_shipments(&lines(&template, chunk * BATCH, BATCH), &common::meta())
                .unwrap();
        }
        group.bench_function(BenchmarkId::new("license", name), |b| {
            b.iter(|| ledger.license("D1").unwrap().unwrap())
        });
        group.bench_function(BenchmarkId::new("consignee_caps_10k_lines", name), |b| {
            b.iter(|| ledger.usage(2024, UsageKey::Consignee).unwrap())
        });
        let cap = consignee_cap();
        group.bench_function(BenchmarkId::new("cap_usage_10k_lines", name), |b| {
            b.iter(|| ledger.cap_usage(2024, &cap).unwrap())
        });
    }
    group.finish();
}

/// Bytes per line: 100,000 lines recorded, the database measured, times ten for a million.
fn size_report() {
    let template = templates();
    for (name, db) in backends() {
        let mut ledger = prepared(&db);
        for chunk in 0..200 {
            ledger
                .record_shipments(&lines(&template, chunk * BATCH, BATCH), &common::meta())
                .unwrap();
        }
        drop(ledger);
        let bytes = match &db {
            common::TestDb::Sqlite { dir } => {
                // Fold the WAL in first: the file is what a backup copies.
                let conn = rusqlite::Connection::open(dir.join("ledger.sqlite")).unwrap();
                conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
                    .unwrap();
                std::fs::metadata(dir.join("ledger.sqlite")).unwrap().len()
            }
            common::TestDb::Postgres { name } => {
                let mut c = postgres::Client::connect(&db.url(), postgres::NoTls).unwrap();
                c.batch_execute("VACUUM ANALYZE").unwrap();
                let size: i64 = c
                    .query_one("SELECT pg_database_size($1)", &[name])
                    .unwrap()
                    .get(0);
                // An empty database's own catalog, so that the figure is the ledger's.
                let empty: i64 = c
                    .query_one("SELECT pg_database_size('template1')", &[])
                    .unwrap()
                    .get(0);
                u64::try_from(size - empty).unwrap_or(0)
            }
        };
        println!(
            "size/{name}: 100,000 lines = {:.1} MB; per million lines = {:.0} MB ({:.0} bytes per line)",
            bytes as f64 / 1e6,
            bytes as f64 * 10.0 / 1e6,
            bytes as f64 / 100_000.0
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    record(&mut c);
    lookups(&mut c);
    size_report();
    c.final_summary();
}
