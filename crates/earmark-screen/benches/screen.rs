//! Screening speed on the real lists in ../shared/data/screening: loading and building the
//! index over the OFAC SDN list of July 2021 (8,976 entries, about 22,000 names and aliases)
//! and over the bundled default (the 2026 CSL and the whole Entity List, about 60,000 names);
//! and single-core queries against the SDN index (perturbed list names and real company names
//! that are on no list).
//!
//! Run: `cargo bench -p earmark-screen --bench screen`. The evaluation figures (accuracy,
//! queries per second over the whole set, memory) come from the `screen_eval` example; see
//! bench/screen/README.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use earmark_screen::load::ofac::{self, OfacFiles};
use earmark_screen::load::{csl, entity_list};
use earmark_screen::{build_index, Query, Thresholds};

fn data(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/../../../shared/data/screening/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

const QUERIES: &[&str] = &[
    "BANCO NACIONAL DE CUBA",
    "Banko Nacional de Kuba",
    "ANGLO CARIBBEAN COMPANY LIMITED",
    "Mohammad Al-Qaddafi",
    "Islamic Revolutionary Guard Corps",
    "Aerocaribbean Airlnes",
    "Microsoft Corporation",
    "Karat Packaging Inc.",
    "JOHNSON, Michael",
    "Hezbollah International Financing",
    "Rosoboronexport OAO",
    "Tidewater Middle East Co.",
];

fn bench(c: &mut Criterion) {
    let sdn = data("ofac_sdn_2021-07/sdn.csv");
    let alt = data("ofac_sdn_2021-07/alt.csv");
    let add = data("ofac_sdn_2021-07/add.csv");
    let files = OfacFiles {
        primary: ("sdn.csv", &sdn),
        aliases: Some(("alt.csv", &alt)),
        addresses: Some(("add.csv", &add)),
        comments: None,
    };
    c.bench_function("load_and_build_sdn_index", |b| {
        b.iter(|| {
            let loaded = ofac::load(&files, false, None).unwrap();
            black_box(build_index(vec![loaded]))
        })
    });
    // The CLI's bundled default: the whole 2026 CSL (all twelve lists) and the Entity List.
    let csl_bytes = data("csl_2026-07_compact/screening-list.json");
    let el_bytes = data("entity_list_extract/entities_all.csv");
    c.bench_function("load_and_build_csl_and_entity_list_index", |b| {
        b.iter(|| {
            let c = csl::load("csl", &csl_bytes, None).unwrap();
            let e = entity_list::load("el", &el_bytes, None).unwrap();
            black_box(build_index(vec![c, e]))
        })
    });
    let index = build_index(vec![ofac::load(&files, false, None).unwrap()]);
    let mut searcher = index.searcher();
    let t = Thresholds::DEFAULT;
    let mut g = c.benchmark_group("query_sdn");
    g.throughput(Throughput::Elements(QUERIES.len() as u64));
    g.bench_function("mixed_queries", |b| {
        b.iter(|| {
            for q in QUERIES {
                black_box(searcher.search(&Query::name(q), &t, 5).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
