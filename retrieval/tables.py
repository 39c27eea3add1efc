"""The clinical tables of every store, in one list: a module of its own, importing nothing, so that the
SQL stores, the Spark warehouse (and its Python workers) and the PostgreSQL copy read the same list
without an import cycle."""

# Tables filled by ingestion, in foreign-key (load) order: references first, documents before segments.
CLINICAL_TABLES = (
    "centres",
    "patients",
    "identities",
    "relatives",
    "physicians",
    "tumours",
    "events",
    "treatments",
    "biomarkers",
    "stays",
    "stay_diagnoses",
    "documents",
    "mentions",
    "segments",
    "samples",
)
