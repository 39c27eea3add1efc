-- Application tables: users, audit trail, saved queries and cohorts, requests to referents.

CREATE TABLE users (
    id {autoid},
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    centre_id TEXT NOT NULL REFERENCES centres(id),
    language TEXT NOT NULL DEFAULT 'fr',
    display_name TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

-- Append-only; each row carries the hash of the previous one (tamper evidence).
CREATE TABLE audit_log (
    id {autoid},
    ts TEXT NOT NULL,
    username TEXT NOT NULL,
    centre_id TEXT,
    action TEXT NOT NULL,
    criteria TEXT,
    result_size INTEGER,
    purpose TEXT,
    details TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE saved_queries (
    id {autoid},
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    centre_id TEXT,
    question TEXT,
    criteria TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_run_at TEXT,
    shared INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE saved_cohorts (
    id {autoid},
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    centre_id TEXT,
    criteria TEXT,
    origin TEXT,
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE cohort_members (
    cohort_id INTEGER NOT NULL REFERENCES saved_cohorts(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    PRIMARY KEY (cohort_id, patient_id)
);

CREATE TABLE referent_requests (
    id {autoid},
    from_user TEXT NOT NULL,
    centre_id TEXT,
    question TEXT,
    criteria TEXT,
    comment TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    answered_by TEXT,
    answer_comment TEXT,
    saved_query_id INTEGER REFERENCES saved_queries(id),
    created_at TEXT NOT NULL,
    answered_at TEXT
);
