//! `earmark lists status`: which restricted-party lists are in use, where they come from, how
//! old they are. Also the list loading shared with `earmark screen`: the bundled snapshot, or
//! the files given with `--lists FORMAT:PATH`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use earmark_screen::load::names::{self, NameSet};
use earmark_screen::load::{csl, dpl, entity_list, ofac};
use earmark_screen::{Format as ListFormat, ListInfo, Loaded};
use serde::Serialize;

use super::{today, Format};
use crate::output::terminal_safe;
use crate::snapshot;
use earmark_core::Date;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print each list's source, date, record count and content hash; warn when one is old.
    Status(StatusArgs),
    /// Entries added, removed and changed between two snapshots of a list (matched by list
    /// code and entry id), e.g. `lists diff ofac:old/ ofac:new/`.
    Diff(DiffArgs),
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The older snapshot, as FORMAT:PATH (as `--lists` takes it).
    pub old: String,
    /// The newer snapshot, as FORMAT:PATH.
    pub new: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Refuse a list file larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LIST_BYTES)]
    pub max_list_bytes: u64,
}

/// The `--lists` option, shared by `screen` and `lists status`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Lists to use instead of the bundled snapshot, as FORMAT:PATH (formats: ofac, ofac-cons,
    /// csl, bis-dpl, entity-list). For ofac and ofac-cons PATH is the directory holding
    /// sdn.csv/alt.csv/add.csv/sdn_comments.csv (or cons_prim.csv, ...), or the primary file.
    /// Only the CSL JSON carries its own date; give the others theirs as FORMAT:PATH@YYYY-MM-DD,
    /// or their date is unknown (and `lists status` warns).
    #[arg(long = "lists", value_name = "FORMAT:PATH[@DATE]", num_args = 1..)]
    pub lists: Vec<String>,
    /// Refuse a list file larger than this many bytes (default 512 MiB), so that a wrong path
    /// (a device, a huge log) fails at once instead of filling memory.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LIST_BYTES)]
    pub max_list_bytes: u64,
    /// Warn when a list's date is more than this many days before today (a list dated after
    /// today is an error). The bundled snapshot is as old as the release that carries it.
    #[arg(
        long = "max-list-age-days",
        visible_alias = "max-age-days",
        value_name = "N",
        default_value_t = 7
    )]
    pub max_list_age_days: u32,
    /// The native-name dataset (Chinese legal, former and brand names of listed entities, each
    /// with its source) to use instead of the bundled data/names/chinese-names.csv.
    #[arg(long = "names", value_name = "PATH", conflicts_with = "no_names")]
    pub names: Option<PathBuf>,
    /// Screen without the native-name dataset: only the names the lists print.
    #[arg(long = "no-names")]
    pub no_names: bool,
}

/// The native-name dataset as shipped in data/names/.
const BUNDLED_NAMES: (&str, &[u8]) = (
    "bundled:data/names/chinese-names.csv",
    include_bytes!("../../../../data/names/chinese-names.csv"),
);

/// The native-name dataset to attach: the bundled one, the one `--names` gives, or none with
/// `--no-names`. Its skipped rows are reported like a list's.
pub fn load_names(args: &ListArgs) -> anyhow::Result<Option<NameSet>> {
    if args.no_names {
        return Ok(None);
    }
    let set = match &args.names {
        Some(path) => {
            let label = path.display().to_string();
            let bytes = read(path, args.max_list_bytes)?;
            names::load(&label, &bytes)?
        }
        None => names::load(BUNDLED_NAMES.0, BUNDLED_NAMES.1)?,
    };
    for issue in set.issues.iter().take(10) {
        eprintln!("warning: {}", terminal_safe(&issue.to_string()));
    }
    if set.issues.len() > 10 {
        eprintln!(
            "warning: {}: {} more rows skipped",
            set.source,
            set.issues.len() - 10
        );
    }
    Ok(Some(set))
}

