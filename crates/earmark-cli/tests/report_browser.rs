//! The HTML report in a real headless Chromium, driven over WebDriver: the page loads with no
//! console error and no CSP violation, its charts render with a size and bars, its headline
//! numbers equal the ones computed here from the book file (lines and value from the CSV
//! itself, the split by answer from the run's JSON Lines), every in-page link resolves and a
//! flagged line's link leads to its decision. A hostile book renders as text and opens no
//! dialog. The same checks are shown to fail on a page with a script error, one that breaks
//! the CSP and one whose charts do not render, so a pass is not vacuous.
//!
//! Chromium and chromedriver are required (Debian: `apt-get install chromium
//! chromium-driver`; `.ci/run` installs them): without them these tests fail, saying so.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

mod browser;
mod common;

use browser::Browser;
use common::{earmark, workspace};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report_browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `earmark check --book BOOK --report OUT --output jsonl`: the report and each line's answer.
fn check_book(book: &Path, out: &Path) -> Vec<Value> {
    let o = earmark(&[
        "check",
        "--book",
        book.to_str().unwrap(),
        "--report",
        out.to_str().unwrap(),
        "--output",
        "jsonl",
    ]);
    assert!(
        matches!(o.status.code(), Some(0 | 3 | 4 | 5)),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.is_file(),
        "no report written: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// What the page shows once loaded, read in the browser.
#[derive(Debug)]
struct Page {
    errors: Vec<String>,
    /// (class, width, height, bars drawn with a size)
    charts: Vec<(String, f64, f64, u64)>,
    metrics: BTreeMap<String, String>,
    broken_links: Vec<String>,
    scripts: u64,
    text: String,
    dialog: Option<String>,
}

const INSPECT: &str = r##"
const charts = [...document.querySelectorAll('svg.chart')].map(s => {
  const r = s.getBoundingClientRect();
  const bars = [...s.querySelectorAll('rect')].filter(x => {
    const b = x.getBoundingClientRect();
    return x.querySelector('title') && b.width > 0 && b.height > 0;
  }).length;
  return [s.getAttribute('class'), r.width, r.height, bars];
});
const metrics = {};
document.querySelectorAll('[data-metric][data-value]').forEach(e => { metrics[e.dataset.metric] = e.dataset.value; });
const broken = [...document.querySelectorAll('a[href^="#"]')]
  .map(a => a.getAttribute('href'))
  .filter(h => !document.getElementById(decodeURIComponent(h.slice(1))));
return {charts, metrics, broken, scripts: document.scripts.length, text: document.body.innerText};
"##;

fn load(b: &Browser, file: &Path) -> Page {
    b.log(); // what an earlier page logged is not this one's
    b.open(file);
    let dialog = b.alert();
    let v = b.eval(INSPECT, json!([]));
    let errors = b
        .errors()
        .into_iter()
        .map(|e| format!("{} {}: {}", e.level, e.source, e.message))
        .collect();
    Page {
        errors,
        charts: v["charts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c[0].as_str().unwrap_or("").to_owned(),
                    c[1].as_f64().unwrap(),
                    c[2].as_f64().unwrap(),
                    c[3].as_u64().unwrap(),
                )
            })
            .collect(),
        metrics: v["metrics"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
            .collect(),
        broken_links: v["broken"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.to_string())
            .collect(),
        scripts: v["scripts"].as_u64().unwrap(),
        text: v["text"].as_str().unwrap_or("").to_owned(),
        dialog,
    }
}

const BOOK_CHARTS: [&str; 3] = ["by-country-value", "by-country-compute", "by-month-value"];

/// The checks every book report must pass in the browser; `Err` names what failed.
fn healthy(p: &Page) -> Result<(), String> {
    healthy_with(p, &BOOK_CHARTS)
}

/// The checks every report must pass, with the charts it must have rendered.
fn healthy_with(p: &Page, charts: &[&str]) -> Result<(), String> {
    if !p.errors.is_empty() {
        return Err(format!("console errors: {:#?}", p.errors));
    }
    if let Some(d) = &p.dialog {
        return Err(format!("a dialog opened: {d}"));
    }
    if p.scripts != 0 {
        return Err(format!("{} script elements", p.scripts));
    }
    for &want in charts {
        let Some(c) = p.charts.iter().find(|c| c.0.split(' ').any(|x| x == want)) else {
            return Err(format!("no {want} chart"));
        };
        if c.1 < 100.0 || c.2 < 50.0 || c.3 == 0 {
            return Err(format!("chart {want} did not render: {c:?}"));
        }
    }
    if !p.broken_links.is_empty() {
        return Err(format!("links without a target: {:?}", p.broken_links));
    }
    Ok(())
}

/// The book's lines, read here with the csv crate: (order_id, line) → (value cents, currency).
fn book_values(book: &Path) -> BTreeMap<(String, String), Option<(i128, String)>> {
    let mut r = csv::Reader::from_path(book).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .unwrap_or_else(|| panic!("no column {n}"))
    };
    let (o, l, q, p, c) = (
        col("order_id"),
        col("line"),
        col("quantity"),
        col("unit_price"),
        col("currency"),
    );
    let mut out = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let price = rec.get(p).unwrap_or("");
        let value = (!price.is_empty()).then(|| {
            // Exact cents by hand: whole units and up to two decimals.
            let (whole, frac) = price.split_once('.').unwrap_or((price, ""));
            let cents = whole.parse::<i128>().unwrap() * 100
                + format!("{frac:0<2}").parse::<i128>().unwrap();
            (
                cents * rec[q].parse::<i128>().unwrap(),
                rec[c].to_ascii_uppercase(),
            )
        });
        out.insert((rec[o].to_owned(), rec[l].to_owned()), value);
    }
    out
}

