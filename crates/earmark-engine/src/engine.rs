//! The engine: one immutable value built from a rule pack, a catalog and a list snapshot, and
//! the per-thread [`Worker`] that checks shipments against it.
//!
//! `Engine` is `Send + Sync` and never changes after it is built, so a server shares one in an
//! `Arc` and a batch gives each thread a `Worker`. A worker holds what is mutable: the
//! determiner's compiled snapshots, a classification cache per (item, date, TF32 reading) and
//! a screening cache per distinct party. Nothing here reads a file or the clock: the date the
//! check is made (`checked_on`) is an argument.

use std::rc::Rc;

use earmark_core::catalog::{Catalog, CatalogItem};
use earmark_core::classify::{
    classify_with, Classification, ClassifyOptions, Vintages, VintagesError,
};
use earmark_core::country::Country;
use earmark_core::determine::UncertainView;
use earmark_core::determine::{
    Decision, Determiner, ItemFacts, Outcome, Reading, Reason, Request, Verdict,
};
use earmark_core::rules::{Confidence, ListStatus, ObligationKind, RulePack, Transaction};
use earmark_core::spec::{ItemKind, ItemRef as SpecItemRef, Spec, Tf32Reading};
use earmark_core::Date;
use earmark_screen::{Index, Searcher, Thresholds};
use rustc_hash::FxHashMap;

use crate::contract::{
    Alternative, Answer, DataUsed, ItemRef, ListUsed, NextChange, ParentHeadquarters, Party,
    PartyRole, PartyScreening, PerIcAlternative, ScreeningBasis, Severity, Shipment,
    ShipmentDecision, Tf32Alternative, SCHEMA_VERSION,
};
use crate::screening::{self, RawScreening};

/// Why a shipment could not be checked: the request itself is wrong. (An unknown fact is not
/// an error: it makes the decision indeterminate.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("`{0}` is not in the catalog")]
    UnknownItem(String),
    #[error("an in-country transfer stays in one country, but `from` is {from} and `to` is {to}")]
    InCountryAcrossBorders { from: Country, to: Country },
    #[error("`from` and `to` are both {0}: use transaction `in_country`")]
    ExportWithinCountry(Country),
    #[error("a reexport ships from a country other than the United States: give `from`")]
    ReexportFromUs,
    #[error("a rebuttal answers the foundry presumption: give exporter role `front_end_fabricator` or `osat`")]
    RebuttalWithoutRole,
    #[error("parent headquarters `same` needs the end user's `headquarters`")]
    SameParentWithoutHeadquarters,
    #[error("{0} parties have the role end user; a shipment has at most one")]
    SeveralEndUsers(usize),
    #[error("the inline spec: {0}")]
    InvalidSpec(String),
    #[error("{role} `{name}`: {reason}")]
    Screening {
        role: &'static str,
        name: String,
        reason: String,
    },
}

/// The immutable engine. Build it once; share it.
#[derive(Debug)]
pub struct Engine {
    pack: RulePack,
    /// The classification texts of the pack, by date.
    vintages: Vintages,
    catalog: Catalog,
    catalog_hash: String,
    lists: Option<Index>,
    /// Whether the lists loaded can answer the Entity List question at all.
    has_entity_list: bool,
    /// The dates on which some classification text starts or stops being in force, sorted.
    /// Classification reads its date only through those texts' windows, so between two of
    /// these dates an item's facts are the same: see [`Worker::facts_in_interval`].
    vintage_boundaries: Vec<Date>,
    thresholds: Thresholds,
    /// A list older than this many days on the check's date is named in the warnings.
    max_list_age_days: u32,
}

/// How old a list may be before a decision warns that it may miss recent listings. BIS and
/// OFAC publish changes weekly or faster.
pub const DEFAULT_MAX_LIST_AGE_DAYS: u32 = 7;

impl Engine {
    /// An engine over a rule pack, a catalog (with the content hash of its files) and, when
    /// parties are to be screened, a list index. Fails when the pack cannot classify (a
    /// paragraph undefined, a gap between its texts): such a pack would clear items by default.
    pub fn new(
        pack: RulePack,
        catalog: Catalog,
        catalog_hash: String,
        lists: Option<Index>,
    ) -> Result<Self, VintagesError> {
        let vintages = Vintages::from_pack(&pack)?;
        let has_entity_list = lists
            .as_ref()
            .is_some_and(|i| i.entries().iter().any(|e| e.list == "EL"));
        let windows = vintages
            .ic()
            .iter()
            .map(|v| &v.rule.window)
            .chain(vintages.system_b().iter().map(|v| &v.window))
            .chain(vintages.hbm().iter().map(|v| &v.rule.window));
        let mut vintage_boundaries: Vec<Date> = windows
            .flat_map(|w| [Some(w.from), w.to.and_then(|to| to.succ_opt())])
            .flatten()
            .collect();
        vintage_boundaries.sort_unstable();
        vintage_boundaries.dedup();
        Ok(Self {
            pack,
            vintages,
            catalog,
            catalog_hash,
            lists,
            has_entity_list,
            vintage_boundaries,
            thresholds: Thresholds::DEFAULT,
            max_list_age_days: DEFAULT_MAX_LIST_AGE_DAYS,
        })
    }

