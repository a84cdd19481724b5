//! Screening the parties of a shipment, and what a list match means for it.
//!
//! The name index answers "which entries resemble this name"; this module turns that into
//! what determination reads (the Entity List status, judged on the as-of date) and what a
//! person must see (matches on lists the rule pack does not model). A party's raw matches do
//! not depend on the date, so a [`crate::Worker`] caches them per distinct party and only the
//! date test runs per shipment.

use earmark_core::determine::Outcome;
use earmark_core::rules::{ListStatus, RulePack};
use earmark_core::Date;
use earmark_screen::{Band, Index, Match, Query, Searcher, Thresholds};

use crate::contract::{PartyScreening, ScreenedMatch, ScreeningBasis, Severity};

/// Results kept per party: enough for every band that matters, few enough to stay cheap.
const RESULTS_PER_PARTY: usize = 20;

/// What a match on a list means for an export, for the lists the rule pack does not model.
/// The Entity List is read by the rules themselves.
pub fn consequence(list: &str, band: Band) -> Severity {
    match (list, band) {
        (_, Band::NoMatch) | ("EL", _) => Severity::Clear,
        // A denial order bars any participation in an EAR transaction (15 CFR 764 Supp. 2);
        // SDN property is blocked (31 CFR, and 15 CFR 744.8 for some programmes).
        ("DPL" | "SDN", Band::Match) => Severity::Blocked,
        // Restricts dealings in securities, not exports: a red flag, not a stop.
        ("CMIC", _) => Severity::Clear,
        // Unverified List, Military End User, ITAR debarment, sectoral and other sanctions:
        // each has its own consequence, which a person must read.
        _ => Severity::Review,
    }
}

/// One party's matches, independent of the date.
#[derive(Debug, Clone)]
pub(crate) struct RawScreening {
    pub matches: Vec<ScreenedMatch>,
    /// The Entity List matches, in `matches` order, with their listing dates parsed. The fast
    /// path reads these instead of `matches`: a cached party is judged on every shipment, and
    /// comparing list codes and parsing dates there cost more than the determination did.
    entity_list: Vec<Listing>,
    /// The most severe consequence of the matches on lists other than the Entity List: it does
    /// not depend on the date, so it is computed once per party, not per shipment.
    other_lists: Severity,
}

impl RawScreening {
    fn new(matches: Vec<ScreenedMatch>) -> Self {
        let entity_list = matches
            .iter()
            .filter(|m| m.list == "EL")
            .map(Listing::of)
            .collect();
        let other_lists = matches
            .iter()
            .filter(|m| m.list != "EL")
            .map(|m| consequence(&m.list, m.band))
            .max()
            .unwrap_or(Severity::Clear);
        Self {
            matches,
            entity_list,
            other_lists,
        }
    }

    /// The Entity List status on `as_of`, as [`judge`] finds it, without building the
    /// explanation.
    pub(crate) fn status_on(&self, as_of: Date) -> ListStatus {
        status_on(&self.entity_list, as_of).0
    }

    /// The most severe consequence of a match on a list the rule pack does not model.
    pub(crate) fn other_lists_severity(&self) -> Severity {
        self.other_lists
    }
}

/// When an Entity List match's listing took effect, as far as screening knows.
#[derive(Debug, Clone, Copy)]
struct Listing {
    band: Band,
    /// Listed for certain from this date: the effective date of the rule that added it, or
    /// the publication date when the pack's table has no rule for it. `None`: no date given,
    /// read as always listed.
    sure_from: Option<Date>,
    /// Possibly listed from this date: the effective date when known; otherwise seven days
    /// before publication, since additions took effect up to seven days before they were
    /// published (34 of the 55 rules since 2022 did).
    maybe_from: Option<Date>,
}

/// How long before its publication an Entity List addition may have taken effect when the
/// pack's table does not say (the longest gap the reference records).
const EARLY_EFFECT_DAYS: u64 = 7;

impl Listing {
    fn of(m: &ScreenedMatch) -> Self {
        let published = listed_on(m);
        let (sure_from, maybe_from) = match (m.effective_on, published) {
            (Some(effective), _) => (Some(effective), Some(effective)),
            (None, Some(p)) => (
                Some(p),
                p.checked_sub_days(chrono::Days::new(EARLY_EFFECT_DAYS)),
            ),
            (None, None) => (None, None),
        };
        Self {
            band: m.band,
            sure_from,
            maybe_from,
        }
    }

    fn is_listed_on(&self, as_of: Date) -> bool {
        self.sure_from.is_none_or(|d| d <= as_of)
    }

    fn may_be_listed_on(&self, as_of: Date) -> bool {
        self.maybe_from.is_none_or(|d| d <= as_of)
    }
}

/// The status on `as_of` and the position of the deciding listing: the best entry listed by
/// then decides; failing that, an entry that may have been listed by then (its effective date
/// unknown) makes a possible match a person must settle; otherwise not listed.
fn status_on(listings: &[Listing], as_of: Date) -> (ListStatus, Option<usize>) {
    if let Some(i) = listings.iter().position(|l| l.is_listed_on(as_of)) {
        let band = listings.get(i).map(|l| l.band);
        return (status_of_band(band), Some(i));
    }
    if let Some(i) = listings
        .iter()
        .position(|l| l.may_be_listed_on(as_of) && l.band != Band::NoMatch)
    {
        return (ListStatus::PossibleMatch, Some(i));
    }
    (ListStatus::NotListed, None)
}

