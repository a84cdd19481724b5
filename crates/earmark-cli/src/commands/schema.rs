//! `earmark schema [NAME] [--write DIR]`: the published JSON Schemas of the decision contract
//! (the request, the full decision, the stored decision), generated from the code so that they
//! cannot drift from it. `schemas/` at the workspace root holds them, written by
//! `earmark schema --write schemas`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print only this schema, exactly as its file holds it: `shipment`, `decision` or
    /// `stored-decision`. Without it, all of them as one JSON object keyed by file name.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Write every schema as `DIR/<name>.schema.json` (creating DIR) instead of printing.
    #[arg(long, value_name = "DIR", conflicts_with = "name")]
    pub write: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let files = earmark_engine::schema::files().context("rendering the schemas")?;
    if let Some(dir) = &args.write {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the directory `{}`", dir.display()))?;
        for (name, text) in &files {
            let path = dir.join(name);
            std::fs::write(&path, text).with_context(|| format!("writing `{}`", path.display()))?;
            outln!("wrote {}", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(wanted) = &args.name {
        let file = format!("{wanted}.schema.json");
        let Some((_, text)) = files.iter().find(|(name, _)| *name == file) else {
            let known: Vec<&str> = files
                .iter()
                .map(|(name, _)| name.trim_end_matches(".schema.json"))
                .collect();
            bail!("no schema `{wanted}`: the schemas are {}", known.join(", "));
        };
        out!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let all: serde_json::Map<String, serde_json::Value> = earmark_engine::schema::all()
        .into_iter()
        .map(|(name, schema)| (name.to_owned(), schema.to_value()))
        .collect();
    outln!(
        "{}",
        serde_json::to_string_pretty(&all).context("rendering the schemas")?
    );
    Ok(ExitCode::SUCCESS)
}