    /// The same engine with another list age past which decisions warn.
    #[must_use]
    pub fn with_max_list_age_days(mut self, days: u32) -> Self {
        self.max_list_age_days = days;
        self
    }

    pub fn vintages(&self) -> &Vintages {
        &self.vintages
    }

    /// The same engine with other screening bands.
    #[must_use]
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    pub fn pack(&self) -> &RulePack {
        &self.pack
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn catalog_hash(&self) -> &str {
        &self.catalog_hash
    }

    pub fn lists(&self) -> Option<&Index> {
        self.lists.as_ref()
    }

    /// Scratch state for one thread: create one per thread and check many shipments with it.
    pub fn worker(&self) -> Worker<'_> {
        Worker {
            engine: self,
            determiner: Determiner::new(&self.pack),
            searcher: self.lists.as_ref().map(Index::searcher),
            item_slots: FxHashMap::default(),
            items: Vec::new(),
            screenings: FxHashMap::default(),
        }
    }

    /// Checks one shipment with the full explanation (a fresh worker: for many, use
    /// [`Engine::worker`]).
    pub fn check(
        &self,
        shipment: &Shipment,
        checked_on: Date,
    ) -> Result<ShipmentDecision, CheckError> {
        self.worker().check(shipment, checked_on)
    }

    /// The data a decision is made with, list ages counted to `checked_on`.
    pub fn data_used(&self, checked_on: Date) -> DataUsed {
        DataUsed {
            rule_pack: self.pack.id.clone(),
            rule_pack_version: self.pack.version.clone(),
            rule_pack_hash: self.pack.hash.clone(),
            rule_pack_verified_through: self.pack.verified_through,
            catalog_hash: self.catalog_hash.clone(),
            lists: self
                .lists
                .as_ref()
                .map(|index| {
                    index
                        .lists()
                        .iter()
                        .map(|l| ListUsed {
                            source: l.source.clone(),
                            date: l.date.clone(),
                            age_days: l
                                .date
                                .as_deref()
                                .and_then(|d| d.parse::<Date>().ok())
                                .map(|d| (checked_on - d).num_days()),
                            content_hash: l.content_hash.clone(),
                            records: l.records,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// The item of a shipment, resolved.
enum Item<'a> {
    /// A catalog item, with its slot in the worker's classification cache.
    Catalog(&'a str, &'a Spec, usize),
    Inline(&'a Spec),
}

impl Item<'_> {
    fn spec(&self) -> &Spec {
        match self {
            Item::Catalog(_, spec, _) | Item::Inline(spec) => spec,
        }
    }

    fn catalog_id(&self) -> Option<&str> {
        match self {
            Item::Catalog(id, _, _) => Some(id),
            Item::Inline(_) => None,
        }
    }
}

/// A shipment resolved into what determination reads, with its parties screened.
struct Resolved<'a> {
    item: Item<'a>,
    request: Request,
    tf32: Tf32Reading,
}

/// The fast answer: enough for a batch summary and an exit code, no explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdicts {
    pub verdict: Verdict,
    pub severity: Severity,
    /// The combined list status the decision read (`None` when no party was screened).
    pub list_status: Option<ListStatus>,
}

/// A catalog item classified on one date under one TF32 reading.
type ClassifiedItem = Rc<(ItemFacts, Classification)>;

/// A party's screening, keyed by the evidence that went with the name.
struct CachedScreening {
    country: Option<String>,
    address: Option<String>,
    raw: Rc<RawScreening>,
}

/// A catalog item and its classifications, in a worker's cache.
struct CatalogSlot<'e> {
    item: &'e CatalogItem,
    classified: FxHashMap<(Date, Tf32Reading), ClassifiedItem>,
    /// One classification per interval between vintage boundaries and TF32 reading, indexed
    /// by `interval * 2 + reading`, for the answers that read only the item's facts.
    by_interval: Vec<Option<ClassifiedItem>>,
}

/// Per-thread scratch state over a shared [`Engine`].
pub struct Worker<'e> {
    engine: &'e Engine,
    determiner: Determiner<'e>,
    searcher: Option<Searcher<'e>>,
    /// The slot in `items` of each catalog id met. One hash of the id per shipment finds both
    /// the catalog entry and its classifications: looking the id up in the catalog's
    /// `BTreeMap` and then hashing it again into a cache keyed by `String` cost a string
    /// comparison per tree level and a second hash on every fast-path check.
    item_slots: FxHashMap<&'e str, usize>,
    /// Each catalog item met, with its classifications per (date, TF32 reading).
    items: Vec<CatalogSlot<'e>>,
    /// Raw screening per name, then per (country, address).
    screenings: FxHashMap<String, Vec<CachedScreening>>,
}

impl std::fmt::Debug for Worker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("cached_items", &self.items.len())
            .field("cached_parties", &self.screenings.len())
            .finish_non_exhaustive()
    }
}

