-- Clinical data model, portable subset of SQL shared by SQLite and PostgreSQL.
-- Dates are ISO 'YYYY-MM-DD' (TEXT affinity in SQLite, DATE in PostgreSQL); flags are 0/1 integers.
-- {autoid} is replaced per dialect by an auto-incrementing integer primary key.

CREATE TABLE centres (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    city TEXT
);

CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    centre_id TEXT NOT NULL REFERENCES centres(id),
    sex TEXT NOT NULL CHECK (sex IN ('F', 'M')),
    birth_date DATE NOT NULL,
    death_date DATE,
    last_news_date DATE,
    opposition INTEGER NOT NULL DEFAULT 0,
    opposition_date DATE
);
CREATE INDEX ix_patients_centre ON patients(centre_id);

-- Direct identifiers live apart from clinical facts so that nothing clinical needs them.
CREATE TABLE identities (
    patient_id INTEGER PRIMARY KEY REFERENCES patients(id),
    ipp TEXT NOT NULL UNIQUE,
    nir TEXT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    birth_name TEXT,
    address TEXT,
    postcode TEXT,
    city TEXT,
    phone TEXT,
    email TEXT
);

CREATE TABLE relatives (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    relation TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    phone TEXT
);
CREATE INDEX ix_relatives_patient ON relatives(patient_id);

CREATE TABLE physicians (
    id INTEGER PRIMARY KEY,
    centre_id TEXT REFERENCES centres(id),
    title TEXT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    specialty TEXT
);

CREATE TABLE tumours (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    rank INTEGER NOT NULL DEFAULT 1,
    icd10 TEXT NOT NULL,
    topography TEXT,
    morphology TEXT,
    histology_group TEXT,
    laterality TEXT,
    grade INTEGER,
    t TEXT,
    n TEXT,
    m TEXT,
    stage TEXT,
    metastatic_at_diagnosis INTEGER NOT NULL DEFAULT 0,
    diagnosis_date DATE NOT NULL,
    age_at_diagnosis INTEGER NOT NULL
);
CREATE INDEX ix_tumours_patient ON tumours(patient_id);
CREATE INDEX ix_tumours_icd10 ON tumours(icd10);
CREATE INDEX ix_tumours_topography ON tumours(topography);
CREATE INDEX ix_tumours_morphology ON tumours(morphology);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    tumour_id INTEGER REFERENCES tumours(id),
    type TEXT NOT NULL,
    site TEXT,
    date DATE NOT NULL
);
CREATE INDEX ix_events_patient ON events(patient_id);
CREATE INDEX ix_events_type ON events(type);

CREATE TABLE treatments (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    tumour_id INTEGER REFERENCES tumours(id),
    class TEXT NOT NULL,
    name TEXT,
    atc TEXT,
    line INTEGER,
    start_date DATE NOT NULL,
    end_date DATE
);
CREATE INDEX ix_treatments_patient ON treatments(patient_id);
CREATE INDEX ix_treatments_class ON treatments(class);
CREATE INDEX ix_treatments_name ON treatments(name);

CREATE TABLE biomarkers (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    tumour_id INTEGER REFERENCES tumours(id),
    marker TEXT NOT NULL,
    status TEXT,
    alteration TEXT,
    value REAL,
    unit TEXT,
    date DATE
);
CREATE INDEX ix_biomarkers_patient ON biomarkers(patient_id);
CREATE INDEX ix_biomarkers_marker ON biomarkers(marker);

CREATE TABLE stays (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    admission_date DATE NOT NULL,
    discharge_date DATE,
    unit TEXT
);
CREATE INDEX ix_stays_patient ON stays(patient_id);

CREATE TABLE stay_diagnoses (
    stay_id INTEGER NOT NULL REFERENCES stays(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    code TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (stay_id, code, role)
);
CREATE INDEX ix_stay_diagnoses_code ON stay_diagnoses(code);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    type TEXT NOT NULL,
    date DATE NOT NULL,
    title TEXT,
    author_id INTEGER REFERENCES physicians(id),
    origin TEXT NOT NULL DEFAULT 'native',
    source TEXT,
    text TEXT NOT NULL,
    ocr_confidence REAL
);
CREATE INDEX ix_documents_patient ON documents(patient_id);

-- Concept mentions found by annotation, with the four qualifiers.
CREATE TABLE mentions (
    id {autoid},
    document_id INTEGER NOT NULL REFERENCES documents(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    concept TEXT NOT NULL,
    text TEXT NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    negated INTEGER NOT NULL DEFAULT 0,
    hypothetical INTEGER NOT NULL DEFAULT 0,
    family INTEGER NOT NULL DEFAULT 0,
    history INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_mentions_document ON mentions(document_id);
CREATE INDEX ix_mentions_concept ON mentions(concept);

-- Report text cut into runs that share the same qualifiers (a negated clause is its own segment),
-- so that free-text search can count affirmed words only. Full-text indexes are per dialect.
CREATE TABLE segments (
    id {autoid},
    document_id INTEGER NOT NULL REFERENCES documents(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    text TEXT NOT NULL,
    negated INTEGER NOT NULL DEFAULT 0,
    hypothetical INTEGER NOT NULL DEFAULT 0,
    family INTEGER NOT NULL DEFAULT 0,
    history INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_segments_document ON segments(document_id);
CREATE INDEX ix_segments_patient ON segments(patient_id);

CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    tumour_id INTEGER REFERENCES tumours(id),
    type TEXT NOT NULL,
    conservation TEXT,
    date DATE,
    available INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ix_samples_patient ON samples(patient_id);

-- Ingestion bookkeeping: one row per input file fully loaded, so a re-run skips it.
CREATE TABLE ingested_files (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    rows_loaded INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL
);
