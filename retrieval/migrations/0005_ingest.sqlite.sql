-- Keep the external-content FTS index in step with segments whoever writes them (insert, delete,
-- update), so a re-ingest that replaces a document's segments never leaves stale index entries.
-- Each trigger is on one line: migrations are split into statements at line-final semicolons.
CREATE TRIGGER segments_fts_insert AFTER INSERT ON segments BEGIN INSERT INTO segments_fts (rowid, text) VALUES (new.id, new.text); END;
CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN INSERT INTO segments_fts (segments_fts, rowid, text) VALUES ('delete', old.id, old.text); END;
CREATE TRIGGER segments_fts_update AFTER UPDATE OF text ON segments BEGIN INSERT INTO segments_fts (segments_fts, rowid, text) VALUES ('delete', old.id, old.text); INSERT INTO segments_fts (rowid, text) VALUES (new.id, new.text); END;
