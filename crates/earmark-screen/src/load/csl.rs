//! The trade.gov Consolidated Screening List, in the three shapes it is found in:
//!
//! - CSV, old layout (28 columns, no id) and current layout (with `_id`), told apart by header;
//! - JSON as served by the bulk download (`{"results": [...]}` or a bare array of records);
//! - the compact JSON projection (`entries` with one-letter keys and shared `tables`).
//!
//! All twelve lists come in one file; each entry keeps the short code of its own list.

use serde_json::Value;

use super::{
    check_last_row, check_shape, csv_reader, decode, field, is_blank, license_text, next_record,
    require_entries, split_list, trim_file, LastRow, LoadError,
};
use crate::country;
use crate::model::{derived_id, Entry, EntryKind, Format, ListInfo, Loaded, RowIssue};

/// Loads a CSL file in any of its shapes (decided from the first non-blank byte and, for
/// CSV, the header).
pub fn load(label: &str, bytes: &[u8], date: Option<&str>) -> Result<Loaded, LoadError> {
    let body = trim_file(bytes);
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let (entries, issues, file_date, warnings) = match first {
        Some(b'{' | b'[') => load_json(label, body)?,
        Some(_) => {
            let (e, i) = load_csv(label, body)?;
            (e, i, None, Vec::new())
        }
        None => (Vec::new(), Vec::new(), None, Vec::new()),
    };
    require_entries(label, bytes, entries.len())?;
    let info = ListInfo {
        source: label.to_string(),
        format: Format::Csl,
        date: date.map(str::to_string).or(file_date),
        content_hash: crate::model::content_hash(bytes),
        records: entries.len(),
        skipped: issues.len(),
        warnings,
    };
    Ok(Loaded {
        info,
        entries,
        issues,
    })
}

/// The short code of a CSL source name: "Entity List (EL) - Bureau of Industry and Security"
/// gives EL, "Non-SDN Menu-Based Sanctions List (NS-MBS List) - ..." gives NS-MBS.
pub fn list_code(source: &str) -> String {
    if let (Some(open), Some(close)) = (source.find('('), source.find(')')) {
        if open < close {
            let code = source[open + 1..close].trim();
            let code = code.strip_suffix(" List").unwrap_or(code);
            if !code.is_empty() {
                return code.to_string();
            }
        }
    }
    let short = source.trim();
    if short.len() <= 8 && !short.is_empty() {
        short.to_ascii_uppercase()
    } else {
        "CSL".to_string()
    }
}

fn kind_for(list: &str, type_text: Option<&str>) -> EntryKind {
    match type_text {
        Some(t) if !t.is_empty() => EntryKind::from_source(t),
        _ => match list {
            "DTC" | "DPL" => EntryKind::Unknown,
            _ => EntryKind::Entity,
        },
    }
}

/// Countries of a CSL address string: CSL addresses end with the ISO-2 code.
fn address_country(address: &str) -> Option<String> {
    let tail = address.rsplit(',').next()?.trim();
    if tail.len() == 2 && tail.bytes().all(|b| b.is_ascii_uppercase()) {
        Some(tail.to_string())
    } else {
        country::from_address_tail(address)
    }
}

const EXPECTED_CSV: &str = "a Consolidated Screening List CSV (with `source` and `name` columns)";
const EXPECTED_JSON: &str =
    "a Consolidated Screening List JSON (a `results` array, or `entries` and `tables`)";

