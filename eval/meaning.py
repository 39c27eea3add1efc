"""Meaning of codes in gold and predicted criteria (provisional: groups as their prefixes)."""

from __future__ import annotations

from retrieval.classifications import histology_groups


def histology_set(codes: list[str], groups: list[str]) -> frozenset[str]:
    out = set(codes)
    for g in groups:
        out.update(histology_groups().get(g, (g,)))
    return frozenset(out)
