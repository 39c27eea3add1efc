"""One patient's whole story: pathway, second cancer, death or last news, identity, documents to write.

The clinical stream decides the facts; the story is then cut at death or last news (treatments
still running at the cut become "ongoing", with no end date), and the encounters that survive the
cut become the documents. Identity comes last, from Faker seeded per patient.
"""

from __future__ import annotations

from datetime import date

from faker import Faker

from retrieval.records import CentreRecord
from synthetic.identities import centre_weights, make_identity, make_relatives
from synthetic.model import Encounter, FamilyHistory, Patient
from synthetic.pathways import choose, choose_prior, choose_second
from synthetic.pathways.common import REFERENCE_DATE, add_event, other_cause_death
from synthetic.pathways.solid import stop_ongoing
from synthetic.rng import Rng, add_days, add_months, age_on, birth_date_for_age, stream

OPPOSITION_SHARE = 0.03
PRIOR_SHARE = 0.08  # patients with an earlier, cured cancer (their current one is a second primary)
LOST_SHARE = 0.08
MAX_DOCS = 28
# Chance to keep an encounter that is not essential: documents a centre actually holds (the first
# imaging is often done elsewhere, not every visit is typed).
KEEP = {
    "dx_imaging": 0.5,
    "mdt": 0.45,
    "surveillance": 0.4,
    "followup": 0.45,
    "on_treatment": 0.75,
    "evaluation": 0.55,
    "event_imaging": 0.75,
    "treatment_start": 0.6,
    "specimen": 0.85,
    "surgery": 0.8,
    "molecular": 0.8,
    "rt_consult": 0.6,
    "event_consult": 0.75,
}

FAMILY_CANCERS_F = [
    ("breast_cancer", 0.35),
    ("ovarian_cancer", 0.08),
    ("colorectal_cancer", 0.15),
    ("lung_cancer", 0.12),
    ("melanoma", 0.05),
    ("lymphoma", 0.05),
    ("myeloma", 0.02),
]
FAMILY_CANCERS_M = [
    ("lung_cancer", 0.3),
    ("prostate_cancer", 0.25),
    ("colorectal_cancer", 0.2),
    ("kidney_cancer", 0.05),
    ("melanoma", 0.05),
    ("lymphoma", 0.05),
    ("myeloma", 0.03),
]
RELATIVES_F = ["mère", "sœur", "tante", "grand-mère", "cousine"]
RELATIVES_M = ["père", "frère", "oncle", "grand-père", "cousin"]


def build_patient(seed: int, pid: int, centres: list[CentreRecord], faker: Faker) -> Patient:
    rng = stream(seed, "patient", pid, "clinical")
    disease = choose(rng)
    sex = disease.sex(rng)
    dx = disease.diagnosis_date(rng)
    birth = birth_date_for_age(rng, disease.age(rng), dx)
    centre = rng.weighted(centre_weights(centres))
    p = Patient(id=pid, centre_id=centre, sex=sex, birth_date=birth, pathway=disease.pathway)
    lifestyle(p, rng)
    if rng.chance(PRIOR_SHARE):
        add_prior(p, rng, dx)
    tumour = disease.tumour(p, rng, dx, len(p.tumours) + 1)
    if tumour.rank > 1:
        add_event(p, tumour, "second_primary", dx)
    death = disease.run(p, rng, tumour)
    if rng.chance(disease.second_primary_share) and not p.flags.get("myeloma_to_aml"):
        second = choose_second(rng, disease, sex)
        dx2 = add_months(dx, rng.between(8, 120))
        if second is not None and dx2 < min(death or REFERENCE_DATE, add_days(REFERENCE_DATE, -90)):
            t2 = second.tumour(p, rng, dx2, len(p.tumours) + 1)
            add_event(p, t2, "second_primary", dx2)
            death2 = second.run(p, rng, t2)
            death = min((d for d in (death, death2) if d), default=None)
    other = other_cause_death(rng, p, dx)
    if other and (death is None or other < death):
        death, p.death_cause = other, "other"
    finalize(p, rng, death)
    p.opposition = rng.chance(OPPOSITION_SHARE)
    faker.seed_instance(seed * 1_000_003 + pid)
    id_rng = stream(seed, "patient", pid, "identity")
    p.identity = make_identity(faker, id_rng, pid, seed, sex, birth)
    p.relatives = make_relatives(faker, id_rng, pid, sex, age_on(birth, dx), p.identity.last_name)
    p.gp = (faker.first_name(), faker.last_name())
    p.pathway = "+".join(dict.fromkeys(t.info.get("pathway", t.site) for t in p.tumours))
    if p.flags.get("myeloma_to_aml") and any(t.icd10.startswith("C92") for t in p.tumours):
        p.pathway = "myeloma_to_aml"
    return p


