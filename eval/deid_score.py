"""Scoring shared by the de-identification evaluations (generated corpus: ``eval/deid.py``; hand-written
sets: ``eval/deid_hand.py``): an identifier is caught when 90 % of its characters are masked, a mask is
correct when half of it covers an identifier."""

from __future__ import annotations

from collections import Counter
from typing import Any

TYPES = ("PERSON", "DATE_OF_BIRTH", "DATE", "NIR", "IPP", "PHONE", "EMAIL", "ADDRESS")
CATCH = 0.9
CORRECT = 0.5


def _covered(spans: list[tuple[int, int]], start: int, end: int) -> int:
    return sum(max(0, min(end, e) - max(start, s)) for s, e in spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


class Score:
    def __init__(self) -> None:
        self.truth = Counter()
        self.caught = Counter()
        self.pred = Counter()
        self.correct = Counter()
        self.misses: list[tuple[str, str]] = []

    def add(self, text: str, truth: list[dict[str, Any]], pred: list[tuple[int, int, str]]) -> None:
        masked = _merge([(s, e) for s, e, _ in pred])
        true_spans = _merge([(t["start"], t["end"]) for t in truth])
        for t in truth:
            self.truth[t["type"]] += 1
            length = t["end"] - t["start"]
            if length and _covered(masked, t["start"], t["end"]) >= CATCH * length:
                self.caught[t["type"]] += 1
            elif len(self.misses) < 2000:
                ctx = text[max(0, t["start"] - 30):t["end"] + 30].replace("\n", " ")
                self.misses.append((t["type"], f"{t['text']!r} in …{ctx}…"))
        for s, e, kind in pred:
            self.pred[kind] += 1
            if e > s and _covered(true_spans, s, e) >= CORRECT * (e - s):
                self.correct[kind] += 1

    def row(self, kind: str | None) -> dict[str, float | int | None]:
        if kind is None:
            truth, caught = sum(self.truth.values()), sum(self.caught.values())
            pred, correct = sum(self.pred.values()), sum(self.correct.values())
        else:
            truth, caught, pred, correct = (self.truth[kind], self.caught[kind], self.pred[kind],
                                            self.correct[kind])
        r = caught / truth if truth else None
        p = correct / pred if pred else None
        f2 = 5 * p * r / (4 * p + r) if p is not None and r is not None and (4 * p + r) else None
        return {"n": truth, "predicted": pred, "precision": p, "recall": r, "f2": f2}



def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"
