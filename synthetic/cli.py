"""The generator's commands, added to `cohort` as a plugin (entry point ``cohort.commands`` in
pyproject.toml; the product never imports this package; the `cohort` helpers are imported when a
command runs, because `cohort` loads this module while it starts): `cohort generate` writes a synthetic
French oncology corpus with its ground truth, `cohort demo` builds the demo store and starts the
chat on it (what `make run` does)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the generator's commands to the root app."""
    app.command("generate")(generate)
    app.command("demo")(demo)


def demo(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
) -> None:
    """Generate and ingest the demo corpus on first start, seed the demo accounts, start the chat."""
    from assistant.cli.chat import start_chat
    from assistant.cli.common import console
    from synthetic.demo import ensure_demo

    report = ensure_demo(say=lambda text: console.print(text, markup=False, highlight=False, soft_wrap=True))
    if report.built:
        console.print(f"[bold]Demo ready in {report.seconds:.0f} s[/bold] ({report.db_url})")
    if report.logins:
        console.print("[bold]Demo accounts[/bold] (username / password — role, centre):")
        for username, password, role, centre in report.logins:
            console.print(f"  {username:<28} {password:<32} {role}, {centre}", markup=False, soft_wrap=True)
    start_chat(report.db_url, host, port)


def generate(
    out: Annotated[
        Path, typer.Option("--out", help="Directory to write the corpus into (replaced if it holds one).")
    ],
    patients: Annotated[int, typer.Option("--patients", min=1, help="Number of patients.")] = 1500,
    centres: Annotated[int, typer.Option("--centres", min=1, max=99, help="Number of centres.")] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same files.")] = 1,
    scan_share: Annotated[
        float,
        typer.Option("--scan-share", min=0.0, max=1.0, help="Share of documents rendered as scanned images."),
    ] = 0.03,
    coverage: Annotated[
        bool,
        typer.Option("--coverage/--no-coverage", help="Count each use-case cohort in the truth afterwards."),
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Generate patients, reports (some as scanned images) and the truth to evaluate against."""
    from assistant.cli.common import UserError, console
    from synthetic import generate as run

    if out.exists() and not out.is_dir():
        raise UserError(f"{out} exists and is not a directory.")
    started = time.perf_counter()
    try:
        manifest = run(
            out, patients=patients, centres=centres, seed=seed, scan_share=scan_share, progress=not quiet
        )
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    elapsed = time.perf_counter() - started
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    console.print(
        f"[green]Wrote[/green] {manifest.patients:,} patients, {manifest.documents:,} documents "
        f"({manifest.scanned_documents:,} scanned) to {out} in {elapsed:.1f} s "
        f"({manifest.patients / elapsed:,.0f} patients/s, {manifest.documents / elapsed:,.0f} documents/s, "
        f"{size / 1e6:,.1f} MB)."
    )
    if coverage:
        from synthetic.coverage import count_use_cases, coverage_table, truth_counts

        counts = count_use_cases(out)
        console.print(coverage_table(counts))
        truth = truth_counts(out)
        console.print("Text truth: " + ", ".join(f"{k} {v:,}" for k, v in truth.items()) + ".")
        empty = [name for name, n in counts.items() if n == 0]
        if empty:
            console.print(f"[yellow]No true answer in this corpus for: {', '.join(empty)}.[/yellow]")
