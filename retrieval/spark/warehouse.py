"""Parquet tables under the warehouse path, versioned and switched atomically.

    WAREHOUSE/tables/<table>/v000003/bucket=K/part-*.parquet

A write never touches the files readers use: it goes to a new version folder, and the switch is
one row per table in the small SQL store (``spark_tables``: table, version, rows), changed for all
the tables of a load in one transaction. A load killed half-way leaves an unreferenced folder
(removed by the next write) and the previous tables intact; a chat running in another process sees
the new version at its next query. The version before the current one is kept for the queries
still reading it; older ones are deleted. This is the part of Delta Lake the assistant needs —
atomic replacement of whole tables — without its JARs, which would have to come from Maven at run
time; the tables stay plain Parquet that any engine reads.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from retrieval.spark.schema import CACHED, PATIENT_KEY, SORT, WAREHOUSE_TABLES, ddl, spark_columns
from retrieval.spark.url import SparkUrl

CATALOG_DDL = (
    "CREATE TABLE IF NOT EXISTS spark_tables (name TEXT PRIMARY KEY, version INTEGER NOT NULL,"
    " rows INTEGER NOT NULL, buckets INTEGER NOT NULL, written_at TEXT NOT NULL)"
)
_VERSION = re.compile(r"v(\d{6})$")


@dataclass(frozen=True)
class Written:
    table: str
    version: int
    rows: int


class Warehouse:
    """The versioned Parquet tables of one warehouse, and their temporary views in one session."""

    def __init__(self, url: SparkUrl, app: Any) -> None:
        self.url = url
        self.app = app
        self.root = url.warehouse
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    # -- catalog -----------------------------------------------------------------------------
    def ensure_catalog(self) -> None:
        self.app.execute(CATALOG_DDL)

    def versions(self) -> dict[str, tuple[int, int]]:
        rows = self.app.query("SELECT * FROM spark_tables")
        return {r["name"]: (int(r["version"]), int(r["rows"])) for r in rows}

    def buckets(self) -> int:
        """Buckets of this warehouse: fixed by its first write (the URL's value until then)."""
        found = self.app.scalar("SELECT MAX(buckets) FROM spark_tables")
        return int(found) if found else self.url.buckets

    def path(self, table: str, version: int) -> str:
        return f"{self.root}/tables/{table}/v{version:06d}"

    # -- writing -----------------------------------------------------------------------------
    def write(self, session: Any, table: str, df: Any, rows: int | None = None) -> Written:
        """Write ``df`` as the next version of ``table`` (not visible until ``publish``); ``rows``,
        when the caller knows it, saves counting the written files."""
        from pyspark.sql import functions as F

        if table not in WAREHOUSE_TABLES:
            raise ValueError(f"{table!r} is not a warehouse table")
        # Declared types, whatever the source gave (a rewrite's CASE, text dates from SQLite...)
        df = df.select(*[F.col(f"`{c}`").cast(t).alias(c) for c, t in spark_columns(self.app, table)])
        version = self._next_version(session, table)
        path = self.path(table, version)
        key = PATIENT_KEY.get(table)
        writer_opts = {"compression": "snappy"}
        if table == "terms":  # small row groups: a word lookup reads only the groups holding it
            writer_opts["parquet.block.size"] = str(8 * 1024 * 1024)
        if key is None:
            out = df.coalesce(1).sortWithinPartitions(*SORT.get(table, ["id"]))
            out.write.options(**writer_opts).mode("overwrite").parquet(path)
        else:
            b = self.buckets()
            out = df.withColumn("bucket", F.pmod(F.col(key), F.lit(b)).cast("int"))
            out = out.repartition(b, "bucket").sortWithinPartitions("bucket", *SORT[table])
            out.write.options(**writer_opts).mode("overwrite").partitionBy("bucket").parquet(path)
        if rows is None:
            rows = self.read(session, table, version).count()
        return Written(table, version, rows)

    def read(self, session: Any, table: str, version: int) -> Any:
        """One version of a table, with its declared schema (no inference; an empty table has no
        Parquet file at all)."""
        cols = spark_columns(self.app, table)
        if table in PATIENT_KEY:
            cols = [*cols, ("bucket", "INT")]
        df = session.read.schema(ddl(cols)).parquet(self.path(table, version))
        return df.drop("bucket") if "bucket" in df.columns else df

    def _next_version(self, session: Any, table: str) -> int:
        current = self.versions().get(table, (0, 0))[0]
        on_disk = [int(m.group(1)) for p in self._list(session, f"{self.root}/tables/{table}")
                   if (m := _VERSION.search(p))]
        return max([current, *on_disk]) + 1

    def publish(self, session: Any, written: list[Written], written_at: str) -> None:
        """Switch every table of one load to its new version at once, then tidy old versions."""
        b = self.buckets()
        with self.app.transaction():
            for w in written:
                self.app.execute(
                    "INSERT INTO spark_tables (name, version, rows, buckets, written_at)"
                    " VALUES (:n, :v, :r, :b, :t) ON CONFLICT (name) DO UPDATE SET"
                    " version = excluded.version, rows = excluded.rows, buckets = excluded.buckets,"
                    " written_at = excluded.written_at",
                    {"n": w.table, "v": w.version, "r": w.rows, "b": b, "t": written_at},
                )
        for w in written:
            for p in self._list(session, f"{self.root}/tables/{w.table}"):
                m = _VERSION.search(p)
                if m and int(m.group(1)) < w.version - 1:  # a killed load's folder goes here too
                    self._delete(session, p)

    # -- reading -----------------------------------------------------------------------------
    def register(self, session: Any, force: bool = False) -> None:
        """(Re)define each table's temporary view in ``session`` where its version changed."""
        with self._lock:
            current = self.versions()
            for table in WAREHOUSE_TABLES:
                version = current.get(table, (0, 0))[0]
                if not force and self._seen.get(table) == version:
                    continue
                if self._seen.get(table) is not None and self.url.cache and table in CACHED:
                    try:
                        session.catalog.uncacheTable(table)
                    except Exception:  # noqa: BLE001 - a view that was never cached
                        pass
                if version:
                    df = self.read(session, table, version)
                else:
                    df = session.createDataFrame([], ddl(spark_columns(self.app, table)))
                df.createOrReplaceTempView(table)
                if self.url.cache and table in CACHED and version:
                    session.catalog.cacheTable(table)
                self._seen[table] = version

    # -- files (Hadoop's FileSystem: local paths, HDFS, S3 alike) ------------------------------
    @staticmethod
    def _fs(session: Any, path: str) -> tuple[Any, Any]:
        jvm = session.sparkContext._jvm
        p = jvm.org.apache.hadoop.fs.Path(path)
        return p.getFileSystem(session.sparkContext._jsc.hadoopConfiguration()), p

    def _list(self, session: Any, path: str) -> list[str]:
        fs, p = self._fs(session, path)
        if not fs.exists(p):
            return []
        return [str(s.getPath().toString()) for s in fs.listStatus(p)]

    def _delete(self, session: Any, path: str) -> None:
        fs, p = self._fs(session, path)
        fs.delete(p, True)
