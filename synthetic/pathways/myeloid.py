"""Multiple myeloma (lines, autologous transplant after high-dose melphalan) and acute myeloid leukaemia.

A share of myeloma patients later develop a therapy-related acute myeloid leukaemia, mostly after
two lines and an autologous transplant: the haematology use case. It is recorded as a second
tumour (rank 2, C92.0, 9861/3) with a ``second_primary`` event.
"""

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
    new_tumour,
    pmsi_code,
    regimen,
)
from synthetic.pathways.solid import SolidDisease, stop_ongoing
from synthetic.rng import Rng, add_days, add_months, age_on

MYELOMA_FORMS = ["myélome", "myélome multiple"]
AML_FORMS = ["leucémie aiguë myéloïde", "LAM"]


class Haematology(SolidDisease):
    """Blood cancers share the interface of solid tumours but not their staging or metastases."""

    met_sites: list[tuple[str, float]] = []

    def haem_workup(
        self, p: Patient, rng: Rng, tumour: Tumour, imaging: bool = True, urgent: bool = False
    ) -> None:
        dx = tumour.diagnosis_date
        if imaging:
            p.encounter(add_days(dx, rng.randint(3, 20)), "imaging", "dx_imaging", tumour)
        p.encounter(dx, "pathology", "marrow", tumour, essential=True)
        mdt, visit = ((1, 2), (1, 2)) if urgent else ((3, 7), (8, 12))
        p.encounter(add_days(dx, rng.randint(*mdt)), "mdt", "mdt", tumour, context="initial")
        p.encounter(add_days(dx, rng.randint(*visit)), "consultation", "announcement", tumour, essential=True)
        if rng.chance(0.6):
            add_sample(p, tumour, "bone_marrow", dx, "frozen")
        if rng.chance(0.5):
            add_sample(p, tumour, "blood", dx, "frozen")
            add_sample(p, tumour, "serum", dx, "frozen")


