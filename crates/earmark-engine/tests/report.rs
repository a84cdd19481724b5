//! The HTML report, rendered from real decisions (bundled rule pack, catalog and list
//! snapshot) without a browser: the page is self-contained, every piece of book text is
//! escaped, the headline figures are the sums of the lines given (computed here by hand from
//! the lines' quantities, prices and the catalog's published TPP, not by the report's code),
//! and a large book lists its flagged lines up to the cap and counts the rest. The browser
//! checks (console, CSP, rendered charts, anchors) are in `earmark-cli/tests/report_browser.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a failed test, with its message"
)]

#[path = "../../earmark-core/tests/support/bundled.rs"]
mod bundled;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use earmark_core::catalog::Catalog;
use earmark_core::country::Country;
use earmark_core::determine::Reading;
use earmark_core::rules::{RulePack, Transaction};
use earmark_core::spec::Tf32Reading;
use earmark_core::Date;
use earmark_engine::report::{LineFacts, Money, ReportBuilder, ReportOptions};
use earmark_engine::{
    Engine, ItemRef, ParentHeadquarters, Party, PartyRole, Severity, Shipment, ShipmentDecision,
};
use earmark_screen::load::{csl, entity_list};
use earmark_screen::{build_index, Index};

const CHECKED_ON: &str = "2026-08-15";
/// The H100 SXM's TPP as NVIDIA's datasheet gives it (989.5 dense FP16/BF16 TFLOPS × 16 bits,
/// rounded as the catalog's published figure): the unit of H100-equivalents.
const H100_TPP: f64 = 15_832.0;
const HOSTILE: &str = "<script>alert(1)</script> & \"Co\" <img src=x onerror=alert(2)>";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

fn country(code: &str) -> Country {
    Country::from_code(code).unwrap()
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut files = bundled::read_files(&bundled::pack_dir());
        files.sort();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let pack = RulePack::from_files(&refs).unwrap();
        let text = std::fs::read_to_string(root().join("catalog/accelerators.toml")).unwrap();
        let cat_files = [("catalog/accelerators.toml", text.as_str())];
        let catalog = Catalog::from_toml_files(cat_files).unwrap();
        Engine::new(
            pack,
            catalog,
            earmark_engine::content_hash(&cat_files),
            Some(lists()),
        )
        .unwrap()
    })
}

fn lists() -> Index {
    let csl_bytes = std::fs::read(root().join("data/lists/csl-2026-07-31.json")).unwrap();
    let mut csl = csl::load(
        "bundled:csl-2026-07-31.json",
        &csl_bytes,
        Some("2026-07-31"),
    )
    .unwrap();
    csl.entries.retain(|e| e.list != "EL");
    csl.info.records = csl.entries.len();
    let el_bytes = std::fs::read(root().join("data/lists/entity-list-2026-07.csv")).unwrap();
    let el = entity_list::load(
        "bundled:entity-list-2026-07.csv",
        &el_bytes,
        Some("2026-07-31"),
    )
    .unwrap();
    build_index(vec![csl, el])
}

/// One line of a small book: item, destination, as-of date, end user (name, headquarters),
/// quantity, unit price in cents.
struct Line {
    order: &'static str,
    item: &'static str,
    to: &'static str,
    as_of: &'static str,
    end_user: &'static str,
    hq: &'static str,
    quantity: u64,
    unit_cents: i128,
}

fn decide(l: &Line) -> ShipmentDecision {
    let s = Shipment {
        item: ItemRef::CatalogId(l.item.to_owned()),
        to: country(l.to),
        from: Country::us(),
        transaction: Transaction::Export,
        end_use: None,
        quantity: Some(l.quantity),
        as_of: date(l.as_of),
        known_on: None,
        layer: Reading::Enforced,
        exporter_role: Default::default(),
        // Every item of the small book is NVIDIA's, shipped by NVIDIA: the April 2025 letter
        // binds the exporter it was sent to.
        exporter: Some(earmark_core::rules::Exporter::parse("nvidia").unwrap()),
        rebuttal: Default::default(),
        tf32: Tf32Reading::Container32,
        parties: vec![Party {
            name: Some(l.end_user.to_owned()),
            headquarters: Some(country(l.hq)),
            parent_headquarters: Some(ParentHeadquarters::Same),
            ..Party::new(PartyRole::EndUser)
        }],
    };
    engine().check(&s, date(CHECKED_ON)).unwrap()
}

