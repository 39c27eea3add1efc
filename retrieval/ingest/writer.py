"""Writing validated records into the store, idempotently.

Rows keyed by the generator's ids are *upserted* (``INSERT ... ON CONFLICT (id) DO UPDATE``, same
SQL on SQLite and PostgreSQL); rows that belong to a patient or a document (tumours, events...,
mentions, segments) are deleted and rewritten with their parent, so loading the same record twice
leaves exactly one copy, and loading a corrected record leaves no stale child behind. The caller
wraps each batch in one transaction; if a batch breaks a database constraint, it is replayed one
record at a time so that only the offending records are rejected (with the database's reason).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from retrieval.records import CentreRecord, PatientRecord, PhysicianRecord
from retrieval.store import Store

QUAL = ("negated", "hypothetical", "family", "history")

PATIENT_CHILDREN = (  # deletion order respects foreign keys (children of tumours first)
    "events",
    "treatments",
    "biomarkers",
    "samples",
    "stay_diagnoses",
    "stays",
    "tumours",
    "relatives",
    "identities",
)


def integrity_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [sqlite3.IntegrityError]
    try:
        import psycopg

        errors.append(psycopg.IntegrityError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


def upsert_sql(table: str, cols: Sequence[str], key: Sequence[str] = ("id",)) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in key)
    conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)}) "
        f"ON CONFLICT ({', '.join(key)}) {conflict}"
    )


def insert_sql(table: str, cols: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"


def age_in_years(birth: date, on: date) -> int:
    """Completed years, as everywhere in the project ("50 ans" the day before the 51st birthday)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


CENTRE_COLS = ("id", "name", "city")
PHYSICIAN_COLS = ("id", "centre_id", "title", "first_name", "last_name", "specialty")
PATIENT_COLS = ("id", "centre_id", "sex", "birth_date", "death_date", "last_news_date", "opposition")
IDENTITY_COLS = (
    "patient_id",
    "ipp",
    "nir",
    "first_name",
    "last_name",
    "birth_name",
    "address",
    "postcode",
    "city",
    "phone",
    "email",
)
RELATIVE_COLS = ("id", "patient_id", "relation", "first_name", "last_name", "phone")
TUMOUR_COLS = (
    "id",
    "patient_id",
    "rank",
    "icd10",
    "topography",
    "morphology",
    "histology_group",
    "laterality",
    "grade",
    "t",
    "n",
    "m",
    "stage",
    "metastatic_at_diagnosis",
    "diagnosis_date",
    "age_at_diagnosis",
)
EVENT_COLS = ("id", "patient_id", "tumour_id", "type", "site", "date")
TREATMENT_COLS = ("id", "patient_id", "tumour_id", "class", "name", "atc", "line", "start_date", "end_date")
BIOMARKER_COLS = ("id", "patient_id", "tumour_id", "marker", "status", "alteration", "value", "unit", "date")
STAY_COLS = ("id", "patient_id", "admission_date", "discharge_date", "unit")
STAY_DX_COLS = ("stay_id", "patient_id", "code", "role")
SAMPLE_COLS = ("id", "patient_id", "tumour_id", "type", "conservation", "date", "available")
DOCUMENT_COLS = (
    "id",
    "patient_id",
    "type",
    "date",
    "title",
    "author_id",
    "origin",
    "source",
    "text",
    "ocr_confidence",
)
MENTION_COLS = ("document_id", "patient_id", "concept", "text", "start_char", "end_char", *QUAL)
SEGMENT_COLS = ("document_id", "patient_id", "start_char", "end_char", "text", *QUAL)


def patient_rows(p: PatientRecord) -> dict[str, list[dict[str, Any]]]:
    """Every table row one patient record yields, keyed by table."""
    pid = p.id
    rows: dict[str, list[dict[str, Any]]] = {
        "patients": [
            {
                "id": pid,
                "centre_id": p.centre_id,
                "sex": p.sex,
                "birth_date": _iso(p.birth_date),
                "death_date": _iso(p.death_date),
                "last_news_date": _iso(p.last_news_date),
                "opposition": int(p.opposition),
            }
        ],
        "identities": [{"patient_id": pid, **p.identity.model_dump()}],
        "relatives": [{"patient_id": pid, **r.model_dump()} for r in p.relatives],
        "tumours": [
            {
                **t.model_dump(),
                "patient_id": pid,
                "diagnosis_date": _iso(t.diagnosis_date),
                "metastatic_at_diagnosis": int(t.metastatic_at_diagnosis),
                "age_at_diagnosis": age_in_years(p.birth_date, t.diagnosis_date),
            }
            for t in p.tumours
        ],
        "events": [{**e.model_dump(), "patient_id": pid, "date": _iso(e.date)} for e in p.events],
        "treatments": [
            {
                **t.model_dump(by_alias=True),
                "patient_id": pid,
                "start_date": _iso(t.start_date),
                "end_date": _iso(t.end_date),
            }
            for t in p.treatments
        ],
        "biomarkers": [{**b.model_dump(), "patient_id": pid, "date": _iso(b.date)} for b in p.biomarkers],
        "stays": [
            {
                "id": s.id,
                "patient_id": pid,
                "admission_date": _iso(s.admission_date),
                "discharge_date": _iso(s.discharge_date),
                "unit": s.unit,
            }
            for s in p.stays
        ],
        "stay_diagnoses": [
            {"stay_id": s.id, "patient_id": pid, "code": code, "role": role}
            for s in p.stays
            for code, role in dict.fromkeys(s.diagnoses)  # a repeated (code, role) pair is one fact
        ],
        "samples": [
            {**s.model_dump(), "patient_id": pid, "date": _iso(s.date), "available": int(s.available)}
            for s in p.samples
        ],
    }
    return rows


