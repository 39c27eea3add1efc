-- Privacy: released cross-centre counts (for the differencing guard), indexes for the audit trail.

-- One row per count released to a person for one centre: the exact patient set (compressed
-- sorted ids), so a later query whose set differs from it by 1..min_count-1 patients is refused.
CREATE TABLE released_counts (
    id {autoid},
    centre_id TEXT NOT NULL,
    username TEXT NOT NULL,
    criteria_hash TEXT NOT NULL,
    set_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    members TEXT NOT NULL,
    released TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_released_centre_size ON released_counts(centre_id, size);
CREATE INDEX ix_released_set ON released_counts(centre_id, set_hash);

CREATE INDEX ix_audit_user_ts ON audit_log(username, ts);
CREATE INDEX ix_audit_action ON audit_log(action);
CREATE INDEX ix_patients_opposition ON patients(opposition);
