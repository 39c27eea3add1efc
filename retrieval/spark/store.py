"""The Spark store: clinical tables as Parquet in a warehouse, read with Spark SQL; the small
application tables in a SQL store beside it.

``Store("spark+local[2]?warehouse=/data/wh")`` (or ``spark://HOST:7077?...``) returns a
``SparkStore``, which speaks to the rest of the code exactly like the SQLite and PostgreSQL stores:
``query``, ``scalar``, ``execute`` and ``transaction`` with ``:name`` parameters. Each statement
goes where its tables are:

- the clinical tables (``retrieval.spark.schema.WAREHOUSE_TABLES``: patients, tumours, ...,
  documents, segments and the Spark-only ``terms``) are Spark SQL temporary views over the
  warehouse's current Parquet files, and the statement runs on Spark (Spark SQL binds ``:name``
  parameters itself, so values are never pasted into the SQL);
- everything else — users, the hash-chained audit trail, saved queries and cohorts, released
  counts, requests to referents, ingestion bookkeeping — lives in the *app store*, a SQLite file
  (``WAREHOUSE/app.db`` by default) or a PostgreSQL database (``&app=postgresql://...``), with its
  transactions and triggers. These are small, written one row at a time, and need transactions and
  append-only triggers that Parquet does not have; keeping them in SQL is what a warehouse team
  does with its operational tables. One statement never mixes the two (none does in the product).

Clinical tables are written by loads (``cohort ingest``, ``cohort store copy``), not by SQL. The
two row updates the product makes on clinical data — a patient's opposition, and deletions — are
run as a rewrite of the table to a new version (``warehouse.py``), so they take seconds, not
milliseconds, and are effective at the next query in every process.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from retrieval.spark.schema import WAREHOUSE_TABLES, spark_columns
from retrieval.spark.session import SparkUnavailable, new_session
from retrieval.spark.url import SparkUrlError, parse_spark_url
from retrieval.spark.warehouse import Warehouse
from retrieval.store import Store, StoreError, _plain, now_iso, parse_url

_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_READS = ("SELECT", "WITH", "VALUES")
_SPARK_TABLES = frozenset(WAREHOUSE_TABLES)


class AppStore(Store):
    """The SQL store beside a warehouse. Its clinical tables stay empty (the schema is the full
    migrated one, so types and migrations are shared), so foreign keys to them are not enforced."""

    def _connect(self) -> Any:
        conn = super()._connect()
        if self.dialect == "sqlite":
            conn.execute("PRAGMA foreign_keys=OFF")
        return conn


class SparkCursor:
    """What ``Store.execute`` returns for a Spark statement: rows as dicts, like psycopg's."""

    def __init__(self, rows: list[dict[str, Any]], columns: list[str]) -> None:
        self._rows = rows
        self._pos = 0
        self.description = [(c, None, None, None, None, None, None) for c in columns]
        self.rowcount = len(rows)

    def fetchall(self) -> list[dict[str, Any]]:
        out, self._pos = self._rows[self._pos :], len(self._rows)
        return out

    def fetchmany(self, size: int = 1) -> list[dict[str, Any]]:
        out = self._rows[self._pos : self._pos + size]
        self._pos += len(out)
        return out

    def fetchone(self) -> dict[str, Any] | None:
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.fetchall())


def spark_tables(sql: str) -> bool:
    """True when the statement reads or writes warehouse tables (then it runs on Spark)."""
    names = {t.lower() for t in _TABLE.findall(sql)}
    ours = names & _SPARK_TABLES
    if ours and names - _SPARK_TABLES - {"select"}:
        raise StoreError(
            "One statement cannot join warehouse tables (" + ", ".join(sorted(ours)) + ") with "
            "application tables (" + ", ".join(sorted(names - _SPARK_TABLES)) + ") on a Spark store."
        )
    return bool(ours)


