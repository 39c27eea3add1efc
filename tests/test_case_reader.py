"""The classifications, the case reader and the meaning the scorers compare (issue 14)."""

from __future__ import annotations

import pytest

from query_compiler.criteria import to_dict
from query_compiler.parser import parse
from query_compiler.parser.case import read_case
from retrieval.classifications import (
    expand_histology,
    genes,
    histology_groups,
    icd10_table,
    implied_site,
    morphologies,
    morphology_group,
)


def test_every_grouped_code_lies_in_its_group():
    for m in morphologies():
        if m.group:
            assert m.group in histology_groups(), m.code
            assert m.code in expand_histology([], [m.group]), (m.code, m.group)


def test_tables_cover_the_field():
    assert len(morphologies()) > 350
    table = icd10_table()
    assert {"C00", "C50", "C50.4", "C97", "D05", "D09"} <= set(table)
    assert all(fr and en for fr, en in table.values())
    assert {"CDK4", "MDM2", "EWSR1", "SS18", "NTRK3", "BCR-ABL1"} <= set(genes())


@pytest.mark.parametrize(
    ("codes", "groups", "same"),
    [
        (["885"], ["liposarcoma"], True),
        (["8890/3"], ["leiomyosarcoma"], True),
        (["8890/3"], ["sarcoma"], False),
    ],
)
def test_histology_meaning(codes, groups, same):
    assert (expand_histology(codes) == expand_histology([], groups)) is same


def test_groups_and_sites():
    assert morphology_group("8852/3") == "liposarcoma"
    assert morphology_group("8140/3") == "adenocarcinoma"
    assert implied_site([], ["hepatocellular_carcinoma"]) == ["C22"]
    assert implied_site([], ["sarcoma"]) == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("liposarcome dédifférencié", {"histology": ["8858/3"]}),
        ("léiomyosarcome utérin", {"site": ["C54", "C55"], "histology_group": ["leiomyosarcoma"]}),
        ("cholangiocarcinome intrahépatique", {"site": ["C22.1"], "histology_group": ["cholangiocarcinoma"]}),
        ("méningiomes", {"histology_group": ["meningioma"]}),
    ],
)
def test_outside_histologies(question, expected):
    tumour = next(a for a in to_dict(parse(question, use_llm=False).criteria).get("items", [])
                  or [to_dict(parse(question, use_llm=False).criteria)] if a["kind"] == "tumour")
    for key, value in expected.items():
        assert tumour.get(key) == value, (question, tumour)


def test_exposures_are_text_criteria():
    question = "mésothéliome pleural avec exposition à l'amiante chez les fumeurs"
    data = to_dict(parse(question, use_llm=False).criteria)
    terms = sorted(a["terms"][0] for a in data["items"] if a["kind"] == "text")
    assert terms == ["amiante", "tabagisme"]


def test_case_reads_polarity_nodes_and_relatives():
    text = (
        "58-year-old woman with HER2-positive and ER/PR negative breast cancer, 5 positive lymph nodes. "
        "She does not smoke nor consume alcohol. Her mother had ovarian cancer."
    )
    reading = read_case(text)
    facts = reading.facts
    markers = sorted(f"{a['marker']}:{a['status']}" for a in facts if a["kind"] == "biomarker")
    assert markers == ["ER:negative", "HER2:positive", "PR:negative"]
    tumours = [a for a in facts if a["kind"] == "tumour"]
    assert [t["site"] for t in tumours] == [["C50"]]
    assert not tumours[0].get("metastatic")
    assert not any(a["kind"] == "event" for a in facts)
    assert all(" " not in w for w in reading.not_used)  # words, not fragments


def test_case_keeps_organs_that_are_not_the_cancer_out():
    reading = read_case(
        "Mr B., 67, IgG lambda multiple myeloma with AL amyloidosis "
        "(involvement of lungs, tongue, bladder, heart). "
        "He received daratumumab, bortezomib, cyclophosphamide and dexamethasone."
    )
    tumours = [a for a in reading.facts if a["kind"] == "tumour"]
    assert len(tumours) == 1 and not tumours[0].get("site")
    assert tumours[0]["histology_group"] == ["myeloma"]
    drugs = sorted(d for a in reading.facts if a["kind"] == "treatment" for d in a.get("drugs", []))
    assert drugs == ["bortezomib", "cyclophosphamide", "daratumumab", "dexamethasone"]


def test_french_letter_with_negation_and_family():
    reading = read_case(
        "Mme D., 58 ans, carcinome canalaire infiltrant du sein gauche, RE 90 %, RP 0 %, HER2 2+ FISH non "
        "amplifiée. Sa mère a eu un cancer de l'ovaire. Pas de métastase à distance. Létrozole depuis 2022."
    )
    facts = {(a["kind"], a.get("marker") or a.get("value")): a for a in reading.facts}
    assert facts[("sex", "F")]
    tumour = next(a for a in reading.facts if a["kind"] == "tumour")
    assert tumour["site"] == ["C50"] and tumour["laterality"] == "left" and tumour["metastatic"] is False
    assert facts[("biomarker", "HER2")]["status"] == "negative"
    assert any(a.get("drugs") == ["letrozole"] for a in reading.facts)


def test_parse_cli_reads_a_case():
    from typer.testing import CliRunner

    from assistant.cli import app

    case = "Mrs A, 61, lung adenocarcinoma, EGFR exon 19 deletion."
    result = CliRunner().invoke(app, ["parse", "--case", "--json", case])
    assert result.exit_code == 0, result.output
    assert '"C34"' in result.output
