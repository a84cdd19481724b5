//! What a match on each list means for an export, and results grouped by list with the most
//! consequential list first.
//!
//! The lists differ in consequence: a Denied Persons order or an SDN designation blocks the
//! transaction; an Entity List entry imposes its own license requirement and review policy
//! (and footnotes 4 and 5 reach foreign-made items); a Military End User entry requires a
//! license for the items of Supplement 2 to part 744; an Unverified List entry requires a UVL
//! statement and bars license exceptions; the State and Treasury programmes each have their
//! own terms; the CMIC list bans investment in securities and does not govern exports. The
//! same party is often on several lists (Huawei is on the Entity List and the CMIC list): a
//! result that names only the best-scoring entry can show the CMIC entry and hide the Entity
//! List's, so results are grouped by list and the headline is the most consequential list
//! with a match.

use serde::Serialize;

use crate::index::{Band, Match};

/// How much a match on a list weighs for an export, most consequential first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Consequence {
    /// Denied Persons List, SDN: the transaction is blocked.
    Blocks,
    /// Entity List: the entry's license requirement and review policy apply.
    EntityLicense,
    /// Military End User List: a license for the items of Supplement 2 to part 744.
    MilitaryEndUser,
    /// Unverified List: a UVL statement is required and license exceptions are barred.
    Unverified,
    /// Other programmes (ITAR debarment, nonproliferation and sectoral sanctions, ...): their
    /// own terms, which a person must read.
    OtherRestriction,
    /// A list this crate does not know: read as a restriction a person must look at.
    Unknown,
    /// CMIC: an investment ban that does not govern exports.
    NotExports,
}

impl Consequence {
    /// The consequence of a list, by its short code.
    pub fn of(list: &str) -> Consequence {
        match list {
            "DPL" | "SDN" => Consequence::Blocks,
            "EL" => Consequence::EntityLicense,
            "MEU" => Consequence::MilitaryEndUser,
            "UVL" => Consequence::Unverified,
            "DTC" | "ISN" | "SSI" | "NS-MBS" | "CAP" | "PLC" | "FSE" | "CONS" => {
                Consequence::OtherRestriction
            }
            "CMIC" => Consequence::NotExports,
            _ => Consequence::Unknown,
        }
    }

    /// One sentence saying what a match means.
    pub fn meaning(self) -> &'static str {
        match self {
            Consequence::Blocks => {
                "blocks the transaction (a denial order or blocked property): do not proceed"
            }
            Consequence::EntityLicense => {
                "Entity List: the entry's license requirement and review policy apply \
                 (footnotes 4 and 5 reach foreign-made items)"
            }
            Consequence::MilitaryEndUser => {
                "Military End User List: a license is required for the items of Supplement 2 \
                 to part 744"
            }
            Consequence::Unverified => {
                "Unverified List: a UVL statement is required and license exceptions are barred"
            }
            Consequence::OtherRestriction => {
                "a sanctions or debarment programme with its own terms: a person must read them"
            }
            Consequence::Unknown => "a list earmark does not know: a person must read its terms",
            Consequence::NotExports => {
                "CMIC: an investment ban on securities, which does not govern exports"
            }
        }
    }
}

/// The results on one list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListGroup {
    pub list: String,
    pub consequence: Consequence,
    pub meaning: &'static str,
    /// The best band of the group's results.
    pub band: Band,
    /// Best first.
    pub matches: Vec<Match>,
}

/// Groups results by list: the groups with a `match` or `review` first, a `match` before a
/// `review` (a certain match outweighs a possible one), then by consequence, then by best
/// score; each group keeps at most `per_list` results, best first. Results in the no-match
/// band are kept only if nothing else is there (the nearest miss, shown as such).
pub fn group_by_list(matches: &[Match], per_list: usize) -> Vec<ListGroup> {
    let flagged = matches.iter().any(|m| m.band != Band::NoMatch);
    let mut groups: Vec<ListGroup> = Vec::new();
    for m in matches {
        if flagged && m.band == Band::NoMatch {
            continue;
        }
        match groups.iter_mut().find(|g| g.list == m.list) {
            Some(g) => {
                if g.matches.len() < per_list {
                    g.matches.push(m.clone());
                }
                g.band = g.band.min(m.band);
            }
            None => {
                let consequence = Consequence::of(&m.list);
                groups.push(ListGroup {
                    list: m.list.clone(),
                    consequence,
                    meaning: consequence.meaning(),
                    band: m.band,
                    matches: if per_list > 0 {
                        vec![m.clone()]
                    } else {
                        Vec::new()
                    },
                });
            }
        }
    }
    let best = |g: &ListGroup| g.matches.first().map_or(0.0, |m| m.score);
    groups.sort_by(|a, b| {
        a.band
            .cmp(&b.band)
            .then(a.consequence.cmp(&b.consequence))
            .then(best(b).total_cmp(&best(a)))
            .then(a.list.cmp(&b.list))
    });
    groups
}
