"""Labelled sets are JSON Lines files, one per split, in a folder (eval/questions, eval/cases...):
one reader for them all, so that "all" and the split tag mean the same everywhere."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def load_splits(folder: Path, names: Iterable[str], split: str) -> list[dict[str, Any]]:
    """The rows of ``split`` (``"all"``: every name of ``names``), each tagged with its split."""
    rows = []
    for name in list(names) if split == "all" else [split]:
        for line in (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row["split"] = name
                rows.append(row)
    return rows
