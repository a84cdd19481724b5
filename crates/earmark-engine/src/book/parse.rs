//! Reading an order book from CSV or JSON Lines (the columns: see the [module docs](super)).
//!
//! Both formats go through one row builder, so a cell means the same in either. A bad row is
//! a [`RowError`] naming its line and column and the rest is read; only a header that cannot
//! be trusted (an unknown or duplicated column, a required one missing) stops the book.
//! Records are capped at [`MAX_RECORD_BYTES`]: a longer one is a broken file (an unterminated
//! quote, a binary file), and reading on would hold it all in memory.

use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use earmark_core::country::Country;
use earmark_core::determine::Reading;
use earmark_core::rules::{EndUse, Transaction};
use earmark_core::spec::Tf32Reading;
use earmark_core::Date;
use serde::de::{Deserializer, MapAccess, Visitor};

use super::{Book, BookLine, RowError};
use crate::contract::{ItemRef, ParentHeadquarters, Party, PartyRole, Shipment};

/// The largest record read: a longer one is a broken file, not an order line.
pub const MAX_RECORD_BYTES: u64 = 1 << 20;
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// The book's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookFormat {
    Csv,
    JsonLines,
}

impl BookFormat {
    /// The format a file name says (`.csv`, `.jsonl`, `.ndjson`), if it says one.
    pub fn from_extension(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Self::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(Self::JsonLines)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::JsonLines => "jsonl",
        }
    }
}

/// Why a book cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    #[error("line 1: the header names the column `{0}`, which an order book does not have (known: {known})", known = COLUMNS.join(", "))]
    UnknownColumn(String),
    #[error("line 1: the header names the column `{0}` twice: which one holds the line's data is ambiguous")]
    DuplicateColumn(String),
    #[error("line 1: the header has no column `{0}`")]
    MissingColumn(&'static str),
    #[error("line 1: the header is longer than {} MiB: not an order book", MAX_RECORD_BYTES >> 20)]
    HeaderTooLarge,
    #[error("line 1: unreadable header: {0}")]
    Header(String),
}

/// What the rows do not say, from the front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParseOptions {
    /// The date whose rules apply to every line (`--as-of`); `None`: each line's own `date`.
    pub as_of: Option<Date>,
    /// Decide with the instruments public on this date (`--known-on`).
    pub known_on: Option<Date>,
    pub layer: Reading,
    pub tf32: Tf32Reading,
}

// The columns, in the order the docs list them. `Col` indexes `COLUMNS`.
const ORDER_ID: usize = 0;
const LINE: usize = 1;
const DATE: usize = 2;
const ITEM: usize = 3;
const QUANTITY: usize = 4;
const UNIT_PRICE: usize = 5;
const CURRENCY: usize = 6;
const SHIP_FROM: usize = 7;
const DESTINATION: usize = 8;
const TRANSACTION: usize = 9;
const END_USE: usize = 10;
const EXPORTER: usize = 11;
const LICENSE: usize = 12;
const LICENSE_EXCEPTION: usize = 13;
const NOTIFICATION: usize = 14;
/// The first party column; each party has [`PARTY_FIELDS`] columns, in [`PARTIES`] order.
const PARTY_BASE: usize = 15;
const PARTY_FIELDS: usize = 5;
const NAME: usize = 0;
const ADDRESS: usize = 1;
const COUNTRY: usize = 2;
const HQ: usize = 3;
const PARENT_HQ: usize = 4;
const N_COLUMNS: usize = PARTY_BASE + 4 * PARTY_FIELDS;

/// Every column an order book may have.
pub const COLUMNS: [&str; N_COLUMNS] = [
    "order_id",
    "line",
    "date",
    "item",
    "quantity",
    "unit_price",
    "currency",
    "ship_from",
    "destination",
    "transaction",
    "end_use",
    "exporter",
    "license",
    "license_exception",
    "notification",
    "end_user_name",
    "end_user_address",
    "end_user_country",
    "end_user_hq",
    "end_user_parent_hq",
    "consignee_name",
    "consignee_address",
    "consignee_country",
    "consignee_hq",
    "consignee_parent_hq",
    "intermediate_consignee_name",
    "intermediate_consignee_address",
    "intermediate_consignee_country",
    "intermediate_consignee_hq",
    "intermediate_consignee_parent_hq",
    "purchaser_name",
    "purchaser_address",
    "purchaser_country",
    "purchaser_hq",
    "purchaser_parent_hq",
];

