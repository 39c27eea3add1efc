"""Family and history scopes: edsnlp's proposition reading, with dates and relatives as subjects.

A family or history cue flags its whole proposition (sentence starts and termination words bound
propositions, as in edsnlp), and a cue heading a list with ":" reaches the end of the sentence.
Added here: a sentence that opens on a relative is about that relative up to a switch back to the
patient ("Son frère, suivi pour une LAM, est en attente d'allogreffe"); "en rémission de X" makes X
history, not the remission; a bare year at least ``YEARS_BACK`` years before the report's own date
dates a past event ("AVC ischémique en 2020", "En 2012, embolie pulmonaire"), unless the proposition
dates a diagnosis or says the condition is current; so does "il y a N ans".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from retrieval.ingest import grammar as G
from retrieval.ingest import patterns as P
from retrieval.ingest.phrases import Cue
from retrieval.ingest.words import View, fold

FAM, HIST = 4, 8
MONTHS = {fold(m) for m in ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                            "septembre", "octobre", "novembre", "décembre")}  # fmt: skip
YEAR = re.compile(r"^(19|20)\d\d$")
DATE_IN_TEXT = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}[/.-]((?:19|20)\d\d)\b|\b\d{1,2}(?:er)? (?:janvier|février|fevrier|mars|avril|mai|"
    r"juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre) ((?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# words that bring the sentence back to the patient after a relative ("...; le patient présente ...")
SUBJECT_SWITCH = {";", "patient", "patiente", "patients", "patientes"}
YEAR_CUT = {"apres", "avant", "depuis", "suite", "dès"}  # "rechute après autogreffe en 2019"


_DIAGNOSED = [
    fold(w)
    for stem in ("diagnostiqué", "découvert", "révélé")
    for w in (stem, stem + "e", stem + "s", stem + "es")
]
DIAGNOSED = frozenset([*_DIAGNOSED, *P.with_typos(_DIAGNOSED)])


def _diagnosis(word: str) -> bool:
    """ "diagnostiqué", "découverte" (and their typing slips: "diagnotsiqué"): a dated diagnosis."""
    return word in DIAGNOSED


def reference_year(text: str) -> int:
    """The report's own year: its latest full date (a header, a signature), else the current year."""
    years = [int(a or b) for a, b in DATE_IN_TEXT.findall(text)]
    return max(years) if years else date.today().year


def family_history(
    phrases: Any, v: View, found: list, terms: list[int], flag: Callable, ref_year: int
) -> None:
    """Flag family and history from their cues ``found`` (matches) and the termination words ``terms``.

    ``flag(start, end, bit, cue)`` records a scope; ``phrases`` reads a noun phrase for "en rémission de".
    """
    n = len(v)
    bounds = sorted({*v.starts, *terms, n})
    prop_of = [0] * n
    for p, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        for x in range(a, b):
            prop_of[x] = p
    present_props = {prop_of[m.start] for m in found if "present" in m.labels}
    for m in found:
        for label, bit in (("family", FAM), ("history", HIST)):
            if label not in m.labels:
                continue
            cue = Cue(m.start, m.end, "family" if bit == FAM else "history", label)
            p = prop_of[m.start]
            flag(bounds[p], bounds[p + 1], bit, cue)
            if bit == FAM and _opens_sentence(v, m.start):
                # "Son frère, suivi pour une LAM, est en attente d'allogreffe": the sentence is about him
                end = next(
                    (x for x in range(m.end, v.sentence_end(m.start)) if v.words[x] in SUBJECT_SWITCH),
                    v.sentence_end(m.start),
                )
                flag(m.start, end, bit, cue)
            after = v.words[m.end] if m.end < n else ""
            if after == ":" or (after == "," and m.end - m.start > 1):
                flag(m.start, v.sentence_end(m.start), bit, cue)
        if "hist_pre" in m.labels:
            k = next((x for x in range(m.end, min(n, m.end + 6)) if v.words[x] in G.DE or v.punct[x]), None)
            if k is not None and not v.punct[k]:
                flag(k, phrases.np_forward(v, k), HIST, Cue(m.start, m.end, "history", "hist_pre"))
    _past_years(v, bounds, prop_of, present_props, flag, ref_year)


def _opens_sentence(v: View, i: int) -> bool:
    start = v.sentence_start(i)
    return all(v.words[x] in G.DETERMINERS or v.punct[x] for x in range(start, i))


def _past_years(
    v: View,
    bounds: list[int],
    prop_of: list[int],
    present: set[int],
    flag: Callable,
    ref_year: int,
) -> None:
    words, n = v.words, len(v)
    for i in range(n - 4):
        # "Il y a 10 ans, mélanome du dos traité par exérèse"
        if words[i] == "il" and words[i + 1] == "y" and words[i + 2] == "a" and words[i + 4] in ("ans", "an"):
            if not (words[i + 3].isdigit() or words[i + 3] in G.NUMBER_WORDS):
                continue
            cue = Cue(i, i + 5, "history", "past_years")
            p = prop_of[i]
            if i == v.sentence_start(i) and i + 5 < n and words[i + 5] == ",":
                flag(i + 6, v.sentence_end(i), HIST, cue)
            elif p not in present:
                flag(bounds[p], bounds[p + 1], HIST, cue)
    for i in range(n):
        w = words[i]
        if not YEAR.match(w) or int(w) > ref_year - P.YEARS_BACK:
            continue
        # "en 2012", "en mars 2012"; a sentence that opens with it ("En 2012, embolie ...")
        # a bare year ("en 2012"): remote events are dated so; the current course of care is dated
        # to the month ("FOLFOX de mars à juin 2023", "autogreffe en janvier 2012")
        k = i - 1
        if k < 0 or words[k] != "en":
            continue
        p = prop_of[i]
        a, b = bounds[p], bounds[p + 1]
        if p in present or any(_diagnosis(words[x]) for x in range(a, b)):
            continue
        cut = max((x + 1 for x in range(a, k) if words[x] in YEAR_CUT), default=a)
        cue = Cue(k, i + 1, "history", "past_year")
        sent_start = v.sentence_start(i)
        if k == sent_start and i + 1 < n and words[i + 1] == ",":
            flag(i + 2, v.sentence_end(i), HIST, cue)
        else:
            flag(cut, b, HIST, cue)
