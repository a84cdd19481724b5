//! Rule-pack overlays: a hypothetical change to a pack ("the H20 letter never happened", "the
//! Affiliates rule re-applied on 2026-11-10"), described as data and applied to the pack's
//! files, so that the result goes through exactly the validation a pack does.
//!
//! An overlay is a directory holding `overlay.toml` (its id, title, description, citations, the
//! instruments or rules it removes, the fields it changes) and optionally `instruments/*.toml`
//! in the pack's own format, which add an instrument or replace the one with the same id.
//! [`Overlay::apply`] edits the base pack's TOML text (removals, changes, and what removals
//! imply: a `supersedes` naming a removed rule, a Country Group change made by a removed
//! instrument), then loads the edited files with [`RulePack::from_files`]. Every problem is
//! reported where it can be fixed: an overlay file's own line, the `overlay.toml` line of the
//! change that broke a base file, or the base file.
//!
//! Why edit text rather than the loaded pack: a loaded pack has resolved indices, compiled
//! country sets and checks that run once at load time. Editing the text and loading it again
//! means an overlay can never produce a pack that the loader would refuse.
//!
//! The result is marked as hypothetical wherever it travels: its id is `BASE+OVERLAY`
//! (`us-ear+h20-letter-never`), its hash covers the base pack's hash and the overlay's files
//! under a prefix no pack hash has, and [`RulePack::overlay`] carries the overlay's
//! description, which every decision repeats.
//!
//! Dates after the base pack's `verified_through` stay outside coverage (indeterminate) unless
//! the overlay states an assumption: `assume_through = DATE` with `assumption = "..."` (what is
//! assumed about the unverified period, typically that nothing but the overlay's change was
//! published). Only the overlaid pack's coverage moves; the real pack is untouched.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::load::{content_hash, Problem, RulesError};
use super::{Citation, RulePack};
use crate::catalog::is_valid_id;
use crate::spec::line_column;
use crate::Date;

/// What an overlay did to its base pack, carried by the pack it produced
/// ([`RulePack::overlay`]) and repeated by every decision made under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OverlayInfo {
    /// The overlay's own id (`h20-letter-never`); the pack's id is `BASE+ID`.
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The real pack it changes, and that pack's content hash.
    pub base_pack: String,
    pub base_hash: String,
    /// The base pack's verified-through date.
    pub base_verified_through: Option<Date>,
    /// How far the overlaid pack is taken to cover, on the overlay's assumption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_through: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
    /// Sources for the change the overlay describes (the real instruments it is about).
    pub citations: Vec<Citation>,
    /// Instrument and rule ids removed, changed, added and replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced: Vec<String>,
    /// Edits the removals implied (a `supersedes` entry dropped, a Country Group change gone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consequences: Vec<String>,
}

impl OverlayInfo {
    /// One line for a decision's notes and warnings.
    pub fn describe(&self, pack_id: &str) -> String {
        let mut s = format!(
            "hypothetical rule pack `{pack_id}`: `{}` changed by overlay `{}` ({}); not the \
             regulations in force",
            self.base_pack, self.id, self.title
        );
        if let (Some(through), Some(assumption)) = (self.assume_through, &self.assumption) {
            let from = self
                .base_verified_through
                .map_or_else(String::new, |d| format!(" after {d}"));
            s.push_str(&format!(
                "; dates{from} through {through} are covered only on the assumption that {}",
                assumption.trim().trim_end_matches('.')
            ));
        }
        s
    }
}

type SDate = Spanned<toml::value::Datetime>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    description: String,
    /// The id of the pack the overlay is written for.
    base: Option<Spanned<String>>,
    assume_through: Option<SDate>,
    assumption: Option<String>,
    #[serde(default)]
    remove: Vec<Spanned<String>>,
    #[serde(default)]
    change: Vec<ChangeDef>,
    citations: Option<Spanned<Vec<Citation>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeDef {
    instrument: Option<Spanned<String>>,
    rule: Option<Spanned<String>>,
    #[serde(default)]
    set: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    unset: Vec<Spanned<String>>,
    #[serde(default)]
    why: String,
}