class SparkStore(Store):
    """A Spark warehouse plus its app store (see the module docstring)."""

    def __init__(self, url: str, *, migrate: bool = True, create: bool = True) -> None:
        self.url = url
        self.dialect, self._target = parse_url(url)
        try:
            self.spark_url = parse_spark_url(url)
        except SparkUrlError as exc:
            raise StoreError(str(exc)) from None
        local = self.local_warehouse
        if local is not None:
            if not create and not (local / "tables").exists() and not Path(self.spark_url.app).exists():
                raise StoreError(
                    f"No Spark warehouse at {local}. Fill one with `cohort store copy SRC {url}` "
                    f"or `cohort ingest DIR --db '{url}'`."
                )
            local.mkdir(parents=True, exist_ok=True)
        self.app = AppStore(self.spark_url.app, migrate=migrate, create=create)
        self.warehouse = Warehouse(self.spark_url, self.app)
        self._local = threading.local()
        self._session: Any = None
        self._session_lock = threading.Lock()
        if migrate:
            self.migrate()

    @property
    def local_warehouse(self) -> Path | None:
        wh = self.spark_url.warehouse
        if wh.startswith("file://"):
            return Path(wh[len("file://") :])
        return None if "://" in wh or ":" in wh.split("/")[0] else Path(wh)

    # -- the Spark session (started at the first clinical query) --------------------------------
    def session(self) -> Any:
        if self._session is None:
            with self._session_lock:
                if self._session is None:
                    try:
                        session = new_session(self.spark_url)
                    except SparkUnavailable as exc:
                        raise StoreError(str(exc)) from None
                    self.warehouse.register(session, force=True)
                    self._session = session
        self.warehouse.register(self._session)
        return self._session

    def frame(self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> Any:
        """A Spark DataFrame for a query on the warehouse (loads and jobs build on it)."""
        args = dict(params) if isinstance(params, Mapping) else (list(params) if params else None)
        try:
            return self.session().sql(sql, args=args or None)
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - Spark's own errors become one readable sentence
            raise StoreError(f"Spark could not run the query: {_first_line(exc)}") from exc

    # -- the Store interface -----------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        return None

    def connection(self) -> Any:
        return self.app.connection()

    def close(self) -> None:
        self.app.close()

    def execute(self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> Any:
        if not spark_tables(sql):
            return self.app.execute(self._app_sql(sql), params)
        verb = sql.lstrip().split(None, 1)[0].upper()
        if verb in _READS:
            df = self.frame(sql, params)
            try:
                rows = df.collect()
            except Exception as exc:  # noqa: BLE001
                raise StoreError(f"Spark could not run the query: {_first_line(exc)}") from exc
            return SparkCursor([{k: _plain(v) for k, v in r.asDict().items()} for r in rows], df.columns)
        if verb in ("UPDATE", "DELETE"):
            self._rewrite(sql, params)
            return SparkCursor([], [])
        raise StoreError(
            "The Spark warehouse is written by `cohort ingest` and `cohort store copy`,"
            f" not by {verb} statements."
        )

    def executemany(self, sql: str, rows: Any) -> None:
        if spark_tables(sql):
            for row in rows:
                self.execute(sql, row)
            return
        self.app.executemany(self._app_sql(sql), rows)

    def query(
        self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None
    ) -> list[dict[str, Any]]:
        if not spark_tables(sql):
            return self.app.query(self._app_sql(sql), params)
        return self.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> Any:
        if not spark_tables(sql):
            return self.app.scalar(self._app_sql(sql), params)
        rows = self.execute(sql, params).fetchall()
        return next(iter(rows[0].values())) if rows else None

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """A transaction of the app store; warehouse rewrites inside it are not rolled back."""
        with self.app.transaction():
            yield self

    def migrate(self) -> list[int]:
        applied = self.app.migrate()
        self.warehouse.ensure_catalog()
        return applied

    def ensure_indexes(self) -> int:
        return self.app.ensure_indexes()

    def schema_version(self) -> int:
        return self.app.schema_version()

    def _app_sql(self, sql: str) -> str:
        if self.app.dialect == "postgres" and sql.strip() == "SELECT last_insert_rowid()":
            return "SELECT lastval()"
        return sql

    # -- the two row changes on clinical data ------------------------------------------------
    def _rewrite(self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None) -> None:
        """UPDATE or DELETE on a warehouse table: the table rewritten to a new version."""
        stmt = sqlglot.parse_one(sql, read="sqlite")
        table = stmt.this.name if isinstance(stmt, exp.Update) else stmt.find(exp.Table).name
        where = stmt.args.get("where")
        cond = exp.func("COALESCE", where.this if where else exp.true(), exp.false())
        cols = [c for c, _ in spark_columns(self.app, table)]
        if isinstance(stmt, exp.Update):
            sets = {e.this.name: e.expression for e in stmt.expressions}
            unknown = sorted(set(sets) - set(cols))
            if unknown:
                raise StoreError(f"No column {unknown[0]!r} in {table}.")
            proj = [
                exp.alias_(exp.Case(ifs=[exp.If(this=cond.copy(), true=sets[c])], default=exp.column(c)), c)
                if c in sets
                else exp.column(c)
                for c in cols
            ]
            select = exp.select(*proj).from_(table)
        else:
            select = exp.select(*[exp.column(c) for c in cols]).from_(table).where(exp.not_(cond))
        df = self.frame(select.sql(dialect="spark"), params)
        session = self.session()
        written = self.warehouse.write(session, table, df)
        self.warehouse.publish(session, [written], now_iso())
        self.warehouse.register(session)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:400] if text else type(exc).__name__
