"""Checks a record must pass beyond its JSON schema: references to rows that must exist.

Each returns ``None`` or one sentence saying what is wrong, so the rejection message can name the
file and line and the person fixing the export knows what to look for.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.records import DocumentRecord, PatientRecord

SCAN_SUFFIXES = {".png", ".pdf", ".jpg", ".jpeg", ".tif", ".tiff"}


def check_patient(rec: PatientRecord, centres: set[str]) -> str | None:
    if rec.centre_id not in centres:
        return f"patient {rec.id}: centre {rec.centre_id!r} is not in centres.jsonl"
    tumour_ids = {t.id for t in rec.tumours}
    for label, items in (
        ("event", rec.events),
        ("treatment", rec.treatments),
        ("biomarker", rec.biomarkers),
        ("sample", rec.samples),
    ):
        for item in items:
            if item.tumour_id is not None and item.tumour_id not in tumour_ids:
                return (
                    f"patient {rec.id}: {label} {item.id} refers to tumour {item.tumour_id}, "
                    "which is not one of this patient's tumours"
                )
    if rec.death_date and rec.death_date < rec.birth_date:
        return f"patient {rec.id}: death date {rec.death_date} is before birth date {rec.birth_date}"
    for t in rec.tumours:
        if t.diagnosis_date < rec.birth_date:
            return (
                f"patient {rec.id}: tumour {t.id} is diagnosed ({t.diagnosis_date}) "
                f"before birth ({rec.birth_date})"
            )
    return None


def check_document(rec: DocumentRecord, root: Path, patients: set[int], physicians: set[int]) -> str | None:
    if rec.patient_id not in patients:
        return f"document {rec.id}: patient {rec.patient_id} is not loaded (missing or rejected)"
    if rec.author_id is not None and rec.author_id not in physicians:
        return f"document {rec.id}: author {rec.author_id} is not in physicians.jsonl"
    if rec.text is None and rec.file is None:
        return f"document {rec.id} has neither text nor a scan file"
    if rec.text is None:
        scan = (root / rec.file).resolve()
        if not scan.is_relative_to(root.resolve()):
            return f"document {rec.id}: scan path {rec.file!r} points outside the corpus directory"
        if scan.suffix.lower() not in SCAN_SUFFIXES:
            return f"document {rec.id}: scan {rec.file!r} is not a PNG, JPEG, TIFF or PDF file"
        if not scan.is_file():
            return f"document {rec.id}: scan {rec.file!r} does not exist"
    return None
