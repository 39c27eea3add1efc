"""Copy a SQLite or PostgreSQL store into a Spark warehouse (``cohort store copy FROM TO``).

The clinical rows are read from the source in chunks, staged as Parquet (written by pyarrow when
the warehouse is a local path, through Spark otherwise), then laid out by Spark in the
warehouse's buckets, and every table is switched to its new version at once at the end: a copy
interrupted half-way leaves the warehouse as it was. Segment and mention ids are re-keyed from
their document (``document_id * 65536 + rank``) so that they are the same whichever way the
warehouse was filled (copy or Spark ingestion). The word table ``terms`` is computed from the
segments on the executors. The application tables (users, audit trail, saved queries and cohorts,
requests, released counts) are copied into the app store as they are, hashes included, so the
centre keeps its accounts and its trail; that needs an empty app store.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from retrieval.spark.schema import CLINICAL_TABLES, ORDINALS, spark_columns, sql_columns
from retrieval.spark.terms import terms_frame
from retrieval.store import Store, StoreError, _plain, now_iso

APP_TABLES = ("users", "audit_log", "saved_queries", "saved_cohorts", "cohort_members", "referent_requests",
              "released_counts", "ingested_files", "ingest_rejections", "ocr_results")
CHUNK = 50_000
Progress = Callable[[str, int], None]


def _arrow_type(spark: str) -> Any:
    import pyarrow as pa

    return {"BIGINT": pa.int64(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_()}.get(spark, pa.string())


def _rows(store: Store, sql: str) -> Any:
    """Chunks of rows as tuples, from either SQL driver."""
    cur = store.execute(sql)
    while chunk := cur.fetchmany(CHUNK):
        yield [tuple(_plain(v) for v in (r.values() if isinstance(r, dict) else r)) for r in chunk]


def stage_batch(dst: Any, table: str, rows: list[tuple[Any, ...]], staging: str, k: int) -> None:
    """Rows (in the warehouse column order, dates as ISO text) as one Parquet file of the staging
    folder: written by pyarrow on a local warehouse, through Spark elsewhere."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = spark_columns(dst.app, table)
    schema = pa.schema([(c, _arrow_type(t)) for c, t in cols])
    names = [c for c, _ in cols]
    data = pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows], schema)
    out = f"{staging}/{table}"
    if dst.local_warehouse is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        pq.write_table(data, f"{out}/part-{k:06d}.parquet")
    else:
        dst.session().createDataFrame(data).write.mode("append").parquet(out)


def staged(dst: Any, table: str, staging: str, n: int) -> Any:
    """The staged rows of ``table`` as a DataFrame (an empty one when nothing was staged)."""
    session = dst.session()
    if n:
        return session.read.parquet(f"{staging}/{table}")
    return session.createDataFrame([], ", ".join(f"`{c}` {t}" for c, t in spark_columns(dst.app, table)))


def stage_table(src: Store, dst: Any, table: str, staging: str, progress: Progress | None) -> int:
    """Rows of ``src.table`` as Parquet files under ``staging/table`` (dates as ISO text)."""
    cols = spark_columns(dst.app, table)
    have = {name for name, _ in sql_columns(src, table)}
    select = ", ".join(c if c in have else f"NULL AS {c}" for c, _ in cols)
    n = 0
    for k, chunk in enumerate(_rows(src, f"SELECT {select} FROM {table}")):
        stage_batch(dst, table, chunk, staging, k)
        n += len(chunk)
        if progress:
            progress(table, n)
    return n


def rekey(df: Any) -> Any:
    """Segment / mention ids from their document: ``document_id * 65536 + rank by start``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    w = Window.partitionBy("document_id").orderBy("start_char", "end_char", "id")
    rank = F.row_number().over(w) - 1
    return df.withColumn("id", F.col("document_id") * F.lit(ORDINALS) + rank)


def copy_to_spark(src: Store, dst: Any, *, progress: Progress | None = None, app_tables: bool = True
                  ) -> dict[str, int]:
    """Copy every clinical row of ``src`` into the warehouse of ``dst`` (a ``SparkStore``), and the
    application tables into its app store; returns rows per table."""
    if src.dialect == "spark":
        raise StoreError("Copying from a Spark warehouse is not supported; copy from its SQL source.")
    if app_tables:
        busy = [t for t in APP_TABLES if dst.app.scalar(f"SELECT COUNT(*) FROM {t}")]
        if busy:
            raise StoreError(
                f"The app store of {dst.url} already holds {', '.join(busy)}; copy into a new warehouse "
                "(or pass --clinical-only)."
            )
    session = dst.session()
    staging = f"{dst.spark_url.warehouse}/_staging/{uuid.uuid4().hex}"
    counts: dict[str, int] = {}
    written = []
    try:
        for table in CLINICAL_TABLES:
            counts[table] = stage_table(src, dst, table, staging, progress)
            df = staged(dst, table, staging, counts[table])
            if table in ("segments", "mentions"):
                df = rekey(df)
            if table == "segments":
                df = df.persist()
                written.append(dst.warehouse.write(session, "terms", terms_frame(df)))
                counts["terms"] = written[-1].rows
                if progress:
                    progress("terms", counts["terms"])
            written.append(dst.warehouse.write(session, table, df, rows=counts[table]))
            if table == "segments":
                df.unpersist()
        dst.warehouse.publish(session, written, now_iso())
        if app_tables:
            counts.update(copy_app_tables(src, dst.app))
    finally:
        remove_staging(dst, staging)
    return counts


def copy_app_tables(src: Store, app: Store) -> dict[str, int]:
    """Users, audit trail, saved queries... row for row (ids and hashes kept)."""
    counts = {}
    with app.transaction():
        for table in APP_TABLES:
            have = [name for name, _ in sql_columns(src, table)]
            want = {name for name, _ in sql_columns(app, table)}
            cols = [c for c in have if c in want]
            insert = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
            n = 0
            for chunk in _rows(src, f"SELECT {', '.join(cols)} FROM {table}"):
                app.executemany(insert, [dict(zip(cols, r, strict=True)) for r in chunk])
                n += len(chunk)
            counts[table] = n
    if app.dialect == "postgres":
        for table in APP_TABLES:
            seq = app.scalar("SELECT pg_get_serial_sequence(:t, 'id')", {"t": table})
            if seq:
                app.execute(f"SELECT setval('{seq}', GREATEST((SELECT MAX(id) FROM {table}), 1))")
    return counts


def remove_staging(dst: Any, path: str) -> None:
    local = dst.local_warehouse
    if local is not None:
        shutil.rmtree(Path(path), ignore_errors=True)
        staging = Path(path).parent
        if staging.exists() and not any(staging.iterdir()):
            staging.rmdir()
    else:
        dst.warehouse._delete(dst.session(), path)


def describe(counts: dict[str, int], seconds: float) -> str:
    main = ", ".join(f"{counts.get(t, 0):,} {t}" for t in ("patients", "documents", "segments", "terms"))
    return f"Copied {main} in {seconds:.0f} s."

