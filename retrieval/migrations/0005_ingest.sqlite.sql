-- Keep the external-content FTS index right when segments are deleted or changed, whoever does it
-- (a re-ingest replaces a document's segments). Insertions are indexed by the ingestion writer in
-- one INSERT ... SELECT per batch, about three times faster than a per-row trigger.
-- Each trigger is on one line: migrations are split into statements at line-final semicolons.
CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN INSERT INTO segments_fts (segments_fts, rowid, text) VALUES ('delete', old.id, old.text); END;
CREATE TRIGGER segments_fts_update AFTER UPDATE OF text ON segments BEGIN INSERT INTO segments_fts (segments_fts, rowid, text) VALUES ('delete', old.id, old.text); INSERT INTO segments_fts (rowid, text) VALUES (new.id, new.text); END;
