"""The structured part of a patient vector: weighted one-hot facts, L2-normalised.

Each group of facts (site, histology, stage, biomarkers, drugs...) gets a part of the vector whose
norm is the group's weight, shared by its values; the whole is then normalised. A dot product of two
such vectors is therefore a weighted overlap: two patients with the same site and histology are close
whatever their number of drugs. Columns come from a vocabulary stored with the index, grown in place
when new facts appear (spare columns are reserved), so an incremental update never re-encodes old
patients; when the spare columns run out the stored vectors are widened (still no text re-embedded).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from retrieval.similar.facts import Facts

MIN_CAPACITY = 128


def weighted_features(facts: Facts, group_weights: Mapping[str, float]) -> dict[str, float]:
    """``{"site:C34": 3.0, "drug:osimertinib": 0.7, ...}``: each group's part has norm = its weight."""
    out: dict[str, float] = {}
    for group, bag in facts.items():
        gw = float(group_weights.get(group, 0.0))
        if gw <= 0 or not bag:
            continue
        norm = math.sqrt(sum(w * w for w in bag.values()))
        if norm == 0:
            continue
        for value, w in bag.items():
            out[f"{group}:{value}"] = gw * w / norm
    return out


def capacity_for(n_keys: int) -> int:
    """Columns reserved: the observed vocabulary + a quarter spare, in blocks of 64 (SIMD-friendly).
    Spare columns cost memory and search time on every patient; running out only costs a re-shape
    from stored vectors (no text embedded again), so the spare is kept small."""
    return max(MIN_CAPACITY, -(-(n_keys + n_keys // 4 + 32) // 64) * 64)


@dataclass
class Vocabulary:
    """Feature key -> column. ``version`` increases whenever keys are added (stored in index metadata)."""

    keys: list[str] = field(default_factory=list)
    capacity: int = MIN_CAPACITY
    version: int = 1

    def __post_init__(self) -> None:
        self._index = {k: i for i, k in enumerate(self.keys)}

    @classmethod
    def build(cls, key_sets: Iterable[Iterable[str]]) -> Vocabulary:
        keys = sorted({k for ks in key_sets for k in ks})
        return cls(keys=keys, capacity=capacity_for(len(keys)))

    def missing(self, keys: Iterable[str]) -> list[str]:
        return sorted({k for k in keys if k not in self._index})

    def extend(self, keys: Iterable[str]) -> bool:
        """Add unseen keys in sorted order; False (and no change) when they do not fit the capacity."""
        new = self.missing(keys)
        if not new:
            return True
        if len(self.keys) + len(new) > self.capacity:
            return False
        for k in new:
            self._index[k] = len(self.keys)
            self.keys.append(k)
        self.version += 1
        return True

    def column(self, key: str) -> int | None:
        return self._index.get(key)

    def to_dict(self) -> dict:
        return {"keys": self.keys, "capacity": self.capacity, "version": self.version}

    @classmethod
    def from_dict(cls, data: Mapping) -> Vocabulary:
        return cls(keys=list(data["keys"]), capacity=int(data["capacity"]), version=int(data["version"]))


def vectorise(features: list[dict[str, float]], vocab: Vocabulary) -> np.ndarray:
    """Rows of weighted features -> L2-normalised float32 matrix; keys outside the vocabulary are dropped
    (no stored patient has them, so they could not raise any similarity)."""
    out = np.zeros((len(features), vocab.capacity), dtype=np.float32)
    for i, feats in enumerate(features):
        for key, w in feats.items():
            col = vocab.column(key)
            if col is not None:
                out[i, col] = w
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-12)
