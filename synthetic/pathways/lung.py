"""Lung cancer: adenocarcinoma (EGFR, ALK, KRAS G12C, BRAF, PD-L1), squamous cell, small cell.

Non-small-cell cancers are genotyped at diagnosis (a molecular biology report); the first line
follows the driver: an EGFR or ALK inhibitor can keep a metastatic patient in response for years,
which is where the lung's exceptional responders come from.
"""

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
from synthetic.rng import Rng, add_days, add_months, age_on

NSCLC_FORMS = [
    "cancer du poumon",
    "cancer bronchique",
    "CBNPC",
    "carcinome bronchique",
    "néoplasie pulmonaire",
]
SCLC_FORMS = ["cancer du poumon", "cancer bronchique", "néoplasie pulmonaire"]
MORPHOLOGY = {
    "adenocarcinoma": "8140/3",
    "squamous_cell_carcinoma": "8070/3",
    "small_cell_carcinoma": "8041/3",
}


def lung_stage(t: str, n: str, m: str) -> str:
    """TNM 8th edition stage groups for lung cancer."""
    if m == "M1c":
        return "IVB"
    if m.startswith("M1"):
        return "IVA"
    t2, nn = t[:2], n
    big = t2 in ("T3", "T4")
    if nn == "N3":
        return "IIIC" if big else "IIIB"
    if nn == "N2":
        return "IIIB" if big else "IIIA"
    if nn == "N1":
        return "IIIA" if big else "IIB"
    if t2 == "T4":
        return "IIIA"
    if t2 == "T3":
        return "IIB"
    if t == "T2b":
        return "IIA"
    return "IB" if t2 == "T2" else "IA"


