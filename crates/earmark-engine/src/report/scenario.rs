//! The scenario report: what changes for a book when the rules change (a date, a layer, an
//! overlay), rendered from [`ScenarioReport`] alone, in the same self-contained page as the
//! book's report (same CSP, stylesheet and escaping).
//!
//! For a manager: how many lines and how much value and compute move to stricter or milder
//! answers, and where (diverging bars by country). For a compliance officer: each changed line
//! with its answer under both configurations, the lines indeterminate in either run (never
//! counted as unchanged or clear) and the lines the engine refused.

use super::html::{esc, figure, figure_1, id_part, int, money, push_esc};
use super::{count, country_label, page_head, severity_words, svg, ReportOptions};
use crate::contract::Answer;
use crate::scenario::{Breakdown, Direction, LineDelta, ScenarioReport, SideInfo, Totals};
use std::fmt::Write as _;

const DIRECTIONS: [(Direction, &str); 4] = [
    (Direction::MoreRestrictive, "Stricter"),
    (Direction::LessRestrictive, "Less strict"),
    (Direction::Mixed, "Changed both ways"),
    (Direction::Indeterminate, "Indeterminate in a run"),
];

fn totals(b: &crate::scenario::DirectionTotals, d: Direction) -> &Totals {
    match d {
        Direction::MoreRestrictive => &b.more_restrictive,
        Direction::LessRestrictive => &b.less_restrictive,
        Direction::Mixed => &b.mixed,
        Direction::Indeterminate => &b.indeterminate,
    }
}

fn value_in(t: &Totals, currency: &str) -> u64 {
    t.value_cents.get(currency).copied().unwrap_or(0)
}

/// The currency with the most value among the changed lines (then any): the charts' unit.
fn chart_currency(r: &ScenarioReport) -> String {
    let mut sums: std::collections::BTreeMap<&str, u128> = std::collections::BTreeMap::new();
    for (d, _) in DIRECTIONS {
        for (c, v) in &totals(&r.totals, d).value_cents {
            *sums.entry(c.as_str()).or_default() += u128::from(*v);
        }
    }
    sums.into_iter()
        .map(|(c, v)| (v, c))
        .max()
        .map_or_else(|| "USD".to_owned(), |(_, c)| c.to_owned())
}

fn answer_words(a: &Answer) -> String {
    let mut s = match a.outcome {
        earmark_core::determine::Outcome::LicenseRequired => "license required".to_owned(),
        earmark_core::determine::Outcome::NoLicenseRequired => "no license required".to_owned(),
        earmark_core::determine::Outcome::Prohibited => "prohibited".to_owned(),
        earmark_core::determine::Outcome::Indeterminate => "indeterminate".to_owned(),
    };
    if let Some(p) = a.review_policy {
        s.push_str(", ");
        s.push_str(&p.as_str().replace('_', " "));
    }
    if !a.license_exceptions.is_empty() {
        s.push_str(", exceptions ");
        s.push_str(&a.license_exceptions.join(", "));
    }
    s
}

/// What the answer says beyond its severity's words (a review policy, exceptions, an outcome
/// other than the severity suggests), escaped, or nothing.
fn more_words(severity: crate::contract::Severity, a: &Answer) -> String {
    let words = answer_words(a);
    if words.eq_ignore_ascii_case(severity_words(severity)) {
        String::new()
    } else {
        format!(": {}", esc(&words))
    }
}

fn side(out: &mut String, name: &str, s: &SideInfo) {
    let _ = write!(
        out,
        "<tr><th scope=\"row\">{name}</th><td><b>{}</b></td><td>{}</td><td>{}</td><td><code>{}</code><div class=\"small\">sha256 <code>{}</code></div></td><td>",
        esc(&s.label),
        s.date.map_or_else(|| "each line's own date".to_owned(), |d| d.to_string()),
        s.layer.map_or("each line's own", |l| l.as_str()),
        esc(&s.rule_pack),
        esc(&s.rule_pack_hash),
    );
    match &s.overlay {
        Some(o) => {
            let _ = write!(out, "<b>{}</b>: {}", esc(&o.id), esc(&o.title));
            if !o.description.is_empty() {
                let _ = write!(out, "<div class=\"small\">{}</div>", esc(&o.description));
            }
            out.push_str("<div class=\"small\">hypothetical: an overlay on the real pack</div>");
        }
        None => out.push_str("the rule pack as it is"),
    }
    out.push_str("</td></tr>");
}

