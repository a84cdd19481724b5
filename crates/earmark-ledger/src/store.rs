//! The operations the ledger's logic needs from a database, inside one transaction. Each
//! backend implements them in its own dialect; the logic (chain, depletion, idempotency) is
//! written once, in `lib.rs`, against this trait.

use crate::error::Result;
use crate::model::{
    Cap, ChainHead, Disposition, LicenseStatus, PartyRecord, Record, StoredDisposition, UsageRow,
    Used,
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
    fn insert_cap(&mut self, id: &str, seq: u64, body: &str) -> Result<()>;
    fn caps(&mut self) -> Result<Vec<Cap>>;
    fn usage(&mut self, year: i32, key: UsageKey) -> Result<Vec<UsageRow>>;
    /// Inserts a party, or updates its details and last record (keeping its first).
    fn upsert_party(&mut self, p: &PartyRecord) -> Result<()>;
    fn parties(&mut self) -> Result<Vec<PartyRecord>>;
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
