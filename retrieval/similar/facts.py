"""A patient's comparable facts, read from the store's clinical tables (any centre's data, not generator
files).

Facts are a small bag per group (``{"site": {"C34": 1.0}, "biomarker": {"EGFR:mutated": 1.0}}``):
the same shape serves a stored patient and a typed case, so vectorising, explaining and
evaluating never care where the facts came from. A value's weight inside its group says how much it
counts there (a second primary tumour counts half as much as the first one).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from retrieval.store import Store, batches, bind_in
from retrieval.vocab import SYSTEMIC_CLASSES

Facts = dict[str, dict[str, float]]

SECOND_TUMOUR_WEIGHT = 0.5
CHUNK = 2000
# A positive finding (EGFR mutated, HER2 positive) says more about a tumour than one of the many
# negative results of a panel (ALK negative, KRAS wild type), which would otherwise drown it.
STATUS_WEIGHTS = {"mutated": 1.0, "rearranged": 1.0, "amplified": 1.0, "positive": 1.0, "high": 1.0,
                  "equivocal": 0.5, "negative": 0.3, "wild_type": 0.3, "low": 0.3}


@dataclass
class PatientInfo:
    """What a result line shows besides facts (no identifier: centre, sex, age band, vital status)."""

    patient_id: int
    centre_id: str
    sex: str
    age: int | None
    deceased: bool
    opposition: bool
    facts: Facts = field(default_factory=dict)
    # values read from reports where the coded tables were silent (report_facts.py), per group
    from_reports: dict[str, list[str]] = field(default_factory=dict)


def is_haematological(icd10: str | None) -> bool:
    """ICD-10 C81-C96 (lymphomas, myeloma, leukaemias) and D45-D47 (myeloproliferative / MDS)."""
    if not icd10:
        return False
    code = icd10.upper().replace(".", "")
    if code[:1] == "C" and code[1:3].isdigit():
        return 81 <= int(code[1:3]) <= 96
    return code[:3] in ("D45", "D46", "D47")


def stage_group(icd10: str | None, stage: str | None, m: str | None = None,
                metastatic: bool = False) -> str | None:
    """Stage group used everywhere (features, relevance, explanations): I-II, III, IV or haem."""
    if is_haematological(icd10):
        return "haem"
    st = (stage or "").upper().strip()
    if metastatic or (m or "").upper().startswith("M1") or st.startswith("IV"):
        return "IV"
    if st.startswith("III"):
        return "III"
    if st.startswith(("0", "I")):
        return "I-II"
    return None


def site_code(code: str | None) -> str | None:
    """ICD-10 (or ICD-O-3 topography) 3-character category: 'C50.4' -> 'C50'."""
    if not code:
        return None
    code = code.upper().replace(".", "").strip()
    return code[:3] if len(code) >= 3 else None


def morphology_code(code: str | None) -> str | None:
    """ICD-O-3 morphology without behaviour: '8140/3' -> '8140' (shorter prefixes carry no exact type)."""
    digits = re.sub(r"\D", "", (code or "").split("/")[0])
    return digits[:4] if len(digits) >= 4 else None


def tnm_category(prefix: str, value: str | None) -> str | None:
    """'T2a' -> 'T2', 'cN1' -> 'N1', 'pM0' -> 'M0'; unknown (TX) is not a fact."""
    v = (value or "").strip().lstrip("cpyr")
    if not v:
        return None
    if not v.upper().startswith(prefix):
        v = prefix + v
    m = re.match(rf"{prefix}(\d|is)", v, re.IGNORECASE)
    return f"{prefix}{m.group(1)}" if m else None


def marker_key(marker: str) -> str:
    """Markers compare without case, spaces or hyphens: 'PD-L1' == 'pdl1'."""
    return re.sub(r"[\s\-_]", "", marker).upper()


def lines_bucket(n: int) -> str:
    return "3+" if n >= 3 else str(max(n, 0))


def age_values(age: int | None) -> dict[str, float]:
    """Two overlapping 10-year grids, so patients a few years apart share at least one band."""
    if age is None:
        return {}
    lo = (age // 10) * 10
    shifted = ((age - 5) // 10) * 10 + 5
    return {f"{lo}-{lo + 9}": 1.0, f"{shifted}-{shifted + 9}~": 1.0}


def add_fact(facts: Facts, group: str, value: str | None, weight: float = 1.0) -> None:
    if value is None or value == "":
        return
    bag = facts.setdefault(group, {})
    bag[value] = max(bag.get(value, 0.0), weight)


def tumour_facts(facts: Facts, row: dict, weight: float) -> None:
    icd = row.get("icd10")
    add_fact(facts, "site", site_code(icd) or site_code(row.get("topography")), weight)
    add_fact(facts, "histology", (row.get("histology_group") or "").lower() or None, weight)
    add_fact(facts, "morphology", morphology_code(row.get("morphology")), weight)
    metastatic = bool(row.get("metastatic_at_diagnosis"))
    add_fact(facts, "stage", stage_group(icd, row.get("stage"), row.get("m"), metastatic), weight)
    for prefix in ("T", "N", "M"):
        add_fact(facts, "tnm", tnm_category(prefix, row.get(prefix.lower())), weight)
    if row.get("grade"):
        add_fact(facts, "grade", f"G{int(row['grade'])}", weight)
    if metastatic:
        add_fact(facts, "metastatic", "metastatic", weight)


def _age_at(birth: str | None, when: str | None) -> int | None:
    if not birth or not when:
        return None
    b, w = date.fromisoformat(birth[:10]), date.fromisoformat(when[:10])
    return w.year - b.year - ((w.month, w.day) < (b.month, b.day))


def _rows(store: Store, table: str, cols: str, chunk: list[int], key: str = "patient_id") -> list[dict]:
    """Rows of one table for a chunk of patients: a range scan when the chunk is dense, else IN."""
    lo, hi = chunk[0], chunk[-1]
    if hi - lo <= 4 * len(chunk):
        wanted = set(chunk)
        rows = store.query(
            f"SELECT {key} AS patient_id, {cols} FROM {table} WHERE {key} >= :lo AND {key} <= :hi",
            {"lo": lo, "hi": hi},
        )
        return [r for r in rows if r["patient_id"] in wanted]
    marks, names = bind_in(chunk)
    return store.query(f"SELECT {key} AS patient_id, {cols} FROM {table} WHERE {key} IN ({marks})", names)


TABLES = (
    ("tumours", "rank, icd10, topography, morphology, histology_group, grade, t, n, m, stage, "
                "metastatic_at_diagnosis, diagnosis_date, age_at_diagnosis"),
    ("events", "tumour_id, type, site"),
    ("biomarkers", "tumour_id, marker, status, alteration"),
    ("treatments", "tumour_id, class, name, line"),
)


def load_patients(store: Store, ids: Iterable[int]) -> Iterator[PatientInfo]:
    """Facts of these patients, in increasing id order, read chunk by chunk (fits 100k+ patients)."""
    for chunk in batches(sorted({int(i) for i in ids}), CHUNK):
        patients = {
            r["patient_id"]: r
            for r in _rows(store, "patients", "centre_id, sex, birth_date, death_date, opposition", chunk,
                           key="id")
        }
        by: dict[str, dict[int, list[dict]]] = {}
        for table, cols in TABLES:
            grouped: dict[int, list[dict]] = defaultdict(list)
            for r in _rows(store, table, cols, chunk):
                grouped[r["patient_id"]].append(r)
            by[table] = grouped
        for pid in chunk:
            if pid in patients:
                yield build_info(pid, patients[pid], *(by[t].get(pid, []) for t, _ in TABLES))


def build_info(pid: int, patient: dict, tumours: list[dict], events: list[dict],
               biomarkers: list[dict], treatments: list[dict]) -> PatientInfo:
    """Turn one patient's rows into facts; pure, so tests and the benchmark can call it on plain dicts."""
    facts: Facts = {}
    tumours = sorted(tumours, key=lambda r: (r.get("rank") or 1, r.get("diagnosis_date") or ""))
    for i, t in enumerate(tumours):
        tumour_facts(facts, t, 1.0 if i == 0 else SECOND_TUMOUR_WEIGHT)
    first = tumours[0].get("id") if tumours else None

    def weight(row: dict) -> float:
        """Facts attached to a later primary count like that tumour (half)."""
        tid = row.get("tumour_id")
        return 1.0 if tid is None or first is None or tid == first else SECOND_TUMOUR_WEIGHT

    age = None
    if tumours:
        age = tumours[0].get("age_at_diagnosis")
        if age is None:
            age = _age_at(patient.get("birth_date"), tumours[0].get("diagnosis_date"))
    for e in events:
        if e["type"] == "metastasis":
            add_fact(facts, "metastatic", "metastatic", weight(e))
            add_fact(facts, "metastatic", f"site:{e['site']}" if e.get("site") else None, weight(e))
        else:
            add_fact(facts, "event", e["type"], weight(e))
    if tumours and "metastatic" not in facts:
        add_fact(facts, "metastatic", "non-metastatic")
    for b in biomarkers:
        mk, w = marker_key(b["marker"]), weight(b)
        status = b.get("status")
        sw = STATUS_WEIGHTS.get(status or "", 0.5)
        add_fact(facts, "biomarker", f"{mk}:{status}" if status else None, w * sw)
        alt = (b.get("alteration") or "").strip().upper()
        add_fact(facts, "alteration", f"{mk}:{alt}" if alt else None, w)
    lines: set[int] = set()
    for t in treatments:
        add_fact(facts, "treatment", t["class"], weight(t))
        add_fact(facts, "drug", (t.get("name") or "").strip().lower() or None, weight(t))
        if t["class"] in SYSTEMIC_CLASSES and t.get("line"):
            lines.add(int(t["line"]))
    if tumours:
        add_fact(facts, "lines", lines_bucket(len(lines)))
    for band, w in age_values(age).items():
        add_fact(facts, "age", band, w)
    add_fact(facts, "sex", patient.get("sex"))
    return PatientInfo(
        patient_id=pid, centre_id=patient["centre_id"], sex=patient["sex"], age=age,
        deceased=bool(patient.get("death_date")), opposition=bool(patient.get("opposition")), facts=facts,
    )
