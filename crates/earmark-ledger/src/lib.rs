//! The system of record (EAR Part 762): licenses and their depletion, shipments, screening
//! dispositions, compute caps, and every decision, in one append-only, hash-chained record.
//!
//! One [`Ledger`] over two backends: an embedded SQLite file (the default, one user) and
//! PostgreSQL (a team running several earmark processes against one database). The logic
//! (the chain, license depletion, re-import idempotency) is written once against a small
//! per-transaction store interface that each backend implements in its own dialect.
//!
//! Synchronous, like the engine: a server calls it from `spawn_blocking`. It does database
//! I/O and nothing else: no clock (callers pass [`Meta`]), no environment.
//!
//! Records are never updated or deleted; the tables beside the chain (licenses with their
//! depletion, shipments by order line, dispositions, caps) are indexes written in the same
//! transaction as the record they come from.

pub mod chain;
mod error;
pub mod model;
mod postgres;
mod sqlite;
mod store;

use std::collections::HashMap;
use std::path::Path;

use earmark_engine::{PartyDisposition, Shipment, StoredDecision};
use serde::Serialize;

pub use chain::Break;
pub use error::{LedgerError, Result};
pub use model::{
    dollars, h100_equivalents, normalize_party, Authorisation, Cap, CapCharge, CapScope, CapSource,
    ChainHead, Depletion, Disposition, License, LicenseStatus, Meta, NewShipment, PartyRecord,
    Record, Recorded, StoredDisposition, UsageRow, Used, VolumeRatio, H100_SXM_TPP, NO_CONSIGNEE,
};
pub use store::UsageKey;

use store::{ShipmentRow, Store};

/// Record kinds, as stored in `records.kind`.
pub mod kind {
    pub const LICENSE: &str = "license";
    pub const SHIPMENT: &str = "shipment";
    pub const DECISION: &str = "decision";
    pub const DISPOSITION: &str = "disposition";
    pub const CAP: &str = "cap";
    pub const SCREENING: &str = "screening";
}

/// Records read per query when walking the chain.
const PAGE: u64 = 5_000;

/// A ledger database.
pub struct Ledger {
    backend: Backend,
    /// Caps the rule pack declares ([`Ledger::declare_caps`]), enforced with the stored ones.
    declared: Vec<Cap>,
    /// Cap totals as this process's last batch left them, with the chain head it committed.
    /// A batch that finds the head there again (no one else wrote since: every write moves
    /// the head) starts from them; otherwise it reads the totals again. Without this, each
    /// batch summed all of a consignee's lines again: recording slowed as the ledger grew.
    cap_cache: Option<(ChainHead, CapTotals)>,
}

/// TPP counted per (cap, key, first year of the span).
type CapTotals = HashMap<(String, String, i32), f64>;

enum Backend {
    Sqlite(rusqlite::Connection),
    Postgres(Box<::postgres::Client>),
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("backend", &self.backend_name())
            .field("declared_caps", &self.declared.len())
            .finish()
    }
}

/// The body of a shipment record: the line, its request, and its decision named by the hash
/// of the decision's body (kept once in `decision_bodies`; see [`DecisionBody`]).
#[derive(Debug, Serialize)]
struct ShipmentBody<'a> {
    order_id: &'a str,
    line: u32,
    ship_date: earmark_core::Date,
    value_cents: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    eccn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tpp_per_unit: Option<f64>,
    authorisation: &'a Authorisation,
    /// The request the decision answered (every line has its own: order quantities differ).
    request: &'a Shipment,
    /// `sha256:` and the hex SHA-256 of the decision body's text.
    decision: &'a str,
    #[serde(skip_serializing_if = "<[u64]>::is_empty")]
    dispositions: &'a [u64],
    #[serde(skip_serializing_if = "Option::is_none")]
    depletion: Option<&'a Depletion>,
    #[serde(skip_serializing_if = "<[CapCharge]>::is_empty")]
    caps: &'a [CapCharge],
}

/// A stored decision without its request: what the lines of an order book share, stored once
/// per distinct text. The fields are [`StoredDecision`]'s but `shipment`; reading joins the
/// record's `request` back in.
#[derive(Debug, Serialize)]
struct DecisionBody<'a> {
    schema_version: u32,
    engine_version: &'a str,
    checked_on: earmark_core::Date,
    outcome: earmark_core::determine::Outcome,
    severity: earmark_engine::Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    review_policy: Option<earmark_core::rules::ReviewPolicy>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    license_exceptions: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    conditions: &'a [String],
    determining_rules: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    missing: &'a [String],
    #[serde(skip_serializing_if = "<[earmark_engine::stored::StoredParty]>::is_empty")]
    parties: &'a [earmark_engine::stored::StoredParty],
    rule_pack_hash: &'a str,
    catalog_hash: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    list_hashes: &'a [String],
}

