"""FHIR MedicationRequest / Statement / Administration and Procedure → treatments (class, INN, ATC,
line of therapy, dates, the tumour they treat)."""

from __future__ import annotations

from typing import Any

from retrieval.ingest import codes as C
from retrieval.ingest.assemble import (
    Where,
    treatment_fact,
)
from retrieval.ingest.fhir_context import (
    Context,
    as_date,
    concept,
    line_of_therapy,
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
        start = as_date(r.effectiveDateTime, r.effectivePeriod)
        end = as_date(getattr(r.effectivePeriod, "end", None)) or start
        if start is None:
            raise ValueError("an administration without a date")
        course = ctx.administrations.setdefault(
            (patient, hit.inn, tumour),
            {"key": key, "where": where, "hit": hit, "start": start, "end": end, "line": line_of_therapy(r)},
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
        start = as_date(bounds, r.authoredOn)
        end = as_date(getattr(bounds, "end", None))
    else:
        start = as_date(r.effectiveDateTime, r.effectivePeriod, r.dateAsserted)
        end = as_date(getattr(r.effectivePeriod, "end", None))
    if start is None:
        raise ValueError("a treatment without a start date")
    if end is None and r.status in ("completed", "stopped"):
        end = start  # over, but its end is not said: closed at its start rather than read as ongoing
    ctx.prescribed.add((patient, hit.inn))
    asm.add_fact(
        patient,
        treatment_fact(
            key,
            where,
            cls=hit.cls,
            name=hit.inn,
            atc=hit.atc,
            line=line_of_therapy(r),
            start=start,
            end=end,
            tumour_key=tumour,
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
    start = as_date(r.performedDateTime, r.performedPeriod)
    if start is None:
        raise ValueError("a procedure without a performed date")
    end = as_date(getattr(r.performedPeriod, "end", None)) or (start if r.status == "completed" else None)
    tumour = next(
        (ctx.ref(x) for x in (r.reasonReference or []) if (ctx.ref(x) or "").startswith("Condition/")), None
    )
    asm.add_fact(
        patient,
        treatment_fact(
            key,
            where,
            cls=cls,
            name=name,
            atc=None,
            line=line_of_therapy(r),
            start=start,
            end=end,
            tumour_key=tumour,
        ),
    )
