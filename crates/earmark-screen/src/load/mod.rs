//! Loaders, one module per published format. Each takes the file's bytes and a source label
//! (used in messages), keeps every row it can read, and reports the rest as [`RowIssue`]s with
//! the line and the reason: one bad row never stops a load.
//!
//! A file as a whole fails closed: one that yields no records, that is another format (most
//! of its rows unreadable, a header of another list), that is cut short (its last row cut,
//! an OFAC file without its end marker and an incomplete last row, JSON that stops) or that
//! holds fewer entries than it announces is a [`LoadError`], never a shorter list: a shorter
//! list answers "no match" for exactly the parties it lost. Doubts that lose nothing go to
//! [`crate::ListInfo::warnings`].
//!
//! Text is UTF-8 where it is valid and Windows-1252 where it is not, decided field by field,
//! because the government files mix the two (OFAC's address files, the old Unverified List).

pub mod csl;
pub mod dpl;
pub mod entity_list;
pub mod names;
pub mod ofac;

use crate::model::RowIssue;

/// An error that stops a load as a whole. Each of these would otherwise have become a list with
/// fewer entries than its publisher put in it, and so a "no match" that means nothing.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum LoadError {
    #[error("{source_label}: {reason}")]
    Unreadable {
        source_label: String,
        reason: String,
    },
    /// Nothing in the file could be read as an entry.
    #[error("`{source_label}` holds no records: {found}")]
    NoRecords { source_label: String, found: String },
    /// The file is in some other format than the loader reads (a JSON file given as OFAC CSV).
    #[error("`{source_label}` is not {expected}: {found}")]
    WrongFormat {
        source_label: String,
        expected: String,
        found: String,
    },
    /// The file stops in the middle of a record: entries at its end are lost.
    #[error("`{source_label}` is cut short: {detail}")]
    Truncated {
        source_label: String,
        detail: String,
    },
    /// The file announces more entries than it holds.
    #[error(
        "`{source_label}` holds {held} of the {announced} entries its `{field}` announces: {} are missing",
        announced - held
    )]
    MissingEntries {
        source_label: String,
        field: String,
        announced: usize,
        held: usize,
    },
}

impl LoadError {
    pub(crate) fn new(source: &str, reason: impl Into<String>) -> LoadError {
        LoadError::Unreadable {
            source_label: source.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn wrong_format(source: &str, expected: &str, bytes: &[u8]) -> LoadError {
        LoadError::WrongFormat {
            source_label: source.to_string(),
            expected: expected.to_string(),
            found: describe(bytes),
        }
    }

    pub(crate) fn truncated(source: &str, detail: impl Into<String>) -> LoadError {
        LoadError::Truncated {
            source_label: source.to_string(),
            detail: detail.into(),
        }
    }
}

/// What a file looks like, for telling the user what they gave a loader instead of its format:
/// "it looks like JSON", "its rows have 5 fields, like OFAC's alt.csv".
pub fn describe(bytes: &[u8]) -> String {
    let body = trim_file(bytes);
    let Some(start) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return "the file is empty".to_string();
    };
    let body = &body[start..];
    let head = &body[..body.len().min(4096)];
    if head.contains(&0) || head.iter().filter(|b| is_binary_control(**b)).count() * 20 > head.len()
    {
        return "it looks like a binary file, not text".to_string();
    }
    match body[0] {
        b'{' | b'[' => return "it looks like JSON".to_string(),
        b'<' => return "it looks like HTML or XML".to_string(),
        _ => {}
    }
    let first_line = decode(body.split(|&b| b == b'\n').next().unwrap_or_default());
    let first_line = first_line.trim_end_matches('\r');
    let lower = first_line.to_ascii_lowercase();
    let tabs = first_line.matches('\t').count();
    let commas = first_line.matches(',').count();
    if tabs > commas {
        return format!(
            "it looks like a tab-separated file with columns {}",
            quoted_start(first_line.split('\t'))
        );
    }
    let mut reader = csv_reader(body, b',', false);
    let mut record = csv::ByteRecord::new();
    if matches!(reader.reader.read_byte_record(&mut record), Ok(true))
        && field(&record, 0).is_some_and(|f| f.parse::<u64>().is_ok())
    {
        let like = match record.len() {
            12 => " (the width of OFAC's sdn.csv and cons_prim.csv)",
            5 => " (the width of OFAC's alt.csv)",
            6 => " (the width of OFAC's add.csv)",
            2 => " (the width of OFAC's comments file)",
            _ => "",
        };
        return format!(
            "it looks like a headerless CSV whose first row has {} fields{like}",
            record.len()
        );
    }
    if lower.contains("source") && lower.contains("name") && lower.contains("alt_names") {
        return "it looks like a Consolidated Screening List CSV".to_string();
    }
    if lower.starts_with("id,name,aliases") {
        return "it looks like an Entity List CSV".to_string();
    }
    if commas > 0 {
        return format!(
            "it looks like a CSV with columns {}",
            quoted_start(first_line.split(','))
        );
    }
    let shown: String = first_line.chars().take(60).collect();
    format!("it is text whose first line is `{shown}`")
}

fn is_binary_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A)
}

/// The first few column names, each in backticks.
fn quoted_start<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names
        .map(|n| format!("`{}`", n.trim().trim_matches('"')))
        .collect();
    let shown = names.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 4 {
        format!("{shown}, ...")
    } else {
        shown
    }
}

/// The last record a loader read: where it starts and how many fields it has. A file cut
/// short shows itself there.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LastRow {
    pub(crate) line: u64,
    pub(crate) fields: usize,
}

