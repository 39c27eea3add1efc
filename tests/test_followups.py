"""Typed follow-ups, parser level: a message is read against the previous criteria, and the parser
says whether it refines them (and how they merge) or starts over. Tables of (previous, message,
expected criteria in the compact form); the labelled sets are scored by ``cohort eval followups``.
"""

from __future__ import annotations

from datetime import date

import pytest

from query_compiler.criteria import parse_criteria
from query_compiler.criteria.compact import from_compact, to_compact
from query_compiler.parser import parse
from query_compiler.parser.followup import read

TODAY = date(2025, 1, 1)


def _p(message: str, previous: str, **kwargs):  # noqa: ANN202
    return parse(message, previous=from_compact(previous), use_llm=False, today=TODAY, **kwargs)


def _same(got, expected: str) -> bool:  # noqa: ANN001
    """Equal as sets of top-level criteria (the order of a merge does not matter)."""
    def items(node):  # noqa: ANN001, ANN202
        return sorted(to_compact(n, pretty=False) for n in (node.items if node.kind == "all" else [node]))

    return items(got) == items(parse_criteria(from_compact(expected)))


REFINEMENTS = [
    # pronouns and restrictors
    (
        "ALL(sex=F; tumour(site=C50, metastatic=yes, age=50..50))",
        "seulement celles de plus de 60 ans",
        "ALL(sex=F; tumour(site=C50, metastatic=yes, age=50..50); age(at=today, years=60..))",
    ),
    (
        "ALL(tumour(site=C34, histology_group=nsclc); biomarker(marker=EGFR, status=mutated))",
        "parmi eux, ceux traités par osimertinib",
        "ALL(tumour(site=C34, histology_group=nsclc); biomarker(marker=EGFR, status=mutated); "
        "treatment(drugs=osimertinib))",
    ),
    ("ALL(sex=F; tumour(site=C50))", "and in men?", "ALL(sex=M; tumour(site=C50))"),
    ("tumour(site=C34)", "only those still alive", "ALL(tumour(site=C34); vital_status=alive)"),
    ("ALL(sex=M; age(years=70..))", "only those over 80", "ALL(sex=M; age(years=80..))"),
    # a bare site, "same but": the site is replaced, the rest kept
    (
        "ALL(tumour(site=C50); treatment(classes=chemotherapy))",
        "same but lung",
        "ALL(tumour(site=C34); treatment(classes=chemotherapy))",
    ),
    (
        "tumour(site=C20, histology_group=neuroendocrine)",
        "and for the pancreas?",
        "tumour(site=C25, histology_group=neuroendocrine)",
    ),
    # replacement of the thing named, keeping its other fields
    (
        "ALL(tumour(site=C34); treatment(drugs=pembrolizumab, line=1..1))",
        "au lieu du pembrolizumab, l'atézolizumab",
        "ALL(tumour(site=C34); treatment(drugs=atezolizumab, line=1..1))",
    ),
    (
        "ALL(tumour(site=C43); treatment(drugs=dabrafenib); treatment(drugs=trametinib))",
        "what about vemurafenib instead of dabrafenib?",
        "ALL(tumour(site=C43); treatment(drugs=vemurafenib); treatment(drugs=trametinib))",
    ),
    (
        "ALL(tumour(site=C16); biomarker(marker=HER2, status=positive))",
        "et les HER2 négatifs ?",
        "ALL(tumour(site=C16); biomarker(marker=HER2, status=negative))",
    ),
    # a qualifier without an object updates the previous treatment
    (
        "ALL(tumour(site=C34, histology_group=nsclc); treatment(drugs=pembrolizumab))",
        "just the ones in first line",
        "ALL(tumour(site=C34, histology_group=nsclc); treatment(drugs=pembrolizumab, line=1..1))",
    ),
    # exclusions; "non métastatique" is a restriction
    (
        "ALL(sex=F; tumour(site=C50))",
        "sauf les métastatiques",
        "ALL(sex=F; tumour(site=C50); NOT tumour(site=C50, metastatic=yes))",
    ),
    (
        "ALL(tumour(site=C64, metastatic=yes); treatment(drugs=sunitinib))",
        "sauf ceux qui ont été opérés",
        "ALL(tumour(site=C64, metastatic=yes); treatment(drugs=sunitinib); NOT treatment(classes=surgery))",
    ),
    ("tumour(site=C50)", "uniquement les non métastatiques", "tumour(site=C50, metastatic=no)"),
    # a second cancer "also"; a later one in time; "progressed on it"
    (
        "ALL(sex=F; tumour(site=C50))",
        "parmi elles, celles qui ont aussi eu un cancer de l'ovaire",
        "ALL(sex=F; tumour(site=C50); tumour(site=C56))",
    ),
    (
        "tumour(histology_group=myeloma)",
        "parmi eux, ceux qui ont développé ensuite une LAM",
        "ALL(tumour(histology_group=myeloma); "
        "SEQ(first=tumour(histology_group=myeloma), then=tumour(histology_group=aml)))",
    ),
    (
        "ALL(tumour(histology_group=myeloma); treatment(drugs=daratumumab))",
        "who progressed on it",
        "ALL(tumour(histology_group=myeloma); treatment(drugs=daratumumab); "
        "SEQ(first=treatment(drugs=daratumumab), then=event(type=progression)))",
    ),
    # dates replaced as a whole; the text search refined by report type
    (
        "tumour(site=C54, diagnosed=2010-01-01..2014-12-31)",
        "plutôt depuis 2020",
        "tumour(site=C54, diagnosed=2020-01-01..)",
    ),
    (
        'ALL(tumour(site=C50); text("cardiotoxicité"))',
        "seulement les CR d'imagerie",
        'ALL(tumour(site=C50); text("cardiotoxicité", doc_types=imaging))',
    ),
    # nothing to change: opposed patients are always excluded
    ("tumour(site=C34)", "hors opposés", "tumour(site=C34)"),
    # a bare histology or site that completes the cohort's cancer: the same cancer, closer
    ("tumour(site=C34)", "les épidermoïdes", "tumour(site=C34, histology_group=squamous_cell_carcinoma)"),
    ("tumour(histology_group=gist)", "gastriques", "tumour(site=C16, histology_group=gist)"),
    ("tumour(histology_group=sarcoma)", "rétropéritonéal", "tumour(site=C48.0, histology_group=sarcoma)"),
    (
        "tumour(site=C34, histology_group=nsclc)",
        "non fumeurs",
        "ALL(tumour(site=C34, histology_group=nsclc); NOT text(tabagisme))",
    ),
    # a cancer that cannot be the cohort's one replaces it, even after "et les"
    ("ALL(sex=F; tumour(site=C50))", "et les LAM ?", "ALL(sex=F; tumour(histology_group=aml))"),
]


