"""Assemble a report piece by piece while recording the exact span of every identifier and mention.

Spans are computed as the text grows, so they are right by construction. Typos are only ever put
in plain prose, never inside an identifier or a concept mention: truth spans stay exact, and an
evaluation never has to guess whether a misspelt word should have been found.
"""

from __future__ import annotations

from retrieval.records import IdentifierSpan, MentionSpan
from synthetic.rng import Rng

TYPO_RATE = 0.012  # chance that a plain fragment gets one typo
_VOWELS = set("aeiouyéèêàâîôû")


class TextBuilder:
    def __init__(self, rng: Rng, typo_rate: float = TYPO_RATE) -> None:
        self.rng = rng
        self.typo_rate = typo_rate
        self._parts: list[str] = []
        self._pos = 0
        self.identifiers: list[IdentifierSpan] = []
        self.mentions: list[MentionSpan] = []

    # -- plain text -----------------------------------------------------------------------------
    def add(self, text: str) -> TextBuilder:
        """Plain prose; may receive a typo."""
        if text and self.typo_rate and self.rng.random() < self.typo_rate:
            text = typo(self.rng, text)
        return self.raw(text)

    def raw(self, text: str) -> TextBuilder:
        """Plain text kept exactly (codes, numbers, headings)."""
        self._parts.append(text)
        self._pos += len(text)
        return self

    def nl(self, n: int = 1) -> TextBuilder:
        return self.raw("\n" * n)

    # -- annotated spans ------------------------------------------------------------------------
    def ident(self, kind: str, text: str) -> TextBuilder:
        start = self._pos
        self.raw(text)
        self.identifiers.append(IdentifierSpan(start=start, end=self._pos, text=text, type=kind))
        return self

    def mention(
        self,
        concept: str,
        text: str,
        *,
        negated: bool = False,
        hypothetical: bool = False,
        family: bool = False,
        history: bool = False,
    ) -> TextBuilder:
        start = self._pos
        self.raw(text)
        self.mentions.append(
            MentionSpan(
                start=start,
                end=self._pos,
                text=text,
                concept=concept,
                negated=negated,
                hypothetical=hypothetical,
                family=family,
                history=history,
            )
        )
        return self

    # -- result ---------------------------------------------------------------------------------
    def text(self) -> str:
        return "".join(self._parts)

    @property
    def length(self) -> int:
        return self._pos


def typo(rng: Rng, text: str) -> str:
    """One deterministic slip in a long word: two letters swapped, one dropped or one doubled."""
    words = [(i, w) for i, w in _word_positions(text) if len(w) >= 6 and w.isalpha()]
    if not words:
        return text
    start, word = rng.pick(words)
    k = rng.randint(1, len(word) - 3)
    kind = rng.randint(0, 2)
    if kind == 0 and word[k] != word[k + 1]:
        new = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
    elif kind == 1 and word[k].lower() not in _VOWELS:
        new = word[:k] + word[k + 1 :]
    else:
        new = word[:k] + word[k] + word[k:]
    return text[:start] + new + text[start + len(word) :]


def _word_positions(text: str) -> list[tuple[int, str]]:
    out, start = [], None
    for i, ch in enumerate(text + " "):
        if ch.isalpha():
            if start is None:
                start = i
        elif start is not None:
            out.append((start, text[start:i]))
            start = None
    return out
