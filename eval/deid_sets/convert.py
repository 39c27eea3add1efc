"""Turn hand-tagged de-identification sets into plain text + character-offset spans.

Input  (<name>.tagged.jsonl, one document per line):
    {"id", "lang", "style", "text"}   with inline tags such as <PERSON>Hélène Roux</PERSON>
Output (<name>.spans.jsonl, written beside the input):
    {"id", "lang", "style", "text", "spans": [{"start", "end", "type", "value"}]}
    where text is the untagged text and text[start:end] == value.

Checks (any failure -> message on stderr, exit status 1, nothing written for that file):
  * every tag is one of the known types, tags are balanced and never nested;
  * no empty span, no span with leading/trailing white space;
  * no tag-like string with an unknown name (e.g. a typo <PERSN>);
  * a PERSON span does not start with a title (Dr, Pr, M., Mme, Mr, Mrs, ...): titles stay outside;
  * a NIR span has 13 digits + a 2-digit key with key == 97 - (number mod 97)
    (Corsica 2A/2B handled with the usual substitution);
  * ids are unique, lang is "fr" or "en".

Usage:
    python convert.py                 # every *.tagged.jsonl next to this script
    python convert.py a.tagged.jsonl  # given files
    python convert.py --check ...     # check only, write nothing
Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

TYPES = ("PERSON", "ADDRESS", "PHONE", "EMAIL", "NIR", "IPP", "DATE_OF_BIRTH", "DATE")
TAG_RE = re.compile(r"<(/?)(" + "|".join(TYPES) + r")>")
UNKNOWN_TAG_RE = re.compile(r"</?[A-Z][A-Z_]{1,30}>")
TITLE_RE = re.compile(
    r"^(Dr|Dre|Docteur|Pr|Prof|Professeur|M|Mme|Mlle|Mr|Mrs|Ms|Miss|Mx|Sir|Monsieur|Madame)\.?(\s|$)",
    re.IGNORECASE,
)


class TagError(ValueError):
    pass


def nir_problem(value: str) -> str | None:
    """Return a message if value is not a well-formed NIR with a valid key, else None."""
    compact = re.sub(r"[\s.\-]", "", value).upper()
    if not re.fullmatch(r"[12]\d{4}(\d{2}|2A|2B)\d{8}", compact):
        return f"NIR {value!r} is not 13 characters + 2-digit key"
    body, key = compact[:13], int(compact[13:])
    if "2A" in body[5:7] or "2B" in body[5:7]:
        dep = body[5:7]
        number = int(body[:5] + ("19" if dep == "2A" else "18") + body[7:])
        number -= 1_000_000 if dep == "2A" else 2_000_000
    else:
        number = int(body)
    expected = 97 - number % 97
    if key != expected:
        return f"NIR {value!r} has key {key:02d}, expected {expected:02d}"
    return None


def untag(tagged: str) -> tuple[str, list[dict]]:
    """Strip inline tags; return plain text and spans. Raises TagError on malformed tagging."""
    out: list[str] = []
    spans: list[dict] = []
    pos = 0  # position in tagged
    plain_len = 0
    open_type: str | None = None
    open_start = 0
    for m in TAG_RE.finditer(tagged):
        chunk = tagged[pos : m.start()]
        out.append(chunk)
        plain_len += len(chunk)
        pos = m.end()
        closing, typ = m.group(1) == "/", m.group(2)
        if not closing:
            if open_type is not None:
                raise TagError(f"<{typ}> opened inside <{open_type}> (tags do not nest) at char {m.start()}")
            open_type, open_start = typ, plain_len
        else:
            if open_type is None:
                raise TagError(f"</{typ}> without opening tag at char {m.start()}")
            if open_type != typ:
                raise TagError(f"</{typ}> closes <{open_type}> at char {m.start()}")
            spans.append({"start": open_start, "end": plain_len, "type": typ})
            open_type = None
    if open_type is not None:
        raise TagError(f"<{open_type}> never closed")
    out.append(tagged[pos:])
    text = "".join(out)
    stray = UNKNOWN_TAG_RE.search(text)
    if stray:
        raise TagError(f"unknown tag-like string {stray.group(0)!r}")
    for s in spans:
        value = text[s["start"] : s["end"]]
        s["value"] = value
        if not value:
            raise TagError(f"empty <{s['type']}> span at {s['start']}")
        if value != value.strip():
            raise TagError(f"<{s['type']}> span {value!r} has leading/trailing white space")
        if s["type"] == "PERSON" and TITLE_RE.match(value):
            raise TagError(f"PERSON span {value!r} starts with a title; keep titles outside")
        if s["type"] == "NIR":
            problem = nir_problem(value)
            if problem:
                raise TagError(problem)
    return text, spans


def convert_file(path: Path, write: bool = True) -> tuple[list[dict], list[str]]:
    docs: list[dict] = []
    errors: list[str] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{n}: invalid JSON ({exc})")
            continue
        doc_id = rec.get("id", f"line {n}")
        missing = [k for k in ("id", "lang", "style", "text") if k not in rec]
        if missing:
            errors.append(f"{path.name}:{n} [{doc_id}]: missing fields {missing}")
            continue
        if doc_id in seen:
            errors.append(f"{path.name}:{n} [{doc_id}]: duplicate id")
        seen.add(doc_id)
        if rec["lang"] not in ("fr", "en"):
            errors.append(f"{path.name}:{n} [{doc_id}]: lang must be fr or en")
        try:
            text, spans = untag(rec["text"])
        except TagError as exc:
            errors.append(f"{path.name}:{n} [{doc_id}]: {exc}")
            continue
        docs.append(
            {"id": rec["id"], "lang": rec["lang"], "style": rec["style"], "text": text, "spans": spans}
        )
    if write and not errors:
        name = path.name[: -len(".tagged.jsonl")] if path.name.endswith(".tagged.jsonl") else path.stem
        out = path.with_name(name + ".spans.jsonl")
        with out.open("w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
        print(f"wrote {out}")
    return docs, errors


def report(path: Path, docs: list[dict]) -> None:
    counts = Counter(s["type"] for d in docs for s in d["spans"])
    langs = Counter(d["lang"] for d in docs)
    total = sum(counts.values())
    print(
        f"{path.name}: {len(docs)} documents ({', '.join(f'{k} {v}' for k, v in sorted(langs.items()))}), "
        f"{total} identifiers"
    )
    for t in TYPES:
        print(f"  {t:<14} {counts.get(t, 0):>4}")


def main(argv: list[str]) -> int:
    check_only = "--check" in argv
    args = [a for a in argv if a != "--check"]
    paths = [Path(a) for a in args] or sorted(Path(__file__).resolve().parent.glob("*.tagged.jsonl"))
    if not paths:
        print("no *.tagged.jsonl file found", file=sys.stderr)
        return 1
    status = 0
    for p in paths:
        docs, errors = convert_file(p, write=not check_only)
        for e in errors:
            print(e, file=sys.stderr)
        if errors:
            status = 1
        report(p, docs)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
