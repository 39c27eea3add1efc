"""From facts read out of a centre's export to the records of ``retrieval/records.py``.

An importer (``fhir.py``, ``omop.py``) reads its source one resource or row at a time and adds facts
here, keyed by the *source's* ids; references between facts (a treatment's tumour, a document's
patient) are resolved only at the end, when everything is known, because exports come in any order.
``Assembly.records()`` then gives one ``PatientRecord`` per patient and one ``DocumentRecord`` per
document, with store ids that stay the same from one import to the next (``ImportKeys``), and lists
what it could not place: a fact whose patient is missing is *rejected* with its file and line.

Rules a source does not state and a hospital integration engineer would apply (each documented in
README "Load your own data"):

- a patient's tumours are ranked by diagnosis date; a tumour after the first is a second primary
  (a ``second_primary`` event on its diagnosis date unless the source has one);
- a metastasis dated on or before its tumour's diagnosis, or an M1 category, makes the tumour
  metastatic at diagnosis;
- a fact that names no tumour belongs to the patient's latest tumour diagnosed on or before it
  (else the first one);
- the last news date is the death date, else the latest date of any fact of the patient.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from retrieval.classifications import morphology_group
from retrieval.ingest.loader import Rejection, Unmapped
from retrieval.records import (
    BiomarkerRecord,
    DocumentRecord,
    EventRecord,
    Identity,
    PatientRecord,
    PhysicianRecord,
    RelativeRecord,
    SampleRecord,
    TreatmentRecord,
    TumourRecord,
)
from retrieval.store import Store

KIND_TABLE = {
    "patient": "patients",
    "tumour": "tumours",
    "event": "events",
    "treatment": "treatments",
    "biomarker": "biomarkers",
    "sample": "samples",
    "document": "documents",
    "physician": "physicians",
    "relative": "relatives",
}


@dataclass(frozen=True)
class Where:
    """Where a fact was read: the file (relative to the export) and its line, entry or row."""

    path: str
    line: int


class ImportKeys:
    """Stable store ids for source keys, per centre (table ``import_keys``): the same source record
    gets the same id at every import; a new one gets the next free id of its table."""

    def __init__(self, store: Store, centre: str) -> None:
        self.store = store
        self.centre = centre
        self.known: dict[tuple[str, str], int] = {
            (r["kind"], r["source_key"]): int(r["id"])
            for r in store.query(
                "SELECT kind, source_key, id FROM import_keys WHERE centre_id = :c", {"c": centre}
            )
        }
        self.new: list[dict[str, Any]] = []
        self._next: dict[str, int] = {}

    def id(self, kind: str, key: str) -> int:
        found = self.known.get((kind, key))
        if found is not None:
            return found
        if kind not in self._next:
            table = KIND_TABLE[kind]
            top = max(
                int(self.store.scalar(f"SELECT COALESCE(MAX(id), 0) FROM {table}") or 0),
                int(
                    self.store.scalar(
                        "SELECT COALESCE(MAX(id), 0) FROM import_keys WHERE kind = :k", {"k": kind}
                    )
                    or 0
                ),
            )
            self._next[kind] = top + 1
        new_id = self._next[kind]
        self._next[kind] += 1
        self.known[(kind, key)] = new_id
        self.new.append({"c": self.centre, "k": kind, "s": key, "i": new_id})
        return new_id

    def save(self) -> None:
        if not self.new:
            return
        with self.store.transaction():
            self.store.executemany(
                "INSERT INTO import_keys (centre_id, kind, source_key, id) VALUES (:c, :k, :s, :i)"
                " ON CONFLICT (centre_id, kind, source_key) DO NOTHING",
                self.new,
            )
        self.new = []


# -- facts --------------------------------------------------------------------------------------------
@dataclass
class TumourFact:
    key: str
    where: Where
    icd10: str
    diagnosis_date: date
    topography: str | None = None
    morphology: str | None = None
    laterality: str | None = None
    grade: int | None = None
    t: str | None = None
    n: str | None = None
    m: str | None = None
    stage: str | None = None
    metastatic_at_diagnosis: bool | None = None


@dataclass
class Fact:
    """An event, treatment, biomarker or sample: its fields as the record wants them, its tumour key."""

    kind: str  # event | treatment | biomarker | sample
    key: str
    where: Where
    fields: dict[str, Any]
    tumour_key: str | None = None
    when: date | None = None


def treatment_fact(key: str, where: Where, *, cls: str, name: str | None, atc: str | None, line: int | None,
                   start: date | None, end: date | None, tumour_key: str | None) -> Fact:
    """A treatment course as the record wants it, dated by its start (every importer builds these)."""
    fields = {"cls": cls, "name": name, "atc": atc, "line": line, "start_date": start, "end_date": end}
    return Fact("treatment", key, where, fields, tumour_key=tumour_key, when=start)


def biomarker_fact(key: str, where: Where, *, marker: str, status: str | None, alteration: str | None,
                   value: float | None, unit: str | None, when: date | None, tumour_key: str | None) -> Fact:
    """A marker result as the record wants it, dated by the result's date."""
    fields = {"marker": marker, "status": status, "alteration": alteration, "value": value, "unit": unit,
              "date": when}
    return Fact("biomarker", key, where, fields, tumour_key=tumour_key, when=when)


