//! What changed between two loads of a list: entries added, removed and changed, matched by
//! list code and source id. A source that gives its entries no ids (the DPL, the old CSL CSV)
//! gets ids derived from their content (`model::derived_id`), so there a changed entry shows
//! as one removed and one added.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::Entry;

/// An entry, as a diff names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryRef {
    pub list: String,
    pub source_id: String,
    pub name: String,
}

/// An entry on both sides whose content differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedEntry {
    pub list: String,
    pub source_id: String,
    pub name: String,
    /// The fields that differ (`name`, `aliases`, `countries`, ...).
    pub fields: Vec<&'static str>,
}

/// Entries added, removed and changed from `old` to `new`, each sorted by list and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ListDiff {
    pub added: Vec<EntryRef>,
    pub removed: Vec<EntryRef>,
    pub changed: Vec<ChangedEntry>,
    /// Entries the same on both sides.
    pub unchanged: usize,
}

fn entry_ref(e: &Entry) -> EntryRef {
    EntryRef {
        list: e.list.clone(),
        source_id: e.source_id.clone(),
        name: e.name.clone(),
    }
}

fn sorted(v: &[String]) -> Vec<&str> {
    let mut s: Vec<&str> = v.iter().map(|x| x.trim()).collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// The fields of two entries that differ (the order of aliases, countries and the like does
/// not count).
fn changed_fields(a: &Entry, b: &Entry) -> Vec<&'static str> {
    let mut out = Vec::new();
    if a.name.trim() != b.name.trim() {
        out.push("name");
    }
    if a.kind != b.kind {
        out.push("kind");
    }
    for (field, x, y) in [
        ("aliases", &a.aliases, &b.aliases),
        ("countries", &a.countries, &b.countries),
        ("addresses", &a.addresses, &b.addresses),
        ("programs", &a.programs, &b.programs),
        ("citations", &a.citations, &b.citations),
        ("footnotes", &a.footnotes, &b.footnotes),
    ] {
        if sorted(x) != sorted(y) {
            out.push(field);
        }
    }
    if a.license_requirement != b.license_requirement {
        out.push("license_requirement");
    }
    if a.license_policy != b.license_policy {
        out.push("license_policy");
    }
    if a.listed_on != b.listed_on {
        out.push("listed_on");
    }
    out
}

/// Compares two loads. An id that occurs twice on one side (a source that repeats an entry)
/// is compared by its last occurrence.
pub fn diff(old: &[Entry], new: &[Entry]) -> ListDiff {
    let key = |e: &Entry| (e.list.clone(), e.source_id.clone());
    let old_by: BTreeMap<(String, String), &Entry> = old.iter().map(|e| (key(e), e)).collect();
    let new_by: BTreeMap<(String, String), &Entry> = new.iter().map(|e| (key(e), e)).collect();
    let mut d = ListDiff::default();
    for (k, e) in &new_by {
        match old_by.get(k) {
            None => d.added.push(entry_ref(e)),
            Some(o) => {
                let fields = changed_fields(o, e);
                if fields.is_empty() {
                    d.unchanged += 1;
                } else {
                    d.changed.push(ChangedEntry {
                        list: e.list.clone(),
                        source_id: e.source_id.clone(),
                        name: e.name.clone(),
                        fields,
                    });
                }
            }
        }
    }
    for (k, e) in &old_by {
        if !new_by.contains_key(k) {
            d.removed.push(entry_ref(e));
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EntryKind;

    #[test]
    fn added_removed_changed() {
        let mut a = Entry::new("EL", "1", EntryKind::Entity, "Alpha Co");
        a.aliases = vec!["A1".into(), "A2".into()];
        let b = Entry::new("EL", "2", EntryKind::Entity, "Beta Co");
        let mut a2 = a.clone();
        a2.aliases = vec!["A2".into(), "A1".into()];
        a2.countries = vec!["CN".into()];
        let c = Entry::new("EL", "3", EntryKind::Entity, "Gamma Co");
        let d = diff(&[a, b], &[a2, c]);
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.added[0].source_id, "3");
        assert_eq!(d.removed.len(), 1);
        assert_eq!(d.removed[0].source_id, "2");
        assert_eq!(d.changed.len(), 1);
        // Aliases in another order are the same aliases.
        assert_eq!(d.changed[0].fields, ["countries"]);
        assert_eq!(d.unchanged, 0);
    }
}
