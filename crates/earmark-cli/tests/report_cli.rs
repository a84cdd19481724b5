//! `--report` without a browser: the caps recorded in the ledger show as usage gauges with the
//! share computed here by hand, and a report path that cannot be written is an error naming it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod common;

use common::earmark;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report_cli");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn recorded_caps_show_as_gauges_with_their_share() {
    let db = scratch("caps.sqlite");
    let url = format!("sqlite://{}", db.display());
    let o = earmark(&[
        "ledger",
        "cap",
        "add",
        "--id",
        "lpp",
        "--per",
        "consignee",
        "--tpp",
        "200000",
        "--db",
        &url,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Two H100 lines to Germany, no license required, one consignee: 4 + 6 units of TPP
    // 15,832 (the H100 SXM's datasheet figure) = 158,320 TPP against a cap of 200,000: 79 %.
    // (A line past a cap is refused by the ledger, so a gauge never shows more than 100 %.)
    let book = scratch("caps.csv");
    std::fs::write(
        &book,
        "order_id,line,date,item,quantity,unit_price,currency,destination,end_user_name,end_user_hq,end_user_parent_hq\n\
         PO-1,1,2025-06-10,nvidia-h100-sxm,4,25000,USD,DE,Beispiel Rechenzentrum GmbH,DE,same\n\
         PO-1,2,2025-06-11,nvidia-h100-sxm,6,25000,USD,DE,Beispiel Rechenzentrum GmbH,DE,same\n",
    )
    .unwrap();
    let out = scratch("caps.html");
    let o = earmark(&[
        "check",
        "--book",
        book.to_str().unwrap(),
        "--record",
        "--db",
        &url,
        "--report",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains(r#"id="caps""#), "no cap gauges");
    assert!(
        html.contains("158 k of 200 k (79 %)"),
        "{}",
        &html[html.find(r#"id="caps""#).unwrap()..][..2000]
    );
}

#[test]
fn a_report_that_cannot_be_written_is_an_error_naming_it() {
    let o = earmark(&[
        "check",
        "--book",
        "examples/orders.csv",
        "--report",
        "/nonexistent-dir/report.html",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("/nonexistent-dir/report.html"), "{err}");
}
