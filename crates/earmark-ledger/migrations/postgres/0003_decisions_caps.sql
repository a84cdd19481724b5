-- Each distinct decision, once (see the SQLite migration of the same number for why). A
-- shipment record names its decision by `hash`, 'sha256:' and the hex SHA-256 of `body`.
CREATE TABLE decision_bodies (
    hash TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TRIGGER decision_bodies_append_only BEFORE UPDATE OR DELETE ON decision_bodies
FOR EACH ROW EXECUTE FUNCTION records_append_only();

-- What declared caps count by: the exception a line shipped under, the license conditions
-- its decision carried (`,id,id,`). Older lines get them from their records.
ALTER TABLE shipments ADD COLUMN exception TEXT, ADD COLUMN conditions TEXT;
UPDATE shipments SET exception = upper(substr(authorisation, 19))
WHERE authorisation LIKE 'license exception %';
UPDATE shipments s SET conditions = (
    SELECT ',' || string_agg(c, ',') || ','
    FROM records r, jsonb_array_elements_text(r.body::jsonb -> 'decision' -> 'conditions') c
    WHERE r.seq = s.record_seq
);
CREATE INDEX shipments_consignee ON shipments (consignee, year);
CREATE INDEX shipments_destination ON shipments (destination, year);
