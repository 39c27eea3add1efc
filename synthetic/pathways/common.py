"""Building blocks shared by every disease pathway: tumours, regimens, lines, relapses, deaths.

A pathway describes a disease in clinical terms (which histology, which first-line drugs, how long
a response lasts); these helpers turn that into dated records, hospital stays and the encounters
that will become documents. Time runs past the corpus' reference date on purpose: ``timeline``
cuts everything at death or last news afterwards, so "ongoing" treatments come out naturally.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from synthetic.catalogue import DRUGS, METASTASIS_CODES, PROCEDURES
from synthetic.model import Biomarker, Event, Patient, Regimen, Sample, Stay, Tumour
from synthetic.rng import Rng, add_days, add_months, age_on

REFERENCE_DATE = date(2026, 6, 30)
DX_START = date(2008, 1, 1)
DX_END = date(2026, 3, 31)
FAR_FUTURE = date(2045, 1, 1)

COMORBIDITY_CODES = {"hypertension": "I10", "diabetes": "E11.9", "smoking": "F17.2", "thrombosis": "I80.2"}


def pmsi_code(tumour: Tumour) -> str:
    """The tumour's code as a PMSI stay carries it (French CIM-10 adds a 5th character in haematology)."""
    if tumour.icd10 in ("C90.0", "C92.0", "C91.1"):
        return tumour.icd10 + "0"
    return tumour.icd10


def new_tumour(p: Patient, site: str, icd10: str, dx: date, rank: int = 1, **fields: object) -> Tumour:
    t = Tumour(id=p.new_id("tumour"), rank=rank, site=site, icd10=icd10, diagnosis_date=dx)
    for key, value in fields.items():
        setattr(t, key, value)
    p.tumours.append(t)
    return t


def add_event(p: Patient, tumour: Tumour, kind: str, when: date, site: str | None = None) -> Event:
    ev = Event(p.new_id("event"), tumour.id, kind, when, site)
    p.events.append(ev)
    return ev


def add_biomarker(
    p: Patient,
    tumour: Tumour,
    marker: str,
    when: date,
    status: str | None = None,
    alteration: str | None = None,
    value: float | None = None,
    unit: str | None = None,
) -> Biomarker:
    bm = Biomarker(p.new_id("biomarker"), tumour.id, marker, when, status, alteration, value, unit)
    p.biomarkers.append(bm)
    return bm


def marker(p: Patient, marker_name: str, tumour: Tumour | None = None) -> Biomarker | None:
    """The first result of ``marker_name`` (for this tumour when given)."""
    for bm in p.biomarkers:
        if bm.marker == marker_name and (tumour is None or bm.tumour_id == tumour.id):
            return bm
    return None


def add_sample(
    p: Patient, tumour: Tumour | None, kind: str, when: date, conservation: str | None, available: bool = True
) -> None:
    p.samples.append(
        Sample(p.new_id("sample"), tumour.id if tumour else None, kind, when, conservation, available)
    )


def add_stay(p: Patient, admission: date, days: int, unit: str, diagnoses: list[tuple[str, str]]) -> None:
    das = [(COMORBIDITY_CODES[c], "DAS") for c in p.comorbidities if c in COMORBIDITY_CODES]
    seen: set[tuple[str, str]] = set()
    codes = [d for d in diagnoses + das if not (d in seen or seen.add(d))]
    p.stays.append(Stay(p.new_id("stay"), admission, add_days(admission, days), unit, codes))


def met_codes(p: Patient, tumour: Tumour, when: date) -> list[tuple[str, str]]:
    sites = {
        e.site for e in p.events if e.tumour_id == tumour.id and e.type == "metastasis" and e.date <= when
    }
    return [(METASTASIS_CODES[s][0], "DAS") for s in sorted(s for s in sites if s)]


