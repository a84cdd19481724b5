//! BIS's Denied Persons List in its own tab-separated layout (header row: Name,
//! Street_Address, City, State, Country, Postal_Code, Effective_Date, Expiration_Date,
//! Standard_Order, Last_Update, Action, FR_Citation). The DPL carries no id; one is derived
//! from the name, effective date and citation.

use super::{
    check_last_row, check_shape, csv_reader, field, is_blank, next_record, trim_file, LastRow,
    LoadError,
};
use crate::country;
use crate::model::{
    content_hash, derived_id, Entry, EntryKind, Format, ListInfo, Loaded, RowIssue,
};

const EXPECTED: &str = "a BIS Denied Persons List (tab-separated, with a `Name` column)";

/// Loads a Denied Persons List file.
pub fn load(label: &str, bytes: &[u8], date: Option<&str>) -> Result<Loaded, LoadError> {
    let body = trim_file(bytes);
    let mut reader = csv_reader(body, b'\t', true);
    let columns = reader.columns(label)?;
    let col = |name: &str| columns.find(name);
    let Some(c_name) = col("Name") else {
        return Err(LoadError::wrong_format(label, EXPECTED, bytes));
    };
    let cols: Vec<Option<usize>> = [
        "Street_Address",
        "City",
        "State",
        "Country",
        "Postal_Code",
        "Effective_Date",
        "FR_Citation",
    ]
    .iter()
    .map(|n| col(n))
    .collect();
    let width = columns.len();
    let mut issues = Vec::new();
    let mut entries = Vec::new();
    let mut record = csv::ByteRecord::new();
    let (mut well_formed, mut misshapen, mut last) = (0usize, 0usize, None);
    while let Some(line) = next_record(&mut reader, &mut record, label, &mut issues) {
        if is_blank(&record) {
            continue;
        }
        last = Some(LastRow {
            line,
            fields: record.len(),
        });
        if record.len() != width {
            misshapen += 1;
            issues.push(RowIssue {
                source: label.to_string(),
                line,
                reason: format!(
                    "expected {width} tab-separated fields, found {}",
                    record.len()
                ),
            });
            continue;
        }
        well_formed += 1;
        let get = |i: usize| cols[i].and_then(|c| field(&record, c));
        let Some(name) = field(&record, c_name) else {
            issues.push(RowIssue {
                source: label.to_string(),
                line,
                reason: "the `Name` field is empty".to_string(),
            });
            continue;
        };
        let effective = get(5).unwrap_or_default();
        let fr = get(6);
        let id = derived_id("DPL", &[&name, &effective, fr.as_deref().unwrap_or("")]);
        let mut entry = Entry::new("DPL", &id, EntryKind::Unknown, &name);
        let address: Vec<String> = [0, 1, 2, 4, 3].iter().filter_map(|&i| get(i)).collect();
        if !address.is_empty() {
            entry.addresses.push(address.join(", "));
        }
        if let Some(c) = get(3) {
            entry.countries.push(country::code_or_text(&c));
        }
        entry.citations = fr.into_iter().collect();
        entries.push(entry);
    }
    check_shape(label, EXPECTED, bytes, well_formed, misshapen)?;
    check_last_row(label, body, b'\t', last, width)?;
    super::require_entries(label, bytes, entries.len())?;
    Ok(Loaded {
        info: ListInfo {
            source: label.to_string(),
            format: Format::BisDpl,
            date: date.map(str::to_string),
            content_hash: content_hash(bytes),
            records: entries.len(),
            skipped: issues.len(),
            warnings: Vec::new(),
        },
        entries,
        issues,
    })
}
