"""Code tables for importing a centre's records (FHIR, OMOP): SNOMED CT cancers, body sites and
morphologies, LOINC tumour markers / TNM / document types, the drugs of the terminology with their
ATC, RxNorm and OMOP ids, OMOP standard concepts (sex, main cancers), and the words that name the
same things in displays and source values.

Data files beside this module (``SOURCES.md`` says where each code was checked); this module only
reads them, once. Kept apart from ``__init__.py`` (histology groups, owned with the ICD tables) so
the two sets of tables evolve separately.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent


def fold(text: str | None) -> str:
    """Lower case without accents or repeated spaces: how displays and source values are compared."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("œ", "oe").replace("æ", "ae").split())


def _rows(name: str) -> list[list[str]]:
    """A TSV table without its comment lines; short rows are padded with empty cells."""
    out = []
    with (HERE / name).open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if not row or row[0].startswith("#"):
                continue
            out.append([c.strip() for c in row])
    width = max((len(r) for r in out), default=0)
    return [r + [""] * (width - len(r)) for r in out]


@dataclass(frozen=True)
class CancerCode:
    kind: str  # primary | secondary | unspecific
    icd10: str
    topography: str
    morphology: str
    site: str
    laterality: str
    display: str


@dataclass(frozen=True)
class SiteCode:
    topography: str
    site: str
    laterality: str
    display: str


@dataclass(frozen=True)
class DrugCode:
    inn: str
    atc: str
    cls: str
    rxnorm: str
    omop: str
    aliases: tuple[str, ...]


@cache
def snomed_cancers() -> dict[str, CancerCode]:
    return {r[0]: CancerCode(r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in _rows("snomed_cancers.tsv")}


@cache
def snomed_sites() -> dict[str, SiteCode]:
    return {r[0]: SiteCode(r[1], r[2], r[3], r[4]) for r in _rows("snomed_sites.tsv")}


@cache
def snomed_morphologies() -> dict[str, tuple[str, int | None]]:
    """SNOMED morphology → (ICD-O-3 morphology, grade the concept states or None)."""
    return {r[0]: (r[1], int(r[2]) if r[2] else None) for r in _rows("snomed_morphologies.tsv")}


@cache
def snomed_values() -> dict[str, tuple[str, str]]:
    """SNOMED qualifier or finding → (kind, value), e.g. '7771000' → ('laterality', 'left')."""
    return {r[0]: (r[1], r[2]) for r in _rows("snomed_values.tsv")}


@cache
def loinc_codes() -> dict[str, tuple[str, str]]:
    """LOINC → (kind, value), e.g. '85337-4' → ('marker', 'ER'), '21905-5' → ('tnm_t', 'clinical')."""
    return {r[0]: (r[1], r[2]) for r in _rows("loinc_oncology.tsv")}


@cache
def omop_concepts() -> dict[str, tuple[str, str]]:
    """OMOP standard concept_id → (kind, value): sex and the main cancers."""
    return {r[0]: (r[1], r[2]) for r in _rows("omop_concepts.tsv")}


@cache
def drugs() -> tuple[DrugCode, ...]:
    return tuple(
        DrugCode(r[0], r[1], r[2], r[3], r[5], tuple(a for a in r[7].split("|") if a))
        for r in _rows("drug_codes.tsv")
    )


@cache
def drugs_by(key: str) -> dict[str, DrugCode]:
    """Index of the drug table by ``atc``, ``rxnorm``, ``omop`` or ``name`` (folded INN and aliases).
    The shortest name wins a shared key (paclitaxel before nab-paclitaxel for L01CD01)."""
    index: dict[str, DrugCode] = {}
    for d in sorted(drugs(), key=lambda d: (len(d.inn), d.inn)):
        keys = [d.inn, *d.aliases] if key == "name" else [getattr(d, key)]
        for k in keys:
            k = fold(k) if key == "name" else k.upper()
            if k:
                index.setdefault(k, d)
    return index


@cache
def words() -> dict:
    return yaml.safe_load((HERE / "oncology_words.yaml").read_text(encoding="utf-8")) or {}


@cache
def word_table(section: str) -> tuple[tuple[str, str], ...]:
    """(folded word, value) pairs of one section of ``oncology_words.yaml``, longest words first so a
    phrase wins over a word it contains ("non mute" before "mute")."""
    pairs = [(fold(w), str(value)) for value, ws in (words().get(section) or {}).items() for w in ws]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))
