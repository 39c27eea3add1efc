"""Colorectal adenocarcinoma (colon and rectum: MSI, RAS, BRAF) and pancreatic adenocarcinoma."""

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

COLON_FORMS = ["cancer colorectal", "cancer du côlon", "adénocarcinome colique"]
RECTUM_FORMS = ["cancer colorectal", "cancer du rectum", "adénocarcinome rectal"]
PANCREAS_FORMS = ["cancer du pancréas", "adénocarcinome pancréatique", "adénocarcinome du pancréas"]
FOLFOX, FOLFIRI, CAPOX = (
    ["fluorouracil", "oxaliplatin"],
    ["fluorouracil", "irinotecan"],
    ["capecitabine", "oxaliplatin"],
)
FOLFIRINOX = ["fluorouracil", "irinotecan", "oxaliplatin"]


def colorectal_stage(t: str, n: str, m: str) -> str:
    if m.startswith("M1"):
        return {"M1a": "IVA", "M1b": "IVB", "M1c": "IVC"}.get(m, "IV")
    if n == "N0":
        return {"T1": "I", "T2": "I", "T3": "IIA", "T4a": "IIB", "T4b": "IIC"}[t]
    if n.startswith("N1"):
        return "IIIA" if t in ("T1", "T2") else ("IIIC" if t == "T4b" else "IIIB")
    return "IIIC" if t in ("T4a", "T4b") or (t == "T3" and n == "N2b") else "IIIB"


