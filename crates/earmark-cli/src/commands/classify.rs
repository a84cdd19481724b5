//! `earmark classify`: what an item is under 3A090/4A090 on a date, and why.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use earmark_core::classify::{classify_with, Classification, ClassifyOptions, Status, Vintages};
use earmark_core::spec::{without_bom, ItemKind, Spec, Tf32Reading};
use earmark_core::trace::RuleStatus;
use earmark_core::Date;

use super::rules::load_pack;
use super::{load_item, today, Format, ItemArgs};
use crate::embedded;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub item: ItemArgs,
    /// The date whose rules apply (YYYY-MM-DD); defaults to today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<Date>,
    /// How many bits a TF32 operation counts for: 32 (its container, the default) or 19 (its
    /// significant bits). Where the other reading changes the class, the answer says so.
    #[arg(long, value_name = "BITS", default_value = "32")]
    pub tf32_bits: u32,
    /// Classify under the thresholds and dates of the rule pack in this directory instead of
    /// the bundled one.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let catalog = embedded::catalog()?;
    let item = load_item(&args.item, &catalog)?;
    let Some(tf32) = Tf32Reading::from_bits(args.tf32_bits) else {
        bail!(
            "`--tf32-bits {}`: TF32 counts as 32 or 19 bits",
            args.tf32_bits
        );
    };
    let pack = load_pack(args.rules.as_deref())?;
    let vintages = Vintages::from_pack(&pack)?;
    let as_of = args.as_of.unwrap_or_else(today);
    let result = classify_with(
        &item.spec,
        as_of,
        &ClassifyOptions { tf32 },
        &catalog,
        &vintages,
    );
    match args.format {
        Format::Json => {
            let mut value = serde_json::to_value(&result).context("rendering the answer")?;
            if let (Some(id), Some(obj)) = (&item.catalog_id, value.as_object_mut()) {
                obj.insert("catalog_id".into(), id.clone().into());
            }
            outln!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Human => out!("{}", render_human(&result, item.catalog_id.as_deref())),
    }
    Ok(ExitCode::SUCCESS)
}

/// The answer first, then why (each paragraph considered), then what could change it.
pub fn render_human(c: &Classification, catalog_id: Option<&str>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let id = catalog_id.map(|id| format!(" ({id})")).unwrap_or_default();
    let _ = writeln!(out, "{}{id}, as of {}", c.item, c.as_of);
    let _ = writeln!(out, "  {}", c.summary);
    let eccn = match (c.status, c.eccn, &c.outside) {
        (Status::Indeterminate, _, _) => "indeterminate".to_owned(),
        (_, Some(e), _) => c.paragraph.clone().unwrap_or_else(|| e.to_string()),
        (_, None, Some(outside)) => outside.note.clone(),
        (_, None, None) => "not 3A090/4A090".to_owned(),
    };
    let _ = writeln!(out, "  ECCN: {eccn}");
    if !c.z_paragraphs.is_empty() {
        let _ = writeln!(
            out,
            "  .z paragraphs, if a legacy entry otherwise describes the item:"
        );
        for z in &c.z_paragraphs {
            let _ = writeln!(
                out,
                "    {:<26} if described in {} (meets {}; {})",
                z.paragraph,
                z.if_described_in,
                z.level,
                z.confidence.as_str()
            );
        }
    }
    let mut figures = Vec::new();
    if let (Some(tpp), ItemKind::System) = (c.tpp, c.kind) {
        figures.push(format!("aggregate TPP of the contained ICs {tpp}"));
    } else if let Some(tpp) = c.tpp {
        let basis = c.tpp_basis.as_ref().map_or_else(String::new, |b| {
            format!(
                " = {} dense TOPS at {} × {} bits",
                b.dense_tops, b.format, b.bit_length
            )
        });
        figures.push(format!("TPP {tpp}{basis}"));
    }
    if let Some(pd) = c.performance_density {
        let area = c.applicable_die_area_mm2.unwrap_or_default();
        figures.push(format!(
            "performance density {pd} (÷ {area} mm² applicable die area)"
        ));
    }
    if let Some(d) = c.memory_bandwidth_density {
        figures.push(format!("memory bandwidth density {d} GB/s per mm²"));
    }
    for f in figures {
        let _ = writeln!(out, "  {f}");
    }
    let _ = writeln!(out, "\nwhy:");
    for entry in &c.trace {
        let mark = match entry.status {
            RuleStatus::Applied => "holds",
            RuleStatus::NotApplicable => "fails",
            RuleStatus::MissingFacts => "unknown",
            RuleStatus::NotInForce => "not in force",
            RuleStatus::Errored => "error",
        };
        let _ = writeln!(out, "  {mark:<12} {:<28} {}", entry.rule_id, entry.reason);
    }
    for component in &c.components {
        let k = &component.classification;
        let what = match (k.status, k.eccn) {
            (Status::Indeterminate, _) => "indeterminate".to_owned(),
            (_, Some(e)) => e.to_string(),
            (_, None) => "outside 3A090/4A090".to_owned(),
        };
        let _ = writeln!(
            out,
            "  component {} × {}: {what}",
            component.count, component.item
        );
    }
    let mut citations: Vec<&str> = c
        .trace
        .iter()
        .filter(|e| e.status != RuleStatus::NotInForce)
        .map(|e| e.citation.as_str())
        .collect();
    citations.sort_unstable();
    citations.dedup();
    let _ = writeln!(out, "\ncitations:");
    for cite in citations {
        let _ = writeln!(out, "  {cite}");
    }
    if !c.missing.is_empty() || !c.notes.is_empty() {
        let _ = writeln!(out, "\nwhat could change it:");
        for m in &c.missing {
            let _ = writeln!(out, "  missing `{}`: {}", m.field, m.why);
        }
        for note in &c.notes {
            let _ = writeln!(out, "  {note}");
        }
    }
    out
}

/// The most a spec file may hold. Specs are a few kilobytes; the cap makes `--spec /dev/zero`
/// (or a log file given by mistake) fail at once instead of filling memory.
pub const SPEC_FILE_LIMIT: u64 = 1024 * 1024;

/// `--spec` given as a path: read it as JSON or TOML, at most [`SPEC_FILE_LIMIT`] bytes.
pub fn read_spec_file(path: &Path) -> anyhow::Result<Spec> {
    read_spec_file_within(path, SPEC_FILE_LIMIT)
}

/// Reads a spec file of at most `limit` bytes: JSON or TOML by its extension (`.json`,
/// `.toml`, any case), otherwise by its content (a first non-blank `{` is JSON).
pub fn read_spec_file_within(path: &Path, limit: u64) -> anyhow::Result<Spec> {
    let shown = path.display();
    let file = std::fs::File::open(path).with_context(|| format!("reading spec `{shown}`"))?;
    let mut bytes = Vec::new();
    // One byte past the limit tells a file of exactly `limit` bytes from a larger one.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading spec `{shown}`"))?;
    if u64::try_from(bytes.len()).map_or(true, |n| n > limit) {
        bail!(
            "`{shown}` is larger than the {} limit for a spec",
            size(limit)
        );
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        anyhow!("spec `{shown}`: line {line}: not UTF-8 text")
    })?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let is_json = match extension.as_deref() {
        Some("json") => true,
        Some("toml") => false,
        _ => without_bom(&text).trim_start().starts_with('{'),
    };
    let parsed = if is_json {
        Spec::from_json(&text)
    } else {
        Spec::from_toml(&text)
    };
    parsed.with_context(|| format!("spec `{shown}`"))
}

/// A byte count as the size-limit error prints it: `1 MiB`, `64 KiB`, `1000 bytes`.
fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}
