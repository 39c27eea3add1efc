"""Melanoma (BRAF, immunotherapy and targeted therapy) and clear-cell kidney cancer."""

from __future__ import annotations

from datetime import date

from synthetic.model import Patient, Tumour
from synthetic.pathways.common import (
    Line,
    add_biomarker,
    new_tumour,
    regimen,
    surgery,
)
from synthetic.pathways.solid import SolidDisease
from synthetic.rng import Rng, add_days

MELANOMA_SITES = [
    ("C43.5", "C44.5", 0.4),
    ("C43.7", "C44.7", 0.25),
    ("C43.6", "C44.6", 0.15),
    ("C43.3", "C44.3", 0.1),
    ("C43.4", "C44.4", 0.06),
    ("C43.9", "C44.9", 0.04),
]
MELANOMA_MORPHOLOGY = [("8743/3", 0.6), ("8721/3", 0.25), ("8742/3", 0.08), ("8744/3", 0.07)]


class Melanoma(SolidDisease):
    pathway = "melanoma"
    site = "melanoma"
    female_share = 0.52
    ages = [((25, 49), 0.3), ((50, 74), 0.45), ((75, 90), 0.25)]
    met_sites = [
        ("lymph_node", 0.25),
        ("lung", 0.25),
        ("liver", 0.15),
        ("brain", 0.15),
        ("skin", 0.12),
        ("bone", 0.08),
    ]
    metastatic_share = 0.06
    relapse_median = 18.0
    local_share = 0.15
    molecular = True
    second_primary_share = 0.12

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        icd, topo, _ = rng.weighted([(s, s[2]) for s in MELANOMA_SITES])
        metastatic = rng.chance(self.metastatic_share)
        t = rng.weighted(
            [
                ("T1a", 0.35),
                ("T1b", 0.1),
                ("T2a", 0.12),
                ("T2b", 0.06),
                ("T3a", 0.08),
                ("T3b", 0.07),
                ("T4a", 0.08),
                ("T4b", 0.14),
            ]
        )
        n = (
            "N0"
            if rng.chance(0.78 if not metastatic else 0.4)
            else rng.pick(["N1a", "N1b", "N2a", "N2b", "N3"])
        )
        m = rng.weighted([("M1a", 0.2), ("M1b", 0.3), ("M1c", 0.35), ("M1d", 0.15)]) if metastatic else "M0"
        if m != "M0":
            stage = "IV"
        elif n != "N0":
            stage = rng.pick(["IIIA", "IIIB", "IIIC"])
        else:
            stage = {
                "T1a": "IA",
                "T1b": "IB",
                "T2a": "IB",
                "T2b": "IIA",
                "T3a": "IIA",
                "T3b": "IIB",
                "T4a": "IIB",
                "T4b": "IIC",
            }[t]
        limb = icd in ("C43.6", "C43.7")
        tumour = new_tumour(
            p,
            "melanoma",
            icd,
            dx,
            rank,
            topography=topo,
            morphology=rng.weighted(MELANOMA_MORPHOLOGY),
            histology_group="melanoma",
            laterality=rng.pick(["left", "right"]) if limb else None,
            t=t,
            n=n,
            m=m,
            stage=stage,
            metastatic_at_diagnosis=metastatic,
            info={"forms": ["mélanome"], "pathway": "melanoma", "breslow": rng.randint(3, 80) / 10},
        )
        when = add_days(dx, rng.randint(10, 25))
        braf = rng.weighted([("V600E", 0.4), ("V600K", 0.07), (None, 0.53)])
        nras = None if braf else (rng.pick(["Q61R", "Q61K"]) if rng.chance(0.35) else None)
        add_biomarker(p, tumour, "BRAF", when, "mutated" if braf else "wild_type", alteration=braf)
        add_biomarker(p, tumour, "NRAS", when, "mutated" if nras else "wild_type", alteration=nras)
        tumour.info["braf"] = braf
        return tumour

    def relapse_risk(self, tumour: Tumour) -> float:
        return {"I": 0.07, "II": 0.3, "III": 0.5}.get((tumour.stage or "II").rstrip("ABC"), 0.3)

    def early(self, p: Patient, rng: Rng, tumour: Tumour) -> date:
        when = add_days(tumour.diagnosis_date, rng.randint(20, 40))
        surgery(
            p,
            rng,
            tumour,
            "wide_excision",
            when,
            frozen_share=0.2,
            node_procedure="sentinel_node_biopsy" if tumour.t not in ("T1a",) else None,
        )
        if (tumour.stage or "").startswith("III") and when.year >= 2018:
            start = add_days(when, rng.randint(30, 60))
            items = (
                ["dabrafenib", "trametinib"]
                if tumour.info["braf"] and rng.chance(0.5)
                else [rng.pick(["nivolumab", "pembrolizumab"])]
            )
            reg = regimen(p, tumour, items, start, 12, setting="adjuvant", stop_reason="completed")
            p.encounter(start, "consultation", "treatment_start", tumour, regimen_id=reg.id)
            return reg.end or start
        return when

    def lines(self, p: Patient, rng: Rng, tumour: Tumour, start: date) -> list[Line]:
        y, braf = start.year, tumour.info["braf"]
        immuno = (
            Line(["nivolumab", "ipilimumab"], "nivolumab et ipilimumab", pfs=11, exceptional_share=0.15)
            if y >= 2016
            else Line(["ipilimumab"], "ipilimumab", pfs=3, exceptional_share=0.08)
        )
        if braf:
            target = (
                Line(["dabrafenib", "trametinib"], "dabrafénib et tramétinib", pfs=11, exceptional_share=0.2)
                if y >= 2015
                else Line(["vemurafenib"], "vémurafénib", pfs=6, exceptional_share=0.06)
            )
            first, second = (immuno, target) if rng.chance(0.55) else (target, immuno)
            return [first, second, Line(["dacarbazine"], "dacarbazine", pfs=2)]
        if y < 2014:
            return [
                Line(["dacarbazine"], "dacarbazine", pfs=2),
                Line(["ipilimumab"], "ipilimumab", pfs=3, exceptional_share=0.08),
            ]
        return [
            immuno,
            Line(["dacarbazine"], "dacarbazine", pfs=2),
            Line(["paclitaxel", "carboplatin"], "carboplatine et paclitaxel", pfs=3),
        ]


