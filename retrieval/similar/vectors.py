"""Patient vectors: [sqrt(w) * structured | sqrt(1-w) * text], both parts L2-normalised.

With that scaling an inner product is ``w * cos_structured + (1 - w) * cos_text``, so the weight is a
plain share of the score, the two parts can be read back separately for explanations, and a stored
vector can be re-weighted or widened (more vocabulary columns) without embedding any text again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from retrieval.similar.config import get_similar_settings
from retrieval.similar.facts import Facts, PatientInfo
from retrieval.similar.features import Vocabulary, vectorise, weighted_features
from retrieval.similar.text import embed, facts_text, summaries
from retrieval.store import Store


@dataclass(frozen=True)
class VectorSpec:
    """How vectors of one index are made; saved in its metadata and checked when it is read."""

    text_model: str            # 'minilm', 'e5', a folder, or 'none'
    summary: str               # 'facts', 'reports', 'mentions', 'findings'
    structured_weight: float   # share of the structured part in the score
    group_weights: dict[str, float]
    text_dim: int
    # coded facts completed from the reports (report_facts.py); False in indexes built before it existed
    report_facts: bool = False

    @property
    def has_text(self) -> bool:
        return self.text_model != "none" and self.text_dim > 0

    @property
    def effective_weight(self) -> float:
        return self.structured_weight if self.has_text else 1.0


def combine(struct: np.ndarray, text: np.ndarray | None, weight: float) -> np.ndarray:
    parts = [struct * math.sqrt(weight)]
    if text is not None and text.shape[1]:
        parts.append(text * math.sqrt(max(0.0, 1.0 - weight)))
    return np.ascontiguousarray(np.hstack(parts), dtype=np.float32)


def split(vectors: np.ndarray, capacity: int, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Undo ``combine``: the normalised structured and text parts (zeros for a part with no weight)."""
    s = vectors[:, :capacity] / math.sqrt(weight) if weight > 0 else vectors[:, :capacity] * 0
    t = vectors[:, capacity:] / math.sqrt(1 - weight) if weight < 1 else vectors[:, capacity:] * 0
    return s, t


def widen(vectors: np.ndarray, old_capacity: int, new_capacity: int) -> np.ndarray:
    """Insert zero columns after the structured part (new vocabulary columns nobody had before)."""
    pad = np.zeros((vectors.shape[0], new_capacity - old_capacity), dtype=np.float32)
    return np.ascontiguousarray(np.hstack([vectors[:, :old_capacity], pad, vectors[:, old_capacity:]]))


def patient_vectors(store: Store, patients: list[PatientInfo], vocab: Vocabulary, spec: VectorSpec,
                    batch_size: int = 64) -> np.ndarray:
    feats = [weighted_features(p.facts, spec.group_weights) for p in patients]
    struct = vectorise(feats, vocab)
    text = None
    if spec.has_text:
        text = embed(summaries(store, patients, spec.summary), spec.text_model, batch_size)
    return combine(struct, text, spec.effective_weight)


def case_text_vector(facts: Facts, text: str | None, model: str, mode: str = "both") -> np.ndarray:
    """The text part of a typed case. ``raw``: its own words; ``facts``: the sentence its parsed facts
    make (the same form as stored ``facts`` summaries); ``both``: the normalised mean of the two, so
    what the parser missed still counts through the words. Chosen by ``cohort eval similar``."""
    raw = text.strip() if text and text.strip() else ""
    canonical = facts_text(facts) if facts else ""
    chosen = {"raw": [raw or canonical], "facts": [canonical or raw],
              "both": [t for t in (raw, canonical) if t]}[mode] or [""]
    vecs = embed(chosen, model)
    mean = vecs.mean(axis=0, keepdims=True)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


def case_vector(facts: Facts, text: str | None, vocab: Vocabulary, spec: VectorSpec,
                mode: str | None = None) -> np.ndarray:
    """A typed case in the same space as stored patients (structured facts from the parsed criteria)."""

    struct = vectorise([weighted_features(facts, spec.group_weights)], vocab)
    emb = None
    if spec.has_text:
        emb = case_text_vector(facts, text, spec.text_model, mode or get_similar_settings().case_text)
    return combine(struct, emb, spec.effective_weight)
