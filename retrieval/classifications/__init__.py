"""The medical classifications the store's codes come from, as data files (their sources are in
``README.md`` here): ICD-O-3 morphology codes with French and English names (``icdo3_morphology.tsv``),
named histology groups over them (``histology_groups.yaml``), ICD-10 cancer codes with French and
English labels (``icd10_oncology.tsv``), oncology genes and their usual alterations (``genes.tsv``) and
exposures and habits (``exposures.yaml``). Every layer reads them from here (the compiler turns a group
into morphology ranges, the parser knows the names, similar-patient search maps a morphology code back
to its group, rendering names codes), so a code or a group is defined once.

>>> sorted(expand_histology(["885"]))[:2]
['8850/1', '8850/3']
>>> expand_histology(["8890/3"]) == expand_histology([], ["leiomyosarcoma"])
True
>>> morphology_group("8852/3")
'liposarcoma'
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Morphology:
    """One ICD-O-3 morphology code with its names and the smallest named group holding it."""

    code: str
    group: str
    en: str
    fr: str
    synonyms: tuple[str, ...]


def _tsv(name: str) -> list[list[str]]:
    lines = [
        ln for ln in (HERE / name).read_text(encoding="utf-8").splitlines() if ln.strip() and ln[0] != "#"
    ]
    return [row for row in csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)]


@cache
def _data() -> dict:
    return yaml.safe_load((HERE / "histology_groups.yaml").read_text(encoding="utf-8")) or {}


def _codes_of(spec: Any) -> tuple[str, ...]:
    codes = spec.get("codes", ()) if isinstance(spec, dict) else spec
    return tuple(str(v) for v in codes)


@cache
def histology_groups() -> dict[str, tuple[str, ...]]:
    """Histology group → ICD-O-3 morphology codes or prefixes (``"814"``, ``"8140/3"``)."""
    return {str(k): _codes_of(spec) for k, spec in (_data().get("groups") or {}).items()}


@cache
def group_info(group: str) -> dict[str, Any]:
    """A group's French and English names, parent family, NOS code and words (empty when unknown)."""
    spec = (_data().get("groups") or {}).get(group)
    return dict(spec) if isinstance(spec, dict) else {}


@cache
def morphologies() -> tuple[Morphology, ...]:
    """Every ICD-O-3 morphology code of the table, in the table's order."""
    out = []
    for row in _tsv("icdo3_morphology.tsv"):
        code, group, en, fr, syn = (row + [""] * 5)[:5]
        out.append(Morphology(code, group, en, fr, tuple(s for s in syn.split("|") if s)))
    return tuple(out)


@cache
def morphology_by_code() -> dict[str, Morphology]:
    return {m.code: m for m in morphologies()}


def _covered(value: str) -> frozenset[str]:
    """Catalogue codes covered by one code (with behaviour: itself) or prefix (without behaviour)."""
    if "/" in value:
        return frozenset([value])
    return frozenset(m.code for m in morphologies() if m.code.startswith(value))


@cache
def _nos_groups() -> dict[str, str]:
    return {str(spec["nos"]): name for name, spec in (_data().get("groups") or {}).items() if "nos" in spec}


@cache
def group_codes(group: str) -> frozenset[str]:
    """The catalogue codes a named group covers."""
    out: set[str] = set()
    for value in histology_groups().get(group, ()):
        out |= _covered(value) or {value}
    return frozenset(out)


def expand_histology(
    codes: list[str] | tuple[str, ...], groups: list[str] | tuple[str, ...] = ()
) -> frozenset[str]:
    """What a histology criterion means, as the set of catalogue codes it covers.

    A prefix covers the codes it starts; a named group its ranges; the NOS code of an entity that has a
    group (``8890/3`` leiomyosarcoma NOS) stands for the whole entity, as a clinician asking for
    "leiomyosarcoma" means every leiomyosarcoma. A code missing from the catalogue stands for itself."""
    out: set[str] = set()
    nos = _nos_groups()
    for code in codes:
        if code in nos:
            out |= group_codes(nos[code])
        else:
            out |= _covered(code) or {code}
    for group in groups:
        out |= group_codes(group) or {group}
    return frozenset(out)


