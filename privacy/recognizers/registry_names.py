"""The deny-list built from the registry itself: every name of a patient, a birth name, a
relative or a physician in the store is a PERSON wherever it appears, with or without a title.

Some surnames are also words ("Masse", "Petit", "Blanc", "Rose"). A hit is kept when:

- it is a multi-word registry name ("Le Gall", "Da Silva") whose last word is capitalised;
- it is a word that is not French vocabulary (no clinical, stop-word or dictionary sense):
  any case ("Dupont", "DUPONT", "dupont"), if at least three letters long;
- it is a dictionary word (not clinical) that is capitalised, wherever it is ("Barbier
  reviendra en juin": a registry surname at a sentence start is still a surname);
- it is a clinical or stop word ("Masse", "Rose", "Le") only next to another capitalised
  registry name or a title ("Rose Martin", "Mme Masse").
"""

from __future__ import annotations

from typing import Any

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from privacy.recognizers._base import RecognizerContext
from privacy.text import fold

TITLE_WORDS = frozenset(
    "m mr mrs ms mme mmes mlle madame monsieur mademoiselle dr docteur pr professeur prof pre "
    "nee née epouse épouse veuve".split()
)


class RegistryNameRecognizer(EntityRecognizer):
    """Registry names found by a token-sequence index (one lookup per word)."""

    ENTITY = "PERSON"
    PATTERNS: list = []  # no regex: the registry is the pattern
    CONTEXT: list[str] = []
    AD_HOC = False
    STRONG_SCORE = 0.85
    EVIDENCE_SCORE = 0.75

    def __init__(self, name_index: Any, common_words: frozenset[str] = frozenset(),
                 clinical_words: frozenset[str] = frozenset(), supported_language: str = "fr") -> None:
        self.name_index = name_index
        self.common_words = common_words
        self.clinical_words = clinical_words
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__,
                         supported_language=supported_language, context=[])

    @classmethod
    def create(cls, ctx: RecognizerContext) -> RegistryNameRecognizer:
        return cls(ctx.name_index, getattr(ctx, "common_words", frozenset()), ctx.clinical_words)

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        if self.name_index is None:
            return []
        hits = self.name_index.find(text)
        if not hits:
            return []
        toks = hits[0][3]
        name_word = [False] * len(toks)
        for i, j, _, _ in hits:
            for k in range(i, j):
                name_word[k] = toks[k][2][:1].isupper()
        results = []
        for i, j, n, _ in hits:
            score = self._decide(text, toks, i, j, n, name_word)
            if score:
                results.append(self._result(toks[i][0], toks[j - 1][1], score, n))
        return results

    def _decide(self, text: str, toks: list, i: int, j: int, n: int, name_word: list[bool]) -> float:
        last = toks[j - 1][2]
        if n > 1:
            return self.STRONG_SCORE if last[:1].isupper() else 0.0
        word = toks[i][2]
        key = fold(word)
        capital = word[:1].isupper()
        caps = word.isupper() and len(word) > 1
        prev_title = i > 0 and fold(toks[i - 1][2]) in TITLE_WORDS and _adjacent(text, toks, i - 1)
        neighbour = (i > 0 and name_word[i - 1] and _adjacent(text, toks, i - 1)) or (
            i + 1 < len(toks) and name_word[i + 1] and _adjacent(text, toks, i))
        evidence = prev_title or neighbour
        if key in self.clinical_words or len(key) < 3:
            return self.EVIDENCE_SCORE if capital and evidence else 0.0
        if key in self.common_words:
            return self.EVIDENCE_SCORE if capital or caps else 0.0
        return self.STRONG_SCORE

    def _result(self, start: int, end: int, score: float, n: int) -> RecognizerResult:
        explanation = AnalysisExplanation(
            recognizer=self.name,
            original_score=score,
            pattern_name="registry_deny_list",
            pattern=None,
            validation_result=None,
            textual_explanation=f"Registry name ({n} word{'s' if n > 1 else ''}) from the store's "
                                f"patients, relatives and physicians",
        )
        return RecognizerResult(
            self.ENTITY, start, end, score, analysis_explanation=explanation,
            recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                  RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
        )


def _adjacent(text: str, toks: list, i: int) -> bool:
    """Word i and word i+1 are separated by blanks or a hyphen only ("Jeanne DUPONT"), or by the
    dot of an abbreviation ("M. Dupont", "J. Masse") but not by a full stop ("... Masse. Masse")."""
    gap = text[toks[i][1]:toks[i + 1][0]]
    if len(gap) > 3:
        return False
    if not gap.strip(" -\u00a0"):
        return True
    word = toks[i][2]
    return not gap.strip(" .\u00a0") and (len(word) == 1 or fold(word) in TITLE_WORDS)
