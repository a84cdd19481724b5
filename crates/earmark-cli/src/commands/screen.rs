//! `earmark screen`: screen a name, or a CSV batch of names, against the restricted-party
//! lists (the bundled snapshot or `--lists`). Answers are `match`, `review` or `no_match`,
//! never "clear": `no_match` says only that no entry of the lists loaded came close enough.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context};
use earmark_core::country::Country;
use earmark_engine::book::parse::{is_record_too_large, CappedReader, MAX_RECORD_BYTES};
use earmark_screen::{
    build_index_with_names, country, group_by_list, Band, Explanation, Index, ListGroup, ListInfo,
    Match, PairKind, Query, Thresholds,
};
use serde::Serialize;
use serde_json::json;

use super::lists::{self, ListArgs};
use super::{today, Format};
use crate::output::{csv_safe, terminal_safe};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The name to screen: a company or a person, in any script ("SURNAME, Given" or
    /// "Given Surname").
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub name: Option<String>,
    /// The party's country (ISO code like CN, or a name), used as evidence.
    #[arg(long, value_name = "CC", conflicts_with = "batch")]
    pub country: Option<String>,
    /// The party's address, used as evidence and to find address-only list entries.
    #[arg(long, value_name = "TEXT", conflicts_with = "batch")]
    pub address: Option<String>,
    #[command(flatten)]
    pub lists: ListArgs,
    /// Screen every row of a CSV file with columns id,name[,country][,address].
    #[arg(long, value_name = "FILE.csv")]
    pub batch: Option<PathBuf>,
    /// Batch output: JSON Lines (one object per input row) or CSV.
    #[arg(long, value_enum, default_value_t)]
    pub output: Output,
    /// Single-name output: for a person, or one JSON value.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// At most this many results per name.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub limit: usize,
    /// Score at or above which a result is `match` (default 0.86).
    #[arg(long, value_name = "SCORE")]
    pub match_at: Option<f32>,
    /// Score at or above which a result is `review` (default 0.72).
    #[arg(long, value_name = "SCORE")]
    pub review_at: Option<f32>,
    /// Record the screening in a ledger (`--record`, `--db`).
    #[command(flatten)]
    pub ledger: super::ledger::AnswerLedgerArgs,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    #[default]
    Jsonl,
    Csv,
}

fn thresholds(args: &Args) -> anyhow::Result<Thresholds> {
    let mut t = Thresholds::DEFAULT;
    if let Some(m) = args.match_at {
        t.match_at = m;
    }
    if let Some(r) = args.review_at {
        t.review_at = r;
    }
    for (name, v) in [("--match-at", t.match_at), ("--review-at", t.review_at)] {
        if !(0.0..=1.0).contains(&v) {
            bail!("`{name} {v}`: a score threshold is between 0 and 1");
        }
    }
    if t.review_at > t.match_at {
        bail!(
            "`--review-at {}` is above `--match-at {}`: review must not be stricter than match",
            t.review_at,
            t.match_at
        );
    }
    Ok(t)
}

