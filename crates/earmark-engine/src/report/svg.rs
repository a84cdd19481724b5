//! Charts as inline SVG, written here rather than by a chart library so the report needs no
//! script and no network (its Content-Security-Policy forbids both) and prints as it shows.
//!
//! Each chart is a function from plain figures to one `<svg>` element with a `<title>` (for
//! screen readers) and a `<title>` per bar (the exact figure on hover). Every label is
//! escaped; figures are laid out in a fixed `viewBox` that the page's CSS scales to its width.

use super::html::{esc, push_esc};
use std::fmt::Write as _;

/// One series of a stacked chart: its name (in the legend) and fill colour.
#[derive(Debug, Clone, Copy)]
pub struct Series {
    pub name: &'static str,
    pub color: &'static str,
}

/// One bar: a label and one value per series (non-negative; anything else is drawn as 0).
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub values: Vec<f64>,
}

const WIDTH: f64 = 760.0;
const LABEL_W: f64 = 190.0;
const VALUE_W: f64 = 120.0;
const ROW_H: f64 = 22.0;
const BAR_H: f64 = 15.0;
const LEGEND_H: f64 = 26.0;

fn clean(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}

fn open(out: &mut String, class: &str, height: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart {class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0}" width="{WIDTH}" height="{height:.0}" role="img"><title>"#
    );
    push_esc(out, title);
    out.push_str("</title>");
}

fn legend(out: &mut String, series: &[Series], y: f64) {
    let mut x = LABEL_W;
    for s in series {
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="{:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}" class="legend">"#,
            y + 2.0,
            s.color,
            x + 17.0,
            y + 12.5
        );
        push_esc(out, s.name);
        out.push_str("</text>");
        x += 30.0 + 7.0 * s.name.chars().count() as f64;
    }
}

/// Horizontal stacked bars, one row per [`Bar`], with the row's total printed after it.
pub fn stacked_bars(
    class: &str,
    title: &str,
    bars: &[Bar],
    series: &[Series],
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let rows = bars.len().max(1) as f64;
    let height = LEGEND_H + rows * ROW_H + 6.0;
    let mut out = String::new();
    open(&mut out, class, height, title);
    legend(&mut out, series, 0.0);
    let max = bars
        .iter()
        .map(|b| b.values.iter().map(|v| clean(*v)).sum::<f64>())
        .fold(0.0, f64::max);
    let span = WIDTH - LABEL_W - VALUE_W;
    if bars.is_empty() || max <= 0.0 {
        let _ = write!(
            out,
            r#"<text x="{LABEL_W}" y="{:.1}" class="empty">nothing to show</text>"#,
            LEGEND_H + 15.0
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = LEGEND_H + i as f64 * ROW_H;
        out.push_str(r#"<text x=""#);
        let _ = write!(
            out,
            r#"{:.1}" y="{:.1}" class="label" text-anchor="end">"#,
            LABEL_W - 8.0,
            y + 12.5
        );
        push_esc(&mut out, &truncate(&bar.label, 28));
        out.push_str("</text>");
        let mut x = LABEL_W;
        let mut total = 0.0;
        for (v, s) in bar.values.iter().zip(series) {
            let v = clean(*v);
            total += v;
            if v <= 0.0 || max <= 0.0 {
                continue;
            }
            // A non-zero figure stays visible however small it is next to the largest.
            let w = (v / max * span).max(1.0);
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{BAR_H}" fill="{}"><title>"#,
                s.color
            );
            push_esc(&mut out, &bar.label);
            let _ = write!(out, " – {}: {}</title></rect>", esc(s.name), esc(&fmt(v)));
            x += w;
        }
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" class="value">{}</text>"#,
            x + 6.0,
            y + 12.5,
            esc(&fmt(total))
        );
    }
    out.push_str("</svg>");
    out
}

