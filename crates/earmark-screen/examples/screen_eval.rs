//! The screening evaluation: builds the index over the real OFAC SDN list, runs the evaluation
//! queries of bench/screen, and prints accuracy (per perturbation kind), speed and memory.
//!
//! ```text
//! cargo run --release -p earmark-screen --example screen_eval -- dump-index LISTS OUT.csv
//! cargo run --release -p earmark-screen --example screen_eval -- run LISTS QUERIES.csv \
//!     [--tune DEV.csv] [--json OUT.json]
//! ```
//!
//! LISTS is a directory of OFAC legacy CSV files (sdn.csv, alt.csv, add.csv), a CSL file,
//! `entity-list:PATH` or `index:PATH.csv` (an index dump, as the alias leave-one-out set
//! uses: the held-out aliases are not in it). `EARMARK_EVAL_NAMES=PATH` attaches a native-name
//! dataset.
//!
//! `dump-index` writes the names the index holds (entity_id,name,schema), which is what the
//! peers are given, so that every scorer sees the same names. `run` measures on one core:
//! queries per second over the whole query file, index build time, and resident memory
//! (VmHWM from /proc/self/status). With `--tune`, thresholds are chosen on the dev file and
//! reported on the other one; without it the library defaults are used.

use std::collections::BTreeMap;
use std::error::Error;
use std::time::Instant;

use earmark_screen::load::ofac::{self, OfacFiles};
use earmark_screen::load::{csl, entity_list, names};
use earmark_screen::{
    build_index_with_names, Band, Entry, EntryKind, Format, Index, ListInfo, Loaded, Query,
    Thresholds,
};

type Res<T> = Result<T, Box<dyn Error>>;

fn read(path: &str) -> Res<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("{path}: {e}").into())
}

/// Loads the lists to evaluate against: a directory of OFAC legacy CSV files, an Entity List
/// CSV (`entity-list:PATH`), an index dump (`index:PATH.csv`, entity_id,name,schema: the
/// first name of an entity is its primary name), or a CSL file (JSON or CSV). The native-name
/// dataset is attached when `EARMARK_EVAL_NAMES` names one (the Chinese evaluation holds part
/// of it out).
fn load_sdn(path: &str) -> Res<(Index, f64)> {
    let t0 = Instant::now();
    let loaded = if let Some(p) = path.strip_prefix("index:") {
        load_index_csv(p)?
    } else if let Some(p) = path.strip_prefix("entity-list:") {
        entity_list::load(p, &read(p)?, None)?
    } else if std::path::Path::new(path).is_dir() {
        let sdn = read(&format!("{path}/sdn.csv"))?;
        let alt = read(&format!("{path}/alt.csv"))?;
        let add = read(&format!("{path}/add.csv"))?;
        let comments = read(&format!("{path}/sdn_comments.csv")).unwrap_or_default();
        let files = OfacFiles {
            primary: ("sdn.csv", &sdn),
            aliases: Some(("alt.csv", &alt)),
            addresses: Some(("add.csv", &add)),
            comments: Some(("sdn_comments.csv", &comments)),
        };
        ofac::load(&files, false, None)?
    } else {
        csl::load(path, &read(path)?, None)?
    };
    let names = match std::env::var("EARMARK_EVAL_NAMES") {
        Ok(p) if !p.is_empty() => Some(names::load(&p, &read(&p)?)?),
        _ => None,
    };
    let t_load = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let index = build_index_with_names(vec![loaded], names.as_ref());
    let t_build = t1.elapsed().as_secs_f64();
    eprintln!(
        "loaded {} entries ({} names) in {:.3} s; index built in {:.3} s",
        index.entries().len(),
        index.name_count(),
        t_load,
        t_build
    );
    Ok((index, t_build))
}

