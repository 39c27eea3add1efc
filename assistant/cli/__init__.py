"""The `cohort` command: one sub-module per area registers its commands here.

Heavy libraries (torch, spaCy, llama.cpp, FAISS) and the engine itself are imported inside the
commands, never when the command line is read, so `cohort --help` answers at once. Commands that
live outside the product — the evaluation reports (``eval``) and the synthetic corpus and demo
(``synthetic``) — come in through the ``cohort.commands`` entry points declared in pyproject.toml,
so the product never imports them.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import typer

from assistant.cli import annotate, chat, ingest, parse, privacy, query, session, similar, store
from assistant.cli.common import UserError, console

app = typer.Typer(
    name="cohort",
    help="Cohort assistant: ask a cancer centre's records in plain French or English.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _area in (ingest, annotate, query, parse, privacy, similar, chat, session, store):
    _area.register(app)


def _core_names() -> set[str]:
    """The product's own commands and command groups, as typed."""
    commands = app.registered_commands
    names = {c.name or (c.callback.__name__.replace("_", "-") if c.callback else "") for c in commands}
    names |= {g.name or g.typer_instance.info.name or "" for g in app.registered_groups}
    return names - {""}


# The plugins (eval reports, synthetic corpus) import their measures at load; a product command
# ("cohort parse ...") does not need them, and loading them cost about a second before it started.
if not (len(sys.argv) > 1 and sys.argv[1] in _core_names()):
    for _plugin in entry_points(group="cohort.commands"):
        _plugin.load()(app)


def main() -> None:
    """Entry point: known problems become one readable sentence and exit code 1, never a traceback."""
    from query_compiler.criteria import CriteriaError
    from retrieval.store import StoreError

    try:
        app()
    except (UserError, CriteriaError, StoreError, FileNotFoundError, PermissionError) as exc:
        console.print(f"[bold red]Error:[/bold red] {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("[yellow]Interrupted.[/yellow]")
        sys.exit(130)
