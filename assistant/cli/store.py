"""`cohort store copy FROM TO` and `cohort store info`: move a centre's store into a Spark warehouse,
and see what a store holds. Operator's tasks on the server, like `cohort ingest` (whoever can read
both stores' files can run them; they act on whole stores, not on patients)."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from assistant.cli.common import DbOption, JsonOption, UserError, console

store_app = typer.Typer(help="Copy a store into a Spark warehouse; what a store holds.", no_args_is_help=True)


@store_app.command("copy")
def copy(
    source: Annotated[str, typer.Argument(help="The store to copy: SQLite file or postgresql:// URL.")],
    target: Annotated[
        str, typer.Argument(help="The Spark warehouse: spark+local[N]?warehouse=PATH or spark://HOST:7077?...")
    ],
    clinical_only: Annotated[
        bool,
        typer.Option("--clinical-only", help="Patients' data only (no users, audit trail, saved queries)."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, only the summary.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Copy every clinical table (and, unless --clinical-only, the users, audit trail and saved queries)
    of a SQLite or PostgreSQL store into a Spark warehouse, switched in at once at the end."""
    from retrieval.spark.copy import copy_to_spark, describe
    from retrieval.store import open_store

    src = open_store(source, create=False, migrate=False)
    dst = open_store(target, create=True)
    if dst.dialect != "spark":
        raise UserError(
            "`cohort store copy` writes into a Spark warehouse: give TO as spark+local[N]?warehouse=PATH "
            "or spark://HOST:7077?warehouse=PATH."
        )

    def progress(table: str, n: int) -> None:
        if not quiet and not as_json:
            console.print(f"  {table}: {n:,} rows", end="\r")

    t0 = time.perf_counter()
    counts = copy_to_spark(src, dst, progress=progress, app_tables=not clinical_only)
    seconds = time.perf_counter() - t0
    if as_json:
        console.print_json(json.dumps({"rows": counts, "seconds": round(seconds, 1), "target": target}))
    else:
        console.print(describe(counts, seconds))


@store_app.command("info")
def info(db: DbOption = None, as_json: JsonOption = False) -> None:
    """The store's kind and rows per table (for a Spark warehouse: table versions and buckets too)."""
    from retrieval.spark.schema import WAREHOUSE_TABLES
    from retrieval.store import open_store

    store = open_store(db, create=False)
    data: dict[str, object] = {"url": store.url, "dialect": store.dialect, "schema": store.schema_version()}
    if store.dialect == "spark":
        versions = store.warehouse.versions()
        data["buckets"] = store.warehouse.buckets()
        data["app_store"] = store.spark_url.app
        data["tables"] = {t: {"version": v, "rows": n} for t, (v, n) in sorted(versions.items())}
    else:
        tables = [t for t in WAREHOUSE_TABLES if t != "terms"]
        data["tables"] = {t: {"rows": int(store.scalar(f"SELECT COUNT(*) FROM {t}") or 0)} for t in tables}
    if as_json:
        console.print_json(json.dumps(data))
        return
    console.print(f"{data['url']} ({data['dialect']}, schema version {data['schema']})")
    if store.dialect == "spark":
        console.print(f"warehouse buckets: {data['buckets']}; app store: {data['app_store']}")
    for name, t in data["tables"].items():  # type: ignore[union-attr]
        version = f" (version {t['version']})" if "version" in t else ""
        console.print(f"  {name}: {t['rows']:,} rows{version}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(store_app, name="store")