/// Headline numbers computed without the report: lines per answer from the run's JSON
/// Lines, value per answer by looking each line's price up in the CSV.
fn expected_metrics(book: &Path, answers: &[Value]) -> BTreeMap<String, String> {
    let values = book_values(book);
    let mut lines: BTreeMap<String, u64> = BTreeMap::new();
    let mut value: BTreeMap<String, i128> = BTreeMap::new();
    let mut tpp: BTreeMap<String, f64> = BTreeMap::new();
    for a in answers {
        let sev = a["severity"]
            .as_str()
            .unwrap_or_else(|| panic!("no severity: {a}"))
            .to_owned();
        let key = (json_text(&a["order_id"]), json_text(&a["order_line"]));
        *lines.entry(sev.clone()).or_default() += 1;
        *lines.entry("all".into()).or_default() += 1;
        // Compute: the run's TPP per unit times the book's quantity, summed here.
        if let Some(t) = a["tpp_per_unit"].as_f64() {
            let q = a["quantity"].as_f64().unwrap();
            *tpp.entry(sev.clone()).or_default() += t * q;
            *tpp.entry("all".into()).or_default() += t * q;
        }
        if let Some(Some((cents, cur))) = values.get(&key) {
            *value.entry(format!("{sev}.{cur}")).or_default() += cents;
            *value.entry(format!("all.{cur}")).or_default() += cents;
        }
    }
    assert_eq!(
        lines["all"] as usize,
        values.len(),
        "every row of the book has an answer"
    );
    let mut m = BTreeMap::new();
    for (k, n) in lines {
        m.insert(format!("lines.{k}"), n.to_string());
    }
    for (k, c) in value {
        m.insert(format!("value.{k}"), c.to_string());
    }
    for (k, t) in tpp {
        m.insert(format!("tpp.{k}"), format!("{t:.3}"));
    }
    m
}

fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn the_example_book_report_renders_in_chromium_with_the_books_numbers() {
    let book = workspace().join("examples/orders.csv");
    let out = scratch("orders.html");
    let answers = check_book(&book, &out);
    let b = Browser::start();
    let page = load(&b, &out);
    healthy(&page).unwrap();
    let expected = expected_metrics(&book, &answers);
    for (k, v) in &expected {
        let got = page
            .metrics
            .get(k)
            .unwrap_or_else(|| panic!("no headline {k}"));
        if k.starts_with("tpp.") {
            // Summed in another order: equal to a millionth.
            let (g, w): (f64, f64) = (got.parse().unwrap(), v.parse().unwrap());
            assert!(
                (g - w).abs() <= w.abs() * 1e-9 + 1e-3,
                "headline {k}: {g} vs {w}"
            );
        } else {
            assert_eq!(got, v, "headline {k}");
        }
    }
    assert!(
        expected.contains_key("tpp.all"),
        "the run gave TPP for the lines"
    );
    for sev in ["license_required", "blocked", "review", "clear"] {
        if !expected.contains_key(&format!("lines.{sev}")) {
            assert_eq!(
                page.metrics
                    .get(&format!("lines.{sev}"))
                    .map(String::as_str),
                Some("0")
            );
        }
    }
    assert!(
        expected["lines.license_required"] != "0",
        "the example book has flagged lines"
    );

    // A flagged line's link leads to its decision, as a click in the browser follows it.
    b.click("table.lines a[href^='#line-']");
    let v = b.eval(
        "const t = document.querySelector(':target'); \
         return {hash: location.hash, id: t && t.id, top: t && t.getBoundingClientRect().top, \
                 text: t && t.innerText};",
        json!([]),
    );
    let hash = v["hash"].as_str().unwrap();
    assert!(hash.starts_with("#line-"), "{v}");
    assert_eq!(format!("#{}", v["id"].as_str().unwrap()), hash);
    let top = v["top"].as_f64().unwrap();
    assert!(
        (-2.0..60.0).contains(&top),
        "the decision is not scrolled into view: {top}"
    );
    let text = v["text"].as_str().unwrap();
    assert!(
        text.contains("Rules that decided it") || text.contains("Not checked"),
        "{text}"
    );
}

const HOSTILE_BOOK: &str = "order_id,line,date,item,quantity,unit_price,currency,destination,end_user_name,end_user_hq,end_user_parent_hq,consignee_name\n\
PO-<b>1</b>,1,2025-05-02,nvidia-h20,10,12500,USD,CN,<script>alert(1)</script>,CN,same,\"<img src=x onerror=alert(2)>\"\n\
PO-2,1,2025-06-10,nvidia-h100-sxm,8,25000,USD,DE,\"</style><svg onload=alert(3)>\",DE,same,Beispiel GmbH\n";

#[test]
fn a_hostile_book_renders_as_text_and_runs_nothing() {
    let book = scratch("hostile.csv");
    std::fs::write(&book, HOSTILE_BOOK).unwrap();
    let out = scratch("hostile.html");
    check_book(&book, &out);
    let b = Browser::start();
    let page = load(&b, &out);
    healthy(&page).unwrap();
    assert!(
        page.text.contains("<script>alert(1)</script>"),
        "the name is shown as text"
    );
    assert!(page.text.contains("PO-<b>1</b>"));
    let v = b.eval(
        "return document.querySelectorAll('script, img, [onload], [onerror], b').length",
        json!([]),
    );
    // The page's own <b> elements are in its static text, none from the book.
    let bolds = b.eval("return document.querySelectorAll('b').length", json!([]));
    assert_eq!(v, bolds, "elements from the book's text");
}

