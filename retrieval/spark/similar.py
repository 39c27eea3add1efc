"""Similar-patient vectors computed on Spark; the FAISS index is then built from them as usual.

Two jobs on the executors, around one step in the driver:

1. facts: each patient's rows of ``patients``, ``tumours``, ``events``, ``biomarkers`` and
   ``treatments`` are gathered by patient (``collect_list``, the same columns as
   ``retrieval.similar.facts.TABLES``) and turned into facts by the same pure function as on SQL
   stores (``facts.build_info``), so a patient's facts are identical whatever the store;
2. in the driver: facts completed from the reports where the coded tables are silent
   (``report_facts.complete_from_reports``, which reads the reports of those patients only, by
   Spark SQL), the feature vocabulary, and the summary texts when they come from the reports;
3. vectors: weighted one-hot facts and the text embedding (``vectors.patient_vectors``' own
   parts: ``features.vectorise``, ``text.embed``, ``vectors.combine``), per partition, each Python
   worker loading the encoder once. The vectors come back to the driver, which builds FAISS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from retrieval.similar.facts import TABLES, PatientInfo, build_info
from retrieval.similar.features import Vocabulary, vectorise, weighted_features
from retrieval.similar.report_facts import complete_from_reports
from retrieval.similar.text import embed, facts_text, summaries
from retrieval.similar.vectors import VectorSpec, combine

FACTS_SCHEMA = (
    "patient_id BIGINT, centre_id STRING, sex STRING, age INT, deceased BOOLEAN, opposition BOOLEAN,"
    " facts STRING"
)
VECTOR_SCHEMA = "patient_id BIGINT, vector ARRAY<FLOAT>"
PATIENT_COLS = ("centre_id", "sex", "birth_date", "death_date", "opposition")


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        value = value.tolist()
    return value


def _records(cell: Any) -> list[dict[str, Any]]:
    """An ``ARRAY<STRUCT>`` cell from Arrow (None, or an array of dicts) as a list of plain dicts."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return []
    return [{k: _plain(v) for k, v in dict(r).items()} for r in list(cell)]


def facts_job(frames: Iterable[Any]) -> Iterator[Any]:
    """``mapInPandas``: one row per patient with its rows per table -> its facts (``build_info``)."""
    import pandas as pd

    for pdf in frames:
        out = []
        for rec in pdf.to_dict("records"):
            patient = {c: _plain(rec[c]) for c in PATIENT_COLS}
            info = build_info(int(rec["id"]), patient, *(_records(rec[t]) for t, _ in TABLES))
            out.append({"patient_id": info.patient_id, "centre_id": info.centre_id, "sex": info.sex,
                        "age": info.age, "deceased": info.deceased, "opposition": info.opposition,
                        "facts": json.dumps(info.facts, sort_keys=True)})
        yield pd.DataFrame(out, columns=[c.split()[0] for c in FACTS_SCHEMA.split(", ")])


def _by_patient(session: Any, table: str, cols: str) -> Any:
    from pyspark.sql import functions as F

    names = [c.strip() for c in cols.split(",")]
    # dates as ISO text, as the SQL stores return them (build_info compares and parses text)
    exprs = [F.col(c).cast("string").alias(c) if c.endswith("date") else F.col(c) for c in names]
    rows = session.table(table).select("patient_id", F.struct(*exprs).alias("r"))
    return rows.groupBy("patient_id").agg(F.collect_list("r").alias(table))


def patient_facts(store: Any, ids: Iterable[int], from_reports: bool) -> list[PatientInfo]:
    """Facts of these patients, computed on the executors (see the module docstring)."""
    from pyspark.sql import functions as F

    session = store.session()
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return []
    patients = session.table("patients").select(
        "id", "centre_id", "sex", F.col("birth_date").cast("string").alias("birth_date"),
        F.col("death_date").cast("string").alias("death_date"), "opposition",
    )
    keys = session.createDataFrame([(i,) for i in wanted], "id BIGINT")
    frame = patients.join(F.broadcast(keys), on="id", how="left_semi")
    for table, cols in TABLES:
        per = _by_patient(session, table, cols)
        frame = frame.join(per, frame["id"] == per["patient_id"], "left").drop("patient_id")
    rows = frame.mapInPandas(facts_job, FACTS_SCHEMA).collect()
    out = sorted(
        (
            PatientInfo(patient_id=int(r["patient_id"]), centre_id=r["centre_id"], sex=r["sex"], age=r["age"],
                        deceased=bool(r["deceased"]), opposition=bool(r["opposition"]),
                        facts=json.loads(r["facts"]))
            for r in rows
        ),
        key=lambda p: p.patient_id,
    )
    if from_reports:
        complete_from_reports(store, out)
    return out


def vector_job(vocab: Vocabulary, spec: VectorSpec, batch_size: int) -> Any:
    """``mapInPandas``: (patient_id, facts, text) -> the patient's vector (``vectors.combine``)."""

    def run(frames: Iterable[Any]) -> Iterator[Any]:
        import pandas as pd

        for pdf in frames:
            facts = [json.loads(f) for f in pdf["facts"]]
            struct = vectorise([weighted_features(f, spec.group_weights) for f in facts], vocab)
            text = embed(list(pdf["text"]), spec.text_model, batch_size) if spec.has_text else None
            vectors = combine(struct, text, spec.effective_weight)
            yield pd.DataFrame({"patient_id": pdf["patient_id"], "vector": list(vectors)})

    return run


def patient_vectors(store: Any, patients: list[PatientInfo], vocab: Vocabulary, spec: VectorSpec,
                    batch_size: int = 64) -> np.ndarray:
    """The vectors of ``patients`` (in their order), computed on the executors."""
    dim = vocab.capacity + (spec.text_dim if spec.has_text else 0)
    if not patients:
        return np.zeros((0, dim), dtype=np.float32)
    session = store.session()
    texts = (
        [facts_text(p.facts) for p in patients] if spec.summary == "facts" or not spec.has_text
        else summaries(store, patients, spec.summary)
    )
    rows = [(p.patient_id, json.dumps(p.facts), t) for p, t in zip(patients, texts, strict=True)]
    parts = max(1, min(len(rows) // 2000 + 1, 4 * (store.spark_url.cores or 4)))
    frame = session.createDataFrame(rows, "patient_id BIGINT, facts STRING, text STRING").repartition(parts)
    got = {int(r["patient_id"]): r["vector"] for r in
           frame.mapInPandas(vector_job(vocab, spec, batch_size), VECTOR_SCHEMA).collect()}
    return np.ascontiguousarray(np.array([got[p.patient_id] for p in patients], dtype=np.float32))
