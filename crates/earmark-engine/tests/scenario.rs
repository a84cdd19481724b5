//! Scenarios over a book: replaying the April 2025 H20 letter on `examples/scenarios/book-2025.csv`
//! flips the China H20 lines to license required, and the figures add up to a hand count of
//! the book file (below), not to anything the scenario code computes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "support/mix.rs"]
mod mix;

use earmark_core::determine::{Outcome, Reading};
use earmark_core::rules::{Overlay, ReviewPolicy, RulePack};
use earmark_core::Date;
use earmark_engine::book::parse::catalog_ids;
use earmark_engine::book::{parse, BookFormat, BookLine, ParseOptions};
use earmark_engine::scenario::{compare, direction_of, Aspect, Configuration, Direction, Side};
use earmark_engine::{Answer, Engine, Severity};

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn book() -> Vec<BookLine> {
    let text =
        std::fs::read_to_string(mix::root().join("examples/scenarios/book-2025.csv")).unwrap();
    let book = parse(
        text.as_bytes(),
        BookFormat::Csv,
        &ParseOptions::default(),
        &mut catalog_ids,
    )
    .unwrap();
    assert!(book.errors.is_empty(), "{:?}", book.errors);
    book.lines
}

fn overlaid(name: &str) -> RulePack {
    let read = |dir: &std::path::Path| -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(at) = stack.pop() {
            for e in std::fs::read_dir(&at).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "toml") {
                    let rel = p
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    out.push((rel, std::fs::read_to_string(&p).unwrap()));
                }
            }
        }
        out
    };
    let base = read(&mix::root().join("rules/us-ear"));
    let files = read(&mix::root().join("examples/scenarios").join(name));
    let o: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let b: Vec<(&str, &str)> = base.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    Overlay::from_files(name, &o)
        .unwrap()
        .apply("rules/us-ear", &b)
        .unwrap()
}

fn engine_with(pack: RulePack, lists: &earmark_screen::Index) -> Engine {
    let (catalog, hash) = mix::catalog();
    Engine::new(pack, catalog, hash, Some(lists.clone())).unwrap()
}

fn config(label: &str) -> Configuration {
    Configuration {
        label: label.to_owned(),
        date: None,
        layer: None,
    }
}

const CHECKED_ON: &str = "2026-12-01";

/// The H100 SXM's and the H20's TPP (regulations.md 2.10: about 15,832 and 2,368).
const H100_TPP: f64 = 15_832.0;
const H20_TPP: f64 = 2_368.0;

