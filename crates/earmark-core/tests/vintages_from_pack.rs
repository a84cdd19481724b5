//! Classification reads its thresholds and dates from the rule pack: a copy of the bundled
//! pack with one date or number changed classifies differently, the pack hash moves with it,
//! a pack whose classification rules are malformed does not load, and one whose rules leave a
//! paragraph or a date uncovered makes no classifier.
//!
//! Each test edits the bundled pack's text in memory (no fixture copies that could drift) and
//! first checks the edit took, so that no test passes because its edit silently missed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "support/bundled.rs"]
mod bundled;

use earmark_core::catalog::{Catalog, NoLookup};
use earmark_core::classify::{
    classify_with, Classification, ClassifyOptions, Eccn, Status, Vintage, Vintages,
};
use earmark_core::rules::{Confidence, Problem, RulePack, RulesError};
use earmark_core::spec::Spec;
use earmark_core::Date;

const AC22: &str = "instruments/2022-10-07-advanced-computing.toml";
const ACS23: &str = "instruments/2023-11-17-advanced-computing-update.toml";
const HBM24: &str = "instruments/2024-12-02-hbm-fdp.toml";

fn on(text: &str) -> Date {
    text.parse().unwrap()
}

/// The bundled pack's files with `from` replaced by `to` in `file` (exactly once).
fn edited(file: &str, from: &str, to: &str) -> Vec<(String, String)> {
    let mut files = bundled::read_files(&bundled::pack_dir());
    let (_, text) = files
        .iter_mut()
        .find(|(path, _)| path == file)
        .unwrap_or_else(|| panic!("no `{file}` in the bundled pack"));
    assert_eq!(text.matches(from).count(), 1, "`{from}` not once in {file}");
    *text = text.replacen(from, to, 1);
    files
}

fn load(files: &[(String, String)]) -> RulePack {
    bundled::load_files(files).unwrap_or_else(|e| panic!("edited pack does not load: {e}"))
}

fn load_error(files: &[(String, String)]) -> RulesError {
    match bundled::load_files(files) {
        Ok(_) => panic!("the edited pack loaded"),
        Err(e) => e,
    }
}

fn classify_item(pack: &RulePack, catalog: &Catalog, id: &str, as_of: &str) -> Classification {
    let vintages = Vintages::from_pack(pack).unwrap();
    let spec = &catalog.get(id).unwrap().spec;
    classify_with(
        spec,
        on(as_of),
        &ClassifyOptions::default(),
        catalog,
        &vintages,
    )
}

fn classify_spec(pack: &RulePack, spec: &Spec, as_of: &str) -> Classification {
    let vintages = Vintages::from_pack(pack).unwrap();
    classify_with(
        spec,
        on(as_of),
        &ClassifyOptions::default(),
        &NoLookup,
        &vintages,
    )
}

#[test]
fn a_later_start_of_the_2023_text_keeps_the_a800_outside_until_then() {
    let catalog = bundled::catalog();
    let bundled_pack = bundled::pack();
    // Under the bundled pack the A800 is caught from 2023-11-17: the control that makes the
    // shifted answers below mean something.
    let c = classify_item(&bundled_pack, &catalog, "nvidia-a800-sxm", "2023-11-20");
    assert_eq!(c.eccn, Some(Eccn::A3090A), "{}", c.summary);

    let shifted = load(&edited(
        ACS23,
        "id = \"acs23-classification\"\nkind = \"classification\"\n",
        "id = \"acs23-classification\"\nkind = \"classification\"\nfrom = 2023-12-01\n",
    ));
    let before = classify_item(&shifted, &catalog, "nvidia-a800-sxm", "2023-11-20");
    assert_eq!(before.vintage, Vintage::October2022);
    assert_eq!((before.status, before.eccn), (Status::Determined, None));
    assert!(
        before.summary.contains("interconnect"),
        "{}",
        before.summary
    );
    let after = classify_item(&shifted, &catalog, "nvidia-a800-sxm", "2023-12-01");
    assert_eq!(after.vintage, Vintage::November2023);
    assert_eq!(after.eccn, Some(Eccn::A3090A), "{}", after.summary);
    // The trace dates the texts as the pack does.
    assert!(
        after
            .trace
            .iter()
            .any(|t| t.reason.contains("superseded on 2023-12-01")),
        "{:?}",
        after.trace
    );
}

