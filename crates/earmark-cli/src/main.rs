//! The `earmark` command: glue between the user and the library crates.
//!
//! Arguments are parsed in two steps, as ripgrep does: clap turns what the user typed into
//! `Args` structs (one per subcommand, defined next to its command in `commands/`), and each
//! command validates them into the plain values the libraries take. Rendering (human text or
//! JSON) happens here; the libraries return values.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// First: its macros must be defined before the modules that print.
#[macro_use]
mod output;

mod commands;
mod embedded;
mod snapshot;

/// Export-control compliance for AI compute: classify accelerators under ECCN 3A090/4A090,
/// determine license requirements, and screen parties against the US restricted lists.
#[derive(Debug, Parser)]
#[command(name = "earmark", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Classify an item (catalog id or spec file) under 3A090/4A090 as of a date.
    Classify(commands::classify::Args),
    /// List or show the accelerators in the bundled catalog.
    #[command(subcommand)]
    Catalog(commands::catalog::Command),
    /// Screen a name (or a CSV batch) against the restricted-party lists.
    Screen(commands::screen::Args),
    /// Show the bundled or given restricted-party lists: source, date, size, hash, age.
    #[command(subcommand)]
    Lists(commands::lists::Command),
    /// List, show, validate and diff the rule packs (the regulations as dated data).
    Rules(commands::rules::Args),
    /// Determine whether a shipment needs a license, under which rule, with which exceptions.
    Check(Box<commands::check::CheckArgs>),
    /// An order book under two configurations (dates, layers, rule-pack overlays): the lines
    /// whose answer changes, which way, and the value and compute at stake.
    Scenario(commands::scenario::Args),
    /// Print or write the JSON Schemas of the shipment, the decision and the stored decision.
    Schema(commands::schema::Args),
    /// The system of record: licenses, shipments, dispositions, caps, and their status.
    Ledger(commands::ledger::LedgerArgs),
    /// Verify the ledger's chain, export a period, or replay a recorded decision.
    Audit(commands::audit::AuditArgs),
    /// Generate example data: synthetic order books of any size.
    Examples(commands::examples::Args),
}

/// mimalloc rather than the system allocator: an order book's full decisions are built on
/// worker threads and dropped on the main one, and glibc's malloc spent about half of
/// `check --book --record`'s time consolidating and unlinking those frees
/// (bench/book/RESULTS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Classify(args) => commands::classify::run(args),
        Command::Catalog(command) => commands::catalog::run(command),
        Command::Screen(args) => commands::screen::run(args),
        Command::Lists(command) => commands::lists::run(command),
        Command::Rules(args) => commands::rules::run(args),
        Command::Check(args) => commands::check::run_command(*args),
        Command::Scenario(args) => commands::scenario::run(args),
        Command::Examples(args) => commands::examples::run(args),
        Command::Schema(args) => commands::schema::run(args),
        Command::Ledger(args) => commands::ledger::run(args),
        Command::Audit(args) => commands::audit::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // A closed pipe (`earmark screen --batch f.csv | head`) is the reader's choice,
            // not a failure.
            if error.chain().any(is_closed_pipe) {
                return ExitCode::SUCCESS;
            }
            // Messages quote user input and list text, which may hold escape sequences.
            eprintln!("error: {}", output::terminal_safe(&format!("{error:#}")));
            ExitCode::from(2)
        }
    }
}

/// Whether an error is a write to a closed pipe, however the writer wrapped it (serde_json and
/// csv keep the I/O error inside their own).
fn is_closed_pipe(cause: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    if let Some(e) = cause.downcast_ref::<std::io::Error>() {
        return e.kind() == BrokenPipe;
    }
    if let Some(e) = cause.downcast_ref::<serde_json::Error>() {
        return e.io_error_kind() == Some(BrokenPipe);
    }
    if let Some(e) = cause.downcast_ref::<csv::Error>() {
        return matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe);
    }
    false
}
