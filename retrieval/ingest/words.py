"""The word view of a document that the qualifier rules read, and the phrase matcher of the cue lists.

A spaCy doc from edsnlp's tokenizer splits "non-fumeur" into three tokens and "n’a" into "n", "’",
"a"; cue lists are written as a reader writes them. Both sides are brought to one form here:
words are folded (lower case, edsnlp's accent table, so "Métastase" and "metastase" are one word),
a hyphen glued between two words disappears ("non fumeur"), and an elided letter glued to its
apostrophe is one word ("n'"). Four words keep their accent because it is their meaning: "à" (not
"a", has), "où" (not "ou", or), "dès" (not "des"), "dû" (not "du").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# edsnlp's accent table (edsnlp/pipes/core/normalizer/accents/patterns.py), lower case only
_ACCENTS = str.maketrans(
    {c: base for chars, base in (("ç", "c"), ("àáâä", "a"), ("èéêë", "e"), ("ìíîï", "i"), ("òóôö", "o"),
                                 ("ùúûü", "u")) for c in chars}
)  # fmt: skip
KEEP_ACCENT = {"à", "où", "dès", "dû"}
APOSTROPHES = {"'", "’", "`", "´"}
HYPHENS = {"-", "‐", "‑"}
ELIDED = {"l", "d", "n", "s", "j", "m", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "aujourd"}
_SPLIT = re.compile(r"[^\W\d_]+'|\w+|[^\w\s]")


def fold(word: str) -> str:
    """ "Métastase" -> "metastase"; "À" -> "à" (see the module docstring)."""
    low = word.lower().replace("’", "'")
    return low if low in KEEP_ACCENT else low.translate(_ACCENTS)


def split(phrase: str) -> tuple[str, ...]:
    """A cue as written -> its folded words, the way ``View`` cuts a document."""
    text = phrase.replace("’", "'")
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text)
    return tuple(fold(w) for w in _SPLIT.findall(text))


@dataclass(slots=True)
class View:
    """One document as words: ``words[i]`` folded (``low[i]`` lower case with accents), ``tok[i]`` /
    ``last[i]`` its first / last spaCy token, ``punct[i]``, ``sent[i]`` the index of its sentence,
    ``starts`` the first word of each sentence."""

    words: list[str]
    low: list[str]
    tok: list[int]
    last: list[int]
    punct: list[bool]
    sent: list[int]
    starts: list[int]

    def __len__(self) -> int:
        return len(self.words)

    @classmethod
    def of(cls, doc: Any) -> View:
        words: list[str] = []
        low: list[str] = []
        tok: list[int] = []
        last: list[int] = []
        punct: list[bool] = []
        sent: list[int] = []
        s = -1
        n = len(doc)
        i = 0
        while i < n:
            t = doc[i]
            if t.is_sent_start or i == 0:
                s += 1
            text = t.text
            if t.is_space:
                i += 1
                continue
            glued_before = i > 0 and not doc[i - 1].whitespace_
            glued_after = not t.whitespace_ and i + 1 < n
            if text in HYPHENS and glued_before and glued_after and words and not punct[-1]:
                i += 1  # "non-fumeur" -> "non", "fumeur"
                continue
            w = t.norm_
            first = i
            if i + 1 < n and not t.whitespace_ and doc[i + 1].text in APOSTROPHES and t.lower_ in ELIDED:
                w = fold(t.text) + "'"
                i += 1  # the apostrophe is part of the word
            elif w in ("a", "ou", "des", "du") and t.lower_ in KEEP_ACCENT:
                w = t.lower_
            words.append(w)
            low.append(t.lower_)
            tok.append(first)
            last.append(i)
            punct.append(t.is_punct and w not in APOSTROPHES)
            sent.append(s)
            i += 1
        starts = [i for i in range(len(words)) if i == 0 or sent[i] != sent[i - 1]]
        return cls(words, low, tok, last, punct, sent, starts)

    def sentence_end(self, i: int) -> int:
        """Index after the last word of the sentence holding word ``i``."""
        s = self.sent[i]
        j = i
        while j < len(self.words) and self.sent[j] == s:
            j += 1
        return j

    def sentence_start(self, i: int) -> int:
        s = self.sent[i]
        j = i
        while j > 0 and self.sent[j - 1] == s:
            j -= 1
        return j


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    labels: frozenset[str]


class PhraseMatcher:
    """Longest match first, left to right, without overlaps, on folded words.

    A phrase may carry several labels (it is in several lists): "non exclue" is both a pseudo-negation
    and a following hypothesis cue; "possible" precedes or follows what it doubts.
    """

    def __init__(self, lists: dict[str, Iterable[str]]) -> None:
        labels: dict[tuple[str, ...], set[str]] = {}
        for label, phrases in lists.items():
            for phrase in phrases:
                words = split(phrase)
                if words:
                    labels.setdefault(words, set()).add(label)
        self.by_first: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
        for words, labs in labels.items():
            self.by_first.setdefault(words[0], []).append((words, frozenset(labs)))
        for candidates in self.by_first.values():
            candidates.sort(key=lambda c: -len(c[0]))

    def __call__(self, words: list[str]) -> list[Match]:
        out: list[Match] = []
        i, n = 0, len(words)
        get = self.by_first.get
        while i < n:
            candidates = get(words[i])
            if candidates:
                for phrase, labs in candidates:
                    k = len(phrase)
                    if i + k <= n and (k == 1 or tuple(words[i : i + k]) == phrase):
                        out.append(Match(i, i + k, labs))
                        i += k
                        break
                else:
                    i += 1
            else:
                i += 1
        return out
