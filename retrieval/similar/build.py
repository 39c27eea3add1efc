"""Building and updating the index from the store: ``build_index`` (rebuild) and ``update_index`` (the
hook ingestion calls after loading files: only patients new or changed since the last write are read
and embedded)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Spark stores compute facts and vectors on the executors (that module imports this package's
# modules, so it is bound as a module, reached at call time).
import retrieval.spark.similar as spark_similar
from retrieval.similar.config import GROUP_WEIGHTS, get_similar_settings
from retrieval.similar.facts import PatientInfo
from retrieval.similar.features import Vocabulary, capacity_for, weighted_features
from retrieval.similar.index import (
    WATERMARK_TABLES,
    IndexMeta,
    IndexMissing,
    PatientIndex,
    assemble,
    index_dir_for,
    reshape,
    watermarks,
)
from retrieval.similar.report_facts import patient_facts
from retrieval.similar.text import model_dim
from retrieval.similar.vectors import VectorSpec, patient_vectors
from retrieval.store import Store, now_iso

Progress = Callable[[int, int], None]
BATCH = 2000
COMPACT_SHARE = 0.2   # rebuild the FAISS structure when more than this share of rows is superseded


@dataclass
class IndexReport:
    """What a build or an update did, for the CLI and the ingestion report."""

    action: str            # 'built', 'updated', 'unchanged'
    kind: str              # 'flat' or 'hnsw'
    patients: int          # patients in the index after the operation
    embedded: int          # patients whose vectors were computed now
    seconds: float
    path: str
    text_model: str
    vocabulary_version: int
    from_reports: int = 0  # patients embedded now with facts read from their reports (report_facts.py)

    def sentence(self) -> str:
        what = {"built": "Built", "updated": "Updated", "unchanged": "Up to date:"}[self.action]
        read = f", {self.from_reports} completed from their reports" if self.from_reports else ""
        return (f"{what} similar-patient index ({self.kind}, {self.patients} patients, "
                f"{self.embedded} embedded now{read}, text model {self.text_model}) in "
                f"{self.seconds:.1f} s at {self.path}.")


def default_spec(text_model: str | None = None, summary: str | None = None,
                 structured_weight: float | None = None, report_facts: bool | None = None) -> VectorSpec:
    cfg = get_similar_settings()
    model = text_model or cfg.text_model
    return VectorSpec(
        text_model=model, summary=summary or cfg.summary,
        structured_weight=cfg.structured_weight if structured_weight is None else structured_weight,
        group_weights=dict(GROUP_WEIGHTS), text_dim=0 if model == "none" else model_dim(model),
        report_facts=cfg.report_facts if report_facts is None else report_facts,
    )


def _kind_for(n: int) -> str:
    return "hnsw" if n > get_similar_settings().hnsw_threshold else "flat"


def _patient_facts(store: Store, ids: list[int], from_reports: bool) -> list[PatientInfo]:
    if store.dialect == "spark":
        return spark_similar.patient_facts(store, ids, from_reports)
    return patient_facts(store, ids, from_reports)


def _vectors_in_batches(store: Store, patients: list[PatientInfo], vocab: Vocabulary, spec: VectorSpec,
                        progress: Progress | None) -> np.ndarray:
    if store.dialect == "spark":
        batch = get_similar_settings().batch_size
        vectors = spark_similar.patient_vectors(store, patients, vocab, spec, batch)
        if progress:
            progress(len(patients), len(patients))
        return vectors
    out = []
    for start in range(0, len(patients), BATCH):
        out.append(patient_vectors(store, patients[start : start + BATCH], vocab, spec,
                                   get_similar_settings().batch_size))
        if progress:
            progress(min(start + BATCH, len(patients)), len(patients))
    if not out:
        return np.zeros((0, vocab.capacity + (spec.text_dim if spec.has_text else 0)), dtype=np.float32)
    return np.vstack(out)


def build_index(store: Store, *, spec: VectorSpec | None = None, kind: str | None = None,
                progress: Progress | None = None, save: bool = True) -> tuple[PatientIndex, IndexReport]:
    """Read every patient's facts, write vectors into a new exact or HNSW index (by size)."""
    t0 = time.perf_counter()
    spec = spec or default_spec()
    marks = watermarks(store)  # taken first: rows ingested during the build are caught by the next update
    ids = [r["id"] for r in store.query("SELECT id FROM patients ORDER BY id")]
    patients = _patient_facts(store, ids, spec.report_facts)
    feats = [weighted_features(p.facts, spec.group_weights) for p in patients]
    vocab = Vocabulary.build(f.keys() for f in feats)
    cfg = get_similar_settings()
    meta = IndexMeta(spec=spec, vocab=vocab, kind=kind or _kind_for(len(patients)), hnsw_m=cfg.hnsw_m,
                     hnsw_ef_construction=cfg.hnsw_ef_construction, hnsw_ef_search=cfg.hnsw_ef_search,
                     built_at=now_iso(), updated_at=now_iso(), watermarks=marks)
    vectors = _vectors_in_batches(store, patients, vocab, spec, progress)
    index = assemble(np.array([p.patient_id for p in patients], dtype=np.int64), vectors, meta)
    if save:
        index.save(index_dir_for(store))
    return index, _report(index, "built", len(patients), t0, _read(patients))