/// The parties, in the order of their column groups.
const PARTIES: [PartyRole; 4] = [
    PartyRole::EndUser,
    PartyRole::UltimateConsignee,
    PartyRole::IntermediateConsignee,
    PartyRole::Purchaser,
];

/// Columns a book must have (a JSON line must give them too).
const REQUIRED: [usize; 5] = [ORDER_ID, LINE, ITEM, QUANTITY, DESTINATION];

fn column_index(name: &str) -> Option<usize> {
    COLUMNS.iter().position(|c| *c == name)
}

/// The item resolver a front end passes when it has nothing to resolve: every item is a
/// catalog id (the engine says which it does not know).
pub fn catalog_ids(item: &str) -> Result<ItemRef, String> {
    Ok(ItemRef::CatalogId(item.to_owned()))
}

/// An item resolver: turns the `item` cell into the engine's item (a catalog id, or the spec
/// a path names: the front end reads the file); its error becomes a row error on `item`.
pub type Resolve<'a> = dyn FnMut(&str) -> Result<ItemRef, String> + Send + 'a;

/// Reads a whole book into memory. For a large book, [`BookReader`] streams it.
pub fn parse(
    reader: impl Read + Send,
    format: BookFormat,
    options: &ParseOptions,
    resolve: &mut Resolve<'_>,
) -> Result<Book, BookError> {
    let mut r = BookReader::new(reader, format, *options)?;
    let mut book = Book {
        lines: Vec::new(),
        errors: Vec::new(),
        format,
        rows: 0,
        stopped: false,
    };
    while let Some(record) = r.next_record(resolve) {
        match record {
            Ok(line) => book.lines.push(line),
            Err(e) => book.errors.push(e),
        }
    }
    book.rows = r.rows();
    book.stopped = r.stopped();
    Ok(book)
}

/// Raised by [`CappedReader`] when one record outgrows [`MAX_RECORD_BYTES`].
#[derive(Debug)]
pub struct RecordTooLarge;

impl std::fmt::Display for RecordTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a record longer than {} MiB", MAX_RECORD_BYTES >> 20)
    }
}

impl std::error::Error for RecordTooLarge {}

/// A reader that hands out no byte past `limit`, which the CSV loop moves forward from each
/// record's start: the CSV parser never holds more than one capped record. Shared with
/// `earmark screen --batch`, whose files are streamed the same way.
#[derive(Debug)]
pub struct CappedReader<R> {
    inner: R,
    handed_out: u64,
    limit: Arc<AtomicU64>,
}

impl<R> CappedReader<R> {
    /// `inner`, read no further than `limit` bytes from its start (the caller moves `limit`).
    pub fn new(inner: R, limit: Arc<AtomicU64>) -> Self {
        Self {
            inner,
            handed_out: 0,
            limit,
        }
    }
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let allowed = self
            .limit
            .load(Ordering::Relaxed)
            .saturating_sub(self.handed_out);
        if allowed == 0 {
            return Err(std::io::Error::other(RecordTooLarge));
        }
        let len = buf
            .len()
            .min(usize::try_from(allowed).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..len])?;
        self.handed_out += n as u64;
        Ok(n)
    }
}

/// Whether the CSV reader stopped because a record outgrew the cap.
pub fn is_record_too_large(e: &csv::Error) -> bool {
    matches!(e.kind(), csv::ErrorKind::Io(io)
        if io.get_ref().is_some_and(|inner| inner.is::<RecordTooLarge>()))
}

/// A book read one record at a time: memory holds one record, whatever the book's size.
pub struct BookReader<R: Read> {
    inner: Inner<R>,
    options: ParseOptions,
    rows: usize,
    stopped: bool,
}

