//! `earmark ledger`: the system of record. Licenses and their depletion, shipments recorded
//! with the decision that allowed them, officers' clearances of possible list matches, compute
//! caps, and `status` to see what is used and left.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use earmark_core::country::Country;
use earmark_core::rules::ListStatus;
use earmark_core::Date;
use earmark_engine::{
    Engine, ItemRef, ListUsed, ScreeningBasis, Shipment, ShipmentDecision, Worker,
};
use earmark_ledger::{
    dollars, h100_equivalents, Authorisation, Cap, CapScope, Disposition, Ledger, License,
    LicenseStatus, Meta, NewShipment, Recorded, UsageKey, H100_SXM_TPP,
};
use earmark_screen::build_index;
use serde::Deserialize;

use super::check;
use super::lists::{self, ListArgs};
use super::rules::load_pack;
use super::{load_item, today, Format};
use crate::embedded;

/// Lines recorded per transaction by `record --batch`: large enough that the commit's fsync
/// is a small share of the time, small enough that a kill loses little work.
const BATCH_LINES: u32 = 500;

/// The ledger database option, shared by `ledger` and `audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// The ledger: `sqlite://PATH` or `postgres://USER@HOST/DB`. Default: a SQLite file in
    /// $XDG_DATA_HOME/earmark/ (or ~/.local/share/earmark/).
    #[arg(long, global = true, value_name = "URL")]
    pub db: Option<String>,
    /// Who is recording (kept with every record). Default: $USER.
    #[arg(long = "by", global = true, value_name = "NAME")]
    pub by: Option<String>,
}

impl DbArgs {
    pub fn open(&self) -> anyhow::Result<Ledger> {
        let url = match &self.db {
            Some(url) => url.clone(),
            None => {
                let dir = default_data_dir()?;
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating `{}`", dir.display()))?;
                format!("sqlite://{}", dir.join("ledger.sqlite").display())
            }
        };
        if let Some(path) = url.strip_prefix("sqlite://") {
            if let Some(parent) = Path::new(path).parent() {
                if !parent.as_os_str().is_empty() && !parent.is_dir() {
                    bail!(
                        "`{url}`: the directory `{}` does not exist",
                        parent.display()
                    );
                }
            }
        }
        Ledger::open(&url).with_context(|| format!("opening the ledger `{}`", redact(&url)))
    }