@dataclass
class TumourAttribute:
    """A staging, grade or M value read from a separate resource (an Observation), set at the end."""

    tumour_key: str | None
    where: Where
    when: date | None
    values: dict[str, Any]


@dataclass
class PatientFacts:
    key: str
    where: Where
    sex: str
    birth_date: date
    death_date: date | None = None
    opposition: bool = False
    identity: dict[str, Any] = field(default_factory=dict)
    relatives: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class DocumentFact:
    key: str
    patient_key: str
    where: Where
    type: str
    date: date
    title: str | None = None
    text: str | None = None
    scan: tuple[bytes, str] | None = None  # (content, suffix) of a PDF or image to OCR
    author_key: str | None = None


class Assembly:
    """Facts of one import, then ``records()``."""

    def __init__(self, centre: str) -> None:
        self.centre = centre
        self.patients: dict[str, PatientFacts] = {}
        self.tumours: dict[str, dict[str, TumourFact]] = defaultdict(dict)  # patient key -> tumours
        self.tumour_patient: dict[str, str] = {}
        self.facts: dict[str, list[Fact]] = defaultdict(list)
        self.attributes: dict[str, list[TumourAttribute]] = defaultdict(list)
        self.dates: dict[str, list[date]] = defaultdict(list)
        self.vital: dict[str, list[tuple[date | None, str]]] = defaultdict(list)
        self.documents: list[DocumentFact] = []
        self.physicians: dict[str, dict[str, Any]] = {}
        self.rejections: list[Rejection] = []
        self.unmapped: list[Unmapped] = []
        self.pending: list[tuple[str, Where, str]] = []  # (patient key, where, what) to check at the end

    # -- adding -----------------------------------------------------------------------------------
    def reject(self, where: Where, problem: str) -> None:
        self.rejections.append(Rejection(where.path, where.line, problem))

    def note(self, where: Where, problem: str) -> None:
        self.unmapped.append(Unmapped(where.path, where.line, problem))

    def add_patient(self, p: PatientFacts) -> None:
        if p.key in self.patients:
            self.reject(
                p.where,
                f"patient {p.key} appears twice (first at {self.patients[p.key].where.path}, "
                f"line {self.patients[p.key].where.line}); the first one was kept",
            )
            return
        self.patients[p.key] = p

    def add_tumour(self, patient_key: str, t: TumourFact) -> None:
        existing = self.tumours[patient_key]
        for other in existing.values():  # the same cancer coded twice (e.g. at two stays) is one tumour
            if (other.icd10, other.morphology, other.diagnosis_date) == (
                t.icd10,
                t.morphology,
                t.diagnosis_date,
            ):
                self.tumour_patient[t.key] = patient_key
                self.facts[patient_key].append(Fact("alias", t.key, t.where, {"same_as": other.key}))
                return
        existing[t.key] = t
        self.tumour_patient[t.key] = patient_key
        self.dates[patient_key].append(t.diagnosis_date)

    def add_fact(self, patient_key: str, fact: Fact) -> None:
        self.facts[patient_key].append(fact)
        for d in (fact.when, fact.fields.get("end_date")):
            if isinstance(d, date):
                self.dates[patient_key].append(d)

    def add_attribute(self, patient_key: str, attr: TumourAttribute) -> None:
        self.attributes[patient_key].append(attr)
        if attr.when:
            self.dates[patient_key].append(attr.when)

    def add_vital(self, patient_key: str, when: date | None, status: str) -> None:
        self.vital[patient_key].append((when, status))
        if when:
            self.dates[patient_key].append(when)

    def add_document(self, doc: DocumentFact) -> None:
        self.documents.append(doc)

    def add_date(self, patient_key: str, when: date | None) -> None:
        if when:
            self.dates[patient_key].append(when)

    # -- resolving --------------------------------------------------------------------------------
    def _tumour_for(self, patient_key: str, tumour_key: str | None, when: date | None) -> str | None:
        tumours = self.tumours.get(patient_key) or {}
        aliases = {f.key: f.fields["same_as"] for f in self.facts.get(patient_key, []) if f.kind == "alias"}
        if tumour_key:
            tumour_key = aliases.get(tumour_key, tumour_key)
            if tumour_key in tumours:
                return tumour_key
        if not tumours:
            return None
        ordered = sorted(tumours.values(), key=lambda t: (t.diagnosis_date, t.key))
        if when is None:
            return ordered[0].key
        before = [t for t in ordered if t.diagnosis_date <= when]
        return (before[-1] if before else ordered[0]).key

    def records(
        self, keys: ImportKeys
    ) -> tuple[
        list[PatientRecord], list[DocumentRecord], dict[int, tuple[bytes, str]], list[PhysicianRecord]
    ]:
        """The records to load, with their store ids; scans by document id."""
        physicians = []
        for pkey, ph in sorted(self.physicians.items()):
            physicians.append(PhysicianRecord(id=keys.id("physician", pkey), centre_id=self.centre, **ph))
        known_physicians = set(self.physicians)
        for pkey in list(self.facts) + list(self.attributes) + list(self.tumours):
            if pkey not in self.patients:
                self._reject_orphans(pkey)
        patients = []
        for pkey in sorted(self.patients):
            try:
                patients.append(self._patient(pkey, keys))
            except ValueError as exc:
                self.reject(self.patients[pkey].where, str(exc))
        loaded = {keys.id("patient", k) for k in self.patients}
        docs, scans = [], {}
        for doc in sorted(self.documents, key=lambda d: d.key):
            if doc.patient_key not in self.patients:
                self.reject(
                    doc.where,
                    f"document {doc.key}: refers to patient {doc.patient_key}, which is not in "
                    "the export (or was rejected)",
                )
                continue
            pid = keys.id("patient", doc.patient_key)
            if pid not in loaded:
                continue
            did = keys.id("document", doc.key)
            author = keys.id("physician", doc.author_key) if doc.author_key in known_physicians else None
            if doc.scan is not None:
                content, suffix = doc.scan
                scans[did] = (content, suffix)
                file = f"scans/{did}{suffix}"
                docs.append(
                    DocumentRecord(
                        id=did,
                        patient_id=pid,
                        type=doc.type,
                        date=doc.date,
                        title=doc.title,
                        author_id=author,
                        text=None,
                        file=file,
                    )
                )
            else:
                docs.append(
                    DocumentRecord(
                        id=did,
                        patient_id=pid,
                        type=doc.type,
                        date=doc.date,
                        title=doc.title,
                        author_id=author,
                        text=doc.text,
                    )
                )
            self.dates[doc.patient_key].append(doc.date)
        return patients, docs, scans, physicians

    def _reject_orphans(self, pkey: str) -> None:
        for f in self.facts.pop(pkey, []):
            if f.kind != "alias":
                self.reject(
                    f.where,
                    f"{f.kind} {f.key}: refers to patient {pkey}, which is not in the export "
                    "(or was rejected)",
                )
        for a in self.attributes.pop(pkey, []):
            self.reject(
                a.where, f"observation for patient {pkey}, which is not in the export (or was rejected)"
            )
        for t in self.tumours.pop(pkey, {}).values():
            self.reject(
                t.where,
                f"tumour {t.key}: refers to patient {pkey}, which is not in the export (or was rejected)",
            )

    def _patient(self, pkey: str, keys: ImportKeys) -> PatientRecord:
        p = self.patients[pkey]
        pid = keys.id("patient", pkey)
        tumours = sorted(self.tumours.get(pkey, {}).values(), key=lambda t: (t.diagnosis_date, t.key))
        for attr in self.attributes.get(pkey, []):
            tkey = self._tumour_for(pkey, attr.tumour_key, attr.when)
            if tkey is None:
                self.note(attr.where, "staging or grade of a patient with no cancer condition: not stored")
                continue
            target = self.tumours[pkey][tkey]
            for name, value in attr.values.items():
                if name == "m_category":
                    target.m = target.m or value
                elif getattr(target, name) is None:
                    setattr(target, name, value)
        death = p.death_date
        for when, status in self.vital.get(pkey, []):
            if status == "deceased" and death is None and when is not None:
                death = when
        t_ids = {t.key: keys.id("tumour", t.key) for t in tumours}
        events, treatments, biomarkers, samples = [], [], [], []
        explicit_second = set()
        for f in self.facts.get(pkey, []):
            if f.kind == "alias":
                continue
            tkey = self._tumour_for(pkey, f.tumour_key, f.when)
            tid = t_ids.get(tkey) if tkey else None
            fid = keys.id(f.kind, f.key)
            if f.kind == "event":
                if f.fields["type"] == "second_primary":
                    explicit_second.add(tkey)
                events.append(EventRecord(id=fid, tumour_id=tid, **f.fields))
            elif f.kind == "treatment":
                treatments.append(TreatmentRecord(id=fid, tumour_id=tid, **f.fields))
            elif f.kind == "biomarker":
                biomarkers.append(BiomarkerRecord(id=fid, tumour_id=tid, **f.fields))
            elif f.kind == "sample":
                samples.append(SampleRecord(id=fid, tumour_id=tid, **f.fields))
        records = []
        for rank, t in enumerate(tumours, start=1):
            if rank > 1 and t.key not in explicit_second:
                events.append(
                    EventRecord(
                        id=keys.id("event", f"{t.key}#second_primary"),
                        tumour_id=t_ids[t.key],
                        type="second_primary",
                        date=t.diagnosis_date,
                    )
                )
            mets_early = any(
                e.type == "metastasis" and e.tumour_id == t_ids[t.key] and e.date <= t.diagnosis_date
                for e in events
            )
            metastatic = bool(t.metastatic_at_diagnosis) or mets_early or (t.m or "").upper().startswith("M1")
            records.append(
                TumourRecord(
                    id=t_ids[t.key],
                    rank=rank,
                    icd10=t.icd10,
                    topography=t.topography,
                    morphology=t.morphology,
                    histology_group=morphology_group(t.morphology),
                    laterality=t.laterality,
                    grade=t.grade,
                    t=t.t,
                    n=t.n,
                    m=t.m,
                    stage=t.stage,
                    metastatic_at_diagnosis=metastatic,
                    diagnosis_date=t.diagnosis_date,
                )
            )
        dates = [d for d in self.dates.get(pkey, []) if d]
        last_news = death or (max(dates) if dates else None)
        ident = p.identity
        identity = Identity(
            ipp=ident.get("ipp") or f"{self.centre}:{pkey}",
            nir=ident.get("nir") or "",
            first_name=ident.get("first_name") or "",
            last_name=ident.get("last_name") or "",
            birth_name=ident.get("birth_name"),
            address=ident.get("address") or "",
            postcode=ident.get("postcode") or "",
            city=ident.get("city") or "",
            phone=ident.get("phone") or "",
            email=ident.get("email"),
        )
        relatives = [RelativeRecord(id=keys.id("relative", rkey), **rel) for rkey, rel in p.relatives]
        if death and death < p.birth_date:
            raise ValueError(f"patient {pkey}: death date {death} is before birth date {p.birth_date}")
        for t in records:
            if t.diagnosis_date < p.birth_date:
                raise ValueError(
                    f"patient {pkey}: a tumour is diagnosed ({t.diagnosis_date}) before birth "
                    f"({p.birth_date})"
                )
        return PatientRecord(
            id=pid,
            centre_id=self.centre,
            sex=p.sex,
            birth_date=p.birth_date,
            death_date=death,
            last_news_date=last_news,
            opposition=p.opposition,
            identity=identity,
            relatives=relatives,
            tumours=records,
            events=events,
            treatments=treatments,
            biomarkers=biomarkers,
            samples=samples,
        )
