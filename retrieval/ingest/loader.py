"""Reading a corpus directory: find its files, parse JSON Lines, validate each line.

A bad line never stops a load: it becomes a ``Rejection`` naming the file, the line number and the
problem in one sentence, and the next line is read. The layout and the record models are those of
``retrieval/records.py`` (the contract with the generator).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from retrieval.records import (
    FORMAT_VERSION,
    CentreRecord,
    DocumentRecord,
    Manifest,
    PatientRecord,
    PhysicianRecord,
)

R = TypeVar("R", bound=BaseModel)

# Load order matters: each kind references the ones before it.
KINDS: dict[str, type[BaseModel]] = {
    "centres": CentreRecord,
    "physicians": PhysicianRecord,
    "patients": PatientRecord,
    "documents": DocumentRecord,
}


class CorpusError(ValueError):
    """The directory is not a corpus at all (as opposed to a corpus with some bad lines)."""


@dataclass(frozen=True)
class Rejection:
    """One input line that was not loaded, and why."""

    path: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}, line {self.line}: {self.problem}"


@dataclass(frozen=True)
class Unmapped:
    """Something read but not stored as such (a code no table knows, a resource type not imported):
    the record may still have loaded without it. Reported, never dropped silently."""

    path: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}, line {self.line}: {self.problem}"


@dataclass(frozen=True)
class InputFile:
    kind: str
    path: Path
    rel: str  # path relative to the corpus directory: the key used in bookkeeping

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()


@dataclass
class Corpus:
    root: Path
    manifest: Manifest | None
    files: list[InputFile] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[InputFile]:
        return [f for f in self.files if f.kind == kind]


def open_corpus(root: Path | str, label: str = "") -> Corpus:
    """List the input files of a corpus directory, in load order. ``label`` prefixes each file's key in
    the bookkeeping (an import's staged corpus is ``fhir:CENTRE/patients/0000.jsonl``)."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"{root} is not a directory; expected a corpus written by `cohort generate`.")
    manifest = None
    mpath = root / "manifest.json"
    if mpath.exists():
        try:
            manifest = Manifest.model_validate_json(mpath.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise CorpusError(f"{mpath} is not a valid manifest: {describe(exc)}") from exc
        if manifest.format_version > FORMAT_VERSION:
            raise CorpusError(
                f"{mpath} has corpus format {manifest.format_version}; this version reads up to "
                f"{FORMAT_VERSION}. Upgrade the cohort assistant."
            )
    files: list[InputFile] = []
    for kind in KINDS:
        candidates = [root / f"{kind}.jsonl"] + sorted((root / kind).glob("*.jsonl"))
        for path in candidates:
            if path.is_file():
                files.append(InputFile(kind, path, label + path.relative_to(root).as_posix()))
    if not files:
        raise CorpusError(
            f"{root} holds no corpus files (centres.jsonl, physicians.jsonl, patients/*.jsonl, "
            "documents/*.jsonl)."
        )
    return Corpus(root, manifest, files)


def describe(exc: ValidationError) -> str:
    """A validation error as one readable sentence: 'field birth_date: Input should be a valid date'."""
    parts = []
    for err in exc.errors()[:4]:
        where = ".".join(str(p) for p in err["loc"]) or "record"
        parts.append(f"field {where}: {err['msg']}")
    more = len(exc.errors()) - 4
    if more > 0:
        parts.append(f"and {more} more problem(s)")
    return "; ".join(parts)


def parse_line(raw: bytes, number: int, rel: str, model: type[R]) -> tuple[R | None, Rejection | None]:
    """One JSON line as a validated record, or the one-sentence reason it cannot be loaded (also
    used line by line by the Spark ingestion, which reads each file in ranges of lines)."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, Rejection(rel, number, f"not valid UTF-8 (byte {exc.start + 1})")
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, Rejection(rel, number, f"invalid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(data, dict):
        return None, Rejection(rel, number, "expected a JSON object")
    try:
        return model.model_validate(data), None
    except ValidationError as exc:
        return None, Rejection(rel, number, describe(exc))


def read_records(
    file: InputFile, model: type[R] | None = None
) -> Iterator[tuple[int, R | None, Rejection | None]]:
    """Yield ``(line_number, record, None)`` or ``(line_number, None, rejection)`` for each non-blank line.

    A record whose ``id`` already appeared earlier in the file is rejected (the first one is kept):
    loading both would mix their children (mentions of two versions of one document).
    """
    model = model or KINDS[file.kind]  # type: ignore[assignment]
    seen: dict[object, int] = {}
    with file.path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            record, rejection = parse_line(raw, number, file.rel, model)  # type: ignore[arg-type]
            if rejection is not None:
                yield number, None, rejection
                continue
            key = getattr(record, "id", None)
            if key in seen:
                yield (
                    number,
                    None,
                    Rejection(file.rel, number, f"duplicate id {key} (first at line {seen[key]})"),
                )
                continue
            seen[key] = number
            yield number, record, None
