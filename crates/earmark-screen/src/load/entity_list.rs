//! The BIS Entity List as CSV. Three layouts are read, told apart by their header:
//!
//! - the whole-list extract (`id,name,aliases,country,addresses,federal_register_citation,
//!   date_added,footnote,license_requirement,license_review_policy,source_url`), one row per
//!   entry, aliases and addresses separated by "; ";
//! - BIS's old download layout (`Source List,Entity Number,...,Alternate Name,...`), one row
//!   per alias and address pair, merged here into one entry per name and country;
//! - the old three-column layout (`COUNTRY,NAME,ADDRESS`) that BIS used for the Unverified
//!   List, one row per address, with aliases written inline ("X, a.k.a. Y").
//!
//! Entries named "Address 01" and so on are address-only entries: the list names a building,
//! not a party.

use std::collections::BTreeMap;

use super::{
    check_last_row, check_shape, csv_reader, field, is_blank, license_text, next_record,
    require_entries, split_list, trim_file, LastRow, LoadError,
};
use crate::country;
use crate::model::{
    content_hash, derived_id, Entry, EntryKind, Format, ListInfo, Loaded, RowIssue,
};

const EXPECTED: &str = "an Entity List CSV (`id,name,aliases,...`, BIS's download layout, or \
                        `COUNTRY,NAME,ADDRESS`)";

/// What a layout loader read: the entries, the rows skipped, how many rows had the layout's
/// shape and how many did not, the last row, and how many fields a row needs.
struct Read {
    entries: Vec<Entry>,
    issues: Vec<RowIssue>,
    well_formed: usize,
    misshapen: usize,
    last: Option<LastRow>,
    needed: usize,
}

