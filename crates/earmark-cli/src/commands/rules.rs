//! `earmark rules`: list, show, validate and diff the rule pack (the regulations as dated data).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use earmark_core::catalog::Catalog;
use earmark_core::classify::{classify_with, ClassifyOptions, Vintages};
use earmark_core::country::Country;
use earmark_core::determine::{Determiner, ItemFacts, Reading, Request, Verdict};
use earmark_core::rules::{Effect, GroupAction, Instrument, Problem, Rule, RulePack};
use earmark_core::Date;
use serde::Serialize;

use earmark_core::catalog::closest_ids;

use super::{today, Format};
use crate::embedded;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the instruments of the pack, oldest first.
    List {
        /// Use the rule pack in this directory instead of the bundled one.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print an instrument or a rule (citations, dates, layer, confidence, rules), or a
    /// country's Country Groups over time.
    Show {
        /// An instrument id (e.g. `bis-2023-10-acs`), a rule id (e.g. `acs23-headquarters`),
        /// or an ISO country code (e.g. `AE`: its Country Groups over time).
        id: String,
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Load and validate a pack; print every problem with file and line.
    Validate {
        /// The pack directory; the bundled pack when omitted.
        dir: Option<PathBuf>,
    },
    /// What changed between two dates: instruments, Country Groups, and which answers flip for
    /// the catalog's items across a set of destinations.
    Diff {
        date1: Date,
        date2: Date,
        /// Destinations to compare (comma-separated ISO codes).
        #[arg(
            long,
            value_name = "CC,CC,...",
            value_delimiter = ',',
            default_value = "CN,HK,MO,RU,IR,KH,VN,AE,SA,IL,SG,MY,IN,DE,JP"
        )]
        to: Vec<String>,
        #[arg(long, value_enum, default_value_t)]
        layer: LayerArg,
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// `--layer`: the enforced posture (default) or the legal text alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LayerArg {
    #[default]
    Enforced,
    Legal,
}