class Colorectal(SolidDisease):
    pathway = "colorectal"
    site = "colorectal"
    female_share = 0.45
    ages = [((35, 54), 0.15), ((55, 74), 0.5), ((75, 92), 0.35)]
    met_sites = [
        ("liver", 0.5),
        ("lung", 0.2),
        ("peritoneum", 0.15),
        ("lymph_node", 0.09),
        ("bone", 0.04),
        ("brain", 0.02),
    ]
    metastatic_share = 0.22
    relapse_median = 20.0
    molecular = True
    second_primary_share = 0.12

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        rectum = rng.chance(0.28)
        if rectum:
            icd, topo = "C20", "C20.9"
        else:
            icd = rng.weighted(
                [
                    ("C18.0", 0.18),
                    ("C18.2", 0.14),
                    ("C18.4", 0.1),
                    ("C18.6", 0.06),
                    ("C18.7", 0.4),
                    ("C18.9", 0.05),
                    ("C19", 0.07),
                ]
            )
            topo = "C19.9" if icd == "C19" else icd
        metastatic = rng.chance(self.metastatic_share if rank == 1 else 0.1)
        t = rng.weighted([("T1", 0.08), ("T2", 0.15), ("T3", 0.55), ("T4a", 0.15), ("T4b", 0.07)])
        n = rng.weighted(
            [("N0", 0.52), ("N1a", 0.12), ("N1b", 0.14), ("N1c", 0.03), ("N2a", 0.11), ("N2b", 0.08)]
        )
        m = rng.weighted([("M1a", 0.55), ("M1b", 0.3), ("M1c", 0.15)]) if metastatic else "M0"
        stage = colorectal_stage(t, n, m)
        mucinous = rng.chance(0.1)
        tumour = new_tumour(
            p,
            "colorectal",
            icd,
            dx,
            rank,
            topography=topo,
            morphology="8480/3" if mucinous else "8140/3",
            histology_group="adenocarcinoma",
            grade=rng.weighted([(1, 0.25), (2, 0.6), (3, 0.15)]),
            t=t,
            n=n,
            m=m,
            stage=stage,
            metastatic_at_diagnosis=metastatic,
            info={
                "forms": RECTUM_FORMS if rectum else COLON_FORMS,
                "rectum": rectum,
                "size_mm": rng.randint(15, 80),
                "pathway": "rectal_adenocarcinoma" if rectum else "colon_adenocarcinoma",
            },
        )
        self._biomarkers(p, rng, tumour)
        return tumour

    def _biomarkers(self, p: Patient, rng: Rng, tumour: Tumour) -> None:
        when = add_days(tumour.diagnosis_date, rng.randint(10, 25))
        stage = (tumour.stage or "II")[:2].rstrip("ABC")
        msi = rng.chance({"I": 0.15, "II": 0.18, "III": 0.1}.get(stage, 0.05))
        braf = rng.chance(0.35 if msi else 0.06)
        kras = (
            None
            if braf
            else rng.weighted(
                [
                    (None, 0.56),
                    ("G12D", 0.13),
                    ("G12V", 0.09),
                    ("G13D", 0.07),
                    ("G12C", 0.05),
                    ("G12S", 0.02),
                    ("Q61H", 0.02),
                    ("A146T", 0.06),
                ]
            )
        )
        nras = None if (braf or kras) else (rng.pick(["Q61K", "Q61R", "G12D"]) if rng.chance(0.07) else None)
        add_biomarker(p, tumour, "MSI", when, "high" if msi else "low")
        add_biomarker(p, tumour, "KRAS", when, "mutated" if kras else "wild_type", alteration=kras)
        add_biomarker(p, tumour, "NRAS", when, "mutated" if nras else "wild_type", alteration=nras)
        add_biomarker(
            p, tumour, "BRAF", when, "mutated" if braf else "wild_type", alteration="V600E" if braf else None
        )
        tumour.info.update(msi=msi, braf=braf, kras=kras, ras=bool(kras or nras))

    def relapse_risk(self, tumour: Tumour) -> float:
        return {"I": 0.05, "II": 0.15, "III": 0.32}.get((tumour.stage or "II").rstrip("ABC"), 0.2)

    def early(self, p: Patient, rng: Rng, tumour: Tumour) -> date:
        dx, stage = tumour.diagnosis_date, (tumour.stage or "II").rstrip("ABC")
        age = age_on(p.birth_date, dx)
        when = add_days(dx, rng.randint(20, 40))
        if tumour.info["rectum"] and stage in ("II", "III"):
            tnt = when.year >= 2020 and rng.chance(0.5)
            if tnt:
                reg = regimen(
                    p,
                    tumour,
                    FOLFIRINOX,
                    when,
                    3,
                    setting="neoadjuvant",
                    stop_reason="completed",
                    sessions=2,
                    label="FOLFIRINOX",
                )
                p.encounter(when, "consultation", "treatment_start", tumour, regimen_id=reg.id)
                when = reg.end or when
            regimen(
                p,
                tumour,
                ["capecitabine"],
                when,
                1.2,
                setting="neoadjuvant",
                stop_reason="completed",
                label="capécitabine concomitante",
            )
            radiotherapy(
                p,
                rng,
                tumour,
                when,
                5,
                procedure="chemoradiotherapy",
                setting="neoadjuvant",
                dose="50 Gy",
                with_doc=True,
            )
            surgery(p, rng, tumour, "proctectomy", add_days(when, rng.randint(70, 90)), frozen_share=0.4)
            return add_days(when, 90)
        procedure = "proctectomy" if tumour.info["rectum"] else "colectomy"
        if tumour.t == "T1" and tumour.info["rectum"] and rng.chance(0.5):
            procedure = "endoscopic_resection"
        surgery(p, rng, tumour, procedure, when, frozen_share=0.4)
        end = when
        high_risk_ii = (
            stage == "II" and (tumour.t in ("T4a", "T4b") or rng.chance(0.2)) and not tumour.info["msi"]
        )
        if (stage == "III" or high_risk_ii) and age < 85:
            start = add_days(when, rng.randint(30, 56))
            if age >= 75:
                reg = regimen(
                    p, tumour, ["capecitabine"], start, 6, setting="adjuvant", stop_reason="completed"
                )
            else:
                three = tumour.t in ("T1", "T2", "T3") and tumour.n.startswith("N1") and start.year >= 2018
                items = CAPOX if three or rng.chance(0.4) else FOLFOX
                reg = regimen(
                    p,
                    tumour,
                    items,
                    start,
                    3 if three else 6,
                    setting="adjuvant",
                    stop_reason="completed",
                    sessions=2,
                    label="CAPOX" if items == CAPOX else "FOLFOX",
                )
            p.encounter(start, "consultation", "treatment_start", tumour, regimen_id=reg.id)
            end = reg.end or start
        return end

    def salvage_procedure(self, tumour: Tumour) -> str:
        return "proctectomy" if tumour.info["rectum"] else "colectomy"

    def lines(self, p: Patient, rng: Rng, tumour: Tumour, start: date) -> list[Line]:
        y = start.year
        info = tumour.info
        if info["msi"] and y >= 2021:
            first = Line(["pembrolizumab"], "pembrolizumab", pfs=16, exceptional_share=0.15)
        elif not info["ras"] and not info["braf"]:
            anti = rng.pick(["cetuximab", "panitumumab"])
            first = Line(
                [anti], "FOLFOX et " + anti, pfs=11, chemo=FOLFOX, chemo_months=6, exceptional_share=0.07
            )
        else:
            first = Line(
                ["bevacizumab"],
                "FOLFOX et bévacizumab",
                pfs=10,
                chemo=FOLFOX,
                chemo_months=6,
                exceptional_share=0.04,
            )
        if info["braf"] and y >= 2020:
            second = Line(
                ["encorafenib", "cetuximab"], "encorafénib et cétuximab", pfs=4.5, exceptional_share=0.04
            )
        elif info.get("kras") == "G12C" and y >= 2023:
            second = Line(
                ["sotorasib", "panitumumab"], "sotorasib et panitumumab", pfs=5.6, exceptional_share=0.03
            )
        else:
            second = Line(["bevacizumab"], "FOLFIRI et bévacizumab", pfs=6.5, chemo=FOLFIRI, chemo_months=5)
        return [
            first,
            second,
            Line(
                ["trifluridine and tipiracil", "bevacizumab"],
                "trifluridine-tipiracil et bévacizumab",
                pfs=5.6,
            ),
            Line(["regorafenib"], "régorafénib", pfs=2),
        ]