/// Loads an Entity List CSV in any of the layouts above.
pub fn load(label: &str, bytes: &[u8], date: Option<&str>) -> Result<Loaded, LoadError> {
    let body = trim_file(bytes);
    let mut reader = csv_reader(body, b',', true);
    let columns = reader.columns(label)?;
    let col = |name: &str| columns.find(name);
    let read = if let (Some(_), Some(_), Some(_)) = (col("id"), col("name"), col("aliases")) {
        load_extract(label, &mut reader, &col)
    } else if let (Some(_), Some(_)) = (col("source list"), col("alternate name")) {
        load_grouped(label, &mut reader, &col, Layout::Download)
    } else if let (Some(_), Some(_), Some(_)) = (col("country"), col("name"), col("address")) {
        load_grouped(label, &mut reader, &col, Layout::ThreeColumn)
    } else {
        return Err(LoadError::wrong_format(label, EXPECTED, bytes));
    };
    check_shape(label, EXPECTED, bytes, read.well_formed, read.misshapen)?;
    check_last_row(label, body, b',', read.last, read.needed)?;
    require_entries(label, bytes, read.entries.len())?;
    let Read {
        entries, issues, ..
    } = read;
    Ok(Loaded {
        info: ListInfo {
            source: label.to_string(),
            format: Format::EntityList,
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

/// True for the bare-address entries ("Address 01").
pub fn is_address_name(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    lower
        .strip_prefix("address")
        .map(|rest| {
            let rest = rest.trim();
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())
        })
        .unwrap_or(false)
}

fn load_extract(
    label: &str,
    reader: &mut super::Rows<'_>,
    col: &dyn Fn(&str) -> Option<usize>,
) -> Read {
    let width = reader.byte_headers().map(|h| h.len()).unwrap_or(0);
    let c = |n: &str| col(n);
    let mut issues = Vec::new();
    let mut entries = Vec::new();
    let mut record = csv::ByteRecord::new();
    let (mut well_formed, mut misshapen, mut last) = (0usize, 0usize, None);
    while let Some(line) = next_record(reader, &mut record, label, &mut issues) {
        if is_blank(&record) {
            continue;
        }
        last = Some(LastRow {
            line,
            fields: record.len(),
        });
        let issue = |reason: String| RowIssue {
            source: label.to_string(),
            line,
            reason,
        };
        if record.len() != width {
            misshapen += 1;
            issues.push(issue(format!(
                "expected {width} fields, found {}",
                record.len()
            )));
            continue;
        }
        well_formed += 1;
        let get = |n: &str| c(n).and_then(|i| field(&record, i));
        let Some(id) = get("id") else {
            issues.push(issue("the `id` field is empty".to_string()));
            continue;
        };
        let Some(name) = get("name") else {
            issues.push(issue(format!("entry `{id}` has an empty `name`")));
            continue;
        };
        let kind = if is_address_name(&name) {
            EntryKind::AddressOnly
        } else {
            EntryKind::Entity
        };
        let mut entry = Entry::new("EL", &id, kind, &name);
        entry.aliases = split_list(get("aliases").as_deref(), "; ");
        entry.countries = get("country")
            .map(|c| vec![country::code_or_text(&c)])
            .unwrap_or_default();
        entry.addresses = split_list(get("addresses").as_deref(), "; ");
        entry.citations = split_list(get("federal_register_citation").as_deref(), "; ");
        entry.footnotes = split_list(get("footnote").as_deref(), "; ");
        entry.license_requirement = license_text(get("license_requirement"), &mut entry.footnotes);
        entry.license_policy = license_text(get("license_review_policy"), &mut entry.footnotes);
        // Only a well-formed date is kept: a decision compares it with its own date.
        entry.listed_on = get("date_added").filter(|d| {
            d.len() == 10
                && d.bytes().enumerate().all(|(i, b)| match i {
                    4 | 7 => b == b'-',
                    _ => b.is_ascii_digit(),
                })
        });
        entries.push(entry);
    }
    Read {
        entries,
        issues,
        well_formed,
        misshapen,
        last,
        needed: width,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Download,
    ThreeColumn,
}

/// Splits "X, a.k.a. Y, a.k.a. Z" (and f.k.a.) into the name and its aliases.
fn split_inline_aliases(text: &str) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut rest = text;
    loop {
        let cut = ["a.k.a.", "f.k.a.", "n.k.a."]
            .iter()
            .filter_map(|m| rest.find(m).map(|i| (i, m.len())))
            .min();
        match cut {
            Some((i, len)) => {
                parts.push(rest[..i].to_string());
                rest = &rest[i + len..];
            }
            None => {
                parts.push(rest.to_string());
                break;
            }
        }
    }
    let mut names: Vec<String> = parts
        .into_iter()
        .map(|p| {
            p.trim()
                .trim_matches([',', ';', ' ', '(', ')'])
                .trim()
                .to_string()
        })
        .filter(|p| !p.is_empty())
        .collect();
    if names.is_empty() {
        return (text.trim().to_string(), Vec::new());
    }
    let name = names.remove(0);
    (name, names)
}

fn load_grouped(
    label: &str,
    reader: &mut super::Rows<'_>,
    col: &dyn Fn(&str) -> Option<usize>,
    layout: Layout,
) -> Read {
    let c_name = col("name");
    let c_country = col("country");
    let (c_addr, c_city, c_state, c_postal) = match layout {
        Layout::Download => (
            col("address"),
            col("city"),
            col("state/province"),
            col("postal code"),
        ),
        Layout::ThreeColumn => (col("address"), None, None, None),
    };
    let c_alt = col("alternate name");
    let c_fr = col("federal register notice");
    let c_lr = col("license requirement");
    let c_lp = col("license policy");
    let c_source = col("source list");
    // Rows of these layouts are often narrower than their header (trailing empty columns are
    // left out), so a row is complete when it reaches the last column read.
    let needed = [
        c_name, c_country, c_addr, c_city, c_state, c_postal, c_alt, c_fr, c_lr, c_lp, c_source,
    ]
    .iter()
    .flatten()
    .max()
    .map_or(0, |&i| i + 1);
    let mut issues = Vec::new();
    let mut groups: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut record = csv::ByteRecord::new();
    let (mut well_formed, mut misshapen, mut last) = (0usize, 0usize, None);
    while let Some(line) = next_record(reader, &mut record, label, &mut issues) {
        if is_blank(&record) {
            continue;
        }
        last = Some(LastRow {
            line,
            fields: record.len(),
        });
        let get = |c: Option<usize>| c.and_then(|i| field(&record, i));
        let Some(raw_name) = get(c_name) else {
            misshapen += 1;
            issues.push(RowIssue {
                source: label.to_string(),
                line,
                reason: "the `name` field is empty".to_string(),
            });
            continue;
        };
        well_formed += 1;
        let (name, inline_aliases) = split_inline_aliases(&raw_name);
        let country_text = get(c_country).unwrap_or_default();
        let key = (name.clone(), country_text.clone());
        let list = match layout {
            Layout::ThreeColumn => "UVL".to_string(),
            Layout::Download => get(c_source).unwrap_or_else(|| "EL".to_string()),
        };
        let at = *groups.entry(key).or_insert_with(|| {
            let id = derived_id(&list, &[&name, &country_text]);
            let kind = if is_address_name(&name) {
                EntryKind::AddressOnly
            } else {
                EntryKind::Entity
            };
            let mut e = Entry::new(&list, &id, kind, &name);
            if !country_text.is_empty() {
                e.countries.push(country::code_or_text(&country_text));
            }
            entries.push(e);
            entries.len() - 1
        });
        let entry = &mut entries[at];
        for a in inline_aliases.into_iter().chain(get(c_alt)) {
            if a != entry.name && !entry.aliases.contains(&a) {
                entry.aliases.push(a);
            }
        }
        let address: Vec<String> = [c_addr, c_city, c_state, c_postal]
            .iter()
            .filter_map(|&c| get(c))
            .collect();
        let address = address.join(", ");
        if !address.is_empty() && !entry.addresses.contains(&address) {
            entry.addresses.push(address);
        }
        if let Some(fr) = get(c_fr) {
            if !entry.citations.contains(&fr) {
                entry.citations.push(fr);
            }
        }
        if entry.license_requirement.is_none() {
            entry.license_requirement = license_text(get(c_lr), &mut entry.footnotes);
        }
        if entry.license_policy.is_none() {
            entry.license_policy = license_text(get(c_lp), &mut entry.footnotes);
        }
    }
    Read {
        entries,
        issues,
        well_formed,
        misshapen,
        last,
        needed,
    }
}
