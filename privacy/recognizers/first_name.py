"""Names recognised by their first name, whatever the case and without a title: "Kevin (IDE)",
"vu avec élodie", "pt bernard fontaine", "LEFEBVRE-DUBOIS Marie-Claire", "Grace Okonkwo".

A word is a first name when the multi-locale lexicon (``privacy.lexicons``) has it. The span grows
to the name-shaped words around it (a surname in capitals before it, surnames and particles after
it; in lower-case text, words the surname lexicon knows or that no dictionary explains). It is kept:

- when the first name is not ordinary vocabulary ("Kevin", "Olga", "élodie");
- when it is ordinary ("Rose", "Pierre", "Grace", "Long") only with evidence: a surname next to
  it, or a relative, greeting, "avec"/"with", label or title right before it;

and never inside an institution's name ("Centre François Baclesse") or an eponym ("maladie de
Hodgkin").
"""

from __future__ import annotations

from typing import Any

from presidio_analyzer import AnalysisExplanation, RecognizerResult

from privacy.recognizers._base import DictionaryAwareRecognizer
from privacy.recognizers._names import (
    PARTICLES,
    WORD,
    cue_before,
    eponym_context,
    institution_at,
    is_acronym,
    is_clinical,
    is_first_name,
    is_last_name,
    is_ordinary,
    is_place,
)
from privacy.text import fold

MIN_LOWER = 4  # a lower-case first name alone must be at least this long ("élodie", not "lea")


class FirstNameRecognizer(DictionaryAwareRecognizer):
    """First names of the lexicon and the surnames around them."""

    SCORE = 0.6

    def _ordinary(self, word: str) -> bool:
        return is_ordinary(word, self.common_words)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        toks = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
        results = []
        taken_to = -1
        for i, (start, _end, word) in enumerate(toks):
            if start < taken_to or not is_first_name(word) or is_clinical(word) or is_place(word):
                continue
            lower = word.islower()
            ordinary = self._ordinary(word)
            if lower and ordinary and not self._lower_surname_follows(text, toks, i) and not (
                    len(word) >= MIN_LOWER and cue_before(text, start)):
                continue  # "vu avec marc" yes, "le marc de café" no
            first, last = i, self._extend_right(text, toks, i, lower)
            first = self._extend_left(text, toks, first)
            s, e = toks[first][0], toks[last][1]
            if institution_at(text, s, e) or eponym_context(text, s, e):
                continue
            with_surname = last > i or first < i
            if word.isupper() and not with_surname and (is_acronym(word) or not cue_before(text, s)):
                continue  # "EVA 6/10", "ASA 3": capitals alone are acronyms
            if lower and not with_surname and (len(word) < MIN_LOWER or ordinary and not cue_before(text, s)):
                continue
            if ordinary and not with_surname and not cue_before(text, s):
                continue
            results.append(self._result(s, e))
            taken_to = e
        return results

    def _lower_surname_follows(self, text: str, toks: list, i: int) -> bool:
        """"bernard fontaine": a lexicon first name and a lexicon surname, both in lower case."""
        return i + 1 < len(toks) and _adjacent(text, toks, i) and toks[i + 1][2].islower() and (
            is_last_name(toks[i + 1][2]) and len(toks[i + 1][2]) > 3)

    def _name_word(self, word: str, lower: bool) -> bool:
        if lower:
            return word.islower() and (is_last_name(word) or not self._ordinary(word)) and len(word) > 2
        if is_clinical(word) and not is_last_name(word):
            return False
        if is_place(word) or is_acronym(word) and not is_first_name(word):
            return False
        return word[:1].isupper() and (not self._ordinary(word) or is_last_name(word) or is_first_name(word)
                                       or word.isupper() and len(word) > 2)

    def _extend_right(self, text: str, toks: list, i: int, lower: bool) -> int:
        last = i
        k = i + 1
        while k < len(toks) and k - i <= 4 and _adjacent(text, toks, k - 1):
            word = toks[k][2]
            if fold(word) in PARTICLES and k + 1 < len(toks) and _adjacent(text, toks, k):
                nxt = toks[k + 1][2]
                if (nxt[:1].isupper() or lower) and self._name_word(nxt, lower):
                    last, k = k + 1, k + 2
                    continue
                break
            if not self._name_word(word, lower):
                break
            last, k = k, k + 1
        return last

    def _extend_left(self, text: str, toks: list, i: int) -> int:
        """A surname in capitals before the first name: "DUPONT Jean", "LEFEBVRE-DUBOIS Marie-Claire";
        in lower-case notes a lexicon surname that is no ordinary word: "gomes joaquim", "lefort jean"."""
        first = i
        lower = toks[i][2].islower()
        while first > 0 and _adjacent(text, toks, first - 1):
            word = toks[first - 1][2]
            if word.isupper() and len(word) > 1 and not is_clinical(word) and (
                    not self._ordinary(word) or is_last_name(word)):
                first -= 1
            elif lower and first == i and word.islower() and not is_clinical(word) and (
                    len(word) > 3 and is_last_name(word) and not (
                        self._ordinary(word) and self._ordinary(toks[i][2]))  # "moreau lucienne"
                    or len(word) >= 3 and is_first_name(word)):  # "ana paula": a compound first name
                first -= 1
            else:
                break
        return first

    def _result(self, start: int, end: int) -> RecognizerResult:
        explanation = AnalysisExplanation(
            recognizer=self.name, original_score=self.SCORE, pattern_name="first_name_lexicon", pattern=None,
            validation_result=None, textual_explanation="A first name of the multi-locale lexicon")
        return RecognizerResult(self.ENTITY, start, end, self.SCORE, analysis_explanation=explanation,
                                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})


def _adjacent(text: str, toks: list, i: int) -> bool:
    """Words i and i+1 are separated by blanks or a hyphen on the same line."""
    gap = text[toks[i][1]:toks[i + 1][0]]
    return 0 < len(gap) <= 2 and not gap.strip(" \t\u00a0-")