class Pancreas(SolidDisease):
    pathway = "pancreas_adenocarcinoma"
    site = "pancreas"
    female_share = 0.48
    ages = [((45, 64), 0.35), ((65, 88), 0.65)]
    met_sites = [("liver", 0.55), ("peritoneum", 0.25), ("lung", 0.15), ("lymph_node", 0.05)]
    metastatic_share = 0.5
    relapse_median = 11.0
    bsc_months = 1.5
    fitness_loss = 0.35
    second_primary_share = 0.03

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        icd = rng.weighted([("C25.0", 0.65), ("C25.1", 0.2), ("C25.2", 0.15)])
        metastatic = rng.chance(self.metastatic_share)
        advanced = not metastatic and rng.chance(0.55)
        t = "T4" if advanced else rng.weighted([("T1", 0.15), ("T2", 0.45), ("T3", 0.4)])
        n = rng.weighted([("N0", 0.35), ("N1", 0.45), ("N2", 0.2)])
        stage = "IV" if metastatic else ("III" if t == "T4" or n == "N2" else ("IIB" if n == "N1" else "IIA"))
        tumour = new_tumour(
            p,
            "pancreas",
            icd,
            dx,
            rank,
            topography=icd,
            morphology="8500/3",
            histology_group="adenocarcinoma",
            grade=rng.weighted([(1, 0.2), (2, 0.5), (3, 0.3)]),
            t=t,
            n=n,
            m="M1" if metastatic else "M0",
            stage=stage,
            metastatic_at_diagnosis=metastatic,
            info={"forms": PANCREAS_FORMS, "pathway": self.pathway, "size_mm": rng.randint(15, 60)},
        )
        brca = rng.chance(0.06)
        add_biomarker(
            p,
            tumour,
            "BRCA2",
            add_days(dx, 40),
            "mutated" if brca else "wild_type",
            alteration="germline" if brca else None,
        )
        tumour.info["brca"] = brca
        return tumour

    def relapse_risk(self, tumour: Tumour) -> float:
        return 0.75

    def early(self, p: Patient, rng: Rng, tumour: Tumour) -> date:
        when = add_days(tumour.diagnosis_date, rng.randint(20, 35))
        if tumour.stage == "III":  # locally advanced: chemotherapy, sometimes conversion surgery
            reg = regimen(
                p,
                tumour,
                FOLFIRINOX,
                when,
                4,
                setting="curative",
                stop_reason="completed",
                sessions=2,
                label="FOLFIRINOX",
            )
            p.encounter(when, "consultation", "treatment_start", tumour, regimen_id=reg.id)
            when = add_days(reg.end or when, 30)
            if not rng.chance(0.2):
                return when
        proc = "pancreaticoduodenectomy" if tumour.icd10 == "C25.0" else "distal_pancreatectomy"
        surgery(p, rng, tumour, proc, when, frozen_share=0.4)
        start = add_days(when, rng.randint(40, 70))
        items = FOLFIRINOX if start.year >= 2018 and age_on(p.birth_date, start) < 75 else ["gemcitabine"]
        reg = regimen(
            p,
            tumour,
            items,
            start,
            6,
            setting="adjuvant",
            stop_reason="completed",
            sessions=2,
            label="FOLFIRINOX modifié" if len(items) == 3 else "gemcitabine",
        )
        p.encounter(start, "consultation", "treatment_start", tumour, regimen_id=reg.id)
        return reg.end or start

    def lines(self, p: Patient, rng: Rng, tumour: Tumour, start: date) -> list[Line]:
        fit = age_on(p.birth_date, start) < 75 and p.ecog <= 1
        first = (
            Line(FOLFIRINOX, "FOLFIRINOX", pfs=6.4, max_months=6)
            if fit
            else Line(["gemcitabine", "paclitaxel"], "gemcitabine et nab-paclitaxel", pfs=5.5)
        )
        out = [first]
        if tumour.info.get("brca") and start.year >= 2020:
            out.append(Line(["olaparib"], "olaparib (entretien)", pfs=7.4, exceptional_share=0.12))
        out.append(Line(["gemcitabine"], "gemcitabine", pfs=3) if fit else Line(FOLFOX, "FOLFOX", pfs=3))
        return out
