"""Person names found by the French model's named-entity recogniser (through Presidio's NLP engine),
for the names no registry, no title and no label announces: "Lefebvre-Dubois Marie-Claire, 58 ans",
"seen with Kevin", "Trần Thị Hương".

spaCy's entities are cut down to their runs of name words: capitalised words that no vocabulary,
clinical list, eponym, brand, place or acronym explains, or that the name lexicons know (on English
text the French model also tags phrases: "He has metastatic prostate cancer" keeps nothing). A run
is kept

- from a PER entity, when it has two words, a lexicon name, or one word no dictionary knows;
- from a MISC/LOC/ORG entity (the model often labels foreign names and capitalised headers so)
  only with a lexicon name in it;

and never where an eponym ("maladie de Kahler", "Virchow's node") or an institution ("Centre
Oscar Lambret", "Guy's Hospital") stands. Titles are left out of the span ("Dr Martin" → "Martin").
"""

from __future__ import annotations

from typing import Any

from presidio_analyzer import AnalysisExplanation, RecognizerResult

from privacy.recognizers._base import DictionaryAwareRecognizer
from privacy.recognizers._names import (
    PARTICLES,
    TITLE_WORDS,
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


class NerPersonRecognizer(DictionaryAwareRecognizer):
    """spaCy's PER (and name-like MISC/LOC/ORG) entities, filtered by the clinical vocabulary."""

    PER_SCORE = 0.6
    OTHER_SCORE = 0.55

    def _name_token(self, word: str) -> bool:
        """A word that can be part of a person's name on its own merits."""
        if not word[:1].isupper() or is_clinical(word) or is_place(word) or is_acronym(word):
            return False
        return not is_ordinary(word, self.common_words) or is_first_name(word) or is_last_name(word)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        if nlp_artifacts is None or not getattr(nlp_artifacts, "entities", None):
            return []
        results = []
        for ent in nlp_artifacts.entities:
            label = ent.label_
            if label not in ("PER", "MISC", "LOC", "ORG"):
                continue
            toks = [(m.start() + ent.start_char, m.end() + ent.start_char, m.group())
                    for m in WORD.finditer(ent.text)]
            for run in self._runs(text, toks):
                start, end = run[0][0], run[-1][1]
                names = [w for _, _, w in run]
                if all(len(w) == 1 for w in names) or eponym_context(text, start, end) \
                        or institution_at(text, start, end):
                    continue
                lexicon = any(is_first_name(w) or is_last_name(w) for w in names)
                single_ordinary = len(names) == 1 and is_ordinary(names[0], self.common_words)
                if single_ordinary and not cue_before(text, start):
                    continue  # "Date", "Rose": one ordinary word needs a relative, a title, "avec"...
                if label == "PER" or lexicon and (len(names) > 1 or is_first_name(names[0])):
                    results.append(self._result(start, end, self.PER_SCORE if label == "PER"
                                                else self.OTHER_SCORE, label))
        return results

    def _runs(self, text: str, toks: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
        """Maximal runs of name words on one line (particles inside a run kept, titles dropped)."""
        runs: list[list[tuple[int, int, str]]] = []
        cur: list[tuple[int, int, str]] = []
        for k, tok in enumerate(toks):
            word = tok[2]
            joined = cur and "\n" not in text[cur[-1][1]:tok[0]] and len(text[cur[-1][1]:tok[0]]) <= 3
            if fold(word).rstrip(".") in TITLE_WORDS:
                ok = False
            elif fold(word) in PARTICLES and cur and k + 1 < len(toks) and self._name_token(toks[k + 1][2]):
                ok = True
            else:
                ok = self._name_token(word) or len(word) == 1 and word.isupper()  # an initial
            if ok and (not cur or joined):
                cur.append(tok)
                continue
            if cur:
                runs.append(cur)
            cur = [tok] if ok else []
        if cur:
            runs.append(cur)
        out = []
        for run in runs:
            # "Avis de Olga": an ordinary word before a lower-case particle is the sentence, not the name
            if len(run) > 2 and run[1][2].islower() and is_ordinary(run[0][2], self.common_words):
                run = run[1:]
            while run and fold(run[0][2]) in PARTICLES and run[0][2].islower():
                run = run[1:]
            if any(len(w) > 1 for _, _, w in run):
                out.append(run)
        return out

    def _result(self, start: int, end: int, score: float, label: str) -> RecognizerResult:
        explanation = AnalysisExplanation(
            recognizer=self.name, original_score=score, pattern_name=f"spacy_{label.lower()}", pattern=None,
            validation_result=None, textual_explanation=f"spaCy fr_core_news_md entity {label}")
        return RecognizerResult(self.ENTITY, start, end, score, analysis_explanation=explanation,
                                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
