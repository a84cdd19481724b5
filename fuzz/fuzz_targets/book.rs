//! The order-book parser: arbitrary bytes, read as CSV and as JSON Lines, must never panic,
//! and every row error must name a line in the input.
#![no_main]
use earmark_engine::book::parse::catalog_ids;
use earmark_engine::book::{parse, BookFormat, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for format in [BookFormat::Csv, BookFormat::JsonLines] {
        if let Ok(book) = parse(data, format, &ParseOptions::default(), &mut catalog_ids) {
            let lines = data.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            for e in &book.errors {
                assert!(e.line >= 1 && e.line <= lines + 1, "{e}");
            }
        }
    }
});
