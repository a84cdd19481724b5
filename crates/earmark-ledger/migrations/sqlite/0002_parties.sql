-- Parties as last recorded: who was shipped to, with the facts screening and the
-- headquarters rules read. An index of the shipment records (which keep every version).
CREATE TABLE parties (
    name                TEXT NOT NULL,
    role                TEXT NOT NULL,
    country             TEXT,
    address             TEXT,
    headquarters        TEXT,
    parent_headquarters TEXT,
    first_record_seq    INTEGER NOT NULL,
    last_record_seq     INTEGER NOT NULL,
    PRIMARY KEY (name, role)
);
