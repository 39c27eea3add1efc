"""Import throughput: the synthetic corpus exported as Bulk FHIR NDJSON and as OMOP CDM CSV, then
imported by `cohort ingest --centre` into empty stores.

    python -m eval.bench_import --patients 10000

Prints, per format, the reading rate (FHIR resources/s, OMOP rows/s: parsing with ``fhir.resources``
or the CSV reader, mapping codes, assembling records) and the whole load (staging, validation,
annotation and full-text indexing of the report texts, writing), with the ratio against a floor run
in the same process: plain ``json.loads`` of the same NDJSON lines (FHIR) or ``csv.reader`` of the
same files (OMOP). Scanned documents are left out (OCR is measured by ``eval.bench_ingest``).
A report is written to ``eval/reports/bench_import.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from retrieval.ingest import ingest
from retrieval.store import Store
from synthetic import generate
from synthetic.export_fhir import export_fhir
from synthetic.export_omop import export_omop

REPORTS = Path(__file__).parent / "reports"


def _floor_fhir(folder: Path) -> float:
    t0 = time.perf_counter()
    for path in folder.glob("*.ndjson"):
        with path.open("rb") as fh:
            for line in fh:
                json.loads(line)
    return time.perf_counter() - t0


def _floor_omop(folder: Path) -> float:
    t0 = time.perf_counter()
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            for _ in csv.reader(fh):
                pass
    return time.perf_counter() - t0


def run(fmt: str, corpus: Path, work: Path, workers: int | None) -> dict[str, Any]:
    out = work / fmt
    t0 = time.perf_counter()
    counts = export_fhir(corpus, out, validate=False) if fmt == "fhir" else export_omop(corpus, out)
    export_s = time.perf_counter() - t0
    floor = _floor_fhir(out) if fmt == "fhir" else _floor_omop(out)
    store = Store(str(work / f"{fmt}.db"))
    report = ingest(out, store, centre="BENCH", progress=False, ocr=False, workers=workers)
    read = report.records_read
    return {
        "format": fmt,
        "exported": dict(counts),
        "export_seconds": round(export_s, 1),
        "records_read": read,
        "read_seconds": round(report.read_seconds, 1),
        "records_per_second": round(read / report.read_seconds) if report.read_seconds else None,
        "floor_seconds": round(floor, 2),
        "read_vs_floor": round(report.read_seconds / floor, 1) if floor else None,
        "load_seconds": round(report.seconds, 1),
        "records_per_second_whole_load": round(read / report.seconds) if report.seconds else None,
        "documents": report.documents_native,
        "docs_per_second": round(report.docs_per_second, 1),
        "patients_loaded": report.loaded.get("patients", 0),
        "rejected": len(report.rejections),
        "unmapped": len(report.unmapped),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--formats", default="fhir,omop")
    parser.add_argument(
        "--dir", type=Path, default=None, help="Work directory (kept); default: a temporary one."
    )
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    if not (corpus / "manifest.json").exists():
        generate(corpus, args.patients, 3, args.seed, scan_share=0.0)
    results = {"patients": args.patients, "runs": []}
    try:
        for fmt in args.formats.split(","):
            r = run(fmt.strip(), corpus, work, args.workers)
            results["runs"].append(r)
            unit = "resources" if r["format"] == "fhir" else "rows"
            print(
                f"{r['format']}: {r['records_read']} {unit} read in {r['read_seconds']} s "
                f"({r['records_per_second']} {unit}/s; {r['read_vs_floor']}x the bare JSON/CSV parse), "
                f"whole load {r['load_seconds']} s ({r['records_per_second_whole_load']} {unit}/s, "
                f"{r['documents']} documents annotated at {r['docs_per_second']} docs/s), "
                f"{r['patients_loaded']} patients, {r['rejected']} rejected, {r['unmapped']} unmapped"
            )
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "bench_import.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
