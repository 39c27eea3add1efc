-- PostgreSQL full-text search over qualifier segments: French configuration without accents.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'fr_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION fr_unaccent ( COPY = french );
        ALTER TEXT SEARCH CONFIGURATION fr_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
-- 'simple' dictionary keeps words unstemmed so wildcard prefixes (ov*) behave as in SQLite.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'simple_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION simple_unaccent ( COPY = simple );
        ALTER TEXT SEARCH CONFIGURATION simple_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
    END IF;
END
$$;
ALTER TABLE segments ADD COLUMN tsv tsvector
    GENERATED ALWAYS AS (to_tsvector('simple_unaccent', text)) STORED;
CREATE INDEX ix_segments_tsv ON segments USING GIN (tsv);