#[test]
fn a_changed_tpp_a_in_the_pack_moves_an_item_across_3a090_a() {
    // TPP 4900 on a large die (PD 1.225): 3A090.a.1 at the regulation's 4800, and below every
    // paragraph once a.1 asks for 5000 (b.1 stops at a.1's line).
    let spec = Spec::from_toml(
        "name = 'big die'\nkind = 'ic'\ndatacenter = true\ndie_area_mm2 = 4000\n\
         [dense_tops]\nfp8 = 612.5\n",
    )
    .unwrap();
    let c = classify_spec(&bundled::pack(), &spec, "2025-01-01");
    assert_eq!(c.paragraph.as_deref(), Some("3A090.a.1"), "{}", c.summary);

    let raised = load(&edited(ACS23, "tpp_a = 4800 ", "tpp_a = 5000 "));
    let c = classify_spec(&raised, &spec, "2025-01-01");
    assert_eq!(
        (c.status, c.eccn),
        (Status::Determined, None),
        "{}",
        c.summary
    );
    assert!(c.summary.contains("below 5000 (a.1)"), "{}", c.summary);
}

#[test]
fn the_pack_hash_changes_when_a_threshold_changes() {
    let bundled_pack = bundled::pack();
    let changed = load(&edited(ACS23, "pd_a2 = 5.92 ", "pd_a2 = 5.93 "));
    assert_ne!(bundled_pack.hash, changed.hash);
}

#[test]
fn the_bundled_pack_defines_the_regulation_texts_on_their_dates() {
    let vintages = Vintages::from_pack(&bundled::pack()).unwrap();
    let starts: Vec<(String, Date, Option<Date>)> = vintages
        .ic()
        .iter()
        .map(|v| (v.rule.rule_id.clone(), v.rule.window.from, v.rule.window.to))
        .collect();
    assert_eq!(
        starts,
        [
            (
                "ac22-classification".to_owned(),
                on("2022-10-07"),
                Some(on("2023-11-16"))
            ),
            ("acs23-classification".to_owned(), on("2023-11-17"), None),
        ]
    );
    assert_eq!(vintages.system_b()[0].window.from, on("2024-04-04"));
    assert_eq!(vintages.hbm()[0].rule.window.from, on("2024-12-02"));
    assert_eq!(vintages.hbm()[0].hbm_density, 2.0);
    assert_eq!(vintages.on(on("2022-10-06")), Vintage::BeforeControls);
}

#[test]
fn an_unknown_threshold_is_a_load_error_with_its_line() {
    let e = load_error(&edited(ACS23, "pd_b2 = 3.2 ", "pd_b2 = 3.2\npd_c = 1 "));
    let p = &e.problems[0];
    assert_eq!(p.file, ACS23);
    assert!(p.line.is_some(), "{p}");
    assert!(p.message.contains("unknown threshold `pd_c`"), "{p}");
}

#[test]
fn a_missing_threshold_is_a_load_error() {
    let e = load_error(&edited(ACS23, "pd_b1 = 1.6 ", "# pd_b1 removed "));
    assert!(
        e.problems
            .iter()
            .any(|p| p.file == ACS23 && p.line.is_some() && p.message.contains("`pd_b1`")),
        "{e}"
    );
}

#[test]
fn a_non_positive_threshold_is_a_load_error() {
    let e = load_error(&edited(
        AC22,
        "interconnect_bidir_gbs = 600 ",
        "interconnect_bidir_gbs = 0 ",
    ));
    assert!(
        e.problems
            .iter()
            .any(|p| p.file == AC22 && p.message.contains("must be a positive number")),
        "{e}"
    );
}

#[test]
fn a_threshold_of_another_paragraph_is_a_load_error() {
    // The 2022 text has no performance density: a `pd_a2` there would be silently ignored.
    let e = load_error(&edited(
        AC22,
        "tpp_a = 4800 ",
        "tpp_a = 4800\npd_a2 = 5.92 ",
    ));
    assert!(
        e.problems
            .iter()
            .any(|p| p.message.contains("threshold `pd_a2` does not belong")),
        "{e}"
    );
}

#[test]
fn thresholds_on_a_rule_that_is_not_a_classification_are_a_load_error() {
    let e = load_error(&edited(
        HBM24,
        "[rules.when]\neccn = [\"3A090.c\"]\ndestination = \"macau_d5\"\n",
        "[rules.when]\neccn = [\"3A090.c\"]\ndestination = \"macau_d5\"\n[rules.thresholds]\nhbm_density = 2\n",
    ));
    assert!(
        e.problems
            .iter()
            .any(|p| p.message.contains("field `thresholds` does not belong")),
        "{e}"
    );
}

/// The pack loads (determination alone does not need classification), but it makes no
/// classifier: the problem, with the rule's file and line where there is one.
fn vintages_problem(files: &[(String, String)]) -> Problem {
    let pack = load(files);
    match Vintages::from_pack(&pack) {
        Ok(_) => panic!("the edited pack makes a classifier"),
        Err(e) => e.problem(&pack),
    }
}