class Myeloma(Haematology):
    pathway = "myeloma"
    site = "myeloma"
    female_share = 0.45
    ages = [((40, 59), 0.22), ((60, 74), 0.48), ((75, 88), 0.3)]
    second_primary_share = 0.05

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        tumour = new_tumour(
            p,
            "myeloma",
            "C90.0",
            dx,
            rank,
            topography="C42.1",
            morphology="9732/3",
            histology_group="myeloma",
            stage=rng.weighted([("I", 0.3), ("II", 0.4), ("III", 0.3)]),
            info={
                "forms": MYELOMA_FORMS,
                "pathway": "myeloma",
                "isotype": rng.weighted(
                    [
                        ("IgG kappa", 0.35),
                        ("IgG lambda", 0.2),
                        ("IgA kappa", 0.15),
                        ("IgA lambda", 0.1),
                        ("à chaînes légères kappa", 0.12),
                        ("à chaînes légères lambda", 0.08),
                    ]
                ),
            },
        )
        add_biomarker(p, tumour, "DEL17P", dx, "positive" if rng.chance(0.1) else "negative")
        add_biomarker(p, tumour, "T(4;14)", dx, "positive" if rng.chance(0.12) else "negative")
        return tumour

    def run(self, p: Patient, rng: Rng, tumour: Tumour) -> date | None:
        self.haem_workup(p, rng, tumour)
        dx = tumour.diagnosis_date
        age = age_on(p.birth_date, dx)
        start = add_days(dx, rng.randint(14, 35))
        eligible = age <= 70 and rng.chance(0.8)
        if eligible:
            dara = start.year >= 2021 and rng.chance(0.6)
            items = ["daratumumab", "bortezomib", "lenalidomide"] if dara else ["bortezomib", "lenalidomide"]
            if start.year < 2016:
                items = ["bortezomib", "cyclophosphamide"]
            induction = regimen(
                p,
                tumour,
                items,
                start,
                3.5,
                line=1,
                setting="induction",
                stop_reason="completed",
                sessions=2,
                response=rng.pick(["partial", "very_good", "very_good"]),
                label=("D-VRd" if dara else "VRd" if len(items) == 2 else "VCd"),
            )
            p.encounter(start, "consultation", "treatment_start", tumour, regimen_id=induction.id)
            asct = add_days(induction.end or start, rng.randint(30, 60))
            melph = regimen(
                p,
                tumour,
                ["melphalan"],
                asct,
                0,
                line=1,
                setting="conditioning",
                stop_reason="completed",
                label="melphalan haute dose (200 mg/m²)",
                sessions=0,
            )
            graft = regimen(
                p,
                tumour,
                ["autologous_sct"],
                asct,
                0,
                line=1,
                setting="transplant",
                stop_reason="completed",
                response=rng.pick(["very_good", "complete", "complete"]),
                sessions=0,
                conditioning_id=melph.id,
            )
            p.flags["asct"] = asct
            add_stay(
                p,
                add_days(asct, -2),
                rng.randint(16, 26),
                "hématologie - unité de greffe",
                [(pmsi_code(tumour), "DP"), ("D70", "DAS"), ("R50.9", "DAS")],
            )
            p.encounter(
                add_days(asct, rng.randint(20, 30)),
                "letter",
                "transplant",
                tumour,
                essential=True,
                regimen_id=graft.id,
            )
            pfs = rng.duration_months(50, 1.3)
            maint_start = add_days(asct, rng.randint(80, 110))
            maint = regimen(
                p,
                tumour,
                ["lenalidomide"],
                maint_start,
                max(1.0, pfs - 8),
                line=1,
                setting="maintenance",
                stop_reason="progression",
                response=graft.response,
            )
            for m in (12, 30):
                if m < pfs - 10:
                    p.encounter(
                        add_months(maint_start, m),
                        "consultation",
                        "on_treatment",
                        tumour,
                        regimen_id=maint.id,
                    )
            when = add_months(maint_start, max(1.0, pfs - 8))
            first_line = 2
        else:
            items = ["daratumumab", "lenalidomide"] if start.year >= 2020 else ["bortezomib", "melphalan"]
            pfs = rng.duration_months(36 if start.year >= 2020 else 22, 1.2)
            reg = regimen(
                p,
                tumour,
                items,
                start,
                pfs if start.year >= 2020 else min(pfs, 12),
                line=1,
                setting="induction",
                stop_reason="progression",
                response=rng.pick(["partial", "very_good", "complete"]),
                sessions=2,
                label="DRd" if start.year >= 2020 else "VMP",
            )
            p.encounter(start, "consultation", "treatment_start", tumour, regimen_id=reg.id)
            when = add_months(start, pfs)
            first_line = 2
        add_event(p, tumour, "progression", when)
        p.encounter(
            add_days(when, -rng.randint(3, 12)), "consultation", "event_consult", tumour, event="progression"
        )
        lines = self.lines(p, rng, tumour, when)
        death = advanced_course(
            p,
            rng,
            tumour,
            add_days(when, rng.randint(10, 30)),
            lines,
            sites=[],
            first_line=first_line,
            fitness_loss=0.12,
            bsc_months=4,
        )
        return self._secondary_aml(p, rng, tumour, dx, death)

    def lines(self, p: Patient, rng: Rng, tumour: Tumour, start: date) -> list[Line]:
        y = start.year
        second = (
            Line(["daratumumab", "pomalidomide"], "DPd", pfs=14)
            if y >= 2019
            else Line(["carfilzomib", "lenalidomide"], "KRd", pfs=16)
        )
        third = (
            Line(["isatuximab", "pomalidomide"], "Isa-Pd", pfs=10)
            if y >= 2020
            else Line(["pomalidomide"], "pomalidomide-dexaméthasone", pfs=5)
        )
        fourth = (
            Line(["teclistamab"], "téclistamab", pfs=10)
            if y >= 2022
            else Line(["carfilzomib"], "carfilzomib-dexaméthasone", pfs=5)
        )
        fifth = (
            Line(["idecabtagene vicleucel"], "CAR-T", pfs=9)
            if y >= 2022
            else Line(["cyclophosphamide"], "cyclophosphamide", pfs=3)
        )
        return [second, third, fourth, fifth]

    def _secondary_aml(self, p: Patient, rng: Rng, myeloma: Tumour, dx: date, death: date) -> date:
        """Therapy-related AML: likelier after two lines and an autologous transplant."""
        lines = sorted({r.line for r in p.regimens if r.tumour_id == myeloma.id and r.line})
        risk = 0.2 if (p.flags.get("asct") and len(lines) >= 2) else 0.03
        if not rng.chance(risk):
            return death
        after_line2 = min(
            (r.start for r in p.regimens if r.tumour_id == myeloma.id and (r.line or 0) >= 2),
            default=add_months(dx, 30),
        )
        when = add_months(after_line2, rng.between(6, 30))
        if when >= death:
            when = add_days(death, -rng.randint(60, 120))
        if when <= add_months(dx, 18):
            return death
        stop_ongoing(p, myeloma, when)
        p.regimens = [r for r in p.regimens if r.tumour_id != myeloma.id or r.start < when]
        p.encounters = [e for e in p.encounters if e.date < when or e.tumour_id != myeloma.id]
        p.stays = [s for s in p.stays if s.admission < when]
        p.events = [e for e in p.events if e.date <= when]
        aml = AML().tumour(p, rng, when, rank=2, secondary=True)
        add_event(p, aml, "second_primary", when)
        p.flags["myeloma_to_aml"] = True
        return AML().run(p, rng, aml, secondary=True)