impl<R: Read> std::fmt::Debug for BookReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BookReader")
            .field("rows", &self.rows)
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
    }
}

enum Inner<R: Read> {
    Csv {
        reader: csv::Reader<CappedReader<R>>,
        limit: Arc<AtomicU64>,
        record: csv::ByteRecord,
        /// Which column of the book each field of a record holds.
        slots: Vec<usize>,
    },
    Jsonl {
        reader: BufReader<R>,
        buf: Vec<u8>,
        line: u64,
    },
}

impl<R: Read> BookReader<R> {
    /// Opens a book: for CSV, reads and checks the header (an unknown, duplicated or missing
    /// column stops the book here, before anything is checked).
    pub fn new(reader: R, format: BookFormat, options: ParseOptions) -> Result<Self, BookError> {
        let inner = match format {
            BookFormat::Csv => open_csv(reader)?,
            BookFormat::JsonLines => Inner::Jsonl {
                reader: BufReader::with_capacity(READ_BUFFER_BYTES, reader),
                buf: Vec::new(),
                line: 0,
            },
        };
        Ok(Self {
            inner,
            options,
            rows: 0,
            stopped: false,
        })
    }

    /// Records read so far (lines and row errors; blank lines are no records).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Whether reading stopped before the end of the input (named in the last row error).
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// The next record: a line or a row error; `None` at the end.
    pub fn next_record(&mut self, resolve: &mut Resolve<'_>) -> Option<Result<BookLine, RowError>> {
        if self.stopped {
            return None;
        }
        let options = self.options;
        match &mut self.inner {
            Inner::Csv {
                reader,
                limit,
                record,
                slots,
            } => next_csv(
                reader,
                limit,
                record,
                slots,
                &options,
                resolve,
                &mut self.rows,
                &mut self.stopped,
            ),
            Inner::Jsonl { reader, buf, line } => next_jsonl(
                reader,
                buf,
                line,
                &options,
                resolve,
                &mut self.rows,
                &mut self.stopped,
            ),
        }
    }
}

fn open_csv<R: Read>(reader: R) -> Result<Inner<R>, BookError> {
    let limit = Arc::new(AtomicU64::new(MAX_RECORD_BYTES + READ_BUFFER_BYTES as u64));
    let capped = CappedReader::new(reader, Arc::clone(&limit));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .buffer_capacity(READ_BUFFER_BYTES)
        .from_reader(capped);
    let mut record = csv::ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Err(BookError::Header("the file is empty".to_owned())),
        Err(e) if is_record_too_large(&e) => return Err(BookError::HeaderTooLarge),
        Err(e) => return Err(BookError::Header(e.to_string())),
    }
    let mut slots: Vec<usize> = Vec::with_capacity(record.len());
    let mut seen = [false; N_COLUMNS];
    for (i, raw) in record.iter().enumerate() {
        let text = String::from_utf8_lossy(raw);
        // Spreadsheets save UTF-8 CSV with a byte-order mark before the first name.
        let name = if i == 0 {
            text.trim_start_matches('\u{feff}')
        } else {
            &text
        }
        .trim()
        .to_ascii_lowercase();
        let Some(col) = column_index(&name) else {
            return Err(BookError::UnknownColumn(name));
        };
        if seen[col] {
            return Err(BookError::DuplicateColumn(name));
        }
        seen[col] = true;
        slots.push(col);
    }
    for col in REQUIRED {
        if !seen[col] {
            return Err(BookError::MissingColumn(COLUMNS[col]));
        }
    }
    Ok(Inner::Csv {
        reader,
        limit,
        record,
        slots,
    })
}