pub(crate) fn screen(
    index: &Index,
    pack: &RulePack,
    searcher: &mut Searcher<'_>,
    thresholds: &Thresholds,
    name: &str,
    country: Option<&str>,
    address: Option<&str>,
) -> Result<RawScreening, earmark_screen::QueryError> {
    let query = Query {
        name,
        country,
        address,
    };
    let found = searcher.search(&query, thresholds, RESULTS_PER_PARTY)?;
    let matches = found
        .iter()
        .filter(|m| m.band != Band::NoMatch)
        .map(|m| screened(index, pack, m))
        .collect();
    Ok(RawScreening::new(matches))
}

fn screened(index: &Index, pack: &RulePack, m: &Match) -> ScreenedMatch {
    let entry = index.entries().get(m.entry);
    let listed_on = entry.and_then(|e| e.listed_on.clone());
    // The Entity List rule that added the entry: its citation of that day, joined to the
    // pack's dated table (see `earmark_core::rules::listing`).
    let rule = match (m.list.as_str(), entry, listed_on.as_deref()) {
        ("EL", Some(e), Some(published)) => published
            .parse::<Date>()
            .ok()
            .and_then(|p| e.citations.iter().find_map(|c| pack.listing_rule(c, p))),
        _ => None,
    };
    ScreenedMatch {
        band: m.band,
        score: earmark_screen::index::rounded_score(m.score),
        list: m.list.clone(),
        source_id: m.source_id.clone(),
        matched_name: m.matched_name.clone(),
        listed_on,
        effective_on: rule.map(|r| r.effective),
        listing_rule: rule.map(earmark_core::rules::listing::ListingRule::describe),
    }
}

/// The listing date, where the entry gives one that reads as a date.
fn listed_on(m: &ScreenedMatch) -> Option<Date> {
    m.listed_on.as_deref().and_then(|d| d.parse::<Date>().ok())
}

fn status_of_band(band: Option<Band>) -> ListStatus {
    match band {
        Some(Band::Match) => ListStatus::Listed,
        Some(Band::Review) => ListStatus::PossibleMatch,
        _ => ListStatus::NotListed,
    }
}

/// The party's Entity List status on `as_of` from its raw matches: the best Entity List
/// entry listed by then decides (`match` is listed, `review` a possible match a person must
/// settle); entries listed later are set aside, not counted.
pub(crate) fn judge(
    raw: &RawScreening,
    as_of: Date,
) -> (ListStatus, Option<ScreenedMatch>, Vec<ScreenedMatch>) {
    let el: Vec<&ScreenedMatch> = raw.matches.iter().filter(|m| m.list == "EL").collect();
    let (status, decisive) = status_on(&raw.entity_list, as_of);
    let entity_list = decisive.and_then(|i| el.get(i)).map(|m| (*m).clone());
    let later = el
        .iter()
        .zip(&raw.entity_list)
        .enumerate()
        .filter(|(i, (_, l))| !l.is_listed_on(as_of) && Some(*i) != decisive)
        .map(|(_, (m, _))| (*m).clone())
        .collect();
    (status, entity_list, later)
}

/// The status determination reads for the whole transaction: 744.11 reaches any listed party
/// (purchaser, intermediate or ultimate consignee, end user), so the most restrictive status
/// of any party counts. `None` when no party was screened or given a status.
pub(crate) fn combined_status(parties: &[PartyScreening]) -> Option<ListStatus> {
    parties
        .iter()
        .filter(|p| p.basis != ScreeningBasis::NotScreened)
        .filter_map(|p| p.status)
        .max_by_key(|s| status_rank(*s))
}

/// How restrictive a status is, for [`combined_status`] and its fast-path twin.
pub(crate) fn status_rank(s: ListStatus) -> u8 {
    match s {
        ListStatus::NotListed => 0,
        ListStatus::PossibleMatch => 1,
        ListStatus::Unknown => 2,
        ListStatus::Affiliate => 3,
        ListStatus::Listed => 4,
    }
}

/// What a party's status alone raises the severity to (see [`severity`]).
pub(crate) fn status_severity(status: Option<ListStatus>) -> Severity {
    if matches!(
        status,
        Some(ListStatus::PossibleMatch | ListStatus::Unknown)
    ) {
        Severity::Review
    } else {
        Severity::Clear
    }
}

/// How a script should treat the shipment: the decision's outcome, raised by what the
/// screening found that the decision may not have read. A possible Entity List match or a
/// party that could not be screened needs a person even where no rule read the list status;
/// a match on a list the pack does not model raises it to that list's consequence.
pub(crate) fn severity(outcome: Outcome, parties: &[PartyScreening]) -> Severity {
    let mut severity = Severity::of_outcome(outcome);
    for p in parties {
        severity = severity.max(status_severity(p.status));
        for m in &p.other_lists {
            severity = severity.max(consequence(&m.list, m.band));
        }
    }
    severity
}