/// Entries from an index dump: rows grouped by entity id, in file order.
fn load_index_csv(path: &str) -> Res<Loaded> {
    let bytes = read(path)?;
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let mut entries: Vec<Entry> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    for rec in r.deserialize::<BTreeMap<String, String>>() {
        let rec = rec?;
        let id = rec.get("entity_id").cloned().unwrap_or_default();
        let name = rec.get("name").cloned().unwrap_or_default();
        match at.get(&id) {
            Some(&i) => entries[i].aliases.push(name),
            None => {
                let kind = match rec.get("schema").map(String::as_str) {
                    Some("Person") => EntryKind::Person,
                    _ => EntryKind::Entity,
                };
                at.insert(id.clone(), entries.len());
                entries.push(Entry::new("SDN", &id, kind, &name));
            }
        }
    }
    let info = ListInfo {
        source: path.to_string(),
        format: Format::Csl,
        date: None,
        content_hash: earmark_screen::model::content_hash(&bytes),
        records: entries.len(),
        skipped: 0,
        warnings: Vec::new(),
    };
    Ok(Loaded {
        info,
        entries,
        issues: Vec::new(),
    })
}

fn dump_index(dir: &str, out: &str) -> Res<()> {
    let (index, _) = load_sdn(dir)?;
    let mut w = csv::Writer::from_path(out)?;
    w.write_record(["entity_id", "name", "schema"])?;
    for e in index.entries() {
        let schema = match e.kind {
            EntryKind::Person => "Person",
            EntryKind::Vessel => "Vessel",
            EntryKind::Aircraft => "Airplane",
            _ => "Company",
        };
        for n in e.all_names() {
            w.write_record([e.source_id.as_str(), n, schema])?;
        }
    }
    w.flush()?;
    Ok(())
}

struct QueryRow {
    query: String,
    expected: String,
    kind: String,
}

