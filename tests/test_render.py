"""Every Criteria atom reads back as a sentence in French and in English; trees are bullet lists.

Also the meta-test borrowed from datasette: every atom kind has a compiler, a renderer in both
languages, a rule in the reference evaluator, a compact form and an example here.
"""

from __future__ import annotations

import pytest

from query_compiler import criteria as C
from query_compiler.compiler.atoms import ATOM_COMPILERS
from query_compiler.criteria.compact import from_compact, to_compact
from query_compiler.render import ATOM_RENDERERS, describe, render
from tests.reference import Evaluator

# atom, French fragments, English fragments
EXAMPLES: list[tuple[C.Node, list[str], list[str]]] = [
    (C.Sex(value="F"), ["sexe : femme"], ["sex: female"]),
    (
        C.Age(at="diagnosis", min=18, max=43),
        ["âge au diagnostic : entre 18 et 43 ans"],
        ["age at diagnosis: 18 to 43 years"],
    ),
    (C.Age(at="today", min=70), ["âge actuel", "au moins 70 ans"], ["age today", "at least 70 years"]),
    (
        C.Age(at="event", event="metastasis", max=39),
        ["âge à l'événement « métastase »", "au plus 39 ans"],
        ["age at event 'metastasis'", "at most 39 years"],
    ),
    (C.VitalStatus(value="deceased"), ["statut vital : décédé"], ["vital status: deceased"]),
    (
        C.Survival(min_months=24),
        ["survie globale", "au moins 24 mois"],
        ["overall survival", "at least 24 months"],
    ),
    (C.Centre(ids=["C1", "C2"]), ["centre : C1 ou C2"], ["centre: C1 or C2"]),
    (
        C.Tumour(site=["C50"], metastatic=True, age_min=50, age_max=50),
        ["tumeur : sein (C50), métastatique, âge au diagnostic : 50 ans"],
        ["tumour: breast (C50), metastatic, age at diagnosis: 50 years"],
    ),
    (
        C.Tumour(
            site=["C25"],
            histology_group=["neuroendocrine"],
            grade=[1, 2],
            stage=["III"],
            diagnosed_from="2011-01-01",
            diagnosed_to="2017-09-01",
            metastatic_at_diagnosis=False,
            rank="first",
        ),
        [
            "pancréas (C25)",
            "grade 1 ou 2",
            "stade III",
            "non métastatique au diagnostic",
            "du 01/01/2011 au 01/09/2017",
            "premier cancer primitif",
        ],
        [
            "pancreas (C25)",
            "grade 1 or 2",
            "stage III",
            "not metastatic at diagnosis",
            "from 2011-01-01 to 2017-09-01",
            "first primary cancer",
        ],
    ),
    (C.Tumour(), ["une tumeur"], ["any tumour"]),
    (
        C.Event(type="metastasis", sites=["bone", "liver"]),
        ["événement : métastase (os ou foie)"],
        ["event: metastasis (bone or liver)"],
    ),
    (C.Biomarker(marker="PD-L1", op=">=", value=50), ["biomarqueur : PD-L1 ≥ 50"], ["biomarker: PD-L1 ≥ 50"]),
    (C.Biomarker(marker="HER2", status="positive"), ["HER2 positif"], ["HER2 positive"]),
    (
        C.Treatment(classes=["targeted_therapy"], ongoing=True, line_min=2),
        ["traitement : thérapie ciblée, ligne au moins 2, en cours"],
        ["treatment: targeted therapy, line at least 2, ongoing"],
    ),
    (
        C.Treatment(drugs=["melphalan"], atc=["L01AA"]),
        ["médicament melphalan", "ATC L01AA"],
        ["drug melphalan", "ATC L01AA"],
    ),
    (
        C.TreatmentLines(min=2),
        ["nombre de lignes de traitement systémique : au moins 2"],
        ["number of systemic treatment lines: at least 2"],
    ),
    (
        C.StayDiagnosis(codes=["C50"], date_from="2020-01-01"),
        ["séjour hospitalier codé (PMSI) : sein (C50)", "à partir du 01/01/2020"],
        ["hospital stay coded (PMSI): breast (C50)", "from 2020-01-01"],
    ),
    (
        C.Text(terms=["oncofertilité", "cryopréservation ov*"]),
        [
            "comptes rendus mentionnant : « oncofertilité » ou « cryopréservation ov* »",
            "mentions affirmées seulement",
        ],
        ["reports mentioning: “oncofertilité” or “cryopréservation ov*”", "affirmed mentions only"],
    ),
    (
        C.Text(terms=["métastase"], include=["negated"], doc_types=["pathology"]),
        ["y compris mentions niées", "compte rendu d'anatomopathologie"],
        ["including mentions negated", "pathology report"],
    ),
    (
        C.Biobank(sample_types=["tumour_tissue"], conservation=["frozen"]),
        ["échantillon de biothèque disponible : tissu tumoral, congelé"],
        ["biobank sample available: tumour tissue, frozen"],
    ),
]


@pytest.mark.parametrize(("atom", "fr", "en"), EXAMPLES, ids=lambda x: getattr(x, "kind", None))
def test_every_atom_reads_in_french_and_english(atom, fr, en):
    text_fr, text_en = render(atom, "fr"), render(atom, "en")
    for part in fr:
        assert part in text_fr
    for part in en:
        assert part in text_en
    assert text_fr != text_en and "\n" not in text_fr


def test_trees_are_indented_bullets():
    tree = C.All(
        items=[
            C.Sex(value="F"),
            C.AnyOf(items=[C.Tumour(site=["C50"]), C.Not(item=C.Text(terms=["pas de"]))]),
            C.Sequence(
                first=C.Tumour(histology_group=["myeloma"]),
                then=C.Tumour(histology_group=["aml"]),
                max_months=120,
            ),
        ]
    )
    assert render(tree, "fr").splitlines() == [
        "Toutes les conditions suivantes :",
        "- sexe : femme",
        "- Au moins une des conditions suivantes :",
        "  - tumeur : sein (C50)",
        "  - Sauf : comptes rendus mentionnant : « pas de » (mentions affirmées seulement)",
        "- [tumeur : histologie leucémie aiguë myéloïde] après [tumeur : histologie myélome multiple]"
        " (écart au plus 120 mois)",
    ]
    assert render(tree, "en").splitlines()[0] == "All of the following:"
    assert "within 6 months of" in describe(
        C.Sequence(
            first=C.Event(type="progression"),
            then=C.Treatment(classes=["cell_therapy"]),
            relation="within",
            max_months=6,
        ),
        "en",
    )


def test_every_atom_kind_has_compiler_renderer_reference_compact_and_example():
    examples = {type(a) for a, _, _ in EXAMPLES}
    for model in C.ATOM_TYPES:
        assert model in ATOM_COMPILERS, model
        assert model in ATOM_RENDERERS, model
        assert model in examples, model
        kind = model.model_fields["kind"].default
        assert hasattr(Evaluator, f"_{kind}") or kind in {
            "sex",
            "vital_status",
            "centre",
            "survival",
            "treatment_lines",
        }, kind
    for atom, _, _ in EXAMPLES:
        assert from_compact(to_compact(atom)) == atom