impl<'a> DecisionBody<'a> {
    fn of(d: &'a StoredDecision) -> Self {
        // INVARIANT: every field of `StoredDecision` is named here (no `..`), so a field added
        // there fails to compile until it is stored here too, rather than being dropped.
        let StoredDecision {
            schema_version,
            engine_version,
            checked_on,
            shipment: _,
            outcome,
            severity,
            review_policy,
            license_exceptions,
            conditions,
            determining_rules,
            missing,
            parties,
            rule_pack_hash,
            catalog_hash,
            list_hashes,
        } = d;
        Self {
            schema_version: *schema_version,
            engine_version,
            checked_on: *checked_on,
            outcome: *outcome,
            severity: *severity,
            review_policy: *review_policy,
            license_exceptions,
            conditions,
            determining_rules,
            missing,
            parties,
            rule_pack_hash,
            catalog_hash,
            list_hashes,
        }
    }
}

/// The decision body's text and the reference a record keeps of it.
fn decision_text(d: &StoredDecision) -> Result<(String, String)> {
    let text = to_json(&DecisionBody::of(d))?;
    let hash = format!("sha256:{}", chain::sha256_hex(text.as_bytes()));
    Ok((hash, text))
}

/// A stored decision from a decision body and the request it answered.
fn join_decision(what: &str, body: &str, request: serde_json::Value) -> Result<StoredDecision> {
    let mut value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| LedgerError::Corrupt(format!("{what}: {e}")))?;
    let Some(map) = value.as_object_mut() else {
        return Err(LedgerError::Corrupt(format!(
            "{what}: a decision body is not a JSON object"
        )));
    };
    map.insert("shipment".to_owned(), request);
    serde_json::from_value(value).map_err(|e| LedgerError::Corrupt(format!("{what}: {e}")))
}

/// The part of a shipment record's body that verify re-adds, and the decision it names
/// (a `sha256:` reference; an object in records written before decision bodies were shared).
#[derive(Debug, serde::Deserialize)]
struct ShipmentDepletion {
    #[serde(default)]
    depletion: Option<Depletion>,
    #[serde(default)]
    decision: Option<serde_json::Value>,
    #[serde(default)]
    authorisation: Option<Authorisation>,
    #[serde(default)]
    tpp_per_unit: Option<f64>,
    #[serde(default)]
    ship_date: Option<earmark_core::Date>,
    /// The line's request (records since decision bodies are shared; before, it is the
    /// decision's `shipment`).
    #[serde(default)]
    request: Option<Shipment>,
}

/// What a shipment record says its row's cap columns must be, and the TPP it adds.
fn cap_columns_of(
    seq: u64,
    body: &ShipmentDepletion,
    conditions_of_body: &HashMap<String, String>,
) -> Result<(store::CapColumns, f64)> {
    use chrono::Datelike as _;
    let corrupt = |what: &str| LedgerError::Corrupt(format!("record #{seq}: no {what}"));
    let inline_request;
    let (request, conditions) = match (&body.request, &body.decision) {
        (Some(r), Some(serde_json::Value::String(hash))) => {
            (r, conditions_of_body.get(hash).cloned().unwrap_or_default())
        }
        (_, Some(inline @ serde_json::Value::Object(_))) => {
            let d: StoredDecision = serde_json::from_value(inline.clone())
                .map_err(|e| LedgerError::Corrupt(format!("record #{seq}: {e}")))?;
            let c = if d.conditions.is_empty() {
                String::new()
            } else {
                format!(",{},", d.conditions.join(","))
            };
            inline_request = d.shipment;
            (&inline_request, c)
        }
        _ => return Err(corrupt("decision")),
    };
    let ship_date = body.ship_date.ok_or_else(|| corrupt("ship date"))?;
    let exception = match &body.authorisation {
        Some(Authorisation::Exception { id, .. }) => id.to_ascii_uppercase(),
        Some(_) => String::new(),
        None => return Err(corrupt("authorisation")),
    };
    let tpp = match (body.tpp_per_unit, request.quantity) {
        (Some(t), Some(q)) => t * q as f64,
        _ => 0.0,
    };
    Ok((
        store::CapColumns {
            exception,
            conditions,
            destination: request.to.to_string(),
            consignee: model::consignee_of(&request.parties).unwrap_or_default(),
            year: i64::from(ship_date.year()),
        },
        tpp,
    ))
}

/// What a verified chain holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub records: u64,
    pub head: ChainHead,
}