impl From<LayerArg> for Reading {
    fn from(l: LayerArg) -> Self {
        match l {
            LayerArg::Enforced => Self::Enforced,
            LayerArg::Legal => Self::Legal,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::List { rules, format } => list(&load_pack(rules.as_deref())?, format),
        Command::Show { id, rules, format } => show(&load_pack(rules.as_deref())?, &id, format),
        Command::Validate { dir } => validate(dir.as_deref()),
        Command::Diff {
            date1,
            date2,
            to,
            layer,
            rules,
            format,
        } => diff(
            &load_pack(rules.as_deref())?,
            date1,
            date2,
            &to,
            layer.into(),
            format,
        ),
    }
}

/// The most one rule file may hold. The bundled pack's largest file is a few KiB; the cap makes
/// `/dev/zero`, a runaway generator or a wrong path fail at once instead of filling memory.
pub const MAX_RULE_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads every `.toml` file of a pack directory as `(relative path, text)`. A pack must be
/// self-contained: a symbolic link leading out of the directory, a rule file that is not a
/// regular file (a FIFO, a device, a socket) and a rule file over [`MAX_RULE_FILE_BYTES`] are
/// errors naming the path, so what is validated is exactly what is in the directory.
pub fn read_pack_dir(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let root = std::fs::canonicalize(dir)
        .with_context(|| format!("reading rule pack directory `{}`", dir.display()))?;
    let mut out = Vec::new();
    let mut visited = std::collections::HashSet::new();
    visited.insert(root.clone());
    walk_pack_dir(dir, &root, &root, &mut visited, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk_pack_dir(
    shown_root: &Path,
    root: &Path,
    current: &Path,
    visited: &mut std::collections::HashSet<PathBuf>,
    out: &mut Vec<(String, String)>,
) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(current)
        .with_context(|| format!("reading rule pack directory `{}`", current.display()))?;
    for entry in entries {
        let entry = entry
            .with_context(|| format!("reading rule pack directory `{}`", current.display()))?;
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let shown = shown_root.join(&rel);
        let file_type = entry
            .file_type()
            .with_context(|| format!("reading `{}`", shown.display()))?;
        let real = if file_type.is_symlink() {
            let target = std::fs::canonicalize(&path)
                .with_context(|| format!("`{}` is a symbolic link to nothing", shown.display()))?;
            if !target.starts_with(root) {
                bail!(
                    "`{}` is a symbolic link to `{}`, outside the rule pack: a pack must be self-contained",
                    shown.display(),
                    target.display()
                );
            }
            target
        } else {
            path.clone()
        };
        let meta =
            std::fs::metadata(&real).with_context(|| format!("reading `{}`", shown.display()))?;
        if meta.is_dir() {
            // A link back up the tree would otherwise be walked forever.
            if visited.insert(real.clone()) {
                walk_pack_dir(shown_root, root, &real, visited, out)?;
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        out.push((
            rel,
            read_rule_file(&shown, &real, &meta, MAX_RULE_FILE_BYTES)?,
        ));
    }
    Ok(())
}

/// One rule file's text, refusing anything but a regular file of at most `max_bytes`.
fn read_rule_file(
    shown: &Path,
    real: &Path,
    meta: &std::fs::Metadata,
    max_bytes: u64,
) -> anyhow::Result<String> {
    use std::io::Read as _;
    // Checked before opening: opening a FIFO blocks until someone writes to it.
    if !meta.is_file() {
        bail!(
            "`{}` is not a regular file (a FIFO, device or socket?): rule files must be regular files",
            shown.display()
        );
    }
    let too_big = || {
        anyhow::anyhow!(
            "`{}` is larger than {} MiB, the most a rule file may hold",
            shown.display(),
            max_bytes / (1024 * 1024)
        )
    };
    if meta.len() > max_bytes {
        return Err(too_big());
    }
    let file =
        std::fs::File::open(real).with_context(|| format!("reading `{}`", shown.display()))?;
    let mut bytes = Vec::new();
    // The file may grow between the size check and the read.
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading `{}`", shown.display()))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "`{}` is not UTF-8 text (invalid byte at offset {})",
            shown.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// Problems no pack file shows alone: `when.named` ids the bundled catalog lacks.
fn reference_problems(pack: &RulePack, catalog: &Catalog) -> Vec<Problem> {
    pack.check_references(&|id| catalog.get(id).is_some())
}

/// Every catalog item classified as of `date`, for the review-policy sweep.
fn catalog_facts(catalog: &Catalog, vintages: &Vintages, date: Date) -> Vec<ItemFacts> {
    let options = ClassifyOptions::default();
    catalog
        .items()
        .map(|entry| {
            let c = classify_with(&entry.spec, date, &options, catalog, vintages);
            ItemFacts::from_classification(Some(&entry.id), &entry.spec, &c)
        })
        .collect()
}

/// The pack in `dir`, or the bundled one, with its catalog references checked.
pub fn load_pack(dir: Option<&Path>) -> anyhow::Result<RulePack> {
    let catalog = embedded::catalog()?;
    let Some(dir) = dir else {
        let pack = embedded::rule_pack()?;
        let problems = reference_problems(&pack, &catalog);
        if let Some(first) = problems.first() {
            bail!("the bundled rule pack is invalid: {first}");
        }
        return Ok(pack);
    };
    let files = read_pack_dir(dir)?;
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let problems = match RulePack::from_files(&refs) {
        Ok(pack) => {
            let problems = reference_problems(&pack, &catalog);
            if problems.is_empty() {
                return Ok(pack);
            }
            problems
        }
        Err(e) => e.problems,
    };
    let lines: Vec<String> = problems
        .iter()
        .map(|p| format!("{}/{p}", dir.display()))
        .collect();
    bail!("invalid rule pack:\n{}", lines.join("\n"))
}

#[derive(Serialize)]
struct InstrumentRow<'a> {
    id: &'a str,
    kind: earmark_core::rules::InstrumentKind,
    layer: earmark_core::rules::Layer,
    confidence: earmark_core::rules::Confidence,
    published: Date,
    effective: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    compliance: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<Date>,
    rules: usize,
    title: &'a str,
}

fn row(i: &Instrument) -> InstrumentRow<'_> {
    InstrumentRow {
        id: &i.id,
        kind: i.kind,
        layer: i.layer,
        confidence: i.confidence,
        published: i.published,
        effective: i.effective,
        compliance: i.compliance,
        end: i.end,
        rules: i.rules.len(),
        title: &i.title,
    }
}

fn sorted(pack: &RulePack) -> Vec<&Instrument> {
    let mut list: Vec<&Instrument> = pack.instruments.iter().collect();
    list.sort_by(|a, b| (a.effective, &a.id).cmp(&(b.effective, &b.id)));
    list
}

fn list(pack: &RulePack, format: Format) -> anyhow::Result<ExitCode> {
    let rows: Vec<InstrumentRow<'_>> = sorted(pack).into_iter().map(row).collect();
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Listing<'a> {
                rule_pack: &'a str,
                version: &'a str,
                hash: &'a str,
                instruments: Vec<InstrumentRow<'a>>,
            }
            let listing = Listing {
                rule_pack: &pack.id,
                version: &pack.version,
                hash: &pack.hash,
                instruments: rows,
            };
            outln!("{}", serde_json::to_string_pretty(&listing)?);
        }
        Format::Human => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{} {} ({} instruments, {} rules; sha256 {})\n",
                pack.id,
                pack.version,
                pack.instruments.len(),
                pack.rules.len(),
                pack.hash
            );
            let _ = writeln!(
                out,
                "{:<10}  {:<38}  {:<11}  {:<10}  {:>5}  title",
                "effective", "id", "layer", "confidence", "rules"
            );
            for r in rows {
                let _ = writeln!(
                    out,
                    "{:<10}  {:<38}  {:<11}  {:<10}  {:>5}  {}",
                    r.effective.to_string(),
                    r.id,
                    match r.layer {
                        earmark_core::rules::Layer::Legal => "legal",
                        earmark_core::rules::Layer::Enforcement => "enforcement",
                    },
                    r.confidence.as_str(),
                    r.rules,
                    r.title
                );
            }
            out!("{out}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct RuleView<'a> {
    id: &'a str,
    kind: &'static str,
    title: &'a str,
    cite: &'a str,
    window: earmark_core::trace::Window,
    confidence: earmark_core::rules::Confidence,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    supersedes: Vec<&'a str>,
    effect: String,
    when: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    note: &'a str,
    /// Why the sources give this requirement no review policy for some shipments.
    #[serde(skip_serializing_if = "Option::is_none")]
    review_policy_gap: Option<&'a str>,
}

fn rule_view<'a>(pack: &'a RulePack, r: &'a Rule) -> RuleView<'a> {
    RuleView {
        id: &r.id,
        kind: r.effect.kind_str(),
        title: &r.title,
        cite: &r.cite,
        window: r.window,
        confidence: r.confidence,
        supersedes: r
            .supersedes
            .iter()
            .filter_map(|&i| pack.rules.get(i).map(|s| s.id.as_str()))
            .collect(),
        effect: effect_text(&r.effect),
        when: condition_text(&r.when),
        note: &r.note,
        review_policy_gap: r.review_policy_gap.as_deref(),
    }
}

fn effect_text(e: &Effect) -> String {
    match e {
        Effect::Requirement { bars_exceptions } => format!(
            "license required{}",
            if *bars_exceptions {
                "; no license exception may be used"
            } else {
                ""
            }
        ),
        Effect::Prohibition => "prohibited: do not proceed".to_owned(),
        Effect::ReviewPolicy { policy, priority } => {
            format!("review policy {} at priority {priority}", policy.as_str())
        }
        Effect::Exception { code, obligations } => {
            let obligations: Vec<&str> = obligations.iter().map(|o| o.text.as_str()).collect();
            format!(
                "license exception {code}{}",
                if obligations.is_empty() {
                    String::new()
                } else {
                    format!(": {}", obligations.join(" "))
                }
            )
        }
        Effect::Conditions(list) => {
            let items: Vec<String> = list
                .iter()
                .map(|c| format!("{} ({})", c.id, c.text))
                .collect();
            format!("license conditions: {}", items.join("; "))
        }
        Effect::Advisory { text } => format!("advisory: {text}"),
        Effect::Presumption { eccn, datacenter } => format!(
            "presume {}{}",
            eccn.as_str(),
            if *datacenter { ", datacenter" } else { "" }
        ),
        Effect::Classification {
            paragraphs,
            thresholds,
        } => {
            let numbers: Vec<String> = thresholds
                .iter()
                .map(|(key, value)| format!("{} = {value}", key.as_str()))
                .collect();
            if numbers.is_empty() {
                paragraphs.join("; ")
            } else {
                format!(
                    "{}; thresholds: {}",
                    paragraphs.join("; "),
                    numbers.join(", ")
                )
            }
        }
        Effect::Suspension => "ends the rules it supersedes".to_owned(),
    }
}

/// A condition in one line of the data vocabulary.
pub fn condition_text(c: &earmark_core::rules::Condition) -> String {
    let mut parts = Vec::new();
    let codes = c.eccn_codes();
    if !codes.is_empty() {
        let codes: Vec<&str> = codes.iter().map(|e| e.as_str()).collect();
        parts.push(format!("eccn in [{}]", codes.join(", ")));
    }
    if let Some(dc) = c.datacenter {
        parts.push(format!("datacenter = {dc}"));
    }
    if !c.item_kind.is_empty() {
        parts.push(format!("item kind in {:?}", c.item_kind));
    }
    if !c.named.is_empty() {
        parts.push(format!("item in [{}]", c.named.join(", ")));
    }
    for t in &c.facts {
        parts.push(format!(
            "{} {} {}",
            t.fact.as_str(),
            t.compare.symbol(),
            t.value
        ));
    }
    if !c.facts_any.is_empty() {
        let tests: Vec<String> = c
            .facts_any
            .iter()
            .map(|t| format!("{} {} {}", t.fact.as_str(), t.compare.symbol(), t.value))
            .collect();
        parts.push(format!("({})", tests.join(" or ")));
    }
    if let Some(s) = &c.destination {
        parts.push(format!("destination in `{}`", s.text));
    }
    if let Some(s) = &c.headquarters {
        parts.push(format!(
            "end user or ultimate parent headquartered in `{}`",
            s.text
        ));
    }
    if let Some(s) = &c.from {
        parts.push(format!("exported from `{}`", s.text));
    }
    if let Some(s) = &c.origin {
        parts.push(format!(
            "developed or produced by a company of `{}`",
            s.text
        ));
    }
    if !c.incorporates.is_empty() {
        parts.push(format!(
            "the item is or contains one of [{}]",
            c.incorporates.join(", ")
        ));
    }
    let list = |name: &str, items: Vec<String>, parts: &mut Vec<String>| {
        if !items.is_empty() {
            parts.push(format!("{name} in [{}]", items.join(", ")));
        }
    };
    list(
        "transaction",
        c.transaction
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect(),
        &mut parts,
    );
    list(
        "end use",
        c.end_use.iter().map(|u| u.as_str().to_owned()).collect(),
        &mut parts,
    );
    list(
        "exporter role",
        c.exporter_role.iter().map(|r| format!("{r:?}")).collect(),
        &mut parts,
    );
    list(
        "exporter",
        c.exporter.iter().map(ToString::to_string).collect(),
        &mut parts,
    );
    list(
        "rebuttal",
        c.rebuttal.iter().map(|r| format!("{r:?}")).collect(),
        &mut parts,
    );
    list(
        "end user list status",
        c.end_user_list.iter().map(|r| format!("{r:?}")).collect(),
        &mut parts,
    );
    if !c.any.is_empty() {
        let alts: Vec<String> = c.any.iter().map(condition_text).collect();
        parts.push(format!("any of ({})", alts.join(" | ")));
    }
    if let Some(n) = &c.not {
        parts.push(format!("not ({})", condition_text(n)));
    }
    if parts.is_empty() {
        "always".to_owned()
    } else {
        parts.join(" and ")
    }
}

/// A country's Country Groups on the pack's first day and every dated change since.
fn show_country(pack: &RulePack, country: Country, format: Format) -> anyhow::Result<ExitCode> {
    #[derive(Serialize)]
    struct Change {
        date: Date,
        group: String,
        action: &'static str,
        instrument: String,
    }
    #[derive(Serialize)]
    struct Shown {
        country: Country,
        name: &'static str,
        treated_as: Option<Country>,
        groups_on_start: Vec<String>,
        starts: Date,
        changes: Vec<Change>,
        groups_today: Vec<String>,
    }
    let treated_as = pack
        .treatments
        .iter()
        .find(|t| t.country == country)
        .map(|t| t.treated_as);
    let ear = treated_as.unwrap_or(country);
    let in_groups = |sets: &[earmark_core::country::CountrySet]| -> Vec<String> {
        pack.groups
            .iter()
            .zip(sets)
            .filter(|(_, s)| s.contains(ear))
            .map(|(g, _)| g.id.clone())
            .collect()
    };
    let mut changes = Vec::new();
    for g in &pack.groups {
        for c in g.changes.iter().filter(|c| c.country == ear) {
            changes.push(Change {
                date: c.date,
                group: g.id.clone(),
                action: match c.action {
                    GroupAction::Add => "added",
                    GroupAction::Remove => "removed",
                },
                instrument: pack
                    .instruments
                    .get(c.instrument)
                    .map_or_else(String::new, |i| i.id.clone()),
            });
        }
    }
    changes.sort_by(|a, b| (a.date, &a.group).cmp(&(b.date, &b.group)));
    let shown = Shown {
        country,
        name: country.name(),
        treated_as,
        groups_on_start: in_groups(&pack.groups_on(pack.starts, pack.starts, true)),
        starts: pack.starts,
        changes,
        groups_today: in_groups(&pack.groups_on(Date::MAX, Date::MAX, true)),
    };
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&shown)?),
        Format::Human => {
            let mut out = String::new();
            let _ = writeln!(out, "{} ({})", shown.country, shown.name);
            if let Some(t) = shown.treated_as {
                let _ = writeln!(out, "  read by the EAR as {t}");
            }
            let _ = writeln!(
                out,
                "  Country Groups on {}: {}",
                shown.starts,
                shown.groups_on_start.join(", ")
            );
            for c in &shown.changes {
                let _ = writeln!(
                    out,
                    "  {}: {} {} ({})",
                    c.date, c.action, c.group, c.instrument
                );
            }
            let _ = writeln!(
                out,
                "  Country Groups with every change applied: {}",
                shown.groups_today.join(", ")
            );
            out!("{out}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(pack: &RulePack, id: &str, format: Format) -> anyhow::Result<ExitCode> {
    if id.len() == 2 && id.bytes().all(|b| b.is_ascii_uppercase()) {
        if let Some(country) = Country::from_code(id) {
            return show_country(pack, country, format);
        }
    }
    let (instrument, only_rule) = if let Some(i) = pack.instrument(id) {
        (i, None)
    } else if let Some(r) = pack.rule(id) {
        match pack.instruments.get(r.instrument) {
            Some(i) => (i, Some(r)),
            None => bail!("rule `{id}` has no instrument"),
        }
    } else {
        let hints = closest_ids(
            id,
            pack.instruments
                .iter()
                .map(|i| i.id.as_str())
                .chain(pack.rules.iter().map(|r| r.id.as_str())),
        );
        if hints.is_empty() {
            bail!("`{id}` is neither an instrument nor a rule (see `earmark rules list`)");
        }
        bail!(
            "`{id}` is neither an instrument nor a rule; did you mean {}?",
            hints.join(", ")
        );
    };
    let rules: Vec<&Rule> = match only_rule {
        Some(r) => vec![r],
        None => instrument
            .rules
            .iter()
            .filter_map(|&i| pack.rules.get(i))
            .collect(),
    };
    let changes: Vec<String> = pack
        .groups
        .iter()
        .flat_map(|g| {
            g.changes
                .iter()
                .filter(|c| {
                    pack.instruments
                        .get(c.instrument)
                        .is_some_and(|i| i.id == instrument.id)
                })
                .map(move |c| {
                    format!(
                        "{} {} {} on {}",
                        match c.action {
                            GroupAction::Add => "adds",
                            GroupAction::Remove => "removes",
                        },
                        c.country,
                        match c.action {
                            GroupAction::Add => format!("to {}", g.id),
                            GroupAction::Remove => format!("from {}", g.id),
                        },
                        c.date
                    )
                })
        })
        .collect();
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Shown<'a> {
                id: &'a str,
                title: &'a str,
                kind: earmark_core::rules::InstrumentKind,
                layer: earmark_core::rules::Layer,
                confidence: earmark_core::rules::Confidence,
                announced: Date,
                published: Date,
                effective: Date,
                compliance: Option<Date>,
                end: Option<Date>,
                citations: &'a [earmark_core::rules::Citation],
                summary: &'a str,
                notes: &'a [String],
                file: &'a str,
                country_group_changes: Vec<String>,
                rules: Vec<RuleView<'a>>,
            }
            let shown = Shown {
                id: &instrument.id,
                title: &instrument.title,
                kind: instrument.kind,
                layer: instrument.layer,
                confidence: instrument.confidence,
                announced: instrument.announced,
                published: instrument.published,
                effective: instrument.effective,
                compliance: instrument.compliance,
                end: instrument.end,
                citations: &instrument.citations,
                summary: &instrument.summary,
                notes: &instrument.notes,
                file: &instrument.file,
                country_group_changes: changes,
                rules: rules.iter().map(|r| rule_view(pack, r)).collect(),
            };
            outln!("{}", serde_json::to_string_pretty(&shown)?);
        }
        Format::Human => {
            let mut out = String::new();
            let i = instrument;
            let _ = writeln!(out, "{}: {}", i.id, i.title);
            let _ = writeln!(
                out,
                "  {:?}, {} layer, {} confidence; file rules/{}/{}",
                i.kind,
                match i.layer {
                    earmark_core::rules::Layer::Legal => "legal",
                    earmark_core::rules::Layer::Enforcement => "enforcement",
                },
                i.confidence.as_str(),
                pack.id,
                i.file
            );
            let mut dates = format!(
                "  public {}, published {}, effective {}",
                i.announced, i.published, i.effective
            );
            if let Some(c) = i.compliance {
                let _ = write!(dates, ", compliance {c}");
            }
            if let Some(e) = i.end {
                let _ = write!(dates, ", ends {e}");
            }
            let _ = writeln!(out, "{dates}");
            for c in &i.citations {
                let _ = writeln!(
                    out,
                    "  cite: {}{}",
                    c.short(),
                    c.url
                        .as_ref()
                        .map(|u| format!(" <{u}>"))
                        .unwrap_or_default()
                );
            }
            if !i.summary.is_empty() {
                let _ = writeln!(out, "\n{}", indent(&i.summary));
            }
            for n in &i.notes {
                let _ = writeln!(out, "  note: {n}");
            }
            for c in &changes {
                let _ = writeln!(out, "  country groups: {c}");
            }
            for r in rules {
                let v = rule_view(pack, r);
                let _ = writeln!(out, "\n  rule {} ({})", v.id, v.kind);
                let _ = writeln!(out, "    {}", v.title);
                let _ = writeln!(out, "    cite: {}", v.cite);
                let _ = writeln!(
                    out,
                    "    in force: {}{}; confidence {}",
                    v.window.from,
                    v.window
                        .to
                        .map(|t| format!(" to {t}"))
                        .unwrap_or_else(|| " on".to_owned()),
                    v.confidence.as_str()
                );
                let _ = writeln!(out, "    when: {}", v.when);
                let _ = writeln!(out, "    then: {}", v.effect);
                if !v.supersedes.is_empty() {
                    let _ = writeln!(out, "    supersedes: {}", v.supersedes.join(", "));
                }
                if !v.note.is_empty() {
                    let _ = writeln!(out, "    note: {}", v.note);
                }
                if let Some(gap) = v.review_policy_gap {
                    let _ = writeln!(out, "    no review policy: {gap}");
                }
            }
            out!("{out}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn validate(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (label, files): (String, Vec<(String, String)>) = match dir {
        Some(d) => (d.display().to_string(), read_pack_dir(d)?),
        None => (
            "bundled pack".to_owned(),
            embedded::rule_pack_files()
                .iter()
                .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
                .collect(),
        ),
    };
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let catalog = embedded::catalog()?;
    let problems = match RulePack::from_files(&refs) {
        Ok(pack) => {
            match Vintages::from_pack(&pack) {
                // The pack must also make a classifier: every command classifies with it.
                Err(e) => vec![e.problem(&pack)],
                Ok(vintages) => {
                    let mut problems = reference_problems(&pack, &catalog);
                    problems.extend(pack.check_review_policies(&mut |date| {
                        catalog_facts(&catalog, &vintages, date)
                    }));
                    if problems.is_empty() {
                        outln!(
                            "{label}: ok: {} {} with {} instruments and {} rules (sha256 {})",
                            pack.id,
                            pack.version,
                            pack.instruments.len(),
                            pack.rules.len(),
                            pack.hash
                        );
                        let declared: Vec<&str> = pack
                            .rules
                            .iter()
                            .filter(|r| r.review_policy_gap.is_some())
                            .map(|r| r.id.as_str())
                            .collect();
                        if !declared.is_empty() {
                            outln!(
                        "license requirements declaring a review-policy gap (`review_policy_gap`): {}",
                        declared.join(", ")
                    );
                        }
                        return Ok(ExitCode::SUCCESS);
                    }
                    problems
                }
            }
        }
        Err(e) => e.problems,
    };
    for p in &problems {
        match dir {
            Some(d) => eprintln!("{}/{p}", d.display()),
            None => eprintln!("{p}"),
        }
    }
    eprintln!("{label}: {} problems", problems.len());
    Ok(ExitCode::from(1))
}

