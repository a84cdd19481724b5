//! `earmark scenario`, run as a user runs it: the example book and overlays, the three
//! outputs, exit codes, and bad input named with file and line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod common;

use common::{earmark, stdout, workspace};

const BOOK: &str = "examples/scenarios/book-2025.csv";

fn at_root(args: &[&str]) -> std::process::Output {
    // The README's paths are relative to the workspace root.
    std::process::Command::new(env!("CARGO_BIN_EXE_earmark"))
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap()
}

#[test]
fn the_h20_letter_replayed_on_the_example_book_in_all_three_outputs() {
    let table = at_root(&[
        "scenario",
        BOOK,
        "--baseline",
        "examples/scenarios/h20-letter-never",
        "--variant",
        "real",
    ]);
    let text = stdout(&table);
    // A line is indeterminate under the letter (PO-1008: headquarters not given): exit 4.
    assert_eq!(table.status.code(), Some(4), "{text}");
    assert!(text.contains("us-ear+h20-letter-never"), "{text}");
    assert!(text.contains("hypothetical rule pack"), "{text}");
    // Hand count: 1000 × 12,500 + 200 × 12,500 + 640 × 11,800 + 120 × 12,000 USD.
    assert!(text.contains("USD 23,992,000"), "{text}");

    let jsonl = at_root(&[
        "scenario",
        BOOK,
        "--baseline",
        "examples/scenarios/h20-letter-never",
        "--variant",
        "real",
        "--output",
        "jsonl",
    ]);
    let rows: Vec<serde_json::Value> = stdout(&jsonl)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        vec![
            "change",
            "change",
            "change",
            "change",
            "indeterminate",
            "summary"
        ]
    );
    assert!(rows[..4]
        .iter()
        .all(|r| r["direction"] == "more_restrictive"
            && r["baseline"]["outcome"] == "no_license_required"
            && r["variant"]["outcome"] == "license_required"));
    let summary = rows.last().unwrap();
    assert_eq!(
        summary["totals"]["more_restrictive"]["value_cents"]["USD"],
        2_399_200_000u64
    );
    assert_eq!(summary["baseline"]["rule_pack"], "us-ear+h20-letter-never");
    assert!(summary["baseline"]["overlay"]["citations"].is_array());

    let csv = at_root(&[
        "scenario",
        BOOK,
        "--baseline",
        "examples/scenarios/h20-letter-never",
        "--variant",
        "real",
        "--output",
        "csv",
    ]);
    let text = stdout(&csv);
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("kind,source_line,order_id"));
    assert_eq!(text.lines().count(), 1 + 5, "{text}");
    assert!(text.contains("change,3,PO-1002,1,nvidia-h20,CN,"), "{text}");
}

#[test]
fn no_change_exits_zero_and_a_change_exits_three() {
    let book = std::env::temp_dir().join(format!("earmark-h100-book-{}.csv", std::process::id()));
    std::fs::write(
        &book,
        "order_id,line,date,item,quantity,destination,end_user_hq,end_user_parent_hq\n\
         A,1,2025-06-01,nvidia-h20,10,CN,CN,same\n\
         A,2,2025-06-01,nvidia-h100-sxm,8,CN,CN,same\n",
    )
    .unwrap();
    let run = |baseline: &str, variant: &str| {
        earmark(&[
            "scenario",
            book.to_str().unwrap(),
            "--baseline",
            baseline,
            "--variant",
            variant,
        ])
    };
    let same = run("2025-06-01", "2025-06-02");
    // Regulations.md row 14: H20 licenses for China reviewed case by case from about
    // 2025-08-08, where the letter's denial stood before.
    let eased = run("2025-08-01", "2025-08-09");
    std::fs::remove_file(&book).ok();
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    assert_eq!(eased.status.code(), Some(3), "{}", stdout(&eased));
    let text = stdout(&eased);
    assert!(text.contains("less restrictive         1"), "{text}");
}

#[test]
fn a_date_after_the_verified_date_is_indeterminate_unless_an_overlay_assumes_coverage() {
    let real = at_root(&[
        "scenario",
        BOOK,
        "--baseline",
        "2026-09-01",
        "--variant",
        "2026-11-16",
        "--output",
        "jsonl",
    ]);
    let rows: Vec<serde_json::Value> = stdout(&real)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = rows.last().unwrap();
    assert_eq!(summary["totals"]["indeterminate"]["lines"], 10);
    assert_eq!(real.status.code(), Some(4));
    let assumed = at_root(&[
        "scenario",
        BOOK,
        "--baseline",
        "2026-11-16,examples/scenarios/affiliates-stay-extended",
        "--variant",
        "2026-11-16,examples/scenarios/affiliates-reinstated",
        "--output",
        "jsonl",
    ]);
    let rows: Vec<serde_json::Value> = stdout(&assumed)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = rows.last().unwrap();
    // The book's end users are screened as not listed and not affiliates: no change, but
    // decided (only PO-1008, headquarters not given, stays undecided under the H20 letter).
    assert_eq!(summary["totals"]["indeterminate"]["lines"], 1, "{summary}");
    assert_eq!(summary["unchanged"], 9, "{summary}");
}

#[test]
fn bad_input_is_named_and_exits_two() {
    let out = at_root(&[
        "scenario",
        BOOK,
        "--baseline",
        "2025-13-01",
        "--variant",
        "real",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`2025-13-01` is no date"), "{err}");

    let dir = std::env::temp_dir().join(format!("earmark-bad-overlay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("overlay.toml"),
        "id = \"bad\"\ntitle = \"Bad\"\nremove = [\"usg-2025-04-h21-letter\"]\n\n[[citations]]\nother = \"x\"\n",
    )
    .unwrap();
    let out = at_root(&[
        "scenario",
        BOOK,
        "--baseline",
        dir.to_str().unwrap(),
        "--variant",
        "real",
    ]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}/overlay.toml:3: `remove` names `usg-2025-04-h21-letter`",
            dir.display()
        )),
        "{err}"
    );

    // A bad row is named with its line, the rest compared, and the run exits 2.
    let book = std::env::temp_dir().join(format!("earmark-bad-book-{}.csv", std::process::id()));
    std::fs::write(
        &book,
        "order_id,line,date,item,quantity,destination,end_user_hq,end_user_parent_hq\n\
         A,1,2025-06-01,nvidia-h20,10,CN,CN,same\n\
         A,2,2025-06-01,nvidia-h20,ten,CN,CN,same\n",
    )
    .unwrap();
    let out = earmark(&[
        "scenario",
        book.to_str().unwrap(),
        "--baseline",
        "legal",
        "--variant",
        "enforced",
    ]);
    std::fs::remove_file(&book).ok();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".csv:3: `quantity`: `ten`"), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 changed"), "{text}");
}