impl Ledger {
    /// Opens (creating and migrating) the database a URL names: `sqlite://PATH` or
    /// `postgres://...` (also `postgresql://`).
    pub fn open(url: &str) -> Result<Self> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(LedgerError::BadUrl(url.to_owned()));
            }
            return Self::open_sqlite(Path::new(path));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self {
                backend: Backend::Postgres(Box::new(postgres::open(url)?)),
                declared: Vec::new(),
                cap_cache: None,
            });
        }
        Err(LedgerError::BadUrl(url.to_owned()))
    }

    pub fn open_sqlite(path: &Path) -> Result<Self> {
        Ok(Self {
            backend: Backend::Sqlite(sqlite::open(path)?),
            declared: Vec::new(),
            cap_cache: None,
        })
    }

    /// Enforces these caps (the rule pack's, [`Cap::declared`]) on every line recorded from now
    /// on, besides the caps stored in the ledger. They are not stored: the pack is the source,
    /// and each recorded line names the caps it was counted against.
    pub fn declare_caps(&mut self, caps: Vec<Cap>) {
        self.declared = caps;
        self.cap_cache = None;
    }

    pub fn declared_caps(&self) -> &[Cap] {
        &self.declared
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgresql",
        }
    }

    /// Runs `f` in one transaction; a write transaction holds the chain head from its start.
    fn tx<R>(&mut self, write: bool, f: impl FnOnce(&mut dyn Store) -> Result<R>) -> Result<R> {
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let behavior = if write {
                    rusqlite::TransactionBehavior::Immediate
                } else {
                    rusqlite::TransactionBehavior::Deferred
                };
                let mut tx = sqlite::SqliteTx(conn.transaction_with_behavior(behavior)?);
                let out = f(&mut tx)?;
                tx.0.commit()?;
                Ok(out)
            }
            Backend::Postgres(client) => {
                // A reader takes one snapshot: under READ COMMITTED a writer's commit landing
                // between two of its statements (the head, then the pages of records) would
                // read as a broken chain. Found by the SIGKILL test: a killed client's COMMIT
                // can still reach the server after the client is gone.
                let tx = if write {
                    client.transaction()?
                } else {
                    client
                        .build_transaction()
                        .isolation_level(::postgres::IsolationLevel::RepeatableRead)
                        .read_only(true)
                        .start()?
                };
                let mut tx = postgres::PgTx::new(tx);
                if write {
                    tx.head(true)?;
                }
                let out = f(&mut tx)?;
                tx.tx.commit()?;
                Ok(out)
            }
        }
    }

    fn append(
        store: &mut dyn Store,
        head: &mut ChainHead,
        kind: &str,
        meta: &Meta,
        body: String,
    ) -> Result<u64> {
        let record = chain::next_record(head, kind, &meta.at, &meta.actor, body);
        store.insert_record(&record)?;
        head.seq = record.seq;
        head.hash = record.hash;
        Ok(record.seq)
    }

    pub fn add_license(&mut self, license: &License, meta: &Meta) -> Result<u64> {
        license.validate()?;
        let body = to_json(license)?;
        self.tx(true, |s| {
            if !s.licenses(Some(&license.number))?.is_empty() {
                return Err(LedgerError::refused(format!(
                    "license `{}` is already in the ledger",
                    license.number
                )));
            }
            let mut head = s.head(true)?;
            let seq = Self::append(s, &mut head, kind::LICENSE, meta, body)?;
            s.set_head(&head)?;
            s.insert_license(&license.number, seq, &to_json(license)?)?;
            Ok(seq)
        })
    }

    pub fn license(&mut self, number: &str) -> Result<Option<LicenseStatus>> {
        Ok(self
            .tx(false, |s| s.licenses(Some(number)))?
            .into_iter()
            .next())
    }

    pub fn licenses(&mut self) -> Result<Vec<LicenseStatus>> {
        self.tx(false, |s| s.licenses(None))
    }

    /// Records one order line: checks that its decision and authorisation allow it, depletes
    /// the license and appends the record, all or nothing.
    pub fn record_shipment(&mut self, shipment: &NewShipment, meta: &Meta) -> Result<Recorded> {
        let mut results = self.record_shipments(std::slice::from_ref(shipment), meta)?;
        results.pop().unwrap_or_else(|| {
            Err(LedgerError::Corrupt(
                "a batch of one returned nothing".into(),
            ))
        })
    }

    /// Records a batch of order lines in one transaction. A refused line (overdraw, expired
    /// license, a changed re-import) is reported in its slot and writes nothing; the others
    /// are recorded. A storage error abandons the whole batch.
    pub fn record_shipments(
        &mut self,
        batch: &[NewShipment],
        meta: &Meta,
    ) -> Result<Vec<Result<Recorded>>> {
        let declared = self.declared.clone();
        let cache = self.cap_cache.take();
        let (out, head, totals) = self.tx(true, |s| {
            let start = s.head(true)?;
            let cap_used = match cache {
                Some((head, totals)) if head == start => totals,
                _ => HashMap::new(),
            };
            let mut batch_state = BatchState {
                licenses: HashMap::new(),
                parties: HashMap::new(),
                caps: s.caps()?,
                cap_used,
                bodies: std::collections::HashSet::new(),
            };
            batch_state.caps.extend(declared);
            let mut head = start.clone();
            let mut out = Vec::with_capacity(batch.len());
            for shipment in batch {
                match Self::record_one(s, &mut head, &mut batch_state, shipment, meta) {
                    Err(e) if e.is_refusal() => out.push(Err(e)),
                    other => out.push(Ok(other?)),
                }
            }
            let BatchState {
                licenses,
                parties,
                cap_used,
                ..
            } = batch_state;
            for (number, status) in &licenses {
                if let Some(status) = status {
                    s.set_used(number, &status.used)?;
                }
            }
            let mut parties: Vec<PartyRecord> = parties.into_values().collect();
            // A fixed order, so that two writers never lock party rows in opposite orders.
            parties.sort_by(|a, b| (&a.name, &a.role).cmp(&(&b.name, &b.role)));
            for party in &parties {
                s.upsert_party(party)?;
            }
            if head != start {
                s.set_head(&head)?;
            }
            Ok((out, head, cap_used))
        })?;
        // Kept only once committed: a failed batch leaves no totals behind.
        self.cap_cache = Some((head, totals));
        Ok(out)
    }

    fn record_one(
        s: &mut dyn Store,
        head: &mut ChainHead,
        b: &mut BatchState,
        shipment: &NewShipment,
        meta: &Meta,
    ) -> Result<Recorded> {
        let facts = shipment.facts_hash();
        if let Some((seq, recorded)) = s.shipment_facts(&shipment.order_id, shipment.line)? {
            if recorded == facts {
                return Ok(Recorded::AlreadyRecorded { seq });
            }
            return Err(LedgerError::refused(format!(
                "order `{}` line {} was recorded (record #{seq}) with other content; a recorded line is never changed",
                shipment.order_id, shipment.line
            )));
        }
        let license = match &shipment.authorisation {
            Authorisation::License { number } => {
                if !b.licenses.contains_key(number) {
                    let status = s.licenses(Some(number))?.into_iter().next();
                    b.licenses.insert(number.clone(), status);
                }
                b.licenses.get(number).and_then(Option::as_ref)
            }
            _ => None,
        };
        let authorised = model::authorise(shipment, license)?;
        // Caps read once per batch and key, then kept here as lines count against them (the
        // head's lock keeps other writers out, as for licenses).
        let cap_used = &mut b.cap_used;
        let (charges, cap_warnings) =
            model::charge_caps(shipment, &b.caps, |cap, key, first, last| {
                let slot = (cap.id.clone(), key.to_owned(), first);
                if let Some(used) = cap_used.get(&slot) {
                    return Ok(*used);
                }
                let used: f64 = s
                    .cap_usage(cap, first, last, Some(key))?
                    .iter()
                    .map(|r| r.tpp)
                    .sum();
                cap_used.insert(slot, used);
                Ok(used)
            })?;
        let (decision_ref, decision_body) = decision_text(&shipment.decision)?;
        if b.bodies.insert(decision_ref.clone()) {
            s.insert_decision_body(&decision_ref, &decision_body)?;
        }
        let body = to_json(&ShipmentBody {
            order_id: &shipment.order_id,
            line: shipment.line,
            ship_date: shipment.ship_date,
            value_cents: shipment.value_cents,
            eccn: shipment.eccn.as_deref(),
            tpp_per_unit: shipment.tpp_per_unit,
            authorisation: &shipment.authorisation,
            request: &shipment.decision.shipment,
            decision: &decision_ref,
            dispositions: &shipment.dispositions,
            depletion: authorised.as_ref().map(|a| &a.0),
            caps: &charges,
        })?;
        let seq = Self::append(s, head, kind::SHIPMENT, meta, body)?;
        let mut warnings = match authorised {
            Some((depletion, used, warnings)) => {
                if let Some(Some(status)) = b.licenses.get_mut(&depletion.license) {
                    status.used = used;
                }
                warnings
            }
            None => Vec::new(),
        };
        warnings.extend(cap_warnings);
        for c in &charges {
            if let Some(used) = b
                .cap_used
                .get_mut(&(c.cap.clone(), c.key.clone(), c.first_year))
            {
                *used += c.tpp;
            }
        }
        let conditions = &shipment.decision.conditions;
        s.insert_shipment(&ShipmentRow {
            order_id: shipment.order_id.clone(),
            line: shipment.line,
            record_seq: seq,
            facts_hash: facts,
            item: shipment.item(),
            quantity: shipment.decision.shipment.quantity.unwrap_or(0),
            value_cents: shipment.value_cents,
            tpp: shipment.tpp(),
            destination: shipment.destination().to_string(),
            consignee: shipment.consignee(),
            ship_date: shipment.ship_date.to_string(),
            year: shipment.year(),
            authorisation: shipment.authorisation.describe(),
            license: match &shipment.authorisation {
                Authorisation::License { number } => Some(number.clone()),
                _ => None,
            },
            exception: match &shipment.authorisation {
                Authorisation::Exception { id, .. } => Some(id.to_ascii_uppercase()),
                _ => None,
            },
            conditions: (!conditions.is_empty()).then(|| format!(",{},", conditions.join(","))),
        })?;
        for party in PartyRecord::of(shipment, seq) {
            match b.parties.entry((party.name.clone(), party.role.clone())) {
                std::collections::hash_map::Entry::Occupied(mut seen) => {
                    let first = seen.get().first_record_seq;
                    seen.insert(PartyRecord {
                        first_record_seq: first,
                        ..party
                    });
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(party);
                }
            }
        }
        Ok(Recorded::New { seq, warnings })
    }

    /// Every named party recorded, with its latest details.
    pub fn parties(&mut self) -> Result<Vec<PartyRecord>> {
        self.tx(false, |s| s.parties())
    }

    /// Records a determination that no shipment followed (a check kept for the record).
    pub fn record_decision(&mut self, decision: &StoredDecision, meta: &Meta) -> Result<u64> {
        let body = to_json(decision)?;
        self.tx(true, |s| {
            let mut head = s.head(true)?;
            let seq = Self::append(s, &mut head, kind::DECISION, meta, body)?;
            s.set_head(&head)?;
            Ok(seq)
        })
    }

    /// Keeps an officer's clearance of a possible match.
    pub fn add_disposition(&mut self, d: &Disposition, meta: &Meta) -> Result<u64> {
        for (field, value) in [
            ("party", &d.party),
            ("entry", &d.entry),
            ("list hash", &d.list_hash),
            ("why", &d.why),
            ("by", &d.by),
        ] {
            if value.trim().is_empty() {
                return Err(LedgerError::refused(format!(
                    "a disposition needs its {field}"
                )));
            }
        }
        let d = Disposition {
            party: normalize_party(&d.party),
            ..d.clone()
        };
        let body = to_json(&d)?;
        self.tx(true, |s| {
            let mut head = s.head(true)?;
            let seq = Self::append(s, &mut head, kind::DISPOSITION, meta, body)?;
            s.set_head(&head)?;
            s.insert_disposition(seq, &d, &meta.at)?;
            Ok(seq)
        })
    }

    /// The disposition that answers a screening of `party` against `entry` in the list with
    /// `list_hash`: the newest clearance of that entry, if it was made against the same list.
    /// A changed list re-opens it (`None`), and so does a different entry.
    pub fn disposition_for(
        &mut self,
        party: &str,
        entry: &str,
        list_hash: &str,
    ) -> Result<Option<StoredDisposition>> {
        let party = normalize_party(party);
        let all = self.tx(false, |s| s.dispositions(&party))?;
        Ok(all
            .into_iter()
            .find(|d| d.disposition.entry == entry)
            .filter(|d| d.disposition.list_hash == list_hash))
    }

    pub fn dispositions(&mut self, party: &str) -> Result<Vec<StoredDisposition>> {
        let party = normalize_party(party);
        self.tx(false, |s| s.dispositions(&party))
    }

    pub fn add_cap(&mut self, cap: &Cap, meta: &Meta) -> Result<u64> {
        if cap.id.trim().is_empty() || !cap.limit_tpp.is_finite() || cap.limit_tpp < 0.0 {
            return Err(LedgerError::refused(
                "a cap needs an id and a TPP limit of zero or more",
            ));
        }
        let body = to_json(cap)?;
        self.tx(true, |s| {
            if s.caps()?.iter().any(|c| c.id == cap.id) {
                return Err(LedgerError::refused(format!(
                    "cap `{}` is already in the ledger",
                    cap.id
                )));
            }
            let mut head = s.head(true)?;
            let seq = Self::append(s, &mut head, kind::CAP, meta, body.clone())?;
            s.set_head(&head)?;
            s.insert_cap(&cap.id, seq, &body)?;
            Ok(seq)
        })
    }

    pub fn caps(&mut self) -> Result<Vec<Cap>> {
        self.tx(false, |s| s.caps())
    }

    /// Shipments of a calendar year grouped by consignee, country, or item and country.
    pub fn usage(&mut self, year: i32, key: UsageKey) -> Result<Vec<UsageRow>> {
        self.tx(false, |s| s.usage(year, key))
    }

    /// A cap's usage over the span of years that counts together with `year` (the year alone
    /// for a per-year cap; `2025..=2027` for the AI Diffusion allocation): one row per
    /// consignee or country, counting only the shipments the cap counts. Empty when `year`
    /// is outside the cap's period.
    pub fn cap_usage(&mut self, year: i32, cap: &Cap) -> Result<Vec<UsageRow>> {
        let Some((first, last)) = cap.span(year) else {
            return Ok(Vec::new());
        };
        self.tx(false, |s| s.cap_usage(cap, first, last, None))
    }

    /// Every cap enforced: the ledger's, then the rule pack's.
    pub fn all_caps(&mut self) -> Result<Vec<Cap>> {
        let mut caps = self.caps()?;
        caps.extend(self.declared.iter().cloned());
        Ok(caps)
    }

    /// The H200 rule's volume condition: per item, units to China and Macau against units to
    /// US end users, in a calendar year.
    pub fn volume_ratios(&mut self, year: i32) -> Result<Vec<VolumeRatio>> {
        let rows = self.usage(year, UsageKey::ItemCountry)?;
        let mut out: Vec<VolumeRatio> = Vec::new();
        for row in rows {
            let Some((item, country)) = row.key.rsplit_once('|') else {
                continue;
            };
            let slot = match out.iter_mut().position(|r| r.item == item) {
                Some(i) => &mut out[i],
                None => {
                    out.push(VolumeRatio {
                        item: item.to_owned(),
                        china_macau_units: 0,
                        us_units: 0,
                        ratio: None,
                    });
                    let last = out.len() - 1;
                    &mut out[last]
                }
            };
            match country {
                "CN" | "MO" => slot.china_macau_units += row.units,
                "US" => slot.us_units += row.units,
                _ => {}
            }
        }
        out.retain(|r| r.china_macau_units > 0 || r.us_units > 0);
        for r in &mut out {
            r.ratio = (r.us_units > 0).then(|| r.china_macau_units as f64 / r.us_units as f64);
        }
        Ok(out)
    }

    pub fn shipment_count(&mut self) -> Result<u64> {
        self.tx(false, |s| s.shipment_count())
    }

    pub fn head(&mut self) -> Result<ChainHead> {
        self.tx(false, |s| s.head(false))
    }

    pub fn record(&mut self, seq: u64) -> Result<Option<Record>> {
        self.tx(false, |s| s.record(seq))
    }

    /// The decision a record holds (a decision record, or the decision behind a shipment).
    pub fn stored_decision(&mut self, seq: u64) -> Result<StoredDecision> {
        let Some(record) = self.record(seq)? else {
            return Err(LedgerError::refused(format!("there is no record #{seq}")));
        };
        let value: serde_json::Value = serde_json::from_str(&record.body)
            .map_err(|e| LedgerError::Corrupt(format!("record #{seq}: {e}")))?;
        let decision = match record.kind.as_str() {
            kind::DECISION => value,
            kind::SHIPMENT => match value.get("decision") {
                // A shared decision body, joined with the line's own request.
                Some(serde_json::Value::String(hash)) => {
                    let what = format!("record #{seq}");
                    let Some(body) = self.decision_body(hash)? else {
                        return Err(LedgerError::Corrupt(format!(
                            "{what} names decision `{hash}`, which is not in the ledger"
                        )));
                    };
                    let request = value.get("request").cloned().unwrap_or_default();
                    return join_decision(&what, &body, request);
                }
                Some(inline) => inline.clone(),
                None => serde_json::Value::Null,
            },
            other => {
                return Err(LedgerError::refused(format!(
                    "record #{seq} is a {other} record; only decision and shipment records hold a decision"
                )))
            }
        };
        serde_json::from_value(decision)
            .map_err(|e| LedgerError::Corrupt(format!("record #{seq}: {e}")))
    }

    /// A decision body by its reference (`sha256:...`).
    pub fn decision_body(&mut self, hash: &str) -> Result<Option<String>> {
        self.tx(false, |s| s.decision_body(hash))
    }

    /// Records a screening that no shipment followed (`screen --record`): the query, the
    /// answer and the lists, as the caller serialized them.
    pub fn record_screening<T: Serialize>(&mut self, screening: &T, meta: &Meta) -> Result<u64> {
        let body = to_json(screening)?;
        self.tx(true, |s| {
            let mut head = s.head(true)?;
            let seq = Self::append(s, &mut head, kind::SCREENING, meta, body)?;
            s.set_head(&head)?;
            Ok(seq)
        })
    }

    /// Every disposition, newest first, by normalised party name: read once for a batch, so
    /// that attaching them to each line costs no query.
    pub fn disposition_book(&mut self) -> Result<DispositionBook> {
        let all = self.tx(false, |s| s.all_dispositions())?;
        let mut by_party: HashMap<String, Vec<StoredDisposition>> = HashMap::new();
        for d in all {
            by_party
                .entry(d.disposition.party.clone())
                .or_default()
                .push(d);
        }
        Ok(DispositionBook { by_party })
    }

    /// `shipment` with each named party's recorded dispositions attached (the newest per
    /// entry), for the engine to weigh ([`earmark_engine::Party::dispositions`]). A party
    /// whose status a reviewer gave is left alone: the given status replaces screening.
    pub fn with_dispositions(&mut self, shipment: &Shipment) -> Result<Shipment> {
        let mut out = shipment.clone();
        for party in &mut out.parties {
            let Some(name) = party.name.as_deref() else {
                continue;
            };
            if party.list_status.is_some() {
                continue;
            }
            let found = self.dispositions(name)?;
            party.dispositions = newest_per_entry(&found);
        }
        Ok(out)
    }

    /// Walks the whole chain, then checks the tables beside it against it (shipment lines,
    /// license depletion). `Ok(Err(break))` names the first record edited, deleted or
    /// reordered, or the table that disagrees; `Err` is a storage failure.
    pub fn verify(&mut self) -> Result<std::result::Result<Verified, Break>> {
        self.tx(false, |s| {
            let head = s.head(false)?;
            let mut walker = chain::Walker::new();
            let mut after = 0;
            let mut count = 0;
            // What the records say the tables beside them must hold.
            let mut depleted: HashMap<String, Used> = HashMap::new();
            let mut shipments = 0u64;
            // Decision texts checked, with the license conditions they carry.
            let mut bodies_seen: HashMap<String, String> = HashMap::new();
            // What the records say the shipments table's cap columns add up to.
            let mut cap_columns: HashMap<store::CapColumns, (u64, f64)> = HashMap::new();
            loop {
                let page = s.records_page(after, PAGE)?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for r in &page {
                    let mut lookup_error = None;
                    let step = walker.step(r, |hash| match s.seq_of_hash(hash) {
                        Ok(found) => found,
                        Err(e) => {
                            lookup_error = Some(e);
                            None
                        }
                    });
                    if let Some(e) = lookup_error {
                        return Err(e);
                    }
                    if let Err(b) = step {
                        return Ok(Err(b));
                    }
                    count += 1;
                    if r.kind == kind::SHIPMENT {
                        shipments += 1;
                        let body: ShipmentDepletion = serde_json::from_str(&r.body)
                            .map_err(|e| LedgerError::Corrupt(format!("record #{}: {e}", r.seq)))?;
                        if let Some(serde_json::Value::String(hash)) = &body.decision {
                            if !bodies_seen.contains_key(hash) {
                                let text = s.decision_body(hash)?;
                                let ok = text.as_ref().is_some_and(|text| {
                                    format!("sha256:{}", chain::sha256_hex(text.as_bytes()))
                                        == *hash
                                });
                                if !ok {
                                    return Ok(Err(Break::Index(format!(
                                        "record #{} names decision `{hash}`, but the decision_bodies table no longer holds a text with that hash: the table was edited",
                                        r.seq
                                    ))));
                                }
                                #[derive(serde::Deserialize)]
                                struct Conditions {
                                    #[serde(default)]
                                    conditions: Vec<String>,
                                }
                                let c: Conditions =
                                    serde_json::from_str(text.as_deref().unwrap_or("{}"))
                                        .map_err(|e| {
                                            LedgerError::Corrupt(format!("decision `{hash}`: {e}"))
                                        })?;
                                let joined = if c.conditions.is_empty() {
                                    String::new()
                                } else {
                                    format!(",{},", c.conditions.join(","))
                                };
                                bodies_seen.insert(hash.clone(), joined);
                            }
                        }
                        let (key, tpp) = cap_columns_of(r.seq, &body, &bodies_seen)?;
                        let slot = cap_columns.entry(key).or_insert((0, 0.0));
                        slot.0 += 1;
                        slot.1 += tpp;
                        if let Some(d) = body.depletion {
                            let used = depleted.entry(d.license).or_default();
                            used.units += d.units;
                            used.value_cents += d.value_cents;
                            used.tpp += d.tpp;
                        }
                    }
                }
            }
            let verified = match walker.finish(&head) {
                Ok(head) => Verified {
                    records: count,
                    head,
                },
                Err(b) => return Ok(Err(b)),
            };
            let indexed = s.shipment_count()?;
            if indexed != shipments {
                return Ok(Err(Break::Index(format!(
                    "the shipments table holds {indexed} lines but the chain records {shipments}: the table was edited"
                ))));
            }
            for (key, lines, tpp) in s.cap_columns()? {
                let (want_lines, want_tpp) = cap_columns.remove(&key).unwrap_or((0, 0.0));
                let tpp_close = (want_tpp - tpp).abs() <= 1e-6 * want_tpp.abs().max(1.0);
                if want_lines != lines || !tpp_close {
                    return Ok(Err(Break::Index(format!(
                        "the shipments table holds {lines} lines (TPP {tpp:.0}) shipped to {} for `{}` in {} under `{}` with conditions `{}`, but the records say {want_lines} (TPP {want_tpp:.0}): the table was edited",
                        key.destination, key.consignee, key.year, key.exception, key.conditions
                    ))));
                }
            }
            if let Some((key, (lines, _))) = cap_columns.iter().next() {
                return Ok(Err(Break::Index(format!(
                    "the records hold {lines} lines shipped to {} for `{}` in {} under `{}` with conditions `{}` that the shipments table does not: the table was edited",
                    key.destination, key.consignee, key.year, key.exception, key.conditions
                ))));
            }
            for status in s.licenses(None)? {
                let want = depleted.remove(&status.license.number).unwrap_or_default();
                let got = status.used;
                let tpp_close = (want.tpp - got.tpp).abs() <= 1e-6 * want.tpp.abs().max(1.0);
                if want.units != got.units || want.value_cents != got.value_cents || !tpp_close {
                    return Ok(Err(Break::Index(format!(
                        "license `{}` shows {} units, {} and TPP {:.0} used but its shipment records add up to {} units, {} and TPP {:.0}: the licenses table was edited",
                        status.license.number,
                        got.units,
                        dollars(got.value_cents),
                        got.tpp,
                        want.units,
                        dollars(want.value_cents),
                        want.tpp
                    ))));
                }
            }
            if let Some(number) = depleted.keys().next() {
                return Ok(Err(Break::Index(format!(
                    "license `{number}` was depleted by shipment records but is not in the licenses table: the table was edited"
                ))));
            }
            Ok(Ok(verified))
        })
    }

    /// Records appended at `from <= recorded_at < to` (RFC 3339 or plain dates: both compare
    /// in time order as text).
    pub fn records_between(&mut self, from: &str, to: &str) -> Result<Vec<Record>> {
        self.tx(false, |s| s.records_between(from, to))
    }
}