/// The scenario's page.
pub fn render_scenario(r: &ScenarioReport, opts: &ReportOptions) -> String {
    let mut out = String::with_capacity(64 * 1024);
    page_head(&mut out, opts);
    let currency = chart_currency(r);
    let h = opts.h100_tpp;
    let h100 = |tpp: f64| if h > 0.0 { tpp / h } else { 0.0 };
    let changed = r.changed() as u64;
    let _ = write!(
        out,
        r##"<header>
<h1>{}</h1>
<p class="sub">Book <code>{}</code> · checked on {} · {} compared, {} changed, {} indeterminate in a run, {} refused</p>
<nav><a href="#summary">Summary</a> <a href="#charts">Charts</a> <a href="#breakdown">By country, customer, item</a> <a href="#changes">Changed lines</a> <a href="#indeterminate">Indeterminate</a></nav>
</header>
<main>
<section id="summary"><h2>What was compared</h2>
<table class="sides"><thead><tr><th></th><th>Configuration</th><th>Date</th><th>Layer</th><th>Rule pack</th><th>Change</th></tr></thead><tbody>"##,
        esc(&opts.title),
        esc(&opts.source),
        opts.checked_on,
        count(r.compared as u64, "line", "lines"),
        int(changed.into()),
        int((r.indeterminate.len() as u64).into()),
        int((r.errors.len() as u64).into()),
    );
    side(&mut out, "Baseline", &r.baseline);
    side(&mut out, "Variant", &r.variant);
    out.push_str("</tbody></table><h2>What changes</h2><div class=\"cards\">");
    let card = |out: &mut String, key: &str, n: u64, words: &str, class: &str| {
        let _ = write!(
            out,
            r#"<div class="card {class}"><div class="big" data-metric="scenario.{key}" data-value="{n}">{}</div><div>{}</div></div>"#,
            int(n.into()),
            esc(words)
        );
    };
    card(
        &mut out,
        "compared",
        r.compared as u64,
        "lines compared",
        "sev-clear",
    );
    card(
        &mut out,
        "unchanged",
        r.unchanged as u64,
        "same answer",
        "sev-clear",
    );
    card(
        &mut out,
        "more_restrictive",
        r.totals.more_restrictive.lines as u64,
        "stricter",
        "sev-blocked",
    );
    card(
        &mut out,
        "less_restrictive",
        r.totals.less_restrictive.lines as u64,
        "less strict",
        "sev-license_required",
    );
    card(
        &mut out,
        "mixed",
        r.totals.mixed.lines as u64,
        "changed both ways",
        "sev-review",
    );
    card(
        &mut out,
        "indeterminate",
        r.totals.indeterminate.lines as u64,
        "indeterminate in a run",
        "sev-review",
    );
    out.push_str("</div>");
    out.push_str(r#"<table class="headline"><thead><tr><th>Direction</th><th class="num">Lines</th><th class="num">Value</th><th class="num">Compute (TPP)</th><th class="num">H100-equivalents</th></tr></thead><tbody>"#);
    for (d, words) in DIRECTIONS {
        let t = totals(&r.totals, d);
        let _ = write!(
            out,
            r#"<tr><th scope="row">{words}</th><td class="num">{}</td><td class="num">"#,
            int((t.lines as u64).into())
        );
        if t.value_cents.is_empty() {
            out.push('–');
        }
        for (c, v) in &t.value_cents {
            let _ = write!(
                out,
                r#"<div data-metric="scenario.value.{}.{}" data-value="{v}">{}</div>"#,
                d.as_str(),
                esc(c),
                money(i128::from(*v), c)
            );
        }
        if t.unpriced_lines > 0 {
            let _ = write!(
                out,
                r#"<div class="small">{} without a price</div>"#,
                int((t.unpriced_lines as u64).into())
            );
        }
        let _ = write!(out, r#"</td><td class="num">{}"#, figure(t.tpp));
        if t.unknown_tpp_lines > 0 {
            let _ = write!(
                out,
                r#"<div class="small">{} of unknown TPP</div>"#,
                int((t.unknown_tpp_lines as u64).into())
            );
        }
        let _ = write!(
            out,
            r#"</td><td class="num">{}</td></tr>"#,
            figure_1(h100(t.tpp))
        );
    }
    let _ = writeln!(
        out,
        r#"</tbody></table><p class="explain"><b>Stricter</b>: a license where none was needed, a prohibition, a harsher review policy or fewer license exceptions under the variant. <b>Indeterminate in a run</b>: the rules could not decide the line in one of the configurations, so the comparison cannot say; these lines are never counted as unchanged. An H100-equivalent is {} TPP.</p></section>"#,
        figure(h)
    );

    // Charts: diverging bars by country, value and compute.
    let mut countries: Vec<&Breakdown> = r
        .by_country
        .iter()
        .filter(|b| b.totals.more_restrictive.lines + b.totals.less_restrictive.lines > 0)
        .collect();
    countries.sort_by(|a, b| {
        let w = |x: &Breakdown| {
            value_in(&x.totals.more_restrictive, &currency)
                + value_in(&x.totals.less_restrictive, &currency)
        };
        w(b).cmp(&w(a)).then_with(|| a.key.cmp(&b.key))
    });
    countries.truncate(opts.top);
    let value_bars: Vec<(String, f64, f64)> = countries
        .iter()
        .map(|b| {
            (
                country_label(&b.key),
                value_in(&b.totals.less_restrictive, &currency) as f64 / 100.0,
                value_in(&b.totals.more_restrictive, &currency) as f64 / 100.0,
            )
        })
        .collect();
    let compute_bars: Vec<(String, f64, f64)> = countries
        .iter()
        .map(|b| {
            (
                country_label(&b.key),
                h100(b.totals.less_restrictive.tpp),
                h100(b.totals.more_restrictive.tpp),
            )
        })
        .collect();
    let cur = currency.clone();
    out.push_str(r#"<section id="charts"><h2>Where the answers change</h2><div class="chartbox"><h3>Value by destination country</h3>"#);
    out.push_str(&svg::diverging_bars(
        "scenario-value",
        &format!("Value whose answer becomes stricter or less strict, by country, in {currency}"),
        &value_bars,
        "less strict",
        "stricter",
        &move |v| format!("{cur} {}", super::html::compact(v)),
    ));
    out.push_str(
        r#"</div><div class="chartbox"><h3>Compute by destination country (H100-equivalents)</h3>"#,
    );
    out.push_str(&svg::diverging_bars(
        "scenario-compute",
        "Compute whose answer becomes stricter or less strict, by country, in H100-equivalents",
        &compute_bars,
        "less strict",
        "stricter",
        &|v| figure_1(v),
    ));
    out.push_str("</div></section>\n");

    out.push_str(
        r#"<section id="breakdown"><h2>By country, customer and item</h2><div class="tables">"#,
    );
    breakdown(
        &mut out,
        "Destination country",
        &r.by_country,
        &currency,
        opts,
        &h100,
        true,
    );
    breakdown(
        &mut out,
        "Customer",
        &r.by_customer,
        &currency,
        opts,
        &h100,
        false,
    );
    breakdown(&mut out, "Item", &r.by_item, &currency, opts, &h100, false);
    out.push_str("</div></section>\n");

    lines(
        &mut out,
        "changes",
        "Changed lines",
        &r.changes,
        opts,
        &h100,
    );
    lines(
        &mut out,
        "indeterminate",
        "Lines indeterminate in either run",
        &r.indeterminate,
        opts,
        &h100,
    );

    if !r.errors.is_empty() {
        let _ = write!(
            out,
            r#"<section id="refused"><h2>Lines the engine refused</h2><p>{} could not be checked and are in no figure above.</p><ul class="rejected">"#,
            count(r.errors.len() as u64, "line", "lines")
        );
        for e in r.errors.iter().take(opts.max_listed) {
            let _ = write!(
                out,
                "<li>line {}: order <code>{}</code> line {}: {}</li>",
                e.source_line,
                esc(&e.order_id),
                e.line,
                esc(&e.message)
            );
        }
        out.push_str("</ul></section>\n");
    }
    let _ = write!(
        out,
        "</main><footer><p class=\"small\">Made by earmark {} on {}. A scenario is a hypothesis about the rules, not the rules: an overlay changes the bundled pack as its files say. Not legal advice.</p></footer>\n</body>\n</html>\n",
        crate::ENGINE_VERSION,
        opts.checked_on
    );
    out
}

fn breakdown(
    out: &mut String,
    what: &str,
    rows: &[Breakdown],
    currency: &str,
    opts: &ReportOptions,
    h100: &dyn Fn(f64) -> f64,
    is_country: bool,
) {
    let mut rows: Vec<&Breakdown> = rows.iter().collect();
    rows.sort_by(|a, b| {
        let w = |x: &Breakdown| {
            x.totals.more_restrictive.lines + x.totals.less_restrictive.lines + x.totals.mixed.lines
        };
        let v = |x: &Breakdown| value_in(&x.totals.more_restrictive, currency);
        v(b).cmp(&v(a))
            .then(w(b).cmp(&w(a)))
            .then_with(|| a.key.cmp(&b.key))
    });
    let _ = write!(
        out,
        r#"<table class="breakdown"><caption>{w}</caption><thead><tr><th>{w}</th><th class="num">Stricter</th><th class="num">Less strict</th><th class="num">Both ways</th><th class="num">Indeterminate</th><th class="num">Value stricter ({c})</th><th class="num">H100-eq. stricter</th><th class="num">H100-eq. less strict</th></tr></thead><tbody>"#,
        w = esc(what),
        c = esc(currency)
    );
    for b in rows.iter().take(opts.top) {
        let t = &b.totals;
        let label = if is_country {
            country_label(&b.key)
        } else {
            b.key.clone()
        };
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            esc(&label),
            int((t.more_restrictive.lines as u64).into()),
            int((t.less_restrictive.lines as u64).into()),
            int((t.mixed.lines as u64).into()),
            int((t.indeterminate.lines as u64).into()),
            money(
                i128::from(value_in(&t.more_restrictive, currency)),
                currency
            ),
            figure_1(h100(t.more_restrictive.tpp)),
            figure_1(h100(t.less_restrictive.tpp)),
        );
    }
    if rows.is_empty() {
        out.push_str(r#"<tr><td colspan="8">no line changes</td></tr>"#);
    }
    out.push_str("</tbody></table>");
    if rows.len() > opts.top {
        let _ = write!(
            out,
            r#"<p class="small">{} more not shown.</p>"#,
            int(((rows.len() - opts.top) as u64).into())
        );
    }
}

fn lines(
    out: &mut String,
    id: &str,
    title: &str,
    deltas: &[LineDelta],
    opts: &ReportOptions,
    h100: &dyn Fn(f64) -> f64,
) {
    let _ = write!(out, r#"<section id="{id}"><h2>{}</h2>"#, esc(title));
    if deltas.len() > opts.max_listed {
        let _ = write!(
            out,
            r#"<p class="cap-note"><b>{} are not listed</b>: this page lists the first {} in book order. <code>earmark scenario … --output jsonl</code> gives every line.</p>"#,
            count((deltas.len() - opts.max_listed) as u64, "line", "lines"),
            int((opts.max_listed as u64).into())
        );
    }
    out.push_str(r#"<table class="lines"><thead><tr><th>Direction</th><th>Order / line</th><th>Item</th><th>To</th><th>Customer</th><th class="num">Qty</th><th class="num">Value</th><th class="num">H100-eq.</th><th>Baseline</th><th>Variant</th></tr></thead><tbody>"#);
    for d in deltas.iter().take(opts.max_listed) {
        let words = DIRECTIONS
            .iter()
            .find(|(x, _)| *x == d.direction)
            .map_or("", |(_, w)| *w);
        let _ = write!(
            out,
            r#"<tr class="sev-{}" id="{id}-{}-{}-{}"><td>{}</td><td>{} / {}</td><td>{}</td><td>{}</td><td>"#,
            match d.direction {
                Direction::MoreRestrictive => "blocked",
                Direction::LessRestrictive => "license_required",
                _ => "review",
            },
            id_part(&d.order_id),
            d.line,
            d.source_line,
            words,
            esc(&d.order_id),
            d.line,
            esc(&d.item),
            d.destination.code(),
        );
        push_esc(out, &d.customer);
        let _ = write!(
            out,
            r#"</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td><b>{}</b>{}<div class="small">{}</div></td><td><b>{}</b>{}<div class="small">{}</div></td></tr>"#,
            int(d.quantity.into()),
            match (d.value_cents, &d.currency) {
                (Some(v), Some(c)) => money(i128::from(v), c),
                _ => "–".to_owned(),
            },
            d.tpp
                .map_or_else(|| "unknown".to_owned(), |t| figure_1(h100(t))),
            severity_words(d.baseline.severity),
            more_words(d.baseline.severity, &d.baseline.answer),
            d.baseline.as_of,
            severity_words(d.variant.severity),
            more_words(d.variant.severity, &d.variant.answer),
            d.variant.as_of,
        );
    }
    if deltas.is_empty() {
        out.push_str(r#"<tr><td colspan="10">none</td></tr>"#);
    }
    out.push_str("</tbody></table></section>\n");
}
