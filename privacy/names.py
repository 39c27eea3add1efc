"""The registry's own names (patients, birth names, relatives, physicians) as a lookup index.

Built once per store and reused: distinct names are read with one query per column, folded
(case and accents) and kept as token sequences keyed by their first token, so that finding
every registry name in a text costs one dictionary lookup per word, whatever the size of the
registry (400,000 patients give a few tens of thousands of distinct names).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from privacy.text import fold, name_keys, words

_SOURCES = (
    ("identities", "first_name", "first"),
    ("identities", "last_name", "last"),
    ("identities", "birth_name", "last"),
    ("relatives", "first_name", "first"),
    ("relatives", "last_name", "last"),
    ("physicians", "first_name", "first"),
    ("physicians", "last_name", "last"),
)


@dataclass
class NameIndex:
    """Folded registry names; ``find`` returns the longest registry name starting at each word."""

    phrases: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    first_names: set[str] = field(default_factory=set)
    max_len: int = 1
    size: int = 0

    def add(self, name: str | None, kind: str = "last") -> None:
        for key in name_keys(name):
            self.phrases.setdefault(key[0], set()).add(key)
            self.max_len = max(self.max_len, len(key))
            self.size += 1
            if kind == "first" and len(key) == 1:
                self.first_names.add(key[0])

    def add_all(self, names: Iterable[str | None], kind: str = "last") -> None:
        for name in names:
            self.add(name, kind)

    def __contains__(self, token: str) -> bool:
        return (fold(token),) in self.phrases.get(fold(token), ())

    def find(self, text: str) -> list[tuple[int, int, int, list[tuple[int, int, str]]]]:
        """``(first_word, last_word_exclusive, n_words, words)`` for each registry name in ``text``."""
        toks = words(text)
        folded = [fold(w) for _, _, w in toks]
        hits = []
        i = 0
        while i < len(toks):
            cands = self.phrases.get(folded[i])
            best = 0
            if cands:
                for n in range(min(self.max_len, len(toks) - i), 0, -1):
                    if tuple(folded[i:i + n]) in cands and _contiguous(text, toks, i, n):
                        best = n
                        break
            if best:
                hits.append((i, i + best, best, toks))
                i += best
            else:
                i += 1
        return hits

    @classmethod
    def from_store(cls, store: object) -> NameIndex:
        index = cls()
        for table, column, kind in _SOURCES:
            try:
                rows = store.query(  # type: ignore[attr-defined]
                    f"SELECT DISTINCT {column} AS n FROM {table} WHERE {column} IS NOT NULL"
                )
            except Exception:  # noqa: BLE001 - an older store without the table has no names there
                continue
            index.add_all((r["n"] for r in rows), kind)
        return index


def _contiguous(text: str, toks: list[tuple[int, int, str]], i: int, n: int) -> bool:
    """Words of a multi-word name are separated by spaces or hyphens only, not by punctuation."""
    for k in range(i, i + n - 1):
        gap = text[toks[k][1]:toks[k + 1][0]]
        if gap.strip(" -\u00a0") or len(gap) > 2:
            return False
    return True
