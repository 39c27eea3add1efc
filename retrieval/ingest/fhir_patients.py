"""FHIR Patient, Practitioner, Consent and Condition (primary and secondary cancers, mCODE) → facts."""

from __future__ import annotations

import re
from typing import Any

from retrieval.ingest import codes as C
from retrieval.ingest.assemble import (
    Fact,
    PatientFacts,
    TumourFact,
    Where,
)
from retrieval.ingest.fhir_context import (
    Context,
    as_date,
    concept,
    extensions,
)


# -- patients -----------------------------------------------------------------------------------------
def read_patient(ctx: Context, r: Any, key: str, where: Where) -> None:
    sex = {"female": "F", "male": "M"}.get(r.gender or "")
    if sex is None:
        raise ValueError(f"gender {r.gender!r}: the store records female or male only")
    if r.birthDate is None:
        raise ValueError("no birthDate: ages cannot be computed without it")
    ident: dict[str, Any] = {}
    for i in r.identifier or []:
        system = (i.system or "").lower()
        types = " ".join(f"{c.code} {c.display or ''}" for c in (getattr(i.type, "coding", None) or []))
        if not i.value:
            continue
        if "1.2.250.1.213.1.4.8" in system or "nir" in system or re.search(r"\b(NH|NI|INS)\b", types):
            ident.setdefault("nir", i.value)
        elif "ipp" in system or re.search(r"\bMR\b", types) or "ipp" in types.lower():
            ident.setdefault("ipp", i.value)
    if "ipp" not in ident and r.identifier and r.identifier[0].value:
        ident["ipp"] = r.identifier[0].value
    names = r.name or []
    official = next((n for n in names if n.use in ("official", "usual")), names[0] if names else None)
    if official is not None:
        ident["last_name"] = official.family or ""
        ident["first_name"] = " ".join(official.given or [])
    maiden = next((n for n in names if n.use == "maiden"), None)
    if maiden is not None:
        ident["birth_name"] = maiden.family
    if r.address:
        a = r.address[0]
        ident["address"] = ", ".join(a.line or [])
        ident["postcode"], ident["city"] = a.postalCode or "", a.city or ""
    for t in r.telecom or []:
        if t.system == "phone" and t.value:
            ident.setdefault("phone", t.value)
        elif t.system == "email" and t.value:
            ident.setdefault("email", t.value)
    relatives = []
    for k, c in enumerate(r.contact or [], start=1):
        relation = concept(c.relationship).words() or "proche"
        phone = next((t.value for t in (c.telecom or []) if t.system == "phone"), None)
        relatives.append(
            (
                f"{key}#contact{k}",
                {
                    "relation": relation.split(" | ")[0],
                    "first_name": " ".join(c.name.given or []) if c.name else None,
                    "last_name": c.name.family if c.name else None,
                    "phone": phone,
                },
            )
        )
    death = as_date(r.deceasedDateTime)
    if r.deceasedBoolean and death is None:
        ctx.assembly.note(where, "deceased without a date: the death is not recorded (give deceasedDateTime)")
    ctx.assembly.add_patient(
        PatientFacts(key, where, sex, as_date(r.birthDate), death, identity=ident, relatives=relatives)
    )


def read_practitioner(ctx: Context, r: Any, key: str, where: Where) -> None:
    name = (r.name or [None])[0]
    if name is None or not name.family:
        ctx.assembly.note(where, "practitioner without a family name: not kept")
        return
    prefix = " ".join(name.prefix or []) or "Dr"
    ctx.assembly.physicians[key] = {
        "title": prefix.rstrip("."),
        "first_name": " ".join(name.given or []) or "-",
        "last_name": name.family,
        "specialty": concept([q.code for q in (r.qualification or [])]).words()[:80] or "",
    }


def read_consent(ctx: Context, r: Any, key: str, where: Where) -> None:
    parts = [concept(x) for x in [r.scope, *(r.category or [])]]
    words = " ".join([*(p.words() for p in parts), *(c.code.lower() for p in parts for c in p.codes)])
    if not re.search(r"research|recherche|rsch", words):
        ctx.assembly.note(where, "consent not about research use: not read")
        return
    if r.provision is not None and r.provision.type == "deny" and r.status == "active":
        ctx.opposed.add(ctx.patient(r, where, "patient"))


# -- conditions ---------------------------------------------------------------------------------------
def read_condition(ctx: Context, r: Any, key: str, where: Where) -> None:
    asm = ctx.assembly
    status = concept(r.verificationStatus).of("other") + [c.code for c in concept(r.verificationStatus).codes]
    if any(s in ("entered-in-error", "refuted") for s in status):
        asm.note(where, f"{key}: verification status {status[0]}: not read")
        return
    patient = ctx.patient(r, where)
    code = concept(r.code)
    sites = []
    for site in r.bodySite or []:
        c = concept(site)
        lat = [
            concept(e.valueCodeableConcept)
            for e in extensions(site, "laterality", "location-qualifier", "locationQualifier")
        ]
        sites.append(C.Concept(c.codes + tuple(x for lc in lat for x in lc.codes), c.text))
    hist = extensions(r, "histology-morphology-behavior", "histologyMorphologyBehavior")
    histology = concept(hist[0].valueCodeableConcept) if hist else None
    d = C.read_diagnosis(code, sites, histology)
    profiles = " ".join(getattr(r.meta, "profile", None) or []) if r.meta else ""
    if "secondary-cancer-condition" in profiles and d.kind in (None, "primary", "unspecific"):
        d.kind, d.site = "secondary", d.site or C.metastasis_site(d.icd10) or "other"
    when = as_date(r.onsetDateTime, r.onsetPeriod, r.recordedDate)
    if d.kind is None:
        asm.note(where, f"condition not a cancer ({code.label()}): not stored")
        return
    if d.kind == "unspecific":
        asm.note(where, f"cancer of unknown site ({code.label()}): not stored (give ICD-10 or a body site)")
        return
    if when is None:
        raise ValueError("no onset or recorded date: a diagnosis needs its date")
    if d.kind == "secondary":
        related = extensions(r, "related-primary-cancer-condition", "relatedPrimaryCancerCondition")
        tumour = ctx.ref(related[0].valueReference) if related else None
        asm.add_fact(
            patient,
            Fact(
                "event",
                key,
                where,
                {"type": "metastasis", "site": d.site, "date": when},
                tumour_key=tumour,
                when=when,
            ),
        )
        return
    if not d.icd10:
        asm.note(where, f"cancer without an ICD-10 or ICD-O-3 site ({code.label()}): not stored")
        return
    t = TumourFact(key, where, d.icd10, when, d.topography, d.morphology, d.laterality, d.grade)
    if r.stage:
        for st in r.stage:
            t.stage = t.stage or stage_value(concept(st.summary))
    asm.add_tumour(patient, t)


def stage_value(c: C.Concept) -> str | None:
    for value in [*(x.display for x in c.codes), c.text, *(x.code for x in c.codes)]:
        s = C.stage(value)
        if s:
            return s
    return None
