"""Ingestion of a corpus directory into the store: validation, OCR, annotation, full-text index.

``ingest(corpus_dir, store, ocr=True, progress=True, workers=None) -> IngestReport`` is the whole
job (``cohort ingest DIR`` on the command line). Modules: ``loader`` (files, JSON Lines, validation),
``checks`` (references between records), ``ocr`` (Tesseract), ``annotate`` (edsnlp mentions and
qualifier segments; the qualifier rules are ``scopes`` + ``phrases`` + ``history`` over ``words``,
their word lists ``patterns`` and ``grammar``), ``writer`` (idempotent SQL), ``run`` (the resumable
run), ``stats`` (what the store holds).
"""

from __future__ import annotations

from retrieval.ingest.loader import CorpusError, Rejection
from retrieval.ingest.report import IngestReport
from retrieval.ingest.run import ingest

__all__ = ["CorpusError", "IngestReport", "Rejection", "ingest"]
