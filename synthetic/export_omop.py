"""The synthetic corpus as a French research warehouse's OMOP CDM 5.4 export (CSV or Parquet): test
and evaluation tooling for the importer (``retrieval/ingest/omop.py``), never used by the product.

Written the way such warehouses are: source codes in ``*_source_value`` (ICD-O-3 ``8500/3-C50.4``
for tumours, ICD-10 ``C79.5`` for metastases, ATC for drugs, a marker's name with its result text in
French), standard concept ids where the common ones are known (sex, drugs), the oncology extension's
Cancer Modifier rows (TNM, stage, grade, metastasis, progression) tied to their tumour through
``modifier_of_event_id``, and treatment-line episodes (``episode_number``) tied to the disease
episode of their tumour. Notes carry the report text; a scanned report is a note whose
``note_source_value`` is the relative path of its scan, copied beside the tables. No names, no
opposition (OMOP exports carry neither), no PMSI stays.

``export_omop(corpus_dir, out_dir, centre=None, parquet=False)`` → rows per table.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from retrieval.classifications import mappings as M
from retrieval.records import DocumentRecord, PatientRecord
from retrieval.vocab import DOC_TYPES
from synthetic.catalogue import METASTASIS_CODES

COLUMNS = {
    "person": [
        "person_id",
        "gender_concept_id",
        "year_of_birth",
        "month_of_birth",
        "day_of_birth",
        "birth_datetime",
        "race_concept_id",
        "ethnicity_concept_id",
        "person_source_value",
        "gender_source_value",
    ],
    "death": ["person_id", "death_date", "death_type_concept_id"],
    "observation_period": [
        "observation_period_id",
        "person_id",
        "observation_period_start_date",
        "observation_period_end_date",
        "period_type_concept_id",
    ],
    "condition_occurrence": [
        "condition_occurrence_id",
        "person_id",
        "condition_concept_id",
        "condition_start_date",
        "condition_type_concept_id",
        "condition_source_value",
        "condition_source_concept_id",
    ],
    "measurement": [
        "measurement_id",
        "person_id",
        "measurement_concept_id",
        "measurement_date",
        "measurement_type_concept_id",
        "value_as_number",
        "value_as_concept_id",
        "unit_source_value",
        "measurement_source_value",
        "value_source_value",
        "modifier_of_event_id",
        "modifier_of_field_concept_id",
    ],
    "drug_exposure": [
        "drug_exposure_id",
        "person_id",
        "drug_concept_id",
        "drug_exposure_start_date",
        "drug_exposure_end_date",
        "drug_type_concept_id",
        "drug_source_value",
        "drug_source_concept_id",
    ],
    "procedure_occurrence": [
        "procedure_occurrence_id",
        "person_id",
        "procedure_concept_id",
        "procedure_date",
        "procedure_end_date",
        "procedure_type_concept_id",
        "procedure_source_value",
    ],
    "specimen": [
        "specimen_id",
        "person_id",
        "specimen_concept_id",
        "specimen_type_concept_id",
        "specimen_date",
        "quantity",
        "specimen_source_value",
    ],
    "note": [
        "note_id",
        "person_id",
        "note_date",
        "note_type_concept_id",
        "note_class_concept_id",
        "note_title",
        "note_text",
        "encoding_concept_id",
        "language_concept_id",
        "note_source_value",
    ],
    "episode": [
        "episode_id",
        "person_id",
        "episode_concept_id",
        "episode_start_date",
        "episode_end_date",
        "episode_parent_id",
        "episode_number",
        "episode_object_concept_id",
        "episode_type_concept_id",
        "episode_source_value",
    ],
    "episode_event": ["episode_id", "event_id", "episode_event_field_concept_id"],
}
EHR = 32817  # type concept "EHR"
SPECIMEN_WORDS = {
    "tumour_tissue": "tissu tumoral",
    "normal_tissue": "tissu sain",
    "blood": "sang",
    "serum": "sérum",
    "plasma": "plasma",
    "dna": "ADN",
    "bone_marrow": "moelle osseuse",
}
CONSERVATION_WORDS = {"frozen": "congelé", "ffpe": "FFPE"}
STATUS_WORDS = {
    "positive": "positif",
    "negative": "négatif",
    "mutated": "muté",
    "wild_type": "sauvage",
    "amplified": "amplifié",
    "rearranged": "réarrangé",
    "high": "élevé",
    "low": "bas",
    "equivocal": "équivoque",
    "loss": "perte",
}
EVENT_WORDS = {"progression": "progression", "relapse": "rechute", "local_recurrence": "récidive locale"}


def _jsonl(path: Path):  # noqa: ANN202 - a generator of dicts
    for file in sorted(path.glob("*.jsonl")) if path.is_dir() else [path]:
        if file.exists():
            with file.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        yield json.loads(line)


class Tables:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
        self.next_id: Counter = Counter()

    def add(self, table: str, **row: Any) -> None:
        self.rows[table].append(row)

    def new_id(self, table: str) -> int:
        self.next_id[table] += 1
        return self.next_id[table]


def _patient(t: Tables, p: PatientRecord) -> None:
    pid = p.id
    t.add(
        "person",
        person_id=pid,
        gender_concept_id=8532 if p.sex == "F" else 8507,
        year_of_birth=p.birth_date.year,
        month_of_birth=p.birth_date.month,
        day_of_birth=p.birth_date.day,
        birth_datetime=f"{p.birth_date.isoformat()} 00:00:00",
        race_concept_id=0,
        ethnicity_concept_id=0,
        person_source_value=p.identity.ipp,
        gender_source_value=p.sex,
    )
    if p.death_date:
        t.add("death", person_id=pid, death_date=p.death_date.isoformat(), death_type_concept_id=EHR)
    end = p.death_date or p.last_news_date
    if end:
        start = min([x.diagnosis_date for x in p.tumours] + [end])
        t.add(
            "observation_period",
            observation_period_id=pid,
            person_id=pid,
            observation_period_start_date=start.isoformat(),
            observation_period_end_date=end.isoformat(),
            period_type_concept_id=EHR,
        )
    disease_episode: dict[int, int] = {}
    for tu in p.tumours:
        source = f"{tu.morphology}-{tu.topography}" if tu.morphology and tu.topography else tu.icd10
        t.add(
            "condition_occurrence",
            condition_occurrence_id=tu.id,
            person_id=pid,
            condition_concept_id=0,
            condition_start_date=tu.diagnosis_date.isoformat(),
            condition_type_concept_id=EHR,
            condition_source_value=source,
            condition_source_concept_id=0,
        )
        for name, value in (
            ("TNM T", tu.t),
            ("TNM N", tu.n),
            ("TNM M", tu.m),
            ("Stade", tu.stage),
            ("Grade", f"G{tu.grade}" if tu.grade else None),
        ):
            if value:
                t.add(
                    "measurement",
                    measurement_id=t.new_id("measurement"),
                    person_id=pid,
                    measurement_concept_id=0,
                    measurement_date=tu.diagnosis_date.isoformat(),
                    measurement_type_concept_id=EHR,
                    measurement_source_value=name,
                    value_source_value=value,
                    modifier_of_event_id=tu.id,
                )
        eid = t.new_id("episode")
        disease_episode[tu.id] = eid
        t.add(
            "episode",
            episode_id=eid,
            person_id=pid,
            episode_concept_id=32528,
            episode_start_date=tu.diagnosis_date.isoformat(),
            episode_source_value="maladie (première occurrence)",
        )
        t.add("episode_event", episode_id=eid, event_id=tu.id)
    for e in p.events:
        if e.type == "second_primary":
            continue  # what a later primary condition already says
        if e.type == "metastasis":
            code, label = METASTASIS_CODES[e.site or "other"]
            name, value = f"Métastase {label}", code
        else:
            name, value = EVENT_WORDS[e.type].capitalize(), None
        t.add(
            "measurement",
            measurement_id=t.new_id("measurement"),
            person_id=pid,
            measurement_concept_id=0,
            measurement_date=e.date.isoformat(),
            measurement_type_concept_id=EHR,
            measurement_source_value=name,
            value_source_value=value,
            modifier_of_event_id=e.tumour_id,
        )
    lines: dict[tuple[int | None, int], int] = {}
    drugs = M.drugs_by("name")
    for tr in p.treatments:
        if tr.line is not None:
            key = (tr.tumour_id, tr.line)
            if key not in lines:
                lines[key] = t.new_id("episode")
                t.add(
                    "episode",
                    episode_id=lines[key],
                    person_id=pid,
                    episode_concept_id=32531,
                    episode_start_date=tr.start_date.isoformat(),
                    episode_number=tr.line,
                    episode_parent_id=disease_episode.get(tr.tumour_id),
                    episode_source_value=f"ligne {tr.line}",
                )
            t.add("episode_event", episode_id=lines[key], event_id=tr.id)
        drug = drugs.get(tr.name or "")
        if drug is not None and drug.inn == tr.name and (tr.atc or drug.atc):
            t.add(
                "drug_exposure",
                drug_exposure_id=tr.id,
                person_id=pid,
                drug_concept_id=int(drug.omop or 0),
                drug_exposure_start_date=tr.start_date.isoformat(),
                drug_exposure_end_date=tr.end_date.isoformat() if tr.end_date else None,
                drug_type_concept_id=EHR,
                drug_source_value=tr.atc or drug.atc,
                drug_source_concept_id=0,
            )
        else:
            t.add(
                "procedure_occurrence",
                procedure_occurrence_id=tr.id,
                person_id=pid,
                procedure_concept_id=0,
                procedure_date=tr.start_date.isoformat(),
                procedure_end_date=tr.end_date.isoformat() if tr.end_date else None,
                procedure_type_concept_id=EHR,
                procedure_source_value=tr.name or tr.cls,
            )
    for b in p.biomarkers:
        words = [STATUS_WORDS[b.status]] if b.status else []
        if b.alteration:
            words.append(b.alteration)
        t.add(
            "measurement",
            measurement_id=t.new_id("measurement"),
            person_id=pid,
            measurement_concept_id=0,
            measurement_date=b.date.isoformat() if b.date else None,
            measurement_type_concept_id=EHR,
            value_as_number=b.value,
            unit_source_value=b.unit,
            measurement_source_value=b.marker,
            value_source_value=" ".join(words) or None,
            modifier_of_event_id=b.tumour_id,
        )
    for s in p.samples:
        words = SPECIMEN_WORDS[s.type] + (f" {CONSERVATION_WORDS[s.conservation]}" if s.conservation else "")
        t.add(
            "specimen",
            specimen_id=s.id,
            person_id=pid,
            specimen_concept_id=0,
            specimen_type_concept_id=EHR,
            specimen_date=(s.date or p.birth_date).isoformat(),
            quantity=1 if s.available else 0,
            specimen_source_value=words,
        )


def _note(t: Tables, d: DocumentRecord, corpus: Path, out: Path) -> None:
    fr, _ = DOC_TYPES[d.type]
    source = fr
    text = d.text or ""
    if d.text is None and d.file:
        target = out / d.file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / d.file, target)
        source = d.file
    t.add(
        "note",
        note_id=d.id,
        person_id=d.patient_id,
        note_date=d.date.isoformat(),
        note_type_concept_id=EHR,
        note_class_concept_id=0,
        note_title=d.title or fr,
        note_text=text,
        encoding_concept_id=0,
        language_concept_id=0,
        note_source_value=source,
    )


def export_omop(
    corpus_dir: Path | str, out_dir: Path | str, centre: str | None = None, *, parquet: bool = False
) -> Counter:
    corpus, out = Path(corpus_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t = Tables()
    ids: set[int] = set()
    for raw in _jsonl(corpus / "patients"):
        p = PatientRecord.model_validate(raw)
        if centre is None or p.centre_id == centre:
            ids.add(p.id)
            _patient(t, p)
    for raw in _jsonl(corpus / "documents"):
        d = DocumentRecord.model_validate(raw)
        if d.patient_id in ids:
            _note(t, d, corpus, out)
    counts = Counter()
    for name, columns in COLUMNS.items():
        rows = t.rows[name]
        counts[name] = len(rows)
        if parquet:
            table = pa.Table.from_pylist(
                [{c: r.get(c) for c in columns} for r in rows],
                schema=pa.schema([(c, _arrow_type(name, c)) for c in columns]),
            )
            pq.write_table(table, out / f"{name}.parquet")
            continue
        with (out / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for r in rows:
                writer.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in columns})
    return counts


def _arrow_type(table: str, column: str) -> pa.DataType:
    if column.endswith("_id") or column in (
        "year_of_birth",
        "month_of_birth",
        "day_of_birth",
        "episode_number",
        "quantity",
    ):
        return pa.int64()
    if column == "value_as_number":
        return pa.float64()
    return pa.string()
