"""What `cohort ingest PATH` was given: the generator's corpus, a FHIR export or an OMOP CDM export.

Decided from the files alone (names, first bytes), never from the command line, so a person only
says which centre the records belong to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from retrieval.ingest.fhir import is_fhir
from retrieval.ingest.loader import CorpusError
from retrieval.ingest.omop import is_omop

Source = Literal["corpus", "fhir", "omop"]


def detect(path: Path | str) -> Source:
    path = Path(path)
    if not path.exists():
        raise CorpusError(
            f"{path} is not a directory or a file; expected a corpus written by `cohort generate`, "
            "a FHIR export (.json bundle, .ndjson) or an OMOP CDM directory."
        )
    if path.is_dir() and any((path / n).exists() for n in ("manifest.json", "centres.jsonl", "patients")):
        return "corpus"
    if path.is_dir() and is_omop(path):
        return "omop"
    if is_fhir(path):
        return "fhir"
    if path.is_dir():
        raise CorpusError(
            f"{path} is not a corpus (centres.jsonl, patients/), a FHIR export (bundles, <Type>.ndjson) or "
            "an OMOP CDM directory (person.csv or person.parquet)."
        )
    raise CorpusError(f"{path} is not a FHIR bundle (.json) or NDJSON file (.ndjson) holding FHIR resources.")
