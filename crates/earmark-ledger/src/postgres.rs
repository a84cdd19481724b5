//! The team backend: PostgreSQL, for several earmark processes sharing one ledger. Every
//! writer locks the chain head row (`SELECT ... FOR UPDATE`) first, so writers run one after
//! another at READ COMMITTED: the head, the licenses' depletion and the order-line check read
//! in a transaction cannot change before it commits, and no serialization retry is needed.

use std::collections::HashMap;

use postgres::{Client, NoTls, Row, Statement, Transaction};

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
        include_str!("../migrations/postgres/0001_records.sql"),
    ),
    (
        2,
        "parties",
        include_str!("../migrations/postgres/0002_parties.sql"),
    ),
    (
        3,
        "decisions_caps",
        include_str!("../migrations/postgres/0003_decisions_caps.sql"),
    ),
];

/// An arbitrary constant: the advisory lock that serialises migrations across processes.
const MIGRATION_LOCK: i64 = 0x0065_6172_6d61_726b;

pub(crate) fn open(url: &str) -> Result<Client> {
    let mut client = Client::connect(url, NoTls)?;
    migrate(&mut client)?;
    Ok(client)
}

fn migrate(client: &mut Client) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )?;
    let applied: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )?
        .try_get(0)?;
    let newest = MIGRATIONS.last().map_or(0, |m| m.0);
    if u32::try_from(applied).unwrap_or(u32::MAX) > newest {
        return Err(LedgerError::Corrupt(format!(
            "schema version {applied} is newer than this earmark's ({newest}): upgrade earmark"
        )));
    }
    for (version, name, sql) in MIGRATIONS
        .iter()
        .filter(|m| i64::from(m.0) > i64::from(applied))
    {
        tx.batch_execute(sql)?;
        let version = i32::try_from(*version).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&version, name],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub(crate) struct PgTx<'c> {
    pub tx: Transaction<'c>,
    /// Statements prepared once per transaction: a batch runs each hot statement hundreds of
    /// times, and an unprepared one costs a second round trip every time.
    prepared: HashMap<&'static str, Statement>,
}

impl<'c> PgTx<'c> {
    pub(crate) fn new(tx: Transaction<'c>) -> Self {
        Self {
            tx,
            prepared: HashMap::new(),
        }
    }

    fn prepared(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(st) = self.prepared.get(sql) {
            return Ok(st.clone());
        }
        let st = self.tx.prepare(sql)?;
        self.prepared.insert(sql, st.clone());
        Ok(st)
    }
}

impl PgTx<'_> {
    fn dispositions_of(&mut self, party: Option<&str>) -> Result<Vec<StoredDisposition>> {
        let rows = self.tx.query(
            "SELECT record_seq, party, entry, list_hash, by_whom, why, cleared_at FROM dispositions \
             WHERE $1::TEXT IS NULL OR party = $1 ORDER BY record_seq DESC",
            &[&party],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok::<_, postgres::Error>(StoredDisposition {
                    seq: to_u64(r.try_get(0)?),
                    disposition: Disposition {
                        party: r.try_get(1)?,
                        entry: r.try_get(2)?,
                        list_hash: r.try_get(3)?,
                        by: r.try_get(4)?,
                        why: r.try_get(5)?,
                    },
                    cleared_at: r.try_get(6)?,
                })
            })
            .collect::<Result<_, _>>()?)
    }
}

fn record_from(r: &Row) -> Result<Record, postgres::Error> {
    Ok(Record {
        seq: to_u64(r.try_get(0)?),
        kind: r.try_get(1)?,
        recorded_at: r.try_get(2)?,
        actor: r.try_get(3)?,
        body: r.try_get(4)?,
        content_hash: r.try_get(5)?,
        prev_hash: r.try_get(6)?,
        hash: r.try_get(7)?,
    })
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| LedgerError::Corrupt(format!("{what}: {e}")))
}

