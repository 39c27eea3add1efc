"""pytest plugin: Spark stores for tests, in local mode, one Spark session for the whole run.

``spark_copy(store, name)`` copies a SQL store (already ingested) into a new warehouse with the
product's own copy (``retrieval.spark.copy``), so the rows are exactly those of the SQL store and a
test compares answers, not data. Every Spark store of the test process shares one JVM and one
Spark context (``retrieval.spark.session``); each has its own SQL session. When Java is missing the
Spark tests are skipped, saying so (``scripts/install.sh`` installs it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from retrieval.spark.session import java_home

# Two buckets keep the test warehouses to a few files per table (the layout is the same as with 8).
MASTER = "local[2]"


def spark_url(path: Any, buckets: int = 2) -> str:
    return f"spark+{MASTER}?warehouse={path}&buckets={buckets}"


@pytest.fixture(scope="session")
def spark_copy(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Any]:
    if java_home() is None:
        pytest.skip("Java is not installed (apt-get install openjdk-17-jre-headless); Spark needs it")
    from retrieval.spark.copy import copy_to_spark
    from retrieval.store import Store

    def copy(store: Any, name: str, app_tables: bool = False) -> Any:
        dst = Store(spark_url(tmp_path_factory.mktemp(f"spark-{name}") / "warehouse"))
        copy_to_spark(store, dst, app_tables=app_tables)
        return dst

    return copy
