-- Signed-in sessions of the command line (privacy/sessions.py): the token itself is never stored,
-- only its SHA-256; a session ends when revoked (cohort logout), idle too long, or too old.
CREATE TABLE auth_sessions (
    id {autoid},
    token_hash TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL,
    via TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX ix_auth_sessions_user ON auth_sessions(username);
