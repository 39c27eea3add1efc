"""Find every surface form of ``retrieval/concepts.json`` in a text, the way a term matcher would.

Used by the tests (and by ``generate(..., check=True)`` while developing templates) to prove that the
mention truth is complete: every occurrence of a known form in a generated report is a recorded
mention, and nothing a matcher would find is missing from truth. Matching ignores case and accents,
respects word boundaries, and keeps the longest match where forms overlap (as spaCy's
``filter_spans`` does).
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import retrieval

CONCEPTS_PATH = Path(retrieval.__file__).resolve().parent / "concepts.json"


def fold(text: str) -> str:
    """Lower case without accents, same length as the input (so offsets carry over)."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0] if ch.isalpha() else ch
        out.append(base.lower() if len(base.lower()) == 1 else ch)
    return "".join(out)


@lru_cache(maxsize=1)
def concepts() -> dict[str, list[str]]:
    data = json.loads(CONCEPTS_PATH.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    form_concept: dict[str, str] = {}
    for concept, forms in concepts().items():
        for form in forms:
            form_concept.setdefault(fold(form), concept)
    alternatives = sorted(form_concept, key=len, reverse=True)
    body = "|".join(re.escape(f) for f in alternatives)
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])"), form_concept


_WORD_START = re.compile(r"(?<!\w)\w")


def find_forms(text: str) -> list[tuple[int, int, str]]:
    """(start, end, concept) of every form occurrence, longest first where they overlap."""
    pattern, form_concept = _pattern()
    folded = fold(text)
    found = []
    for word in _WORD_START.finditer(folded):
        m = pattern.match(folded, word.start())
        if m:
            found.append((m.start(), m.end(), form_concept[m.group(0)]))
    found.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    kept: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for start, end, concept in found:
        if not taken.intersection(range(start, end)):
            kept.append((start, end, concept))
            taken.update(range(start, end))
    return sorted(kept)
