//! Order books: many shipment lines read from CSV or JSON Lines, checked with the engine, and
//! summed up by country, customer and item.
//!
//! Pure like the rest of the engine: [`parse`] reads from any `impl Read` (the CLI opens the
//! file), and an item given as a spec path is resolved by a callback the front end passes (it
//! reads the file); nothing here touches the file system or the clock.
//!
//! - [`parse`]: the book formats, their columns, and row errors that name line and field.
//! - [`run`]: every line checked on all cores, every distinct party screened once.
//! - [`summary`]: what needs a license, is blocked or needs review, with value and compute.
//!
//! # Columns
//!
//! CSV has a header row naming its columns, in any order; JSON Lines has one flat object per
//! line with the same names as keys. A column the parser does not know is an error (a field
//! it would ignore could be one that decides the answer), and so is a column named twice.
//!
//! | column | | |
//! |---|---|---|
//! | `order_id` | required | the order's id (with `line`, a line's identity in the ledger) |
//! | `line` | required | the line number within the order, 1 or more |
//! | `date` | required unless `--as-of` | the ship date, `YYYY-MM-DD`: the date whose rules apply |
//! | `item` | required | a catalog id, or a path to an item spec file (`.toml`, `.json`) |
//! | `quantity` | required | units shipped, 1 or more |
//! | `unit_price` | optional | per unit, a decimal with at most two decimals (`12500`, `12500.50`) |
//! | `currency` | with `unit_price` | ISO 4217 code (`USD`) |
//! | `ship_from` | default `US` | ISO 3166-1 alpha-2 country exported or reexported from |
//! | `destination` | required | country of ultimate destination |
//! | `transaction` | default `export` | `export`, `reexport` or `in_country` |
//! | `end_use` | optional | a known end use: `supercomputer`, `advanced_node_ic`, `ai_training`, `technical_evaluation`, `development`, `production`, `storage`, `datacenter`, `other` |
//! | `exporter` | optional | who exports (carried to the record) |
//! | `license`, `license_exception`, `notification` | optional | the authorisation to record the line under (`--record`) |
//! | `end_user_*`, `consignee_*`, `intermediate_consignee_*`, `purchaser_*` | optional | each party's `name`, `address`, `country`, `hq` (headquarters) and `parent_hq` (the ultimate parent's headquarters, or `same`) |
//!
//! The end user's `hq` and `parent_hq` decide the headquarters rules; every named party is
//! screened. Money is exact: integer cents of the line's currency, never a float.

pub mod parse;
pub mod run;
pub mod summary;

use earmark_core::Date;

use crate::contract::Shipment;

pub use parse::{
    parse, BookError, BookFormat, BookReader, ParseOptions, Resolve, COLUMNS, MAX_RECORD_BYTES,
};
pub use run::{
    check_line, run, run_stream, Event, Full, LineCheck, LineOutcome, RunOptions, RunStats,
    ScreeningHit,
};
pub use summary::{h100_equivalents, summarize, Group, Summary, Tally, H100_CONVENTION, H100_TPP};

/// One line of an order book, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct BookLine {
    /// The line in the file where the record starts (1 is a CSV header).
    pub source_line: u64,
    pub order_id: String,
    /// The line number within the order.
    pub line: u32,
    /// The ship date the line gives (`None` when the book has no date for it and `--as-of`
    /// supplied the rules' date).
    pub date: Option<Date>,
    /// The item as the book writes it: a catalog id or a spec path.
    pub item: String,
    pub quantity: u64,
    /// The unit price in cents (hundredths of the currency's unit).
    pub unit_price_cents: Option<u64>,
    /// ISO 4217, upper case; present whenever a price is.
    pub currency: Option<String>,
    /// quantity × unit price, in cents, computed in integers (an overflow is a row error).
    pub value_cents: Option<u64>,
    /// A license number to record the line under.
    pub license: Option<String>,
    /// A license exception id to record the line under.
    pub license_exception: Option<String>,
    /// The notification reference a license exception (NAC) needs.
    pub notification: Option<String>,
    /// Who exports, as the book names it.
    pub exporter: Option<String>,
    /// The engine's request built from the row.
    pub shipment: Shipment,
}

/// A row that could not be read: the rest of the book is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line in the file where the record starts.
    pub line: u64,
    /// The column at fault, when one is.
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}: `{field}`: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// An order book: the lines read and the rows that could not be.
#[derive(Debug, Clone, PartialEq)]
pub struct Book {
    pub lines: Vec<BookLine>,
    pub errors: Vec<RowError>,
    pub format: BookFormat,
    /// Records read (lines plus errors; blank lines are not records).
    pub rows: usize,
    /// Whether reading stopped before the end (a record over the size limit, whose end is
    /// unknowable, or a read failure): the rows after it were not read. Named in `errors`.
    pub stopped: bool,
}
