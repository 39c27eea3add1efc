"""Prostate cancer: surveillance, prostatectomy or radiotherapy with castration, metastatic lines."""

from __future__ import annotations

from datetime import date

from synthetic.model import Patient, Tumour
from synthetic.pathways.common import (
    Line,
    add_biomarker,
    new_tumour,
    radiotherapy,
    regimen,
    surgery,
)
from synthetic.pathways.solid import SolidDisease
from synthetic.rng import Rng, add_days, age_on


class Prostate(SolidDisease):
    pathway = "prostate"
    site = "prostate"
    female_share = 0.0
    ages = [((48, 64), 0.3), ((65, 79), 0.5), ((80, 92), 0.2)]
    met_sites = [("bone", 0.7), ("lymph_node", 0.2), ("liver", 0.05), ("lung", 0.05)]
    metastatic_share = 0.1
    relapse_median = 40.0
    bsc_months = 4.0
    fitness_loss = 0.15
    second_primary_share = 0.12

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        metastatic = rng.chance(self.metastatic_share)
        t = rng.weighted(
            [
                ("T1c", 0.4),
                ("T2a", 0.12),
                ("T2b", 0.1),
                ("T2c", 0.13),
                ("T3a", 0.13),
                ("T3b", 0.08),
                ("T4", 0.04),
            ]
        )
        n = "N1" if rng.chance(0.06 if not metastatic else 0.4) else "N0"
        gleason = rng.weighted([("3+3", 0.3), ("3+4", 0.3), ("4+3", 0.18), ("4+4", 0.12), ("4+5", 0.1)])
        psa = round(rng.lognormvariate(2.2 if not metastatic else 4.0, 0.7), 1)
        if metastatic:
            stage = "IVB"
        elif n == "N1":
            stage = "IVA"
        elif t.startswith(("T3", "T4")):
            stage = "III"
        else:
            stage = "I" if gleason == "3+3" and psa < 10 and t in ("T1c", "T2a") else "II"
        tumour = new_tumour(
            p,
            "prostate",
            "C61",
            dx,
            rank,
            topography="C61.9",
            morphology="8140/3",
            histology_group="adenocarcinoma",
            t=t,
            n=n,
            m="M1b" if metastatic else "M0",
            stage=stage,
            metastatic_at_diagnosis=metastatic,
            info={
                "forms": ["cancer de la prostate", "adénocarcinome prostatique"],
                "pathway": self.pathway,
                "gleason": gleason,
            },
        )
        add_biomarker(p, tumour, "PSA", add_days(dx, -rng.randint(20, 60)), value=psa, unit="ng/mL")
        return tumour

    def relapse_risk(self, tumour: Tumour) -> float:
        return {"I": 0.05, "II": 0.15, "III": 0.35, "IVA": 0.5}.get(tumour.stage or "II", 0.2)

    def early(self, p: Patient, rng: Rng, tumour: Tumour) -> date:
        when = add_days(tumour.diagnosis_date, rng.randint(30, 70))
        age = age_on(p.birth_date, when)
        if tumour.stage == "I" and rng.chance(0.6):
            return when  # active surveillance
        if age < 72 and tumour.stage in ("I", "II") and rng.chance(0.6):
            surgery(p, rng, tumour, "prostatectomy", when, frozen_share=0.3)
            return when
        adt = rng.pick(["leuprorelin", "triptorelin"])
        regimen(
            p,
            tumour,
            [adt],
            add_days(when, -30),
            6 if tumour.stage == "II" else 24,
            setting="adjuvant",
            stop_reason="completed",
        )
        rt = radiotherapy(p, rng, tumour, when, 8, setting="curative", dose="78 Gy", with_doc=True)
        return rt.end or when

    def lines(self, p: Patient, rng: Rng, tumour: Tumour, start: date) -> list[Line]:
        adt = rng.pick(["leuprorelin", "triptorelin", "degarelix"])
        regimen(
            p, tumour, [adt], start, None, setting="castration", label="suppression androgénique continue"
        )
        y = start.year
        first = (
            Line(
                [rng.pick(["abiraterone", "enzalutamide", "apalutamide"])], "", pfs=34, exceptional_share=0.05
            )
            if y >= 2018
            else Line(["docetaxel"], "docétaxel", pfs=14, max_months=5)
        )
        out = [
            first,
            Line(["docetaxel"], "docétaxel", pfs=8, max_months=7)
            if y >= 2018
            else Line(["abiraterone"], "abiratérone", pfs=10),
            Line(["cabazitaxel"], "cabazitaxel", pfs=5),
        ]
        if y >= 2022:
            out.append(Line(["lutetium (177lu) vipivotide tetraxetan"], "177Lu-PSMA", pfs=5))
        return out
