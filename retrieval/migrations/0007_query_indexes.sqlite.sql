-- Code prefixes compile to ranges (code >= 'C50' AND code < 'C51'), which these indexes serve.
CREATE INDEX IF NOT EXISTS ix_treatments_atc ON treatments (atc);
