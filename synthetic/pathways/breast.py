"""Breast cancer: luminal, HER2-positive and triple-negative, early and metastatic.

Ages mix fertility-age women (whose chemotherapy raises the question of fertility preservation),
the usual peak between 45 and 69, and elderly women, often treated without chemotherapy. Drug choices
follow the era (CDK4/6 inhibitors from 2017, pembrolizumab with neoadjuvant chemotherapy from 2022).
"""

from __future__ import annotations

from datetime import date

from synthetic.model import Patient, Tumour
from synthetic.pathways.common import (
    Line,
    add_biomarker,
    marker,
    new_tumour,
    radiotherapy,
    regimen,
    surgery,
)
from synthetic.pathways.solid import SolidDisease, draw_tnm, tnm_stage
from synthetic.rng import Rng, add_days, add_months, age_on

QUADRANTS = [
    ("C50.4", 0.45),
    ("C50.2", 0.15),
    ("C50.5", 0.1),
    ("C50.8", 0.1),
    ("C50.1", 0.07),
    ("C50.3", 0.06),
    ("C50.9", 0.05),
    ("C50.0", 0.02),
]
FORMS = ["cancer du sein", "carcinome mammaire", "néoplasie mammaire", "K du sein"]


def _t_from_size(size: int) -> str:
    if size <= 5:
        return "T1a"
    if size <= 10:
        return "T1b"
    if size <= 20:
        return "T1c"
    if size <= 50:
        return "T2"
    return "T3"


