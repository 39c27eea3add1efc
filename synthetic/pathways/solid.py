"""The shape every solid tumour follows: diagnosis, local treatment, surveillance, relapse, lines, death.

A site module subclasses ``SolidDisease`` and fills in what differs (histology, staging, first-line
drugs, relapse risk); ``run`` plays the course. Keeping the course in one place makes the timing
rules (workup before treatment, evaluation three months into a line, a death letter after death)
the same for every cancer.
"""

from __future__ import annotations

from datetime import date

from synthetic.model import Patient, Tumour
from synthetic.pathways.common import (
    DX_END,
    DX_START,
    Line,
    add_event,
    advanced_course,
    blood_samples,
    diagnosis_workup,
    follow_ups,
    metastases_at,
    pmsi_code,
)
from synthetic.rng import Rng, add_days, add_months


class SolidDisease:
    """Defaults for a solid tumour; subclasses override the clinical specifics."""

    pathway = "solid"
    site = "solid"
    female_share = 0.5
    ages: list[tuple[tuple[int, int], float]] = [((40, 85), 1.0)]
    met_sites: list[tuple[str, float]] = [("liver", 0.4), ("lung", 0.3), ("bone", 0.2), ("lymph_node", 0.1)]
    metastatic_share = 0.2  # metastatic at diagnosis
    relapse_median = 24.0  # months from end of local treatment to relapse, when it happens
    local_share = 0.2  # share of relapses that are local recurrences only
    bsc_months = 3.0
    fitness_loss = 0.18
    molecular = False  # a molecular biology report at diagnosis
    second_primary_share = 0.12

    # -- demographics -------------------------------------------------------------------------
    def sex(self, rng: Rng) -> str:
        return "F" if rng.chance(self.female_share) else "M"

    def age(self, rng: Rng) -> int:
        lo, hi = rng.weighted(self.ages)
        return rng.randint(lo, hi)

    def diagnosis_date(self, rng: Rng) -> date:
        return rng.date_between(DX_START, DX_END)

    # -- to override ----------------------------------------------------------------------------
    def tumour(self, p: Patient, rng: Rng, dx: date, rank: int) -> Tumour:
        raise NotImplementedError

    def early(self, p: Patient, rng: Rng, tumour: Tumour) -> date:
        """Treat a non-metastatic tumour; return the date local treatment ended."""
        raise NotImplementedError

    def relapse_risk(self, tumour: Tumour) -> float:
        return {"I": 0.08, "II": 0.2, "III": 0.4}.get((tumour.stage or "II").rstrip("ABC"), 0.25)

    def relapse_months(self, tumour: Tumour) -> float:
        return self.relapse_median

    def lines(self, p: Patient, rng: Rng, tumour: Tumour, start: date) -> list[Line]:
        raise NotImplementedError

    def treat_local_recurrence(self, p: Patient, rng: Rng, tumour: Tumour, when: date) -> date:
        """Salvage treatment of a local recurrence; default: operated. Returns when it ended."""
        from synthetic.pathways.common import surgery

        surgery(
            p,
            rng,
            tumour,
            self.salvage_procedure(tumour),
            add_days(when, rng.randint(20, 45)),
            setting="salvage",
        )
        return add_days(when, 60)

    def salvage_procedure(self, tumour: Tumour) -> str:
        return "wide_excision"

    # -- the course -----------------------------------------------------------------------------
    def run(self, p: Patient, rng: Rng, tumour: Tumour) -> date | None:
        """Play the whole course; return the date of death from this cancer, or None."""
        diagnosis_workup(p, rng, tumour, molecular=self.molecular)
        blood_samples(p, rng, tumour, tumour.diagnosis_date)
        if tumour.metastatic_at_diagnosis:
            metastases_at(p, rng, tumour, tumour.diagnosis_date, self.met_sites)
            start = add_days(tumour.diagnosis_date, rng.randint(20, 40))
            return advanced_course(
                p,
                rng,
                tumour,
                start,
                self.lines(p, rng, tumour, start),
                sites=[s for s, _ in self.met_sites],
                fitness_loss=self.fitness_loss,
                bsc_months=self.bsc_months,
                first_mdt=False,
            )
        end = self.early(p, rng, tumour)
        relapse = None
        if rng.chance(self.relapse_risk(tumour)):
            relapse = add_months(end, max(3.0, rng.duration_months(self.relapse_months(tumour), 1.3)))
        follow_ups(p, rng, tumour, end, relapse or date(2045, 1, 1))
        if relapse is None:
            return None
        return self.relapse(p, rng, tumour, relapse)

    def relapse(self, p: Patient, rng: Rng, tumour: Tumour, when: date) -> date | None:
        stop_ongoing(p, tumour, when)
        if rng.chance(self.local_share):
            add_event(p, tumour, "local_recurrence", when)
            p.encounter(
                add_days(when, -rng.randint(5, 20)),
                "imaging",
                "event_imaging",
                tumour,
                event="local_recurrence",
            )
            p.encounter(add_days(when, rng.randint(5, 15)), "mdt", "mdt", tumour, context="local_recurrence")
            end = self.treat_local_recurrence(p, rng, tumour, when)
            if not rng.chance(0.45):
                follow_ups(p, rng, tumour, end, date(2045, 1, 1), max_visits=2)
                return None
            when = add_months(end, rng.duration_months(18, 1.2))
        sites = metastases_at(p, rng, tumour, when, self.met_sites)
        p.encounter(
            add_days(when, -rng.randint(3, 15)),
            "imaging",
            "event_imaging",
            tumour,
            event="metastasis",
            sites=sites,
        )
        p.encounter(add_days(when, rng.randint(5, 20)), "mdt", "mdt", tumour, context="metastasis")
        if rng.chance(0.4):
            p.encounter(add_days(when, rng.randint(2, 10)), "pathology", "biopsy", tumour, relapse=True)
        start = add_days(when, rng.randint(20, 45))
        return advanced_course(
            p,
            rng,
            tumour,
            start,
            self.lines(p, rng, tumour, start),
            sites=[s for s, _ in self.met_sites],
            fitness_loss=self.fitness_loss,
            bsc_months=self.bsc_months,
        )


def stop_ongoing(p: Patient, tumour: Tumour, when: date) -> None:
    """A relapse ends the adjuvant treatments still running for this tumour."""
    for reg in p.regimens:
        if reg.tumour_id == tumour.id and reg.start <= when and (reg.end is None or reg.end > when):
            reg.end = when
            reg.stop_reason = "progression"


def tnm_stage(t: str, n: str, m: str) -> str:
    """A simplified anatomic stage from T, N and M (shared by carcinomas without their own rule)."""
    if m.startswith("M1"):
        return "IV"
    tn, nn = t[:2], n[:2]
    if nn in ("N3",) or tn == "T4":
        return "IIIC" if nn == "N3" else "IIIB"
    if nn == "N2" or (tn == "T3" and nn == "N1"):
        return "IIIA"
    if (tn == "T3" and nn == "N0") or (tn == "T2" and nn == "N1"):
        return "IIB"
    if (tn == "T2" and nn == "N0") or (tn == "T1" and nn == "N1"):
        return "IIA"
    return "IA" if tn in ("T1", "Ti") else "I"


def draw_tnm(
    rng: Rng, metastatic: bool, t_weights: list[tuple[str, float]], n_weights: list[tuple[str, float]]
) -> tuple[str, str, str]:
    t = rng.weighted(t_weights)
    n = rng.weighted(n_weights)
    return t, n, ("M1" if metastatic else "M0")


def dr_code(tumour: Tumour) -> str:
    return pmsi_code(tumour)
