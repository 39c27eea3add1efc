"""Melanoma (BRAF), clear-cell kidney cancer, high-grade serous ovarian cancer (BRCA), prostate cancer."""

from __future__ import annotations

from datetime import date

from retrieval.synthetic.model import Patient, Tumour
from retrieval.synthetic.pathways.common import (
    Line,
    add_biomarker,
    add_event,
    advanced_course,
    blood_samples,
    diagnosis_workup,
    follow_ups,
    metastases_at,
    new_tumour,
    radiotherapy,
    regimen,
    surgery,
)
from retrieval.synthetic.pathways.solid import SolidDisease, stop_ongoing
from retrieval.synthetic.rng import Rng, add_days, add_months, age_on

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


class Ovary(SolidDisease):
    """High-grade serous carcinoma: debulking, platinum, PARP inhibitor maintenance, relapses."""

    pathway = "ovary_hgsc"
    site = "ovary"
    female_share = 1.0
    ages = [((35, 54), 0.3), ((55, 74), 0.5), ((75, 88), 0.2)]
    met_sites = [("peritoneum", 0.4), ("liver", 0.2), ("pleura", 0.2), ("lymph_node", 0.15), ("lung", 0.05)]
    second_primary_share = 0.1
    forms = ["cancer de l'ovaire", "carcinome ovarien", "adénocarcinome séreux de haut grade"]

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        stage = rng.weighted(
            [
                ("IA", 0.05),
                ("IC", 0.06),
                ("IIB", 0.06),
                ("IIIA", 0.08),
                ("IIIB", 0.1),
                ("IIIC", 0.42),
                ("IVA", 0.1),
                ("IVB", 0.13),
            ]
        )
        t = {"I": "T1", "II": "T2"}.get(stage[:-1], "T3c")
        if stage == "IA":
            t = "T1a"
        tumour = new_tumour(
            p,
            "ovary",
            "C56",
            dx,
            rank,
            topography="C56.9",
            morphology="8461/3",
            histology_group="serous_carcinoma",
            laterality=rng.weighted([("bilateral", 0.5), ("left", 0.25), ("right", 0.25)]),
            grade=3,
            t=t,
            n=rng.pick(["N0", "N1"]),
            m="M1" if stage.startswith("IV") else "M0",
            stage=stage,
            metastatic_at_diagnosis=stage.startswith("IV"),
            info={"forms": self.forms, "pathway": self.pathway, "size_mm": rng.randint(30, 150)},
        )
        gene = rng.weighted([("BRCA1", 0.14), ("BRCA2", 0.08), (None, 0.78)])
        when = add_days(dx, rng.randint(30, 60))
        add_biomarker(
            p,
            tumour,
            "BRCA1",
            when,
            "mutated" if gene == "BRCA1" else "wild_type",
            alteration="germline" if gene == "BRCA1" else None,
        )
        add_biomarker(
            p,
            tumour,
            "BRCA2",
            when,
            "mutated" if gene == "BRCA2" else "wild_type",
            alteration="germline" if gene == "BRCA2" else None,
        )
        tumour.info["brca"] = gene
        if gene:
            p.flags["brca"] = gene
        return tumour

    def run(self, p: Patient, rng: Rng, tumour: Tumour) -> date | None:
        diagnosis_workup(p, rng, tumour)
        blood_samples(p, rng, tumour, tumour.diagnosis_date, share=0.5)
        dx, early = tumour.diagnosis_date, tumour.stage in ("IA", "IC", "IIB")
        if tumour.metastatic_at_diagnosis:
            metastases_at(p, rng, tumour, dx, [("pleura", 0.5), ("liver", 0.3), ("lymph_node", 0.2)])
        when = add_days(dx, rng.randint(15, 30))
        line = None if early else 1
        interval = not early and rng.chance(0.45)
        chemo_start = when if interval else add_days(when, rng.randint(35, 50))
        if not interval:
            surgery(p, rng, tumour, "debulking_surgery", when, frozen_share=0.5, setting="curative")
        bev = not early and rng.chance(0.3) and chemo_start.year >= 2012
        reg = regimen(
            p,
            tumour,
            ["carboplatin", "paclitaxel"],
            chemo_start,
            4.5,
            line=line,
            setting="adjuvant" if early else "induction",
            stop_reason="completed",
            sessions=2,
            response=rng.weighted([("complete", 0.5), ("partial", 0.35), ("stable", 0.15)]),
            label="carboplatine et paclitaxel",
        )
        p.encounter(chemo_start, "consultation", "treatment_start", tumour, regimen_id=reg.id)
        if interval:
            surgery(
                p,
                rng,
                tumour,
                "debulking_surgery",
                add_months(chemo_start, 2.3),
                frozen_share=0.5,
                setting="interval",
            )
        end = reg.end or chemo_start
        if bev:
            regimen(
                p,
                tumour,
                ["bevacizumab"],
                chemo_start,
                15,
                line=line,
                setting="maintenance",
                stop_reason="completed",
            )
        if early:
            relapse = add_months(end, rng.duration_months(40)) if rng.chance(0.25) else None
        else:
            relapse = add_months(end, max(4.0, rng.duration_months(30 if tumour.info["brca"] else 16, 1.2)))
            parp = ("olaparib" if tumour.info["brca"] else "niraparib") if end.year >= 2019 else None
            if parp and (tumour.info["brca"] or rng.chance(0.5)):
                exceptional = tumour.info["brca"] is not None and rng.chance(0.3)
                months = None if exceptional else min(24.0, max(1.0, (relapse - end).days / 30.4))
                if exceptional:
                    relapse, p.flags["exceptional_responder"] = None, True
                m = regimen(
                    p,
                    tumour,
                    [parp],
                    add_days(end, 30),
                    months,
                    line=line,
                    setting="maintenance",
                    stop_reason="completed",
                    response="complete" if exceptional else reg.response,
                    label=f"{parp} (entretien)",
                    exceptional=exceptional,
                )
                for k in (12, 30, 60):
                    p.encounter(
                        add_months(m.start, k), "consultation", "on_treatment", tumour, regimen_id=m.id
                    )
        follow_ups(p, rng, tumour, end, relapse or date(2045, 1, 1), max_visits=3)
        if relapse is None:
            return None
        stop_ongoing(p, tumour, relapse)
        add_event(p, tumour, "relapse", relapse)
        sites = metastases_at(p, rng, tumour, relapse, self.met_sites, count=1)
        p.encounter(
            add_days(relapse, -rng.randint(3, 15)),
            "imaging",
            "event_imaging",
            tumour,
            event="metastasis",
            sites=sites,
        )
        p.encounter(add_days(relapse, rng.randint(5, 15)), "mdt", "mdt", tumour, context="metastasis")
        start = add_days(relapse, rng.randint(20, 40))
        lines = [
            Line(
                ["carboplatin", "doxorubicin"], "carboplatine et doxorubicine liposomale", pfs=9, max_months=6
            ),
            Line(["paclitaxel"], "paclitaxel hebdomadaire", pfs=4),
            Line(["gemcitabine"], "gemcitabine", pfs=3),
        ]
        if start.year >= 2017 and not tumour.info["brca"]:
            lines.insert(1, Line(["niraparib"], "niraparib (entretien)", pfs=9, exceptional_share=0.08))
        return advanced_course(
            p,
            rng,
            tumour,
            start,
            lines,
            sites=[s for s, _ in self.met_sites],
            first_line=1 if early else 2,
            event="progression",
        )


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