fn facts(l: &Line, d: &ShipmentDecision) -> LineFacts {
    LineFacts {
        order_id: l.order.to_owned(),
        line: "1".to_owned(),
        date: Some(date(l.as_of)),
        item: l.item.to_owned(),
        destination: Some(country(l.to)),
        customer: Some(l.end_user.to_owned()),
        quantity: l.quantity,
        value: Some(Money {
            cents: l.unit_cents * i128::from(l.quantity),
            currency: "USD".to_owned(),
        }),
        tpp_per_unit: d.classification.tpp,
        severity: d.severity,
        headline: d.headline.clone(),
    }
}

/// The book: an H20 to China after the April 2025 letter (license required, 15 CFR
/// 744.23-style letter), an H100 to Germany (no license required: Germany is in none of the
/// restricted groups), an H100 to China bought by a hostile name, and an H100 dated before
/// the pack's coverage (indeterminate: review).
fn book() -> Vec<Line> {
    vec![
        Line {
            order: "PO-1",
            item: "nvidia-h20",
            to: "CN",
            as_of: "2025-05-02",
            end_user: "Example Cloud Ltd",
            hq: "CN",
            quantity: 10,
            unit_cents: 1_250_000,
        },
        Line {
            order: "PO-2",
            item: "nvidia-h100-sxm",
            to: "DE",
            as_of: "2025-06-10",
            end_user: "Beispiel Rechenzentrum GmbH",
            hq: "DE",
            quantity: 8,
            unit_cents: 2_500_000,
        },
        Line {
            order: "PO-3<b>",
            item: "nvidia-h100-sxm",
            to: "CN",
            as_of: "2025-07-01",
            end_user: HOSTILE,
            hq: "CN",
            quantity: 4,
            unit_cents: 2_500_000,
        },
        Line {
            order: "PO-4",
            item: "nvidia-h100-sxm",
            to: "KP",
            as_of: "2022-01-15",
            end_user: "Early Order Co",
            hq: "KP",
            quantity: 1,
            unit_cents: 2_500_000,
        },
    ]
}

fn render(lines: &[Line], max_listed: usize) -> (String, Vec<ShipmentDecision>) {
    let mut opts = ReportOptions::new(
        "Order book check",
        "orders <test>.csv",
        date(CHECKED_ON),
        H100_TPP,
    );
    opts.max_listed = max_listed;
    let mut b = ReportBuilder::new(opts);
    let mut ds = Vec::new();
    for l in lines {
        let d = decide(l);
        b.add(facts(l, &d), Some(&d));
        ds.push(d);
    }
    b.reject("orders.csv:7: field `quantity`: `ten` is not a number <x>");
    (b.render(), ds)
}

fn metric(html: &str, key: &str) -> String {
    let pat = format!("data-metric=\"{key}\" data-value=\"");
    let start = html.find(&pat).unwrap_or_else(|| panic!("no metric {key}")) + pat.len();
    html[start..].split('"').next().unwrap().to_owned()
}

#[test]
fn the_small_book_gets_the_answers_the_regulations_give() {
    let ds: Vec<Severity> = book().iter().map(|l| decide(l).severity).collect();
    // H20 to CN after the April 2025 letter: license; H100 to DE: none; H100 to CN: license
    // (3A090.a to D:5); before 2022-10-07: outside the pack's coverage, review.
    assert_eq!(
        ds,
        [
            Severity::LicenseRequired,
            Severity::Clear,
            Severity::LicenseRequired,
            Severity::Review
        ]
    );
}

