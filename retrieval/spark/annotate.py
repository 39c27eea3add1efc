"""Annotation of report text as a Spark job: the same annotator, on the executors.

A document file is cut into ranges of lines (``LINES_PER_TASK``); each task reads its lines from
the corpus (a path every executor sees), validates them with the same rules as the in-process
ingestion (``loader.parse_line``, ``checks.check_document``), OCRs scans when asked
(``ocr.ocr_job``) and annotates the text with the very function the worker processes of the
in-process path call (``annotate.annotate_rows``): mentions with their four qualifiers, and
qualifier segments. Nothing is re-implemented here, so a change to the annotator's rules is a
change of the Spark job too. Each Python worker builds the edsnlp pipeline once and keeps it.

One row comes out per input line: the document's columns, its mentions and segments as arrays, or
the reason it was rejected. The rows are staged as Parquet, so the annotation runs exactly once,
then exploded into the ``documents``, ``mentions``, ``segments`` and ``terms`` tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from retrieval.ingest.annotate import annotate_rows
from retrieval.ingest.checks import check_document
from retrieval.ingest.loader import parse_line
from retrieval.ingest.ocr import ocr_job
from retrieval.records import DocumentRecord
from retrieval.spark.schema import FLAGS, ORDINALS

LINES_PER_TASK = 400
_FLAGS = ", ".join(f"{f}: INT" for f in FLAGS)
RESULT_SCHEMA = (
    "path STRING, line INT, id BIGINT, problem STRING, pending INT, patient_id BIGINT, type STRING,"
    " date STRING, title STRING, author_id BIGINT, origin STRING, source STRING, text STRING,"
    " ocr_confidence DOUBLE, ocr_pages INT,"
    f" mentions ARRAY<STRUCT<concept: STRING, text: STRING, start_char: INT, end_char: INT, {_FLAGS}>>,"
    f" segments ARRAY<STRUCT<start_char: INT, end_char: INT, text: STRING, {_FLAGS}>>"
)
TASK_SCHEMA = "path STRING, rel STRING, first INT, last INT"


def tasks(files: list[tuple[str, str, int]]) -> list[tuple[str, str, int, int]]:
    """``(path, rel, lines)`` per file -> ``(path, rel, first, last)`` ranges of lines (1-based)."""
    out = []
    for path, rel, n in files:
        for first in range(1, n + 1, LINES_PER_TASK):
            out.append((path, rel, first, min(n, first + LINES_PER_TASK - 1)))
    return out


def _lines(path: str, first: int, last: int) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number > last:
                break
            if number >= first and raw.strip():
                yield number, raw


def process_range(
    path: str, rel: str, first: int, last: int, root: str, patients: Any, physicians: Any, ocr: bool
) -> list[dict[str, Any]]:
    """Validate, OCR and annotate lines ``first..last`` of one document file."""
    rows: list[dict[str, Any]] = []
    todo: list[tuple[dict[str, Any], str]] = []
    for number, raw in _lines(path, first, last):
        rec, rej = parse_line(raw, number, rel, DocumentRecord)
        row: dict[str, Any] = {"path": rel, "line": number, "id": getattr(rec, "id", None)}
        rows.append(row)
        if rej is not None:
            row["problem"] = rej.problem
            continue
        assert rec is not None
        problem = check_document(rec, Path(root), patients, physicians)
        if problem:
            row["problem"] = problem
            continue
        row.update(
            patient_id=rec.patient_id, type=rec.type, date=rec.date.isoformat(), title=rec.title,
            author_id=rec.author_id, origin="native", source=rec.file, ocr_confidence=None,
        )
        text = rec.text
        if text is None:
            if not ocr:  # not a rejection: the file stays 'partial' until a run with OCR
                row["pending"] = 1
                continue
            _, res, error = ocr_job((rec.id, str(Path(root) / rec.file)))
            if res is None:
                row["problem"] = error or "OCR failed"
                continue
            text = res.text
            row.update(origin="ocr", ocr_confidence=res.confidence, ocr_pages=res.pages)
        row["text"] = text
        todo.append((row, text))
    for (row, _), (_, mentions, segments) in zip(
        todo, annotate_rows([(row["id"], text) for row, text in todo]), strict=True
    ):
        row["mentions"] = [
            dict(zip(("concept", "text", "start_char", "end_char", *FLAGS), m, strict=True))
            for m in mentions
        ]
        row["segments"] = [
            dict(zip(("start_char", "end_char", "text", *FLAGS), s, strict=True)) for s in segments
        ]
    return rows


def annotate_job(root: str, patients: Any, physicians: Any, ocr: bool) -> Any:
    """The ``mapInPandas`` body over task rows (broadcast sets of known patients and physicians)."""

    def run(frames: Iterable[Any]) -> Iterator[Any]:
        import pandas as pd

        known_p, known_ph = patients.value, physicians.value
        cols = [c.split()[0] for c in _top_level(RESULT_SCHEMA)]
        for pdf in frames:
            ranges = zip(pdf["path"], pdf["rel"], pdf["first"], pdf["last"], strict=True)
            for path, rel, first, last in ranges:
                rows = process_range(path, rel, int(first), int(last), root, known_p, known_ph, ocr)
                yield pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)

    return run


def _top_level(schema: str) -> list[str]:
    """Split a schema string on the commas that are not inside ``<...>``."""
    out, depth, buf = [], 0, ""
    for ch in schema:
        depth += ch == "<"
        depth -= ch == ">"
        if ch == "," and depth == 0:
            out.append(buf.strip())
            buf = ""
        else:
            buf += ch
    return [*out, buf.strip()] if buf.strip() else out


def document_tables(session: Any, annotated: Any) -> dict[str, Any]:
    """``documents``, ``mentions`` and ``segments`` DataFrames of the accepted rows (ids of
    mentions and segments: ``document_id * 65536 + rank``, as in a copy)."""
    from pyspark.sql import functions as F

    docs = annotated.where(F.col("problem").isNull() & F.col("pending").isNull())
    documents = docs.select(
        "id", "patient_id", "type", F.col("date").cast("date").alias("date"), "title", "author_id",
        "origin", "source", "text", "ocr_confidence",
    )
    out = {"documents": documents}
    for table in ("mentions", "segments"):
        rows = docs.select(
            F.col("id").alias("document_id"), "patient_id", F.posexplode(table).alias("k", "r")
        )
        rank_id = (F.col("document_id") * F.lit(ORDINALS) + F.col("k")).alias("id")
        out[table] = rows.select(rank_id, "document_id", "patient_id", "r.*")
    return out