class AML(Haematology):
    pathway = "aml"
    site = "aml"
    female_share = 0.45
    ages = [((25, 49), 0.2), ((50, 69), 0.4), ((70, 88), 0.4)]
    second_primary_share = 0.02

    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int, secondary: bool = False) -> Tumour:
        forms = AML_FORMS + (["LAM secondaire"] if secondary else [])
        tumour = new_tumour(
            p,
            "aml",
            "C92.0",
            dx,
            rank,
            topography="C42.1",
            morphology="9861/3",
            histology_group="aml",
            info={
                "forms": forms,
                "pathway": "secondary_aml" if secondary else "aml",
                "secondary": secondary,
                "blasts": rng.randint(22, 90),
            },
        )
        flt3 = rng.chance(0.12 if secondary else 0.27)
        add_biomarker(
            p, tumour, "FLT3", dx, "mutated" if flt3 else "wild_type", alteration="ITD" if flt3 else None
        )
        add_biomarker(
            p, tumour, "NPM1", dx, "mutated" if rng.chance(0.08 if secondary else 0.3) else "wild_type"
        )
        add_biomarker(
            p, tumour, "TP53", dx, "mutated" if rng.chance(0.3 if secondary else 0.08) else "wild_type"
        )
        return tumour

    def run(self, p: Patient, rng: Rng, tumour: Tumour, secondary: bool = False) -> date | None:
        self.haem_workup(p, rng, tumour, imaging=False, urgent=True)
        dx = tumour.diagnosis_date
        age = age_on(p.birth_date, dx)
        start = add_days(dx, rng.randint(3, 8))
        flt3 = any(
            b.marker == "FLT3" and b.status == "mutated" and b.tumour_id == tumour.id for b in p.biomarkers
        )
        fit = age < 70 and rng.chance(0.85 if not secondary else 0.55)
        if fit:
            items = (
                ["daunorubicin and cytarabine"]
                if secondary and start.year >= 2018
                else ["cytarabine", rng.pick(["daunorubicin", "idarubicin"])]
            )
            if flt3 and start.year >= 2018:
                items.append("midostaurin")
            cr = rng.chance(0.45 if secondary else 0.7)
            ind = regimen(
                p,
                tumour,
                items,
                start,
                1.2,
                line=1,
                setting="induction",
                stop_reason="completed",
                response="complete" if cr else "progression",
                sessions=0,
                label="chimiothérapie d'induction",
            )
            add_stay(
                p,
                start,
                rng.randint(28, 38),
                "hématologie clinique",
                [(pmsi_code(tumour), "DP"), ("D70", "DAS"), ("R50.9", "DAS")],
            )
            p.encounter(
                add_days(start, rng.randint(30, 40)), "letter", "induction_report", tumour, regimen_id=ind.id
            )
            when = add_months(start, 1.5)
            if cr:
                consol = regimen(
                    p,
                    tumour,
                    ["cytarabine"],
                    when,
                    3.5,
                    line=1,
                    setting="consolidation",
                    stop_reason="completed",
                    response="complete",
                    sessions=2,
                    label="cytarabine haute dose",
                )
                when = consol.end or when
                if rng.chance(0.5 if not secondary else 0.6):
                    allo = add_days(when, rng.randint(20, 50))
                    regimen(
                        p,
                        tumour,
                        ["fludarabine"],
                        add_days(allo, -6),
                        0.2,
                        line=1,
                        setting="conditioning",
                        stop_reason="completed",
                        sessions=0,
                    )
                    graft = regimen(
                        p,
                        tumour,
                        ["allogeneic_sct"],
                        allo,
                        0,
                        line=1,
                        setting="transplant",
                        stop_reason="completed",
                        response="complete",
                        sessions=0,
                    )
                    add_stay(
                        p,
                        add_days(allo, -7),
                        rng.randint(25, 40),
                        "hématologie - unité de greffe",
                        [(pmsi_code(tumour), "DP"), ("D70", "DAS")],
                    )
                    p.encounter(add_days(allo, 35), "letter", "transplant", tumour, regimen_id=graft.id)
                    when = allo
                if rng.chance(0.62 if not secondary else 0.25):
                    return None  # cured (other causes may still end the story)
                when = add_months(when, rng.duration_months(10, 1.2))
                add_event(p, tumour, "relapse", when)
                p.encounter(when, "pathology", "marrow", tumour, relapse=True)
            lines = (
                [Line(["gilteritinib"], "", pfs=5)]
                if flt3
                else [Line(["azacitidine", "venetoclax"], "", pfs=6)]
            )
            return advanced_course(
                p,
                rng,
                tumour,
                add_days(when, 10),
                lines,
                sites=[],
                first_line=2,
                event="relapse",
                bsc_months=1.5,
                fitness_loss=0.5,
            )
        lines = [
            Line(
                ["azacitidine", "venetoclax"] if start.year >= 2020 else ["azacitidine"],
                "",
                pfs=9 if start.year >= 2020 else 6,
                exceptional_share=0.02,
            )
        ]
        return advanced_course(
            p, rng, tumour, start, lines, sites=[], event="progression", bsc_months=1.5, fitness_loss=0.6
        )
