"""Signing in through the real command line, as a person does: ``cohort login NAME --password-stdin``.

Tests that run CLI commands sign in first (identity comes only from the sign-in now); they run with
``COHORT_HOME`` in a temporary folder so the token files never touch the real home.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Invoke = Callable[..., Any]


def login(invoke: Invoke, username: str, password: str, *db_args: str) -> Any:
    """Sign in; ``invoke(*args, input=...)`` runs ``cohort`` in-process (typer's runner)."""
    out = invoke("login", username, "--password-stdin", *db_args, input=password + "\n")
    assert out.exit_code == 0, f"login {username} failed: {out.output} {out.exception!r}"
    return out


def as_user(invoke: Invoke, username: str, password: str, *db_args: str) -> Invoke:
    """An ``invoke`` that first signs ``username`` in (once), then runs the given command."""
    login(invoke, username, password, *db_args)
    return invoke
