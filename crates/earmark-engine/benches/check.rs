//! Shipment checking throughput of one `Engine`, in shipments per second (criterion's
//! `elem/s`: one element is one shipment).
//!
//! Corpus (`tests/support/mix.rs`, shared with `tests/threads.rs`): the bundled rule pack,
//! catalog and list snapshot (CSL of 2026-07-31 and the whole Entity List, as the CLI loads
//! them), and 20,000 shipments generated from a fixed seed: every catalog item, 42
//! destinations, dates across 2022-10-07..=2026-09-19, both layers, exports, reexports and
//! in-country transfers, end uses, exporter roles, TF32 readings, headquarters and parent
//! variants, and 5,000 distinct parties with real names (Entity List and CSL names and
//! aliases, some perturbed; SEC EDGAR registrants on no list), about 1.4 parties a shipment.
//!
//! - `verdict/one_core`: the fast path (`Worker::verdict`, no explanation) on one thread, its
//!   worker warmed so that every party's screening is cached, as in a long batch.
//! - `verdict/all_cores_N_threads`: the same mix split over one thread per core, each with
//!   its own warmed `Worker`, all sharing one `&Engine`.
//! - `check/one_core_with_explanation`: the full `Worker::check` (trace, classification, the
//!   other layer, the next change, the TF32 alternative), the "explanation rate".
//! - `screening/first_time` vs `screening/cached`: 500 shipments, each with a distinct end
//!   user, on a fresh worker (every party screened against the index) and on a warm one.
//!
//! After criterion, the bench prints the fast path's rate per second of CPU time (Linux),
//! on one core and on all: criterion times the wall clock, which on a machine shared with
//! other work measures the share of the cores the bench got rather than the engine.
//!
//! Run: `cargo bench -p earmark-engine --bench check` (add `-- --warm-up-time 2
//! --measurement-time 5` for a quicker run). Figures: `benches/RESULTS.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "bench code: a panic is a failed run, with its message"
)]

#[path = "../tests/support/mix.rs"]
mod mix;

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::sync::{mpsc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, BatchSize, BenchmarkGroup, Criterion, Throughput};
use earmark_engine::{Engine, Shipment, Worker};

const SHIPMENTS: usize = 20_000;
const PARTIES: usize = 5_000;
/// Parties screened for the first time per iteration of `screening/first_time`: a full
/// screening costs tens of microseconds, so a few hundred keep an iteration short.
const FIRST_TIME: usize = 500;
/// Passes over the mix for the CPU-time rates: a few seconds of CPU.
const CPU_TIME_PASSES: usize = 10;

struct Corpus {
    engine: Engine,
    pool: Vec<mix::PoolParty>,
    shipments: Vec<Shipment>,
}

/// Built once for criterion and the CPU-time rates: loading the lists takes seconds.
fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let engine = mix::engine();
        let pool = mix::party_pool(engine.lists().unwrap(), PARTIES, 7);
        let shipments = mix::shipments(engine.catalog(), &pool, SHIPMENTS, 11);
        Corpus {
            engine,
            pool,
            shipments,
        }
    })
}

/// Checks every shipment once, so that the worker's caches hold every party and item, and
/// fails the run on an error (the mix measures answers, not rejected requests).
fn warm(worker: &mut Worker<'_>, shipments: &[Shipment]) {
    for s in shipments {
        worker.verdict(s, mix::checked_on()).unwrap();
    }
}

fn verdicts(worker: &mut Worker<'_>, shipments: &[Shipment]) {
    for s in shipments {
        let _ = black_box(worker.verdict(black_box(s), mix::checked_on()));
    }
}

