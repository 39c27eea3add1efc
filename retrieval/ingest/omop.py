"""Reading an OMOP CDM 5.4 export: a directory of CSV files (``person.csv``; comma, semicolon or tab)
or Parquet tables (``person.parquet``, or a ``person/`` folder of Parquet parts).

Tables read: person, death, observation_period (last news), condition_occurrence, measurement,
drug_exposure, procedure_occurrence, specimen, note, and the oncology extension's episode and
episode_event when present (treatment lines, the tumour a line treats). French warehouses keep their
source codes in ``*_source_value`` (ICD-10 ``C18.7``, ICD-O-3 ``8140/3-C18.7``, ATC, a marker's name
with its result text): those are read first; standard ``*_concept_id`` values are read through the
export's own vocabulary (``concept.csv``) when it is there, else through the small table of
``retrieval/classifications/omop_concepts.tsv`` and the drug table.

A table without a required column is rejected as a whole (one message naming the columns); a row
with a wrong date, or whose person is not in ``person``, is rejected with its file and line; the
rest loads.
"""

from __future__ import annotations

import csv
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from retrieval.classifications import mappings as M
from retrieval.classifications.mappings import fold
from retrieval.ingest import codes as C
from retrieval.ingest.assemble import (
    Assembly,
    DocumentFact,
    Fact,
    PatientFacts,
    TumourAttribute,
    TumourFact,
    Where,
    biomarker_fact,
    treatment_fact,
)
from retrieval.ingest.checks import SCAN_SUFFIXES
from retrieval.ingest.loader import CorpusError

TABLES = (
    "person",
    "death",
    "observation_period",
    "condition_occurrence",
    "measurement",
    "drug_exposure",
    "procedure_occurrence",
    "specimen",
    "note",
    "episode",
    "episode_event",
    "concept",
)
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {  # each inner tuple: at least one of these columns
    "person": (
        ("person_id",),
        ("gender_concept_id", "gender_source_value"),
        ("year_of_birth", "birth_datetime"),
    ),
    "death": (("person_id",), ("death_date", "death_datetime")),
    "observation_period": (("person_id",), ("observation_period_end_date",)),
    "condition_occurrence": (
        ("condition_occurrence_id",),
        ("person_id",),
        ("condition_start_date",),
        ("condition_concept_id", "condition_source_value"),
    ),
    "measurement": (
        ("measurement_id",),
        ("person_id",),
        ("measurement_date",),
        ("measurement_concept_id", "measurement_source_value"),
    ),
    "drug_exposure": (
        ("drug_exposure_id",),
        ("person_id",),
        ("drug_exposure_start_date",),
        ("drug_concept_id", "drug_source_value"),
    ),
    "procedure_occurrence": (
        ("procedure_occurrence_id",),
        ("person_id",),
        ("procedure_date",),
        ("procedure_concept_id", "procedure_source_value"),
    ),
    "specimen": (
        ("specimen_id",),
        ("person_id",),
        ("specimen_date",),
        ("specimen_concept_id", "specimen_source_value"),
    ),
    "note": (("note_id",), ("person_id",), ("note_date",), ("note_text",)),
    "episode": (("episode_id",), ("person_id",)),
    "episode_event": (("episode_id",), ("event_id",)),
    "concept": (("concept_id",), ("vocabulary_id",), ("concept_code",)),
}
VOCABULARIES = {
    "icd10": "icd10",
    "icd10cm": "icd10",
    "cim10": "icd10",
    "icdo3": "icdo3",
    "snomed": "snomed",
    "rxnorm": "rxnorm",
    "rxnorm extension": "rxnorm",
    "atc": "atc",
    "loinc": "loinc",
}


def table_path(root: Path, name: str) -> Path | None:
    for cand in (root / f"{name}.csv", root / f"{name.upper()}.csv", root / f"{name}.parquet", root / name):
        if cand.is_file() or (cand.is_dir() and any(cand.glob("*.parquet"))):
            return cand
    return None


def is_omop(path: Path) -> bool:
    return path.is_dir() and table_path(path, "person") is not None


def files_of(path: Path) -> list[Path]:
    out = []
    for name in TABLES:
        p = table_path(path, name)
        if p is not None:
            out.extend(sorted(p.glob("*.parquet")) if p.is_dir() else [p])
    return out


