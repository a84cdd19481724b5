//! Loaders, one module per published format. Each takes the file's bytes and a source label
//! (used in messages), keeps every row it can read, and reports the rest as [`RowIssue`]s with
//! the line and the reason: one bad row never stops a load.
//!
//! Text is UTF-8 where it is valid and Windows-1252 where it is not, decided field by field,
//! because the government files mix the two (OFAC's address files, the old Unverified List).

pub mod csl;
pub mod dpl;
pub mod entity_list;
pub mod ofac;

use crate::model::RowIssue;

/// An error that stops a load as a whole (the file is not in the format at all).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum LoadError {
    #[error("{source_label}: {reason}")]
    Unreadable {
        source_label: String,
        reason: String,
    },
}

impl LoadError {
    pub(crate) fn new(source: &str, reason: impl Into<String>) -> LoadError {
        LoadError::Unreadable {
            source_label: source.to_string(),
            reason: reason.into(),
        }
    }
}

/// Windows-1252 code points for bytes 0x80 to 0x9F. The five bytes Windows leaves undefined
/// map to the C1 control of the same number, as Windows itself does.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// Decodes bytes as Windows-1252 (every byte sequence is valid).
pub fn decode_cp1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

/// UTF-8 if the bytes are valid UTF-8, else Windows-1252.
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => decode_cp1252(bytes),
    }
}

/// The bytes without a UTF-8 byte-order mark and without the DOS end-of-file marker (Ctrl-Z,
/// 0x1A) that OFAC's files end with, so that neither becomes part of a record.
pub(crate) fn trim_file(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], 0x1A | b'\r' | b'\n' | b' ' | b'\t') {
        end -= 1;
    }
    &bytes[..end]
}

/// A field as text: decoded, trimmed, and `None` when empty or OFAC's `-0-` placeholder.
pub(crate) fn field(record: &csv::ByteRecord, i: usize) -> Option<String> {
    let raw = record.get(i)?;
    let text = decode(raw);
    let t = text.trim();
    if t.is_empty() || t == "-0-" {
        None
    } else {
        Some(t.to_string())
    }
}

/// A field split at a separator into its non-empty trimmed parts.
pub(crate) fn split_list(text: Option<&str>, sep: &str) -> Vec<String> {
    text.map(|t| {
        t.split(sep)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

/// A CSV reader over bytes that accepts rows of any width (widths are checked by the loaders,
/// so that a short row is a reported issue and not an abort), and that knows the line each
/// record starts on.
pub(crate) struct Rows<'a> {
    reader: csv::Reader<&'a [u8]>,
    bytes: &'a [u8],
    /// Newlines before `scanned` have been counted into `line`.
    scanned: usize,
    line: u64,
}

impl std::fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows").field("line", &self.line).finish()
    }
}

/// A CSV header row: column names trimmed and lower-cased, so that lookups ignore case and
/// stray spaces (list publishers vary both).
#[derive(Debug)]
pub(crate) struct Columns(Vec<String>);

impl Columns {
    /// The index of the column called `name`, in any case.
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|h| h.eq_ignore_ascii_case(name))
    }

    /// How many columns the header has.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

pub(crate) fn csv_reader(bytes: &[u8], delimiter: u8, headers: bool) -> Rows<'_> {
    Rows {
        reader: csv::ReaderBuilder::new()
            .has_headers(headers)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(bytes),
        bytes,
        scanned: 0,
        line: 1,
    }
}

impl Rows<'_> {
    pub(crate) fn byte_headers(&mut self) -> csv::Result<&csv::ByteRecord> {
        self.reader.byte_headers()
    }

    /// The header row, for finding columns by name; `label` names the file in the error.
    pub(crate) fn columns(&mut self, label: &str) -> Result<Columns, LoadError> {
        let headers = self
            .reader
            .byte_headers()
            .map_err(|e| LoadError::new(label, format!("unreadable header: {e}")))?;
        Ok(Columns(
            headers
                .iter()
                .map(|h| decode(h).trim().to_ascii_lowercase())
                .collect(),
        ))
    }

    /// The 1-based line of a byte offset. The csv crate's own line count lags by one on
    /// CRLF files (OFAC's), so lines are counted here from the bytes.
    fn line_at(&mut self, offset: usize) -> u64 {
        // A record's recorded start can sit on the previous row's line terminator.
        let mut start = offset.min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start >= self.scanned {
            self.line += self.bytes[self.scanned..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.scanned = start;
            self.line
        } else {
            1 + self.bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64
        }
    }
}

/// Reads the next record, turning a CSV syntax error into a row issue. Returns the record's
/// line, or `None` at the end.
pub(crate) fn next_record(
    rows: &mut Rows<'_>,
    record: &mut csv::ByteRecord,
    source: &str,
    issues: &mut Vec<RowIssue>,
) -> Option<u64> {
    loop {
        let at = rows.reader.position().byte() as usize;
        match rows.reader.read_byte_record(record) {
            Ok(true) => {
                let offset = record.position().map_or(at, |p| p.byte() as usize);
                return Some(rows.line_at(offset));
            }
            Ok(false) => return None,
            Err(error) => {
                let offset = error.position().map_or(at, |p| p.byte() as usize);
                let line = rows.line_at(offset);
                issues.push(RowIssue {
                    source: source.to_string(),
                    line,
                    reason: format!("unreadable csv row: {error}"),
                });
                // A syntax error the reader cannot resynchronise after ends the file.
                if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                    return None;
                }
            }
        }
    }
}

/// True if the record is blank (a stray empty line).
pub(crate) fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}
