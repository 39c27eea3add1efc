"""Why a neighbour is similar: the facts it shares with the query and the main differences.

Groups are visited by weight (site before drugs), so the first lines are the ones a tumour board
looks at. Phrases use the labels of retrieval/vocab.py through labels.py; nothing here reads report
text, so an explanation never carries an identifier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from retrieval.similar.config import GROUP_WEIGHTS
from retrieval.similar.facts import Facts
from retrieval.similar.labels import GROUPS, fact_label

MAX_SHARED = 10
MAX_DIFFERENCES = 6
# Shown in differences only when they matter clinically (age/sex differences are read from the line).
DIFF_GROUPS = ("site", "histology", "stage", "metastatic", "biomarker", "alteration", "treatment", "drug",
               "lines", "event")


# Said after a fact read from a report rather than from the coded record (report_facts.py).
FROM_REPORT = {"fr": " (compte rendu)", "en": " (report)"}
Read = Mapping[str, Iterable[str]]


def _label(group: str, value: str, lang: str, read: Read | None) -> str:
    text = fact_label(group, value, lang)
    if read and value in set(read.get(group, ())):
        text += FROM_REPORT.get(lang, FROM_REPORT["en"])
    return text


def _ordered_groups(weights: Mapping[str, float]) -> list[str]:
    return sorted(weights, key=lambda g: (-weights[g], g))


def _visible(group: str, values: set[str]) -> list[str]:
    """Values worth a phrase: the shifted age grid duplicates the plain one, so it is hidden."""
    if group == "age":
        values = {v for v in values if not v.endswith("~")}
    if group == "metastatic" and any(v.startswith("site:") for v in values):
        values = values - {"metastatic"}  # "métastase : cerveau" already says it
    return sorted(values)


def explain(query: Facts, other: Facts, lang: str = "fr", weights: Mapping[str, float] = GROUP_WEIGHTS,
            partial: bool = False, query_read: Read | None = None,
            other_read: Read | None = None) -> tuple[list[str], list[str]]:
    """(shared facts, main differences) as short phrases in ``lang`` ('fr' or 'en').

    ``partial`` is for a typed case, which states only some facts: a group it does not mention is
    not a difference (the neighbour's drugs are not "extra" when the case said nothing of drugs).
    ``query_read`` / ``other_read``: values each side has only from its reports, marked as such (a
    shared fact is marked when the neighbour's comes from a report, since the neighbour is what is
    being explained).
    """
    shared: list[str] = []
    differences: list[str] = []
    for group in _ordered_groups(weights):
        q, o = set(query.get(group, {})), set(other.get(group, {}))
        if group == "morphology" and query.get("histology") and other.get("histology"):
            q, o = q & o, q & o  # exact morphology codes only add to what histology already says
        shared += [_label(group, v, lang, other_read) for v in _visible(group, q & o)]
        if group not in DIFF_GROUPS or (partial and not q):
            continue
        only_q, only_o = _visible(group, q - o), _visible(group, o - q)
        name = GROUPS.get(group, (group, group))[0 if lang == "fr" else 1]
        if only_q and only_o:
            differences.append(f"{name}: {', '.join(_label(group, v, lang, query_read) for v in only_q)} → "
                                f"{', '.join(_label(group, v, lang, other_read) for v in only_o)}")
        elif only_o:
            extra = "en plus" if lang == "fr" else "also"
            differences.append(
                f"{name} ({extra}): {', '.join(_label(group, v, lang, other_read) for v in only_o)}")
        elif only_q and group in ("site", "histology", "stage", "biomarker", "metastatic"):
            missing = "absent" if lang == "fr" else "missing"
            differences.append(
                f"{name} ({missing}): {', '.join(_label(group, v, lang, query_read) for v in only_q)}")
    return shared[:MAX_SHARED], differences[:MAX_DIFFERENCES]


def fact_list(facts: Facts, lang: str = "fr", weights: Mapping[str, float] = GROUP_WEIGHTS,
              read: Read | None = None) -> list[str]:
    """All facts of one side as phrases, most weighted groups first (the query line of a result)."""
    return [_label(g, v, lang, read) for g in _ordered_groups(weights) if g != "morphology"
            for v in _visible(g, set(facts.get(g, {})))]
