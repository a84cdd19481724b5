//! `earmark scenario BOOK --baseline WHAT --variant WHAT`: the order book under two
//! configurations, and the lines whose answer changes.
//!
//! WHAT is a comma-separated combination of: a date (`2025-06-01`: every line evaluated on
//! it), a layer (`legal` or `enforced`), an overlay directory (`examples/scenarios/NAME`: the
//! rule pack changed as `overlay.toml` says), and `real` (the pack as it is, the default). The
//! comparison itself is `earmark_engine::scenario::compare`; this module reads the files,
//! builds one engine per pack and renders the report.
//!
//! Exit codes: 0 no line's answer changes; 3 some answers change; 4 some line is
//! indeterminate in either run (the comparison is incomplete); 2 bad input (an unreadable
//! book or overlay, a bad WHAT, or rows skipped or refused: named on stderr, the rest
//! compared).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use earmark_core::determine::Reading;
use earmark_core::rules::{Overlay, RulePack};
use earmark_core::Date;
use earmark_engine::book::{self, BookFormat, ParseOptions};
use earmark_engine::scenario::{
    self, Breakdown, Configuration, LineDelta, ScenarioReport, Side, Totals,
};
use earmark_engine::Engine;
use serde::Serialize;

use super::lists::{self, ListArgs};
use super::rules::{read_pack_dir, reference_problems};
use super::today;
use crate::embedded;
use crate::output::{csv_safe, terminal_safe};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The order book: CSV or JSON Lines (`.csv`, `.jsonl`), columns as for `check --book`.
    #[arg(value_name = "ORDERS")]
    pub book: PathBuf,
    /// The first configuration: a date, a layer (`legal`, `enforced`), an overlay directory or
    /// `real`, or several joined by commas (`2025-06-01,legal`).
    #[arg(long, value_name = "WHAT")]
    pub baseline: String,
    /// The second configuration, compared with the first.
    #[arg(long, value_name = "WHAT")]
    pub variant: String,
    #[arg(long, value_enum, default_value_t)]
    pub output: Output,
    /// The rule pack the configurations start from (default: the bundled one).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Rows per breakdown (country, customer, item) and changed lines shown in the table.
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub top: usize,
    /// Also write the scenario as one self-contained HTML page (charts, tables, every
    /// changed line up to 500), for a person; nothing in it is fetched from the network.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub lists: ListArgs,
}

/// How the report is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Summary, breakdowns and the changed lines, for a person.
    #[default]
    Table,
    /// One JSON object per changed, indeterminate or refused line, then the summary.
    Jsonl,
    /// One row per changed, indeterminate or refused line.
    Csv,
}

/// A parsed WHAT: the configuration and the overlay directory, if any.
struct What {
    config: Configuration,
    overlay: Option<PathBuf>,
}

fn parse_what(flag: &str, text: &str) -> anyhow::Result<What> {
    let mut what = What {
        config: Configuration {
            label: text.to_owned(),
            date: None,
            layer: None,
        },
        overlay: None,
    };
    let mut real = false;
    for part in text.split(',').map(str::trim) {
        if part.is_empty() {
            bail!("`{flag} {text}`: an empty part between commas");
        }
        if let Ok(date) = part.parse::<Date>() {
            if what.config.date.replace(date).is_some() {
                bail!("`{flag} {text}`: two dates");
            }
        } else if part == "legal" || part == "enforced" {
            let layer = if part == "legal" {
                Reading::Legal
            } else {
                Reading::Enforced
            };
            if what.config.layer.replace(layer).is_some() {
                bail!("`{flag} {text}`: two layers");
            }
        } else if part == "real" {
            real = true;
        } else {
            let path = PathBuf::from(part);
            if !path.join("overlay.toml").is_file() {
                bail!(
                    "`{flag} {text}`: `{part}` is no date (YYYY-MM-DD), layer (`legal`, \
                     `enforced`), `real` or overlay directory (no `{}`)",
                    path.join("overlay.toml").display()
                );
            }
            if what.overlay.replace(path).is_some() {
                bail!("`{flag} {text}`: two overlays; combine their changes in one");
            }
        }
    }
    if real && what.overlay.is_some() {
        bail!("`{flag} {text}`: `real` and an overlay contradict each other");
    }
    Ok(what)
}

