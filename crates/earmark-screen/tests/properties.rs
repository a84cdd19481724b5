//! Properties over arbitrary input: the loaders and the matcher never panic, any name with a
//! letter or digit matches itself exactly, and the index agrees with the naive scan.
//! (The same properties are fuzzed with cargo-fuzz under fuzz/.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

use std::sync::OnceLock;

use earmark_screen::load::{csl, dpl, entity_list, ofac};
use earmark_screen::{
    build_index, Band, Entry, EntryKind, Format, Index, ListInfo, Query, Thresholds,
};
use proptest::prelude::*;

fn data(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/../../../shared/data/screening/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// The Denied Persons List: small enough to rebuild with one more entry per case.
fn dpl_entries() -> &'static Vec<Entry> {
    static E: OnceLock<Vec<Entry>> = OnceLock::new();
    E.get_or_init(|| {
        dpl::load("dpl.txt", &data("bis_dpl_2022-09/dpl.txt"), None)
            .unwrap()
            .entries
    })
}

fn dpl_index() -> &'static Index {
    static I: OnceLock<Index> = OnceLock::new();
    I.get_or_init(|| Index::build(vec![info()], dpl_entries().clone()))
}

fn info() -> ListInfo {
    ListInfo {
        source: "dpl.txt".into(),
        format: Format::BisDpl,
        date: None,
        content_hash: String::new(),
        records: 0,
        skipped: 0,
        warnings: Vec::new(),
    }
}

/// Names from many scripts, with punctuation, legal forms and stray marks.
fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z .,'&()-]{1,40}",
        "[\\p{Cyrillic} ]{1,30}",
        "[\\p{Han}]{1,8}",
        "[\\p{Arabic} ]{1,30}",
        "[a-zA-Zàéîõüçñ ]{1,20} (Co\\., Ltd\\.|LLC|OOO|GmbH|S\\.A\\. de C\\.V\\.)",
        "[\\p{Greek}\\p{Hangul}\\p{Devanagari} 0-9]{1,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn search_never_panics(name in name_strategy(), country in any::<Option<String>>(),
                           address in any::<Option<String>>()) {
        let q = Query { name: &name, country: country.as_deref(), address: address.as_deref() };
        if let Ok(results) = dpl_index().search(&q, &Thresholds::DEFAULT, 5) {
            for m in &results {
                prop_assert!((0.0..=1.0).contains(&m.score));
                let x = dpl_index().explain(&q, m);
                prop_assert!(x.name_score <= 1.0);
            }
        }
    }

    #[test]
    fn loaders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = csl::load("x", &bytes, None);
        let _ = dpl::load("x", &bytes, None);
        let _ = entity_list::load("x", &bytes, None);
        let files = ofac::OfacFiles {
            primary: ("x", &bytes),
            aliases: Some(("y", &bytes)),
            addresses: Some(("z", &bytes)),
            comments: Some(("w", &bytes)),
        };
        let _ = ofac::load(&files, false, None);
    }

    #[test]
    fn csv_shaped_input_never_panics(rows in proptest::collection::vec(
            proptest::collection::vec("[^\\x00]{0,12}", 0..14), 0..12)) {
        let text: String = rows.iter().map(|r| r.join(",") + "\r\n").collect();
        let _ = ofac::load(&ofac::OfacFiles { primary: ("x", text.as_bytes()), ..Default::default() }, true, None);
        let _ = csl::load("x", format!("source,name,alt_names\n{text}").as_bytes(), None);
        let _ = entity_list::load("x", format!("id,name,aliases,country,addresses\n{text}").as_bytes(), None);
        let _ = dpl::load("x", format!("Name\tCountry\n{}", text.replace(',', "\t")).as_bytes(), None);
    }

    #[test]
    fn a_name_always_matches_itself_exactly(name in name_strategy()) {
        prop_assume!(name.chars().any(char::is_alphanumeric));
        let mut entries = dpl_entries().clone();
        let mut e = Entry::new("TEST", "TEST-1", EntryKind::Entity, &name);
        e.file = 0;
        entries.push(e);
        let index = Index::build(vec![info()], entries);
        let results = index.search(&Query::name(&name), &Thresholds::DEFAULT, 50);
        // A name that normalises to nothing cannot be searched: that is an error, not a
        // silent miss.
        match results {
            Err(_) => prop_assert!(earmark_screen::normalize::tokens(&name).is_empty()),
            Ok(results) => {
                let hit = results.iter().find(|m| m.source_id == "TEST-1");
                prop_assert!(hit.is_some(), "{name:?} not found: {results:?}");
                let hit = hit.unwrap();
                prop_assert_eq!(hit.score, 1.0);
                prop_assert_eq!(hit.band, Band::Match);
            }
        }
    }

    #[test]
    fn index_agrees_with_naive_scan(name in "[A-Z ]{3,30}") {
        let index = dpl_index();
        let fast = index.search(&Query::name(&name), &Thresholds::DEFAULT, 1).ok()
            .and_then(|r| r.into_iter().next());
        if let Some((e, s)) = index.naive_best(&name) {
            if s >= 0.5 {
                let fast = fast.unwrap();
                prop_assert!((fast.score - s).abs() < 1e-6, "{} vs {}", fast.score, s);
                prop_assert_eq!(&fast.source_id, &index.entries()[e].source_id);
            }
        }
    }
}

#[test]
fn build_index_keeps_each_entry_linked_to_its_list() {
    let a = dpl::load("dpl.txt", &data("bis_dpl_2022-09/dpl.txt"), None).unwrap();
    let b = entity_list::load("el.csv", &data("entity_list_extract/entities.csv"), None).unwrap();
    let index = build_index(vec![a, b]);
    assert_eq!(index.lists().len(), 2);
    for e in index.entries() {
        let expected = if e.list == "DPL" { 0 } else { 1 };
        assert_eq!(e.file, expected);
    }
}

#[test]
fn huge_names_and_words_stay_fast_and_match_themselves() {
    // A name field holding a document: one 100,000-letter word, and 5,000 words.
    let long_word = "A".repeat(100_000);
    let many_words = (0..5_000)
        .map(|i| format!("WORD{i}X"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut entries = dpl_entries().clone();
    entries.push(Entry::new("TEST", "TEST-1", EntryKind::Entity, &long_word));
    entries.push(Entry::new("TEST", "TEST-2", EntryKind::Entity, &many_words));
    let index = Index::build(vec![info()], entries);
    for (name, id) in [(&long_word, "TEST-1"), (&many_words, "TEST-2")] {
        let r = index
            .search(&Query::name(name), &Thresholds::DEFAULT, 3)
            .unwrap();
        assert_eq!(r[0].source_id, id);
        assert_eq!(r[0].score, 1.0);
    }
}
