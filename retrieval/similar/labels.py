"""Readable French/English labels for compared facts (explanations and the per-patient summary text).

Vocabulary values use retrieval/vocab.py labels; ICD-10 sites and histology groups use the one table
of code labels (retrieval/labels.py) and fall back to the code itself, which a clinician reads too.
"""

from __future__ import annotations

from retrieval.labels import group_label, site_label
from retrieval.vocab import BIOMARKER_STATUSES, EVENT_TYPES, METASTASIS_SITES, TREATMENT_CLASSES, label

STAGES: dict[str, tuple[str, str]] = {
    "I-II": ("stade localisé (I-II)", "early stage (I-II)"),
    "III": ("stade localement avancé (III)", "locally advanced (stage III)"),
    "IV": ("stade métastatique (IV)", "metastatic (stage IV)"),
    "haem": ("hémopathie", "haematological malignancy"),
}

GROUPS: dict[str, tuple[str, str]] = {
    "site": ("site", "site"), "histology": ("histologie", "histology"), "morphology": ("morphologie",
    "morphology"), "stage": ("stade", "stage"), "tnm": ("TNM", "TNM"), "grade": ("grade", "grade"),
    "metastatic": ("métastases", "metastases"), "biomarker": ("biomarqueur", "biomarker"),
    "alteration": ("altération", "alteration"), "treatment": ("traitement", "treatment"),
    "drug": ("médicament", "drug"), "lines": ("lignes", "lines"), "event": ("évènement", "event"),
    "age": ("âge", "age"), "sex": ("sexe", "sex"),
}


def _pick(table: dict[str, tuple[str, str]], key: str, lang: str, default: str) -> str:
    pair = table.get(key)
    return default if pair is None else (pair[0] if lang == "fr" else pair[1])


def fact_label(group: str, value: str, lang: str = "fr") -> str:
    """One fact as a short phrase: ('site', 'C34') -> 'poumon (C34)'; ('biomarker', 'EGFR:mutated') ->
    'EGFR muté'."""
    fr = lang == "fr"
    if group == "site":
        name = site_label(value, lang)
        return f"{name} ({value})" if name else value
    if group == "histology":
        return group_label(value, lang)
    if group == "morphology":
        return f"{'morphologie' if fr else 'morphology'} {value}"
    if group == "stage":
        return _pick(STAGES, value, lang, value)
    if group in ("tnm", "grade"):
        return value
    if group == "metastatic":
        if value.startswith("site:"):
            site = label(METASTASIS_SITES, value[5:], lang)
            return f"{'métastase' if fr else 'metastasis'}: {site}"
        if value == "non-metastatic":
            return "non métastatique" if fr else "non-metastatic"
        return "métastatique" if fr else "metastatic"
    if group in ("biomarker", "alteration"):
        marker, _, rest = value.partition(":")
        return f"{marker} {label(BIOMARKER_STATUSES, rest, lang) if group == 'biomarker' else rest}"
    if group == "treatment":
        return label(TREATMENT_CLASSES, value, lang)
    if group == "drug":
        return value
    if group == "lines":
        return f"{value} {'ligne(s) systémique(s)' if fr else 'systemic line(s)'}"
    if group == "event":
        return label(EVENT_TYPES, value, lang)
    if group == "age":
        return f"{value.rstrip('~')} {'ans' if fr else 'years'}"
    if group == "sex":
        return {"F": ("femme", "female"), "M": ("homme", "male")}.get(value, (value, value))[0 if fr else 1]
    return value
