"""A progress display that can be switched off, and the worker pool behind long steps.

The pool is created by ``fork`` *before* any progress display starts: rich refreshes the display
from a thread, and forking while another thread may hold a lock is how children deadlock. Forking
also hands every worker the annotation pipeline already built by the parent (building it costs
several seconds, mostly spaCy's French tokenizer rules), instead of rebuilding it per worker.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Bar:
    """``with Bar(enabled) as bar: t = bar.task("OCR", 10); bar.advance(t)`` — silent when disabled."""

    def __init__(self, enabled: bool) -> None:
        self._progress = (
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            if enabled
            else None
        )

    def __enter__(self) -> Bar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def task(self, description: str, total: int) -> int | None:
        if self._progress is None:
            return None
        return self._progress.add_task(description, total=total, rate="")

    def advance(self, task: int | None, n: int = 1, rate: str | None = None) -> None:
        if self._progress is not None and task is not None:
            if rate is None:
                self._progress.advance(task, n)
            else:
                self._progress.update(task, advance=n, rate=rate)


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class Workers:
    """``n`` forked worker processes, or inline execution when ``n == 1``."""

    def __init__(self, n: int, prepare: Callable[[], Any] | None = None) -> None:
        self.n = max(1, n)
        if prepare is not None:
            prepare()  # built once here, inherited by the forked workers
        self._pool = mp.get_context("fork").Pool(self.n) if self.n > 1 else None

    def map(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[Any]:
        """Results in job order (streamed as they come)."""
        if self._pool is None:
            return map(fn, jobs)
        return self._pool.imap(fn, jobs)

    def map_unordered(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[Any]:
        if self._pool is None:
            return map(fn, jobs)
        return self._pool.imap_unordered(fn, jobs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
