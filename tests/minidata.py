"""A small random clinical dataset written straight through ``Store`` (no generator, no ingestion).

The compiler's focused tests and the random-tree differential tests need data whose every field
varies (codes, stages, dates, flags, tricky text) and that does not depend on other areas being
finished. ``make_dataset(n, seed)`` draws patients as ``retrieval.records.PatientRecord`` (the same
records the reference evaluator reads) plus documents cut into qualifier segments; ``load(store,
ds)`` inserts them (FTS index rebuilt at the end).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from query_compiler.engine import completed_years
from retrieval.records import (
    BiomarkerRecord,
    EventRecord,
    Identity,
    PatientRecord,
    SampleRecord,
    StayRecord,
    TreatmentRecord,
    TumourRecord,
)

REFERENCE_DATE = date(2024, 6, 30)
CENTRES = ("C1", "C2", "C3")
SITES = [
    ("C50.4", "C50.4", "8500/3", "ductal_carcinoma"),
    ("C50.9", None, "8520/3", "lobular_carcinoma"),
    ("C34.1", "C34.1", "8140/3", "adenocarcinoma"),
    ("C20", "C20.9", "8240/3", "neuroendocrine"),
    ("C25.4", "C25.4", "8246/3", "neuroendocrine"),
    ("C90.0", "C42.1", "9732/3", "myeloma"),
    ("C92.0", "C42.1", "9861/3", "aml"),
    ("C43.5", "C44.5", "8720/3", "melanoma"),
    ("C64", "C64.9", "8310/3", "clear_cell_carcinoma"),
    ("C56", "C56.9", "8441/3", "serous_carcinoma"),
]
STAGES = ["I", "IA", "II", "IIB", "III", "IIIA", "IIIC", "IV", "IVB", None]
DRUGS = [
    ("chemotherapy", "docetaxel", "L01CD02"),
    ("chemotherapy", "cisplatin", "L01XA01"),
    ("targeted_therapy", "osimertinib", "L01EB04"),
    ("immunotherapy", "pembrolizumab", "L01FF02"),
    ("hormone_therapy", "letrozole", "L02BG04"),
    ("cell_therapy", "autologous_sct", None),
    ("surgery", "mastectomy", None),
    ("radiotherapy", "external_radiotherapy", None),
    ("chemotherapy", "melphalan", "L01AA03"),
]
MARKERS = [
    ("HER2", "positive", None, None),
    ("ER", "negative", None, 0.0),
    ("PD-L1", "positive", None, 60.0),
    ("PD-L1", "negative", None, 0.0),
    ("BRAF", "mutated", "V600E", None),
    ("EGFR", "wild_type", None, None),
    ("Ki67", None, None, 25.0),
]
PHRASES = [
    "préservation de la fertilité",
    "oncofertilité",
    "cryopréservation ovocytaire",
    "cryoconservation ovarienne",
    "ovocytes congelés",
    "embryon congelé",
    "fragment ovarien",
    "MIV",
    "réponse complète",
    "très bonne réponse",
    "longue réponse",
    "métastase hépatique",
    "récidive locale",
    "progression tumorale",
    "l’ovocyte",
    "œdème",
    "TNF-α",
    "10² cellules",
    "Ki-67 à 15 %",
    "sous-cutanée",
    "AND OR NOT",
    "pas de",
    '"quote"',
    "préservation",
    "fertilité",
    "la patiente",
    "au scanner",
    "sans",
    "de la",
    "NEAR",
    "ov",
    "cryo*",
]


@dataclass
class Dataset:
    patients: list[PatientRecord]
    documents: list[dict[str, Any]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)


def _day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def _patient(rng: random.Random, pid: int, ids: list[int]) -> PatientRecord:
    def nid() -> int:
        ids[0] += 1
        return ids[0]

    birth = _day(rng, date(1930, 1, 1), date(2000, 12, 31))
    if rng.random() < 0.05:
        birth = date(rng.choice([1948, 1960, 1972]), 2, 29)
    tumours, events, treatments, biomarkers, stays, samples = [], [], [], [], [], []
    for rank in range(1, rng.choice([1, 1, 1, 2, 2, 3]) + 1):
        icd, topo, morph, group = rng.choice(SITES)
        dx = _day(rng, birth + timedelta(days=365 * 18), REFERENCE_DATE - timedelta(days=30))
        t = TumourRecord(
            id=nid(),
            rank=rank,
            icd10=icd,
            topography=topo,
            morphology=morph,
            histology_group=group,
            laterality=rng.choice(["left", "right", None]),
            grade=rng.choice([1, 2, 3, None]),
            stage=rng.choice(STAGES),
            t=rng.choice(["T1c", "T2", "T3", None]),
            n=rng.choice(["N0", "N1a", None]),
            m=rng.choice(["M0", "M1", None]),
            metastatic_at_diagnosis=rng.random() < 0.2,
            diagnosis_date=dx,
        )
        tumours.append(t)
        for _ in range(rng.choice([0, 0, 1, 2])):
            etype = rng.choice(["metastasis", "metastasis", "local_recurrence", "progression", "relapse"])
            events.append(
                EventRecord(
                    id=nid(),
                    tumour_id=t.id if rng.random() < 0.9 else None,
                    type=etype,
                    site=rng.choice(["bone", "liver", "brain"]) if etype == "metastasis" else None,
                    date=_day(rng, dx, REFERENCE_DATE),
                )
            )
        for line in range(1, rng.choice([0, 1, 2, 3]) + 1):
            for _ in range(rng.choice([1, 1, 2])):
                cls, name, atc = rng.choice(DRUGS)
                start = _day(rng, dx, REFERENCE_DATE)
                treatments.append(
                    TreatmentRecord(
                        id=nid(),
                        tumour_id=t.id,
                        cls=cls,
                        name=name,
                        atc=atc,
                        line=line if rng.random() < 0.9 else None,
                        start_date=start,
                        end_date=None if rng.random() < 0.3 else _day(rng, start, REFERENCE_DATE),
                    )
                )
        for _ in range(rng.choice([0, 1, 2])):
            marker, status, alt, value = rng.choice(MARKERS)
            biomarkers.append(
                BiomarkerRecord(
                    id=nid(),
                    tumour_id=t.id,
                    marker=marker,
                    status=status,
                    alteration=alt,
                    value=value,
                    date=rng.choice([dx, None, _day(rng, dx, REFERENCE_DATE)]),
                )
            )
        if rng.random() < 0.6:
            adm = _day(rng, dx, REFERENCE_DATE)
            codes = [(icd, "DP")] + ([("C79.5", "DAS")] if rng.random() < 0.3 else [])
            stays.append(
                StayRecord(
                    id=nid(), admission_date=adm, discharge_date=adm + timedelta(days=3), diagnoses=codes
                )
            )
        if rng.random() < 0.4:
            samples.append(
                SampleRecord(
                    id=nid(),
                    tumour_id=t.id,
                    type=rng.choice(["tumour_tissue", "blood"]),
                    conservation=rng.choice(["frozen", "ffpe", None]),
                    date=rng.choice([dx, None]),
                    available=rng.random() < 0.8,
                )
            )
    first = min((t.diagnosis_date for t in tumours), default=birth)
    death = _day(rng, first, REFERENCE_DATE) if rng.random() < 0.3 else None
    news = None if death or rng.random() < 0.05 else _day(rng, first, REFERENCE_DATE)
    identity = Identity(
        ipp=f"IPP{pid:06d}",
        nir="1" * 15,
        first_name="Jean",
        last_name=f"T{pid}",
        address="1 rue A",
        postcode="69001",
        city="Lyon",
        phone="0600000000",
    )
    return PatientRecord(
        id=pid,
        centre_id=rng.choice(CENTRES),
        sex=rng.choice("FM"),
        birth_date=birth,
        death_date=death,
        last_news_date=news,
        opposition=rng.random() < 0.1,
        identity=identity,
        tumours=tumours,
        events=events,
        treatments=treatments,
        biomarkers=biomarkers,
        stays=stays,
        samples=samples,
    )


def make_dataset(n: int = 120, seed: int = 7) -> Dataset:
    rng = random.Random(seed)
    ids = [100_000]
    ds = Dataset([_patient(rng, pid, ids) for pid in range(1, n + 1)])
    doc_id, seg_id = 1, 1
    for p in ds.patients:
        for _ in range(rng.choice([0, 1, 2, 3])):
            pieces, segs, pos = [], [], 0
            for _ in range(rng.randint(1, 4)):
                text = " ".join(rng.choice(PHRASES) for _ in range(rng.randint(1, 5)))
                flags = {f: int(rng.random() < 0.2) for f in ("negated", "hypothetical", "family", "history")}
                segs.append(
                    {
                        "id": seg_id,
                        "document_id": doc_id,
                        "patient_id": p.id,
                        "start_char": pos,
                        "end_char": pos + len(text),
                        "text": text,
                        **flags,
                    }
                )
                seg_id += 1
                pieces.append(text)
                pos += len(text) + 2
            ds.documents.append(
                {
                    "id": doc_id,
                    "patient_id": p.id,
                    "type": rng.choice(["consultation", "pathology", "imaging"]),
                    "date": _day(rng, date(2010, 1, 1), REFERENCE_DATE).isoformat(),
                    "text": ". ".join(pieces),
                }
            )
            ds.segments.extend(segs)
            doc_id += 1
    return ds


def load(store: Any, ds: Dataset) -> None:
    """Insert the dataset's rows (age at diagnosis in completed years, as ingestion does)."""
    ins = store.executemany
    with store.transaction():
        ins("INSERT INTO centres (id, name, city) VALUES (:id, :id, 'X')", [{"id": c} for c in CENTRES])
        ins(
            "INSERT INTO patients (id, centre_id, sex, birth_date, death_date, last_news_date, opposition)"
            " VALUES (:id, :centre_id, :sex, :birth_date, :death_date, :last_news_date, :opposition)",
            [
                p.model_dump(
                    include={
                        "id",
                        "centre_id",
                        "sex",
                        "birth_date",
                        "death_date",
                        "last_news_date",
                        "opposition",
                    },
                    mode="json",
                )
                | {"opposition": int(p.opposition)}
                for p in ds.patients
            ],
        )
        rows: dict[str, list[dict[str, Any]]] = {
            k: []
            for k in ("tumours", "events", "treatments", "biomarkers", "stays", "stay_diagnoses", "samples")
        }
        for p in ds.patients:
            for t in p.tumours:
                rows["tumours"].append(
                    t.model_dump(mode="json")
                    | {
                        "patient_id": p.id,
                        "metastatic_at_diagnosis": int(t.metastatic_at_diagnosis),
                        "age_at_diagnosis": completed_years(t.diagnosis_date, p.birth_date),
                    }
                )
            rows["events"] += [e.model_dump(mode="json") | {"patient_id": p.id} for e in p.events]
            rows["treatments"] += [
                t.model_dump(mode="json", by_alias=True) | {"patient_id": p.id} for t in p.treatments
            ]
            rows["biomarkers"] += [b.model_dump(mode="json") | {"patient_id": p.id} for b in p.biomarkers]
            for s in p.stays:
                rows["stays"].append(
                    {
                        "id": s.id,
                        "patient_id": p.id,
                        "admission_date": s.admission_date.isoformat(),
                        "discharge_date": s.discharge_date.isoformat() if s.discharge_date else None,
                        "unit": s.unit,
                    }
                )
                rows["stay_diagnoses"] += [
                    {"stay_id": s.id, "patient_id": p.id, "code": c, "role": r} for c, r in s.diagnoses
                ]
            rows["samples"] += [
                s.model_dump(mode="json") | {"patient_id": p.id, "available": int(s.available)}
                for s in p.samples
            ]
        for table, items in rows.items():
            if items:
                cols = list(items[0])
                ins(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})",
                    items,
                )
        if ds.documents:
            ins(
                "INSERT INTO documents (id, patient_id, type, date, text)"
                " VALUES (:id, :patient_id, :type, :date, :text)",
                ds.documents,
            )
        if ds.segments:
            cols = list(ds.segments[0])
            ins(
                f"INSERT INTO segments ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})",
                ds.segments,
            )
    if store.dialect == "sqlite":
        store.execute("INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')")


def sqlite_store(path: Any, ds: Dataset) -> Any:
    """A fresh SQLite store at ``path`` holding ``ds``."""
    from retrieval.store import Store

    store = Store(str(path))
    load(store, ds)
    return store


def segment_rows(store: Any) -> list[dict[str, Any]]:
    return store.query(
        "SELECT s.document_id, s.patient_id, s.text, s.negated, s.hypothetical, s.family, s.history,"
        " d.type AS doc_type, d.date AS doc_date FROM segments s JOIN documents d ON d.id = s.document_id"
    )


def reference_for(ds: Dataset, store: Any) -> Any:
    """The reference evaluator over ``ds`` (segments read back from ``store``)."""
    from tests.reference import Evaluator, ReferenceData

    data = ReferenceData({p.id: p for p in ds.patients})
    data.add_segments(segment_rows(store))
    return Evaluator(data, REFERENCE_DATE)