def regimen(
    p: Patient,
    tumour: Tumour,
    items: list[str],
    start: date,
    months: float | None,
    *,
    kind: str = "systemic",
    label: str | None = None,
    line: int | None = None,
    setting: str = "metastatic",
    response: str | None = None,
    stop_reason: str | None = None,
    sessions: int = 1,
    **info: object,
) -> Regimen:
    """Record a treatment; ``months=None`` means open-ended (until cut by death or last news)."""
    for item in items:
        if item not in DRUGS and item not in PROCEDURES:
            raise KeyError(f"unknown drug or procedure {item!r}")
    end = None if months is None else add_months(start, months)
    reg = Regimen(
        p.new_id("regimen"),
        tumour.id,
        list(items),
        kind,
        label or _default_label(items),
        start,
        end,
        line,
        setting,
        response,
        stop_reason,
        dict(info),
    )
    p.regimens.append(reg)
    if kind == "systemic":
        dx = pmsi_code(tumour)
        for k in range(sessions):
            when = add_days(start, 21 * k)
            if end is None or when <= end:
                add_stay(
                    p, when, 0, "hôpital de jour", [("Z51.1", "DP"), (dx, "DR"), *met_codes(p, tumour, when)]
                )
    elif kind == "radiotherapy" and not any(i in DRUGS for i in items):
        add_stay(p, start, 0, "radiothérapie", [("Z51.0", "DP"), (pmsi_code(tumour), "DR")])
    return reg


def _default_label(items: list[str]) -> str:
    names = [DRUGS[i].fr if i in DRUGS else PROCEDURES[i] for i in items]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " et " + names[-1]


def surgery(
    p: Patient,
    rng: Rng,
    tumour: Tumour,
    procedure: str,
    when: date,
    *,
    specimen: bool = True,
    frozen_share: float = 0.35,
    unit: str = "chirurgie",
    **info: object,
) -> Regimen:
    """An operation with its stay, operative report, specimen report and biobank samples."""
    reg = regimen(
        p, tumour, [procedure], when, 0, kind="surgery", setting=str(info.pop("setting", "curative")), **info
    )
    add_stay(p, when, rng.randint(1, 9), unit, [(pmsi_code(tumour), "DP"), *met_codes(p, tumour, when)])
    p.encounter(when, "operative", "surgery", tumour, regimen_id=reg.id)
    if specimen:
        p.encounter(add_days(when, rng.randint(6, 15)), "pathology", "specimen", tumour, regimen_id=reg.id)
        add_sample(p, tumour, "tumour_tissue", when, "ffpe", available=rng.chance(0.8))
        if rng.chance(frozen_share):
            add_sample(p, tumour, "tumour_tissue", when, "frozen")
            add_sample(p, tumour, "normal_tissue", when, "frozen", available=rng.chance(0.7))
    return reg


def radiotherapy(
    p: Patient,
    rng: Rng,
    tumour: Tumour,
    when: date,
    weeks: float,
    *,
    procedure: str = "external_radiotherapy",
    setting: str = "adjuvant",
    dose: str = "50 Gy",
    with_doc: bool = False,
) -> Regimen:
    reg = regimen(
        p,
        tumour,
        [procedure],
        when,
        weeks / 4.35,
        kind="radiotherapy",
        setting=setting,
        stop_reason="completed",
        dose=dose,
    )
    if with_doc:
        p.encounter(
            add_days(when, -rng.randint(7, 20)), "consultation", "rt_consult", tumour, regimen_id=reg.id
        )
    return reg


def diagnosis_workup(
    p: Patient,
    rng: Rng,
    tumour: Tumour,
    *,
    biopsy: bool = True,
    molecular: bool = False,
    mdt: bool = True,
    announce: bool = True,
) -> None:
    """The encounters around a diagnosis: imaging, biopsy report, first RCP, announcement consultation."""
    dx = tumour.diagnosis_date
    p.encounter(add_days(dx, -rng.randint(7, 25)), "imaging", "dx_imaging", tumour)
    if biopsy:
        p.encounter(dx, "pathology", "biopsy", tumour, essential=True)
        if rng.chance(0.45):  # the biopsy block kept in the tumour bank
            add_sample(p, tumour, "tumour_tissue", dx, "ffpe")
        if rng.chance(0.12):
            add_sample(p, tumour, "tumour_tissue", dx, "frozen")
    if molecular:
        p.encounter(add_days(dx, rng.randint(10, 25)), "pathology", "molecular", tumour)
    if mdt:
        p.encounter(add_days(dx, rng.randint(5, 11)), "mdt", "mdt", tumour, context="initial")
    if announce:
        p.encounter(add_days(dx, rng.randint(12, 19)), "consultation", "announcement", tumour, essential=True)