#[test]
fn headline_figures_are_the_sums_of_the_lines() {
    let (html, _) = render(&book(), 500);
    assert_eq!(metric(&html, "lines.all"), "4");
    assert_eq!(metric(&html, "lines.license_required"), "2");
    assert_eq!(metric(&html, "lines.clear"), "1");
    assert_eq!(metric(&html, "lines.review"), "1");
    assert_eq!(metric(&html, "lines.blocked"), "0");
    // Value by hand: 10 × 12,500 + 4 × 25,000 = 225,000 USD needing a license.
    assert_eq!(metric(&html, "value.license_required.USD"), "22500000");
    assert_eq!(
        metric(&html, "value.all.USD"),
        (22_500_000 + 20_000_000 + 2_500_000).to_string()
    );
    // Compute by hand from the datasheets: H20 TPP 2,368 (148 TFLOPS FP16 × 16), H100 15,832.
    let tpp: f64 = metric(&html, "tpp.license_required").parse().unwrap();
    assert!((tpp - (10.0 * 2368.0 + 4.0 * 15832.0)).abs() < 1.0, "{tpp}");
    let tpp_all: f64 = metric(&html, "tpp.all").parse().unwrap();
    assert!(
        (tpp_all - (10.0 * 2368.0 + 13.0 * 15832.0)).abs() < 1.0,
        "{tpp_all}"
    );
    // And the H100-equivalents a manager reads: (23,680 + 63,328) / 15,832 = 5.5.
    assert!(
        html.contains(r#"data-metric="h100.license_required">5.5<"#),
        "h100 figure"
    );
}

#[test]
fn book_text_is_escaped_everywhere() {
    let (html, _) = render(&book(), 500);
    assert!(!html.contains("<script"), "a script element in the page");
    assert!(!html.contains("<img"), "an img element in the page");
    assert!(!html.contains("<b>\""));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"));
    assert!(html.contains("orders &lt;test&gt;.csv"));
    assert!(html.contains("PO-3&lt;b&gt;"));
    assert!(html.contains("is not a number &lt;x&gt;"));
}

#[test]
fn the_page_fetches_nothing_and_runs_nothing() {
    let (html, _) = render(&book(), 500);
    let csp = html
        .split("http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(
        !csp.contains("script-src") && !csp.contains("unsafe"),
        "{csp}"
    );
    // Escaped book text never holds `<`, so every `<...>` is the report's own markup: no tag
    // may load anything, and no script element or event handler may exist.
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap())
    {
        let t = tag.to_ascii_lowercase();
        if t.starts_with("svg ") {
            assert!(t.contains("xmlns=\"http://www.w3.org/2000/svg\""));
            continue;
        }
        for banned in [
            "src=", "http:", "https:", "script", "onerror", "onload", "link ", "iframe", "object",
        ] {
            if t.starts_with("meta http-equiv") && banned == "src=" {
                continue;
            }
            assert!(!t.contains(banned), "<{tag}> holds {banned}");
        }
    }
    assert!(!html.contains("@import") && !html.contains("url("));
    // The stylesheet's hash in the CSP is the hash of the style element's text, computed here.
    use sha2::Digest as _;
    let css = html
        .split("<style>")
        .nth(1)
        .unwrap()
        .split("</style>")
        .next()
        .unwrap();
    let digest = sha2::Sha256::digest(css.as_bytes());
    let b64 = base64_std(&digest);
    assert!(csp.contains(&format!("'sha256-{b64}'")), "{csp} vs {b64}");
}

/// Base64 written out here, independently of the report's, from RFC 4648's table.
fn base64_std(bytes: &[u8]) -> String {
    let table: Vec<char> = ('A'..='Z')
        .chain('a'..='z')
        .chain('0'..='9')
        .chain(['+', '/'])
        .collect();
    let mut bits = String::new();
    for b in bytes {
        bits.push_str(&format!("{b:08b}"));
    }
    while bits.len() % 6 != 0 {
        bits.push('0');
    }
    let mut out: String = bits
        .as_bytes()
        .chunks(6)
        .map(|c| table[usize::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap()])
        .collect();
    while out.len() % 4 != 0 {
        out.push('=');
    }
    out
}

#[test]
fn flagged_lines_link_to_their_decision_with_rules_and_screening() {
    let (html, ds) = render(&book(), 500);
    // Every in-page link has its target.
    for href in html
        .split("href=\"#")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
    {
        assert!(
            html.contains(&format!("id=\"{href}\"")),
            "#{href} has no target"
        );
    }
    // The H20 line's decision names the rule that decided it and its citation.
    let h20 = &ds[0];
    assert!(!h20.decision.determining_rules.is_empty());
    for r in &h20.decision.determining_rules {
        assert!(
            html.contains(&format!("<code>{r}</code>")),
            "rule {r} not shown"
        );
    }
    // The clear line is counted, not listed.
    assert!(!html.contains("Beispiel Rechenzentrum GmbH</td><td class=\"num\">8<"));
    assert!(!html.contains("id=\"line-PO-2-"));
}

