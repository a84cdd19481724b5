-- The chain: every record, append-only. `hash` = sha256(prev_hash || content_hash); the
-- content hash covers kind, time, actor and body exactly as stored (TEXT, not JSONB, which
-- would reorder keys).
CREATE TABLE records (
    seq          BIGINT PRIMARY KEY,
    kind         TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    body         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX records_at ON records (recorded_at);
CREATE FUNCTION records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'records are append-only'; END; $$;
CREATE TRIGGER records_no_update BEFORE UPDATE OR DELETE ON records
FOR EACH ROW EXECUTE FUNCTION records_append_only();

-- The last record appended, and the lock every writer takes (SELECT ... FOR UPDATE): writers
-- queue here, so license depletion and the chain are serial without SERIALIZABLE retries.
CREATE TABLE chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE licenses (
    number            TEXT PRIMARY KEY,
    record_seq        BIGINT NOT NULL,
    body              TEXT NOT NULL,
    used_units        BIGINT NOT NULL DEFAULT 0,
    used_value_cents  BIGINT NOT NULL DEFAULT 0,
    used_tpp          DOUBLE PRECISION NOT NULL DEFAULT 0
);

CREATE TABLE shipments (
    order_id      TEXT NOT NULL,
    line          BIGINT NOT NULL,
    record_seq    BIGINT NOT NULL,
    facts_hash    TEXT NOT NULL,
    item          TEXT NOT NULL,
    quantity      BIGINT NOT NULL,
    value_cents   BIGINT NOT NULL,
    tpp           DOUBLE PRECISION,
    destination   TEXT NOT NULL,
    consignee     TEXT,
    ship_date     TEXT NOT NULL,
    year          BIGINT NOT NULL,
    authorisation TEXT NOT NULL,
    license       TEXT,
    PRIMARY KEY (order_id, line)
);
CREATE INDEX shipments_year ON shipments (year);

CREATE TABLE dispositions (
    record_seq BIGINT PRIMARY KEY,
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
    record_seq BIGINT NOT NULL,
    body       TEXT NOT NULL
);