/// Several times the largest list published today (the full CSL JSON is about 30 MB).
pub const DEFAULT_MAX_LIST_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub lists: ListArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Lists loaded for use: each file's description plus how its date was known.
#[derive(Debug)]
pub struct LoadedLists {
    pub loaded: Vec<Loaded>,
    /// For each file: where the date came from ("the file", "bundled snapshot", "given on
    /// the command line"), or why there is none.
    pub date_basis: Vec<String>,
}

/// Prints each file's warnings, then its row issues (the first few, then a count), to stderr.
pub fn report_issues(lists: &LoadedLists) {
    const SHOWN: usize = 10;
    for l in &lists.loaded {
        // Warnings first and all of them: they are about the list as a whole.
        for warning in &l.info.warnings {
            eprintln!("warning: {warning}");
        }
        for issue in l.issues.iter().take(SHOWN) {
            eprintln!("warning: {issue} (row skipped)");
        }
        if l.issues.len() > SHOWN {
            eprintln!(
                "warning: {}: {} more rows skipped ({} kept)",
                l.info.source,
                l.issues.len() - SHOWN,
                l.info.records
            );
        }
    }
}

/// Reads a list file, refusing one larger than `limit` bytes. The read itself is capped, so
/// that a file with no size (`/dev/zero`, a pipe) stops at the limit too.
fn read(path: &Path, limit: u64) -> anyhow::Result<Vec<u8>> {
    let too_large = || {
        let mib = limit / (1024 * 1024);
        if limit % (1024 * 1024) == 0 {
            anyhow::anyhow!(
                "`{}` is larger than the {mib} MiB limit (raise it with --max-list-bytes)",
                path.display()
            )
        } else {
            anyhow::anyhow!(
                "`{}` is larger than the {limit}-byte limit (raise it with --max-list-bytes)",
                path.display()
            )
        }
    };
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > limit)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

fn mtime_date(path: &Path) -> Option<String> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let dt: chrono::DateTime<chrono::Utc> = modified.into();
    Some(dt.format("%Y-%m-%d").to_string())
}

/// Loads the bundled snapshot, or the `--lists` files when any are given.
pub fn load(args: &ListArgs) -> anyhow::Result<LoadedLists> {
    if args.lists.is_empty() {
        return load_bundled();
    }
    let mut loaded = Vec::new();
    let mut date_basis = Vec::new();
    for spec in &args.lists {
        let Some((format, path)) = spec.split_once(':') else {
            bail!(
                "`--lists {spec}`: expected FORMAT:PATH, e.g. csl:consolidated.csv (--lists takes \
                 every following word: give the name to screen before it)"
            );
        };
        let Some(format) = ListFormat::from_name(format) else {
            let known: Vec<&str> = ListFormat::ALL.iter().map(|f| f.name()).collect();
            bail!(
                "`--lists {spec}`: unknown list format `{format}` (known: {})",
                known.join(", ")
            );
        };
        // A date given after the path: csl:list.csv@2026-07-31.
        let (path, given_date) = match path.rsplit_once('@') {
            Some((p, d)) if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok() => {
                (p, Some(d.to_string()))
            }
            _ => (path, None),
        };
        let path = PathBuf::from(path);
        let (mut l, basis) = load_one(format, &path, args.max_list_bytes)?;
        match (given_date, l.info.date.is_some()) {
            (Some(d), _) => {
                l.info.date = Some(d);
                date_basis.push("given on the command line".to_string());
            }
            (None, true) => date_basis.push(basis.to_string()),
            // A file's modification time says when it was copied, not when the list was
            // published: a fresh copy of an old list would look current. So it is only shown.
            (None, false) => date_basis.push(match mtime_date(&path) {
                Some(m) => format!("unknown: the file carries no date (file modified {m})"),
                None => "unknown: the file carries no date".to_string(),
            }),
        }
        loaded.push(l);
    }
    Ok(LoadedLists { loaded, date_basis })
}

