"""From what the privacy layer releases to what a person reads: age bands instead of ages, and the
words of text criteria in **bold** inside snippets that were masked before any markup was added.

Pure functions over the governed engine's rows (pseudonymous ids, redacted snippets): nothing here
reads the store.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from assistant.core.results import PatientRow
from assistant.i18n import t
from query_compiler.criteria import Text, iter_nodes
from query_compiler.engine.facts import Fact


def age_band(age: Any, lang: str, width: int = 5) -> str:
    """Completed years → a 5-year band ("50–54 ans"): enough to read a list, not to re-identify."""
    if age is None:
        return "?"
    lo = int(age) // width * width
    return t("age_band", lang, lo=lo, hi=lo + width - 1)


# -- highlighting words of text criteria inside already-masked snippets ------------------------------
def _fold(text: str) -> str:
    """Lower case without accents, one character per character (so offsets stay valid)."""
    return "".join(unicodedata.normalize("NFD", ch)[0].lower() for ch in text)


def _word_pattern(word: str) -> str:
    body = re.escape(_fold(word.rstrip("*")))
    return body + (r"\w*" if word.endswith("*") else r"(?!\w)")


def highlight_words(node: Any) -> list[str]:
    """Regular expressions (on folded text) of every text criterion's terms: what to bold in a
    snippet. A phrase is bolded as a whole, never word by word; the sides of a NEAR separately."""
    patterns: list[str] = []
    for atom in iter_nodes(node):
        if not isinstance(atom, Text):
            continue
        for term in atom.terms:
            for part in re.split(r"\bNEAR(?:/\d+)?\b", term.replace('"', " ")):
                words = [w for w in re.findall(r"[\w*]+", part) if len(w.strip("*")) >= 2]
                if words:
                    patterns.append(r"(?<![\w<])" + r"\W+".join(_word_pattern(w) for w in words))
    return patterns


def mark(snippet: str, patterns: list[str]) -> str:
    """The snippet with matching terms in **bold**; placeholders such as <PERSON> are never bolded."""
    if not patterns or not snippet:
        return snippet
    folded = _fold(snippet)
    spans = [(m.start(), m.end()) for p in patterns for m in re.finditer(p, folded)]
    if not spans:
        return snippet
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, last = [], 0
    for s, e in merged:
        out += [snippet[last:s], "**", snippet[s:e], "**"]
        last = e
    out.append(snippet[last:])
    return "".join(out)


def patient_row(r: dict[str, Any], lang: str, words: list[str]) -> PatientRow:
    """A released row (pseudonymous id, redacted snippets) as shown: age band, marked snippets."""
    facts = []
    for f in r.get("matched") or ():
        snippet = f.get("snippet")
        facts.append(
            Fact(
                kind=str(f.get("kind") or ""),
                label=str(f.get("label") or ""),
                date=f.get("date"),
                document_type=f.get("document_type"),
                snippet=mark(snippet, words) if snippet else None,
            )
        )
    age = r.get("age_at_diagnosis") if r.get("age_at_diagnosis") is not None else r.get("age")
    diagnosis = r.get("diagnosis") or {}
    return PatientRow(
        str(r["pseudo_id"]),
        age_band(age, lang),
        str(r.get("sex") or "?"),
        r.get("vital_status"),
        tuple(facts),
        str(diagnosis.get("label") or ""),
    )


