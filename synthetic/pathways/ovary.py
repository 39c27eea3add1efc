"""High-grade serous ovarian cancer: debulking, platinum, PARP inhibitor maintenance (BRCA), relapses."""

from __future__ import annotations

from datetime import date

from synthetic.model import Patient, Tumour
from synthetic.pathways.common import (
    Line,
    add_biomarker,
    add_event,
    advanced_course,
    blood_samples,
    diagnosis_workup,
    follow_ups,
    metastases_at,
    new_tumour,
    regimen,
    surgery,
)
from synthetic.pathways.solid import SolidDisease, stop_ongoing
from synthetic.rng import Rng, add_days, add_months


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
