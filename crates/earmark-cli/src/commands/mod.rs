//! One module per subcommand: its clap `Args` and a `run` that validates, calls the libraries
//! and renders. Helpers shared by several commands (item selection, dates) live here.

pub mod audit;
pub mod book;
pub mod catalog;
pub mod check;
pub mod classify;
pub mod examples;
pub mod ledger;
pub mod lists;
pub mod rules;
pub mod scenario;
pub mod schema;
pub mod screen;

use std::path::PathBuf;

use anyhow::bail;
use clap::ValueEnum;
use earmark_core::catalog::Catalog;
use earmark_core::spec::Spec;
use earmark_core::Date;

/// How an answer is printed: for a person, or as one JSON value for a program.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
}

/// Which item a command is about: a catalog id or a spec file.
#[derive(Debug, Clone, clap::Args)]
// Not `required`: `check --book` takes no item; `load_item` says when one is missing.
#[group(required = false, multiple = false)]
pub struct ItemArgs {
    /// A catalog id (see `earmark catalog list`), e.g. `nvidia-h20`.
    #[arg(value_name = "CATALOG-ID")]
    pub catalog_id: Option<String>,
    /// An item spec file (JSON or TOML) with the item's datasheet figures.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
}

/// The item a command works on, and its catalog id when it came from the catalog.
#[derive(Debug, Clone)]
pub struct Item {
    pub catalog_id: Option<String>,
    pub spec: Spec,
}

pub fn load_item(args: &ItemArgs, catalog: &Catalog) -> anyhow::Result<Item> {
    if let Some(path) = &args.spec {
        return Ok(Item {
            catalog_id: None,
            spec: classify::read_spec_file(path)?,
        });
    }
    let Some(id) = &args.catalog_id else {
        bail!("give a catalog id or `--spec FILE`");
    };
    match catalog.get(id) {
        Some(entry) => Ok(Item {
            catalog_id: Some(entry.id.clone()),
            spec: entry.spec.clone(),
        }),
        None => {
            let hints = catalog.suggest(id);
            if hints.is_empty() {
                bail!("`{id}` is not in the catalog (see `earmark catalog list`)")
            }
            bail!(
                "`{id}` is not in the catalog; did you mean {}?",
                hints.join(", ")
            )
        }
    }
}

/// Today's date in UTC: the default evaluation date. Only the CLI reads the clock.
pub fn today() -> Date {
    chrono::Utc::now().date_naive()
}