def add_prior(p: Patient, rng: Rng, dx: date) -> None:
    """An earlier cancer, treated and in remission years before the one followed now (rank 1)."""
    prior = choose_prior(rng, p.sex)
    dx0 = add_months(dx, -rng.between(30, 240))
    if dx0 < date(1990, 1, 1) or age_on(p.birth_date, dx0) < 20:
        return
    t0 = prior.tumour(p, rng, dx0, 1)
    if t0.metastatic_at_diagnosis or (t0.stage or "").startswith("IV"):
        t0.metastatic_at_diagnosis, t0.m, t0.stage = False, "M0", "III"
    prior.early(p, rng, t0)
    stop_ongoing(p, t0, dx)
    p.encounters = [e for e in p.encounters if e.tumour_id != t0.id]
    for flag in ("fertility", "fertility_method"):
        p.flags.pop(flag, None)


def lifestyle(p: Patient, rng: Rng) -> None:
    """Comorbidities, tobacco and family history: what the history paragraphs of reports are made of."""
    age = age_on(p.birth_date, date(2015, 1, 1))
    p.smoker = rng.weighted([(None, 0.6), ("former", 0.25), ("current", 0.15)])
    if rng.chance(0.35 if age >= 60 else 0.12):
        p.comorbidities.append("hypertension")
    if rng.chance(0.14 if age >= 60 else 0.05):
        p.comorbidities.append("diabetes")
    if rng.chance(0.04):
        p.comorbidities.append("thrombosis")
    for _ in range(rng.weighted([(0, 0.62), (1, 0.3), (2, 0.08)])):
        female = rng.chance(0.55)
        concept = rng.weighted(FAMILY_CANCERS_F if female else FAMILY_CANCERS_M)
        p.family_history.append(
            FamilyHistory(
                rng.pick(RELATIVES_F if female else RELATIVES_M),
                concept,
                rng.randint(38, 82),
                rng.chance(0.4),
            )
        )
    p.ecog = rng.weighted([(0, 0.5), (1, 0.35), (2, 0.15)])
    p.flags["weight"] = int(rng.clipped_normal(64 if p.sex == "F" else 76, 11, 42, 120))


def finalize(p: Patient, rng: Rng, death: date | None) -> None:
    """Cut the story at death, loss to follow-up or the corpus' reference date."""
    # the cancer the centre follows (an earlier, cured one has no documents here)
    first_dx = min((e.date for e in p.encounters), default=min(t.diagnosis_date for t in p.tumours))
    horizon = add_days(REFERENCE_DATE, -rng.randint(0, 100))
    lost = add_months(first_dx, rng.between(6, 120)) if rng.chance(LOST_SHARE) else None
    end = min(d for d in (death, lost, horizon) if d is not None)
    end = max(end, add_days(first_dx, 45))
    dead = death is not None and death <= end
    p.death_date = death if dead else None
    p.last_news = p.death_date or end
    cut(p, p.last_news, dead)
    if p.flags.get("brca") and not any(
        f.concept in ("breast_cancer", "ovarian_cancer") for f in p.family_history
    ):
        p.family_history.append(
            FamilyHistory(
                rng.pick(["mère", "sœur", "tante"]), "breast_cancer", rng.randint(35, 60), rng.chance(0.3)
            )
        )
    thin(p, rng)
    if not dead and p.encounters and max(e.date for e in p.encounters) < add_days(p.last_news, -45):
        active = max(p.tumours, key=lambda t: t.diagnosis_date)
        p.encounters.append(Encounter(p.last_news, "consultation", "followup", active.id, {"last": True}))
    if dead and rng.chance(0.55):
        tumour = p.tumours[-1] if p.death_cause != "other" else None
        p.encounters.append(Encounter(p.death_date, "letter", "death", tumour.id if tumour else None, {}))
    p.encounters.sort(key=lambda e: (e.date, e.kind))


def cut(p: Patient, end: date, dead: bool) -> None:
    gone = {t.id for t in p.tumours if t.diagnosis_date > end}
    p.tumours = [t for t in p.tumours if t.id not in gone]
    p.events = [e for e in p.events if e.date <= end and e.tumour_id not in gone]
    p.biomarkers = [b for b in p.biomarkers if b.date <= end and b.tumour_id not in gone]
    p.samples = [s for s in p.samples if s.date <= end and s.tumour_id not in gone]
    p.encounters = [
        e for e in p.encounters if e.date <= end and e.tumour_id not in gone and e.kind != "death"
    ]
    p.regimens = [r for r in p.regimens if r.start <= end and r.tumour_id not in gone]
    for reg in p.regimens:
        if reg.end is None or reg.end > end:
            reg.end = end if dead else None
            reg.stop_reason = "death" if dead else None
    p.stays = [s for s in p.stays if s.admission <= end]
    for stay in p.stays:
        if stay.discharge is not None and stay.discharge > end:
            stay.discharge = end if dead else None


def thin(p: Patient, rng: Rng) -> None:
    """Keep the documents a centre would hold: drop some routine ones, cap very long files."""
    kept = [e for e in p.encounters if e.essential or rng.chance(KEEP.get(e.kind, 1.0))]
    if len(kept) > MAX_DOCS:
        essential = [e for e in kept if e.essential]
        other = [e for e in kept if not e.essential]
        other = sorted(rng.sample(other, max(0, MAX_DOCS - len(essential))), key=lambda e: e.date)
        kept = essential + other
    p.encounters = kept
