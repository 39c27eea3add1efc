"""Options and helpers shared by every `cohort` sub-command."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


class UserError(Exception):
    """A mistake the user can fix (bad file, unknown patient, missing right); shown without traceback."""


DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="COHORT_DB", help="SQLite file or postgresql:// URL (default: demo store)."),
]
UserOption = Annotated[
    str | None,
    typer.Option("--user", envvar="COHORT_USER", help="Act as this user (rights, centre and audit apply)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


def open_db(db: str | None, *, create: bool = False):  # noqa: ANN201 - returns retrieval.store.Store
    """Open the store named on the command line, the environment, or the demo default."""
    from retrieval.store import open_store

    return open_store(db, create=create)