#[allow(
    clippy::too_many_arguments,
    reason = "the reader's state, borrowed field by field"
)]
fn next_csv<R: Read>(
    reader: &mut csv::Reader<CappedReader<R>>,
    limit: &AtomicU64,
    record: &mut csv::ByteRecord,
    slots: &[usize],
    options: &ParseOptions,
    resolve: &mut Resolve<'_>,
    rows: &mut usize,
    stopped: &mut bool,
) -> Option<Result<BookLine, RowError>> {
    loop {
        let start = reader.position().clone();
        limit.store(
            start.byte() + MAX_RECORD_BYTES + READ_BUFFER_BYTES as u64,
            Ordering::Relaxed,
        );
        match reader.read_byte_record(record) {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => {
                *rows += 1;
                let line = e.position().map_or(start.line(), csv::Position::line);
                if is_record_too_large(&e) {
                    // Where this record would end is unknowable (an open quote, or no line
                    // ends at all), so nothing after it can be read as rows.
                    *stopped = true;
                    return Some(Err(RowError {
                        line,
                        field: None,
                        message: format!(
                            "a record longer than {} MiB (an unterminated quote, or not a CSV \
                             file): reading stopped here, the rows after it were not read",
                            MAX_RECORD_BYTES >> 20
                        ),
                    }));
                }
                if let csv::ErrorKind::Io(io) = e.kind() {
                    *stopped = true;
                    return Some(Err(RowError {
                        line,
                        field: None,
                        message: format!("reading failed: {io}; the rows after it were not read"),
                    }));
                }
                return Some(Err(RowError {
                    line,
                    field: None,
                    message: format!("unreadable row: {e}"),
                }));
            }
        }
        let line = record.position().map_or(start.line(), csv::Position::line);
        // A blank line is no record.
        if record.len() == 1 && record.get(0).is_some_and(<[u8]>::is_empty) {
            continue;
        }
        *rows += 1;
        // The reader's cap leaves room for its buffer: a record that ended past the limit
        // but within that room is refused here.
        if record.as_slice().len() as u64 > MAX_RECORD_BYTES {
            return Some(Err(RowError {
                line,
                field: None,
                message: format!("a record longer than {} MiB", MAX_RECORD_BYTES >> 20),
            }));
        }
        if record.len() > slots.len() {
            return Some(Err(RowError {
                line,
                field: None,
                message: format!(
                    "{} fields, but the header names {} columns: an unquoted comma in a cell? \
                     quote it",
                    record.len(),
                    slots.len()
                ),
            }));
        }
        let mut cells: [Option<&str>; N_COLUMNS] = [None; N_COLUMNS];
        for (field, &col) in record.iter().zip(slots) {
            match std::str::from_utf8(field) {
                Ok(text) => cells[col] = Some(text),
                Err(_) => {
                    return Some(Err(RowError {
                        line,
                        field: Some(COLUMNS[col].to_owned()),
                        message: "not UTF-8 text".to_owned(),
                    }));
                }
            }
        }
        return Some(build_line(&cells, line, options, resolve, true));
    }
}

fn next_jsonl<R: Read>(
    reader: &mut BufReader<R>,
    buf: &mut Vec<u8>,
    line: &mut u64,
    options: &ParseOptions,
    resolve: &mut Resolve<'_>,
    rows: &mut usize,
    stopped: &mut bool,
) -> Option<Result<BookLine, RowError>> {
    loop {
        *line += 1;
        let line = *line;
        buf.clear();
        let read = reader
            .by_ref()
            .take(MAX_RECORD_BYTES + 1)
            .read_until(b'\n', buf);
        match read {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) => {
                *rows += 1;
                *stopped = true;
                return Some(Err(RowError {
                    line,
                    field: None,
                    message: format!("reading failed: {e}; the rows after it were not read"),
                }));
            }
        }
        if buf.len() as u64 > MAX_RECORD_BYTES {
            *rows += 1;
            // JSON Lines ends a record at a line break: skip to the next one and go on.
            if buf.last() != Some(&b'\n') {
                if let Err(e) = skip_line(reader) {
                    *stopped = true;
                    return Some(Err(RowError {
                        line,
                        field: None,
                        message: format!(
                            "a record longer than {} MiB, and reading failed after it: {e}; \
                             the rows after it were not read",
                            MAX_RECORD_BYTES >> 20
                        ),
                    }));
                }
            }
            return Some(Err(RowError {
                line,
                field: None,
                message: format!("a record longer than {} MiB", MAX_RECORD_BYTES >> 20),
            }));
        }
        let Ok(text) = std::str::from_utf8(buf) else {
            *rows += 1;
            return Some(Err(RowError {
                line,
                field: None,
                message: "not UTF-8 text".to_owned(),
            }));
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        *rows += 1;
        let fields = match read_json_row(text) {
            Ok(f) => f,
            Err(e) => {
                return Some(Err(RowError {
                    line,
                    field: e.field,
                    message: e.message,
                }))
            }
        };
        let mut cells: [Option<&str>; N_COLUMNS] = [None; N_COLUMNS];
        for (col, value) in &fields {
            cells[*col] = Some(value.as_str());
        }
        return Some(build_line(&cells, line, options, resolve, false));
    }
}

