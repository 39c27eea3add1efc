"""The medical classifications the store's codes come from, as data files: named histology groups
over ICD-O-3 morphology (``histology_groups.yaml``). Every layer reads them from here (the compiler
turns a group into morphology ranges, the parser knows the names, similar-patient search maps a
morphology code back to its group), so a group is defined once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent


@cache
def _data() -> dict:
    return yaml.safe_load((HERE / "histology_groups.yaml").read_text(encoding="utf-8")) or {}


@cache
def histology_groups() -> dict[str, tuple[str, ...]]:
    """Histology group → ICD-O-3 morphology codes or prefixes (``"814"``, ``"8140/3"``)."""
    return {str(k): tuple(str(v) for v in vals) for k, vals in (_data().get("groups") or {}).items()}


@cache
def group_of_morphology() -> tuple[tuple[str, str], ...]:
    """(ICD-O-3 prefix without behaviour, group), most specific first: umbrella groups (holding other
    groups' codes: NSCLC, lymphoma) last, so that '8140/3' reads as adenocarcinoma; then longest prefix."""
    umbrella = set(_data().get("umbrella") or ())
    pairs = [(code.split("/")[0], group) for group, codes in histology_groups().items() for code in codes]
    return tuple(sorted(pairs, key=lambda p: (p[1] in umbrella, -len(p[0]))))


def morphology_group(code: str | None) -> str | None:
    """The histology group of an ICD-O-3 morphology code (``8140/3`` → ``adenocarcinoma``), or None."""
    if not code:
        return None
    code = code.split("/")[0]
    return next((group for prefix, group in group_of_morphology() if code.startswith(prefix)), None)