fn load_csv(label: &str, body: &[u8]) -> Result<(Vec<Entry>, Vec<RowIssue>), LoadError> {
    let mut reader = csv_reader(body, b',', true);
    let columns = reader.columns(label)?;
    let col = |name: &str| columns.find(name);
    let (Some(c_source), Some(c_name)) = (col("source"), col("name")) else {
        return Err(LoadError::wrong_format(label, EXPECTED_CSV, body));
    };
    let c_id = col("_id").or_else(|| col("id"));
    let c_num = col("entity_number");
    let c_type = col("type");
    let c_programs = col("programs");
    let c_addresses = col("addresses");
    let c_fr = col("federal_register_notice");
    let c_lr = col("license_requirement");
    let c_lp = col("license_policy");
    let c_remarks = col("remarks");
    let c_alt = col("alt_names");
    let c_citizen = col("citizenships");
    let c_nat = col("nationalities");
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
        if record.len() < c_name.max(c_source) + 1 {
            misshapen += 1;
            issues.push(RowIssue {
                source: label.to_string(),
                line,
                reason: format!("expected {width} fields, found {}", record.len()),
            });
            continue;
        }
        well_formed += 1;
        let get = |c: Option<usize>| c.and_then(|i| field(&record, i));
        let Some(name) = field(&record, c_name) else {
            issues.push(RowIssue {
                source: label.to_string(),
                line,
                reason: "the `name` field is empty".to_string(),
            });
            continue;
        };
        let source = field(&record, c_source).unwrap_or_default();
        let list = list_code(&source);
        let fr = get(c_fr);
        let addresses = split_list(get(c_addresses).as_deref(), "; ");
        let source_id = get(c_id)
            .or_else(|| get(c_num).map(|n| format!("{list}-{n}")))
            .unwrap_or_else(|| {
                derived_id(
                    &list,
                    &[&name, fr.as_deref().unwrap_or(""), &addresses.join("; ")],
                )
            });
        let type_text = get(c_type);
        let mut entry = Entry::new(
            &list,
            &source_id,
            kind_for(&list, type_text.as_deref()),
            &name,
        );
        entry.aliases = split_list(get(c_alt).as_deref(), "; ");
        entry.programs = split_list(get(c_programs).as_deref(), "; ");
        for a in &addresses {
            if let Some(c) = address_country(a) {
                push_unique(&mut entry.countries, c);
            }
        }
        for c in split_list(get(c_citizen).as_deref(), "; ")
            .into_iter()
            .chain(split_list(get(c_nat).as_deref(), "; "))
        {
            push_unique(&mut entry.countries, country::code_or_text(&c));
        }
        entry.addresses = addresses;
        entry.citations = fr.into_iter().collect();
        entry.license_requirement = license_text(get(c_lr), &mut entry.footnotes);
        entry.license_policy = license_text(get(c_lp), &mut entry.footnotes);
        entry.remarks = get(c_remarks);
        entries.push(entry);
    }
    check_shape(label, EXPECTED_CSV, body, well_formed, misshapen)?;
    check_last_row(label, body, b',', last, width)?;
    Ok((entries, issues))
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

/// A JSON value as a list of strings: an array of strings, or one string split at "; ".
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) => split_list(Some(s), "; "),
        _ => Vec::new(),
    }
}

fn string(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Entries, skipped records, the file's own date, and warnings about the file as a whole.
type JsonLoad = (Vec<Entry>, Vec<RowIssue>, Option<String>, Vec<String>);

/// Compares the entries a file holds with the count it announces in `field`. Fewer is an
/// error: a list missing entries would answer "no match" for exactly the parties it lost
/// (a saved page of a paged API answer looks like this). More is a warning: nothing is lost,
/// but the file is not what its header says.
fn check_count(
    label: &str,
    field: &str,
    announced: Option<u64>,
    held: usize,
    warnings: &mut Vec<String>,
) -> Result<(), LoadError> {
    let Some(announced) = announced.and_then(|a| usize::try_from(a).ok()) else {
        return Ok(());
    };
    if held < announced {
        return Err(LoadError::MissingEntries {
            source_label: label.to_string(),
            field: field.to_string(),
            announced,
            held,
        });
    }
    if held > announced {
        warnings.push(format!(
            "`{label}` holds {held} entries but its `{field}` announces {announced}"
        ));
    }
    Ok(())
}

/// What a JSON value holds, for a message: its first keys or its kind.
fn json_shape(root: &Value) -> String {
    match root {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().take(5).map(|k| format!("`{k}`")).collect();
            format!("it is JSON with the keys {}", keys.join(", "))
        }
        Value::Array(_) => "it is a JSON array of something other than records".to_string(),
        _ => "it is a single JSON value".to_string(),
    }
}