@dataclass
class OmopRead:
    assembly: Assembly
    read: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def _rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """(columns, rows as (line, {column: value})) of a CSV file or a Parquet table. CSV lines count the
    header as line 1; Parquet rows are numbered from 1."""
    if path.suffix.lower() == ".csv":
        fh = path.open(encoding="utf-8-sig", newline="")
        head = fh.readline()
        fh.seek(0)
        delimiter = max((";", ",", "\t", "|"), key=head.count)
        reader = csv.DictReader(fh, delimiter=delimiter)
        columns = [c.strip().lower() for c in (reader.fieldnames or [])]
        reader.fieldnames = columns

        def gen() -> Iterator[tuple[int, dict[str, Any]]]:
            with fh:
                for row in reader:
                    yield (
                        reader.line_num,
                        {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()},
                    )

        return columns, gen()
    parts = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    schema = pq.read_schema(parts[0])
    columns = [c.lower() for c in schema.names]

    def gen_pq() -> Iterator[tuple[int, dict[str, Any]]]:
        n = 0
        for part in parts:
            for batch in pq.ParquetFile(part).iter_batches(batch_size=20_000):
                for row in batch.to_pylist():
                    n += 1
                    yield n, {k.lower(): v for k, v in row.items()}

    return columns, gen_pq()


def _s(row: dict[str, Any], *names: str) -> str:
    for n in names:
        v = row.get(n)
        if v not in (None, ""):
            return str(v).strip()
    return ""


def _id(row: dict[str, Any], name: str) -> str:
    v = _s(row, name)
    return v[:-2] if v.endswith(".0") else v