#[test]
fn the_checks_fail_on_a_script_error_a_csp_violation_and_charts_that_do_not_render() {
    let book = scratch("vacuity.csv");
    std::fs::write(&book, HOSTILE_BOOK).unwrap();
    let out = scratch("vacuity.html");
    check_book(&book, &out);
    let good = std::fs::read_to_string(&out).unwrap();
    let b = Browser::start();
    assert!(healthy(&load(&b, &out)).is_ok());

    // A script injected into the report: the CSP refuses it, and the refusal is an error.
    let injected = scratch("injected.html");
    std::fs::write(
        &injected,
        good.replacen("<body>", "<body><script>document.title = 'x'</script>", 1),
    )
    .unwrap();
    let e = healthy(&load(&b, &injected)).unwrap_err();
    assert!(e.contains("Content Security Policy"), "{e}");

    // A fetch from the network: refused by the CSP, reported.
    let fetching = scratch("fetching.html");
    std::fs::write(
        &fetching,
        good.replacen(
            "</main>",
            "<img src=\"http://127.0.0.1:9/x.png\" alt=\"\"></main>",
            1,
        ),
    )
    .unwrap();
    let e = healthy(&load(&b, &fetching)).unwrap_err();
    assert!(e.contains("Content Security Policy"), "{e}");

    // A script error on a page without the CSP: reported as an uncaught error.
    let throwing = scratch("throwing.html");
    let no_csp: String = good
        .lines()
        .filter(|l| !l.contains("Content-Security-Policy"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(
        &throwing,
        no_csp.replacen(
            "<body>",
            "<body><script>throw new Error('boom')</script>",
            1,
        ),
    )
    .unwrap();
    let e = healthy(&load(&b, &throwing)).unwrap_err();
    assert!(e.contains("boom"), "{e}");

    // Charts hidden by their style: present in the markup, not rendered.
    let hidden = scratch("hidden.html");
    let css_end = good.find("</style>").unwrap();
    let mut h = good.clone();
    h.insert_str(css_end, "svg.chart{display:none}");
    // The CSP admits the stylesheet by its hash: drop the CSP so the changed style applies.
    let h: String = h
        .lines()
        .filter(|l| !l.contains("Content-Security-Policy"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&hidden, h).unwrap();
    let e = healthy(&load(&b, &hidden)).unwrap_err();
    assert!(e.contains("did not render"), "{e}");

    // A link to nowhere.
    let broken = scratch("broken.html");
    std::fs::write(
        &broken,
        good.replacen("</main>", "<a href=\"#line-nowhere\">x</a></main>", 1),
    )
    .unwrap();
    let e = healthy(&load(&b, &broken)).unwrap_err();
    assert!(e.contains("line-nowhere"), "{e}");
}

#[test]
fn the_scenario_report_renders_with_the_runs_counts() {
    // The April 2025 H20 letter replayed: the lines it turns stricter, counted from the
    // scenario's own JSON Lines, are the page's.
    let out = scratch("scenario.html");
    let args = [
        "scenario",
        "examples/scenarios/book-2025.csv",
        "--baseline",
        "examples/scenarios/h20-letter-never",
        "--variant",
        "real",
    ];
    let mut with_report: Vec<&str> = args.to_vec();
    with_report.extend(["--report", out.to_str().unwrap()]);
    let o = earmark(&with_report);
    assert!(out.is_file(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut with_jsonl: Vec<&str> = args.to_vec();
    with_jsonl.extend(["--output", "jsonl"]);
    let o = earmark(&with_jsonl);
    let rows: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |d: &str| {
        rows.iter()
            .filter(|r| r["kind"] == "change" && r["direction"] == d)
            .count()
            .to_string()
    };
    let b = Browser::start();
    let page = load(&b, &out);
    healthy_with(&page, &["scenario-value", "scenario-compute"]).unwrap();
    assert_ne!(
        count("more_restrictive"),
        "0",
        "the letter makes lines stricter"
    );
    for d in ["more_restrictive", "less_restrictive", "mixed"] {
        assert_eq!(
            page.metrics.get(&format!("scenario.{d}")),
            Some(&count(d)),
            "{d}"
        );
    }
}