fn load_json(label: &str, body: &[u8]) -> Result<JsonLoad, LoadError> {
    let text = decode(body);
    let root: Value = serde_json::from_str(&text).map_err(|e| {
        if e.is_eof() {
            LoadError::truncated(
                label,
                format!(
                    "the JSON stops at line {} before it is closed; the entries after that point are lost",
                    e.line()
                ),
            )
        } else {
            LoadError::new(label, format!("not valid json (line {}): {e}", e.line()))
        }
    })?;
    if root.get("entries").is_some() && root.get("tables").is_some() {
        return load_compact(label, &root);
    }
    let records = match &root {
        Value::Array(items) => items,
        Value::Object(map) => match map.get("results") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(LoadError::WrongFormat {
                    source_label: label.to_string(),
                    expected: EXPECTED_JSON.to_string(),
                    found: json_shape(&root),
                })
            }
        },
        _ => {
            return Err(LoadError::WrongFormat {
                source_label: label.to_string(),
                expected: EXPECTED_JSON.to_string(),
                found: json_shape(&root),
            })
        }
    };
    let mut warnings = Vec::new();
    check_count(
        label,
        "total",
        root.get("total").and_then(Value::as_u64),
        records.len(),
        &mut warnings,
    )?;
    let mut entries = Vec::new();
    let mut issues = Vec::new();
    for (n, r) in records.iter().enumerate() {
        let issue = |reason: &str| RowIssue {
            source: label.to_string(),
            line: 0,
            reason: format!("record {}: {reason}", n + 1),
        };
        let Some(obj) = r.as_object() else {
            issues.push(issue("not an object"));
            continue;
        };
        let Some(name) = string(obj.get("name")) else {
            issues.push(issue("no `name`"));
            continue;
        };
        let source = string(obj.get("source")).unwrap_or_default();
        let list = list_code(&source);
        let fr = string(obj.get("federal_register_notice"));
        let mut addresses = Vec::new();
        let mut countries = Vec::new();
        match obj.get("addresses") {
            Some(Value::Array(items)) => {
                for a in items {
                    match a {
                        Value::Object(m) => {
                            let parts: Vec<String> =
                                ["address", "city", "state", "postal_code", "country"]
                                    .iter()
                                    .filter_map(|k| string(m.get(*k)))
                                    .collect();
                            if let Some(c) = string(m.get("country")) {
                                push_unique(&mut countries, country::code_or_text(&c));
                            }
                            if !parts.is_empty() {
                                addresses.push(parts.join(", "));
                            }
                        }
                        Value::String(s) => addresses.push(s.trim().to_string()),
                        _ => {}
                    }
                }
            }
            other => addresses = strings(other),
        }
        for a in &addresses {
            if let Some(c) = address_country(a) {
                push_unique(&mut countries, c);
            }
        }
        for key in ["citizenships", "nationalities"] {
            for c in strings(obj.get(key)) {
                push_unique(&mut countries, country::code_or_text(&c));
            }
        }
        let source_id = string(obj.get("_id"))
            .or_else(|| string(obj.get("id")))
            .or_else(|| string(obj.get("entity_number")).map(|e| format!("{list}-{e}")))
            .unwrap_or_else(|| derived_id(&list, &[&name, fr.as_deref().unwrap_or("")]));
        let type_text = string(obj.get("type"));
        let mut entry = Entry::new(
            &list,
            &source_id,
            kind_for(&list, type_text.as_deref()),
            &name,
        );
        entry.aliases = strings(obj.get("alt_names"));
        entry.programs = strings(obj.get("programs"));
        entry.countries = countries;
        entry.addresses = addresses;
        entry.citations = fr.into_iter().collect();
        entry.license_requirement =
            license_text(string(obj.get("license_requirement")), &mut entry.footnotes);
        entry.license_policy =
            license_text(string(obj.get("license_policy")), &mut entry.footnotes);
        entry.remarks = string(obj.get("remarks"));
        entries.push(entry);
    }
    let date = root
        .get("sourceGeneratedAt")
        .and_then(Value::as_str)
        .map(|d| d.chars().take(10).collect());
    Ok((entries, issues, date, warnings))
}

