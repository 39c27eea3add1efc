"""Reading a FHIR R4 export: a Bundle (``.json``), Bulk FHIR NDJSON (one file, or a directory of
``<ResourceType>.ndjson``), or a directory mixing both.

Each resource is parsed by the maintained model library ``fhir.resources`` (its R4B package: R4B is
R4 plus a few new resources, and reads R4 instances of every type used here), then mapped by
``fhir_map``. A resource that does not parse, names no known type, or points to a patient the export
does not hold is rejected with its file and line (NDJSON) or entry number (Bundle); the rest loads.
A bundle is split into its entries before parsing, so one bad entry does not lose the others.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from retrieval.ingest.assemble import Assembly, Where
from retrieval.ingest.fhir_map import READERS, Context, finish
from retrieval.ingest.loader import CorpusError, describe

SUFFIXES = (".ndjson", ".jsonl", ".json")
FIRST = ("Practitioner", "Medication", "Binary")  # looked up by other resources: read before them


def is_fhir(path: Path) -> bool:
    """A FHIR file or a directory holding some (NDJSON files, or JSON files with a resourceType)."""
    if path.is_file():
        return path.suffix.lower() in SUFFIXES and _looks_fhir(path)
    if path.is_dir():
        return any(p.suffix.lower() in SUFFIXES and _looks_fhir(p) for p in sorted(path.iterdir())[:50])
    return False


def _looks_fhir(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b'"resourceType"' in head


def files_of(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES and _looks_fhir(p)
    )


@dataclass
class Raw:
    """One resource as read, before parsing: where it was and its JSON object (or what went wrong)."""

    where: Where
    data: dict[str, Any] | None
    problem: str | None = None
    full_url: str | None = None


@dataclass
class FhirRead:
    assembly: Assembly
    read: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def _raws(path: Path, root: Path, only: tuple[str, ...] = ()) -> Iterator[Raw]:
    """Resources of one file; with ``only``, NDJSON lines that cannot be of those types are skipped
    before parsing (the first pass looks for a few types among hundreds of thousands of lines)."""
    rel = path.relative_to(root).as_posix() if path != root else path.name
    if path.suffix.lower() == ".json":
        yield from _bundle(path, rel)
        return
    wanted = [f'"{t}"'.encode() for t in only]
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip() or (wanted and not any(w in line for w in wanted)):
                continue
            where = Where(rel, number)
            try:
                data = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield Raw(where, None, f"invalid JSON ({exc})")
                continue
            if not isinstance(data, dict):
                yield Raw(where, None, "expected a JSON object (one FHIR resource per line)")
                continue
            yield Raw(where, data)


def _bundle(path: Path, rel: str) -> Iterator[Raw]:
    try:
        data = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        yield Raw(Where(rel, 0), None, f"malformed bundle: invalid JSON ({exc})")
        return
    if isinstance(data, dict) and data.get("resourceType") != "Bundle":
        yield Raw(Where(rel, 1), data)  # a single resource in a .json file
        return
    if not isinstance(data, dict):
        yield Raw(Where(rel, 0), None, "malformed bundle: expected a JSON object with resourceType Bundle")
        return
    entries = data.get("entry") or []
    try:  # the envelope alone: type, total, links (entries are parsed one by one below)
        Bundle.model_validate({k: v for k, v in data.items() if k != "entry"})
    except ValidationError as exc:
        yield Raw(Where(rel + "#entry", 0), None, f"malformed bundle: {describe(exc)}")
        return
    if not isinstance(entries, list):
        yield Raw(Where(rel + "#entry", 0), None, "malformed bundle: 'entry' is not a list")
        return
    for number, entry in enumerate(entries, start=1):
        where = Where(rel + "#entry", number)
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            yield Raw(where, None, "bundle entry without a resource")
            continue
        if (entry.get("request") or {}).get("method") == "DELETE":
            continue
        yield Raw(where, entry["resource"], full_url=entry.get("fullUrl"))


def read_fhir(path: Path | str, centre: str) -> FhirRead:
    """Read every resource of the export into an ``Assembly`` (see the module docstring)."""
    path = Path(path)
    root = path if path.is_dir() else path.parent
    files = files_of(path)
    if not files:
        raise CorpusError(f"{path} holds no FHIR file (.json bundle or .ndjson).")
    t0 = time.perf_counter()
    out = FhirRead(Assembly(centre))
    ctx = Context(out.assembly, root)
    raws_first: list[tuple[Raw, str]] = []
    others = 0
    for file in files:  # 1st pass: resources other resources point to (names of authors, drugs, binaries)
        for raw in _raws(file, root, FIRST):
            rtype = (raw.data or {}).get("resourceType")
            if raw.data is not None and rtype in FIRST:
                raws_first.append((raw, rtype))
            if raw.full_url and raw.data is not None and raw.data.get("id") and rtype:
                ctx.full_urls[raw.full_url] = f"{rtype}/{raw.data['id']}"
    for raw, _ in raws_first:
        _one(ctx, out, raw)
    for file in files:
        for raw in _raws(file, root):
            if raw.data is not None and raw.data.get("resourceType") in FIRST:
                continue
            others += 1
            _one(ctx, out, raw)
    finish(ctx)
    out.seconds = time.perf_counter() - t0
    return out


def _one(ctx: Context, out: FhirRead, raw: Raw) -> None:
    asm = ctx.assembly
    if raw.data is None:
        asm.reject(raw.where, raw.problem or "unreadable")
        return
    rtype = raw.data.get("resourceType")
    rid = raw.data.get("id")
    label = f"{rtype}/{rid}" if rid else str(rtype)
    if not isinstance(rtype, str) or not rtype:
        asm.reject(raw.where, "no resourceType: not a FHIR resource")
        return
    out.read[rtype] += 1
    try:
        model = get_fhir_model_class(rtype)
    except (ValueError, KeyError, AttributeError):
        asm.reject(raw.where, f"{label}: unknown resource type {rtype!r} (not a FHIR R4 resource)")
        return
    reader = READERS.get(rtype)
    if reader is None:
        asm.note(raw.where, f"resource type {rtype} is not imported")
        return
    try:
        resource = model.model_validate(raw.data)
    except ValidationError as exc:
        asm.reject(raw.where, f"{label}: {describe(exc)}")
        return
    key = f"{rtype}/{rid}" if rid else (raw.full_url or f"{rtype}@{raw.where.path}:{raw.where.line}")
    try:
        reader(ctx, resource, key, raw.where)
    except ValueError as exc:  # a wrong date, a missing required value: one sentence per record
        asm.reject(raw.where, f"{label}: {exc}")
