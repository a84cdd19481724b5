//! Item specs and catalog files: arbitrary text must never panic the parsers, and whatever
//! parses must classify on every vintage without panicking.
#![no_main]
use earmark_core::catalog::{Catalog, NoLookup};
use earmark_core::classify::{classify, ClassifyOptions};
use earmark_core::spec::{Spec, Tf32Reading};
use libfuzzer_sys::fuzz_target;

const DATES: [&str; 4] = ["2022-01-01", "2023-01-01", "2024-06-01", "2025-01-01"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let catalog = Catalog::from_toml_files([("fuzz.toml", text)]).unwrap_or_default();
    for spec in [Spec::from_json(text), Spec::from_toml(text)].into_iter().flatten() {
        for date in DATES.iter().filter_map(|d| d.parse().ok()) {
            for tf32 in [Tf32Reading::Container32, Tf32Reading::Significant19] {
                let _ = classify(&spec, date, &ClassifyOptions { tf32 }, &catalog);
                let _ = classify(&spec, date, &ClassifyOptions { tf32 }, &NoLookup);
            }
        }
    }
});