@cache
def group_of_morphology() -> tuple[tuple[str, str], ...]:
    """(ICD-O-3 prefix without behaviour, group), most specific first: umbrella groups (holding other
    groups' codes: NSCLC, lymphoma, sarcoma) last, so that '8140/3' reads as adenocarcinoma; then longest
    prefix."""
    umbrella = set(_data().get("umbrella") or ())
    pairs = [(code.split("/")[0], group) for group, codes in histology_groups().items() for code in codes]
    return tuple(sorted(pairs, key=lambda p: (p[1] in umbrella, -len(p[0]))))


def morphology_group(code: str | None) -> str | None:
    """The histology group of an ICD-O-3 morphology code (``8140/3`` → ``adenocarcinoma``), or None."""
    if not code:
        return None
    known = morphology_by_code().get(code)
    if known is not None and known.group:
        return known.group
    code = code.split("/")[0]
    return next((group for prefix, group in group_of_morphology() if code.startswith(prefix)), None)


def morphology_label(code: str, lang: str = "fr") -> str | None:
    """Name of an ICD-O-3 morphology code (``8852/3`` → ``liposarcome myxoïde``), or None."""
    m = morphology_by_code().get(code)
    if m is None and "/" not in code:
        m = morphology_by_code().get(f"{code}/3")
    if m is None:
        return None
    return m.fr if lang == "fr" else m.en


@cache
def icd10_table() -> dict[str, tuple[str, str]]:
    """ICD-10 code (C00-D09, with its 4th character) → (French label, English label)."""
    return {row[0]: (row[1], row[2]) for row in _tsv("icd10_oncology.tsv") if len(row) >= 3}


@cache
def genes() -> dict[str, dict[str, Any]]:
    """Gene symbol → {"alterations": usual ones, "aliases": other names, "kind": gene, fusion, marker...}."""
    out: dict[str, dict[str, Any]] = {}
    for row in _tsv("genes.tsv"):
        symbol, kind, alterations, aliases = (row + [""] * 4)[:4]
        out[symbol] = {
            "kind": kind or "gene",
            "alterations": tuple(a for a in alterations.split("|") if a),
            "aliases": tuple(a for a in aliases.split("|") if a),
        }
    return out


@cache
def _exposure_data() -> dict[str, Any]:
    return yaml.safe_load((HERE / "exposures.yaml").read_text(encoding="utf-8")) or {}


def exposures() -> list[dict[str, Any]]:
    """Exposures and habits: canonical French term (the text criterion) and the words that name them."""
    return list(_exposure_data()["exposures"])


@cache
def family_cancer_terms() -> dict[str, str]:
    """ICD-10 category → the French name of that cancer, for a relative's cancer searched in reports."""
    return {str(k): str(v) for k, v in (_exposure_data().get("family_cancer_terms") or {}).items()}


def implied_site(codes: list[str] | tuple[str, ...], groups: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The ICD-10 site a histology always arises in (hepatocellular carcinoma → C22), or [] when the
    histology occurs in several organs."""
    meaning = expand_histology(codes, groups)
    if not meaning:
        return []
    for name, spec in (_data().get("groups") or {}).items():
        if isinstance(spec, dict) and spec.get("site") and meaning <= group_codes(name):
            return [str(s) for s in spec["site"]]
    return []


def histology_name(codes: list[str] | tuple[str, ...], groups: list[str] | tuple[str, ...] = ()) -> str:
    """A short readable key for a histology meaning: the group it equals, else its codes."""
    meaning = expand_histology(codes, groups)
    for name in histology_groups():
        if group_codes(name) == meaning:
            return name
    return "+".join(sorted(meaning))
