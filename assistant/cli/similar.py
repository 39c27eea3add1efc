"""`cohort similar` (patients like a stored patient or a typed case) and `cohort index` (build the
similar-patient index). Thin: parsing the case is the parser's job, searching is retrieval.similar's."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assistant.cli.common import DbOption, JsonOption, UserError, UserOption, console, err_console, open_db

LangOption = Annotated[str, typer.Option("--lang", help="Language of the explanations: fr or en.")]


def _user(store, username: str | None):  # noqa: ANN001, ANN202 - privacy.users.User or None
    """The acting user (rights and audit apply); without --user the CLI acts as the local operator."""
    if not username:
        return None
    try:
        from privacy.users import require_user
    except ImportError as exc:
        raise UserError("User rights are not available in this installation (privacy.users).") from exc
    try:
        return require_user(store, username)
    except (ValueError, PermissionError) as exc:
        raise UserError(str(exc)) from exc


def _scope(user):  # noqa: ANN001, ANN202 - Scope or None
    if user is None:
        return None
    from privacy.users import scope_for

    return scope_for(user)


def case_to_facts(text: str, use_llm: bool = False) -> tuple[dict, list[str]]:
    """Parse a case description into facts; returns (facts, notes about what was not understood)."""
    from retrieval.similar.case import case_facts

    try:
        from query_compiler.parser import parse
    except ImportError:
        return {}, ["The parser is not installed: the case is compared by its text only."]
    result = parse(text, use_llm=use_llm)
    notes = [str(x) for x in (getattr(result, "not_understood", None) or [])]
    return case_facts(getattr(result, "criteria", None), text), notes


def _resolve_patient(store, given: str, filters) -> int:  # noqa: ANN001
    """Accept an internal id or a pseudonymous id as shown in lists; a scoped user only reaches
    patients of their own centre."""
    pid: int | None = int(given) if given.isdigit() else None
    if pid is None:
        from privacy.pseudonym import real_ids

        found = real_ids(store, given)
        pid = found[0] if len(found) == 1 else None
    row = store.query("SELECT id, centre_id FROM patients WHERE id = :i", {"i": pid}) if pid else []
    if not row or (filters.centre_ids is not None and row[0]["centre_id"] not in filters.centre_ids):
        raise UserError(f"No patient {given!r} that you may see here (give an id or a pseudonymous id).")
    return int(row[0]["id"])


def _print(result, lang: str) -> None:  # noqa: ANN001
    from rich.table import Table

    fr = lang == "fr"
    q = result.query
    if q["kind"] == "patient":
        head = f"Patients similaires à {q['pseudo_id']}" if fr else f"Patients similar to {q['pseudo_id']}"
    else:
        head = "Patients similaires au cas décrit" if fr else "Patients similar to the case"
    console.print(f"[bold]{head}[/bold]: " + "; ".join(q["facts"][:10]))
    table = Table(show_lines=True)
    table.add_column("#")
    table.add_column("patient", no_wrap=True)
    for col in ("centre", "sexe/âge" if fr else "sex/age", "score", "en commun" if fr else "shared",
                "différences" if fr else "differences"):
        table.add_column(col)
    for i, n in enumerate(result.neighbours, 1):
        parts = [f"{n.score:.2f}"]
        if n.structured_score is not None and n.text_score is not None:
            parts.append(f"({'struct.' if fr else 'struct'} {n.structured_score:.2f}, "
                         f"{'texte' if fr else 'text'} {n.text_score:.2f})")
        vital = (" †" if n.deceased else "")
        table.add_row(str(i), n.pseudo_id, n.centre_id, f"{n.sex} {n.age_band}{vital}", "\n".join(parts),
                      "; ".join(n.shared[:6]), "\n".join(n.differences[:4]))
    console.print(table)
    info = result.index
    console.print(f"[dim]index {info['kind']} ({info['size']} patients), text {info['text_model']}/"
                  f"{info['summary']}, structured weight {info['structured_weight']:.2f}[/dim]")


def similar(
    patient: Annotated[str | None, typer.Argument(help="Patient id or pseudonymous id.")] = None,
    case: Annotated[str | None, typer.Option("--case", help="A case described in French or English.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=200, help="How many similar patients.")] = 10,
    vital: Annotated[str | None, typer.Option("--vital", help="Only 'alive' or 'deceased' patients.")] = None,
    use_llm: Annotated[bool, typer.Option("--llm/--no-llm", help="Parse the case with the local LLM.")] \
        = False,
    lang: LangOption = "fr",
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find the patients most similar to a patient, or to a case typed as text, and say why."""
    from retrieval.similar import Filters, similar_to_case, similar_to_patient

    if (patient is None) == (case is None):
        raise UserError("Give either a PATIENT_ID or --case \"TEXT\" (one of them).")
    if vital not in (None, "alive", "deceased"):
        raise UserError("--vital takes 'alive' or 'deceased'.")
    store = open_db(db)
    actor = _user(store, user)
    filters = Filters.from_scope(_scope(actor), vital_status=vital)
    notes: list[str] = []
    if patient is not None:
        result = similar_to_patient(store, _resolve_patient(store, patient, filters), k, filters, lang)
    else:
        facts, notes = case_to_facts(case or "", use_llm)
        result = similar_to_case(store, facts, case, k, filters, lang)
    if actor is not None:
        from privacy.audit import AuditLog

        source = result.query.get("pseudo_id", "case")
        AuditLog(store).record(actor, "similar", result_size=len(result.neighbours),
                               details={"from": source, "k": k})
    if as_json:
        console.print_json(json.dumps({**result.public(), "notes": notes}, ensure_ascii=False))
        return
    for note in notes:
        err_console.print(f"[yellow]{note}[/yellow]")
    _print(result, lang)


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
