"""Loading a centre's own export (FHIR or OMOP) through the corpus path.

The importer's records are written as a *staged corpus* (the format of ``retrieval/records.py``) in a
temporary directory and loaded by the same ``Ingestion`` as a generated corpus: validation, OCR of
scanned attachments, annotation, full-text index, idempotent upserts, resumable bookkeeping. The
staged files are keyed ``fhir:CENTRE/...`` in ``ingested_files``; a whole export whose files have not
changed since its last complete load is skipped without being read again.

Rejections found while reading the export (a malformed bundle, an unknown resource type, a missing
patient, a wrong date, a CSV without a required column) are kept in ``ingest_rejections`` under the
export's own file names, like a corpus file's bad lines.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from retrieval.ingest.assemble import Assembly, ImportKeys
from retrieval.ingest.fhir import files_of as fhir_files
from retrieval.ingest.fhir import read_fhir
from retrieval.ingest.loader import Rejection, Unmapped, open_corpus
from retrieval.ingest.omop import files_of as omop_files
from retrieval.ingest.omop import read_omop
from retrieval.ingest.report import IngestReport
from retrieval.records import CentreRecord
from retrieval.store import Store, now_iso

PATIENTS_PER_FILE = 1000
DOCUMENTS_PER_FILE = 2000


def fingerprint(files: list[Path], root: Path) -> str:
    """sha256 over the export's file names and contents: the same export reads the same."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() if path != root else path.name.encode())
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _jsonl(path: Path, records: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(r.model_dump_json(by_alias=True, exclude_none=True) + "\n")


def _grouped(unmapped: list[Unmapped]) -> list[Unmapped]:
    """Identical notes of one file become one line with a count (a lab export can hold thousands of
    weight measurements: the report lists the kind once, with how many and where the first was)."""
    groups: dict[tuple[str, str], list[Unmapped]] = {}
    for u in unmapped:
        groups.setdefault((u.path, u.problem), []).append(u)
    out = []
    for (path, problem), items in groups.items():
        more = f" ({len(items)} records like this one)" if len(items) > 1 else ""
        out.append(Unmapped(path, items[0].line, problem + more))
    return out


class Import:
    """One import of one export for one centre."""

    def __init__(
        self,
        path: Path,
        store: Store,
        *,
        centre: str,
        source: str,
        ingestion: Callable[..., Any],
        ocr: bool,
        progress: bool,
        workers: int,
    ) -> None:
        self.path, self.store, self.centre, self.source = path, store, centre, source
        self.ingestion, self.ocr, self.progress, self.workers = ingestion, ocr, progress, workers
        self.files = fhir_files(path) if source == "fhir" else omop_files(path)
        self.label = f"{source}:{centre}"
        self.root = path if path.is_dir() else path.parent

    def _done_before(self, sha: str) -> bool:
        row = self.store.query("SELECT sha256, status FROM ingested_files WHERE path = :p", {"p": self.label})
        return bool(row) and row[0]["sha256"] == sha and row[0]["status"] == "done"

    def read(self) -> tuple[Assembly, dict[str, int], float]:
        if self.source == "fhir":
            got = read_fhir(self.path, self.centre)
        else:
            got = read_omop(self.path, self.centre)
        return got.assembly, dict(got.read), got.seconds

    def run(self) -> IngestReport:
        """Read, stage, load (see the module docstring); an unchanged export is not read again."""
        t0 = time.perf_counter()
        sha = fingerprint(self.files, self.root)
        if self._done_before(sha):
            report = IngestReport(
                corpus=str(self.path), db=self.store.url, source=self.source, centre=self.centre
            )
            report.files_skipped = len(self.files)
            report.previously_rejected = int(
                self.store.scalar(
                    "SELECT COUNT(*) FROM ingest_rejections WHERE path LIKE :p", {"p": self.label + "/%"}
                )
                or 0
            )
            report.seconds = time.perf_counter() - t0
            return report
        assembly, read, read_seconds = self.read()
        keys = ImportKeys(self.store, self.centre)
        patients, documents, scans, physicians = assembly.records(keys)
        keys.save()
        rejections = [Rejection(f"{self.label}/{r.path}", r.line, r.problem) for r in assembly.rejections]
        unmapped = _grouped(
            [Unmapped(f"{self.label}/{u.path}", u.line, u.problem) for u in assembly.unmapped]
        )
        staging = Path(tempfile.mkdtemp(prefix="cohort-import-"))
        self.origin: dict[tuple[str, int], str] = {}
        sources = {keys.id("patient", k): (p.where, k) for k, p in assembly.patients.items()}
        sources.update({("doc", keys.id("document", d.key)): (d.where, d.key) for d in assembly.documents})
        try:
            self._stage(staging, patients, documents, scans, physicians, sources)
            corpus = open_corpus(staging, label=self.label + "/staged/")
            ingestion = self.ingestion(
                corpus, self.store, ocr=self.ocr, progress=self.progress, workers=self.workers
            )
            report = ingestion.run()
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._keep_rejections(rejections)
        report.corpus, report.source, report.centre = str(self.path), self.source, self.centre
        report.read, report.read_seconds = dict(read), read_seconds
        report.rejections = rejections + [self._origin(r) for r in report.rejections]
        report.unmapped = unmapped
        report.seconds = time.perf_counter() - t0
        complete = report.files_partial == 0
        self._mark(sha, report.rows_loaded, len(rejections), complete)
        return report

    def _origin(self, r: Rejection) -> Rejection:
        """A staged record's rejection (a database constraint, an OCR failure) named by its place in
        the export, not in the staged corpus the person never sees."""
        found = self.origin.get((r.path, r.line))
        if found is None:
            return r
        where, key = found
        return Rejection(f"{self.label}/{where.path}", where.line, f"{key}: {r.problem}")

    def _stage(
        self,
        root: Path,
        patients: list,
        documents: list,
        scans: dict[int, tuple[bytes, str]],
        physicians: list,
        sources: dict,
    ) -> None:
        existing = self.store.query("SELECT name, city FROM centres WHERE id = :c", {"c": self.centre})
        centre = CentreRecord(
            id=self.centre,
            name=existing[0]["name"] if existing else self.centre,
            city=(existing[0]["city"] or "") if existing else "",
        )
        _jsonl(root / "centres.jsonl", [centre])
        if physicians:
            _jsonl(root / "physicians.jsonl", physicians)
        patients = sorted(patients, key=lambda p: p.id)
        for k in range(0, len(patients), PATIENTS_PER_FILE):
            rel = f"patients/{k // PATIENTS_PER_FILE:04d}.jsonl"
            chunk = patients[k : k + PATIENTS_PER_FILE]
            _jsonl(root / rel, chunk)
            for line, p in enumerate(chunk, start=1):
                if p.id in sources:
                    self.origin[(f"{self.label}/staged/{rel}", line)] = sources[p.id]
        documents = sorted(documents, key=lambda d: d.id)
        for k in range(0, len(documents), DOCUMENTS_PER_FILE):
            rel = f"documents/{k // DOCUMENTS_PER_FILE:04d}.jsonl"
            chunk = documents[k : k + DOCUMENTS_PER_FILE]
            _jsonl(root / rel, chunk)
            for line, d in enumerate(chunk, start=1):
                if ("doc", d.id) in sources:
                    self.origin[(f"{self.label}/staged/{rel}", line)] = sources[("doc", d.id)]
        (root / "scans").mkdir(exist_ok=True)
        for doc_id, (content, suffix) in scans.items():
            (root / "scans" / f"{doc_id}{suffix}").write_bytes(content)
        (root / "manifest.json").write_text(
            json.dumps(
                {
                    "format_version": 1,
                    "generator_version": f"import:{self.source}",
                    "seed": 0,
                    "patients": len(patients),
                    "centres": 1,
                    "documents": len(documents),
                    "scanned_documents": len(scans),
                    "reference_date": now_iso()[:10],
                    "files": [],
                }
            ),
            encoding="utf-8",
        )

    def _keep_rejections(self, rejections: list[Rejection]) -> None:
        with self.store.transaction():
            self.store.execute(
                "DELETE FROM ingest_rejections WHERE path LIKE :p AND path NOT LIKE :s",
                {"p": self.label + "/%", "s": self.label + "/staged/%"},
            )
            self.store.executemany(
                "INSERT INTO ingest_rejections (path, line, problem, rejected_at) VALUES (:p, :l, :m, :t)"
                " ON CONFLICT (path, line) DO UPDATE SET problem = excluded.problem,"
                " rejected_at = excluded.rejected_at",
                [{"p": r.path, "l": r.line, "m": r.problem, "t": now_iso()} for r in rejections],
            )

    def _mark(self, sha: str, loaded: int, rejected: int, complete: bool) -> None:
        row = {
            "path": self.label,
            "sha256": sha,
            "kind": self.source,
            "rows_loaded": loaded,
            "rows_rejected": rejected,
            "ingested_at": now_iso(),
            "status": "done" if complete else "partial",
        }
        with self.store.transaction():
            self.store.execute(
                "INSERT INTO ingested_files"
                " (path, sha256, kind, rows_loaded, rows_rejected, ingested_at, status)"
                " VALUES (:path, :sha256, :kind, :rows_loaded, :rows_rejected, :ingested_at, :status)"
                " ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256, kind = excluded.kind,"
                " rows_loaded = excluded.rows_loaded, rows_rejected = excluded.rows_rejected,"
                " ingested_at = excluded.ingested_at, status = excluded.status",
                row,
            )
