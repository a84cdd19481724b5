//! The use cases every earmark front end shares, behind one immutable [`Engine`].
//!
//! The CLI, the ledger, the order-book check and the HTTP server all ask the same question:
//! classify the item on the date, screen every party, determine, and say what the other layer
//! and the next dated change would answer. That composition lives here, once, and its answer
//! is one value, [`ShipmentDecision`], that front ends render (text, JSON, HTML) and the
//! ledger stores in its compact form ([`StoredDecision`]).
//!
//! Pure and synchronous like the crates it composes: no file or network I/O, no clock (the
//! date a check is made is an argument), no environment.
//!
//! - [`contract`]: the request ([`Shipment`]) and decision types, with their JSON Schema.
//! - [`engine`]: [`Engine`] (build once, share across threads) and [`Worker`] (per-thread
//!   caches: compiled rule snapshots, classifications, party screenings).
//! - [`screening`]: parties to list status, and what a match on each list means.
//! - [`stored`]: the compact record and its replay.
//! - [`scenario`]: a book under two configurations (date, layer, overlaid pack), and what
//!   changes.
//! - [`report`]: the self-contained HTML report of a checked book or a scenario.

pub mod book;
pub mod caps;
pub mod contract;
pub mod engine;
pub mod report;
pub mod scenario;
pub mod schema;
pub mod screening;
pub mod stored;

pub use caps::{declared_caps, CapCounts, CapPer, CapPeriod, DeclaredCap, DeclaredCapError};
pub use contract::{
    Alternative, Answer, DataUsed, DispositionUse, ItemRef, ListUsed, NextChange,
    ParentHeadquarters, Party, PartyDisposition, PartyRole, PartyScreening, PerIcAlternative,
    Reopened, ScreenedMatch, ScreeningBasis, Severity, Shipment, ShipmentDecision, Tf32Alternative,
    SCHEMA_VERSION,
};
pub use engine::{CheckError, Engine, SharedScreenings, Verdicts, Worker};
pub use stored::{Replay, ReplayError, StoredDecision};

/// The engine's version, recorded in every decision.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The content hash of a set of data files (the catalog's), as the rule pack's is computed:
/// sha256 over the files in path order.
pub fn content_hash(files: &[(&str, &str)]) -> String {
    earmark_core::rules::content_hash(files)
}

/// The hash a disposition is tied to: the one list's content hash, or for several the sha256
/// of their hashes joined by commas (`sha256:` and hex), so that any change to any list loaded
/// re-opens it. Empty when no list is loaded.
pub fn lists_hash<'a>(content_hashes: impl IntoIterator<Item = &'a str>) -> String {
    use sha2::Digest as _;
    let hashes: Vec<&str> = content_hashes.into_iter().collect();
    match hashes.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        many => format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(many.join(",").as_bytes()))
        ),
    }
}