/// Reads past the rest of an over-long line; `false` at the end of the input.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<bool> {
    loop {
        let (done, used) = {
            let chunk = reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(false);
            }
            match chunk.iter().position(|b| *b == b'\n') {
                Some(i) => (true, i + 1),
                None => (false, chunk.len()),
            }
        };
        reader.consume(used);
        if done {
            return Ok(true);
        }
    }
}

/// A JSON row's problem.
struct JsonRowError {
    field: Option<String>,
    message: String,
}

/// One JSON line as (column, cell text) pairs: strings as they are, numbers as their decimal
/// text (so money stays exact), `null` as absent. A key given twice, an unknown key, or a
/// value that is an object, array or boolean is an error.
fn read_json_row(text: &str) -> Result<Vec<(usize, String)>, JsonRowError> {
    struct Row(Vec<(usize, String)>);
    struct RowVisitor;
    impl<'de> Visitor<'de> for RowVisitor {
        type Value = Row;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object with the order book's columns as keys")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
            use serde::de::Error as _;
            let mut out: Vec<(usize, String)> = Vec::new();
            let mut seen = [false; N_COLUMNS];
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                let Some(col) = column_index(&key) else {
                    return Err(A::Error::custom(format!(
                        "field `{key}`: an order book has no such column"
                    )));
                };
                if seen[col] {
                    return Err(A::Error::custom(format!("field `{key}`: given twice")));
                }
                seen[col] = true;
                let value: serde_json::Value = map.next_value()?;
                let cell = match value {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(_)
                    | serde_json::Value::Array(_)
                    | serde_json::Value::Object(_) => {
                        return Err(A::Error::custom(format!(
                            "field `{key}`: a string or number, not {}",
                            match value {
                                serde_json::Value::Bool(_) => "a boolean",
                                serde_json::Value::Array(_) => "an array",
                                _ => "an object",
                            }
                        )));
                    }
                };
                out.push((col, cell));
            }
            Ok(Row(out))
        }
    }
    impl<'de> serde::Deserialize<'de> for Row {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_map(RowVisitor)
        }
    }
    match serde_json::from_str::<Row>(text) {
        Ok(Row(fields)) => Ok(fields),
        Err(e) => {
            let message = e.to_string();
            // Name the field when the message is about one: "field `x`: ...".
            let field = message
                .strip_prefix("field `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(f, _)| f.to_owned());
            Err(JsonRowError {
                field,
                message: match field_message(&message) {
                    Some(m) => m.to_owned(),
                    None => format!("not a JSON object of order-book columns: {message}"),
                },
            })
        }
    }
}

/// The message after "field `x`: ", without serde_json's position suffix.
fn field_message(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("field `")?;
    let (_, after) = rest.split_once("`: ")?;
    Some(after.split(" at line ").next().unwrap_or(after))
}

fn err(line: u64, col: usize, message: impl Into<String>) -> RowError {
    RowError {
        line,
        field: Some(COLUMNS[col].to_owned()),
        message: message.into(),
    }
}