/// Every recorded disposition by party, read once ([`Ledger::disposition_book`]).
#[derive(Debug, Clone, Default)]
pub struct DispositionBook {
    by_party: HashMap<String, Vec<StoredDisposition>>,
}

impl DispositionBook {
    /// Attaches each named party's dispositions (newest per entry) to `shipment`, as
    /// [`Ledger::with_dispositions`] does, from memory.
    pub fn attach(&self, shipment: &mut Shipment) {
        for party in &mut shipment.parties {
            let Some(name) = party.name.as_deref() else {
                continue;
            };
            if party.list_status.is_some() {
                continue;
            }
            if let Some(found) = self.by_party.get(&normalize_party(name)) {
                party.dispositions = newest_per_entry(found);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_party.is_empty()
    }
}

/// The engine's form of recorded dispositions: the newest per entry (a later clearance of the
/// same entry, against newer lists, replaces the earlier one). `found` is newest first.
fn newest_per_entry(found: &[StoredDisposition]) -> Vec<PartyDisposition> {
    let mut out: Vec<PartyDisposition> = Vec::new();
    for d in found {
        if out.iter().any(|o| o.entry == d.disposition.entry) {
            continue;
        }
        out.push(PartyDisposition {
            entry: d.disposition.entry.clone(),
            list_hash: d.disposition.list_hash.clone(),
            record: Some(d.seq),
            by: d.disposition.by.clone(),
            at: d.cleared_at.clone(),
            why: d.disposition.why.clone(),
        });
    }
    out
}

/// The record numbers of the dispositions a decision applied: what a shipment record keeps.
pub fn applied_dispositions(decision: &earmark_engine::ShipmentDecision) -> Vec<u64> {
    decision
        .parties
        .iter()
        .flat_map(|p| p.dispositions.iter())
        .filter(|u| u.applied)
        .filter_map(|u| u.disposition.record)
        .collect()
}

/// What a batch reads once and keeps while its lines are recorded (the head's lock keeps
/// every other writer out until the transaction ends, so none of it can go stale).
struct BatchState {
    /// Licenses by number, with their depletion so far.
    licenses: HashMap<String, Option<LicenseStatus>>,
    /// Parties seen, upserted once at the end: an order book names the same consignee on many
    /// lines, and PostgreSQL updating one row hundreds of times in a transaction walks a
    /// growing chain of row versions.
    parties: HashMap<(String, String), PartyRecord>,
    /// Every cap enforced: the ledger's and the rule pack's.
    caps: Vec<Cap>,
    /// TPP counted per (cap, key, first year of the span).
    cap_used: CapTotals,
    /// Decision bodies written in this batch.
    bodies: std::collections::HashSet<String>,
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| LedgerError::Corrupt(format!("serializing: {e}")))
}
