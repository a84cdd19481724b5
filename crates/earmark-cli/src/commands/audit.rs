//! `earmark audit`: check the ledger's chain, export a period for a regulator, and replay a
//! recorded decision against today's rules. Nothing here writes to the ledger.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use earmark_core::Date;
use earmark_ledger::Record;
use earmark_screen::build_index;
use sha2::Digest as _;

use super::ledger::DbArgs;
use super::lists::{self, ListArgs};
use super::rules::load_pack;
use super::Format;
use crate::embedded;

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check the whole chain; name the first record edited, deleted or reordered.
    Verify {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Write the records of a period as JSON Lines, with a manifest holding the chain head.
    Export(ExportArgs),
    /// Rebuild a recorded decision's full explanation and say whether today's rules and lists
    /// answer differently.
    Replay(ReplayArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The first day (UTC) whose records are exported.
    #[arg(long, value_name = "DATE")]
    pub from: Date,
    /// The last day (UTC) whose records are exported.
    #[arg(long, value_name = "DATE")]
    pub to: Date,
    /// The directory to write `records.jsonl` and `manifest.json` to (created; must be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The record number (`#N` as the ledger prints it).
    pub id: u64,
    /// Use the rule pack in this directory instead of the bundled one.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    #[command(flatten)]
    pub lists: ListArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let mut ledger = args.db.open()?;
    match args.command {
        Command::Verify { format } => {
            let result = ledger.verify()?;
            match (format, &result) {
                (Format::Json, Ok(v)) => outln!(
                    "{}",
                    serde_json::json!({"ok": true, "records": v.records, "head": v.head})
                ),
                (Format::Json, Err(b)) => outln!(
                    "{}",
                    serde_json::json!({"ok": false, "first_bad_record": b.seq(), "table": matches!(b, earmark_ledger::Break::Index(_)), "problem": b.to_string()})
                ),
                (Format::Human, Ok(v)) => outln!(
                    "the chain verifies: {} records, head #{} {}",
                    v.records,
                    v.head.seq,
                    v.head.hash
                ),
                (Format::Human, Err(b)) => outln!("the chain is broken: {b}"),
            }
            // A broken chain is not an answer a script may read as "fine".
            Ok(if result.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(5)
            })
        }
        Command::Export(a) => export(&mut ledger, &a),
        Command::Replay(a) => replay(&mut ledger, &a),
    }
}