/// The compact projection: one-letter keys, with `s`, `lr`, `lp`, `pg` and `u` indexing into
/// `tables`.
fn load_compact(label: &str, root: &Value) -> Result<JsonLoad, LoadError> {
    let table = |name: &str| -> Vec<String> { strings(root.pointer(&format!("/tables/{name}"))) };
    let sources = table("sources");
    let requirements = table("licenceRequirements");
    let policies = table("licencePolicies");
    let programmes = table("programmes");
    let Some(Value::Array(records)) = root.get("entries") else {
        return Err(LoadError::new(label, "`entries` is not an array"));
    };
    let mut warnings = Vec::new();
    check_count(
        label,
        "entryCount",
        root.get("entryCount").and_then(Value::as_u64),
        records.len(),
        &mut warnings,
    )?;
    if let Some(Value::Object(by_source)) = root.get("countsBySource") {
        for (source, announced) in by_source {
            let Some(i) = sources.iter().position(|s| s == source) else {
                check_count(
                    label,
                    &format!("countsBySource` for `{source}"),
                    announced.as_u64(),
                    0,
                    &mut warnings,
                )?;
                continue;
            };
            let held = records
                .iter()
                .filter(|r| r.get("s").and_then(Value::as_u64) == Some(i as u64))
                .count();
            check_count(
                label,
                &format!("countsBySource` for `{source}"),
                announced.as_u64(),
                held,
                &mut warnings,
            )?;
        }
    }
    let lookup = |t: &[String], v: Option<&Value>| -> Option<String> {
        let i = usize::try_from(v?.as_u64()?).ok()?;
        t.get(i).cloned()
    };
    let mut entries = Vec::with_capacity(records.len());
    let mut issues = Vec::new();
    for (n, r) in records.iter().enumerate() {
        let issue = |reason: &str| RowIssue {
            source: label.to_string(),
            line: 0,
            reason: format!("entry {}: {reason}", n + 1),
        };
        let Some(obj) = r.as_object() else {
            issues.push(issue("not an object"));
            continue;
        };
        let Some(name) = string(obj.get("n")) else {
            issues.push(issue("no name (`n`)"));
            continue;
        };
        let Some(source) = lookup(&sources, obj.get("s")) else {
            issues.push(issue(
                "source index `s` is missing or outside `tables.sources`",
            ));
            continue;
        };
        let list = list_code(&source);
        let fr = string(obj.get("fr"));
        let source_id = match string(obj.get("e")) {
            Some(e) => format!("{list}-{e}"),
            None => derived_id(&list, &[&name, fr.as_deref().unwrap_or("")]),
        };
        let type_text = string(obj.get("t"));
        let mut entry = Entry::new(
            &list,
            &source_id,
            kind_for(&list, type_text.as_deref()),
            &name,
        );
        entry.aliases = strings(obj.get("a"));
        entry.countries = strings(obj.get("c"))
            .iter()
            .map(|c| country::code_or_text(c))
            .collect();
        entry.programs = lookup(&programmes, obj.get("pg"))
            .map(|p| split_list(Some(&p), "; "))
            .unwrap_or_default();
        entry.citations = fr.into_iter().collect();
        entry.license_requirement =
            license_text(lookup(&requirements, obj.get("lr")), &mut entry.footnotes);
        entry.license_policy = license_text(lookup(&policies, obj.get("lp")), &mut entry.footnotes);
        entries.push(entry);
    }
    let date = root
        .get("sourceGeneratedAt")
        .and_then(Value::as_str)
        .map(|d| d.chars().take(10).collect());
    Ok((entries, issues, date, warnings))
}
