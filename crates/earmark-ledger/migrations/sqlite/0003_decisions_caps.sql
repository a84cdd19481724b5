-- Each distinct decision, once. A shipment record's body names its decision by `hash`
-- ('sha256:' and the hex SHA-256 of `body`, the text exactly as stored) instead of carrying
-- it: the lines of an order book share a few decisions, and a line was 2.3 KB, mostly the
-- decision. The chain still covers every decision: the hash is in the record's body, so an
-- edited body here no longer hashes to what the record names, and `audit verify` says so.
CREATE TABLE decision_bodies (
    hash TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TRIGGER decision_bodies_no_update BEFORE UPDATE ON decision_bodies
BEGIN SELECT RAISE(ABORT, 'decision bodies are append-only'); END;
CREATE TRIGGER decision_bodies_no_delete BEFORE DELETE ON decision_bodies
BEGIN SELECT RAISE(ABORT, 'decision bodies are append-only'); END;

-- What the caps a rule pack declares count by: the license exception a line shipped under
-- (LPP's allowance) and the license conditions its decision carried (`,id,id,`: the Tier 2
-- country allocation). Lines recorded before this migration get them from their records.
ALTER TABLE shipments ADD COLUMN exception TEXT;
ALTER TABLE shipments ADD COLUMN conditions TEXT;
UPDATE shipments SET exception = upper(substr(authorisation, 19))
WHERE authorisation LIKE 'license exception %';
UPDATE shipments SET conditions = (
    SELECT ',' || group_concat(j.value, ',') || ','
    FROM records r, json_each(r.body, '$.decision.conditions') j
    WHERE r.seq = shipments.record_seq
);
-- A cap's running total for one consignee or country is read per batch while recording.
CREATE INDEX shipments_consignee ON shipments (consignee, year);
CREATE INDEX shipments_destination ON shipments (destination, year);
