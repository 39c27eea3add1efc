"""Normalised text with a map back to the original characters.

Matching runs on a lower-case, accent-free copy of the question ("Métastases hépatiques" →
"metastases hepatiques"), but what the parser keeps (a quoted text term, a not-understood
fragment) must be sliced from the ORIGINAL question, accents and case intact. ``Normalised``
keeps, for every normalised character, the index of the original character it came from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_SPECIAL = {
    "œ": "oe",
    "Œ": "oe",
    "æ": "ae",
    "Æ": "ae",
    "ß": "ss",
    "≥": ">=",
    "≤": "<=",
    "’": " ",
    "'": " ",
    "`": " ",
    "‘": " ",
    "–": "-",
    "—": "-",
    "\u00a0": " ",
    "\u202f": " ",
}
TOKEN_RE = re.compile(r"[a-z0-9]+|>=|<=|[^\sa-z0-9]")


def fold(ch: str) -> str:
    """One original character → its lower-case, accent-free replacement (may be 0-2 chars)."""
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    decomposed = unicodedata.normalize("NFKD", ch)
    out = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return out


def normalise(text: str) -> str:
    """Plain normalised string (used for dictionary keys)."""
    return Normalised.of(text).text


@dataclass
class Token:
    text: str
    start: int  # offsets in the normalised text
    end: int


@dataclass
class Normalised:
    original: str
    text: str
    origin: list[int] = field(default_factory=list)  # normalised index → original index
    tokens: list[Token] = field(default_factory=list)

    @classmethod
    def of(cls, original: str) -> Normalised:
        chars: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(original):
            for out in fold(ch):
                chars.append(out)
                origin.append(i)
        text = "".join(chars)
        tokens = [Token(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
        return cls(original, text, origin, tokens)

    def original_span(self, start: int, end: int) -> str:
        """The original characters behind normalised [start, end)."""
        if start >= end or not self.origin:
            return ""
        return self.original[self.origin[start] : self.origin[end - 1] + 1]

    def token_range(self, start: int, end: int) -> range:
        """Indices of the tokens lying inside normalised [start, end)."""
        idx = [i for i, t in enumerate(self.tokens) if t.start >= start and t.end <= end]
        return range(idx[0], idx[-1] + 1) if idx else range(0)


def singular(token: str) -> str:
    """A crude plural fold for dictionary keys: 'metastases' and 'metastase' share one key."""
    if len(token) > 3 and token[-1] in "sx" and not token.endswith("ss"):
        return token[:-1]
    return token


def key_of(tokens: list[str]) -> str:
    return " ".join(singular(t) for t in tokens)
