"""Spark store URLs: which cluster, which warehouse, where the small SQL store lives.

    spark://HOST:7077?warehouse=PATH          a standalone cluster (the master's own URL)
    spark+local[2]?warehouse=PATH             one machine, 2 cores (local[*]: every core)
    spark+yarn?warehouse=hdfs:///cohort       any other Spark master after ``spark+``

Options after ``?`` (``&``-separated): ``warehouse`` (required: where the Parquet tables live; a
local path, ``file:``, ``hdfs:`` or ``s3a:`` URI every executor can read), ``app`` (the small SQL
store of users, audit trail, saved queries and ingestion bookkeeping: a SQLite path or a
``postgresql://`` URL; default ``WAREHOUSE/app.db``, which needs a local warehouse), ``buckets``
(patient buckets of a new warehouse, default 8), ``cache`` (``1``: keep the coded tables in Spark's
memory, default; ``0``: read Parquet at every query), ``memory`` (driver memory, default ``4g``),
``partitions`` (shuffle partitions, default twice the local cores or 16 on a cluster).

>>> u = parse_spark_url("spark+local[2]?warehouse=/data/wh&buckets=4")
>>> u.master, u.warehouse, u.buckets, u.app
('local[2]', '/data/wh', 4, '/data/wh/app.db')
>>> parse_spark_url("spark://10.0.0.5:7077?warehouse=hdfs:///cohort&app=postgresql://u@db/app").app
'postgresql://u@db/app'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

SCHEMES = ("spark://", "spark+")
OPTIONS = ("warehouse", "app", "buckets", "cache", "memory", "partitions")


class SparkUrlError(ValueError):
    """A Spark store URL that cannot be used, said in one sentence."""


@dataclass(frozen=True)
class SparkUrl:
    master: str
    warehouse: str
    app: str
    buckets: int = 8
    cache: bool = True
    memory: str = "4g"
    partitions: int | None = None

    @property
    def local(self) -> bool:
        return self.master.startswith("local")

    @property
    def cores(self) -> int:
        """Cores of a local master (``local[N]``; ``local`` and ``local[*]``: this machine's)."""
        m = re.fullmatch(r"local(?:\[(\d+|\*)\])?", self.master)
        if m is None:
            return 0
        if m.group(1) is None:
            return 1  # Spark's own meaning of plain "local"
        return int(m.group(1)) if m.group(1) != "*" else (os.cpu_count() or 1)

    @property
    def shuffle_partitions(self) -> int:
        return self.partitions or (2 * self.cores if self.local else 16)


def is_spark_url(url: str) -> bool:
    return url.startswith(SCHEMES)


def _local_path(warehouse: str) -> str | None:
    if warehouse.startswith("file://"):
        return warehouse[len("file://") :]
    if "://" in warehouse or warehouse.startswith(("hdfs:", "s3a:", "s3:", "abfs:", "gs:")):
        return None
    return warehouse


def parse_spark_url(url: str) -> SparkUrl:
    """Read a ``spark://`` or ``spark+MASTER`` URL (see the module docstring)."""
    if url.startswith("spark://"):
        head, _, query = url.partition("?")
        master = head
    elif url.startswith("spark+"):
        head, _, query = url[len("spark+") :].partition("?")
        master = head or "local[*]"
    else:
        raise SparkUrlError(
            f"{url!r} is not a Spark store URL (spark://HOST:7077?... or spark+local[N]?...)."
        )
    opts = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(opts) - set(OPTIONS))
    if unknown:
        raise SparkUrlError(
            f"Unknown option {unknown[0]!r} in the Spark store URL; known: {', '.join(OPTIONS)}."
        )
    warehouse = opts.get("warehouse", "").rstrip("/")
    if not warehouse:
        raise SparkUrlError(
            "A Spark store URL needs the warehouse path, e.g. spark+local[2]?warehouse=/data/warehouse."
        )
    local = _local_path(warehouse)
    app = opts.get("app") or (f"{local}/app.db" if local is not None else "")
    if not app:
        raise SparkUrlError(
            "With a warehouse that is not a local path, say where the small SQL store lives: "
            "&app=/path/app.db or &app=postgresql://..."
        )
    try:
        buckets = int(opts.get("buckets", "8"))
        partitions = int(opts["partitions"]) if opts.get("partitions") else None
    except ValueError:
        raise SparkUrlError("buckets and partitions in a Spark store URL are whole numbers.") from None
    if not 1 <= buckets <= 4096:
        raise SparkUrlError("buckets in a Spark store URL is between 1 and 4096.")
    return SparkUrl(
        master=master,
        warehouse=warehouse,
        app=app,
        buckets=buckets,
        cache=opts.get("cache", "1") not in ("0", "false", "no"),
        memory=opts.get("memory", "4g"),
        partitions=partitions,
    )