/// Builds a line from its cells (`None`: column absent or JSON `null`; empty text counts as
/// absent too). `csv`: a line break in a cell other than an address is the sign of an
/// unterminated quote that swallowed the rows after it.
fn build_line(
    cells: &[Option<&str>; N_COLUMNS],
    line: u64,
    options: &ParseOptions,
    resolve: &mut Resolve<'_>,
    csv: bool,
) -> Result<BookLine, RowError> {
    if csv {
        for (col, cell) in cells.iter().enumerate() {
            let Some(text) = cell else { continue };
            let is_address = col >= PARTY_BASE && (col - PARTY_BASE) % PARTY_FIELDS == ADDRESS;
            if !is_address && text.contains(['\n', '\r']) {
                let last = line + text.matches('\n').count() as u64;
                return Err(err(
                    line,
                    col,
                    format!(
                        "runs on over lines {line}-{last}: an unterminated quote may have \
                         swallowed the rows after it; close the quote"
                    ),
                ));
            }
        }
    }
    let get = |col: usize| cells[col].map(str::trim).filter(|s| !s.is_empty());
    let required = |col: usize| get(col).ok_or_else(|| err(line, col, "missing"));
    let text_field = |col: usize| -> Result<Option<String>, RowError> {
        match get(col) {
            Some(t) if t.chars().any(|c| c.is_control() && c != '\n' && c != '\r') => {
                Err(err(line, col, "holds control characters"))
            }
            Some(t) => Ok(Some(t.to_owned())),
            None => Ok(None),
        }
    };
    let country = |col: usize| -> Result<Option<Country>, RowError> {
        get(col)
            .map(|c| {
                country_code(c).ok_or_else(|| {
                    err(
                        line,
                        col,
                        format!(
                            "`{}` is not an ISO 3166-1 alpha-2 country code (e.g. CN, AE, DE)",
                            shorten(c)
                        ),
                    )
                })
            })
            .transpose()
    };

    let order_id = text_field(ORDER_ID)?.ok_or_else(|| err(line, ORDER_ID, "missing"))?;
    let line_no = {
        let t = required(LINE)?;
        match t.parse::<u32>() {
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(err(
                    line,
                    LINE,
                    format!("`{}` is not a line number (1 or more)", shorten(t)),
                ))
            }
        }
    };
    let date = get(DATE)
        .map(|t| {
            t.parse::<Date>().map_err(|_| {
                err(
                    line,
                    DATE,
                    format!("`{}` is not a date (YYYY-MM-DD)", shorten(t)),
                )
            })
        })
        .transpose()?;
    let Some(as_of) = options.as_of.or(date) else {
        return Err(err(
            line,
            DATE,
            "missing, and no `--as-of` date was given for the book",
        ));
    };
    let item_text = text_field(ITEM)?.ok_or_else(|| err(line, ITEM, "missing"))?;
    let item = resolve(&item_text).map_err(|m| err(line, ITEM, m))?;
    let quantity = {
        let t = required(QUANTITY)?;
        match t.parse::<u64>() {
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(err(
                    line,
                    QUANTITY,
                    format!(
                        "`{}` is not a whole number of units (1 or more)",
                        shorten(t)
                    ),
                ))
            }
        }
    };
    let unit_price_cents = get(UNIT_PRICE)
        .map(|t| {
            parse_cents(t).ok_or_else(|| {
                err(
                    line,
                    UNIT_PRICE,
                    format!(
                        "`{}` is not an amount (digits, at most two decimals: 12500 or 12500.50)",
                        shorten(t)
                    ),
                )
            })
        })
        .transpose()?;
    let currency = match (get(CURRENCY), unit_price_cents) {
        (Some(c), _) if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
            Some(c.to_ascii_uppercase())
        }
        (Some(c), _) => {
            return Err(err(
                line,
                CURRENCY,
                format!(
                    "`{}` is not an ISO 4217 currency code (e.g. USD)",
                    shorten(c)
                ),
            ))
        }
        (None, Some(_)) => {
            return Err(err(
                line,
                CURRENCY,
                "missing: a unit price needs its currency",
            ))
        }
        (None, None) => None,
    };
    let value_cents = match unit_price_cents {
        Some(p) => Some(p.checked_mul(quantity).ok_or_else(|| {
            err(
                line,
                UNIT_PRICE,
                "quantity × unit price is too large to count",
            )
        })?),
        None => None,
    };
    let from = country(SHIP_FROM)?.unwrap_or_else(Country::us);
    let to = country(DESTINATION)?.ok_or_else(|| err(line, DESTINATION, "missing"))?;
    let transaction = match get(TRANSACTION) {
        None => Transaction::Export,
        Some(t) => match t.to_ascii_lowercase().replace('-', "_").as_str() {
            "export" => Transaction::Export,
            "reexport" => Transaction::Reexport,
            "in_country" => Transaction::InCountry,
            _ => {
                return Err(err(
                    line,
                    TRANSACTION,
                    format!(
                        "`{}` is not a transaction kind (export, reexport, in_country)",
                        shorten(t)
                    ),
                ))
            }
        },
    };
    let end_use = get(END_USE)
        .map(|t| {
            end_use(t).ok_or_else(|| {
                err(
                    line,
                    END_USE,
                    format!(
                        "`{}` is not an end use (supercomputer, advanced_node_ic, ai_training, \
                         technical_evaluation, development, production, storage, datacenter, \
                         other)",
                        shorten(t)
                    ),
                )
            })
        })
        .transpose()?;
    let exporter = text_field(EXPORTER)?;
    // Is-informed letters bind the exporter they were sent to: the name is a fact the rules
    // read, so a name that cannot be one is a row error, not a silently absent exporter.
    let exporter_fact = exporter
        .as_deref()
        .map(|t| {
            earmark_core::rules::Exporter::parse(t).map_err(|e| err(line, EXPORTER, e.to_string()))
        })
        .transpose()?;
    let license = text_field(LICENSE)?;
    let license_exception = text_field(LICENSE_EXCEPTION)?;
    let notification = text_field(NOTIFICATION)?;

    let mut parties = Vec::with_capacity(2);
    for (i, role) in PARTIES.iter().enumerate() {
        let base = PARTY_BASE + i * PARTY_FIELDS;
        let name = text_field(base + NAME)?;
        let address = get(base + ADDRESS).map(str::to_owned);
        let party_country = country(base + COUNTRY)?;
        let hq = country(base + HQ)?;
        let parent = match get(base + PARENT_HQ) {
            None => None,
            Some(t) if t.eq_ignore_ascii_case("same") => {
                if hq.is_none() {
                    return Err(err(
                        line,
                        base + PARENT_HQ,
                        format!("`same` needs `{}`", COLUMNS[base + HQ]),
                    ));
                }
                Some(ParentHeadquarters::Same)
            }
            Some(t) => Some(ParentHeadquarters::Country(country_code(t).ok_or_else(
                || {
                    err(
                        line,
                        base + PARENT_HQ,
                        format!(
                            "`{}` is not an ISO 3166-1 alpha-2 country code or `same`",
                            shorten(t)
                        ),
                    )
                },
            )?)),
        };
        let any = name.is_some()
            || address.is_some()
            || party_country.is_some()
            || hq.is_some()
            || parent.is_some();
        // The end user is always a party: the headquarters rules read its (unknown)
        // headquarters even when the book names nobody.
        if any || *role == PartyRole::EndUser {
            let mut party = Party::new(*role);
            party.name = name;
            party.address = address;
            party.country = party_country;
            party.headquarters = hq;
            party.parent_headquarters = parent;
            parties.push(party);
        }
    }
    let shipment = Shipment {
        item,
        to,
        from: if transaction == Transaction::InCountry {
            to
        } else {
            from
        },
        transaction,
        end_use,
        quantity: Some(quantity),
        as_of,
        known_on: options.known_on,
        layer: options.layer,
        exporter_role: earmark_core::rules::ExporterRole::Other,
        exporter: exporter_fact,
        rebuttal: earmark_core::rules::Rebuttal::None,
        tf32: options.tf32,
        parties,
    };
    Ok(BookLine {
        source_line: line,
        order_id,
        line: line_no,
        date,
        item: item_text,
        quantity,
        unit_price_cents,
        currency,
        value_cents,
        license,
        license_exception,
        notification,
        exporter,
        shipment,
    })
}