fn load_one(format: ListFormat, path: &Path, limit: u64) -> anyhow::Result<(Loaded, &'static str)> {
    let label = path.display().to_string();
    let loaded = match format {
        ListFormat::Ofac | ListFormat::OfacCons => {
            let cons = format == ListFormat::OfacCons;
            let (dir, primary) = if path.is_dir() {
                let name = if cons { "cons_prim.csv" } else { "sdn.csv" };
                (path.to_path_buf(), path.join(name))
            } else {
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                (dir, path.to_path_buf())
            };
            let names = if cons {
                ["cons_alt.csv", "cons_add.csv", "cons_comments.csv"]
            } else {
                ["alt.csv", "add.csv", "sdn_comments.csv"]
            };
            let primary_bytes = read(&primary, limit)?;
            let primary_label = primary.display().to_string();
            let mut extra: Vec<(String, Vec<u8>)> = Vec::new();
            for n in names {
                let p = dir.join(n);
                if p.is_file() {
                    extra.push((p.display().to_string(), read(&p, limit)?));
                } else {
                    extra.push((String::new(), Vec::new()));
                }
            }
            let pick = |i: usize| -> Option<(&str, &[u8])> {
                let (l, b) = &extra[i];
                (!l.is_empty()).then_some((l.as_str(), b.as_slice()))
            };
            let files = ofac::OfacFiles {
                primary: (&primary_label, &primary_bytes),
                aliases: pick(0),
                addresses: pick(1),
                comments: pick(2),
            };
            ofac::load(&files, cons, None)?
        }
        ListFormat::Csl => csl::load(&label, &read(path, limit)?, None)?,
        ListFormat::BisDpl => dpl::load(&label, &read(path, limit)?, None)?,
        ListFormat::EntityList => entity_list::load(&label, &read(path, limit)?, None)?,
    };
    Ok((loaded, "the file"))
}

/// The bundled snapshot: the CSL for every list but the Entity List, and the Entity List file
/// (with addresses and footnotes) for that one.
pub fn load_bundled() -> anyhow::Result<LoadedLists> {
    let b = snapshot::CSL;
    debug_assert_eq!(b.format, ListFormat::Csl);
    let mut csl = csl::load(b.label, b.bytes, Some(b.date))?;
    csl.entries.retain(|e| e.list != "EL");
    csl.info.records = csl.entries.len();
    let e = snapshot::ENTITY_LIST;
    let el = entity_list::load(e.label, e.bytes, Some(e.date))?;
    Ok(LoadedLists {
        loaded: vec![csl, el],
        date_basis: vec![
            "bundled snapshot".to_string(),
            "bundled snapshot".to_string(),
        ],
    })
}

/// Warnings for lists too old to rely on, checked wherever lists are used (`screen`, `check`),
/// not only in `lists status`.
///
/// A list dated more than `max_age_days` before `today`, or with no date at all, gives a
/// warning: its answers still stand for that date, but a party listed since is missed. A list
/// dated after `today` is an error: either the date given with `@DATE` or the clock is wrong,
/// and an answer dated by either cannot be vouched for.
pub fn age_warnings(
    lists: &LoadedLists,
    today: Date,
    max_age_days: u32,
) -> anyhow::Result<Vec<String>> {
    let mut warnings = Vec::new();
    for l in &lists.loaded {
        let source = &l.info.source;
        let Some(text) = l.info.date.as_deref() else {
            warnings.push(format!(
                "`{source}`: the list date is unknown, so its age cannot be checked (give it \
                 as FORMAT:PATH@YYYY-MM-DD)"
            ));
            continue;
        };
        let Ok(date) = Date::parse_from_str(text, "%Y-%m-%d") else {
            warnings.push(format!(
                "`{source}`: the list date `{text}` is not YYYY-MM-DD, so its age cannot be \
                 checked"
            ));
            continue;
        };
        let age = (today - date).num_days();
        if age < 0 {
            bail!(
                "`{source}` is dated {date}, after today ({today}): check the date given with \
                 @DATE, or the system clock"
            );
        }
        if age > i64::from(max_age_days) {
            warnings.push(format!(
                "`{source}` is dated {date}, {age} days before today (more than \
                 {max_age_days}): parties listed since then are missing from it"
            ));
        }
    }
    Ok(warnings)
}