/// A country as an assigned ISO 3166-1 alpha-2 code: a code in any case, or a country name as
/// the lists print them. Two letters alone are not enough: `XX` is no country, and evidence
/// from a country that does not exist would only skew the score.
fn country_code(text: &str) -> Option<&'static str> {
    let code = country::to_code(text)?;
    Country::from_code(&code).map(Country::code)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let t = thresholds(&args)?;
    if args.limit == 0 {
        bail!("`--limit 0`: at least one result must be shown");
    }
    // Checked before the lists load, as `check --to` is: a typo fails at once.
    let country = match args.country.as_deref() {
        Some(text) => Some(country_code(text).ok_or_else(|| {
            anyhow!(
                "`--country {text}`: not an ISO 3166-1 alpha-2 country code or a known country \
                 name (e.g. CN, AE, DE)"
            )
        })?),
        None => None,
    };
    let batch_file = args.batch.as_deref().map(open_batch).transpose()?;
    let loaded = lists::load(&args.lists)?;
    lists::report_issues(&loaded);
    let warnings = lists::age_warnings(&loaded, today(), args.lists.max_list_age_days)?;
    for w in &warnings {
        eprintln!("warning: {}", terminal_safe(w));
    }
    if !warnings.is_empty() {
        eprintln!(
            "note: screen against current lists with --lists FORMAT:PATH@DATE, or accept \
             older ones with --max-list-age-days N"
        );
    }
    let date_basis = loaded.date_basis.clone();
    let names = lists::load_names(&args.lists)?;
    let index = build_index_with_names(loaded.loaded, names.as_ref());
    match batch_file {
        Some(file) => batch(&args, &index, &t, file, &warnings),
        None => {
            let name = args.name.as_deref().unwrap_or_default();
            let query = Query {
                name,
                country,
                address: args.address.as_deref(),
            };
            let found = index.search(&query, &t, SEARCH_DEPTH.max(args.limit))?;
            let groups = group_by_list(&found, args.limit);
            let band = groups.first().map_or(Band::NoMatch, |g| g.band);
            if args.ledger.record {
                let matches: Vec<&Match> = groups.iter().flat_map(|g| &g.matches).collect();
                let record = screening_record(
                    &index,
                    &t,
                    &Query {
                        name,
                        country,
                        address: args.address.as_deref(),
                    },
                    band,
                    &matches,
                    &warnings,
                );
                let mut ledger = args.ledger.open()?;
                args.ledger.record_screening(ledger.as_mut(), &record)?;
            }
            match args.format {
                Format::Json => {
                    let matches: Vec<&Match> = groups.iter().flat_map(|g| &g.matches).collect();
                    let value = json!({
                        "query": {"name": name, "country": country, "address": args.address},
                        "band": band,
                        "headline": groups.first().filter(|g| g.band != Band::NoMatch).map(headline_json),
                        "warnings": warnings,
                        "thresholds": t,
                        "lists": list_refs(index.lists(), &date_basis),
                        "native_names": names.as_ref().map(|n| json!({
                            "source": n.source, "version": n.version,
                            "content_hash": n.content_hash, "records": n.rows.len(),
                        })),
                        "by_list": groups.iter().map(|g| json!({
                            "list": g.list,
                            "consequence": g.consequence,
                            "meaning": g.meaning,
                            "band": g.band,
                            "matches": g.matches.iter().map(|m| match_json(&index, &query, m)).collect::<Vec<_>>(),
                        })).collect::<Vec<_>>(),
                        "matches": matches.iter().map(|m| match_json(&index, &query, m)).collect::<Vec<_>>(),
                    });
                    outln!("{}", serde_json::to_string_pretty(&value)?);
                }
                // List text and the query come from outside: rendered whole, then made safe,
                // so that no field can slip an escape sequence through.
                Format::Human => out!(
                    "{}",
                    terminal_safe(&render_human(&index, &query, &t, &groups))
                ),
            }
            Ok(ExitCode::from(band_exit_code(band)))
        }
    }
}

fn list_refs(lists: &[ListInfo], basis: &[String]) -> Vec<serde_json::Value> {
    lists
        .iter()
        .zip(basis)
        .map(|(l, b)| {
            json!({"source": l.source, "format": l.format, "date": l.date, "date_basis": b,
                   "content_hash": l.content_hash, "records": l.records})
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct EntrySummary<'a> {
    name: &'a str,
    kind: earmark_screen::EntryKind,
    aliases: &'a [String],
    countries: &'a [String],
    addresses: &'a [String],
    programs: &'a [String],
    citations: &'a [String],
    footnotes: &'a [String],
    license_requirement: Option<&'a str>,
    license_policy: Option<&'a str>,
    list_file: &'a str,
}

fn entry_summary<'a>(index: &'a Index, m: &Match) -> EntrySummary<'a> {
    let e = &index.entries()[m.entry];
    EntrySummary {
        name: &e.name,
        kind: e.kind,
        aliases: &e.aliases,
        countries: &e.countries,
        addresses: &e.addresses,
        programs: &e.programs,
        citations: &e.citations,
        footnotes: &e.footnotes,
        license_requirement: e.license_requirement.as_deref(),
        license_policy: e.license_policy.as_deref(),
        list_file: index.lists().get(e.file).map_or("", |l| l.source.as_str()),
    }
}

fn match_json(index: &Index, query: &Query<'_>, m: &Match) -> serde_json::Value {
    let mut v = serde_json::to_value(m).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "entry".into(),
            serde_json::to_value(entry_summary(index, m)).unwrap_or_default(),
        );
        obj.insert(
            "explanation".into(),
            serde_json::to_value(index.explain(query, m)).unwrap_or_default(),
        );
    }
    v
}

