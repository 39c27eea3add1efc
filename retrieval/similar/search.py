"""Similar-patient search from a stored patient or from a typed case, with the user's rights applied.

Filters are read from the store at query time (opposition and vital status change after indexing),
on the candidates only: the index is asked for more than ``k`` (over-fetch), candidates failing the
filters are dropped, and the fetch grows until ``k`` remain; when a filter keeps few patients (one
small centre) the search falls back to an exact scan restricted to the allowed patients, so ``k``
results come back whenever ``k`` allowed patients exist.

Results are plain data with the store's ``patient_id`` and no identifier and no report text: the
privacy layer (``privacy.governed``) is the one that turns ids into pseudonyms before anyone sees them.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from retrieval.similar.explain import explain, fact_list
from retrieval.similar.facts import Facts, PatientInfo
from retrieval.similar.index import PatientIndex, index_dir_for
from retrieval.similar.report_facts import patient_facts
from retrieval.similar.vectors import case_vector, patient_vectors
from retrieval.store import Store, StoreError, batches, bind_in

MAX_OVERFETCH = 4096


@dataclass(frozen=True)
class Filters:
    """Who may come back. ``centre_ids=None`` means every centre the caller may see."""

    centre_ids: tuple[str, ...] | None = None
    exclude_opposed: bool = True
    vital_status: Literal["alive", "deceased"] | None = None
    exclude_ids: tuple[int, ...] = ()

    def allows(self, row: dict) -> bool:
        if row["id"] in self.exclude_ids:
            return False
        if self.centre_ids is not None and row["centre_id"] not in self.centre_ids:
            return False
        if self.exclude_opposed and row["opposition"]:
            return False
        if self.vital_status == "alive" and row["death_date"]:
            return False
        return not (self.vital_status == "deceased" and not row["death_date"])


@dataclass
class Neighbour:
    patient_id: int                 # the store's id: pseudonymised by the privacy layer before display
    centre_id: str
    sex: str
    age: int | None
    deceased: bool
    score: float                    # w * structured + (1 - w) * text, in [-1, 1]
    structured_score: float | None
    text_score: float | None
    shared: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)


@dataclass
class SimilarResult:
    query: dict[str, Any]           # {'kind': 'patient'|'case', 'patient_id'?, 'facts': [...labels]}
    neighbours: list[Neighbour]
    index: dict[str, Any]           # kind, size, text model, weight


_CACHE: dict[str, tuple[str, PatientIndex]] = {}
_LOCK = threading.Lock()


def open_index(store: Store) -> PatientIndex:
    """The store's index, loaded once per process and reloaded when an update switched versions."""
    directory = index_dir_for(store)
    current = directory / "CURRENT"
    version = current.read_text(encoding="utf-8").strip() if current.exists() else ""
    with _LOCK:
        hit = _CACHE.get(str(directory))
        if hit and hit[0] == version and version:
            return hit[1]
        index = PatientIndex.load(directory)
        _CACHE[str(directory)] = (version, index)
        return index


def _lookup(store: Store, ids: list[int]) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for chunk in batches(ids, 900):
        marks, names = bind_in(chunk)
        sql = f"SELECT id, centre_id, death_date, opposition FROM patients WHERE id IN ({marks})"
        for r in store.query(sql, names):
            out[int(r["id"])] = r
    return out


def _allowed_ids(store: Store, filters: Filters) -> list[int]:
    where, params = ["1 = 1"], {}
    if filters.centre_ids is not None:
        names = {f"c{i}": c for i, c in enumerate(filters.centre_ids)} or {"c0": "\x00"}
        where.append(f"centre_id IN ({', '.join(':' + n for n in names)})")
        params.update(names)
    if filters.exclude_opposed:
        where.append("opposition = 0")
    if filters.vital_status == "alive":
        where.append("death_date IS NULL")
    elif filters.vital_status == "deceased":
        where.append("death_date IS NOT NULL")
    rows = store.query(f"SELECT id FROM patients WHERE {' AND '.join(where)}", params)
    return [int(r["id"]) for r in rows if int(r["id"]) not in filters.exclude_ids]


