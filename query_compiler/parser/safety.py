"""Refuse questions that are instructions, code or requests for identities.

The parser's only output is validated Criteria, so nothing typed can reach SQL; this check is the
polite front door on top of that guarantee: "DROP TABLE", "ignore your instructions" or "show me
all names" get a clear refusal instead of a strange cohort.
"""

from __future__ import annotations

import re
import unicodedata

from query_compiler.parser.terminology import get_terminology

_QUOTED = re.compile(r'"[^"]*"|«[^»]*»|“[^”]*”')


def _light(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def refusal(question: str, lang: str) -> str | None:
    """The reason to refuse this question, or None when it is an ordinary cohort question."""
    # Quoted words are literal search terms (they become a bound parameter, never code), so they
    # are not inspected here: searching reports for "drop table" is harmless.
    text = _light(_QUOTED.sub(" ", question))
    for rule in get_terminology().safety.values():
        if any(rx.search(text) for rx in rule["compiled"]):
            return rule["reason_fr"] if lang == "fr" else rule["reason_en"]
    return None