class Kidney(SolidDisease):
    pathway = "kidney_clear_cell"
    site = "kidney"
    female_share = 0.35
    ages = [((40, 59), 0.3), ((60, 74), 0.45), ((75, 88), 0.25)]
    met_sites = [
        ("lung", 0.45),
        ("bone", 0.2),
        ("liver", 0.1),
        ("lymph_node", 0.1),
        ("adrenal", 0.08),
        ("brain", 0.07),
    ]
    metastatic_share = 0.18
    relapse_median = 24.0
    local_share = 0.1
    second_primary_share = 0.12

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        metastatic = rng.chance(self.metastatic_share)
        t = rng.weighted(
            [
                ("T1a", 0.33),
                ("T1b", 0.2),
                ("T2a", 0.1),
                ("T2b", 0.05),
                ("T3a", 0.22),
                ("T3b", 0.05),
                ("T4", 0.05),
            ]
        )
        n = "N1" if rng.chance(0.12 if not metastatic else 0.35) else "N0"
        stage = (
            "IV"
            if metastatic or t == "T4"
            else ("III" if t.startswith("T3") or n == "N1" else "II" if t.startswith("T2") else "I")
        )
        tumour = new_tumour(
            p,
            "kidney",
            "C64",
            dx,
            rank,
            topography="C64.9",
            morphology="8310/3",
            histology_group="clear_cell_carcinoma",
            laterality=rng.pick(["left", "right"]),
            grade=rng.weighted([(1, 0.1), (2, 0.45), (3, 0.3), (4, 0.15)]),
            t=t,
            n=n,
            m="M1" if metastatic else "M0",
            stage=stage,
            metastatic_at_diagnosis=metastatic,
            info={
                "forms": ["cancer du rein", "carcinome rénal", "carcinome à cellules claires"],
                "pathway": self.pathway,
                "size_mm": rng.randint(20, 140),
            },
        )
        return tumour

    def relapse_risk(self, tumour: Tumour) -> float:
        return {"I": 0.08, "II": 0.2, "III": 0.4, "IV": 0.6}.get(tumour.stage or "II", 0.2)

    def early(self, p: Patient, rng: Rng, tumour: Tumour) -> date:
        when = add_days(tumour.diagnosis_date, rng.randint(25, 50))
        surgery(
            p,
            rng,
            tumour,
            "partial_nephrectomy" if tumour.t == "T1a" else "nephrectomy",
            when,
            frozen_share=0.5,
        )
        if tumour.stage in ("III", "IV") and when.year >= 2022 and rng.chance(0.5):
            start = add_days(when, rng.randint(40, 80))
            regimen(p, tumour, ["pembrolizumab"], start, 12, setting="adjuvant", stop_reason="completed")
        return when

    def lines(self, p: Patient, rng: Rng, tumour: Tumour, start: date) -> list[Line]:
        if tumour.metastatic_at_diagnosis and rng.chance(0.3):
            surgery(
                p, rng, tumour, "nephrectomy", add_days(start, -15), frozen_share=0.5, setting="cytoreductive"
            )
        if start.year >= 2019:
            first = rng.pick(
                [
                    Line(
                        ["pembrolizumab", "axitinib"],
                        "pembrolizumab et axitinib",
                        pfs=15,
                        exceptional_share=0.12,
                    ),
                    Line(
                        ["nivolumab", "ipilimumab"], "nivolumab et ipilimumab", pfs=12, exceptional_share=0.1
                    ),
                ]
            )
        else:
            first = Line([rng.pick(["sunitinib", "pazopanib"])], "", pfs=10, exceptional_share=0.1)
        return [
            first,
            Line(["cabozantinib"], "cabozantinib", pfs=7.4, exceptional_share=0.06),
            Line(["everolimus"], "évérolimus", pfs=4.5),
            Line(["axitinib"], "axitinib", pfs=5),
        ]
