"""What the store holds, in numbers a data manager checks after a load (``cohort stats``)."""

from __future__ import annotations

from typing import Any

from retrieval.store import Store

# ICD-10 three-character codes → site group, for a readable overview (not used for querying).
SITE_GROUPS: list[tuple[str, str, str]] = [
    ("C00", "C14", "head and neck"),
    ("C15", "C15", "oesophagus"),
    ("C16", "C16", "stomach"),
    ("C17", "C17", "small intestine"),
    ("C18", "C21", "colorectal"),
    ("C22", "C22", "liver"),
    ("C23", "C24", "biliary tract"),
    ("C25", "C25", "pancreas"),
    ("C30", "C32", "ENT"),
    ("C33", "C34", "lung"),
    ("C37", "C39", "thorax other"),
    ("C40", "C41", "bone"),
    ("C43", "C43", "melanoma"),
    ("C44", "C44", "skin other"),
    ("C45", "C45", "mesothelioma"),
    ("C46", "C49", "soft tissue"),
    ("C50", "C50", "breast"),
    ("C51", "C55", "gynaecological"),
    ("C56", "C56", "ovary"),
    ("C57", "C58", "gynaecological"),
    ("C60", "C60", "penis"),
    ("C61", "C61", "prostate"),
    ("C62", "C63", "testis and male other"),
    ("C64", "C66", "kidney and urinary"),
    ("C67", "C68", "bladder and urinary"),
    ("C69", "C72", "eye and central nervous system"),
    ("C73", "C75", "thyroid and endocrine"),
    ("C7A", "C7B", "neuroendocrine"),
    ("C76", "C80", "ill-defined and unknown primary"),
    ("C81", "C81", "Hodgkin lymphoma"),
    ("C82", "C86", "non-Hodgkin lymphoma"),
    ("C88", "C88", "other haematological"),
    ("C90", "C90", "myeloma"),
    ("C91", "C91", "lymphoid leukaemia"),
    ("C92", "C95", "myeloid and other leukaemia"),
    ("C96", "C96", "other haematological"),
    ("D00", "D09", "in situ"),
    ("D37", "D48", "uncertain behaviour"),
]


def site_group(icd10: str) -> str:
    code = (icd10 or "").upper().replace(".", "")[:3]
    for low, high, name in SITE_GROUPS:
        if low <= code <= high:
            return name
    return f"other ({code or '?'})"


AFFIRMED = "COALESCE(SUM(CASE WHEN negated + hypothetical + family + history = 0 THEN 1 ELSE 0 END), 0)"


def collect(store: Store) -> dict[str, Any]:
    q = store.query
    tumour_groups: dict[str, int] = {}
    for row in q("SELECT icd10, COUNT(*) AS n FROM tumours GROUP BY icd10"):
        group = site_group(row["icd10"])
        tumour_groups[group] = tumour_groups.get(group, 0) + int(row["n"])
    mentions = q(
        "SELECT COUNT(*) AS total, COALESCE(SUM(negated), 0) AS negated,"
        " COALESCE(SUM(hypothetical), 0) AS hypothetical, COALESCE(SUM(family), 0) AS family,"
        " COALESCE(SUM(history), 0) AS history,"
        f" {AFFIRMED} AS affirmed"
        " FROM mentions"
    )[0]
    segments = q(f"SELECT COUNT(*) AS total, {AFFIRMED} AS affirmed FROM segments")[0]
    return {
        "schema_version": store.schema_version(),
        "dialect": store.dialect,
        "centres": q(
            "SELECT c.id, c.name, COUNT(p.id) AS patients FROM centres c"
            " LEFT JOIN patients p ON p.centre_id = c.id GROUP BY c.id, c.name ORDER BY c.id"
        ),
        "patients": int(store.scalar("SELECT COUNT(*) FROM patients")),
        "tumours_by_site_group": dict(sorted(tumour_groups.items(), key=lambda kv: -kv[1])),
        "documents": q(
            "SELECT type, origin, COUNT(*) AS documents FROM documents"
            " GROUP BY type, origin ORDER BY type, origin"
        ),
        "mentions": {k: int(v) for k, v in mentions.items()},
        "mentions_by_concept": {
            r["concept"]: int(r["n"])
            for r in q("SELECT concept, COUNT(*) AS n FROM mentions GROUP BY concept ORDER BY n DESC")
        },
        "segments": {k: int(v) for k, v in segments.items()},
        "rows": {
            t: int(store.scalar(f"SELECT COUNT(*) FROM {t}"))
            for t in ("events", "treatments", "biomarkers", "stays", "samples", "relatives", "physicians")
        },
        "ingestion": {
            "files_done": int(store.scalar("SELECT COUNT(*) FROM ingested_files WHERE status = 'done'")),
            "files_partial": int(store.scalar("SELECT COUNT(*) FROM ingested_files WHERE status <> 'done'")),
            "rejected_lines": int(store.scalar("SELECT COUNT(*) FROM ingest_rejections")),
            "ocr_results": int(store.scalar("SELECT COUNT(*) FROM ocr_results")),
        },
    }