class OmopReader:
    def __init__(self, root: Path, centre: str) -> None:
        self.root = root
        self.out = OmopRead(Assembly(centre))
        self.asm = self.out.assembly
        self.vocab: dict[str, tuple[str, str, str]] = {}
        self.line_of: dict[str, tuple[int | None, str | None]] = {}  # drug_exposure id -> (line, tumour key)
        self.conditions: set[str] = set()

    def table(self, name: str) -> Iterator[tuple[Where, dict[str, Any]]]:
        path = table_path(self.root, name)
        if path is None:
            return
        rel = path.relative_to(self.root).as_posix()
        columns, rows = _rows(path)
        missing = [" or ".join(group) for group in REQUIRED[name] if not any(c in columns for c in group)]
        if missing:
            self.asm.reject(
                Where(rel, 1), f"table {name} lacks column(s) {', '.join(missing)}: the table was not read"
            )
            return
        for line, row in rows:
            self.out.read[name] += 1
            yield Where(rel, line), row

    def concept(self, concept_id: str, source_value: str = "", name: str = "") -> C.Concept:
        """A standard concept through the export's vocabulary (when shipped), the source value as text."""
        codes = []
        found = self.vocab.get(concept_id) if concept_id and concept_id != "0" else None
        if found:
            vocabulary, code, display = found
            codes.append(C.Code(VOCABULARIES.get(vocabulary.lower(), "other"), code, display))
        return C.Concept(tuple(codes), " | ".join(x for x in (source_value, name) if x))

    # -- the run ------------------------------------------------------------------------------------
    def read(self) -> OmopRead:
        t0 = time.perf_counter()
        wanted = self._referenced_concepts()
        for _, row in self.table("concept"):
            cid = _id(row, "concept_id")
            if cid in wanted:
                self.vocab[cid] = (_s(row, "vocabulary_id"), _s(row, "concept_code"), _s(row, "concept_name"))
        for where, row in self.table("person"):
            self._guard(where, self._person, row)
        for where, row in self.table("death"):
            self._guard(where, self._death, row)
        for where, row in self.table("observation_period"):
            self._guard(
                where,
                lambda r, w: self.asm.add_date(
                    self._person_key(r), C.parse_date(_s(r, "observation_period_end_date"))
                ),
                row,
            )
        for where, row in self.table("condition_occurrence"):
            self._guard(where, self._condition, row)
        self._episodes()
        for name, fn in (
            ("measurement", self._measurement),
            ("drug_exposure", self._drug),
            ("procedure_occurrence", self._procedure),
            ("specimen", self._specimen),
            ("note", self._note),
        ):
            for where, row in self.table(name):
                self._guard(where, fn, row)
        self.out.seconds = time.perf_counter() - t0
        return self.out

    def _referenced_concepts(self) -> set[str]:
        if table_path(self.root, "concept") is None:
            return set()
        wanted: set[str] = set()
        for name in (
            "condition_occurrence",
            "measurement",
            "drug_exposure",
            "procedure_occurrence",
            "specimen",
            "note",
        ):
            path = table_path(self.root, name)
            if path is None:
                continue
            columns, rows = _rows(path)
            cols = [c for c in columns if c.endswith("concept_id")]
            for _, row in rows:
                wanted.update(_id(row, c) for c in cols if row.get(c) not in (None, ""))
        return wanted

    def _guard(self, where: Where, fn: Any, row: dict[str, Any]) -> None:
        try:
            fn(row, where)
        except ValueError as exc:
            self.asm.reject(where, str(exc))

    def _person_key(self, row: dict[str, Any]) -> str:
        pid = _id(row, "person_id")
        if not pid:
            raise ValueError("no person_id")
        return f"person/{pid}"

    # -- tables ---------------------------------------------------------------------------------------
    def _person(self, row: dict[str, Any], where: Where) -> None:
        key = self._person_key(row)
        sex = (M.omop_concepts().get(_id(row, "gender_concept_id")) or ("", ""))[1]
        if not sex:
            g = fold(_s(row, "gender_source_value"))
            sex = {
                "f": "F",
                "female": "F",
                "femme": "F",
                "2": "F",
                "m": "M",
                "male": "M",
                "homme": "M",
                "1": "M",
                "h": "M",
            }.get(g, "")
        if not sex:
            raise ValueError(
                f"{key}: sex not understood (gender_concept_id {_s(row, 'gender_concept_id')!r}, "
                f"gender_source_value {_s(row, 'gender_source_value')!r}); F or M is needed"
            )
        birth = C.parse_date(_s(row, "birth_datetime")) if _s(row, "birth_datetime") else None
        if birth is None:
            year = _id(row, "year_of_birth")
            if not year.isdigit():
                raise ValueError(f"{key}: year_of_birth {year!r} is not a year")
            birth = date(int(year), int(_id(row, "month_of_birth") or 1), int(_id(row, "day_of_birth") or 1))
        ipp = _s(row, "person_source_value")
        self.asm.add_patient(PatientFacts(key, where, sex, birth, identity={"ipp": ipp} if ipp else {}))

    def _death(self, row: dict[str, Any], where: Where) -> None:
        key = self._person_key(row)
        when = C.parse_date(_s(row, "death_date", "death_datetime"))
        p = self.asm.patients.get(key)
        if p is None:
            raise ValueError(f"death of {key}, who is not in the person table")
        p.death_date = when

    def _condition(self, row: dict[str, Any], where: Where) -> None:
        patient = self._person_key(row)
        cid = _id(row, "condition_occurrence_id")
        key = f"condition_occurrence/{cid}"
        source = _s(row, "condition_source_value")
        concept = self.concept(_id(row, "condition_source_concept_id") or _id(row, "condition_concept_id"))
        d = C.read_diagnosis(concept, source_value=source)
        if d.kind is None and not source:
            std = M.omop_concepts().get(_id(row, "condition_concept_id"))
            if std and std[0] == "condition":
                d = C.read_diagnosis(C.Concept((C.Code("icd10", std[1]),)))
            elif std and std[0] == "unspecific":
                d.kind = "unspecific"
        when = C.parse_date(_s(row, "condition_start_date"))
        label = source or f"concept {_s(row, 'condition_concept_id')}"
        if d.kind is None:
            self.asm.note(where, f"condition not a cancer ({label}): not stored")
            return
        if d.kind == "unspecific" or (d.kind == "primary" and not d.icd10):
            self.asm.note(where, f"cancer of unknown site ({label}): not stored")
            return
        if when is None:
            raise ValueError(f"{key}: no condition_start_date")
        if d.kind == "secondary":
            self.asm.add_fact(
                patient,
                Fact("event", key, where, {"type": "metastasis", "site": d.site, "date": when}, when=when),
            )
            return
        self.conditions.add(cid)
        self.asm.add_tumour(
            patient, TumourFact(key, where, d.icd10, when, d.topography, d.morphology, d.laterality, d.grade)
        )

    def _episodes(self) -> None:
        """Treatment lines (episode_number of a treatment episode) and the tumour each line treats
        (the condition linked to its parent disease episode)."""
        episodes = {_id(r, "episode_id"): r for _, r in self.table("episode")}
        if not episodes:
            return
        links: dict[str, list[str]] = {}
        for _, r in self.table("episode_event"):
            links.setdefault(_id(r, "episode_id"), []).append(_id(r, "event_id"))

        def tumour_of(eid: str, depth: int = 0) -> str | None:
            condition = next((e for e in links.get(eid, []) if e in self.conditions), None)
            if condition:
                return f"condition_occurrence/{condition}"
            parent = _id(episodes.get(eid, {}), "episode_parent_id")
            return tumour_of(parent, depth + 1) if parent and depth < 5 else None

        for eid, ep in episodes.items():
            number = _id(ep, "episode_number")
            line = int(number) if number.isdigit() else None
            name = fold(_s(ep, "episode_source_value")) + fold(
                str(self.vocab.get(_id(ep, "episode_concept_id"), ("", "", ""))[2])
            )
            if line is None and not re.search(r"regimen|line|ligne|treatment|traitement", name + " regimen"):
                continue
            for event in links.get(eid, []):
                if event not in self.conditions:
                    self.line_of[event] = (line, tumour_of(eid))

    def _measurement(self, row: dict[str, Any], where: Where) -> None:
        patient = self._person_key(row)
        key = f"measurement/{_id(row, 'measurement_id')}"
        when = C.parse_date(_s(row, "measurement_date"))
        concept = self.concept(_id(row, "measurement_concept_id"), _s(row, "measurement_source_value"))
        name = concept.words()
        value_text = (
            _s(row, "value_source_value")
            or (self.vocab.get(_id(row, "value_as_concept_id")) or ("", "", ""))[2]
        )
        number = _s(row, "value_as_number")
        tumour = (
            f"condition_occurrence/{_id(row, 'modifier_of_event_id')}"
            if _id(row, "modifier_of_event_id") in self.conditions
            else None
        )
        loinc = next((M.loinc_codes()[c] for c in concept.of("loinc") if c in M.loinc_codes()), (None, None))
        axis = re.search(r"\btnm\s*([tnm])\b", name) or (
            re.fullmatch(r"[cpy]?([tnm])[0-4x].*", name.replace(" ", "")) if len(name) < 8 else None
        )
        if loinc[0] in ("tnm_t", "tnm_n", "tnm_m"):
            axis_letter = loinc[0][-1].upper()
        elif axis:
            axis_letter = axis.group(1).upper()
        else:
            axis_letter = None
        if axis_letter:
            value = C.tnm(value_text or _s(row, "measurement_source_value"), axis_letter)
            if value is None:
                self.asm.note(where, f"TNM {axis_letter} value not understood ({value_text})")
                return
            self.asm.add_attribute(
                patient, TumourAttribute(tumour, where, when, {axis_letter.lower(): value})
            )
        elif loinc[0] == "stage" or re.search(r"\b(stade|stage)\b", name):
            value = C.stage(value_text or number)
            if value is None:
                self.asm.note(where, f"stage value not understood ({value_text})")
                return
            self.asm.add_attribute(patient, TumourAttribute(tumour, where, when, {"stage": value}))
        elif "metasta" in name or (C.word_value("events", name) or "none") != "none":
            event = "metastasis" if "metasta" in name else C.word_value("events", name)
            site = None
            if event == "metastasis":
                site = (
                    C.metastasis_site(C.icd10(value_text))
                    or C.word_value("metastasis_sites", name)
                    or "other"
                )
            if when is None:
                raise ValueError(f"{key}: an event without a date")
            self.asm.add_fact(
                patient,
                Fact(
                    "event",
                    key,
                    where,
                    {"type": event, "site": site, "date": when},
                    tumour_key=tumour,
                    when=when,
                ),
            )
        elif "grade" in name:
            value = C.grade(value_text or number.split(".")[0])
            if value is None:
                self.asm.note(where, f"grade value not understood ({value_text or number})")
                return
            self.asm.add_attribute(patient, TumourAttribute(tumour, where, when, {"grade": value}))
        else:
            first = concept.codes[0].display if concept.codes else ""
            marker = (
                loinc[1]
                if loinc[0] == "marker"
                else C.marker_of(_s(row, "measurement_source_value") or first)
            )
            if marker is None:
                self.asm.note(where, f"measurement not read ({_s(row, 'measurement_source_value') or name})")
                return
            alteration = C.alteration_of(value_text)
            status = C.status_of(value_text.replace(alteration or "\0", " "))
            if alteration and status in (None, "positive") and marker not in ("HER2",):
                status = (
                    "rearranged"
                    if re.search(r"fusion|rearrang|-alk", fold(value_text))
                    else ("mutated" if marker not in ("ER", "PR", "PD-L1", "KI67") else status)
                )
            value = float(number) if re.fullmatch(r"-?\d+(\.\d+)?", number) else None
            if status is None and value is None:
                self.asm.note(where, f"{marker}: result not understood ({value_text or 'no value'})")
                return
            self.asm.add_fact(
                patient,
                biomarker_fact(
                    key,
                    where,
                    marker=marker,
                    status=status,
                    alteration=alteration,
                    value=value,
                    unit=_s(row, "unit_source_value") or None,
                    when=when,
                    tumour_key=tumour,
                ),
            )

    def _drug(self, row: dict[str, Any], where: Where) -> None:
        patient = self._person_key(row)
        did = _id(row, "drug_exposure_id")
        source = _s(row, "drug_source_value")
        concept = self.concept(_id(row, "drug_source_concept_id") or _id(row, "drug_concept_id"), source)
        hit = C.read_drug(concept, source_value=source, omop_id=_id(row, "drug_concept_id"))
        if hit is None:
            self.asm.note(where, f"drug not in the terminology ({source or _s(row, 'drug_concept_id')})")
            return
        if hit.note:
            self.asm.note(where, hit.note)
        start = C.parse_date(_s(row, "drug_exposure_start_date"))
        end = C.parse_date(_s(row, "drug_exposure_end_date"))
        line, tumour = self.line_of.get(did, (None, None))
        self.asm.add_fact(
            patient,
            treatment_fact(
                f"drug_exposure/{did}",
                where,
                cls=hit.cls,
                name=hit.inn,
                atc=hit.atc,
                line=line,
                start=start,
                end=end,
                tumour_key=tumour,
            ),
        )

    def _procedure(self, row: dict[str, Any], where: Where) -> None:
        patient = self._person_key(row)
        pid = _id(row, "procedure_occurrence_id")
        source = _s(row, "procedure_source_value")
        concept = self.concept(_id(row, "procedure_concept_id"), source)
        found = C.read_procedure(
            C.Concept(concept.codes, source or (concept.codes[0].display if concept.codes else ""))
        )
        if found is None:
            self.asm.note(where, f"procedure not a cancer treatment we know ({source or concept.label()})")
            return
        start = C.parse_date(_s(row, "procedure_date"))
        end = C.parse_date(_s(row, "procedure_end_date")) or start
        line, tumour = self.line_of.get(pid, (None, None))
        self.asm.add_fact(
            patient,
            treatment_fact(
                f"procedure_occurrence/{pid}",
                where,
                cls=found[0],
                name=found[1],
                atc=None,
                line=line,
                start=start,
                end=end,
                tumour_key=tumour,
            ),
        )

    def _specimen(self, row: dict[str, Any], where: Where) -> None:
        patient = self._person_key(row)
        source = _s(row, "specimen_source_value")
        concept = self.concept(_id(row, "specimen_concept_id"), source)
        kind = C.specimen_type(concept)
        if kind is None:
            self.asm.note(where, f"specimen type not recognised ({source or concept.label()})")
            return
        when = C.parse_date(_s(row, "specimen_date"))
        quantity = _s(row, "quantity")
        available = not re.fullmatch(r"0+(\.0+)?", quantity) if quantity else True
        self.asm.add_fact(
            patient,
            Fact(
                "sample",
                f"specimen/{_id(row, 'specimen_id')}",
                where,
                {
                    "type": kind,
                    "conservation": C.conservation(source, concept.words()),
                    "date": when,
                    "available": available,
                },
                when=when,
            ),
        )

    def _note(self, row: dict[str, Any], where: Where) -> None:
        patient = self._person_key(row)
        key = f"note/{_id(row, 'note_id')}"
        when = C.parse_date(_s(row, "note_date"))
        if when is None:
            raise ValueError(f"{key}: no note_date")
        title = _s(row, "note_title") or None
        names = [
            _s(row, "note_source_value"),
            title or "",
            (self.vocab.get(_id(row, "note_class_concept_id")) or ("", "", ""))[2],
            (self.vocab.get(_id(row, "note_type_concept_id")) or ("", "", ""))[2],
        ]
        dtype = C.doc_type(C.Concept(text=" | ".join(n for n in names if n)))
        if dtype is None:
            dtype = "letter"
            self.asm.note(where, "note type not recognised: stored as a letter")
        text = _s(row, "note_text")
        scan = None
        source = _s(row, "note_source_value")
        if not text and source:
            path = (self.root / source).resolve()
            if (
                path.suffix.lower() in SCAN_SUFFIXES
                and path.is_file()
                and path.is_relative_to(self.root.resolve())
            ):
                scan = (path.read_bytes(), path.suffix.lower())
        if not text and scan is None:
            self.asm.note(where, f"{key}: empty note: not stored")
            return
        self.asm.add_document(DocumentFact(key, patient, where, dtype, when, title, text or None, scan))


def read_omop(path: Path | str, centre: str) -> OmopRead:
    path = Path(path)
    if not is_omop(path):
        raise CorpusError(f"{path} holds no OMOP person table (person.csv or person.parquet).")
    return OmopReader(path, centre).read()
