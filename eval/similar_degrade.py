"""A copy of a store with incomplete coding, for ``cohort eval similar --drop-structured FRACTION``.

Why: the generated store is unrealistically complete. In a real cancer centre many biomarker results,
metastatic sites and some histologies exist only in the pathology / imaging reports and were never
coded in the structured tables. That is when the text part of a patient vector should earn its place,
and the evaluation must be able to show it (or show that it does not).

What is dropped, on a COPY of the SQLite file (the user's store is only read, through SQLite's
backup API on a read-only connection), with three independent seeded draws of ``round(fraction * n)``
patients each among the n patients who have such rows:

1. ``biomarkers``: every row of the drawn patients (their molecular / IHC results were never coded);
2. ``events`` of type ``metastasis``: every row of the drawn patients (metastatic sites never coded;
   stage, TNM and ``metastatic_at_diagnosis`` of the tumour stay, as a registry would keep them);
3. ``tumours.histology_group`` and ``tumours.morphology`` set to NULL on every tumour of the drawn
   patients (site, stage, TNM, grade stay).

Documents, segments and mentions are untouched, so report-derived summaries keep what the reports
say, and the relevance truth still comes from the generator's corpus files, never from the store.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from retrieval.store import Store

# (name, table, patients holding something to drop, statement applied to the drawn patients)
DROPS: tuple[tuple[str, str, str, str], ...] = (
    ("biomarkers", "biomarkers", "SELECT DISTINCT patient_id FROM biomarkers",
     "DELETE FROM biomarkers WHERE patient_id = :pid"),
    ("metastasis events", "events", "SELECT DISTINCT patient_id FROM events WHERE type = 'metastasis'",
     "DELETE FROM events WHERE patient_id = :pid AND type = 'metastasis'"),
    ("tumour histology", "tumours",
     "SELECT DISTINCT patient_id FROM tumours WHERE histology_group IS NOT NULL OR morphology IS NOT NULL",
     "UPDATE tumours SET histology_group = NULL, morphology = NULL WHERE patient_id = :pid"),
)


def copy_sqlite(store: Store, target: Path) -> Store:
    """A consistent copy of a SQLite store (WAL included) that never writes to the source file."""
    if store.dialect != "sqlite" or store.path is None:
        raise ValueError("--drop-structured works on a SQLite store (it degrades a copy of the file); "
                         "export a PostgreSQL store to SQLite first.")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return Store(str(target), create=False)


def drop_structured(store: Store, fraction: float, seed: int) -> dict[str, dict[str, int]]:
    """Degrade ``store`` IN PLACE (give it a copy). Returns, per kind, patients drawn / eligible and rows
    before / after, so the report says exactly what was removed."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"--drop-structured must be between 0 and 1, not {fraction}.")
    out: dict[str, dict[str, int]] = {}
    for name, table, eligible_sql, statement in DROPS:
        eligible = sorted(int(r["patient_id"]) for r in store.query(eligible_sql))
        rng = random.Random(f"drop-structured:{seed}:{name}")
        drawn = sorted(rng.sample(eligible, round(fraction * len(eligible))))
        before = _count(store, name, table)
        with store.transaction() as tx:
            tx.executemany(statement, [{"pid": pid} for pid in drawn])
        out[name] = {"patients_drawn": len(drawn), "patients_eligible": len(eligible),
                     "rows_before": before, "rows_after": _count(store, name, table)}
    return out


def _count(store: Store, name: str, table: str) -> int:
    where = {"metastasis events": " WHERE type = 'metastasis'",
             "tumour histology": " WHERE histology_group IS NOT NULL OR morphology IS NOT NULL"}.get(name, "")
    return int(store.scalar(f"SELECT COUNT(*) FROM {table}{where}"))


def degraded_copy(store: Store, fraction: float, seed: int, workdir: Path) -> tuple[Store, dict]:
    """Copy ``store`` into ``workdir`` and drop ``fraction`` of its report-described structured facts."""
    copy = copy_sqlite(store, workdir / "degraded.db")
    return copy, drop_structured(copy, fraction, seed)
