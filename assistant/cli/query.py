"""`cohort compile` and `cohort query`: Criteria from a file (JSON or compact form) to SQL and rows.

Criteria are read from a ``.json`` file, a ``.txt`` file in the compact form, ``-`` (standard
input, either form), or given inline (``cohort query 'ALL(sex=F; tumour(site=C50))'``). Every
problem is a readable sentence, never a traceback. ``compile`` reads no patient data; ``query``
runs as a user through the same ``Session`` as the chat (hand-written criteria need the right to
edit criteria; rows come back pseudonymised, other centres as protected counts).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.common import (
    DbOption,
    JsonOption,
    UserError,
    UserOption,
    console,
    friendly,
    open_session,
    remember,
    show_markdown,
)
from assistant.cli.common import LangOption as LangOpt

DialectOption = Annotated[str, typer.Option("--dialect", help="sqlite, postgres or spark.")]
LangOption = Annotated[str, typer.Option("--lang", help="Language of the readable rendering: fr or en.")]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Reference date for ages today (YYYY-MM-DD); default: today.")
]


def load_criteria(source: str) -> Any:
    """JSON or compact text from a file, '-' (stdin) or the argument itself; validated."""
    from query_compiler.criteria import parse_criteria
    from query_compiler.criteria.compact import from_compact

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
    from query_compiler.compiler import UnsupportedCriterion, compile_criteria
    from query_compiler.criteria.compact import to_compact
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
    @friendly
    def query_cmd(
        criteria: Annotated[str, typer.Argument(help="CRITERIA.json, compact .txt, '-' or inline text.")],
        db: DbOption = None,
        user: UserOption = None,
        page: Annotated[int, typer.Option("--page", min=1)] = 1,
        page_size: Annotated[int, typer.Option("--page-size", min=1, max=500)] = 20,
        sort: Annotated[
            str,
            typer.Option(
                "--sort",
                help="id, age, age_at_diagnosis, diagnosis_date, centre, vital_status; '-' prefix reverses.",
            ),
        ] = "id",
        lang: LangOpt = None,
        today: TodayOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Run hand-written criteria as a user: counts (other centres protected) and a page of patients."""
        from assistant import views
        from query_compiler.engine.cohort import SORTS

        if sort.lstrip("-") not in SORTS:
            raise UserError(f"Unknown sort {sort!r}; use one of {', '.join(SORTS)} (prefix '-' to reverse).")
        node = load_criteria(criteria)
        s = open_session(db, user, lang, today=reference_date(today))
        s.page_size, s.sort = page_size, sort
        result = s.run_criteria(node, question=criteria if len(criteria) < 200 else None)
        if page > 1:
            result = s.run(result.understanding, page=page)
        remember(s)
        if as_json:
            console.print_json(json.dumps(result.to_dict(), ensure_ascii=False, default=str))
        else:
            show_markdown(views.turn(result))
