//! OFAC's legacy CSV layout, used both for the SDN list (sdn.csv, alt.csv, add.csv,
//! sdn_comments.csv) and the consolidated non-SDN list (cons_prim.csv, cons_alt.csv, ...).
//!
//! No header row; `-0-` marks an empty field; each file ends with Ctrl-Z; people are written
//! "SURNAME, Given". Remarks that overflow the primary file continue in the comments file.
//! Weak aliases appear only inside the remarks ("a.k.a. 'BNC'"), and are taken from there.

use std::collections::BTreeMap;

use super::{
    check_last_row, check_shape, csv_reader, field, has_eof_marker, is_blank, next_record,
    split_list, trim_file, LastRow, LoadError,
};
use crate::country;
use crate::model::{ContentHash, Entry, EntryKind, Format, ListInfo, Loaded, RowIssue};

/// The files of one OFAC list. Only the primary file is required.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfacFiles<'a> {
    /// (label, bytes) of sdn.csv or cons_prim.csv.
    pub primary: (&'a str, &'a [u8]),
    pub aliases: Option<(&'a str, &'a [u8])>,
    pub addresses: Option<(&'a str, &'a [u8])>,
    pub comments: Option<(&'a str, &'a [u8])>,
}

/// Loads an OFAC list in the legacy CSV layout. `consolidated` selects the list code: SDN, or
/// the non-SDN programme of each row (NS-PLC, SSI, CMIC, ...).
pub fn load(
    files: &OfacFiles<'_>,
    consolidated: bool,
    date: Option<&str>,
) -> Result<Loaded, LoadError> {
    let (label, primary) = files.primary;
    let expected = if consolidated {
        "an OFAC consolidated list CSV (cons_prim.csv)"
    } else {
        "an OFAC SDN CSV (sdn.csv)"
    };
    let mut warnings = Vec::new();
    let mut issues = Vec::new();
    let mut hash = ContentHash::default();
    hash.update(primary);
    let mut entries: BTreeMap<u64, Entry> = BTreeMap::new();
    let mut order: Vec<u64> = Vec::new();
    let mut remarks: BTreeMap<u64, String> = BTreeMap::new();

    let bytes = trim_file(primary);
    let mut reader = csv_reader(bytes, b',', false);
    let mut record = csv::ByteRecord::new();
    let (mut well_formed, mut misshapen) = (0usize, 0usize);
    let mut last = None;
    while let Some(line) = next_record(&mut reader, &mut record, label, &mut issues) {
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
        if record.len() != 12 {
            misshapen += 1;
            issues.push(issue(format!(
                "expected 12 fields (ent_num, name, type, programs, ...), found {}",
                record.len()
            )));
            continue;
        }
        let Some(ent_num) = parse_ent_num(&record) else {
            misshapen += 1;
            issues.push(issue(format!(
                "ent_num `{}` is not a number",
                field(&record, 0).unwrap_or_default()
            )));
            continue;
        };
        well_formed += 1;
        let Some(name) = field(&record, 1) else {
            issues.push(issue(format!("entry {ent_num} has no name")));
            continue;
        };
        if entries.contains_key(&ent_num) {
            issues.push(issue(format!(
                "ent_num {ent_num} appears twice; the first is kept"
            )));
            continue;
        }
        let kind = match field(&record, 2) {
            None => EntryKind::Entity,
            Some(t) => EntryKind::from_source(&t),
        };
        let programs = split_programs(field(&record, 3).as_deref());
        let list = if consolidated {
            consolidated_list_code(&programs)
        } else {
            "SDN".to_string()
        };
        let mut entry = Entry::new(&list, &ent_num.to_string(), kind, &name);
        entry.programs = programs;
        if let Some(r) = field(&record, 11) {
            remarks.insert(ent_num, r);
        }
        order.push(ent_num);
        entries.insert(ent_num, entry);
    }
    check_shape(label, expected, primary, well_formed, misshapen)?;
    if has_eof_marker(primary) {
        // OFAC ends every file with Ctrl-Z: with it there, the file was read to its end.
    } else {
        check_last_row(label, bytes, b',', last, 12)?;
        if let Some(last) = last {
            warnings.push(format!(
                "`{label}` does not end with OFAC's end-of-file marker (Ctrl-Z): if it was cut \
                 at a row boundary, the entries after line {} are missing; check its {} entries \
                 against OFAC's count",
                last.line, well_formed
            ));
        }
    }
    super::require_entries(label, primary, entries.len())?;

    if let Some((clabel, cbytes)) = files.comments {
        hash.update(cbytes);
        let cbody = trim_file(cbytes);
        let mut reader = csv_reader(cbody, b',', false);
        let (mut well_formed, mut misshapen, mut last) = (0usize, 0usize, None);
        while let Some(line) = next_record(&mut reader, &mut record, clabel, &mut issues) {
            if is_blank(&record) {
                continue;
            }
            last = Some(LastRow {
                line,
                fields: record.len(),
            });
            match (parse_ent_num(&record), record.len()) {
                (Some(ent_num), 2) => {
                    well_formed += 1;
                    let more = field(&record, 1).unwrap_or_default();
                    remarks.entry(ent_num).or_default().push_str(&more);
                }
                _ => {
                    misshapen += 1;
                    issues.push(RowIssue {
                        source: clabel.to_string(),
                        line,
                        reason: "expected 2 fields (ent_num, remarks)".to_string(),
                    });
                }
            }
        }
        // A comments file may be empty: few entries overflow their remarks.
        if well_formed + misshapen > 0 {
            check_shape(
                clabel,
                "an OFAC remarks overflow file (sdn_comments.csv)",
                cbytes,
                well_formed,
                misshapen,
            )?;
        }
        if !has_eof_marker(cbytes) {
            check_last_row(clabel, cbody, b',', last, 2)?;
        }
    }

    if let Some((alabel, abytes)) = files.aliases {
        hash.update(abytes);
        let abody = trim_file(abytes);
        let mut reader = csv_reader(abody, b',', false);
        let (mut well_formed, mut misshapen, mut last) = (0usize, 0usize, None);
        while let Some(line) = next_record(&mut reader, &mut record, alabel, &mut issues) {
            if is_blank(&record) {
                continue;
            }
            last = Some(LastRow {
                line,
                fields: record.len(),
            });
            let issue = |reason: String| RowIssue {
                source: alabel.to_string(),
                line,
                reason,
            };
            if record.len() != 5 {
                misshapen += 1;
                issues.push(issue(format!(
                    "expected 5 fields (ent_num, alt_num, type, name, remarks), found {}",
                    record.len()
                )));
                continue;
            }
            let Some(ent_num) = parse_ent_num(&record) else {
                misshapen += 1;
                issues.push(issue("ent_num is not a number".to_string()));
                continue;
            };
            well_formed += 1;
            let Some(alias) = field(&record, 3) else {
                issues.push(issue(format!("alias of entry {ent_num} has no name")));
                continue;
            };
            match entries.get_mut(&ent_num) {
                Some(entry) => push_unique(&mut entry.aliases, alias),
                None => issues.push(issue(format!(
                    "alias `{alias}` names entry {ent_num}, which is not in the primary file"
                ))),
            }
        }
        check_shape(
            alabel,
            "an OFAC alias file (alt.csv)",
            abytes,
            well_formed,
            misshapen,
        )?;
        if !has_eof_marker(abytes) {
            check_last_row(alabel, abody, b',', last, 5)?;
        }
    }

    if let Some((dlabel, dbytes)) = files.addresses {
        hash.update(dbytes);
        let dbody = trim_file(dbytes);
        let mut reader = csv_reader(dbody, b',', false);
        let (mut well_formed, mut misshapen, mut last) = (0usize, 0usize, None);
        while let Some(line) = next_record(&mut reader, &mut record, dlabel, &mut issues) {
            if is_blank(&record) {
                continue;
            }
            last = Some(LastRow {
                line,
                fields: record.len(),
            });
            let issue = |reason: String| RowIssue {
                source: dlabel.to_string(),
                line,
                reason,
            };
            if record.len() != 6 {
                misshapen += 1;
                issues.push(issue(format!(
                    "expected 6 fields (ent_num, add_num, address, city, country, remarks), found {}",
                    record.len()
                )));
                continue;
            }
            let Some(ent_num) = parse_ent_num(&record) else {
                misshapen += 1;
                issues.push(issue("ent_num is not a number".to_string()));
                continue;
            };
            well_formed += 1;
            let Some(entry) = entries.get_mut(&ent_num) else {
                issues.push(issue(format!(
                    "address names entry {ent_num}, which is not in the primary file"
                )));
                continue;
            };
            let parts: Vec<String> = [2, 3, 4]
                .iter()
                .filter_map(|&i| field(&record, i))
                .collect();
            if let Some(c) = field(&record, 4) {
                push_unique(&mut entry.countries, country::code_or_text(&c));
            }
            if !parts.is_empty() {
                push_unique(&mut entry.addresses, parts.join(", "));
            }
        }
        check_shape(
            dlabel,
            "an OFAC address file (add.csv)",
            dbytes,
            well_formed,
            misshapen,
        )?;
        if !has_eof_marker(dbytes) {
            check_last_row(dlabel, dbody, b',', last, 6)?;
        }
    }

    for (ent_num, text) in remarks {
        if let Some(entry) = entries.get_mut(&ent_num) {
            for alias in remark_aliases(&text) {
                push_unique(&mut entry.aliases, alias);
            }
            entry.remarks = Some(text);
        }
    }

    let entries: Vec<Entry> = order.iter().filter_map(|k| entries.remove(k)).collect();
    let info = ListInfo {
        source: label.to_string(),
        format: if consolidated {
            Format::OfacCons
        } else {
            Format::Ofac
        },
        date: date.map(str::to_string),
        content_hash: hash.finish(),
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

fn parse_ent_num(record: &csv::ByteRecord) -> Option<u64> {
    field(record, 0)?.parse().ok()
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// OFAC writes several programmes as "SDGT] [IFSR".
fn split_programs(text: Option<&str>) -> Vec<String> {
    split_list(text, "] [")
        .into_iter()
        .map(|p| p.trim_matches(['[', ']']).trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The short list code of a consolidated (non-SDN) entry, from its programme.
fn consolidated_list_code(programs: &[String]) -> String {
    let has = |p: &str| programs.iter().any(|x| x.contains(p));
    if has("CMIC") {
        "CMIC".to_string()
    } else if has("PLC") {
        "PLC".to_string()
    } else if has("MBS") {
        "NS-MBS".to_string()
    } else if has("CAPTA") {
        "CAP".to_string()
    } else if has("EO13662") || has("SSI") {
        "SSI".to_string()
    } else {
        "NON-SDN".to_string()
    }
}

/// The aliases written inside the remarks: "a.k.a. 'X'", "f.k.a. 'Y'", "n.k.a. 'Z'".
pub(crate) fn remark_aliases(remarks: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["a.k.a. '", "f.k.a. '", "n.k.a. '"] {
        let mut rest = remarks;
        while let Some(start) = rest.find(marker) {
            let after = &rest[start + marker.len()..];
            // The name ends at a quote followed by the end, a semicolon or a full stop; a quote
            // inside a name (TOSE'E) is followed by a letter.
            let end = after
                .char_indices()
                .find(|&(i, c)| {
                    c == '\'' && {
                        let next = after[i + 1..].chars().next();
                        matches!(next, None | Some(';' | '.' | ',' | ')' | ' '))
                    }
                })
                .map(|(i, _)| i);
            let Some(end) = end else { break };
            let alias = after[..end].trim();
            if !alias.is_empty() && !out.iter().any(|a: &String| a == alias) {
                out.push(alias.to_string());
            }
            rest = &after[end..];
        }
    }
    out
}