#[test]
fn replaying_the_h20_letter_flips_the_china_h20_lines_and_the_values_add_up() {
    let lines = book();
    let lists = mix::lists();
    let without = engine_with(overlaid("h20-letter-never"), &lists);
    let real = engine_with(mix::pack(), &lists);
    let (base_cfg, var_cfg) = (config("h20-letter-never"), config("real"));
    let report = compare(
        &lines,
        Side {
            engine: &without,
            config: &base_cfg,
        },
        Side {
            engine: &real,
            config: &var_cfg,
        },
        d(CHECKED_ON),
    );
    // Hand count from book-2025.csv and regulations.md row 12 (the letter: the H20 to China,
    // Macau, D:5, or to entities headquartered there, from 2025-04-09): PO-1002 lines 1 and 2,
    // PO-1003 (China, after the letter) and PO-1006 (Malaysia, Chinese parent). Not PO-1001 or
    // PO-1009 (before the letter), PO-1004 (Singapore, Singaporean), PO-1005 (an H100: 3A090
    // either way), PO-1007 (the MI308: its own letter). PO-1008 (Germany, headquarters not
    // given) cannot be decided under the letter, which reads headquarters.
    let changed: Vec<(String, u32)> = report
        .changes
        .iter()
        .map(|c| (c.order_id.clone(), c.line))
        .collect();
    assert_eq!(
        changed,
        vec![
            ("PO-1002".to_owned(), 1),
            ("PO-1002".to_owned(), 2),
            ("PO-1003".to_owned(), 1),
            ("PO-1006".to_owned(), 1),
        ]
    );
    for c in &report.changes {
        assert_eq!(c.direction, Direction::MoreRestrictive, "{c:?}");
        assert_eq!(c.baseline.answer.outcome, Outcome::NoLicenseRequired);
        assert_eq!(c.variant.answer.outcome, Outcome::LicenseRequired);
        assert!(c.changed.contains(&Aspect::Outcome));
    }
    let indeterminate: Vec<&str> = report
        .indeterminate
        .iter()
        .map(|c| c.order_id.as_str())
        .collect();
    assert_eq!(indeterminate, vec!["PO-1008"]);
    assert_eq!(
        report.indeterminate[0].variant.answer.outcome,
        Outcome::Indeterminate
    );
    assert_eq!(report.lines, 10);
    assert_eq!(report.unchanged, 5);
    assert!(report.errors.is_empty());

    // 1000 × 12,500.00 + 200 × 12,500.00 + 640 × 11,800.00 + 120 × 12,000.00 USD.
    let value_usd_cents: u64 = (1000 * 12_500 + 200 * 12_500 + 640 * 11_800 + 120 * 12_000) * 100;
    let more = &report.totals.more_restrictive;
    assert_eq!(more.lines, 4);
    assert_eq!(more.quantity, 1000 + 200 + 640 + 120);
    assert_eq!(more.value_cents.get("USD"), Some(&value_usd_cents));
    assert_eq!(more.unpriced_lines, 0);
    let h100e = 1960.0 * H20_TPP / H100_TPP;
    assert!(
        (more.h100_equivalents - h100e).abs() < 0.01 * h100e,
        "{} vs {h100e}",
        more.h100_equivalents
    );
    assert_eq!(report.totals.less_restrictive.lines, 0);
    assert_eq!(report.totals.indeterminate.lines, 1);
    assert_eq!(
        report.totals.indeterminate.value_cents.get("USD"),
        Some(&(40 * 12_000 * 100))
    );

    // By country: China three lines, Malaysia one; by customer, Shenzhen Qianhai's two.
    let cn = report.by_country.iter().find(|b| b.key == "CN").unwrap();
    assert_eq!(cn.totals.more_restrictive.lines, 3);
    assert_eq!(
        cn.totals.more_restrictive.value_cents.get("USD"),
        Some(&((1000 * 12_500 + 200 * 12_500 + 640 * 11_800) * 100))
    );
    let my = report.by_country.iter().find(|b| b.key == "MY").unwrap();
    assert_eq!(my.totals.more_restrictive.quantity, 120);
    let qianhai = report
        .by_customer
        .iter()
        .find(|b| b.key == "Shenzhen Qianhai Data Services Co Ltd")
        .unwrap();
    assert_eq!(qianhai.totals.more_restrictive.lines, 2);
    let item: Vec<&str> = report.by_item.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(item, vec!["nvidia-h20"]);

    // The report names the hypothetical side.
    assert_eq!(report.baseline.rule_pack, "us-ear+h20-letter-never");
    assert!(report.baseline.overlay.is_some());
    assert_eq!(report.variant.rule_pack, "us-ear");
    assert!(report.variant.overlay.is_none());
    assert_ne!(
        report.baseline.rule_pack_hash,
        report.variant.rule_pack_hash
    );

    // The other way round, the same lines move the other way.
    let back = compare(
        &lines,
        Side {
            engine: &real,
            config: &var_cfg,
        },
        Side {
            engine: &without,
            config: &base_cfg,
        },
        d(CHECKED_ON),
    );
    assert_eq!(back.totals.less_restrictive.lines, 4);
    assert_eq!(
        back.totals.less_restrictive.value_cents.get("USD"),
        Some(&value_usd_cents)
    );
}

