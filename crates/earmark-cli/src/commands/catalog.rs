//! `earmark catalog list|show`: the bundled accelerators, their figures and sources.

use std::process::ExitCode;

use anyhow::bail;
use earmark_core::catalog::CatalogItem;

use super::Format;
use crate::embedded;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// One line per item: id, name, vendor, year, and the headline figures.
    List {
        /// Only items whose id, name or vendor contains this text (case-insensitive).
        #[arg(long)]
        filter: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Everything the catalog holds about one item: figures, sources, notes.
    Show {
        #[arg(value_name = "CATALOG-ID")]
        id: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    let catalog = embedded::catalog()?;
    match command {
        Command::List { filter, format } => {
            let needle = filter.map(|f| f.to_lowercase());
            let items: Vec<&CatalogItem> = catalog
                .items()
                .filter(|item| {
                    needle.as_ref().is_none_or(|n| {
                        item.id.contains(n.as_str())
                            || item.spec.name.to_lowercase().contains(n.as_str())
                            || item.vendor.to_lowercase().contains(n.as_str())
                    })
                })
                .collect();
            match format {
                Format::Json => outln!("{}", serde_json::to_string_pretty(&items)?),
                Format::Human => {
                    outln!("{:<34} {:<8} {:>4}  name", "id", "vendor", "year");
                    for item in items {
                        let year = item
                            .release_year
                            .map_or_else(String::new, |y| y.to_string());
                        let flag = if item.figures_published {
                            ""
                        } else {
                            "  [figures unpublished]"
                        };
                        outln!(
                            "{:<34} {:<8} {:>4}  {}{flag}",
                            item.id,
                            item.vendor,
                            year,
                            item.spec.name
                        );
                    }
                }
            }
        }
        Command::Show { id, format } => {
            let Some(item) = catalog.get(&id) else {
                let hints = catalog.suggest(&id);
                if hints.is_empty() {
                    bail!("`{id}` is not in the catalog (see `earmark catalog list`)");
                }
                bail!(
                    "`{id}` is not in the catalog; did you mean {}?",
                    hints.join(", ")
                );
            };
            match format {
                Format::Json => outln!("{}", serde_json::to_string_pretty(item)?),
                Format::Human => out!("{}", render_item(item)),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn render_item(item: &CatalogItem) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let spec = &item.spec;
    let _ = writeln!(out, "{} ({})", spec.name, item.id);
    let _ = writeln!(out, "  vendor: {}", item.vendor);
    if let Some(year) = item.release_year {
        let _ = writeln!(out, "  released: {year}");
    }
    let datacenter = match spec.datacenter {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    let _ = writeln!(out, "  designed or marketed for datacenters: {datacenter}");
    if !item.figures_published {
        let _ = writeln!(
            out,
            "  figures: UNPUBLISHED (classification will be indeterminate)"
        );
    }
    if !spec.dense_tops.is_empty() {
        let rates: Vec<String> = spec
            .dense_tops
            .iter()
            .map(|(f, v)| format!("{f} {v}"))
            .collect();
        let _ = writeln!(out, "  dense TOPS: {}", rates.join(", "));
    }
    let figure = |out: &mut String, label: &str, value: Option<f64>, unit: &str| {
        if let Some(v) = value {
            let _ = writeln!(out, "  {label}: {v} {unit}");
        }
    };
    figure(&mut out, "die area", spec.applicable_die_area_mm2(), "mm²");
    figure(&mut out, "memory", spec.memory_gb, "GB");
    figure(
        &mut out,
        "memory bandwidth",
        spec.memory_bandwidth_gbs,
        "GB/s",
    );
    figure(
        &mut out,
        "interconnect (bidirectional)",
        spec.interconnect_bidir_gbs,
        "GB/s",
    );
    if let Some(tpp) = item.published_tpp {
        let source = item
            .published_tpp_source
            .as_deref()
            .unwrap_or("source not given");
        let suspect = if item.published_tpp_suspect {
            " [suspect: does not follow from the vendor's rates]"
        } else {
            ""
        };
        let _ = writeln!(out, "  published TPP: {tpp} ({source}){suspect}");
    }
    if !item.notes.is_empty() {
        let _ = writeln!(out, "  notes: {}", item.notes);
    }
    if !item.sources.is_empty() {
        let _ = writeln!(out, "  sources:");
        for s in &item.sources {
            let _ = writeln!(out, "    {s}");
        }
    }
    out
}
