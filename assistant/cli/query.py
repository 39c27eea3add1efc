"""`cohort compile` and `cohort query`: Criteria from a file (JSON or compact form) to SQL and rows.

Criteria are read from a ``.json`` file, a ``.txt`` file in the compact form, ``-`` (standard
input, either form), or given inline (``cohort query 'ALL(sex=F; tumour(site=C50))'``). Every
problem is a readable sentence, never a traceback. Each step is a small function so the privacy
layer can add ``--user`` (a Scope built from the user) without touching the rest.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.common import DbOption, JsonOption, UserError, UserOption, console, open_db

DialectOption = Annotated[str, typer.Option("--dialect", help="sqlite or postgres.")]
LangOption = Annotated[str, typer.Option("--lang", help="Language of the readable rendering: fr or en.")]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Reference date for ages today (YYYY-MM-DD); default: today.")
]


def load_criteria(source: str) -> Any:
    """JSON or compact text from a file, '-' (stdin) or the argument itself; validated."""
    from query_compiler.compact import from_compact
    from query_compiler.criteria import parse_criteria

    path = Path(source)
    if source == "-":
        text = sys.stdin.read()
    elif path.suffix in (".json", ".txt") or path.exists():
        if not path.exists():
            raise UserError(f"No criteria file at {path}.")
        text = path.read_text(encoding="utf-8")
    else:
        text = source
    if path.suffix == ".json" or text.lstrip().startswith("{"):
        return parse_criteria(text)
    return from_compact(text)


def reference_date(today: str | None) -> date | None:
    if today is None:
        return None
    try:
        return date.fromisoformat(today)
    except ValueError:
        raise UserError(f"--today must be a date written YYYY-MM-DD, not {today!r}.") from None


def compile_report(node: Any, dialect: str, lang: str, today: date | None = None) -> dict[str, Any]:
    from query_compiler.compact import to_compact
    from query_compiler.compiler import UnsupportedCriterion, compile_criteria
    from query_compiler.render import render

    try:
        compiled = compile_criteria(node, dialect, today)
    except (UnsupportedCriterion, ValueError) as exc:
        raise UserError(str(exc)) from None
    params = {k: v.isoformat() if isinstance(v, date) else v for k, v in compiled.params.items()}
    return {
        "dialect": dialect,
        "sql": compiled.pretty(),
        "params": params,
        "rendering": render(node, lang),
        "compact": to_compact(node),
    }


def make_scope(centres: list[str] | None) -> Any:
    """Without users (the privacy layer adds --user), the scope is the centres named, else all of
    them; patients who opposed research are always excluded."""
    from query_compiler.engine import Scope

    return Scope(tuple(centres) if centres else None, exclude_opposed=True)


def run_query(
    store: Any,
    node: Any,
    scope: Any,
    *,
    page: int,
    page_size: int,
    sort: str,
    lang: str,
    today: date | None = None,
) -> dict[str, Any]:
    from query_compiler.compiler import UnsupportedCriterion
    from query_compiler.engine import CohortEngine

    engine = CohortEngine(store, today)
    try:
        result = engine.list_patients(node, scope, page=page, page_size=page_size, sort=sort, lang=lang)
        by_centre = engine.count_by_centre(node, scope)
    except (UnsupportedCriterion, ValueError) as exc:
        raise UserError(str(exc)) from None
    return {"count": result.total, "by_centre": by_centre, "page": result.to_dict()}


def _plain(text: str) -> None:
    """Print exactly (no markup, no wrapping): SQL and compact text are meant to be copied."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def print_compile(report: dict[str, Any]) -> None:
    console.print("[bold]Criteria[/bold]")
    _plain(report["rendering"] + "\n")
    console.print("[bold]Compact form[/bold]")
    _plain(report["compact"] + "\n")
    console.print(f"[bold]SQL ({report['dialect']})[/bold]")
    _plain(report["sql"])
    console.print("[bold]Parameters[/bold]")
    for name, value in report["params"].items():
        _plain(f"  :{name} = {value!r}")


def print_query(result: dict[str, Any], lang: str) -> None:
    fr = lang == "fr"
    vital = {"alive": "vivant" if fr else "alive", "deceased": "décédé" if fr else "deceased"}
    console.print(
        f"[bold]Patients : {result['count']}[/bold]" if fr else f"[bold]Patients: {result['count']}[/bold]"
    )
    if result["by_centre"]:
        per = ", ".join(f"{c}: {n}" for c, n in result["by_centre"].items())
        _plain(("Par centre : " if fr else "Per centre: ") + per)
    page = result["page"]
    if not page["rows"]:
        return
    console.print(f"\nPage {page['page']} ({len(page['rows'])} / {page['total']})")
    for row in page["rows"]:
        dx = row["first_diagnosis"] or {}
        who = row.get("pseudo_id") or row["patient_id"]  # pseudonymous with --user
        _plain(
            f"#{who} {row['centre_id']} {row['sex']} {row['age']} {'ans' if fr else 'y'} "
            f"{vital[row['vital_status']]} — {dx.get('code', '')} {dx.get('label') or ''}"
        )
        for fact in row["matched"]:
            line = f"    · {fact['kind']}: {fact['label']}" + (f" ({fact['date']})" if fact["date"] else "")
            if fact.get("snippet"):
                line += f" — {fact['snippet']}"
            _plain(line)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""

    @app.command("compile")
    def compile_cmd(
        criteria: Annotated[str, typer.Argument(help="CRITERIA.json, compact .txt, '-' or inline text.")],
        dialect: DialectOption = "sqlite",
        lang: LangOption = "fr",
        today: TodayOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Show the SQL (and parameters) that criteria compile to, with their readable rendering."""
        report = compile_report(load_criteria(criteria), dialect, lang, reference_date(today))
        if as_json:
            print(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            print_compile(report)

    @app.command("query")
    def query_cmd(
        criteria: Annotated[str, typer.Argument(help="CRITERIA.json, compact .txt, '-' or inline text.")],
        db: DbOption = None,
        page: Annotated[int, typer.Option("--page", min=1)] = 1,
        page_size: Annotated[int, typer.Option("--page-size", min=1, max=500)] = 20,
        sort: Annotated[
            str,
            typer.Option(
                "--sort",
                help="id, age, age_at_diagnosis, diagnosis_date, centre, vital_status; '-' prefix reverses.",
            ),
        ] = "id",
        centre: Annotated[list[str] | None, typer.Option("--centre", help="Restrict to this centre.")] = None,
        lang: LangOption = "fr",
        today: TodayOption = None,
        as_json: JsonOption = False,
        user: UserOption = None,
    ) -> None:
        """Count matching patients (in total and per centre) and list the first page."""
        node = load_criteria(criteria)
        store = open_db(db)
        if user:  # the privacy layer's governed engine: the user's centre, rights, redaction, audit
            from assistant.cli.privacy import governed_query

            if centre:
                raise UserError("--centre does not apply with --user: a user sees their own centre only.")
            result = governed_query(store, node, user, page=page, page_size=page_size, sort=sort, lang=lang)
            if as_json:
                print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
            else:
                print_query(result, lang)
            return
        result = run_query(
            store,
            node,
            make_scope(centre),
            page=page,
            page_size=page_size,
            sort=sort,
            lang=lang,
            today=reference_date(today),
        )
        if as_json:
            print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        else:
            print_query(result, lang)
