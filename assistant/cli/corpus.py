"""`cohort generate`: write a synthetic French oncology corpus with its ground truth."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import UserError, console


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.command("generate")(generate)


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
    from retrieval.synthetic import generate as run

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
        from retrieval.synthetic.coverage import count_use_cases, coverage_table, truth_counts

        counts = count_use_cases(out)
        console.print(coverage_table(counts))
        truth = truth_counts(out)
        console.print("Text truth: " + ", ".join(f"{k} {v:,}" for k, v in truth.items()) + ".")
        empty = [name for name, n in counts.items() if n == 0]
        if empty:
            console.print(f"[yellow]No true answer in this corpus for: {', '.join(empty)}.[/yellow]")
