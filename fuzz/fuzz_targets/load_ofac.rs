//! OFAC legacy CSV loader (SDN and consolidated): arbitrary bytes split into the four files
//! must never panic, and whatever loads must be indexable and searchable.
#![no_main]
use earmark_screen::load::ofac::{load, OfacFiles};
use earmark_screen::{build_index, Query, Thresholds};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let quarter = data.len() / 4;
    let (a, rest) = data.split_at(quarter);
    let (b, rest) = rest.split_at(quarter.min(rest.len()));
    let (c, d) = rest.split_at(quarter.min(rest.len()));
    let files = OfacFiles {
        primary: ("sdn.csv", d),
        aliases: Some(("alt.csv", a)),
        addresses: Some(("add.csv", b)),
        comments: Some(("sdn_comments.csv", c)),
    };
    for consolidated in [false, true] {
        if let Ok(loaded) = load(&files, consolidated, None) {
            let names: Vec<String> = loaded.entries.iter().map(|e| e.name.clone()).collect();
            let index = build_index(vec![loaded]);
            for n in names.iter().take(3) {
                let _ = index.search(&Query::name(n), &Thresholds::DEFAULT, 3);
            }
        }
    }
});