fn read_queries(path: &str) -> Res<Vec<QueryRow>> {
    let mut r = csv::Reader::from_path(path)?;
    let mut out = Vec::new();
    for rec in r.deserialize::<BTreeMap<String, String>>() {
        let rec = rec?;
        out.push(QueryRow {
            query: rec.get("query").cloned().unwrap_or_default(),
            expected: rec.get("expected").cloned().unwrap_or_default(),
            kind: rec.get("kind").cloned().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// (top score, top entity is the expected one) per query, as peer_screen.py records it.
fn run_queries(index: &Index, qs: &[QueryRow]) -> (Vec<(f32, bool)>, f64) {
    let mut searcher = index.searcher();
    let t = Thresholds::DEFAULT;
    let t0 = Instant::now();
    let mut res = Vec::with_capacity(qs.len());
    for q in qs {
        let top = searcher
            .search(&Query::name(&q.query), &t, 1)
            .ok()
            .and_then(|m| m.into_iter().next());
        res.push(match top {
            Some(m) => (m.score, !q.expected.is_empty() && m.source_id == q.expected),
            None => (0.0, false),
        });
    }
    let qps = qs.len() as f64 / t0.elapsed().as_secs_f64();
    (res, qps)
}

#[derive(Debug, Clone, Copy, Default)]
struct Prf {
    p: f64,
    r: f64,
    f1: f64,
}

fn prf(res: &[(f32, bool)], positives: usize, t: f32) -> Prf {
    let tp = res.iter().filter(|(s, ok)| *s >= t && *ok).count() as f64;
    let fp = res.iter().filter(|(s, ok)| *s >= t && !*ok).count() as f64;
    let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let r = if positives > 0 {
        tp / positives as f64
    } else {
        0.0
    };
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    Prf { p, r, f1 }
}

fn best_f1(res: &[(f32, bool)], positives: usize) -> (Prf, f32) {
    let mut ts: Vec<f32> = res
        .iter()
        .map(|x| (x.0 * 10000.0).round() / 10000.0)
        .collect();
    ts.sort_by(|a, b| a.total_cmp(b));
    ts.dedup();
    let mut best = (Prf::default(), 0.0);
    for t in ts {
        let m = prf(res, positives, t);
        if m.f1 > best.0.f1 {
            best = (m, t);
        }
    }
    best
}

fn vm_hwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Precision the `match` band must reach on the dev split.
const MATCH_PRECISION: f64 = 0.995;

/// Thresholds from a dev run: review at the best-F1 threshold, match at the lowest threshold
/// whose precision is at least [`MATCH_PRECISION`] (and not below review).
fn tune(res: &[(f32, bool)], positives: usize) -> Thresholds {
    let (_, review) = best_f1(res, positives);
    let mut ts: Vec<f32> = res.iter().map(|x| x.0).filter(|&s| s >= review).collect();
    ts.sort_by(|a, b| a.total_cmp(b));
    let match_at = ts
        .into_iter()
        .find(|&t| prf(res, positives, t).p >= MATCH_PRECISION)
        .unwrap_or(1.0)
        .max(review);
    Thresholds {
        match_at,
        review_at: review,
    }
}

fn run(dir: &str, queries: &str, tune_on: Option<&str>, json_out: Option<&str>) -> Res<()> {
    let (index, build_s) = load_sdn(dir)?;
    let thresholds = match tune_on {
        Some(dev) => {
            let qs = read_queries(dev)?;
            let positives = qs.iter().filter(|q| !q.expected.is_empty()).count();
            let (res, _) = run_queries(&index, &qs);
            let t = tune(&res, positives);
            println!(
                "thresholds tuned on {dev}: review_at {:.4}, match_at {:.4}",
                t.review_at, t.match_at
            );
            t
        }
        None => Thresholds::DEFAULT,
    };
    let qs = read_queries(queries)?;
    // Warm-up pass, then the measured pass.
    let _ = run_queries(&index, &qs);
    let (res, qps) = run_queries(&index, &qs);
    let positives = qs.iter().filter(|q| !q.expected.is_empty()).count();
    let flagged = prf(&res, positives, thresholds.review_at);
    let matched = prf(&res, positives, thresholds.match_at);
    let (best, best_t) = best_f1(&res, positives);
    println!(
        "index: {} names; queries: {} ({} expected to match)",
        index.name_count(),
        qs.len(),
        positives
    );
    println!(
        "earmark      F1 {:.3}  P {:.3}  R {:.3}  at default bands (match or review, >= {:.3})",
        flagged.f1, flagged.p, flagged.r, thresholds.review_at
    );
    println!(
        "earmark      F1 {:.3}  P {:.3}  R {:.3}  band match alone (>= {:.3})",
        matched.f1, matched.p, matched.r, thresholds.match_at
    );
    println!(
        "earmark      F1 {:.3}  P {:.3}  R {:.3}  at {:.3} (best over thresholds)  {:10.1} queries/s",
        best.f1, best.p, best.r, best_t, qps
    );
    // Per kind, at the default bands. A positive kind's precision counts a flag on the wrong
    // entity as a false positive; a negative kind has only false positives.
    let mut kinds: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, q) in qs.iter().enumerate() {
        kinds.entry(q.kind.as_str()).or_default().push(i);
    }
    println!("per kind (default bands):");
    println!(
        "  {:18} {:>5} {:>7} {:>7} {:>7} {:>7} {:>7}   top-1 right at any score",
        "kind", "n", "flagged", "right", "P", "R", "F1"
    );
    let mut per_kind = serde_json::Map::new();
    for (kind, idx) in &kinds {
        let n = idx.len();
        let is_neg = idx.iter().all(|&i| qs[i].expected.is_empty());
        let flagged = idx
            .iter()
            .filter(|&&i| thresholds.band(res[i].0) != Band::NoMatch)
            .count();
        let right = idx
            .iter()
            .filter(|&&i| thresholds.band(res[i].0) != Band::NoMatch && res[i].1)
            .count();
        let top1 = idx.iter().filter(|&&i| res[i].1).count();
        if is_neg {
            println!(
                "  {:18} {:>5} {:>7} {:>7} {:>7} {:>7} {:>7}   false-positive rate {:.3}",
                kind,
                n,
                flagged,
                "-",
                "-",
                "-",
                "-",
                flagged as f64 / n.max(1) as f64
            );
            per_kind.insert(
                kind.to_string(),
                serde_json::json!({"n": n, "flagged": flagged,
                    "false_positive_rate": flagged as f64 / n.max(1) as f64}),
            );
        } else {
            let p = right as f64 / flagged.max(1) as f64;
            let r = right as f64 / n.max(1) as f64;
            let f1 = if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            };
            println!(
                "  {:18} {:>5} {:>7} {:>7} {:>7.3} {:>7.3} {:>7.3}   {:.3}",
                kind,
                n,
                flagged,
                right,
                p,
                r,
                f1,
                top1 as f64 / n.max(1) as f64
            );
            per_kind.insert(
                kind.to_string(),
                serde_json::json!({"n": n, "flagged": flagged, "right": right,
                    "precision": p, "recall": r, "f1": f1,
                    "top1": top1 as f64 / n.max(1) as f64}),
            );
        }
    }
    let rss = vm_hwm_kb();
    println!(
        "index build {:.3} s; peak resident memory {} MB",
        build_s,
        rss.map_or("?".to_string(), |k| format!("{:.1}", k as f64 / 1024.0))
    );
    let report = serde_json::json!({
        "scorer": "earmark",
        "names": index.name_count(),
        "queries": qs.len(),
        "positives": positives,
        "thresholds": {"review_at": thresholds.review_at, "match_at": thresholds.match_at},
        "default_bands": {"f1": flagged.f1, "precision": flagged.p, "recall": flagged.r},
        "match_band": {"f1": matched.f1, "precision": matched.p, "recall": matched.r},
        "best": {"f1": best.f1, "precision": best.p, "recall": best.r, "threshold": best_t},
        "queries_per_s": qps,
        "index_build_s": build_s,
        "peak_rss_mb": rss.map(|k| k as f64 / 1024.0),
        "per_kind": per_kind,
    });
    println!("{report}");
    if let Some(path) = json_out {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}

/// Prints the queries the default bands get wrong (for looking at, on the dev split only).
fn misses(dir: &str, queries: &str) -> Res<()> {
    let (index, _) = load_sdn(dir)?;
    let t = Thresholds::DEFAULT;
    let by_id: BTreeMap<&str, &str> = index
        .entries()
        .iter()
        .map(|e| (e.source_id.as_str(), e.name.as_str()))
        .collect();
    for q in read_queries(queries)? {
        let top = index
            .search(&Query::name(&q.query), &t, 1)?
            .into_iter()
            .next();
        let flagged = top.as_ref().is_some_and(|m| m.band != Band::NoMatch);
        let right = top.as_ref().is_some_and(|m| m.source_id == q.expected);
        let wrong = if q.expected.is_empty() {
            flagged
        } else {
            !(flagged && right)
        };
        if wrong {
            println!(
                "{:16} {:50} | want {:40} | got {:.3} {}",
                q.kind,
                q.query,
                by_id.get(q.expected.as_str()).copied().unwrap_or("-"),
                top.as_ref().map_or(0.0, |m| m.score),
                top.as_ref().map_or("-", |m| m.matched_name.as_str())
            );
        }
    }
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    match args.first().map(String::as_str) {
        Some("dump-index") if args.len() >= 3 => dump_index(&args[1], &args[2]),
        Some("misses") if args.len() >= 3 => misses(&args[1], &args[2]),
        Some("run") if args.len() >= 3 => run(&args[1], &args[2], opt("--tune"), opt("--json")),
        _ => Err("usage: screen_eval dump-index SDN_DIR OUT.csv | run SDN_DIR QUERIES.csv [--tune DEV.csv] [--json OUT.json]".into()),
    }
}