impl<'e> Worker<'e> {
    pub fn engine(&self) -> &'e Engine {
        self.engine
    }

    fn resolve<'s>(
        &mut self,
        shipment: &'s Shipment,
        checked_on: Date,
    ) -> Result<Resolved<'s>, CheckError>
    where
        'e: 's,
    {
        let item = match &shipment.item {
            ItemRef::CatalogId(id) => {
                let slot = match self.item_slots.get(id.as_str()) {
                    Some(&slot) => slot,
                    None => {
                        let Some(entry) = self.engine.catalog.get(id) else {
                            return Err(CheckError::UnknownItem(id.clone()));
                        };
                        self.items.push(CatalogSlot {
                            item: entry,
                            classified: FxHashMap::default(),
                            by_interval: vec![None; (self.engine.vintage_boundaries.len() + 1) * 2],
                        });
                        self.item_slots
                            .insert(entry.id.as_str(), self.items.len() - 1);
                        self.items.len() - 1
                    }
                };
                let entry: &'e CatalogItem = self.items[slot].item;
                // INVARIANT: the engine outlives the shipment's borrow ('e: 's).
                Item::Catalog(entry.id.as_str(), &entry.spec, slot)
            }
            ItemRef::Spec(spec) => {
                // A spec that came in a request (JSON from a front end) has not been through
                // the spec reader's checks: a figure that overflows would classify as an
                // infinite TPP.
                spec.validate()
                    .map_err(|e| CheckError::InvalidSpec(e.to_string()))?;
                Item::Inline(spec)
            }
        };
        let (from, to) = (shipment.from, shipment.to);
        match shipment.transaction {
            Transaction::InCountry if from != to && from != Country::us() => {
                return Err(CheckError::InCountryAcrossBorders { from, to });
            }
            Transaction::Export | Transaction::Reexport if from == to => {
                return Err(CheckError::ExportWithinCountry(to));
            }
            Transaction::Reexport if from == Country::us() => {
                return Err(CheckError::ReexportFromUs);
            }
            _ => {}
        }
        // An in-country transfer given without `from` is a transfer within `to`.
        let from = if shipment.transaction == Transaction::InCountry {
            to
        } else {
            from
        };
        if shipment.rebuttal != earmark_core::rules::Rebuttal::None
            && shipment.exporter_role == earmark_core::rules::ExporterRole::Other
        {
            return Err(CheckError::RebuttalWithoutRole);
        }
        // Counted rather than collected: resolving runs on every fast-path check, and a Vec
        // here was an allocation per shipment.
        let mut end_users = shipment
            .parties
            .iter()
            .filter(|p| p.role == PartyRole::EndUser);
        let end_user: Option<&Party> = end_users.next();
        let others = end_users.count();
        if others > 0 {
            return Err(CheckError::SeveralEndUsers(others + 1));
        }
        let end_user_hq = end_user.and_then(|p| p.headquarters);
        let parent_hq = match end_user.and_then(|p| p.parent_headquarters) {
            None => None,
            Some(ParentHeadquarters::Same) => match end_user_hq {
                Some(hq) => Some(hq),
                None => return Err(CheckError::SameParentWithoutHeadquarters),
            },
            Some(ParentHeadquarters::Country(c)) => Some(c),
        };
        let as_of = shipment.as_of;
        let request = Request {
            to,
            from,
            end_user_hq,
            parent_hq,
            transaction: shipment.transaction,
            end_use: shipment.end_use,
            quantity: shipment.quantity,
            as_of,
            known_on: shipment.known_on.unwrap_or_else(|| checked_on.max(as_of)),
            reading: shipment.layer,
            exporter_role: shipment.exporter_role,
            exporter: shipment.exporter,
            rebuttal: shipment.rebuttal,
            end_user_list: None,
        };
        Ok(Resolved {
            item,
            request,
            tf32: shipment.tf32,
        })
    }

    /// The date the request's item is classified as of: its as-of date, or earlier when the
    /// known-on date predates a classification text in force then.
    fn classification_date(&mut self, request: &Request) -> Date {
        self.determiner
            .classification_date(request.as_of, request.known_on, request.reading)
    }

    /// Classifies the item as of the date the request classifies on, through the cache for
    /// catalog items.
    fn classified(
        &mut self,
        item: &Item<'_>,
        request: &Request,
        tf32: Tf32Reading,
    ) -> ClassifiedItem {
        let when = self.classification_date(request);
        self.classified_on(item, when, tf32)
    }

    /// The item's facts for a determination, as [`Worker::classified`] gives them, through a
    /// cache per interval between vintage boundaries rather than per date.
    ///
    /// Why: the per-date cache holds one full classification (trace, summary, notes) per
    /// item, date and reading; a mix spread over four years fills it with hundreds of
    /// thousands of them, and every fast-path check then read its facts from a cold cache
    /// line far away in memory. Classification reads its date only through the windows of the
    /// pack's classification texts (`Vintages`: in force, before, after), so two dates with no
    /// window boundary between them give the same facts, except `classified_as_of`, which the
    /// fast determination (`Determiner::decide`) does not read. A few hundred entries per
    /// worker then serve every date. The full decision still classifies on its own date.
    fn facts_in_interval(
        &mut self,
        item: &Item<'_>,
        request: &Request,
        tf32: Tf32Reading,
    ) -> ClassifiedItem {
        let when = self.classification_date(request);
        let Item::Catalog(_, _, slot) = item else {
            return self.classified_on(item, when, tf32);
        };
        let interval = self
            .engine
            .vintage_boundaries
            .partition_point(|b| *b <= when);
        let at = interval * 2 + usize::from(tf32 == Tf32Reading::Significant19);
        if let Some(hit) = self
            .items
            .get(*slot)
            .and_then(|s| s.by_interval.get(at))
            .and_then(Option::as_ref)
        {
            return Rc::clone(hit);
        }
        let value = self.classified_on(item, when, tf32);
        if let Some(cell) = self
            .items
            .get_mut(*slot)
            .and_then(|s| s.by_interval.get_mut(at))
        {
            *cell = Some(Rc::clone(&value));
        }
        value
    }

    fn classified_on(&mut self, item: &Item<'_>, when: Date, tf32: Tf32Reading) -> ClassifiedItem {
        let catalog = &self.engine.catalog;
        let vintages = &self.engine.vintages;
        let compute = || {
            let c = classify_with(
                item.spec(),
                when,
                &ClassifyOptions { tf32 },
                catalog,
                vintages,
            );
            let facts = ItemFacts::from_classification(item.catalog_id(), item.spec(), &c);
            Rc::new((facts, c))
        };
        match item {
            Item::Inline(_) => compute(),
            Item::Catalog(_, _, slot) => {
                let Some(cache) = self.items.get_mut(*slot).map(|s| &mut s.classified) else {
                    // Every slot an `Item` names was made by this worker's `resolve`.
                    return compute();
                };
                if let Some(hit) = cache.get(&(when, tf32)) {
                    return Rc::clone(hit);
                }
                let value = compute();
                cache.insert((when, tf32), Rc::clone(&value));
                value
            }
        }
    }

    fn raw_screening(
        &mut self,
        name: &str,
        country: Option<&str>,
        address: Option<&str>,
    ) -> Result<Option<Rc<RawScreening>>, earmark_screen::QueryError> {
        let (Some(index), Some(searcher)) = (self.engine.lists.as_ref(), self.searcher.as_mut())
        else {
            return Ok(None);
        };
        if let Some(found) = self.screenings.get(name).and_then(|v| {
            v.iter()
                .find(|c| c.country.as_deref() == country && c.address.as_deref() == address)
        }) {
            return Ok(Some(Rc::clone(&found.raw)));
        }
        let raw = Rc::new(screening::screen(
            index,
            &self.engine.pack,
            searcher,
            &self.engine.thresholds,
            name,
            country,
            address,
        )?);
        self.screenings
            .entry(name.to_owned())
            .or_default()
            .push(CachedScreening {
                country: country.map(str::to_owned),
                address: address.map(str::to_owned),
                raw: Rc::clone(&raw),
            });
        Ok(Some(raw))
    }

    /// Screens every party of the shipment as of the request's date.
    fn screen_parties(
        &mut self,
        shipment: &Shipment,
        as_of: Date,
    ) -> Result<Vec<PartyScreening>, CheckError> {
        let mut out = Vec::with_capacity(shipment.parties.len());
        for party in &shipment.parties {
            let mut screened = PartyScreening {
                role: party.role,
                name: party.name.clone(),
                status: None,
                basis: ScreeningBasis::NotScreened,
                entity_list: None,
                listed_after_as_of: Vec::new(),
                other_lists: Vec::new(),
            };
            if let Some(given) = party.list_status {
                screened.status = Some(given);
                screened.basis = ScreeningBasis::Given;
            } else if let Some(name) = party.name.as_deref() {
                let country = party.country.unwrap_or(shipment.to);
                let raw = self
                    .raw_screening(name, Some(country.code()), party.address.as_deref())
                    .map_err(|e| CheckError::Screening {
                        role: party.role.as_str(),
                        name: name.to_owned(),
                        reason: e.to_string(),
                    })?;
                match raw {
                    Some(raw) if self.engine.has_entity_list => {
                        let (status, el, later) = screening::judge(&raw, as_of);
                        screened.status = Some(status);
                        screened.basis = ScreeningBasis::Screened;
                        screened.entity_list = el;
                        screened.listed_after_as_of = later;
                        screened.other_lists = raw
                            .matches
                            .iter()
                            .filter(|m| m.list != "EL")
                            .cloned()
                            .collect();
                    }
                    Some(raw) => {
                        // Screened, but nothing loaded can say whether the party is on the
                        // Entity List: never "not listed".
                        screened.status = Some(ListStatus::Unknown);
                        screened.basis = ScreeningBasis::NoEntityList;
                        screened.other_lists = raw
                            .matches
                            .iter()
                            .filter(|m| m.list != "EL")
                            .cloned()
                            .collect();
                    }
                    None => {
                        screened.status = Some(ListStatus::Unknown);
                        screened.basis = ScreeningBasis::NoEntityList;
                    }
                }
            }
            out.push(screened);
        }
        Ok(out)
    }

    /// What the fast path needs of the parties: the combined list status
    /// ([`screening::combined_status`]) and the severity the screening alone raises the answer
    /// to ([`screening::severity`] without the outcome). The same answers as
    /// [`Worker::screen_parties`] (`tests/threads.rs` holds them together), but without a
    /// `PartyScreening` per party: building those cloned the name and every match, several
    /// allocations a party, on every shipment, for a record the fast path throws away.
    fn screen_parties_fast(
        &mut self,
        shipment: &Shipment,
        as_of: Date,
    ) -> Result<(Option<ListStatus>, Severity), CheckError> {
        let mut combined: Option<ListStatus> = None;
        let mut raised = Severity::Clear;
        for party in &shipment.parties {
            let (status, other_lists) = if let Some(given) = party.list_status {
                (given, Severity::Clear)
            } else if let Some(name) = party.name.as_deref() {
                let country = party.country.unwrap_or(shipment.to);
                let raw = self
                    .raw_screening(name, Some(country.code()), party.address.as_deref())
                    .map_err(|e| CheckError::Screening {
                        role: party.role.as_str(),
                        name: name.to_owned(),
                        reason: e.to_string(),
                    })?;
                match raw {
                    Some(raw) if self.engine.has_entity_list => {
                        (raw.status_on(as_of), raw.other_lists_severity())
                    }
                    // Nothing loaded can say whether the party is on the Entity List.
                    Some(raw) => (ListStatus::Unknown, raw.other_lists_severity()),
                    None => (ListStatus::Unknown, Severity::Clear),
                }
            } else {
                continue;
            };
            raised = raised
                .max(screening::status_severity(Some(status)))
                .max(other_lists);
            if combined.is_none_or(|c| screening::status_rank(status) >= screening::status_rank(c))
            {
                combined = Some(status);
            }
        }
        Ok((combined, raised))
    }

    /// The fast path: outcome, review policy, exceptions (through the verdict) and severity,
    /// without explanation. Screening and classification are cached.
    pub fn verdict(
        &mut self,
        shipment: &Shipment,
        checked_on: Date,
    ) -> Result<Verdicts, CheckError> {
        let Resolved {
            item,
            mut request,
            tf32,
        } = self.resolve(shipment, checked_on)?;
        let (list_status, raised) = self.screen_parties_fast(shipment, request.as_of)?;
        request.end_user_list = list_status;
        let classified = self.facts_in_interval(&item, &request, tf32);
        let verdict = self.determiner.decide(&request, &classified.0);
        let severity = Severity::of_outcome(verdict.outcome).max(raised);
        Ok(Verdicts {
            verdict,
            severity,
            list_status: request.end_user_list,
        })
    }

    /// The full decision: determination with trace, classification, every party's
    /// screening, the other layer, the next change and the TF32 alternative.
    pub fn check(
        &mut self,
        shipment: &Shipment,
        checked_on: Date,
    ) -> Result<ShipmentDecision, CheckError> {
        let Resolved {
            item,
            mut request,
            tf32,
        } = self.resolve(shipment, checked_on)?;
        let parties = self.screen_parties(shipment, request.as_of)?;
        request.end_user_list = screening::combined_status(&parties);
        let classified = self.classified(&item, &request, tf32);
        let (facts, classification) = (&classified.0, &classified.1);
        let mut decision = self.determiner.explain(&request, facts);
        // A check as known on a past date must not reveal what was published after it: a
        // rule not yet public then is left out, not listed as "public on" a later date with
        // the citation of a letter nobody had seen.
        decision
            .trace
            .retain(|t| !matches!(t.code, Reason::NotYetPublic { .. }));
        // What classification had to say (an unmodelled .z paragraph, an interpretation)
        // bears on the decision too.
        decision.notes.extend(
            classification
                .notes
                .iter()
                .map(|n| format!("classification: {n}")),
        );
        let answer = answer_of(&decision);

        let tf32_alternative =
            self.tf32_alternative(&item, &request, tf32, classification, &answer);
        if let Some(alt) = tf32_alternative.as_ref().filter(|a| a.differs) {
            let why = format!(
                "the answer depends on how TF32 counts: at {} bits TPP is {} and the outcome {}; \
                 at {} bits TPP is {} and the outcome {}",
                tf32.bits(),
                figure(classification.tpp),
                brief(&answer),
                alt.bits,
                figure(alt.tpp),
                brief(&alt.answer),
            );
            decision.notes.push(why.clone());
            decision.uncertain.push(UncertainView {
                id: "tf32-bit-length".to_owned(),
                confidence: Confidence::Uncertain,
                why,
            });
        }

        let per_ic_alternative = self.per_ic_alternative(&item, &request, tf32, facts, &answer);
        if let Some(alt) = per_ic_alternative.as_ref().filter(|a| a.differs) {
            let why = format!(
                "the answer depends on whether the rules' figures are read for the whole system \
                 (TPP {}, memory bandwidth {} GB/s: {}) or per IC ({}: TPP {}, memory bandwidth \
                 {} GB/s: {})",
                figure(facts.tpp),
                figure(facts.memory_bandwidth_gbs),
                brief(&answer),
                alt.ic,
                figure(alt.tpp),
                figure(alt.memory_bandwidth_gbs),
                brief(&alt.answer),
            );
            decision.uncertain.push(UncertainView {
                id: "system-figures-per-ic".to_owned(),
                confidence: Confidence::Uncertain,
                why,
            });
        }

        let other_layer = self.other_layer(&item, &request, tf32, &answer);
        let next_change = self.next_change(&item, &request, tf32, &answer);
        let mut warnings = Vec::new();
        for p in &parties {
            warnings.extend(party_warnings(p));
        }
        let data = self.engine.data_used(checked_on);
        if parties.iter().any(|p| p.basis == ScreeningBasis::Screened) {
            warnings.extend(list_age_warnings(&data, self.engine.max_list_age_days));
        }
        let severity = screening::severity(decision.outcome, &parties);
        let headline = headline(&decision, &parties, severity);
        Ok(ShipmentDecision {
            schema_version: SCHEMA_VERSION,
            engine_version: crate::ENGINE_VERSION.to_owned(),
            headline,
            severity,
            checked_on,
            shipment: shipment.clone(),
            decision,
            classification: classification.clone(),
            parties,
            other_layer,
            next_change,
            tf32_alternative,
            per_ic_alternative,
            data,
            warnings,
        })
    }

    fn fast_answer(&mut self, item: &Item<'_>, request: &Request, tf32: Tf32Reading) -> Answer {
        // The other layer and each later date of `next_change` need only the facts.
        let classified = self.facts_in_interval(item, request, tf32);
        let v = self.determiner.decide(request, &classified.0);
        answer_of_verdict(&v, &self.engine.pack)
    }

    fn other_layer(
        &mut self,
        item: &Item<'_>,
        request: &Request,
        tf32: Tf32Reading,
        answer: &Answer,
    ) -> Alternative {
        let mut other = request.clone();
        other.reading = match request.reading {
            Reading::Enforced => Reading::Legal,
            Reading::Legal => Reading::Enforced,
        };
        let alt = self.fast_answer(item, &other, tf32);
        Alternative {
            layer: other.reading,
            differs: alt != *answer,
            answer: alt,
        }
    }

    fn tf32_alternative(
        &mut self,
        item: &Item<'_>,
        request: &Request,
        tf32: Tf32Reading,
        classification: &Classification,
        answer: &Answer,
    ) -> Option<Tf32Alternative> {
        let other = tf32.other();
        let when = self.classification_date(request);
        let alt = self.classified_on(item, when, other);
        if alt.1.tpp == classification.tpp {
            return None;
        }
        let v = self.determiner.decide(request, &alt.0);
        let alt_answer = answer_of_verdict(&v, &self.engine.pack);
        Some(Tf32Alternative {
            bits: other.bits(),
            tpp: alt.1.tpp,
            differs: alt_answer != *answer,
            answer: alt_answer,
        })
    }

    /// A system's answer with the figures of its most capable IC in place of the system's.
    fn per_ic_alternative(
        &mut self,
        item: &Item<'_>,
        request: &Request,
        tf32: Tf32Reading,
        system: &ItemFacts,
        answer: &Answer,
    ) -> Option<PerIcAlternative> {
        let spec = item.spec();
        if spec.kind != ItemKind::System {
            return None;
        }
        let when = self.classification_date(request);
        let engine = self.engine;
        let mut best: Option<(ItemFacts, String)> = None;
        for component in &spec.contains {
            let (id, part) = match &component.item {
                SpecItemRef::CatalogId(id) => match engine.catalog.get(id) {
                    Some(entry) => (Some(entry.id.as_str()), &entry.spec),
                    None => continue,
                },
                SpecItemRef::Inline(spec) => (None, spec.as_ref()),
            };
            if part.kind != ItemKind::Ic {
                continue;
            }
            let c = classify_with(
                part,
                when,
                &ClassifyOptions { tf32 },
                &engine.catalog,
                &engine.vintages,
            );
            let facts = ItemFacts::from_classification(id, part, &c);
            let better = match (&best, facts.tpp) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some((b, _)), Some(t)) => b.tpp.is_none_or(|bt| t > bt),
            };
            if better {
                best = Some((facts, part.name.clone()));
            }
        }
        let (ic, name) = best?;
        // The system's classification and identity, the IC's figures.
        let per_ic = ItemFacts {
            tpp: ic.tpp,
            performance_density: ic.performance_density,
            memory_bandwidth_density: ic.memory_bandwidth_density,
            memory_bandwidth_gbs: ic.memory_bandwidth_gbs,
            interconnect_bidir_gbs: ic.interconnect_bidir_gbs,
            ..system.clone()
        };
        let v = self.determiner.decide(request, &per_ic);
        let alt = answer_of_verdict(&v, &self.engine.pack);
        Some(PerIcAlternative {
            ic: name,
            tpp: per_ic.tpp,
            memory_bandwidth_gbs: per_ic.memory_bandwidth_gbs,
            differs: alt != *answer,
            answer: alt,
        })
    }

    /// The first later date on which the pack answers differently. Only what was public on the
    /// known-on date counts: a replay as of an old date must not reveal what came later.
    fn next_change(
        &mut self,
        item: &Item<'_>,
        request: &Request,
        tf32: Tf32Reading,
        now: &Answer,
    ) -> Option<NextChange> {
        let pack = &self.engine.pack;
        let known = |i: &earmark_core::rules::Instrument| i.is_known_on(request.known_on);
        let known_at = |instrument: usize| pack.instruments.get(instrument).is_some_and(known);
        // Only the dates of what was public on the known-on date: a date set by a later
        // instrument would reveal that it exists.
        let mut dates: Vec<Date> = vec![pack.starts];
        for rule in pack.rules.iter().filter(|r| known_at(r.instrument)) {
            dates.push(rule.window.from);
            dates.extend(rule.window.to.and_then(|d| d.succ_opt()));
        }
        for group in &pack.groups {
            dates.extend(
                group
                    .changes
                    .iter()
                    .filter(|c| known_at(c.instrument))
                    .map(|c| c.date),
            );
        }
        dates.extend(pack.treatments.iter().map(|t| t.since));
        dates.extend(
            pack.instruments
                .iter()
                .filter(|i| known(i))
                .map(|i| i.announced),
        );
        dates.sort_unstable();
        dates.dedup();
        // Past the date the pack was verified through every answer is indeterminate for want
        // of coverage: that is not a change the rules make, so the sweep stops there.
        let horizon = pack.verified_through.unwrap_or(Date::MAX);
        for date in dates
            .into_iter()
            .filter(|d| *d > request.as_of && *d <= horizon)
        {
            let mut later = request.clone();
            later.as_of = date;
            let answer = self.fast_answer(item, &later, tf32);
            if answer != *now {
                let pack = &self.engine.pack;
                let instruments = pack
                    .instruments
                    .iter()
                    .filter(|i| known(i))
                    .filter(|i| {
                        i.announced == date
                            || i.effective == date
                            || i.compliance == Some(date)
                            || i.end.and_then(|e| e.succ_opt()) == Some(date)
                            || i.rules
                                .iter()
                                .any(|&r| pack.rules.get(r).is_some_and(|r| r.window.from == date))
                    })
                    .map(|i| i.id.clone())
                    .collect();
                return Some(NextChange {
                    date,
                    answer,
                    instruments,
                });
            }
        }
        None
    }
}

