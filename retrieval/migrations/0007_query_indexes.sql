-- Indexes for compiled cohort queries (query_compiler): lookups written as the compiler writes them
-- (case-insensitive marker and drug names), and patient_id on every table a per-patient check reads.
CREATE INDEX IF NOT EXISTS ix_biomarkers_marker_upper ON biomarkers (upper(marker));
CREATE INDEX IF NOT EXISTS ix_treatments_name_lower ON treatments (lower(name));
CREATE INDEX IF NOT EXISTS ix_tumours_histology_group ON tumours (histology_group);
CREATE INDEX IF NOT EXISTS ix_stay_diagnoses_patient ON stay_diagnoses (patient_id);
CREATE INDEX IF NOT EXISTS ix_events_tumour ON events (tumour_id, type);
CREATE INDEX IF NOT EXISTS ix_tumours_age ON tumours (age_at_diagnosis);
