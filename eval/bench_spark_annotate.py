"""Annotation throughput: the Spark job (``retrieval.spark.annotate``, executors in local mode)
against the in-process ingestion (worker processes), on the same generated corpus, in one run.

    python -m eval.bench_spark_annotate --patients 1000 --master local[2] [--workers 2] [--work DIR]

Both paths validate, annotate (the same edsnlp annotator) and write documents, mentions and
segments; Spark also writes the word table. Reported: documents per second of the annotation
phase (``IngestReport.annotate_seconds``: for Spark the whole job, Python workers' start and the
edsnlp pipeline build included) and of the whole load, and the ratio. On one machine Spark cannot
beat worker processes (same cores, plus the JVM); what the figure shows is the overhead a centre
pays for a job that runs unchanged on a cluster, where it grows with the executors.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from retrieval.ingest import ingest
from retrieval.spark.ingest import ingest as ingest_on_spark
from retrieval.store import Store


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Annotation throughput: Spark job vs in-process ingestion.")
    ap.add_argument("--patients", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/cohort-bench-annotate"))
    args = ap.parse_args(argv)
    from synthetic import generate

    corpus = args.work / f"corpus-{args.patients}"
    if not (corpus / "manifest.json").exists():
        generate(corpus, args.patients, 3, args.seed, scan_share=0.0, progress=False)
    for old in ("inprocess.db", "warehouse"):
        target = args.work / old
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    t0 = time.perf_counter()
    lite = Store(str(args.work / "inprocess.db"))
    a = ingest(corpus, lite, ocr=False, progress=False, workers=args.workers)
    a_total = time.perf_counter() - t0
    t0 = time.perf_counter()
    b = ingest_on_spark(corpus, Store(f"spark+{args.master}?warehouse={args.work / 'warehouse'}"), ocr=False,
                        progress=False)
    b_total = time.perf_counter() - t0
    docs = a.documents_native
    rows = {
        "documents": docs,
        "in_process": {"workers": args.workers, "annotate_docs_s": docs / a.annotate_seconds,
                       "load_docs_s": docs / a_total, "seconds": a_total},
        "spark": {"master": args.master, "annotate_docs_s": b.documents_native / b.annotate_seconds,
                  "load_docs_s": b.documents_native / b_total, "seconds": b_total},
    }
    print(f"{docs:,} documents ({args.patients:,} patients), same annotator on both paths")
    here = rows["in_process"]
    print(f"in-process, {args.workers} worker processes: annotation {here['annotate_docs_s']:.0f}"
          f" docs/s, whole load {here['load_docs_s']:.0f} docs/s ({a_total:.0f} s)")
    print(f"Spark {args.master}: annotation job {rows['spark']['annotate_docs_s']:.0f} docs/s, whole load"
          f" {rows['spark']['load_docs_s']:.0f} docs/s ({b_total:.0f} s, word table included)")
    ratio = rows["spark"]["annotate_docs_s"] / rows["in_process"]["annotate_docs_s"]
    print(f"Spark / in-process (annotation): {ratio:.2f}x")
    (args.work / "bench_spark_annotate.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
