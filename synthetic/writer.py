"""Turn generated patients into the on-disk corpus of ``retrieval.records`` (JSON Lines, sharded).

Every line is built through the pydantic models of ``retrieval.records``, so a record that does not
fit the contract fails here, at generation, not at ingestion. Files are opened once and written in
patient order, which keeps a seed's output byte-identical.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO

from retrieval.records import (
    BiomarkerRecord,
    DocumentRecord,
    EventRecord,
    IdentifierTruth,
    MentionTruth,
    PatientRecord,
    PatientTruth,
    Record,
    SampleRecord,
    ScanTruth,
    StayRecord,
    TreatmentRecord,
    TumourRecord,
)
from synthetic.catalogue import DRUGS
from synthetic.model import Patient

SHARD_SIZE = 500  # patients per shard file
TRUTH_FILES = ("truth/patients.jsonl", "truth/identifiers.jsonl", "truth/mentions.jsonl", "truth/scans.jsonl")
CORPUS_ENTRIES = (
    "manifest.json",
    "centres.jsonl",
    "physicians.jsonl",
    "patients",
    "documents",
    "scans",
    "truth",
)


def dump(record: Record) -> str:
    return record.model_dump_json(by_alias=True, exclude_none=True)


def clear_corpus(out: Path) -> None:
    """Remove a previous corpus' files (only the names a corpus uses; anything else is left alone)."""
    for name in CORPUS_ENTRIES:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


class CorpusWriter:
    def __init__(self, out: Path) -> None:
        self.out = out
        self._files: dict[str, IO[str]] = {}
        self.names: list[str] = []

    def line(self, relpath: str, record: Record) -> None:
        handle = self._files.get(relpath)
        if handle is None:
            path = self.out / relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = self._files[relpath] = path.open("w", encoding="utf-8", newline="\n")
            self.names.append(relpath)
        handle.write(dump(record))
        handle.write("\n")

    @staticmethod
    def shard(pid: int) -> str:
        return f"{(pid - 1) // SHARD_SIZE:04d}.jsonl"

    def close(self) -> list[str]:
        """Close every file; the four truth files always exist, if only empty (no scans, say)."""
        for handle in self._files.values():
            handle.close()
        self._files.clear()
        for name in TRUTH_FILES:
            if name not in self.names:
                (self.out / name).parent.mkdir(parents=True, exist_ok=True)
                (self.out / name).write_text("", encoding="utf-8")
                self.names.append(name)
        return sorted(self.names)


def patient_record(p: Patient) -> PatientRecord:
    """The structured truth of a patient, one treatment record per drug or procedure of a regimen."""
    treatments = []
    for reg in p.regimens:
        for item in reg.items:
            drug = DRUGS.get(item)
            cls = drug.cls if drug else ("surgery" if reg.kind == "surgery" else "radiotherapy")
            treatments.append(
                TreatmentRecord(
                    id=p.new_id("treatment"),
                    tumour_id=reg.tumour_id,
                    cls=cls,
                    name=item,
                    atc=drug.atc if drug else None,
                    line=reg.line,
                    start_date=reg.start,
                    end_date=reg.end,
                )
            )
    return PatientRecord(
        id=p.id,
        centre_id=p.centre_id,
        sex=p.sex,
        birth_date=p.birth_date,
        death_date=p.death_date,
        last_news_date=p.last_news,
        opposition=p.opposition,
        identity=p.identity,
        relatives=p.relatives,
        tumours=[
            TumourRecord(
                id=t.id,
                rank=t.rank,
                icd10=t.icd10,
                topography=t.topography,
                morphology=t.morphology,
                histology_group=t.histology_group,
                laterality=t.laterality,
                grade=t.grade,
                t=t.t,
                n=t.n,
                m=t.m,
                stage=t.stage,
                metastatic_at_diagnosis=t.metastatic_at_diagnosis,
                diagnosis_date=t.diagnosis_date,
            )
            for t in p.tumours
        ],
        events=[
            EventRecord(id=e.id, tumour_id=e.tumour_id, type=e.type, site=e.site, date=e.date)
            for e in sorted(p.events, key=lambda e: (e.date, e.id))
        ],
        treatments=treatments,
        biomarkers=[
            BiomarkerRecord(
                id=b.id,
                tumour_id=b.tumour_id,
                marker=b.marker,
                status=b.status,
                alteration=b.alteration,
                value=b.value,
                unit=b.unit,
                date=b.date,
            )
            for b in p.biomarkers
        ],
        stays=[
            StayRecord(
                id=s.id,
                admission_date=s.admission,
                discharge_date=s.discharge,
                unit=s.unit,
                diagnoses=s.diagnoses,
            )
            for s in sorted(p.stays, key=lambda s: (s.admission, s.id))
        ],
        samples=[
            SampleRecord(
                id=s.id,
                tumour_id=s.tumour_id,
                type=s.type,
                conservation=s.conservation,
                date=s.date,
                available=s.available,
            )
            for s in p.samples
        ],
    )


def write_patient(
    w: CorpusWriter,
    p: Patient,
    record: PatientRecord,
    docs: list[tuple[DocumentRecord, IdentifierTruth, MentionTruth, ScanTruth | None]],
) -> None:
    shard = w.shard(p.id)
    w.line(f"patients/{shard}", record)
    affirmed: set[str] = set()
    for doc, ids, mentions, scan in docs:
        w.line(f"documents/{shard}", doc)
        w.line("truth/identifiers.jsonl", ids)
        w.line("truth/mentions.jsonl", mentions)
        if scan is not None:
            w.line("truth/scans.jsonl", scan)
        affirmed.update(
            m.concept for m in mentions.mentions if not (m.negated or m.hypothetical or m.family or m.history)
        )
    w.line(
        "truth/patients.jsonl",
        PatientTruth(patient_id=p.id, pathway=p.pathway, text_concepts=sorted(affirmed)),
    )
