"""The real questions of USE_CASES.md written as Criteria: one shared list for the differential
test, the latency benchmark and anyone who needs worked examples (question → Criteria).

Each entry: a short name, the question as a clinician would ask it (French), and the Criteria a
referent would write for it. Where a question needs what the model cannot say (a treatment *for*
that very tumour), the Criteria say the nearest thing and the note says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from query_compiler import criteria as C

FERTILITY_TERMS = [
    "oncofertilité",
    "MIV",
    "cryopréservation ov*",
    "cryoconservation ov*",
    "préservation NEAR fertilité",
    "ovocytes congelés",
    "embryon congelé",
    "fragment ov*",
]
RESPONSE_TERMS = ["réponse complète", "très bonne réponse", "longue réponse"]


@dataclass(frozen=True)
class UseCase:
    name: str
    question: str
    criteria: C.Node
    note: str = ""
    stress: bool = False  # not a USE_CASES.md question: a deliberately heavy search (benchmarks)


def _all(*items: C.Node) -> C.All:
    return C.All(items=list(items))


FERTILITY_COHORT = _all(
    C.Tumour(
        site=["C50"],
        diagnosed_from=date(2011, 1, 1),
        diagnosed_to=date(2017, 9, 1),
        age_min=18,
        age_max=43,
        metastatic_at_diagnosis=False,
    ),
    C.Treatment(classes=["chemotherapy"]),
)
MYELOMA_TO_AML = C.Sequence(
    first=C.Tumour(histology_group=["myeloma"]), then=C.Tumour(histology_group=["aml"])
)

USE_CASES: list[UseCase] = [
    UseCase(
        "flagship",
        "femme ayant eu un cancer du sein métastatique à 50 ans",
        _all(C.Sex(value="F"), C.Tumour(site=["C50"], metastatic=True, age_min=50, age_max=50)),
    ),
    UseCase(
        "fertility_cohort",
        "cancer du sein diagnostiqué entre 2011 et 09/2017, 18-43 ans, non métastatique "
        "au diagnostic, traité par chimiothérapie",
        FERTILITY_COHORT,
    ),
    UseCase(
        "fertility_text",
        "… et dont les comptes rendus mentionnent une préservation de la fertilité",
        _all(FERTILITY_COHORT, C.Text(terms=FERTILITY_TERMS)),
    ),
    UseCase(
        "exceptional_responders",
        "thérapie ciblée en cours, poumon/sein/rein/ovaire/mélanome/côlon, réponse "
        "complète ou très bonne ou longue réponse, survie d'au moins 2 ans, tissu tumoral en biothèque",
        _all(
            C.Treatment(classes=["targeted_therapy"], ongoing=True),
            C.Tumour(site=["C34", "C50", "C64", "C56", "C43", "C18"]),
            C.Text(terms=RESPONSE_TERMS),
            C.Survival(min_months=24),
            C.Biobank(sample_types=["tumour_tissue"]),
        ),
    ),
    UseCase(
        "rectal_nets",
        "tumeurs neuroendocrines du rectum",
        C.Tumour(site=["C20"], histology_group=["neuroendocrine"]),
    ),
    UseCase(
        "nets_two_lines",
        "TNE de toute origine en échec de deux lignes de traitement",
        _all(C.Tumour(histology_group=["neuroendocrine"]), C.TreatmentLines(min=2)),
    ),
    UseCase(
        "operated_pancreatic_nets",
        "TNE pancréatiques opérées de grade 1-2 avec échantillon en biothèque",
        _all(
            C.Tumour(site=["C25"], histology_group=["neuroendocrine"], grade=[1, 2]),
            C.Treatment(classes=["surgery"]),
            C.Biobank(),
        ),
    ),
    UseCase(
        "myeloma_to_aml", "myélome multiple suivi d'une leucémie aiguë myéloïde secondaire", MYELOMA_TO_AML
    ),
    UseCase(
        "myeloma_to_aml_lines_transplant",
        "… après deux lignes et une autogreffe conditionnée par melphalan",
        _all(
            MYELOMA_TO_AML,
            C.TreatmentLines(min=2),
            C.Treatment(drugs=["autologous_sct"]),
            C.Treatment(drugs=["melphalan"]),
        ),
    ),
    UseCase(
        "second_primary",
        "patients ayant un second cancer primitif",
        C.AnyOf(items=[C.Tumour(rank="subsequent"), C.Event(type="second_primary")]),
    ),
    UseCase(
        "elderly_early_breast",
        "femmes de 70 ans ou plus traitées pour un cancer du sein précoce",
        _all(
            C.Sex(value="F"),
            C.Tumour(site=["C50"], stage=["I", "II"], age_min=70, metastatic_at_diagnosis=False),
            C.Treatment(classes=["surgery", "radiotherapy", "hormone_therapy", "chemotherapy"]),
        ),
    ),
    UseCase(
        "screen_egfr_lung",
        "préscreening : cancer du poumon EGFR muté sans traitement en cours",
        _all(
            C.Tumour(site=["C34"]),
            C.Biomarker(marker="EGFR", status="mutated"),
            C.Not(item=C.Treatment(ongoing=True)),
        ),
    ),
    UseCase(
        "screen_kras_crc",
        "préscreening : cancer colorectal métastatique KRAS sauvage, au moins une ligne",
        _all(
            C.Tumour(site=["C18", "C19", "C20"], metastatic=True),
            C.Biomarker(marker="KRAS", status="wild_type"),
            C.TreatmentLines(min=1),
        ),
    ),
    UseCase(
        "screen_pdl1_lung",
        "préscreening : poumon PD-L1 ≥ 50 %, vivant",
        _all(
            C.Tumour(site=["C34"]),
            C.Biomarker(marker="PD-L1", op=">=", value=50),
            C.VitalStatus(value="alive"),
        ),
    ),
    UseCase(
        "screen_her2_breast",
        "préscreening : cancer du sein HER2 positif en progression",
        _all(
            C.Tumour(site=["C50"]), C.Biomarker(marker="HER2", status="positive"), C.Event(type="progression")
        ),
    ),
    UseCase(
        "screen_braf_melanoma",
        "préscreening : mélanome BRAF V600E",
        _all(C.Tumour(site=["C43"]), C.Biomarker(marker="BRAF", alteration="V600E")),
    ),
    UseCase(
        "rare_nets_any_centre",
        "tumeurs neuroendocrines (compte anonyme dans chaque centre)",
        C.AnyOf(
            items=[
                C.Tumour(histology_group=["neuroendocrine"]),
                C.Text(terms=["tumeur neuroendocrine", "TNE"]),
            ]
        ),
    ),
    UseCase(
        "affirmed_metastasis_text",
        "comptes rendus mentionnant une métastase (affirmée)",
        C.Text(terms=["métastase*", "lésion* secondaire*"]),
        note="words present in the reports of about 40% of patients, alone: the worst case of text search",
        stress=True,
    ),
]
BY_NAME = {u.name: u for u in USE_CASES}