#[test]
fn a_large_book_lists_flagged_lines_up_to_the_cap_and_counts_the_rest() {
    let one = &book()[0];
    let d = decide(one);
    let mut opts = ReportOptions::new("Order book check", "big.csv", date(CHECKED_ON), H100_TPP);
    opts.max_listed = 25;
    let mut b = ReportBuilder::new(opts);
    for i in 0..20_000 {
        let mut f = facts(one, &d);
        f.order_id = format!("PO-{i}");
        b.add(f, Some(&d));
    }
    let html = b.render();
    assert_eq!(metric(&html, "lines.license_required"), "20000");
    assert_eq!(html.matches("<article class=\"decision").count(), 25);
    assert!(html.contains("19,975 flagged lines are not listed"));
    // Small enough to open: the listed lines dominate, not the book's size.
    assert!(html.len() < 600_000, "{} bytes", html.len());
}

/// A small book through the book's parser and run, as `earmark check --book --report` does.
fn book_report(full: earmark_engine::book::Full) -> String {
    use earmark_engine::book::{
        parse, parse::catalog_ids, run, BookFormat, ParseOptions, RunOptions,
    };
    let text = format!(
        "order_id,line,date,item,quantity,unit_price,currency,destination,exporter,end_user_name,end_user_hq,end_user_parent_hq\n\
         PO-1,1,2025-05-02,nvidia-h20,10,12500,USD,CN,nvidia,Example Cloud Ltd,CN,same\n\
         PO-2,1,2025-06-10,nvidia-h100-sxm,8,25000,USD,DE,nvidia,Beispiel Rechenzentrum GmbH,DE,same\n\
         PO-3,1,2025-07-01,nvidia-h100-sxm,4,25000,USD,CN,nvidia,\"{}\",CN,same\n\
         PO-4,1,2025-07-01,no-such-chip,1,100,USD,CN,nvidia,Example Cloud Ltd,CN,same\n\
         PO-5,1,2025-07-01,nvidia-h20,ten,100,USD,CN,nvidia,Example Cloud Ltd,CN,same\n",
        HOSTILE.replace('"', "\"\"")
    );
    let book = parse(
        text.as_bytes(),
        BookFormat::Csv,
        &ParseOptions::default(),
        &mut catalog_ids,
    )
    .unwrap();
    let mut opts = RunOptions::new(date(CHECKED_ON));
    opts.full = full;
    opts.threads = 2;
    let checks = run(engine(), &book, &opts, &|_| {});
    let mut b = ReportBuilder::new(ReportOptions::new(
        "Order book check",
        "book.csv",
        date(CHECKED_ON),
        H100_TPP,
    ));
    for (line, check) in book.lines.iter().zip(&checks) {
        b.add_check(line, check, None, engine().pack());
    }
    for e in &book.errors {
        b.reject(format!("book.csv:{e}"));
    }
    b.render()
}

#[test]
fn a_checked_book_reports_its_lines_rejected_rows_and_unchecked_lines() {
    for full in [
        earmark_engine::book::Full::None,
        earmark_engine::book::Full::Flagged,
    ] {
        let html = book_report(full);
        assert_eq!(metric(&html, "lines.all"), "4", "{full:?}");
        assert_eq!(metric(&html, "lines.license_required"), "2", "{full:?}");
        assert_eq!(metric(&html, "lines.clear"), "1", "{full:?}");
        // The unknown item could not be checked: a person must look (review), never clear.
        assert_eq!(metric(&html, "lines.review"), "1", "{full:?}");
        assert!(
            html.contains("`no-such-chip` is not in the catalog"),
            "{full:?}"
        );
        assert!(html.contains("book.csv:line 6: `quantity`"), "{full:?}");
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "{full:?}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{full:?}"
        );
        // The H20 line's decision cites the April 2025 letter's rule in both paths.
        assert!(html.contains("<code>h20-named</code>"), "{full:?}");
    }
}