#[derive(Serialize)]
struct Flip {
    item: String,
    to: String,
    before: String,
    after: String,
}

fn verdict_text(pack: &RulePack, v: &Verdict) -> String {
    let mut s = v.outcome.as_str().to_owned();
    if let Some(p) = v.review_policy {
        let _ = write!(s, " ({})", p.as_str());
    }
    let ex = v.exceptions(pack);
    if !ex.is_empty() {
        let _ = write!(s, " [{}]", ex.join(", "));
    }
    s
}

fn diff(
    pack: &RulePack,
    date1: Date,
    date2: Date,
    to: &[String],
    reading: Reading,
    format: Format,
) -> anyhow::Result<ExitCode> {
    if date2 < date1 {
        bail!("`{date2}` is before `{date1}`: give the earlier date first");
    }
    let mut destinations = Vec::new();
    for code in to {
        match Country::from_code(code) {
            Some(c) => destinations.push(c),
            None => bail!("`--to {code}`: not an ISO 3166-1 alpha-2 country code"),
        }
    }
    let within = |d: Date| d > date1 && d <= date2;
    let mut changed: Vec<(Date, String)> = Vec::new();
    for i in &pack.instruments {
        let mut events = Vec::new();
        if within(i.announced) {
            events.push(format!("made public {}", i.announced));
        }
        if within(i.effective) {
            events.push(format!("takes effect {}", i.effective));
        }
        if let Some(c) = i.compliance.filter(|c| within(*c)) {
            events.push(format!("compliance date {c}"));
        }
        if let Some(e) = i.end.and_then(|e| e.succ_opt()).filter(|e| within(*e)) {
            events.push(format!("ends {}", e.pred_opt().unwrap_or(e)));
        }
        for &r in &i.rules {
            if let Some(rule) = pack.rules.get(r) {
                if rule.window.from != i.effective
                    && Some(rule.window.from) != i.compliance
                    && within(rule.window.from)
                {
                    events.push(format!("rule {} starts {}", rule.id, rule.window.from));
                }
            }
        }
        if !events.is_empty() {
            let first = [Some(i.announced), Some(i.effective), i.compliance]
                .into_iter()
                .flatten()
                .filter(|d| within(*d))
                .min()
                .unwrap_or(i.effective);
            changed.push((
                first,
                format!("{}: {} ({})", i.id, i.title, events.join("; ")),
            ));
        }
    }
    for g in &pack.groups {
        for c in &g.changes {
            if within(c.date) {
                changed.push((
                    c.date,
                    format!(
                        "Country Group {}: {} {} on {}",
                        g.id,
                        match c.action {
                            GroupAction::Add => "adds",
                            GroupAction::Remove => "removes",
                        },
                        c.country,
                        c.date
                    ),
                ));
            }
        }
    }
    changed.sort();

    // Answers for every catalog item × destination: an export from the US to a local end user
    // headquartered there, with the instruments public on each date.
    let catalog = embedded::catalog()?;
    let mut determiner = Determiner::new(pack);
    let vintages = Vintages::from_pack(pack)?;
    // What is known today about each date, as `check` answers by default: an instrument
    // published after the date it took effect counts from that date.
    let known_on = |date: Date| today().max(date);
    let options = ClassifyOptions::default();
    let mut flips = Vec::new();
    for entry in catalog.items() {
        let facts_on = |det: &mut Determiner<'_>, date: Date| {
            let when = det.classification_date(date, known_on(date), reading);
            let c = classify_with(&entry.spec, when, &options, &catalog, &vintages);
            ItemFacts::from_classification(Some(&entry.id), &entry.spec, &c)
        };
        let f1 = facts_on(&mut determiner, date1);
        let f2 = facts_on(&mut determiner, date2);
        for &dest in &destinations {
            let request = |date: Date| {
                let mut r = Request::export(dest, date);
                r.end_user_hq = Some(dest);
                r.parent_hq = Some(dest);
                r.reading = reading;
                r.known_on = known_on(date);
                r
            };
            let v1 = determiner.decide(&request(date1), &f1);
            let v2 = determiner.decide(&request(date2), &f2);
            let (a, b) = (verdict_text(pack, &v1), verdict_text(pack, &v2));
            if a != b {
                flips.push(Flip {
                    item: entry.id.clone(),
                    to: dest.code().to_owned(),
                    before: a,
                    after: b,
                });
            }
        }
    }
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct DiffOut<'a> {
                rule_pack: &'a str,
                version: &'a str,
                hash: &'a str,
                from: Date,
                to: Date,
                layer: Reading,
                changes: Vec<&'a str>,
                flips: &'a [Flip],
            }
            let out = DiffOut {
                rule_pack: &pack.id,
                version: &pack.version,
                hash: &pack.hash,
                from: date1,
                to: date2,
                layer: reading,
                changes: changed.iter().map(|(_, s)| s.as_str()).collect(),
                flips: &flips,
            };
            outln!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Human => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{} {}: from {date1} to {date2} ({} layer)\n",
                pack.id,
                pack.version,
                reading.as_str()
            );
            let _ = writeln!(out, "instruments and country groups ({}):", changed.len());
            if changed.is_empty() {
                let _ = writeln!(out, "  none");
            }
            for (_, c) in &changed {
                let _ = writeln!(out, "  {c}");
            }
            let _ = writeln!(
                out,
                "\nanswers that flip ({} of {} item × destination pairs; export from the US to a local end user):",
                flips.len(),
                catalog.len() * destinations.len()
            );
            for f in &flips {
                let _ = writeln!(
                    out,
                    "  {:<24} {}  {}  ->  {}",
                    f.item, f.to, f.before, f.after
                );
            }
            out!("{out}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
