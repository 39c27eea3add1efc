"""The coded record of patients, read back from the clinical tables: what a FHIR cohort export
carries (tumours with their codes and staging, events, treatments, biomarkers, biobank samples).
No identity, no report text, no store-wide id other than the patient's (the caller pseudonymises it
and shifts every date)."""

from __future__ import annotations

from typing import Any

from retrieval.store import Store, batches, bind_in

TABLES = {
    "tumours": "id, patient_id, rank, icd10, topography, morphology, histology_group, laterality, grade, "
    "t, n, m, "
    "stage, metastatic_at_diagnosis, diagnosis_date",
    "events": "patient_id, tumour_id, type, site, date",
    "treatments": "patient_id, tumour_id, class, name, atc, line, start_date, end_date",
    "biomarkers": "patient_id, tumour_id, marker, status, alteration, value, unit, date",
    "samples": "patient_id, tumour_id, type, conservation, date, available",
}


def coded_records(store: Store, patient_ids: list[int]) -> dict[int, dict[str, Any]]:
    """{patient id: {"patient": {...}, "tumours": [...], "events": [...], ...}} in date order."""
    out: dict[int, dict[str, Any]] = {int(p): {name: [] for name in TABLES} for p in patient_ids}
    for chunk in batches(list(out), 500):
        marks, params = bind_in(chunk)
        for row in store.query(
            f"SELECT id, sex, birth_date, death_date, last_news_date FROM patients WHERE id IN ({marks})",
            params,
        ):
            out[int(row["id"])]["patient"] = row
        for table, cols in TABLES.items():
            for row in store.query(
                f"SELECT {cols} FROM {table} WHERE patient_id IN ({marks}) ORDER BY id", params
            ):
                out[int(row["patient_id"])][table].append(row)
    return out