    pub fn meta(&self) -> Meta {
        let actor = self
            .by
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "unknown".to_owned());
        Meta::new(chrono::Utc::now(), actor)
    }
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("earmark"));
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".local/share/earmark")),
        None => {
            bail!("no $XDG_DATA_HOME or $HOME to keep the ledger in: give `--db sqlite://PATH`")
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct LedgerArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add, list or show export licenses.
    #[command(subcommand)]
    License(LicenseCommand),
    /// Record a shipment: check it, store the decision and the shipment, and deplete the
    /// license it ships under, all or nothing.
    Record(Box<RecordArgs>),
    /// Record every line of a JSON Lines file (see README, "Ledger"), 500 lines per
    /// transaction; re-running it records only the lines not yet recorded.
    RecordBatch(BatchArgs),
    /// Keep an officer's clearance of a possible list match ("not the listed party").
    Clear(ClearArgs),
    /// Add a compute cap in TPP, counted per calendar year.
    #[command(subcommand)]
    Cap(CapCommand),
    /// Licenses, countries, consignees and caps: used and left.
    Status(StatusArgs),
    /// The parties shipped to, with their latest recorded details.
    Parties {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum LicenseCommand {
    Add(LicenseAddArgs),
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    Show {
        number: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, clap::Args)]
pub struct LicenseAddArgs {
    #[arg(long)]
    pub number: String,
    #[arg(long, value_name = "DATE")]
    pub valid_from: Date,
    /// The last day it authorises shipments.
    #[arg(long, value_name = "DATE")]
    pub valid_to: Date,
    /// A catalog id or ECCN it covers (repeat for several).
    #[arg(long = "item", value_name = "ID|ECCN", required = true)]
    pub items: Vec<String>,
    /// A destination it covers (repeat for several).
    #[arg(long = "destination", value_name = "CC", required = true)]
    pub destinations: Vec<String>,
    /// A party named on it (repeat for several).
    #[arg(long = "party", value_name = "NAME")]
    pub parties: Vec<String>,
    #[arg(long, value_name = "N")]
    pub units: Option<u64>,
    /// Value limit in US dollars, e.g. `1500000` or `1500000.50`.
    #[arg(long, value_name = "USD")]
    pub value: Option<String>,
    #[arg(long, value_name = "TPP")]
    pub tpp: Option<f64>,
    #[arg(long = "proviso", value_name = "TEXT")]
    pub provisos: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// The order's id.
    #[arg(long, value_name = "ID")]
    pub order: String,
    /// The order line.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub line: u32,
    /// The line's value in US dollars.
    #[arg(long, value_name = "USD")]
    pub value: String,
    /// The license it ships under.
    #[arg(long, value_name = "NUMBER", conflicts_with = "exception")]
    pub license: Option<String>,
    /// The license exception it ships under (e.g. NAC, with `--notification`).
    #[arg(long, value_name = "ID")]
    pub exception: Option<String>,
    /// The reference of the notification a license exception needs.
    #[arg(long, value_name = "REF", requires = "exception")]
    pub notification: Option<String>,
    /// The shipment, as `earmark check` takes it.
    #[command(flatten)]
    pub check: check::Args,
}

#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// One JSON object per line: `order_id`, `line`, `value_cents`, optional `license` or
    /// `exception` (+ `notification`), and `shipment` (the engine's request).
    #[arg(value_name = "FILE.jsonl")]
    pub file: PathBuf,
    /// Use the rule pack in this directory instead of the bundled one.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Lines recorded per transaction: a kill loses at most this many lines' work (re-run to
    /// finish), and fewer means more commits and a slower batch.
    #[arg(long, value_name = "N", default_value_t = BATCH_LINES, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub per_transaction: u32,
}

#[derive(Debug, clap::Args)]
pub struct ClearArgs {
    #[arg(long, value_name = "NAME")]
    pub party: String,
    /// The list entry cleared, as `LIST:ID` (e.g. `EL:1234`).
    #[arg(long, value_name = "LIST:ID")]
    pub entry: String,
    #[arg(long, value_name = "TEXT")]
    pub why: String,
    #[command(flatten)]
    pub lists: ListArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum CapCommand {
    Add(CapAddArgs),
}

#[derive(Debug, clap::Args)]
pub struct CapAddArgs {
    #[arg(long)]
    pub id: String,
    #[arg(long, default_value = "")]
    pub description: String,
    #[arg(long, value_enum)]
    pub per: PerArg,
    /// The TPP allowed per consignee or country per calendar year.
    #[arg(long, value_name = "TPP")]
    pub tpp: f64,
    /// A destination it counts (repeat; default all).
    #[arg(long = "destination", value_name = "CC")]
    pub destinations: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PerArg {
    Consignee,
    Country,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The calendar year of ship dates to count (default: this year).
    #[arg(long)]
    pub year: Option<i32>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: LedgerArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::License(LicenseCommand::Add(a)) => license_add(&args.db, a),
        Command::License(LicenseCommand::List { format }) => {
            let licenses = args.db.open()?.licenses()?;
            match format {
                Format::Json => outln!("{}", serde_json::to_string_pretty(&licenses)?),
                Format::Human => {
                    if licenses.is_empty() {
                        outln!(
                            "no licenses in the ledger (add one with `earmark ledger license add`)"
                        );
                    }
                    for l in &licenses {
                        outln!("{}", license_line(l));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::License(LicenseCommand::Show { number, format }) => {
            let Some(l) = args.db.open()?.license(&number)? else {
                bail!("license `{number}` is not in the ledger");
            };
            match format {
                Format::Json => outln!("{}", serde_json::to_string_pretty(&l)?),
                Format::Human => {
                    outln!("{}", license_line(&l));
                    let lic = &l.license;
                    outln!("  items: {}", lic.items.join(", "));
                    outln!(
                        "  destinations: {}",
                        lic.destinations
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    if !lic.parties.is_empty() {
                        outln!("  parties: {}", lic.parties.join("; "));
                    }
                    for p in &lic.provisos {
                        outln!("  proviso: {p}");
                    }
                    outln!("  added in record #{}", l.record_seq);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Record(a) => record_one(&args.db, *a),
        Command::RecordBatch(a) => record_batch(&args.db, &a),
        Command::Clear(a) => clear(&args.db, a),
        Command::Cap(CapCommand::Add(a)) => {
            let cap = Cap {
                id: a.id,
                description: a.description,
                per: match a.per {
                    PerArg::Consignee => CapScope::Consignee,
                    PerArg::Country => CapScope::Country,
                },
                destinations: a
                    .destinations
                    .iter()
                    .map(|c| country("destination", c))
                    .collect::<anyhow::Result<_>>()?,
                limit_tpp: a.tpp,
            };
            let seq = args.db.open()?.add_cap(&cap, &args.db.meta())?;
            outln!("cap `{}` added (record #{seq})", cap.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Status(a) => status(&args.db, &a),
        Command::Parties { format } => {
            let parties = args.db.open()?.parties()?;
            match format {
                Format::Json => outln!("{}", serde_json::to_string_pretty(&parties)?),
                Format::Human => {
                    for p in &parties {
                        let facts: Vec<String> = [
                            p.country.as_ref().map(|c| format!("in {c}")),
                            p.headquarters
                                .as_ref()
                                .map(|c| format!("headquartered in {c}")),
                            p.parent_headquarters
                                .as_ref()
                                .map(|c| format!("parent {c}")),
                            p.address.as_ref().map(|a| format!("address `{a}`")),
                        ]
                        .into_iter()
                        .flatten()
                        .collect();
                        outln!(
                            "{} ({}){}{}; records #{} to #{}",
                            crate::output::terminal_safe(&p.name),
                            p.role,
                            if facts.is_empty() { "" } else { ": " },
                            crate::output::terminal_safe(&facts.join(", ")),
                            p.first_record_seq,
                            p.last_record_seq
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn country(flag: &str, code: &str) -> anyhow::Result<Country> {
    Country::from_code(code)
        .ok_or_else(|| anyhow::anyhow!("`--{flag} {code}`: not an ISO 3166-1 alpha-2 country code"))
}

/// US dollars as cents, exactly (no float rounding of money).
pub fn parse_dollars(flag: &str, text: &str) -> anyhow::Result<i64> {
    let bad = || anyhow::anyhow!("`--{flag} {text}`: give US dollars, e.g. 1500 or 1500.25");
    let t = text.trim().trim_start_matches('$').replace(',', "");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().map_err(|_| bad())?
    };
    whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(frac))
        .ok_or_else(bad)
}

fn license_add(db: &DbArgs, a: LicenseAddArgs) -> anyhow::Result<ExitCode> {
    let license = License {
        number: a.number,
        valid_from: a.valid_from,
        valid_to: a.valid_to,
        items: a.items,
        destinations: a
            .destinations
            .iter()
            .map(|c| country("destination", c))
            .collect::<anyhow::Result<_>>()?,
        parties: a.parties,
        limit_units: a.units,
        limit_value_cents: a
            .value
            .as_deref()
            .map(|v| parse_dollars("value", v))
            .transpose()?,
        limit_tpp: a.tpp,
        provisos: a.provisos,
    };
    let seq = db.open()?.add_license(&license, &db.meta())?;
    outln!("license `{}` added (record #{seq})", license.number);
    Ok(ExitCode::SUCCESS)
}

fn license_line(l: &LicenseStatus) -> String {
    let lic = &l.license;
    let mut parts = Vec::new();
    if let Some(m) = lic.limit_units {
        parts.push(format!(
            "units {} of {m} ({} left)",
            l.used.units,
            m.saturating_sub(l.used.units)
        ));
    }
    if let Some(m) = lic.limit_value_cents {
        parts.push(format!(
            "value {} of {} ({} left)",
            dollars(l.used.value_cents),
            dollars(m),
            dollars(m - l.used.value_cents)
        ));
    }
    if let Some(m) = lic.limit_tpp {
        parts.push(format!(
            "TPP {:.0} of {m:.0} ({:.0} left, {:.1} H100-eq)",
            l.used.tpp,
            m - l.used.tpp,
            h100_equivalents(m - l.used.tpp)
        ));
    }
    format!(
        "{}  valid {} to {}  {}",
        lic.number,
        lic.valid_from,
        lic.valid_to,
        parts.join("; ")
    )
}

/// The engine for recording: the bundled or given pack, and lists when parties are screened.
fn engine(rules: Option<&Path>, list_args: Option<&ListArgs>) -> anyhow::Result<Engine> {
    let catalog = embedded::catalog()?;
    let pack = load_pack(rules)?;
    let lists = match list_args {
        Some(args) => {
            let loaded = lists::load(args)?;
            lists::report_issues(&loaded);
            lists::age_warnings(&loaded, today(), args.max_list_age_days)?;
            Some(build_index(loaded.loaded))
        }
        None => None,
    };
    let max_age = list_args.map(|a| a.max_list_age_days);
    let engine = Engine::new(pack, catalog, embedded::catalog_hash(), lists)
        .map_err(|e| anyhow::anyhow!("the rule pack cannot classify: {e}"))?;
    Ok(match max_age {
        Some(days) => engine.with_max_list_age_days(days),
        None => engine,
    })
}

/// The hash a disposition is tied to: the loaded list's content hash (several lists: the hash
/// of their hashes), so that any change to the lists re-opens it.
pub fn lists_hash(lists: &[ListUsed]) -> String {
    match lists {
        [one] => one.content_hash.clone(),
        many => {
            use sha2::Digest as _;
            let joined: Vec<&str> = many.iter().map(|l| l.content_hash.as_str()).collect();
            format!(
                "sha256:{}",
                hex::encode(sha2::Sha256::digest(joined.join(",").as_bytes()))
            )
        }
    }
}

/// Checks a shipment; a possible Entity List match an officer cleared against the same entry
/// and the same lists is answered by that disposition (the party's status becomes "not
/// listed", and the decision says which disposition settled it). A disposition made against
/// other lists is named as re-opened.
fn check_with_dispositions(
    worker: &mut Worker<'_>,
    ledger: &mut Ledger,
    shipment: &Shipment,
) -> anyhow::Result<(ShipmentDecision, Vec<u64>)> {
    let decision = worker
        .check(shipment, today())
        .context("checking the shipment")?;
    let hash = lists_hash(&decision.data.lists);
    let mut settled = shipment.clone();
    let mut used = Vec::new();
    let mut notes = Vec::new();
    for p in &decision.parties {
        if p.basis != ScreeningBasis::Screened || p.status != Some(ListStatus::PossibleMatch) {
            continue;
        }
        let (Some(name), Some(m)) = (&p.name, &p.entity_list) else {
            continue;
        };
        let entry = format!("{}:{}", m.list, m.source_id);
        match ledger.disposition_for(name, &entry, &hash)? {
            Some(d) => {
                if let Some(party) = settled
                    .parties
                    .iter_mut()
                    .find(|q| q.role == p.role && q.name.as_deref() == Some(name))
                {
                    party.list_status = Some(ListStatus::NotListed);
                    used.push(d.seq);
                    notes.push(format!(
                        "{} `{name}`: possible match {entry} was cleared by disposition #{} ({} on {}: {})",
                        p.role.as_str(),
                        d.seq,
                        d.disposition.by,
                        d.cleared_at,
                        d.disposition.why
                    ));
                }
            }
            None => {
                if let Some(old) = ledger
                    .dispositions(name)?
                    .into_iter()
                    .find(|d| d.disposition.entry == entry)
                {
                    notes.push(format!(
                        "{} `{name}`: disposition #{} cleared {entry} against other lists; the match is open again",
                        p.role.as_str(),
                        old.seq
                    ));
                }
            }
        }
    }
    if used.is_empty() {
        let mut decision = decision;
        decision.warnings.extend(notes);
        return Ok((decision, used));
    }
    let mut decision = worker
        .check(&settled, today())
        .context("checking the shipment")?;
    decision.warnings.extend(notes);
    Ok((decision, used))
}

fn authorisation(
    license: Option<String>,
    exception: Option<String>,
    notification: Option<String>,
) -> Authorisation {
    match (license, exception) {
        (Some(number), _) => Authorisation::License { number },
        (None, Some(id)) => Authorisation::Exception { id, notification },
        (None, None) => Authorisation::NoLicenseRequired,
    }
}

fn record_one(db: &DbArgs, a: RecordArgs) -> anyhow::Result<ExitCode> {
    let check_args = a.check;
    let order = a.order;
    let value_cents = parse_dollars("value", &a.value)?;
    let catalog = embedded::catalog()?;
    let item = load_item(&check_args.item, &catalog)?;
    let item = match item.catalog_id {
        Some(id) => ItemRef::CatalogId(id),
        None => ItemRef::Spec(Box::new(item.spec)),
    };
    let shipment = check::shipment(&check_args, item)?;
    if shipment.quantity.is_none() {
        bail!("a recorded shipment needs `--quantity N`");
    }
    let screens = shipment.parties.iter().any(|p| p.name.is_some());
    let engine = engine(
        check_args.rules.as_deref(),
        screens.then_some(&check_args.lists),
    )?;
    let mut ledger = db.open()?;
    let mut worker = engine.worker();
    let (decision, dispositions) = check_with_dispositions(&mut worker, &mut ledger, &shipment)?;
    let mut line = NewShipment::new(
        order,
        a.line,
        value_cents,
        authorisation(a.license, a.exception, a.notification),
        &decision,
    );
    line.dispositions = dispositions;
    for w in &decision.warnings {
        eprintln!("warning: {}", crate::output::terminal_safe(w));
    }
    match ledger.record_shipment(&line, &db.meta()) {
        Ok(Recorded::New { seq, warnings }) => {
            for w in &warnings {
                eprintln!("warning: {w}");
            }
            match check_args.format {
                Format::Json => outln!(
                    "{}",
                    serde_json::json!({"recorded": seq, "warnings": warnings, "decision": decision})
                ),
                Format::Human => outln!(
                    "recorded order `{}` line {} as record #{seq}: {} ({})",
                    line.order_id,
                    line.line,
                    crate::output::terminal_safe(&decision.headline),
                    line.authorisation.describe()
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Ok(Recorded::AlreadyRecorded { seq }) => {
            outln!(
                "order `{}` line {} was already recorded (record #{seq}); nothing written",
                line.order_id,
                line.line
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if e.is_refusal() => {
            eprintln!("refused: {}", crate::output::terminal_safe(&e.to_string()));
            outln!("{}", crate::output::terminal_safe(&decision.headline));
            // The shipment may not go: the decision's exit code, at least "review".
            Ok(ExitCode::from(decision.severity.exit_code().max(4)))
        }
        Err(e) => Err(e.into()),
    }
}

/// One line of a `record --batch` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchLine {
    order_id: String,
    line: u32,
    value_cents: i64,
    #[serde(default)]
    license: Option<String>,
    #[serde(default)]
    exception: Option<String>,
    #[serde(default)]
    notification: Option<String>,
    shipment: Shipment,
}

fn record_batch(db: &DbArgs, a: &BatchArgs) -> anyhow::Result<ExitCode> {
    let file = a.file.as_path();
    let reader = std::io::BufReader::new(
        std::fs::File::open(file).with_context(|| format!("opening `{}`", file.display()))?,
    );
    let mut rows = Vec::new();
    let mut bad = 0usize;
    for (i, text) in reader.lines().enumerate() {
        let n = i + 1;
        let text = text.with_context(|| format!("reading `{}` line {n}", file.display()))?;
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<BatchLine>(&text) {
            Ok(row) => rows.push((n, row)),
            Err(e) => {
                bad += 1;
                eprintln!(
                    "{}:{n}: {}",
                    file.display(),
                    crate::output::terminal_safe(&e.to_string())
                );
            }
        }
    }
    let screens = rows
        .iter()
        .any(|(_, r)| r.shipment.parties.iter().any(|p| p.name.is_some()));
    let engine = engine(
        a.rules.as_deref(),
        screens.then_some(&ListArgs {
            lists: Vec::new(),
            max_list_bytes: lists::DEFAULT_MAX_LIST_BYTES,
            max_list_age_days: 7,
            names: None,
            no_names: false,
        }),
    )?;
    let mut ledger = db.open()?;
    let mut worker = engine.worker();
    let (mut recorded, mut already, mut refused) = (0usize, 0usize, 0usize);
    let meta = db.meta();
    for chunk in rows.chunks(a.per_transaction as usize) {
        let mut lines = Vec::with_capacity(chunk.len());
        let mut numbers = Vec::with_capacity(chunk.len());
        for (n, row) in chunk {
            match check_with_dispositions(&mut worker, &mut ledger, &row.shipment) {
                Ok((decision, dispositions)) => {
                    let mut line = NewShipment::new(
                        row.order_id.clone(),
                        row.line,
                        row.value_cents,
                        authorisation(
                            row.license.clone(),
                            row.exception.clone(),
                            row.notification.clone(),
                        ),
                        &decision,
                    );
                    line.dispositions = dispositions;
                    lines.push(line);
                    numbers.push(*n);
                }
                Err(e) => {
                    bad += 1;
                    eprintln!(
                        "{}:{n}: {}",
                        file.display(),
                        crate::output::terminal_safe(&format!("{e:#}"))
                    );
                }
            }
        }
        let results = ledger.record_shipments(&lines, &meta)?;
        for (n, result) in numbers.iter().zip(results) {
            match result {
                Ok(Recorded::New { warnings, .. }) => {
                    recorded += 1;
                    for w in warnings {
                        eprintln!("{}:{n}: warning: {w}", file.display());
                    }
                }
                Ok(Recorded::AlreadyRecorded { .. }) => already += 1,
                Err(e) => {
                    refused += 1;
                    eprintln!(
                        "{}:{n}: refused: {}",
                        file.display(),
                        crate::output::terminal_safe(&e.to_string())
                    );
                }
            }
        }
    }
    outln!("{recorded} recorded, {already} already recorded, {refused} refused, {bad} bad rows");
    Ok(if bad > 0 {
        ExitCode::from(2)
    } else if refused > 0 {
        ExitCode::from(4)
    } else {
        ExitCode::SUCCESS
    })
}

fn clear(db: &DbArgs, a: ClearArgs) -> anyhow::Result<ExitCode> {
    let Some((list, id)) = a
        .entry
        .split_once(':')
        .filter(|(l, i)| !l.is_empty() && !i.is_empty())
    else {
        bail!(
            "`--entry {}`: give the list entry as LIST:ID, e.g. EL:1234",
            a.entry
        );
    };
    let loaded = lists::load(&a.lists)?;
    let index = build_index(loaded.loaded);
    if !index
        .entries()
        .iter()
        .any(|e| e.list == list && e.source_id == id)
    {
        bail!("`--entry {}`: no such entry in the loaded lists", a.entry);
    }
    let used: Vec<ListUsed> = index
        .lists()
        .iter()
        .map(|l| ListUsed {
            source: l.source.clone(),
            date: l.date.clone(),
            age_days: None,
            content_hash: l.content_hash.clone(),
            records: l.records,
        })
        .collect();
    let meta = db.meta();
    let disposition = Disposition {
        party: a.party,
        entry: a.entry,
        list_hash: lists_hash(&used),
        why: a.why,
        by: meta.actor.clone(),
    };
    let seq = db.open()?.add_disposition(&disposition, &meta)?;
    outln!(
        "disposition #{seq}: `{}` is not {} (lists {}); it answers that match until the lists change",
        crate::output::terminal_safe(&disposition.party),
        disposition.entry,
        disposition.list_hash
    );
    Ok(ExitCode::SUCCESS)
}

fn status(db: &DbArgs, a: &StatusArgs) -> anyhow::Result<ExitCode> {
    use chrono::Datelike as _;
    let year = a.year.unwrap_or_else(|| today().year());
    let mut ledger = db.open()?;
    let head = ledger.head()?;
    let licenses = ledger.licenses()?;
    let countries = ledger.usage(year, UsageKey::Country)?;
    let consignees = ledger.usage(year, UsageKey::Consignee)?;
    let ratios = ledger.volume_ratios(year)?;
    let caps = ledger.caps()?;
    let mut cap_rows: Vec<serde_json::Value> = Vec::new();
    for cap in &caps {
        for r in ledger.cap_usage(year, cap)? {
            cap_rows.push(serde_json::json!({
                "cap": cap.id, "key": r.key, "used_tpp": r.tpp, "limit_tpp": cap.limit_tpp,
                "left_tpp": cap.limit_tpp - r.tpp, "floor": r.lines_without_tpp > 0,
            }));
        }
    }
    if a.format == Format::Json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "backend": ledger.backend_name(), "head": head, "year": year,
                "h100_sxm_tpp": H100_SXM_TPP, "licenses": licenses, "countries": countries,
                "consignees": consignees, "caps": cap_rows, "h200_volume": ratios,
            }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "ledger ({}): {} records, head #{} {}",
        ledger.backend_name(),
        head.seq,
        head.seq,
        head.hash
    );
    outln!("licenses:");
    if licenses.is_empty() {
        outln!("  none");
    }
    for l in &licenses {
        outln!("  {}", license_line(l));
    }
    outln!("shipped in {year} (TPP; H100-eq = TPP / {H100_SXM_TPP:.0}, the H100 SXM's TPP in the catalog):");
    for (title, rows) in [("by country", &countries), ("by consignee", &consignees)] {
        outln!("  {title}:");
        if rows.is_empty() {
            outln!("    none");
        }
        for r in rows.iter() {
            outln!(
                "    {}: {} lines, {} units, TPP {:.0} ({:.1} H100-eq){}",
                crate::output::terminal_safe(&r.key),
                r.lines,
                r.units,
                r.tpp,
                h100_equivalents(r.tpp),
                if r.lines_without_tpp > 0 {
                    format!(" (at least: {} lines without TPP)", r.lines_without_tpp)
                } else {
                    String::new()
                }
            );
        }
    }
    if !caps.is_empty() {
        outln!("caps ({year}):");
        for row in &cap_rows {
            let left = row["left_tpp"].as_f64().unwrap_or(0.0);
            outln!(
                "  {} {}: TPP {:.0} of {:.0} used, {:.0} left ({:.1} H100-eq){}",
                row["cap"].as_str().unwrap_or_default(),
                crate::output::terminal_safe(row["key"].as_str().unwrap_or_default()),
                row["used_tpp"].as_f64().unwrap_or(0.0),
                row["limit_tpp"].as_f64().unwrap_or(0.0),
                left,
                h100_equivalents(left),
                if left < 0.0 { "  OVER" } else { "" }
            );
        }
    }
    if !ratios.is_empty() {
        outln!("H200 volume condition ({year}; China and Macau at most 50 % of US end users):");
        for r in &ratios {
            outln!(
                "  {}: {} units to CN/MO, {} to US: {}",
                r.item,
                r.china_macau_units,
                r.us_units,
                match r.ratio {
                    Some(x) if x <= 0.5 => format!("{:.1} % (within)", x * 100.0),
                    Some(x) => format!("{:.1} % (OVER)", x * 100.0),
                    None => "no US shipments (OVER)".to_owned(),
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use super::{parse_dollars, redact};

    #[test]
    fn dollar_values_become_exact_cents_without_float_rounding() {
        assert_eq!(parse_dollars("value", "1500").unwrap(), 150_000);
        assert_eq!(parse_dollars("value", "1500.5").unwrap(), 150_050);
        assert_eq!(parse_dollars("value", "$1,500.05").unwrap(), 150_005);
        // 0.1 + 0.2 in floats is 0.30000000000000004; cents stay exact.
        assert_eq!(parse_dollars("value", "0.29").unwrap(), 29);
    }

    #[test]
    fn a_value_with_a_sign_three_decimals_or_no_digits_is_refused() {
        for bad in ["-5", "1.005", "", ".", "abc", "1e6", "99999999999999999999"] {
            let e = parse_dollars("value", bad).unwrap_err().to_string();
            assert!(e.contains(&format!("`--value {bad}`")), "{bad}: {e}");
        }
    }

    #[test]
    fn a_database_password_is_not_printed_in_messages() {
        assert_eq!(
            redact("postgres://ledger:s3cret@db.example/earmark"),
            "postgres://ledger:***@db.example/earmark"
        );
        assert_eq!(redact("sqlite:///tmp/l.sqlite"), "sqlite:///tmp/l.sqlite");
    }
}