fn kind_word(k: PairKind) -> &'static str {
    match k {
        PairKind::Exact => "exact",
        PairKind::Variant => "spelling variant",
        PairKind::Typo => "one edit",
        PairKind::LegalForm => "legal form",
        PairKind::OtherLegalForm => "other legal form",
    }
}

fn render_explanation(out: &mut String, x: &Explanation) {
    let pairs: Vec<String> = x
        .pairs
        .iter()
        .map(|p| {
            let eq = if p.query == p.listed { "=" } else { "~" };
            format!(
                "{} {eq} {} ({}, +{:.2})",
                p.query,
                p.listed,
                kind_word(p.kind),
                p.contribution
            )
        })
        .collect();
    if !pairs.is_empty() {
        let _ = writeln!(out, "       paired:    {}", pairs.join("; "));
    }
    let unmatched = |v: &[earmark_screen::index::WeightedToken]| -> String {
        v.iter()
            .map(|t| format!("{} (weight {:.1})", t.token, t.weight))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !x.unmatched_query.is_empty() {
        let _ = writeln!(
            out,
            "       not on list side: {}",
            unmatched(&x.unmatched_query)
        );
    }
    if !x.unmatched_listed.is_empty() {
        let _ = writeln!(
            out,
            "       not in query:     {}",
            unmatched(&x.unmatched_listed)
        );
    }
    if let Some(n) = &x.native_name {
        let _ = writeln!(
            out,
            "       native name from {} (version {}, {}){}; source: {}",
            n.dataset,
            n.dataset_version,
            n.dataset_hash,
            if n.translation {
                ", a translation: weighed lower"
            } else {
                ""
            },
            n.source_url
        );
    }
    if let Some(c) = &x.country {
        let _ = writeln!(
            out,
            "       country {} {} listed [{}] ({:+.2})",
            c.query,
            if c.agrees { "is among" } else { "is not among" },
            c.listed.join(", "),
            c.adjustment
        );
    }
    if let Some(a) = &x.address {
        let _ = writeln!(
            out,
            "       address similarity {:.2} with \"{}\" ({:+.2})",
            a.similarity, a.listed, a.adjustment
        );
    }
}

fn render_human(index: &Index, query: &Query<'_>, t: &Thresholds, groups: &[ListGroup]) -> String {
    let mut out = String::new();
    let band = groups.first().map_or(Band::NoMatch, |g| g.band);
    let mut what = format!("\"{}\"", query.name);
    if let Some(c) = query.country {
        let _ = write!(what, ", country {c}");
    }
    if let Some(a) = query.address {
        let _ = write!(what, ", address \"{a}\"");
    }
    let _ = writeln!(out, "{what}: {}", band.as_str());
    if band == Band::NoMatch {
        let _ = writeln!(
            out,
            "  No entry of the lists loaded scored {:.2} or more. This is not a clearance: \
             only these lists, as of their dates, were searched.",
            t.review_at
        );
    } else if let Some(g) = groups.first() {
        let _ = writeln!(
            out,
            "  Headline: {} {} ({})",
            g.list,
            g.band.as_str(),
            g.meaning
        );
        if groups.len() > 1 {
            let others: Vec<String> = groups[1..]
                .iter()
                .map(|g| format!("{} {}", g.list, g.band.as_str()))
                .collect();
            let _ = writeln!(out, "  Also on: {}", others.join(", "));
        }
    }
    let mut i = 0;
    for g in groups {
        if band != Band::NoMatch {
            let _ = writeln!(out, "  {} ({}):", g.list, g.meaning);
        }
        for m in &g.matches {
            i += 1;
            render_match(&mut out, index, query, i, m);
        }
    }
    let lists: Vec<String> = index
        .lists()
        .iter()
        .map(|l| {
            format!(
                "{} ({})",
                l.source,
                l.date.as_deref().unwrap_or("date unknown")
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "  Lists: {}. Bands: match >= {:.2}, review >= {:.2}.",
        lists.join(", "),
        t.match_at,
        t.review_at
    );
    out
}

fn render_match(out: &mut String, index: &Index, query: &Query<'_>, i: usize, m: &Match) {
    let e = &index.entries()[m.entry];
    let alias = if e.kind == earmark_screen::EntryKind::AddressOnly {
        format!(" (address-only entry \"{}\")", e.name)
    } else if m.is_alias {
        format!(" (alias of \"{}\")", e.name)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "  {i}. {:8} {:.3}  {} {}  \"{}\"{alias}",
        m.band.as_str(),
        m.score,
        m.list,
        m.source_id,
        m.matched_name
    );
    render_explanation(out, &index.explain(query, m));
    let mut facts = Vec::new();
    if !e.countries.is_empty() {
        facts.push(format!("countries {}", e.countries.join(", ")));
    }
    if !e.programs.is_empty() {
        facts.push(format!("programs {}", e.programs.join(", ")));
    }
    if !e.footnotes.is_empty() {
        facts.push(format!("footnotes {}", e.footnotes.join(", ")));
    }
    if !e.citations.is_empty() {
        facts.push(e.citations.join("; "));
    }
    if !facts.is_empty() {
        let _ = writeln!(out, "       entry:     {}", facts.join(" | "));
    }
    if let Some(lr) = &e.license_requirement {
        let _ = writeln!(out, "       license requirement: {lr}");
    }
    if let Some(lp) = &e.license_policy {
        let _ = writeln!(out, "       license policy: {lp}");
    }
}

/// The headline of a screening: the most consequential list with a match, and its best entry.
fn headline_json(g: &ListGroup) -> serde_json::Value {
    let best = g.matches.first();
    json!({
        "list": g.list,
        "consequence": g.consequence,
        "meaning": g.meaning,
        "band": g.band,
        "source_id": best.map(|m| m.source_id.as_str()),
        "matched_name": best.map(|m| m.matched_name.as_str()),
    })
}

/// Results searched per query before they are grouped by list: enough that a list with a
/// match is not crowded out by another list's many entries (Huawei has dozens of Entity
/// List entries), whatever `--limit` shows per list.
const SEARCH_DEPTH: usize = 100;

/// One batch row's answer.
#[derive(Debug, Serialize)]
struct BatchRow<'a> {
    id: &'a str,
    name: &'a str,
    band: Band,
    #[serde(serialize_with = "earmark_screen::index::serialize_score")]
    score: f32,
    list: Option<&'a str>,
    source_id: Option<&'a str>,
    matched_name: Option<&'a str>,
    /// Every list with a match or review result, most consequential first.
    lists_matched: &'a [&'a str],
    /// Best first within each list, the lists most consequential first.
    matches: &'a [Match],
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<Explanation>,
    /// The row's own warnings, then the lists' (age): in every row, so that a row stored or
    /// filtered on its own still says what its answer rests on.
    warnings: &'a [String],
}

/// A batch record larger than this is no party: it is a broken file (an unterminated quote
/// running on to the end, a binary file, `/dev/zero`), and reading on would hold it all in
/// memory.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// The CSV columns a batch reads, by position.
struct Columns {
    /// How many columns the header names: a row with more fields is misaligned.
    count: usize,
    id: usize,
    name: usize,
    country: Option<usize>,
    address: Option<usize>,
}

impl Columns {
    fn from_header(label: &str, header: &csv::StringRecord) -> anyhow::Result<Self> {
        let names: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                // Spreadsheets save UTF-8 CSV with a byte-order mark before the first name.
                let h = if i == 0 {
                    h.trim_start_matches('\u{feff}')
                } else {
                    h
                };
                h.trim().to_lowercase()
            })
            .collect();
        for (i, n) in names.iter().enumerate() {
            if !n.is_empty() && names[..i].contains(n) {
                bail!(
                    "{label}:1: the header names the column `{n}` twice: which one holds the \
                     party's data is ambiguous"
                );
            }
        }
        let col = |n: &str| names.iter().position(|h| h == n);
        let (Some(id), Some(name)) = (col("id"), col("name")) else {
            bail!("{label}:1: the header must name the columns `id` and `name` (and optionally `country`, `address`)");
        };
        Ok(Columns {
            count: names.len(),
            id,
            name,
            country: col("country"),
            address: col("address"),
        })
    }
}

