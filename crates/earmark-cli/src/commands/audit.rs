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
    // Shipment records name their decision by hash; the texts go beside them, so the export
    // stands alone: sha256 of each `body_text` is its `hash`.
    let mut refs: Vec<String> = Vec::new();
    for r in &records {
        if r.kind != earmark_ledger::kind::SHIPMENT {
            continue;
        }
        let body: serde_json::Value = serde_json::from_str(&r.body)
            .with_context(|| format!("record #{} holds a body that is not JSON", r.seq))?;
        if let Some(hash) = body["decision"].as_str() {
            if !refs.iter().any(|h| h == hash) {
                refs.push(hash.to_owned());
            }
        }
    }
    let mut decisions = String::new();
    for hash in &refs {
        let Some(body) = ledger.decision_body(hash)? else {
            bail!("decision `{hash}` is named by a record but not in the ledger");
        };
        decisions.push_str(&serde_json::to_string(
            &serde_json::json!({"hash": hash, "body_text": body}),
        )?);
        decisions.push('\n');
    }
    let dpath = a.out.join("decisions.jsonl");
    std::fs::File::create(&dpath)
        .and_then(|mut f| {
            f.write_all(decisions.as_bytes())
                .and_then(|()| f.sync_all())
        })
        .with_context(|| format!("writing `{}`", dpath.display()))?;
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
        "decisions": refs.len(),
        "decisions_jsonl_sha256": hex::encode(sha2::Sha256::digest(decisions.as_bytes())),
        "decision_bodies": "a shipment record's body names its decision as `sha256:` and the hex SHA-256 of the decision's text, kept in decisions.jsonl (`body_text`); the decision is that text with the record's `request` as its `shipment`",
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

/// Screens a recorded screening's query again with the lists given (default: the bundled
/// ones) and says whether the answer is the same: the band and the entries that came close.
fn replay_screening(record: &Record, a: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let body: serde_json::Value = serde_json::from_str(&record.body)
        .with_context(|| format!("record #{} holds a body that is not JSON", record.seq))?;
    let query = &body["query"];
    let Some(name) = query["name"].as_str() else {
        bail!("record #{} is a screening without a name", record.seq);
    };
    let country = query["country"].as_str();
    let address = query["address"].as_str();
    let score = |key: &str| -> anyhow::Result<f32> {
        body["thresholds"][key]
            .as_f64()
            .map(|v| v as f32)
            .with_context(|| format!("record #{}: the screening has no `{key}`", record.seq))
    };
    let thresholds = earmark_screen::Thresholds {
        match_at: score("match_at")?,
        review_at: score("review_at")?,
    };
    let loaded = lists::load(&a.lists)?;
    lists::report_issues(&loaded);
    let index = build_index(loaded.loaded);
    let now_hash =
        earmark_engine::lists_hash(index.lists().iter().map(|l| l.content_hash.as_str()));
    let query = earmark_screen::Query {
        name,
        country,
        address,
    };
    let limit = body["matches"].as_array().map_or(5, Vec::len).max(5);
    let matches = index.search(&query, &thresholds, limit)?;
    let band = matches
        .first()
        .map_or(earmark_screen::Band::NoMatch, |m| m.band);
    let entries = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter(|m| m["band"].as_str() != Some("no_match"))
                    .filter_map(|m| m["entry"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let recorded_entries = entries(&body["matches"]);
    let now_entries: Vec<String> = matches
        .iter()
        .filter(|m| m.band != earmark_screen::Band::NoMatch)
        .map(|m| format!("{}:{}", m.list, m.source_id))
        .collect();
    let recorded_band = body["band"].as_str().unwrap_or_default();
    let agrees = recorded_band == band.as_str() && recorded_entries == now_entries;
    let same_lists = body["lists_hash"].as_str() == Some(now_hash.as_str());
    match a.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "record": record.seq, "kind": record.kind, "recorded": body,
                "now": {"band": band, "entries": now_entries, "lists_hash": now_hash},
                "same_lists": same_lists, "agrees": agrees,
            }))?
        ),
        Format::Human => {
            outln!(
                "record #{}: screening of `{}` by {} at {}: {} ({})",
                record.seq,
                crate::output::terminal_safe(name),
                crate::output::terminal_safe(&record.actor),
                record.recorded_at,
                recorded_band,
                if recorded_entries.is_empty() {
                    "no entry came close".to_owned()
                } else {
                    recorded_entries.join(", ")
                }
            );
            outln!(
                "screened again with {} lists: {} ({}): {}",
                if same_lists { "the same" } else { "other" },
                band.as_str(),
                if now_entries.is_empty() {
                    "no entry came close".to_owned()
                } else {
                    now_entries.join(", ")
                },
                if agrees {
                    "the same answer as recorded"
                } else {
                    "a DIFFERENT answer from the record"
                }
            );
        }
    }
    Ok(if agrees {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(4)
    })
}

fn replay(ledger: &mut earmark_ledger::Ledger, a: &ReplayArgs) -> anyhow::Result<ExitCode> {
    if let Some(record) = ledger
        .record(a.id)?
        .filter(|r| r.kind == earmark_ledger::kind::SCREENING)
    {
        return replay_screening(&record, a);
    }
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
