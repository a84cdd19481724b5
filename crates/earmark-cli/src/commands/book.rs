//! `earmark check --book ORDERS.csv|.jsonl`: every line of an order book checked, every party
//! screened once, a summary of what needs a license, is blocked or needs review by country,
//! customer and item, and with `--record` every line written to the ledger with its decision.
//!
//! The shipment flags of a single check (`--to`, `--end-user`, the item, ...) conflict with
//! `--book`: a book's lines say all of that in their columns, and a flag that silently filled
//! or overrode a column would make a line's answer depend on how it was invoked. The flags
//! that are about the check rather than the shipment apply to every line: `--as-of` (the
//! rules' date for every line; without it each line's `date`), `--known-on`, `--layer`,
//! `--tf32-bits`, `--lists`, `--rules`.

use std::collections::HashMap;
use std::io::{IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use earmark_core::determine::EccnFact;
use earmark_core::spec::Tf32Reading;
use earmark_engine::book::run::{Event, Full};
use earmark_engine::book::summary::{customer, ranked, Group, Tally};
use earmark_engine::book::{
    h100_equivalents, BookFormat, BookLine, BookReader, LineCheck, ParseOptions, RunOptions,
    Summary,
};
use earmark_engine::{Engine, ItemRef, Severity};
use earmark_ledger::{NewShipment, Recorded};
use earmark_screen::build_index;

use earmark_engine::report::{ReportBuilder, ReportOptions};

use super::check::Args;
use super::ledger::{authorisation, settle_with_dispositions, AnswerLedgerArgs};
use super::lists;
use super::rules::load_pack;
use super::today;
use crate::embedded;
use crate::output::{csv_safe, terminal_safe};

/// The order-book options of `earmark check`.
#[derive(Debug, clap::Args)]
pub struct BookArgs {
    /// Check every line of an order book (CSV or JSON Lines, by extension; columns: see
    /// README, "Order books").
    #[arg(long, value_name = "ORDERS.csv|.jsonl", conflicts_with_all = [
        "catalog_id", "spec", "to", "from", "end_user_hq", "parent_hq", "transaction",
        "end_use", "quantity", "end_user_list", "end_user", "end_user_address", "consignee",
        "intermediate_consignee", "purchaser", "exporter_role", "rebuttal", "format",
    ])]
    pub book: Option<PathBuf>,
    /// What to print: `table` (the summary and the flagged lines), `jsonl` or `csv` (one row
    /// per line, then the summary on stderr).
    #[arg(long, value_enum, requires = "book")]
    pub output: Option<BookOutput>,
    /// Threads to check on (default: every core).
    #[arg(long, value_name = "N", requires = "book")]
    pub threads: Option<usize>,
    /// Also write the results as one self-contained HTML page (headline numbers, charts by
    /// country and month, the flagged lines with their decisions), for a person.
    #[arg(long, value_name = "FILE.html", requires = "book")]
    pub report: Option<PathBuf>,
    /// Only read and validate the book, then stop (what the bench compares the check with).
    #[arg(long, requires = "book", hide = true)]
    pub parse_only: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum BookOutput {
    #[default]
    Table,
    Jsonl,
    Csv,
}

/// Resolves the `item` cells: a catalog id, or a spec file (`.toml`, `.json`) named relative
/// to the book's directory, read once per path.
pub(crate) struct Resolver<'c> {
    catalog: &'c earmark_core::catalog::Catalog,
    base: PathBuf,
    specs: HashMap<String, Result<ItemRef, String>>,
}

impl<'c> Resolver<'c> {
    /// A resolver for the book at `book` (spec paths are relative to its directory); shared
    /// with `earmark scenario`, which reads books the same way.
    pub(crate) fn for_book(catalog: &'c earmark_core::catalog::Catalog, book: &Path) -> Self {
        Self {
            catalog,
            base: book.parent().map(Path::to_path_buf).unwrap_or_default(),
            specs: HashMap::new(),
        }
    }

