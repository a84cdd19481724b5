//! When Entity List additions took effect: the pack's `entity-list-rules.toml`.
//!
//! The Entity List (and the CSL) date each entry by the Federal Register publication of the
//! rule that added it, but many additions took effect earlier, on public inspection or on
//! release by BIS (Biren: effective 2023-10-17, published 2023-10-19). A decision for a date
//! between the two must read the party as listed. This module holds the dated table of those
//! rules and joins an entry's citation to its rule; screening (in the engine) dates a listing
//! by the answer. Pure: the table is pack data, the citation and date are arguments.

use serde::Deserialize;
use toml::Spanned;

use super::load::Problem;
use super::Confidence;
use crate::spec::line_column;
use crate::Date;

/// How the table's `fr` page relates to the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageBasis {
    /// The rule's first page.
    First,
    /// The lowest Entity List page the list cites for the rule (its first page not verified).
    EntityList,
    /// A CSL page mapped to the rule by date.
    Csl,
}

/// One Entity List rule: its citation, publication and effective dates, and the source.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingRule {
    /// `88 FR 71991`.
    pub fr: String,
    pub volume: u32,
    pub page: u32,
    pub document: String,
    pub page_basis: PageBasis,
    pub published: Date,
    pub effective: Date,
    pub confidence: Confidence,
    /// Entries added; 0 for a rule that only modified entries (never joined to a listing).
    pub entities_added: u32,
    pub what: String,
    /// Where the effective date comes from.
    pub basis: Option<String>,
    pub url: String,
    pub line: usize,
}

impl ListingRule {
    /// One line for a decision: `88 FR 71991 (FR Doc 2023-23048), published 2023-10-19,
    /// effective 2023-10-17 [primary]`.
    pub fn describe(&self) -> String {
        format!(
            "{} (FR Doc {}), published {}, effective {} [{}]",
            self.fr,
            self.document,
            self.published,
            self.effective,
            self.confidence.as_str()
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListingFile {
    #[serde(default)]
    rule: Vec<Spanned<RuleDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    fr: String,
    document: String,
    page_basis: PageBasis,
    published: toml::value::Datetime,
    effective: toml::value::Datetime,
    confidence: Confidence,
    entities_added: u32,
    what: String,
    basis: Option<String>,
    url: String,
}

/// `88 FR 71992` → (88, 71992); `None` for anything else.
pub fn parse_fr(text: &str) -> Option<(u32, u32)> {
    let mut words = text.split_whitespace();
    let volume = words.next()?.parse().ok()?;
    if words.next()? != "FR" {
        return None;
    }
    let page = words.next()?.trim_end_matches(',').parse().ok()?;
    Some((volume, page))
}

fn date_of(value: &toml::value::Datetime) -> Option<Date> {
    match (value.date, value.time, value.offset) {
        (Some(d), None, None) => {
            Date::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        }
        _ => None,
    }
}

/// Parses `entity-list-rules.toml`; problems are reported with the file's line.
pub(crate) fn load(file: &str, text: &str, problems: &mut Vec<Problem>) -> Vec<ListingRule> {
    let parsed: ListingFile = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            let line = e.span().map(|s| line_column(text, s.start).0);
            problems.push(Problem {
                file: file.to_owned(),
                line,
                message: e.message().trim().to_owned(),
            });
            return Vec::new();
        }
    };
    let mut out: Vec<ListingRule> = Vec::new();
    for spanned in parsed.rule {
        let line = line_column(text, spanned.span().start).0;
        let def = spanned.into_inner();
        let mut bad = |message: String| {
            problems.push(Problem {
                file: file.to_owned(),
                line: Some(line),
                message,
            });
        };
        let Some((volume, page)) = parse_fr(&def.fr) else {
            bad(format!(
                "field `fr`: `{}` is not a Federal Register citation like `88 FR 71991`",
                def.fr
            ));
            continue;
        };
        let (Some(published), Some(effective)) = (date_of(&def.published), date_of(&def.effective))
        else {
            bad("fields `published` and `effective` must be dates like 2023-10-17".to_owned());
            continue;
        };
        if effective > published {
            // The table exists for additions in force before publication; a later effective
            // date would make the join set aside a listing on days it was published.
            bad(format!(
                "rule `{}`: effective {effective} is after its publication {published}",
                def.fr
            ));
            continue;
        }
        if out.iter().any(|r| r.document == def.document) {
            bad(format!("FR Doc `{}` is listed twice", def.document));
            continue;
        }
        out.push(ListingRule {
            fr: def.fr,
            volume,
            page,
            document: def.document,
            page_basis: def.page_basis,
            published,
            effective,
            confidence: def.confidence,
            entities_added: def.entities_added,
            what: def.what,
            basis: def.basis,
            url: def.url,
            line,
        });
    }
    out
}

/// The rule that added an entry cited as `citation` (`88 FR 71992, 10/19/23`) and published
/// on `published`: among the rules of that volume published that day that added entries, the
/// one with the greatest page at or below the entry's page; when none is at or below it, the
/// one with the earliest effective date (the cautious reading). `None` when no rule of the
/// table was published that day in that volume.
pub fn rule_for<'a>(
    rules: &'a [ListingRule],
    citation: &str,
    published: Date,
) -> Option<&'a ListingRule> {
    let (volume, page) = parse_fr(citation)?;
    let same_day = || {
        rules
            .iter()
            .filter(move |r| r.volume == volume && r.published == published)
            .filter(|r| r.entities_added > 0)
    };
    same_day()
        .filter(|r| r.page <= page)
        .max_by_key(|r| r.page)
        .or_else(|| same_day().min_by_key(|r| r.effective))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_parse() {
        assert_eq!(parse_fr("88 FR 71992, 10/19/23"), Some((88, 71992)));
        assert_eq!(parse_fr("88 FR 71991"), Some((88, 71991)));
        assert_eq!(parse_fr("88 F.R. 71991"), None);
        assert_eq!(parse_fr(""), None);
    }
}
