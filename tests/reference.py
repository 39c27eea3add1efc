"""A pure-Python reference evaluator: the patient set of any Criteria, computed without SQL.

It reads the generator's structured records (``patients/*.jsonl``, the truth for structured
facts) and, for text, the qualifier segments produced by annotation at ingest (loaded from the
store: the flags exist nowhere else). It re-implements every convention of the compiler in plain
Python, independently of SQL, so that ``tests/test_differential.py`` can require SQLite,
PostgreSQL and this evaluator to agree patient for patient.

Conventions (same as ``query_compiler.compiler.atoms``): codes are prefixes; stage ``III`` matches
``IIIA`` not ``IV``; ages are completed years (age at diagnosis from the birth and diagnosis
dates); a month is 30.4375 days; ``metastatic`` = at diagnosis or a metastasis event of that
tumour; treatment lines are distinct (tumour, line) pairs of systemic classes; text terms match
per segment with FTS5's folding, phrase and NEAR rules (``query_compiler.criteria.terms``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from query_compiler import criteria as C
from query_compiler.compiler.atoms import DAYS_PER_MONTH, FLAGS, group_morphologies
from query_compiler.criteria.terms import Matcher
from query_compiler.engine import completed_years
from retrieval.records import PatientRecord
from retrieval.vocab import SYSTEMIC_CLASSES

Dates = list[date | None]


@dataclass(frozen=True)
class Seg:
    document_id: int
    patient_id: int
    text: str
    negated: bool
    hypothetical: bool
    family: bool
    history: bool
    doc_type: str
    doc_date: date


@dataclass
class ReferenceData:
    patients: dict[int, PatientRecord]
    segments: dict[int, list[Seg]] = field(default_factory=dict)  # by patient

    @classmethod
    def load(cls, corpus_dir: Path | str, store: Any | None = None) -> ReferenceData:
        """Records from ``corpus_dir/patients/*.jsonl``; segments from ``store`` if given."""
        patients: dict[int, PatientRecord] = {}
        for path in sorted(Path(corpus_dir, "patients").glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rec = PatientRecord.model_validate(json.loads(line))
                    patients[rec.id] = rec
        data = cls(patients)
        if store is not None:
            data.add_segments(
                store.query(
                    "SELECT s.document_id, s.patient_id, s.text, s.negated, s.hypothetical, s.family,"
                    " s.history, d.type AS doc_type, d.date AS doc_date"
                    " FROM segments s JOIN documents d ON d.id = s.document_id"
                )
            )
        return data

    def add_segments(self, rows: Iterable[dict[str, Any]]) -> None:
        for r in rows:
            seg = Seg(
                int(r["document_id"]),
                int(r["patient_id"]),
                r["text"],
                bool(r["negated"]),
                bool(r["hypothetical"]),
                bool(r["family"]),
                bool(r["history"]),
                r["doc_type"],
                r["doc_date"] if isinstance(r["doc_date"], date) else date.fromisoformat(r["doc_date"]),
            )
            self.segments.setdefault(seg.patient_id, []).append(seg)


def _prefix(value: str | None, codes: list[str]) -> bool:
    return value is not None and any(value.startswith(c) for c in codes)


def _within(x: Any, lo: Any, hi: Any) -> bool:
    return x is not None and (lo is None or x >= lo) and (hi is None or x <= hi)


def _stage(stage: str | None, values: list[str]) -> bool:
    return stage is not None and any(
        stage == v or (stage.startswith(v) and stage[len(v) : len(v) + 1] not in ("I", "V")) for v in values
    )


class Evaluator:
    """``Evaluator(data, reference_date).patients(criteria) -> set of patient ids``."""

    def __init__(self, data: ReferenceData, reference_date: date) -> None:
        self.data = data
        self.today = reference_date
        self._matchers: dict[tuple[str, ...], Matcher] = {}

    def patients(self, node: C.Node | dict | str) -> set[int]:
        tree = C.parse_criteria(node)
        return {pid for pid, p in self.data.patients.items() if self.holds(tree, p)}

    def holds(self, node: C.Node, p: PatientRecord) -> bool:
        if isinstance(node, C.All):
            return all(self.holds(i, p) for i in node.items)
        if isinstance(node, C.AnyOf):
            return any(self.holds(i, p) for i in node.items)
        if isinstance(node, C.Not):
            return not self.holds(node.item, p)
        if isinstance(node, C.Sequence):
            return self._sequence(node, p)
        if isinstance(node, C.Sex):
            return p.sex == node.value
        if isinstance(node, C.VitalStatus):
            return (p.death_date is not None) == (node.value == "deceased")
        if isinstance(node, C.Centre):
            return p.centre_id in node.ids
        if isinstance(node, C.Age) and node.at == "today":
            return _within(completed_years(p.death_date or self.today, p.birth_date), node.min, node.max)
        if isinstance(node, C.Survival):
            return self._survival(node, p)
        if isinstance(node, C.TreatmentLines):
            lines = {
                (t.tumour_id, t.line)
                for t in p.treatments
                if t.cls in SYSTEMIC_CLASSES and t.line is not None
            }
            return _within(len(lines), node.min, node.max)
        return bool(self.instances(node, p))

    # -- dated atoms: the dates of the matching records ------------------------------------------
    def instances(self, atom: C.Node, p: PatientRecord) -> Dates:
        fn: Callable[[Any, PatientRecord], Dates] | None = getattr(self, f"_{atom.kind}", None)
        if fn is None:
            raise TypeError(f"the reference evaluator has no rule for {atom.kind!r}")
        return fn(atom, p)

    def _age(self, a: C.Age, p: PatientRecord) -> Dates:
        if a.at == "diagnosis":
            return [
                t.diagnosis_date
                for t in p.tumours
                if _within(completed_years(t.diagnosis_date, p.birth_date), a.min, a.max)
            ]
        return [
            e.date
            for e in p.events
            if e.type == a.event and _within(completed_years(e.date, p.birth_date), a.min, a.max)
        ]

    def _tumour(self, a: C.Tumour, p: PatientRecord) -> Dates:
        met_events = {e.tumour_id for e in p.events if e.type == "metastasis" and e.tumour_id is not None}
        groups = group_morphologies()
        out: Dates = []
        for t in p.tumours:
            if a.site and not (_prefix(t.icd10, a.site) or _prefix(t.topography, a.site)):
                continue
            if a.histology and not _prefix(t.morphology, a.histology):
                continue
            if a.histology_group and not (
                t.histology_group in a.histology_group
                or any(_prefix(t.morphology, list(groups.get(g, ()))) for g in a.histology_group)
            ):
                continue
            if a.laterality and t.laterality != a.laterality:
                continue
            if a.grade and t.grade not in a.grade:
                continue
            if a.stage and not _stage(t.stage, a.stage):
                continue
            if any(getattr(a, k) and not _prefix(getattr(t, k), getattr(a, k)) for k in ("t", "n", "m")):
                continue
            if (
                a.metastatic_at_diagnosis is not None
                and t.metastatic_at_diagnosis != a.metastatic_at_diagnosis
            ):
                continue
            if a.metastatic is not None and (t.metastatic_at_diagnosis or t.id in met_events) != a.metastatic:
                continue
            age = completed_years(t.diagnosis_date, p.birth_date)
            if (a.age_min is not None or a.age_max is not None) and not _within(age, a.age_min, a.age_max):
                continue
            if not _within(t.diagnosis_date, a.diagnosed_from, a.diagnosed_to):
                continue
            if a.rank == "first" and t.rank != 1 or a.rank == "subsequent" and t.rank <= 1:
                continue
            out.append(t.diagnosis_date)
        return out

    def _event(self, a: C.Event, p: PatientRecord) -> Dates:
        return [
            e.date
            for e in p.events
            if e.type == a.type
            and (not a.sites or e.site in a.sites)
            and _within(e.date, a.date_from, a.date_to)
        ]

    def _biomarker(self, a: C.Biomarker, p: PatientRecord) -> Dates:
        ops = {
            ">": lambda x, y: x > y,
            ">=": lambda x, y: x >= y,
            "<": lambda x, y: x < y,
            "<=": lambda x, y: x <= y,
            "=": lambda x, y: x == y,
        }
        return [
            b.date
            for b in p.biomarkers
            if b.marker.upper() == a.marker
            and (a.status is None or b.status == a.status)
            and (a.alteration is None or (b.alteration is not None and b.alteration.upper() == a.alteration))
            and (a.op is None or (b.value is not None and ops[a.op](b.value, a.value)))
        ]

    def _treatment(self, a: C.Treatment, p: PatientRecord) -> Dates:
        return [
            t.start_date
            for t in p.treatments
            if (not a.classes or t.cls in a.classes)
            and (not a.drugs or (t.name is not None and t.name.lower() in a.drugs))
            and (not a.atc or _prefix(t.atc, a.atc))
            and ((a.line_min is None and a.line_max is None) or _within(t.line, a.line_min, a.line_max))
            and (a.ongoing is None or (t.end_date is None) == a.ongoing)
            and _within(t.start_date, a.started_from, a.started_to)
        ]

    def _stay_diagnosis(self, a: C.StayDiagnosis, p: PatientRecord) -> Dates:
        return [
            s.admission_date
            for s in p.stays
            for code, _role in s.diagnoses
            if _prefix(code, a.codes) and _within(s.admission_date, a.date_from, a.date_to)
        ]

    def _biobank(self, a: C.Biobank, p: PatientRecord) -> Dates:
        return [
            s.date
            for s in p.samples
            if s.available
            and (not a.sample_types or s.type in a.sample_types)
            and (not a.conservation or s.conservation in a.conservation)
        ]

    def _text(self, a: C.Text, p: PatientRecord) -> Dates:
        key = tuple(a.terms)
        matcher = self._matchers.get(key) or self._matchers.setdefault(key, Matcher(a.terms))
        return [
            s.doc_date
            for s in self.data.segments.get(p.id, ())
            if not any(getattr(s, f) and f not in a.include for f in FLAGS)
            and (not a.doc_types or s.doc_type in a.doc_types)
            and _within(s.doc_date, a.date_from, a.date_to)
            and matcher.matches(s.text)
        ]

    # -- patient-level -----------------------------------------------------------------------
    def _survival(self, a: C.Survival, p: PatientRecord) -> bool:
        end = p.death_date or p.last_news_date
        if not p.tumours or end is None:
            return False
        days = (end - min(t.diagnosis_date for t in p.tumours)).days
        lo = a.min_months * DAYS_PER_MONTH if a.min_months is not None else None
        hi = a.max_months * DAYS_PER_MONTH if a.max_months is not None else None
        return _within(days, lo, hi)

    def _sequence(self, s: C.Sequence, p: PatientRecord) -> bool:
        firsts = [d for d in self.instances(s.first, p) if d is not None]
        thens = [d for d in self.instances(s.then, p) if d is not None]
        lo = s.min_months * DAYS_PER_MONTH if s.min_months is not None else None
        hi = s.max_months * DAYS_PER_MONTH if s.max_months is not None else None
        for a in firsts:
            for b in thens:
                gap = (b - a).days
                if s.relation == "after" and gap >= 0 and _within(gap, lo, hi):
                    return True
                if s.relation == "before" and gap <= 0 and _within(-gap, lo, hi):
                    return True
                if s.relation == "within" and _within(abs(gap), lo, hi):
                    return True
        return False