fn answer_of(d: &Decision) -> Answer {
    let mut license_exceptions: Vec<String> =
        d.license_exceptions.iter().map(|e| e.id.clone()).collect();
    license_exceptions.sort_unstable();
    Answer {
        outcome: d.outcome,
        review_policy: d.review_policy,
        license_exceptions,
    }
}

fn answer_of_verdict(v: &Verdict, pack: &RulePack) -> Answer {
    let mut license_exceptions: Vec<String> =
        v.exceptions(pack).into_iter().map(str::to_owned).collect();
    license_exceptions.sort_unstable();
    Answer {
        outcome: v.outcome,
        review_policy: v.review_policy,
        license_exceptions,
    }
}

/// Outcome and review policy in a few words.
pub fn brief(a: &Answer) -> String {
    let mut text = a.outcome.as_str().replace('_', " ");
    if let Some(p) = a.review_policy {
        text.push_str(&format!(" ({})", p.as_str().replace('_', " ")));
    }
    if !a.license_exceptions.is_empty() {
        text.push_str(&format!(
            ", license exception {}",
            a.license_exceptions.join(", ")
        ));
    }
    text
}

/// A figure as printed: whole numbers without a fraction, never `-0`.
pub fn figure(v: Option<f64>) -> String {
    match v {
        None => "unknown".to_owned(),
        // `-0` from an empty sum reads as a negative figure.
        Some(0.0) => "0".to_owned(),
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v}"),
    }
}

