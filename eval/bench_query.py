"""Query latency benchmark: the USE_CASES questions (``eval.use_cases``) as Criteria, count
and first page, on SQLite, PostgreSQL and Spark side by side, at a stated corpus size.

    python -m eval.bench_query --patients 100000            # build, then measure (SQLite, PostgreSQL, Spark)
    python -m eval.bench_query --db big.db [--pg-url URL]    # measure existing stores
    python -m eval.bench_query --patients 100000 --scaling   # + Spark local[1] vs local[2], 1x vs 4x data

Spark runs in local mode (``--spark-master local[2]``) on a warehouse copied from the same base
store and replicated the same way (``build_spark``); ``--scaling`` measures Spark again in fresh
processes (one Spark master per process) with one and two cores, on the warehouse and on one four
times larger, and prints how latency and cost per patient grow.

Building 100,000 patients by real ingestion would take hours on two shared cores (annotation is
~100 documents/s), so the store is built from a *base* corpus that is really generated and
ingested (``--base`` patients, annotation included), then replicated in SQL with shifted ids until
it holds ``--patients`` patients: every table (patients, tumours, treatments, documents, segments
with their qualifier flags...) grows by the same factor, so the selectivity of every question and
the size of every index are those of a corpus of that size; only the text is repeated. Mentions,
which queries do not read, are not replicated. The PostgreSQL store is the base copied row for row,
then replicated the same way (its tsvector column computed by PostgreSQL itself).

Per question, after one warm-up: ``repeat`` timings of ``count`` and of ``list_patients(page 1,
20 rows, with matched facts)`` — count + first page, what a user waits for. Prints p50 / p95 per
question and over all questions, per database, the PostgreSQL/SQLite ratio, and the goal
(p95 <= 300 ms on SQLite at 100,000 patients). Results are also written as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from eval.use_cases import USE_CASES
from query_compiler.engine import CohortEngine, Scope
from retrieval.store import Store

# table -> (id column or None, {foreign key column: referenced table})
REPLICATED: dict[str, tuple[str | None, dict[str, str]]] = {
    "patients": ("id", {}),
    "identities": (None, {"patient_id": "patients"}),
    "relatives": ("id", {"patient_id": "patients"}),
    "tumours": ("id", {"patient_id": "patients"}),
    "events": ("id", {"patient_id": "patients", "tumour_id": "tumours"}),
    "treatments": ("id", {"patient_id": "patients", "tumour_id": "tumours"}),
    "biomarkers": ("id", {"patient_id": "patients", "tumour_id": "tumours"}),
    "stays": ("id", {"patient_id": "patients"}),
    "stay_diagnoses": (None, {"stay_id": "stays", "patient_id": "patients"}),
    "documents": ("id", {"patient_id": "patients"}),
    "segments": ("id", {"document_id": "documents", "patient_id": "patients"}),
    "samples": ("id", {"patient_id": "patients", "tumour_id": "tumours"}),
}
UNIQUE_TEXT = {"identities": "ipp"}
GOAL_P95_MS = 300.0
SCOPE = Scope(None)  # every centre, opposed patients excluded: the widest a count can be


def _columns(store: Store, table: str) -> list[str]:
    from eval.pg import _columns as cols

    return cols(store, table)


def replicate(store: Store, factor: int, log: Any = print) -> None:
    """Multiply every clinical table by ``factor`` with shifted ids (see the module docstring)."""
    offsets = {
        t: int(store.scalar(f"SELECT COALESCE(MAX({idc}), 0) + 1 FROM {t}"))
        for t, (idc, _) in REPLICATED.items()
        if idc
    }
    for k in range(1, factor):
        t0 = time.perf_counter()
        with store.transaction():
            for table, (idc, fks) in REPLICATED.items():
                cols = _columns(store, table)
                exprs = []
                for c in cols:
                    if c == idc:
                        exprs.append(f"{c} + {k * offsets[table]}")
                    elif c in fks:
                        exprs.append(f"{c} + {k * offsets[fks[c]]}")
                    elif UNIQUE_TEXT.get(table) == c:
                        exprs.append(f"{c} || '-{k}'")
                    else:
                        exprs.append(c)
                base = f"{idc} < {offsets[table]}" if idc else f"patient_id < {offsets['patients']}"
                store.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {table}"
                    f" WHERE {base}"
                )
        log(f"  copy {k + 1}/{factor} ({time.perf_counter() - t0:.1f} s)")
    if store.dialect == "sqlite":
        t0 = time.perf_counter()
        store.execute("INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')")
        log(f"  FTS index rebuilt ({time.perf_counter() - t0:.0f} s)")
    store.execute("ANALYZE")


def _close(store: Store) -> None:
    """Fold the write-ahead log into the file before the file is renamed or copied."""
    store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


def build(
    work: Path, patients: int, base: int, seed: int, postgres: bool, log: Any = print
) -> dict[str, Any]:
    """Generate + ingest the base corpus (cached in ``work``), then build the replicated stores."""
    from retrieval.ingest import ingest
    from synthetic import generate

    work.mkdir(parents=True, exist_ok=True)
    corpus, base_db = work / f"corpus-{base}", work / f"base-{base}.db"
    if not (corpus / "manifest.json").exists():
        t0 = time.perf_counter()
        generate(corpus, base, 3, seed, scan_share=0.0, progress=False)
        log(f"generated {base} patients in {time.perf_counter() - t0:.0f} s")
    if not base_db.exists():
        t0 = time.perf_counter()
        tmp = base_db.with_suffix(".tmp.db")
        store = Store(str(tmp))
        ingest(corpus, store, ocr=False, progress=False)
        _close(store)
        tmp.rename(base_db)
        log(f"ingested the base corpus in {time.perf_counter() - t0:.0f} s")
    factor = max(1, round(patients / base))
    big = work / f"bench-{base * factor}.db"
    if not big.exists():
        log(f"SQLite: replicating x{factor}")
        tmp = big.with_suffix(".tmp.db")
        shutil.copyfile(base_db, tmp)
        store = Store(str(tmp))
        replicate(store, factor, log)
        _close(store)
        tmp.rename(big)
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    return {
        "sqlite": str(big),
        "base_db": str(base_db),
        "factor": factor,
        "reference_date": manifest["reference_date"],
    }


def build_postgres(base_db: str, factor: int, url: str, log: Any = print) -> None:
    from eval.pg import copy_store

    store = Store(url)
    if store.scalar("SELECT COUNT(*) FROM patients"):
        return
    t0 = time.perf_counter()
    copy_store(Store(base_db, create=False), store)
    log(f"PostgreSQL: base copied in {time.perf_counter() - t0:.0f} s; replicating x{factor}")
    store.execute("DROP INDEX IF EXISTS ix_segments_tsv")  # one GIN build at the end beats 20 updates
    replicate(store, factor, log)
    t0 = time.perf_counter()
    store.execute("SET maintenance_work_mem = '1GB'")
    store.execute("CREATE INDEX ix_segments_tsv ON segments USING GIN (tsv)")
    store.execute("ANALYZE")
    log(f"  GIN index built ({time.perf_counter() - t0:.0f} s)")


# Spark-only tables and the id columns that must shift with the copies (see REPLICATED).
SPARK_REPLICATED: dict[str, tuple[str | None, dict[str, str]]] = {
    **REPLICATED,
    "mentions": ("id", {"document_id": "documents", "patient_id": "patients"}),
    "terms": (None, {"patient_id": "patients", "document_id": "documents", "segment_id": "segments"}),
}


def replicate_spark(store: Store, factor: int, log: Any = print) -> None:
    """``replicate`` for a Spark warehouse: every table unioned with ``factor - 1`` shifted copies,
    written to new versions and switched at once."""
    from pyspark.sql import functions as F

    from retrieval.spark.schema import spark_columns

    session = store.session()
    offsets = {
        t: int(store.scalar(f"SELECT COALESCE(MAX({idc}), 0) + 1 FROM {t}"))
        for t, (idc, _) in SPARK_REPLICATED.items()
        if idc
    }
    written = []
    for table, (idc, fks) in SPARK_REPLICATED.items():
        t0 = time.perf_counter()
        base = session.table(table)
        cols = [c for c, _ in spark_columns(store.app, table)]
        parts = [base]
        for k in range(1, factor):
            exprs = []
            for c in cols:
                if c == idc:
                    exprs.append((F.col(c) + F.lit(k * offsets[table])).alias(c))
                elif c in fks:
                    exprs.append((F.col(c) + F.lit(k * offsets[fks[c]])).alias(c))
                elif UNIQUE_TEXT.get(table) == c:
                    exprs.append(F.concat(F.col(c), F.lit(f"-{k}")).alias(c))
                else:
                    exprs.append(F.col(c))
            parts.append(base.select(*exprs))
        df = parts[0]
        for part in parts[1:]:
            df = df.unionByName(part)
        written.append(store.warehouse.write(session, table, df))
        log(f"  {table} x{factor}: {written[-1].rows:,} rows ({time.perf_counter() - t0:.0f} s)")
    from retrieval.store import now_iso

    store.warehouse.publish(session, written, now_iso())


def build_spark(base_db: str, factor: int, url: str, log: Any = print) -> None:
    """The base store copied into a Spark warehouse, then replicated ``factor`` times (once)."""
    from retrieval.spark.copy import copy_to_spark

    store = Store(url)
    if store.warehouse.versions().get("patients", (0, 0))[1]:
        return
    t0 = time.perf_counter()
    copy_to_spark(Store(base_db, create=False), store, app_tables=False)
    log(f"Spark: base copied in {time.perf_counter() - t0:.0f} s; replicating x{factor}")
    if factor > 1:
        replicate_spark(store, factor, log)


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def measure(store: Store, today: date, repeat: int) -> dict[str, Any]:
    """Per question: ``repeat`` timings of ``count`` and of ``list_patients`` (one call gives the
    total and the first page with its matched facts), wall clock and, for SQLite, CPU time of this
    process (SQLite runs in-process: CPU time is what the query costs, whatever else the machine
    is doing)."""
    store.ensure_indexes()
    store.execute("ANALYZE")
    engine = CohortEngine(store, today)
    per: dict[str, Any] = {}
    for uc in USE_CASES:
        engine.list_patients(uc.criteria, SCOPE)  # warm-up (caches, plans)
        counts, pages, cpu = [], [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            n = engine.count(uc.criteria, SCOPE)
            t1, c1 = time.perf_counter(), time.process_time()
            engine.list_patients(uc.criteria, SCOPE, page=1, page_size=20)
            t2, c2 = time.perf_counter(), time.process_time()
            counts.append((t1 - t0) * 1000)
            pages.append((t2 - t1) * 1000)
            cpu.append((c2 - c1) * 1000)
        per[uc.name] = {
            "patients": n,
            "stress": uc.stress,
            "counts": counts,
            "pages": pages,
            "cpu": cpu,
            "count_p50": statistics.median(counts),
            "count_p95": _pct(counts, 0.95),
            "page_p50": statistics.median(pages),
            "page_p95": _pct(pages, 0.95),
            "cpu_p50": statistics.median(cpu),
            "cpu_p95": _pct(cpu, 0.95),
        }
    out: dict[str, Any] = {"questions": per}
    for label, keep in (("", lambda q: not q["stress"]), ("all_", lambda q: True)):
        qs = [q for q in per.values() if keep(q)]
        for key in ("counts", "pages", "cpu"):
            values = [v for q in qs for v in q[key]]
            short = {"counts": "count", "pages": "page", "cpu": "cpu"}[key]
            out[f"{label}{short}_p50"] = statistics.median(values)
            out[f"{label}{short}_p95"] = _pct(values, 0.95)
    out.update(
        {t: int(store.scalar(f"SELECT COUNT(*) FROM {t}")) for t in ("patients", "documents", "segments")}
    )
    out["load_average"] = os.getloadavg()[0]
    return out


def report(results: dict[str, dict[str, Any]]) -> str:
    dbs = list(results)
    head = f"{'question':34} {'patients':>8} | " + " | ".join(
        f"{db + ' count p50/p95':>22} {'first page p50/p95':>19}" for db in dbs
    )
    lines = [head, "-" * len(head)]
    first = results[dbs[0]]
    for name, q0 in first["questions"].items():
        cells = []
        for db in dbs:
            q = results[db]["questions"][name]
            cells.append(
                f"{q['count_p50']:10.1f} /{q['count_p95']:7.1f} ms {q['page_p50']:8.1f} /{q['page_p95']:7.1f}"
            )
        mark = " (stress)" if q0["stress"] else ""
        lines.append(f"{(name + mark)[:34]:34} {q0['patients']:8d} | " + " | ".join(cells))
    lines.append("-" * len(head))
    for db in dbs:
        r = results[db]
        cpu = f"; CPU p50 {r['cpu_p50']:.1f} ms p95 {r['cpu_p95']:.1f} ms" if db == "sqlite" else ""
        if db == "spark":
            cpu = f"; Spark master {r.get('master', '?')}"
        lines.append(
            f"{db}: {r['patients']:,} patients, {r['documents']:,} documents, {r['segments']:,} segments "
            f"(load average {r['load_average']:.1f} on {os.cpu_count()} cores)"
        )
        lines.append(
            f"  USE_CASES questions: count p50 {r['count_p50']:.1f} ms p95 {r['count_p95']:.1f} ms; "
            f"count + first page (one call) p50 {r['page_p50']:.1f} ms p95 {r['page_p95']:.1f} ms{cpu}"
        )
        lines.append(
            f"  with the stress search: first page p50 {r['all_page_p50']:.1f} ms"
            f" p95 {r['all_page_p95']:.1f} ms"
        )
    for other, label in (("postgres", "PostgreSQL"), ("spark", "Spark")):
        if other in results and "sqlite" in results:
            ratio = results[other]["page_p95"] / max(results["sqlite"]["page_p95"], 1e-9)
            lines.append(f"{label} / SQLite (first page p95, USE_CASES questions): {ratio:.2f}x")
    lite = results.get("sqlite")
    if lite:
        ok = lite["page_p95"] <= GOAL_P95_MS
        lines.append(
            f"Goal: SQLite p95 <= {GOAL_P95_MS:.0f} ms (count + first page) at {lite['patients']:,} patients:"
            f" {'met' if ok else 'NOT met'} (wall clock {lite['page_p95']:.0f} ms,"
            f" CPU {lite['cpu_p95']:.0f} ms)."
        )
    return "\n".join(lines)


def scaling_report(rows: list[dict[str, Any]]) -> str:
    """Spark latency per configuration, and cost per patient (p50 / patients) relative to the first."""
    head = f"{'Spark master':14} {'patients':>9} {'documents':>10} | {'p50 ms':>8} {'p95 ms':>8} | " \
           f"{'us per patient (p50)':>21} {'relative':>9}"
    lines = ["Scaling (count + first page, USE_CASES questions):", head, "-" * len(head)]
    first = None
    for r in rows:
        per = 1000 * r["page_p50"] / r["patients"]
        first = first or per
        lines.append(
            f"{r['master']:14} {r['patients']:9,d} {r['documents']:10,d} | {r['page_p50']:8.0f} "
            f"{r['page_p95']:8.0f} | {per:21.2f} {per / first:8.2f}x"
        )
    return "\n".join(lines)


def measure_spark(url: str, today: date, repeat: int, master: str) -> dict[str, Any]:
    out = measure(Store(url), today, repeat)
    out["master"] = master
    return out


def _spark_url(master: str, warehouse: Path) -> str:
    return f"spark+{master}?warehouse={warehouse}"


def scaling(args: argparse.Namespace, built: dict[str, Any]) -> list[dict[str, Any]]:
    """Spark in fresh processes: local[1] and local[2], on the warehouse and on one 4x larger."""
    import subprocess
    import sys

    big_wh = args.work / f"spark-{args.base * built['factor'] * 4}"
    if not Store(_spark_url("local[2]", big_wh)).warehouse.versions().get("patients", (0, 0))[1]:
        # separate process: a process runs one Spark master
        subprocess.run([sys.executable, "-m", "eval.bench_query", "--build-spark", str(big_wh),
                        "--base-db", built["base_db"], "--factor", str(built["factor"] * 4)], check=True)
    rows = []
    for wh in (args.work / f"spark-{args.base * built['factor']}", big_wh):
        for master in ("local[1]", "local[2]"):
            out = args.work / f"scaling-{wh.name}-{master}.json"
            cmd = [sys.executable, "-m", "eval.bench_query", "--spark-url", _spark_url(master, wh), "--today",
                   built["reference_date"], "--repeat", str(args.repeat), "--out", str(out), "--spark-only"]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            rows.append(json.loads(out.read_text(encoding="utf-8"))["spark"])
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="USE_CASES questions: latency on SQLite, PostgreSQL, Spark.")
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--base", type=int, default=5_000, help="patients really generated and ingested")
    ap.add_argument("--seed", type=int, default=20240517)
    ap.add_argument("--work", type=Path, default=Path("/tmp/cohort-bench-query"))
    ap.add_argument("--db", help="measure this existing SQLite store instead of building one")
    ap.add_argument("--pg-url", help="measure this existing PostgreSQL store")
    ap.add_argument("--no-postgres", action="store_true", help="no PostgreSQL")
    ap.add_argument("--no-spark", action="store_true", help="no Spark")
    ap.add_argument("--spark-master", default="local[2]", help="Spark master for the side-by-side run")
    ap.add_argument("--spark-url", help="measure this existing Spark store")
    ap.add_argument("--spark-only", action="store_true", help="measure --spark-url only")
    ap.add_argument("--scaling", action="store_true", help="Spark local[1]/local[2] x 1x/4x data")
    ap.add_argument("--build-spark", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--base-db", help=argparse.SUPPRESS)
    ap.add_argument("--factor", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--today", help="reference date (default: the corpus manifest's)")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    args = ap.parse_args(argv)

    if args.build_spark:
        build_spark(args.base_db, args.factor, _spark_url("local[2]", args.build_spark))
        return
    results: dict[str, dict[str, Any]] = {}
    if args.spark_only:
        master = args.spark_url.split("?")[0].removeprefix("spark+")
        results["spark"] = measure_spark(args.spark_url, date.fromisoformat(args.today), args.repeat, master)
        print(report(results))
        out = args.out or (args.work / "bench_query_spark.json")
        out.write_text(json.dumps(results, indent=2), encoding="utf-8")
        return
    pg = None
    built: dict[str, Any] = {}
    try:
        if args.db:
            lite_path, today = args.db, date.fromisoformat(args.today or date.today().isoformat())
        else:
            built = build(args.work, args.patients, args.base, args.seed, not args.no_postgres)
            lite_path, today = built["sqlite"], date.fromisoformat(args.today or built["reference_date"])
        results["sqlite"] = measure(Store(lite_path, create=False), today, args.repeat)
        pg_url = args.pg_url
        if pg_url is None and not args.no_postgres and not args.db:
            from eval.pg import TempPostgres

            pg = TempPostgres(
                extra={
                    "shared_buffers": "1GB",
                    "work_mem": "64MB",
                    "effective_cache_size": "4GB",
                    "max_wal_size": "8GB",
                }
            )
            pg.start()
            pg_url = pg.url
            build_postgres(built["base_db"], built["factor"], pg_url)
        if pg_url:
            results["postgres"] = measure(Store(pg_url), today, args.repeat)
    finally:
        if pg is not None:
            pg.stop()
    spark_url = args.spark_url
    if spark_url is None and not args.no_spark and built:
        wh = args.work / f"spark-{args.base * built['factor']}"
        spark_url = _spark_url(args.spark_master, wh)
        build_spark(built["base_db"], built["factor"], spark_url)
    if spark_url:
        results["spark"] = measure_spark(spark_url, today, args.repeat, args.spark_master)
    print(report(results))
    if args.scaling and built:
        rows = scaling(args, built)
        results["scaling"] = {"rows": rows}  # type: ignore[assignment]
        print(scaling_report(rows))
    out = args.out or (args.work / "bench_query.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"(results written to {out})")


if __name__ == "__main__":
    main()
