"""`cohort ingest DIR` and `cohort stats`: load a corpus into the store, and see what it holds.

Exit codes of `cohort ingest`: 0 when the run loaded something or had nothing new to load (a re-run
of an ingested corpus is a success); 1 when nothing could be loaded although lines were read (every
line rejected), or when DIR is not a corpus. Rejected lines never stop the load: each is reported
with its file and line number, and kept in the store's ``ingest_rejections`` table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.common import DbOption, JsonOption, UserError, console, open_db


def ingest_command(
    corpus_dir: Annotated[Path, typer.Argument(help="Corpus directory written by `cohort generate`.")],
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
    """Load a corpus: validate, OCR scans, annotate text (negation, hypothesis, family, history), index.

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
                corpus_dir, store, ocr=not no_ocr, progress=not quiet and not as_json, workers=workers
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