#[derive(Debug, Serialize)]
struct ListStatus<'a> {
    #[serde(flatten)]
    info: &'a ListInfo,
    date_basis: &'a str,
    origin: Option<&'a str>,
    age_days: Option<i64>,
    stale: bool,
    /// Entries per list code (a CSL file holds twelve lists).
    by_list: BTreeMap<&'a str, usize>,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Status(args) => status(&args),
        Command::Diff(args) => diff(&args),
    }
}

fn diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let side = |spec: &str| -> anyhow::Result<Vec<earmark_screen::Entry>> {
        let loaded = load(&ListArgs {
            lists: vec![spec.to_string()],
            max_list_bytes: args.max_list_bytes,
            max_list_age_days: u32::MAX,
            names: None,
            no_names: true,
        })?;
        report_issues(&loaded);
        Ok(loaded.loaded.into_iter().flat_map(|l| l.entries).collect())
    };
    let (old, new) = (side(&args.old)?, side(&args.new)?);
    let d = earmark_screen::diff::diff(&old, &new);
    match args.format {
        Format::Json => {
            let value = serde_json::json!({"old": args.old, "new": args.new, "diff": d});
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Human => {
            let mut out = format!(
                "{} -> {}: {} added, {} removed, {} changed, {} unchanged\n",
                args.old,
                args.new,
                d.added.len(),
                d.removed.len(),
                d.changed.len(),
                d.unchanged
            );
            for e in &d.added {
                out.push_str(&format!("  + {} {}  {}\n", e.list, e.source_id, e.name));
            }
            for e in &d.removed {
                out.push_str(&format!("  - {} {}  {}\n", e.list, e.source_id, e.name));
            }
            for e in &d.changed {
                out.push_str(&format!(
                    "  ~ {} {}  {}  ({})\n",
                    e.list,
                    e.source_id,
                    e.name,
                    e.fields.join(", ")
                ));
            }
            out!("{}", terminal_safe(&out));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn status(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let max_age_days = i64::from(args.lists.max_list_age_days);
    let lists = load(&args.lists)?;
    let today = today();
    let mut rows = Vec::new();
    for (l, basis) in lists.loaded.iter().zip(&lists.date_basis) {
        let age_days = l
            .info
            .date
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| (today - d).num_days());
        let mut by_list = BTreeMap::new();
        for e in &l.entries {
            *by_list.entry(e.list.as_str()).or_insert(0) += 1;
        }
        let origin = snapshot::ALL
            .iter()
            .find(|b| b.label == l.info.source)
            .map(|b| b.origin);
        rows.push(ListStatus {
            info: &l.info,
            date_basis: basis,
            origin,
            age_days,
            // A list whose date is unknown is treated as stale: its age cannot be vouched for.
            stale: age_days.is_none_or(|a| a > max_age_days),
            by_list,
        });
    }
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Human => {
            for r in &rows {
                outln!("{}", r.info.source);
                if let Some(o) = r.origin {
                    outln!("  source:   {o}");
                }
                outln!("  format:   {}", r.info.format.name());
                outln!(
                    "  date:     {} ({}){}",
                    r.info.date.as_deref().unwrap_or("unknown"),
                    r.date_basis,
                    r.age_days
                        .map(|a| format!(", {a} days old"))
                        .unwrap_or_default()
                );
                outln!(
                    "  records:  {} kept, {} rows skipped",
                    r.info.records,
                    r.info.skipped
                );
                for w in &r.info.warnings {
                    outln!("  warning:  {w}");
                }
                let parts: Vec<String> =
                    r.by_list.iter().map(|(k, v)| format!("{k} {v}")).collect();
                outln!("  lists:    {}", parts.join(", "));
                outln!("  hash:     {}", r.info.content_hash);
            }
        }
    }
    report_issues(&lists);
    for r in &rows {
        if r.stale {
            match r.age_days {
                Some(a) => eprintln!(
                    "warning: {} is {a} days old (more than {}); screen against a current list with --lists",
                    r.info.source, max_age_days
                ),
                None => eprintln!("warning: {}: the list date is unknown", r.info.source),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