TABLE_COLS: dict[str, tuple[str, ...]] = {
    "identities": IDENTITY_COLS,
    "relatives": RELATIVE_COLS,
    "tumours": TUMOUR_COLS,
    "events": EVENT_COLS,
    "treatments": TREATMENT_COLS,
    "biomarkers": BIOMARKER_COLS,
    "stays": STAY_COLS,
    "stay_diagnoses": STAY_DX_COLS,
    "samples": SAMPLE_COLS,
}
INSERT_ORDER = (
    "identities",
    "relatives",
    "tumours",
    "events",
    "treatments",
    "biomarkers",
    "stays",
    "stay_diagnoses",
    "samples",
)


@dataclass
class DocumentRow:
    """A document ready to store: its text (native or OCR) and its annotation rows."""

    id: int
    patient_id: int
    type: str
    date: str
    title: str | None
    author_id: int | None
    origin: str
    source: str | None
    text: str
    ocr_confidence: float | None
    mentions: list[tuple[Any, ...]]  # (concept, text, start, end, neg, hyp, fam, hist)
    segments: list[tuple[Any, ...]]  # (start, end, text, neg, hyp, fam, hist)


class Writer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._trigger: bool | None = None

    def centres(self, records: Iterable[CentreRecord]) -> None:
        self.store.executemany(upsert_sql("centres", CENTRE_COLS), [r.model_dump() for r in records])

    def physicians(self, records: Iterable[PhysicianRecord]) -> None:
        self.store.executemany(upsert_sql("physicians", PHYSICIAN_COLS), [r.model_dump() for r in records])

    def patients(self, records: Sequence[PatientRecord]) -> None:
        ids = [{"id": p.id} for p in records]
        for table in PATIENT_CHILDREN:
            key = "patient_id"
            self.store.executemany(f"DELETE FROM {table} WHERE {key} = :id", ids)
        batch: dict[str, list[dict[str, Any]]] = {}
        for p in records:
            for table, rows in patient_rows(p).items():
                batch.setdefault(table, []).extend(rows)
        self.store.executemany(upsert_sql("patients", PATIENT_COLS), batch.get("patients", []))
        for table in INSERT_ORDER:
            if batch.get(table):
                self.store.executemany(insert_sql(table, TABLE_COLS[table]), batch[table])

    def documents(self, docs: Sequence[DocumentRow]) -> tuple[int, int]:
        """Store documents with their mentions and segments; returns (mentions, segments) written.

        On SQLite the full-text index is filled here, in the same transaction, by one
        ``INSERT ... SELECT`` over the segments just written (new ids are above the previous
        maximum: ``AUTOINCREMENT``): about 3x faster than a per-row trigger. Deletions keep going
        through the ``segments_fts_delete`` trigger (migration 0005), so whoever deletes a segment
        keeps the index right.
        """
        ids = [{"id": d.id} for d in docs]
        self.store.executemany("DELETE FROM mentions WHERE document_id = :id", ids)
        self.store.executemany("DELETE FROM segments WHERE document_id = :id", ids)
        self.store.executemany(
            upsert_sql("documents", DOCUMENT_COLS),
            [{c: getattr(d, c) for c in DOCUMENT_COLS} for d in docs],
        )
        mentions = [(d.id, d.patient_id, *m) for d in docs for m in d.mentions]
        segments = [(d.id, d.patient_id, *s) for d in docs for s in d.segments]
        fts = self.store.dialect == "sqlite" and not self._fts_trigger()
        last = self.store.scalar("SELECT COALESCE(MAX(id), 0) FROM segments") if fts else 0
        self._insert_many("mentions", MENTION_COLS, mentions)
        self._insert_many("segments", SEGMENT_COLS, segments)
        if fts and segments:
            self.store.execute(
                "INSERT INTO segments_fts (rowid, text) SELECT id, text FROM segments WHERE id > :last",
                {"last": last},
            )
        return len(mentions), len(segments)

    def _insert_many(self, table: str, cols: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Positional parameters on SQLite (binding tuples is cheaper than dicts), named elsewhere."""
        if not rows:
            return
        if self.store.dialect == "sqlite":
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            self.store.executemany(sql, rows)
        else:
            self.store.executemany(insert_sql(table, cols), [dict(zip(cols, r, strict=True)) for r in rows])

    def _fts_trigger(self) -> bool:
        """A store migrated by an early 0005 fills the index by trigger: then do not insert twice."""
        if self._trigger is None:
            self._trigger = bool(
                self.store.scalar(
                    "SELECT COUNT(*) FROM sqlite_master"
                    " WHERE type = 'trigger' AND name = 'segments_fts_insert'"
                )
            )
        return self._trigger


def write_batch(
    store: Store,
    items: Sequence[Any],
    write: Callable[[Sequence[Any]], Any],
    on_reject: Callable[[Any, str], None],
) -> list[Any]:
    """Write ``items`` in one transaction; on a constraint error, replay them one by one and reject the
    offenders. Returns the items written."""
    errors = integrity_errors()
    try:
        with store.transaction():
            write(items)
        return list(items)
    except errors:
        pass
    written = []
    for item in items:
        try:
            with store.transaction():
                write([item])
            written.append(item)
        except errors as exc:
            on_reject(item, f"rejected by the database ({str(exc).splitlines()[0]})")
    return written
