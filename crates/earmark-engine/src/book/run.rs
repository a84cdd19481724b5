//! Checking every line of a book on every core.
//!
//! One [`Worker`] per thread (the engine is shared, `Send + Sync`); every distinct party is
//! screened once across all threads ([`SharedScreenings`]); each line takes the fast path
//! ([`Worker::verdict`]: outcome, review policy, exceptions, severity, no explanation), and the
//! full check ([`Worker::check`]) only where a decision must be shown or stored
//! ([`RunOptions::full`]). A line the engine refuses (an unknown item, an export from a
//! country to itself) is a [`CheckError`] for that line; the rest goes on.
//!
//! Two entry points: [`run`] checks a [`Book`] held in memory (what a scenario compares under
//! two engines), and [`run_stream`] reads, checks and hands over a book chunk by chunk, in
//! file order, so a book of millions of lines never sits in memory.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Mutex, PoisonError};

use earmark_core::determine::{CoverageGap, EccnFact, Outcome, Verdict};
use earmark_core::rules::{Effect, ListStatus, ReviewPolicy, Rule};
use earmark_core::Date;
use earmark_screen::Band;

use super::parse::{BookReader, Resolve};
use super::{Book, BookLine, RowError};
use crate::contract::{PartyRole, Severity, ShipmentDecision};
use crate::engine::{CheckError, Engine, SharedScreenings, Worker};

/// How a book is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Threads to check on (at least one).
    pub threads: usize,
    /// The date the check is made (list ages and the default known-on date count from it).
    pub checked_on: Date,
    /// Which lines also get the full decision (trace, other layer, next change).
    pub full: Full,
    /// Lines handed to a thread at a time.
    pub chunk_lines: usize,
}

impl RunOptions {
    pub fn new(checked_on: Date) -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            checked_on,
            full: Full::None,
            chunk_lines: 4096,
        }
    }
}

/// Which lines get the full decision besides the fast answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// None: the fast path answers every line (a summary, an exit code, a table of answers).
    None,
    /// Lines that are not clear (to show their decisions).
    Flagged,
    /// Every line (to store its decision).
    All,
    /// The lines a ledger could record (see [`recordable`]): a full decision is 25 to 48 KB
    /// and about a hundred times the fast answer's time, and the others would be refused.
    Recordable,
}

/// Whether a line could be recorded as shipped, as far as the fast answer tells: not when it
/// is blocked, nor when it needs a license and names neither a license nor a license
/// exception (the ledger refuses both). A line that needs review may be settled by a recorded
/// disposition, so it gets its full decision.
pub fn recordable(severity: Severity, line: &BookLine) -> bool {
    match severity {
        Severity::Blocked => false,
        Severity::LicenseRequired => line.license.is_some() || line.license_exception.is_some(),
        Severity::Clear | Severity::Review => true,
    }
}

/// A list entry a party of the line resembles.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreeningHit {
    pub role: PartyRole,
    /// The party's name as the book gives it.
    pub name: String,
    pub list: String,
    pub source_id: String,
    pub matched_name: String,
    pub band: Band,
    pub score: f64,
    /// For an Entity List entry, the date it was listed (a party listed after the line's date
    /// was not yet listed then).
    pub listed_on: Option<String>,
    /// For an Entity List entry, the date the rule that added it took effect, where the rule
    /// pack's table of listing rules knows it (the date the listing is judged by).
    pub effective_on: Option<Date>,
    /// That rule, as the pack describes it.
    pub listing_rule: Option<String>,
}

