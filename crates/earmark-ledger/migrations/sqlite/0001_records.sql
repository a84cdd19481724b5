-- The chain: every record, append-only. `hash` = sha256(prev_hash || content_hash); the
-- content hash covers kind, time, actor and body exactly as stored.
CREATE TABLE records (
    seq          INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    body         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX records_at ON records (recorded_at);
CREATE TRIGGER records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
CREATE TRIGGER records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;

-- The last record appended: a deleted tail shows as a head that no record reaches.
CREATE TABLE chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE licenses (
    number            TEXT PRIMARY KEY,
    record_seq        INTEGER NOT NULL,
    body              TEXT NOT NULL,
    used_units        INTEGER NOT NULL DEFAULT 0,
    used_value_cents  INTEGER NOT NULL DEFAULT 0,
    used_tpp          REAL NOT NULL DEFAULT 0
);

CREATE TABLE shipments (
    order_id      TEXT NOT NULL,
    line          INTEGER NOT NULL,
    record_seq    INTEGER NOT NULL,
    facts_hash    TEXT NOT NULL,
    item          TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    value_cents   INTEGER NOT NULL,
    tpp           REAL,
    destination   TEXT NOT NULL,
    consignee     TEXT,
    ship_date     TEXT NOT NULL,
    year          INTEGER NOT NULL,
    authorisation TEXT NOT NULL,
    license       TEXT,
    PRIMARY KEY (order_id, line)
);
CREATE INDEX shipments_year ON shipments (year);

CREATE TABLE dispositions (
    record_seq INTEGER PRIMARY KEY,
    party      TEXT NOT NULL,
    entry      TEXT NOT NULL,
    list_hash  TEXT NOT NULL,
    by_whom    TEXT NOT NULL,
    why        TEXT NOT NULL,
    cleared_at TEXT NOT NULL
);
CREATE INDEX dispositions_party ON dispositions (party, entry);

CREATE TABLE caps (
    id         TEXT PRIMARY KEY,
    record_seq INTEGER NOT NULL,
    body       TEXT NOT NULL
);
