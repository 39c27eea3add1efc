"""Chronic lymphocytic leukaemia, diffuse large B-cell lymphoma and follicular lymphoma."""

from __future__ import annotations

from datetime import date

from synthetic.model import Patient, Tumour
from synthetic.pathways.common import (
    Line,
    add_biomarker,
    add_event,
    add_sample,
    add_stay,
    advanced_course,
    follow_ups,
    new_tumour,
    pmsi_code,
    regimen,
)
from synthetic.pathways.myeloid import Haematology
from synthetic.pathways.solid import stop_ongoing
from synthetic.rng import Rng, add_days, add_months, age_on

RCHOP = ["rituximab", "cyclophosphamide", "doxorubicin", "vincristine"]


class CLL(Haematology):
    pathway = "cll"
    site = "cll"
    female_share = 0.4
    ages = [((45, 64), 0.3), ((65, 90), 0.7)]
    second_primary_share = 0.12

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        tumour = new_tumour(
            p,
            "cll",
            "C91.1",
            dx,
            rank,
            topography="C42.1",
            morphology="9823/3",
            histology_group="cll",
            stage=rng.weighted([("A", 0.6), ("B", 0.25), ("C", 0.15)]),
            info={"forms": ["leucémie lymphoïde chronique", "LLC"], "pathway": "cll"},
        )
        tp53 = rng.chance(0.08)
        add_biomarker(p, tumour, "DEL17P", dx, "positive" if tp53 else "negative")
        add_biomarker(p, tumour, "TP53", dx, "mutated" if tp53 else "wild_type")
        return tumour

    def run(self, p: Patient, rng: Rng, tumour: Tumour) -> date | None:
        self.haem_workup(p, rng, tumour)
        dx = tumour.diagnosis_date
        if tumour.stage == "A":
            if not rng.chance(0.4):
                follow_ups(
                    p, rng, tumour, dx, date(2045, 1, 1), every_months=12, imaging_share=0.1, max_visits=3
                )
                return None
            start = add_months(dx, rng.duration_months(48, 1.3))
            add_event(p, tumour, "progression", start)
            p.encounter(start, "consultation", "event_consult", tumour, event="progression")
            follow_ups(p, rng, tumour, dx, start, every_months=12, imaging_share=0.1, max_visits=2)
        else:
            start = add_days(dx, rng.randint(20, 60))
        y, fit = start.year, age_on(p.birth_date, start) < 65
        if y >= 2020:
            first = rng.pick(
                [
                    Line(["venetoclax", "obinutuzumab"], "vénétoclax et obinutuzumab", pfs=55, max_months=12),
                    Line(["acalabrutinib"], "acalabrutinib", pfs=60, exceptional_share=0.2),
                ]
            )
        elif y >= 2016:
            first = Line(["ibrutinib"], "ibrutinib", pfs=60, exceptional_share=0.2)
        else:
            first = (
                Line(["fludarabine", "cyclophosphamide", "rituximab"], "FCR", pfs=50, max_months=6)
                if fit
                else Line(["bendamustine", "rituximab"], "bendamustine et rituximab", pfs=36, max_months=6)
            )
        second = (
            Line(["venetoclax"], "vénétoclax", pfs=36)
            if y >= 2017
            else Line(["ibrutinib"], "ibrutinib", pfs=40)
        )
        return advanced_course(
            p, rng, tumour, start, [first, second], sites=[], bsc_months=6, fitness_loss=0.2
        )