class Lung(SolidDisease):
    pathway = "lung"
    site = "lung"
    female_share = 0.38
    ages = [((40, 54), 0.15), ((55, 74), 0.6), ((75, 90), 0.25)]
    met_sites = [
        ("bone", 0.24),
        ("brain", 0.2),
        ("liver", 0.14),
        ("adrenal", 0.12),
        ("pleura", 0.12),
        ("lung", 0.12),
        ("lymph_node", 0.06),
    ]
    relapse_median = 16.0
    local_share = 0.15
    bsc_months = 2.5
    fitness_loss = 0.28
    molecular = True
    second_primary_share = 0.1

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        group = rng.weighted(
            [("adenocarcinoma", 0.6), ("squamous_cell_carcinoma", 0.27), ("small_cell_carcinoma", 0.13)]
        )
        if p.smoker is None and group != "adenocarcinoma":
            p.smoker = "current"
        share = {"adenocarcinoma": 0.52, "squamous_cell_carcinoma": 0.42, "small_cell_carcinoma": 0.65}[group]
        metastatic = rng.chance(share if rank == 1 else share / 2)
        topo = rng.weighted(
            [("C34.1", 0.55), ("C34.3", 0.3), ("C34.2", 0.05), ("C34.0", 0.05), ("C34.9", 0.05)]
        )
        side = "right" if topo == "C34.2" else rng.weighted([("right", 0.56), ("left", 0.44)])
        t = rng.weighted(
            [
                ("T1a", 0.05),
                ("T1b", 0.1),
                ("T1c", 0.12),
                ("T2a", 0.18),
                ("T2b", 0.1),
                ("T3", 0.2),
                ("T4", 0.25),
            ]
            if metastatic
            else [
                ("T1a", 0.1),
                ("T1b", 0.16),
                ("T1c", 0.16),
                ("T2a", 0.18),
                ("T2b", 0.1),
                ("T3", 0.17),
                ("T4", 0.13),
            ]
        )
        n = rng.weighted(
            [("N0", 0.5), ("N1", 0.16), ("N2", 0.24), ("N3", 0.1)]
            if not metastatic
            else [("N0", 0.15), ("N1", 0.15), ("N2", 0.4), ("N3", 0.3)]
        )
        m = rng.weighted([("M1a", 0.3), ("M1b", 0.25), ("M1c", 0.45)]) if metastatic else "M0"
        pathway = {
            "adenocarcinoma": "lung_adenocarcinoma",
            "squamous_cell_carcinoma": "lung_squamous",
            "small_cell_carcinoma": "lung_small_cell",
        }[group]
        forms = (
            SCLC_FORMS
            if group == "small_cell_carcinoma"
            else NSCLC_FORMS + (["adénocarcinome pulmonaire"] if group == "adenocarcinoma" else [])
        )
        tumour = new_tumour(
            p,
            "lung",
            topo,
            dx,
            rank,
            topography=topo,
            morphology=MORPHOLOGY[group],
            histology_group=group,
            laterality=side,
            grade=rng.pick([1, 2, 3]) if group == "adenocarcinoma" and rng.chance(0.5) else None,
            t=t,
            n=n,
            m=m,
            stage=lung_stage(t, n, m),
            metastatic_at_diagnosis=metastatic,
            info={"forms": forms, "pathway": pathway, "size_mm": rng.randint(8, 95)},
        )
        self._biomarkers(p, rng, tumour)
        return tumour

    def _biomarkers(self, p: Patient, rng: Rng, tumour: Tumour) -> None:
        group, when = tumour.histology_group, add_days(tumour.diagnosis_date, rng.randint(10, 25))
        if group == "small_cell_carcinoma":
            return
        tps = rng.weighted([(0, 0.35), (rng.randint(1, 49), 0.35), (rng.randint(50, 95), 0.3)])
        add_biomarker(p, tumour, "PD-L1", when, "positive" if tps >= 1 else "negative", value=tps, unit="%")
        if group != "adenocarcinoma":
            return
        never = p.smoker is None
        driver = rng.weighted(
            [
                ("EGFR", 0.25 if never else 0.09),
                ("ALK", 0.1 if never else 0.03),
                ("KRAS", 0.12 if never else 0.33),
                ("BRAF", 0.02),
                ("ROS1", 0.01),
                ("none", 0.5),
            ]
        )
        tumour.info["driver"] = driver
        egfr = rng.pick(["L858R", "exon19del", "exon19del"]) if driver == "EGFR" else None
        add_biomarker(p, tumour, "EGFR", when, "mutated" if egfr else "wild_type", alteration=egfr)
        add_biomarker(
            p,
            tumour,
            "ALK",
            when,
            "rearranged" if driver == "ALK" else "negative",
            alteration="EML4-ALK" if driver == "ALK" else None,
        )
        kras = (
            rng.weighted([("G12C", 0.4), ("G12V", 0.22), ("G12D", 0.17), ("G13D", 0.06), ("G12A", 0.15)])
            if driver == "KRAS"
            else None
        )
        add_biomarker(p, tumour, "KRAS", when, "mutated" if kras else "wild_type", alteration=kras)
        add_biomarker(
            p,
            tumour,
            "BRAF",
            when,
            "mutated" if driver == "BRAF" else "wild_type",
            alteration="V600E" if driver == "BRAF" else None,
        )
        if driver == "ROS1":
            add_biomarker(p, tumour, "ROS1", when, "rearranged")
        tumour.info["kras"] = kras

    def relapse_risk(self, tumour: Tumour) -> float:
        return {"I": 0.25, "II": 0.45, "III": 0.65}.get((tumour.stage or "II").rstrip("ABC"), 0.5)

    def early(self, p: Patient, rng: Rng, tumour: Tumour) -> date:
        dx = tumour.diagnosis_date
        age = age_on(p.birth_date, dx)
        stage = (tumour.stage or "").rstrip("ABC")
        start = add_days(dx, rng.randint(25, 45))
        if tumour.histology_group == "small_cell_carcinoma" or stage == "III" and rng.chance(0.7):
            chemo = (
                ["cisplatin", "etoposide"]
                if tumour.histology_group == "small_cell_carcinoma"
                else rng.pick([["carboplatin", "paclitaxel"], ["cisplatin", "vinorelbine"]])
            )
            regimen(p, tumour, chemo, start, 2.2, setting="curative", stop_reason="completed", sessions=2)
            radiotherapy(
                p,
                rng,
                tumour,
                add_days(start, 7),
                6.5,
                procedure="chemoradiotherapy",
                setting="curative",
                dose="66 Gy",
            )
            p.encounter(start, "consultation", "treatment_start", tumour)
            end = add_months(start, 2.5)
            if tumour.histology_group != "small_cell_carcinoma" and start.year >= 2018:
                regimen(
                    p,
                    tumour,
                    ["durvalumab"],
                    add_days(end, 30),
                    12,
                    setting="consolidation",
                    stop_reason="completed",
                )
            return end
        if age >= 80 or rng.chance(0.12):
            rt = radiotherapy(
                p,
                rng,
                tumour,
                start,
                2,
                procedure="stereotactic_radiotherapy",
                setting="curative",
                dose="54 Gy",
                with_doc=True,
            )
            return rt.end or start
        surgery(p, rng, tumour, "pneumonectomy" if rng.chance(0.1) else "lobectomy", start, frozen_share=0.45)
        end = start
        if stage in ("II", "III"):
            after = add_days(start, rng.randint(35, 60))
            reg = regimen(
                p,
                tumour,
                ["cisplatin", "vinorelbine"],
                after,
                2.8,
                setting="adjuvant",
                stop_reason="completed",
                sessions=2,
            )
            p.encounter(after, "consultation", "treatment_start", tumour, regimen_id=reg.id)
            end = reg.end or after
            if tumour.info.get("driver") == "EGFR" and end.year >= 2021:
                regimen(
                    p,
                    tumour,
                    ["osimertinib"],
                    add_days(end, 20),
                    36,
                    setting="adjuvant",
                    stop_reason="completed",
                )
        return end

    def lines(self, p: Patient, rng: Rng, tumour: Tumour, start: date) -> list[Line]:
        year, group = start.year, tumour.histology_group
        driver = tumour.info.get("driver")
        docetaxel = Line(["docetaxel"], "", pfs=3)
        if group == "small_cell_carcinoma":
            first = (
                Line(["atezolizumab"], "", pfs=5, chemo=["carboplatin", "etoposide"], chemo_months=2.8)
                if year >= 2020
                else Line(["carboplatin", "etoposide"], "", pfs=5, max_months=3)
            )
            return [first, Line(["cyclophosphamide", "doxorubicin", "vincristine"], "", pfs=3)]
        if driver == "EGFR":
            first = (
                Line(["osimertinib"], "", pfs=19, exceptional_share=0.16)
                if year >= 2018
                else Line(
                    [rng.pick(["gefitinib", "erlotinib", "afatinib"])], "", pfs=11, exceptional_share=0.06
                )
            )
            second = (
                Line(["carboplatin", "pemetrexed"], "", pfs=5, max_months=3)
                if year >= 2018
                else Line(["osimertinib"], "", pfs=10, exceptional_share=0.08)
            )
            return [first, second, docetaxel]
        if driver == "ALK":
            first = (
                Line(["alectinib"], "", pfs=34, exceptional_share=0.22)
                if year >= 2018
                else Line(["crizotinib"], "", pfs=10, exceptional_share=0.05)
            )
            return [
                first,
                Line(["lorlatinib"], "", pfs=12, exceptional_share=0.1),
                Line(["carboplatin", "pemetrexed"], "", pfs=5, max_months=3),
            ]
        if driver == "ROS1":
            return [Line(["crizotinib"], "", pfs=19, exceptional_share=0.15), Line(["lorlatinib"], "", pfs=8)]
        tps = (
            next((b.value for b in p.biomarkers if b.tumour_id == tumour.id and b.marker == "PD-L1"), 0) or 0
        )
        if year >= 2017 and tps >= 50:
            first = Line(["pembrolizumab"], "", pfs=7.5, exceptional_share=0.05)
        elif year >= 2019 and group == "adenocarcinoma":
            first = Line(["pembrolizumab", "pemetrexed"], "", pfs=8, chemo=["carboplatin"], chemo_months=2.8)
        elif year >= 2019:
            first = Line(
                ["pembrolizumab"], "", pfs=6.5, chemo=["carboplatin", "paclitaxel"], chemo_months=2.8
            )
        else:
            chemo = (
                ["cisplatin", "pemetrexed"] if group == "adenocarcinoma" else ["carboplatin", "paclitaxel"]
            )
            first = Line(chemo, "", pfs=5, max_months=3)
        out = [first]
        if driver == "KRAS" and tumour.info.get("kras") == "G12C" and year >= 2020:
            out.append(Line(["sotorasib"], "", pfs=6.5, exceptional_share=0.05))
        elif driver == "BRAF":
            out.append(Line(["dabrafenib", "trametinib"], "", pfs=10, exceptional_share=0.12))
        elif year < 2017 and group != "small_cell_carcinoma":
            out.append(Line(["nivolumab"], "", pfs=4, exceptional_share=0.03))
        out.append(docetaxel)
        out.append(Line(["gemcitabine"], "", pfs=2.5))
        return out