/// The base pack's files and how to name them.
fn base_files(rules: Option<&Path>) -> anyhow::Result<(String, Vec<(String, String)>)> {
    Ok(match rules {
        Some(dir) => (dir.display().to_string(), read_pack_dir(dir)?),
        None => (
            "rules/us-ear".to_owned(),
            embedded::rule_pack_files()
                .iter()
                .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
                .collect(),
        ),
    })
}

/// The pack a configuration uses: the base, or the base changed by the overlay in `dir`.
pub fn overlaid_pack(
    base_label: &str,
    base: &[(String, String)],
    dir: Option<&Path>,
) -> anyhow::Result<RulePack> {
    let catalog = embedded::catalog()?;
    let base_refs: Vec<(&str, &str)> = base.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let Some(dir) = dir else {
        let pack = RulePack::from_files(&base_refs).map_err(|e| {
            let lines: Vec<String> = e
                .problems
                .iter()
                .map(|p| format!("{base_label}/{p}"))
                .collect();
            anyhow::anyhow!("invalid rule pack:\n{}", lines.join("\n"))
        })?;
        if let Some(first) = reference_problems(&pack, &catalog).first() {
            bail!("invalid rule pack: {base_label}/{first}");
        }
        return Ok(pack);
    };
    let files = read_pack_dir(dir)?;
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let label = dir.display().to_string();
    let overlay = Overlay::from_files(&label, &refs).and_then(|o| {
        o.apply_checked(base_label, &base_refs, &|p| reference_problems(p, &catalog))
    });
    overlay.map_err(|e| {
        let lines: Vec<String> = e.problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("invalid overlay `{label}`:\n{}", lines.join("\n"))
    })
}

