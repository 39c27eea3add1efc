"""OCR results kept in the store (``ocr_results``) so an interrupted ingest never OCRs a scan twice.

A result is reused only if the scan file still has the same sha256: a rescanned page is OCRed again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from retrieval.ingest.ocr import OcrResult
from retrieval.ingest.writer import upsert_sql
from retrieval.store import Store, now_iso


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class OcrCache:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, document_id: int, path: Path) -> tuple[str, float | None] | None:
        rows = self.store.query(
            "SELECT sha256, text, confidence FROM ocr_results WHERE document_id = :d", {"d": document_id}
        )
        if not rows or not path.is_file() or rows[0]["sha256"] != file_sha256(path):
            return None
        return rows[0]["text"], rows[0]["confidence"]

    def put(self, document_id: int, source: str, path: Path, result: OcrResult) -> None:
        row = {
            "document_id": document_id,
            "source": source,
            "sha256": file_sha256(path),
            "text": result.text,
            "confidence": result.confidence,
            "pages": result.pages,
            "seconds": result.seconds,
            "created_at": now_iso(),
        }
        with self.store.transaction():
            self.store.execute(upsert_sql("ocr_results", list(row), key=("document_id",)), row)