/// Stacked columns over time (one per month), with a labelled vertical scale.
pub fn stacked_columns(
    class: &str,
    title: &str,
    columns: &[Bar],
    series: &[Series],
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let plot_top = LEGEND_H + 10.0;
    let plot_h = 200.0;
    let axis_w = 90.0;
    let height = plot_top + plot_h + 40.0;
    let mut out = String::new();
    open(&mut out, class, height, title);
    legend(&mut out, series, 0.0);
    let max = columns
        .iter()
        .map(|b| b.values.iter().map(|v| clean(*v)).sum::<f64>())
        .fold(0.0, f64::max);
    let base = plot_top + plot_h;
    // The scale: the top value and the middle, so a reader can read a column off it.
    for frac in [0.0, 0.5, 1.0] {
        let y = base - frac * plot_h;
        let _ = write!(
            out,
            r#"<line x1="{axis_w}" x2="{WIDTH}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{:.1}" y="{:.1}" class="label" text-anchor="end">{}</text>"#,
            axis_w - 6.0,
            y + 4.0,
            esc(&fmt(max * frac))
        );
    }
    if columns.is_empty() || max <= 0.0 {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" class="empty">nothing to show</text>"#,
            axis_w + 10.0,
            base - 20.0
        );
    }
    let n = columns.len().max(1) as f64;
    let step = (WIDTH - axis_w) / n;
    let col_w = (step * 0.8).max(1.0);
    // Label every k-th column so the labels never overlap (about 48 px each).
    let every = ((48.0 / step).ceil() as usize).max(1);
    for (i, col) in columns.iter().enumerate() {
        let x = axis_w + i as f64 * step + (step - col_w) / 2.0;
        let mut top = base;
        for (v, s) in col.values.iter().zip(series) {
            let v = clean(*v);
            if v <= 0.0 || max <= 0.0 {
                continue;
            }
            let h = (v / max * plot_h).max(1.0);
            top -= h;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{top:.1}" width="{col_w:.1}" height="{h:.1}" fill="{}"><title>"#,
                s.color
            );
            push_esc(&mut out, &col.label);
            let _ = write!(out, " – {}: {}</title></rect>", esc(s.name), esc(&fmt(v)));
        }
        if i % every == 0 {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="middle">"#,
                x + col_w / 2.0,
                base + 16.0
            );
            push_esc(&mut out, &col.label);
            out.push_str("</text>");
        }
    }
    out.push_str("</svg>");
    out
}

/// One cap: what it allows and what has been used.
#[derive(Debug, Clone)]
pub struct Gauge {
    pub label: String,
    pub used: f64,
    pub limit: f64,
}

