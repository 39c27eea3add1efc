"""`cohort similar` (patients like a shown patient or a typed case, through the user's Session) and
`cohort index` (build the similar-patient index, an operator's task on the server)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from assistant.cli.common import (
    DbOption,
    JsonOption,
    UserError,
    UserOption,
    console,
    err_console,
    friendly,
    open_db,
    open_session,
    show_markdown,
)

LangOption = Annotated[str | None, typer.Option("--lang", help="Language of the explanations: fr or en.")]


@friendly
def similar(
    patient: Annotated[str | None, typer.Argument(help="Pseudonymous id shown in a result (P-...).")] = None,
    case: Annotated[str | None, typer.Option("--case", help="A case described in French or English.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=200, help="How many similar patients.")] = 10,
    vital: Annotated[str | None, typer.Option("--vital", help="Only 'alive' or 'deceased' patients.")] = None,
    lang: LangOption = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find the patients of your centre most similar to a patient, or to a case typed as text, and say why."""
    from assistant import views

    if (patient is None) == (case is None):
        raise UserError("Give either a PATIENT (pseudonymous id) or --case \"TEXT\" (one of them).")
    if vital not in (None, "alive", "deceased"):
        raise UserError("--vital takes 'alive' or 'deceased'.")
    s = open_session(db, user, lang)
    result = s.similar(pseudo=patient, case=case, k=k, vital=vital)
    if as_json:
        console.print_json(json.dumps(asdict(result), ensure_ascii=False))
        return
    show_markdown(views.similar(result, s.lang))


def _progress(done: int, total: int) -> None:
    err_console.print(f"  {done}/{total} patients", end="\r")


def rebuild(
    db: DbOption = None,
    model: Annotated[str | None, typer.Option("--model", help="'minilm', 'e5', 'none' or a folder.")] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="facts, reports, mentions or findings.")] \
        = None,
    weight: Annotated[float | None, typer.Option("--weight", min=0.0, max=1.0,
                                                 help="Share of structured facts in the score.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="'flat' (exact) or 'hnsw'; default by size.")] \
        = None,
    report_facts: Annotated[bool | None, typer.Option(
        "--report-facts/--coded-only",
        help="Complete missing coded histology, biomarkers and metastatic sites from the reports.")] = None,
) -> None:
    """Rebuild the similar-patient index from the whole store (settings: COHORT_SIMILAR_*)."""
    from retrieval.similar import build_index, default_spec

    if kind not in (None, "flat", "hnsw"):
        raise UserError("--kind takes 'flat' or 'hnsw'.")
    store = open_db(db)
    spec = default_spec(model, summary, weight, report_facts)
    _, report = build_index(store, spec=spec, kind=kind, progress=_progress)
    console.print(report.sentence())


def update(db: DbOption = None) -> None:
    """Add patients ingested since the last build (builds the index if there is none)."""
    from retrieval.similar import update_index

    console.print(update_index(open_db(db), progress=_progress).sentence())


def register(app: typer.Typer) -> None:
    """Add `cohort similar` and `cohort index rebuild|update`."""
    app.command("similar")(similar)
    index_app = typer.Typer(help="The similar-patient index (FAISS, beside the store).", no_args_is_help=True)
    index_app.command("rebuild")(rebuild)
    index_app.command("update")(update)
    app.add_typer(index_app, name="index")