/// A batch row ready to screen.
struct Row<'r> {
    id: &'r str,
    name: &'r str,
    country: Option<&'static str>,
    address: Option<&'r str>,
    /// Problems that did not stop the row from being screened.
    warnings: Vec<String>,
}

/// Reads one record into a row, or says why it cannot be screened.
fn read_row<'r>(rec: &'r csv::StringRecord, cols: &Columns, line: u64) -> Result<Row<'r>, String> {
    let cell = |c: Option<usize>| c.and_then(|i| rec.get(i)).map(str::trim);
    // A line break in a cell is how an unterminated quote shows: the cell runs on over the
    // rows after it, which would be screened as one giant name, and never on their own.
    // Addresses may span lines; one whose next lines look like rows of this file is the
    // same accident.
    let row_like = |text: &str| {
        text.lines()
            .skip(1)
            .any(|l| l.matches(',').count() + 1 >= cols.count)
    };
    for (column, c) in [
        ("id", Some(cols.id)),
        ("name", Some(cols.name)),
        ("country", cols.country),
        ("address", cols.address),
    ] {
        let Some(text) = cell(c) else { continue };
        if text.contains(['\n', '\r']) && (column != "address" || row_like(text)) {
            let last = line + text.matches('\n').count() as u64;
            return Err(format!(
                "`{column}` runs on over lines {line}-{last}: an unterminated quote may have \
                 swallowed the rows after it; close the quote and screen again"
            ));
        }
    }
    if rec.len() > cols.count {
        return Err(format!(
            "{} fields, but the header names {} columns: an unquoted comma in a cell? quote it",
            rec.len(),
            cols.count
        ));
    }
    let present = |c: Option<usize>| cell(c).filter(|s| !s.is_empty());
    // A row may give only an address: the Entity List lists bare addresses.
    let (id, name, address) = match (
        present(Some(cols.id)),
        present(Some(cols.name)),
        present(cols.address),
    ) {
        (None, _, _) => return Err("empty `id`".to_string()),
        (_, None, None) => return Err("empty `name` (and no `address`)".to_string()),
        (Some(id), name, address) => (id, name.unwrap_or_default(), address),
    };
    let mut warnings = Vec::new();
    let country = present(cols.country).and_then(|text| {
        let code = country_code(text);
        if code.is_none() {
            warnings.push(format!(
                "country `{text}` is not an ISO 3166-1 alpha-2 code or a known country name: \
                 screened without it"
            ));
        }
        code
    });
    Ok(Row {
        id,
        name,
        country,
        address,
        warnings,
    })
}