    pub(crate) fn resolve(&mut self, item: &str) -> Result<ItemRef, String> {
        let lower = item.to_ascii_lowercase();
        if lower.ends_with(".toml") || lower.ends_with(".json") {
            if let Some(hit) = self.specs.get(item) {
                return hit.clone();
            }
            let path = self.base.join(item);
            let got = super::classify::read_spec_file(&path)
                .map(|s| ItemRef::Spec(Box::new(s)))
                .map_err(|e| format!("{e:#}"));
            self.specs.insert(item.to_owned(), got.clone());
            return got;
        }
        match self.catalog.get(item) {
            Some(entry) => Ok(ItemRef::CatalogId(entry.id.clone())),
            None => {
                let near = self.catalog.suggest(item);
                Err(if near.is_empty() {
                    format!("`{item}` is not in the catalog (see `earmark catalog list`) and is no spec path (.toml, .json)")
                } else {
                    format!(
                        "`{item}` is not in the catalog; did you mean {}?",
                        near.join(", ")
                    )
                })
            }
        }
    }
}

fn eccn_text(e: EccnFact) -> String {
    match e {
        EccnFact::Unknown => "undecided".to_owned(),
        EccnFact::NotListed => "not 3A090/4A090".to_owned(),
        EccnFact::Listed(e) => e.as_str().to_owned(),
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Clear => "clear",
        Severity::LicenseRequired => "license_required",
        Severity::Review => "review",
        Severity::Blocked => "blocked",
    }
}

/// Dollars (or another currency) from cents, with thousands separators: `1,234,567.89`.
fn money(cents: u128) -> String {
    let whole = (cents / 100).to_string();
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{:02}", cents % 100)
}

fn grouped(v: f64) -> String {
    money((v.max(0.0).round() as u128) * 100)
        .trim_end_matches(".00")
        .to_owned()
}

fn value_text(t: &Tally) -> String {
    let mut parts: Vec<String> = t
        .value_cents
        .iter()
        .map(|(c, v)| format!("{c} {}", money(*v)))
        .collect();
    if parts.is_empty() {
        parts.push("no value".to_owned());
    }
    if t.lines_without_value > 0 && !t.value_cents.is_empty() {
        parts.push(format!("{} lines unpriced", t.lines_without_value));
    }
    parts.join(", ")
}

fn compute_text(t: &Tally) -> String {
    let mut s = format!(
        "TPP {} ({} H100-eq)",
        grouped(t.tpp),
        grouped(t.h100_equivalents())
    );
    if t.lines_without_tpp > 0 {
        s.push_str(&format!(", {} lines of unknown TPP", t.lines_without_tpp));
    }
    s
}

/// The rows and columns `--output csv` writes.
const CSV_HEADER: [&str; 23] = [
    "line",
    "order_id",
    "order_line",
    "date",
    "as_of",
    "item",
    "destination",
    "customer",
    "quantity",
    "value",
    "currency",
    "severity",
    "outcome",
    "review_policy",
    "license_exceptions",
    "rules",
    "citations",
    "eccn",
    "tpp",
    "h100_equivalents",
    "screening",
    "headline",
    "error",
];

fn line_json(label: &str, line: &BookLine, check: &LineCheck<'_>) -> serde_json::Value {
    let mut v = serde_json::json!({
        "file": label,
        "line": line.source_line,
        "order_id": line.order_id,
        "order_line": line.line,
        "date": line.date,
        "as_of": line.shipment.as_of,
        "item": line.item,
        "destination": line.shipment.to.code(),
        "customer": customer(line),
        "quantity": line.quantity,
        "value_cents": line.value_cents,
        "currency": line.currency,
        "severity": severity_word(check.severity()),
    });
    let Some(obj) = v.as_object_mut() else {
        return v;
    };
    match &check.result {
        Ok(o) => {
            let tpp = o.tpp_total(line.quantity);
            let fields = serde_json::json!({
                "outcome": o.outcome.as_str(),
                "headline": o.headline(),
                "review_policy": o.review_policy.map(|p| p.as_str()),
                "license_exceptions": o.license_exceptions,
                "rules": o.rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
                "instruments": o.instruments,
                "citations": o.citations(),
                "eccn": eccn_text(o.eccn),
                "tpp_per_unit": o.tpp_per_unit,
                "tpp": tpp,
                "h100_equivalents": tpp.map(h100_equivalents),
                "screening": o.hits.iter().map(|h| serde_json::json!({
                    "role": h.role,
                    "name": h.name,
                    "list": h.list,
                    "source_id": h.source_id,
                    "matched_name": h.matched_name,
                    "band": h.band,
                    "score": h.score,
                    "listed_on": h.listed_on,
                })).collect::<Vec<_>>(),
            });
            if let serde_json::Value::Object(m) = fields {
                obj.extend(m);
            }
        }
        Err(e) => {
            obj.insert("error".to_owned(), e.to_string().into());
        }
    }
    v
}

