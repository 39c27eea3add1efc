"""``cohort ingest DIR --db spark+...``: load a corpus into a Spark warehouse.

Same input, same validation rules, same rejections, same annotator as the in-process ingestion
(``retrieval.ingest``); what changes is where the work runs and how it is written:

- reference files and patients (about 1 % of the volume) are read and checked by the driver
  (``loader.read_records``, ``checks.check_patient``, ``writer.patient_rows``) and staged as Parquet;
- documents are validated, OCRed and annotated by the executors (``retrieval.spark.annotate``):
  the text never passes through the driver, so a cluster annotates millions of reports;
- every table the load touches is rewritten to a new version (rows of the loaded patients and
  documents replaced, the others kept) and all of them are switched at once at the end, then the
  files are marked done in the app store. A killed load changes nothing; its re-run redoes it.

Incremental loads are supported (a file already loaded with the same sha256 is skipped), but each
touches whole tables: Parquet has no in-place update, so loads are meant as batches.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from retrieval.ingest.checks import check_patient
from retrieval.ingest.loader import InputFile, Rejection, open_corpus, read_records
from retrieval.ingest.report import IngestReport
from retrieval.ingest.run import Bookkeeping
from retrieval.ingest.writer import CENTRE_COLS, PHYSICIAN_COLS, patient_rows
from retrieval.spark.annotate import RESULT_SCHEMA, TASK_SCHEMA, annotate_job, document_tables, tasks
from retrieval.spark.copy import remove_staging, stage_batch, staged
from retrieval.spark.schema import spark_columns
from retrieval.spark.terms import terms_frame
from retrieval.store import now_iso

BATCH = 20_000
PATIENT_TABLES = ("patients", "identities", "relatives", "tumours", "events", "treatments", "biomarkers",
                  "stays", "stay_diagnoses", "samples")


class SparkIngestion:
    def __init__(self, corpus_dir: Path | str, store: Any, *, ocr: bool, progress: bool) -> None:
        self.corpus = open_corpus(corpus_dir)
        self.store = store
        self.ocr = ocr
        self.progress = progress
        self.books = Bookkeeping(store)
        self.report = IngestReport(corpus=str(self.corpus.root), db=store.url,
                                   workers=store.spark_url.cores or 0)
        self.staging = f"{store.spark_url.warehouse}/_staging/{uuid.uuid4().hex}"
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self.staged: dict[str, int] = {}
        self.done: list[tuple[InputFile, str, int, list[Rejection], bool]] = []

    def say(self, text: str) -> None:
        if self.progress:
            print(text, flush=True)

    # -- staging ---------------------------------------------------------------------------------
    def _add(self, table: str, row: dict[str, Any]) -> None:
        cols = [c for c, _ in spark_columns(self.store.app, table)]
        self.rows.setdefault(table, []).append(tuple(row.get(c) for c in cols))
        if len(self.rows[table]) >= BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        rows = self.rows.pop(table, [])
        if rows:
            k = self.staged.get(table, 0)
            stage_batch(self.store, table, rows, self.staging, k)
            self.staged[table] = k + 1

    # -- reference files and patients ------------------------------------------------------------
    def _known(self, sql: str) -> set[Any]:
        return {r["id"] for r in self.store.query(sql)}

    def _structured(self, todo: list[tuple[InputFile, str]]) -> None:
        for file, sha in todo:
            loaded, rejections = 0, []
            for line, rec, rej in read_records(file):
                problem = rej.problem if rej else None
                if rec is not None and file.kind == "physicians" and rec.centre_id not in self.centres:
                    problem = f"centre {rec.centre_id!r} is not in centres.jsonl"
                if rec is not None and file.kind == "patients":
                    problem = check_patient(rec, self.centres)
                if problem:
                    rejections.append(Rejection(file.rel, line, problem))
                    continue
                loaded += 1
                if file.kind == "centres":
                    self._add("centres", {c: getattr(rec, c) for c in CENTRE_COLS})
                    self.centres.add(rec.id)
                elif file.kind == "physicians":
                    self._add("physicians", {c: getattr(rec, c) for c in PHYSICIAN_COLS})
                    self.physicians.add(rec.id)
                else:
                    for table, rows in patient_rows(rec).items():
                        for row in rows:
                            self._add(table, row)
                    self.patients.add(rec.id)
            self.report.add(file.kind, loaded)
            self.report.rejections.extend(rejections)
            self.done.append((file, sha, loaded, rejections, True))

    # -- documents --------------------------------------------------------------------------------
    def _documents(self, todo: list[tuple[InputFile, str]]) -> Any:
        session = self.store.session()
        files = [(str(f.path), f.rel, _count_lines(f.path)) for f, _ in todo]
        ranges = tasks(files)
        sc = session.sparkContext
        job = annotate_job(str(self.corpus.root), sc.broadcast(frozenset(self.patients)),
                           sc.broadcast(frozenset(self.physicians)), self.ocr)
        frame = session.createDataFrame(ranges, TASK_SCHEMA).repartition(max(1, len(ranges)))
        t0 = time.perf_counter()
        out = f"{self.staging}/annotated"
        frame.mapInPandas(job, RESULT_SCHEMA).write.mode("overwrite").parquet(out)
        self.report.annotate_seconds = time.perf_counter() - t0
        annotated = session.read.parquet(out)
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        # a repeated id in one file: the first line is kept, as in the in-process ingestion

        first = Window.partitionBy("path", "id").orderBy("line")
        annotated = annotated.withColumn("_n", F.row_number().over(first)).withColumn(
            "problem",
            F.when(
                F.col("id").isNotNull() & (F.col("_n") > 1) & F.col("problem").isNull(),
                F.concat(F.lit("duplicate id "), F.col("id").cast("string")),
            ).otherwise(F.col("problem")),
        ).drop("_n").persist()
        summary = annotated.groupBy("path").agg(
            F.sum(F.when(F.col("problem").isNull() & F.col("pending").isNull(), 1).otherwise(0)).alias("ok"),
            F.sum(F.when(F.col("pending").isNotNull(), 1).otherwise(0)).alias("pending"),
            F.sum(F.when(F.col("origin") == "ocr", 1).otherwise(0)).alias("ocr"),
            F.sum(F.coalesce(F.col("ocr_pages"), F.lit(0))).alias("pages"),
        ).collect()
        per = {r["path"]: r for r in summary}
        problems = annotated.where(F.col("problem").isNotNull()).select("path", "line", "problem").collect()
        by_file: dict[str, list[Rejection]] = {}
        for r in problems:
            by_file.setdefault(r["path"], []).append(Rejection(r["path"], int(r["line"]), r["problem"]))
        for file, sha in todo:
            r = per.get(file.rel)
            ok, pending = (int(r["ok"]), int(r["pending"])) if r else (0, 0)
            rejections = sorted(by_file.get(file.rel, []), key=lambda x: x.line)
            self.report.rejections.extend(rejections)
            self.report.documents_ocr += int(r["ocr"]) if r else 0
            self.report.documents_native += ok - (int(r["ocr"]) if r else 0)
            self.report.ocr_pages += int(r["pages"]) if r else 0
            self.report.scans_pending += pending
            self.report.add("documents", ok)
            self.report.files_partial += int(pending > 0)
            self.done.append((file, sha, ok, rejections, pending == 0))
        return annotated

    # -- writing ---------------------------------------------------------------------------------
    def _merge(self, table: str, new: Any, key: str, keys: Any) -> Any:
        """The current rows of ``table`` except those replaced (``key`` in ``keys``), plus ``new``."""
        old = self.store.session().table(table)
        cols = [c for c, _ in spark_columns(self.store.app, table)]
        kept = old.join(keys, on=key, how="left_anti") if self.store.warehouse.versions().get(table) else None
        return new.select(*cols) if kept is None else kept.select(*cols).unionByName(new.select(*cols))

    def run(self) -> IngestReport:
        t0 = time.perf_counter()
        store = self.store
        self.centres = self._known("SELECT id FROM centres")
        self.physicians = self._known("SELECT id FROM physicians")
        self.patients = self._known("SELECT id FROM patients")
        todo = self.books.pending(self.corpus.files, self.report)
        session = store.session()
        written = []
        try:
            self._structured([(f, s) for f, s in todo if f.kind != "documents"])
            for table in list(self.rows):
                self._flush(table)
            self.report.patients_seconds = time.perf_counter() - t0
            for table in ("centres", "physicians", *PATIENT_TABLES):
                if table not in self.staged:
                    continue
                new = staged(store, table, self.staging, self.staged[table])
                if table in ("centres", "physicians", "patients"):
                    keys = new.select("id").distinct()
                    df = self._merge(table, new, "id", keys)
                else:
                    loaded = staged(store, "patients", self.staging, self.staged["patients"])
                    keys = loaded.select(loaded["id"].alias("patient_id")).distinct()
                    df = self._merge(table, new, "patient_id", keys)
                written.append(store.warehouse.write(session, table, df))
            docs = [(f, s) for f, s in todo if f.kind == "documents"]
            if docs:
                lines = sum(_count_lines(f.path) for f, _ in docs)
                self.say(f"Annotating {lines:,} document lines on Spark ({store.spark_url.master})...")
                annotated = self._documents(docs)
                tables = document_tables(session, annotated)
                documents = tables["documents"]
                doc_keys = documents.select(documents["id"].alias("document_id")).distinct()
                segments = tables["segments"].persist()
                parts = (("documents", documents), ("mentions", tables["mentions"]), ("segments", segments),
                         ("terms", terms_frame(segments)))
                for table, new in parts:
                    if table == "documents":
                        df = self._merge(table, new, "id", doc_keys.withColumnRenamed("document_id", "id"))
                    else:
                        df = self._merge(table, new, "document_id", doc_keys)
                    written.append(store.warehouse.write(session, table, df))
                self.report.mentions = tables["mentions"].count()
                self.report.segments = segments.count()
                segments.unpersist()
                annotated.unpersist()
            if written:
                store.warehouse.publish(session, written, now_iso())
            for file, sha, loaded, rejections, done in self.done:
                self.books.start(file, sha)
                self.books.reject(rejections, replace=file.rel)
                self.books.finish(file, sha, loaded, len(rejections), done)
                self.report.files_loaded += 1
        finally:
            remove_staging(store, self.staging)
        self.report.seconds = time.perf_counter() - t0
        return self.report


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


def ingest(corpus_dir: Path | str, store: Any, *, ocr: bool = True, progress: bool = True) -> IngestReport:
    """Load a corpus directory into a Spark store (see the module docstring)."""
    return SparkIngestion(corpus_dir, store, ocr=ocr, progress=progress).run()