/// What happened to the rows of a batch, for the summary.
#[derive(Debug, Default)]
struct Tally {
    read: usize,
    skipped: usize,
    warned: usize,
    /// Screened rows per band: match, review, no_match.
    bands: [usize; 3],
}

/// A batch file opened and its header read, before the lists load: a wrong file fails at once.
struct BatchFile {
    label: String,
    /// The file's size, when it has one to show progress against (not a pipe or /dev/zero).
    size: Option<u64>,
    reader: csv::Reader<CappedReader<std::fs::File>>,
    /// How far the reader may read: moved forward from each record's start.
    limit: Arc<AtomicU64>,
    cols: Columns,
}

fn open_batch(path: &Path) -> anyhow::Result<BatchFile> {
    let label = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| format!("cannot read `{label}`"))?;
    let size = file
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len());
    let limit = Arc::new(AtomicU64::new(MAX_RECORD_BYTES + READ_BUFFER_BYTES as u64));
    let capped = CappedReader::new(file, Arc::clone(&limit));
    // The file is streamed: one record at a time, each capped, whatever the file's size.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(READ_BUFFER_BYTES)
        .from_reader(capped);
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) if is_record_too_large(&e) => bail!(
            "{label}:1: the header is longer than {} MiB: not a CSV file of parties",
            MAX_RECORD_BYTES >> 20
        ),
        Err(e) => return Err(e).with_context(|| format!("{label}:1: unreadable header")),
    };
    let cols = Columns::from_header(&label, &header)?;
    Ok(BatchFile {
        label,
        size,
        reader,
        limit,
        cols,
    })
}

/// The screening as the ledger keeps it: the query, the answer, each match by entry and
/// score, and the lists by content hash (enough to screen again and compare).
fn screening_record<M: std::borrow::Borrow<Match>>(
    index: &Index,
    t: &Thresholds,
    query: &Query<'_>,
    band: Band,
    matches: &[M],
    warnings: &[String],
) -> serde_json::Value {
    json!({
        "engine_version": earmark_engine::ENGINE_VERSION,
        "query": {"name": query.name, "country": query.country, "address": query.address},
        "band": band,
        "thresholds": t,
        "lists": index.lists().iter().map(|l| json!({
            "source": l.source, "date": l.date, "content_hash": l.content_hash,
            "records": l.records,
        })).collect::<Vec<_>>(),
        "lists_hash": earmark_engine::lists_hash(
            index.lists().iter().map(|l| l.content_hash.as_str())
        ),
        "matches": matches.iter().map(|m| {
            let m = m.borrow();
            json!({
                "entry": format!("{}:{}", m.list, m.source_id),
                "matched_name": m.matched_name, "band": m.band,
                "score": earmark_screen::index::rounded_score(m.score),
            })
        }).collect::<Vec<_>>(),
        "warnings": warnings,
    })
}

