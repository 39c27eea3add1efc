"""One patient's coded course, read straight from the clinical tables: what the timeline picture
draws (diagnoses, treatment lines, events), with no identifier and no report text."""

from __future__ import annotations

from typing import Any

from retrieval.store import Store


def load_course(store: Store, patient_id: int) -> dict[str, list[dict[str, Any]] | dict[str, Any]]:
    """The rows the picture needs, straight from the clinical tables."""
    p = {"p": patient_id}
    return {
        "patient": (
            store.query("SELECT sex, birth_date, death_date, last_news_date FROM patients WHERE id = :p", p)
            or [{}]
        )[0],
        "tumours": store.query(
            "SELECT id, rank, icd10, morphology, stage, diagnosis_date, metastatic_at_diagnosis "
            "FROM tumours WHERE patient_id = :p ORDER BY diagnosis_date",
            p,
        ),
        "treatments": store.query(
            "SELECT class, name, line, start_date, end_date FROM treatments WHERE patient_id = :p "
            "ORDER BY start_date",
            p,
        ),
        "events": store.query("SELECT type, site, date FROM events WHERE patient_id = :p ORDER BY date", p),
    }
