"""Criteria read back as sentences, in French or English, so a referent can check what will run.

``render(node, lang)`` gives one line for an atom and an indented bullet list for a tree;
``describe(atom, lang)`` is the one-line sentence of an atom (used for matched facts and chat).

>>> from query_compiler.criteria import All, Sex, Tumour
>>> print(render(All(items=[Sex(value="F"), Tumour(site=["C50"], metastatic=True, age_min=50, age_max=50)])))
Toutes les conditions suivantes :
- sexe : femme
- tumeur : sein (C50), métastatique, âge au diagnostic : 50 ans
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from query_compiler import criteria as C
from retrieval.labels import group_label, morphology_with_label, site_label
from retrieval.vocab import (
    BIOMARKER_STATUSES,
    CONSERVATIONS,
    DOC_TYPES,
    EVENT_TYPES,
    LATERALITIES,
    METASTASIS_SITES,
    QUALIFIERS,
    SAMPLE_TYPES,
    TREATMENT_CLASSES,
    label,
)

W: dict[str, dict[str, str]] = {
    "all": {"fr": "Toutes les conditions suivantes :", "en": "All of the following:"},
    "any": {"fr": "Au moins une des conditions suivantes :", "en": "At least one of the following:"},
    "not": {"fr": "Sauf :", "en": "Excluding:"},
    "and": {"fr": "et", "en": "and"},
    "or": {"fr": "ou", "en": "or"},
    "sex": {"fr": "sexe", "en": "sex"},
    "F": {"fr": "femme", "en": "female"},
    "M": {"fr": "homme", "en": "male"},
    "alive": {"fr": "vivant", "en": "alive"},
    "deceased": {"fr": "décédé", "en": "deceased"},
    "vital": {"fr": "statut vital", "en": "vital status"},
    "age_diagnosis": {"fr": "âge au diagnostic", "en": "age at diagnosis"},
    "age_today": {"fr": "âge actuel (ou au décès)", "en": "age today (or at death)"},
    "age_event": {"fr": "âge à l'événement « {} »", "en": "age at event '{}'"},
    "years": {"fr": "ans", "en": "years"},
    "months": {"fr": "mois", "en": "months"},
    "survival": {
        "fr": "survie globale depuis le premier diagnostic",
        "en": "overall survival from first diagnosis",
    },
    "centre": {"fr": "centre", "en": "centre"},
    "tumour": {"fr": "tumeur", "en": "tumour"},
    "any_tumour": {"fr": "une tumeur", "en": "any tumour"},
    "histology": {"fr": "morphologie", "en": "morphology"},
    "group": {"fr": "histologie", "en": "histology"},
    "grade": {"fr": "grade", "en": "grade"},
    "stage": {"fr": "stade", "en": "stage"},
    "metastatic": {"fr": "métastatique", "en": "metastatic"},
    "not_metastatic": {"fr": "non métastatique", "en": "not metastatic"},
    "met_dx": {"fr": "métastatique au diagnostic", "en": "metastatic at diagnosis"},
    "not_met_dx": {"fr": "non métastatique au diagnostic", "en": "not metastatic at diagnosis"},
    "diagnosed": {"fr": "diagnostiquée", "en": "diagnosed"},
    "first": {"fr": "premier cancer primitif", "en": "first primary cancer"},
    "subsequent": {"fr": "second cancer primitif ou suivant", "en": "second or later primary cancer"},
    "event": {"fr": "événement", "en": "event"},
    "biomarker": {"fr": "biomarqueur", "en": "biomarker"},
    "treatment": {"fr": "traitement", "en": "treatment"},
    "drug": {"fr": "médicament", "en": "drug"},
    "atc": {"fr": "ATC", "en": "ATC"},
    "line": {"fr": "ligne", "en": "line"},
    "ongoing": {"fr": "en cours", "en": "ongoing"},
    "ended": {"fr": "terminé", "en": "ended"},
    "started": {"fr": "débuté", "en": "started"},
    "lines": {"fr": "nombre de lignes de traitement systémique", "en": "number of systemic treatment lines"},
    "stay": {"fr": "séjour hospitalier codé (PMSI)", "en": "hospital stay coded (PMSI)"},
    "text": {"fr": "comptes rendus mentionnant", "en": "reports mentioning"},
    "affirmed": {"fr": "mentions affirmées seulement", "en": "affirmed mentions only"},
    "including": {"fr": "y compris mentions", "en": "including mentions"},
    "doc_types": {"fr": "documents", "en": "documents"},
    "biobank": {"fr": "échantillon de biothèque disponible", "en": "biobank sample available"},
    "any_sample": {"fr": "tout type", "en": "any type"},
    "after": {"fr": "après", "en": "after"},
    "before": {"fr": "avant", "en": "before"},
    "within": {"fr": "à moins de {} mois de", "en": "within {} months of"},
    "gap": {"fr": "écart", "en": "gap"},
    "dated": {"fr": "datés", "en": "dated"},
}


def w(key: str, lang: str) -> str:
    return W[key]["fr" if lang == "fr" else "en"]


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def span(lo: Any, hi: Any, unit: str, lang: str) -> str:
    """Inclusive bounds as words: '50 ans', 'entre 18 et 43 ans', 'au moins 70 ans'."""
    u = f" {unit}" if unit else ""
    lo_s = _num(lo) if isinstance(lo, (int, float)) else lo
    hi_s = _num(hi) if isinstance(hi, (int, float)) else hi
    if lo is not None and hi is not None:
        if lo == hi:
            return f"{lo_s}{u}"
        return f"entre {lo_s} et {hi_s}{u}" if lang == "fr" else f"{lo_s} to {hi_s}{u}"
    if lo is not None:
        return f"au moins {lo_s}{u}" if lang == "fr" else f"at least {lo_s}{u}"
    return f"au plus {hi_s}{u}" if lang == "fr" else f"at most {hi_s}{u}"


def _d(value: date, lang: str) -> str:
    return value.strftime("%d/%m/%Y") if lang == "fr" else value.isoformat()


def dates(lo: date | None, hi: date | None, lang: str) -> str:
    if lo and hi:
        return f"du {_d(lo, lang)} au {_d(hi, lang)}" if lang == "fr" else f"from {lo} to {hi}"
    if lo:
        return f"à partir du {_d(lo, lang)}" if lang == "fr" else f"from {lo}"
    return f"jusqu'au {_d(hi, lang)}" if lang == "fr" else f"until {hi}"  # type: ignore[arg-type]


def _list(items: list[str], lang: str, joiner: str = "or") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {w(joiner, lang)} {items[-1]}"


def _site(code: str, lang: str) -> str:
    name = site_label(code, lang)
    return f"{name} ({code})" if name else code


def _vocab(table: dict[str, tuple[str, str]], values: list[str], lang: str) -> str:
    return _list([label(table, v, lang) for v in values], lang)


# -- atoms ----------------------------------------------------------------------------------------
def _sex(a: C.Sex, lang: str) -> str:
    return f"{w('sex', lang)} : {w(a.value, lang)}" if lang == "fr" else f"sex: {w(a.value, lang)}"


def _colon(lang: str) -> str:
    return " : " if lang == "fr" else ": "


def _age(a: C.Age, lang: str) -> str:
    if a.at == "event":
        what = w("age_event", lang).format(label(EVENT_TYPES, a.event or "", lang))
    else:
        what = w(f"age_{a.at}", lang)
    return what + _colon(lang) + span(a.min, a.max, w("years", lang), lang)


def _vital(a: C.VitalStatus, lang: str) -> str:
    return w("vital", lang) + _colon(lang) + w(a.value, lang)


def _survival(a: C.Survival, lang: str) -> str:
    return w("survival", lang) + _colon(lang) + span(a.min_months, a.max_months, w("months", lang), lang)


def _centre(a: C.Centre, lang: str) -> str:
    return w("centre", lang) + _colon(lang) + _list(a.ids, lang)


def _tumour(a: C.Tumour, lang: str) -> str:
    parts: list[str] = []
    if a.site:
        parts.append(_list([_site(c, lang) for c in a.site], lang))
    if a.histology_group:
        parts.append(w("group", lang) + " " + _list([group_label(g, lang) for g in a.histology_group], lang))
    if a.histology:
        codes = [morphology_with_label(c, lang) for c in a.histology]
        parts.append(w("histology", lang) + " " + _list(codes, lang))
    if a.laterality:
        parts.append(label(LATERALITIES, a.laterality, lang))
    if a.grade:
        parts.append(w("grade", lang) + " " + _list([str(g) for g in a.grade], lang))
    if a.stage:
        parts.append(w("stage", lang) + " " + _list(a.stage, lang))
    for name in ("t", "n", "m"):
        if getattr(a, name):
            parts.append(_list(getattr(a, name), lang))
    if a.metastatic_at_diagnosis is not None:
        parts.append(w("met_dx" if a.metastatic_at_diagnosis else "not_met_dx", lang))
    if a.metastatic is not None:
        parts.append(w("metastatic" if a.metastatic else "not_metastatic", lang))
    if a.age_min is not None or a.age_max is not None:
        parts.append(
            w("age_diagnosis", lang) + _colon(lang) + span(a.age_min, a.age_max, w("years", lang), lang)
        )
    if a.diagnosed_from or a.diagnosed_to:
        parts.append(w("diagnosed", lang) + " " + dates(a.diagnosed_from, a.diagnosed_to, lang))
    if a.rank:
        parts.append(w(a.rank, lang))
    if not parts:
        return w("any_tumour", lang)
    return w("tumour", lang) + _colon(lang) + ", ".join(parts)


def _event(a: C.Event, lang: str) -> str:
    text = w("event", lang) + _colon(lang) + label(EVENT_TYPES, a.type, lang)
    if a.sites:
        text += f" ({_vocab(METASTASIS_SITES, a.sites, lang)})"
    if a.date_from or a.date_to:
        text += ", " + dates(a.date_from, a.date_to, lang)
    return text


def _biomarker(a: C.Biomarker, lang: str) -> str:
    parts = [a.marker]
    if a.alteration:
        parts.append(a.alteration)
    if a.status:
        parts.append(label(BIOMARKER_STATUSES, a.status, lang))
    if a.op is not None:
        parts.append(f"{ {'>=': '≥', '<=': '≤'}.get(a.op, a.op) } {_num(a.value or 0)}")
    return w("biomarker", lang) + _colon(lang) + " ".join(parts)


def _treatment(a: C.Treatment, lang: str) -> str:
    parts: list[str] = []
    if a.classes:
        parts.append(_vocab(TREATMENT_CLASSES, a.classes, lang))
    if a.drugs:
        parts.append(w("drug", lang) + " " + _list(a.drugs, lang))
    if a.atc:
        parts.append(w("atc", lang) + " " + _list(a.atc, lang))
    if a.line_min is not None or a.line_max is not None:
        parts.append(w("line", lang) + " " + span(a.line_min, a.line_max, "", lang))
    if a.ongoing is not None:
        parts.append(w("ongoing" if a.ongoing else "ended", lang))
    if a.started_from or a.started_to:
        parts.append(w("started", lang) + " " + dates(a.started_from, a.started_to, lang))
    return w("treatment", lang) + _colon(lang) + (", ".join(parts) or "*")


def _lines(a: C.TreatmentLines, lang: str) -> str:
    return w("lines", lang) + _colon(lang) + span(a.min, a.max, "", lang)


def _stay(a: C.StayDiagnosis, lang: str) -> str:
    text = w("stay", lang) + _colon(lang) + _list([_site(c, lang) for c in a.codes], lang)
    if a.date_from or a.date_to:
        text += ", " + dates(a.date_from, a.date_to, lang)
    return text


def _text(a: C.Text, lang: str) -> str:
    quote = (lambda t: f"« {t} »") if lang == "fr" else (lambda t: f"“{t}”")
    text = w("text", lang) + _colon(lang) + _list([quote(t) for t in a.terms], lang)
    extra = [
        w("including", lang) + " " + _vocab(QUALIFIERS, a.include, lang) if a.include else w("affirmed", lang)
    ]
    if a.doc_types:
        extra.append(w("doc_types", lang) + _colon(lang) + _vocab(DOC_TYPES, a.doc_types, lang))
    if a.date_from or a.date_to:
        extra.append(w("dated", lang) + " " + dates(a.date_from, a.date_to, lang))
    return f"{text} ({'; '.join(extra)})"


def _biobank(a: C.Biobank, lang: str) -> str:
    parts = [_vocab(SAMPLE_TYPES, a.sample_types, lang) if a.sample_types else w("any_sample", lang)]
    if a.conservation:
        parts.append(_vocab(CONSERVATIONS, a.conservation, lang))
    return w("biobank", lang) + _colon(lang) + ", ".join(parts)


ATOM_RENDERERS: dict[type[C.Node], Callable[[Any, str], str]] = {
    C.Sex: _sex,
    C.Age: _age,
    C.VitalStatus: _vital,
    C.Survival: _survival,
    C.Centre: _centre,
    C.Tumour: _tumour,
    C.Event: _event,
    C.Biomarker: _biomarker,
    C.Treatment: _treatment,
    C.TreatmentLines: _lines,
    C.StayDiagnosis: _stay,
    C.Text: _text,
    C.Biobank: _biobank,
}


def describe(atom: C.Node, lang: str = "fr") -> str:
    """One sentence for one atom (or a one-line summary of a time relation)."""
    if isinstance(atom, C.Sequence):
        return _sequence(atom, lang)
    fn = ATOM_RENDERERS.get(type(atom))
    if fn is None:
        raise TypeError(f"no renderer for {type(atom).__name__}")
    return fn(atom, lang)


def _sequence(s: C.Sequence, lang: str) -> str:
    first, then = describe(s.first, lang), describe(s.then, lang)
    if s.relation == "within":
        rel = w("within", lang).format(_num(s.max_months or 0))
        text = f"[{then}] {rel} [{first}]"
        if s.min_months is not None:
            text += f" ({w('gap', lang)} {span(s.min_months, None, w('months', lang), lang)})"
        return text
    text = f"[{then}] {w(s.relation, lang)} [{first}]"
    if s.min_months is not None or s.max_months is not None:
        text += f" ({w('gap', lang)} {span(s.min_months, s.max_months, w('months', lang), lang)})"
    return text


def _lines_of(node: C.Node, lang: str, indent: int) -> list[str]:
    pad = "  " * indent
    if isinstance(node, (C.All, C.AnyOf)):
        out = [pad + w(node.kind, lang)]
        for item in node.items:
            sub = _lines_of(item, lang, indent + 1)
            out.append(pad + "- " + sub[0].lstrip())
            out.extend(sub[1:])
        return out
    if isinstance(node, C.Not):
        sub = _lines_of(node.item, lang, indent + 1)
        return [pad + w("not", lang) + " " + sub[0].lstrip(), *sub[1:]]
    return [pad + describe(node, lang)]


def render(node: C.Node, lang: str = "fr") -> str:
    """Readable text of a whole tree: one line per atom, bullets and indentation for nesting."""
    return "\n".join(_lines_of(node, "fr" if lang == "fr" else "en", 0))
