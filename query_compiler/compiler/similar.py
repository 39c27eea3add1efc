"""Criteria compiled into the facts of a similar-patient search, as the SQL compiler compiles them
into a query: a typed case is parsed into Criteria by the parser (the caller), then its facts come
from here, in the shape of the facts the index reads from the store (``retrieval.similar.facts``).

Every affirmative atom contributes (atoms under ``not`` are skipped: "sans métastase" is not a fact
to match on; an ``any`` contributes its alternatives at a lower weight). Values are normalised
exactly like stored facts (``retrieval.similar.facts``), so a case and a patient compare column by column.
"""

from __future__ import annotations

import re

from query_compiler.criteria import (
    Age,
    All,
    AnyOf,
    Biomarker,
    Event,
    Node,
    Not,
    Sequence,
    Sex,
    Treatment,
    TreatmentLines,
    Tumour,
)
from retrieval.similar.facts import (
    STATUS_WEIGHTS,
    Facts,
    add_fact,
    age_values,
    lines_bucket,
    marker_key,
    morphology_code,
    site_code,
    stage_group,
    tnm_category,
)

ALTERNATIVE_WEIGHT = 0.5


def _tumour(facts: Facts, atom: Tumour, w: float) -> None:
    sites = [s for s in (site_code(x) for x in atom.site) if s]
    for s in sites:
        add_fact(facts, "site", s, w)
    for h in atom.histology_group:
        add_fact(facts, "histology", h.lower(), w)
    for h in atom.histology:
        add_fact(facts, "morphology", morphology_code(h), w)
    icd = sites[0] if sites else None
    metastatic = bool(atom.metastatic or atom.metastatic_at_diagnosis)
    groups = {stage_group(icd, st) for st in atom.stage} - {None}
    if metastatic or any(m.upper().startswith("M1") for m in atom.m):
        groups = {"IV"} if not (icd and stage_group(icd, None) == "haem") else {"haem"}
    if not groups and icd and stage_group(icd, None) == "haem":
        groups = {"haem"}
    for g in groups:
        add_fact(facts, "stage", g, w)
    for prefix, values in (("T", atom.t), ("N", atom.n), ("M", atom.m)):
        for v in values:
            add_fact(facts, "tnm", tnm_category(prefix, v), w)
    for g in atom.grade:
        add_fact(facts, "grade", f"G{g}", w)
    if atom.metastatic is True or atom.metastatic_at_diagnosis is True:
        add_fact(facts, "metastatic", "metastatic", w)
    elif atom.metastatic is False:
        add_fact(facts, "metastatic", "non-metastatic", w)
    if atom.age_min is not None or atom.age_max is not None:
        _age(facts, atom.age_min, atom.age_max, w)


def _age(facts: Facts, lo: int | None, hi: int | None, w: float) -> None:
    """A stated age ("58 ans") or a narrow range becomes its bands; wide or open ranges are not a fact."""
    if lo is not None and hi is not None and hi - lo <= 10:
        for band, bw in age_values((lo + hi) // 2).items():
            add_fact(facts, "age", band, w * bw)


def _atom(facts: Facts, node: Node, w: float) -> None:
    if isinstance(node, Tumour):
        _tumour(facts, node, w)
    elif isinstance(node, Sex):
        add_fact(facts, "sex", node.value, w)
    elif isinstance(node, Age) and node.at == "diagnosis":
        _age(facts, node.min, node.max, w)
    elif isinstance(node, Event):
        if node.type == "metastasis":
            add_fact(facts, "metastatic", "metastatic", w)
            for site in node.sites:
                add_fact(facts, "metastatic", f"site:{site}", w)
        else:
            add_fact(facts, "event", node.type, w)
    elif isinstance(node, Biomarker):
        mk = marker_key(node.marker)
        sw = STATUS_WEIGHTS.get(node.status or "", 0.5)
        add_fact(facts, "biomarker", f"{mk}:{node.status}" if node.status else None, w * sw)
        if node.alteration:
            add_fact(facts, "alteration", f"{mk}:{node.alteration.strip().upper()}", w)
    elif isinstance(node, Treatment):
        for c in node.classes:
            add_fact(facts, "treatment", c, w)
        for d in node.drugs:
            add_fact(facts, "drug", d.strip().lower(), w)
    elif isinstance(node, TreatmentLines) and node.min is not None:
        add_fact(facts, "lines", lines_bucket(node.min), w)


def _walk(facts: Facts, node: Node, w: float) -> None:
    if isinstance(node, All):
        for item in node.items:
            _walk(facts, item, w)
    elif isinstance(node, AnyOf):
        for item in node.items:
            _walk(facts, item, w * (ALTERNATIVE_WEIGHT if len(node.items) > 1 else 1.0))
    elif isinstance(node, Not):
        return
    elif isinstance(node, Sequence):
        _walk(facts, node.first, w)
        _walk(facts, node.then, w)
    else:
        _atom(facts, node, w)


_AGE = re.compile(
    r"\b(\d{1,3})\s*(?:ans|an)\b|\b(\d{1,3})[- ]?(?:year|yr)s?[- ]old\b|\baged?\s+(\d{1,3})\b",
    re.IGNORECASE,
)


def case_age(text: str | None) -> int | None:
    """The patient's age as a case states it ("Patiente de 58 ans", "58-year-old man", "aged 58").

    A cohort question's age is a range for the parser; a case description's single age is a fact
    about one patient, so it is read here when the parser left it aside."""
    for m in _AGE.finditer(text or ""):
        value = int(next(g for g in m.groups() if g))
        if 0 < value <= 120:
            return value
    return None


def case_facts(criteria: Node | None, text: str | None = None) -> Facts:
    """Facts of a described case, from its parsed Criteria tree (None gives no facts: text only) and,
    for the age only, from its text."""
    facts: Facts = {}
    if criteria is not None:
        _walk(facts, criteria, 1.0)
    if "age" not in facts and (age := case_age(text)) is not None:
        for band, bw in age_values(age).items():
            add_fact(facts, "age", band, bw)
    sites = list(facts.get("site", {}))
    solid = sites and stage_group(sites[0], None) != "haem"
    if solid and "stage" not in facts and "metastatic" in facts.get("metastatic", {}):
        add_fact(facts, "stage", "IV")  # a solid tumour with metastases is stage IV
    if sites and "metastatic" not in facts:
        add_fact(facts, "metastatic", "non-metastatic", 0.5)
    return facts