/// Cap usage: per cap its label on a line of its own, then a bar filled to its use with the
/// share printed after it (a cap's label is a year and a consignee name: too long to sit
/// beside the bar).
pub fn gauges(class: &str, title: &str, gauges: &[Gauge], fmt: &dyn Fn(f64) -> String) -> String {
    const ROW: f64 = 42.0;
    let rows = gauges.len().max(1) as f64;
    let height = rows * ROW + 6.0;
    let mut out = String::new();
    open(&mut out, class, height, title);
    let span = WIDTH - 260.0;
    for (i, g) in gauges.iter().enumerate() {
        let y = 4.0 + i as f64 * ROW;
        let share = if g.limit > 0.0 {
            clean(g.used) / g.limit
        } else {
            f64::INFINITY
        };
        // Past the limit the bar runs to the end and turns red; the share says by how much.
        let fill_w = if share.is_finite() {
            share.min(1.0) * span
        } else {
            span
        };
        let color = if share >= 1.0 {
            "#b3261e"
        } else if share >= 0.8 {
            "#b26a00"
        } else {
            "#1f5fa8"
        };
        let _ = write!(out, r#"<text x="0" y="{:.1}" class="label">"#, y + 11.0);
        push_esc(&mut out, &truncate(&g.label, 110));
        let bar_y = y + 16.0;
        let _ = write!(
            out,
            r##"</text><rect x="0" y="{bar_y:.1}" width="{span:.1}" height="16" fill="#e6e8eb"/><rect x="0" y="{bar_y:.1}" width="{:.1}" height="16" fill="{color}"><title>"##,
            fill_w.max(1.0)
        );
        push_esc(&mut out, &g.label);
        let pct = if share.is_finite() {
            format!("{:.0} %", share * 100.0)
        } else {
            "no limit".to_owned()
        };
        let _ = write!(
            out,
            r#": {} of {} ({})</title></rect><text x="{:.1}" y="{:.1}" class="value">{} of {} ({})</text>"#,
            esc(&fmt(g.used)),
            esc(&fmt(g.limit)),
            pct,
            span + 8.0,
            bar_y + 12.5,
            esc(&fmt(g.used)),
            esc(&fmt(g.limit)),
            pct
        );
    }
    out.push_str("</svg>");
    out
}

/// Diverging bars around a zero line: losses (e.g. lines that become license-required under
/// a scenario) to the right in red, relief to the left in green.
pub fn diverging_bars(
    class: &str,
    title: &str,
    bars: &[(String, f64, f64)],
    left: &'static str,
    right: &'static str,
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let series = [
        Series {
            name: left,
            color: "#4a7c3a",
        },
        Series {
            name: right,
            color: "#b3261e",
        },
    ];
    let rows = bars.len().max(1) as f64;
    let height = LEGEND_H + rows * ROW_H + 6.0;
    let mut out = String::new();
    open(&mut out, class, height, title);
    legend(&mut out, &series, 0.0);
    let max = bars
        .iter()
        .map(|(_, l, r)| clean(*l).max(clean(*r)))
        .fold(0.0, f64::max);
    let half = (WIDTH - LABEL_W - 2.0 * VALUE_W) / 2.0;
    let zero = LABEL_W + VALUE_W + half;
    let _ = write!(
        out,
        r#"<line x1="{zero:.1}" x2="{zero:.1}" y1="{LEGEND_H}" y2="{:.1}" class="axis"/>"#,
        height - 4.0
    );
    if bars.is_empty() || max <= 0.0 {
        let _ = write!(
            out,
            r#"<text x="{LABEL_W}" y="{:.1}" class="empty">no answer changes</text>"#,
            LEGEND_H + 15.0
        );
    }
    for (i, (label, l, r)) in bars.iter().enumerate() {
        let y = LEGEND_H + i as f64 * ROW_H;
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="end">"#,
            LABEL_W - 8.0,
            y + 12.5
        );
        push_esc(&mut out, &truncate(label, 28));
        out.push_str("</text>");
        for (v, s, sign) in [(clean(*l), &series[0], -1.0), (clean(*r), &series[1], 1.0)] {
            if v <= 0.0 || max <= 0.0 {
                continue;
            }
            let w = (v / max * half).max(1.0);
            let x = if sign < 0.0 { zero - w } else { zero };
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{BAR_H}" fill="{}"><title>"#,
                s.color
            );
            push_esc(&mut out, label);
            let _ = write!(out, " – {}: {}</title></rect>", esc(s.name), esc(&fmt(v)));
            let (tx, anchor) = if sign < 0.0 {
                (zero - w - 6.0, "end")
            } else {
                (zero + w + 6.0, "start")
            };
            let _ = write!(
                out,
                r#"<text x="{tx:.1}" y="{:.1}" class="value" text-anchor="{anchor}">{}</text>"#,
                y + 12.5,
                esc(&fmt(v))
            );
        }
    }
    out.push_str("</svg>");
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: [Series; 2] = [
        Series {
            name: "a",
            color: "#000",
        },
        Series {
            name: "b",
            color: "#fff",
        },
    ];

    #[test]
    fn bar_widths_are_proportional_to_the_largest_total() {
        let bars = vec![
            Bar {
                label: "X".into(),
                values: vec![100.0, 100.0],
            },
            Bar {
                label: "Y".into(),
                values: vec![50.0, 0.0],
            },
        ];
        let svg = stacked_bars("c", "t", &bars, &S, &|v| format!("{v}"));
        let span = WIDTH - LABEL_W - VALUE_W;
        // X's two halves fill the span; Y's one bar is a quarter of it; Y's zero is not drawn.
        assert!(svg.contains(&format!(r#"width="{:.1}""#, span / 2.0)));
        assert!(svg.contains(&format!(r#"width="{:.1}""#, span / 4.0)));
        assert_eq!(svg.matches("<rect").count(), 2 + 3);
        assert!(svg.contains(">200</text>"));
    }

    #[test]
    fn labels_are_escaped_in_text_and_titles() {
        let bars = vec![Bar {
            label: "<script>alert(1)</script>".into(),
            values: vec![1.0, 0.0],
        }];
        let svg = stacked_bars("c", "<t>", &bars, &S, &|v| format!("{v}"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(svg.contains("<title>&lt;t&gt;</title>"));
    }

    #[test]
    fn negative_and_non_finite_values_draw_nothing() {
        let bars = vec![Bar {
            label: "X".into(),
            values: vec![-5.0, f64::NAN],
        }];
        let svg = stacked_bars("c", "t", &bars, &S, &|v| format!("{v}"));
        assert!(svg.contains("nothing to show"));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn a_cap_past_its_limit_is_red_and_says_by_how_much() {
        let g = [Gauge {
            label: "CN 2026".into(),
            used: 150.0,
            limit: 100.0,
        }];
        let svg = gauges("c", "t", &g, &|v| format!("{v}"));
        assert!(svg.contains("#b3261e"));
        assert!(svg.contains("150 of 100 (150 %)"));
    }
}
