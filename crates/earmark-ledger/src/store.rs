//! The operations the ledger's logic needs from a database, inside one transaction. Each
//! backend implements them in its own dialect; the logic (chain, depletion, idempotency) is
//! written once, in `lib.rs`, against this trait.

use crate::error::Result;
use earmark_engine::CapCounts;

use crate::model::{
    Cap, CapScope, ChainHead, Disposition, LicenseStatus, PartyRecord, Record, StoredDisposition,
    UsageRow, Used,
};

/// One shipment row, the query side of a shipment record.
#[derive(Debug, Clone)]
pub(crate) struct ShipmentRow {
    pub order_id: String,
    pub line: u32,
    pub record_seq: u64,
    pub facts_hash: String,
    pub item: String,
    pub quantity: u64,
    pub value_cents: i64,
    pub tpp: Option<f64>,
    pub destination: String,
    pub consignee: Option<String>,
    pub ship_date: String,
    pub year: i32,
    pub authorisation: String,
    pub license: Option<String>,
    /// The license exception shipped under, upper case.
    pub exception: Option<String>,
    /// The license conditions the decision carried, as `,id,id,` (`None`: none).
    pub conditions: Option<String>,
}

/// What a usage report groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageKey {
    Consignee,
    Country,
    /// `item|destination`.
    ItemCountry,
    /// `consignee|destination`.
    ConsigneeCountry,
}

impl UsageKey {
    pub(crate) fn column(self) -> &'static str {
        match self {
            Self::Consignee => "COALESCE(consignee, '(no consignee named)')",
            Self::Country => "destination",
            Self::ItemCountry => "item || '|' || destination",
            Self::ConsigneeCountry => {
                "COALESCE(consignee, '(no consignee named)') || '|' || destination"
            }
        }
    }
}

pub(crate) const RECORD_COLUMNS: &str =
    "seq, kind, recorded_at, actor, body, content_hash, prev_hash, hash";

pub(crate) trait Store {
    /// The chain head; `lock` holds it (and so every other writer) until the transaction ends.
    fn head(&mut self, lock: bool) -> Result<ChainHead>;
    /// Inserts a record; the transaction sets the head once, before it commits.
    fn insert_record(&mut self, r: &Record) -> Result<()>;
    fn set_head(&mut self, head: &ChainHead) -> Result<()>;
    fn records_page(&mut self, after: u64, limit: u64) -> Result<Vec<Record>>;
    fn record(&mut self, seq: u64) -> Result<Option<Record>>;
    fn seq_of_hash(&mut self, hash: &str) -> Result<Option<u64>>;
    /// Records with `from <= recorded_at < to` (RFC 3339 strings compare in time order).
    fn records_between(&mut self, from: &str, to: &str) -> Result<Vec<Record>>;
    fn licenses(&mut self, number: Option<&str>) -> Result<Vec<LicenseStatus>>;
    fn insert_license(&mut self, number: &str, seq: u64, body: &str) -> Result<()>;
    fn set_used(&mut self, number: &str, used: &Used) -> Result<()>;
    /// The record and facts hash of an order line already recorded.
    fn shipment_facts(&mut self, order_id: &str, line: u32) -> Result<Option<(u64, String)>>;
    fn insert_shipment(&mut self, row: &ShipmentRow) -> Result<()>;
    fn shipment_count(&mut self) -> Result<u64>;
    fn insert_disposition(&mut self, seq: u64, d: &Disposition, at: &str) -> Result<()>;
    /// Dispositions of a party (normalised name), newest first.
    fn dispositions(&mut self, party: &str) -> Result<Vec<StoredDisposition>>;
    /// Every disposition, newest first.
    fn all_dispositions(&mut self) -> Result<Vec<StoredDisposition>>;
    fn insert_cap(&mut self, id: &str, seq: u64, body: &str) -> Result<()>;
    fn caps(&mut self) -> Result<Vec<Cap>>;
    fn usage(&mut self, year: i32, key: UsageKey) -> Result<Vec<UsageRow>>;
    /// Inserts a party, or updates its details and last record (keeping its first).
    fn upsert_party(&mut self, p: &PartyRecord) -> Result<()>;
    fn parties(&mut self) -> Result<Vec<PartyRecord>>;
    /// Lines and TPP per (exception, conditions, destination, consignee, year): what `verify`
    /// holds the shipments table's cap columns to.
    fn cap_columns(&mut self) -> Result<Vec<(CapColumns, u64, f64)>>;
    /// Keeps a decision body under its hash (nothing when it is already there).
    fn insert_decision_body(&mut self, hash: &str, body: &str) -> Result<()>;
    fn decision_body(&mut self, hash: &str) -> Result<Option<String>>;
    /// A cap's usage over `first..=last`: one row per consignee or country, or only `key`'s.
    fn cap_usage(
        &mut self,
        cap: &Cap,
        first: i32,
        last: i32,
        key: Option<&str>,
    ) -> Result<Vec<UsageRow>>;
}

