"""`cohort eval ...`: quality and speed reports. Each measure lives in its own ``eval/<name>.py``
module exposing ``register(eval_app)``; this file only gathers them."""

from __future__ import annotations

import importlib

import typer

EVAL_MODULES: list[str] = ["similar", "annotation", "deid", "search", "parse"]


def register(app: typer.Typer) -> None:
    eval_app = typer.Typer(help="Measure quality and speed; prints a report.", no_args_is_help=True)
    for name in EVAL_MODULES:
        importlib.import_module(f"eval.{name}").register(eval_app)
    app.add_typer(eval_app, name="eval")
