"""FHIR DocumentReference and DiagnosticReport (text, or PDF / images for OCR) → documents; Specimen →
biobank samples."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

from retrieval.ingest import codes as C
from retrieval.ingest.assemble import (
    DocumentFact,
    Fact,
    Where,
)
from retrieval.ingest.checks import SCAN_SUFFIXES
from retrieval.ingest.fhir_context import (
    SCAN_TYPES,
    Context,
    as_date,
    concept,
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
    when = as_date(r.date, getattr(r.context, "period", None) if r.context else None)
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
    when = as_date(r.effectiveDateTime, r.effectivePeriod, r.issued)
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
    when = as_date(
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