@pytest.mark.parametrize(("previous", "message", "expected"), REFINEMENTS)
def test_follow_ups_refine_the_previous_criteria(previous: str, message: str, expected: str) -> None:
    result = _p(message, previous)
    assert result.followup is True
    assert result.criteria is not None and _same(result.criteria, expected), to_compact(result.criteria)
    assert any(s.source == "previous" for s in result.sources)


NEW_QUESTIONS = [
    ("ALL(sex=F; tumour(site=C50, metastatic=yes))", "Et les patients avec un cancer du pancréas opérés ?"),
    ("tumour(site=C34)", "And how many patients with myeloma had an autologous transplant?"),
    ("ALL(sex=F; tumour(site=C50))", "Only patients with metastatic melanoma treated with nivolumab"),
    ("tumour(site=C64, metastatic=yes)", "LAM avec mutation FLT3"),
    ("tumour(site=C34, metastatic=yes)", "femmes de plus de 75 ans traitées pour un cancer du sein précoce"),
    # a histology that belongs elsewhere (blood, brain) does not complete a site; "pts" is a population word
    ("tumour(site=C50)", "LAM"),
    ("tumour(site=C34)", "glioblastome"),
    ("ALL(tumour(site=C61); treatment(drugs=abiraterone))", "list pts with Merkel cell carcinoma"),
]


@pytest.mark.parametrize(("previous", "message"), NEW_QUESTIONS)
def test_a_new_full_question_is_not_a_follow_up(previous: str, message: str) -> None:
    alone = parse(message, use_llm=False, today=TODAY)
    result = _p(message, previous)
    assert result.followup is False
    assert result.criteria == alone.criteria
    assert not any(s.source == "previous" for s in result.sources)


@pytest.mark.parametrize("message", ["merci", "how many centres are there?"])
def test_a_message_that_is_no_cohort_question_keeps_nothing(message: str) -> None:
    result = _p(message, "tumour(site=C25)")
    assert result.followup is False and result.criteria is None


def test_the_caller_can_force_the_reading() -> None:
    previous = "ALL(sex=F; tumour(site=C50))"
    forced = _p("patients avec un cancer de la prostate", previous, followup=True)
    assert forced.followup is True and _same(forced.criteria, "ALL(sex=F; tumour(site=C61))")
    fresh = _p("seulement les vivantes", previous, followup=False)
    assert fresh.followup is False and _same(fresh.criteria, "vital_status=alive")


def test_messages_are_read_in_the_callers_language() -> None:
    """The session passes its language: what the parser says follows it, whatever the question's."""
    result = parse("women with breast cancer and lupus", use_llm=False, lang="fr")
    assert result.clarifications and all("«" in c or "Que" in c for c in result.clarifications)


@pytest.mark.parametrize(
    ("message", "exclude", "old", "body"),
    [
        ("sauf ceux qui ont été opérés", True, None, "ceux qui ont été opérés"),
        ("à l'exception des patientes opérées", True, None, "patientes opérées"),
        ("instead of pembrolizumab, nivolumab", False, "pembrolizumab", "nivolumab"),
        ("sans chimiothérapie", False, None, "sans chimiothérapie"),  # a negation the terminology reads
    ],
)
def test_conversational_words_are_taken_out_before_parsing(message, exclude, old, body) -> None:  # noqa: ANN001
    cues = read(message)
    assert (cues.exclude, cues.old, cues.body) == (exclude, old, body)
