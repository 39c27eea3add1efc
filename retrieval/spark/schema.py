"""Which tables live in the Spark warehouse, how each is laid out, and their Spark types.

The clinical tables are the SQL stores' own (migration ``0001_clinical``), so their columns and
types are read from the migrated schema of the small SQL store beside the warehouse (SQLite
``PRAGMA table_info`` or PostgreSQL ``information_schema``): a migration that adds a column adds
it on Spark too. ``terms`` exists on Spark only: it is the warehouse's full-text index (one row
per word of every segment, see ``retrieval.spark.terms``).

Layout: every table that belongs to a patient is partitioned by ``bucket = patient_id mod B``
(B is fixed when the warehouse is created), so all of one patient's rows, whatever the table,
are in the bucket of the same number, and a rewrite for some patients touches their buckets
only. Inside a bucket, rows are sorted by patient (``terms``: by word, then segment), so Parquet's
per-row-group minimum and maximum let a lookup by patient (or by word) skip what it does not need.
A new clinical table goes in ``CLINICAL_TABLES`` (with its patient column in ``PATIENT_KEY``).
"""

from __future__ import annotations

from typing import Any

from retrieval.tables import CLINICAL_TABLES

SPARK_ONLY = ("terms",)
WAREHOUSE_TABLES = (*CLINICAL_TABLES, *SPARK_ONLY)

PATIENT_KEY = {t: "patient_id" for t in WAREHOUSE_TABLES if t not in ("centres", "physicians", "patients")}
PATIENT_KEY["patients"] = "id"
SORT = {t: [key, "id"] for t, key in PATIENT_KEY.items()}
SORT.update(
    {
        "patients": ["id"],
        "identities": ["patient_id"],
        "stay_diagnoses": ["patient_id", "stay_id"],
        "terms": ["word", "segment_id", "pos"],
    }
)
# Small coded tables every cohort query reads: kept in Spark's memory when the URL says cache=1.
CACHED = ("centres", "patients", "tumours", "events", "treatments", "biomarkers", "stays", "stay_diagnoses",
          "samples")
# Segments and mentions get ids derived from their document (``document_id * ORDINALS + rank``),
# the same whether the warehouse was copied from a SQL store or ingested by Spark.
ORDINALS = 1 << 16
FLAGS = ("negated", "hypothetical", "family", "history")
TERMS_COLUMNS = (
    ("patient_id", "BIGINT"),
    ("document_id", "BIGINT"),
    ("segment_id", "BIGINT"),
    ("pos", "INT"),
    ("word", "STRING"),
    *((f, "INT") for f in FLAGS),
)


def spark_type(declared: str) -> str:
    """SQL declared type (SQLite affinity or PostgreSQL name) -> Spark SQL type."""
    d = declared.upper()
    if "INT" in d:
        return "BIGINT"
    if "DATE" in d and "TIME" not in d:
        return "DATE"
    if "TIMESTAMP" in d:
        return "TIMESTAMP"
    if any(k in d for k in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
        return "DOUBLE"
    if "BOOL" in d:
        return "BOOLEAN"
    return "STRING"


def sql_columns(store: Any, table: str) -> list[tuple[str, str]]:
    """(column, declared type) of a table of a SQL store, generated columns left out."""
    if store.dialect == "sqlite":
        return [(r["name"], r["type"]) for r in store.query(f"PRAGMA table_info({table})")]
    rows = store.query(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_name = :t AND is_generated = 'NEVER' ORDER BY ordinal_position",
        {"t": table},
    )
    return [(r["column_name"], r["data_type"]) for r in rows]


def spark_columns(app: Any, table: str) -> list[tuple[str, str]]:
    """(column, Spark type) of a warehouse table, from the migrated schema of the app store."""
    if table == "terms":
        return list(TERMS_COLUMNS)
    cols = [(name, spark_type(t)) for name, t in sql_columns(app, table)]
    if not cols:
        raise KeyError(f"no table {table!r} in the migrated schema")
    return cols


def ddl(columns: list[tuple[str, str]]) -> str:
    """A Spark schema string: ``id BIGINT, name STRING, ...`` (names quoted: ``date``, ``class``)."""
    return ", ".join(f"`{c}` {t}" for c, t in columns)
