"""`cohort eval ...`: quality and speed reports, added to `cohort` as a plugin (entry point
``cohort.commands`` in pyproject.toml: the product never imports ``eval``). Each measure lives in
its own ``eval/<name>.py`` module exposing ``register(eval_app)``; this file only gathers them."""

from __future__ import annotations

import typer

from eval import annotation, cases, deid, followups, parse, realtext, search, similar


def register(app: typer.Typer) -> None:
    eval_app = typer.Typer(help="Measure quality and speed; prints a report.", no_args_is_help=True)
    for module in (similar, annotation, deid, search, parse, cases, realtext, followups):
        module.register(eval_app)
    app.add_typer(eval_app, name="eval")
