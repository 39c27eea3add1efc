"""The generator's working model of one patient, richer than the on-disk records.

Pathways fill these objects (a regimen knows its label, setting and response, which the report text
needs); ``timeline`` truncates them at death or last news; ``writer`` turns them into
``retrieval.records`` models. Ids are ``patient_id * 1000 + n`` per kind, so they never depend on
how many patients the corpus holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from retrieval.records import Identity, RelativeRecord
from synthetic.catalogue import DRUGS

ID_STRIDE = 1000


@dataclass
class Tumour:
    id: int
    rank: int
    site: str  # key of the site tables: 'breast', 'lung', 'myeloma'...
    icd10: str
    diagnosis_date: date
    topography: str | None = None
    morphology: str | None = None
    histology_group: str | None = None
    laterality: str | None = None
    grade: int | None = None
    t: str | None = None
    n: str | None = None
    m: str | None = None
    stage: str | None = None
    metastatic_at_diagnosis: bool = False
    info: dict[str, Any] = field(default_factory=dict)  # size, subtype, labels for the text


@dataclass
class Regimen:
    """One treatment as clinicians speak of it ("FOLFOX", "autogreffe"): one record per drug on disk."""

    id: int
    tumour_id: int
    items: list[str]  # drug names (catalogue.DRUGS) or procedure names (catalogue.PROCEDURES)
    kind: str  # 'systemic', 'surgery', 'radiotherapy'
    label: str
    start: date
    end: date | None
    line: int | None = None
    setting: str = "metastatic"  # neoadjuvant, adjuvant, curative, metastatic, induction, maintenance...
    response: str | None = None  # complete, very_good, partial, stable, progression
    stop_reason: str | None = None  # completed, progression, toxicity, death
    info: dict[str, Any] = field(default_factory=dict)

    def classes(self) -> list[str]:
        if self.kind == "surgery":
            return ["surgery"]
        if self.kind == "radiotherapy" and not any(i in DRUGS for i in self.items):
            return ["radiotherapy"]
        return [DRUGS[i].cls for i in self.items if i in DRUGS]


@dataclass
class Event:
    id: int
    tumour_id: int
    type: str
    date: date
    site: str | None = None


@dataclass
class Biomarker:
    id: int
    tumour_id: int
    marker: str
    date: date
    status: str | None = None
    alteration: str | None = None
    value: float | None = None
    unit: str | None = None


@dataclass
class Sample:
    id: int
    tumour_id: int | None
    type: str
    date: date
    conservation: str | None = None
    available: bool = True


@dataclass
class Stay:
    id: int
    admission: date
    discharge: date | None
    unit: str
    diagnoses: list[tuple[str, str]]


@dataclass
class Encounter:
    """Something that produces one document: its date, type, what happened, for which tumour."""

    date: date
    doc_type: str
    kind: str
    tumour_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    essential: bool = False  # carries text truth that must not be thinned away


@dataclass
class FamilyHistory:
    relation: str  # 'mère', 'père', 'sœur'...
    concept: str  # concepts.json key, e.g. 'breast_cancer'
    age: int | None = None
    deceased: bool = False


@dataclass
class Patient:
    id: int
    centre_id: str
    sex: str
    birth_date: date
    pathway: str
    identity: Identity | None = None
    relatives: list[RelativeRecord] = field(default_factory=list)
    gp: tuple[str, str] = ("", "")  # médecin traitant (first, last)
    tumours: list[Tumour] = field(default_factory=list)
    regimens: list[Regimen] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    biomarkers: list[Biomarker] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    stays: list[Stay] = field(default_factory=list)
    encounters: list[Encounter] = field(default_factory=list)
    family_history: list[FamilyHistory] = field(default_factory=list)
    comorbidities: list[str] = field(default_factory=list)  # concept keys: 'hypertension', 'diabetes'...
    smoker: str | None = None  # None, 'current', 'former'
    death_date: date | None = None
    death_cause: str | None = None
    last_news: date | None = None
    opposition: bool = False
    ecog: int = 0
    flags: dict[str, Any] = field(default_factory=dict)
    _counters: dict[str, int] = field(default_factory=dict)

    def new_id(self, kind: str) -> int:
        n = self._counters.get(kind, 0) + 1
        if n >= ID_STRIDE:
            raise OverflowError(f"patient {self.id}: more than {ID_STRIDE - 1} {kind}")
        self._counters[kind] = n
        return self.id * ID_STRIDE + n

    def tumour(self, tumour_id: int | None) -> Tumour | None:
        for t in self.tumours:
            if t.id == tumour_id:
                return t
        return None

    @property
    def first_tumour(self) -> Tumour:
        return self.tumours[0]

    def encounter(
        self,
        when: date,
        doc_type: str,
        kind: str,
        tumour: Tumour | None = None,
        essential: bool = False,
        **data: Any,
    ) -> Encounter:
        enc = Encounter(when, doc_type, kind, tumour.id if tumour else None, dict(data), essential)
        self.encounters.append(enc)
        return enc