/// [`Country::from_code`] through a table of every two-letter code: a book reads several
/// country cells a line, and the lookup (upper-casing into a new string, then a binary
/// search by string comparison) was a tenth of the time a million-line book took to read.
fn country_code(text: &str) -> Option<Country> {
    static TABLE: OnceLock<Vec<Option<Country>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = vec![None; 26 * 26];
        for c in Country::all() {
            let b = c.code().as_bytes();
            let at = match (b.first(), b.get(1)) {
                (Some(x), Some(y)) => x.checked_sub(b'A').zip(y.checked_sub(b'A')),
                _ => None,
            };
            if let Some(slot) =
                at.and_then(|(x, y)| t.get_mut(usize::from(x) * 26 + usize::from(y)))
            {
                *slot = Some(c);
            }
        }
        t
    });
    match text.as_bytes() {
        [x, y] if x.is_ascii_alphabetic() && y.is_ascii_alphabetic() => {
            let (x, y) = (x.to_ascii_uppercase() - b'A', y.to_ascii_uppercase() - b'A');
            table
                .get(usize::from(x) * 26 + usize::from(y))
                .copied()
                .flatten()
        }
        _ => None,
    }
}

/// User text quoted in a message, cut to a readable length.
fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_owned(),
    }
}

fn end_use(text: &str) -> Option<EndUse> {
    const ALL: [EndUse; 9] = [
        EndUse::Supercomputer,
        EndUse::AdvancedNodeIc,
        EndUse::AiTraining,
        EndUse::TechnicalEvaluation,
        EndUse::Development,
        EndUse::Production,
        EndUse::Storage,
        EndUse::Datacenter,
        EndUse::Other,
    ];
    let wanted = text.to_ascii_lowercase().replace('-', "_");
    ALL.into_iter().find(|u| u.as_str() == wanted)
}

