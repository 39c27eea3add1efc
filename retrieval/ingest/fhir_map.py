"""FHIR R4 resources (parsed by ``fhir.resources``) → facts of an ``Assembly``: one reader per
resource type, in ``READERS``. mCODE profiles are read where they add meaning (histology extension,
secondary cancer's related primary, TNM and disease-status observations, genomic variants).

What a reader cannot map becomes a note (``Assembly.note``) naming the code, never a silent drop.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from retrieval.classifications import mappings as M
from retrieval.classifications.mappings import fold
from retrieval.ingest import codes as C
from retrieval.ingest.assemble import (
    Assembly,
    DocumentFact,
    Fact,
    PatientFacts,
    TumourAttribute,
    TumourFact,
    Where,
)
from retrieval.ingest.checks import SCAN_SUFFIXES

IHC_MARKERS = {"ER", "PR", "HER2", "PD-L1", "DEL17P", "T(4;14)", "KI67", "PSA", "MSI"}
INTERPRETATION = {
    "POS": "positive",
    "NEG": "negative",
    "H": "high",
    "HH": "high",
    "L": "low",
    "LL": "low",
    "IND": "equivocal",
    "DET": "mutated",
    "ND": "wild_type",
}
LOINC_ANSWERS = {
    "LA6576-8": "positive",
    "LA6577-6": "negative",
    "LA9633-4": "mutated",
    "LA9634-2": "wild_type",
}
SCAN_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tif"}


@dataclass
class Context:
    assembly: Assembly
    root: Path
    full_urls: dict[str, str] = field(default_factory=dict)
    medications: dict[str, C.Concept] = field(default_factory=dict)
    binaries: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    administrations: dict[tuple[str, str, str | None], dict[str, Any]] = field(default_factory=dict)
    prescribed: set[tuple[str, str]] = field(default_factory=set)
    opposed: set[str] = field(default_factory=set)

    def ref(self, reference: Any) -> str | None:
        """'Patient/123' from a Reference ('urn:uuid:…' through the bundle's fullUrls, absolute URLs
        and versions stripped); None when there is no reference."""
        value = getattr(reference, "reference", None) if reference is not None else None
        if not value:
            return None
        value = self.full_urls.get(value, value)
        value = re.sub(r"/_history/[^/]+$", "", value)
        m = re.search(r"([A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64})$", value)
        return m.group(1) if m else value

    def patient(self, resource: Any, where: Where, *fields: str) -> str:
        for name in fields or ("subject", "patient"):
            key = self.ref(getattr(resource, name, None))
            if key:
                if not key.startswith("Patient/"):
                    raise ValueError(f"its {name} is {key}, not a Patient")
                return key
        raise ValueError("no subject: the patient it belongs to is not said")


def concept(cc: Any) -> C.Concept:
    """A CodeableConcept (or a Coding, or a list of them) as a ``codes.Concept``."""
    if cc is None:
        return C.Concept()
    if isinstance(cc, list):
        parts = [concept(c) for c in cc]
        return C.Concept(
            tuple(x for p in parts for x in p.codes), " | ".join(p.text for p in parts if p.text)
        )
    codings = getattr(cc, "coding", None)
    if codings is None and getattr(cc, "code", None) is not None:  # a Coding
        codings = [cc]
    codes = tuple(
        C.Code(C.system_kind(c.system), str(c.code or ""), str(c.display or "")) for c in (codings or [])
    )
    return C.Concept(codes, str(getattr(cc, "text", None) or ""))


def _date(*values: Any) -> date | None:
    for v in values:
        if v is None:
            continue
        d = C.parse_date(v if not hasattr(v, "start") else v.start)
        if d:
            return d
    return None


def _ext(resource: Any, *parts: str) -> list[Any]:
    return [e for e in (getattr(resource, "extension", None) or []) if any(p in (e.url or "") for p in parts)]


def _line(resource: Any) -> int | None:
    for e in _ext(
        resource, "line-of-therapy", "lineOfTherapy", "line-number", "treatment-line", "therapy-line"
    ):
        for attr in ("valueInteger", "valuePositiveInt", "valueUnsignedInt"):
            if getattr(e, attr, None) is not None:
                return int(getattr(e, attr))
    return None


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
    death = _date(r.deceasedDateTime)
    if r.deceasedBoolean and death is None:
        ctx.assembly.note(where, "deceased without a date: the death is not recorded (give deceasedDateTime)")
    ctx.assembly.add_patient(
        PatientFacts(key, where, sex, _date(r.birthDate), death, identity=ident, relatives=relatives)
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
            for e in _ext(site, "laterality", "location-qualifier", "locationQualifier")
        ]
        sites.append(C.Concept(c.codes + tuple(x for lc in lat for x in lc.codes), c.text))
    hist = _ext(r, "histology-morphology-behavior", "histologyMorphologyBehavior")
    histology = concept(hist[0].valueCodeableConcept) if hist else None
    d = C.read_diagnosis(code, sites, histology)
    profiles = " ".join(getattr(r.meta, "profile", None) or []) if r.meta else ""
    if "secondary-cancer-condition" in profiles and d.kind in (None, "primary", "unspecific"):
        d.kind, d.site = "secondary", d.site or C.metastasis_site(d.icd10) or "other"
    when = _date(r.onsetDateTime, r.onsetPeriod, r.recordedDate)
    if d.kind is None:
        asm.note(where, f"condition not a cancer ({code.label()}): not stored")
        return
    if d.kind == "unspecific":
        asm.note(where, f"cancer of unknown site ({code.label()}): not stored (give ICD-10 or a body site)")
        return
    if when is None:
        raise ValueError("no onset or recorded date: a diagnosis needs its date")
    if d.kind == "secondary":
        related = _ext(r, "related-primary-cancer-condition", "relatedPrimaryCancerCondition")
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
            t.stage = t.stage or _stage_value(concept(st.summary))
    asm.add_tumour(patient, t)


def _stage_value(c: C.Concept) -> str | None:
    for value in [*(x.display for x in c.codes), c.text, *(x.code for x in c.codes)]:
        s = C.stage(value)
        if s:
            return s
    return None


# -- observations -------------------------------------------------------------------------------------
def _value_text(r: Any) -> tuple[C.Concept, str]:
    vc = concept(r.valueCodeableConcept)
    text = " | ".join(x for x in [vc.text, *(c.display for c in vc.codes), r.valueString or ""] if x)
    return vc, text


def read_observation(ctx: Context, r: Any, key: str, where: Where) -> None:
    asm = ctx.assembly
    if r.status in ("entered-in-error", "cancelled"):
        asm.note(where, f"{key}: status {r.status}: not read")
        return
    patient = ctx.patient(r, where)
    code = concept(r.code)
    when = _date(r.effectiveDateTime, r.effectivePeriod, r.effectiveInstant, r.issued)
    focus = next((ctx.ref(f) for f in (r.focus or []) if (ctx.ref(f) or "").startswith("Condition/")), None)
    kinds = [M.loinc_codes()[c] for c in code.of("loinc") if c in M.loinc_codes()]
    kind, sub = kinds[0] if kinds else (None, None)
    vc, vtext = _value_text(r)
    components = [(concept(c.code), c) for c in (r.component or [])]
    genomic = kind == "gene_variant" or any(
        M.loinc_codes().get(x, ("",))[0] == "gene_studied" for cc, _ in components for x in cc.of("loinc")
    )
    if kind in ("tnm_t", "tnm_n", "tnm_m"):
        axis = kind[-1].upper()
        value = next(
            (
                C.tnm(v, axis)
                for v in [*(c.code for c in vc.codes), *(c.display for c in vc.codes), vc.text]
                if C.tnm(v, axis)
            ),
            None,
        )
        if value is None:
            asm.note(where, f"TNM {axis} value not understood ({vtext or vc.label()})")
            return
        asm.add_attribute(patient, TumourAttribute(focus, where, when, {axis.lower(): value}))
    elif kind == "stage" or "stage" in code.words() and not kind:
        value = _stage_value(vc)
        if value is None:
            asm.note(where, f"stage value not understood ({vtext or vc.label()})")
            return
        asm.add_attribute(patient, TumourAttribute(focus, where, when, {"stage": value}))
    elif "grade" in code.words() or "371469007" in code.of("snomed"):
        value = next(
            (
                C.grade(v)
                for v in [vtext, *(c.code for c in vc.codes), str(r.valueInteger or "")]
                if C.grade(v)
            ),
            None,
        )
        if value is None:
            asm.note(where, f"grade value not understood ({vtext})")
            return
        asm.add_attribute(patient, TumourAttribute(focus, where, when, {"grade": value}))
    elif kind == "vital_status":
        status = C.vital(vc)
        if status is None:
            asm.note(where, f"vital status value not understood ({vtext})")
            return
        asm.add_vital(patient, when, status)
    elif kind == "disease_status" or "disease status" in code.words():
        event = C.event_type(vc)
        if event in (None, "none"):
            asm.note(where, f"disease status {vtext or vc.label()!r} is not an event of the store")
            return
        if when is None:
            raise ValueError("a disease status without an effective date")
        asm.add_fact(
            patient,
            Fact(
                "event", key, where, {"type": event, "site": None, "date": when}, tumour_key=focus, when=when
            ),
        )
    elif genomic or kind == "marker" or C.word_value("markers", code.words()):
        _biomarker(ctx, r, key, where, patient, code, kind, sub, vc, vtext, components, genomic, when, focus)
    else:
        asm.note(where, f"observation not read ({code.label()})")


def _biomarker(
    ctx: Context,
    r: Any,
    key: str,
    where: Where,
    patient: str,
    code: C.Concept,
    kind: str | None,
    sub: str | None,
    vc: C.Concept,
    vtext: str,
    components: list,
    genomic: bool,
    when: date | None,
    focus: str | None,
) -> None:
    marker = sub if kind == "marker" else None
    alteration = None
    texts = [vtext]
    for cc, comp in components:
        ckind = next((M.loinc_codes()[x][0] for x in cc.of("loinc") if x in M.loinc_codes()), None)
        cv = concept(comp.valueCodeableConcept)
        ctext = " | ".join(x for x in [cv.text, *(c.display for c in cv.codes), comp.valueString or ""] if x)
        if ckind == "gene_studied":
            gene = (
                next((c.display for c in cv.codes if c.display), None)
                or cv.text
                or next((c.code.removeprefix("HGNC:") for c in cv.codes), None)
            )
            marker = marker or C.marker_of(gene)
        elif ckind in ("amino_acid_change", "dna_change"):
            alteration = alteration or C.alteration_of(ctext) or ctext.split(" | ")[0] or None
        else:
            texts.append(ctext)
    if marker is None:
        marker = C.marker_of(code.text or next((c.display for c in code.codes if c.display), ""))
    if marker is None:
        ctx.assembly.note(where, f"tumour marker not recognised ({code.label()})")
        return
    status = None
    for c in vc.codes:
        status = (
            status
            or LOINC_ANSWERS.get(c.code)
            or (
                M.snomed_values().get(c.code, ("", ""))[1]
                if M.snomed_values().get(c.code, ("",))[0] == "result"
                else None
            )
        )
    for interp in r.interpretation or []:
        for c in concept(interp).codes:
            status = status or INTERPRETATION.get(c.code.upper())
    alteration = alteration or C.alteration_of(" | ".join(texts))
    status = status or C.status_of(vtext) or C.status_of(" | ".join(texts).replace(alteration or "\0", " "))
    if r.valueBoolean is not None and status is None:
        status = "positive" if r.valueBoolean else "negative"
    if alteration and status in (None, "positive"):
        low = fold(alteration + " " + " | ".join(texts))
        status = (
            "amplified"
            if "amplif" in low and marker != "HER2"
            else "rearranged"
            if re.search(r"fusion|rearrang|[a-z0-9]+-alk", low)
            else status or ("mutated" if genomic or marker not in IHC_MARKERS else "positive")
        )
    if marker in IHC_MARKERS:
        status = {"mutated": "positive", "wild_type": "negative"}.get(status or "", status)
    elif status == "positive" and genomic:
        status = "rearranged" if marker in ("ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3") else "mutated"
    value, unit = None, None
    if r.valueQuantity is not None and r.valueQuantity.value is not None:
        value, unit = float(r.valueQuantity.value), r.valueQuantity.unit or r.valueQuantity.code
    elif r.valueInteger is not None:
        value = float(r.valueInteger)
    if status is None and value is None:
        ctx.assembly.note(where, f"{marker}: result not understood ({vtext or 'no value'})")
        return
    ctx.assembly.add_fact(
        patient,
        Fact(
            "biomarker",
            key,
            where,
            {
                "marker": marker,
                "status": status,
                "alteration": alteration,
                "value": value,
                "unit": unit,
                "date": when,
            },
            tumour_key=focus,
            when=when,
        ),
    )


# -- treatments ---------------------------------------------------------------------------------------
def read_medication(ctx: Context, r: Any, key: str, where: Where) -> None:
    ctx.medications[key] = concept(r.code)


def read_binary(ctx: Context, r: Any, key: str, where: Where) -> None:
    ctx.binaries[key] = (r.contentType or "", r.data or b"")


def _drug(ctx: Context, r: Any, where: Where) -> C.DrugHit | None:
    med = concept(r.medicationCodeableConcept) if r.medicationCodeableConcept else None
    if med is None and r.medicationReference is not None:
        ref = ctx.ref(r.medicationReference) or ""
        if ref.startswith("#"):
            contained = next((c for c in (r.contained or []) if f"#{c.id}" == ref), None)
            med = concept(getattr(contained, "code", None)) if contained is not None else None
        else:
            med = ctx.medications.get(ref)
        if med is None:
            ctx.assembly.note(
                where, f"medication {ref or r.medicationReference.display} is not in the export"
            )
            return None
    hit = C.read_drug(med or C.Concept())
    if hit is None:
        ctx.assembly.note(where, f"drug not in the terminology ({(med or C.Concept()).label()})")
    elif hit.note:
        ctx.assembly.note(where, hit.note)
    return hit


def read_medication_use(ctx: Context, r: Any, key: str, where: Where) -> None:
    """MedicationRequest and MedicationStatement: one treatment each; MedicationAdministration: doses
    merged into one course per patient, drug and tumour (unless a request or statement covers it)."""
    asm = ctx.assembly
    if r.status in ("entered-in-error", "cancelled", "not-taken", "draft", "not-done"):
        asm.note(where, f"{key}: status {r.status}: not read")
        return
    patient = ctx.patient(r, where)
    hit = _drug(ctx, r, where)
    if hit is None:
        return
    tumour = next(
        (ctx.ref(x) for x in (r.reasonReference or []) if (ctx.ref(x) or "").startswith("Condition/")), None
    )
    kind = r.__class__.__name__
    if kind == "MedicationAdministration":
        start = _date(r.effectiveDateTime, r.effectivePeriod)
        end = _date(getattr(r.effectivePeriod, "end", None)) or start
        if start is None:
            raise ValueError("an administration without a date")
        course = ctx.administrations.setdefault(
            (patient, hit.inn, tumour),
            {"key": key, "where": where, "hit": hit, "start": start, "end": end, "line": _line(r)},
        )
        course["start"], course["end"] = min(course["start"], start), max(course["end"], end or start)
        return
    if kind == "MedicationRequest":
        bounds = next(
            (
                d.timing.repeat.boundsPeriod
                for d in (r.dosageInstruction or [])
                if d.timing and d.timing.repeat and d.timing.repeat.boundsPeriod
            ),
            None,
        )
        start = _date(bounds, r.authoredOn)
        end = _date(getattr(bounds, "end", None))
    else:
        start = _date(r.effectiveDateTime, r.effectivePeriod, r.dateAsserted)
        end = _date(getattr(r.effectivePeriod, "end", None))
    if start is None:
        raise ValueError("a treatment without a start date")
    if end is None and r.status in ("completed", "stopped"):
        end = start  # over, but its end is not said: closed at its start rather than read as ongoing
    ctx.prescribed.add((patient, hit.inn))
    asm.add_fact(
        patient,
        Fact(
            "treatment",
            key,
            where,
            {
                "cls": hit.cls,
                "name": hit.inn,
                "atc": hit.atc,
                "line": _line(r),
                "start_date": start,
                "end_date": end,
            },
            tumour_key=tumour,
            when=start,
        ),
    )


def read_procedure(ctx: Context, r: Any, key: str, where: Where) -> None:
    asm = ctx.assembly
    if r.status in ("entered-in-error", "not-done", "preparation"):
        asm.note(where, f"{key}: status {r.status}: not read")
        return
    patient = ctx.patient(r, where)
    found = C.read_procedure(concept(r.code), [concept(r.category)] if r.category else [])
    if found is None:
        asm.note(where, f"procedure not a cancer treatment we know ({concept(r.code).label()})")
        return
    cls, name = found
    start = _date(r.performedDateTime, r.performedPeriod)
    if start is None:
        raise ValueError("a procedure without a performed date")
    end = _date(getattr(r.performedPeriod, "end", None)) or (start if r.status == "completed" else None)
    tumour = next(
        (ctx.ref(x) for x in (r.reasonReference or []) if (ctx.ref(x) or "").startswith("Condition/")), None
    )
    asm.add_fact(
        patient,
        Fact(
            "treatment",
            key,
            where,
            {"cls": cls, "name": name, "atc": None, "line": _line(r), "start_date": start, "end_date": end},
            tumour_key=tumour,
            when=start,
        ),
    )


# -- documents ----------------------------------------------------------------------------------------
def _attachment(ctx: Context, a: Any, where: Where) -> tuple[str | None, tuple[bytes, str] | None]:
    """(text, None) or (None, (scan bytes, suffix)) of an attachment; (None, None) when unusable."""
    ctype = (a.contentType or "").split(";")[0].strip().lower()
    data: bytes | None = a.data
    if data is None and a.url:
        ref = ctx.ref(a) if a.url.startswith("Binary/") else None
        if a.url.startswith("Binary/") or (ref or "").startswith("Binary/"):
            found = ctx.binaries.get(a.url if a.url.startswith("Binary/") else ref or "")
            if found:
                ctype = ctype or found[0]
                data = found[1]
        elif "://" not in a.url:
            path = (ctx.root / a.url).resolve()
            if path.is_relative_to(ctx.root.resolve()) and path.is_file():
                data = path.read_bytes()
                ctype = ctype or {".pdf": "application/pdf", ".png": "image/png", ".txt": "text/plain"}.get(
                    path.suffix.lower(), ""
                )
    if data is None:
        ctx.assembly.note(where, f"attachment without data or a readable local url ({a.url or ctype})")
        return None, None
    if ctype in SCAN_TYPES or ctype.startswith("image/"):
        suffix = SCAN_TYPES.get(ctype, ".png")
        if suffix not in SCAN_SUFFIXES:
            return None, None
        return None, (data, suffix)
    charset = re.search(r"charset=([\w-]+)", a.contentType or "")
    try:
        text = data.decode(charset.group(1) if charset else "utf-8")
    except (UnicodeDecodeError, LookupError):
        text = data.decode("latin-1")
    if ctype in ("text/html", "application/xhtml+xml"):
        text = html.unescape(re.sub(r"<[^>]+>", "\n", text))
    elif ctype and not ctype.startswith("text/"):
        ctx.assembly.note(where, f"attachment type {ctype} cannot be read (text, PDF or images only)")
        return None, None
    return text.strip() or None, None


def _add_doc(
    ctx: Context,
    key: str,
    where: Where,
    patient: str,
    dtype: str | None,
    when: date | None,
    title: str | None,
    attachments: list[Any],
    author: str | None,
    extra_text: str | None = None,
) -> None:
    asm = ctx.assembly
    if when is None:
        raise ValueError("a document without a date")
    if dtype is None:
        dtype = "letter"
        asm.note(where, "document type not recognised: stored as a letter")
    text, scan = None, None
    for a in attachments:
        text, scan = _attachment(ctx, a, where)
        if text or scan:
            break
    if not text and not scan and extra_text:
        text = extra_text
    if not text and not scan:
        asm.note(where, f"{key}: no readable text or scan: not stored")
        return
    asm.add_document(DocumentFact(key, patient, where, dtype, when, title, text, scan, author))


def read_document_reference(ctx: Context, r: Any, key: str, where: Where) -> None:
    if r.status == "entered-in-error":
        ctx.assembly.note(where, f"{key}: entered in error: not read")
        return
    patient = ctx.patient(r, where)
    dtype = C.doc_type(
        concept([r.type, *(r.category or [])]) if r.type else concept(r.category or []), r.description or ""
    )
    when = _date(r.date, getattr(r.context, "period", None) if r.context else None)
    author = next(
        (ctx.ref(a) for a in (r.author or []) if (ctx.ref(a) or "").startswith("Practitioner/")), None
    )
    title = r.description or next((c.attachment.title for c in r.content if c.attachment.title), None)
    _add_doc(ctx, key, where, patient, dtype, when, title, [c.attachment for c in r.content], author)


def read_diagnostic_report(ctx: Context, r: Any, key: str, where: Where) -> None:
    if r.status in ("entered-in-error", "cancelled"):
        ctx.assembly.note(where, f"{key}: status {r.status}: not read")
        return
    patient = ctx.patient(r, where)
    cats = concept(r.category or [])
    dtype = C.doc_type(concept(r.code)) or _report_category(cats) or C.doc_type(cats)
    when = _date(r.effectiveDateTime, r.effectivePeriod, r.issued)
    author = next(
        (
            ctx.ref(a)
            for a in (r.resultsInterpreter or r.performer or [])
            if (ctx.ref(a) or "").startswith("Practitioner/")
        ),
        None,
    )
    if not r.presentedForm and not r.conclusion:
        ctx.assembly.note(
            where,
            f"{key}: a report without text (presentedForm or conclusion): its results are "
            "read from their own observations",
        )
        return
    _add_doc(
        ctx,
        key,
        where,
        patient,
        dtype,
        when,
        concept(r.code).text or None,
        r.presentedForm or [],
        author,
        r.conclusion,
    )


def _report_category(cats: C.Concept) -> str | None:
    codes = {c.code.upper() for c in cats.codes}
    if codes & {"SP", "PAT", "CP", "CG", "GE", "OSP"}:
        return "pathology"
    if codes & {"RAD", "IMG", "CT", "NMR", "RUS", "NMS", "VUS", "XRC"}:
        return "imaging"
    return None


# -- biobank ------------------------------------------------------------------------------------------
def read_specimen(ctx: Context, r: Any, key: str, where: Where) -> None:
    asm = ctx.assembly
    if r.status == "entered-in-error":
        asm.note(where, f"{key}: entered in error: not read")
        return
    patient = ctx.patient(r, where)
    notes = " ".join(n.text or "" for n in (r.note or []))
    processing = " ".join(
        " ".join([p.description or "", concept(p.procedure).words()]) for p in (r.processing or [])
    )
    containers = " ".join(concept(getattr(c, "type", None)).words() for c in (r.container or []))
    kind = C.specimen_type(concept(r.type), notes, processing)
    if kind is None:
        asm.note(where, f"specimen type not recognised ({concept(r.type).label()})")
        return
    cons = None
    for cond in r.condition or []:
        if any(c.code.upper() == "FROZ" for c in concept(cond).codes):
            cons = "frozen"
    cons = cons or C.conservation(processing, containers, notes, concept(r.condition or []).words())
    when = _date(
        getattr(r.collection, "collectedDateTime", None) if r.collection else None,
        getattr(r.collection, "collectedPeriod", None) if r.collection else None,
        r.receivedTime,
    )
    available = r.status in (None, "available")
    asm.add_fact(
        patient,
        Fact(
            "sample",
            key,
            where,
            {"type": kind, "conservation": cons, "date": when, "available": available},
            when=when,
        ),
    )


# -- end of the export ---------------------------------------------------------------------------------
def finish(ctx: Context) -> None:
    """Administrations become courses; consents set opposition."""
    for (patient, inn, tumour), c in sorted(ctx.administrations.items(), key=lambda kv: kv[1]["key"]):
        if (patient, inn) in ctx.prescribed:
            continue
        hit = c["hit"]
        ctx.assembly.add_fact(
            patient,
            Fact(
                "treatment",
                f"{c['key']}#course",
                c["where"],
                {
                    "cls": hit.cls,
                    "name": hit.inn,
                    "atc": hit.atc,
                    "line": c["line"],
                    "start_date": c["start"],
                    "end_date": c["end"],
                },
                tumour_key=tumour,
                when=c["start"],
            ),
        )
    for patient in ctx.opposed:
        if patient in ctx.assembly.patients:
            ctx.assembly.patients[patient].opposition = True


READERS: dict[str, Callable[[Context, Any, str, Where], None]] = {
    "Patient": read_patient,
    "Practitioner": read_practitioner,
    "Consent": read_consent,
    "Condition": read_condition,
    "Observation": read_observation,
    "Medication": read_medication,
    "Binary": read_binary,
    "MedicationRequest": read_medication_use,
    "MedicationStatement": read_medication_use,
    "MedicationAdministration": read_medication_use,
    "Procedure": read_procedure,
    "DocumentReference": read_document_reference,
    "DiagnosticReport": read_diagnostic_report,
    "Specimen": read_specimen,
}
