-- Ingestion extras: resumable loads, rejected lines kept for review, OCR results cached.

-- 'partial' while a file is being loaded (its sha256 tells whether rows already in the store came
-- from this very version of the file), 'done' once every valid line is in.
ALTER TABLE ingested_files ADD COLUMN status TEXT NOT NULL DEFAULT 'done';

-- Lines that could not be loaded at the last load of their file (replaced at each load).
CREATE TABLE ingest_rejections (
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    problem TEXT NOT NULL,
    rejected_at TEXT NOT NULL,
    PRIMARY KEY (path, line)
);

-- OCR is the slow step (about a second a page): each result is committed as soon as it exists,
-- so a killed or interrupted ingest never OCRs the same scan twice. Keyed by the scan's content.
CREATE TABLE ocr_results (
    document_id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    confidence REAL,
    pages INTEGER NOT NULL,
    seconds REAL NOT NULL,
    created_at TEXT NOT NULL
);
