"""The `cohort` command: one sub-module per area registers its commands here.

Heavy libraries (torch, spaCy, llama.cpp) are imported inside commands, never at module import,
so `cohort --help` answers at once.
"""

from __future__ import annotations

import importlib
import sys

import typer

from assistant.cli.common import UserError, console

COMMAND_MODULES = ["corpus", "ingest", "query", "parse", "privacy", "similar", "chat", "session", "evaluate"]

app = typer.Typer(
    name="cohort",
    help="Cohort assistant: ask a cancer centre's records in plain French or English.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"assistant.cli.{_name}").register(app)


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