fn export(ledger: &mut earmark_ledger::Ledger, a: &ExportArgs) -> anyhow::Result<ExitCode> {
    if a.to < a.from {
        bail!("`--to {}` is before `--from {}`", a.to, a.from);
    }
    // A regulator gets records from a chain that verifies, or nothing.
    let verified = match ledger.verify()? {
        Ok(v) => v,
        Err(b) => bail!("the chain is broken, nothing exported: {b}"),
    };
    let end =
        a.to.succ_opt()
            .context("`--to` is the last representable date")?;
    let records = ledger.records_between(&a.from.to_string(), &end.to_string())?;
    if a.out.exists()
        && std::fs::read_dir(&a.out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!("`{}` exists and is not an empty directory", a.out.display());
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating `{}`", a.out.display()))?;
    let path = a.out.join("records.jsonl");
    let mut text = String::new();
    for r in &records {
        text.push_str(&serde_json::to_string(&export_line(r)?)?);
        text.push('\n');
    }
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .with_context(|| format!("writing `{}`", path.display()))?;
    let manifest = serde_json::json!({
        "format": "earmark-ledger-export/1",
        "from": a.from,
        "to": a.to,
        "exported_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "backend": ledger.backend_name(),
        "records": records.len(),
        "first_seq": records.first().map(|r| r.seq),
        "last_seq": records.last().map(|r| r.seq),
        "prev_hash_of_first": records.first().map(|r| r.prev_hash.clone()),
        "hash_of_last": records.last().map(|r| r.hash.clone()),
        "chain_head": verified.head,
        "records_jsonl_sha256": hex::encode(sha2::Sha256::digest(text.as_bytes())),
        "hashing": "content_hash = sha256 over kind, recorded_at, actor, body, each preceded by its byte length as a big-endian u64; hash = sha256(prev_hash_hex || content_hash_hex)",
        "retention": "EAR 762.6: keep five years from the latest export date covered",
    });
    let mpath = a.out.join("manifest.json");
    std::fs::write(&mpath, serde_json::to_string_pretty(&manifest)? + "\n")
        .with_context(|| format!("writing `{}`", mpath.display()))?;
    outln!(
        "exported {} records ({} to {}) to `{}`; chain head #{} {}",
        records.len(),
        a.from,
        a.to,
        a.out.display(),
        verified.head.seq,
        verified.head.hash
    );
    Ok(ExitCode::SUCCESS)
}

/// A record as a regulator reads it: the body as JSON, and the stored text it was hashed
/// from, so the hashes can be checked without trusting the parsed form.
fn export_line(r: &Record) -> anyhow::Result<serde_json::Value> {
    let body: serde_json::Value = serde_json::from_str(&r.body)
        .with_context(|| format!("record #{} holds a body that is not JSON", r.seq))?;
    Ok(serde_json::json!({
        "seq": r.seq, "kind": r.kind, "recorded_at": r.recorded_at, "actor": r.actor,
        "body": body, "body_text": r.body, "content_hash": r.content_hash,
        "prev_hash": r.prev_hash, "hash": r.hash,
    }))
}

fn replay(ledger: &mut earmark_ledger::Ledger, a: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let stored = ledger.stored_decision(a.id)?;
    let screened = stored.shipment.parties.iter().any(|p| p.name.is_some());
    let lists = if screened {
        let loaded = lists::load(&a.lists)?;
        lists::report_issues(&loaded);
        Some(build_index(loaded.loaded))
    } else {
        None
    };
    let engine = earmark_engine::Engine::new(
        load_pack(a.rules.as_deref())?,
        embedded::catalog()?,
        embedded::catalog_hash(),
        lists,
    )
    .map_err(|e| anyhow::anyhow!("the rule pack cannot classify: {e}"))?;
    let replay = engine.replay(&stored).context("replaying the decision")?;
    // Today's answer: the same request, checked today with today's data.
    let mut now_request = stored.shipment.clone();
    now_request.known_on = None;
    let today_decision = engine
        .check(&now_request, super::today())
        .context("checking the shipment today")?;
    let today_differs = today_decision.decision.outcome != stored.outcome
        || today_decision.decision.review_policy != stored.review_policy
        || today_decision.severity != stored.severity;
    match a.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "record": a.id, "recorded": stored, "rebuilt": replay.decision,
                "agrees": replay.agrees, "same_rule_pack": replay.same_rule_pack,
                "same_catalog": replay.same_catalog, "same_lists": replay.same_lists,
                "today": {"outcome": today_decision.decision.outcome, "severity": today_decision.severity,
                          "headline": today_decision.headline, "differs": today_differs},
            }))?
        ),
        Format::Human => {
            outln!(
                "record #{}: decided {:?} on {}",
                a.id,
                stored.outcome,
                stored.checked_on
            );
            out!("{}", super::check::render_human(&replay.decision));
            outln!();
            outln!(
                "rebuilt with {} rule pack, {} catalog, {} lists: {}",
                if replay.same_rule_pack {
                    "the same"
                } else {
                    "another"
                },
                if replay.same_catalog {
                    "the same"
                } else {
                    "another"
                },
                if replay.same_lists {
                    "the same"
                } else {
                    "other"
                },
                if replay.agrees {
                    "the same answer as recorded"
                } else {
                    "a DIFFERENT answer from the record"
                }
            );
            outln!(
                "today's rules and lists, asked again today: {}{}",
                crate::output::terminal_safe(&today_decision.headline),
                if today_differs {
                    " (DIFFERENT from the record)"
                } else {
                    " (same as the record)"
                }
            );
        }
    }
    Ok(if replay.agrees && !today_differs {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(4)
    })
}
