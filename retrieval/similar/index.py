"""The FAISS index of patient vectors, persisted next to the store.

Layout (``<db>.faiss/`` beside a SQLite file, or ``$COHORT_HOME/indexes/<hash>.faiss/`` for PostgreSQL)::

    CURRENT            name of the live version folder, switched atomically after a write
    v000007/index.faiss  IndexFlatIP (exact) or IndexHNSWFlat (approximate), inner product
    v000007/rows.npy     FAISS row -> patient id
    v000007/deleted.npy  rows superseded by a newer vector of the same patient (skipped at search)
    v000007/meta.json    model, summary, weights, feature vocabulary (+ version), watermarks...

Readers open whatever CURRENT names, so a search running while ``cohort index update`` writes
never sees half an index. FAISS rows are positions; patient ids live in ``rows.npy``, which is what
lets an update supersede a patient's vector without HNSW supporting removals.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np

from retrieval.settings import get_settings
from retrieval.similar.config import get_similar_settings
from retrieval.similar.features import Vocabulary
from retrieval.similar.vectors import VectorSpec, widen
from retrieval.store import Store, StoreError

FORMAT = 1
WATERMARK_TABLES = ("patients", "tumours", "events", "treatments", "biomarkers", "documents")


class IndexMissing(StoreError):
    """No similar-patient index yet; the message says which command builds it."""


@dataclass
class IndexMeta:
    spec: VectorSpec
    vocab: Vocabulary
    kind: str                      # 'flat' or 'hnsw'
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 128
    built_at: str = ""
    updated_at: str = ""
    watermarks: dict[str, int] = field(default_factory=dict)
    format: int = FORMAT

    def to_json(self) -> str:
        data = asdict(self)
        data["vocab"] = self.vocab.to_dict()
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> IndexMeta:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise StoreError("The similar-patient index has an older format; run `cohort index rebuild`.")
        data["spec"] = VectorSpec(**data["spec"])
        data["vocab"] = Vocabulary.from_dict(data["vocab"])
        return cls(**data)


def index_dir_for(store: Store) -> Path:

    configured = get_similar_settings().index_dir
    if configured:
        return Path(configured).expanduser()
    if store.path is not None:
        return store.path.with_name(store.path.name + ".faiss")

    safe = re.sub(r"://[^@/]*@", "://", store.url)  # never put a password in a folder name
    return get_settings().home / "indexes" / (hashlib.sha256(safe.encode()).hexdigest()[:16] + ".faiss")


def watermarks(store: Store) -> dict[str, int]:
    """Highest id per table: rows above it were ingested after the index was written."""
    return {t: int(store.scalar(f"SELECT COALESCE(MAX(id), 0) FROM {t}") or 0) for t in WATERMARK_TABLES}


def make_faiss(dim: int, kind: str, meta: IndexMeta) -> faiss.Index:
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, meta.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = meta.hnsw_ef_construction
    index.hnsw.efSearch = meta.hnsw_ef_search
    return index


class PatientIndex:
    """Vectors + row map + metadata of one version; searching never touches the store."""

    def __init__(self, index: faiss.Index, rows: np.ndarray, deleted: np.ndarray, meta: IndexMeta,
                 path: Path | None = None) -> None:
        self.index, self.rows, self.deleted, self.meta, self.path = index, rows, deleted, meta, path
        self._row_of = {int(pid): i for i, pid in enumerate(rows) if not deleted[i]}

    # -- facts about the index -----------------------------------------------------------------
    @property
    def size(self) -> int:
        return len(self._row_of)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def __contains__(self, patient_id: int) -> bool:
        return int(patient_id) in self._row_of

    def patient_ids(self) -> list[int]:
        return sorted(self._row_of)

    def vector(self, patient_id: int) -> np.ndarray:
        return self.index.reconstruct(self._row_of[int(patient_id)]).reshape(1, -1)

    def vectors(self, patient_ids: list[int]) -> np.ndarray:
        if not patient_ids:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.index.reconstruct(self._row_of[int(p)]) for p in patient_ids])

    def live_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(patient ids, vectors) of the live rows, in row order (used to re-shape the index)."""
        all_vecs = self.index.reconstruct_n(0, self.index.ntotal)
        keep = ~self.deleted
        return self.rows[keep], all_vecs[keep]

    # -- search --------------------------------------------------------------------------------
    def search(self, query: np.ndarray, fetch: int) -> list[tuple[int, float]]:
        """Up to ``fetch`` (patient id, score) by decreasing score, superseded rows skipped."""
        fetch = max(1, min(fetch, self.index.ntotal))
        if isinstance(self.index, faiss.IndexHNSW):
            self.index.hnsw.efSearch = max(self.meta.hnsw_ef_search, fetch)
        scores, rows = self.index.search(np.ascontiguousarray(query, dtype=np.float32), fetch)
        return [(int(self.rows[r]), float(s)) for s, r in zip(scores[0], rows[0], strict=True)
                if r >= 0 and not self.deleted[r]]

    def search_among(self, query: np.ndarray, patient_ids: list[int], k: int) -> list[tuple[int, float]]:
        """Exact search restricted to these patients (the fallback when filters are very selective)."""
        rows = np.array(sorted(self._row_of[p] for p in patient_ids if p in self._row_of), dtype=np.int64)
        if not len(rows):
            return []
        flat = faiss.downcast_index(self.index.storage) if isinstance(self.index, faiss.IndexHNSW) \
            else self.index
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows))
        scores, found = flat.search(np.ascontiguousarray(query, dtype=np.float32), min(k, len(rows)),
                                    params=params)
        return [(int(self.rows[r]), float(s)) for s, r in zip(scores[0], found[0], strict=True) if r >= 0]

    # -- persistence ---------------------------------------------------------------------------
    def save(self, directory: Path) -> Path:
        """Write a new version folder, then switch CURRENT to it and drop older versions."""
        directory.mkdir(parents=True, exist_ok=True)
        versions = sorted(p.name for p in directory.glob("v[0-9]*") if p.is_dir())
        name = f"v{(int(versions[-1][1:]) + 1) if versions else 1:06d}"
        target = directory / name
        target.mkdir()
        faiss.write_index(self.index, str(target / "index.faiss"))
        np.save(target / "rows.npy", self.rows)
        np.save(target / "deleted.npy", self.deleted)
        (target / "meta.json").write_text(self.meta.to_json(), encoding="utf-8")
        tmp = directory / f"CURRENT.{os.getpid()}.{threading.get_ident()}"
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, directory / "CURRENT")
        for old in versions:
            shutil.rmtree(directory / old, ignore_errors=True)
        self.path = target
        return target

    @classmethod
    def load(cls, directory: Path) -> PatientIndex:
        current = directory / "CURRENT"
        if not current.exists():
            raise IndexMissing(
                f"No similar-patient index at {directory}. Build it with `cohort index rebuild`."
            )
        target = directory / current.read_text(encoding="utf-8").strip()
        meta = IndexMeta.from_json((target / "meta.json").read_text(encoding="utf-8"))
        return cls(faiss.read_index(str(target / "index.faiss")), np.load(target / "rows.npy"),
                   np.load(target / "deleted.npy"), meta, target)


def assemble(patient_ids: np.ndarray, vectors: np.ndarray, meta: IndexMeta) -> PatientIndex:
    """A fresh FAISS index over these vectors (HNSW insertion is the slow part of a build)."""
    index = make_faiss(vectors.shape[1], meta.kind, meta)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return PatientIndex(index, np.asarray(patient_ids, dtype=np.int64),
                        np.zeros(len(patient_ids), dtype=bool), meta)


def reshape(old: PatientIndex, kind: str, capacity: int | None = None) -> PatientIndex:
    """Same patients, new shape: exact <-> HNSW, wider vocabulary, superseded rows dropped. No text is
    embedded again: vectors are read back from the index itself."""
    ids, vecs = old.live_vectors()
    meta = old.meta
    if capacity is not None and capacity > meta.vocab.capacity:
        vecs = widen(vecs, meta.vocab.capacity, capacity)
        meta.vocab.capacity = capacity
    meta.kind = kind
    return assemble(ids, vecs, meta)