#[test]
fn the_legal_layer_against_the_enforced_one_shows_the_august_2025_licensing_posture() {
    // The is-informed letters bind the exporter they were sent to on both layers
    // (regulations-addendum-a.md: a letter is law for its addressee), so NVIDIA's and AMD's
    // lines need a license under either layer. What differs is August 2025's licensing against
    // a revenue share, an enforcement posture: from then on the H20 to China is case by case
    // when enforced, presumption of denial on the legal text alone.
    let lines = book();
    let lists = mix::lists();
    let real = engine_with(mix::pack(), &lists);
    let legal = Configuration {
        label: "legal".to_owned(),
        date: None,
        layer: Some(Reading::Legal),
    };
    let enforced = Configuration {
        label: "enforced".to_owned(),
        date: None,
        layer: Some(Reading::Enforced),
    };
    let report = compare(
        &lines,
        Side {
            engine: &real,
            config: &legal,
        },
        Side {
            engine: &real,
            config: &enforced,
        },
        d(CHECKED_ON),
    );
    let changed: Vec<&str> = report.changes.iter().map(|c| c.order_id.as_str()).collect();
    assert_eq!(changed, vec!["PO-1003"]);
    let po1003 = &report.changes[0];
    assert_eq!(po1003.baseline.layer, Reading::Legal);
    assert_eq!(po1003.variant.layer, Reading::Enforced);
    assert_eq!(
        po1003.baseline.answer.review_policy,
        Some(ReviewPolicy::PresumptionOfDenial)
    );
    assert_eq!(
        po1003.variant.answer.review_policy,
        Some(ReviewPolicy::CaseByCase)
    );
    // The H20 to Germany with no end-user headquarters: undecided under both, shown apart.
    let apart: Vec<&str> = report
        .indeterminate
        .iter()
        .map(|c| c.order_id.as_str())
        .collect();
    assert_eq!(apart, vec!["PO-1008"]);
}

#[test]
fn a_date_configuration_evaluates_every_line_on_that_date() {
    let lines = book();
    let lists = mix::lists();
    let real = engine_with(mix::pack(), &lists);
    let before = Configuration {
        label: "2025-04-01".to_owned(),
        date: Some(d("2025-04-01")),
        layer: None,
    };
    let after = Configuration {
        label: "2025-06-01".to_owned(),
        date: Some(d("2025-06-01")),
        layer: None,
    };
    let report = compare(
        &lines,
        Side {
            engine: &real,
            config: &before,
        },
        Side {
            engine: &real,
            config: &after,
        },
        d(CHECKED_ON),
    );
    for c in report.changes.iter().chain(&report.indeterminate) {
        assert_eq!(c.baseline.as_of, d("2025-04-01"));
        assert_eq!(c.variant.as_of, d("2025-06-01"));
    }
    // On 2025-06-01 every China-bound H20 line needs a license, whatever its own date:
    // PO-1001, PO-1002 (two lines), PO-1003 and PO-1009; PO-1006 by its Chinese parent. The
    // MI308 (figures unpublished) is undecided before its letter of 2025-04-16 and goes apart,
    // with PO-1008 (no headquarters given, undecided under the H20 letter).
    let changed: Vec<&str> = report.changes.iter().map(|c| c.order_id.as_str()).collect();
    assert_eq!(
        changed,
        vec!["PO-1001", "PO-1002", "PO-1002", "PO-1003", "PO-1006", "PO-1009"]
    );
    let apart: Vec<&str> = report
        .indeterminate
        .iter()
        .map(|c| c.order_id.as_str())
        .collect();
    assert_eq!(apart, vec!["PO-1007", "PO-1008"]);
}