/// An amount in cents from a decimal with at most two decimals, exactly (no float):
/// `12500` → 1,250,000; `0.5` → 50. `None` for a sign, an exponent, a separator, three
/// decimals or an overflow.
pub fn parse_cents(text: &str) -> Option<u64> {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || (text.contains('.') && frac.is_empty())
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: u64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<u64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_exact_cents() {
        assert_eq!(parse_cents("12500"), Some(1_250_000));
        assert_eq!(parse_cents("12500.5"), Some(1_250_050));
        assert_eq!(parse_cents("0.07"), Some(7));
        assert_eq!(parse_cents(".5"), Some(50));
        // 0.1 + 0.2 in floats is 0.30000000000000004: never read through a float.
        assert_eq!(parse_cents("0.30"), Some(30));
        for bad in [
            "",
            ".",
            "1.",
            "-1",
            "+1",
            "1e3",
            "1,000",
            "1.234",
            "18446744073709551616",
        ] {
            assert_eq!(parse_cents(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_country_table_reads_what_country_from_code_reads() {
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = String::from_utf8(vec![a, b]).unwrap_or_default();
                assert_eq!(country_code(&code), Country::from_code(&code), "{code}");
                let lower = code.to_ascii_lowercase();
                assert_eq!(country_code(&lower), Country::from_code(&lower), "{lower}");
            }
        }
        for odd in ["", "C", "CHN", "C1", "é", "  "] {
            assert_eq!(country_code(odd), None);
        }
    }

    #[test]
    fn the_column_table_and_the_indices_agree() {
        assert_eq!(COLUMNS[PARTY_BASE], "end_user_name");
        assert_eq!(COLUMNS[PARTY_BASE + PARTY_FIELDS + HQ], "consignee_hq");
        assert_eq!(COLUMNS[N_COLUMNS - 1], "purchaser_parent_hq");
        assert_eq!(COLUMNS[NOTIFICATION], "notification");
    }
}
