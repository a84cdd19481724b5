//! `earmark screen`: screen a name, or a CSV batch of names, against the restricted-party
//! lists (the bundled snapshot or `--lists`). Answers are `match`, `review` or `no_match`,
//! never "clear": `no_match` says only that no entry of the lists loaded came close enough.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use earmark_screen::{
    build_index, country, Band, Explanation, Index, ListInfo, Match, PairKind, Query, Thresholds,
};
use serde::Serialize;
use serde_json::json;

use super::lists::{self, ListArgs};
use super::Format;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The name to screen: a company or a person, in any script ("SURNAME, Given" or
    /// "Given Surname").
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub name: Option<String>,
    /// The party's country (ISO code like CN, or a name), used as evidence.
    #[arg(long, value_name = "CC")]
    pub country: Option<String>,
    /// The party's address, used as evidence and to find address-only list entries.
    #[arg(long, value_name = "TEXT")]
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

/// A country option as an ISO code, or an error naming it.
fn country_code(text: &str) -> anyhow::Result<String> {
    country::to_code(text).with_context(|| {
        format!("country `{text}` is not an ISO 3166 alpha-2 code or a known country name")
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let t = thresholds(&args)?;
    if args.limit == 0 {
        bail!("`--limit 0`: at least one result must be shown");
    }
    let loaded = lists::load(&args.lists)?;
    lists::report_issues(&loaded);
    let date_basis = loaded.date_basis.clone();
    let index = build_index(loaded.loaded);
    match &args.batch {
        Some(path) => batch(&args, &index, &t, path),
        None => {
            let name = args.name.as_deref().unwrap_or_default();
            let country = args.country.as_deref().map(country_code).transpose()?;
            let query = Query {
                name,
                country: country.as_deref(),
                address: args.address.as_deref(),
            };
            let matches = index.search(&query, &t, args.limit)?;
            let band = matches.first().map_or(Band::NoMatch, |m| m.band);
            match args.format {
                Format::Json => {
                    let value = json!({
                        "query": {"name": name, "country": country, "address": args.address},
                        "band": band,
                        "thresholds": t,
                        "lists": list_refs(index.lists(), &date_basis),
                        "matches": matches.iter().map(|m| match_json(&index, &query, m)).collect::<Vec<_>>(),
                    });
                    outln!("{}", serde_json::to_string_pretty(&value)?);
                }
                Format::Human => out!("{}", render_human(&index, &query, &t, &matches)),
            }
            Ok(ExitCode::SUCCESS)
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

fn render_human(index: &Index, query: &Query<'_>, t: &Thresholds, matches: &[Match]) -> String {
    let mut out = String::new();
    let band = matches.first().map_or(Band::NoMatch, |m| m.band);
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
    }
    for (i, m) in matches.iter().enumerate() {
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
            "  {}. {:8} {:.3}  {} {}  \"{}\"{alias}",
            i + 1,
            m.band.as_str(),
            m.score,
            m.list,
            m.source_id,
            m.matched_name
        );
        render_explanation(&mut out, &index.explain(query, m));
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
            let _ = writeln!(out, "       licence requirement: {lr}");
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

/// One batch row's answer.
#[derive(Debug, Serialize)]
struct BatchRow<'a> {
    id: &'a str,
    name: &'a str,
    band: Band,
    score: f32,
    list: Option<&'a str>,
    source_id: Option<&'a str>,
    matched_name: Option<&'a str>,
    matches: &'a [Match],
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<Explanation>,
}

fn batch(args: &Args, index: &Index, t: &Thresholds, path: &Path) -> anyhow::Result<ExitCode> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{label}`"))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{label}:1: unreadable header"))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(c_id), Some(c_name)) = (col("id"), col("name")) else {
        bail!("{label}:1: the header must name the columns `id` and `name` (and optionally `country`, `address`)");
    };
    let (c_country, c_address) = (col("country"), col("address"));
    let records: Vec<(u64, Result<csv::StringRecord, csv::Error>)> = reader
        .records()
        .map(|r| {
            let line = match &r {
                Ok(rec) => rec.position().map_or(0, csv::Position::line),
                Err(e) => e.position().map_or(0, csv::Position::line),
            };
            (line, r)
        })
        .collect();
    let bar = indicatif::ProgressBar::new(records.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows, {per_sec}, {eta} left")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
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
            ])?;
            Sink::Csv(w)
        }
        Output::Jsonl => Sink::Jsonl(out),
    };
    let mut searcher = index.searcher();
    let (mut skipped, mut counts) = (0usize, [0usize; 3]);
    for (line, rec) in records {
        bar.inc(1);
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                bar.suspend(|| {
                    eprintln!("warning: {label}:{line}: unreadable row: {e} (row skipped)")
                });
                skipped += 1;
                continue;
            }
        };
        let get = |c: Option<usize>| {
            c.and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        // A row may give only an address: the Entity List lists bare addresses.
        let problem = match (get(Some(c_id)), get(Some(c_name)), get(c_address)) {
            (None, _, _) => Some("empty `id`".to_string()),
            (_, None, None) => Some("empty `name` (and no `address`)".to_string()),
            _ => None,
        };
        let country = match get(c_country).map(country_code).transpose() {
            Ok(c) => c,
            Err(e) => {
                bar.suspend(|| eprintln!("warning: {label}:{line}: {e:#} (row skipped)"));
                skipped += 1;
                continue;
            }
        };
        if let Some(p) = problem {
            bar.suspend(|| eprintln!("warning: {label}:{line}: {p} (row skipped)"));
            skipped += 1;
            continue;
        }
        let (id, name) = (
            get(Some(c_id)).unwrap_or_default(),
            get(Some(c_name)).unwrap_or_default(),
        );
        let query = Query {
            name,
            country: country.as_deref(),
            address: get(c_address),
        };
        let matches = match searcher.search(&query, t, args.limit) {
            Ok(m) => m,
            Err(e) => {
                bar.suspend(|| eprintln!("warning: {label}:{line}: {e} (row skipped)"));
                skipped += 1;
                continue;
            }
        };
        let top = matches.first();
        let band = top.map_or(Band::NoMatch, |m| m.band);
        counts[match band {
            Band::Match => 0,
            Band::Review => 1,
            Band::NoMatch => 2,
        }] += 1;
        // A no_match row names no entry: the nearest name below the review band is not a
        // finding, and printing it beside the party invites misreading.
        let hit = top.filter(|m| m.band != Band::NoMatch);
        match &mut sink {
            Sink::Csv(w) => {
                w.write_record([
                    id,
                    name,
                    band.as_str(),
                    &top.map_or(String::new(), |m| format!("{:.4}", m.score)),
                    hit.map_or("", |m| m.list.as_str()),
                    hit.map_or("", |m| m.source_id.as_str()),
                    hit.map_or("", |m| m.matched_name.as_str()),
                ])?;
            }
            Sink::Jsonl(out) => {
                let row = BatchRow {
                    id,
                    name,
                    band,
                    score: top.map_or(0.0, |m| m.score),
                    list: hit.map(|m| m.list.as_str()),
                    source_id: hit.map(|m| m.source_id.as_str()),
                    matched_name: hit.map(|m| m.matched_name.as_str()),
                    matches: if band == Band::NoMatch { &[] } else { &matches },
                    explanation: hit.map(|m| index.explain(&query, m)),
                };
                serde_json::to_writer(&mut *out, &row)?;
                out.write_all(b"\n")?;
            }
        }
    }
    match sink {
        Sink::Csv(mut w) => w.flush()?,
        Sink::Jsonl(mut out) => out.flush()?,
    }
    bar.finish_and_clear();
    let screened = counts.iter().sum::<usize>();
    eprintln!(
        "screened {screened} rows of {label}: {} match, {} review, {} no_match; {skipped} rows skipped",
        counts[0], counts[1], counts[2]
    );
    Ok(ExitCode::SUCCESS)
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