def nearest(store: Store, index: PatientIndex, query: np.ndarray, k: int,
            filters: Filters) -> list[tuple[int, float]]:
    """The k best (patient id, score) passing the filters, ties broken by id for determinism."""
    fetch = k * 4 + len(filters.exclude_ids) + 16
    while True:
        hits = index.search(query, fetch)
        info = _lookup(store, [p for p, _ in hits])
        kept = [(p, s) for p, s in hits if p in info and filters.allows(info[p])]
        exhausted = fetch >= index.index.ntotal
        if len(kept) >= k or exhausted:
            break
        if fetch >= MAX_OVERFETCH:
            kept = index.search_among(query, _allowed_ids(store, filters), k)
            break
        fetch *= 4
    kept.sort(key=lambda ps: (-round(ps[1], 5), ps[0]))
    return kept[:k]


def _parts(index: PatientIndex, query: np.ndarray, ids: list[int]) -> list[tuple[float | None, float | None]]:
    """Structured and text cosines read back from the two halves of the vectors."""
    spec, cap = index.meta.spec, index.meta.vocab.capacity
    w = spec.effective_weight
    vecs = index.vectors(ids)
    out = []
    for v in vecs:
        s = float(v[:cap] @ query[0, :cap]) / w if w > 0 else None
        t = float(v[cap:] @ query[0, cap:]) / (1 - w) if spec.has_text and w < 1 else None
        out.append((s, t))
    return out


def _result(store: Store, index: PatientIndex, query_vec: np.ndarray, query_facts: Facts, query: dict,
            k: int, filters: Filters, lang: str, partial: bool = False,
            query_read: dict[str, list[str]] | None = None) -> SimilarResult:
    hits = nearest(store, index, query_vec, k, filters)
    read = index.meta.spec.report_facts
    infos = {p.patient_id: p for p in patient_facts(store, [p for p, _ in hits], read)}
    parts = _parts(index, query_vec, [p for p, _ in hits])
    neighbours = []
    for (pid, score), (s, t) in zip(hits, parts, strict=True):
        info = infos.get(pid)
        if info is None:
            continue
        shared, diffs = explain(query_facts, info.facts, lang, index.meta.spec.group_weights, partial,
                                query_read, info.from_reports)
        if not query_facts and t is not None:
            score, s = t, None  # a case with no parsed facts is compared by its text alone
        neighbours.append(Neighbour(
            patient_id=pid, centre_id=info.centre_id, sex=info.sex, age=info.age,
            deceased=info.deceased, score=round(score, 4), structured_score=_r(s), text_score=_r(t),
            shared=shared, differences=diffs))
    spec = index.meta.spec
    meta = {"kind": index.meta.kind, "size": index.size, "text_model": spec.text_model,
            "summary": spec.summary, "structured_weight": spec.effective_weight}
    return SimilarResult(query=query, neighbours=neighbours, index=meta)


def _r(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else round(x, 4)


def similar_to_patient(store: Store, patient_id: int, k: int = 10, filters: Filters | None = None,
                       lang: str = "fr", index: PatientIndex | None = None) -> SimilarResult:
    """Patients most like a stored patient (never the patient itself)."""
    index = index or open_index(store)
    found = patient_facts(store, [patient_id], index.meta.spec.report_facts)
    info: PatientInfo | None = found[0] if found else None
    if info is None:
        raise StoreError(f"No patient {patient_id} in this store.")
    if patient_id in index:
        vec = index.vector(patient_id)
    else:  # ingested after the last update: computed now, the index is left as it is
        vec = patient_vectors(store, [info], index.meta.vocab, index.meta.spec)
    filters = filters or Filters()
    filters = Filters(filters.centre_ids, filters.exclude_opposed, filters.vital_status,
                      tuple(sorted(set(filters.exclude_ids) | {patient_id})))
    query = {"kind": "patient", "patient_id": patient_id,
             "facts": fact_list(info.facts, lang, read=info.from_reports)}
    return _result(store, index, vec, info.facts, query, k, filters, lang, query_read=info.from_reports)


def similar_to_case(store: Store, facts: Facts, text: str | None, k: int = 10, filters: Filters | None = None,
                    lang: str = "fr", index: PatientIndex | None = None) -> SimilarResult:
    """Patients most like a described case: ``facts`` from case.py (parsed criteria), ``text`` as typed."""
    index = index or open_index(store)
    vec = case_vector(facts, text, index.meta.vocab, index.meta.spec)
    query = {"kind": "case", "facts": fact_list(facts, lang)}
    return _result(store, index, vec, facts, query, k, filters or Filters(), lang, partial=True)
