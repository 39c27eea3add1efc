"""FHIR Observation → staging (TNM, stage, grade), vital status, disease-status events, tumour
markers and genomic variants (mCODE 69548-6 with gene studied and amino-acid change)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from retrieval.classifications import mappings as M
from retrieval.classifications.mappings import fold
from retrieval.ingest import codes as C
from retrieval.ingest.assemble import (
    Fact,
    TumourAttribute,
    Where,
    biomarker_fact,
)
from retrieval.ingest.fhir_context import (
    IHC_MARKERS,
    INTERPRETATION,
    LOINC_ANSWERS,
    Context,
    as_date,
    concept,
)
from retrieval.ingest.fhir_patients import stage_value


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
    when = as_date(r.effectiveDateTime, r.effectivePeriod, r.effectiveInstant, r.issued)
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
        value = stage_value(vc)
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
        biomarker_fact(
            key,
            where,
            marker=marker,
            status=status,
            alteration=alteration,
            value=value,
            unit=unit,
            when=when,
            tumour_key=focus,
        ),
    )
