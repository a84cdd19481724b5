//! Checking a book on several threads gives the answers one thread gives, line for line, in
//! the book's order; streaming gives the answers the in-memory run gives; every distinct
//! party is screened once however many threads share the work; and the fast answers agree
//! with the full decisions. The book is `examples/orders.csv`, the engine the bundled one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

#[path = "support/mix.rs"]
mod mix;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use earmark_core::Date;
use earmark_engine::book::parse::catalog_ids;
use earmark_engine::book::run::{run_stream, Event, Full};
use earmark_engine::book::{
    parse, run, summarize, BookFormat, BookReader, ParseOptions, RunOptions,
};
use earmark_engine::Severity;

fn book_text() -> Vec<u8> {
    std::fs::read(mix::root().join("examples/orders.csv")).unwrap()
}

fn key(c: &earmark_engine::book::LineCheck<'_>) -> String {
    match &c.result {
        Ok(o) => format!(
            "{} {:?} {:?} {:?} {:?} {:?} {:?} {}",
            c.source_line,
            o.severity,
            o.outcome,
            o.review_policy,
            o.license_exceptions,
            o.rules.iter().map(|r| &r.id).collect::<Vec<_>>(),
            o.tpp_per_unit,
            o.hits.len()
        ),
        Err(e) => format!("{} error {e}", c.source_line),
    }
}

#[test]
fn threads_stream_and_one_thread_agree_and_each_party_is_screened_once() {
    let engine = mix::engine();
    let text = book_text();
    let book = parse(
        &text[..],
        BookFormat::Csv,
        &ParseOptions::default(),
        &mut catalog_ids,
    )
    .unwrap();
    assert!(book.errors.is_empty(), "{:?}", book.errors.first());
    let on: Date = "2026-10-01".parse().unwrap();
    let mut one = RunOptions::new(on);
    one.threads = 1;
    one.chunk_lines = 97;
    let mut four = one;
    four.threads = 4;
    let done = AtomicUsize::new(0);
    let a = run(&engine, &book, &one, &|n| {
        done.fetch_add(n, Ordering::Relaxed);
    });
    assert_eq!(done.load(Ordering::Relaxed), book.lines.len());
    let b = run(&engine, &book, &four, &|_| {});
    assert_eq!(a.len(), book.lines.len());
    let ka: Vec<String> = a.iter().map(key).collect();
    let kb: Vec<String> = b.iter().map(key).collect();
    assert_eq!(ka, kb);

    let mut streamed = Vec::new();
    let reader = BookReader::new(&text[..], BookFormat::Csv, ParseOptions::default()).unwrap();
    let stats = run_stream(&engine, reader, &mut catalog_ids, &four, &mut |e| {
        if let Event::Line(_, c) = e {
            streamed.push(key(c));
        }
    });
    assert_eq!(streamed, ka);
    assert_eq!(stats.lines, book.lines.len());
    assert_eq!(stats.rows, book.lines.len());

    // Distinct parties as screening reads them: name, country (else the destination), address.
    let distinct: HashSet<(String, String, Option<String>)> = book
        .lines
        .iter()
        .flat_map(|l| {
            l.shipment.parties.iter().filter_map(move |p| {
                p.name.clone().map(|n| {
                    (
                        n,
                        p.country.unwrap_or(l.shipment.to).code().to_owned(),
                        p.address.clone(),
                    )
                })
            })
        })
        .collect();
    assert_eq!(stats.parties_screened, distinct.len());

    let s = summarize(&book, &a);
    assert_eq!(s.lines as usize, book.lines.len());
    let by_sev: u64 = [
        Severity::Clear,
        Severity::LicenseRequired,
        Severity::Review,
        Severity::Blocked,
    ]
    .iter()
    .map(|x| s.group(*x).total.lines)
    .sum();
    assert_eq!(by_sev, s.lines);
}

#[test]
fn the_fast_answer_of_a_line_is_its_full_decision_s() {
    let engine = mix::engine();
    let text = book_text();
    let book = parse(
        &text[..],
        BookFormat::Csv,
        &ParseOptions::default(),
        &mut catalog_ids,
    )
    .unwrap();
    let lines = earmark_engine::book::Book {
        lines: book.lines.into_iter().step_by(7).take(300).collect(),
        ..book
    };
    let mut opts = RunOptions::new("2026-10-01".parse().unwrap());
    opts.full = Full::All;
    for c in run(&engine, &lines, &opts, &|_| {}) {
        let o = c.result.unwrap();
        let d = o.decision.as_deref().unwrap();
        assert_eq!(o.severity, d.severity, "line {}", c.source_line);
        assert_eq!(o.outcome, d.decision.outcome, "line {}", c.source_line);
        assert_eq!(
            o.review_policy, d.decision.review_policy,
            "line {}",
            c.source_line
        );
        assert_eq!(
            o.tpp_per_unit, d.classification.tpp,
            "line {}",
            c.source_line
        );
    }
}