#[test]
fn a_line_the_engine_refuses_is_reported_and_the_rest_compared() {
    let text =
        "order_id,line,date,item,quantity,destination,exporter,end_user_hq,end_user_parent_hq\n\
                A,1,2025-06-01,nvidia-h20,10,CN,nvidia,CN,same\n\
                A,2,2025-06-01,nvidia-h2000,10,CN,nvidia,CN,same\n";
    let book = parse(
        text.as_bytes(),
        BookFormat::Csv,
        &ParseOptions::default(),
        &mut catalog_ids,
    )
    .unwrap();
    let (catalog, hash) = mix::catalog();
    let engine = Engine::new(mix::pack(), catalog, hash, None).unwrap();
    // Before and after the April 2025 letter (which binds NVIDIA on both layers).
    let (a, b) = (
        Configuration {
            label: "2025-04-01".to_owned(),
            date: Some(d("2025-04-01")),
            layer: None,
        },
        Configuration {
            label: "2025-06-01".to_owned(),
            date: Some(d("2025-06-01")),
            layer: None,
        },
    );
    let report = compare(
        &book.lines,
        Side {
            engine: &engine,
            config: &a,
        },
        Side {
            engine: &engine,
            config: &b,
        },
        d(CHECKED_ON),
    );
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].line, 2);
    assert!(report.errors[0].message.contains("nvidia-h2000"));
    assert_eq!(report.compared, 1);
    assert_eq!(report.changes.len(), 1);
    // No price in the book: counted as unpriced, never as zero dollars.
    assert_eq!(report.totals.more_restrictive.unpriced_lines, 1);
    assert!(report.totals.more_restrictive.value_cents.is_empty());
}

fn answer(outcome: Outcome, policy: Option<ReviewPolicy>, exceptions: &[&str]) -> Answer {
    Answer {
        outcome,
        review_policy: policy,
        license_exceptions: exceptions.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[test]
fn directions_follow_the_outcome_then_the_policy_then_the_exceptions() {
    use Outcome::*;
    use ReviewPolicy::*;
    let lr = Severity::LicenseRequired;
    let denial = answer(LicenseRequired, Some(PresumptionOfDenial), &[]);
    let cbc = answer(LicenseRequired, Some(CaseByCase), &[]);
    assert_eq!(
        direction_of(&denial, lr, &cbc, lr).unwrap().0,
        Direction::LessRestrictive
    );
    assert_eq!(
        direction_of(&cbc, lr, &denial, lr).unwrap().0,
        Direction::MoreRestrictive
    );
    let nac = answer(LicenseRequired, Some(CaseByCase), &["NAC"]);
    let aca_nac = answer(LicenseRequired, Some(CaseByCase), &["ACA", "NAC"]);
    let aca = answer(LicenseRequired, Some(CaseByCase), &["ACA"]);
    assert_eq!(
        direction_of(&nac, lr, &aca_nac, lr).unwrap().0,
        Direction::LessRestrictive
    );
    assert_eq!(
        direction_of(&nac, lr, &aca, lr).unwrap().0,
        Direction::Mixed
    );
    // A policy appearing where the sources gave none cannot be ranked.
    let none = answer(LicenseRequired, None, &[]);
    assert_eq!(
        direction_of(&none, lr, &denial, lr).unwrap().0,
        Direction::Mixed
    );
    // The outcome dominates what comes with it.
    let clear = answer(NoLicenseRequired, None, &[]);
    let (way, aspects) = direction_of(&clear, Severity::Clear, &denial, lr).unwrap();
    assert_eq!(way, Direction::MoreRestrictive);
    assert_eq!(
        aspects,
        vec![Aspect::Outcome, Aspect::Severity, Aspect::ReviewPolicy]
    );
    // A list match raising the severity of the same outcome.
    assert_eq!(
        direction_of(&denial, lr, &denial, Severity::Blocked)
            .unwrap()
            .0,
        Direction::MoreRestrictive
    );
    assert!(direction_of(&denial, lr, &denial, lr).is_none());
    let unknown = answer(Indeterminate, None, &[]);
    assert_eq!(
        direction_of(&clear, Severity::Clear, &unknown, Severity::Review)
            .unwrap()
            .0,
        Direction::Indeterminate
    );
}