/// The mix split over one thread per core. The threads live across criterion's calls, each
/// with a worker warmed once: a thread and worker per measurement would time thread start-up
/// and 5,000 first screenings instead of the checks.
fn all_cores(g: &mut BenchmarkGroup<'_, WallTime>, engine: &Engine, shipments: &[Shipment]) {
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let parts: Vec<&[Shipment]> = shipments
        .chunks(shipments.len().div_ceil(threads))
        .collect();
    let start = Barrier::new(parts.len() + 1);
    let (done_tx, done_rx) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let mut go = Vec::with_capacity(parts.len());
        for part in &parts {
            let (tx, rx) = mpsc::channel::<u64>();
            go.push(tx);
            let done = done_tx.clone();
            let start = &start;
            s.spawn(move || {
                let mut worker = engine.worker();
                warm(&mut worker, part);
                for iters in rx {
                    start.wait();
                    for _ in 0..iters {
                        verdicts(&mut worker, part);
                    }
                    done.send(()).unwrap();
                }
            });
        }
        g.bench_function(format!("all_cores_{threads}_threads"), |b| {
            b.iter_custom(|iters| {
                for tx in &go {
                    tx.send(iters).unwrap();
                }
                start.wait();
                let began = Instant::now();
                for _ in 0..go.len() {
                    done_rx.recv().unwrap();
                }
                began.elapsed()
            });
        });
        // Closing the channels ends the threads' loops.
        drop(go);
    });
}

fn bench(c: &mut Criterion) {
    let Corpus {
        engine,
        pool,
        shipments,
    } = corpus();

    let mut g = c.benchmark_group("verdict");
    g.throughput(Throughput::Elements(SHIPMENTS as u64));
    let mut worker = engine.worker();
    warm(&mut worker, shipments);
    g.bench_function("one_core", |b| b.iter(|| verdicts(&mut worker, shipments)));
    all_cores(&mut g, engine, shipments);
    g.finish();

    let explained = &shipments[..2_000];
    let mut g = c.benchmark_group("check");
    g.throughput(Throughput::Elements(explained.len() as u64));
    g.bench_function("one_core_with_explanation", |b| {
        b.iter(|| {
            for s in explained {
                let _ = black_box(worker.check(black_box(s), mix::checked_on()));
            }
        });
    });
    g.finish();

    let firsts = mix::one_per_party(engine.catalog(), &pool[..FIRST_TIME], 13);
    let mut g = c.benchmark_group("screening");
    g.throughput(Throughput::Elements(FIRST_TIME as u64));
    // A fresh worker per iteration (made outside the timing): every party is screened once.
    g.bench_function("first_time", |b| {
        b.iter_batched_ref(
            || engine.worker(),
            |fresh| verdicts(fresh, &firsts),
            BatchSize::PerIteration,
        );
    });
    let mut warmed = engine.worker();
    warm(&mut warmed, &firsts);
    g.bench_function("cached", |b| b.iter(|| verdicts(&mut warmed, &firsts)));
    g.finish();
}

/// The CPU time the calling thread has run for, from the scheduler; `None` off Linux.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// CPU time for `CPU_TIME_PASSES` passes of the fast path over `part` on a warmed worker.
fn fast_path_cpu_time(engine: &Engine, part: &[Shipment]) -> Option<Duration> {
    let mut worker = engine.worker();
    warm(&mut worker, part);
    let began = thread_cpu_time()?;
    for _ in 0..CPU_TIME_PASSES {
        verdicts(&mut worker, part);
    }
    Some(thread_cpu_time()? - began)
}

/// The fast path's rate per second of CPU time, on one core and on all. For all cores the
/// slowest thread's CPU time stands for the wall time: what the cores would take with the
/// machine to themselves (memory bandwidth and caches are shared all the same).
fn cpu_time_rates() {
    let Corpus {
        engine, shipments, ..
    } = corpus();
    let checks = (CPU_TIME_PASSES * shipments.len()) as f64;
    let Some(one) = fast_path_cpu_time(engine, shipments) else {
        println!("cpu time: not available on this system");
        return;
    };
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let slowest = std::thread::scope(|s| {
        let handles: Vec<_> = shipments
            .chunks(shipments.len().div_ceil(threads))
            .map(|part| s.spawn(move || fast_path_cpu_time(engine, part)))
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .max()
            .unwrap_or(Duration::MAX)
    });
    println!(
        "cpu time: verdict one core {:.0} shipments/s; all {threads} cores {:.0} shipments/s",
        checks / one.as_secs_f64(),
        checks / slowest.as_secs_f64(),
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    // Not when cargo only lists or smoke-tests the benches.
    if !std::env::args().any(|a| a == "--list" || a == "--test") {
        cpu_time_rates();
    }
    Criterion::default().configure_from_args().final_summary();
}