def blood_samples(p: Patient, rng: Rng, tumour: Tumour, when: date, share: float = 0.35) -> None:
    if rng.chance(share):
        add_sample(p, tumour, "serum", when, "frozen")
        add_sample(p, tumour, "dna", when, "frozen", available=rng.chance(0.9))
        if rng.chance(0.5):
            add_sample(p, tumour, "plasma", when, "frozen")


def dx_date(rng: Rng, lo: date = DX_START, hi: date = DX_END) -> date:
    return rng.date_between(lo, hi)


def other_cause_death(rng: Rng, p: Patient, start: date) -> date | None:
    """Death from something else than the cancer, from an age-dependent yearly hazard."""
    when = start
    for _ in range(40):
        age = age_on(p.birth_date, when)
        hazard = min(0.5, 0.0015 * math.exp(0.085 * (age - 50)))
        if rng.chance(hazard):
            return add_days(when, rng.randint(0, 364))
        when = add_days(when, 365)
        if when > FAR_FUTURE:
            return None
    return None


def follow_ups(
    p: Patient,
    rng: Rng,
    tumour: Tumour,
    start: date,
    stop: date,
    *,
    every_months: float = 8,
    imaging_share: float = 0.4,
    max_visits: int = 3,
) -> None:
    """Surveillance visits while the disease is in remission, between ``start`` and ``stop``."""
    stop = min(stop, REFERENCE_DATE)
    visits = []
    when = add_months(start, every_months * rng.between(0.6, 1.2))
    while when < stop:
        visits.append(when)
        when = add_months(when, every_months * rng.between(0.7, 1.5))
    if len(visits) > max_visits:  # keep the first ones and the most recent ones
        keep = max_visits // 2
        visits = visits[:keep] + visits[-(max_visits - keep) :]
    for when in visits:
        if rng.chance(imaging_share):
            p.encounter(add_days(when, -rng.randint(5, 15)), "imaging", "surveillance", tumour)
        p.encounter(when, "consultation" if rng.chance(0.75) else "letter", "followup", tumour)


@dataclass
class Line:
    """One systemic line of the metastatic (or relapsed) phase."""

    items: list[str]
    label: str
    pfs: float  # median months to progression
    max_months: float | None = None  # fixed-duration treatment (e.g. 6 cycles), then treatment break
    exceptional_share: float = 0.0  # chance this line gives a years-long response (targeted drugs)
    chemo: list[str] = field(default_factory=list)  # given with ``items`` but stopped after chemo_months
    chemo_months: float = 4.5
    info: dict[str, object] = field(default_factory=dict)


def response_for(rng: Rng, months: float, exceptional: bool) -> str:
    if exceptional:
        return rng.pick(["complete", "complete", "very_good"])
    if months >= 14:
        return rng.weighted([("complete", 0.25), ("very_good", 0.35), ("partial", 0.4)])
    if months >= 5:
        return rng.weighted([("partial", 0.6), ("stable", 0.4)])
    return "progression"