fn batch(
    args: &Args,
    index: &Index,
    t: &Thresholds,
    file: BatchFile,
    list_warnings: &[String],
) -> anyhow::Result<ExitCode> {
    let BatchFile {
        label,
        size,
        mut reader,
        limit,
        cols,
    } = file;
    let bar = match size {
        Some(len) => indicatif::ProgressBar::new(len).with_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {percent}% of {total_bytes}, {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        ),
        None => indicatif::ProgressBar::new_spinner(),
    };
    let warn = |line: u64, message: &str| {
        bar.suspend(|| eprintln!("warning: {label}:{line}: {}", terminal_safe(message)));
    };
    // Rows stream out as they are screened, so a long batch shows results at once and holds
    // no output in memory.
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut sink = match args.output {
        Output::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "id",
                "name",
                "band",
                "score",
                "list",
                "source_id",
                "matched_name",
                "lists_matched",
                "warnings",
            ])?;
            Sink::Csv(w)
        }
        Output::Jsonl => Sink::Jsonl(out),
    };
    // With `--record`, every screened row is kept in the ledger as its own screening record
    // (a skipped row was not screened, so nothing is recorded for it).
    let mut ledger = if args.ledger.record {
        args.ledger.open()?
    } else {
        None
    };
    let meta = args.ledger.meta();
    let mut recorded = 0u64;
    let mut searcher = index.searcher();
    let mut tally = Tally::default();
    let mut stopped = None;
    let mut rec = csv::StringRecord::new();
    loop {
        let start = reader.position().clone();
        limit.store(
            start.byte() + MAX_RECORD_BYTES + READ_BUFFER_BYTES as u64,
            Ordering::Relaxed,
        );
        match reader.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                tally.read += 1;
                tally.skipped += 1;
                let line = e.position().map_or(start.line(), csv::Position::line);
                if is_record_too_large(&e) {
                    // Where this record would end is unknowable (an open quote, or no line
                    // ends at all), so nothing after it can be read as rows.
                    stopped = Some(format!(
                        "{label}:{line}: a record longer than {} MiB (an unterminated quote, or \
                         not a CSV file): stopped reading there, the rows after it were not \
                         screened",
                        MAX_RECORD_BYTES >> 20
                    ));
                    break;
                }
                if let csv::ErrorKind::Io(io) = e.kind() {
                    stopped = Some(format!(
                        "{label}:{line}: reading failed: {io}; the rows after it were not \
                         screened"
                    ));
                    break;
                }
                warn(line, &format!("unreadable row: {e} (row skipped)"));
                continue;
            }
        }
        tally.read += 1;
        bar.set_position(reader.position().byte());
        let line = rec.position().map_or(start.line(), csv::Position::line);
        let row = match read_row(&rec, &cols, line) {
            Ok(row) => row,
            Err(problem) => {
                warn(line, &format!("{problem} (row skipped)"));
                tally.skipped += 1;
                continue;
            }
        };
        for w in &row.warnings {
            warn(line, w);
        }
        let query = Query {
            name: row.name,
            country: row.country,
            address: row.address,
        };
        let found = match searcher.search(&query, t, SEARCH_DEPTH.max(args.limit)) {
            Ok(m) => m,
            Err(e) => {
                warn(line, &format!("{e} (row skipped)"));
                tally.skipped += 1;
                continue;
            }
        };
        if !row.warnings.is_empty() {
            tally.warned += 1;
        }
        // The row names the most consequential list with a match (an Entity List entry
        // before a CMIC one of the same score) and keeps every list's best results.
        let groups = group_by_list(&found, args.limit);
        let matches: Vec<Match> = groups
            .iter()
            .flat_map(|g| g.matches.iter().cloned())
            .collect();
        let lists_matched: Vec<&str> = groups
            .iter()
            .filter(|g| g.band != Band::NoMatch)
            .map(|g| g.list.as_str())
            .collect();
        let top = matches.first();
        let band = top.map_or(Band::NoMatch, |m| m.band);
        tally.bands[match band {
            Band::Match => 0,
            Band::Review => 1,
            Band::NoMatch => 2,
        }] += 1;
        // A no_match row names no entry: the nearest name below the review band is not a
        // finding, and printing it beside the party invites misreading.
        let hit = top.filter(|m| m.band != Band::NoMatch);
        let warnings: Vec<String> = row.warnings.iter().chain(list_warnings).cloned().collect();
        if let Some(l) = ledger.as_mut() {
            let record = screening_record(index, t, &query, band, &matches, &warnings);
            l.record_screening(&record, &meta)
                .with_context(|| format!("{label}:{line}: recording the screening"))?;
            recorded += 1;
        }
        match &mut sink {
            Sink::Csv(w) => {
                let score = top.map_or(String::new(), |m| format!("{:.4}", m.score));
                w.write_record([
                    &*csv_safe(row.id),
                    &*csv_safe(row.name),
                    band.as_str(),
                    &score,
                    &*csv_safe(hit.map_or("", |m| m.list.as_str())),
                    &*csv_safe(hit.map_or("", |m| m.source_id.as_str())),
                    &*csv_safe(hit.map_or("", |m| m.matched_name.as_str())),
                    &*csv_safe(&lists_matched.join(" ")),
                    &*csv_safe(&warnings.join("; ")),
                ])?;
            }
            Sink::Jsonl(out) => {
                let value = BatchRow {
                    id: row.id,
                    name: row.name,
                    band,
                    score: top.map_or(0.0, |m| m.score),
                    list: hit.map(|m| m.list.as_str()),
                    source_id: hit.map(|m| m.source_id.as_str()),
                    matched_name: hit.map(|m| m.matched_name.as_str()),
                    lists_matched: &lists_matched,
                    matches: if band == Band::NoMatch { &[] } else { &matches },
                    explanation: hit.map(|m| index.explain(&query, m)),
                    warnings: &warnings,
                };
                serde_json::to_writer(&mut *out, &value)?;
                out.write_all(b"\n")?;
            }
        }
    }
    match sink {
        Sink::Csv(mut w) => w.flush()?,
        Sink::Jsonl(mut out) => out.flush()?,
    }
    bar.finish_and_clear();
    if let Some(l) = ledger.as_ref() {
        eprintln!(
            "recorded {recorded} screenings in the {} ledger",
            l.backend_name()
        );
    }
    let [matched, review, no_match] = tally.bands;
    let screened = matched + review + no_match;
    eprintln!(
        "{label}: {} rows read, {screened} screened ({matched} match, {review} review, \
         {no_match} no_match), {} skipped, {} screened with warnings",
        tally.read, tally.skipped, tally.warned
    );
    if let Some(reason) = stopped {
        bail!("{}", terminal_safe(&reason));
    }
    // Exit status 0 would read as "the batch was screened".
    if screened == 0 {
        if tally.read == 0 {
            bail!("{label}: no rows to screen under the header");
        }
        bail!("{label}: every row was skipped: nothing was screened");
    }
    // The most severe answer of the batch. A match stops the most; rows that could not be
    // read rank next (2, as bad input), since what they hold is unknown; then review.
    let code = if matched > 0 {
        band_exit_code(Band::Match)
    } else if tally.skipped > 0 {
        eprintln!(
            "{label}: {} rows were skipped: the batch is incomplete (exit 2)",
            tally.skipped
        );
        2
    } else if review > 0 {
        band_exit_code(Band::Review)
    } else {
        0
    };
    Ok(ExitCode::from(code))
}

/// Exit codes a script can gate on (README, "Exit codes"): 0 no list match, 4 a possible
/// match a person must review, 5 a match.
fn band_exit_code(band: Band) -> u8 {
    match band {
        Band::NoMatch => 0,
        Band::Review => 4,
        Band::Match => 5,
    }
}

/// Where batch results go: JSON Lines or CSV, streamed to stdout.
#[expect(
    clippy::large_enum_variant,
    reason = "one sink per batch: its size is irrelevant"
)]
enum Sink<W: std::io::Write> {
    Jsonl(W),
    Csv(csv::Writer<W>),
}
