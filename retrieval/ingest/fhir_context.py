"""What the FHIR readers share: the import context (references, medications, binaries met so far)
and small helpers from ``fhir.resources`` models to ``codes.Concept``, dates and extensions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from retrieval.ingest import codes as C
from retrieval.ingest.assemble import (
    Assembly,
    Where,
)

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


def as_date(*values: Any) -> date | None:
    for v in values:
        if v is None:
            continue
        d = C.parse_date(v if not hasattr(v, "start") else v.start)
        if d:
            return d
    return None


def extensions(resource: Any, *parts: str) -> list[Any]:
    return [e for e in (getattr(resource, "extension", None) or []) if any(p in (e.url or "") for p in parts)]


def line_of_therapy(resource: Any) -> int | None:
    for e in extensions(
        resource, "line-of-therapy", "lineOfTherapy", "line-number", "treatment-line", "therapy-line"
    ):
        for attr in ("valueInteger", "valuePositiveInt", "valueUnsignedInt"):
            if getattr(e, attr, None) is not None:
                return int(getattr(e, attr))
    return None
