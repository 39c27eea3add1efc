"""`cohort ingest PATH` and `cohort stats`: load a corpus or a centre's export into the store, and
see what it holds.

PATH is recognised by itself: the generator's corpus directory, a FHIR R4 Bundle (``.json``), Bulk FHIR
NDJSON (a file, or a directory of ``<ResourceType>.ndjson``) or an OMOP CDM directory (CSV or Parquet);
``--centre`` names the centre an export's records belong to (created if new).

Exit codes of `cohort ingest`: 0 when everything read was loaded (or nothing was new: a re-run of an
ingested export is a success); 2 when some records were rejected and the rest loaded; 1 when nothing
could be loaded although records were read, or when PATH is not something it can read. Rejected
records never stop the load: each is reported with its file and line (or bundle entry), and kept in
the store's ``ingest_rejections`` table; what was read but could not be mapped is listed too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.common import DbOption, JsonOption, UserError, console, open_db


def ingest_command(
    corpus_dir: Annotated[
        Path,
        typer.Argument(
            help="A corpus directory (`cohort generate`), a FHIR R4 bundle or NDJSON export, or an OMOP CDM "
            "directory (CSV or Parquet)."
        ),
    ],
    centre: Annotated[
        str | None,
        typer.Option("--centre", help="Centre code of an export's records (created if new)."),
    ] = None,
    db: DbOption = None,
    no_ocr: Annotated[
        bool, typer.Option("--no-ocr", help="Skip scanned documents (load them in a later run).")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Worker processes for annotation and OCR (default: 2 or cores)."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar; print only the summary.")
    ] = False,
    no_index: Annotated[
        bool,
        typer.Option(
            "--no-index", help="Do not update the similar-patient index (run `cohort index update` later)."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Load a corpus or a centre's export: validate, map codes, OCR scans, annotate text (negation,
    hypothesis, family, history), index. `--json` lists every rejected and unmapped record.

    The similar-patient index beside the store is updated at the end (only new or changed patients
    are embedded), so `cohort similar` finds what was just loaded.
    """
    from retrieval.ingest import CorpusError, ingest
    from retrieval.spark.ingest import ingest as ingest_on_spark

    store = open_db(db, create=True)
    try:
        if store.dialect == "spark":  # validation, OCR and annotation run on the Spark executors
            report = ingest_on_spark(corpus_dir, store, ocr=not no_ocr, progress=not quiet and not as_json)
        else:
            report = ingest(
                corpus_dir, store, centre=centre, ocr=not no_ocr, progress=not (quiet or as_json),
                workers=workers,
            )
    except CorpusError as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        console.print_json(json.dumps(report.to_dict(), default=str))
    else:
        for line in report.summary():
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)
    if not no_index:
        _update_similar_index(store, quiet=quiet or as_json)
    if report.rejections:
        raise typer.Exit(2)


def _update_similar_index(store: object, *, quiet: bool) -> None:
    from retrieval.similar import update_index

    def progress(done: int, total: int) -> None:
        if not quiet:
            console.print(f"  similar-patient index: {done}/{total} patients", end="\r")

    result = update_index(store, progress=progress)  # type: ignore[arg-type]
    if not quiet:
        console.print(result.sentence())


def _table(title: str, columns: list[str], rows: list[list[object]]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if i == len(columns) - 1 else "left")
    for row in rows:
        table.add_row(*[str(v) for v in row])
    return table


def stats_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """What the store holds: patients per centre, documents per type and origin, mentions per qualifier."""
    from retrieval.ingest.stats import collect

    data = collect(open_db(db, create=False))
    if as_json:
        console.print_json(json.dumps(data, default=str))
        return
    console.print(
        f"Store schema version {data['schema_version']} ({data['dialect']}), {data['patients']} patients."
    )
    console.print(
        _table(
            "Patients per centre",
            ["centre", "name", "patients"],
            [[c["id"], c["name"], c["patients"]] for c in data["centres"]],
        )
    )
    console.print(
        _table(
            "Tumours per site group",
            ["site group", "tumours"],
            [[k, v] for k, v in data["tumours_by_site_group"].items()],
        )
    )
    console.print(
        _table(
            "Documents per type and origin",
            ["type", "origin", "documents"],
            [[d["type"], d["origin"], d["documents"]] for d in data["documents"]],
        )
    )
    m = data["mentions"]
    console.print(
        _table(
            "Mentions per qualifier",
            ["qualifier", "mentions"],
            [[k, m[k]] for k in ("total", "affirmed", "negated", "hypothetical", "family", "history")],
        )
    )
    s = data["segments"]
    console.print(
        f"Segments: {s['total']} ({s['affirmed']} affirmed, {s['total'] - s['affirmed']} qualified)."
    )
    console.print("Other rows: " + ", ".join(f"{k} {v}" for k, v in data["rows"].items()) + ".")
    ing = data["ingestion"]
    console.print(
        f"Ingestion: {ing['files_done']} files done, {ing['files_partial']} partial, "
        f"{ing['rejected_lines']} rejected lines, {ing['ocr_results']} OCR results."
    )


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.command("ingest")(ingest_command)
    app.command("stats")(stats_command)
