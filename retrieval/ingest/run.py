"""The ingestion run: reference files, patients, then documents (annotation, OCR), resumably.

Idempotence and kill-safety rest on three rules:

1. every write is an upsert by the generator's id, or a delete-and-rewrite of a record's children,
   inside a transaction (``writer.py``), so replaying a batch changes nothing;
2. ``ingested_files`` records each input file's sha256: ``done`` files are skipped; a file is
   marked ``partial`` when its load starts, and if a later run finds the *same* sha256 there, the
   documents already stored came from this very file and are not annotated again;
3. OCR results are committed one by one to ``ocr_results`` as they come, keyed by the scan's sha256.

So a SIGKILL at any point loses at most the batch in flight, and the next run ends with exactly the
content a clean run gives (``tests/test_ingest.py`` kills a real ``cohort ingest`` to check it).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from retrieval.ingest.annotate import annotate_rows, get_annotator
from retrieval.ingest.checks import check_document, check_patient
from retrieval.ingest.detect import detect
from retrieval.ingest.imports import Import
from retrieval.ingest.loader import Corpus, CorpusError, InputFile, Rejection, open_corpus, read_records
from retrieval.ingest.ocr import ocr_job
from retrieval.ingest.ocr_cache import OcrCache
from retrieval.ingest.progress import Bar, Workers, default_workers
from retrieval.ingest.report import IngestReport
from retrieval.ingest.writer import DocumentRow, Writer, upsert_sql, write_batch
from retrieval.records import DocumentRecord, PatientRecord
from retrieval.store import Store, StoreError, batches, now_iso

PATIENT_BATCH = 500  # patients per transaction
DOC_BATCH = 256  # documents per transaction
JOB_DOCS = 16  # documents per worker task


class Bookkeeping:
    """The ``ingested_files`` and ``ingest_rejections`` tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        rows = store.query("SELECT path, sha256, status FROM ingested_files")
        self.state = {r["path"]: (r["sha256"], r["status"]) for r in rows}

    def is_done(self, file: InputFile, sha: str) -> bool:
        return self.state.get(file.rel) == (sha, "done")

    def pending(self, files: list[InputFile], report: IngestReport) -> list[tuple[InputFile, str]]:
        """The files still to load, with their content hash; files already loaded with the same content
        are counted in the report as skipped (with the rejections of their earlier load)."""
        todo = []
        for file in files:
            sha = file.sha256()
            if self.is_done(file, sha):
                report.files_skipped += 1
                report.previously_rejected += self.rejected_before(file)
            else:
                todo.append((file, sha))
        return todo

    def start(self, file: InputFile, sha: str) -> bool:
        """Mark the file as being loaded; True when resuming an interrupted load of the same content."""
        resuming = self.state.get(file.rel, (None, None))[0] == sha
        self._set(file, sha, "partial", 0, 0)
        return resuming

    def finish(self, file: InputFile, sha: str, loaded: int, rejected: int, done: bool) -> None:
        self._set(file, sha, "done" if done else "partial", loaded, rejected)

    def _set(self, file: InputFile, sha: str, status: str, loaded: int, rejected: int) -> None:
        row = {
            "path": file.rel,
            "sha256": sha,
            "kind": file.kind,
            "rows_loaded": loaded,
            "rows_rejected": rejected,
            "ingested_at": now_iso(),
            "status": status,
        }
        with self.store.transaction():
            self.store.execute(upsert_sql("ingested_files", list(row), key=("path",)), row)
        self.state[file.rel] = (sha, status)

    def rejected_before(self, file: InputFile) -> int:
        return int(
            self.store.scalar("SELECT COUNT(*) FROM ingest_rejections WHERE path = :p", {"p": file.rel})
        )

    def reject(self, rejections: Sequence[Rejection], *, replace: str | None = None) -> None:
        with self.store.transaction():
            if replace is not None:
                self.store.execute("DELETE FROM ingest_rejections WHERE path = :p", {"p": replace})
            self.store.executemany(
                "INSERT INTO ingest_rejections (path, line, problem, rejected_at) VALUES (:p, :l, :m, :t)"
                " ON CONFLICT (path, line) DO UPDATE SET problem = excluded.problem,"
                " rejected_at = excluded.rejected_at",
                [{"p": r.path, "l": r.line, "m": r.problem, "t": now_iso()} for r in rejections],
            )


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


