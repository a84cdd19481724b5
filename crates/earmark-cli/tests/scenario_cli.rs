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
        "order_id,line,date,item,quantity,destination,exporter,end_user_hq,end_user_parent_hq\n\
         A,1,2025-06-01,nvidia-h20,10,CN,nvidia,CN,same\n\
         A,2,2025-06-01,nvidia-h100-sxm,8,CN,nvidia,CN,same\n",
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
        "order_id,line,date,item,quantity,destination,exporter,end_user_hq,end_user_parent_hq\n\
         A,1,2025-06-01,nvidia-h20,10,CN,nvidia,CN,same\n\
         A,2,2025-06-01,nvidia-h20,ten,CN,nvidia,CN,same\n",
    )
    .unwrap();
    // Before and after the April 2025 letter to NVIDIA.
    let out = earmark(&[
        "scenario",
        book.to_str().unwrap(),
        "--baseline",
        "2025-04-01",
        "--variant",
        "2025-06-01",
    ]);
    std::fs::remove_file(&book).ok();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".csv:3: `quantity`: `ten`"), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 changed"), "{text}");
}

#[test]
fn on_the_example_order_book_every_china_h20_line_after_the_letter_needs_a_license() {
    let out = at_root(&[
        "scenario",
        "examples/orders.csv",
        "--baseline",
        "examples/scenarios/h20-letter-never",
        "--variant",
        "real",
        "--output",
        "jsonl",
    ]);
    let rows: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let key = |r: &serde_json::Value| {
        (
            r["order_id"].as_str().unwrap().to_owned(),
            r["line"].as_u64().unwrap(),
        )
    };
    let changed: std::collections::BTreeMap<(String, u64), &serde_json::Value> = rows
        .iter()
        .filter(|r| r["kind"] == "change")
        .map(|r| (key(r), r))
        .collect();
    let apart: std::collections::BTreeSet<(String, u64)> = rows
        .iter()
        .filter(|r| r["kind"] == "indeterminate")
        .map(key)
        .collect();

    // Read the book file directly (not through earmark's parser): the H20 to China, Hong Kong
    // or Macau from the letter's date, 2025-04-09 (regulations.md row 12).
    let mut book = csv::Reader::from_path(workspace().join("examples/orders.csv")).unwrap();
    let headers = book.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (order, line, date, item, qty, price, dest) = (
        col("order_id"),
        col("line"),
        col("date"),
        col("item"),
        col("quantity"),
        col("unit_price"),
        col("destination"),
    );
    let mut china_h20 = 0;
    let mut flipped_cents: u64 = 0;
    let mut counted = 0;
    let mut unchanged_checked = 0;
    for record in book.records() {
        let r = record.unwrap();
        let k = (r[order].to_owned(), r[line].parse::<u64>().unwrap());
        if r[item] == *"nvidia-h20"
            && ["CN", "HK", "MO"].contains(&&r[dest])
            && &r[date] >= "2025-04-09"
        {
            china_h20 += 1;
            // Either the letter flips it, or it is undecided in a run (a possible list match),
            // or it needed a license (or was blocked) anyway, a listed party: never clear.
            if let Some(c) = changed.get(&k) {
                assert_eq!(c["variant"]["outcome"], "license_required", "{c}");
                assert_eq!(c["direction"], "more_restrictive", "{c}");
            } else if !apart.contains(&k) {
                // Unchanged: the single check of the same line must not clear it either.
                let field = |name: &str| r[col(name)].to_owned();
                let mut args = vec![
                    "check".to_owned(),
                    "nvidia-h20".to_owned(),
                    "--to".to_owned(),
                    field("destination"),
                    "--as-of".to_owned(),
                    field("date"),
                ];
                for (flag, column) in [
                    ("--end-user", "end_user_name"),
                    ("--end-user-hq", "end_user_hq"),
                    ("--parent-hq", "end_user_parent_hq"),
                ] {
                    if !field(column).is_empty() {
                        args.push(flag.to_owned());
                        args.push(field(column));
                    }
                }
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                let check = at_root(&refs);
                assert!(
                    [3, 5].contains(&check.status.code().unwrap()),
                    "{k:?}: {}",
                    String::from_utf8_lossy(&check.stdout)
                );
                unchanged_checked += 1;
            }
        }
        if changed.contains_key(&k) {
            // quantity × unit price, in cents, from the file's own text.
            let (units, dollars) = (r[qty].parse::<u64>().unwrap(), &r[price]);
            let (whole, frac) = dollars.split_once('.').unwrap_or((dollars, "0"));
            let cents =
                whole.parse::<u64>().unwrap() * 100 + format!("{frac:0<2}").parse::<u64>().unwrap();
            flipped_cents += units * cents;
            counted += 1;
        }
    }
    assert!(
        china_h20 >= 5,
        "the example book has {china_h20} such lines"
    );
    assert!(unchanged_checked < china_h20, "no China H20 line flipped");
    assert_eq!(counted, changed.len());
    let summary = rows.last().unwrap();
    assert_eq!(summary["kind"], "summary");
    assert_eq!(
        summary["totals"]["more_restrictive"]["value_cents"]["USD"].as_u64(),
        Some(flipped_cents),
        "{summary}"
    );
}

#[test]
fn rules_validate_checks_an_overlay_as_the_pack_it_makes() {
    let ok = at_root(&["rules", "validate", "examples/scenarios/h20-letter-never"]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(stdout(&ok).contains("ok: us-ear+h20-letter-never"));
    let dir = std::env::temp_dir().join(format!("earmark-overlay-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("overlay.toml"),
        "id = \"bad-field\"\ntitle = \"Bad field\"\n\n[[change]]\nrule = \"h200-26-case-by-case\"\nset = { priority = \"high\" }\n\n[[citations]]\nother = \"x\"\n",
    )
    .unwrap();
    let bad = at_root(&["rules", "validate", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains(&format!("{}/overlay.toml:5: `rules/us-ear/instruments/2026-01-15-h200-review-policy.toml` as changed:", dir.display())),
        "{err}"
    );
}
