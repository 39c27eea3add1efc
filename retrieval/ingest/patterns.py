"""Plain word lists added to edsnlp's default qualifier cues (edsnlp style: data here, logic elsewhere).

edsnlp's defaults were written for AP-HP notes; the reports we ingest use a few more turns of
phrase. Each list is *added* to the component's default list (never replaces it), so an upgrade of
edsnlp keeps its own improvements. Every addition was motivated by a miss measured with
``cohort eval annotation`` (see eval/annotation.py).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# Typing slips are common in dictated and typed reports ("Antécédnet de tabagisme", "Absennce de
# lésion"), and a cue with a slip silently turns a negated or past mention into an affirmed one.
# Single cue words of at least this many letters are also matched with one slip: two adjacent
# letters swapped, one letter dropped, or one letter doubled. Shorter words are left exact: their
# one-slip variants too often are other words ("pas" -> "pa", "as").
TYPO_MIN_LETTERS = 6
# One-slip variants that are ordinary French words (checked against the vocabulary of
# fr_core_news_md): never cues. Written without accents, as the matcher compares them (NORM).
TYPO_REAL_WORDS = {
    "declin",
    "exclu",
    "basent",
    "coussin",
    "coussins",
    "couine",
    "faille",
    "failles",
    "files",
    "potentille",
    "potentilles",
    "discreet",
}


def with_typos(words: Iterable[str], min_letters: int = TYPO_MIN_LETTERS) -> list[str]:
    """One-slip variants of the single alphabetic words in ``words`` (the words themselves excluded)."""
    words = list(words)
    originals = set(words)
    out: dict[str, None] = {}
    for word in words:
        if len(word) < min_letters or not word.isalpha():
            continue
        for k in range(len(word)):
            out[word[:k] + word[k + 1 :]] = None  # dropped
            out[word[:k] + word[k] + word[k:]] = None  # doubled
            if k + 1 < len(word) and word[k] != word[k + 1]:
                out[word[:k] + word[k + 1] + word[k] + word[k + 2 :]] = None  # swapped
    return [
        w
        for w in out
        if w not in originals and len(w) >= min_letters - 1 and _plain(w) not in TYPO_REAL_WORDS
    ]


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))


NEGATION_PRECEDING: list[str] = []
NEGATION_FOLLOWING: list[str] = []
# "ne peut être éliminée" is a doubt, not a negation (edsnlp reads the verb "éliminer" as one)
CANNOT_RULE_OUT = [
    "ne peut exclure",
    "ne peut pas exclure",
    "ne peut éliminer",
    "ne peut pas éliminer",
    "impossible d'exclure",
    "impossible d'éliminer",
    "difficile d'exclure",
    "difficile d'éliminer",
]
CANNOT_BE_RULED_OUT = [
    f"{verb} être {past}"
    for verb in ("ne peut", "ne peuvent", "ne peut pas", "ne peuvent pas")
    for past in ("exclu", "exclue", "exclus", "exclues", "éliminé", "éliminée", "éliminés", "éliminées")
]
NEGATION_PSEUDO: list[str] = [*CANNOT_RULE_OUT, *CANNOT_BE_RULED_OUT]

HYPOTHESIS_PRECEDING: list[str] = [
    "suspiscion",  # a frequent misspelling, not a one-slip variant
    "évocateur",
    "évocatrice",
    "évocateurs",
    "évocatrices",  # "image évocatrice d'une métastase"
    *CANNOT_RULE_OUT,
]
HYPOTHESIS_FOLLOWING: list[str] = [
    "à craindre",
    "à confirmer",
    "à éliminer",  # "une neutropénie fébrile est à craindre"
    *CANNOT_BE_RULED_OUT,
]
HYPOTHESIS_PSEUDO: list[str] = []

FAMILY: list[str] = []

HISTORY: list[str] = [
    "ancien",
    "ancienne",
    "anciens",
    "anciennes",  # "ancien tabagisme sevré"
    # list heads: with a comma they reach the end of the sentence, like "Antécédents :"
    "dans ses antécédents",
    "dans les antécédents",
    "parmi ses antécédents",
    "aux antécédents",
]

# Words that end a proposition (scope of a cue) for every qualifier, on top of edsnlp's list.
TERMINATION: list[str] = []