/// Lists too old, undated or dated after the check: a screening against them may miss
/// parties listed since.
fn list_age_warnings(data: &DataUsed, max_age_days: u32) -> Vec<String> {
    data.lists
        .iter()
        .filter_map(|l| match l.age_days {
            None => Some(format!(
                "list `{}` has no date: its age cannot be checked",
                l.source
            )),
            Some(age) if age < 0 => Some(format!(
                "list `{}` is dated after the check's date: its date is wrong",
                l.source
            )),
            Some(age) if age > i64::from(max_age_days) => Some(format!(
                "list `{}` is {age} days old (more than {max_age_days}): parties listed since \
                 are missing from it",
                l.source
            )),
            Some(_) => None,
        })
        .collect()
}

fn party_warnings(p: &PartyScreening) -> Vec<String> {
    let who = match &p.name {
        Some(name) => format!("{} `{name}`", p.role.as_str()),
        None => p.role.as_str().to_owned(),
    };
    let mut out = Vec::new();
    match p.basis {
        ScreeningBasis::NoEntityList => out.push(format!(
            "{who} could not be screened against the Entity List (none was loaded): its list \
             status is unknown"
        )),
        ScreeningBasis::NotScreened | ScreeningBasis::Given | ScreeningBasis::Screened => {}
    }
    for m in &p.other_lists {
        let what = match screening::consequence(&m.list, m.band) {
            Severity::Blocked => "blocks the transaction",
            Severity::Review => "has consequences outside this rule pack: read the entry",
            Severity::Clear | Severity::LicenseRequired => {
                "does not itself govern exports, but is a red flag"
            }
        };
        out.push(format!(
            "{who} {} {} {} \"{}\" (score {:.2}): {what}",
            if m.band == earmark_screen::Band::Match {
                "matches"
            } else {
                "may match"
            },
            m.list,
            m.source_id,
            m.matched_name,
            m.score
        ));
    }
    out
}