/// The columns of a shipment row that caps count by (empty text for NULL).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct CapColumns {
    pub exception: String,
    pub conditions: String,
    pub destination: String,
    pub consignee: String,
    pub year: i64,
}

pub(crate) const CAP_COLUMNS_SQL: &str =
    "SELECT COALESCE(exception, ''), COALESCE(conditions, ''), \
     destination, COALESCE(consignee, ''), year, COUNT(*), SUM(COALESCE(tpp, 0)) FROM shipments \
     GROUP BY 1, 2, 3, 4, 5";

/// A text as an SQL string literal (quotes doubled): for the cap ids and country codes a cap
/// filter names, which both dialects read the same way.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The query of a cap's usage: `$first`, `$last` and (with a key) `$key` are the
/// placeholders' texts in the backend's dialect.
pub(crate) fn cap_usage_sql(
    cap: &Cap,
    first: &str,
    last: &str,
    key: Option<(&str, bool)>,
) -> String {
    let key_col = match cap.per {
        CapScope::Consignee => "COALESCE(consignee, '(no consignee named)')",
        CapScope::Country => "destination",
    };
    let mut filter = String::new();
    match &cap.counts {
        CapCounts::All => {}
        CapCounts::Exception { id } => {
            filter.push_str(&format!(
                " AND exception = {}",
                literal(&id.to_ascii_uppercase())
            ));
        }
        CapCounts::Condition { id } => {
            filter.push_str(&format!(
                " AND license IS NOT NULL AND conditions LIKE {}",
                literal(&format!("%,{id},%"))
            ));
        }
    }
    if !cap.destinations.is_empty() {
        let list: Vec<String> = cap
            .destinations
            .iter()
            .map(|c| literal(&c.to_string()))
            .collect();
        filter.push_str(&format!(" AND destination IN ({})", list.join(", ")));
    }
    // A key given: the column itself (so the index serves it), or NULL for no consignee.
    match key {
        Some((_, true)) => filter.push_str(" AND consignee IS NULL"),
        Some((ph, false)) => match cap.per {
            CapScope::Consignee => filter.push_str(&format!(" AND consignee = {ph}")),
            CapScope::Country => filter.push_str(&format!(" AND destination = {ph}")),
        },
        None => {}
    }
    format!(
        "SELECT {key_col} AS k, COUNT(*), CAST(SUM(quantity) AS BIGINT), \
         SUM(COALESCE(tpp, 0)), CAST(SUM(CASE WHEN tpp IS NULL THEN 1 ELSE 0 END) AS BIGINT) \
         FROM shipments WHERE year >= {first} AND year <= {last}{filter} GROUP BY k ORDER BY k"
    )
}

pub(crate) const PARTY_COLUMNS: &str = "name, role, country, address, headquarters, \
     parent_headquarters, first_record_seq, last_record_seq";

pub(crate) fn upsert_party_sql(p: [&str; 8]) -> String {
    format!(
        "INSERT INTO parties ({PARTY_COLUMNS}) VALUES ({}, {}, {}, {}, {}, {}, {}, {}) \
         ON CONFLICT (name, role) DO UPDATE SET country = excluded.country, \
         address = excluded.address, headquarters = excluded.headquarters, \
         parent_headquarters = excluded.parent_headquarters, \
         last_record_seq = excluded.last_record_seq",
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
    )
}

pub(crate) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(crate) fn usage_sql(key: UsageKey, placeholder: &str) -> String {
    let col = key.column();
    format!(
        "SELECT {col} AS k, COUNT(*), CAST(SUM(quantity) AS BIGINT), \
         SUM(COALESCE(tpp, 0)), CAST(SUM(CASE WHEN tpp IS NULL THEN 1 ELSE 0 END) AS BIGINT) \
         FROM shipments WHERE year = {placeholder} GROUP BY k ORDER BY k"
    )
}
