"""Text normalisation shared by the deny-list, the allow-list and the evaluation.

Names and clinical words are compared after case folding and accent stripping so that
"HÉLÈNE", "Hélène" and "helene" are one key: reports are typed by hand and OCRed, and accents
are the first thing to go.
"""

from __future__ import annotations

import re
import unicodedata

# A word: letters, possibly joined by apostrophes or hyphens (Jean-Pierre, d'Arc, O'Neil).
WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "–": "-", "‑": "-", "œ": "oe", "Œ": "OE",
                              "æ": "ae", "Æ": "AE", "ß": "ss"})


def fold(text: str) -> str:
    """Case-folded, accent-free form used as a lookup key."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` for every word of ``text``, in order."""
    return [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]


def name_keys(name: str | None) -> list[tuple[str, ...]]:
    """The folded token sequences under which a registry name must be found.

    "Da Silva-Martin" gives ("da", "silva-martin"), and also ("silva",) and ("martin",) for
    the hyphen parts, because reports cut compound names ("Mme Silva").
    """
    if not name or not name.strip():
        return []
    toks = [fold(w) for _, _, w in words(name)]
    if not toks:
        return []
    keys = [tuple(toks)]
    for tok in toks:
        if "-" in tok:
            keys.extend((part,) for part in tok.split("-") if len(part) > 1)
    return keys


def collapse_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
