//! The native-name dataset (data/names/): Chinese legal, former and brand names of listed
//! entities, each with the public source it came from. No list publishes these names, and
//! orders and customs papers use them; attached to the entries they name, they let a query in
//! characters (or their pinyin, derived by the normaliser) find the listed entry.
//!
//! The file is CSV with a first line `# version: V` and the columns `listed_name`, `country`,
//! `native_name`, `name_kind` (legal, former, brand), `translation` (true when the name is
//! only a translation of the listed one, which weighs it lower), `source_url` and
//! `source_says`. A row ties its native name to every entry of the lists loaded that has
//! `listed_name` as its name or an alias (compared after normalisation), so the dataset does
//! not depend on one list's ids.

use serde::Serialize;

use super::LoadError;
use crate::model::{content_hash, RowIssue};

/// What a native name is to the entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    /// The registered name.
    Legal,
    /// A registered name the entity had before.
    Former,
    /// A short or brand name in common use.
    Brand,
}

/// One row of the dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NativeNameRow {
    pub listed_name: String,
    pub country: String,
    pub native_name: String,
    pub kind: NameKind,
    pub translation: bool,
    pub source_url: String,
    pub source_says: String,
    /// 1-based line in the file.
    pub line: u64,
}

/// The loaded dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameSet {
    /// Where it came from, as the caller named it.
    pub source: String,
    pub version: String,
    /// `sha256:` and the hex digest of the bytes loaded.
    pub content_hash: String,
    pub rows: Vec<NativeNameRow>,
    pub issues: Vec<RowIssue>,
}

const COLUMNS: [&str; 7] = [
    "listed_name",
    "country",
    "native_name",
    "name_kind",
    "translation",
    "source_url",
    "source_says",
];

/// Loads the dataset. A row with an empty or unreadable field is reported with its line and
/// field and skipped; a file without the version line or the columns is refused.
pub fn load(label: &str, bytes: &[u8]) -> Result<NameSet, LoadError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| LoadError::new(label, format!("not UTF-8 text: {e}")))?;
    let mut lines = text.splitn(2, '\n');
    let first = lines.next().unwrap_or_default().trim();
    let version = first
        .strip_prefix("# version:")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            LoadError::new(
                label,
                format!(
                    "line 1: expected `# version: V`, found `{}`",
                    first.chars().take(60).collect::<String>()
                ),
            )
        })?
        .to_string();
    let body = lines.next().unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(body.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| LoadError::new(label, format!("line 2: unreadable header: {e}")))?
        .clone();
    let mut index = [0usize; 7];
    for (i, name) in COLUMNS.iter().enumerate() {
        index[i] = header
            .iter()
            .position(|h| h.trim() == *name)
            .ok_or_else(|| {
                LoadError::new(label, format!("line 2: the header has no `{name}` column"))
            })?;
    }
    let mut rows = Vec::new();
    let mut issues = Vec::new();
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() + 1);
                issues.push(RowIssue {
                    source: label.to_string(),
                    line,
                    reason: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        // The version line comes before the CSV body.
        let line = rec.position().map_or(0, |p| p.line() + 1);
        let field = |i: usize| rec.get(index[i]).map(str::trim).unwrap_or_default();
        let issue = |reason: String| RowIssue {
            source: label.to_string(),
            line,
            reason,
        };
        if let Some(empty) = (0..7).find(|&i| field(i).is_empty()) {
            issues.push(issue(format!("field `{}` is empty", COLUMNS[empty])));
            continue;
        }
        let kind = match field(3) {
            "legal" => NameKind::Legal,
            "former" => NameKind::Former,
            "brand" => NameKind::Brand,
            other => {
                issues.push(issue(format!(
                    "field `name_kind`: `{other}` is not legal, former or brand"
                )));
                continue;
            }
        };
        let translation = match field(4) {
            "true" => true,
            "false" => false,
            other => {
                issues.push(issue(format!(
                    "field `translation`: `{other}` is not true or false"
                )));
                continue;
            }
        };
        if !field(5).starts_with("http") {
            issues.push(issue(format!(
                "field `source_url`: `{}` is not a URL: every name needs its public source",
                field(5)
            )));
            continue;
        }
        rows.push(NativeNameRow {
            listed_name: field(0).to_string(),
            country: field(1).to_string(),
            native_name: field(2).to_string(),
            kind,
            translation,
            source_url: field(5).to_string(),
            source_says: field(6).to_string(),
            line,
        });
    }
    if rows.is_empty() {
        return Err(LoadError::NoRecords {
            source_label: label.to_string(),
            found: format!("{} rows skipped", issues.len()),
        });
    }
    Ok(NameSet {
        source: label.to_string(),
        version,
        content_hash: content_hash(bytes),
        rows,
        issues,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]
    use super::*;

    #[test]
    fn bad_rows_are_named_and_skipped() {
        let text = "# version: 1\nlisted_name,country,native_name,name_kind,translation,source_url,source_says\n\
                    A Co.,CN,甲公司,legal,false,https://example.org/a,a says\n\
                    B Co.,CN,乙公司,nickname,false,https://example.org/b,b says\n\
                    C Co.,CN,丙公司,legal,false,,c says\n";
        let set = load("names.csv", text.as_bytes()).unwrap();
        assert_eq!(set.rows.len(), 1);
        assert_eq!(set.rows[0].line, 3);
        assert_eq!(set.issues.len(), 2);
        assert_eq!(set.issues[0].line, 4);
        assert!(set.issues[0].reason.contains("`name_kind`"));
        assert!(set.issues[1].reason.contains("`source_url`"));
        assert!(load("x.csv", b"listed_name\n").is_err());
    }
}