/// Reads the book as `check --book` does: spec paths relative to the book's directory.
fn read_book(path: &Path, both_dated: Option<Date>) -> anyhow::Result<book::Book> {
    let shown = path.display().to_string();
    let format = BookFormat::from_extension(&shown)
        .with_context(|| format!("`{shown}`: an order book is `.csv` or `.jsonl` (`.ndjson`)"))?;
    let file = std::fs::File::open(path).with_context(|| format!("reading `{shown}`"))?;
    // When both configurations give a date, a line needs none of its own.
    let options = ParseOptions {
        as_of: both_dated,
        ..ParseOptions::default()
    };
    let catalog = embedded::catalog()?;
    let mut resolver = super::book::Resolver::for_book(&catalog, path);
    let mut resolve = |item: &str| resolver.resolve(item);
    book::parse(
        std::io::BufReader::new(file),
        format,
        &options,
        &mut resolve,
    )
    .with_context(|| format!("reading `{shown}`"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let baseline = parse_what("--baseline", &args.baseline)?;
    let variant = parse_what("--variant", &args.variant)?;
    let both_dated = baseline
        .config
        .date
        .zip(variant.config.date)
        .map(|(a, _)| a);
    let book = read_book(&args.book, both_dated)?;
    let shown = args.book.display().to_string();
    for e in &book.errors {
        let field = e
            .field
            .as_ref()
            .map_or_else(String::new, |f| format!("`{f}`: "));
        eprintln!(
            "{}",
            terminal_safe(&format!("{shown}:{}: {field}{}", e.line, e.message))
        );
    }

    let (base_label, base) = base_files(args.rules.as_deref())?;
    let base_pack = overlaid_pack(&base_label, &base, baseline.overlay.as_deref())?;
    let same_pack = match (&baseline.overlay, &variant.overlay) {
        (None, None) => true,
        (Some(a), Some(b)) => std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok(),
        _ => false,
    };
    let variant_pack = if same_pack {
        None
    } else {
        Some(overlaid_pack(
            &base_label,
            &base,
            variant.overlay.as_deref(),
        )?)
    };

    let screens = book
        .lines
        .iter()
        .any(|l| l.shipment.parties.iter().any(|p| p.name.is_some()));
    let index = if screens {
        let loaded = lists::load(&args.lists)?;
        lists::report_issues(&loaded);
        lists::age_warnings(&loaded, today(), args.lists.max_list_age_days)?;
        Some(earmark_screen::build_index(loaded.loaded))
    } else {
        None
    };
    let engine_of = |pack: RulePack, index: Option<earmark_screen::Index>| {
        Engine::new(pack, embedded::catalog()?, embedded::catalog_hash(), index)
            .map(|e| e.with_max_list_age_days(args.lists.max_list_age_days))
            .map_err(|e| anyhow::anyhow!("the rule pack cannot classify: {e}"))
    };
    let base_engine = engine_of(base_pack, index.clone())?;
    let variant_engine = match variant_pack {
        Some(pack) => Some(engine_of(pack, index)?),
        None => None,
    };
    let report = scenario::compare(
        &book.lines,
        Side {
            engine: &base_engine,
            config: &baseline.config,
        },
        Side {
            engine: variant_engine.as_ref().unwrap_or(&base_engine),
            config: &variant.config,
        },
        today(),
    );
    for e in &report.errors {
        eprintln!(
            "{}",
            terminal_safe(&format!(
                "{shown}:{}: order `{}` line {}: {}",
                e.source_line, e.order_id, e.line, e.message
            ))
        );
    }
    if let Some(path) = &args.report {
        let mut opts = earmark_engine::report::ReportOptions::new(
            format!("Scenario: {} against {}", args.baseline, args.variant),
            shown.clone(),
            today(),
            book::H100_TPP,
        );
        opts.top = args.top;
        let html = earmark_engine::report::render_scenario(&report, &opts);
        std::fs::write(path, html)
            .with_context(|| format!("cannot write the report `{}`", path.display()))?;
    }
    match args.output {
        Output::Table => out!("{}", render_table(&report, args.top)),
        Output::Jsonl => render_jsonl(&report)?,
        Output::Csv => render_csv(&report)?,
    }
    eprintln!(
        "{shown}: {} rows read, {} skipped; {} lines compared: {} unchanged, {} changed, {} \
         indeterminate in either run, {} refused",
        book.rows,
        book.errors.len(),
        report.compared,
        report.unchanged,
        report.changed(),
        report.indeterminate.len(),
        report.errors.len()
    );
    Ok(ExitCode::from(exit_code(&report, book.errors.len())))
}

/// 2 bad rows or refused lines, else 4 indeterminate lines, else 3 changes, else 0.
pub fn exit_code(report: &ScenarioReport, skipped_rows: usize) -> u8 {
    if skipped_rows > 0 || !report.errors.is_empty() {
        2
    } else if !report.indeterminate.is_empty() {
        4
    } else if !report.changes.is_empty() {
        3
    } else {
        0
    }
}

fn money(totals: &Totals) -> String {
    if totals.value_cents.is_empty() {
        return if totals.lines > 0 {
            "unpriced".to_owned()
        } else {
            "0".to_owned()
        };
    }
    let mut parts: Vec<String> = totals
        .value_cents
        .iter()
        .map(|(c, v)| format!("{} {}", c, thousands(v / 100)))
        .collect();
    if totals.unpriced_lines > 0 {
        parts.push(format!("+{} unpriced", totals.unpriced_lines));
    }
    parts.join(", ")
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn compute(totals: &Totals) -> String {
    let mut s = format!("{:.1} H100e", totals.h100_equivalents);
    if totals.unknown_tpp_lines > 0 {
        s.push_str(&format!(
            " (+{} lines of unknown TPP)",
            totals.unknown_tpp_lines
        ));
    }
    s
}

fn side_line(name: &str, s: &scenario::SideInfo) -> String {
    let mut line = format!(
        "{name}: {}  ->  pack {} (sha256 {}…)",
        s.label,
        s.rule_pack,
        s.rule_pack_hash.get(..12).unwrap_or(&s.rule_pack_hash)
    );
    line.push_str(&match s.date {
        Some(d) => format!(", every line on {d}"),
        None => ", each line on its own date".to_owned(),
    });
    if let Some(layer) = s.layer {
        line.push_str(&format!(", {} layer", layer.as_str()));
    }
    line
}

fn answer_text(a: &scenario::LineAnswer) -> String {
    let mut s = earmark_engine::engine::brief(&a.answer);
    if earmark_engine::Severity::of_outcome(a.answer.outcome) != a.severity {
        s.push_str(&format!(" [{:?}]", a.severity).to_lowercase());
    }
    s
}

fn breakdown_table(out: &mut String, title: &str, rows: &[Breakdown], top: usize) {
    let mut rows: Vec<&Breakdown> = rows.iter().collect();
    // The largest movement first: value is in mixed currencies, so lines and compute decide.
    rows.sort_by(|a, b| {
        let weight = |r: &Breakdown| {
            r.totals.more_restrictive.h100_equivalents + r.totals.less_restrictive.h100_equivalents
        };
        weight(b)
            .total_cmp(&weight(a))
            .then_with(|| a.key.cmp(&b.key))
    });
    let _ = writeln!(out, "\nby {title} (top {top}):");
    let _ = writeln!(
        out,
        "  {:<32} {:>24} {:>24} {:>6} {:>6}",
        title, "more restrictive", "less restrictive", "mixed", "indet."
    );
    for r in rows.iter().take(top) {
        let t = &r.totals;
        let cell = |x: &Totals| {
            if x.lines == 0 {
                "-".to_owned()
            } else {
                format!("{} ln, {:.1} H100e", x.lines, x.h100_equivalents)
            }
        };
        let _ = writeln!(
            out,
            "  {:<32} {:>24} {:>24} {:>6} {:>6}",
            short(&terminal_safe(&r.key), 32),
            cell(&t.more_restrictive),
            cell(&t.less_restrictive),
            t.mixed.lines,
            t.indeterminate.lines
        );
    }
    if rows.len() > top {
        let _ = writeln!(out, "  ... {} more", rows.len() - top);
    }
}

/// At most `n` characters, with an ellipsis when cut, so the columns stay aligned.
fn short(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(n.saturating_sub(1)).collect();
    s.push('…');
    s
}

fn render_table(r: &ScenarioReport, top: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", side_line("baseline", &r.baseline));
    let _ = writeln!(out, "{}", side_line("variant ", &r.variant));
    for s in [&r.baseline, &r.variant] {
        if let Some(o) = &s.overlay {
            let _ = writeln!(out, "  note: {}", o.describe(&s.rule_pack));
        }
    }
    let _ = writeln!(
        out,
        "\n{} lines: {} unchanged, {} changed, {} indeterminate in either run (not compared), {} refused",
        r.lines,
        r.unchanged,
        r.changed(),
        r.indeterminate.len(),
        r.errors.len()
    );
    let _ = writeln!(
        out,
        "\n{:<18} {:>7} {:>9}  {:<36} compute",
        "", "lines", "units", "value"
    );
    for (name, t) in [
        ("more restrictive", &r.totals.more_restrictive),
        ("less restrictive", &r.totals.less_restrictive),
        ("mixed", &r.totals.mixed),
        ("indeterminate", &r.totals.indeterminate),
    ] {
        let _ = writeln!(
            out,
            "{:<18} {:>7} {:>9}  {:<36} {}",
            name,
            t.lines,
            t.quantity,
            money(t),
            compute(t)
        );
    }
    if r.changed() + r.indeterminate.len() > 0 {
        breakdown_table(&mut out, "country", &r.by_country, top);
        breakdown_table(&mut out, "customer", &r.by_customer, top);
        breakdown_table(&mut out, "item", &r.by_item, top);
    }
    let shown: Vec<&LineDelta> = r.changes.iter().chain(&r.indeterminate).collect();
    if !shown.is_empty() {
        let _ = writeln!(out, "\nlines (first {}):", top.min(shown.len()));
        for d in shown.iter().take(top) {
            let _ = writeln!(
                out,
                "  {}:{} {} x{} to {} ({}): {}  ->  {}  [{}]",
                terminal_safe(&d.order_id),
                d.line,
                terminal_safe(&d.item),
                d.quantity,
                d.destination,
                terminal_safe(&d.customer),
                answer_text(&d.baseline),
                answer_text(&d.variant),
                d.direction.as_str().replace('_', " ")
            );
        }
        if shown.len() > top {
            let _ = writeln!(
                out,
                "  ... {} more (all of them: --output jsonl or csv)",
                shown.len() - top
            );
        }
    }
    out
}

fn render_jsonl(r: &ScenarioReport) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct Row<'a, T: Serialize> {
        kind: &'static str,
        #[serde(flatten)]
        row: &'a T,
    }
    for d in &r.changes {
        outln!(
            "{}",
            serde_json::to_string(&Row {
                kind: "change",
                row: d
            })?
        );
    }
    for d in &r.indeterminate {
        outln!(
            "{}",
            serde_json::to_string(&Row {
                kind: "indeterminate",
                row: d
            })?
        );
    }
    for e in &r.errors {
        outln!(
            "{}",
            serde_json::to_string(&Row {
                kind: "error",
                row: e
            })?
        );
    }
    // The summary last: everything but the per-line lists already printed.
    let summary = ScenarioReport {
        changes: Vec::new(),
        indeterminate: Vec::new(),
        errors: Vec::new(),
        ..r.clone()
    };
    outln!(
        "{}",
        serde_json::to_string(&Row {
            kind: "summary",
            row: &summary
        })?
    );
    Ok(())
}

fn render_csv(r: &ScenarioReport) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "kind",
        "source_line",
        "order_id",
        "line",
        "item",
        "destination",
        "customer",
        "quantity",
        "value",
        "currency",
        "tpp",
        "h100_equivalents",
        "direction",
        "changed",
        "baseline_date",
        "baseline_outcome",
        "baseline_review_policy",
        "baseline_exceptions",
        "baseline_severity",
        "variant_date",
        "variant_outcome",
        "variant_review_policy",
        "variant_exceptions",
        "variant_severity",
    ])?;
    let answer = |a: &scenario::LineAnswer| {
        [
            a.as_of.to_string(),
            a.answer.outcome.as_str().to_owned(),
            a.answer
                .review_policy
                .map_or_else(String::new, |p| p.as_str().to_owned()),
            a.answer.license_exceptions.join(" "),
            serde_json::to_value(a.severity)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ]
    };
    for (kind, d) in r
        .changes
        .iter()
        .map(|d| ("change", d))
        .chain(r.indeterminate.iter().map(|d| ("indeterminate", d)))
    {
        let mut row = vec![
            kind.to_owned(),
            d.source_line.to_string(),
            csv_safe(&d.order_id).into_owned(),
            d.line.to_string(),
            csv_safe(&d.item).into_owned(),
            d.destination.code().to_owned(),
            csv_safe(&d.customer).into_owned(),
            d.quantity.to_string(),
            d.value_cents
                .map_or_else(String::new, |v| format!("{}.{:02}", v / 100, v % 100)),
            d.currency.clone().unwrap_or_default(),
            d.tpp.map_or_else(String::new, |t| format!("{t:.0}")),
            d.h100_equivalents
                .map_or_else(String::new, |h| format!("{h:.2}")),
            d.direction.as_str().to_owned(),
            d.changed
                .iter()
                .filter_map(|a| serde_json::to_value(a).ok())
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
                .join(" "),
        ];
        row.extend(answer(&d.baseline));
        row.extend(answer(&d.variant));
        w.write_record(&row)?;
    }
    for e in &r.errors {
        let mut row = vec![
            "error".to_owned(),
            e.source_line.to_string(),
            csv_safe(&e.order_id).into_owned(),
            e.line.to_string(),
        ];
        row.resize(12, String::new());
        row.push(csv_safe(&e.message).into_owned());
        row.resize(24, String::new());
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    out!("{}", String::from_utf8_lossy(&bytes));
    Ok(())
}
