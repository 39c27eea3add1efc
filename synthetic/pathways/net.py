"""Well-differentiated neuroendocrine tumours of the rectum, pancreas, small bowel (ileum) and lung.

ICD-10 codes follow the organ (C20, C25.4, C17.2, C34.x) as in the French CIM-10; the morphology says
neuroendocrine (8240/3 grade 1, 8249/3 grade 2-3) with its Ki67 index. Advanced tumours go through
somatostatin analogues, everolimus or sunitinib, CAPTEM and peptide receptor radionuclide therapy:
the "failing two lines" cohort of the use cases.
"""

from __future__ import annotations

from datetime import date

from synthetic.model import Patient, Tumour
from synthetic.pathways.common import Line, add_biomarker, new_tumour, surgery
from synthetic.pathways.solid import SolidDisease
from synthetic.rng import Rng, add_days

FORMS = ["tumeur neuroendocrine", "TNE"]
ORIGINS = {
    # origin: (icd10, topography, share metastatic at dx, grade weights, size range mm, procedure)
    "rectum": ("C20", "C20.9", 0.03, [(1, 0.85), (2, 0.15)], (4, 25), "endoscopic_resection"),
    "pancreas": ("C25.4", "C25.4", 0.3, [(1, 0.45), (2, 0.45), (3, 0.1)], (8, 70), "distal_pancreatectomy"),
    "small_bowel": ("C17.2", "C17.2", 0.45, [(1, 0.7), (2, 0.3)], (8, 40), "small_bowel_resection"),
    "lung": ("C34.1", "C34.1", 0.08, [(1, 0.8), (2, 0.2)], (10, 45), "lobectomy"),
}


class NET(SolidDisease):
    pathway = "net"
    site = "net"
    female_share = 0.52
    ages = [((30, 49), 0.25), ((50, 69), 0.5), ((70, 85), 0.25)]
    met_sites = [("liver", 0.6), ("lymph_node", 0.2), ("bone", 0.12), ("peritoneum", 0.08)]
    relapse_median = 40.0
    local_share = 0.1
    bsc_months = 6.0
    fitness_loss = 0.08
    second_primary_share = 0.1

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.pathway = f"net_{origin}"
        self.metastatic_share = ORIGINS[origin][2]

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        icd, topo, _, grades, (lo, hi), _ = ORIGINS[self.origin]
        if self.origin == "lung":
            icd = topo = rng.pick(["C34.1", "C34.3", "C34.2"])
        grade = rng.weighted(grades)
        metastatic = rng.chance(self.metastatic_share + (0.25 if grade == 3 else 0))
        size = rng.randint(lo, hi)
        t = "T1" if size <= 10 else ("T2" if size <= 20 else "T3")
        n = "N1" if rng.chance(0.6 if self.origin == "small_bowel" else 0.12) else "N0"
        stage = "IV" if metastatic else ("III" if n == "N1" else ("II" if t != "T1" else "I"))
        side = ("right" if icd == "C34.2" else rng.pick(["left", "right"])) if self.origin == "lung" else None
        ki67 = {1: rng.randint(1, 2), 2: rng.randint(3, 20), 3: rng.randint(21, 55)}[grade]
        tumour = new_tumour(
            p,
            "net",
            icd,
            dx,
            rank,
            topography=topo,
            morphology="8240/3" if grade == 1 else "8249/3",
            histology_group="neuroendocrine",
            laterality=side,
            grade=grade,
            t=t,
            n=n,
            m="M1" if metastatic else "M0",
            stage=stage,
            metastatic_at_diagnosis=metastatic,
            info={"forms": FORMS, "pathway": self.pathway, "size_mm": size, "origin": self.origin},
        )
        add_biomarker(p, tumour, "KI67", dx, value=ki67, unit="%")
        return tumour

    def relapse_risk(self, tumour: Tumour) -> float:
        base = {"rectum": 0.04, "pancreas": 0.2, "small_bowel": 0.35, "lung": 0.12}[self.origin]
        return base * (1.8 if tumour.grade and tumour.grade >= 2 else 1.0)

    def early(self, p: Patient, rng: Rng, tumour: Tumour) -> date:
        when = add_days(tumour.diagnosis_date, rng.randint(20, 50))
        procedure = ORIGINS[self.origin][5]
        if self.origin == "rectum" and (tumour.info["size_mm"] > 20 or tumour.grade == 2) and rng.chance(0.5):
            procedure = "proctectomy"
        if self.origin == "pancreas":
            procedure = rng.weighted(
                [("distal_pancreatectomy", 0.45), ("pancreaticoduodenectomy", 0.35), ("enucleation", 0.2)]
            )
        frozen = 0.65 if self.origin == "pancreas" else 0.35
        surgery(p, rng, tumour, procedure, when, frozen_share=frozen)
        return when

    def salvage_procedure(self, tumour: Tumour) -> str:
        return "liver_metastasectomy"

    def lines(self, p: Patient, rng: Rng, tumour: Tumour, start: date) -> list[Line]:
        ssa = rng.pick(["lanreotide", "octreotide", "lanreotide"])
        first = Line(
            [ssa], "lanréotide" if ssa == "lanreotide" else "octréotide LP", pfs=28, exceptional_share=0.05
        )
        if tumour.grade == 3:
            first = Line(["capecitabine", "temozolomide"], "CAPTEM (capécitabine, témozolomide)", pfs=12)
        prrt = Line(
            ["lutetium (177lu) oxodotreotide"], "Lutathera (radiothérapie interne vectorisée)", pfs=25
        )
        if self.origin == "pancreas":
            targeted = Line([rng.pick(["everolimus", "sunitinib"])], "", pfs=13, exceptional_share=0.05)
            out = [
                first,
                targeted,
                Line(["capecitabine", "temozolomide"], "CAPTEM", pfs=16),
                Line(["streptozocin", "fluorouracil"], "streptozocine et 5-FU", pfs=9),
            ]
            if start.year >= 2018:
                out.insert(2, prrt)
            return out
        out = [first, Line(["everolimus"], "évérolimus", pfs=11, exceptional_share=0.05)]
        if start.year >= 2018:
            out.insert(1, prrt)
        out.append(Line(["capecitabine", "temozolomide"], "CAPTEM", pfs=10))
        return out
