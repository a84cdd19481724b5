//! The embedded backend: one SQLite file in WAL mode. Writers take the database's write lock
//! up front (`BEGIN IMMEDIATE`) and wait for it (busy timeout), so a second process queues
//! rather than fails, and the head read in a transaction is still the head at commit.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use crate::error::{LedgerError, Result};
use crate::model::{
    Cap, ChainHead, Disposition, License, LicenseStatus, PartyRecord, Record, StoredDisposition,
    UsageRow, Used,
};
use crate::store::{
    cap_usage_sql, to_i64, to_u64, upsert_party_sql, usage_sql, CapColumns, ShipmentRow, Store,
    UsageKey, CAP_COLUMNS_SQL, PARTY_COLUMNS, RECORD_COLUMNS,
};

pub(crate) const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "records",
        include_str!("../migrations/sqlite/0001_records.sql"),
    ),
    (
        2,
        "parties",
        include_str!("../migrations/sqlite/0002_parties.sql"),
    ),
    (
        3,
        "decisions_caps",
        include_str!("../migrations/sqlite/0003_decisions_caps.sql"),
    ),
];

pub(crate) fn open(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(60))?;
    // WAL: readers never block the writer. synchronous=NORMAL is durable against a killed
    // process (the case the ledger is tested for); only a power loss can undo the last commits.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    migrate(&mut conn)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let applied: u32 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let newest = MIGRATIONS.last().map_or(0, |m| m.0);
    if applied > newest {
        return Err(LedgerError::Corrupt(format!(
            "schema version {applied} is newer than this earmark's ({newest}): upgrade earmark"
        )));
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > applied) {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, datetime('now'))",
            params![version, name],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub(crate) struct SqliteTx<'c>(pub Transaction<'c>);