/// The engine's answer for one line.
#[derive(Debug, Clone)]
pub struct LineOutcome<'e> {
    pub severity: Severity,
    pub outcome: Outcome,
    pub review_policy: Option<ReviewPolicy>,
    /// License exceptions the fast path found available.
    pub license_exceptions: Vec<&'e str>,
    /// The rules that decided: requirements, prohibitions and presumptions that applied and
    /// the rule that set the review policy; for an indeterminate line, the rules that could
    /// apply but for missing facts.
    pub rules: Vec<&'e Rule>,
    /// The instruments of [`LineOutcome::rules`], each once, in rule order.
    pub instruments: Vec<&'e str>,
    pub eccn: EccnFact,
    /// TPP of one unit, as classification read it.
    pub tpp_per_unit: Option<f64>,
    /// The combined Entity List status the decision read.
    pub list_status: Option<ListStatus>,
    /// Whether the line's date lies outside the rule pack's coverage.
    pub outside_coverage: bool,
    /// The list entries the parties resemble.
    pub hits: Vec<ScreeningHit>,
    /// The full decision, where [`RunOptions::full`] asked for it.
    pub decision: Option<Box<ShipmentDecision>>,
}

impl LineOutcome<'_> {
    /// The answer in one line (the full decision's own headline when there is one).
    pub fn headline(&self) -> String {
        if let Some(d) = &self.decision {
            return d.headline.clone();
        }
        let mut s = match self.outcome {
            Outcome::LicenseRequired => "LICENSE REQUIRED".to_owned(),
            Outcome::NoLicenseRequired => "NO LICENSE REQUIRED".to_owned(),
            Outcome::Prohibited => "PROHIBITED: do not proceed".to_owned(),
            Outcome::Indeterminate if self.outside_coverage => {
                "INDETERMINATE: the date is outside the rule pack's coverage".to_owned()
            }
            Outcome::Indeterminate => "INDETERMINATE: facts are missing".to_owned(),
        };
        if let Some(p) = self.review_policy {
            s.push_str("; review policy ");
            s.push_str(&p.as_str().replace('_', " "));
        }
        for e in &self.license_exceptions {
            s.push_str("; license exception ");
            s.push_str(e);
            s.push_str(" may be available");
        }
        if self.severity == Severity::Blocked && self.outcome != Outcome::Prohibited {
            s.push_str("; BLOCKED: a party matches a denial or sanctions list");
        } else if self.severity == Severity::Review && self.outcome != Outcome::Indeterminate {
            s.push_str("; REVIEW: a party may match a restricted list");
        }
        s
    }

    /// The citations of the deciding rules, each once.
    pub fn citations(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.rules {
            if !out.contains(&r.cite.as_str()) {
                out.push(&r.cite);
            }
        }
        out
    }

    /// Compute shipped on the line: TPP per unit × quantity.
    pub fn tpp_total(&self, quantity: u64) -> Option<f64> {
        self.tpp_per_unit.map(|t| t * quantity as f64)
    }
}

/// One line's check: its answer, or why the engine could not check it.
#[derive(Debug, Clone)]
pub struct LineCheck<'e> {
    /// The line in the file.
    pub source_line: u64,
    pub result: Result<LineOutcome<'e>, CheckError>,
}

impl LineCheck<'_> {
    /// The line's severity; a line that could not be checked needs a person (review).
    pub fn severity(&self) -> Severity {
        match &self.result {
            Ok(o) => o.severity,
            Err(_) => Severity::Review,
        }
    }
}

/// Checks one line with a worker.
/// `worker` must be one of `engine`'s.
pub fn check_line<'e>(
    engine: &'e Engine,
    worker: &mut Worker<'_>,
    line: &BookLine,
    options: &RunOptions,
) -> LineCheck<'e> {
    LineCheck {
        source_line: line.source_line,
        result: outcome(engine, worker, line, options),
    }
}