class Breast(SolidDisease):
    pathway = "breast"
    site = "breast"
    female_share = 1.0
    ages = [((26, 43), 0.15), ((44, 49), 0.12), ((50, 54), 0.18), ((55, 69), 0.25), ((70, 92), 0.3)]
    met_sites = [
        ("bone", 0.45),
        ("liver", 0.2),
        ("lung", 0.14),
        ("lymph_node", 0.1),
        ("brain", 0.05),
        ("pleura", 0.04),
        ("skin", 0.02),
    ]
    metastatic_share = 0.11  # referral centres see more de novo metastatic disease
    local_share = 0.25
    second_primary_share = 0.14

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        age = age_on(p.birth_date, dx)
        young = age <= 43
        subtype = rng.weighted(
            [
                ("luminal", 0.6 if young else 0.72),
                ("her2", 0.18 if young else 0.14),
                ("tnbc", 0.22 if young else 0.14),
            ]
        )
        metastatic = rng.chance(self.metastatic_share if rank == 1 else 0.03)
        size = int(min(120, max(3, rng.lognormvariate(3.0 if not metastatic else 3.5, 0.55))))
        t = _t_from_size(size)
        if metastatic and rng.chance(0.2) or rng.chance(0.02):
            t = rng.pick(["T4b", "T4d"])
        _, n, m = draw_tnm(
            rng,
            metastatic,
            [(t, 1.0)],
            [("N0", 0.35), ("N1", 0.4), ("N2", 0.15), ("N3", 0.1)]
            if metastatic
            else [("N0", 0.66), ("N1", 0.24), ("N2", 0.07), ("N3", 0.03)],
        )
        stage = tnm_stage(t, n, m)
        lobular = subtype == "luminal" and rng.chance(0.15)
        grade = rng.weighted(
            {
                "luminal": [(1, 0.28), (2, 0.52), (3, 0.2)],
                "her2": [(2, 0.4), (3, 0.6)],
                "tnbc": [(2, 0.15), (3, 0.85)],
            }[subtype]
        )
        site = rng.weighted(QUADRANTS)
        tumour = new_tumour(
            p,
            "breast",
            site,
            dx,
            rank,
            topography=site,
            morphology="8520/3" if lobular else "8500/3",
            histology_group="lobular_carcinoma" if lobular else "ductal_carcinoma",
            laterality=rng.weighted([("left", 0.51), ("right", 0.48), ("bilateral", 0.01)]),
            grade=grade,
            t=t,
            n=n,
            m=m,
            stage=stage,
            metastatic_at_diagnosis=metastatic,
            info={"subtype": subtype, "size_mm": size, "forms": FORMS, "pathway": f"breast_{subtype}"},
        )
        self._biomarkers(p, rng, tumour, age)
        return tumour

    def _biomarkers(self, p: Patient, rng: Rng, tumour: Tumour, age: int) -> None:
        sub, dx = tumour.info["subtype"], tumour.diagnosis_date
        hr_pos = sub == "luminal" or (sub == "her2" and rng.chance(0.55))
        er = rng.randint(60, 100) if sub == "luminal" else (rng.randint(20, 90) if hr_pos else 0)
        pr = (rng.randint(5, 90) if rng.chance(0.8) else 0) if hr_pos else 0
        add_biomarker(p, tumour, "ER", dx, "positive" if er else "negative", value=er, unit="%")
        add_biomarker(p, tumour, "PR", dx, "positive" if pr else "negative", value=pr, unit="%")
        if sub == "her2":
            add_biomarker(
                p,
                tumour,
                "HER2",
                dx,
                "positive",
                alteration=rng.pick(["IHC 3+", "IHC 3+", "IHC 2+ amplified"]),
            )
        else:
            add_biomarker(
                p,
                tumour,
                "HER2",
                dx,
                "negative",
                alteration=rng.pick(["IHC 0", "IHC 1+", "IHC 2+ not amplified"]),
            )
        ki67 = {"luminal": rng.randint(5, 35), "her2": rng.randint(20, 60), "tnbc": rng.randint(40, 90)}[sub]
        add_biomarker(p, tumour, "KI67", dx, value=ki67, unit="%")
        if age <= 40 or (sub == "tnbc" and age <= 60) or rng.chance(0.05):
            gene = "BRCA1" if sub == "tnbc" or rng.chance(0.5) else "BRCA2"
            mutated = rng.chance(0.16 if sub == "tnbc" else 0.08)
            add_biomarker(
                p,
                tumour,
                gene,
                add_days(dx, 45),
                "mutated" if mutated else "wild_type",
                alteration="germline" if mutated else None,
            )
            if mutated:
                p.flags["brca"] = gene

    # -- early disease -------------------------------------------------------------------------
    def relapse_risk(self, tumour: Tumour) -> float:
        base = {"I": 0.08, "II": 0.2, "III": 0.45}.get((tumour.stage or "II").rstrip("ABC"), 0.25)
        return base * {"luminal": 1.0, "her2": 1.1, "tnbc": 1.5}[tumour.info["subtype"]]

    def relapse_months(self, tumour: Tumour) -> float:
        return {"luminal": 55.0, "her2": 30.0, "tnbc": 22.0}[tumour.info["subtype"]]

    def salvage_procedure(self, tumour: Tumour) -> str:
        return "mastectomy"

    def early(self, p: Patient, rng: Rng, tumour: Tumour) -> date:
        age = age_on(p.birth_date, tumour.diagnosis_date)
        sub, size, dx = tumour.info["subtype"], tumour.info["size_mm"], tumour.diagnosis_date
        node = tumour.n != "N0"
        ki67 = marker(p, "KI67", tumour)
        high_risk = node or tumour.grade == 3 or (ki67 is not None and (ki67.value or 0) > 25) or age < 40
        if sub == "luminal":
            chemo = high_risk and rng.chance(0.65)
        else:
            chemo = size > 5 and rng.chance(0.92)
        if age >= 75:
            chemo = chemo and rng.chance(0.15)
        neo = (
            chemo
            and (sub != "luminal" or tumour.t.startswith("T3"))
            and (size > 20 or node)
            and rng.chance(0.8)
        )
        when = add_days(dx, rng.randint(21, 40))
        if chemo:
            self._fertility(p, rng, tumour, age, when)
        pcr = False
        if neo:
            when = self._chemo(p, rng, tumour, when, "neoadjuvant")
            pcr = rng.chance({"luminal": 0.1, "her2": 0.55, "tnbc": 0.45}[sub])
            tumour.info["pcr"] = pcr
            when = add_days(when, rng.randint(21, 35))
        mastectomy = tumour.t.startswith(("T3", "T4")) or rng.chance(0.25) or p.flags.get("brca")
        surgery(
            p,
            rng,
            tumour,
            "mastectomy" if mastectomy else "lumpectomy",
            when,
            node_procedure="sentinel_node_biopsy" if not node else "axillary_dissection",
        )
        end = when
        after = add_days(when, rng.randint(28, 45))
        if chemo and not neo:
            after = self._chemo(p, rng, tumour, after, "adjuvant")
            after = add_days(after, rng.randint(20, 35))
        if neo and not pcr and sub == "her2" and after.year >= 2019:
            regimen(
                p, tumour, ["trastuzumab emtansine"], after, 9.5, setting="adjuvant", stop_reason="completed"
            )
        if neo and not pcr and sub == "tnbc":
            regimen(
                p,
                tumour,
                ["capecitabine"],
                add_days(after, 50),
                5.5,
                setting="adjuvant",
                stop_reason="completed",
            )
        if not mastectomy or node:
            if not (age >= 80 and not node and rng.chance(0.4)):
                rt = radiotherapy(
                    p,
                    rng,
                    tumour,
                    after,
                    rng.pick([3, 5, 6.5]),
                    dose=rng.pick(["50 Gy", "40 Gy"]),
                    with_doc=rng.chance(0.3),
                )
                end = rt.end or after
        else:
            end = after
        if sub == "luminal" or marker(p, "ER", tumour).status == "positive":
            drug = (
                "tamoxifen" if age < 50 else rng.pick(["letrozole", "anastrozole", "letrozole", "exemestane"])
            )
            ht = regimen(
                p,
                tumour,
                [drug],
                add_days(end, rng.randint(10, 30)),
                60,
                setting="adjuvant",
                stop_reason="completed",
            )
            if node and ht.start.year >= 2022 and rng.chance(0.4):
                regimen(p, tumour, ["abemaciclib"], ht.start, 24, setting="adjuvant", stop_reason="completed")
        return end

    def _chemo(self, p: Patient, rng: Rng, tumour: Tumour, when: date, setting: str) -> date:
        sub = tumour.info["subtype"]
        if sub == "her2" and tumour.info["size_mm"] <= 20 and tumour.n == "N0" and setting == "adjuvant":
            regimen(
                p,
                tumour,
                ["paclitaxel"],
                when,
                2.8,
                setting=setting,
                stop_reason="completed",
                sessions=2,
                label="paclitaxel hebdomadaire",
            )
            regimen(p, tumour, ["trastuzumab"], when, 12, setting=setting, stop_reason="completed")
            return add_months(when, 2.8)
        ec = regimen(
            p,
            tumour,
            ["epirubicin", "cyclophosphamide"],
            when,
            2.8,
            setting=setting,
            stop_reason="completed",
            sessions=2,
            label="EC (épirubicine, cyclophosphamide)",
        )
        taxane_start = ec.end or when
        regimen(
            p,
            tumour,
            ["paclitaxel"],
            taxane_start,
            2.8,
            setting=setting,
            stop_reason="completed",
            sessions=1,
            label="paclitaxel hebdomadaire",
        )
        p.encounter(when, "consultation", "treatment_start", tumour, regimen_id=ec.id)
        if sub == "her2":
            regimen(
                p,
                tumour,
                ["trastuzumab", "pertuzumab"] if setting == "neoadjuvant" else ["trastuzumab"],
                taxane_start,
                12,
                setting=setting,
                stop_reason="completed",
            )
        if sub == "tnbc" and when.year >= 2022 and setting == "neoadjuvant":
            regimen(p, tumour, ["carboplatin"], taxane_start, 2.8, setting=setting, stop_reason="completed")
            regimen(p, tumour, ["pembrolizumab"], when, 12, setting=setting, stop_reason="completed")
        return add_months(taxane_start, 2.8)

    def _fertility(self, p: Patient, rng: Rng, tumour: Tumour, age: int, chemo_start: date) -> None:
        """Fertility-age women starting chemotherapy: preservation done, declined, discussed or not raised."""
        if age > 43 or tumour.rank != 1:
            return
        outcome = rng.weighted([("done", 0.4), ("declined", 0.22), ("discussed", 0.2), ("none", 0.18)])
        p.flags["fertility"] = outcome
        if outcome == "done":
            p.flags["fertility_method"] = rng.weighted(
                [("oocytes", 0.6), ("embryos", 0.2), ("ovarian_tissue", 0.1), ("ivm", 0.1)]
            )
            p.encounter(
                add_days(chemo_start, -rng.randint(6, 16)),
                "consultation",
                "fertility",
                tumour,
                essential=True,
            )

    # -- metastatic disease --------------------------------------------------------------------
    def lines(self, p: Patient, rng: Rng, tumour: Tumour, start: date) -> list[Line]:
        sub, year = tumour.info["subtype"], start.year
        if sub == "luminal":
            pik = rng.chance(0.4)
            add_biomarker(
                p,
                tumour,
                "PIK3CA",
                start,
                "mutated" if pik else "wild_type",
                alteration=rng.pick(["H1047R", "E545K"]) if pik else None,
            )
            ai = rng.pick(["letrozole", "letrozole", "fulvestrant"])
            if year >= 2017:
                cdk = rng.pick(["palbociclib", "ribociclib", "abemaciclib"])
                first = Line([ai, cdk], "", pfs=24, exceptional_share=0.08)
            else:
                first = Line([ai], "", pfs=12, exceptional_share=0.02)
            second = (
                Line(["fulvestrant", "alpelisib"], "", pfs=7)
                if pik and year >= 2020
                else Line(["exemestane", "everolimus"], "", pfs=6)
            )
            late = (
                Line(["trastuzumab deruxtecan"], "", pfs=7)
                if year >= 2022
                else Line(["sacituzumab govitecan"], "", pfs=5)
            )
            return [
                first,
                second,
                Line(["capecitabine"], "", pfs=6),
                Line(["paclitaxel", "bevacizumab"], "", pfs=7),
                Line(["eribulin"], "", pfs=4),
                late,
            ]
        if sub == "her2":
            second = (
                Line(["trastuzumab deruxtecan"], "", pfs=18, exceptional_share=0.08)
                if year >= 2021
                else Line(["trastuzumab emtansine"], "", pfs=9, exceptional_share=0.04)
            )
            return [
                Line(["trastuzumab", "pertuzumab"], "", pfs=18, chemo=["docetaxel"], exceptional_share=0.2),
                second,
                Line(["tucatinib", "trastuzumab", "capecitabine"], "", pfs=8),
                Line(["trastuzumab", "vinorelbine"], "", pfs=5),
            ]
        cps = rng.choice([1, 5, 10, 15, 20, 40, 60])
        add_biomarker(
            p, tumour, "PD-L1", start, "positive" if cps >= 10 else "negative", value=cps, unit="CPS"
        )
        first = (
            Line(["pembrolizumab"], "", pfs=9, chemo=["paclitaxel"], exceptional_share=0.03)
            if year >= 2021 and cps >= 10
            else Line(["paclitaxel", "bevacizumab"], "", pfs=6)
        )
        second = (
            Line(["sacituzumab govitecan"], "", pfs=5.5) if year >= 2021 else Line(["eribulin"], "", pfs=3.5)
        )
        return [
            first,
            second,
            Line(["capecitabine"], "", pfs=3),
            Line(["carboplatin", "gemcitabine"], "", pfs=3),
        ]