class Ingestion:
    def __init__(self, corpus: Corpus, store: Store, *, ocr: bool, progress: bool, workers: int) -> None:
        self.corpus = corpus
        self.store = store
        self.ocr = ocr
        self.progress = progress
        self.workers_n = workers
        self.writer = Writer(store)
        self.books = Bookkeeping(store)
        self.report = IngestReport(corpus=str(corpus.root), db=store.url, workers=workers)

    # -- reference data and patients ----------------------------------------------------------
    def _load_small(self, file: InputFile, sha: str) -> None:
        self.books.start(file, sha)
        records, rejections = [], []
        for line, rec, rej in read_records(file):
            if rej:
                rejections.append(rej)
                continue
            if file.kind == "physicians" and rec.centre_id not in self.centres:
                rejections.append(
                    Rejection(file.rel, line, f"centre {rec.centre_id!r} is not in centres.jsonl")
                )
                continue
            records.append(rec)
        write = self.writer.centres if file.kind == "centres" else self.writer.physicians
        with self.store.transaction():
            write(records)
        self._file_done(file, sha, len(records), rejections)
        self.report.add(file.kind, len(records))
        if file.kind == "centres":
            self.centres.update(r.id for r in records)

    def _load_patients(self, file: InputFile, sha: str, bar: Bar, task: int | None) -> None:
        self.books.start(file, sha)
        rejections: list[Rejection] = []
        batch: list[tuple[int, PatientRecord]] = []
        loaded = 0

        def flush() -> None:
            nonlocal loaded
            line_of = {rec.id: line for line, rec in batch}
            written = write_batch(
                self.store,
                [rec for _, rec in batch],
                self.writer.patients,
                lambda rec, why: rejections.append(Rejection(file.rel, line_of[rec.id], why)),
            )
            loaded += len(written)
            self.patients.update(rec.id for rec in written)
            bar.advance(task, len(batch))
            batch.clear()

        for line, rec, rej in read_records(file):
            problem = rej.problem if rej else check_patient(rec, self.centres)
            if problem:
                rejections.append(Rejection(file.rel, line, problem))
                bar.advance(task)
                continue
            batch.append((line, rec))
            if len(batch) >= PATIENT_BATCH:
                flush()
        if batch:
            flush()
        self._file_done(file, sha, loaded, rejections)
        self.report.add("patients", loaded)

    def _file_done(
        self, file: InputFile, sha: str, loaded: int, rejections: list[Rejection], done: bool = True
    ) -> None:
        self.books.reject(rejections, replace=file.rel)
        self.books.finish(file, sha, loaded, len(rejections), done)
        self.report.rejections.extend(rejections)
        self.report.files_loaded += 1
        if not done:
            self.report.files_partial += 1

    # -- documents ----------------------------------------------------------------------------
    def _load_documents(self, file: InputFile, sha: str, workers: Workers, bar: Bar, tasks: dict) -> None:
        resuming = self.books.start(file, sha)
        rejections: list[Rejection] = []
        valid: list[tuple[int, DocumentRecord]] = []
        for line, rec, rej in read_records(file):
            problem = (
                rej.problem if rej else check_document(rec, self.corpus.root, self.patients, self.physicians)
            )
            if problem:
                rejections.append(Rejection(file.rel, line, problem))
                bar.advance(tasks["docs"])
            else:
                valid.append((line, rec))
        self.books.reject(rejections, replace=file.rel)
        self.line_of = {rec.id: line for line, rec in valid}
        self.file = file
        stored: set[int] = set()
        if resuming and valid:
            stored = self._stored_ids([rec.id for _, rec in valid])
            self.report.documents_resumed += len(stored)
            bar.advance(tasks["docs"], len(stored))
            valid = [(line, rec) for line, rec in valid if rec.id not in stored]
        native = [rec for _, rec in valid if rec.text is not None]
        scans = [rec for _, rec in valid if rec.text is None]
        loaded = self._annotate_and_write(
            [(rec, rec.text, "native", rec.file, None) for rec in native], workers, bar, tasks, rejections
        )
        self.report.documents_native += loaded
        pending = 0
        if scans and self.ocr:
            ocr_docs = self._ocr(scans, workers, bar, tasks, rejections)
            n = self._annotate_and_write(ocr_docs, workers, bar, tasks, rejections)
            self.report.documents_ocr += n
            loaded += n
            # A scan whose OCR failed is retried by the next run: its file stays partial.
            pending = len(scans) - len(ocr_docs)
        elif scans:
            pending = len(scans)
            self.report.scans_pending += pending
            bar.advance(tasks["docs"], pending)
        self.report.add("documents", loaded)
        # OCR and database rejections were appended after the validation ones were stored
        self.books.reject(rejections, replace=file.rel)
        self.books.finish(file, sha, loaded + len(stored), len(rejections), pending == 0)
        self.report.rejections.extend(rejections)
        self.report.files_loaded += 1
        self.report.files_partial += int(pending > 0)

    def _stored_ids(self, ids: list[int]) -> set[int]:
        found: set[int] = set()
        for chunk in batches(ids, 500):
            params = {f"i{k}": v for k, v in enumerate(chunk)}
            sql = f"SELECT id FROM documents WHERE id IN ({', '.join(':' + p for p in params)})"
            found.update(r["id"] for r in self.store.query(sql, params))
        return found

    def _annotate_and_write(
        self,
        items: list[tuple[DocumentRecord, str, str, str | None, float | None]],
        workers: Workers,
        bar: Bar,
        tasks: dict,
        rejections: list[Rejection],
    ) -> int:
        if not items:
            return 0
        by_id = {it[0].id: it for it in items}
        jobs = [[(it[0].id, it[1]) for it in chunk] for chunk in batches(items, JOB_DOCS)]
        rows: list[DocumentRow] = []
        written = 0
        t0 = time.perf_counter()

        def flush() -> None:
            nonlocal written
            ok = write_batch(
                self.store,
                rows,
                self._write_docs,
                lambda d, why: rejections.append(Rejection(self.file.rel, self.line_of[d.id], why)),
            )
            written += len(ok)
            rows.clear()

        for result in workers.map(annotate_rows, jobs):
            for doc_id, mentions, segments in result:
                rec, text, origin, source, conf = by_id[doc_id]
                rows.append(
                    DocumentRow(
                        rec.id,
                        rec.patient_id,
                        rec.type,
                        rec.date.isoformat(),
                        rec.title,
                        rec.author_id,
                        origin,
                        source,
                        text,
                        conf,
                        mentions,
                        segments,
                    )
                )
            elapsed = self.report.annotate_seconds + time.perf_counter() - t0
            done = self.report.documents_native + self.report.documents_ocr + written + len(rows)
            bar.advance(tasks["docs"], len(result), rate=f"{done / elapsed:.0f} docs/s" if elapsed else "")
            if len(rows) >= DOC_BATCH:
                flush()
        if rows:
            flush()
        self.report.annotate_seconds += time.perf_counter() - t0
        return written

    def _write_docs(self, docs: Sequence[DocumentRow]) -> None:
        m, s = self.writer.documents(docs)
        self.report.mentions += m
        self.report.segments += s

    def _ocr(
        self,
        scans: list[DocumentRecord],
        workers: Workers,
        bar: Bar,
        tasks: dict,
        rejections: list[Rejection],
    ) -> list[tuple[DocumentRecord, str, str, str | None, float | None]]:

        cache = OcrCache(self.store)
        by_id = {rec.id: rec for rec in scans}
        results: dict[int, tuple[str, float | None]] = {}
        todo = []
        for rec in scans:
            hit = cache.get(rec.id, self.corpus.root / rec.file)
            if hit is not None:
                results[rec.id] = hit
                self.report.ocr_cached += 1
                bar.advance(tasks["ocr"])
            else:
                todo.append((rec.id, str(self.corpus.root / rec.file)))
        t0 = time.perf_counter()
        for doc_id, res, error in workers.map_unordered(ocr_job, todo):
            rec = by_id[doc_id]
            if res is None:
                rejections.append(Rejection(self.file.rel, self.line_of[doc_id], error or "OCR failed"))
            else:
                cache.put(doc_id, rec.file, self.corpus.root / rec.file, res)
                results[doc_id] = (res.text, res.confidence)
                self.report.ocr_pages += res.pages
            elapsed = self.report.ocr_seconds + time.perf_counter() - t0
            bar.advance(
                tasks["ocr"], rate=f"{self.report.ocr_pages / elapsed:.2f} pages/s" if elapsed else ""
            )
        self.report.ocr_seconds += time.perf_counter() - t0
        return [(by_id[i], text, "ocr", by_id[i].file, conf) for i, (text, conf) in results.items()]

    # -- the whole run ------------------------------------------------------------------------
    def run(self) -> IngestReport:
        t0 = time.perf_counter()
        self.centres = {r["id"] for r in self.store.query("SELECT id FROM centres")}
        self.physicians = {r["id"] for r in self.store.query("SELECT id FROM physicians")}
        self.patients = {r["id"] for r in self.store.query("SELECT id FROM patients")}
        todo = self.books.pending(self.corpus.files, self.report)
        patient_files = [(f, s) for f, s in todo if f.kind == "patients"]
        doc_files = [(f, s) for f, s in todo if f.kind == "documents"]
        with Bar(self.progress) as bar:
            for file, sha in todo:
                if file.kind in ("centres", "physicians"):
                    self._load_small(file, sha)
                    if file.kind == "physicians":
                        self.physicians = {r["id"] for r in self.store.query("SELECT id FROM physicians")}
            task = (
                bar.task("Patients", sum(_count_lines(f.path) for f, _ in patient_files))
                if patient_files
                else None
            )
            for file, sha in patient_files:
                self._load_patients(file, sha, bar, task)
        self.report.patients_seconds = time.perf_counter() - t0
        if doc_files:
            n_docs = sum(_count_lines(f.path) for f, _ in doc_files)
            workers = Workers(self.workers_n, prepare=get_annotator if self.workers_n > 1 else None)
            with workers, Bar(self.progress) as bar:
                tasks = {"docs": bar.task("Documents", n_docs)}
                tasks["ocr"] = bar.task("OCR scans", self._count_scans(doc_files)) if self.ocr else None
                for file, sha in doc_files:
                    self._load_documents(file, sha, workers, bar, tasks)
        if self.store.dialect == "sqlite":
            self.store.execute("PRAGMA optimize")
        self.report.seconds = time.perf_counter() - t0
        return self.report

    def _count_scans(self, files: list[tuple[InputFile, str]]) -> int:
        n = 0
        for file, _ in files:
            with file.path.open("r", encoding="utf-8", errors="replace") as fh:
                n += sum(1 for line in fh if '"file": "' in line or '"file":"' in line)
        return n


def ingest(
    corpus_dir: Path | str,
    store: Store,
    *,
    centre: str | None = None,
    ocr: bool = True,
    progress: bool = True,
    workers: int | None = None,
) -> IngestReport:
    """Load a corpus directory, a FHIR export or an OMOP CDM export into ``store`` (see the module
    docstring for the guarantees); what was given is recognised by ``detect``. A centre's export
    needs ``centre`` (its records' centre, created if new); a corpus keeps its own centres."""
    if store.dialect == "spark":  # its loader runs on the executors and reuses this module
        raise StoreError("A Spark warehouse is loaded by retrieval.spark.ingest (`cohort ingest` does it).")
    source = detect(corpus_dir)
    workers = workers or default_workers()
    if source == "corpus":
        corpus = open_corpus(corpus_dir)
        return Ingestion(corpus, store, ocr=ocr, progress=progress, workers=workers).run()
    if not centre:
        raise CorpusError(
            f"{corpus_dir} is a {source.upper()} export: say which centre its records belong to "
            "with --centre CODE."
        )
    return Import(Path(corpus_dir), store, centre=centre, source=source, ingestion=Ingestion, ocr=ocr,
                  progress=progress, workers=workers).run()
