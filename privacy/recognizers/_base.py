"""What every French recogniser shares: class-level PATTERNS and CONTEXT, French by default,
and a ``create(ctx)`` factory so the engine can build them all from one list.

Presidio's own ``PatternRecognizer`` does the matching and explains every hit
(``build_regex_explanation``); subclasses only declare patterns and, where a checksum or a
calendar exists, validate the match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import regex as re
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

# Trailing characters a greedy name or street pattern may swallow but that are never part of it.
_TRAILING = " \t\n.,;:'’-"


@dataclass
class RecognizerContext:
    """What the engine knows when it builds recognisers (registry names, clinical words)."""

    name_index: Any = None  # privacy.names.NameIndex
    clinical_words: frozenset[str] = field(default_factory=frozenset)


def score_floor() -> float:
    return EntityRecognizer.MIN_SCORE


class FrPatternRecognizer(PatternRecognizer):
    """A pattern recogniser whose patterns and context words are class constants.

    ``CASE_SENSITIVE`` matters for names: "Martin" after "Dr" is a name, "martin" is not.
    """

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[list[Pattern]]
    CONTEXT: ClassVar[list[str]] = []
    CASE_SENSITIVE: ClassVar[bool] = False
    AD_HOC: ClassVar[bool] = False  # built per call (patient-specific), not kept in the registry

    def __init__(
        self,
        patterns: list[Pattern] | None = None,
        context: list[str] | None = None,
        supported_language: str = "fr",
    ) -> None:
        # Pattern objects cache their compiled regex: give each instance its own copies.
        pats = [Pattern(p.name, p.regex, p.score) for p in (patterns or self.PATTERNS)]
        flags = re.DOTALL | re.MULTILINE | (0 if self.CASE_SENSITIVE else re.IGNORECASE)
        super().__init__(
            supported_entity=self.ENTITY,
            name=type(self).__name__,
            supported_language=supported_language,
            patterns=pats,
            context=list(context if context is not None else self.CONTEXT),
            global_regex_flags=flags,
        )

    @classmethod
    def create(cls, ctx: RecognizerContext) -> FrPatternRecognizer:
        return cls()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        kept = []
        for res in results:
            trim(text, res)
            if res.end > res.start and self.accept(text, res):
                kept.append(res)
        return kept

    def accept(self, text: str, result: RecognizerResult) -> bool:
        """Second look at a hit with its surroundings (calendar checks, allow-lists)."""
        return True


def trim(text: str, result: RecognizerResult) -> None:
    """Drop trailing punctuation a greedy pattern took ("rue des Lilas." → "rue des Lilas")."""
    while result.end > result.start and text[result.end - 1] in _TRAILING:
        result.end -= 1
    while result.end > result.start and text[result.start] in _TRAILING:
        result.start += 1


def set_score(result: RecognizerResult, score: float, valid: bool | None) -> None:
    """Change a hit's score and keep its explanation truthful."""
    result.score = score
    if result.analysis_explanation is not None:
        result.analysis_explanation.score = score
        result.analysis_explanation.validation_result = valid


class DictionaryAwareRecognizer(EntityRecognizer):
    """A person-name recogniser that tells names from ordinary words with the French dictionary of the
    redaction pipeline (``RecognizerContext.common_words``); the lexicon, NER and context recognisers
    share this set-up and differ only in ``analyze``."""

    ENTITY = "PERSON"
    PATTERNS: ClassVar[list] = []
    CONTEXT: ClassVar[list[str]] = []
    AD_HOC = False

    def __init__(self, common_words: frozenset[str] = frozenset(), supported_language: str = "fr") -> None:
        self.common_words = common_words
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__,
                         supported_language=supported_language, context=[])

    @classmethod
    def create(cls, ctx: RecognizerContext) -> Any:
        return cls(getattr(ctx, "common_words", frozenset()))

    def load(self) -> None:
        pass