fn record_from(r: &Row<'_>) -> rusqlite::Result<Record> {
    Ok(Record {
        seq: to_u64(r.get(0)?),
        kind: r.get(1)?,
        recorded_at: r.get(2)?,
        actor: r.get(3)?,
        body: r.get(4)?,
        content_hash: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| LedgerError::Corrupt(format!("{what}: {e}")))
}

impl SqliteTx<'_> {
    fn dispositions_of(&mut self, party: Option<&str>) -> Result<Vec<StoredDisposition>> {
        let mut st = self.0.prepare_cached(
            "SELECT record_seq, party, entry, list_hash, by_whom, why, cleared_at FROM dispositions \
             WHERE ?1 IS NULL OR party = ?1 ORDER BY record_seq DESC",
        )?;
        let rows = st.query_map(params![party], |r| {
            Ok(StoredDisposition {
                seq: to_u64(r.get(0)?),
                disposition: Disposition {
                    party: r.get(1)?,
                    entry: r.get(2)?,
                    list_hash: r.get(3)?,
                    by: r.get(4)?,
                    why: r.get(5)?,
                },
                cleared_at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Store for SqliteTx<'_> {
    fn head(&mut self, _lock: bool) -> Result<ChainHead> {
        // BEGIN IMMEDIATE already holds the write lock.
        Ok(self
            .0
            .query_row("SELECT seq, hash FROM chain_head WHERE id = 1", [], |r| {
                Ok(ChainHead {
                    seq: to_u64(r.get(0)?),
                    hash: r.get(1)?,
                })
            })?)
    }

    fn insert_record(&mut self, r: &Record) -> Result<()> {
        self.0
            .prepare_cached(
                "INSERT INTO records (seq, kind, recorded_at, actor, body, content_hash, prev_hash, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                to_i64(r.seq),
                r.kind,
                r.recorded_at,
                r.actor,
                r.body,
                r.content_hash,
                r.prev_hash,
                r.hash
            ])?;
        Ok(())
    }

    fn set_head(&mut self, head: &ChainHead) -> Result<()> {
        self.0
            .prepare_cached("UPDATE chain_head SET seq = ?1, hash = ?2 WHERE id = 1")?
            .execute(params![to_i64(head.seq), head.hash])?;
        Ok(())
    }

    fn records_page(&mut self, after: u64, limit: u64) -> Result<Vec<Record>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE seq > ?1 ORDER BY seq LIMIT ?2"
        ))?;
        let rows = st.query_map(params![to_i64(after), to_i64(limit)], record_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn record(&mut self, seq: u64) -> Result<Option<Record>> {
        Ok(self
            .0
            .query_row(
                &format!("SELECT {RECORD_COLUMNS} FROM records WHERE seq = ?1"),
                params![to_i64(seq)],
                record_from,
            )
            .optional()?)
    }

    fn seq_of_hash(&mut self, hash: &str) -> Result<Option<u64>> {
        Ok(self
            .0
            .query_row(
                "SELECT seq FROM records WHERE hash = ?1",
                params![hash],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map(to_u64))
    }

    fn records_between(&mut self, from: &str, to: &str) -> Result<Vec<Record>> {
        let mut st = self.0.prepare(&format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE recorded_at >= ?1 AND recorded_at < ?2 ORDER BY seq"
        ))?;
        let rows = st.query_map(params![from, to], record_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn licenses(&mut self, number: Option<&str>) -> Result<Vec<LicenseStatus>> {
        let mut st = self.0.prepare_cached(
            "SELECT body, used_units, used_value_cents, used_tpp, record_seq FROM licenses \
             WHERE ?1 IS NULL OR number = ?1 ORDER BY number",
        )?;
        let rows = st.query_map(params![number], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Used {
                    units: to_u64(r.get(1)?),
                    value_cents: r.get(2)?,
                    tpp: r.get(3)?,
                },
                to_u64(r.get(4)?),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (body, used, record_seq) = row?;
            let license: License = parse("a license", &body)?;
            out.push(LicenseStatus {
                license,
                used,
                record_seq,
            });
        }
        Ok(out)
    }

    fn insert_license(&mut self, number: &str, seq: u64, body: &str) -> Result<()> {
        self.0.execute(
            "INSERT INTO licenses (number, record_seq, body) VALUES (?1, ?2, ?3)",
            params![number, to_i64(seq), body],
        )?;
        Ok(())
    }

    fn set_used(&mut self, number: &str, used: &Used) -> Result<()> {
        self.0
            .prepare_cached(
                "UPDATE licenses SET used_units = ?2, used_value_cents = ?3, used_tpp = ?4 WHERE number = ?1",
            )?
            .execute(params![number, to_i64(used.units), used.value_cents, used.tpp])?;
        Ok(())
    }

    fn shipment_facts(&mut self, order_id: &str, line: u32) -> Result<Option<(u64, String)>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT record_seq, facts_hash FROM shipments WHERE order_id = ?1 AND line = ?2",
            )?
            .query_row(params![order_id, line], |r| {
                Ok((to_u64(r.get(0)?), r.get(1)?))
            })
            .optional()?)
    }

    fn insert_shipment(&mut self, s: &ShipmentRow) -> Result<()> {
        self.0
            .prepare_cached(
                "INSERT INTO shipments (order_id, line, record_seq, facts_hash, item, quantity, \
                 value_cents, tpp, destination, consignee, ship_date, year, authorisation, license, \
                 exception, conditions) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )?
            .execute(params![
                s.order_id,
                s.line,
                to_i64(s.record_seq),
                s.facts_hash,
                s.item,
                to_i64(s.quantity),
                s.value_cents,
                s.tpp,
                s.destination,
                s.consignee,
                s.ship_date,
                s.year,
                s.authorisation,
                s.license,
                s.exception,
                s.conditions
            ])?;
        Ok(())
    }

    fn shipment_count(&mut self) -> Result<u64> {
        Ok(to_u64(self.0.query_row(
            "SELECT COUNT(*) FROM shipments",
            [],
            |r| r.get(0),
        )?))
    }

    fn insert_disposition(&mut self, seq: u64, d: &Disposition, at: &str) -> Result<()> {
        self.0.execute(
            "INSERT INTO dispositions (record_seq, party, entry, list_hash, by_whom, why, cleared_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![to_i64(seq), d.party, d.entry, d.list_hash, d.by, d.why, at],
        )?;
        Ok(())
    }

    fn dispositions(&mut self, party: &str) -> Result<Vec<StoredDisposition>> {
        self.dispositions_of(Some(party))
    }

    fn all_dispositions(&mut self) -> Result<Vec<StoredDisposition>> {
        self.dispositions_of(None)
    }

    fn insert_cap(&mut self, id: &str, seq: u64, body: &str) -> Result<()> {
        self.0.execute(
            "INSERT INTO caps (id, record_seq, body) VALUES (?1, ?2, ?3)",
            params![id, to_i64(seq), body],
        )?;
        Ok(())
    }

    fn caps(&mut self) -> Result<Vec<Cap>> {
        let mut st = self.0.prepare("SELECT body FROM caps ORDER BY id")?;
        let bodies = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        bodies.iter().map(|b| parse("a cap", b)).collect()
    }

    fn usage(&mut self, year: i32, key: UsageKey) -> Result<Vec<UsageRow>> {
        let mut st = self.0.prepare(&usage_sql(key, "?1"))?;
        let rows = st.query_map(params![year], |r| {
            Ok(UsageRow {
                key: r.get(0)?,
                lines: to_u64(r.get(1)?),
                units: to_u64(r.get(2)?),
                tpp: r.get(3)?,
                lines_without_tpp: to_u64(r.get(4)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn upsert_party(&mut self, p: &PartyRecord) -> Result<()> {
        let sql = upsert_party_sql(["?1", "?2", "?3", "?4", "?5", "?6", "?7", "?8"]);
        self.0.prepare_cached(&sql)?.execute(params![
            p.name,
            p.role,
            p.country,
            p.address,
            p.headquarters,
            p.parent_headquarters,
            to_i64(p.first_record_seq),
            to_i64(p.last_record_seq)
        ])?;
        Ok(())
    }

    fn parties(&mut self) -> Result<Vec<PartyRecord>> {
        let mut st = self.0.prepare(&format!(
            "SELECT {PARTY_COLUMNS} FROM parties ORDER BY name, role"
        ))?;
        let rows = st.query_map([], |r| {
            Ok(PartyRecord {
                name: r.get(0)?,
                role: r.get(1)?,
                country: r.get(2)?,
                address: r.get(3)?,
                headquarters: r.get(4)?,
                parent_headquarters: r.get(5)?,
                first_record_seq: to_u64(r.get(6)?),
                last_record_seq: to_u64(r.get(7)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn cap_columns(&mut self) -> Result<Vec<(CapColumns, u64, f64)>> {
        let mut st = self.0.prepare(CAP_COLUMNS_SQL)?;
        let rows = st.query_map([], |r| {
            Ok((
                CapColumns {
                    exception: r.get(0)?,
                    conditions: r.get(1)?,
                    destination: r.get(2)?,
                    consignee: r.get(3)?,
                    year: r.get(4)?,
                },
                to_u64(r.get(5)?),
                r.get::<_, Option<f64>>(6)?.unwrap_or(0.0),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn insert_decision_body(&mut self, hash: &str, body: &str) -> Result<()> {
        self.0
            .prepare_cached("INSERT OR IGNORE INTO decision_bodies (hash, body) VALUES (?1, ?2)")?
            .execute(params![hash, body])?;
        Ok(())
    }

    fn decision_body(&mut self, hash: &str) -> Result<Option<String>> {
        Ok(self
            .0
            .prepare_cached("SELECT body FROM decision_bodies WHERE hash = ?1")?
            .query_row(params![hash], |r| r.get(0))
            .optional()?)
    }

    fn cap_usage(
        &mut self,
        cap: &Cap,
        first: i32,
        last: i32,
        key: Option<&str>,
    ) -> Result<Vec<UsageRow>> {
        let no_consignee = key == Some(crate::model::NO_CONSIGNEE);
        let sql = cap_usage_sql(cap, "?1", "?2", key.map(|_| ("?3", no_consignee)));
        let mut st = self.0.prepare_cached(&sql)?;
        let map = |r: &Row<'_>| {
            Ok(UsageRow {
                key: r.get(0)?,
                lines: to_u64(r.get(1)?),
                units: to_u64(r.get::<_, Option<i64>>(2)?.unwrap_or(0)),
                tpp: r.get::<_, Option<f64>>(3)?.unwrap_or(0.0),
                lines_without_tpp: to_u64(r.get::<_, Option<i64>>(4)?.unwrap_or(0)),
            })
        };
        let rows = match key {
            Some(k) if !no_consignee => st.query_map(params![first, last, k], map)?,
            _ => st.query_map(params![first, last], map)?,
        };
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