def _changed_patients(store: Store, marks: dict[str, int]) -> set[int]:
    changed: set[int] = set()
    for table in WATERMARK_TABLES:
        col = "id" if table == "patients" else "patient_id"
        rows = store.query(f"SELECT DISTINCT {col} AS pid FROM {table} WHERE id > :w",
                           {"w": marks.get(table, 0)})
        changed.update(int(r["pid"]) for r in rows)
    return changed


def update_index(store: Store, progress: Progress | None = None) -> IndexReport:
    """Add patients ingested (or given new rows) since the index was written; build it if missing.

    The index keeps its own model and weights (a changed setting takes effect at the next rebuild).
    New facts get spare vocabulary columns; when those run out, or the store grows past the HNSW
    threshold, or many rows are superseded, the index is re-shaped from its stored vectors.
    """
    t0 = time.perf_counter()
    directory = index_dir_for(store)
    try:
        index = PatientIndex.load(directory)
    except IndexMissing:
        return build_index(store, progress=progress)[1]
    meta = index.meta
    marks = watermarks(store)
    changed = _changed_patients(store, meta.watermarks)
    existing = {int(r["id"]) for r in store.query("SELECT id FROM patients")}
    gone = [p for p in index.patient_ids() if p not in existing]
    if not changed and not gone:
        return _report(index, "unchanged", 0, t0)
    patients = _patient_facts(store, sorted(changed & existing), meta.spec.report_facts)
    feats = [weighted_features(p.facts, meta.spec.group_weights) for p in patients]
    new_keys = {k for f in feats for k in f}
    if not meta.vocab.extend(new_keys):
        needed = len(meta.vocab.keys) + len(meta.vocab.missing(new_keys))
        index = reshape(index, index.meta.kind, capacity_for(needed))
        meta = index.meta
        meta.vocab.extend(new_keys)
    vectors = _vectors_in_batches(store, patients, meta.vocab, meta.spec, progress)
    superseded = {p.patient_id for p in patients} | set(gone)
    for pid in superseded:
        row = index._row_of.pop(pid, None)
        if row is not None:
            index.deleted[row] = True
    if len(vectors):
        index.index.add(vectors)
        start = len(index.rows)
        index.rows = np.concatenate([index.rows, np.array([p.patient_id for p in patients], dtype=np.int64)])
        index.deleted = np.concatenate([index.deleted, np.zeros(len(patients), dtype=bool)])
        for i, p in enumerate(patients):
            index._row_of[p.patient_id] = start + i
    wanted = _kind_for(index.size)
    if wanted != meta.kind or index.deleted.mean() > COMPACT_SHARE:
        index = reshape(index, wanted)
    index.meta.watermarks = marks
    index.meta.updated_at = now_iso()
    index.save(directory)
    return _report(index, "updated", len(patients), t0, _read(patients))


def _read(patients: list[PatientInfo]) -> int:
    return sum(bool(p.from_reports) for p in patients)


def _report(index: PatientIndex, action: str, embedded: int, t0: float, from_reports: int = 0) -> IndexReport:
    return IndexReport(action=action, kind=index.meta.kind, patients=index.size, embedded=embedded,
                       seconds=time.perf_counter() - t0, path=str(index.path.parent if index.path else ""),
                       text_model=index.meta.spec.text_model, vocabulary_version=index.meta.vocab.version,
                       from_reports=from_reports)
