-- Imported records (FHIR, OMOP) keep their source ids here: the store's integer id of each
-- (centre, kind, source key), so re-importing the same export upserts the same rows.
CREATE TABLE import_keys (
    centre_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    source_key TEXT NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (centre_id, kind, source_key)
);
CREATE INDEX ix_import_keys_kind_id ON import_keys (kind, id);