/// Refuses a CSV file whose last row is cut: it ends inside a quoted field, or the last row
/// has fewer fields than the rows are meant to have. Either way the entries that followed in
/// the published file are lost, and a list missing entries must not be screened against.
pub(crate) fn check_last_row(
    label: &str,
    body: &[u8],
    delimiter: u8,
    last: Option<LastRow>,
    expected_fields: usize,
) -> Result<(), LoadError> {
    let Some(last) = last else { return Ok(()) };
    if ends_inside_quotes(body, delimiter) {
        return Err(LoadError::truncated(
            label,
            format!(
                "the last row (line {}) ends inside a quoted field; it and any rows after it are lost",
                last.line
            ),
        ));
    }
    if last.fields < expected_fields {
        return Err(LoadError::truncated(
            label,
            format!(
                "the last row (line {}) has {} of its {expected_fields} fields; it and any rows \
                 after it are lost",
                last.line, last.fields
            ),
        ));
    }
    Ok(())
}

/// True if the CSV text ends inside a quoted field (an unterminated quote), following the
/// quoting rules the csv reader applies: a quote opens a quoted field only at the start of a
/// field, and a doubled quote inside one is a literal quote.
pub(crate) fn ends_inside_quotes(body: &[u8], delimiter: u8) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    for &b in body {
        state = match (state, b) {
            (State::FieldStart, b'"') => State::Quoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, b'\n' | b'\r') => State::FieldStart,
            (_, b) if b == delimiter => State::FieldStart,
            _ => State::Unquoted,
        };
    }
    state == State::Quoted
}

/// Refuses a CSV file most of whose rows could not be read as the format: it is some other
/// file, and the few rows that happened to fit are no list. `bad` counts rows of the wrong
/// shape only (field counts, ids), not rows that are well formed but refer to nothing.
pub(crate) fn check_shape(
    label: &str,
    expected: &str,
    bytes: &[u8],
    good: usize,
    bad: usize,
) -> Result<(), LoadError> {
    if good == 0 && bad == 0 {
        return Err(LoadError::NoRecords {
            source_label: label.to_string(),
            found: describe_empty(bytes),
        });
    }
    if bad > good {
        return Err(LoadError::wrong_format(label, expected, bytes));
    }
    Ok(())
}

/// Why a file gave no rows: empty, only a header, or something else.
fn describe_empty(bytes: &[u8]) -> String {
    let body = trim_file(bytes);
    if body.iter().all(u8::is_ascii_whitespace) {
        "the file is empty".to_string()
    } else if !body.contains(&b'\n') {
        "the file has one line and no rows under it".to_string()
    } else {
        "no row in it could be read as an entry".to_string()
    }
}

/// Refuses a load that kept nothing: an empty list would screen every name as "no match".
pub(crate) fn require_entries(label: &str, bytes: &[u8], kept: usize) -> Result<(), LoadError> {
    if kept == 0 {
        return Err(LoadError::NoRecords {
            source_label: label.to_string(),
            found: describe_empty(bytes),
        });
    }
    Ok(())
}

/// Entity List license texts carry the Supplement No. 4 footnote markers glued to them
/// ("744.11 of the EAR 2", "734.9(g),3 746.8(a)(3)"). A marker is a single digit 1 to 5 right
/// after a closing parenthesis or the word EAR (a comma and spaces between allowed), and
/// followed by a space, comma, full stop, semicolon or the end. Returns the text without the
/// markers and the footnotes they stood for (`FN2`), in order of appearance.
pub fn strip_footnote_markers(text: &str) -> (String, Vec<String>) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut footnotes: Vec<String> = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if ('1'..='5').contains(&c) && is_marker(&chars, i) {
            let note = format!("FN{c}");
            if !footnotes.contains(&note) {
                footnotes.push(note);
            }
            // "(e) 1 and": dropping the digit would leave two spaces.
            if out.ends_with(' ') && chars.get(i + 1) == Some(&' ') {
                out.pop();
            }
            continue;
        }
        out.push(c);
    }
    (out.trim_end().to_string(), footnotes)
}

/// A license text without its footnote markers; the footnotes they stood for are added to
/// `footnotes` (once each), so that the text reads as the regulation does and no footnote is
/// lost.
pub(crate) fn license_text(text: Option<String>, footnotes: &mut Vec<String>) -> Option<String> {
    let (clean, notes) = strip_footnote_markers(&text?);
    for n in notes {
        if !footnotes.contains(&n) {
            footnotes.push(n);
        }
    }
    (!clean.is_empty()).then_some(clean)
}

fn is_marker(chars: &[char], i: usize) -> bool {
    let next_ok = matches!(chars.get(i + 1), None | Some(' ' | ',' | '.' | ';'));
    if !next_ok {
        return false;
    }
    let mut j = i;
    while j > 0 && chars[j - 1] == ' ' {
        j -= 1;
    }
    if j > 0 && chars[j - 1] == ',' {
        j -= 1;
    }
    while j > 0 && chars[j - 1] == ' ' {
        j -= 1;
    }
    let before = &chars[..j];
    if before.last() == Some(&')') {
        return true;
    }
    before.ends_with(&['E', 'A', 'R'])
        && !(before.len() > 3 && before[before.len() - 4].is_alphanumeric())
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

/// True if the file ends with OFAC's end-of-file marker (Ctrl-Z), trailing blanks aside.
pub(crate) fn has_eof_marker(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .rev()
        .find(|b| !matches!(b, b'\r' | b'\n' | b' ' | b'\t'))
        == Some(&0x1A)
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
