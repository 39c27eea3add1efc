"""A copy of a store with incomplete coding, for ``cohort eval similar --drop-structured FRACTION``.

Why: the generated store is unrealistically complete. In a real cancer centre many biomarker results,
metastatic sites and some histologies exist only in the pathology / imaging reports and were never
coded in the structured tables. That is when the text part of a patient vector should earn its place,
and the evaluation must be able to show it (or show that it does not).

What is dropped, on a COPY of the SQLite file (the user's store is only read, through SQLite's
backup API on a read-only connection), with three independent seeded draws of ``round(fraction * n)``
patients each among the n eligible patients. Eligible (``among``):

- ``reported`` (default): the patients who have such rows AND whose reports state the fact, which is
  what "coded only part of what the reports say" means: a coded marker named in a report (its
  symbol or usual French name: RE / œstrogènes for ER, HER2 / ERBB2...), an affirmed metastasis
  mention (mentions table: not negated, hypothetical or family), a pathology report for the histology;
- ``all``: every patient who has such rows, even when no report says it. That also measures facts lost
  from the whole record, which nothing can read back (a harsher, less realistic setting).

Dropped for the drawn patients:

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
import re
import sqlite3
from collections import defaultdict
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


AMONG = ("reported", "all")
# How reports name a coded marker (besides its symbol): French names and usual spellings.
MARKER_NAMES = {"ER": ("RE", "ER", "œstrogènes", "oestrogènes"), "PR": ("RP", "PR", "progestérone"),
                "HER2": ("HER2", "HER-2", "ERBB2"), "PDL1": ("PD-L1", "PDL1"),
                "MSI": ("MSI", "MSS", "dMMR", "pMMR", "MSI-H")}


def _reported(store: Store, name: str) -> set[int]:
    """Patients whose reports state the kind of fact ``name`` (see module docstring)."""
    if name == "metastasis events":
        rows = store.query("SELECT DISTINCT patient_id FROM mentions WHERE concept = 'metastasis' "
                           "AND negated = 0 AND hypothetical = 0 AND family = 0")
        return {int(r["patient_id"]) for r in rows}
    if name == "tumour histology":
        return {int(r["patient_id"]) for r in
                store.query("SELECT DISTINCT patient_id FROM documents WHERE type = 'pathology'")}
    markers: dict[int, set[str]] = defaultdict(set)
    for r in store.query("SELECT patient_id, marker FROM biomarkers"):
        key = re.sub(r"[\s\-_]", "", r["marker"]).upper()
        markers[int(r["patient_id"])].update(MARKER_NAMES.get(key, (r["marker"],)))
    texts: dict[int, list[str]] = defaultdict(list)
    for r in store.query("SELECT patient_id, text FROM documents"):
        texts[int(r["patient_id"])].append(r["text"] or "")
    out = set()
    for pid, names in markers.items():
        words = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in sorted(names)) + r")(?![\w-])")
        if any(words.search(t) for t in texts.get(pid, ())):
            out.add(pid)
    return out


def drop_structured(store: Store, fraction: float, seed: int,
                    among: str = "reported") -> dict[str, dict[str, int]]:
    """Degrade ``store`` IN PLACE (give it a copy). Returns, per kind, patients drawn / eligible and rows
    before / after, so the report says exactly what was removed."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"--drop-structured must be between 0 and 1, not {fraction}.")
    if among not in AMONG:
        raise ValueError(f"--drop-among must be one of {', '.join(AMONG)}, not {among!r}.")
    out: dict[str, dict[str, int]] = {}
    for name, table, eligible_sql, statement in DROPS:
        eligible = sorted(int(r["patient_id"]) for r in store.query(eligible_sql))
        if among == "reported":
            stated = _reported(store, name)
            eligible = [pid for pid in eligible if pid in stated]
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


def degraded_copy(store: Store, fraction: float, seed: int, workdir: Path,
                  among: str = "reported") -> tuple[Store, dict]:
    """Copy ``store`` into ``workdir`` and drop ``fraction`` of its coded facts (see module docstring)."""
    copy = copy_sqlite(store, workdir / "degraded.db")
    return copy, drop_structured(copy, fraction, seed, among)
