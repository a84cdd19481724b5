//! The dpl loader: arbitrary bytes must never panic, and whatever loads must be
//! indexable and searchable by its own names.
#![no_main]
use earmark_screen::load::dpl;
use earmark_screen::{build_index, Query, Thresholds};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = dpl::load("fuzz", data, None) {
        let names: Vec<String> = loaded.entries.iter().map(|e| e.name.clone()).collect();
        let index = build_index(vec![loaded]);
        for n in names.iter().take(3) {
            let _ = index.search(&Query::name(n), &Thresholds::DEFAULT, 3);
        }
    }
});