fn outcome<'e>(
    engine: &'e Engine,
    worker: &mut Worker<'_>,
    line: &BookLine,
    options: &RunOptions,
) -> Result<LineOutcome<'e>, CheckError> {
    let shipment = &line.shipment;
    let (v, tpp) = worker.verdict_and_tpp(shipment, options.checked_on)?;
    let pack = engine.pack();
    let verdict: &Verdict = &v.verdict;
    let mut rules: Vec<&'e Rule> = Vec::new();
    let deciding = |r: &Rule| {
        matches!(
            r.effect,
            Effect::Requirement { .. } | Effect::Prohibition | Effect::Presumption { .. }
        )
    };
    match verdict.outcome {
        Outcome::Indeterminate => {
            rules.extend(verdict.unknown.iter().filter_map(|i| pack.rules.get(i)));
        }
        Outcome::NoLicenseRequired => {}
        Outcome::LicenseRequired | Outcome::Prohibited => {
            rules.extend(
                verdict
                    .applied
                    .iter()
                    .filter_map(|i| pack.rules.get(i))
                    .filter(|r| deciding(r)),
            );
            if let Some(r) = verdict.policy_rule.and_then(|i| pack.rules.get(i)) {
                rules.push(r);
            }
        }
    }
    let mut instruments: Vec<&'e str> = Vec::new();
    for r in &rules {
        if let Some(i) = pack.instruments.get(r.instrument) {
            if !instruments.contains(&i.id.as_str()) {
                instruments.push(&i.id);
            }
        }
    }
    let license_exceptions = if verdict.outcome == Outcome::LicenseRequired {
        verdict.exceptions(pack)
    } else {
        Vec::new()
    };
    let outside_coverage = verdict.outcome == Outcome::Indeterminate
        && CoverageGap::of(
            pack,
            shipment.as_of,
            shipment
                .known_on
                .unwrap_or_else(|| options.checked_on.max(shipment.as_of)),
        )
        .is_some();
    let hits = worker.screening_hits(shipment)?;
    let decision = match options.full {
        Full::All => Some(Box::new(worker.check(shipment, options.checked_on)?)),
        Full::Flagged if v.severity != Severity::Clear => {
            Some(Box::new(worker.check(shipment, options.checked_on)?))
        }
        Full::Recordable if recordable(v.severity, line) => {
            Some(Box::new(worker.check(shipment, options.checked_on)?))
        }
        Full::Recordable | Full::Flagged | Full::None => None,
    };
    Ok(LineOutcome {
        severity: v.severity,
        outcome: verdict.outcome,
        review_policy: verdict.review_policy,
        license_exceptions,
        rules,
        instruments,
        eccn: verdict.eccn,
        tpp_per_unit: tpp,
        list_status: v.list_status,
        outside_coverage,
        hits,
        decision,
    })
}

/// Checks every line of a book held in memory, on `options.threads` threads, and returns the
/// checks in the book's order. `progress` is called with the number of lines just done (from
/// the checking threads).
pub fn run<'e>(
    engine: &'e Engine,
    book: &Book,
    options: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Vec<LineCheck<'e>> {
    let shared = SharedScreenings::new();
    let next = AtomicUsize::new(0);
    let chunk = options.chunk_lines.max(1);
    let threads = options.threads.max(1);
    // Results are handed back through a lock rather than by joining: a thread that panicked
    // then makes the scope panic (a crash, never a book with lines silently missing).
    let parts: Mutex<Vec<(usize, Vec<LineCheck<'e>>)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (shared, next, parts) = (&shared, &next, &parts);
            scope.spawn(move || {
                let mut worker = engine.worker_sharing(shared);
                loop {
                    let start = next.fetch_add(chunk, Ordering::Relaxed);
                    let Some(lines) = book.lines.get(start..) else {
                        break;
                    };
                    if lines.is_empty() {
                        break;
                    }
                    let lines = &lines[..lines.len().min(chunk)];
                    let checks: Vec<LineCheck<'e>> = lines
                        .iter()
                        .map(|l| check_line(engine, &mut worker, l, options))
                        .collect();
                    if options.full != Full::None {
                        worker.clear_dated_classifications();
                    }
                    progress(checks.len());
                    parts
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((start, checks));
                }
            });
        }
    });
    let mut parts = parts.into_inner().unwrap_or_else(PoisonError::into_inner);
    parts.sort_by_key(|(start, _)| *start);
    parts.into_iter().flat_map(|(_, c)| c).collect()
}