def advanced_course(
    p: Patient,
    rng: Rng,
    tumour: Tumour,
    start: date,
    lines: list[Line],
    *,
    sites: list[str],
    first_line: int = 1,
    fitness_loss: float = 0.18,
    bsc_months: float = 3.0,
    event: str = "progression",
    imaging: bool | None = None,
    first_mdt: bool = True,
) -> date:
    """Successive lines until the patient can no longer be treated; returns the cancer death date.

    Each line lasts a Weibull time around its median; a targeted line may turn into an exceptional,
    years-long response (the exceptional responders of the use cases). At each progression a new
    metastatic site may appear; the chance to stop treatment grows with every line.
    """
    when = start
    line_no = first_line
    imaging = bool(sites) if imaging is None else imaging
    eval_doc, event_doc = ("imaging", "imaging") if imaging else ("consultation", "consultation")
    for k, spec in enumerate(lines):
        exceptional = rng.chance(spec.exceptional_share)
        pfs = rng.between(48, 160) if exceptional else max(1.2, rng.duration_months(spec.pfs))
        length = pfs if spec.max_months is None else min(pfs, spec.max_months)
        response = response_for(rng, pfs, exceptional)
        stop = "progression" if length >= pfs else "completed"
        if spec.chemo:
            short = min(length, spec.chemo_months)
            regimen(
                p,
                tumour,
                spec.chemo,
                when,
                short,
                line=line_no,
                response=response,
                sessions=2,
                stop_reason=stop if short >= pfs else "completed",
                label=spec.label,
                part="chemo",
            )
        reg = regimen(
            p,
            tumour,
            spec.items,
            when,
            length,
            line=line_no,
            response=response,
            stop_reason=stop,
            sessions=0 if spec.chemo else 2,
            exceptional=exceptional,
            label=spec.label,
            **spec.info,
        )
        if exceptional:
            p.flags["exceptional_responder"] = True
        if (k == 0 and first_mdt) or (k > 0 and rng.chance(0.7)):
            p.encounter(
                add_days(when, -rng.randint(5, 14)), "mdt", "mdt", tumour, context="line", regimen_id=reg.id
            )
        p.encounter(when, "consultation", "treatment_start", tumour, regimen_id=reg.id)
        evaluation = add_months(when, rng.between(2.5, 3.5))
        if evaluation < add_months(when, pfs):
            p.encounter(evaluation, eval_doc, "evaluation", tumour, regimen_id=reg.id)
        if pfs > 14:
            for m in (12, 30, 60, 96):
                if m < length - 1:
                    visit = add_months(when, m + rng.between(-1, 1))
                    p.encounter(visit, "consultation", "on_treatment", tumour, regimen_id=reg.id)
                elif m < pfs - 2:
                    p.encounter(add_months(when, m), "consultation", "followup", tumour)
        when = add_months(when, pfs)
        add_event(p, tumour, event, when)
        p.encounter(
            add_days(when, -rng.randint(3, 12)),
            event_doc,
            "event_imaging" if imaging else "event_consult",
            tumour,
            event=event,
        )
        if sites and rng.chance(0.35):
            site = rng.pick(sites)
            add_event(p, tumour, "metastasis", when, site)
        if rng.chance(fitness_loss * (1 + 0.5 * k)):
            break
        when = add_days(when, rng.randint(14, 40))
        line_no += 1
    death = add_months(when, max(0.3, rng.duration_months(bsc_months, 1.0)))
    p.encounter(add_days(death, rng.randint(3, 20)), "letter", "death", tumour)
    add_stay(
        p,
        add_days(death, -rng.randint(3, 15)),
        rng.randint(3, 15),
        "soins palliatifs",
        [("Z51.5", "DP"), (pmsi_code(tumour), "DR"), *met_codes(p, tumour, death)],
    )
    return death


def metastases_at(
    p: Patient, rng: Rng, tumour: Tumour, when: date, sites: list[tuple[str, float]], count: int | None = None
) -> list[str]:
    """Record one to three metastatic sites discovered on ``when``."""
    n = count or rng.weighted([(1, 0.55), (2, 0.3), (3, 0.15)])
    chosen: list[str] = []
    for _ in range(n * 3):
        s = rng.weighted(sites)
        if s not in chosen:
            chosen.append(s)
        if len(chosen) == n:
            break
    for s in chosen:
        add_event(p, tumour, "metastasis", when, s)
    return chosen
