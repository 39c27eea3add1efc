"""Ingestion benchmark: generate N patients, ingest them (OCR excluded), then OCR a sample of scans.

    python -m eval.bench_ingest --patients 10000

Prints generation time, ingestion time (patients, documents/s for annotation + indexing), the total
against the issue's bar (10,000 patients generated + ingested in under 15 minutes, OCR excluded),
OCR pages/s and character accuracy on a sample of scans (OCR of every scan at this size would take
hours at ~1 page/s, which is why it is measured apart), and the annotation speed-up against a
baseline run in the same process: edsnlp's pipeline with token-level qualifiers
(``on_ents_only=False``) on the same documents, one process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from retrieval.ingest import ingest
from retrieval.ingest.progress import Workers, default_workers
from retrieval.store import Store


def _docs_sample(corpus: Path, n: int, seed: int) -> list[str]:
    texts = []
    for path in sorted((corpus / "documents").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line).get("text")
                if text:
                    texts.append(text)
    random.Random(seed).shuffle(texts)
    return texts[:n]


def annotation_ratio(corpus: Path, n: int = 300) -> dict[str, Any]:
    """Ours (edsnlp pipeline + scopes.Qualifiers, one process) vs edsnlp token-level qualifiers."""
    from retrieval.ingest.annotate import Annotator, build_pipeline

    texts = _docs_sample(corpus, n, 1)
    ours = Annotator()
    reference = build_pipeline(qualifiers=True, on_ents_only=False)
    ours.annotate(texts[:10])
    list(reference.pipe(texts[:10]))
    t0 = time.perf_counter()
    ours.annotate(texts)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    list(reference.pipe(texts))
    t_ref = time.perf_counter() - t0
    return {
        "documents": len(texts),
        "mean_chars": round(sum(map(len, texts)) / max(1, len(texts))),
        "ours_docs_per_s_1proc": round(len(texts) / t_ours, 1),
        "edsnlp_token_level_docs_per_s_1proc": round(len(texts) / t_ref, 1),
        "speedup": round(t_ref / t_ours, 2),
    }


def ocr_sample(corpus: Path, n: int, workers: int) -> dict[str, Any]:
    """OCR ``n`` scans of the corpus with the ingestion's worker pool; pages/s and character accuracy."""
    from rapidfuzz.distance import Levenshtein

    from retrieval.ingest.ocr import ocr_job

    truth = {}
    scans_truth = corpus / "truth" / "scans.jsonl"
    if scans_truth.exists():
        for line in scans_truth.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                truth[rec["document_id"]] = rec["text"]
    jobs = []
    for path in sorted((corpus / "documents").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec.get("file"):
                jobs.append((rec["id"], str(corpus / rec["file"])))
    random.Random(2).shuffle(jobs)
    jobs = jobs[:n]
    if not jobs:
        return {"scans": 0}
    pages, accs, failed, cpu = 0, [], 0, 0.0
    with Workers(workers) as pool:
        t0 = time.perf_counter()
        for doc_id, res, _err in pool.map_unordered(ocr_job, jobs):
            if res is None:
                failed += 1
                continue
            pages += res.pages
            cpu += res.cpu_seconds
            if doc_id in truth:
                ref, hyp = " ".join(truth[doc_id].split()), " ".join(res.text.split())
                accs.append(max(0.0, 1 - Levenshtein.distance(ref, hyp) / max(1, len(ref))))
        seconds = time.perf_counter() - t0
    return {
        "scans": len(jobs),
        "failed": failed,
        "pages": pages,
        "seconds": round(seconds, 1),
        "pages_per_s": round(pages / seconds, 2),
        # Tesseract CPU per page: pages/s on an otherwise idle machine is about workers / this
        "cpu_seconds_per_page": round(cpu / pages, 2) if pages else None,
        "workers": workers,
        "char_accuracy_mean": round(sum(accs) / len(accs), 4) if accs else None,
        "char_accuracy_min": round(min(accs), 4) if accs else None,
    }


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patients", type=int, default=10000)
    ap.add_argument("--centres", type=int, default=5)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--scan-share", type=float, default=0.02, help="share of documents written as scans")
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument("--ocr-sample", type=int, default=40, help="scans OCRed for the OCR figures")
    ap.add_argument("--ratio-docs", type=int, default=300, help="documents for the baseline ratio (0: skip)")
    ap.add_argument("--dir", type=Path, default=None, help="work directory (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the corpus and the store")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = ap.parse_args(argv)

    from synthetic import generate

    work = args.dir or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    corpus, db = work / "corpus", work / "bench.db"
    shutil.rmtree(corpus, ignore_errors=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    progress = os.isatty(2)

    t0 = time.perf_counter()
    manifest = generate(corpus, args.patients, args.centres, args.seed, scan_share=args.scan_share)
    t_gen = time.perf_counter() - t0
    store = Store(str(db))
    cpu0 = _cpu()
    load0 = os.getloadavg()[0]
    report = ingest(corpus, store, ocr=False, progress=progress, workers=args.workers)
    cpu = _cpu() - cpu0
    t_ingest = report.seconds
    size = db.stat().st_size + sum(p.stat().st_size for p in work.glob("bench.db-*"))
    result: dict[str, Any] = {
        "patients": args.patients,
        "documents": manifest.documents,
        "scanned_documents": manifest.scanned_documents,
        "native_documents_ingested": report.documents_native,
        "generate_seconds": round(t_gen, 1),
        "ingest_seconds_without_ocr": round(t_ingest, 1),
        "total_seconds": round(t_gen + t_ingest, 1),
        "bar_15_min": t_gen + t_ingest < 15 * 60,
        "patients_per_s_generate_plus_ingest": round(args.patients / (t_gen + t_ingest), 1),
        "patients_phase_seconds": round(report.patients_seconds, 1),
        "annotation_indexing_docs_per_s": round(report.docs_per_second, 1),
        "annotation_seconds": round(report.annotate_seconds, 1),
        "mentions": report.mentions,
        "segments": report.segments,
        "workers": args.workers,
        "store_mb": round(size / 1e6, 1),
        # CPU time of this process and its (reaped) workers: what the ingestion costs whatever else
        # runs on the machine; docs per CPU-second x cores = the rate on an otherwise idle machine.
        "ingest_cpu_seconds": round(cpu, 1),
        "docs_per_cpu_second": round(report.documents_native / cpu, 1) if cpu else None,
        "load_average_before_ingest": round(load0, 2),
        "load_average_after_ingest": round(os.getloadavg()[0], 2),
        "rejected_lines": len(report.rejections),
    }
    if args.ocr_sample:
        result["ocr"] = ocr_sample(corpus, args.ocr_sample, args.workers)
    if args.ratio_docs:
        result["annotation_vs_edsnlp_token_level"] = annotation_ratio(corpus, args.ratio_docs)
    store.close()
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    if not args.keep and args.dir is None:
        shutil.rmtree(work, ignore_errors=True)
    return result


if __name__ == "__main__":
    main()