class Lymphoma(Haematology):
    """DLBCL (immunochemotherapy, salvage with transplant or CAR-T cells) or follicular lymphoma."""

    female_share = 0.45
    second_primary_share = 0.1

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.pathway = "dlbcl" if kind == "dlbcl" else "follicular_lymphoma"
        self.site = kind
        self.ages = [((25, 59), 0.35), ((60, 88), 0.65)]

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        stage = rng.weighted([("I", 0.15), ("II", 0.2), ("III", 0.25), ("IV", 0.4)])
        topo = rng.weighted(
            [("C77.0", 0.3), ("C77.1", 0.25), ("C77.2", 0.25), ("C77.3", 0.1), ("C77.8", 0.1)]
        )
        if self.kind == "dlbcl":
            return new_tumour(
                p,
                "dlbcl",
                "C83.3",
                dx,
                rank,
                topography=topo,
                morphology="9680/3",
                histology_group="dlbcl",
                stage=stage,
                info={
                    "forms": ["lymphome", "LNH", "lymphome B diffus à grandes cellules"],
                    "pathway": self.pathway,
                },
            )
        grade = rng.weighted([(1, 0.45), (2, 0.4), (3, 0.15)])
        return new_tumour(
            p,
            "follicular",
            {1: "C82.0", 2: "C82.1", 3: "C82.2"}[grade],
            dx,
            rank,
            topography=topo,
            morphology={1: "9695/3", 2: "9691/3", 3: "9698/3"}[grade],
            histology_group="follicular_lymphoma",
            grade=grade,
            stage=stage,
            info={"forms": ["lymphome", "LNH", "lymphome folliculaire"], "pathway": self.pathway},
        )

    def run(self, p: Patient, rng: Rng, tumour: Tumour) -> date | None:
        dx = tumour.diagnosis_date
        p.encounter(add_days(dx, -rng.randint(5, 15)), "imaging", "dx_imaging", tumour)
        p.encounter(add_days(dx, -rng.randint(1, 4)), "operative", "node_biopsy", tumour)
        p.encounter(dx, "pathology", "biopsy", tumour, essential=True)
        p.encounter(add_days(dx, rng.randint(3, 8)), "mdt", "mdt", tumour, context="initial")
        p.encounter(add_days(dx, rng.randint(9, 14)), "consultation", "announcement", tumour, essential=True)
        add_sample(p, tumour, "tumour_tissue", dx, "ffpe", available=rng.chance(0.8))
        if rng.chance(0.45):
            add_sample(p, tumour, "tumour_tissue", dx, "frozen")
        if rng.chance(0.4):
            add_sample(p, tumour, "serum", dx, "frozen")
        start = add_days(dx, rng.randint(15, 30))
        if self.kind == "follicular":
            return self._follicular(p, rng, tumour, start)
        items = (
            ["polatuzumab vedotin", "rituximab", "cyclophosphamide", "doxorubicin"]
            if start.year >= 2022 and rng.chance(0.4)
            else RCHOP
        )
        cr = rng.chance(0.68)
        reg = regimen(
            p,
            tumour,
            items,
            start,
            4.5,
            line=1,
            setting="induction",
            stop_reason="completed",
            sessions=3,
            response="complete" if cr else rng.pick(["partial", "progression"]),
            label="R-CHOP" if items == RCHOP else "Pola-R-CHP",
        )
        p.encounter(start, "consultation", "treatment_start", tumour, regimen_id=reg.id)
        end = reg.end or start
        p.encounter(add_days(end, rng.randint(20, 40)), "imaging", "evaluation", tumour, regimen_id=reg.id)
        relapse = (
            add_months(end, max(2.0, rng.duration_months(9, 1.1))) if not cr or rng.chance(0.28) else None
        )
        follow_ups(
            p, rng, tumour, end, relapse or date(2045, 1, 1), every_months=6, imaging_share=0.3, max_visits=3
        )
        if relapse is None:
            return None
        add_event(p, tumour, "relapse", relapse)
        p.encounter(
            add_days(relapse, -rng.randint(3, 10)), "imaging", "event_imaging", tumour, event="relapse"
        )
        start = add_days(relapse, rng.randint(15, 30))
        next_line = 2
        if age_on(p.birth_date, start) < 70 and rng.chance(0.6):
            if start.year >= 2019 and rng.chance(0.6):
                car = regimen(
                    p,
                    tumour,
                    ["axicabtagene ciloleucel"],
                    start,
                    0,
                    line=2,
                    setting="cell therapy",
                    stop_reason="completed",
                    response=rng.pick(["complete", "complete", "partial"]),
                    sessions=0,
                    label="cellules CAR-T (axicabtagène ciloleucel)",
                )
                add_stay(
                    p,
                    start,
                    rng.randint(14, 24),
                    "hématologie - thérapie cellulaire",
                    [(pmsi_code(tumour), "DP")],
                )
                p.encounter(add_days(start, 30), "letter", "followup", tumour, regimen_id=car.id)
                if car.response == "complete" and rng.chance(0.45):
                    return None
                start = add_months(start, rng.duration_months(5))
                add_event(p, tumour, "relapse", start)
                lines = [Line(["rituximab", "gemcitabine", "oxaliplatin"], "R-GemOx", pfs=3)]
                return advanced_course(
                    p,
                    rng,
                    tumour,
                    start,
                    lines,
                    sites=[],
                    first_line=3,
                    event="progression",
                    imaging=True,
                    bsc_months=2,
                )
            salvage = regimen(
                p,
                tumour,
                ["rituximab", "cytarabine", "cisplatin"],
                start,
                2.2,
                line=2,
                setting="salvage",
                stop_reason="completed",
                sessions=2,
                label="R-DHAP",
            )
            p.encounter(start, "consultation", "treatment_start", tumour, regimen_id=salvage.id)
            asct = add_days(salvage.end or start, rng.randint(20, 40))
            regimen(
                p,
                tumour,
                ["carmustine", "etoposide", "cytarabine", "melphalan"],
                add_days(asct, -6),
                0.2,
                line=2,
                setting="conditioning",
                stop_reason="completed",
                sessions=0,
                label="BEAM",
            )
            graft = regimen(
                p,
                tumour,
                ["autologous_sct"],
                asct,
                0,
                line=2,
                setting="transplant",
                stop_reason="completed",
                response="complete",
                sessions=0,
            )
            add_stay(
                p,
                add_days(asct, -7),
                rng.randint(18, 26),
                "hématologie - unité de greffe",
                [(pmsi_code(tumour), "DP"), ("D70", "DAS")],
            )
            p.encounter(add_days(asct, 28), "letter", "transplant", tumour, regimen_id=graft.id)
            if rng.chance(0.5):
                return None
            start = add_months(asct, rng.duration_months(8))
            add_event(p, tumour, "relapse", start)
            next_line = 3
        lines = [Line(["rituximab", "gemcitabine", "oxaliplatin"], "R-GemOx", pfs=4)]
        return advanced_course(
            p,
            rng,
            tumour,
            start,
            lines,
            sites=[],
            first_line=next_line,
            event="progression",
            imaging=True,
            bsc_months=2,
        )

    def _follicular(self, p: Patient, rng: Rng, tumour: Tumour, start: date) -> date | None:
        if tumour.stage in ("I", "II") or rng.chance(0.3):  # watch and wait
            follow_ups(
                p, rng, tumour, start, date(2045, 1, 1), every_months=9, imaging_share=0.3, max_visits=3
            )
            if not rng.chance(0.5):
                return None
            start = add_months(start, rng.duration_months(36))
            add_event(p, tumour, "progression", start)
        items = ["bendamustine", "rituximab"] if rng.chance(0.5) else RCHOP
        reg = regimen(
            p,
            tumour,
            items,
            start,
            6,
            line=1,
            setting="induction",
            stop_reason="completed",
            sessions=3,
            response=rng.weighted([("complete", 0.6), ("partial", 0.35), ("progression", 0.05)]),
            label="R-bendamustine" if len(items) == 2 else "R-CHOP",
        )
        p.encounter(start, "consultation", "treatment_start", tumour, regimen_id=reg.id)
        maint = regimen(
            p,
            tumour,
            ["rituximab"],
            add_days(reg.end or start, 40),
            24,
            line=1,
            setting="maintenance",
            stop_reason="completed",
            response=reg.response,
            label="rituximab d'entretien",
        )
        pfs = rng.duration_months(60, 1.2)
        follow_ups(p, rng, tumour, maint.start, add_months(start, pfs), every_months=8, max_visits=3)
        when = add_months(start, pfs)
        stop_ongoing(p, tumour, when)
        add_event(p, tumour, "relapse", when)
        p.encounter(add_days(when, -rng.randint(3, 10)), "imaging", "event_imaging", tumour, event="relapse")
        lines = [
            Line(["lenalidomide", "rituximab"], "lénalidomide et rituximab", pfs=36),
            Line(["bendamustine", "obinutuzumab"], "bendamustine et obinutuzumab", pfs=24),
            Line(["cyclophosphamide", "doxorubicin", "vincristine"], "CHOP", pfs=12),
        ]
        return advanced_course(
            p,
            rng,
            tumour,
            add_days(when, 20),
            lines,
            sites=[],
            first_line=2,
            event="progression",
            imaging=True,
            bsc_months=4,
            fitness_loss=0.1,
        )