/// A parsed overlay directory, ready to apply to a pack.
#[derive(Debug, Clone)]
pub struct Overlay {
    /// How to name the overlay's files in problems (its directory, as the user gave it).
    label: String,
    manifest_text: String,
    /// `instruments/*.toml` of the overlay: (path in the overlay, text, instrument id).
    instruments: Vec<(String, String, Spanned<String>)>,
    info: OverlayInfo,
    base: Option<Spanned<String>>,
    assume_through_at: Option<usize>,
    remove: Vec<Spanned<String>>,
    changes: Vec<Change>,
    /// sha256 of the overlay's files (as a pack's content hash is taken).
    files_hash: String,
}

#[derive(Debug, Clone)]
struct Change {
    target: Target,
    /// Offset of the target's id in `overlay.toml`.
    at: usize,
    set: Vec<(String, toml::Value, usize)>,
    unset: Vec<(String, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Instrument(String),
    Rule(String),
}

impl Target {
    fn id(&self) -> &str {
        match self {
            Self::Instrument(id) | Self::Rule(id) => id,
        }
    }
}

/// Fields a change may not touch: an id is what everything else refers to, and a list of rules
/// is replaced by giving the instrument's file.
const INSTRUMENT_FIXED: [&str; 3] = ["id", "rules", "citations"];
const RULE_FIXED: [&str; 1] = ["id"];

impl Overlay {
    /// Parses an overlay from `(path relative to the overlay directory, text)` pairs:
    /// `overlay.toml` and `instruments/*.toml`. `label` names the directory in problems.
    pub fn from_files(label: &str, files: &[(&str, &str)]) -> Result<Self, RulesError> {
        let mut problems = Vec::new();
        let at = |file: &str, text: &str, offset: Option<usize>, message: String| Problem {
            file: format!("{label}/{file}"),
            line: offset.map(|o| line_column(text, o).0),
            message,
        };
        let mut manifest_text = None;
        let mut instrument_files = Vec::new();
        let mut sorted: Vec<(&str, &str)> = files.to_vec();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for &(path, text) in &sorted {
            match path {
                "overlay.toml" => manifest_text = Some(text),
                p if p.starts_with("instruments/") && p.ends_with(".toml") => {
                    instrument_files.push((path, text));
                }
                p if p.ends_with(".toml") => problems.push(at(
                    path,
                    text,
                    None,
                    "unexpected file: an overlay holds overlay.toml and instruments/*.toml"
                        .to_owned(),
                )),
                _ => {}
            }
        }
        let files_hash = content_hash(
            &sorted
                .iter()
                .copied()
                .filter(|(p, _)| p.ends_with(".toml"))
                .collect::<Vec<_>>(),
        );
        let Some(text) = manifest_text else {
            problems.push(Problem {
                file: format!("{label}/overlay.toml"),
                line: None,
                message: "missing: an overlay directory needs one".to_owned(),
            });
            return Err(RulesError { problems });
        };
        let manifest: ManifestFile = match toml::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                problems.push(at(
                    "overlay.toml",
                    text,
                    e.span().map(|s| s.start),
                    e.message().trim().to_owned(),
                ));
                return Err(RulesError { problems });
            }
        };
        let id = manifest.id.get_ref().clone();
        if !is_valid_id(&id) {
            problems.push(at(
                "overlay.toml",
                text,
                Some(manifest.id.span().start),
                format!("overlay id `{id}` must be lowercase letters, digits and hyphens"),
            ));
        }
        if manifest.title.trim().is_empty() {
            problems.push(at(
                "overlay.toml",
                text,
                Some(manifest.id.span().start),
                format!("overlay `{id}` has no title"),
            ));
        }
        let citations_at = manifest
            .citations
            .as_ref()
            .map_or(manifest.id.span().start, |c| c.span().start);
        let citations: Vec<Citation> = manifest
            .citations
            .as_ref()
            .map(|c| c.get_ref().clone())
            .unwrap_or_default();
        if citations.is_empty() {
            problems.push(at(
                "overlay.toml",
                text,
                Some(citations_at),
                format!(
                    "overlay `{id}` has no citations: give at least one `[[citations]]` for the \
                     change it describes"
                ),
            ));
        }
        for c in &citations {
            if c.fr.is_none() && c.document.is_none() && c.other.is_none() && c.url.is_none() {
                problems.push(at(
                    "overlay.toml",
                    text,
                    Some(citations_at),
                    format!("overlay `{id}`: a citation needs `fr`, `document`, `other` or `url`"),
                ));
            }
        }
        let assume_through = match &manifest.assume_through {
            None => None,
            Some(d) => {
                let dt = d.get_ref();
                let parsed = match (dt.date, dt.time, dt.offset) {
                    (Some(d), None, None) => {
                        Date::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    }
                    _ => None,
                };
                if parsed.is_none() {
                    problems.push(at(
                        "overlay.toml",
                        text,
                        Some(d.span().start),
                        format!(
                            "field `assume_through`: expected a date like 2026-12-31, found `{dt}`"
                        ),
                    ));
                }
                parsed
            }
        };
        let assumption = manifest
            .assumption
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        if let (Some(d), None) = (&manifest.assume_through, &assumption) {
            problems.push(at(
                "overlay.toml",
                text,
                Some(d.span().start),
                "`assume_through` needs `assumption`: say what is assumed about the dates the \
                 base pack's sources were not checked for"
                    .to_owned(),
            ));
        }
        if manifest.assume_through.is_none() && manifest.assumption.is_some() {
            problems.push(at(
                "overlay.toml",
                text,
                Some(manifest.id.span().start),
                "`assumption` without `assume_through`: give the date it covers through".to_owned(),
            ));
        }
        let mut seen_remove = BTreeSet::new();
        for r in &manifest.remove {
            if !seen_remove.insert(r.get_ref().clone()) {
                problems.push(at(
                    "overlay.toml",
                    text,
                    Some(r.span().start),
                    format!("`remove` names `{}` twice", r.get_ref()),
                ));
            }
        }
        let mut changes = Vec::new();
        for c in manifest.change {
            let target = match (&c.instrument, &c.rule) {
                (Some(i), None) => Some((Target::Instrument(i.get_ref().clone()), i.span().start)),
                (None, Some(r)) => Some((Target::Rule(r.get_ref().clone()), r.span().start)),
                (Some(i), Some(_)) => {
                    problems.push(at(
                        "overlay.toml",
                        text,
                        Some(i.span().start),
                        "a `[[change]]` names either `instrument` or `rule`, not both".to_owned(),
                    ));
                    None
                }
                (None, None) => {
                    let offset = c
                        .set
                        .values()
                        .map(|v| v.span().start)
                        .chain(c.unset.iter().map(|u| u.span().start))
                        .min();
                    problems.push(at(
                        "overlay.toml",
                        text,
                        offset,
                        "a `[[change]]` needs `instrument` or `rule`: the id it changes".to_owned(),
                    ));
                    None
                }
            };
            let Some((target, offset)) = target else {
                continue;
            };
            if c.set.is_empty() && c.unset.is_empty() {
                problems.push(at(
                    "overlay.toml",
                    text,
                    Some(offset),
                    format!("the change to `{}` sets and unsets nothing", target.id()),
                ));
            }
            let fixed: &[&str] = match target {
                Target::Instrument(_) => &INSTRUMENT_FIXED,
                Target::Rule(_) => &RULE_FIXED,
            };
            let mut set = Vec::new();
            for (key, value) in &c.set {
                if fixed.contains(&key.as_str()) {
                    problems.push(at(
                        "overlay.toml",
                        text,
                        Some(value.span().start),
                        format!(
                            "a change cannot set `{key}` of `{}`: give the instrument's file in \
                             the overlay's `instruments/` to replace it",
                            target.id()
                        ),
                    ));
                    continue;
                }
                set.push((key.clone(), value.get_ref().clone(), value.span().start));
            }
            let mut unset = Vec::new();
            for key in &c.unset {
                if c.set.contains_key(key.get_ref()) {
                    problems.push(at(
                        "overlay.toml",
                        text,
                        Some(key.span().start),
                        format!("`{}` is both set and unset", key.get_ref()),
                    ));
                } else if fixed.contains(&key.get_ref().as_str()) {
                    problems.push(at(
                        "overlay.toml",
                        text,
                        Some(key.span().start),
                        format!("a change cannot unset `{}`", key.get_ref()),
                    ));
                } else {
                    unset.push((key.get_ref().clone(), key.span().start));
                }
            }
            // `why` documents the change for the reader of overlay.toml; nothing reads it.
            let _ = &c.why;
            changes.push(Change {
                target,
                at: offset,
                set,
                unset,
            });
        }
        let mut instruments = Vec::new();
        for (path, itext) in instrument_files {
            // Only the id here: the file is validated as part of the pack it joins.
            #[derive(Deserialize)]
            struct Loose {
                id: Option<Spanned<String>>,
            }
            match toml::from_str::<toml::Table>(itext) {
                Err(e) => problems.push(at(
                    path,
                    itext,
                    e.span().map(|s| s.start),
                    e.message().trim().to_owned(),
                )),
                Ok(_) => match toml::from_str::<Loose>(itext) {
                    Ok(Loose { id: Some(id) }) => {
                        instruments.push((path.to_owned(), itext.to_owned(), id));
                    }
                    _ => problems.push(at(
                        path,
                        itext,
                        None,
                        "an instrument file needs an `id`".to_owned(),
                    )),
                },
            }
        }
        if !problems.is_empty() {
            problems.sort();
            return Err(RulesError { problems });
        }
        Ok(Self {
            label: label.to_owned(),
            manifest_text: text.to_owned(),
            instruments,
            info: OverlayInfo {
                id,
                title: manifest.title.trim().to_owned(),
                description: manifest.description.trim().to_owned(),
                base_pack: String::new(),
                base_hash: String::new(),
                base_verified_through: None,
                assume_through,
                assumption,
                citations,
                removed: Vec::new(),
                changed: Vec::new(),
                added: Vec::new(),
                replaced: Vec::new(),
                consequences: Vec::new(),
            },
            base: manifest.base,
            assume_through_at: manifest.assume_through.as_ref().map(|d| d.span().start),
            remove: manifest.remove,
            changes,
            files_hash,
        })
    }

    /// The overlay's id (`h20-letter-never`).
    pub fn id(&self) -> &str {
        &self.info.id
    }

    pub fn title(&self) -> &str {
        &self.info.title
    }

    fn problem_at(&self, offset: Option<usize>, message: String) -> Problem {
        Problem {
            file: format!("{}/overlay.toml", self.label),
            line: offset.map(|o| line_column(&self.manifest_text, o).0),
            message,
        }
    }

    /// Applies the overlay to a base pack's files (`base_label` names them in problems) and
    /// loads the result. See [`Overlay::apply_checked`] to run further checks on the result.
    pub fn apply(&self, base_label: &str, base: &[(&str, &str)]) -> Result<RulePack, RulesError> {
        self.apply_checked(base_label, base, &|_| Vec::new())
    }

    /// [`Overlay::apply`], then `check` on the loaded result (the catalog references a pack's
    /// `when.named` makes, say), its problems placed like the loader's.
    pub fn apply_checked(
        &self,
        base_label: &str,
        base: &[(&str, &str)],
        check: &dyn Fn(&RulePack) -> Vec<Problem>,
    ) -> Result<RulePack, RulesError> {
        let base_pack = RulePack::from_files(base).map_err(|e| RulesError {
            problems: e
                .problems
                .into_iter()
                .map(|p| Problem {
                    file: format!("{base_label}/{}", p.file),
                    ..p
                })
                .collect(),
        })?;
        let mut problems = Vec::new();
        if let Some(expected) = &self.base {
            if *expected.get_ref() != base_pack.id {
                problems.push(self.problem_at(
                    Some(expected.span().start),
                    format!(
                        "the overlay is written for pack `{}`, not `{}`",
                        expected.get_ref(),
                        base_pack.id
                    ),
                ));
            }
        }
        if let Some(through) = self.info.assume_through {
            match base_pack.verified_through {
                None => problems.push(self.problem_at(
                    self.assume_through_at,
                    format!(
                        "`assume_through`: pack `{}` has no verified-through date to extend",
                        base_pack.id
                    ),
                )),
                Some(v) if through <= v => problems.push(self.problem_at(
                    self.assume_through_at,
                    format!(
                        "`assume_through` {through} is not after {v}, the date pack `{}` is \
                         verified through",
                        base_pack.id
                    ),
                )),
                Some(_) => {}
            }
        }

        // Where each instrument and rule of the base is written.
        let mut docs: BTreeMap<String, toml_edit::DocumentMut> = BTreeMap::new();
        let mut other_files: BTreeMap<String, String> = BTreeMap::new();
        for &(path, text) in base {
            if !super::is_pack_file(path) {
                continue;
            }
            if path.starts_with("instruments/") || path == "country-groups.toml" {
                match text.parse::<toml_edit::DocumentMut>() {
                    Ok(doc) => {
                        docs.insert(path.to_owned(), doc);
                    }
                    // The base loaded, so its TOML parses; keep the text if it somehow does not.
                    Err(_) => {
                        other_files.insert(path.to_owned(), text.to_owned());
                    }
                }
            } else {
                other_files.insert(path.to_owned(), text.to_owned());
            }
        }
        let instrument_path: HashMap<&str, String> = base_pack
            .instruments
            .iter()
            .map(|i| (i.id.as_str(), i.file.clone()))
            .collect();
        let rule_home: HashMap<&str, (&str, &str)> = base_pack
            .rules
            .iter()
            .filter_map(|r| {
                let i = base_pack.instruments.get(r.instrument)?;
                Some((r.id.as_str(), (i.id.as_str(), i.file.as_str())))
            })
            .collect();

        // Files given by the overlay: replacements (same id as a base instrument) and additions.
        let mut info = self.info.clone();
        info.base_pack = base_pack.id.clone();
        info.base_hash = base_pack.hash.clone();
        info.base_verified_through = base_pack.verified_through;
        // path in the merged pack → path in the overlay
        let mut from_overlay: BTreeMap<String, String> = BTreeMap::new();
        let mut replaced_ids = BTreeSet::new();
        let mut overlay_texts: BTreeMap<String, String> = BTreeMap::new();
        let removing: BTreeSet<&str> = self.remove.iter().map(|r| r.get_ref().as_str()).collect();
        for (path, text, id) in &self.instruments {
            let id_text = id.get_ref();
            if removing.contains(id_text.as_str()) {
                problems.push(Problem {
                    file: format!("{}/{path}", self.label),
                    line: Some(line_column(text, id.span().start).0),
                    message: format!(
                        "instrument `{id_text}` is both given by the overlay and in its `remove`"
                    ),
                });
                continue;
            }
            let merged = match instrument_path.get(id_text.as_str()) {
                Some(base_path) => {
                    replaced_ids.insert(id_text.clone());
                    info.replaced.push(id_text.clone());
                    docs.remove(base_path);
                    base_path.clone()
                }
                None => {
                    info.added.push(id_text.clone());
                    format!(
                        "instruments/overlay/{}",
                        path.trim_start_matches("instruments/")
                    )
                }
            };
            from_overlay.insert(merged.clone(), path.clone());
            overlay_texts.insert(merged, text.clone());
        }

        // Removals.
        let mut removed_rules: BTreeSet<String> = BTreeSet::new();
        let mut removed_instruments: BTreeSet<String> = BTreeSet::new();
        // merged path → offsets in overlay.toml of the entries that edited it
        let mut edited_by: BTreeMap<String, Vec<(usize, Vec<String>)>> = BTreeMap::new();
        for r in &self.remove {
            let id = r.get_ref();
            if let Some(path) = instrument_path.get(id.as_str()) {
                if replaced_ids.contains(id) {
                    continue;
                }
                docs.remove(path);
                removed_instruments.insert(id.clone());
                removed_rules.extend(
                    base_pack
                        .instrument(id)
                        .map(|i| {
                            i.rules
                                .iter()
                                .filter_map(|&k| base_pack.rules.get(k).map(|r| r.id.clone()))
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default(),
                );
                info.removed.push(id.clone());
            } else if let Some((instrument, path)) = rule_home.get(id.as_str()) {
                if replaced_ids.contains(*instrument) {
                    problems.push(self.problem_at(
                        Some(r.span().start),
                        format!(
                            "`remove` names rule `{id}` of instrument `{instrument}`, which the \
                             overlay replaces: leave the rule out of the overlay's file instead"
                        ),
                    ));
                    continue;
                }
                if removing.contains(instrument) {
                    continue;
                }
                if let Some(doc) = docs.get_mut(*path) {
                    if let Some(rules) = doc
                        .get_mut("rules")
                        .and_then(toml_edit::Item::as_array_of_tables_mut)
                    {
                        rules.retain(|t| t.get("id").and_then(|v| v.as_str()) != Some(id));
                    }
                    edited_by
                        .entry((*path).to_owned())
                        .or_default()
                        .push((r.span().start, Vec::new()));
                }
                removed_rules.insert(id.clone());
                info.removed.push(id.clone());
            } else {
                problems.push(self.problem_at(
                    Some(r.span().start),
                    format!(
                        "`remove` names `{id}`, which is no instrument or rule of pack `{}`",
                        base_pack.id
                    ),
                ));
            }
        }

        // Changes.
        for c in &self.changes {
            let id = c.target.id();
            let (path, rule_id) = match &c.target {
                Target::Instrument(_) => match instrument_path.get(id) {
                    Some(p) => (p.clone(), None),
                    None => {
                        problems.push(self.problem_at(
                            Some(c.at),
                            format!("the change names unknown instrument `{id}`"),
                        ));
                        continue;
                    }
                },
                Target::Rule(_) => match rule_home.get(id) {
                    Some((instrument, p)) => {
                        if replaced_ids.contains(*instrument) || removing.contains(instrument) {
                            problems.push(self.problem_at(
                                Some(c.at),
                                format!(
                                    "the change to rule `{id}` edits instrument `{instrument}`, \
                                     which the overlay also removes or replaces"
                                ),
                            ));
                            continue;
                        }
                        ((*p).to_owned(), Some(id))
                    }
                    None => {
                        problems.push(self.problem_at(
                            Some(c.at),
                            format!("the change names unknown rule `{id}`"),
                        ));
                        continue;
                    }
                },
            };
            if removing.contains(id) || replaced_ids.contains(id) || removed_rules.contains(id) {
                problems.push(self.problem_at(
                    Some(c.at),
                    format!("the change names `{id}`, which the overlay also removes or replaces"),
                ));
                continue;
            }
            let Some(doc) = docs.get_mut(&path) else {
                continue;
            };
            let table: Option<&mut toml_edit::Table> = match rule_id {
                None => Some(doc.as_table_mut()),
                Some(rid) => doc
                    .get_mut("rules")
                    .and_then(toml_edit::Item::as_array_of_tables_mut)
                    .and_then(|rules| {
                        rules
                            .iter_mut()
                            .find(|t| t.get("id").and_then(|v| v.as_str()) == Some(rid))
                    }),
            };
            let Some(table) = table else {
                continue;
            };
            let mut keys = Vec::new();
            for (key, value, offset) in &c.set {
                match edit_item(value) {
                    Some(item) => {
                        table.insert(key, item);
                        keys.push(key.clone());
                    }
                    None => problems.push(self.problem_at(
                        Some(*offset),
                        format!("`set.{key}`: the value cannot be written as TOML"),
                    )),
                }
            }
            for (key, offset) in &c.unset {
                if table.remove(key).is_none() {
                    problems.push(self.problem_at(
                        Some(*offset),
                        format!("`unset` names `{key}`, which `{id}` does not have"),
                    ));
                }
                keys.push(key.clone());
            }
            edited_by.entry(path).or_default().push((c.at, keys));
            info.changed.push(id.to_owned());
        }

        // What removals imply: a rule cannot end a rule that never existed, and a group change
        // made by an instrument that never existed did not happen. A suspension left with
        // nothing to end goes too; repeat until nothing more goes.
        loop {
            let mut more = Vec::new();
            for (path, doc) in docs.iter_mut() {
                let Some(rules) = doc
                    .get_mut("rules")
                    .and_then(toml_edit::Item::as_array_of_tables_mut)
                else {
                    continue;
                };
                for rule in rules.iter_mut() {
                    let rid = rule
                        .get("id")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned();
                    let is_suspension =
                        rule.get("kind").and_then(|v| v.as_str()) == Some("suspension");
                    let Some(list) = rule
                        .get_mut("supersedes")
                        .and_then(toml_edit::Item::as_array_mut)
                    else {
                        continue;
                    };
                    let before = list.len();
                    let mut dropped = Vec::new();
                    list.retain(|v| {
                        let gone = v.as_str().is_some_and(|s| removed_rules.contains(s));
                        if gone {
                            dropped.push(v.as_str().unwrap_or_default().to_owned());
                        }
                        !gone
                    });
                    if list.len() == before {
                        continue;
                    }
                    info.consequences.push(format!(
                        "rule `{rid}` ({path}) no longer supersedes {}",
                        dropped
                            .iter()
                            .map(|d| format!("`{d}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    if list.is_empty() {
                        rule.remove("supersedes");
                        if is_suspension {
                            more.push((path.clone(), rid));
                        }
                    }
                }
            }
            if more.is_empty() {
                break;
            }
            for (path, rid) in more {
                if let Some(rules) = docs
                    .get_mut(&path)
                    .and_then(|d| d.get_mut("rules"))
                    .and_then(toml_edit::Item::as_array_of_tables_mut)
                {
                    rules.retain(|t| t.get("id").and_then(|v| v.as_str()) != Some(rid.as_str()));
                }
                info.consequences.push(format!(
                    "suspension `{rid}` ({path}) goes too: every rule it ended is removed"
                ));
                removed_rules.insert(rid);
            }
        }
        if let Some(groups) = docs
            .get_mut("country-groups.toml")
            .and_then(|d| d.get_mut("group"))
            .and_then(toml_edit::Item::as_array_of_tables_mut)
        {
            for group in groups.iter_mut() {
                let gid = group
                    .get("id")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned();
                let Some(list) = group
                    .get_mut("change")
                    .and_then(toml_edit::Item::as_array_of_tables_mut)
                else {
                    continue;
                };
                let mut gone = Vec::new();
                list.retain(|t| {
                    let instrument = t.get("instrument").and_then(|v| v.as_str());
                    let drop = instrument.is_some_and(|i| removed_instruments.contains(i));
                    if drop {
                        gone.push(format!(
                            "Country Group {gid}: the change of {} on {} made by `{}` is gone",
                            t.get("country").and_then(|v| v.as_str()).unwrap_or("?"),
                            t.get("date")
                                .and_then(|v| v.as_datetime())
                                .map_or_else(|| "?".to_owned(), ToString::to_string),
                            instrument.unwrap_or_default()
                        ));
                    }
                    !drop
                });
                info.consequences.extend(gone);
            }
        }

        if !problems.is_empty() {
            problems.sort();
            problems.dedup();
            return Err(RulesError { problems });
        }

        let mut merged: BTreeMap<String, String> = other_files;
        for (path, doc) in &docs {
            merged.insert(path.clone(), doc.to_string());
        }
        merged.extend(overlay_texts);
        let refs: Vec<(&str, &str)> = merged
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let place = |p: Problem| self.place(p, base_label, &from_overlay, &edited_by);
        let mut pack = RulePack::from_files(&refs).map_err(|e| RulesError {
            problems: e.problems.into_iter().map(place).collect(),
        })?;

        // An instrument the overlay adds after the base pack's verified-through date decides
        // nothing unless the overlay assumes coverage that far: say so rather than let it sit.
        let horizon = info.assume_through.or(base_pack.verified_through);
        let mut late = Vec::new();
        for i in &pack.instruments {
            let Some(overlay_path) = from_overlay.get(&i.file) else {
                continue;
            };
            let starts = i.compliance.unwrap_or(i.effective);
            if horizon.is_some_and(|h| starts > h) {
                let text = self
                    .instruments
                    .iter()
                    .find(|(p, _, _)| p == overlay_path)
                    .map(|(_, t, _)| t.as_str())
                    .unwrap_or("");
                late.push(Problem {
                    file: format!("{}/{overlay_path}", self.label),
                    line: text.find("effective").map(|o| line_column(text, o).0),
                    message: format!(
                        "instrument `{}` starts {starts}, after {}, the last date the pack \
                         covers: set `assume_through` in overlay.toml to cover it",
                        i.id,
                        horizon.map_or_else(String::new, |h| h.to_string())
                    ),
                });
            }
        }
        let mut extra: Vec<Problem> = check(&pack).into_iter().map(place).collect();
        extra.extend(late);
        if !extra.is_empty() {
            extra.sort();
            extra.dedup();
            return Err(RulesError { problems: extra });
        }

        // The overlaid pack's identity: never the base's.
        let mut hasher = Sha256::new();
        hasher.update(b"earmark-overlay\0");
        hasher.update(base_pack.hash.as_bytes());
        hasher.update([0]);
        hasher.update(self.files_hash.as_bytes());
        pack.hash = hex::encode(hasher.finalize());
        pack.id = format!("{}+{}", base_pack.id, info.id);
        pack.title = format!("{} (hypothetical: {})", base_pack.title, info.title);
        if let Some(through) = info.assume_through {
            pack.verified_through = Some(through);
        }
        info.removed.sort();
        info.changed.sort();
        info.changed.dedup();
        info.added.sort();
        info.replaced.sort();
        pack.overlay = Some(info);
        Ok(pack)
    }

    /// Where a problem found in the merged pack is to be fixed.
    fn place(
        &self,
        p: Problem,
        base_label: &str,
        from_overlay: &BTreeMap<String, String>,
        edited_by: &BTreeMap<String, Vec<(usize, Vec<String>)>>,
    ) -> Problem {
        if let Some(path) = from_overlay.get(&p.file) {
            return Problem {
                file: format!("{}/{path}", self.label),
                ..p
            };
        }
        if let Some(edits) = edited_by.get(&p.file) {
            // The change whose key the message names, else the first change to the file.
            let offset = edits
                .iter()
                .find(|(_, keys)| keys.iter().any(|k| p.message.contains(&format!("`{k}`"))))
                .or_else(|| edits.first())
                .map(|(o, _)| *o);
            return self.problem_at(
                offset,
                format!("`{base_label}/{}` as changed: {}", p.file, p.message),
            );
        }
        Problem {
            file: format!("{base_label}/{}", p.file),
            message: format!("{} (with overlay `{}`)", p.message, self.info.id),
            ..p
        }
    }
}

/// A `toml::Value` as a `toml_edit` item, through its text.
fn edit_item(value: &toml::Value) -> Option<toml_edit::Item> {
    let mut wrapper = toml::Table::new();
    wrapper.insert("v".to_owned(), value.clone());
    let text = toml::to_string(&wrapper).ok()?;
    let mut doc = text.parse::<toml_edit::DocumentMut>().ok()?;
    // Inline, always: a `[v]` table with `[[v.facts]]` under it, set into a `[[rules]]` entry
    // that is not the last, would render as headers that attach to the last entry.
    doc.remove("v")?
        .into_value()
        .ok()
        .map(toml_edit::Item::Value)
}