/// The answer in one line. It never says more than the decision supports: a clearance names
/// what it did not cover, an exception names the eligibility earmark cannot check.
pub fn headline(d: &Decision, parties: &[PartyScreening], severity: Severity) -> String {
    let mut s = match d.outcome {
        Outcome::LicenseRequired => "LICENSE REQUIRED".to_owned(),
        Outcome::NoLicenseRequired => "NO LICENSE REQUIRED".to_owned(),
        Outcome::Prohibited => "PROHIBITED: do not proceed".to_owned(),
        Outcome::Indeterminate => {
            if d.missing
                .iter()
                .any(|m| m.field == "as_of" || m.field == "known_on")
            {
                "INDETERMINATE: the date is outside the rule pack's coverage".to_owned()
            } else {
                "INDETERMINATE: facts are missing".to_owned()
            }
        }
    };
    if let Some(p) = d.review_policy {
        s.push_str(&format!("; review policy {}", p.as_str().replace('_', " ")));
    }
    for e in &d.license_exceptions {
        let eligibility: Vec<&str> = e
            .obligations
            .iter()
            .filter(|o| o.kind == ObligationKind::Eligibility)
            .map(|o| o.text.as_str())
            .collect();
        if eligibility.is_empty() {
            s.push_str(&format!("; license exception available: {}", e.id));
        } else {
            s.push_str(&format!(
                "; license exception {} only if eligible, which earmark cannot check ({})",
                e.id,
                eligibility.join(" ")
            ));
        }
    }
    let screened = parties
        .iter()
        .any(|p| p.basis != ScreeningBasis::NotScreened);
    if !screened && d.outcome != Outcome::Prohibited {
        s.push_str(" (no party screened)");
    }
    if severity == Severity::Blocked && d.outcome != Outcome::Prohibited {
        s.push_str("; BLOCKED: a party matches a denial or sanctions list");
    } else if severity == Severity::Review && d.outcome != Outcome::Indeterminate {
        s.push_str("; REVIEW: a party may match a restricted list");
    }
    s
}
