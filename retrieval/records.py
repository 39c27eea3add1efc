"""The on-disk corpus format: what `cohort generate` writes and `cohort ingest` reads.

One directory::

    manifest.json            Manifest: seed, sizes, generator version, file list
    centres.jsonl            CentreRecord per line
    physicians.jsonl         PhysicianRecord per line
    patients/NNNN.jsonl      PatientRecord per line (identity + structured facts), sharded
    documents/NNNN.jsonl     DocumentRecord per line, sharded; scanned ones carry ``file`` and no text
    scans/<doc_id>.png|pdf   scanned documents (rendered page images), OCRed at ingest
    truth/patients.jsonl     PatientTruth per line: facts that are only in text, relatives...
    truth/identifiers.jsonl  IdentifierTruth per document: exact spans of every identifier
    truth/mentions.jsonl     MentionTruth per document: concept mentions with their qualifiers
    truth/scans.jsonl        ScanTruth per scanned document: the text that was rendered

Every file is JSON Lines so that ingestion can name the file and line of a malformed record and go
on with the rest. Structured facts in ``patients/`` are the truth for structured criteria (the
generator writes them exactly); ``truth/`` holds what a search must find in text. Character spans
are ``[start, end)`` offsets into ``DocumentRecord.text`` (or ``ScanTruth.text`` for scans).
Ids are integers assigned by the generator and kept by ingestion.
"""

from __future__ import annotations

import datetime as _dt
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from retrieval.vocab import (
    BiomarkerStatus,
    Conservation,
    DocType,
    EventType,
    IdentifierType,
    Laterality,
    MetastasisSite,
    SampleType,
    Sex,
    TreatmentClass,
)

FORMAT_VERSION = 1


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Manifest(Record):
    format_version: int = FORMAT_VERSION
    generator_version: str
    seed: int
    patients: int
    centres: int
    documents: int
    scanned_documents: int
    reference_date: date = Field(description="'Today' for the corpus: last-news dates are at most this.")
    files: list[str]


class CentreRecord(Record):
    id: str
    name: str
    city: str


class PhysicianRecord(Record):
    id: int
    centre_id: str
    title: str  # "Dr" or "Pr"
    first_name: str
    last_name: str
    specialty: str


class Identity(Record):
    ipp: str
    nir: str
    first_name: str
    last_name: str
    birth_name: str | None = None
    address: str
    postcode: str
    city: str
    phone: str
    email: str | None = None


class RelativeRecord(Record):
    id: int
    relation: str  # "mère", "fille", "époux"...
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None


class TumourRecord(Record):
    id: int
    rank: int = 1
    icd10: str
    topography: str | None = None
    morphology: str | None = None
    histology_group: str | None = None
    laterality: Laterality | None = None
    grade: int | None = None
    t: str | None = None
    n: str | None = None
    m: str | None = None
    stage: str | None = None
    metastatic_at_diagnosis: bool = False
    diagnosis_date: date


class EventRecord(Record):
    id: int
    tumour_id: int | None = None
    type: EventType
    site: MetastasisSite | None = None
    date: _dt.date


class TreatmentRecord(Record):
    id: int
    tumour_id: int | None = None
    cls: TreatmentClass = Field(alias="class")
    name: str | None = None
    atc: str | None = None
    line: int | None = None
    start_date: date
    end_date: date | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BiomarkerRecord(Record):
    id: int
    tumour_id: int | None = None
    marker: str
    status: BiomarkerStatus | None = None
    alteration: str | None = None
    value: float | None = None
    unit: str | None = None
    date: _dt.date | None = None  # field named like the type: spell the type via the module


class StayRecord(Record):
    id: int
    admission_date: date
    discharge_date: date | None = None
    unit: str | None = None
    diagnoses: list[tuple[str, str]] = Field(description="(ICD-10 code, role DP/DR/DAS) pairs")


class SampleRecord(Record):
    id: int
    tumour_id: int | None = None
    type: SampleType
    conservation: Conservation | None = None
    date: _dt.date | None = None  # field named like the type: spell the type via the module
    available: bool = True


class PatientRecord(Record):
    id: int
    centre_id: str
    sex: Sex
    birth_date: date
    death_date: date | None = None
    last_news_date: date | None = None
    opposition: bool = False
    identity: Identity
    relatives: list[RelativeRecord] = Field(default_factory=list)
    tumours: list[TumourRecord] = Field(default_factory=list)
    events: list[EventRecord] = Field(default_factory=list)
    treatments: list[TreatmentRecord] = Field(default_factory=list)
    biomarkers: list[BiomarkerRecord] = Field(default_factory=list)
    stays: list[StayRecord] = Field(default_factory=list)
    samples: list[SampleRecord] = Field(default_factory=list)


class DocumentRecord(Record):
    id: int
    patient_id: int
    type: DocType
    date: _dt.date
    title: str | None = None
    author_id: int | None = None
    text: str | None = Field(None, description="Report text; None for a scanned document.")
    file: str | None = Field(None, description="Relative path of the scan (PNG or PDF) to OCR.")


# -- ground truth ---------------------------------------------------------------------------------
class Span(Record):
    start: int
    end: int
    text: str


class IdentifierSpan(Span):
    type: IdentifierType


class IdentifierTruth(Record):
    document_id: int
    spans: list[IdentifierSpan]


class MentionSpan(Span):
    concept: str
    negated: bool = False
    hypothetical: bool = False
    family: bool = False
    history: bool = False


class MentionTruth(Record):
    document_id: int
    patient_id: int
    scanned: bool = False
    mentions: list[MentionSpan]


class ScanTruth(Record):
    document_id: int
    text: str


class PatientTruth(Record):
    """What is true of a patient beyond the structured record (used by evaluations)."""

    patient_id: int
    pathway: str = Field(description="Generator's pathway name, e.g. 'breast_luminal', 'myeloma_to_aml'.")
    text_concepts: list[str] = Field(
        default_factory=list,
        description="Concepts affirmed (present, not negated/hypothetical/family/history) in this "
        "patient's reports, e.g. 'fertility_preservation', 'complete_response'.",
    )
