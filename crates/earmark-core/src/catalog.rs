//! The catalog: real items with their datasheet figures and where each figure came from.
//!
//! The catalog is data (`catalog/*.toml` in the repository, embedded in the binary by the CLI).
//! Each entry has a stable id (lowercase, hyphenated: `nvidia-h20`), the [`Spec`] that
//! classification reads, and the provenance a compliance officer needs to trust it: sources,
//! third-party published TPP and classification statements, and notes. An entry whose figures
//! were never published (MI308X) is kept, marked `figures_published = false`, so that a lookup
//! answers "indeterminate: figures unpublished" rather than "unknown item".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::spec::{line_column, toml_error_at, without_bom, Spec};

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogItem {
    /// Stable id: lowercase ASCII letters, digits and hyphens.
    pub id: String,
    pub vendor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_year: Option<u16>,
    /// False when the vendor never published the figures classification needs.
    #[serde(default = "yes")]
    pub figures_published: bool,
    /// A TPP stated by a third party, for cross-checking ours; not used to classify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_tpp: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_tpp_source: Option<String>,
    /// The published TPP does not follow from the vendor's own rates (do not use as truth).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub published_tpp_suspect: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    pub spec: Spec,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(rename = "item")]
    items: Vec<CatalogItem>,
}

/// A catalog that failed to load: which file, where, and why.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}: {message}")]
pub struct CatalogError {
    pub file: String,
    pub message: String,
}

/// Items by id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    items: BTreeMap<String, CatalogItem>,
}

impl Catalog {
    /// Loads catalog files given as `(file name, TOML text)`; ids must be unique across files.
    pub fn from_toml_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, CatalogError> {
        let mut catalog = Self::default();
        for (file, text) in files {
            let err = |message: String| CatalogError {
                file: file.to_owned(),
                message,
            };
            let text = without_bom(text);
            // The path names the entry and field of an error (`item[12].spec.dense_tops`): the
            // specs inside go through the same checks as a spec file.
            let parsed: CatalogFile =
                serde_path_to_error::deserialize(toml::Deserializer::new(text))
                    .map_err(|e| err(toml_error_at(text, &e.path().to_string(), e.inner())))?;
            for item in parsed.items {
                let at = text
                    .find(&format!("id = \"{}\"", item.id))
                    .map(|offset| line_column(text, offset).0);
                let where_ = at.map_or_else(String::new, |line| format!("line {line}: "));
                if !is_valid_id(&item.id) {
                    return Err(err(format!(
                        "{where_}id `{}` must be lowercase letters, digits and hyphens",
                        item.id
                    )));
                }
                item.spec.validate().map_err(|e| {
                    err(format!("{where_}item `{}`: {}", item.id, e.within("spec")))
                })?;
                if let Some(tpp) = item.published_tpp {
                    if !tpp.is_finite() || tpp <= 0.0 {
                        return Err(err(format!(
                            "{where_}item `{}`: field `published_tpp`: must be a finite \
                             number, more than zero",
                            item.id
                        )));
                    }
                }
                if catalog.items.contains_key(&item.id) {
                    return Err(err(format!("{where_}duplicate id `{}`", item.id)));
                }
                catalog.items.insert(item.id.clone(), item);
            }
        }
        Ok(catalog)
    }

    pub fn get(&self, id: &str) -> Option<&CatalogItem> {
        self.items.get(id)
    }

    /// Items in id order.
    pub fn items(&self) -> impl Iterator<Item = &CatalogItem> {
        self.items.values()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Ids close to `id`, for "did you mean" hints.
    pub fn suggest(&self, id: &str) -> Vec<&str> {
        closest_ids(id, self.items.keys().map(String::as_str))
    }
}

/// Up to five of `candidates` sharing the most words (split at anything not a letter or digit)
/// with `needle`; ties go to the shorter id. For "did you mean" hints on any kind of id.
pub fn closest_ids<'a>(
    needle: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let needle = needle.to_ascii_lowercase();
    let words: Vec<&str> = needle
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|k| (words.iter().filter(|w| k.contains(**w)).count(), k))
        .filter(|(n, _)| *n > 0)
        .collect();
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.len().cmp(&b.1.len()))
            .then(a.1.cmp(b.1))
    });
    scored.into_iter().take(5).map(|(_, k)| k).collect()
}

/// Looks up component specs of systems by catalog id.
pub trait ItemLookup {
    fn lookup(&self, id: &str) -> Option<&Spec>;
}

impl ItemLookup for Catalog {
    fn lookup(&self, id: &str) -> Option<&Spec> {
        self.get(id).map(|item| &item.spec)
    }
}

/// A lookup that knows no items, for specs that are self-contained.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLookup;

impl ItemLookup for NoLookup {
    fn lookup(&self, _id: &str) -> Option<&Spec> {
        None
    }
}

/// Ids of catalog items and instruments: lowercase ASCII letters, digits and inner hyphens.
pub(crate) fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
[[item]]
id = "nvidia-h20"
vendor = "NVIDIA"
[item.spec]
name = "NVIDIA H20"
kind = "ic"
dense_tops = { fp8 = 296 }
"#;

    #[test]
    fn loads_and_finds_by_id() {
        let catalog = Catalog::from_toml_files([("a.toml", ONE)]).unwrap();
        assert_eq!(
            catalog.get("nvidia-h20").unwrap().spec.dense_tops["fp8"],
            296.0
        );
        assert_eq!(catalog.suggest("h20"), vec!["nvidia-h20"]);
    }

    #[test]
    fn duplicate_ids_name_file_and_line() {
        let err = Catalog::from_toml_files([("a.toml", ONE), ("b.toml", ONE)]).unwrap_err();
        assert_eq!(err.file, "b.toml");
        assert!(err.message.contains("line 3"), "{}", err.message);
        assert!(
            err.message.contains("duplicate id `nvidia-h20`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn bad_ids_are_rejected() {
        let text = ONE.replace("nvidia-h20", "NVIDIA H20");
        let err = Catalog::from_toml_files([("a.toml", text.as_str())]).unwrap_err();
        assert!(err.message.contains("lowercase"), "{}", err.message);
    }
}