/// What [`run_stream`] hands over, in the book's order.
#[derive(Debug)]
pub enum Event<'a, 'e> {
    /// A line and its check.
    Line(&'a BookLine, &'a LineCheck<'e>),
    /// A row that could not be read.
    Bad(&'a RowError),
}

/// Counts of a streamed run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Records read (lines and bad rows).
    pub rows: usize,
    pub lines: usize,
    pub bad_rows: usize,
    /// Whether reading stopped before the end of the book (named in the last bad row).
    pub stopped: bool,
    /// Distinct parties screened.
    pub parties_screened: usize,
}

type Records = Vec<Result<BookLine, RowError>>;

/// Reads a book, checks it on `options.threads` threads and hands every line and bad row to
/// `sink` in the book's order, on the calling thread, chunk by chunk: memory holds a few
/// chunks, whatever the book's size. Reading runs on a thread of its own, beside the checks.
pub fn run_stream<'e, R: Read + Send>(
    engine: &'e Engine,
    mut reader: BookReader<R>,
    resolve: &mut Resolve<'_>,
    options: &RunOptions,
    sink: &mut dyn FnMut(Event<'_, 'e>),
) -> RunStats {
    let shared = SharedScreenings::new();
    let chunk = options.chunk_lines.max(1);
    let threads = options.threads.max(1);
    let mut stats = RunStats::default();
    // Bounded queues: reading stays a few chunks ahead of checking, and checking a few ahead
    // of the sink, so memory does not grow with the book.
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Records)>(threads * 2);
    let (done_tx, done_rx) =
        mpsc::sync_channel::<(usize, Records, Vec<LineCheck<'e>>)>(threads * 2);
    let work_rx = Mutex::new(work_rx);
    let read_stats: Mutex<Option<(usize, bool)>> = Mutex::new(None);
    std::thread::scope(|scope| {
        let read_stats = &read_stats;
        scope.spawn(move || {
            let mut seq = 0;
            loop {
                let mut records: Records = Vec::with_capacity(chunk);
                while records.len() < chunk {
                    match reader.next_record(resolve) {
                        Some(r) => records.push(r),
                        None => break,
                    }
                }
                if records.is_empty() {
                    break;
                }
                if work_tx.send((seq, records)).is_err() {
                    break;
                }
                seq += 1;
            }
            *read_stats.lock().unwrap_or_else(PoisonError::into_inner) =
                Some((reader.rows(), reader.stopped()));
        });
        for _ in 0..threads {
            let (work_rx, done_tx, shared) = (&work_rx, done_tx.clone(), &shared);
            scope.spawn(move || {
                let mut worker = engine.worker_sharing(shared);
                loop {
                    let next = work_rx
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .recv();
                    let Ok((seq, records)) = next else { break };
                    let checks: Vec<LineCheck<'e>> = records
                        .iter()
                        .filter_map(|r| r.as_ref().ok())
                        .map(|l| check_line(engine, &mut worker, l, options))
                        .collect();
                    if options.full != Full::None {
                        // Memory stays bounded however many dates the book spans.
                        worker.clear_dated_classifications();
                    }
                    if done_tx.send((seq, records, checks)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        deliver(&done_rx, sink, &mut stats);
    });
    // The reading thread ran to its end (had it panicked, the scope would have).
    match read_stats
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        Some((rows, stopped)) => {
            stats.rows = rows;
            stats.stopped = stopped;
        }
        None => stats.stopped = true,
    }
    stats.parties_screened = shared.len();
    stats
}

/// Hands the checked chunks to the sink in order.
fn deliver<'e>(
    done: &Receiver<(usize, Records, Vec<LineCheck<'e>>)>,
    sink: &mut dyn FnMut(Event<'_, 'e>),
    stats: &mut RunStats,
) {
    let mut waiting: BTreeMap<usize, (Records, Vec<LineCheck<'e>>)> = BTreeMap::new();
    let mut next = 0;
    for (seq, records, checks) in done {
        waiting.insert(seq, (records, checks));
        while let Some((records, checks)) = waiting.remove(&next) {
            let mut checks = checks.iter();
            for r in &records {
                match r {
                    Ok(line) => {
                        if let Some(c) = checks.next() {
                            stats.lines += 1;
                            sink(Event::Line(line, c));
                        }
                    }
                    Err(e) => {
                        stats.bad_rows += 1;
                        sink(Event::Bad(e));
                    }
                }
            }
            next += 1;
        }
    }
}
