"""What an ingestion did, for the person who ran it and for the benchmark."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from retrieval.ingest.loader import Rejection, Unmapped


@dataclass
class IngestReport:
    corpus: str
    db: str
    source: str = "corpus"  # corpus | fhir | omop: what `cohort ingest` recognised
    centre: str | None = None  # the centre an import's records belong to
    read: dict[str, int] = field(default_factory=dict)  # FHIR resources / OMOP rows read, per type
    read_seconds: float = 0.0  # parsing and mapping the export (before the load)
    unmapped: list[Unmapped] = field(default_factory=list)
    files_loaded: int = 0
    files_skipped: int = 0  # already ingested, unchanged (same sha256)
    files_partial: int = 0  # some documents wait for OCR (--no-ocr)
    loaded: dict[str, int] = field(default_factory=dict)  # rows loaded this run, per kind
    rejections: list[Rejection] = field(default_factory=list)
    previously_rejected: int = 0  # rejected lines of skipped files (kept in ingest_rejections)
    documents_native: int = 0
    documents_ocr: int = 0
    documents_resumed: int = 0  # already in the store from an interrupted run of the same file
    scans_pending: int = 0  # not OCRed because OCR was disabled
    ocr_pages: int = 0
    ocr_seconds: float = 0.0  # wall-clock time of the OCR phase
    ocr_cached: int = 0  # scans whose OCR text came from an earlier, interrupted run
    patients_seconds: float = 0.0  # wall-clock time of the reference + patient files
    annotate_seconds: float = 0.0  # wall-clock time of annotation + writing
    mentions: int = 0
    segments: int = 0
    workers: int = 1
    seconds: float = 0.0

    @property
    def rows_loaded(self) -> int:
        return sum(self.loaded.values())

    @property
    def failed(self) -> bool:
        """Nothing could be loaded although there was something to load: the only failing outcome.
        A re-run with nothing new to do is a success."""
        if self.source != "corpus":  # an import's centre (and authors) alone is not a load
            return not any(n for k, n in self.loaded.items() if k not in ("centres", "physicians")) and bool(
                self.rejections
            )
        return self.rows_loaded == 0 and bool(self.rejections)

    @property
    def docs_per_second(self) -> float:
        n = self.documents_native + self.documents_ocr
        return n / self.annotate_seconds if self.annotate_seconds else 0.0

    @property
    def ocr_pages_per_second(self) -> float:
        return self.ocr_pages / self.ocr_seconds if self.ocr_seconds else 0.0

    def add(self, kind: str, n: int) -> None:
        self.loaded[kind] = self.loaded.get(kind, 0) + n

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rejections"] = [asdict(r) for r in self.rejections]
        data["unmapped"] = [asdict(u) for u in self.unmapped]
        data["docs_per_second"] = round(self.docs_per_second, 1)
        data["ocr_pages_per_second"] = round(self.ocr_pages_per_second, 2)
        data["failed"] = self.failed
        return data

    @property
    def records_read(self) -> int:
        return sum(self.read.values())

    def summary(self, limit: int = 20) -> list[str]:
        """What a person reads after a run; at most ``limit`` rejections and unmapped items are listed
        (``--json`` lists them all)."""
        what = {"corpus": "Corpus", "fhir": "FHIR export", "omop": "OMOP CDM export"}[self.source]
        centre = f" (centre {self.centre})" if self.centre else ""
        lines = [f"{what} {self.corpus}{centre} → {self.db} in {self.seconds:.1f} s."]
        if self.read:
            rate = self.records_read / self.read_seconds if self.read_seconds else 0.0
            unit = "resources" if self.source == "fhir" else "rows"
            lines.append(
                f"Read {self.records_read} {unit} in {self.read_seconds:.1f} s ({rate:.0f} {unit}/s): "
                + ", ".join(f"{n} {k}" for k, n in sorted(self.read.items())) + "."
            )
        kinds = ", ".join(f"{n} {k}" for k, n in self.loaded.items() if n) or "nothing new"
        lines.append(f"Loaded: {kinds}.")
        lines.append(
            f"Files: {self.files_loaded} loaded, {self.files_skipped} already ingested (skipped)"
            + (f", {self.files_partial} waiting for OCR" if self.files_partial else "")
            + "."
        )
        if self.documents_native or self.documents_ocr:
            lines.append(
                f"Annotated {self.documents_native + self.documents_ocr} documents "
                f"({self.documents_native} native, {self.documents_ocr} OCR) at {self.docs_per_second:.0f} "
                f"docs/s with {self.workers} worker(s): {self.mentions} mentions, {self.segments} segments."
            )
        if self.documents_resumed:
            lines.append(
                f"Resumed: {self.documents_resumed} documents were already stored by an interrupted run."
            )
        if self.ocr_pages or self.ocr_cached:
            lines.append(
                f"OCR: {self.ocr_pages} pages in {self.ocr_seconds:.1f} s "
                f"({self.ocr_pages_per_second:.2f} pages/s)"
                + (f", {self.ocr_cached} scans reused from an interrupted run" if self.ocr_cached else "")
                + "."
            )
        if self.scans_pending:
            lines.append(
                f"{self.scans_pending} scanned documents were not loaded because OCR is disabled; "
                "run again without --no-ocr to add them."
            )
        if self.previously_rejected:
            lines.append(
                f"{self.previously_rejected} lines of skipped files were rejected at their first load."
            )
        if self.unmapped:
            lines.append(f"Not mapped {len(self.unmapped)} item(s) (read, not stored as such):")
            lines.extend(f"  {u}" for u in self.unmapped[:limit])
            if len(self.unmapped) > limit:
                lines.append(f"  … and {len(self.unmapped) - limit} more (--json lists them all).")
        if self.rejections:
            lines.append(f"Rejected {len(self.rejections)} line(s):")
            lines.extend(f"  {r}" for r in self.rejections[:limit] if limit)
            if limit and len(self.rejections) > limit:
                lines.append(f"  … and {len(self.rejections) - limit} more (--json lists them all).")
        return lines