fn line_csv(line: &BookLine, check: &LineCheck<'_>) -> Vec<String> {
    let (mut outcome, mut policy, mut exceptions, mut rules, mut cites, mut eccn) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    let (mut tpp, mut h100, mut hits, mut headline, mut error) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    match &check.result {
        Ok(o) => {
            outcome = o.outcome.as_str().to_owned();
            policy = o
                .review_policy
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default();
            exceptions = o.license_exceptions.join("; ");
            rules = o
                .rules
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            cites = o.citations().join("; ");
            eccn = eccn_text(o.eccn);
            if let Some(t) = o.tpp_total(line.quantity) {
                tpp = format!("{t:.0}");
                h100 = format!("{:.2}", h100_equivalents(t));
            }
            hits = o
                .hits
                .iter()
                .map(|h| {
                    format!(
                        "{} {}:{} \"{}\" {:.2} {}",
                        h.role.as_str(),
                        h.list,
                        h.source_id,
                        h.matched_name,
                        h.score,
                        h.band.as_str()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            headline = o.headline();
        }
        Err(e) => error = e.to_string(),
    }
    let row = [
        line.source_line.to_string(),
        line.order_id.clone(),
        line.line.to_string(),
        line.date.map(|d| d.to_string()).unwrap_or_default(),
        line.shipment.as_of.to_string(),
        line.item.clone(),
        line.shipment.to.code().to_owned(),
        customer(line).to_owned(),
        line.quantity.to_string(),
        line.value_cents
            .map(|v| money(u128::from(v)))
            .unwrap_or_default()
            .replace(',', ""),
        line.currency.clone().unwrap_or_default(),
        severity_word(check.severity()).to_owned(),
        outcome,
        policy,
        exceptions,
        rules,
        cites,
        eccn,
        tpp,
        h100,
        hits,
        headline,
        error,
    ];
    row.iter().map(|c| csv_safe(c).into_owned()).collect()
}

fn csv_io_error(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Lines the table shows after the summary, per severity and for list matches.
const SHOWN_LINES: usize = 8;

/// What `--record` did.
#[derive(Debug, Default)]
struct RecordTally {
    recorded: usize,
    already: usize,
    refused: usize,
}

/// Lines recorded per ledger transaction (as `ledger record-batch`).
const RECORD_BATCH: usize = 500;

pub fn run(args: &Args, l: &AnswerLedgerArgs, b: &BookArgs) -> anyhow::Result<ExitCode> {
    if l.record && (args.as_of.is_some() || args.known_on.is_some()) {
        bail!("`--record` records each line decided on its own date: `--as-of` and `--known-on` do not go with it");
    }
    let Some(path) = b.book.as_deref() else {
        bail!("give the book: `--book ORDERS.csv`");
    };
    let label = path.display().to_string();
    let Some(format) = BookFormat::from_extension(&label) else {
        bail!(
            "`{label}`: name the book `.csv` or `.jsonl` (its format is read from the extension)"
        );
    };
    let Some(tf32) = Tf32Reading::from_bits(args.tf32_bits) else {
        bail!(
            "`--tf32-bits {}`: TF32 counts as 32 or 19 bits",
            args.tf32_bits
        );
    };
    let options = ParseOptions {
        as_of: args.as_of,
        known_on: args.known_on,
        layer: args.layer.into(),
        tf32,
    };
    let catalog = embedded::catalog()?;
    let file = std::fs::File::open(path).with_context(|| format!("cannot read `{label}`"))?;
    let reader =
        BookReader::new(file, format, options).map_err(|e| anyhow::anyhow!("{label}:{e}"))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();

    if b.parse_only {
        let mut resolver = Resolver {
            catalog: &catalog,
            base,
            specs: HashMap::new(),
        };
        let mut resolve = |item: &str| resolver.resolve(item);
        let mut reader = reader;
        let (mut lines, mut bad) = (0usize, 0usize);
        while let Some(r) = reader.next_record(&mut resolve) {
            match r {
                Ok(_) => lines += 1,
                Err(e) => {
                    bad += 1;
                    eprintln!(
                        "{label}:{}",
                        terminal_safe(&e.to_string()).trim_start_matches("line ")
                    );
                }
            }
        }
        eprintln!("{label}: parsed {lines} lines, {bad} bad rows");
        return Ok(ExitCode::from(if bad > 0 { 2 } else { 0 }));
    }

    let pack = load_pack(args.rules.as_deref())?;
    let loaded = lists::load(&args.lists)?;
    lists::report_issues(&loaded);
    lists::age_warnings(&loaded, today(), args.lists.max_list_age_days)?;
    let engine = Engine::new(
        pack,
        catalog.clone(),
        embedded::catalog_hash(),
        Some(build_index(loaded.loaded)),
    )
    .map_err(|e| anyhow::anyhow!("the rule pack cannot classify: {e}"))?
    .with_max_list_age_days(args.lists.max_list_age_days);
    let checked_on = today();
    let mut run_options = RunOptions::new(checked_on);
    if let Some(n) = b.threads {
        run_options.threads = n.max(1);
    }
    if l.record {
        run_options.full = Full::Recordable;
        // A full decision is 25 to 48 KB: smaller chunks keep the few in flight small.
        run_options.chunk_lines = 256;
    }
    let output = b.output.unwrap_or_default();

    let mut ledger = if l.record {
        Some(l.db_args().open()?)
    } else {
        None
    };
    let meta = l.db_args().meta();
    let mut settle_worker = engine.worker();
    let mut pending: Vec<(u64, NewShipment)> = Vec::new();
    let mut rec = RecordTally::default();
    let mut record_error: Option<anyhow::Error> = None;

    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} lines checked, {per_sec}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };
    let stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let (mut jsonl_out, mut csv_out) = match output {
        BookOutput::Table => (None, None),
        BookOutput::Jsonl => (Some(stdout), None),
        BookOutput::Csv => {
            let mut w = csv::Writer::from_writer(stdout);
            w.write_record(CSV_HEADER)?;
            (None, Some(w))
        }
    };
    let mut summary = Summary::default();
    // Lines shown per severity (indexed by `Severity as usize`), and lines with a list match.
    let mut shown: [Vec<String>; 4] = Default::default();
    let mut matches_shown: Vec<String> = Vec::new();
    let mut list_matches = 0usize;
    let mut matched_customers: std::collections::HashSet<String> = Default::default();
    let mut flagged = 0usize;
    let mut write_error: Option<std::io::Error> = None;
    let mut check_errors = 0usize;
    // Opened before the run, so an unwritable path fails at once, not after a long book.
    let report_file = match &b.report {
        Some(p) => Some(
            std::fs::File::create(p)
                .with_context(|| format!("cannot write the report `{}`", p.display()))?,
        ),
        None => None,
    };
    let mut report = b.report.as_ref().map(|_| {
        ReportBuilder::new(ReportOptions::new(
            "Order book check",
            label.clone(),
            checked_on,
            earmark_engine::book::H100_TPP,
        ))
    });
    // The page lists flagged lines with their full decision; a fast-path run makes those
    // apart, only for the lines the page will list.
    let mut report_worker = b.report.as_ref().map(|_| engine.worker());

    let flush_records = |pending: &mut Vec<(u64, NewShipment)>,
                         ledger: &mut Option<earmark_ledger::Ledger>,
                         rec: &mut RecordTally|
     -> anyhow::Result<()> {
        let Some(ledger) = ledger.as_mut() else {
            return Ok(());
        };
        if pending.is_empty() {
            return Ok(());
        }
        let (numbers, lines): (Vec<u64>, Vec<NewShipment>) =
            std::mem::take(pending).into_iter().unzip();
        let results = ledger.record_shipments(&lines, &meta)?;
        for (n, result) in numbers.iter().zip(results) {
            match result {
                Ok(Recorded::New { warnings, .. }) => {
                    rec.recorded += 1;
                    for w in warnings {
                        bar.suspend(|| eprintln!("{label}:{n}: warning: {}", terminal_safe(&w)));
                    }
                }
                Ok(Recorded::AlreadyRecorded { .. }) => rec.already += 1,
                Err(e) => {
                    rec.refused += 1;
                    bar.suspend(|| {
                        eprintln!(
                            "{label}:{n}: not recorded: {}",
                            terminal_safe(&e.to_string())
                        );
                    });
                }
            }
        }
        Ok(())
    };

    let mut resolver = Resolver {
        catalog: &catalog,
        base,
        specs: HashMap::new(),
    };
    let mut resolve = |item: &str| resolver.resolve(item);
    let stats = earmark_engine::book::run_stream(
        &engine,
        reader,
        &mut resolve,
        &run_options,
        &mut |event| match event {
            Event::Bad(e) => {
                summary.add_bad_row();
                let where_ = match &e.field {
                    Some(f) => format!("{}: `{f}`", e.line),
                    None => e.line.to_string(),
                };
                if let Some(r) = report.as_mut() {
                    r.reject(format!("{label}:{where_}: {}", e.message));
                }
                bar.suspend(|| {
                    eprintln!(
                        "{label}:{where_}: {} (row skipped)",
                        terminal_safe(&e.message)
                    );
                });
            }
            Event::Line(line, check) => {
                bar.inc(1);
                summary.add(line, check);
                if let Some(r) = report.as_mut() {
                    let full = match &check.result {
                        Ok(o) if o.decision.is_none() && r.wants_detail(o.severity) => {
                            report_worker
                                .as_mut()
                                .and_then(|w| w.check(&line.shipment, checked_on).ok())
                        }
                        _ => None,
                    };
                    r.add_check(line, check, full.as_ref(), engine.pack());
                }
                if let Err(e) = &check.result {
                    check_errors += 1;
                    bar.suspend(|| {
                        eprintln!(
                            "{label}:{}: cannot check: {}",
                            line.source_line,
                            terminal_safe(&e.to_string())
                        );
                    });
                }
                match output {
                    BookOutput::Table => {
                        let sev = check.severity();
                        if sev != Severity::Clear {
                            flagged += 1;
                            let slot = &mut shown[sev as usize];
                            if slot.len() < SHOWN_LINES {
                                slot.push(table_line(&label, line, check));
                            }
                        }
                        let matched = check.result.as_ref().is_ok_and(|o| {
                            o.hits.iter().any(|h| h.band == earmark_screen::Band::Match)
                        });
                        if matched {
                            list_matches += 1;
                            // One line per matched customer: the first of its lines.
                            if matches_shown.len() < SHOWN_LINES
                                && matched_customers.insert(customer(line).to_owned())
                            {
                                matches_shown.push(table_line(&label, line, check));
                            }
                        }
                    }
                    BookOutput::Jsonl => {
                        if let (Some(w), None) = (jsonl_out.as_mut(), &write_error) {
                            let v = line_json(&label, line, check);
                            if let Err(e) = serde_json::to_writer(&mut *w, &v)
                                .map_err(std::io::Error::from)
                                .and_then(|()| w.write_all(b"\n"))
                            {
                                write_error = Some(e);
                            }
                        }
                    }
                    BookOutput::Csv => {
                        if let (Some(w), None) = (csv_out.as_mut(), &write_error) {
                            if let Err(e) = w.write_record(line_csv(line, check)) {
                                write_error = Some(csv_io_error(e));
                            }
                        }
                    }
                }
                if ledger.is_some() && record_error.is_none() {
                    match record_line(&mut settle_worker, &mut ledger, line, check) {
                        Ok(Some(new)) => pending.push((line.source_line, new)),
                        Ok(None) => {}
                        Err(e) => {
                            rec.refused += 1;
                            bar.suspend(|| {
                                eprintln!(
                                    "{label}:{}: not recorded: {}",
                                    line.source_line,
                                    terminal_safe(&format!("{e:#}"))
                                );
                            });
                        }
                    }
                    if pending.len() >= RECORD_BATCH {
                        if let Err(e) = flush_records(&mut pending, &mut ledger, &mut rec) {
                            record_error = Some(e);
                        }
                    }
                }
            }
        },
    );
    if record_error.is_none() {
        if let Err(e) = flush_records(&mut pending, &mut ledger, &mut rec) {
            record_error = Some(e);
        }
    }
    bar.finish_and_clear();
    if let Some(mut w) = csv_out {
        if let Err(e) = w.flush() {
            write_error.get_or_insert(e);
        }
    }
    if let Some(mut w) = jsonl_out {
        if let Err(e) = w.flush() {
            write_error.get_or_insert(e);
        }
    }
    if let Some(e) = write_error {
        crate::output::exit_on_write_error(&e);
    }
    if let Some(e) = record_error {
        return Err(e.context("recording the book in the ledger"));
    }

    if let (Some(path), Some(mut r)) = (&b.report, report) {
        r.data_used(engine.data_used(checked_on));
        if let Some(l) = ledger.as_mut() {
            let years = r.years();
            r.caps(cap_figures(l, &years).context("reading the caps for the report")?);
        }
        r.note(match args.as_of {
            Some(d) => format!("Every line is decided under the rules as of {d}."),
            None => "Each line is decided under the rules in force on its own date.".to_owned(),
        });
        if let Some(mut f) = report_file {
            f.write_all(r.render().as_bytes())
                .and_then(|()| f.flush())
                .with_context(|| format!("cannot write the report `{}`", path.display()))?;
        }
    }
    let head = format!(
        "{label}: {} lines checked, {} bad rows{}, {} distinct parties screened; rules as of {}; checked on {checked_on}",
        stats.lines,
        stats.bad_rows,
        if stats.stopped { " (reading stopped early)" } else { "" },
        stats.parties_screened,
        match args.as_of {
            Some(d) => d.to_string(),
            None => "each line's date".to_owned(),
        },
    );
    let text = render_summary(
        &head,
        &summary,
        &shown,
        flagged,
        (&matches_shown, list_matches),
        check_errors,
    );
    match output {
        BookOutput::Table => out!("{text}"),
        BookOutput::Jsonl | BookOutput::Csv => eprint!("{text}"),
    }
    if l.record {
        let line = format!(
            "ledger: {} recorded, {} already recorded, {} not recorded",
            rec.recorded, rec.already, rec.refused
        );
        match output {
            BookOutput::Table => outln!("{line}"),
            _ => eprintln!("{line}"),
        }
    }
    let worst = summary.worst();
    let mut code = worst.map_or(0, Severity::exit_code);
    if (stats.bad_rows > 0 || stats.stopped) && worst != Some(Severity::Blocked) {
        code = 2;
    }
    if stats.lines == 0 && stats.bad_rows > 0 {
        bail!(
            "{label}: no line could be read ({} bad rows)",
            stats.bad_rows
        );
    }
    if rec.refused > 0 && code != 2 {
        code = code.max(4);
    }
    Ok(ExitCode::from(code))
}

/// The caps recorded in the ledger, as used in each year of the book: the ten rows (a
/// consignee or a country in a year) nearest their limit, for the report's gauges.
fn cap_figures(
    ledger: &mut earmark_ledger::Ledger,
    years: &[i32],
) -> anyhow::Result<Vec<earmark_engine::report::CapFigure>> {
    let mut rows = Vec::new();
    for cap in ledger.caps()? {
        for &year in years {
            for u in ledger.cap_usage(year, &cap)? {
                let floor = if u.lines_without_tpp > 0 {
                    " (at least)"
                } else {
                    ""
                };
                rows.push(earmark_engine::report::CapFigure {
                    label: format!("{} {year}: {}{floor}", cap.id, u.key),
                    used_tpp: u.tpp,
                    limit_tpp: cap.limit_tpp,
                });
            }
        }
    }
    let share =
        |c: &earmark_engine::report::CapFigure| c.used_tpp / c.limit_tpp.max(f64::MIN_POSITIVE);
    rows.sort_by(|a, b| {
        share(b)
            .total_cmp(&share(a))
            .then_with(|| a.label.cmp(&b.label))
    });
    rows.truncate(10);
    Ok(rows)
}

/// The line's record for the ledger: its full decision, settled with recorded dispositions,
/// and the authorisation the book names. `Ok(None)` never happens for a checked line; an
/// error says why the line cannot be recorded.
fn record_line(
    worker: &mut earmark_engine::Worker<'_>,
    ledger: &mut Option<earmark_ledger::Ledger>,
    line: &BookLine,
    check: &LineCheck<'_>,
) -> anyhow::Result<Option<NewShipment>> {
    let Some(ledger) = ledger.as_mut() else {
        return Ok(None);
    };
    let outcome = match &check.result {
        Ok(o) => o,
        Err(e) => bail!("the line could not be checked: {e}"),
    };
    let Some(decision) = outcome.decision.as_deref() else {
        // The fast answer already says the ledger would refuse it (`recordable`).
        if outcome.severity == Severity::Blocked {
            bail!("{}: a blocked line is not shipped", outcome.headline());
        }
        bail!(
            "the line needs a license and names no `license` or `license_exception`: {}",
            outcome.headline()
        );
    };
    let value_cents = match (line.value_cents, line.currency.as_deref()) {
        (Some(v), Some("USD")) => i64::try_from(v).context("the line's value is too large")?,
        (Some(_), Some(other)) => {
            bail!("the ledger counts value in US dollars; this line is in {other}")
        }
        _ => bail!("the line has no `unit_price`: the ledger needs its value"),
    };
    let (decision, used) =
        settle_with_dispositions(worker, ledger, &line.shipment, decision.clone())?;
    let mut new = NewShipment::new(
        line.order_id.clone(),
        line.line,
        value_cents,
        authorisation(
            line.license.clone(),
            line.license_exception.clone(),
            line.notification.clone(),
        ),
        &decision,
    );
    new.dispositions = used;
    Ok(Some(new))
}

fn table_line(label: &str, line: &BookLine, check: &LineCheck<'_>) -> String {
    let what = match &check.result {
        Ok(o) => {
            let mut s = o.headline();
            let rules: Vec<&str> = o.rules.iter().map(|r| r.id.as_str()).collect();
            if !rules.is_empty() {
                s.push_str(&format!(" [{}]", rules.join(", ")));
            }
            for h in o.hits.iter().take(2) {
                s.push_str(&format!(
                    "; {} `{}` ~ {}:{} \"{}\" ({:.2}, {})",
                    h.role.as_str(),
                    h.name,
                    h.list,
                    h.source_id,
                    h.matched_name,
                    h.score,
                    h.band.as_str()
                ));
            }
            s
        }
        Err(e) => format!("cannot check: {e}"),
    };
    terminal_safe(&format!(
        "  {label}:{} {}/{} {} x{} to {} ({}), {}: {what}",
        line.source_line,
        line.order_id,
        line.line,
        line.item,
        line.quantity,
        line.shipment.to.code(),
        customer(line),
        line.shipment.as_of,
    ))
    .into_owned()
}

fn render_summary(
    head: &str,
    s: &Summary,
    shown: &[Vec<String>; 4],
    flagged: usize,
    (matches, list_matches): (&[String], usize),
    check_errors: usize,
) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{}", terminal_safe(head));
    for (word, sev) in [
        ("blocked", Severity::Blocked),
        ("needs review", Severity::Review),
        ("license required", Severity::LicenseRequired),
        ("clear", Severity::Clear),
    ] {
        let t = &s.group(sev).total;
        let _ = writeln!(
            out,
            "  {word:<17} {:>8} lines  {}  {}",
            t.lines,
            value_text(t),
            compute_text(t)
        );
    }
    if check_errors > 0 {
        let _ = writeln!(
            out,
            "  ({check_errors} lines could not be checked; counted under review)"
        );
    }
    let _ = writeln!(out, "  compute: {}", s.convention);
    for (word, sev) in [
        ("BLOCKED", Severity::Blocked),
        ("NEEDS REVIEW", Severity::Review),
        ("LICENSE REQUIRED", Severity::LicenseRequired),
    ] {
        let g: &Group = s.group(sev);
        if g.total.lines == 0 {
            continue;
        }
        let _ = writeln!(out, "\n{word}: {} lines", g.total.lines);
        for (by, map) in [
            ("country", &g.by_country),
            ("customer", &g.by_customer),
            ("item", &g.by_item),
        ] {
            let _ = writeln!(out, "  by {by}:");
            let top = ranked(map, "USD");
            for (k, t) in top.iter().take(8) {
                let _ = writeln!(
                    out,
                    "    {:<44} {:>7} lines  {}  {}",
                    terminal_safe(k),
                    t.lines,
                    value_text(t),
                    compute_text(t)
                );
            }
            if top.len() > 8 {
                let _ = writeln!(out, "    ... and {} more", top.len() - 8);
            }
        }
    }
    if flagged > 0 {
        let _ = writeln!(
            out,
            "\nflagged lines ({flagged}; the first {SHOWN_LINES} of each kind here, every line with `--output jsonl` or `csv`):"
        );
        for (word, sev) in [
            ("blocked", Severity::Blocked),
            ("needs review", Severity::Review),
            ("license required", Severity::LicenseRequired),
        ] {
            let lines = &shown[sev as usize];
            if lines.is_empty() {
                continue;
            }
            let _ = writeln!(out, " {word}:");
            for l in lines {
                let _ = writeln!(out, "{l}");
            }
        }
    }
    if !matches.is_empty() {
        let _ = writeln!(
            out,
            "\nlines with a party matching a list entry ({list_matches}; the first line of the first {} customers):",
            matches.len()
        );
        for l in matches {
            let _ = writeln!(out, "{l}");
        }
    }
    out
}