impl Store for PgTx<'_> {
    fn head(&mut self, lock: bool) -> Result<ChainHead> {
        let sql = if lock {
            "SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE"
        } else {
            "SELECT seq, hash FROM chain_head WHERE id = 1"
        };
        let row = self.tx.query_one(sql, &[])?;
        Ok(ChainHead {
            seq: to_u64(row.try_get(0)?),
            hash: row.try_get(1)?,
        })
    }

    fn insert_record(&mut self, r: &Record) -> Result<()> {
        let st = self.prepared(
            "INSERT INTO records (seq, kind, recorded_at, actor, body, content_hash, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )?;
        self.tx.execute(
            &st,
            &[
                &to_i64(r.seq),
                &r.kind,
                &r.recorded_at,
                &r.actor,
                &r.body,
                &r.content_hash,
                &r.prev_hash,
                &r.hash,
            ],
        )?;
        Ok(())
    }

    fn set_head(&mut self, head: &ChainHead) -> Result<()> {
        self.tx.execute(
            "UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1",
            &[&to_i64(head.seq), &head.hash],
        )?;
        Ok(())
    }

    fn records_page(&mut self, after: u64, limit: u64) -> Result<Vec<Record>> {
        let rows = self.tx.query(
            &format!("SELECT {RECORD_COLUMNS} FROM records WHERE seq > $1 ORDER BY seq LIMIT $2"),
            &[&to_i64(after), &to_i64(limit)],
        )?;
        Ok(rows.iter().map(record_from).collect::<Result<_, _>>()?)
    }

    fn record(&mut self, seq: u64) -> Result<Option<Record>> {
        Ok(self
            .tx
            .query_opt(
                &format!("SELECT {RECORD_COLUMNS} FROM records WHERE seq = $1"),
                &[&to_i64(seq)],
            )?
            .as_ref()
            .map(record_from)
            .transpose()?)
    }

    fn seq_of_hash(&mut self, hash: &str) -> Result<Option<u64>> {
        Ok(self
            .tx
            .query_opt("SELECT seq FROM records WHERE hash = $1", &[&hash])?
            .map(|r| r.try_get::<_, i64>(0).map(to_u64))
            .transpose()?)
    }

    fn records_between(&mut self, from: &str, to: &str) -> Result<Vec<Record>> {
        let rows = self.tx.query(
            &format!(
                "SELECT {RECORD_COLUMNS} FROM records WHERE recorded_at >= $1 AND recorded_at < $2 ORDER BY seq"
            ),
            &[&from, &to],
        )?;
        Ok(rows.iter().map(record_from).collect::<Result<_, _>>()?)
    }

    fn licenses(&mut self, number: Option<&str>) -> Result<Vec<LicenseStatus>> {
        let rows = self.tx.query(
            "SELECT body, used_units, used_value_cents, used_tpp, record_seq FROM licenses \
             WHERE $1::TEXT IS NULL OR number = $1 ORDER BY number",
            &[&number],
        )?;
        rows.iter()
            .map(|r| {
                let license: License = parse("a license", r.try_get(0)?)?;
                Ok(LicenseStatus {
                    license,
                    used: Used {
                        units: to_u64(r.try_get(1)?),
                        value_cents: r.try_get(2)?,
                        tpp: r.try_get(3)?,
                    },
                    record_seq: to_u64(r.try_get(4)?),
                })
            })
            .collect()
    }

    fn insert_license(&mut self, number: &str, seq: u64, body: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO licenses (number, record_seq, body) VALUES ($1, $2, $3)",
            &[&number, &to_i64(seq), &body],
        )?;
        Ok(())
    }

    fn set_used(&mut self, number: &str, used: &Used) -> Result<()> {
        self.tx.execute(
            "UPDATE licenses SET used_units = $2, used_value_cents = $3, used_tpp = $4 WHERE number = $1",
            &[&number, &to_i64(used.units), &used.value_cents, &used.tpp],
        )?;
        Ok(())
    }

    fn shipment_facts(&mut self, order_id: &str, line: u32) -> Result<Option<(u64, String)>> {
        let st = self.prepared(
            "SELECT record_seq, facts_hash FROM shipments WHERE order_id = $1 AND line = $2",
        )?;
        Ok(self
            .tx
            .query_opt(&st, &[&order_id, &i64::from(line)])?
            .map(|r| Ok::<_, postgres::Error>((to_u64(r.try_get(0)?), r.try_get(1)?)))
            .transpose()?)
    }

    fn insert_shipment(&mut self, s: &ShipmentRow) -> Result<()> {
        let st = self.prepared(
            "INSERT INTO shipments (order_id, line, record_seq, facts_hash, item, quantity, \
             value_cents, tpp, destination, consignee, ship_date, year, authorisation, license, \
             exception, conditions) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )?;
        self.tx.execute(
            &st,
            &[
                &s.order_id,
                &i64::from(s.line),
                &to_i64(s.record_seq),
                &s.facts_hash,
                &s.item,
                &to_i64(s.quantity),
                &s.value_cents,
                &s.tpp,
                &s.destination,
                &s.consignee,
                &s.ship_date,
                &i64::from(s.year),
                &s.authorisation,
                &s.license,
                &s.exception,
                &s.conditions,
            ],
        )?;
        Ok(())
    }

    fn shipment_count(&mut self) -> Result<u64> {
        Ok(to_u64(
            self.tx
                .query_one("SELECT COUNT(*) FROM shipments", &[])?
                .try_get(0)?,
        ))
    }

    fn insert_disposition(&mut self, seq: u64, d: &Disposition, at: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO dispositions (record_seq, party, entry, list_hash, by_whom, why, cleared_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&to_i64(seq), &d.party, &d.entry, &d.list_hash, &d.by, &d.why, &at],
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
        self.tx.execute(
            "INSERT INTO caps (id, record_seq, body) VALUES ($1, $2, $3)",
            &[&id, &to_i64(seq), &body],
        )?;
        Ok(())
    }

    fn caps(&mut self) -> Result<Vec<Cap>> {
        let rows = self.tx.query("SELECT body FROM caps ORDER BY id", &[])?;
        rows.iter().map(|r| parse("a cap", r.try_get(0)?)).collect()
    }

    fn usage(&mut self, year: i32, key: UsageKey) -> Result<Vec<UsageRow>> {
        let rows = self.tx.query(&usage_sql(key, "$1"), &[&i64::from(year)])?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok::<_, postgres::Error>(UsageRow {
                    key: r.try_get(0)?,
                    lines: to_u64(r.try_get(1)?),
                    units: to_u64(r.try_get::<_, Option<i64>>(2)?.unwrap_or(0)),
                    tpp: r.try_get::<_, Option<f64>>(3)?.unwrap_or(0.0),
                    lines_without_tpp: to_u64(r.try_get::<_, Option<i64>>(4)?.unwrap_or(0)),
                })
            })
            .collect::<Result<_, _>>()?)
    }

    fn upsert_party(&mut self, p: &PartyRecord) -> Result<()> {
        let sql = upsert_party_sql(["$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8"]);
        self.tx.execute(
            sql.as_str(),
            &[
                &p.name,
                &p.role,
                &p.country,
                &p.address,
                &p.headquarters,
                &p.parent_headquarters,
                &to_i64(p.first_record_seq),
                &to_i64(p.last_record_seq),
            ],
        )?;
        Ok(())
    }

    fn parties(&mut self) -> Result<Vec<PartyRecord>> {
        let rows = self.tx.query(
            &format!("SELECT {PARTY_COLUMNS} FROM parties ORDER BY name, role"),
            &[],
        )?;
        rows.iter()
            .map(|r| {
                Ok(PartyRecord {
                    name: r.try_get(0)?,
                    role: r.try_get(1)?,
                    country: r.try_get(2)?,
                    address: r.try_get(3)?,
                    headquarters: r.try_get(4)?,
                    parent_headquarters: r.try_get(5)?,
                    first_record_seq: to_u64(r.try_get(6)?),
                    last_record_seq: to_u64(r.try_get(7)?),
                })
            })
            .collect()
    }

    fn cap_columns(&mut self) -> Result<Vec<(CapColumns, u64, f64)>> {
        let rows = self.tx.query(CAP_COLUMNS_SQL, &[])?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok::<_, postgres::Error>((
                    CapColumns {
                        exception: r.try_get(0)?,
                        conditions: r.try_get(1)?,
                        destination: r.try_get(2)?,
                        consignee: r.try_get(3)?,
                        year: r.try_get(4)?,
                    },
                    to_u64(r.try_get(5)?),
                    r.try_get::<_, Option<f64>>(6)?.unwrap_or(0.0),
                ))
            })
            .collect::<Result<_, _>>()?)
    }

    fn insert_decision_body(&mut self, hash: &str, body: &str) -> Result<()> {
        let st = self.prepared(
            "INSERT INTO decision_bodies (hash, body) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
        )?;
        self.tx.execute(&st, &[&hash, &body])?;
        Ok(())
    }

    fn decision_body(&mut self, hash: &str) -> Result<Option<String>> {
        let st = self.prepared("SELECT body FROM decision_bodies WHERE hash = $1")?;
        Ok(self
            .tx
            .query_opt(&st, &[&hash])?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    fn cap_usage(
        &mut self,
        cap: &Cap,
        first: i32,
        last: i32,
        key: Option<&str>,
    ) -> Result<Vec<UsageRow>> {
        let no_consignee = key == Some(crate::model::NO_CONSIGNEE);
        let sql = cap_usage_sql(cap, "$1", "$2", key.map(|_| ("$3", no_consignee)));
        let (first, last) = (i64::from(first), i64::from(last));
        let rows = match key {
            Some(k) if !no_consignee => self.tx.query(sql.as_str(), &[&first, &last, &k])?,
            _ => self.tx.query(sql.as_str(), &[&first, &last])?,
        };
        Ok(rows
            .iter()
            .map(|r| {
                Ok::<_, postgres::Error>(UsageRow {
                    key: r.try_get(0)?,
                    lines: to_u64(r.try_get(1)?),
                    units: to_u64(r.try_get::<_, Option<i64>>(2)?.unwrap_or(0)),
                    tpp: r.try_get::<_, Option<f64>>(3)?.unwrap_or(0.0),
                    lines_without_tpp: to_u64(r.try_get::<_, Option<i64>>(4)?.unwrap_or(0)),
                })
            })
            .collect::<Result<_, _>>()?)
    }
}
