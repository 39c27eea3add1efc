"""What reading facts from the reports costs a similar-patient index and an answer with explanations.

``python -m eval.similar_latency --db DB [--queries 100]`` builds, on a COPY of the store, an index
without a text encoder (so only the structured part and the reports are timed) with report facts off
and on, then answers ``similar_to_patient`` for the first N patients with each, and prints the build
time and the answer latency p50 / p95 (explanations included: the neighbours' reports are read to mark
the facts that came from them).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from retrieval.similar.build import build_index, default_spec
from retrieval.similar.search import similar_to_patient
from retrieval.store import Store


def measure(db: str, queries: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="cohort-simlat-") as tmp:
        copy = Path(tmp) / "store.db"
        shutil.copyfile(db, copy)
        store = Store(str(copy), create=False)
        ids = [r["id"] for r in store.query("SELECT id FROM patients ORDER BY id LIMIT :n", {"n": queries})]
        for report_facts in (False, True):
            t0 = time.perf_counter()
            spec = default_spec(text_model="none", report_facts=report_facts)
            index, report = build_index(store, spec=spec, save=False)
            build = time.perf_counter() - t0
            times = []
            for pid in ids:
                t = time.perf_counter()
                similar_to_patient(store, pid, k=10, index=index)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            rows.append({"report_facts": report_facts, "patients": report.patients,
                         "build_s": round(build, 2), "completed": report.from_reports,
                         "p50_ms": round(statistics.median(times), 1),
                         "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1), "queries": len(times)})
        store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLite store (copied, never written).")
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    for r in measure(args.db, args.queries):
        on = "on " if r["report_facts"] else "off"
        print(f"report facts {on}: index of {r['patients']} patients built in {r['build_s']} s "
              f"({r['completed']} completed from reports); answer with explanations "
              f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms over {r['queries']} patients")


if __name__ == "__main__":
    main()