#[test]
fn a_pack_without_a_3a090c_text_makes_no_classifier_rather_than_clearing_all_memory() {
    let mut files = bundled::read_files(&bundled::pack_dir());
    let (_, text) = files.iter_mut().find(|(p, _)| p == HBM24).unwrap();
    let start = text
        .find("[[rules]]\nid = \"hbm24-classification\"")
        .unwrap();
    let end = start + text[start..].find("\n[[rules]]").unwrap() + 1;
    text.replace_range(start..end, "");
    let p = vintages_problem(&files);
    assert!(
        p.message
            .contains("defines no classification for `3A090.c`"),
        "{p}"
    );
}

#[test]
fn a_gap_between_the_2022_and_2023_texts_makes_no_classifier() {
    // Days no text covers would classify every IC as outside: refused, not cleared.
    let p = vintages_problem(&edited(
        AC22,
        "id = \"ac22-classification\"\nkind = \"classification\"\n",
        "id = \"ac22-classification\"\nkind = \"classification\"\nto = 2023-06-30\n",
    ));
    assert_eq!(p.file, AC22, "{p}");
    assert!(p.line.is_some(), "{p}");
    assert!(p.message.contains("no rule would classify"), "{p}");
}

#[test]
fn an_ic_outside_3a090_says_what_it_is_instead_of_an_empty_eccn() {
    let c = classify_item(
        &bundled::pack(),
        &bundled::catalog(),
        "nvidia-h20",
        "2025-04-20",
    );
    assert_eq!((c.status, c.eccn), (Status::Determined, None));
    let outside = c.outside.as_ref().expect("an outside answer");
    assert!(
        outside.candidates.iter().any(|e| e == "3A991"),
        "{outside:?}"
    );
    assert!(
        outside.candidates.iter().any(|e| e == "EAR99"),
        "{outside:?}"
    );
    assert!(outside.note.starts_with("not 3A090/4A090"), "{outside:?}");
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["eccn"], serde_json::Value::Null);
    assert!(json["outside"]["note"].is_string(), "{json}");
    // A controlled or undecided item has no `outside`.
    let h100 = classify_item(
        &bundled::pack(),
        &bundled::catalog(),
        "nvidia-h100-sxm",
        "2025-04-20",
    );
    assert_eq!(h100.outside, None);
}

#[test]
fn a_system_with_a_3a090b_ic_before_4a090b_names_its_z_paragraphs() {
    // 2400 TPP at PD 2.4: 3A090.b.1. Before 2024-04-04 its host system is outside 4A090, and
    // the .z paragraphs (from 2023-11-17) are what the system may be.
    let system = Spec::from_toml(
        "name = 'b-level server'\nkind = 'system'\n[[contains]]\ncount = 4\n\
         item = { name = 'b part', kind = 'ic', datacenter = true, die_area_mm2 = 1000, \
         dense_tops = { fp16 = 150 } }\n",
    )
    .unwrap();
    let pack = bundled::pack();
    let c = classify_spec(&pack, &system, "2024-01-10");
    assert_eq!(
        (c.status, c.eccn),
        (Status::Determined, None),
        "{}",
        c.summary
    );
    let outside = c.outside.as_ref().expect("an outside answer");
    assert!(outside.note.contains(".z paragraph"), "{outside:?}");
    assert!(
        outside.candidates.iter().any(|e| e == "4A994"),
        "{outside:?}"
    );
    let z = |p: &str| c.z_paragraphs.iter().find(|z| z.paragraph == p);
    let z1 = z("5A992.z.2").expect("5A992.z.2 listed");
    assert_eq!(z1.if_described_in, "5A992.c");
    assert_eq!(z1.confidence, Confidence::Uncertain);
    assert_eq!(z("4A004.z.2").unwrap().confidence, Confidence::Primary);
    assert!(z("5A992.z.1").is_none(), "no .a-level IC inside");

    // From 2024-04-04 it is 4A090.b, and the .z paragraphs stay listed as the alternative.
    let c = classify_spec(&pack, &system, "2024-06-01");
    assert_eq!(c.eccn, Some(Eccn::A4090B), "{}", c.summary);
    assert!(c.outside.is_none());
    assert!(z_listed(&c, "5A992.z.2"));

    // Before the 2023 text no .z paragraph existed.
    let c = classify_spec(&pack, &system, "2023-06-01");
    assert!(c.z_paragraphs.is_empty(), "{:?}", c.z_paragraphs);
}

fn z_listed(c: &Classification, paragraph: &str) -> bool {
    c.z_paragraphs.iter().any(|z| z.paragraph == paragraph)
}
