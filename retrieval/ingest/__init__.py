"""Ingestion of a corpus directory into the store: validation, OCR, annotation, full-text index.

``ingest(path, store, centre=None, ocr=True, progress=True, workers=None) -> IngestReport`` is the
whole job (``cohort ingest PATH`` on the command line); ``detect`` tells a corpus from a FHIR or OMOP
export, which ``imports`` reads (``fhir`` + ``fhir_*`` readers, ``omop``; codes through ``codes``),
assembles into records (``assemble``) and loads as a staged corpus. Modules: ``loader`` (files,
JSON Lines, validation), ``checks`` (references between records), ``ocr`` (Tesseract), ``annotate``
(edsnlp mentions and qualifier segments; the qualifier rules are ``scopes`` + ``phrases`` +
``history`` over ``words``, their word lists ``patterns`` and ``grammar``), ``writer`` (idempotent
SQL), ``run`` (the resumable run), ``stats`` (what the store holds).
"""

from __future__ import annotations

from retrieval.ingest.loader import CorpusError, Rejection
from retrieval.ingest.report import IngestReport
from retrieval.ingest.run import ingest

__all__ = ["CorpusError", "IngestReport", "Rejection", "ingest"]
